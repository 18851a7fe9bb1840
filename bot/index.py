"""Rank passages with BM25: rank-bm25's formulas, scored through precomputed impact postings.

Variant and IDF, chosen deliberately:

* rank-bm25's ``BM25Okapi`` computes IDF as ``log((N - n + 0.5) / (n + 0.5))``. A term found in exactly half
  of the passages gets an IDF of 0 and a term in more than half is floored to ``epsilon × mean IDF``
  (rank-bm25 issues #39 and #43). On a short article of a dozen paragraphs that erases the very words a
  question is about ("prison", "video"). askbot's ``okapi`` variant is therefore ``BM25Okapi`` with the
  IDF of Lucene and ATIRE, ``log(1 + (N - n + 0.5) / (n + 0.5))``: always positive, monotone in ``n``,
  no floor needed. The term-frequency part is rank-bm25's own.
* ``plus`` is rank-bm25's ``BM25Plus`` unchanged (IDF ``log((N + 1) / n)``, a ``delta`` added per query
  term). It gives every passage a positive score, so "score > 0" says nothing about a match.
* rank-bm25's released ``BM25L`` multiplies by the term frequency a second time (the extra-tf bug) and is
  not offered.

rank-bm25 scores a question with a Python loop over every passage for every term. askbot precomputes, for
each term, the passages that contain it and the term's contribution to each (its *impact*), with the same
floating-point expression rank-bm25 evaluates; a question then adds a few rows into a score array in the
question's term order, which gives bit-for-bit the scores rank-bm25 computes, and only passages that share
a term with the question are ranked.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from rank_bm25 import BM25Okapi, BM25Plus

Variant = Literal["okapi", "plus"]
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


class LuceneIdfBM25Okapi(BM25Okapi):  # type: ignore[misc]
    """rank-bm25's BM25Okapi with Lucene's always-positive IDF ``log(1 + (N - n + 0.5) / (n + 0.5))``."""

    def _calc_idf(self, nd: dict[str, int]) -> None:
        """Set every term's IDF; no floor is needed because none is negative."""
        for word, freq in nd.items():
            self.idf[word] = math.log(1.0 + (self.corpus_size - freq + 0.5) / (freq + 0.5))
        self.average_idf = sum(self.idf.values()) / len(self.idf) if self.idf else 0.0


REFERENCE_CLASSES: dict[str, type[Any]] = {"okapi": LuceneIdfBM25Okapi, "plus": BM25Plus}


@dataclass(frozen=True, slots=True)
class BM25Params:
    """What changes scores: the variant and its constants."""

    variant: Variant = "okapi"
    k1: float = 1.5
    b: float = 0.75
    delta: float = 1.0

    def reference(self, tokenized: Sequence[Sequence[str]]) -> Any:
        """Build the rank-bm25 object whose scores this index reproduces (for tests and explanations)."""
        cls = REFERENCE_CLASSES[self.variant]
        if self.variant == "plus":
            return cls([list(d) for d in tokenized], k1=self.k1, b=self.b, delta=self.delta)
        return cls([list(d) for d in tokenized], k1=self.k1, b=self.b)

    def idf_table(self, corpus_size: int, doc_freqs: dict[str, int]) -> dict[str, float]:
        """Compute IDF with rank-bm25's own ``_calc_idf`` of the chosen variant."""
        cls = REFERENCE_CLASSES[self.variant]
        shell: Any = object.__new__(cls)
        shell.corpus_size = corpus_size
        shell.idf = {}
        shell.k1, shell.b = self.k1, self.b
        shell.epsilon, shell.delta = 0.25, self.delta
        shell._calc_idf(doc_freqs)
        return dict(shell.idf)

    def unseen_idf(self, corpus_size: int) -> float:
        """Return the IDF a term would have if one passage held it: the most a question term can weigh."""
        return self.idf_table(corpus_size, {"": 1})[""]


@dataclass(frozen=True, slots=True)
class Hit:
    """A passage's position in the index and its score."""

    position: int
    score: float


@dataclass(frozen=True, slots=True)
class TermContribution:
    """How much one question term adds to one passage's score."""

    term: str
    idf: float
    tf: int
    contribution: float


class BM25Index:
    """Impact postings for every term; scores equal rank-bm25's for the same tokens and params."""

    def __init__(
        self,
        *,
        params: BM25Params,
        vocab: dict[str, int],
        offsets: IntArray,
        post_docs: npt.NDArray[np.int32],
        post_tf: npt.NDArray[np.int32],
        doc_len: npt.NDArray[np.int32],
        idf: FloatArray,
    ) -> None:
        self.params = params
        self.vocab = vocab
        self.offsets = offsets
        self.post_docs = post_docs
        self.post_tf = post_tf
        self.doc_len = doc_len
        self.idf_values = idf
        self.n_docs = int(doc_len.shape[0])
        self.avgdl = float(doc_len.sum()) / self.n_docs if self.n_docs else 0.0
        self.post_impact = self._impacts()

    # -- building -------------------------------------------------------------------------------------

    @classmethod
    def build(cls, tokenized: Sequence[Sequence[str]], params: BM25Params | None = None) -> BM25Index:
        """Index tokenized passages; an empty corpus is refused (rank-bm25 would divide by zero)."""
        params = params or BM25Params()
        n = len(tokenized)
        if n == 0:
            raise ValueError("cannot index an empty corpus")
        vocab: dict[str, int] = {}
        setdefault = vocab.setdefault
        flat: list[int] = []
        lengths = np.empty(n, dtype=np.int32)
        for i, doc in enumerate(tokenized):
            lengths[i] = len(doc)
            flat.extend([setdefault(term, len(vocab)) for term in doc])
        term_ids = np.asarray(flat, dtype=np.int64)
        doc_ids = np.repeat(np.arange(n, dtype=np.int64), lengths)
        keys, counts = np.unique(term_ids * n + doc_ids, return_counts=True)
        post_terms = keys // n
        post_docs = (keys % n).astype(np.int32)
        df = np.bincount(post_terms, minlength=len(vocab))
        offsets = np.zeros(len(vocab) + 1, dtype=np.int64)
        np.cumsum(df, out=offsets[1:])
        terms = list(vocab)
        idf_map = params.idf_table(n, dict(zip(terms, df.tolist(), strict=True)))
        idf = np.fromiter((idf_map[t] for t in terms), dtype=np.float64, count=len(terms))
        return cls(
            params=params,
            vocab=vocab,
            offsets=offsets,
            post_docs=post_docs,
            post_tf=counts.astype(np.int32),
            doc_len=lengths,
            idf=idf,
        )

    def _impacts(self) -> FloatArray:
        """Return each posting's contribution, as rank-bm25's ``get_scores`` evaluates it."""
        p = self.params
        k1, b, avgdl = p.k1, p.b, self.avgdl
        term_of_posting = np.repeat(np.arange(len(self.vocab)), np.diff(self.offsets))
        q_freq = self.post_tf.astype(np.float64)
        doc_len = self.doc_len.astype(np.float64)[self.post_docs]
        idf = self.idf_values[term_of_posting]
        if p.variant == "plus":
            impact: FloatArray = idf * (p.delta + (q_freq * (k1 + 1)) / (k1 * (1 - b + b * doc_len / avgdl) + q_freq))
        else:
            impact = idf * (q_freq * (k1 + 1) / (q_freq + k1 * (1 - b + b * doc_len / avgdl)))
        return impact

    # -- looking up -----------------------------------------------------------------------------------

    def idf(self, term: str) -> float:
        """Return a term's IDF, 0 when no passage holds it."""
        tid = self.vocab.get(term)
        return 0.0 if tid is None else float(self.idf_values[tid])

    def doc_freq(self, term: str) -> int:
        """Return how many passages hold a term."""
        tid = self.vocab.get(term)
        return 0 if tid is None else int(self.offsets[tid + 1] - self.offsets[tid])

    def postings(self, term: str) -> tuple[npt.NDArray[np.int32], FloatArray]:
        """Return the passages holding a term and the term's impact in each."""
        tid = self.vocab.get(term)
        if tid is None:
            empty = np.empty(0, dtype=np.int32)
            return empty, np.empty(0, dtype=np.float64)
        lo, hi = int(self.offsets[tid]), int(self.offsets[tid + 1])
        return self.post_docs[lo:hi], self.post_impact[lo:hi]

    def term_frequency(self, term: str, position: int) -> int:
        """Return how often a term occurs in one passage."""
        tid = self.vocab.get(term)
        if tid is None:
            return 0
        lo, hi = int(self.offsets[tid]), int(self.offsets[tid + 1])
        at = lo + int(np.searchsorted(self.post_docs[lo:hi], position))
        return int(self.post_tf[at]) if at < hi and self.post_docs[at] == position else 0

    # -- scoring --------------------------------------------------------------------------------------

    def _plus_baseline(self, query: Sequence[str]) -> float:
        """Return what BM25Plus gives a passage that shares no term with the question."""
        base = 0.0
        for term in query:
            base += self.idf(term) * self.params.delta
        return base

    def scores(self, query: Sequence[str]) -> FloatArray:
        """Return every passage's score, equal to rank-bm25's ``get_scores`` (used by tests and tools)."""
        out = np.zeros(self.n_docs, dtype=np.float64)
        for term in query:
            docs, impacts = self.postings(term)
            if self.params.variant == "plus":
                row = np.full(self.n_docs, self.idf(term) * self.params.delta)
                row[docs] = impacts
                out += row
            else:
                out[docs] += impacts
        return out

    def search(self, query: Sequence[str], k: int, *, within: tuple[int, int] | None = None) -> list[Hit]:
        """Return the ``k`` best passages that share a term with the question, best first.

        Only passages holding a question term are scored; ties go to the earlier passage. ``within`` limits
        the search to passage positions ``[start, end)`` (one article's passages are contiguous).
        """
        rows = [(term, *self.postings(term)) for term in query]
        candidates = np.unique(np.concatenate([docs for _, docs, _ in rows])) if rows else np.empty(0, np.int32)
        if within is not None:
            lo, hi = within
            candidates = candidates[(candidates >= lo) & (candidates < hi)]
        if candidates.size == 0 or k <= 0:
            return []
        scores = np.zeros(candidates.size, dtype=np.float64)
        for term, docs, impacts in rows:
            where = np.searchsorted(candidates, docs)
            inside = where < candidates.size
            inside[inside] &= candidates[where[inside]] == docs[inside]
            if self.params.variant == "plus":
                row = np.full(candidates.size, self.idf(term) * self.params.delta)
                row[where[inside]] = impacts[inside]
                scores += row
            else:
                scores[where[inside]] += impacts[inside]
        if k < scores.size:
            top = np.argpartition(-scores, k - 1)[:k]
            # argpartition may cut a tie at the k-th score: take every tie, then order by (score, position).
            top = np.flatnonzero(scores >= scores[top].min())
        else:
            top = np.arange(scores.size)
        order = np.lexsort((candidates[top], -scores[top]))[:k]
        return [Hit(int(candidates[top[i]]), float(scores[top[i]])) for i in order]

    def explain(self, query: Sequence[str], position: int) -> list[TermContribution]:
        """Return each distinct question term's IDF, frequency and contribution to one passage."""
        out: list[TermContribution] = []
        seen: set[str] = set()
        for term in query:
            if term in seen:
                continue
            seen.add(term)
            count = query.count(term)
            tf = self.term_frequency(term, position)
            docs, impacts = self.postings(term)
            contribution = 0.0
            if tf:
                at = int(np.searchsorted(docs, position))
                contribution = float(impacts[at]) * count
            elif self.params.variant == "plus":
                contribution = self.idf(term) * self.params.delta * count
            out.append(TermContribution(term, self.idf(term), tf, contribution))
        return out
