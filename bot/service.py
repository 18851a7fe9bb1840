"""The one service every front end calls: ``AskService.ask(question, article=..., top=...)``.

It holds an immutable snapshot (corpus, analyzed passages, index) and swaps it whole on ``reload``, so a
question asked during a reload is answered from the old snapshot.

Threads: the service is synchronous and blocking, and safe to call from several threads at once (front ends
on an event loop call it with ``asyncio.to_thread``). ``ask`` and ``explain`` read the snapshot once and
never change it; the index's scratch buffers are per thread; ``reload`` builds a new snapshot under a lock
(one reload at a time) and publishes it with one attribute assignment, which is atomic.
"""

from __future__ import annotations

import copy
import gc
import itertools
import re
import sys
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from pathlib import Path
from typing import overload

import numpy as np
import numpy.typing as npt
from tqdm import tqdm

from bot.analysis import Analyzer
from bot.answer import (
    Answer,
    DeclinePolicy,
    QuestionKind,
    Result,
    attribute_terms,
    choose_highlight,
    citation,
    coverage,
    decline_reason,
    defines,
    proximity,
    sentence_cue,
    strip_frame,
)
from bot.corpus import Article, BadFile, Corpus, load_corpus
from bot.corpus_store import CorpusCache
from bot.errors import UnknownArticleError
from bot.expansion import (
    ABBREVIATIONS,
    Expander,
    WeightedTerm,
    acronym_map,
    compounds,
    defined_acronyms,
    merge_maps,
    related_map,
)
from bot.index import BM25Index, BM25Params, PassageSet, TermContribution
from bot.index_store import IndexCache, cache_key, default_cache_dir
from bot.question import Question, parse_question
from bot.semantic import PassageVectors, TextEmbedder, VectorStore, load_embedder
from bot.settings import IndexSettings, RetrievalSettings, Settings

# Questions that cannot be answered without a span of their kind: what the decline then says is missing.
CUE_REQUIRED: dict[QuestionKind, str] = {
    QuestionKind.QUANTITY: "number",
    QuestionKind.MONEY: "amount of money",
    QuestionKind.DURATION: "duration",
    QuestionKind.DATE: "date",
}
# Question vectors kept for questions asked again (follow-ups, evaluations).
QUESTION_VECTOR_CACHE = 4096
# Article sets whose passage ranges a snapshot keeps (one per server, typically).
VISIBLE_SETS = 256
# A progress bar appears only when building takes longer than this (seconds).
PROGRESS_DELAY = 0.5


class PassageTerms(Sequence[frozenset[str]]):
    """Each passage's distinct terms, read from the index's forward index: no passage is analyzed again."""

    def __init__(self, index: BM25Index) -> None:
        self._index = index

    def __len__(self) -> int:
        return self._index.n_docs

    @overload
    def __getitem__(self, position: int) -> frozenset[str]: ...

    @overload
    def __getitem__(self, position: slice) -> Sequence[frozenset[str]]: ...

    def __getitem__(self, position: int | slice) -> frozenset[str] | Sequence[frozenset[str]]:
        if isinstance(position, slice):
            return [self[i] for i in range(*position.indices(len(self)))]
        if not -len(self) <= position < len(self):
            raise IndexError(position)
        return self._index.terms_of(position % len(self))

    def __iter__(self) -> Iterator[frozenset[str]]:
        return (self[i] for i in range(len(self)))


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything one question is answered from; replaced whole, never changed."""

    corpus: Corpus
    index: BM25Index
    passage_terms: Sequence[frozenset[str]]
    ranges: dict[str, tuple[int, int]]
    vectors: PassageVectors | None = None  # None: the semantic stage is off or has no model
    # The passages of the article sets asked about lately: a server asks with the same set again and again.
    _visible: dict[frozenset[str], PassageSet] = field(default_factory=dict, compare=False, repr=False)

    def terms_of(self, position: int) -> frozenset[str]:
        """Return one passage's distinct terms (from the forward index)."""
        return self.index.terms_of(position)

    def tokens_of(self, position: int) -> list[str]:
        """Return one passage's terms in text order, repeats kept (from the forward index)."""
        return self.index.tokens_of(position)

    def visible(self, articles: frozenset[str]) -> PassageSet:
        """Return the passages of ``articles`` (ids the snapshot does not know are ignored)."""
        found = self._visible.get(articles)
        if found is None:
            found = PassageSet.of(self.ranges.get(article_id, (0, 0)) for article_id in articles)
            if len(self._visible) >= VISIBLE_SETS:
                self._visible.clear()
            self._visible[articles] = found  # a race computes the same set twice: harmless
        return found


@dataclass(frozen=True, slots=True)
class Ranked:
    """A candidate passage after re-ranking, with the figures that placed it."""

    position: int
    score: float  # the re-ranking score: BM25 over the best BM25, plus the bonuses
    bm25: float  # the weighted BM25 score
    coverage: float
    cue: bool
    defines: bool
    proximity: float = 0.0
    similarity: float = 0.0  # cosine of the question's and the passage's sentence vectors (0: no semantic stage)
    sentence_similarity: float = 0.0  # the same for the passage's best sentence

    @property
    def meaning(self) -> float:
        """Return how close the passage comes to the question in meaning: its or its best sentence's cosine."""
        return max(self.similarity, self.sentence_similarity)


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


@dataclass(frozen=True, slots=True)
class ExplainedResult:
    """One ranked passage and how each question term contributed to its score."""

    result: Result
    terms: tuple[TermContribution, ...]
    ranked: Ranked | None = None  # the re-ranking figures that placed it


@dataclass(frozen=True, slots=True)
class Explanation:
    """A ranking laid open: the question's terms and each top passage's contributions."""

    question: str
    terms: tuple[str, ...]
    answer: Answer
    passages: tuple[ExplainedResult, ...]


@dataclass(frozen=True, slots=True)
class ReloadReport:
    """What a reload changed."""

    added: tuple[Article, ...]
    removed: tuple[Article, ...]
    changed: tuple[Article, ...]
    bad_files: tuple[BadFile, ...]
    articles: int
    passages: int

    @property
    def unchanged(self) -> bool:
        """Return True when no article was added, removed or changed."""
        return not (self.added or self.removed or self.changed)


def params_of(settings: RetrievalSettings) -> BM25Params:
    """Return the index parameters named by the settings."""
    return BM25Params(variant=settings.variant, k1=settings.k1, b=settings.b, delta=settings.delta)


def index_cache_of(settings: IndexSettings) -> IndexCache | None:
    """Return where the settings save indexes, or None when they are not saved."""
    if not settings.persist:
        return None
    return IndexCache(settings.cache_dir or default_cache_dir(), settings.min_passages)


def corpus_cache_of(settings: IndexSettings) -> CorpusCache | None:
    """Return where the settings save parsed corpora (beside the indexes), or None when they are not saved."""
    if not settings.persist:
        return None
    return CorpusCache(settings.cache_dir or default_cache_dir(), settings.min_passages)


def semantic_decline_reason(meaning: float, cov: float, settings: RetrievalSettings) -> str | None:
    """Return why the best passage is too far from the question in meaning, or None.

    Similarity and coverage decide together. A passage far in meaning (below ``min_similarity``) answers only
    when it holds nearly all the question's words (``strong_coverage``), as for a short question such as "How
    long is the video?", whose vector is close to nothing; one only somewhat close (below ``weak_similarity``)
    answers when it holds most of them (``weak_coverage``).
    """
    if meaning < settings.min_similarity and cov < settings.strong_coverage:
        return f"no passage is close to the question in meaning (similarity {meaning:.2f})"
    if meaning < settings.weak_similarity and cov < settings.weak_coverage:
        return (f"the best passage is not close to the question in meaning (similarity {meaning:.2f}, "
                f"{cov:.0%} of its words)")
    return None


def vector_store_of(settings: IndexSettings) -> VectorStore | None:
    """Return where the settings save passage vectors (beside the indexes), or None when they are not saved."""
    if not settings.persist:
        return None
    return VectorStore(settings.cache_dir or default_cache_dir(), settings.min_vector_passages)



def article_ranges(corpus: Corpus) -> dict[str, tuple[int, int]]:
    """Return each article's passage positions ``[start, end)`` (an article's passages are contiguous)."""
    ranges: dict[str, tuple[int, int]] = {}
    ids = list(map(attrgetter("article_id"), corpus.passages))
    start = 0
    for article_id, group in itertools.groupby(ids):
        end = start + sum(1 for _ in group)
        lo, _ = ranges.get(article_id, (start, start))
        ranges[article_id] = (lo, end)
        start = end
    return ranges


def freeze_heap() -> None:
    """Move every object alive now out of the collector's generations, where no collection walks it again.

    A snapshot holds millions of objects (passages, vocabulary) that live until the next reload; a full
    collection walking them made the slowest answers (100-300 ms at 100k passages). Frozen objects are still
    freed when nothing refers to them; only reference cycles among them are never collected, and a snapshot
    makes none.
    """
    gc.freeze()


def build_snapshot(
    corpus: Corpus,
    analyzer: Analyzer,
    params: BM25Params,
    *,
    cache: IndexCache | None = None,
    max_passage_words: int = 150,
    progress: bool = False,
    embedder: TextEmbedder | None = None,
    vector_store: VectorStore | None = None,
    background_above: int = 20_000,
    previous: Snapshot | None = None,
) -> Snapshot:
    """Analyze every passage and index it, or load the saved index of the same corpus and settings.

    With an ``embedder``, every passage also gets its sentence vector (saved in ``vector_store`` when given;
    filled in the background on corpora of more than ``background_above`` passages). ``progress`` shows a
    progress bar on stderr when the build takes more than a moment; the caller decides (a terminal, not
    ``--json``).
    """
    texts = list(map(attrgetter("text"), corpus.passages))
    ranges = article_ranges(corpus)
    key = cache_key(corpus, analyzer, params, max_passage_words) if cache is not None else ""
    index = cache.load(corpus, key, params) if cache is not None else None
    if index is None:
        with tqdm(texts, desc="askbot: analyzing passages", unit=" passages", delay=PROGRESS_DELAY,
                  disable=not progress, file=sys.stderr, leave=False) as bar:
            tokenized = analyzer.terms_many(bar)
            bar.set_description_str("askbot: building the index")
            index = BM25Index.build(tokenized, params)
        del tokenized
        if cache is not None:
            cache.save(corpus, key, index)
    vectors = None
    if embedder is not None:
        vectors = PassageVectors(embedder, texts, store=vector_store, background_above=background_above,
                                 progress=progress, previous=previous.vectors if previous is not None else None)
    return Snapshot(corpus, index, PassageTerms(index), ranges, vectors)


class AskService:
    """Answer questions from a corpus of articles."""

    def __init__(
        self,
        corpus: Corpus,
        *,
        retrieval: RetrievalSettings | None = None,
        analyzer: Analyzer | None = None,
        max_passage_words: int = 150,
        index_cache: IndexCache | None = None,
        corpus_cache: CorpusCache | None = None,
        progress: bool = False,
        embedder: TextEmbedder | None = None,
        vector_store: VectorStore | None = None,
    ) -> None:
        """Index a corpus; with ``retrieval.semantic`` and no ``embedder`` given, load the packaged model.

        A missing or broken model logs a warning and leaves the semantic stage off: answers are then lexical.
        """
        self.retrieval = retrieval or RetrievalSettings()
        if embedder is None and self.retrieval.semantic:
            embedder = load_embedder(self.retrieval.model_threads)
        self.embedder = embedder if self.retrieval.semantic else None
        self.vector_store = vector_store
        self._question_vectors: dict[str, npt.NDArray[np.float32]] = {}
        self._lock_vectors = threading.Lock()
        self.analyzer = analyzer or Analyzer()
        self.params = params_of(self.retrieval)
        self.policy = DeclinePolicy(self.retrieval.min_coverage, self.retrieval.min_relative_score)
        # Without sentence vectors the lexical figures decide alone, at the thresholds chosen for them.
        self.lexical_policy = DeclinePolicy(self.retrieval.lexical_min_coverage,
                                            self.retrieval.lexical_min_relative_score)
        self.max_passage_words = max_passage_words
        self.index_cache = index_cache
        self.corpus_cache = corpus_cache
        self.progress = progress
        self._lock = threading.Lock()
        self._related = related_map(self.analyzer)
        self._expander: tuple[BM25Index, Expander] | None = None
        self._snapshot = self._build(corpus)
        freeze_heap()

    @classmethod
    def from_settings(
        cls, settings: Settings, *, corpus_path: Path | None = None, progress: bool = False
    ) -> AskService:
        """Load the corpus the settings name and index it (or load its saved index)."""
        path = corpus_path or settings.corpus.path
        corpus_cache = corpus_cache_of(settings.index)
        corpus = load_corpus(path, max_words=settings.corpus.max_passage_words, cache=corpus_cache)
        return cls(
            corpus,
            retrieval=settings.retrieval,
            max_passage_words=settings.corpus.max_passage_words,
            index_cache=index_cache_of(settings.index),
            corpus_cache=corpus_cache,
            progress=progress,
            vector_store=vector_store_of(settings.index),
        )

    def _build(self, corpus: Corpus, previous: Snapshot | None = None) -> Snapshot:
        return build_snapshot(
            corpus,
            self.analyzer,
            self.params,
            cache=self.index_cache,
            max_passage_words=self.max_passage_words,
            progress=self.progress,
            embedder=self.embedder,
            vector_store=self.vector_store,
            background_above=self.retrieval.semantic_background_above,
            previous=previous,
        )

    def with_retrieval(self, retrieval: RetrievalSettings) -> AskService:
        """Return a service over the same articles with other retrieval settings (an ablation, a comparison).

        The snapshot, its passage vectors and the model are shared; the index is built again only when the
        BM25 variant or constants differ.
        """
        other = copy.copy(self)
        other.retrieval = retrieval
        other.params = params_of(retrieval)
        other.policy = DeclinePolicy(retrieval.min_coverage, retrieval.min_relative_score)
        other.lexical_policy = DeclinePolicy(retrieval.lexical_min_coverage, retrieval.lexical_min_relative_score)
        if retrieval.semantic and self.embedder is None:
            other.embedder = load_embedder(retrieval.model_threads)
        elif not retrieval.semantic:
            other.embedder = None
        other._expander = None
        other._lock = threading.Lock()
        if other.params != self.params or (other.embedder is not None and self._snapshot.vectors is None):
            other._snapshot = other._build(self._snapshot.corpus, previous=self._snapshot)
            freeze_heap()
        return other

    @property
    def snapshot(self) -> Snapshot:
        """Return the snapshot questions are answered from now."""
        return self._snapshot

    @property
    def corpus(self) -> Corpus:
        """Return the corpus questions are answered from now."""
        return self._snapshot.corpus

    def passage_count(self, article_id: str) -> int:
        """Return how many passages an article has."""
        lo, hi = self._snapshot.ranges.get(article_id, (0, 0))
        return hi - lo

    # -- asking ---------------------------------------------------------------------------------------

    def question_terms(self, question: str) -> list[str]:
        """Check a question and return its terms, or raise ``QuestionError``.

        Words that only frame the question ("how long", "stand for", "the name of") are left out when other
        words remain.
        """
        return list(parse_question(question, self.analyzer, max_chars=self.retrieval.max_question_chars).terms)

    def _within(self, snap: Snapshot, article: str | None) -> tuple[int, int] | None:
        if article is None:
            return None
        if article not in snap.ranges:
            raise UnknownArticleError(article, known=tuple(a.id for a in snap.corpus.articles))
        return snap.ranges[article]

    def _expander_for(self, snap: Snapshot) -> Expander:
        """Return the expander of this snapshot's vocabulary and acronyms, built once per snapshot."""
        index = snap.index
        cached = self._expander
        if cached is None or cached[0] is not index:
            acronyms = acronym_map(
                self.analyzer, (*ABBREVIATIONS, *defined_acronyms(p.text for p in snap.corpus.passages))
            )
            expander = Expander(
                index.vocab,
                merge_maps(self._related, acronyms),
                typo_weight=self.retrieval.typo_weight,
                related_weight=self.retrieval.related_weight,
            )
            cached = (index, expander)
            self._expander = cached
        return cached[1]

    def _term_weights(self, snap: Snapshot, terms: Sequence[str]) -> dict[str, float]:
        """Return each question term's IDF; a term no passage holds weighs as the rarest possible term."""
        unseen = self.params.unseen_idf(snap.index.n_docs)
        return {t: (snap.index.idf(t) if snap.index.doc_freq(t) else unseen) for t in terms}

    def _relative_score(self, snap: Snapshot, terms: Sequence[str], score: float) -> float:
        """Return a score over the question's own maximum: every term held once in a passage of mean length.

        Terms no passage holds weigh as much as the rarest possible term, so an off-topic question's
        maximum stays large while its score stays small.
        """
        factor = 1.0 + (self.params.delta if self.params.variant == "plus" else 0.0)
        maximum = factor * sum(self._term_weights(snap, list(dict.fromkeys(terms))).values())
        return min(1.0, score / maximum) if maximum > 0 else 0.0

    def _question_vector(self, text: str) -> npt.NDArray[np.float32] | None:
        """Return the question's sentence vector (cached: follow-ups and evaluations repeat questions)."""
        embedder = self.embedder
        if embedder is None:
            return None
        with self._lock_vectors:
            cached = self._question_vectors.get(text)
        if cached is None:
            cached = embedder.embed([text])[0]
            with self._lock_vectors:
                self._question_vectors[text] = cached
                while len(self._question_vectors) > QUESTION_VECTOR_CACHE:
                    self._question_vectors.pop(next(iter(self._question_vectors)))
        return cached

    def rank(
        self,
        question: str,
        *,
        article: str | None = None,
        snapshot: Snapshot | None = None,
        articles: frozenset[str] | None = None,
    ) -> Ranking:
        """Rank passages for a question through the pipeline's stages, best first.

        1. *parse*: the question is read once into a ``Question`` (terms, kind, subject, counted noun);
        2. *lexical candidates*: weighted BM25 over the question's terms, their typo repairs and related words
           (weighted down); the best ``rerank_depth`` passages;
        3. *semantic candidates*: the ``semantic_candidates`` passages whose sentence vectors are nearest the
           question's, since a question in other words may share no term with its paragraph;
        4. *re-ranking*: each candidate's score is a weighted sum: ``lexical_weight`` × BM25 / best BM25,
           ``coverage_weight`` × the IDF-weighted share of question terms it holds, ``proximity_weight`` × the
           share of the question's word pairs kept together, ``definition_weight`` when it defines what "what
           is X" asks about, ``cue_weight`` when a sentence holding question words holds the kind of answer
           asked, and ``passage_similarity_weight`` / ``sentence_similarity_weight`` × the cosine of the
           question's vector with the passage's / its best sentence's;
        5. *cue promotion* (``cue_promote``): a how-many / how-much / how-long / when question takes the best
           candidate holding its kind of answer, when that candidate scores within ``promote_margin`` of the
           best.

        ``articles``, when given, is the set of article ids that may answer (a server's own and the shared
        ones); the index is not rebuilt.
        """
        snap = snapshot or self._snapshot
        r = self.retrieval
        q = parse_question(question, self.analyzer, max_chars=r.max_question_chars)
        terms = list(q.terms)
        within = self._within(snap, article)
        expander = self._expander_for(snap)
        searched = expander.expand(terms, compounds(strip_frame(q.text), self.analyzer, expander.vocabulary))
        kind = q.kind
        visible = snap.visible(articles) if articles is not None else None  # only these articles may answer
        hits = snap.index.top_k(searched, r.rerank_depth, within=within, visible=visible)
        # Vectors still filling in the background are not used: those questions are answered lexically.
        vectors = snap.vectors if self.embedder is not None and snap.vectors and snap.vectors.complete else None
        qvec = self._question_vector(q.text) if vectors is not None else None
        near: dict[int, float] = {}
        if qvec is not None and vectors is not None and r.semantic_candidates > 0:
            # With a restriction, ask for more and keep the visible ones: hidden articles may be nearer.
            wanted = r.semantic_candidates * (4 if visible is not None else 1)
            near = {p: c for p, c in vectors.nearest(qvec, wanted, within) if visible is None or p in visible}
            near = dict(list(near.items())[: r.semantic_candidates])
        if not hits and not near:
            return Ranking(tuple(terms), tuple(searched), kind, (), q)
        order = [h.position for h in hits]
        chosen = set(order)
        order += [p for p in near if p not in chosen]
        scores = {h.position: h.score for h in hits} | dict(
            zip(order[len(hits) :], snap.index.scores_at(searched, order[len(hits) :]), strict=True))
        top = hits[0].score if hits else 0.0
        cosines: dict[int, tuple[float, float]] = {}
        if qvec is not None and vectors is not None:
            positions = order
            passage_sims, sentence_sims = vectors.similarities(qvec, positions)
            cosines = dict(zip(positions, zip(passage_sims.tolist(), sentence_sims.tolist(), strict=True),
                               strict=True))
        idf_weights = self._term_weights(snap, terms)
        credits: dict[str, list[tuple[str, float]]] = {}
        for wt in searched:
            if not wt.original:
                for source in (wt.source, *wt.also):
                    credits.setdefault(source, []).append((wt.term, wt.weight))
        weights = {w.term: w.weight for w in searched}
        subject = q.subject if r.definition_weight > 0 else None
        counted = q.counted
        if counted:  # a typo repair or related word of what is counted counts too
            counted = counted | {w.term for w in searched if w.source in counted}
        stand_ins: dict[str, set[str]] = {}
        for source, held in credits.items():
            stand_ins.setdefault(source, set()).update(t for t, _ in held)
        idf = snap.index.idf
        ranked = []
        for position in order:
            bm25 = scores[position]
            passage = snap.corpus.passages[position]
            cov = coverage(terms, snap.passage_terms[position], weights=idf_weights, credits=credits)
            cue = False
            if r.cue_weight > 0 or r.cue_promote or r.decline_without_cue:
                cued = sentence_cue(passage, weights, self.analyzer, idf, kind, counted=counted)
                cue = cued and kind is not QuestionKind.OTHER
            defined = subject is not None and defines(passage.text, subject)
            similarity, sentence_similarity = cosines.get(position, (0.0, 0.0))
            near_words = 0.0
            if r.proximity_weight > 0:
                near_words = proximity(terms, snap.tokens_of(position), idf, stand_ins)
            final = (
                r.lexical_weight * (bm25 / top if top > 0 else 0.0)
                + r.coverage_weight * cov
                + r.proximity_weight * near_words
                + r.definition_weight * defined
                + r.cue_weight * cue
                + r.passage_similarity_weight * similarity
                + r.sentence_similarity_weight * sentence_similarity
            )
            ranked.append(Ranked(position, final, bm25, cov, cue, defined, near_words, similarity, sentence_similarity))
        ranked.sort(key=lambda c: (-c.score, c.position))
        if r.cue_promote and kind in CUE_REQUIRED and not ranked[0].cue:
            # A how-many / how-much / how-long / when question needs its kind of answer: the best passage that
            # gives one near the question's words goes first, when it scores close to the best.
            answering = next((c for c in ranked if c.cue), None)
            if answering is not None and answering.score >= ranked[0].score - r.promote_margin:
                ranked.remove(answering)
                ranked.insert(0, answering)
        return Ranking(tuple(terms), tuple(searched), kind, tuple(ranked), q, bool(cosines))

    def _results(self, snap: Snapshot, ranking: Ranking, k: int) -> list[Result]:
        results = []
        weights = ranking.weights
        for rank, cand in enumerate(ranking.candidates[:k], start=1):
            passage = snap.corpus.passages[cand.position]
            art = snap.corpus.article(passage.article_id)
            if art is None:  # a snapshot is built from its own corpus; this cannot happen
                continue
            highlight = choose_highlight(passage, weights, ranking.kind, self.analyzer, snap.index.idf)
            results.append(Result(rank, art, passage, cand.bm25, highlight, citation(art, passage)))
        return results

    def ask(
        self,
        question: str,
        *,
        article: str | None = None,
        top: int | None = None,
        articles: frozenset[str] | None = None,
    ) -> Answer:
        """Answer a question with the best passages, or decline with the reason.

        Declines when the best passage holds too small an IDF-weighted share of the question's terms
        (``min_coverage``) or its BM25 score is too small a share of the question's own maximum
        (``min_relative_score``); the decline names the article of the closest passage, if any shares a word.
        ``articles``, when given, is the set of article ids that may answer; the index is not rebuilt.
        """
        snap = self._snapshot
        ranking = self.rank(question, article=article, snapshot=snap, articles=articles)
        return self._answer(question, snap, ranking, top)

    def _answer(self, question: str, snap: Snapshot, ranking: Ranking, top: int | None) -> Answer:
        """Decide, from one ranking, whether to answer and with which passages."""
        terms = ranking.terms
        k = top if top is not None else self.retrieval.top_k
        if not ranking.candidates:
            return Answer(question, False, "no passage shares the question's words", (), terms)
        best = ranking.candidates[0]
        relative = self._relative_score(snap, terms, best.bm25)
        # The article the question is most about: the best BM25 match, before any cue moved a passage up.
        nearest = max(ranking.candidates, key=lambda c: (c.bm25, -c.position))
        # Semantic candidates may share no word with the question: then no article is the closest.
        closest = snap.corpus.article(snap.corpus.passages[nearest.position].article_id) if nearest.bm25 > 0 else None
        reason = decline_reason(best.coverage, relative, self.policy if ranking.semantic else self.lexical_policy)
        if reason is None and self.retrieval.decline_without_cue and ranking.kind in CUE_REQUIRED and not best.cue:
            reason = f"the best passage gives no {CUE_REQUIRED[ranking.kind]} near the question's words"
        if reason is None and self.retrieval.decline_attribute:
            held = snap.passage_terms[best.position]
            missing = [
                t for t in sorted(attribute_terms(question, self.analyzer))
                if t not in held and not any(w.source == t and w.term in held for w in ranking.searched)
            ]
            if missing:
                reason = f"the best passage never names what the question asks about ({', '.join(missing)})"
        if reason is None and self.retrieval.decline_unknown_names:
            unknown = self.unknown_names(question, ranking, snap)
            if unknown:
                reason = f"no article mentions {', '.join(unknown)}"
        # The similarity decline comes last: the rules above give a more specific reason.
        if reason is None and ranking.semantic:
            reason = semantic_decline_reason(best.meaning, best.coverage, self.retrieval)
        if reason is not None:
            return Answer(question, False, reason, (), terms, best.coverage, relative, closest)
        results = self._results(snap, ranking, max(k, 1))
        return Answer(question, True, "answered", tuple(results), terms, best.coverage, relative, closest)

    def unknown_names(self, question: str, ranking: Ranking, snap: Snapshot) -> list[str]:
        """Return the names the question asks about that no passage holds, as the question writes them.

        A name is a capitalized word past the question's first (in a question not written in capitals) whose
        term, typo repairs and related words are all absent from the index: "What did the bill cut from
        MEDICAID?" cannot be answered by articles that never name Medicaid, however well the rest matches.
        """
        text = question.strip()
        letters = [c for c in text if c.isalpha()]
        if letters and sum(c.isupper() for c in letters) > len(letters) / 2:
            return []  # written in capitals: capitals mark nothing
        words = re.findall(r"[^\W\d_]+", text)[1:]
        if words and sum(w[0].isupper() for w in words) > len(words) / 2:
            return []  # Written In Title Case: neither
        found = {w.source for w in ranking.searched if snap.index.doc_freq(w.term)}
        names = []
        for i, token in enumerate(self.analyzer.tokens(text)):
            surface = text[token.start : token.end]
            first = i == 0 and not text[: token.start].strip(" \"'“‘¿¡(")
            if first or not surface[:1].isupper() or token.term in found or snap.index.doc_freq(token.term):
                continue
            if any(snap.index.doc_freq(t) for t in self._expander_for(snap).repair(token.term)):
                continue
            names.append(surface)
        return list(dict.fromkeys(names))

    def explain(self, question: str, *, article: str | None = None, top: int | None = None) -> Explanation:
        """Answer a question and lay open each top passage's score, term by term.

        Typo repairs and related words are listed after the question's terms, their contributions weighted as
        in the ranking, so the contributions add up to the passage's score.
        """
        snap = self._snapshot
        ranking = self.rank(question, article=article, snapshot=snap)
        answer = self._answer(question, snap, ranking, top)
        k = top if top is not None else self.retrieval.top_k
        searched = [w.term for w in ranking.searched]
        weights = ranking.weights
        explained: list[ExplainedResult] = []
        for result, cand in zip(self._results(snap, ranking, k), ranking.candidates, strict=False):
            terms = tuple(
                TermContribution(t.term, t.idf, t.tf, t.contribution * weights[t.term])
                for t in snap.index.explain(searched, cand.position)
            )
            explained.append(ExplainedResult(result, terms, cand))
        return Explanation(question, answer.terms, answer, tuple(explained))

    # -- reloading ------------------------------------------------------------------------------------

    def reload(self, path: Path | None = None) -> ReloadReport:
        """Re-read the corpus, swap the snapshot atomically and report what changed.

        Blocking: front ends on an event loop call it in a thread. On ``CorpusError`` the old snapshot stays.
        """
        with self._lock:
            old = self._snapshot.corpus
            corpus = load_corpus(path or old.root, max_words=self.max_passage_words, cache=self.corpus_cache)
            snapshot = self._build(corpus, previous=self._snapshot)
            self._snapshot = snapshot
            freeze_heap()
        before = {a.id: a for a in old.articles}
        after = {a.id: a for a in corpus.articles}
        return ReloadReport(
            added=tuple(a for i, a in after.items() if i not in before),
            removed=tuple(a for i, a in before.items() if i not in after),
            changed=tuple(a for i, a in after.items() if i in before and before[i].digest != a.digest),
            bad_files=corpus.bad_files,
            articles=len(corpus.articles),
            passages=len(corpus.passages),
        )
