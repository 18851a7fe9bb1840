"""The saved parse of a corpus folder: reused per unchanged file, re-parsed when a file changed, never trusted
when damaged."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

import bot.corpus as corpus_module
from bot.corpus import changed_files, load_corpus
from bot.corpus_store import FORMAT, CorpusCache, decode, encode
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
    assert sorted(saved) == ["harvest.md", "prisons.md", "weather.md"]


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


def damage(path: Path, how: str) -> None:
    raw = path.read_bytes()
    if how == "truncated":
        path.write_bytes(raw[: len(raw) // 2])
    elif how == "flipped":  # one byte of a text changed: the JSON is still valid, the checksum is not
        at = raw.index(b"Inmates build roads")
        path.write_bytes(raw[:at] + b"J" + raw[at + 1 :])
    elif how == "garbage":
        path.write_bytes(b"\x00\x01 not a cache at all")
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "other-format":
        path.write_bytes(raw.replace(FORMAT.encode(), b"askbot-corpus/0", 1))


@pytest.mark.parametrize("how", ["truncated", "flipped", "garbage", "empty", "other-format"])
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


def rewrite(path: Path, edit) -> None:
    """Change a saved parse's table and fix its checksum, as a buggy writer would."""
    raw = path.read_bytes()
    head, _, rest = raw.partition(b"\n")
    split = int(head.split(b" ")[2])
    body, texts = edit(rest[:split], rest[split:])
    rest = body + texts
    path.write_bytes(f"{FORMAT} {zlib.crc32(rest):08x} {len(body)}\n".encode() + rest)


@pytest.mark.parametrize(
    "edit",
    [
        lambda body, texts: (body, texts + b"extra"),  # lengths no longer add up
        lambda body, texts: (body.replace(b'"paragraphs":2', b'"paragraphs":9', 1), texts),
        lambda body, texts: (body.replace(b'"title":"Prisons"', b'"title":7', 1), texts),
        lambda body, texts: (body.replace(b'"files"', b'"filez"', 1), texts),
        lambda body, texts: (b"[]", texts),
    ],
)
def test_a_well_formed_file_with_a_wrong_table_is_not_trusted(corpus_dir, cache, edit):
    load_corpus(corpus_dir, cache=cache)
    path = cache.path_for(corpus_dir)
    rewrite(path, edit)
    assert cache.load(corpus_dir, corpus_module.MAX_PASSAGE_WORDS) == {}
    assert same(load_corpus(corpus_dir, cache=cache), load_corpus(corpus_dir))


def test_encode_and_decode_round_trip(corpus_dir, cache):
    load_corpus(corpus_dir, cache=cache)
    saved = cache.load(corpus_dir, corpus_module.MAX_PASSAGE_WORDS)
    assert decode(encode(saved, "k"), "k") == saved
    with pytest.raises(ValueError, match="stale"):
        decode(encode(saved, "k"), "other key")


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
    assert sorted(p.name.split("-")[0] for p in (tmp_path / "c").iterdir()) == ["corpus", "index"]
    parses.clear()
    write(corpus_dir, "weather", "---\ntitle: Weather\n---\n\nStorms hit the coast.\n")
    report = service.reload()
    assert sorted(parses) == ["broken.md", "weather.md"]
    assert [a.id for a in report.added] == ["weather"]
    assert service.ask("How many inmates work in construction?").answered


def test_small_corpora_and_persist_off_save_no_parse(corpus_dir, tmp_path):
    for index in ({"cache_dir": tmp_path / "c", "min_passages": 100}, {"cache_dir": tmp_path / "c", "persist": False}):
        settings = load_settings(env_file=None, overrides={"index": index})
        AskService.from_settings(settings, corpus_path=corpus_dir)
        assert not (tmp_path / "c").exists()


def test_the_store_is_a_layer_below_the_corpus_reader():
    """bot.corpus imports bot.corpus_store, never the other way round (they used to import each other)."""
    code = "import sys, bot.corpus_store; print('bot.corpus' in sys.modules)"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert out.stdout.strip() == "False"
