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
import hashlib
import logging
import sys
import threading
from collections.abc import Iterator, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm import tqdm

from bot.analysis import Analyzer
from bot.answer import Answer, Result, citation
from bot.answer_cache import AnswerCache
from bot.array_file import MappedArrays, damaged_arrays, discard
from bot.batching import QuestionBatcher
from bot.corpus import Article, BadFile, Corpus, changed_files, load_corpus
from bot.corpus_store import CorpusCache, LazySequence, folder_id, parser_identity
from bot.errors import CorpusError, UnknownArticleError
from bot.expansion import (
    ABBREVIATIONS,
    WORDNET,
    Expander,
    acronym_map,
    in_held_words,
    merge_maps,
    related_map,
    spelled_chat,
    spelled_out,
    unframed,
)
from bot.index import BM25Index, BM25Params, PassageSet, TermContribution
from bot.index_store import IndexCache, cache_key, default_cache_dir
from bot.pipeline import (
    PIPELINE,
    Context,
    ElsewhereDecline,
    MixedArticlesDecline,
    MixedTopicsDecline,
    NameOutsideArticleDecline,
    Pipeline,
    Ranked,
    Ranking,
    TokenMatchScore,
    joined_names,
    unknown_names,
)
from bot.question import parse_question
from bot.semantic import (
    PassageVectors,
    QuestionVectors,
    TextEmbedder,
    TokenEmbedder,
    VectorStore,
    WordKnower,
    embed_questions,
    load_embedder,
)
from bot.settings import IndexSettings, RetrievalSettings, Settings

log = logging.getLogger(__name__)

# The thread that checks, after a start, what it took on trust: files by size and time, saved files by structure.
VERIFY_THREAD = "askbot-verify"
# Question vectors kept for questions asked again (follow-ups, evaluations).
QUESTION_VECTOR_CACHE = 4096
# Article sets whose passage ranges a snapshot keeps (one per server, typically).
VISIBLE_SETS = 256
# A progress bar appears only when building takes longer than this (seconds).
PROGRESS_DELAY = 0.5


class PassageTerms(LazySequence[AbstractSet[str]]):
    """Each passage's distinct terms, read from the index's forward index: no passage is analyzed again."""

    def __init__(self, index: BM25Index) -> None:
        self._index = index

    def __len__(self) -> int:
        return self._index.n_docs

    def _item(self, position: int) -> AbstractSet[str]:
        return self._index.terms_of(position)

    def __iter__(self) -> Iterator[AbstractSet[str]]:
        return (self[i] for i in range(len(self)))


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything one question is answered from; replaced whole, never changed."""

    corpus: Corpus
    index: BM25Index
    passage_terms: Sequence[AbstractSet[str]]
    ranges: dict[str, tuple[int, int]]
    vectors: PassageVectors | None = None  # None: the semantic stage is off or has no model
    # The passages of the article sets asked about lately: a server asks with the same set again and again.
    _visible: dict[frozenset[str], PassageSet] = field(default_factory=dict, compare=False, repr=False)
    # How often the articles capitalize a term past a sentence's start (-1: also in small letters, or an acronym),
    # read for questions whose capitals mark nothing (none, all, Title Case), once a term.
    name_capitals: dict[str, int] = field(default_factory=dict, compare=False, repr=False)
    # The terms of each article's title, read by the mixed-topics decline once an article.
    titles: dict[str, frozenset[str]] = field(default_factory=dict, compare=False, repr=False)

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
    # What a how-many question counts, its own words first, then those that count for them (typo repairs,
    # related words, WordNet's kinds: "aircraft", then "helicopt" …); empty for other questions.
    counted: tuple[str, ...] = ()
    read_as: str | None = None  # the question as the stages read it, when its chat words were read (None: as asked)


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


def vector_store_of(settings: IndexSettings) -> VectorStore | None:
    """Return where the settings save passage vectors (beside the indexes), or None when they are not saved."""
    if not settings.persist:
        return None
    return VectorStore(settings.cache_dir or default_cache_dir(), settings.min_vector_passages)



def article_ranges(corpus: Corpus) -> dict[str, tuple[int, int]]:
    """Return each article's passage positions ``[start, end)`` (an article's passages are contiguous)."""
    return corpus.passages.ranges()


def saved_files(snapshot: Snapshot) -> list[MappedArrays]:
    """Return the saved files a snapshot's arrays are mapped from (passages, index, vectors), but those just written."""
    vectors = snapshot.vectors.mapped if snapshot.vectors is not None else None
    files = (snapshot.corpus.passages.table.mapped, snapshot.index.mapped, vectors)
    return [mapped for mapped in files if mapped is not None and not mapped.written]


def freeze_heap() -> None:
    """Move every object alive now out of the collector's generations, where no collection walks it again.

    A snapshot holds millions of objects (passages, vocabulary) that live until the next reload; a full
    collection walking them made the slowest answers (100-300 ms at 100k passages). Frozen objects are still
    freed when nothing refers to them; only reference cycles among them are never collected, and a snapshot
    makes none.
    """
    gc.freeze()


def passages_identity(corpus: Corpus) -> str | None:
    """Return a digest that identifies the corpus's passage texts without reading them, or None when none can.

    The texts follow from the articles' contents (their digests) and the parser; where each passage ends is
    added, so another window size gives another digest. An article made in memory has no digest: its texts are
    hashed instead (``bot.semantic.vectors_key``).
    """
    if not corpus.articles or any(not article.digest for article in corpus.articles):
        return None
    h = hashlib.sha256(f"{corpus.digest}\0{parser_identity()}\0".encode())
    h.update(np.ascontiguousarray(corpus.passages.table.ends, dtype=np.int64).tobytes())
    return h.hexdigest()


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
    exact_up_to: int = 20_000,
    tokens_up_to: int = 5_000,
    previous: Snapshot | None = None,
) -> Snapshot:
    """Analyze every passage and index it, or load the saved index of the same corpus and settings.

    With an ``embedder``, every passage also gets its sentence vector (saved in ``vector_store`` when given;
    filled in the background on corpora of more than ``background_above`` passages). ``progress`` shows a
    progress bar on stderr when the build takes more than a moment; the caller decides (a terminal, not
    ``--json``).
    """
    ranges = article_ranges(corpus)
    key = cache_key(corpus, analyzer, params, max_passage_words) if cache is not None else ""
    index = cache.load(corpus, key, params) if cache is not None else None
    if index is None:
        with tqdm(corpus.passages.texts(), total=len(corpus.passages), desc="askbot: analyzing passages",
                  unit=" passages", delay=PROGRESS_DELAY, disable=not progress, file=sys.stderr, leave=False) as bar:
            tokenized = analyzer.terms_many(bar)
            bar.set_description_str("askbot: building the index")
            index = BM25Index.build(tokenized, params)
        del tokenized
        if cache is not None:
            cache.save(corpus, key, index)
    vectors = None
    if embedder is not None:
        vectors = PassageVectors(embedder, corpus.passages.text_view(), store=vector_store,
                                 background_above=background_above, exact_up_to=exact_up_to, progress=progress,
                                 previous=previous.vectors if previous is not None else None,
                                 identity=passages_identity(corpus) if vector_store is not None else None,
                                 owner=folder_id(corpus.root), tokens_up_to=tokens_up_to)
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
        self._question_vectors: dict[str, QuestionVectors] = {}
        self._lock_vectors = threading.Lock()
        self._batcher: tuple[TextEmbedder, bool, QuestionBatcher[QuestionVectors]] | None = None
        self.analyzer = analyzer or Analyzer()
        self.params = params_of(self.retrieval)
        self.pipeline: Pipeline = PIPELINE
        self.max_passage_words = max_passage_words
        self.index_cache = index_cache
        self.corpus_cache = corpus_cache
        self.progress = progress
        self._lock = threading.Lock()
        self._related = related_map(self.analyzer)
        self._expander: tuple[BM25Index, Expander] | None = None
        self._answers = AnswerCache()
        self._frozen: tuple[int, int, bool] = (0, 0, False)
        self._snapshot = self._build(corpus)
        freeze_heap()
        self.verifier: threading.Thread | None = None
        self._verify_in_background(self._snapshot)

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
            exact_up_to=self.retrieval.semantic_exact_up_to,
            tokens_up_to=self.retrieval.token_vectors_up_to,
            previous=previous,
        )

    def _verify_in_background(self, snapshot: Snapshot) -> None:
        """Check in a thread what a start took on trust: files by size and time, saved arrays by their structure.

        A file changed unseen or a damaged saved file makes the service reload, reading and rebuilding them.
        """
        if not (snapshot.corpus.unverified or saved_files(snapshot)):
            return
        self.verifier = threading.Thread(target=self._verify, args=(snapshot,), name=VERIFY_THREAD, daemon=True)
        self.verifier.start()

    def _verify(self, snapshot: Snapshot) -> None:
        """Reload, reading every file, when a file of ``snapshot`` changed unseen or a saved file is damaged."""
        try:
            changed = changed_files(snapshot.corpus)
            damaged = [(mapped, names) for mapped in saved_files(snapshot) if (names := damaged_arrays(mapped))]
            if not (changed or damaged) or self._snapshot is not snapshot:  # a reload since has read them again
                return
            if changed:
                log.warning("%d file(s) changed without a change of size or modification time (%s); reloading",
                            len(changed), ", ".join(p.name for p in changed[:5]))
            for mapped, names in damaged:
                log.warning("the saved file %s is damaged (checksum mismatch in %s); rebuilding it", mapped.path,
                            ", ".join(names))
                discard(mapped)
            self.reload(trust_stat=False)
        except CorpusError as exc:
            log.warning("reloading after a changed file failed, the old articles are served: %s", exc)
        except Exception:  # the thread's boundary: the service keeps answering from what it has
            log.exception("checking the corpus files failed")

    def with_retrieval(self, retrieval: RetrievalSettings) -> AskService:
        """Return a service over the same articles with other retrieval settings (an ablation, a comparison).

        The snapshot, its passage vectors and the model are shared; the index is built again only when the
        BM25 variant or constants differ.
        """
        other = copy.copy(self)
        other.retrieval = retrieval
        other.params = params_of(retrieval)
        if retrieval.semantic and self.embedder is None:
            other.embedder = load_embedder(retrieval.model_threads)
        elif not retrieval.semantic:
            other.embedder = None
        other._expander = None
        other._answers = AnswerCache()
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
                self.analyzer, (*ABBREVIATIONS, *snap.corpus.acronyms)
            )
            expander = Expander(
                index.vocab,
                merge_maps(self._related, acronyms),
                typo_weight=self.retrieval.typo_weight,
                related_weight=self.retrieval.related_weight,
                # Stemmed on first use only (once per process): not at all when switched off.
                wordnet=related_map(self.analyzer, WORDNET) if self.retrieval.wordnet_weight > 0 else None,
                wordnet_weight=self.retrieval.wordnet_weight,
                transpositions=self.retrieval.typo_transpositions,
                doc_freq=index.doc_freq,
                analyzer=self.analyzer,
            )
            cached = (index, expander)
            self._expander = cached
        return cached[1]

    def _batcher_of(self, embedder: TextEmbedder) -> QuestionBatcher[QuestionVectors]:
        """Return the batcher of the questions this embedder embeds (made on first use; two at once are harmless)."""
        made = self._batcher
        r = self.retrieval
        tokens = self._wants_tokens(embedder)
        if made is None or made[0] is not embedder or made[1] != tokens or made[2].max_batch != r.question_batch:
            def embed(texts: Sequence[str]) -> list[QuestionVectors]:
                return embed_questions(embedder, texts, tokens=tokens)
            made = self._batcher = (embedder, tokens, QuestionBatcher(embed, r.question_batch))
        return made[2]

    def _wants_tokens(self, embedder: TextEmbedder) -> bool:
        """Tell whether questions need their word-piece vectors: the match is computed and the model gives them."""
        return TokenMatchScore().wanted(self.retrieval) and isinstance(embedder, TokenEmbedder)

    def _question_vector(self, text: str) -> QuestionVectors | None:
        """Return the question's vectors (cached: follow-ups and evaluations repeat questions)."""
        embedder = self.embedder
        if embedder is None:
            return None
        with self._lock_vectors:
            cached = self._question_vectors.get(text)
        if cached is None or (cached.tokens is None and self._wants_tokens(embedder)):
            cached = self._batcher_of(embedder).embed(text)
            with self._lock_vectors:
                self._question_vectors[text] = cached
                while len(self._question_vectors) > QUESTION_VECTOR_CACHE:
                    self._question_vectors.pop(next(iter(self._question_vectors)))
        return cached

    def context(
        self,
        question: str,
        *,
        article: str | None = None,
        snapshot: Snapshot | None = None,
        articles: frozenset[str] | None = None,
    ) -> Context:
        """Parse a question and gather what the pipeline's stages read about it."""
        snap = snapshot or self._snapshot
        r = self.retrieval
        text = question
        if r.chat_words and len(question) <= r.max_question_chars:
            text = spelled_chat(question, self.analyzer, snap.index.vocab)
        if r.lead_ins and len(question) <= r.max_question_chars:
            text = unframed(text, self.analyzer, snap.index.vocab)
        q = parse_question(text, self.analyzer, max_chars=r.max_question_chars)
        within = self._within(snap, article)
        visible = snap.visible(articles) if articles is not None else None
        # Vectors still filling in the background are not used: those questions are answered lexically.
        vectors = snap.vectors if self.embedder is not None and snap.vectors and snap.vectors.complete else None
        expander = self._expander_for(snap)
        # Whether the sentence model knows a word whole: the question is spelt out and its names read with it.
        known_word = self.embedder.knows if isinstance(self.embedder, WordKnower) else None
        qvec = None
        if vectors is not None:
            embedded = q.text
            if r.embed_spelled_out:
                known = known_word or (lambda word: False)
                embedded = spelled_out(q.text, self.analyzer, expander, lambda term: self._surface(snap, term), known)
            if r.embed_related_held:
                embedded = in_held_words(embedded, self.analyzer, expander, lambda term: self._surface(snap, term))
            qvec = self._question_vector(embedded)
        return Context(q, r, self.params, self.analyzer, snap.corpus, snap.index, snap.passage_terms,
                       expander, within, visible, snap.ranges, snap.name_capitals, vectors,
                       qvec.vector if qvec is not None else None, qvec.tokens if qvec is not None else None,
                       known_word=known_word, titles=snap.titles)

    def _surface(self, snap: Snapshot, term: str) -> str | None:
        """Return an index term as the first passage holding it writes it, or None when none does."""
        docs, _ = snap.index.postings(term)
        if not len(docs):
            return None
        text = snap.corpus.passages[int(docs[0])].text
        return next((text[t.start:t.end] for t in self.analyzer.tokens(text) if t.term == term), None)

    def rank(
        self,
        question: str,
        *,
        article: str | None = None,
        snapshot: Snapshot | None = None,
        articles: frozenset[str] | None = None,
    ) -> Ranking:
        """Rank passages for a question through the pipeline's stages (``bot.pipeline``), best first.

        ``articles``, when given, is the set of article ids that may answer (a server's own and the shared
        ones); the index is not rebuilt.
        """
        ctx = self.context(question, article=article, snapshot=snapshot, articles=articles)
        return self.pipeline.rank(ctx)

    def _results(self, ctx: Context, snap: Snapshot, ranking: Ranking, k: int) -> list[Result]:
        results = []
        weights = ranking.weights
        for rank, cand in enumerate(ranking.candidates[:k], start=1):
            passage = snap.corpus.passages[cand.position]
            art = snap.corpus.article(passage.article_id)
            if art is None:  # a snapshot is built from its own corpus; this cannot happen
                continue
            highlight = self.pipeline.highlight.span(ctx, passage, cand.position, weights)
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

        The decline stages (``bot.pipeline``) decide; a decline names the article of the closest passage, if any
        shares a word. ``articles``, when given, is the set of article ids that may answer; the index is not
        rebuilt.
        """
        snap = self._snapshot
        semantic = self.embedder is not None and snap.vectors is not None and snap.vectors.complete

        def answer() -> Answer:
            ctx = self.context(question, article=article, snapshot=snap, articles=articles)
            return self._answer(question, ctx, snap, self.pipeline.rank(ctx), top)

        found = self._answers.get(snap, (question, article, top, articles, semantic), answer)
        self._freeze_what_was_built(snap)
        return found

    def nearest(
        self,
        question: str,
        *,
        article: str | None = None,
        top: int | None = None,
        articles: frozenset[str] | None = None,
    ) -> tuple[Result, ...]:
        """Return the passages that came closest to a question, ranked as an answer would be, with no decline.

        For a member who asks to see them under a decline: they are what the ranking found, not an answer.
        Not cached; ``article`` and ``articles`` scope the search as in ``ask``.
        """
        snap = self._snapshot
        ctx = self.context(question, article=article, snapshot=snap, articles=articles)
        ranking = self.pipeline.rank(ctx)
        if not ranking.candidates:
            return ()
        k = top if top is not None else self.retrieval.top_k
        return tuple(self._results(ctx, snap, ranking, max(k, 1)))

    def _freeze_what_was_built(self, snap: Snapshot) -> None:
        """Freeze the heap again once a snapshot's expander or typo index has been built (lazily, by a question).

        Both hold hundreds of thousands of objects; left in the collector's generations, the next collections
        walked them during an answer (16-20 ms at 100,000 passages, the slowest answers after a start).
        """
        cached = self._expander
        expander = cached[1] if cached is not None and cached[0] is snap.index else None
        state = (id(snap), id(expander), expander is not None and expander.typo_index_built)
        if state != self._frozen:
            self._frozen = state
            freeze_heap()

    def _answer(self, question: str, ctx: Context, snap: Snapshot, ranking: Ranking, top: int | None) -> Answer:
        """Decide, from one ranking, whether to answer and with which passages."""
        terms = ranking.terms
        k = top if top is not None else self.retrieval.top_k
        verdict = self.pipeline.verdict(ctx, ranking)
        if not ranking.candidates:
            return Answer(question, False, verdict.reason if verdict is not None else "", (), terms)
        best = ranking.candidates[0]
        relative = ctx.relative_score(best.bm25)
        # The article the question is most about: the best BM25 match, before any cue moved a passage up.
        nearest = max(ranking.candidates, key=lambda c: (c.bm25, -c.position))
        # Semantic candidates may share no word with the question: then no article is the closest.
        closest = snap.corpus.article(snap.corpus.passages[nearest.position].article_id) if nearest.bm25 > 0 else None
        if verdict is not None:
            elsewhere = ctx.nearest_elsewhere if isinstance(verdict.stage, ElsewhereDecline) else None
            if elsewhere is not None:  # the article that comes closer, not the one asked
                closest = snap.corpus.article(snap.corpus.passages[elsewhere[0]].article_id)
            unmentioned: tuple[str, ...] = ()
            if isinstance(verdict.stage, NameOutsideArticleDecline):
                unmentioned = tuple(joined_names(ctx.question.text, ctx.names_outside_article))
            elif isinstance(verdict.stage, MixedArticlesDecline):  # the article that answers the rest is closest
                unmentioned = tuple(joined_names(ctx.question.text, ctx.names_outside_own_article(best.position)))
                closest = snap.corpus.article(snap.corpus.passages[best.position].article_id)
            elif isinstance(verdict.stage, MixedTopicsDecline):
                topics = ctx.topics_outside_own_article(best.position)
                unmentioned = tuple(topics[1]) if topics is not None else ()
                closest = snap.corpus.article(snap.corpus.passages[best.position].article_id)
            return Answer(question, False, verdict.reason, (), terms, best.coverage, relative, closest, unmentioned,
                          elsewhere=elsewhere is not None and closest is not None)
        results = self._results(ctx, snap, ranking, max(k, 1))
        return Answer(question, True, "answered", tuple(results), terms, best.coverage, relative, closest)

    def unknown_names(self, question: str, ranking: Ranking, snap: Snapshot) -> list[str]:
        """Return the names the question asks about that no passage holds, as the question writes them."""
        return unknown_names(self.context(question, snapshot=snap), ranking.searched)

    def explain(self, question: str, *, article: str | None = None, top: int | None = None) -> Explanation:
        """Answer a question and lay open each top passage's score, term by term.

        Typo repairs and related words are listed after the question's terms, their contributions weighted as
        in the ranking, so the contributions add up to the passage's score.
        """
        snap = self._snapshot
        ctx = self.context(question, article=article, snapshot=snap)
        ranking = self.pipeline.rank(ctx)
        answer = self._answer(question, ctx, snap, ranking, top)
        k = top if top is not None else self.retrieval.top_k
        searched = [w.term for w in ranking.searched]
        weights = ranking.weights
        explained: list[ExplainedResult] = []
        for result, cand in zip(self._results(ctx, snap, ranking, k), ranking.candidates, strict=False):
            terms = tuple(
                TermContribution(t.term, t.idf, t.tf, t.contribution * weights[t.term])
                for t in snap.index.explain(searched, cand.position)
            )
            explained.append(ExplainedResult(result, terms, cand))
        own = ctx.question.counted
        counted = (*sorted(own), *sorted(ctx.counted - own))
        read_as = ctx.question.text if ctx.question.text != question.strip() else None
        return Explanation(question, answer.terms, answer, tuple(explained), counted, read_as)

    # -- reloading ------------------------------------------------------------------------------------

    def reload(self, path: Path | None = None, *, trust_stat: bool = True) -> ReloadReport:
        """Re-read the corpus, swap the snapshot atomically and report what changed.

        Blocking: front ends on an event loop call it in a thread. On ``CorpusError`` the old snapshot stays.
        Without ``trust_stat`` every file is read and hashed, none taken by its size and modification time.
        """
        with self._lock:
            old = self._snapshot.corpus
            corpus = load_corpus(path or old.root, max_words=self.max_passage_words, cache=self.corpus_cache,
                                 trust_stat=trust_stat)
            snapshot = self._build(corpus, previous=self._snapshot)
            self._snapshot = snapshot
            freeze_heap()
        self._verify_in_background(snapshot)
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
