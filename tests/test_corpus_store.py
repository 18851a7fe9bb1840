"""The saved parse of a corpus folder: reused per unchanged file, re-parsed when a file changed, never trusted
when damaged."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import bot.array_file
import bot.corpus as corpus_module
from bot.array_file import damaged_arrays, open_arrays, write_arrays
from bot.corpus import changed_files, load_corpus
from bot.corpus_store import _ARRAYS as ARRAYS
from bot.corpus_store import FORMAT, CorpusCache, open_corpus, save_corpus, split_texts
from bot.expansion import defined_acronyms
from bot.service import AskService
from bot.settings import load_settings

LONG = " ".join(f"Sentence number {i} talks about the harvest." for i in range(40))  # 280 words: cut in windows
ARTICLES = {
    "prisons": "---\ntitle: Prisons\ndate: 2025-07-05\nsource: Wire\n---\n\nInmates build roads.\n\n"
               "About 15,000 inmates\nwork in construction.\n",
    "harvest": f"---\ntitle: Harvest\nauthor: Ana\n---\n\nFarmers expect a record harvest.\n\n{LONG}\n",
    "notes": "Plain text notes.\n\nSecond paragraph.\n",
}
SUFFIX = {"prisons": ".md", "harvest": ".md", "notes": ".txt"}


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / f"{name}{SUFFIX.get(name, '.md')}"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def corpus_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name, text in ARTICLES.items():
        write(folder, name, text)
    (folder / "broken.md").write_text("---\ntitle: [unclosed\n---\n\nBody.\n", encoding="utf-8")
    return folder


@pytest.fixture
def cache(tmp_path: Path) -> CorpusCache:
    return CorpusCache(tmp_path / "cache")


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record the names of the files actually parsed."""
    names: list[str] = []
    real = corpus_module.parse_article

    def counting(path: Path, raw: bytes, article_id: str | None = None) -> corpus_module.Article:
        names.append(path.name)
        return real(path, raw, article_id)

    monkeypatch.setattr(corpus_module, "parse_article", counting)
    return names


def same(a: corpus_module.Corpus, b: corpus_module.Corpus) -> bool:
    return a.articles == b.articles and a.passages == b.passages and a.bad_files == b.bad_files


def test_a_second_load_parses_only_bad_files_and_gives_the_same_corpus(corpus_dir, cache, parses):
    first = load_corpus(corpus_dir, cache=cache)
    assert sorted(parses) == ["broken.md", "harvest.md", "notes.txt", "prisons.md"]
    assert cache.path_for(corpus_dir).is_file()
    assert any(p.windows > 1 for p in first.passages)  # the long paragraph was cut, and its windows saved
    parses.clear()
    second = load_corpus(corpus_dir, cache=cache)
    assert parses == ["broken.md"]  # bad files are not saved: parsed again and still reported
    assert same(first, second)
    assert second.digest == first.digest
    assert [b.name for b in second.bad_files] == ["broken.md"]
    assert "not valid YAML" in second.bad_files[0].reason
    assert same(second, load_corpus(corpus_dir))  # exactly what parsing without a cache gives


def keep_stat_and_rewrite(path: Path, text: str) -> None:
    """Write ``text`` (of the same size) and give the file back its modification time, as a copy could."""
    stat = path.stat()
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def test_a_file_with_its_saved_size_and_time_is_not_read_but_checked_later(corpus_dir, cache, parses):
    load_corpus(corpus_dir, cache=cache)
    path = corpus_dir / "prisons.md"
    keep_stat_and_rewrite(path, ARTICLES["prisons"].replace("roads", "ROADS"))
    parses.clear()
    corpus = load_corpus(corpus_dir, cache=cache)
    assert parses == ["broken.md"]  # taken by its size and time: the saved parse is served for now
    assert corpus.article("prisons").paragraphs[0] == "Inmates build roads."
    assert sorted(a.id for a in corpus.unverified) == ["harvest", "notes", "prisons"]
    assert changed_files(corpus) == [path]  # the content check catches it
    corpus = load_corpus(corpus_dir, cache=cache, trust_stat=False)
    assert parses == ["broken.md", "broken.md", "prisons.md"]
    assert corpus.article("prisons").paragraphs[0] == "Inmates build ROADS."
    assert corpus.unverified == ()
    parses.clear()
    corpus = load_corpus(corpus_dir, cache=cache)
    assert parses == ["broken.md"]  # the saved parse was updated
    assert changed_files(corpus) == []


def test_a_resized_or_touched_file_is_read_at_start(corpus_dir, cache, parses):
    load_corpus(corpus_dir, cache=cache)
    write(corpus_dir, "prisons", ARTICLES["prisons"].replace("roads", "long roads"))
    harvest = corpus_dir / "harvest.md"
    os.utime(harvest, ns=(harvest.stat().st_atime_ns, harvest.stat().st_mtime_ns + 1))  # same content, touched
    parses.clear()
    corpus = load_corpus(corpus_dir, cache=cache)
    assert sorted(parses) == ["broken.md", "prisons.md"]  # the touched file is read and hashed, not parsed
    assert corpus.article("prisons").paragraphs[0] == "Inmates build long roads."
    assert sorted(a.id for a in corpus.unverified) == ["notes"]
    parses.clear()
    assert sorted(a.id for a in load_corpus(corpus_dir, cache=cache).unverified) == ["harvest", "notes", "prisons"]
    assert parses == ["broken.md"]  # the new sizes and times were saved


def test_the_service_reloads_a_file_changed_with_its_size_and_time_kept(corpus_dir, tmp_path, caplog):
    settings = load_settings(env_file=None, overrides={"index": {"cache_dir": tmp_path / "c", "min_passages": 0}})
    AskService.from_settings(settings, corpus_path=corpus_dir)
    keep_stat_and_rewrite(corpus_dir / "prisons.md", ARTICLES["prisons"].replace("roads", "ships"))
    with caplog.at_level(logging.WARNING, logger="bot.service"):
        service = AskService.from_settings(settings, corpus_path=corpus_dir)
        assert service.verifier is not None
        service.verifier.join(timeout=30)
    assert "changed without a change of size or modification time (prisons.md)" in caplog.text
    assert service.corpus.article("prisons").paragraphs[0] == "Inmates build ships."
    assert service.corpus.unverified == ()


def test_added_and_removed_files_are_picked_up(corpus_dir, cache, parses):
    load_corpus(corpus_dir, cache=cache)
    write(corpus_dir, "weather", "---\ntitle: Weather\n---\n\nStorms hit the coast.\n")
    (corpus_dir / "notes.txt").unlink()
    parses.clear()
    corpus = load_corpus(corpus_dir, cache=cache)
    assert sorted(parses) == ["broken.md", "weather.md"]
    assert sorted(a.id for a in corpus.articles) == ["harvest", "prisons", "weather"]
    saved = cache.load(corpus_dir, corpus_module.MAX_PASSAGE_WORDS)
    assert saved is not None
    assert sorted(saved.files) == ["harvest.md", "prisons.md", "weather.md"]


def test_a_renamed_file_keeps_its_own_id(corpus_dir, cache):
    load_corpus(corpus_dir, cache=cache)
    (corpus_dir / "prisons.md").rename(corpus_dir / "jails.md")
    corpus = load_corpus(corpus_dir, cache=cache)
    assert corpus.article("jails") is not None
    assert corpus.article("prisons") is None
    assert {p.article_id for p in corpus.passages} == {"jails", "harvest", "notes"}


def test_a_file_that_became_bad_is_reported(corpus_dir, cache):
    load_corpus(corpus_dir, cache=cache)
    (corpus_dir / "harvest.md").write_bytes(b"---\ntitle: x\n---\n\n\xff\xfe bad bytes\n")
    corpus = load_corpus(corpus_dir, cache=cache)
    assert sorted(b.name for b in corpus.bad_files) == ["broken.md", "harvest.md"]
    assert corpus.article("harvest") is None


def test_another_passage_length_or_parser_does_not_use_the_saved_parse(corpus_dir, cache, parses, monkeypatch):
    load_corpus(corpus_dir, cache=cache)
    parses.clear()
    short = load_corpus(corpus_dir, cache=cache, max_words=20)
    assert len(parses) == 4
    assert same(short, load_corpus(corpus_dir, max_words=20))
    monkeypatch.setattr("bot.corpus_store.parser_identity", lambda: "another parser")
    parses.clear()
    load_corpus(corpus_dir, cache=cache, max_words=20)
    assert len(parses) == 4


def test_the_sentence_splitter_is_part_of_the_parser_identity(monkeypatch):
    from bot import corpus_store

    base = corpus_store.parser_identity()
    monkeypatch.setattr(corpus_store, "sentence_identity", lambda: "another splitter")
    assert corpus_store.parser_identity() != base


def damage(path: Path, how: str) -> None:
    raw = path.read_bytes()
    if how == "truncated":
        path.write_bytes(raw[: len(raw) // 2])
    elif how == "header":  # one byte of the header changed: the JSON may still be valid, the checksum is not
        at = raw.index(b'"files"') + 12
        path.write_bytes(raw[:at] + bytes([raw[at] ^ 1]) + raw[at + 1 :])
    elif how == "garbage":
        path.write_bytes(b"\x00\x01 not a cache at all")
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "other-format":
        path.write_bytes(raw.replace(FORMAT.encode(), b"askbot-corpus/0", 1))


@pytest.mark.parametrize("how", ["truncated", "header", "garbage", "empty", "other-format"])
def test_a_damaged_cache_is_not_trusted_and_is_rewritten(corpus_dir, cache, parses, how, caplog):
    reference = load_corpus(corpus_dir)
    load_corpus(corpus_dir, cache=cache)
    damage(cache.path_for(corpus_dir), how)
    parses.clear()
    with caplog.at_level(logging.INFO, logger="bot.corpus_store"):
        corpus = load_corpus(corpus_dir, cache=cache)
    assert len(parses) == 4  # everything parsed again
    assert same(corpus, reference)
    parses.clear()
    load_corpus(corpus_dir, cache=cache)
    assert parses == ["broken.md"]  # rewritten


def test_damaged_texts_are_found_after_the_start_and_rebuilt(corpus_dir, tmp_path, caplog):
    settings = load_settings(env_file=None, overrides={"index": {"cache_dir": tmp_path / "c", "min_passages": 0}})
    first = AskService.from_settings(settings, corpus_path=corpus_dir)
    if first.verifier is not None:
        first.verifier.join(timeout=30)  # its own check must not read the file while it is damaged below
    path = CorpusCache(tmp_path / "c").path_for(corpus_dir)
    raw = bytearray(path.read_bytes())
    at = raw.index(b"Inmates build roads.")
    raw[at : at + 7] = b"Inmatez"  # a byte of a text: the start reads no text, the checksum check does
    path.write_bytes(bytes(raw))
    with caplog.at_level(logging.WARNING, logger="bot.service"):
        service = AskService.from_settings(settings, corpus_path=corpus_dir)
        assert service.verifier is not None
        service.verifier.join(timeout=30)
    assert "is damaged (checksum mismatch in text); rebuilding it" in caplog.text
    assert same(service.corpus, load_corpus(corpus_dir))
    saved = CorpusCache(tmp_path / "c").load(corpus_dir, corpus_module.MAX_PASSAGE_WORDS)
    assert saved is not None
    assert saved.table.mapped is not None
    assert damaged_arrays(saved.table.mapped) == []  # rewritten whole


def tamper(path: Path, **changes: object) -> None:
    """Rewrite a saved corpus with some parts replaced, as a buggy writer would: valid checksums, wrong contents."""
    mapped = open_arrays(path, FORMAT, ARRAYS)
    arrays = {name: np.array(array) for name, array in mapped.arrays.items()}
    meta = dict(mapped.meta)
    for name, value in changes.items():
        (arrays if name in arrays else meta)[name] = value(arrays[name] if name in arrays else meta.get(name))
    write_arrays(path, FORMAT, meta, arrays)


@pytest.mark.parametrize(
    "changes",
    [
        {"text": lambda a: np.concatenate([a, np.frombuffer(b"extra", dtype=np.uint8)])},  # offsets no longer fit
        {"ends": lambda a: a[::-1].copy()},
        {"starts": lambda a: a[:-1].copy()},
        {"window": lambda a: a[:-1].copy()},
        {"cut_at": lambda a: np.zeros(a.size + 1, dtype=np.int32)},
        {"files": lambda f: {k: v[:-1] for k, v in f.items()}},  # a file fewer than articles
        {"files": lambda f: {**f, "size": f["size"][:-1]}},  # columns of different lengths
        {"files": lambda f: {**f, "title": [7, *f["title"][1:]]}},  # a title that is not text
        {"files": lambda f: {**f, "digest": ["abc", *f["digest"][1:]]}},
        {"files": lambda f: {**f, "mtime_ns": [1.5, *f["mtime_ns"][1:]]}},
        {"files": lambda f: {**f, "acronyms": [[["WRHA"]], *f["acronyms"][1:]]}},  # an acronym without expansion
        {"files": lambda f: {**f, "name": [f["name"][0]] * len(f["name"])}},  # a file listed twice
        {"files": lambda f: "none"},
    ],
)
def test_a_well_formed_file_with_a_wrong_table_is_not_trusted(corpus_dir, cache, changes):
    load_corpus(corpus_dir, cache=cache)
    path = cache.path_for(corpus_dir)
    tamper(path, **changes)
    assert cache.load(corpus_dir, corpus_module.MAX_PASSAGE_WORDS) is None
    assert same(load_corpus(corpus_dir, cache=cache), load_corpus(corpus_dir))


def test_save_and_open_round_trip(corpus_dir, cache, tmp_path):
    load_corpus(corpus_dir, cache=cache)
    saved = cache.load(corpus_dir, corpus_module.MAX_PASSAGE_WORDS)
    assert saved is not None
    entries = [saved.files[name][1] for name in saved.names]
    save_corpus(tmp_path / "copy", "k", entries, saved.table)
    again = open_corpus(tmp_path / "copy", "k")
    assert again.files == saved.files
    assert list(again.table.texts()) == list(saved.table.texts())
    with pytest.raises(ValueError, match="stale"):
        open_corpus(tmp_path / "copy", "other key")


def test_passages_and_paragraphs_read_from_the_table_equal_the_parse(corpus_dir, cache):
    parsed = load_corpus(corpus_dir)
    load_corpus(corpus_dir, cache=cache)
    mapped = load_corpus(corpus_dir, cache=cache)
    assert mapped.passages.table.mapped is not None
    for article in parsed.articles:
        other = mapped.article(article.id)
        assert tuple(other.paragraphs) == tuple(article.paragraphs)
        assert other.paragraphs[-1] == article.paragraphs[-1]
        assert other.paragraphs[1:] == article.paragraphs[1:]
    assert [mapped.passages[i] for i in range(len(mapped.passages))] == list(parsed.passages)
    assert mapped.passages[-1] == parsed.passages[len(parsed.passages) - 1]
    assert mapped.passages[2:4] == list(parsed.passages)[2:4]
    assert list(mapped.passages.texts()) == [p.text for p in parsed.passages]
    assert mapped.passages.ranges() == parsed.passages.ranges()
    with pytest.raises(IndexError):
        mapped.passages[len(mapped.passages)]


def test_a_read_only_cache_folder_still_serves(corpus_dir, tmp_path, caplog):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    cache = CorpusCache(blocker / "cache")
    with caplog.at_level(logging.WARNING, logger="bot.corpus_store"):
        corpus = load_corpus(corpus_dir, cache=cache)
    assert same(corpus, load_corpus(corpus_dir))
    assert "cannot save the corpus cache" in caplog.text


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root ignores permissions")
def test_a_read_only_folder_with_a_saved_parse_is_used(corpus_dir, cache, parses):
    load_corpus(corpus_dir, cache=cache)
    cache.folder.chmod(0o500)
    try:
        parses.clear()
        load_corpus(corpus_dir, cache=cache)
        assert parses == ["broken.md"]
    finally:
        cache.folder.chmod(0o700)


def test_a_failed_write_leaves_no_partial_file(corpus_dir, cache, monkeypatch, caplog):
    def refuse(src: str, dst: str) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("bot.atomic_file.os.replace", refuse)
    with caplog.at_level(logging.WARNING, logger="bot.corpus_store"):
        load_corpus(corpus_dir, cache=cache)
    assert list(cache.folder.iterdir()) == []
    assert "Permission denied" in caplog.text


def test_the_service_saves_the_parse_beside_the_index_and_reload_uses_it(corpus_dir, tmp_path, parses):
    settings = load_settings(env_file=None, overrides={"index": {"cache_dir": tmp_path / "c", "min_passages": 0}})
    service = AskService.from_settings(settings, corpus_path=corpus_dir)
    # the passage vectors too, from one passage up (round 44)
    assert sorted(p.name.split("-")[0] for p in (tmp_path / "c").iterdir()) == ["corpus", "index", "vectors"]
    parses.clear()
    write(corpus_dir, "weather", "---\ntitle: Weather\n---\n\nStorms hit the coast.\n")
    report = service.reload()
    assert sorted(parses) == ["broken.md", "weather.md"]
    assert [a.id for a in report.added] == ["weather"]
    assert service.ask("How many inmates work in construction?").answered


def test_small_corpora_and_persist_off_save_no_parse(corpus_dir, tmp_path):
    small = load_settings(env_file=None, overrides={"index": {"cache_dir": tmp_path / "c", "min_passages": 100}})
    AskService.from_settings(small, corpus_path=corpus_dir)
    assert not list((tmp_path / "c").glob("corpus-*"))  # the passage vectors alone are saved (round 44)
    off = load_settings(env_file=None, overrides={"index": {"cache_dir": tmp_path / "d", "persist": False}})
    AskService.from_settings(off, corpus_path=corpus_dir)
    assert not (tmp_path / "d").exists()


def test_the_store_is_a_layer_below_the_corpus_reader():
    """bot.corpus imports bot.corpus_store, never the other way round (they used to import each other)."""
    code = "import sys, bot.corpus_store; print('bot.corpus' in sys.modules)"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert out.stdout.strip() == "False"


def test_acronyms_found_per_file_are_those_of_every_passage(corpus_dir, cache):
    """The first definition of an acronym wins, as over the passages in order, whichever article it is in."""
    write(corpus_dir, "agency", "---\ntitle: Agency\n---\n\nThe Westmere Regional Health Authority (WRHA) met.\n\n"
                                "The Coastal Rescue Volunteers Association (CRVA) sailed.\n")
    write(corpus_dir, "zoo", "---\ntitle: Zoo\n---\n\nThe Wild Rabbit Hutch Association (WRHA) is not the other.\n")
    parsed = load_corpus(corpus_dir)
    assert parsed.acronyms == tuple(defined_acronyms(p.text for p in parsed.passages))
    assert dict(parsed.acronyms)["WRHA"] == "Westmere Regional Health Authority"
    load_corpus(corpus_dir, cache=cache)
    mapped = load_corpus(corpus_dir, cache=cache)
    assert mapped.passages.table.mapped is not None
    assert mapped.acronyms == parsed.acronyms


def test_the_texts_view_reads_as_the_list_of_texts_and_keys_vectors_alike(corpus_dir: Path, cache: CorpusCache):
    from bot.semantic import vectors_key

    class Model:
        name, checksum, dimension = "model", "sum", 3

    for corpus in (load_corpus(corpus_dir), load_corpus(corpus_dir, cache=cache), load_corpus(corpus_dir, cache=cache)):
        texts = list(corpus.passages.texts())
        view = corpus.passages.text_view()
        assert len(view) == len(texts) > 3
        assert list(view) == texts
        assert [view[i] for i in range(len(texts))] == texts
        assert view[-1] == texts[-1]
        assert list(view[1:3]) == texts[1:3]
        assert list(view[::2]) == texts[::2]
        with pytest.raises(IndexError):
            view[len(texts)]
        assert [bytes(b).decode() for b in view.encoded()] == texts
        assert vectors_key(Model(), view) == vectors_key(Model(), texts)  # saved vectors stay valid


def test_split_texts_cuts_a_stream_at_the_ends_whatever_its_chunks() -> None:
    texts = [b"abc", b"", "d\u00e9fgh".encode(), b"i", b"", b"jklmnopq", b""]
    ends = np.cumsum([len(t) for t in texts]).tolist()
    blob = b"".join(texts)
    for size in range(1, len(blob) + 2):
        chunks = [blob[at : at + size] for at in range(0, len(blob), size)]
        assert [bytes(t) for t in split_texts(chunks, ends)] == texts, size
    assert [bytes(t) for t in split_texts([], [0, 0])] == [b"", b""]


def test_a_saved_tables_texts_are_read_from_its_file_as_they_are_stored(corpus_dir, cache, monkeypatch):
    """The vectors' key hashes every text: read from the file, not the mapping, and byte for byte the same."""
    from bot.semantic import vectors_key

    class Model:
        name, checksum, dimension = "m", "c", 4

    parsed = load_corpus(corpus_dir)
    load_corpus(corpus_dir, cache=cache)
    mapped = load_corpus(corpus_dir, cache=cache)
    assert mapped.passages.table.mapped is not None
    read: list[str] = []
    real = bot.array_file.read_array

    def spy(arrays, name):
        read.append(name)
        return real(arrays, name)

    monkeypatch.setattr(bot.array_file, "_CHUNK", 5)  # texts cut across chunks
    monkeypatch.setattr("bot.corpus_store.read_array", spy)
    texts = mapped.passages.text_view()
    assert [bytes(t) for t in texts.encoded()] == [p.text.encode() for p in parsed.passages]
    assert read == ["text"]
    assert vectors_key(Model(), texts) == vectors_key(Model(), [p.text for p in parsed.passages])
