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

Speed: a question adds its terms' impact rows into a per-thread dense score buffer with ``np.add.at`` (in
order, element by element: no sorting or ``np.unique`` of candidates). With few postings it reads back the
touched entries, takes the best with ``np.partition`` and orders only those by (score, position), then resets
the touched entries, so it costs time in proportion to its postings, not to the corpus. With many postings
(more than an eighth of the passages: common words on a large corpus) it bounds the ``k``-th best score from
below with one short posting list and keeps, in one sequential pass over the buffer, the passages at or above
the bound, then clears the buffer: random access to the postings' passages is what costs there.

The service's search, ``top_k``, is the same sparse path with each term's impacts weighted (typo repairs and
related words count less), restricted to a range of passages or a ``PassageSet`` of articles. The index also
keeps the forward index — every passage's term ids in text order — so that answering reads a passage's terms
and their order instead of analyzing its text again.

One edge where rank-bm25 is not followed: with ``b = 1`` a
passage with no terms gets ``0 / 0 = NaN`` in ``get_scores``; askbot never ranks such a passage.
"""

from __future__ import annotations

import itertools
import math
import threading
from collections.abc import Iterable, Iterator, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal, Protocol

import numpy as np
import numpy.typing as npt
from rank_bm25 import BM25Okapi, BM25Plus

from bot.array_file import MappedArrays

Variant = Literal["okapi", "plus"]
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
# Postings per chunk when computing impacts: bounds the temporaries at a few tens of MB.
_IMPACT_CHUNK = 1 << 21
# A question whose postings exceed 1 / _DENSE_SHARE of the passages selects its best from the whole score
# buffer (one sequential pass) rather than from its postings (several random-access passes).
_DENSE_SHARE = 8


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
class _Unweighted:
    """A question term of a plain search: weight 1."""

    term: str
    weight: float = 1.0


@dataclass(frozen=True, slots=True, eq=False)
class _Row:
    """One question term's postings as a search reads them: its id, weight, passages and impacts."""

    tid: int
    weight: float
    docs: npt.NDArray[np.int32]
    impacts: FloatArray


@dataclass(frozen=True, slots=True)
class Hit:
    """A passage's position in the index and its score."""

    position: int
    score: float


class WeightedQueryTerm(Protocol):
    """A term searched for a question and the weight its impacts are multiplied by (``expansion.WeightedTerm``)."""

    @property
    def term(self) -> str:
        """Return the index term."""
        ...

    @property
    def weight(self) -> float:
        """Return the weight of the term's impacts."""
        ...


@dataclass(frozen=True, slots=True, eq=False)
class PassageSet:
    """Passage positions as sorted, disjoint ranges ``[start, end)``: the passages a question may be answered from.

    ``bounds`` is ``start0, end0, start1, end1, ...``, increasing: a position is inside when an odd number of
    bounds are at or below it, so membership costs a binary search, never an array the size of the corpus.
    """

    bounds: IntArray

    @classmethod
    def of(cls, ranges: Iterable[tuple[int, int]]) -> PassageSet:
        """Return the union of ``[start, end)`` ranges (empty ones ignored, overlapping ones merged)."""
        merged: list[list[int]] = []
        for start, end in sorted(r for r in ranges if r[0] < r[1]):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        return cls(np.array([b for pair in merged for b in pair], dtype=np.int64))

    def __contains__(self, position: object) -> bool:
        """Return True when ``position`` is in one of the ranges."""
        if not isinstance(position, int | np.integer):
            return False
        return int(np.searchsorted(self.bounds, position, side="right")) % 2 == 1

    def mask(self, positions: npt.NDArray[np.integer[Any]]) -> npt.NDArray[np.bool_]:
        """Return which of ``positions`` are in one of the ranges."""
        inside: npt.NDArray[np.bool_] = np.searchsorted(self.bounds, positions, side="right") % 2 == 1
        return inside


@dataclass(frozen=True, slots=True)
class TermContribution:
    """How much one question term adds to one passage's score."""

    term: str
    idf: float
    tf: int
    contribution: float


class BM25Index:
    """Impact postings for every term; scores equal rank-bm25's for the same tokens and params.

    Thread-safe: the arrays are never changed after construction, and the scratch buffers a search uses are
    per thread.
    """

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
        forward: npt.NDArray[np.int32],
        impacts: FloatArray | None = None,
    ) -> None:
        """Hold the postings, and ``forward``: every passage's term ids in text order, passage after passage.

        ``impacts``, each posting's contribution, are computed unless given (a saved index holds them).
        """
        self.params = params
        self.vocab = vocab
        self.offsets = offsets
        self.post_docs = post_docs
        self.post_tf = post_tf
        self.doc_len = doc_len
        self.idf_values = idf
        self.n_docs = int(doc_len.shape[0])
        self.avgdl = int(doc_len.sum(dtype=np.int64)) / self.n_docs if self.n_docs else 0.0
        self.forward = forward
        # Where each passage's terms start in ``forward``: passage i holds forward[starts[i]:starts[i + 1]].
        self.forward_starts = np.zeros(self.n_docs + 1, dtype=np.int64)
        np.cumsum(doc_len, out=self.forward_starts[1:])
        self.post_impact = self._impacts() if impacts is None else impacts
        # The file the arrays are mapped from, when the index was loaded from one (checked in the background).
        self.mapped: MappedArrays | None = None
        self._scratch = threading.local()

    # -- building -------------------------------------------------------------------------------------

    @classmethod
    def build(cls, tokenized: Sequence[Sequence[str]], params: BM25Params | None = None) -> BM25Index:
        """Index tokenized passages; an empty corpus is refused (rank-bm25 would divide by zero).

        One dictionary lookup per token (``map`` over ``dict.setdefault``, in C) finds each token's first
        occurrence; one sort of ``term × N + passage`` keys then groups the postings by term, passages in
        order, and counts each term's frequency in each passage. Temporaries are freed as soon as they are
        used, to keep the peak low.
        """
        params = params or BM25Params()
        n = len(tokenized)
        if n == 0:
            raise ValueError("cannot index an empty corpus")
        lengths = np.fromiter(map(len, tokenized), dtype=np.int64, count=n)
        total = int(lengths.sum())
        # Positions fit in int32 below 2**31 tokens: half the memory of the per-token arrays.
        pos_type = np.int32 if total < 2**31 else np.int64
        first_seen: dict[str, int] = {}
        tokens = itertools.chain.from_iterable(tokenized)
        first = np.fromiter(map(first_seen.setdefault, tokens, itertools.count()), dtype=pos_type, count=total)
        # A term's first occurrence grows with the order terms were first seen: rank them to get dense ids.
        dense = np.empty(total, dtype=pos_type)
        dense[np.fromiter(first_seen.values(), dtype=pos_type, count=len(first_seen))] = np.arange(
            len(first_seen), dtype=pos_type
        )
        # The forward index: each token's term id, passages in order (the postings are built from it too).
        forward = dense[first].astype(np.int32, copy=False)
        del dense, first
        keys = forward.astype(np.int64)
        keys *= n
        keys += np.repeat(np.arange(n, dtype=pos_type), lengths)
        keys.sort()
        change = np.empty(total, dtype=bool)
        change[:1] = True
        np.not_equal(keys[1:], keys[:-1], out=change[1:])
        unique_keys = keys[change]
        del keys
        starts = np.flatnonzero(change)
        del change
        post_tf = np.diff(starts, append=total).astype(np.int32)
        del starts
        post_terms, post_docs64 = np.divmod(unique_keys, n)
        del unique_keys
        post_docs = post_docs64.astype(np.int32)
        del post_docs64
        vocab = dict(zip(first_seen, range(len(first_seen)), strict=True))
        del first_seen
        df = np.bincount(post_terms, minlength=len(vocab))
        del post_terms
        offsets = np.zeros(len(vocab) + 1, dtype=np.int64)
        np.cumsum(df, out=offsets[1:])
        return cls(
            params=params,
            vocab=vocab,
            offsets=offsets,
            post_docs=post_docs,
            post_tf=post_tf,
            doc_len=lengths.astype(np.int32),
            idf=idf_values(params, n, df),
            forward=forward,
        )

    def _impacts(self) -> FloatArray:
        """Return each posting's contribution, as rank-bm25's ``get_scores`` evaluates it.

        The same IEEE operations on the same operands as rank-bm25's expression (reordered only where
        addition and multiplication commute), in chunks so the temporaries stay small.
        """
        p = self.params
        k1, b, avgdl = p.k1, p.b, self.avgdl
        total = int(self.offsets[-1])
        out = np.empty(total, dtype=np.float64)
        doc_len = self.doc_len.astype(np.float64)
        for lo in range(0, total, _IMPACT_CHUNK):
            hi = min(lo + _IMPACT_CHUNK, total)
            first = int(np.searchsorted(self.offsets, lo, side="right")) - 1
            last = int(np.searchsorted(self.offsets, hi - 1, side="right")) - 1
            bounds = np.clip(self.offsets[first : last + 2], lo, hi)
            spans = bounds[1:] - bounds[:-1]
            idf = np.repeat(self.idf_values[first : last + 1], spans)
            q_freq = self.post_tf[lo:hi].astype(np.float64)
            norm = doc_len[self.post_docs[lo:hi]]
            norm *= b
            norm /= avgdl
            norm += 1 - b
            norm *= k1  # k1 * (1 - b + b * doc_len / avgdl)
            norm += q_freq
            chunk = out[lo:hi]
            np.multiply(q_freq, k1 + 1, out=chunk)
            chunk /= norm
            if p.variant == "plus":
                chunk += p.delta  # delta + (q_freq * (k1 + 1)) / (k1 * (...) + q_freq)
            chunk *= idf
        return out

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

    def terms(self) -> list[str]:
        """Return the vocabulary in term-id order."""
        words = list(self.vocab)
        ids = np.fromiter(self.vocab.values(), dtype=np.int64, count=len(words))
        if np.array_equal(ids, np.arange(len(words))):
            return words
        return [words[i] for i in np.argsort(ids).tolist()]

    @cached_property
    def _term_list(self) -> list[str]:
        """Return the vocabulary in term-id order, kept (a race computes the same list twice: harmless)."""
        return self.terms()

    def term_ids_of(self, position: int) -> npt.NDArray[np.int32]:
        """Return one passage's term ids in text order, repeats kept (the forward index)."""
        return self.forward[int(self.forward_starts[position]) : int(self.forward_starts[position + 1])]

    def terms_of(self, position: int) -> TermSet:
        """Return one passage's distinct terms."""
        return TermSet(set(self.term_ids_of(position).tolist()), self)

    # -- scoring --------------------------------------------------------------------------------------

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

    def _rows(
        self, query: Sequence[WeightedQueryTerm], within: tuple[int, int] | None, visible: PassageSet | None
    ) -> list[_Row]:
        """Return each known question term's postings, in question order, cut to ``within`` and ``visible``.

        A term no passage holds is left out: rank-bm25 adds ``0 × ...`` for it, which changes no score.
        """
        rows: list[_Row] = []
        vocab, offsets, docs = self.vocab, self.offsets, self.post_docs
        plus = self.params.variant == "plus"
        for wt in query:
            tid = vocab.get(wt.term)
            if tid is None:
                continue
            lo, hi = int(offsets[tid]), int(offsets[tid + 1])
            if within is not None:
                part = docs[lo:hi]
                lo, hi = lo + int(np.searchsorted(part, within[0])), lo + int(np.searchsorted(part, within[1]))
            held, impacts = docs[lo:hi], self.post_impact[lo:hi]
            if visible is not None and held.size:
                inside = visible.mask(held)
                held, impacts = held[inside], impacts[inside]
            if held.size or plus:  # BM25Plus adds idf × delta to the passages that lack the term
                rows.append(_Row(tid, wt.weight, held, impacts))
        return rows

    def _buffer(self, name: str, dtype: type[np.float64] | type[np.intp]) -> npt.NDArray[Any]:
        """Return this thread's scratch array of one value per passage (scores are kept all zero)."""
        buf: npt.NDArray[Any] | None = getattr(self._scratch, name, None)
        if buf is None:
            buf = np.zeros(self.n_docs, dtype=dtype)
            setattr(self._scratch, name, buf)
        return buf

    def search(self, query: Sequence[str], k: int, *, within: tuple[int, int] | None = None) -> list[Hit]:
        """Return the ``k`` best passages that share a term with the question, best first.

        Only passages holding a question term are scored; ties go to the earlier passage. ``within`` limits
        the search to passage positions ``[start, end)`` (one article's passages are contiguous).
        """
        rows = self._rows([_Unweighted(term) for term in query], within, None)
        if not rows or k <= 0:
            return []
        if self.params.variant == "plus":
            docs, scores = self._plus_scores(rows)
            return _top_k(docs, scores, k, 1) if docs.size else []
        return self._okapi_top(rows, k, within)

    def top_k(
        self,
        query: Sequence[WeightedQueryTerm],
        k: int,
        *,
        within: tuple[int, int] | None = None,
        visible: PassageSet | None = None,
    ) -> list[Hit]:
        """Return the ``k`` best passages holding a searched term by weighted score, best first, ties by position.

        A passage's score is the sum, in query order, of each term's weight × its impact (``okapi``); for
        ``plus``, of weight × ``idf × delta`` and, where the passage holds the term, weight × the rest of its
        impact: the arithmetic the service's dense score arrays did, so rankings are the same bit for bit.
        ``within`` limits the search to positions ``[start, end)`` and ``visible`` to a set of ranges; neither
        builds an array the size of the corpus.
        """
        rows = self._rows(query, within, visible)
        if not rows or k <= 0:
            return []
        if self.params.variant == "plus":
            docs, scores = self._plus_weighted_scores(rows)
            return _top_k(docs, scores, k, 1) if docs.size else []
        return self._okapi_top(rows, k, within)

    def scores_at(self, query: Sequence[WeightedQueryTerm], positions: Sequence[int]) -> list[float]:
        """Return the weighted score ``top_k`` gives each of ``positions``, whether or not it holds a term.

        For candidates found another way (sentence vectors): ``plus`` gives a passage holding no term the
        weighted ``idf × delta`` of every term, ``okapi`` 0.
        """
        at = np.asarray(positions, dtype=np.int64)
        scores = np.zeros(at.size, dtype=np.float64)
        plus, delta = self.params.variant == "plus", self.params.delta
        for row in self._rows(query, None, None):
            found = np.searchsorted(row.docs, at)
            holds = found < row.docs.size
            holds[holds] = row.docs[found[holds]] == at[holds]
            if plus:
                base = float(self.idf_values[row.tid]) * delta
                scores += row.weight * base
                scores[holds] += row.weight * (row.impacts[found[holds]] - base)
            else:
                scores[holds] += row.weight * row.impacts[found[holds]]
        return [float(s) for s in scores.tolist()]

    def _okapi_top(self, rows: list[_Row], k: int, within: tuple[int, int] | None) -> list[Hit]:
        """Add each row's weighted impacts into a dense buffer in question order, then take the ``k`` best passages.

        ``np.add.at`` adds element by element in order, so each passage's score is summed in question order as
        in rank-bm25. When the question's postings are few, the best are taken among the touched entries (a
        passage holding several question terms is listed once per term). When they are many (a common word
        on a large corpus), a lower bound of the ``k``-th best score is read from the shortest posting list
        holding at least ``k`` passages (the ``k``-th best of any ``k`` passages is at most the ``k``-th best
        of all) and one pass over the buffer (over ``within`` only) keeps the passages at or above it, each
        once. Scores are positive (``okapi``'s IDF and term part are, and so must the weights be for this), so
        an untouched passage (0) is never kept.
        """
        buf: FloatArray = self._buffer("scores", np.float64)
        lo, hi = within if within is not None else (0, self.n_docs)
        parts = [row.docs for row in rows]
        total = sum(docs.size for docs in parts)
        dense = total * _DENSE_SHARE >= hi - lo
        try:
            for row in rows:
                # A weight of 1 leaves the impacts as they are: no product to compute.
                np.add.at(buf, row.docs, row.impacts if row.weight == 1.0 else row.weight * row.impacts)
            positive = all(row.weight > 0 for row in rows)
            bound = min((docs for docs in parts if docs.size >= k), key=len, default=None) if dense else None
            if bound is not None and positive:
                values = buf[bound]
                lowest = float(np.partition(values, values.size - k)[values.size - k])
                if lowest > 0:
                    keep = lo + np.flatnonzero(buf[lo:hi] >= lowest)
                    return _top_k(keep, buf[keep], k, 1)
            touched = parts[0] if len(parts) == 1 else np.concatenate(parts)
            return _top_k(touched, buf[touched], k, len(rows))
        finally:
            if dense:
                buf[lo:hi] = 0.0
            else:
                for docs in parts:
                    buf[docs] = 0.0

    def _candidates(self, rows: list[_Row]) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.intp]]:
        """Return each passage holding a question term once, and this thread's slot buffer mapping them to 0…n-1."""
        slot: npt.NDArray[np.intp] = self._buffer("slots", np.intp)
        parts = [row.docs for row in rows]
        touched = parts[0] if len(parts) == 1 else np.concatenate(parts)
        order = np.arange(touched.size)
        slot[touched] = order
        candidates = touched[slot[touched] == order]  # one entry per passage, whichever write won
        slot[candidates] = np.arange(candidates.size)
        return candidates, slot

    def _plus_scores(self, rows: list[_Row]) -> tuple[npt.NDArray[np.int32], FloatArray]:
        """Score each passage holding a question term, adding ``idf × delta`` for the terms it lacks."""
        candidates, slot = self._candidates(rows)
        scores = np.zeros(candidates.size, dtype=np.float64)
        delta = self.params.delta
        for row in rows:
            values = np.full(candidates.size, self.idf_values[row.tid] * delta)
            values[slot[row.docs]] = row.impacts
            scores += values
        return candidates, scores

    def _plus_weighted_scores(self, rows: list[_Row]) -> tuple[npt.NDArray[np.int32], FloatArray]:
        """Score each passage holding a question term: weight × ``idf × delta``, then weight × the rest if held."""
        candidates, slot = self._candidates(rows)
        scores = np.zeros(candidates.size, dtype=np.float64)
        delta = self.params.delta
        for row in rows:
            base = float(self.idf_values[row.tid]) * delta
            scores += row.weight * base
            scores[slot[row.docs]] += row.weight * (row.impacts - base)
        return candidates, scores

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


class TermSet(AbstractSet[str]):
    """One passage's distinct terms, held as term ids: a term is looked up, no set of strings is built.

    Building a passage's set of term strings took 45-70 us at 100,000 passages (its strings scattered over the
    vocabulary), the set of its ids 7 us; the re-ranking asks it about a few question terms only.
    """

    __slots__ = ("_ids", "_index")

    def __init__(self, ids: set[int], index: BM25Index) -> None:
        self._ids, self._index = ids, index

    def __contains__(self, term: object) -> bool:
        tid = self._index.vocab.get(term) if isinstance(term, str) else None
        return tid is not None and tid in self._ids

    def __iter__(self) -> Iterator[str]:
        return map(self._index._term_list.__getitem__, self._ids)

    def __len__(self) -> int:
        return len(self._ids)

    def __repr__(self) -> str:
        return f"TermSet({sorted(self)!r})"


def idf_values(params: BM25Params, corpus_size: int, doc_freq: IntArray) -> FloatArray:
    """Return each term's IDF from its document frequency, with rank-bm25's ``_calc_idf`` of the variant.

    Both variants' IDF depends on the document frequency alone, so it is computed once per distinct frequency.
    """
    distinct, inverse = np.unique(doc_freq, return_inverse=True)
    table = params.idf_table(corpus_size, {str(d): d for d in distinct.tolist()})
    per_freq = np.fromiter((table[str(d)] for d in distinct.tolist()), dtype=np.float64, count=distinct.size)
    values: FloatArray = per_freq[inverse.reshape(-1)]
    return values


def _top_k(docs: npt.NDArray[np.integer[Any]], scores: FloatArray, k: int, repeats: int) -> list[Hit]:
    """Return the ``k`` best distinct passages, best score first and ties by position.

    ``docs`` may list a passage up to ``repeats`` times (always with the same score), so the ``k`` best
    distinct passages are among the ``k × repeats`` best entries; every entry tied with the last of those
    is kept too, then entries are sorted by (score descending, position) and repeats dropped.
    """
    keep = k * repeats
    if keep < scores.size:
        cut = scores.size - keep
        threshold = np.partition(scores, cut)[cut]
        chosen = np.flatnonzero(scores >= threshold)
        docs, scores = docs[chosen], scores[chosen]
    order = np.lexsort((docs, -scores))
    docs, scores = docs[order], scores[order]
    if repeats > 1 and docs.size > 1:
        first = np.empty(docs.size, dtype=bool)
        first[0] = True
        np.not_equal(docs[1:], docs[:-1], out=first[1:])
        docs, scores = docs[first], scores[first]
    return [Hit(d, s) for d, s in zip(docs[:k].tolist(), scores[:k].tolist(), strict=True)]
