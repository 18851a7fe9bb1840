"""Passage vectors: computed once, saved and reloaded, filled in the background; the semantic stage's switch."""

import hashlib
import logging
import re
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from bot import semantic
from bot.corpus import load_corpus
from bot.semantic import PassageVectors, VectorStore, load_embedder
from bot.service import AskService, vector_store_of
from bot.settings import RetrievalSettings, load_settings
from tests.articles import write_article
from tests.conftest import CORPUS_DIR

DIM = 16


class WordHashEmbedder:
    """A deterministic stand-in model: each word adds to one of DIM axes; counts every text it embeds."""

    name = "word-hash"
    dimension = DIM
    checksum = "0" * 64

    def __init__(self, delay: float = 0.0, gate: threading.Event | None = None) -> None:
        self.embedded: list[str] = []
        self.delay = delay
        self.gate = gate  # when given, nothing is embedded before it is set (or 30 s have passed)
        self.lock = threading.Lock()

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        if self.gate is not None:
            self.gate.wait(timeout=30)
        time.sleep(self.delay)
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                out[row, int(hashlib.md5(word.strip(".,?").encode()).hexdigest(), 16) % DIM] += 1.0
            out[row] /= max(float(np.linalg.norm(out[row])), 1e-12)
        with self.lock:
            self.embedded.extend(texts)
        return out


TEXTS = [
    "The lighthouse was built in 1832. Its tower is 28 metres tall.",
    "Visitors climb 132 steps to the lamp room.",
    "The tram is painted green. It runs every ten minutes. It stops at the quay.",
]


def test_vectors_cover_passages_and_their_sentences(tmp_path: Path) -> None:
    model = WordHashEmbedder()
    vectors = PassageVectors(model, TEXTS, store=VectorStore(tmp_path, 0))
    assert vectors.complete
    # three passages, and the sentences of the two that have more than one
    assert len(model.embedded) == 3 + 2 + 3
    query = model.embed(["the tram is painted green."])[0]
    passages, sentences = vectors.similarities(query, [0, 1, 2])
    assert int(np.argmax(passages)) == 2
    assert sentences[2] == pytest.approx(1.0, abs=1e-3)  # the sentence itself (sentence vectors are float16)
    assert sentences[2] >= passages[2]
    assert vectors.nearest(query, 1)[0][0] == 2
    assert [p for p, _ in vectors.nearest(query, 5, within=(0, 2))] == [p for p, _ in vectors.nearest(query, 2, (0, 2))]
    assert all(0 <= p < 2 for p, _ in vectors.nearest(query, 5, within=(0, 2)))


def test_saved_vectors_are_reused_and_a_changed_corpus_is_embedded_again(tmp_path: Path) -> None:
    first = WordHashEmbedder()
    before = PassageVectors(first, TEXTS, store=VectorStore(tmp_path, 0))
    assert len(list(tmp_path.glob("vectors-*.vec"))) == 1
    again = WordHashEmbedder()
    after = PassageVectors(again, TEXTS, store=VectorStore(tmp_path, 0))
    assert again.embedded == []
    query = first.embed(["steps to the lamp room"])[0]
    assert np.allclose(before.similarities(query, [0, 1, 2])[1], after.similarities(query, [0, 1, 2])[1], atol=2e-3)
    changed = WordHashEmbedder()
    PassageVectors(changed, [*TEXTS[:2], "A different third passage."], store=VectorStore(tmp_path, 0))
    assert changed.embedded


def test_the_settings_as_shipped_save_the_bundled_articles_vectors_so_a_second_start_embeds_only_the_question(
    tmp_path: Path,
) -> None:
    # Until round 44 corpora under 100 passages were embedded again at every start: 0.2 s of each `askbot ask`.
    store = vector_store_of(load_settings(env_file=None, overrides={"index": {"cache_dir": tmp_path}}).index)
    assert store is not None
    corpus = load_corpus(CORPUS_DIR)
    first = WordHashEmbedder()
    AskService(corpus, embedder=first, vector_store=store)
    assert len(first.embedded) > len(corpus.passages)  # every passage and the sentences of the longer ones
    assert len(list(tmp_path.glob("vectors-*.vec"))) == 1
    again, question = WordHashEmbedder(), "How many inmates work in construction?"
    AskService(load_corpus(CORPUS_DIR), embedder=again, vector_store=store).ask(question)
    assert again.embedded == [question]


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty"])
def test_a_damaged_vectors_file_is_computed_again(
    tmp_path: Path, damage: str, caplog: pytest.LogCaptureFixture
) -> None:
    PassageVectors(WordHashEmbedder(), TEXTS, store=VectorStore(tmp_path, 0))
    (path,) = tmp_path.glob("vectors-*.vec")
    data = path.read_bytes()
    path.write_bytes({"truncate": data[: len(data) // 2], "garbage": b"\x00junk" * 50, "empty": b""}[damage])
    model = WordHashEmbedder()
    with caplog.at_level(logging.WARNING):
        vectors = PassageVectors(model, TEXTS, store=VectorStore(tmp_path, 0))
    assert model.embedded
    assert vectors.complete


def test_sentence_vectors_are_held_as_saved_so_a_warm_start_answers_as_a_cold_one(tmp_path: Path) -> None:
    cold = PassageVectors(WordHashEmbedder(), TEXTS, store=VectorStore(tmp_path, 0))
    model = WordHashEmbedder()
    warm = PassageVectors(model, TEXTS, store=VectorStore(tmp_path, 0))
    assert not model.embedded  # loaded, not embedded again
    query = model.embed(["the tram is painted green."])[0]
    positions = list(range(len(TEXTS)))
    assert np.array_equal(cold.similarities(query, positions)[1], warm.similarities(query, positions)[1])
    for position in positions:
        a, b = cold.sentence_similarities(query, position), warm.sentence_similarities(query, position)
        assert (a is None and b is None) or np.array_equal(a, b)
    rows = [warm._sentence_rows(p) for p in positions]
    assert all(r is not None and r.dtype == np.float16 for r in rows)  # half the memory of float32
    # and not read into the process at the start: rows of the saved file, mapped
    assert warm.mapped is not None
    assert all(np.shares_memory(r, warm.mapped["sentences"]) for r in rows)


def test_a_vectors_file_damaged_where_the_start_does_not_read_is_found_after_it_and_rebuilt(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    corpus_dir, cache = tmp_path / "corpus", tmp_path / "cache"
    corpus_dir.mkdir()
    write_article(corpus_dir, "tram", "Tram", "The tram is painted green. It runs every ten minutes.",
                  "The line will run along the quay.")
    write_article(corpus_dir, "light", "Lighthouse", "The keeper climbs 132 steps every night to the lamp room.")

    def service(model: WordHashEmbedder) -> AskService:
        return AskService(load_corpus(corpus_dir), embedder=model, vector_store=VectorStore(cache, 0))

    first = service(WordHashEmbedder())
    (path,) = cache.glob("vectors-*.vec")
    mapped = semantic.open_arrays(path, semantic.FORMAT, semantic._SCHEMA)
    offset, length, _ = mapped.crcs["sentences"]
    data = bytearray(path.read_bytes())
    for i in range(offset, offset + length):  # every sentence vector: the start reads none of them
        data[i] ^= 0x55
    path.write_bytes(bytes(data))
    # The check in the background may embed only once the start has been looked at: a fast thread raced the asserts.
    model = WordHashEmbedder(gate=threading.Event())
    with caplog.at_level(logging.WARNING, logger="bot.service"):
        damaged = service(model)
        assert damaged.snapshot.vectors is not None
        assert damaged.snapshot.vectors.mapped is not None
        assert not model.embedded  # the start took the file on trust
        assert damaged.verifier is not None
        assert model.gate is not None
        model.gate.set()
        damaged.verifier.join(timeout=30)
    assert "is damaged (checksum mismatch in sentences); rebuilding it" in caplog.text
    assert model.embedded  # embedded again rather than copied from the damaged file
    question = "What colour is the tram?"
    assert damaged.ask(question) == first.ask(question)
    again = WordHashEmbedder()
    service(again)  # the rebuilt file was saved and is used
    assert not again.embedded


def test_large_corpora_fill_in_the_background_and_embed_asked_passages_at_once() -> None:
    model = WordHashEmbedder(delay=0.05)
    texts = [f"passage number {i} about topic {i % 7}." for i in range(semantic.CHUNK * 4)]
    vectors = PassageVectors(model, texts, background_above=10)
    last = len(texts) - 1
    passages, _ = vectors.similarities(model.embed([texts[last]])[0], [last])  # not waiting for the fill
    assert passages[0] == pytest.approx(1.0, abs=1e-5)
    deadline = time.monotonic() + 20
    while not vectors.complete and time.monotonic() < deadline:
        time.sleep(0.02)
    assert vectors.complete


def test_a_question_in_other_words_finds_its_paragraph(tmp_path: Path) -> None:
    write_article(tmp_path, "tram", "Tram",
                  "The council unveiled the vehicle's new livery: a bright green coat of paint.",
                  "The line will run along the quay every ten minutes.")
    write_article(tmp_path, "light", "Lighthouse", "The lighthouse keeper climbs 132 steps every night.")
    service = AskService(load_corpus(tmp_path))
    ranking = service.rank("What colour is the new tram?")
    assert ranking.semantic
    best = service.corpus.passages[ranking.candidates[0].position]
    assert best.article_id == "tram"
    assert best.paragraph == 1
    lexical = AskService(load_corpus(tmp_path), retrieval=RetrievalSettings(semantic=False))
    assert not lexical.rank("What colour is the new tram?").semantic
    assert lexical.snapshot.vectors is None


def test_a_missing_model_falls_back_to_lexical_answers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from bot import embedding

    write_article(tmp_path, "light", "Lighthouse", "The lighthouse keeper climbs 132 steps every night.")
    load_embedder.cache_clear()
    monkeypatch.setattr(embedding, "DEFAULT_MODEL_DIR", tmp_path / "no-model")
    try:
        with caplog.at_level(logging.WARNING):
            service = AskService(load_corpus(tmp_path))
        assert service.embedder is None
        assert "semantic stage is off" in caplog.text
        answer = service.ask("How many steps does the keeper climb?")
        assert answer.answered
        assert answer.best is not None
        assert answer.best.highlight_text == "132"
    finally:
        load_embedder.cache_clear()


def test_the_packaged_model_is_shared_by_every_service() -> None:
    assert load_embedder(2) is load_embedder(2)


def test_a_reload_embeds_only_the_passages_that_changed() -> None:
    model = WordHashEmbedder()
    before = PassageVectors(model, TEXTS)
    model.embedded.clear()
    after = PassageVectors(model, [TEXTS[0], "A new passage.", TEXTS[2]], previous=before)
    assert model.embedded == ["A new passage."]
    assert after.complete


def test_stop_ends_a_background_fill_after_its_chunk() -> None:
    model = WordHashEmbedder(delay=0.05)
    texts = [f"passage {i}." for i in range(semantic.CHUNK * 20)]
    vectors = PassageVectors(model, texts, background_above=10)
    vectors.stop(timeout=10)
    assert vectors._thread is not None
    assert not vectors._thread.is_alive()
    assert not vectors.complete


def test_questions_are_answered_lexically_while_the_vectors_fill(tmp_path: Path) -> None:
    for i in range(3):
        write_article(tmp_path, f"a{i}", f"Article {i}", f"The lighthouse keeper number {i} climbs 132 steps.",
                      "The tram is painted green.")
    service = AskService(load_corpus(tmp_path), retrieval=RetrievalSettings(semantic_background_above=0))
    vectors = service.snapshot.vectors
    assert vectors is not None
    vectors.stop()
    if not vectors.complete:  # stopped before the end: no vectors are used until they are all there
        assert not service.rank("How many steps does the keeper climb?").semantic
    assert service.ask("How many steps does the keeper climb?").answered


def test_sentence_similarities_follow_the_passages_sentences() -> None:
    vectors = PassageVectors(WordHashEmbedder(), TEXTS)
    query = WordHashEmbedder().embed(["It runs every ten minutes."])[0]
    cosines = vectors.sentence_similarities(query, 2)
    assert cosines is not None
    assert cosines.shape == (3,)
    assert int(np.argmax(cosines)) == 1  # the tram passage's second sentence
    assert vectors.sentence_similarities(query, 1) is None  # one sentence: nothing to choose between


def test_the_bold_sentence_can_weigh_its_similarity(tmp_path: Path) -> None:
    write_article(tmp_path, "tram", "Tram",
                  "The tram timetable was published on Monday. It is what it is, and it will be so.")
    # Its terms are the first sentence's (the rest are stopwords); its words, to the stand-in model, the second's.
    question = "Tram timetable: what is it, and will it be so?"
    words = AskService(load_corpus(tmp_path), embedder=WordHashEmbedder(),
                       retrieval=RetrievalSettings(min_similarity=-1, weak_similarity=-1, decline_without_cue=False))
    meaning = words.with_retrieval(words.retrieval.model_copy(update={"highlight_similarity_weight": 5.0}))

    def bold(service: AskService) -> str:
        best = service.ask(question).best
        assert best is not None
        assert best.highlight is not None
        return best.passage.text[best.highlight.start : best.highlight.end]

    assert bold(words) == "The tram timetable was published on Monday."
    assert bold(meaning) == "It is what it is, and it will be so."


def _blobs(n: int, centres: int = 40, dim: int = 24, seed: int = 3) -> npt.NDArray[np.float32]:
    """Unit vectors around random centres, as sentence vectors of a corpus cluster by topic."""
    rng = np.random.default_rng(seed)
    middle = rng.standard_normal((centres, dim))
    points = middle[rng.integers(0, centres, n)] + 0.35 * rng.standard_normal((n, dim))
    return (points / np.linalg.norm(points, axis=1, keepdims=True)).astype(np.float32)


def _members(coarse: semantic.CoarseIndex, query: npt.NDArray[np.float32], probe: int) -> npt.NDArray[np.int64]:
    """Return the positions of the ``probe`` groups nearest the query."""
    groups = coarse.groups(query, probe)
    return np.concatenate([coarse.order[coarse.offsets[c] : coarse.offsets[c + 1]] for c in groups])


def test_the_coarse_index_groups_every_position_once() -> None:
    vectors = _blobs(2_000)
    coarse = semantic.CoarseIndex.build(vectors)
    assert len(coarse.centroids) == round(2_000**0.5)
    assert sorted(coarse.order.tolist()) == list(range(2_000))
    assert coarse.offsets[0] == 0
    assert coarse.offsets[-1] == 2_000
    assert np.allclose(np.linalg.norm(coarse.centroids, axis=1), 1.0, atol=1e-5)
    every = _members(coarse, vectors[0], probe=len(coarse.centroids))
    assert sorted(every.tolist()) == list(range(2_000))


def test_the_approximate_search_finds_nearly_all_the_exact_nearest() -> None:
    vectors = _blobs(5_000)
    coarse = semantic.CoarseIndex.build(vectors)
    queries = _blobs(100, seed=4)
    recall = []
    for query in queries:
        exact = set(np.argsort(-(vectors @ query))[:10].tolist())
        found = _members(coarse, query, probe=8)
        near = set(found[np.argsort(-(vectors[found] @ query))[:10]].tolist())
        recall.append(len(exact & near) / 10)
    assert np.mean(recall) >= 0.9


def _grouped(vectors: PassageVectors, seconds: float = 10.0) -> bool:
    """Wait (bounded) for the background thread that groups complete vectors; return whether it did."""
    deadline = time.monotonic() + seconds
    while not vectors.grouped and time.monotonic() < deadline:
        time.sleep(0.01)
    return vectors.grouped


class FixedEmbedder:
    """Given vectors for given texts (one-sentence texts, so a passage is its own sentence)."""

    name = "fixed"
    checksum = "1" * 64

    def __init__(self, vectors: npt.NDArray[np.float32]) -> None:
        self.dimension = vectors.shape[1]
        self.by_text = {f"passage {i}": v for i, v in enumerate(vectors)}

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        return np.array([self.by_text.get(t, self.by_text["passage 0"]) for t in texts], dtype=np.float32)


def test_past_exact_up_to_the_nearest_search_reads_the_nearest_groups_once_grouped() -> None:
    points = _blobs(900)
    vectors = PassageVectors(FixedEmbedder(points), [f"passage {i}" for i in range(900)], exact_up_to=100)
    assert _grouped(vectors)
    query = points[7]
    exact = [int(i) for i in np.argsort(-(points @ query))[:10]]
    assert [p for p, _ in vectors.nearest(query, 10, probe=30)] == exact  # every group read: the exact answer
    approximate = vectors.nearest(query, 10, probe=2)
    assert approximate[0][0] == 7
    assert len(set(p for p, _ in approximate) & set(exact)) >= 8
    # a range no larger than exact_up_to is searched exactly, and never leaves the range
    ranged = vectors.nearest(query, 10, (400, 480), probe=1)
    assert [p for p, _ in ranged] == [400 + int(i) for i in np.argsort(-(points[400:480] @ query))[:10]]
    # sorted by group, each position still reads its own vector
    assert np.allclose(vectors.similarities(query, [3, 500, 899])[0], points[[3, 500, 899]] @ query, atol=1e-6)
    reloaded = PassageVectors(FixedEmbedder(points), [f"passage {i}" for i in range(900)], previous=vectors)
    assert np.allclose(reloaded.similarities(query, [3, 500, 899])[0], points[[3, 500, 899]] @ query, atol=1e-6)


def test_up_to_exact_up_to_no_grouping_is_made() -> None:
    points = _blobs(300)
    vectors = PassageVectors(FixedEmbedder(points), [f"passage {i}" for i in range(300)], exact_up_to=300)
    time.sleep(0.05)
    assert not vectors.grouped


def test_vectors_are_grouped_before_they_are_saved_and_a_start_maps_the_grouping(tmp_path: Path) -> None:
    points = _blobs(400)
    texts = [f"passage {i}" for i in range(400)]
    cold = PassageVectors(FixedEmbedder(points), texts, store=VectorStore(tmp_path, 0), exact_up_to=50)
    assert cold.grouped  # made before the save, not after it in the background
    # a different model's vectors: only a load gives the originals
    warm = PassageVectors(FixedEmbedder(points[::-1].copy()), texts, store=VectorStore(tmp_path, 0), exact_up_to=50)
    assert warm.grouped  # at once: the grouping was saved with the vectors
    assert warm.mapped is not None
    assert np.shares_memory(warm._layout.matrix, warm.mapped["vectors"])  # mapped, not read or converted
    assert np.array_equal(warm._layout.matrix, cold._layout.matrix)  # float32 as computed: warm answers as cold
    for query in points[[9, 123, 399]]:
        assert np.array_equal(warm.similarities(query, range(400))[0], cold.similarities(query, range(400))[0])
        assert warm.nearest(query, 10, probe=3) == cold.nearest(query, 10, probe=3)
        assert warm.nearest(query, 10, (100, 140)) == cold.nearest(query, 10, (100, 140))
    assert np.allclose(warm.similarities(points[9], range(400))[0], points @ points[9], atol=1e-6)
    # saved grouped, loaded where the search is exact: still each position's own vector
    exact = PassageVectors(FixedEmbedder(points[::-1].copy()), texts, store=VectorStore(tmp_path, 0),
                           exact_up_to=10_000)
    assert [p for p, _ in exact.nearest(points[9], 10)] == [int(i) for i in np.argsort(-(points @ points[9]))[:10]]


@pytest.mark.parametrize("damage", ["duplicate", "out of range"])
def test_a_saved_grouping_that_does_not_hold_every_passage_once_is_made_again(
    tmp_path: Path, damage: str, caplog: pytest.LogCaptureFixture
) -> None:
    points = _blobs(400)
    texts = [f"passage {i}" for i in range(400)]
    PassageVectors(FixedEmbedder(points), texts, store=VectorStore(tmp_path, 0), exact_up_to=50)
    (path,) = tmp_path.glob("vectors-*.vec")
    offset, _, _ = semantic.open_arrays(path, semantic.FORMAT, semantic._SCHEMA).crcs["order"]
    data = bytearray(path.read_bytes())
    wrong = data[offset + 8 : offset + 16] if damage == "duplicate" else (10_000).to_bytes(8, "little")
    data[offset : offset + 8] = wrong  # the start does not check checksums: its own checks must catch this
    path.write_bytes(bytes(data))
    model = FixedEmbedder(points)
    with caplog.at_level(logging.WARNING):
        vectors = PassageVectors(model, texts, store=VectorStore(tmp_path, 0), exact_up_to=50)
    assert "their grouping does not hold every passage once; computing them again" in caplog.text
    coarse = vectors._layout.coarse  # made again from the vectors, as a first start does
    assert coarse is not None
    assert sorted(coarse.order.tolist()) == list(range(400))
    assert [p for p, _ in vectors.nearest(points[5], 5, probe=30)] == [
        int(i) for i in np.argsort(-(points @ points[5]))[:5]]


def test_vectors_that_are_not_numbers_are_not_saved(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    points = _blobs(3)
    points[1] = np.nan
    with caplog.at_level(logging.WARNING):
        PassageVectors(FixedEmbedder(points), ["passage 0", "passage 1", "passage 2"], store=VectorStore(tmp_path, 0))
    assert "not numbers; they are not saved" in caplog.text
    assert not list(tmp_path.glob("vectors-*"))


def test_a_service_keys_its_vectors_by_its_articles_and_embeds_again_when_one_changes(tmp_path: Path) -> None:
    corpus_dir, cache = tmp_path / "corpus", tmp_path / "cache"
    corpus_dir.mkdir()
    write_article(corpus_dir, "tram", "Tram", "The tram is painted green. It runs every ten minutes.")
    write_article(corpus_dir, "light", "Lighthouse", "The keeper climbs 132 steps every night.")

    def embedded() -> list[str]:
        model = WordHashEmbedder()
        AskService(load_corpus(corpus_dir), embedder=model, vector_store=VectorStore(cache, 0))
        return model.embedded

    assert embedded()
    assert embedded() == []  # the same articles: their saved vectors
    (saved,) = cache.glob("vectors-*.vec")
    write_article(corpus_dir, "light", "Lighthouse", "The keeper climbs 133 steps every night.")
    assert "The keeper climbs 133 steps every night." in embedded()
    (replaced,) = cache.glob("vectors-*")  # the folder's earlier vectors went when the new ones were saved
    assert replaced != saved
    assert embedded() == []
    # the key stands for the texts: another identity, or none (texts hashed), is another key
    model = WordHashEmbedder()
    assert len({semantic.vectors_key(model, TEXTS), semantic.vectors_key(model, TEXTS, "a"),
                semantic.vectors_key(model, TEXTS, "b")}) == 3


def test_another_sentence_splitter_is_another_key(monkeypatch: pytest.MonkeyPatch) -> None:
    model = WordHashEmbedder()
    keys = (semantic.vectors_key(model, TEXTS), semantic.vectors_key(model, TEXTS, "a"))
    monkeypatch.setattr(semantic, "parser_identity", lambda: "another splitter")
    assert semantic.vectors_key(model, TEXTS) != keys[0]  # the sentences' vectors are split otherwise
    assert semantic.vectors_key(model, TEXTS, "a") != keys[1]


def test_a_save_removes_the_owners_earlier_vectors_and_earlier_formats_but_not_others(tmp_path: Path) -> None:
    (tmp_path / "vectors-0123.npz").write_bytes(b"PK old numpy archive")
    (tmp_path / f"vectors-{'a' * 32}.vec").write_bytes(b"askbot-vectors-3 0badc0de 2\n{}")
    (tmp_path / "vectors-notes.txt").write_text("not ours to judge")
    store = VectorStore(tmp_path, 0)
    PassageVectors(WordHashEmbedder(), TEXTS, store=store, owner="another folder")
    (other,) = tmp_path.glob("vectors-*.vec")  # the earlier formats went at the first save
    PassageVectors(WordHashEmbedder(), TEXTS[:2], store=store, owner="mine")
    first = set(tmp_path.glob("vectors-*.vec")) - {other}
    PassageVectors(WordHashEmbedder(), [*TEXTS[:2], "One more passage."], store=store, owner="mine")
    (mine,) = set(tmp_path.glob("vectors-*.vec")) - {other}
    assert first
    assert mine not in first  # the owner's earlier file was replaced, not kept beside
    assert sorted(p.name for p in tmp_path.glob("vectors-*")) == sorted([mine.name, other.name, "vectors-notes.txt"])
    copy = WordHashEmbedder()  # the same passages elsewhere read the other folder's file
    PassageVectors(copy, TEXTS, store=store, owner="a copy of another folder")
    assert copy.embedded == []


def test_a_service_reload_reuses_the_saved_vectors_it_then_replaces(tmp_path: Path) -> None:
    corpus_dir, cache = tmp_path / "corpus", tmp_path / "cache"
    corpus_dir.mkdir()
    write_article(corpus_dir, "tram", "Tram", "The tram is painted green. It runs every ten minutes.")
    write_article(corpus_dir, "light", "Lighthouse", "The keeper climbs 132 steps every night.")
    AskService(load_corpus(corpus_dir), embedder=WordHashEmbedder(), vector_store=VectorStore(cache, 0))
    model = WordHashEmbedder()
    service = AskService(load_corpus(corpus_dir), embedder=model, vector_store=VectorStore(cache, 0))
    assert model.embedded == []  # mapped from the saved file
    (before,) = cache.glob("vectors-*")
    write_article(corpus_dir, "light", "Lighthouse", "The keeper climbs 133 steps every night.")
    service.reload()
    # only the changed passage is embedded: the rest are copied from the file the reload then removed
    assert model.embedded == ["The keeper climbs 133 steps every night."]
    (after,) = cache.glob("vectors-*")
    assert after != before
    answer = service.ask("What colour is the tram?")
    assert answer.best is not None
    assert answer.best.passage.article_id == "tram"


class WordPieceEmbedder(WordHashEmbedder):
    """The stand-in model with word-piece vectors: each word is one piece, its vector the word's own axis."""

    def embed_with_tokens(self, texts: Sequence[str]) -> tuple[npt.NDArray[np.float32], list[semantic.TokenVectors]]:
        rows = self.embed(texts)
        pieces = []
        for text in texts:
            words = list(re.finditer(r"\S+", text.strip()))
            axes = [int(hashlib.md5(w.group().lower().strip(".,?").encode()).hexdigest(), 16) % DIM for w in words]
            vectors = np.zeros((len(axes), DIM), dtype=np.float32)
            vectors[np.arange(len(axes)), axes] = 1.0
            starts = np.array([w.start() for w in words], dtype=np.int32)
            pieces.append(semantic.TokenVectors.quantise(vectors, np.array(axes, dtype=np.int32), starts))
        return rows, pieces


def test_token_match_weighs_each_question_piece_by_its_idf() -> None:
    question = semantic.TokenVectors.quantise(np.eye(2, 4, dtype=np.float32), np.array([0, 1], dtype=np.int32))
    passage = semantic.TokenVectors.quantise(np.array([[0, 1, 0, 0], [0, 0, 1, 0]], dtype=np.float32),
                                             np.array([1, 2], dtype=np.int32))
    idf = np.array([1.0, 3.0, 1.0], dtype=np.float32)
    # piece 0 finds nothing (cosine 0), piece 1 itself (cosine 1): (1 * 0 + 3 * 1) / 4
    assert semantic.token_match(question, passage, idf) == pytest.approx(0.75)
    # a piece no passage holds weighs as the rarest
    unseen = semantic.TokenVectors.quantise(np.eye(2, 4, dtype=np.float32), np.array([1, 9], dtype=np.int32))
    assert semantic.token_match(unseen, passage, idf) == pytest.approx(0.5)
    empty = semantic.TokenVectors.quantise(np.zeros((0, 4), dtype=np.float32), np.zeros(0, dtype=np.int32))
    assert semantic.token_match(empty, passage, idf) == 0.0


def test_the_best_sentence_match_asks_every_question_piece_to_match_within_one_sentence() -> None:
    question = semantic.TokenVectors.quantise(np.eye(2, 4, dtype=np.float32), np.array([0, 1], dtype=np.int32))
    # passage 0: piece 0's match in its first sentence, piece 1's in its second; passage 1: both in one sentence
    split = semantic.TokenVectors.quantise(np.eye(4, 4, dtype=np.float32), np.arange(4, dtype=np.int32))
    together = semantic.TokenVectors.quantise(np.eye(4, 4, dtype=np.float32)[[2, 0, 1, 3]],
                                              np.array([2, 0, 1, 3], dtype=np.int32))
    idf = np.array([1.0, 3.0, 1.0, 1.0], dtype=np.float32)
    numbers = [np.array([0, 1, 1, 1]), np.array([0, 1, 1, 2])]
    matches = semantic.token_matches(question, [split, together], idf, numbers)
    assert matches.passages.tolist() == pytest.approx([1.0, 1.0])  # the whole passages hold both pieces
    # split: its first sentence matches piece 0 (weight 1), its second piece 1 (weight 3): the best is 3 / 4
    assert matches.sentences.tolist() == pytest.approx([0.75, 1.0])
    alone = semantic.token_matches(question, [split, together], idf)  # no sentences given: one sentence each
    assert np.array_equal(alone.sentences, alone.passages)
    empty = semantic.TokenVectors.quantise(np.zeros((0, 4), dtype=np.float32), np.zeros(0, dtype=np.int32))
    both = semantic.token_matches(question, [empty, together], idf, [np.zeros(0, np.int64), numbers[1]])
    assert both.sentences.tolist() == pytest.approx([0.0, 1.0])  # a passage without pieces scores 0


def test_each_sentences_word_piece_match_is_the_match_of_its_pieces_alone() -> None:
    question = semantic.TokenVectors.quantise(np.eye(2, 4, dtype=np.float32), np.array([0, 1], dtype=np.int32))
    split = semantic.TokenVectors.quantise(np.eye(4, 4, dtype=np.float32), np.arange(4, dtype=np.int32))
    idf = np.array([1.0, 3.0, 1.0, 1.0], dtype=np.float32)
    numbers = np.array([0, 1, 1, 1])
    # the first sentence matches piece 0 (weight 1), the second piece 1 (weight 3), the third has no pieces
    each = semantic.sentence_token_matches(question, split, idf, numbers, 3)
    assert each.own.tolist() == pytest.approx([0.25, 0.75, 0.0])
    assert each.own.max() == pytest.approx(semantic.token_matches(question, [split], idf, [numbers]).sentences[0])
    for sentence in (0, 1):
        alone = semantic.TokenVectors.quantise(np.eye(4, 4, dtype=np.float32)[numbers == sentence],
                                               np.arange(4, dtype=np.int32)[numbers == sentence])
        assert each.own[sentence] == pytest.approx(semantic.token_match(question, alone, idf))
    # read with the sentence before it, the second holds both pieces; the first has none before it; the third,
    # without pieces of its own, follows no sentence it can be read with
    assert each.with_previous.tolist() == pytest.approx([0.25, 1.0, 0.0])
    empty = semantic.TokenVectors.quantise(np.zeros((0, 4), dtype=np.float32), np.zeros(0, dtype=np.int32))
    none = semantic.sentence_token_matches(question, empty, idf, np.zeros(0, np.int64), 2)
    assert none.own.tolist() == none.with_previous.tolist() == [0.0, 0.0]


def test_word_pieces_take_the_sentence_of_the_text_they_start_in() -> None:
    texts = ["The lighthouse was built in 1832. Its tower is 28 metres tall."]
    vectors = PassageVectors(WordPieceEmbedder(), texts)
    row = vectors._token_rows(0)
    assert row is not None
    assert vectors._piece_sentences(0, row).tolist() == [0] * 6 + [1] * 6
    _, pieces = WordPieceEmbedder().embed_with_tokens(["When was the lighthouse built?"])
    matches = vectors.token_matches(pieces[0], [0])
    assert matches.sentences[0] == pytest.approx(matches.passages[0])  # every piece it matches is in sentence 0
    _, pieces = WordPieceEmbedder().embed_with_tokens(["When was the tower built?"])
    matches = vectors.token_matches(pieces[0], [0])
    assert matches.sentences[0] < matches.passages[0]  # "tower" and "built" stand in different sentences
    each = vectors.sentence_token_matches(pieces[0], 0)
    assert each is not None
    assert len(each.own) == len(each.with_previous) == 2
    assert each.own.max() == pytest.approx(matches.sentences[0])
    assert each.with_previous[1] == pytest.approx(matches.passages[0])  # two sentences: the second reads all
    assert vectors.sentence_token_matches(pieces[0], 0) is not None
    one = PassageVectors(WordPieceEmbedder(), ["The lighthouse was built in 1832."])
    assert one.sentence_token_matches(pieces[0], 0) is None  # one sentence: nothing to choose between
    plain = PassageVectors(WordHashEmbedder(), texts)
    assert plain.sentence_token_matches(pieces[0], 0) is None  # no word-piece vectors


class ShortReadingEmbedder(WordPieceEmbedder):
    """The stand-in model with word pieces, reading the first eight words of a text only (as a model truncates)."""

    def embed_with_tokens(self, texts: Sequence[str]) -> tuple[npt.NDArray[np.float32], list[semantic.TokenVectors]]:
        rows, pieces = super().embed_with_tokens(texts)
        return rows, [semantic.TokenVectors(p.codes[:8], p.scales[:8], p.ids[:8], p.starts[:8]) for p in pieces]


def test_no_sentence_figures_when_the_model_did_not_read_the_last_sentence() -> None:
    vectors = PassageVectors(ShortReadingEmbedder(), ["The lighthouse was built in 1832. Its tower is 28 metres tall."])
    _, pieces = WordPieceEmbedder().embed_with_tokens(["How tall is the tower?"])
    # the second sentence is read in part ("Its tower"): still a figure for each sentence
    read = vectors.sentence_token_matches(pieces[0], 0)
    assert read is not None
    assert read.own[1] > 0
    cut = PassageVectors(ShortReadingEmbedder(), ["The lighthouse was built in 1832 by the harbour board. Its tower "
                                                 "is 28 metres tall."])
    # the second sentence was never read: it would score 0, so the sentence is chosen by other means
    assert cut.sentence_token_matches(pieces[0], 0) is None


def test_word_piece_codes_stand_for_their_vectors_within_a_step() -> None:
    rng = np.random.default_rng(5)
    vectors = rng.standard_normal((40, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    pieces = semantic.TokenVectors.quantise(vectors, np.arange(40, dtype=np.int32))
    assert pieces.codes.dtype == np.int8
    assert int(np.abs(pieces.codes).max()) == 127
    assert np.abs(pieces.vectors() - vectors).max() <= pieces.scales.max() / 2 + 1e-7  # half a step at most
    cosines = (pieces.vectors() * vectors).sum(axis=1)
    assert cosines.min() > 0.999


def test_word_piece_vectors_are_saved_and_a_warm_start_matches_as_a_cold_one(tmp_path: Path) -> None:
    cold = PassageVectors(WordPieceEmbedder(), TEXTS, store=VectorStore(tmp_path, 0))
    model = WordPieceEmbedder()
    warm = PassageVectors(model, TEXTS, store=VectorStore(tmp_path, 0))
    assert not model.embedded  # loaded, not embedded again
    assert cold.has_tokens
    assert warm.has_tokens
    _, pieces = model.embed_with_tokens(["How tall is the lighthouse tower?"])
    positions = list(range(len(TEXTS)))
    matches, again = cold.token_matches(pieces[0], positions), warm.token_matches(pieces[0], positions)
    assert np.array_equal(matches.passages, again.passages)
    assert np.array_equal(matches.sentences, again.sentences)
    assert int(np.argmax(matches.passages)) == 0
    assert matches.passages[0] > 0
    assert warm.mapped is not None
    row = warm._token_rows(0)
    assert row is not None
    assert np.shares_memory(row.codes, warm.mapped["tokens"])
    assert np.shares_memory(row.starts, warm.mapped["token_starts"])
    assert np.array_equal(row.starts, cold._token_rows(0).starts)  # type: ignore[union-attr]
    assert np.array_equal(cold.token_idf(), warm.token_idf())


def test_past_tokens_up_to_no_word_piece_vectors_are_kept_and_a_higher_limit_embeds_again(tmp_path: Path) -> None:
    store = VectorStore(tmp_path, 0)
    few = PassageVectors(WordPieceEmbedder(), TEXTS, store=store, tokens_up_to=2)
    assert few.complete
    assert not few.has_tokens
    _, pieces = WordPieceEmbedder().embed_with_tokens(["How tall is the lighthouse tower?"])
    none = few.token_matches(pieces[0], [0, 1, 2])
    assert not none.passages.any()
    assert not none.sentences.any()
    assert few._path is not None
    assert semantic.open_arrays(few._path, semantic.FORMAT, semantic._SCHEMA)["tokens"].size == 0
    model = WordPieceEmbedder()
    again = PassageVectors(model, TEXTS, store=store, tokens_up_to=5_000)
    assert model.embedded
    assert again.has_tokens
    plain = PassageVectors(WordHashEmbedder(), TEXTS)  # a model without word pieces: none, and no error
    assert plain.complete
    assert not plain.has_tokens


def test_a_reload_copies_the_word_piece_vectors_of_unchanged_passages() -> None:
    model = WordPieceEmbedder()
    first = PassageVectors(model, TEXTS)
    model.embedded.clear()
    changed = [*TEXTS[:2], "The ferry leaves at noon."]
    second = PassageVectors(model, changed, previous=first)
    assert model.embedded == ["The ferry leaves at noon."]
    assert second.has_tokens
    assert np.array_equal(second._token_rows(0).codes, first._token_rows(0).codes)  # type: ignore[union-attr]


def test_the_word_piece_match_is_a_ranking_figure_with_its_switch(tmp_path: Path) -> None:
    write_article(tmp_path, "a", "Lighthouse", *TEXTS)
    linear = RetrievalSettings(learned_ranking=False)  # the learned ranking reads both figures: it asks for them
    on = AskService(load_corpus(tmp_path), embedder=WordPieceEmbedder(), retrieval=linear)
    ranked = on.rank("How tall is the lighthouse tower?").candidates
    assert ranked
    assert all(c.token_match > 0 for c in ranked if c.position == 0)
    assert all(c.sentence_token_match == 0.0 for c in ranked)  # nothing reads it: not computed
    configured = AskService(load_corpus(tmp_path), embedder=WordPieceEmbedder())
    assert any(c.sentence_token_match > 0 for c in configured.rank("How tall is the lighthouse tower?").candidates)
    off = AskService(load_corpus(tmp_path), embedder=WordPieceEmbedder(),
                     retrieval=linear.model_copy(update={"token_match_weight": 0.0,
                                                         "sentence_token_match_weight": 0.0}))
    assert all(c.token_match == 0.0 == c.sentence_token_match
               for c in off.rank("How tall is the lighthouse tower?").candidates)
    top_on, top_off = ranked[0], off.rank("How tall is the lighthouse tower?").candidates[0]
    assert top_on.position == top_off.position
    assert top_on.score == pytest.approx(top_off.score + 0.4 * top_on.token_match)
    # either weight alone asks for the question's word pieces
    only = AskService(load_corpus(tmp_path), embedder=WordPieceEmbedder(),
                      retrieval=linear.model_copy(update={"token_match_weight": 0.0,
                                                          "sentence_token_match_weight": 0.6}))
    (first, *_) = only.rank("How tall is the lighthouse tower?").candidates
    assert first.sentence_token_match > 0


def test_single_blas_thread_limits_numpys_blas_to_one_thread() -> None:
    from threadpoolctl import threadpool_info

    limiter = semantic.single_blas_thread()
    try:
        blas = [lib for lib in threadpool_info() if lib["user_api"] == "blas"]
        assert blas
        assert all(lib["num_threads"] == 1 for lib in blas)
    finally:
        limiter.restore_original_limits()  # type: ignore[attr-defined]


def test_a_word_piece_product_ignores_the_flag_but_not_a_value_that_is_not_finite() -> None:
    a = np.array([[1.0, 2.0]], dtype=np.float32)
    b = np.array([[3.0], [4.0]], dtype=np.float32)
    assert semantic._product(a, b).tolist() == [[11.0]]
    # inf × 0 is a real invalid operation: the flag is ignored (the suite turns warnings into errors), the value not
    with pytest.raises(FloatingPointError):
        semantic._product(np.array([np.inf], dtype=np.float32), np.array([0.0], dtype=np.float32))
