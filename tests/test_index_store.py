"""The saved index: reused while nothing changed, rebuilt when anything did or when the file is bad."""

from __future__ import annotations

import logging
import struct
import threading
import zipfile
from pathlib import Path

import numpy as np
import pytest

import bot.service as service_module
from bot.analysis import Analyzer
from bot.cli import _progress, build_parser
from bot.corpus import load_corpus
from bot.index import BM25Index, BM25Params
from bot.index_store import IndexCache, cache_key, load_index, save_index
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


def corrupt_middle(path: Path) -> None:
    """Flip bytes in the middle of the postings' stored data (the middle of the file may be a zip header field
    that nothing reads, such as a member's modification time)."""
    with zipfile.ZipFile(path) as archive:
        member = archive.getinfo("post_docs.npy")
    data = bytearray(path.read_bytes())
    # The member's data follows its 30-byte local header, its name and its extra field.
    name_len, extra_len = struct.unpack("<HH", data[member.header_offset + 26 : member.header_offset + 30])
    middle = member.header_offset + 30 + name_len + extra_len + member.compress_size // 2
    for i in range(middle, middle + 8):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def foreign_npz(path: Path) -> None:
    np.savez(path, weights=np.arange(10.0))


def garbage(path: Path) -> None:
    path.write_bytes(b"not an index at all" * 10)


def empty(path: Path) -> None:
    path.write_bytes(b"")


@pytest.mark.parametrize("damage", [corrupt_middle, truncate, foreign_npz, garbage, empty])
def test_a_bad_file_is_rebuilt_never_trusted(corpus_dir, cache, builds, damage):
    first = make_service(corpus_dir, cache)
    path = cache.path_for(first.corpus)
    damage(path)
    service = make_service(corpus_dir, cache)
    assert len(builds) == 2
    assert service.ask(QUESTION) == first.ask(QUESTION)
    make_service(corpus_dir, cache)  # the rebuilt file was saved again and is used
    assert len(builds) == 2


def tamper(path: Path, **changes: np.ndarray) -> None:
    """Rewrite a cache file with some arrays replaced: valid zip, valid CRCs, wrong contents."""
    with np.load(path, allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files}
    arrays.update(changes)
    np.savez(path, **arrays)


@pytest.mark.parametrize(
    "changes",
    [
        {"post_docs": "out of range"},
        {"post_docs": "float"},
        {"post_tf": "zero"},
        {"doc_len": "short"},
        {"offsets": "shuffled"},
        {"header": "other format"},
        {"terms": "bad utf-8"},
        {"forward": "short"},
        {"forward": "out of range"},
        {"forward": "other terms"},
    ],
)
def test_a_well_formed_but_wrong_file_is_rejected(corpus_dir, cache, builds, changes):
    first = make_service(corpus_dir, cache)
    path = cache.path_for(first.corpus)
    index = first.snapshot.index
    name, how = next(iter(changes.items()))
    forward = index.forward
    replacement = {
        "out of range": (index.post_docs if name != "forward" else forward) + 10_000,
        "float": index.post_docs.astype(np.float64),
        "zero": np.zeros_like(index.post_tf),
        "short": (index.doc_len if name != "forward" else forward)[:-1],
        "other terms": np.where(forward == forward[0], forward[-1], forward).astype(np.int32),
        "shuffled": index.offsets[::-1].copy(),
        "other format": np.frombuffer(b'{"format": "something/2", "key": "x"}', dtype=np.uint8),
        "bad utf-8": np.frombuffer(b"\xff\xfe", dtype=np.uint8),
    }[how]
    tamper(path, **{name: replacement})
    service = make_service(corpus_dir, cache)
    assert len(builds) == 2
    assert service.ask(QUESTION) == first.ask(QUESTION)


def test_postings_out_of_order_are_rejected(corpus_dir, cache, tmp_path):
    corpus = load_corpus(corpus_dir)
    params = BM25Params()
    index = BM25Index.build(Analyzer().terms_many(p.text for p in corpus.passages), params)
    lo, hi = next((int(a), int(b)) for a, b in zip(index.offsets[:-1], index.offsets[1:], strict=True) if b - a > 1)
    docs = index.post_docs.copy()
    docs[lo:hi] = docs[lo:hi][::-1]
    path = tmp_path / "x.npz"
    save_index(path, "k", index)
    tamper(path, post_docs=docs)
    with pytest.raises(ValueError, match="out of order"):
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
    settings = load_settings(env_file=None, overrides={"index": {"cache_dir": tmp_path / "c", "min_passages": 10}})
    AskService.from_settings(settings, corpus_path=corpus_dir)
    assert not (tmp_path / "c").exists()
    off = load_settings(env_file=None, overrides={"index": {"cache_dir": tmp_path / "d", "persist": False,
                                                            "min_passages": 0}})
    AskService.from_settings(off, corpus_path=corpus_dir)
    assert not (tmp_path / "d").exists()
    on = load_settings(env_file=None, overrides={"index": {"cache_dir": tmp_path / "e", "min_passages": 0}})
    AskService.from_settings(on, corpus_path=corpus_dir)
    assert len(list((tmp_path / "e").glob("index-*.npz"))) == 1


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
