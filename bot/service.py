"""The one service every front end calls: ``AskService.ask(question, article=..., top=...)``.

It holds an immutable snapshot (corpus, analyzed passages, index) and swaps it whole on ``reload``, so a
question asked during a reload is answered from the old snapshot.

Threads: the service is synchronous and blocking, and safe to call from several threads at once (front ends
on an event loop call it with ``asyncio.to_thread``). ``ask`` and ``explain`` read the snapshot once and
never change it; the index's scratch buffers are per thread; ``reload`` builds a new snapshot under a lock
(one reload at a time) and publishes it with one attribute assignment, which is atomic.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import overload

from tqdm import tqdm

from bot.analysis import Analyzer
from bot.answer import (
    Answer,
    DeclinePolicy,
    Result,
    choose_highlight,
    citation,
    coverage,
    decline_reason,
    question_kind,
)
from bot.corpus import Article, BadFile, Corpus, load_corpus
from bot.errors import QuestionError, UnknownArticleError
from bot.index import BM25Index, BM25Params, TermContribution
from bot.index_store import IndexCache, cache_key, default_cache_dir
from bot.settings import IndexSettings, RetrievalSettings, Settings

EXAMPLE_QUESTION = "How many inmates work in construction?"
# A progress bar appears only when building takes longer than this (seconds).
PROGRESS_DELAY = 0.5


class PassageTerms(Sequence[frozenset[str]]):
    """Each passage's distinct terms, analyzed on first use: a question needs only its top passage's."""

    def __init__(self, texts: Sequence[str], analyzer: Analyzer) -> None:
        self._texts = texts
        self._analyzer = analyzer
        self._done: dict[int, frozenset[str]] = {}

    def __len__(self) -> int:
        return len(self._texts)

    @overload
    def __getitem__(self, position: int) -> frozenset[str]: ...

    @overload
    def __getitem__(self, position: slice) -> Sequence[frozenset[str]]: ...

    def __getitem__(self, position: int | slice) -> frozenset[str] | Sequence[frozenset[str]]:
        if isinstance(position, slice):
            return [self[i] for i in range(*position.indices(len(self)))]
        if position < 0:
            position += len(self._texts)
        terms = self._done.get(position)
        if terms is None:
            terms = frozenset(self._analyzer.terms(self._texts[position]))
            self._done[position] = terms  # a race computes the same value twice: harmless
        return terms

    def __iter__(self) -> Iterator[frozenset[str]]:
        return (self[i] for i in range(len(self)))


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything one question is answered from; replaced whole, never changed."""

    corpus: Corpus
    index: BM25Index
    passage_terms: Sequence[frozenset[str]]
    ranges: dict[str, tuple[int, int]]


@dataclass(frozen=True, slots=True)
class ExplainedResult:
    """One ranked passage and how each question term contributed to its score."""

    result: Result
    terms: tuple[TermContribution, ...]


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


def build_snapshot(
    corpus: Corpus,
    analyzer: Analyzer,
    params: BM25Params,
    *,
    cache: IndexCache | None = None,
    max_passage_words: int = 150,
    progress: bool = False,
) -> Snapshot:
    """Analyze every passage and index it, or load the saved index of the same corpus and settings.

    ``progress`` shows a progress bar on stderr when the build takes more than a moment; the caller decides
    (a terminal, not ``--json``).
    """
    texts = [p.text for p in corpus.passages]
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
    ranges: dict[str, tuple[int, int]] = {}
    for position, passage in enumerate(corpus.passages):
        lo, _ = ranges.get(passage.article_id, (position, position))
        ranges[passage.article_id] = (lo, position + 1)
    return Snapshot(corpus, index, PassageTerms(texts, analyzer), ranges)


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
        progress: bool = False,
    ) -> None:
        self.retrieval = retrieval or RetrievalSettings()
        self.analyzer = analyzer or Analyzer()
        self.params = params_of(self.retrieval)
        self.policy = DeclinePolicy(self.retrieval.min_coverage, self.retrieval.min_relative_score)
        self.max_passage_words = max_passage_words
        self.index_cache = index_cache
        self.progress = progress
        self._lock = threading.Lock()
        self._snapshot = self._build(corpus)

    @classmethod
    def from_settings(
        cls, settings: Settings, *, corpus_path: Path | None = None, progress: bool = False
    ) -> AskService:
        """Load the corpus the settings name and index it (or load its saved index)."""
        path = corpus_path or settings.corpus.path
        corpus = load_corpus(path, max_words=settings.corpus.max_passage_words)
        return cls(
            corpus,
            retrieval=settings.retrieval,
            max_passage_words=settings.corpus.max_passage_words,
            index_cache=index_cache_of(settings.index),
            progress=progress,
        )

    def _build(self, corpus: Corpus) -> Snapshot:
        return build_snapshot(
            corpus,
            self.analyzer,
            self.params,
            cache=self.index_cache,
            max_passage_words=self.max_passage_words,
            progress=self.progress,
        )

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
        """Check a question and return its terms, or raise ``QuestionError``."""
        text = question.strip()
        if not text:
            raise QuestionError(f"the question is empty: ask something like {EXAMPLE_QUESTION!r}", question=question)
        limit = self.retrieval.max_question_chars
        if len(text) > limit:
            raise QuestionError(
                f"the question is too long ({len(text)} characters; at most {limit})", question=question
            )
        terms = self.analyzer.terms(text)
        if not terms:
            raise QuestionError(
                "the question has no words to search for: ask with the words that matter, "
                f"e.g. {EXAMPLE_QUESTION!r}",
                question=question,
            )
        return terms

    def _within(self, snap: Snapshot, article: str | None) -> tuple[int, int] | None:
        if article is None:
            return None
        if article not in snap.ranges:
            raise UnknownArticleError(article, known=tuple(a.id for a in snap.corpus.articles))
        return snap.ranges[article]

    def _relative_score(self, snap: Snapshot, terms: Sequence[str], score: float) -> float:
        """Return a score over the question's own maximum: every term held once in a passage of mean length.

        Terms no passage holds weigh as much as the rarest possible term, so an off-topic question's
        maximum stays large while its score stays small.
        """
        unseen = self.params.unseen_idf(snap.index.n_docs)
        idfs = [snap.index.idf(t) if snap.index.doc_freq(t) else unseen for t in terms]
        factor = 1.0 + (self.params.delta if self.params.variant == "plus" else 0.0)
        maximum = factor * sum(idfs)
        return min(1.0, score / maximum) if maximum > 0 else 0.0

    def ask(self, question: str, *, article: str | None = None, top: int | None = None) -> Answer:
        """Answer a question with the best passages, or decline with the reason."""
        snap = self._snapshot
        terms = self.question_terms(question)
        within = self._within(snap, article)
        k = top if top is not None else self.retrieval.top_k
        hits = snap.index.search(terms, max(k, 1), within=within)
        if not hits:
            return Answer(question, False, "no passage shares the question's words", (), tuple(terms))
        best = hits[0]
        cov = coverage(terms, set(snap.passage_terms[best.position]))
        relative = self._relative_score(snap, terms, best.score)
        closest = snap.corpus.article(snap.corpus.passages[best.position].article_id)
        reason = decline_reason(cov, relative, self.policy)
        if reason is not None:
            return Answer(question, False, reason, (), tuple(terms), cov, relative, closest)
        kind = question_kind(question)
        results = []
        for rank, hit in enumerate(hits[:k], start=1):
            passage = snap.corpus.passages[hit.position]
            art = snap.corpus.article(passage.article_id)
            if art is None:  # a snapshot is built from its own corpus; this cannot happen
                continue
            highlight = choose_highlight(passage, terms, kind, self.analyzer, snap.index.idf)
            results.append(Result(rank, art, passage, hit.score, highlight, citation(art, passage)))
        return Answer(question, True, "answered", tuple(results), tuple(terms), cov, relative, closest)

    def explain(self, question: str, *, article: str | None = None, top: int | None = None) -> Explanation:
        """Answer a question and lay open each top passage's score, term by term."""
        snap = self._snapshot
        answer = self.ask(question, article=article, top=top)
        terms = list(answer.terms)
        k = top if top is not None else self.retrieval.top_k
        hits = snap.index.search(terms, k, within=self._within(snap, article))
        kind = question_kind(question)
        explained = []
        for rank, hit in enumerate(hits, start=1):
            passage = snap.corpus.passages[hit.position]
            art = snap.corpus.article(passage.article_id)
            if art is None:
                continue
            highlight = choose_highlight(passage, terms, kind, self.analyzer, snap.index.idf)
            result = Result(rank, art, passage, hit.score, highlight, citation(art, passage))
            explained.append(ExplainedResult(result, tuple(snap.index.explain(terms, hit.position))))
        return Explanation(question, tuple(terms), answer, tuple(explained))

    # -- reloading ------------------------------------------------------------------------------------

    def reload(self, path: Path | None = None) -> ReloadReport:
        """Re-read the corpus, swap the snapshot atomically and report what changed.

        Blocking: front ends on an event loop call it in a thread. On ``CorpusError`` the old snapshot stays.
        """
        with self._lock:
            old = self._snapshot.corpus
            corpus = load_corpus(path or old.root, max_words=self.max_passage_words)
            snapshot = self._build(corpus)
            self._snapshot = snapshot
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
