"""The index against rank-bm25: the same scores bit for bit, the same rankings, on random corpora."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.expansion import WeightedTerm
from bot.index import BM25Index, BM25Params, Hit, PassageSet

TERMS = [f"t{i}" for i in range(12)]
VARIANTS = [BM25Params(variant="okapi"), BM25Params(variant="plus"), BM25Params("okapi", k1=0.9, b=0.4),
            BM25Params("plus", k1=2.0, b=0.9, delta=0.5)]
PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

docs_st = st.lists(st.lists(st.sampled_from(TERMS), max_size=15), min_size=1, max_size=40).filter(any)
# Questions may repeat a term and hold terms no passage has.
query_st = st.lists(st.sampled_from([*TERMS, "unknown", "absent"]), min_size=1, max_size=7)


def expected_top(index: BM25Index, reference: object, query: list[str], k: int,
                 within: tuple[int, int] | None = None) -> list[Hit]:
    """Rank with rank-bm25's scores: passages holding a question term, best first, ties by position."""
    scores = reference.get_scores(query)  # type: ignore[attr-defined]
    holding = {int(d) for term in query for d in index.postings(term)[0]}
    if within is not None:
        holding = {d for d in holding if within[0] <= d < within[1]}
    ranked = sorted(holding, key=lambda d: (-scores[d], d))[:k]
    return [Hit(d, float(scores[d])) for d in ranked]


@PROPERTY
@given(docs=docs_st, queries=st.lists(query_st, min_size=1, max_size=4), params=st.sampled_from(VARIANTS))
def test_scores_equal_rank_bm25_bit_for_bit(docs, queries, params):
    index = BM25Index.build(docs, params)
    reference = params.reference(docs)
    for query in queries:
        assert np.array_equal(index.scores(query), reference.get_scores(query))


@PROPERTY
@given(docs=docs_st, query=query_st, k=st.integers(1, 12), params=st.sampled_from(VARIANTS))
def test_search_ranks_as_rank_bm25(docs, query, k, params):
    index = BM25Index.build(docs, params)
    assert index.search(query, k) == expected_top(index, params.reference(docs), query, k)


@PROPERTY
@given(docs=docs_st, query=query_st, k=st.integers(1, 12), params=st.sampled_from(VARIANTS[::2]), data=st.data())
def test_both_ways_of_taking_the_best_rank_as_rank_bm25(docs, query, k, params, data):
    """From the touched entries (few postings) or from the whole buffer above a bound (many postings)."""
    index = BM25Index.build(docs, params)
    reference = params.reference(docs)
    lo = data.draw(st.integers(0, len(docs)))
    hi = data.draw(st.integers(lo, len(docs)))
    for share in (0, 10**9):  # never, always the whole buffer
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr("bot.index._DENSE_SHARE", share)
            assert index.search(query, k) == expected_top(index, reference, query, k)
            assert index.search(query, k, within=(lo, hi)) == expected_top(index, reference, query, k, (lo, hi))
            assert not index._buffer("scores", np.float64).any()  # the buffer is left clean


@PROPERTY
@given(docs=docs_st, query=query_st, k=st.integers(1, 6), params=st.sampled_from(VARIANTS), data=st.data())
def test_search_within_a_range(docs, query, k, params, data):
    lo = data.draw(st.integers(0, len(docs)))
    hi = data.draw(st.integers(lo, len(docs)))
    index = BM25Index.build(docs, params)
    hits = index.search(query, k, within=(lo, hi))
    assert hits == expected_top(index, params.reference(docs), query, k, (lo, hi))
    assert all(lo <= h.position < hi for h in hits)


@pytest.mark.parametrize("params", VARIANTS)
def test_a_term_in_half_the_passages_still_counts(params):
    docs = [["prison", "video"], ["prison"], ["video", "guard"], ["guard"]]
    index = BM25Index.build(docs, params)
    assert index.doc_freq("prison") == 2
    assert index.idf("prison") > 0
    assert [h.position for h in index.search(["prison"], 5)] == [1, 0]
    assert index.search(["prison"], 5)[0].score > 0


@pytest.mark.parametrize("params", VARIANTS)
def test_ties_go_to_the_earlier_passage(params):
    docs = [["b"], ["a", "c"], ["x"], ["a", "c"], ["a", "c"], ["c", "a"]]
    hits = BM25Index.build(docs, params).search(["a", "c"], 3)
    assert [h.position for h in hits] == [1, 3, 4]
    assert len({h.score for h in hits}) == 1


@pytest.mark.parametrize("params", VARIANTS)
def test_duplicate_terms_count_twice_and_unknown_terms_not_at_all(params):
    docs = [["a", "b"], ["b", "b", "c"], ["a"]]
    index = BM25Index.build(docs, params)
    reference = params.reference(docs)
    query = ["a", "zzz", "a", "b"]
    assert [h.score for h in index.search(query, 3)] == sorted(
        (reference.get_scores(query)[d] for d in range(3)), reverse=True
    )
    assert index.search(["zzz"], 3) == []


def test_empty_corpus_is_refused_and_wordless_passages_are_never_hits():
    with pytest.raises(ValueError, match="empty corpus"):
        BM25Index.build([])
    index = BM25Index.build([[], ["a"], []])
    assert index.search(["a"], 5) == [Hit(1, index.search(["a"], 1)[0].score)]
    assert BM25Index.build([[], []]).search(["a"], 3) == []


def test_k_zero_and_lookups():
    docs = [["a", "b", "a"], ["b"]]
    index = BM25Index.build(docs)
    assert index.search(["a"], 0) == []
    assert index.term_frequency("a", 0) == 2
    assert index.term_frequency("a", 1) == 0
    assert index.term_frequency("nope", 0) == 0
    assert index.terms() == ["a", "b"]
    assert [c.tf for c in index.explain(["a", "b"], 0)] == [2, 1]


def test_searches_from_many_threads_agree():
    rng = np.random.default_rng(3)
    docs = [[f"t{x}" for x in rng.zipf(1.3, size=20) % 50] for _ in range(400)]
    queries = [[f"t{x}" for x in rng.integers(0, 50, size=3)] for _ in range(40)]
    index = BM25Index.build(docs)
    expected = [index.search(q, 5) for q in queries]
    failures: list[int] = []

    def run() -> None:
        for _ in range(5):
            failures.extend(i for i, q in enumerate(queries) if index.search(q, 5) != expected[i])

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []


# -- the forward index ------------------------------------------------------------------------------------


@PROPERTY
@given(docs=st.lists(st.lists(st.sampled_from(TERMS), max_size=15), min_size=1, max_size=40))
def test_the_forward_index_gives_back_each_passages_tokens(docs):
    index = BM25Index.build(docs)
    terms = index.terms()
    assert [[terms[t] for t in index.term_ids_of(i)] for i in range(len(docs))] == docs
    assert [index.terms_of(i) for i in range(len(docs))] == [frozenset(d) for d in docs]
    assert index.forward.dtype == np.int32


# -- the weighted search the service ranks with -------------------------------------------------------------

weighted_st = st.lists(
    st.builds(lambda t, w: WeightedTerm(t, w, t), st.sampled_from([*TERMS, "unknown"]),
              st.sampled_from([1.0, 1.0, 0.6, 0.5, 0.3, 0.0])),
    min_size=1, max_size=7,
)


def dense_scores(index: BM25Index, searched: list[WeightedTerm], lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
    """The service's former search: dense arrays over ``[lo, hi)``, the arithmetic ``top_k`` must repeat."""
    scores = np.zeros(hi - lo, dtype=np.float64)
    matched = np.zeros(hi - lo, dtype=bool)
    for wt in searched:
        docs, impacts = index.postings(wt.term)
        inside = (docs >= lo) & (docs < hi)
        docs, impacts = docs[inside], impacts[inside]
        if index.params.variant == "plus":
            base = index.idf(wt.term) * index.params.delta
            scores += wt.weight * base
            scores[docs - lo] += wt.weight * (impacts - base)
        else:
            scores[docs - lo] += wt.weight * impacts
        matched[docs - lo] = True
    return scores, matched


def dense_top(index, searched, k, lo, hi, visible=None):
    scores, matched = dense_scores(index, searched, lo, hi)
    if visible is not None:
        matched &= np.array([lo + i in visible for i in range(hi - lo)], dtype=bool)
    where = np.flatnonzero(matched)
    order = where[np.lexsort((where, -scores[where]))][:k].tolist()
    return [Hit(lo + at, float(scores[at])) for at in order]


@PROPERTY
@given(docs=docs_st, searched=weighted_st, k=st.integers(1, 12), params=st.sampled_from(VARIANTS), data=st.data())
def test_top_k_equals_the_dense_scores_top_k_bit_for_bit(docs, searched, k, params, data):
    """With weights, within a range, within a set of articles' ranges, both ways of taking the best."""
    index = BM25Index.build(docs, params)
    n = len(docs)
    lo = data.draw(st.integers(0, n))
    hi = data.draw(st.integers(lo, n))
    cuts = sorted(data.draw(st.lists(st.integers(0, n), max_size=6)))
    visible = PassageSet.of(zip(cuts[::2], cuts[1::2], strict=False))
    for share in (0, 10**9):  # never, always the whole buffer
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr("bot.index._DENSE_SHARE", share)
            assert index.top_k(searched, k) == dense_top(index, searched, k, 0, n)
            assert index.top_k(searched, k, within=(lo, hi)) == dense_top(index, searched, k, lo, hi)
            assert index.top_k(searched, k, visible=visible) == dense_top(index, searched, k, 0, n, visible)
            assert index.top_k(searched, k, within=(lo, hi), visible=visible) == dense_top(
                index, searched, k, lo, hi, visible)
            assert not index._buffer("scores", np.float64).any()  # the buffer is left clean
    positions = data.draw(st.lists(st.integers(0, n - 1), max_size=8))
    scores, _ = dense_scores(index, searched, 0, n)
    assert index.scores_at(searched, positions) == [float(scores[p]) for p in positions]


def test_top_k_with_weight_one_is_search():
    rng = np.random.default_rng(5)
    docs = [[f"t{x}" for x in rng.zipf(1.3, size=20) % 50] for _ in range(300)]
    for params in VARIANTS[::2]:  # okapi: plus sums its delta part differently in the service's arithmetic
        index = BM25Index.build(docs, params)
        for q in ([f"t{x}" for x in rng.integers(0, 50, size=3)] for _ in range(20)):
            assert index.top_k([WeightedTerm(t, 1.0, t) for t in q], 5) == index.search(q, 5)


def test_passage_sets_merge_ranges_and_answer_membership():
    visible = PassageSet.of([(5, 8), (0, 2), (7, 10), (3, 3)])
    assert visible.bounds.tolist() == [0, 2, 5, 10]
    assert [p in visible for p in range(12)] == [p in {0, 1, 5, 6, 7, 8, 9} for p in range(12)]
    assert visible.mask(np.arange(12)).tolist() == [p in visible for p in range(12)]
    assert np.int32(6) in visible
    assert "6" not in visible
    assert 0 not in PassageSet.of([])
