"""The answer pipeline: named stages over one parsed ``Question``.

A question goes through four groups of stages, in order:

* **candidates** — ``Expansion`` turns the question's terms into the weighted terms searched;
  ``LexicalCandidates`` takes the best BM25 passages and ``SemanticCandidates`` the passages nearest the
  question's sentence vector; ``PostCandidates`` the passages naming the holder of a post asked for;
* **scores** — each candidate gets one figure per scorer (BM25 over the best, coverage, proximity, definition,
  answer-type cue, sentence-vector similarity, word-piece match); its score is their weighted sum;
* **re-ordering** — ``LearnedRanking`` orders the candidates by trees over those figures, then
  ``CuePromotion`` lifts the best candidate holding the kind of answer asked, ``MeaningCuePromotion`` one
  just below that holds it and comes as close in meaning, and ``PostPromotion`` the one naming a post's holder;
* **declines** — the first decline stage that objects gives the verdict (``Pipeline.verdict``: that stage and
  the reason it gives) and the question is not answered; the rules decide, unless ``LearnedDecline`` (a
  logistic model fitted on the public dev set; off as configured) is switched on, when with sentence vectors it
  decides alone;

and ``Highlight`` picks the span to bold in the passages shown. Every stage has a ``name`` and the settings that
switch it ``off`` (and ``on``, for stages off by default), so an ablation is a loop over ``STAGES``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace
from functools import cache, cached_property
from typing import ClassVar, Protocol

import numpy as np
import numpy.typing as npt

from bot.analysis import Analyzer, Token, fold
from bot.answer import (
    DeclinePolicy,
    Highlight,
    QuestionKind,
    attribute_terms,
    choose_highlight,
    coverage,
    cue_spans,
    decline_reason,
    defines,
    in_context,
    one_of_a_kind,
    proximity_at,
    sentence_cue,
    span_after_name,
    strip_frame,
    unit_kind,
    unit_name,
    withheld_phrase,
    withholds,
    writes_contact,
    writes_day,
    writes_in_unit,
    writes_other_name,
)
from bot.corpus import Corpus, Passage
from bot.decline_model import load_decline_model
from bot.expansion import Expander, WeightedTerm, compounds, noun_kinds
from bot.index import BM25Index, BM25Params, PassageSet
from bot.post import Holder, post_level, post_title_terms
from bot.question import Question, written_day
from bot.ranker import FIGURES, load_model
from bot.semantic import PassageVectors, TokenVectors
from bot.settings import RetrievalSettings

# Questions that cannot be answered without a span of their kind: what the decline then says is missing.
CUE_REQUIRED: dict[QuestionKind, str] = {
    QuestionKind.QUANTITY: "number",
    QuestionKind.AGE: "age or year",
    QuestionKind.MONEY: "amount of money",
    QuestionKind.DURATION: "duration",
    QuestionKind.DATE: "date",
    QuestionKind.TALLY: "vote tally",
}

Switch = tuple[tuple[str, object], ...]
# The answered-elsewhere decline reads the passages of other articles nearest by passage vector, and compares the
# first few of them by their own and their best sentence's cosine, as a candidate's meaning is read.
ELSEWHERE_SEARCHED = 8
ELSEWHERE_COMPARED = 3
# An all-capital name this short may be what the article spells out ("TV", "SI"): the mixed decline skips it.
SHORT_ACRONYM = 3
# How many of a question's words must be another article's topic (``MixedTopicsDecline``): with one, "bank" in
# "…the charity's bank account?" declined a question its article answers saying "account" (README, "Round 30"). One
# is enough, written as the other title writes it, beside a name the article holds (round 31).
MIXED_TOPIC_WORDS = 2
# A year or a figure of a thousand or more a question gives ("1998", "1,150"), read by the mixed-articles decline
# as it reads a name. Smaller figures are often written in words ("the 200 letters": "two hundred letters").
_QUESTION_FIGURE_RE = re.compile(r"\d{1,3}(?:,\d{3})+|\d{4,}")  # a year is four digits: one of the second
# A word of a question whose capitals mark nothing is a name when the articles write it capitalized in the first
# passages holding it, this often past a sentence's start (once may be a title's capital, unless the sentence
# model does not know the word).
NAME_PASSAGES_READ = 3
NAME_MIN_INSIDE = 2
# The passages read to tell which article a name of a mixed question belongs to (the one holding it most).
MIXED_POSTINGS_READ = 200


@dataclass(frozen=True, slots=True)
class Ranked:
    """A candidate passage after re-ranking, with the figures that placed it."""

    position: int
    score: float  # the re-ranking score: the weighted sum of the figures below
    bm25: float  # the weighted BM25 score
    coverage: float
    cue: bool | None  # holds the kind of answer asked near the question's words; None: no stage read it
    defines: bool
    proximity: float = 0.0
    similarity: float = 0.0  # cosine of the question's and the passage's sentence vectors (0: no semantic stage)
    sentence_similarity: float = 0.0  # the same for the passage's best sentence
    token_match: float = 0.0  # how well its word-piece vectors match the question's (0: not measured)
    sentence_token_match: float = 0.0  # the same for its best sentence's pieces
    learned: float | None = None  # the learned ranking's log-odds that it answers; None: not asked

    @property
    def meaning(self) -> float:
        """Return how close the passage comes to the question in meaning: its or its best sentence's cosine."""
        return max(self.similarity, self.sentence_similarity)


@dataclass(frozen=True, slots=True)
class Declined:
    """A decline stage's verdict: which stage declined (None: no candidate at all) and the reason it gives."""

    stage: Decline | None
    reason: str


@dataclass(frozen=True, slots=True)
class Ranking:
    """A question's terms as searched and its candidates, best first."""

    terms: tuple[str, ...]
    searched: tuple[WeightedTerm, ...]
    kind: QuestionKind
    candidates: tuple[Ranked, ...]
    question: Question | None = None
    semantic: bool = False  # the candidates carry sentence-vector similarities

    @property
    def weights(self) -> dict[str, float]:
        """Return each searched term's weight."""
        return {w.term: w.weight for w in self.searched}


@dataclass(eq=False)
class Context:
    """What every stage reads about one question: the question, the articles, the settings, the restriction.

    The figures several stages share (term weights, credits of stand-in terms) are computed on first use.
    """

    question: Question
    settings: RetrievalSettings
    params: BM25Params
    analyzer: Analyzer
    corpus: Corpus
    index: BM25Index
    passage_terms: Sequence[AbstractSet[str]]
    expander: Expander
    within: tuple[int, int] | None = None  # one article's passage range
    visible: PassageSet | None = None  # the passages that may answer (a server's articles)
    ranges: Mapping[str, tuple[int, int]] = field(default_factory=dict)  # each article's passage range
    name_capitals: dict[str, int] = field(default_factory=dict)  # ``written_as_name``'s counts, a snapshot's
    vectors: PassageVectors | None = None  # complete passage vectors, or None: no semantic stage
    question_vector: npt.NDArray[np.float32] | None = None
    question_tokens: TokenVectors | None = None  # the question's word-piece vectors, for the word-piece match
    searched: tuple[WeightedTerm, ...] = ()
    known_word: Callable[[str], bool] | None = None  # whether the sentence model knows a word whole, if one is loaded
    # The decline stages' reason not to answer with a candidate put first (None: answered); set by Pipeline.rank
    # for the re-ordering stages, so a re-order can choose among the passages that would be answered.
    declined_first: Callable[[Ranked], str | None] | None = None
    # The passage put first when the question is asked of every article the asker may see, computed on first call;
    # set by Pipeline.rank for a question asked of one article (the answered-elsewhere decline reads it).
    first_across: Callable[[], int | None] | None = None
    titles: dict[str, frozenset[str]] = field(default_factory=dict)  # ``title_terms`` of each article, a snapshot's
    _held: dict[tuple[int, ...], list[dict[str, list[int]]]] = field(default_factory=dict, repr=False)
    _cues: dict[int, bool] = field(default_factory=dict, repr=False)
    _holders: dict[int, Holder] = field(default_factory=dict, repr=False)
    _unheld: dict[str, tuple[Name, ...]] = field(default_factory=dict, repr=False)
    _topics: dict[str, tuple[str, list[str]] | None] = field(default_factory=dict, repr=False)

    @property
    def terms(self) -> list[str]:
        """Return the question's own terms."""
        return list(self.question.terms)

    @property
    def kind(self) -> QuestionKind:
        """Return the kind of answer the question asks for (a vote's tally only with ``tally``)."""
        kind = self.question.kind
        if kind is QuestionKind.TALLY and not self.settings.tally:
            return QuestionKind.OTHER
        return kind

    @property
    def semantic(self) -> bool:
        """Return True when the question and the passages have sentence vectors."""
        return self.vectors is not None and self.question_vector is not None

    @cached_property
    def weights(self) -> dict[str, float]:
        """Return each searched term's weight."""
        return {w.term: w.weight for w in self.searched}

    @cached_property
    def idf_weights(self) -> dict[str, float]:
        """Return each question term's IDF; a term no passage holds weighs as the rarest possible term."""
        return self.term_weights(self.terms)

    def term_weights(self, terms: Sequence[str]) -> dict[str, float]:
        """Return each term's IDF; a term no passage holds weighs as the rarest possible term."""
        unseen = self.params.unseen_idf(self.index.n_docs)
        return {t: (self.index.idf(t) if self.index.doc_freq(t) else unseen) for t in terms}

    @cached_property
    def credits(self) -> dict[str, list[tuple[str, float]]]:
        """Return, for each question term, the typo repairs and related words that stand in for it."""
        credits: dict[str, list[tuple[str, float]]] = {}
        for wt in self.searched:
            if not wt.original:
                for source in (wt.source, *wt.also):
                    credits.setdefault(source, []).append((wt.term, wt.weight))
        return credits

    @cached_property
    def stand_ins(self) -> dict[str, set[str]]:
        """Return the terms that stand in for each question term."""
        return {source: {t for t, _ in held} for source, held in self.credits.items()}

    @cached_property
    def counted(self) -> frozenset[str]:
        """Return what a how-many question counts, with its typo repairs, related words and kinds.

        The kinds WordNet names under a counted noun count it ("how many aircraft": "150 helicopters") with
        ``count_kinds``; only those some passage holds, since each is looked up in every candidate.
        """
        asked = self.question.counted
        if not asked:
            return asked
        counted = asked | {w.term for w in self.searched if w.source in asked}
        if self.settings.count_kinds:
            kinds = noun_kinds(self.analyzer)
            # A kind the question writes for something else counts nothing: "how many books … each year" (WordNet's
            # "yearly" is a kind of book).
            others = set(self.question.terms) - asked
            counted |= {kind for term in asked for kind in kinds.of(term)
                        if kind not in others and self.index.doc_freq(kind)}
        return counted

    def held(self, positions: Sequence[int]) -> list[dict[str, list[int]]]:
        """Return, for each candidate, the word positions of each question term and stand-in it holds, in order.

        Read from the forward index for all candidates at once (one ``np.isin``), and kept: coverage and proximity
        both read it.
        """
        key = tuple(positions)
        found = self._held.get(key)
        if found is not None:
            return found
        vocab = self.index.vocab
        terms = (*self.terms, *(t for held in self.stand_ins.values() for t in held))
        wanted = {tid: term for term in terms if (tid := vocab.get(term)) is not None}
        found = [{} for _ in key]
        if wanted and key:
            parts = [self.index.term_ids_of(p) for p in key]
            ends = np.cumsum([part.size for part in parts])
            ids = np.concatenate(parts)
            hits = np.flatnonzero(np.isin(ids, np.fromiter(wanted, dtype=ids.dtype, count=len(wanted))))
            owners = np.searchsorted(ends, hits, side="right")
            starts = ends - [part.size for part in parts]
            for owner, at, tid in zip(owners.tolist(), (hits - starts[owners]).tolist(), ids[hits].tolist(),
                                      strict=True):
                found[owner].setdefault(wanted[tid], []).append(at)
        self._held[key] = found
        return found

    def cue(self, position: int) -> bool:
        """Return whether a candidate holds the kind of answer asked near the question's words (``sentence_cue``).

        Kept: the promotion, the decline and the cue bonus may each ask about the same passage. Only the stages
        that read a candidate's cue ask, so most candidates are never read for one.
        """
        found = self._cues.get(position)
        if found is None:
            found = self.kind is not QuestionKind.OTHER and sentence_cue(
                self.passage(position), self.weights, self.analyzer, self.index.idf, self.kind,
                counted=self.counted, terms=self.forward_terms(position, (*self.weights, *self.counted)),
                phrase=self.question.counted_phrase if self.settings.strict_count else frozenset(),
                rates=self.question.rate or (self.settings.per_thing_rates and self.question.per_rate),
                per_thing=self.settings.per_thing_rates, negations=self.settings.count_negations,
            )
            self._cues[position] = found
        return found

    def checked_cue(self, position: int) -> bool | None:
        """Return a candidate's cue if a stage has read it, else None."""
        return self._cues.get(position)

    def forward_terms(self, position: int, wanted: Iterable[str]) -> list[str | None]:
        """Return a passage's terms in order from the forward index, None for each not ``wanted``."""
        vocab = self.index.vocab
        ids = {tid: term for term in wanted if (tid := vocab.get(term)) is not None}
        return [ids.get(tid) for tid in self.index.term_ids_of(position).tolist()]

    def holder(self, position: int) -> Holder:
        """Return how well a candidate names the holder of the post the question asks for (``bot.post``)."""
        post = self.question.post
        if post is None:
            return Holder()
        found = self._holders.get(position)
        if found is None:
            passage = self.passage(position)
            found = self._holders[position] = post_level(post, passage.text, self.analyzer,
                                                         title_terms(self, passage.article_id))
        return found

    def passage(self, position: int) -> Passage:
        """Return the passage at a position."""
        return self.corpus.passages[position]

    @cached_property
    def nearest_elsewhere(self) -> tuple[int, float] | None:
        """Return the passage outside the article asked that comes closest in meaning, and how close, or None.

        Among the few nearest by passage vector, the closest by its own or its best sentence's cosine, as
        ``Ranked.meaning``; only the visible passages when a server restricts them. None without a restriction
        to one article or without sentence vectors. Kept: the learned ranking asks the declines of several firsts.
        """
        within, vectors, query, visible = self.within, self.vectors, self.question_vector, self.visible
        if within is None or vectors is None or query is None:
            return None
        found = vectors.nearest(query, ELSEWHERE_SEARCHED * (4 if visible is not None else 1),
                                probe=self.settings.semantic_probe)
        outside = [p for p, _ in found if not within[0] <= p < within[1] and (visible is None or p in visible)]
        if not outside:
            return None
        outside = outside[:ELSEWHERE_COMPARED]
        passages, sentences = vectors.similarities(query, outside)
        meaning = np.maximum(passages, sentences)
        at = int(np.argmax(meaning))
        return outside[at], float(meaning[at])

    def relative_score(self, score: float) -> float:
        """Return a score over the question's own maximum: every term held once in a passage of mean length.

        Terms no passage holds weigh as much as the rarest possible term, so an off-topic question's maximum
        stays large while its score stays small.
        """
        maximum = self.score_maximum
        return min(1.0, score / maximum) if maximum > 0 else 0.0

    @cached_property
    def names_outside_article(self) -> tuple[Name, ...]:
        """Return ``names_outside_article``, kept: every candidate a re-order tries first asks the declines again."""
        return names_outside_article(self)

    @cached_property
    def names(self) -> tuple[Name, ...]:
        """Return ``question_names``, kept: the name declines read them for every article a re-order tries."""
        return tuple(question_names(self))

    def names_outside_own_article(self, position: int) -> tuple[Name, ...]:
        """Return ``names_outside_own_article`` for a candidate, kept per article for the re-orders' asking."""
        article_id = self.passage(position).article_id
        found = self._unheld.get(article_id)
        if found is None:
            found = self._unheld[article_id] = names_outside_own_article(self, article_id)
        return found

    def topics_outside_own_article(self, position: int) -> tuple[str, list[str]] | None:
        """Return ``topics_outside_own_article`` for a candidate, kept per article (the decline, then its reply)."""
        article_id = self.passage(position).article_id
        if article_id not in self._topics:
            self._topics[article_id] = topics_outside_own_article(self, article_id)
        return self._topics[article_id]

    @cached_property
    def score_maximum(self) -> float:
        """Return the question's own maximum score, which ``relative_score`` divides by (read for every candidate)."""
        factor = 1.0 + (self.params.delta if self.params.variant == "plus" else 0.0)
        return factor * sum(self.term_weights(list(dict.fromkeys(self.terms))).values())


class Stage(Protocol):
    """A named step of the pipeline and the settings that switch it off (and on, when off by default)."""

    name: ClassVar[str]
    off: ClassVar[Switch]
    on: ClassVar[Switch]


# -- candidates ------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Pool:
    """The candidates found so far, in the order found, with their BM25 scores."""

    bm25: dict[int, float] = field(default_factory=dict)
    top: float = 0.0  # the best BM25 score among the lexical candidates (0: none)


class Expansion:
    """Search the question's terms, their typo repairs, related words, WordNet synonyms and compounds, weighted down."""

    name: ClassVar[str] = "expansion (typo repairs, related words, WordNet)"
    off: ClassVar[Switch] = (("typo_weight", 0.0), ("related_weight", 0.0), ("wordnet_weight", 0.0))
    on: ClassVar[Switch] = ()

    def searched(self, ctx: Context) -> tuple[WeightedTerm, ...]:
        """Return the weighted terms searched for the question."""
        terms = ctx.terms
        text = ctx.question.text
        found = compounds(strip_frame(text), ctx.analyzer, ctx.expander.vocabulary)
        # A term's word as written is read only for a repair, so only when some term is no passage's.
        vocabulary = ctx.expander.vocabulary
        written = ({t.term: fold(text[t.start:t.end]) for t in ctx.analyzer.tokens(text)}
                   if any(t not in vocabulary for t in terms) else None)
        return tuple(ctx.expander.expand(terms, found, written))


class LexicalCandidates:
    """Take the ``rerank_depth`` passages with the best weighted BM25 score."""

    name: ClassVar[str] = "lexical candidates (BM25)"
    off: ClassVar[Switch] = (("lexical_candidates", False),)
    on: ClassVar[Switch] = ()

    def add(self, ctx: Context, pool: Pool) -> None:
        """Add the best BM25 passages to the pool first, and give every other candidate its BM25 score."""
        found: dict[int, float] = {}
        if ctx.settings.lexical_candidates:
            hits = ctx.index.top_k(ctx.searched, ctx.settings.rerank_depth, within=ctx.within, visible=ctx.visible)
            found = {h.position: h.score for h in hits}
            pool.top = hits[0].score if hits else 0.0
        others = [p for p in pool.bm25 if p not in found]
        if others:  # semantic candidates the search did not return
            found |= dict(zip(others, ctx.index.scores_at(ctx.searched, others), strict=True))
        pool.bm25 = found


class SemanticCandidates:
    """Take the ``semantic_candidates`` passages whose sentence vectors are nearest the question's.

    A question in other words may share no term with its paragraph.
    """

    name: ClassVar[str] = "semantic candidates"
    off: ClassVar[Switch] = (("semantic_candidates", 0),)
    on: ClassVar[Switch] = ()

    def add(self, ctx: Context, pool: Pool) -> None:
        """Add the nearest passages to the pool."""
        wanted = ctx.settings.semantic_candidates
        if ctx.vectors is None or ctx.question_vector is None or wanted <= 0:
            return
        visible = ctx.visible
        # With a restriction, ask for more and keep the visible ones: hidden articles may be nearer.
        found = ctx.vectors.nearest(ctx.question_vector, wanted * (4 if visible is not None else 1), ctx.within,
                                    probe=ctx.settings.semantic_probe)
        near = [p for p, _ in found if visible is None or p in visible][:wanted]
        for position in near:
            pool.bm25.setdefault(position, 0.0)


class PostCandidates:
    """Add the passages of the best candidates' articles that name the holder of the post a question asks for.

    "who leads the harbour union": the paragraph writing "Union general secretary Rosa Kettering called the deal…"
    shares one word with the question and is not among the best BM25 or nearest passages (``bot.post``).
    """

    name: ClassVar[str] = "post candidates"
    off: ClassVar[Switch] = (("post_candidates", False),)
    on: ClassVar[Switch] = ()
    articles: ClassVar[int] = 2  # the articles of the best BM25 candidates read, besides the nearest passage's
    passages: ClassVar[int] = 400  # the passages of an article read at most

    def add(self, ctx: Context, pool: Pool) -> None:
        """Add the passages naming the post's holder to the pool, with their BM25 scores."""
        if not ctx.settings.post_candidates or ctx.question.post is None or not pool.bm25:
            return
        # The nearest passage's article (the pool's first, when the semantic stage found it), then the best BM25
        # candidates': "who runs quillstack" finds "runs" in every article.
        articles = [ctx.passage(next(iter(pool.bm25))).article_id]
        for position in sorted(pool.bm25, key=lambda p: (-pool.bm25[p], p)):
            if len(articles) > self.articles:
                break
            article = ctx.passage(position).article_id
            if article not in articles:
                articles.append(article)
        visible = ctx.visible
        read = [
            p
            for article in articles
            for p in range(*_first_passages(ctx.ranges.get(article, (0, 0)), self.passages))
            if p not in pool.bm25 and (visible is None or p in visible)
        ]
        # Only a passage holding the title's words is read name by name: most hold none (README "Round 43").
        titled = titled_passages(ctx.index, post_title_terms(ctx.question.post, ctx.analyzer), read)
        added = [p for p in titled if ctx.holder(p).level > 0]
        if added:
            pool.bm25 |= dict(zip(added, ctx.index.scores_at(ctx.searched, added), strict=True))


def titled_passages(index: BM25Index, groups: Sequence[AbstractSet[str]], positions: list[int]) -> list[int]:
    """Return the positions whose passage holds a term of every group (``bot.post.post_title_terms``), in order."""
    if not groups or not positions:
        return positions
    at = np.asarray(positions, dtype=np.int64)
    keep = np.ones(len(positions), dtype=bool)
    for group in groups:
        held = [index.postings(term)[0] for term in group]
        keep &= np.isin(at, np.concatenate(held)) if held else False
    kept: list[int] = at[keep].tolist()
    return kept


def _first_passages(span: tuple[int, int], most: int) -> tuple[int, int]:
    """Return the range of a span's first ``most`` positions."""
    return span[0], min(span[1], span[0] + most)


# -- scores ----------------------------------------------------------------------------------------------


class Scorer(Stage, Protocol):
    """A figure of each candidate and its weight in the candidate's score."""

    figures: ClassVar[tuple[str, ...]]  # the ``Ranked`` fields it fills

    def weights(self, settings: RetrievalSettings) -> tuple[float, ...]:
        """Return the weight of each figure in the score."""
        ...

    def needed(self, settings: RetrievalSettings) -> bool:
        """Return True when a later stage reads the figures even if they weigh nothing in the score."""
        ...

    def figure(self, ctx: Context, positions: Sequence[int], pool: Pool) -> list[tuple[float, ...]]:
        """Return each candidate's figures."""
        ...


class LexicalScore:
    """BM25 over the best candidate's BM25."""

    name: ClassVar[str] = "BM25 in the ranking"
    off: ClassVar[Switch] = (("lexical_weight", 0.0),)
    on: ClassVar[Switch] = ()
    figures: ClassVar[tuple[str, ...]] = ("lexical",)

    def weights(self, settings: RetrievalSettings) -> tuple[float, ...]:
        """Return the weight of BM25 over the best BM25."""
        return (settings.lexical_weight,)

    def needed(self, settings: RetrievalSettings) -> bool:
        """Return False: the BM25 score is always in the pool."""
        return False

    def figure(self, ctx: Context, positions: Sequence[int], pool: Pool) -> list[tuple[float, ...]]:
        """Return each candidate's BM25 over the best."""
        return [((pool.bm25[p] / pool.top) if pool.top > 0 else 0.0,) for p in positions]


class CoverageScore:
    """The IDF-weighted share of the question's terms the passage holds (stand-ins credited at their weight)."""

    name: ClassVar[str] = "coverage in the ranking"
    off: ClassVar[Switch] = (("coverage_weight", 0.0),)
    on: ClassVar[Switch] = ()
    figures: ClassVar[tuple[str, ...]] = ("coverage",)

    def weights(self, settings: RetrievalSettings) -> tuple[float, ...]:
        """Return the coverage weight."""
        return (settings.coverage_weight,)

    def needed(self, settings: RetrievalSettings) -> bool:
        """Return True: the declines read the best passage's coverage."""
        return True

    def figure(self, ctx: Context, positions: Sequence[int], pool: Pool) -> list[tuple[float, ...]]:
        """Return each candidate's coverage."""
        terms, weights, credits = ctx.terms, ctx.idf_weights, ctx.credits
        # Coverage asks only about the question's terms and their stand-ins: those a candidate holds are enough.
        return [(coverage(terms, held.keys(), weights=weights, credits=credits),) for held in ctx.held(positions)]


class ProximityScore:
    """The share of the question's word pairs the passage keeps together."""

    name: ClassVar[str] = "proximity bonus"
    off: ClassVar[Switch] = (("proximity_weight", 0.0),)
    on: ClassVar[Switch] = ()
    figures: ClassVar[tuple[str, ...]] = ("proximity",)

    def weights(self, settings: RetrievalSettings) -> tuple[float, ...]:
        """Return the proximity weight."""
        return (settings.proximity_weight,)

    def needed(self, settings: RetrievalSettings) -> bool:
        """Return True when the learned ranking reads proximity (nothing else does)."""
        return settings.learned_ranking

    def figure(self, ctx: Context, positions: Sequence[int], pool: Pool) -> list[tuple[float, ...]]:
        """Return each candidate's proximity."""
        terms, idf, stand_ins = ctx.terms, ctx.index.idf, ctx.stand_ins
        return [(proximity_at(terms, held, idf, stand_ins),) for held in ctx.held(positions)]


class DefinitionScore:
    """A bonus for defining what "what is X" asks about."""

    name: ClassVar[str] = "definition bonus"
    off: ClassVar[Switch] = (("definition_weight", 0.0),)
    on: ClassVar[Switch] = ()
    figures: ClassVar[tuple[str, ...]] = ("defines",)

    def weights(self, settings: RetrievalSettings) -> tuple[float, ...]:
        """Return the definition weight."""
        return (settings.definition_weight,)

    def needed(self, settings: RetrievalSettings) -> bool:
        """Return True when the learned ranking reads it (nothing else does)."""
        return settings.learned_ranking

    def figure(self, ctx: Context, positions: Sequence[int], pool: Pool) -> list[tuple[float, ...]]:
        """Return 1 for each candidate that defines the question's subject, else 0."""
        subject = ctx.question.subject
        return [(float(subject is not None and defines(ctx.passage(p).text, subject)),) for p in positions]


class CueScore:
    """A bonus when a sentence holding the question's words holds the kind of answer asked."""

    name: ClassVar[str] = "answer-type cue bonus"
    off: ClassVar[Switch] = (("cue_weight", 0.0),)
    on: ClassVar[Switch] = (("cue_weight", 0.3),)
    figures: ClassVar[tuple[str, ...]] = ("cue",)

    def weights(self, settings: RetrievalSettings) -> tuple[float, ...]:
        """Return the cue weight."""
        return (settings.cue_weight,)

    def needed(self, settings: RetrievalSettings) -> bool:
        """Return False: the cue promotion and the cue decline ask ``Context.cue`` of the few they read."""
        return False

    def figure(self, ctx: Context, positions: Sequence[int], pool: Pool) -> list[tuple[float, ...]]:
        """Return 1 for each candidate that holds the answer's kind near the question's words, else 0."""
        return [(float(ctx.cue(p)),) for p in positions]


class SemanticScore:
    """The cosine of the question's sentence vector with the passage's and with its best sentence's."""

    name: ClassVar[str] = "semantic re-ranking"
    off: ClassVar[Switch] = (("passage_similarity_weight", 0.0), ("sentence_similarity_weight", 0.0))
    on: ClassVar[Switch] = ()
    figures: ClassVar[tuple[str, ...]] = ("similarity", "sentence_similarity")

    def weights(self, settings: RetrievalSettings) -> tuple[float, ...]:
        """Return the weights of the passage's and the best sentence's cosine."""
        return (settings.passage_similarity_weight, settings.sentence_similarity_weight)

    def needed(self, settings: RetrievalSettings) -> bool:
        """Return True: the similarity decline reads the cosines."""
        return True

    def figure(self, ctx: Context, positions: Sequence[int], pool: Pool) -> list[tuple[float, ...]]:
        """Return each candidate's two cosines (zeros without sentence vectors)."""
        if ctx.vectors is None or ctx.question_vector is None:
            return [(0.0, 0.0)] * len(positions)
        passages, sentences = ctx.vectors.similarities(ctx.question_vector, positions)
        return list(zip(passages.tolist(), sentences.tolist(), strict=True))


class TokenMatchScore:
    """How well the passage's contextual word-piece vectors match the question's (``bot.semantic.token_match``).

    Each of the question's word pieces takes its best cosine with any of the passage's, weighted by its IDF over
    the passages: a late interaction, as ColBERT scores, with the sentence model's own token vectors. It reads
    the passage word by word where one vector a passage or sentence blurs it (round 11: across on the dev set's
    held-out fold B 79.3 → 80.3%). The same figure over the best sentence's pieces alone asks that one sentence
    restate the question, as SQuAD's answer sentences do (round 12). Only on corpora of up to
    ``token_vectors_up_to`` passages (the vectors take about 50 KB a passage); larger ones score 0 for all and
    rank as before.
    """

    name: ClassVar[str] = "word-piece match"
    off: ClassVar[Switch] = (("token_match_weight", 0.0), ("sentence_token_match_weight", 0.0))
    on: ClassVar[Switch] = ()
    figures: ClassVar[tuple[str, ...]] = ("token_match", "sentence_token_match")

    def weights(self, settings: RetrievalSettings) -> tuple[float, ...]:
        """Return the weights of the passage's and the best sentence's word-piece match."""
        return (settings.token_match_weight, settings.sentence_token_match_weight)

    def needed(self, settings: RetrievalSettings) -> bool:
        """Return True when the learned ranking reads it."""
        return settings.learned_ranking

    def wanted(self, settings: RetrievalSettings) -> bool:
        """Return True when the figure is computed at all: it weighs or another stage reads it."""
        return any(self.weights(settings)) or self.needed(settings)

    def figure(self, ctx: Context, positions: Sequence[int], pool: Pool) -> list[tuple[float, ...]]:
        """Return each candidate's and its best sentence's word-piece match (zeros without word-piece vectors).

        The best sentence's is 0 unless it weighs or the learned ranking reads it (splitting costs a little).
        """
        if ctx.vectors is None or ctx.question_tokens is None:
            return [(0.0, 0.0)] * len(positions)
        r = ctx.settings
        if not (r.sentence_token_match_weight > 0 or self.needed(r)):  # nothing reads the sentences' figure
            whole = ctx.vectors.token_matches(ctx.question_tokens, positions, sentences=False).passages
            return [(x, 0.0) for x in whole.tolist()]
        matches = ctx.vectors.token_matches(ctx.question_tokens, positions)
        return list(zip(matches.passages.tolist(), matches.sentences.tolist(), strict=True))


# -- re-ordering -----------------------------------------------------------------------------------------


def moved_first(first: Ranked, ranked: Sequence[Ranked]) -> list[Ranked]:
    """Return the candidates with ``first`` put first, the others in their order."""
    return [first, *(c for c in ranked if c is not first)]


def first_holding(ranked: list[Ranked], depth: int, holds: Callable[[Ranked], bool]) -> list[Ranked]:
    """Return the candidates with the best of the first ``depth`` that holds what is asked put first.

    As they were when the first holds it already, or none of the others does.
    """
    if holds(ranked[0]):
        return ranked
    answering = next((c for c in ranked[1:depth] if holds(c)), None)
    return ranked if answering is None else moved_first(answering, ranked)


class LearnedRanking:
    """Order the candidates by a learned model of the figures that scored them (``bot.ranker``).

    Gradient-boosted trees, fitted on the dev set's fold A and monotonic in every figure, read each candidate's
    figures, each against the question's best and as a rank, and the linear score (rounds 12 and 13). Scores
    stay the linear ones, so cue promotion's margin and the declines read what they read before; only the order
    changes, and the first place goes to a passage the declines let answer (``Context.declined_first``)
    whenever the linear first was one. Without sentence or word-piece vectors (the lexical fallback, corpora
    past ``token_vectors_up_to``) or when a passage defines what the question asks about ("NFFC (Northfield
    Football Club)" for "What does NFFC stand for?"), the order is left as the linear score made it.
    """

    name: ClassVar[str] = "learned ranking"
    off: ClassVar[Switch] = (("learned_ranking", False),)
    on: ClassVar[Switch] = (("learned_ranking", True),)

    @staticmethod
    def figures(ctx: Context, ranked: Sequence[Ranked]) -> dict[str, list[float]]:
        """Return the candidates' ``bot.ranker.FIGURES`` as the model reads them (and the fitting tool saves them)."""
        figures = {name: [float(getattr(c, name)) for c in ranked] for name in FIGURES}
        figures["bm25"] = [ctx.relative_score(c.bm25) for c in ranked]
        figures["defines"] = [1.0 if c.defines else 0.0 for c in ranked]
        return figures

    def reorder(self, ctx: Context, ranked: list[Ranked]) -> list[Ranked]:
        """Return the candidates ordered by the model, best first, each with its ``learned`` figure."""
        vectors = ctx.vectors
        if (not ctx.settings.learned_ranking or vectors is None or ctx.question_vector is None or not ranked
                or not vectors.has_tokens or ctx.question_tokens is None):
            return ranked  # the trees were fitted with every figure: without word pieces their order means nothing
        if any(c.defines for c in ranked):
            return ranked  # 18 of the 4,371 questions fitted on had a passage defining their subject: too few
        learned = load_model().score(self.figures(ctx, ranked), [c.score for c in ranked])
        marked = [replace(c, learned=float(x)) for c, x in zip(ranked, learned.tolist(), strict=True)]
        order = [marked[i] for i in np.argsort(-learned, kind="stable")]
        declined = ctx.declined_first
        if declined is not None and declined(marked[0]) is None:
            # The trees choose among the passages the declines let answer: a question the linear first answered
            # is not declined for the trees' choice (fold B answered 95.6% → 96.3%, README round 13).
            first = next(c for c in order if declined(c) is None)
            order = moved_first(first, order)
        return order


class CuePromotion:
    """Put first the best candidate holding the kind of answer asked, when it scores near the best.

    A how-many / how-much / how-long / when question needs its kind of answer.
    """

    name: ClassVar[str] = "cue promotion"
    off: ClassVar[Switch] = (("cue_promote", False),)
    on: ClassVar[Switch] = ()

    def reorder(self, ctx: Context, ranked: list[Ranked]) -> list[Ranked]:
        """Return the candidates with the answering one moved first, or as they were."""
        if not ctx.settings.cue_promote or ctx.kind not in CUE_REQUIRED or ctx.cue(ranked[0].position):
            return ranked
        # Best first: a candidate below the margin is never read for its cue.
        floor = ranked[0].score - ctx.settings.promote_margin
        answering = next((c for c in ranked if c.score >= floor and ctx.cue(c.position)), None)
        if answering is None:
            return ranked
        return moved_first(answering, ranked)


class MeaningCuePromotion:
    """Put first the second or third candidate holding the kind of answer asked, when it is closer in meaning.

    "How many students worked on it?": the first passage holds both words and no number; the next holds "More
    than 140 undergraduate and graduate students" and comes closer to the question in meaning, but scores too far
    below the first for ``CuePromotion``'s margin, so the cue decline would decline the question.
    """

    name: ClassVar[str] = "cue promotion by meaning"
    off: ClassVar[Switch] = (("cue_promote_by_meaning", False),)
    on: ClassVar[Switch] = ()
    depth: ClassVar[int] = 3  # the first five measured as the first three (README, round 16)

    def reorder(self, ctx: Context, ranked: list[Ranked]) -> list[Ranked]:
        """Return the candidates with the answering one moved first, or as they were."""
        r = ctx.settings
        if (not r.cue_promote_by_meaning or ctx.kind not in CUE_REQUIRED or not ctx.semantic
                or ctx.cue(ranked[0].position)):
            return ranked
        above = ranked[0].meaning + r.promote_meaning_margin
        answering = next((c for c in ranked[1 : self.depth] if c.meaning >= above and ctx.cue(c.position)), None)
        if answering is None:
            return ranked
        return moved_first(answering, ranked)


class TallyPromotion:
    """Put first the best of the first few candidates that gives a vote's tally, when the first gives none.

    "what was the council vote on the body cams": the first paragraphs say what the council voted for; the one
    answering ("Councillors voted 9 to 4 to fund the program") may score well below them, past ``CuePromotion``'s
    margin. A tally is specific enough to be taken from further down.
    """

    name: ClassVar[str] = "vote tally"
    off: ClassVar[Switch] = (("tally", False),)
    on: ClassVar[Switch] = ()
    depth: ClassVar[int] = 5

    def reorder(self, ctx: Context, ranked: list[Ranked]) -> list[Ranked]:
        """Return the candidates with the first giving a tally moved first, or as they were."""
        if ctx.kind is not QuestionKind.TALLY:
            return ranked
        return first_holding(ranked, self.depth, lambda c: ctx.cue(c.position))


class SpanPromotion:
    """Put first the best of the first few candidates giving a span of years right after a name the question gives.

    "What years did Ögedei Khan rule?": the first passage names Ögedei and gives other rulers' years; the one
    answering writes "his successor Ögedei Khan (r. 1229–1241)", as an encyclopedia gives a reign or a life. Only
    when the question asks a span of years (``Question.span``) and the first candidate gives none after its names.
    The first ten are read, not five as for a tally: a span right after the name asked is as specific, and ten
    mend one more question of fold B across and two within than five, losing none (README, "Round 40").
    """

    name: ClassVar[str] = "span of years"
    off: ClassVar[Switch] = (("span_promote", False),)
    on: ClassVar[Switch] = ()
    depth: ClassVar[int] = 10

    def reorder(self, ctx: Context, ranked: list[Ranked]) -> list[Ranked]:
        """Return the candidates with the first giving a span after a name moved first, or as they were."""
        if not ctx.settings.span_promote or not ctx.question.span or not ranked:
            return ranked
        return first_holding(ranked, self.depth, lambda c: gives_span(ctx, c))


def gives_span(ctx: Context, candidate: Ranked) -> bool:
    """Return True when a question asks a span of years and a candidate gives one right after a name it gives."""
    if not ctx.settings.span_promote or not ctx.question.span:
        return False
    text = ctx.passage(candidate.position).text
    return any(span_after_name(text, name) for name in joined_names(ctx.question.text, ctx.names))


class ContactPromotion:
    """Put first the best of the first few candidates writing the contact a question asks.

    "is there a link to bukele's video": the first passage tells of the video, the third writes
    "pic.twitter.com/rxSyu2et2C" (``Question.contact``: a phone number, an email or a web address, a link). A
    contact is rarer in a passage than a tally, so the first ten are read, as for a span of years, and the semantic
    decline stands aside for it ("twitter link for the video" is 0.26 from that passage in meaning); a passage
    sharing none of the question's words still does not answer.
    """

    name: ClassVar[str] = "contact written"
    off: ClassVar[Switch] = (("contact_promote", False),)
    on: ClassVar[Switch] = ()
    depth: ClassVar[int] = 10

    def reorder(self, ctx: Context, ranked: list[Ranked]) -> list[Ranked]:
        """Return the candidates with the first writing the contact asked moved first, or as they were."""
        if not ctx.settings.contact_promote or ctx.question.contact is None or not ranked:
            return ranked
        return first_holding(ranked, self.depth, lambda c: gives_contact(ctx, c))


def gives_contact(ctx: Context, candidate: Ranked) -> bool:
    """Return True when a question asks a contact written out and a candidate writes one of its kind."""
    contact = ctx.question.contact
    if not ctx.settings.contact_promote or contact is None:
        return False
    return writes_contact(ctx.passage(candidate.position).text, contact, ctx.question.contact_of)


class PostPromotion:
    """Put first the candidate of the first's article that names the holder of the post a question asks for.

    "who runs the festival": the paragraphs on the festival's cancellation share the question's words; the one
    answering writes "Festival director Caspian Lowe said…" (``bot.post``). Only a candidate naming the holder
    better than the first does (``post_level``), beside what the post heads or in its article about it, is moved,
    the best-ranked of those naming them best: "Under such influential United States founders as Alexander
    Hamilton" does not answer "Who was the founder of the New York Post?" in the New York City article.
    """

    name: ClassVar[str] = "post promotion"
    off: ClassVar[Switch] = (("post_promote", False),)
    on: ClassVar[Switch] = ()

    def reorder(self, ctx: Context, ranked: list[Ranked]) -> list[Ranked]:
        """Return the candidates with the one naming the post's holder moved first, or as they were."""
        post = ctx.question.post
        if not ctx.settings.post_promote or post is None or not ranked:
            return ranked
        article = ctx.passage(ranked[0].position).article_id
        best, level = None, ctx.holder(ranked[0].position)
        declined = ctx.declined_first
        answered = declined is None or declined(ranked[0]) is None
        for c in ranked[1:]:
            if ctx.passage(c.position).article_id != article:
                continue
            found = ctx.holder(c.position)
            # A question the first answers is not declined for the one moved first.
            if (found.placed and found.level > level.level
                    and (not answered or declined is None or declined(c) is None)):
                best, level = c, found
        return ranked if best is None else moved_first(best, ranked)


# -- declines --------------------------------------------------------------------------------------------


class Decline(Stage, Protocol):
    """A reason not to answer with the best candidate."""

    def reason(self, ctx: Context, ranking: Ranking) -> str | None:
        """Return why the question is not answered, or None."""
        ...


class ScoreDecline:
    """Decline when the best passage holds too small a share of the question's terms or of its maximum score.

    With sentence vectors the thresholds are ``min_coverage`` / ``min_relative_score``, and a best passage whose
    similarity is ``score_decline_below`` or more is not declined: a question in other words ("When will it
    start collecting actual science data?") may share few words with the passage it means. Without vectors the
    lexical figures decide alone, at ``lexical_min_coverage`` / ``lexical_min_relative_score``.
    """

    name: ClassVar[str] = "coverage and score decline"
    off: ClassVar[Switch] = (("min_coverage", 0.0), ("min_relative_score", 0.0), ("lexical_min_coverage", 0.0),
                             ("lexical_min_relative_score", 0.0))
    on: ClassVar[Switch] = ()

    def reason(self, ctx: Context, ranking: Ranking) -> str | None:
        """Return why the best passage shares too little of the question, or None."""
        r = ctx.settings
        best = ranking.candidates[0]
        if learned(ctx, ranking) or (ranking.semantic and best.meaning >= r.score_decline_below):
            return None
        if holds_post(ctx, best) or (ctx.question.contact_of and gives_contact(ctx, best)):
            return None  # the holder named beside the post, or the handle holding the name asked, answers
        policy = (DeclinePolicy(r.min_coverage, r.min_relative_score) if ranking.semantic
                  else DeclinePolicy(r.lexical_min_coverage, r.lexical_min_relative_score))
        reason = decline_reason(best.coverage, ctx.relative_score(best.bm25), policy)
        if best.coverage <= 0 and any(c.coverage > 0 for c in ranking.candidates):
            # A candidate found by meaning alone came first: other passages do share words, only not enough.
            return "the best passage shares none of the question's words"
        return reason


class CueDecline:
    """Decline a how-many / how-much / how-long / when question whose best passage gives no such answer.

    With sentence vectors, only when the best passage is not very close in meaning (``cue_decline_below``).
    """

    name: ClassVar[str] = "cue decline"
    off: ClassVar[Switch] = (("decline_without_cue", False),)
    on: ClassVar[Switch] = ()

    def reason(self, ctx: Context, ranking: Ranking) -> str | None:
        """Return what kind of answer the best passage lacks, or None."""
        best = ranking.candidates[0]
        if learned(ctx, ranking):
            return None
        if not ctx.settings.decline_without_cue or ranking.kind not in CUE_REQUIRED or ctx.cue(best.position):
            return None
        if ranking.semantic and best.meaning >= ctx.settings.cue_decline_below:
            return None  # the passage says what the question asks in other words: its answer may be unmarked
        return f"the best passage gives no {CUE_REQUIRED[ranking.kind]} near the question's words"


class DateDecline:
    """Decline when the best passage never writes a year or a day the question pins what it asks to.

    "What was turnout in the 2018 election?" of an article on a later one: a year stands for itself, as written,
    so a passage that answers writes it too; "prior to 2007" only bounds a time (``Question.years``). So does a
    day with no year ("Who returned to filming on 12 April?"; ``Question.days``).
    """

    name: ClassVar[str] = "unwritten-date decline"
    off: ClassVar[Switch] = (("decline_date_unwritten", False),)
    on: ClassVar[Switch] = (("decline_date_unwritten", True),)

    def reason(self, ctx: Context, ranking: Ranking) -> str | None:
        """Return the years and days the best passage never writes, or None."""
        q = ctx.question
        if not ctx.settings.decline_date_unwritten or not (q.years or q.days):
            return None
        position = ranking.candidates[0].position
        held = ctx.passage_terms[position]
        missing = [f"the year {year}" for year in q.years if year not in held]
        text = ctx.passage(position).text
        missing += [f"{day} {month.capitalize()}" for day, month in q.days if not written_day(text, day, month)]
        return f"the best passage never gives {', '.join(missing)}" if missing else None


class UnitDecline:
    """Decline a measure asked in a unit ("how much rain fell in mm?") when the best passage gives none in it.

    A figure of another kind answers another question: "41 percent" does not say how much rain fell in millimetres
    (``Question.measured_in``), though "2 inches" would (``bot/data/unit_kinds.txt``). A rate ("4.1 tonnes per
    hectare") does not answer unless a rate is asked.
    """

    name: ClassVar[str] = "unwritten-unit decline"
    off: ClassVar[Switch] = (("decline_unit_unwritten", False),)
    on: ClassVar[Switch] = (("decline_unit_unwritten", True),)

    def reason(self, ctx: Context, ranking: Ranking) -> str | None:
        """Return the unit the best passage gives no figure in, or None."""
        q = ctx.question
        if not ctx.settings.decline_unit_unwritten or not q.measured_in:
            return None
        kind = unit_kind(q.measured_in)
        text = ctx.passage(ranking.candidates[0].position).text
        if writes_in_unit(text, kind[1] if kind else q.measured_in, rate=q.rate or q.per_rate):
            return None
        other = f", nor in another unit of {kind[0]}" if kind else ""
        return f"the best passage gives no figure in {unit_name(q.measured_in)}{other}"


class DayDecline:
    """Decline a question asking a day ("when did the school reopen exactly?") whose best passage writes none.

    "closed for a week in March" and "a six-week period next spring" say when only to the month or season; a
    question that asks for the exact date, or what day, is not answered by them (``Question.day``).
    """

    name: ClassVar[str] = "unwritten-day decline"
    off: ClassVar[Switch] = (("decline_day_unwritten", False),)
    on: ClassVar[Switch] = (("decline_day_unwritten", True),)

    def reason(self, ctx: Context, ranking: Ranking) -> str | None:
        """Return that the best passage gives no day, or None."""
        if not ctx.settings.decline_day_unwritten or not ctx.question.day:
            return None
        if writes_day(ctx.passage(ranking.candidates[0].position).text):
            return None
        return "the best passage gives no day, only a month, a season or a year"


class ContactDecline:
    """Decline a question asking a contact written out ("whats the helpline number?") whose best passage gives none.

    "…has set up a helpline for parents, which has taken more than 5,000 calls" is on the topic, and its number
    answers another question (``Question.contact``: a phone number, an email or a web address).
    """

    name: ClassVar[str] = "unwritten-contact decline"
    off: ClassVar[Switch] = (("decline_contact_unwritten", False),)
    on: ClassVar[Switch] = (("decline_contact_unwritten", True),)

    def reason(self, ctx: Context, ranking: Ranking) -> str | None:
        """Return the contact the best passage does not write, or None."""
        contact = ctx.question.contact
        if not ctx.settings.decline_contact_unwritten or contact is None:
            return None
        if writes_contact(ctx.passage(ranking.candidates[0].position).text, contact, ctx.question.contact_of):
            return None
        return f"the best passage gives no {contact.value}"


class WithheldDecline:
    """Decline when the best passage's sentence on the question says it does not give the answer.

    "whats the name of the ex support lead who complained" of "…said a former support team leader who asked not to
    be named": the passage is on the topic and says the answer is withheld (``bot.answer.withheld_phrase``). A
    question asking a figure or a date whose best passage gives one near its words is answered still ("sold for an
    undisclosed sum, which analysts put at $2 billion"); one asking about the withholding itself ("what is unclear
    about …", ``Question.about_withheld``) is left to the other stages.
    """

    name: ClassVar[str] = "withheld-answer decline"
    off: ClassVar[Switch] = (("decline_withheld", False),)
    on: ClassVar[Switch] = (("decline_withheld", True),)

    def reason(self, ctx: Context, ranking: Ranking) -> str | None:
        """Return the phrase by which the best passage withholds the answer, or None."""
        q = ctx.question
        if not ctx.settings.decline_withheld or q.about_withheld:
            return None
        position = ranking.candidates[0].position
        passage = ctx.passage(position)
        if not withholds(passage.text, name=q.asks_name):
            return None  # most passages: neither tokenized nor split into sentences
        if ranking.kind in CUE_REQUIRED and ctx.cue(position):
            return None
        phrase = withheld_phrase(passage.text, ctx.weights, ctx.analyzer, ctx.index.idf, name=q.asks_name,
                                 terms=ctx.forward_terms(position, ctx.weights))
        return f"the best passage says it does not give this (“{phrase}”)" if phrase else None


class OneOfAKindDecline:
    """Decline "which X" / "who is the X" when the best passage writes X only as one of a kind, with no name near.

    "which shops will they have to sell?" of "Analysts said the group may have to sell some shops": the passage
    is on the topic and writes the noun asked, but never says which (``Question.one_of``).
    """

    name: ClassVar[str] = "one-of-a-kind decline"
    off: ClassVar[Switch] = (("decline_one_of_a_kind", False),)
    on: ClassVar[Switch] = (("decline_one_of_a_kind", True),)

    def reason(self, ctx: Context, ranking: Ranking) -> str | None:
        """Return the noun the best passage writes without saying which, or None."""
        asked = ctx.question.one_of
        if not ctx.settings.decline_one_of_a_kind or not asked:
            return None
        text = ctx.passage(ranking.candidates[0].position).text
        if not one_of_a_kind(text, asked, ctx.analyzer, ctx.question.text, ctx.question.terms):
            return None
        return f"the best passage writes of {' '.join(asked)} without saying which"


class NameDecline:
    """Decline a question asking a name when the best passage writes no name but the question's own.

    "who runs the port of lenhaven" of "…diverted vessels to the smaller port of Lenhaven": the passage is on the
    topic and names no one who could answer (``bot.answer.writes_other_name``; a capitalised word the question
    does not give, anywhere in the passage). On the public dev set no answer it gets right has such a best
    passage (README, "Round 42").
    """

    name: ClassVar[str] = "unwritten-name decline"
    off: ClassVar[Switch] = (("decline_name_unwritten", False),)
    on: ClassVar[Switch] = (("decline_name_unwritten", True),)

    def reason(self, ctx: Context, ranking: Ranking) -> str | None:
        """Return why no name in the best passage can answer, or None."""
        q = ctx.question
        if not ctx.settings.decline_name_unwritten or not q.asks_name or q.about_withheld:
            return None
        if q.subject is not None and q.post is None:
            return None  # "Who is Nayib Bukele?" asks what he is, which a passage writing only his name may say
        if writes_other_name(ctx.passage(ranking.candidates[0].position).text, q.text):
            return None
        return "the best passage names no one but those the question names"


class AttributeDecline:
    """Decline "what is the X of Y" when the best passage never names X (or a stand-in)."""

    name: ClassVar[str] = "attribute decline"
    off: ClassVar[Switch] = (("decline_attribute", False),)
    on: ClassVar[Switch] = (("decline_attribute", True),)

    def reason(self, ctx: Context, ranking: Ranking) -> str | None:
        """Return what the best passage never names, or None."""
        if not ctx.settings.decline_attribute:
            return None
        held = ctx.passage_terms[ranking.candidates[0].position]
        missing = [
            t for t in sorted(attribute_terms(ctx.question.text, ctx.analyzer))
            if t not in held and not any(w.source == t and w.term in held for w in ranking.searched)
        ]
        return f"the best passage never names what the question asks about ({', '.join(missing)})" if missing else None


class UnknownNameDecline:
    """Decline a question about a name no article holds ("What did the bill cut from MEDICAID?")."""

    name: ClassVar[str] = "unknown-name decline"
    off: ClassVar[Switch] = (("decline_unknown_names", False),)
    on: ClassVar[Switch] = (("decline_unknown_names", True),)

    def reason(self, ctx: Context, ranking: Ranking) -> str | None:
        """Return the names no article mentions, or None."""
        if not ctx.settings.decline_unknown_names:
            return None
        unknown = unknown_names(ctx, ranking.searched)
        return f"no article mentions {', '.join(unknown)}" if unknown else None


class NameOutsideArticleDecline:
    """Decline a question asked of one article (or of a server's articles) that names what only others name.

    "When did Beyoncé tour?" asked of the article on Chopin: the name is in the corpus, but no passage of the
    article asked holds it (nor a typo repair or related word of it), so none of them can answer.
    """

    name: ClassVar[str] = "name-outside-article decline"
    off: ClassVar[Switch] = (("decline_names_elsewhere", False),)
    on: ClassVar[Switch] = ()

    def reason(self, ctx: Context, ranking: Ranking) -> str | None:
        """Return the names the article asked (or the articles a server may ask of) never mention, or None."""
        if not ctx.settings.decline_names_elsewhere or not (outside := ctx.names_outside_article):
            return None
        names = ", ".join(joined_names(ctx.question.text, outside))
        if ctx.within is None:
            return f"none of the articles here mention {names}"
        art = ctx.corpus.article(ctx.passage(ctx.within[0]).article_id)
        return f"{f'“{art.title}”' if art is not None else 'the article asked'} never mentions {names}"


class MixedArticlesDecline:
    """Decline a question asked of all articles whose best passage's article never mentions a name it gives.

    "How many electric buses did Kestrel University buy?" finds the bus budget's 45 buses, but Kestrel University
    is the satellite article's: the question mixes two articles, and no passage answers it. A name counts only
    when another article holds it (a name no article holds is the unknown-name decline's) and when none of the
    words written with it is held ("North America" for an article writing "America"); an acronym of three
    letters or fewer does not count, since an article may spell it out ("TV", "SI"). A year the question gives
    counts as a name does ("Which two parties settled the issue in November 2003?" of an article that never
    mentions 2003).
    """

    name: ClassVar[str] = "mixed-articles decline"
    off: ClassVar[Switch] = (("decline_mixed_articles", False),)
    on: ClassVar[Switch] = (("decline_mixed_articles", True),)

    def reason(self, ctx: Context, ranking: Ranking) -> str | None:
        """Return the names the best passage's article never mentions, or None."""
        if not ctx.settings.decline_mixed_articles or ctx.within is not None:
            return None  # a question asked of one article is the name-outside-article decline's
        position = ranking.candidates[0].position
        if not (outside := ctx.names_outside_own_article(position)):
            return None
        art = ctx.corpus.article(ctx.passage(position).article_id)
        title = f"“{art.title}”" if art is not None else "the closest article"
        names = ", ".join(joined_names(ctx.question.text, outside))
        # Say which article does, so the asker knows where the name is: the one holding it most often, among
        # those the asker may see (a server's articles).
        docs, _ = ctx.index.postings(outside[0].term)
        if ctx.visible is not None:
            docs = docs[ctx.visible.mask(docs)]
        holders = Counter(ctx.passage(int(d)).article_id for d in docs[:MIXED_POSTINGS_READ])
        other = ctx.corpus.article(holders.most_common(1)[0][0]) if holders else None
        return f"{title} comes closest but never mentions {names}, which " + (
            f"“{other.title}” does" if other is not None else "another article does")


class MixedTopicsDecline:
    """Decline a question asked of all articles whose best article never mentions what another article is about.

    "Did Teodora Vance vote for the body cameras?" finds the by-election that Vance won, but body cameras are
    what another article's title is about: the question mixes two articles the other way round from the
    mixed-articles decline (the name is the best article's, the topic another's). Its words count when the best
    article's passages and title never hold them (nor a typo repair, related word or synonym of them) and another
    article's title does; it takes ``MIXED_TOPIC_WORDS`` of them, since a single word ("bank", "campaign") is
    often one the best article says otherwise, or one written as the other title writes it when the question also
    names someone or something the best article holds ("did teodora vance sign off on the bridge repairs": the
    by-election's Vance, and the bridge article's "Bridge"; "relating" is not the title's "relations").
    """

    name: ClassVar[str] = "mixed-topics decline"
    off: ClassVar[Switch] = (("decline_mixed_topics", False),)
    on: ClassVar[Switch] = (("decline_mixed_topics", True),)

    def reason(self, ctx: Context, ranking: Ranking) -> str | None:
        """Return the words the best passage's article never mentions and another article is about, or None."""
        if not ctx.settings.decline_mixed_topics or ctx.within is not None:
            return None
        position = ranking.candidates[0].position
        found = ctx.topics_outside_own_article(position)
        if found is None:
            return None
        other_id, words = found
        art = ctx.corpus.article(ctx.passage(position).article_id)
        other = ctx.corpus.article(other_id)
        title = f"“{art.title}”" if art is not None else "the closest article"
        about = f"“{other.title}”" if other is not None else "another article"
        return f"{title} comes closest but never mentions {', '.join(words)}, which {about} is about"


def title_terms(ctx: Context, article_id: str) -> frozenset[str]:
    """Return the terms of an article's title, kept a snapshot (``Context.titles``) once read."""
    found = ctx.titles.get(article_id)
    if found is None:
        article = ctx.corpus.article(article_id)
        found = ctx.titles[article_id] = frozenset(ctx.analyzer.terms(article.title) if article is not None else ())
    return found


def topics_outside_own_article(ctx: Context, article_id: str) -> tuple[str, list[str]] | None:
    """Return the article a question's topic words are about and those words as written, or None.

    A topic word is a question term the article never holds (in a passage or its title, nor any of the term's
    stand-ins) and another article's title does: one the asker may see, among the articles of the term's first
    ``MIXED_POSTINGS_READ`` passages, so that a question reads a bounded number of titles. It takes
    ``MIXED_TOPIC_WORDS`` of them, or one written as that title writes it when a name of the question is the
    article's.
    """
    span = ctx.ranges.get(article_id)
    if span is None:
        return None
    stand_ins: dict[str, list[str]] = {}
    for w in ctx.searched:
        if not w.original:
            for source in (w.source, *w.also):
                stand_ins.setdefault(source, []).append(w.term)
    holders: Counter[str] = Counter()
    found: list[str] = []
    own_title = title_terms(ctx, article_id)
    for term in dict.fromkeys(ctx.terms):
        if term in own_title or _holds(ctx.index, term, span):
            continue
        # The articles whose title holds the term, among the first that hold it (an article's title words are
        # its text's too), and that the asker may see.
        docs, _ = ctx.index.postings(term)
        if ctx.visible is not None:
            docs = docs[ctx.visible.mask(docs)]
        holding = dict.fromkeys(ctx.passage(int(d)).article_id for d in docs[:MIXED_POSTINGS_READ])
        others = [i for i in holding if term in title_terms(ctx, i)]
        if not others or any(_holds(ctx.index, t, span) for t in stand_ins.get(term, ())):
            continue
        found.append(term)
        holders.update(others)
    if not found:
        return None
    other = holders.most_common(1)[0][0]
    written = _as_written(ctx.question.text, ctx.analyzer, set(found))
    if len(found) < MIXED_TOPIC_WORDS and not (
        any(_holds(ctx.index, name.term, span) for name in ctx.names) and _as_titled(ctx, other, written)
    ):
        return None
    return other, written


def _as_titled(ctx: Context, article_id: str, written: Sequence[str]) -> bool:
    """Return whether a word as the question writes it is one of an article's title, or its plural or singular.

    "bridge" is the title's "Bridge"; "relating" only shares a stem with the title's "relations".
    """
    article = ctx.corpus.article(article_id)
    if article is None:
        return False
    titled = {w.removesuffix("s") for w in re.findall(r"[^\W_]+", fold(article.title))}
    return any(w.removesuffix("s") in titled for phrase in written for w in re.findall(r"[^\W_]+", fold(phrase)))


def _as_written(text: str, analyzer: Analyzer, terms: AbstractSet[str]) -> list[str]:
    """Return the words of ``text`` whose terms are given, as written, next words joined ("body cameras")."""
    spans: list[list[int]] = []
    for token in analyzer.tokens(text):
        if token.term not in terms:
            continue
        if spans and not text[spans[-1][1]:token.start].strip():
            spans[-1][1] = token.end
        else:
            spans.append([token.start, token.end])
    return list(dict.fromkeys(text[a:b] for a, b in spans))


class ElsewhereDecline:
    """Decline a question asked of one article when a passage of another comes much closer to it in meaning.

    "How many people died?" asked of the article on New York City finds its fire of 1911, while the article on
    the earthquake says it at a cosine well above: the question is about what another article tells, and the
    decline names that article. It stands aside when the article asked holds every word of the question ("How
    many workers?" asked of the port strike's, though the water plant's workers come closer in meaning): the
    asker chose the article to say which workers. The other passage must itself come close enough to answer
    (``weak_similarity``): one only less far says nothing. Nor is closer in meaning enough when the question,
    asked of every article, would be answered from the one asked ("Where is the China Tibetology Research Center
    located?": its article's passage holds the name, another article's comes closer): the whole ranking judges,
    not the cosine alone. Only for a question asked of one article, with sentence vectors; the passages of other
    articles a server cannot see are not compared.
    """

    name: ClassVar[str] = "answered-elsewhere decline"
    off: ClassVar[Switch] = (("decline_answered_elsewhere", False),)
    on: ClassVar[Switch] = (("decline_answered_elsewhere", True),)

    def reason(self, ctx: Context, ranking: Ranking) -> str | None:
        """Return which article comes closer, or None."""
        r = ctx.settings
        within = ctx.within
        if not r.decline_answered_elsewhere or within is None:
            return None
        best = ranking.candidates[0]
        if best.coverage >= r.strong_coverage:
            return None
        elsewhere = ctx.nearest_elsewhere
        # The other passage must itself be close enough to answer (the semantic decline's bar), or it is only
        # less far: "Who won the orchestra competition in Vienna?" is about no article here.
        if elsewhere is None or elsewhere[1] < r.weak_similarity or elsewhere[1] - best.meaning < r.elsewhere_margin:
            return None
        # Closer in meaning is not better: asked of all articles, the question would be answered from this one.
        first = ctx.first_across() if r.elsewhere_by_ranking and ctx.first_across is not None else None
        if first is not None and within[0] <= first < within[1]:
            return None
        # The service names that article as the closest one.
        return (f"another article comes closer to the question "
                f"(similarity {elsewhere[1]:.2f} against {best.meaning:.2f})")


def names_outside_article(ctx: Context) -> tuple[Name, ...]:
    """Return the names of a question asked of one article, or of a server's articles, that only others hold.

    A name is held when a passage that may answer holds its term, a typo repair or a related word of it; a
    question asked of the whole corpus has none outside. An acronym of three letters or fewer never counts, as
    for ``names_outside_own_article``: the article may spell it out ("On what TV station…" of an article writing
    "television").
    """
    if ctx.within is None and ctx.visible is None:
        return ()
    return tuple(name for name in names_not_held(ctx, ctx.within, ctx.visible) if not _short_acronym(name.surface))


def names_outside_own_article(ctx: Context, article_id: str) -> tuple[Name, ...]:
    """Return the names, years and figures of a question an article never mentions though another does, in order.

    A name is held as ``names_not_held`` says; it counts only when none of the names written next to it ("North
    America") is held either, and an acronym of three letters or fewer ("TV") never counts. A year, or a figure
    of a thousand or more ("how many of the 1,150…"), counts when another article holds it and this one does not.
    """
    span = ctx.ranges.get(article_id)
    if span is None:
        return ()
    unheld = set(names_not_held(ctx, span, None))
    outside: list[Name] = []
    if unheld:
        for group in name_groups(ctx.question.text, ctx.names):
            if all(name in unheld and not _short_acronym(name.surface) for name in group):
                outside.extend(group)
    # A year or a figure stands for itself as a name does ("… settled in November 2003?"): no typo repair or related
    # word.
    figures = [f for f in question_figures(ctx) if ctx.index.doc_freq(f.term) and not _holds(ctx.index, f.term, span)]
    return tuple(sorted((*outside, *figures), key=lambda name: name.start))


def question_figures(ctx: Context) -> list[Name]:
    """Return the years (1000 to 2099) and the figures of a thousand or more a question gives, in order."""
    text = ctx.question.text
    if not _QUESTION_FIGURE_RE.search(text):
        return []
    return [Name(text[t.start : t.end], t.term, t.start, t.end) for t in ctx.analyzer.tokens(text)
            if _QUESTION_FIGURE_RE.fullmatch(text[t.start : t.end])]


def _holds(index: BM25Index, term: str, span: tuple[int, int]) -> bool:
    return bool(len(_in_span(index.postings(term)[0], span)))


def _in_span(docs: npt.NDArray[np.int32], span: tuple[int, int]) -> npt.NDArray[np.int32]:
    """Return the sorted positions that fall in ``[start, end)``."""
    return docs[int(np.searchsorted(docs, span[0])) : int(np.searchsorted(docs, span[1]))]


def _short_acronym(surface: str) -> bool:
    return surface.isupper() and len(surface) <= SHORT_ACRONYM


def names_not_held(ctx: Context, within: tuple[int, int] | None, visible: PassageSet | None) -> tuple[Name, ...]:
    """Return the question's names some passage holds but none in ``within`` (and ``visible``), nor a stand-in."""
    index = ctx.index

    def held(term: str) -> bool:
        docs, _ = index.postings(term)
        if within is not None:
            docs = _in_span(docs, within)
        return bool(len(docs)) and (visible is None or bool(visible.mask(docs).any()))

    outside = []
    for name in ctx.names:
        if not index.doc_freq(name.term):
            continue  # no article names it: the unknown-name decline's case, not this one's
        stand_ins = {w.term for w in ctx.searched if w.source == name.term}
        stand_ins.update(ctx.expander.repair(name.term))
        if not held(name.term) and not any(held(t) for t in stand_ins):
            outside.append(name)
    return tuple(outside)


@dataclass(frozen=True, slots=True)
class Name:
    """A capitalized word of a question: as written, as a term, and where it stands in the stripped question."""

    surface: str
    term: str
    start: int
    end: int


def name_groups(text: str, names: Sequence[Name]) -> list[list[Name]]:
    """Return the names in groups of neighbours written with only space between ("Anna Berg"), in order."""
    groups: list[list[Name]] = []
    for name in names:
        if groups and not text[groups[-1][-1].end : name.start].strip():
            groups[-1].append(name)
        else:
            groups.append([name])
    return groups


def joined_names(text: str, names: Sequence[Name]) -> list[str]:
    """Return the names as the question writes them, neighbours joined ("Anna Berg"), each once, in order."""
    return list(dict.fromkeys(text[group[0].start : group[-1].end] for group in name_groups(text, names)))


def question_names(ctx: Context) -> list[Name]:
    """Return the names a question gives, in order.

    A name is a capitalized word past the question's first. Where capitals mark nothing, in a question typed
    without them past its first letter ("how many buses did kestrel university buy"), in capitals or in Title
    Case, a word past the first is a name when the articles write it as one (``written_as_name``), or write it
    capitalized beside the question's next or previous word ("owen strand", ``_in_written_pair``).
    """
    text = ctx.question.text.strip()
    letters = [c for c in text if c.isalpha()]
    words = re.findall(r"[^\W\d_]+", text)[1:]
    marks_nothing = (
        not any(c.isupper() for c in text[1:])
        or (bool(letters) and sum(c.isupper() for c in letters) > len(letters) / 2)  # IN CAPITALS
        or (bool(words) and sum(w[0].isupper() for w in words) > len(words) / 2)  # In Title Case
    )
    names = []
    tokens = ctx.analyzer.tokens(text)
    for i, token in enumerate(tokens):
        surface = text[token.start : token.end]
        if i == 0 and not text[: token.start].strip(" \"'“‘¿¡("):
            continue  # the first word is capitalized as a sentence's
        if marks_nothing:
            named = written_as_name(ctx, token.term, surface.lower()) or _in_written_pair(ctx, text, tokens, i)
        else:
            named = surface[:1].isupper()
        if named:
            names.append(Name(surface, token.term, token.start, token.end))
    return names


def _in_written_pair(ctx: Context, text: str, tokens: Sequence[Token], i: int) -> bool:
    """Return whether a word and a neighbour of it are a name the articles write capitalized, side by side.

    "owen strand": each word is written once, capitalized past a sentence's start ("chief executive Owen
    Strand"), and each is a word the sentence model knows, so neither is a name alone (``written_as_name``); that
    both are always capitalized and stand together capitalized in a passage makes them one.
    """
    def capitalized(j: int) -> bool:
        if not text[tokens[j].start : tokens[j].end].isalpha():
            return False
        return _capitals(ctx, tokens[j].term) >= 1

    def written_together(first: int, second: int) -> bool:
        pair = re.compile(r"\b" + r"\s+".join(
            re.escape(text[tokens[k].start : tokens[k].end].capitalize()) for k in (first, second)) + r"\b")
        docs, _ = ctx.index.postings(tokens[first].term)
        return any(pair.search(ctx.passage(p).text) for p in docs[:NAME_PASSAGES_READ].tolist())

    if not capitalized(i):
        return False
    for j in (i - 1, i + 1):
        if not 0 <= j < len(tokens):
            continue
        first, second = min(i, j), max(i, j)
        if text[tokens[first].end : tokens[second].start].strip():
            continue  # a word or a mark between them: not side by side
        if capitalized(j) and written_together(first, second):
            return True
    return False


def written_as_name(ctx: Context, term: str, surface: str) -> bool:
    """Return whether the articles write a question's word as a name: capitalized wherever it stands.

    Read from the first ``NAME_PASSAGES_READ`` passages holding it, once a snapshot. It must stand capitalized
    past a sentence's start twice, or once when the sentence model does not know the word whole ("Kestrel
    University" once; once may be a title's "Trusted" or "Soft"); an acronym of up to three letters is no name,
    as for typed ones.
    """
    capitals = _capitals(ctx, term)
    if capitals >= NAME_MIN_INSIDE:
        return True
    return capitals >= 1 and ctx.known_word is not None and not ctx.known_word(surface)


def _capitals(ctx: Context, term: str) -> int:
    """Return ``_count_capitals`` of a term, counted once a snapshot (``Context.name_capitals``)."""
    capitals = ctx.name_capitals.get(term)
    if capitals is None:
        capitals = ctx.name_capitals[term] = _count_capitals(ctx, term)
    return capitals


def _count_capitals(ctx: Context, term: str) -> int:
    """Return how often the first passages holding a term capitalize it past a sentence's start, or -1.

    -1: they also write it in small letters, or as an acronym of up to three letters.
    """
    docs, _ = ctx.index.postings(term)
    inside = 0
    for position in docs[:NAME_PASSAGES_READ].tolist():
        text = ctx.passage(position).text
        for token in ctx.analyzer.tokens(text):
            if token.term != term:
                continue
            surface = text[token.start : token.end]
            if not surface[:1].isupper() or _short_acronym(surface):
                return -1
            before = text[: token.start].rstrip(" \"'“‘(")
            inside += bool(before) and before[-1] not in ".!?:"
    return inside


def unknown_names(ctx: Context, searched: Sequence[WeightedTerm]) -> list[str]:
    """Return the names the question asks about that no passage holds, as the question writes them.

    A name (``question_names``) is unknown when its term, typo repairs and related words are all absent from
    the index.
    """
    index = ctx.index
    found = {w.source for w in searched if index.doc_freq(w.term)}
    names = [
        name.surface for name in ctx.names
        if name.term not in found and not index.doc_freq(name.term)
        and not any(index.doc_freq(t) for t in ctx.expander.repair(name.term))
    ]
    return list(dict.fromkeys(names))


class SimilarityDecline:
    """Decline when the best passage is far from the question in meaning and holds too few of its words.

    Similarity and coverage decide together. A passage far in meaning (below ``min_similarity``) answers only when
    it holds nearly all the question's words (``strong_coverage``), as for a short question such as "How long is
    the video?", whose vector is close to nothing; one only somewhat close (below ``weak_similarity``) answers
    when it holds most of them (``weak_coverage``). It comes last: the rules above give a more specific reason.
    """

    name: ClassVar[str] = "semantic decline"
    off: ClassVar[Switch] = (("min_similarity", -1.0), ("weak_similarity", -1.0))
    on: ClassVar[Switch] = ()

    def reason(self, ctx: Context, ranking: Ranking) -> str | None:
        """Return how far the best passage is from the question, or None."""
        if not ranking.semantic or learned(ctx, ranking):
            return None
        best = ranking.candidates[0]
        if (holds_post(ctx, best) or (ctx.kind is QuestionKind.TALLY and ctx.cue(best.position))
                or gives_span(ctx, best) or gives_contact(ctx, best)):
            return None  # the title, the tally, the span after the name or the contact asked stands for the words
        return semantic_decline_reason(best.meaning, named_coverage(ctx, best), ctx.settings)


def named_coverage(ctx: Context, best: Ranked) -> float:
    """Return the best passage's coverage, a term a name stands for held where the passage writes such a name.

    "Which country is Pablo Luna from?" holds "Pablo Luna" but not "country": "… of Colombia" answers it.
    """
    named = ctx.question.named_by
    if not ctx.settings.asked_noun_held or not named:
        return best.coverage
    held = ctx.held([best.position])[0]
    text = ctx.passage(best.position).text
    credited = {term for term, kind in named if term not in held and cue_spans(kind, text)}
    if not credited:
        return best.coverage
    return coverage(ctx.terms, held.keys() | credited, weights=ctx.idf_weights, credits=ctx.credits)


def holds_post(ctx: Context, best: Ranked) -> bool:
    """Return True when the best passage names the holder of the post asked, beside what the post heads.

    "Chief of Police Aldous Pryor said the cameras would…" answers "who's the police chief in westmarsh" with a
    cosine of 0.25 and half the question's words: the title stands for them.
    """
    if not ctx.settings.post_promote or ctx.question.post is None:
        return False
    holder = ctx.holder(best.position)
    return holder.level > 0 and holder.placed


def learned(ctx: Context, ranking: Ranking) -> bool:
    """Return whether the learned decline decides for this ranking (so the rules stand aside)."""
    return ranking.semantic and ctx.settings.learned_decline


def decline_features(ctx: Context, ranking: Ranking) -> tuple[float, ...]:
    """Return the best candidate's figures the decline model reads, in ``bot.decline_model.FEATURES`` order."""
    best = ranking.candidates[0]
    second = ranking.candidates[1].score if len(ranking.candidates) > 1 else 0.0
    no_cue = ranking.kind in CUE_REQUIRED and not ctx.cue(best.position)
    return (
        best.meaning,
        best.similarity,
        best.sentence_similarity,
        best.coverage,
        ctx.relative_score(best.bm25),
        best.score - second,
        best.score,
        float(no_cue),
        min(len(ranking.terms), 12) / 12,
        float(best.defines),
        best.proximity,
        best.meaning * best.coverage,
    )


class LearnedDecline:
    """Decline when a logistic model over the best candidate's figures finds it unlikely to answer.

    The model (``bot.decline_model``) weighs similarity, coverage, BM25, the score and its lead, and the answer
    cue together, where the rules each look at one or two; fitted on one half of the public dev set, it declines
    more wrong-article questions than the rules at the same answered rate on the other half, but far fewer of
    the near-topic traps of askbot's own news sets, so it is off as configured (README, "Answer quality").
    Only with sentence vectors: its figures include them.
    """

    name: ClassVar[str] = "learned decline"
    off: ClassVar[Switch] = (("learned_decline", False),)
    on: ClassVar[Switch] = (("learned_decline", True),)

    def reason(self, ctx: Context, ranking: Ranking) -> str | None:
        """Return why the best passage is unlikely to answer, or None."""
        if not learned(ctx, ranking):
            return None
        probability = load_decline_model().probability(decline_features(ctx, ranking))
        if probability >= ctx.settings.min_answer_probability:
            return None
        best = ranking.candidates[0]
        return (f"the best passage is unlikely to answer the question (similarity {best.meaning:.2f}, "
                f"{best.coverage:.0%} of its words)")


def semantic_decline_reason(meaning: float, cov: float, settings: RetrievalSettings) -> str | None:
    """Return why a passage of this similarity and coverage is too far from the question, or None."""
    if meaning < settings.min_similarity and cov < settings.strong_coverage:
        return f"no passage is close to the question in meaning (similarity {meaning:.2f})"
    if meaning < settings.weak_similarity and cov < settings.weak_coverage:
        return (f"the best passage is not close to the question in meaning (similarity {meaning:.2f}, "
                f"{cov:.0%} of its words)")
    return None


# -- highlight -------------------------------------------------------------------------------------------


class HighlightStage:
    """Bold the span that answers: a number for how-many / how-much / how-long questions, else a sentence."""

    name: ClassVar[str] = "highlight"
    off: ClassVar[Switch] = (("highlight", False),)
    on: ClassVar[Switch] = ()

    def span(self, ctx: Context, passage: Passage, position: int, weights: Mapping[str, float]) -> Highlight | None:
        """Return the span to bold in a passage shown, or None when highlighting is off."""
        r = ctx.settings
        if not r.highlight:
            return None
        meaning = None
        if ctx.vectors is not None and ctx.question_vector is not None and r.highlight_similarity_weight > 0:
            cosines = ctx.vectors.sentence_similarities(ctx.question_vector, position)
            meaning = cosines.tolist() if cosines is not None else None
        pieces = None
        if r.highlight_by_word_pieces and ctx.vectors is not None and ctx.question_tokens is not None:
            matches = ctx.vectors.sentence_token_matches(ctx.question_tokens, position)
            if matches is not None:
                pieces = in_context(matches.own.tolist(), matches.with_previous.tolist(),
                                    r.highlight_previous_sentence_weight)
        return choose_highlight(passage, weights, ctx.kind, ctx.analyzer, ctx.index.idf, meaning=meaning,
                                meaning_weight=r.highlight_similarity_weight,
                                terms=ctx.forward_terms(position, weights), pieces=pieces,
                                unit=ctx.question.unit if r.highlight_asked_unit else frozenset(),
                                part_of_whole=r.highlight_part_of_whole,
                                rate=r.highlight_asked_rate and ctx.question.rate)


# -- the pipeline ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pipeline:
    """The stages in the order they run."""

    expansion: Expansion = field(default_factory=Expansion)
    candidates: tuple[LexicalCandidates | SemanticCandidates | PostCandidates, ...] = (
        SemanticCandidates(), LexicalCandidates(), PostCandidates()
    )
    scorers: tuple[Scorer, ...] = (LexicalScore(), CoverageScore(), ProximityScore(), DefinitionScore(),
                                   CueScore(), SemanticScore(), TokenMatchScore())
    reorders: tuple[
        LearnedRanking | CuePromotion | MeaningCuePromotion | TallyPromotion | SpanPromotion | ContactPromotion
        | PostPromotion, ...
    ] = (LearnedRanking(), CuePromotion(), MeaningCuePromotion(), TallyPromotion(), SpanPromotion(),
         ContactPromotion(), PostPromotion())
    # The first to decline gives the reason: a name the article never mentions says most.
    declines: tuple[Decline, ...] = (NameOutsideArticleDecline(), MixedArticlesDecline(), MixedTopicsDecline(),
                                     ElsewhereDecline(),
                                     ScoreDecline(), CueDecline(), DateDecline(), DayDecline(), UnitDecline(),
                                     ContactDecline(), WithheldDecline(), OneOfAKindDecline(), NameDecline(),
                                     AttributeDecline(),
                                     UnknownNameDecline(), SimilarityDecline(), LearnedDecline())
    highlight: HighlightStage = field(default_factory=HighlightStage)

    @property
    def stages(self) -> tuple[Stage, ...]:
        """Return every stage, in the order they run."""
        return (self.expansion, *self.candidates, *self.scorers, *self.reorders, *self.declines, self.highlight)

    def rank(self, ctx: Context) -> Ranking:
        """Find the candidates, score each by the weighted sum of its figures, re-order; best first."""
        ctx.searched = self.expansion.searched(ctx)
        pool = Pool()
        for source in self.candidates:
            source.add(ctx, pool)
        terms, kind, question = tuple(ctx.terms), ctx.kind, ctx.question
        if not pool.bm25:
            return Ranking(terms, ctx.searched, kind, (), question)
        positions = list(pool.bm25)
        r = ctx.settings
        scores = [0.0] * len(positions)
        figures: list[dict[str, float]] = [{} for _ in positions]
        for scorer in self.scorers:
            weights = scorer.weights(r)
            if not any(weights) and not scorer.needed(r):
                continue
            for i, values in enumerate(scorer.figure(ctx, positions, pool)):
                for weight, value in zip(weights, values, strict=True):
                    scores[i] += weight * value  # one term at a time: the same sum, in the same order, always
                figures[i].update(zip(scorer.figures, values, strict=True))
        ranked = [
            Ranked(
                p, score, pool.bm25[p], f.get("coverage", 0.0), None, bool(f.get("defines", 0.0)),
                f.get("proximity", 0.0), f.get("similarity", 0.0), f.get("sentence_similarity", 0.0),
                f.get("token_match", 0.0), f.get("sentence_token_match", 0.0),
            )
            for p, score, f in zip(positions, scores, figures, strict=True)
        ]
        ranked.sort(key=lambda c: (-c.score, c.position))
        linear = tuple(ranked)

        def declined_first(first: Ranked) -> str | None:
            rest = (c for c in linear if c.position != first.position)
            return self.decline(ctx, Ranking(terms, ctx.searched, kind, (first, *rest), question, ctx.semantic))

        ctx.declined_first = declined_first
        if ctx.within is not None and ctx.first_across is None:
            ctx.first_across = cache(lambda: self.first_across(ctx))
        for reorder in self.reorders:
            ranked = reorder.reorder(ctx, ranked)
        # The cues the stages read (the bonus, the promotion) are kept by the context; the others stay None.
        ranked = [c if (cue := ctx.checked_cue(c.position)) is None else replace(c, cue=cue) for c in ranked]
        return Ranking(terms, ctx.searched, kind, tuple(ranked), question, ctx.semantic)

    def first_across(self, ctx: Context) -> int | None:
        """Return the passage put first for a question asked of one article were it asked of all, or None.

        All the articles the asker may see (a server's, when it restricts them); the figures the context keeps for
        each passage (the words held, the cues) are shared, since they do not depend on the restriction.
        """
        ranking = self.rank(replace(ctx, within=None, declined_first=None, first_across=None))
        return ranking.candidates[0].position if ranking.candidates else None

    def decline(self, ctx: Context, ranking: Ranking) -> str | None:
        """Return the first decline stage's reason not to answer, or None to answer."""
        verdict = self.verdict(ctx, ranking)
        return verdict.reason if verdict is not None else None

    def verdict(self, ctx: Context, ranking: Ranking) -> Declined | None:
        """Return which decline stage declines the question and why, or None to answer."""
        if not ranking.candidates:
            return Declined(None, "no passage shares the question's words")
        for decline in self.declines:
            reason = decline.reason(ctx, ranking)
            if reason is not None:
                return Declined(decline, reason)
        return None


PIPELINE = Pipeline()
STAGES: tuple[Stage, ...] = PIPELINE.stages
