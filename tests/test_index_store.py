"""The saved index: reused while nothing changed, rebuilt when anything did or when the file is bad."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import numpy as np
import pytest

import bot.service as service_module
from bot.analysis import Analyzer
from bot.array_file import damaged_arrays, open_arrays, write_arrays
from bot.cli import _progress, build_parser
from bot.corpus import load_corpus
from bot.index import BM25Index, BM25Params
from bot.index_store import _ARRAYS as ARRAYS
from bot.index_store import FORMAT, IndexCache, cache_key, load_index, save_index
from bot.service import AskService, build_snapshot
from bot.settings import RetrievalSettings, load_settings

ARTICLES = {
    "prisons": ["Inmates build roads and schools across the country.",
                "About 15,000 inmates work in construction every day.",
                "Guards watch the prison video feeds at night."],
    "harvest": ["Farmers expect a record coffee harvest this year.",
                "Rain in March helped the coffee plants flower early."],
}
QUESTION = "How many inmates work in construction?"


def write_corpus(folder: Path, articles: dict[str, list[str]] = ARTICLES) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, paragraphs in articles.items():
        body = "\n\n".join(paragraphs)
        (folder / f"{name}.md").write_text(f"---\ntitle: {name}\ndate: 2025-07-05\n---\n\n{body}\n", encoding="utf-8")
    return folder


@pytest.fixture
def corpus_dir(tmp_path: Path) -> Path:
    return write_corpus(tmp_path / "corpus")


@pytest.fixture
def cache(tmp_path: Path) -> IndexCache:
    return IndexCache(tmp_path / "cache", min_passages=0)


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count index builds (a cache hit builds nothing)."""
    calls: list[int] = []
    real = BM25Index.build

    def counting(tokenized, params=None):
        calls.append(len(tokenized))
        return real(tokenized, params)

    monkeypatch.setattr(service_module.BM25Index, "build", staticmethod(counting))
    return calls


def make_service(corpus_dir: Path, cache: IndexCache | None, **retrieval: object) -> AskService:
    corpus = load_corpus(corpus_dir)
    return AskService(corpus, retrieval=RetrievalSettings(**retrieval), index_cache=cache)


def best(service: AskService) -> tuple[int, float]:
    hit = service.snapshot.index.search(service.analyzer.terms(QUESTION), 1)[0]
    return hit.position, hit.score


def test_a_second_start_loads_the_saved_index(corpus_dir, cache, builds):
    first = make_service(corpus_dir, cache)
    assert builds == [5]
    assert cache.path_for(first.corpus).is_file()
    second = make_service(corpus_dir, cache)
    assert builds == [5]
    a, b = first.snapshot.index, second.snapshot.index
    assert a.vocab == b.vocab
    for name in ("offsets", "post_docs", "post_tf", "doc_len", "idf_values", "post_impact", "forward"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    assert second.ask(QUESTION) == first.ask(QUESTION)
    assert second.ask(QUESTION).results[0].passage.paragraph == 2


def test_a_changed_file_rebuilds(corpus_dir, cache, builds):
    make_service(corpus_dir, cache)
    (corpus_dir / "harvest.md").write_text("---\ntitle: harvest\n---\n\nA poor harvest.\n", encoding="utf-8")
    service = make_service(corpus_dir, cache)
    assert builds == [5, 4]
    make_service(corpus_dir, cache)
    assert builds == [5, 4]
    assert service.passage_count("harvest") == 1


@pytest.mark.parametrize("change", [{"k1": 1.2}, {"b": 0.5}, {"variant": "plus"}, {"delta": 0.5}])
def test_a_scoring_setting_change_rebuilds(corpus_dir, cache, builds, change):
    make_service(corpus_dir, cache)
    service = make_service(corpus_dir, cache, **change)
    assert len(builds) == 2
    expected = BM25Index.build(service.analyzer.terms_many(p.text for p in service.corpus.passages), service.params)
    assert np.array_equal(service.snapshot.index.post_impact, expected.post_impact)


def test_the_key_covers_analysis_and_passage_cut(corpus_dir):
    corpus = load_corpus(corpus_dir)
    params = BM25Params()
    base = cache_key(corpus, Analyzer(), params, 150)
    assert cache_key(corpus, Analyzer(), params, 150) == base
    assert cache_key(corpus, Analyzer(), params, 100) != base
    assert cache_key(corpus, Analyzer(stopwords={"the"}), params, 150) != base
    assert cache_key(corpus, Analyzer(language="french"), params, 150) != base


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def old_npz(path: Path) -> None:
    """An index file of format 2 (an npz) where the new one is looked for."""
    with path.open("wb") as handle:
        np.savez(handle, weights=np.arange(10.0))


def garbage(path: Path) -> None:
    path.write_bytes(b"not an index at all" * 10)


def empty(path: Path) -> None:
    path.write_bytes(b"")


@pytest.mark.parametrize("damage", [truncate, old_npz, garbage, empty])
def test_a_bad_file_is_rebuilt_never_trusted(corpus_dir, cache, builds, damage):
    first = make_service(corpus_dir, cache)
    path = cache.path_for(first.corpus)
    damage(path)
    service = make_service(corpus_dir, cache)
    assert len(builds) == 2
    assert service.ask(QUESTION) == first.ask(QUESTION)
    make_service(corpus_dir, cache)  # the rebuilt file was saved again and is used
    assert len(builds) == 2


def test_damaged_arrays_are_found_after_the_start_and_rebuilt(corpus_dir, cache, builds, caplog):
    first = make_service(corpus_dir, cache)
    if first.verifier is not None:
        first.verifier.join(timeout=30)  # its own check must not read the file while it is damaged below
    path = cache.path_for(first.corpus)
    data = bytearray(path.read_bytes())
    for i in range(len(data) - 8, len(data)):  # the last impacts: the start does not read them
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))
    with caplog.at_level(logging.WARNING, logger="bot.service"):
        service = make_service(corpus_dir, cache)
        assert service.verifier is not None
        service.verifier.join(timeout=30)
    assert "is damaged (checksum mismatch in impacts); rebuilding it" in caplog.text
    assert len(builds) == 2
    assert service.ask(QUESTION) == first.ask(QUESTION)
    mapped = make_service(corpus_dir, cache).snapshot.index.mapped
    assert mapped is not None
    assert damaged_arrays(mapped) == []
    assert len(builds) == 2


def tamper(path: Path, **changes: np.ndarray) -> None:
    """Rewrite a cache file with some arrays replaced, as a buggy writer would: valid checksums, wrong contents."""
    mapped = open_arrays(path, FORMAT, ARRAYS)
    arrays = {name: np.array(array) for name, array in mapped.arrays.items()}
    arrays.update(changes)
    write_arrays(path, FORMAT, mapped.meta, arrays)


@pytest.mark.parametrize(
    "changes",
    [
        {"post_docs": "float"},
        {"post_docs": "short"},
        {"doc_len": "short"},
        {"doc_len": "negative"},
        {"offsets": "shuffled"},
        {"terms": "bad utf-8"},
        {"terms": "repeated"},
        {"forward": "short"},
        {"impacts": "short"},
    ],
)
def test_a_well_formed_but_wrong_file_is_rejected(corpus_dir, cache, builds, changes):
    first = make_service(corpus_dir, cache)
    path = cache.path_for(first.corpus)
    index = first.snapshot.index
    name, how = next(iter(changes.items()))
    array = {"post_docs": index.post_docs, "doc_len": index.doc_len, "forward": index.forward,
             "impacts": index.post_impact}.get(name)
    replacement = {
        "float": index.post_docs.astype(np.float64),
        "short": array[:-1] if array is not None else None,
        "negative": -index.doc_len,
        "shuffled": index.offsets[::-1].copy(),
        "bad utf-8": np.frombuffer(b"\xff\xfe", dtype=np.uint8),
        "repeated": np.frombuffer("\n".join([index.terms()[0]] * len(index.vocab)).encode(), dtype=np.uint8),
    }[how]
    tamper(path, **{name: replacement})
    service = make_service(corpus_dir, cache)
    assert len(builds) == 2
    assert service.ask(QUESTION) == first.ask(QUESTION)


def test_a_key_or_format_mismatch_is_rejected(corpus_dir, tmp_path):
    corpus = load_corpus(corpus_dir)
    params = BM25Params()
    index = BM25Index.build(Analyzer().terms_many(p.text for p in corpus.passages), params)
    path = tmp_path / "x.arrays"
    save_index(path, "k", index)
    assert np.array_equal(load_index(path, "k", params, len(corpus.passages)).post_impact, index.post_impact)
    with pytest.raises(ValueError, match="stale"):
        load_index(path, "other", params, len(corpus.passages))
    with pytest.raises(ValueError, match="passages"):
        load_index(path, "k", params, len(corpus.passages) + 1)
    path.write_bytes(path.read_bytes().replace(FORMAT.encode(), b"askbot-index/9", 1))
    with pytest.raises(ValueError, match="another file format"):
        load_index(path, "k", params, len(corpus.passages))


def test_an_unwritable_cache_folder_still_serves(corpus_dir, tmp_path, caplog):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    cache = IndexCache(blocker / "cache", min_passages=0)
    with caplog.at_level(logging.WARNING, logger="bot.index_store"):
        service = make_service(corpus_dir, cache)
    assert service.ask(QUESTION).answered
    assert any("cannot save the index cache" in r.getMessage() for r in caplog.records)


def test_a_failed_write_leaves_no_partial_file(corpus_dir, cache, monkeypatch, caplog):
    def refuse(src, dst):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("bot.atomic_file.os.replace", refuse)
    with caplog.at_level(logging.WARNING, logger="bot.index_store"):
        service = make_service(corpus_dir, cache)
    assert service.ask(QUESTION).answered
    assert list(cache.folder.iterdir()) == []
    assert "Permission denied" in caplog.text


def test_small_corpora_and_persist_off_write_nothing(corpus_dir, tmp_path):
    settings = load_settings(env_file=None, overrides={"index": {"cache_dir": tmp_path / "c", "min_passages": 10,
                                                                 "min_vector_passages": 10}})
    AskService.from_settings(settings, corpus_path=corpus_dir)
    assert not (tmp_path / "c").exists()
    off = load_settings(env_file=None, overrides={"index": {"cache_dir": tmp_path / "d", "persist": False,
                                                            "min_passages": 0}})
    AskService.from_settings(off, corpus_path=corpus_dir)
    assert not (tmp_path / "d").exists()
    on = load_settings(env_file=None, overrides={"index": {"cache_dir": tmp_path / "e", "min_passages": 0}})
    AskService.from_settings(on, corpus_path=corpus_dir)
    assert len(list((tmp_path / "e").glob("index-*.arrays"))) == 1


def test_progress_bar_only_when_asked(corpus_dir, monkeypatch, capsys):
    corpus = load_corpus(corpus_dir)
    build_snapshot(corpus, Analyzer(), BM25Params())
    assert capsys.readouterr().err == ""
    monkeypatch.setattr(service_module, "PROGRESS_DELAY", 0)
    build_snapshot(corpus, Analyzer(), BM25Params(), progress=True)
    assert "askbot: " in capsys.readouterr().err


def test_the_cli_shows_progress_only_on_a_terminal_without_json(monkeypatch):
    parser = build_parser()
    monkeypatch.setattr("sys.stderr.isatty", lambda: True, raising=False)
    assert _progress(parser.parse_args(["ask", "q"])) is True
    assert _progress(parser.parse_args(["ask", "q", "--json"])) is False
    monkeypatch.setattr("sys.stderr.isatty", lambda: False, raising=False)
    assert _progress(parser.parse_args(["ask", "q"])) is False


def test_passage_terms_are_those_of_the_analyzer(corpus_dir):
    service = make_service(corpus_dir, None)
    terms = service.snapshot.passage_terms
    texts = [p.text for p in service.corpus.passages]
    assert len(terms) == len(texts)
    assert list(terms) == [frozenset(service.analyzer.terms(t)) for t in texts]
    assert terms[-1] == terms[len(texts) - 1]
    assert terms[1:3] == [terms[1], terms[2]]


def test_questions_and_reloads_from_many_threads(corpus_dir, cache):
    service = make_service(corpus_dir, cache)
    expected = service.ask(QUESTION)
    errors: list[BaseException] = []

    def ask() -> None:
        try:
            for _ in range(30):
                assert service.ask(QUESTION) == expected
        except BaseException as exc:  # collected for the main thread
            errors.append(exc)

    def reload() -> None:
        try:
            for _ in range(5):
                service.reload()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=ask) for _ in range(4)] + [threading.Thread(target=reload) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
