"""The one service every front end calls: ``AskService.ask(question, article=..., top=...)``.

It holds an immutable snapshot (corpus, analyzed passages, index) and swaps it whole on ``reload``, so a
question asked during a reload is answered from the old snapshot.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

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
from bot.settings import RetrievalSettings, Settings

EXAMPLE_QUESTION = "How many inmates work in construction?"


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything one question is answered from; replaced whole, never changed."""

    corpus: Corpus
    index: BM25Index
    passage_terms: tuple[frozenset[str], ...]
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


def build_snapshot(corpus: Corpus, analyzer: Analyzer, params: BM25Params) -> Snapshot:
    """Analyze every passage and index it."""
    tokenized = analyzer.terms_many([p.text for p in corpus.passages])
    index = BM25Index.build(tokenized, params)
    ranges: dict[str, tuple[int, int]] = {}
    for position, passage in enumerate(corpus.passages):
        lo, _ = ranges.get(passage.article_id, (position, position))
        ranges[passage.article_id] = (lo, position + 1)
    return Snapshot(corpus, index, tuple(frozenset(t) for t in tokenized), ranges)


class AskService:
    """Answer questions from a corpus of articles."""

    def __init__(
        self,
        corpus: Corpus,
        *,
        retrieval: RetrievalSettings | None = None,
        analyzer: Analyzer | None = None,
        max_passage_words: int = 150,
    ) -> None:
        self.retrieval = retrieval or RetrievalSettings()
        self.analyzer = analyzer or Analyzer()
        self.params = params_of(self.retrieval)
        self.policy = DeclinePolicy(self.retrieval.min_coverage, self.retrieval.min_relative_score)
        self.max_passage_words = max_passage_words
        self._lock = threading.Lock()
        self._snapshot = build_snapshot(corpus, self.analyzer, self.params)

    @classmethod
    def from_settings(cls, settings: Settings, *, corpus_path: Path | None = None) -> AskService:
        """Load the corpus the settings name and index it."""
        path = corpus_path or settings.corpus.path
        corpus = load_corpus(path, max_words=settings.corpus.max_passage_words)
        return cls(corpus, retrieval=settings.retrieval, max_passage_words=settings.corpus.max_passage_words)

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
            snapshot = build_snapshot(corpus, self.analyzer, self.params)
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
