"""A corpus folder holding every kind of bad file at once: each is named with its reason, the rest is served."""

from __future__ import annotations

import concurrent.futures
import os
import shutil
from pathlib import Path

import pytest

from bot.cli import main
from bot.corpus import MAX_ARTICLE_BYTES, load_corpus
from bot.service import AskService
from tests.articles import write_article
from tests.conftest import CORPUS_DIR

GOOD = "el-salvador-prison-system.md"
LOAD_TIMEOUT = 20.0
QUESTION = "How many inmates work in construction?"


def front(meta: str, body: str = "A paragraph of text.") -> str:
    return f"---\n{meta}\n---\n\n{body}\n"


# name -> (content, a part of the reason); written as UTF-8 when a str.
BAD_CONTENT: dict[str, tuple[str | bytes, str]] = {
    "date-month-13.md": (front("title: T\ndate: 2025-13-45"), "impossible date"),
    "date-feb-30.md": (front("title: T\ndate: 2025-02-30"), "impossible date"),
    "date-bad-offset.md": (front("title: T\ndate: 2025-07-05T10:00:00+99:00"), "impossible date"),
    "source-bad-time.md": (front("title: T\nsource: 2025-07-05 25:61:00"), "impossible date"),
    "empty.md": ("", "empty file"),
    "blank.txt": ("  \n\n \t\n", "empty file"),
    "binary.md": (b"\x00\x01\x02\x03PK\x03\x04" * 64, "binary"),
    "bad-utf8.md": (b"---\ntitle: T\n---\n\nabc \xff\xfe def\n", "not UTF-8"),
    "latin1.md": ("---\ntitle: Café\n---\n\nDéjà vu.\n".encode("latin-1"), "not UTF-8"),
    "unclosed.md": ("---\ntitle: T\n\nA paragraph.\n", "not closed"),
    "bad-yaml.md": (front("title: [unclosed"), "not valid YAML"),
    "yaml-list.md": ("---\n- a\n- b\n---\n\nText.\n", "mapping"),
    "missing-title.md": (front("date: 2025-01-01"), "no 'title'"),
    "title-list.md": (front("title: [a, b]"), "'title' is not text"),
    "title-number.md": (front("title: 2025"), "'title' is not text"),
    "author-mapping.md": (front("title: T\nauthor: {name: x}"), "'author' is a dict"),
    "no-front-matter.md": ("Just a paragraph.\n", "no front matter"),
    "no-paragraphs.md": ("---\ntitle: T\n---\n\n\n", "no paragraphs"),
    "tiny-paragraphs.md": (front("title: T", "\n\n".join(["p"] * 100_000)), "paragraphs (at most"),
    "nul-in-text.txt": ("A paragraph\x00 with a NUL.\n", "binary"),
}
# Awkward but valid: they must be served.
GOOD_CONTENT: dict[str, str | bytes] = {
    "bom.md": "\ufeff---\ntitle: With a BOM\n---\n\nA paragraph after a byte order mark.\n".encode(),
    "crlf.md": b"---\r\ntitle: With CRLF\r\n---\r\n\r\nFirst line\r\nsame paragraph.\r\n\r\nSecond.\r\n",
}


def build_bad_folder(folder: Path) -> dict[str, str]:
    """Write the good article and every kind of bad entry; return each bad entry's name and its expected reason."""
    shutil.copy(CORPUS_DIR / GOOD, folder)
    expected: dict[str, str] = {}
    for name, (content, reason) in BAD_CONTENT.items():
        path = folder / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        expected[name] = reason
    for name, content in GOOD_CONTENT.items():
        (folder / name).write_bytes(content if isinstance(content, bytes) else content.encode())
    huge = folder / "huge.md"
    huge.write_text(front("title: Huge"), encoding="utf-8")
    with huge.open("r+b") as handle:
        handle.truncate(50 * 1024 * 1024)  # sparse: the size is what counts
    expected["huge.md"] = "too large"
    os.symlink("loop.md", folder / "loop.md")
    expected["loop.md"] = "cannot be read"
    os.symlink("nowhere.md", folder / "dangling.md")
    expected["dangling.md"] = "dangling symbolic link"
    os.mkfifo(folder / "fifo.md")
    expected["fifo.md"] = "FIFO"
    (folder / "folder.md").mkdir()
    expected["folder.md"] = "a folder"
    os.symlink(folder, folder / "self-link")
    expected["self-link"] = "symbolic link to a folder"
    # One id, two files: the Markdown one is served, the other reported naming both.
    write_article(folder, "bridge", "The bridge (Markdown)", "The bridge cost 42 million dollars.")
    (folder / "bridge.txt").write_text("The bridge cost 7 dollars.\n", encoding="utf-8")
    expected["bridge.txt"] = "conflict: same article id 'bridge' as bridge.md"
    return expected


def load_bounded(folder: Path, **kwargs):
    """Load in a thread and fail, rather than hang, when the loader blocks (on a FIFO, say)."""
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    future = pool.submit(load_corpus, folder, **kwargs)
    try:
        return future.result(timeout=LOAD_TIMEOUT)
    except concurrent.futures.TimeoutError:
        for fifo in folder.glob("*fifo*"):  # release a reader blocked on the FIFO
            with open(fifo, "wb"):
                pass
        pytest.fail("load_corpus blocked")
    finally:
        pool.shutdown(wait=True)


def test_every_bad_file_is_named_with_its_reason_and_the_rest_is_served(tmp_path: Path) -> None:
    expected = build_bad_folder(tmp_path)
    assert len(expected) >= 20
    corpus = load_bounded(tmp_path)
    reasons = {b.name: b.reason for b in corpus.bad_files}
    assert set(reasons) == set(expected), reasons
    for name, part in expected.items():
        assert part in reasons[name], (name, reasons[name])
    assert {a.id for a in corpus.articles} == {"el-salvador-prison-system", "bom", "crlf", "bridge"}
    service = AskService(corpus)
    best = service.ask(QUESTION).results[0]
    assert best.article.id == "el-salvador-prison-system"
    assert best.highlight_text == "15,000"
    bridge = service.ask("What did the bridge cost?").results[0]
    assert (bridge.article.title, bridge.article.path.name) == ("The bridge (Markdown)", "bridge.md")
    assert "42 million" in bridge.passage.text
    assert service.corpus.article("crlf").paragraphs == ("First line same paragraph.", "Second.")
    assert service.corpus.article("bom").title == "With a BOM"


def test_cli_corpus_lists_every_bad_file_and_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    expected = build_bad_folder(folder)
    assert main(["corpus", "--corpus", str(folder)]) == 0
    out = capsys.readouterr().out
    for name in expected:
        assert name in out


def test_a_fifo_swapped_in_after_the_listing_does_not_block(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot import corpus as corpus_module

    shutil.copy(CORPUS_DIR / GOOD, tmp_path)
    (tmp_path / "late.md").write_text(front("title: Late"), encoding="utf-8")
    real_scan = corpus_module.scan_folder

    def scan_then_swap(root: Path, stats: dict[Path, tuple[int, int]] | None = None):
        listed = real_scan(root, stats)
        (tmp_path / "late.md").unlink()
        os.mkfifo(tmp_path / "late.md")
        return listed

    monkeypatch.setattr(corpus_module, "scan_folder", scan_then_swap)
    corpus = load_bounded(tmp_path)
    assert [(b.name, b.reason) for b in corpus.bad_files] == [("late.md", "not a regular file (a FIFO)")]


def test_articles_in_subfolders_are_served_with_their_relative_path_as_id(tmp_path: Path) -> None:
    (tmp_path / "2025" / "07").mkdir(parents=True)
    write_article(tmp_path / "2025", "prisons", "Prisons", "The prisons hold 110,000 inmates.")
    write_article(tmp_path / "2025" / "07", "bridge", "Bridge", "The bridge cost 42 million dollars.")
    write_article(tmp_path, "bridge", "Top bridge", "A different bridge.")
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "photo.jpg").write_bytes(b"\xff\xd8")
    (tmp_path / "_drafts").mkdir()
    (tmp_path / "_drafts" / "bad.md").write_text("", encoding="utf-8")
    corpus = load_corpus(tmp_path)
    assert sorted(a.id for a in corpus.articles) == ["2025/07/bridge", "2025/prisons", "bridge"]
    assert corpus.bad_files == ()
    answer = AskService(corpus).ask("How many inmates do the prisons hold?", article="2025/prisons")
    assert answer.results[0].article.id == "2025/prisons"


def test_the_saved_parse_serves_the_same_corpus_with_bad_files(tmp_path: Path) -> None:
    from bot.corpus_store import CorpusCache

    folder = tmp_path / "articles"
    folder.mkdir()
    build_bad_folder(folder)
    cache = CorpusCache(tmp_path / "cache")
    first = load_bounded(folder, cache=cache)
    second = load_bounded(folder, cache=cache)
    assert second.articles == first.articles
    assert second.bad_files == first.bad_files
    assert cache.path_for(folder).is_file()


@pytest.mark.parametrize("size", [MAX_ARTICLE_BYTES, MAX_ARTICLE_BYTES + 1])
def test_the_size_limit_is_exact(tmp_path: Path, size: int) -> None:
    shutil.copy(CORPUS_DIR / GOOD, tmp_path)
    text = front("title: Big", "word " * ((size - 40) // 5))
    (tmp_path / "big.md").write_text(text + " " * (size - len(text.encode())), encoding="utf-8")
    assert (tmp_path / "big.md").stat().st_size == size
    corpus = load_corpus(tmp_path)
    assert ("big" in {a.id for a in corpus.articles}) == (size <= MAX_ARTICLE_BYTES)
