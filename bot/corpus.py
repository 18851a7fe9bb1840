"""Load articles from a folder and cut them into passages.

An article is a Markdown file with a YAML front matter (``title`` required; ``date``, ``source``, ``url``,
``author`` optional) whose paragraphs are separated by blank lines, or a plain ``.txt`` file (paragraphs
only, title from the file name). The article id is the file's path below the corpus folder without its
suffix (``prisons``, or ``2025/prisons`` in a subfolder). Passages are paragraphs numbered from 1; a paragraph
longer than ``MAX_PASSAGE_WORDS`` is cut at sentence boundaries into windows that keep its paragraph number.

Every per-file failure, of any kind (unreadable, not a regular file, a symbolic link loop, too large, bad
text, bad front matter, a value YAML cannot turn into a date, two files with one id), becomes that file's
``BadFile`` with its reason, and every other article is still served.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import gc
import hashlib
import itertools
import os
import re
import stat
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from bot.analysis import sentence_spans
from bot.corpus_store import CorpusCache, FileEntry, LazySequence, PassageTable, PassageTexts, TableBuilder
from bot.errors import CorpusError
from bot.expansion import defined_acronyms

MAX_PASSAGE_WORDS = 150
ARTICLE_SUFFIXES = (".md", ".markdown", ".txt")
# When two files give one id (``x.md`` and ``x.txt``), the first suffix here is served, the other reported.
_SUFFIX_RANK = {suffix: rank for rank, suffix in enumerate(ARTICLE_SUFFIXES)}
# A news article is tens of kilobytes; past these sizes a file is a mistake (a dump, a log), not an article.
MAX_ARTICLE_BYTES = 5 * 1024 * 1024
MAX_ARTICLE_PARAGRAPHS = 10_000
# Subfolders are read this deep; deeper ones are reported.
MAX_FOLDER_DEPTH = 8
_FRONT_MATTER_RE = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_PARAGRAPH_SPLIT_RE = re.compile(r"\n[ \t]*\n+")
# libyaml's safe loader when PyYAML was built with it: the same documents, several times faster on an archive.
_FAST_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True, slots=True)
class Article:
    """One article: its metadata and its paragraphs, verbatim."""

    id: str
    title: str
    paragraphs: Sequence[str]  # a tuple when parsed, ``StoredParagraphs`` when read from a saved corpus
    date: str | None = None
    source: str | None = None
    url: str | None = None
    author: str | None = None
    path: Path | None = None
    digest: str = ""


@dataclass(frozen=True, slots=True)
class Passage:
    """A paragraph, or a window of a long one, that the index ranks."""

    article_id: str
    paragraph: int
    text: str
    window: int = 0
    windows: int = 1


@dataclass(frozen=True, slots=True)
class BadFile:
    """A file that could not be read as an article, and why."""

    path: Path
    reason: str

    @property
    def name(self) -> str:
        """Return the file's name, as shown to users."""
        return self.path.name


class Passages(LazySequence[Passage]):
    """A corpus's passages, read from its ``PassageTable``: a ``Passage`` is made when one is read, none kept."""

    def __init__(self, table: PassageTable, ids: Sequence[str]) -> None:
        """Read passages from ``table``; ``ids`` are its articles' ids, in its order."""
        self.table = table
        self._ids = ids

    def __len__(self) -> int:
        return len(self.table)

    def _item(self, position: int) -> Passage:
        paragraph, window, windows = self.table.fields(position)
        article_id = self._ids[self.table.article_at(position)]
        return Passage(article_id, paragraph, self.table.text(position), window, windows)

    def __iter__(self) -> Iterator[Passage]:
        table = self.table
        owners = np.repeat(np.arange(table.articles), np.diff(table.starts)).tolist()
        a = table.arrays
        return map(Passage, map(self._ids.__getitem__, owners), a["paragraph"].tolist(), table.texts(),
                   a["window"].tolist(), a["windows"].tolist())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    def __hash__(self) -> int:
        return len(self)  # consistent with equality, and cheap: a corpus stays hashable as with a tuple

    def texts(self) -> Iterator[str]:
        """Yield every passage's text, in order (no ``Passage`` made)."""
        return self.table.texts()

    def text_view(self) -> PassageTexts:
        """Return every passage's text as a sequence that decodes each when read."""
        return PassageTexts(self.table)

    def ranges(self) -> dict[str, tuple[int, int]]:
        """Return each article's passage positions ``[start, end)``."""
        starts = self.table.starts.tolist()
        with _collector_paused():
            return dict(zip(self._ids, itertools.pairwise(starts), strict=True))


class StoredParagraphs(LazySequence[str]):
    """An article's paragraphs, read from the passage table when asked for."""

    def __init__(self, table: PassageTable, article: int, count: int) -> None:
        """Read paragraph ``i`` of article ``article`` (of ``count`` paragraphs) from ``table``."""
        self._table = table
        self._article = article
        self._count = count

    def __len__(self) -> int:
        return self._count

    def _item(self, position: int) -> str:
        return self._table.paragraph(self._article, position)

    def _sliced(self, items: Iterator[str]) -> Sequence[str]:
        return tuple(items)  # as a parsed article's paragraphs are

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str):
            return NotImplemented
        return tuple(self) == tuple(other)

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return repr(tuple(self))


@dataclass(frozen=True, slots=True)
class Corpus:
    """The usable articles of a folder, their passages, and the files that were left out."""

    root: Path
    articles: tuple[Article, ...]
    passages: Passages
    bad_files: tuple[BadFile, ...] = ()
    # The "Full Name (FN)" definitions of the passages, as ``defined_acronyms`` finds them over every passage.
    acronyms: tuple[tuple[str, str], ...] = field(default=(), compare=False, repr=False)
    # Files taken from the saved parse by their size and modification time alone: their digest is not checked yet.
    unverified: tuple[Article, ...] = field(default=(), compare=False, repr=False)
    _by_id: dict[str, Article] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_id.update({article.id: article for article in self.articles})

    def article(self, article_id: str) -> Article | None:
        """Return the article with this id, or None."""
        return self._by_id.get(article_id)

    @property
    def digest(self) -> str:
        """Return a digest of every article's id and content, stable across machines."""
        h = hashlib.sha256()
        for article in sorted(self.articles, key=lambda a: a.id):
            h.update(article.id.encode() + b"\0" + article.digest.encode() + b"\0")
        return h.hexdigest()


class ArticleFormatError(ValueError):
    """A file that is not a valid article; its message is the reason shown to users."""


def _load_yaml(text: str) -> object:
    """Load front matter with the fast safe loader; on an error, raise the pure loader's (same messages)."""
    try:
        return yaml.load(text, Loader=_FAST_YAML_LOADER)
    except yaml.YAMLError:
        return yaml.safe_load(text)


def _clean_meta(name: str, value: object, *, text_only: bool = False) -> str | None:
    """Return a front-matter value as text, or raise ``ArticleFormatError``.

    A list or a mapping is never text; with ``text_only`` neither is a number, a date or a yes/no.
    """
    if value is None:
        return None
    if text_only and not isinstance(value, str):
        raise ArticleFormatError(f"front matter '{name}' is not text (put it in quotes)")
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if not isinstance(value, str | int | float | bool):
        raise ArticleFormatError(f"front matter '{name}' is a {type(value).__name__}, not text")
    text = str(value).strip()
    return text or None


def split_paragraphs(body: str) -> tuple[str, ...]:
    """Split a body into paragraphs at blank lines, joining the lines of each paragraph with spaces."""
    paragraphs = []
    for block in _PARAGRAPH_SPLIT_RE.split(body.replace("\r\n", "\n").strip()):
        text = " ".join(line.strip() for line in block.splitlines() if line.strip())
        if text:
            paragraphs.append(text)
    return tuple(paragraphs)


def parse_article(path: Path, raw: bytes, article_id: str | None = None) -> Article:
    """Parse one article file's bytes, or raise ``ArticleFormatError`` with the reason."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ArticleFormatError(f"not UTF-8 text (byte {exc.start})") from None
    if not text.strip():
        raise ArticleFormatError("empty file")
    if "\0" in text:
        raise ArticleFormatError(f"a binary file, not text (NUL at character {text.index(chr(0))})")
    meta: dict[str, object] = {}
    body = text
    if path.suffix.lower() != ".txt" or text.startswith("---"):
        match = _FRONT_MATTER_RE.match(text)
        if match is None:
            if text.startswith("---"):
                raise ArticleFormatError("front matter is not closed by a line '---'")
            raise ArticleFormatError("no front matter: a Markdown article starts with '---', 'title: …', '---'")
        try:
            loaded = _load_yaml(match.group(1))
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 2}" if mark is not None else ""
            raise ArticleFormatError(f"front matter is not valid YAML{where}") from None
        except (ValueError, OverflowError) as exc:  # a timestamp YAML recognises but no calendar holds
            raise ArticleFormatError(f"front matter holds an impossible date or time ({exc})") from None
        if loaded is None:
            loaded = {}
        if not isinstance(loaded, dict):
            raise ArticleFormatError("front matter is not a mapping of 'key: value' lines")
        meta = {str(k).lower(): v for k, v in loaded.items()}
        body = text[match.end() :]
    title = _clean_meta("title", meta.get("title"), text_only=True)
    if title is None:
        if meta or path.suffix.lower() != ".txt":
            raise ArticleFormatError("front matter has no 'title'")
        title = path.stem.replace("_", " ").replace("-", " ").strip() or path.stem
    paragraphs = split_paragraphs(body)
    if not paragraphs:
        raise ArticleFormatError("no paragraphs after the front matter")
    if len(paragraphs) > MAX_ARTICLE_PARAGRAPHS:
        raise ArticleFormatError(f"{len(paragraphs):,} paragraphs (at most {MAX_ARTICLE_PARAGRAPHS:,})")
    return Article(
        id=article_id or path.stem,
        title=title,
        paragraphs=paragraphs,
        date=_clean_meta("date", meta.get("date")),
        source=_clean_meta("source", meta.get("source")),
        url=_clean_meta("url", meta.get("url")),
        author=_clean_meta("author", meta.get("author")),
        path=path,
        digest=hashlib.sha256(raw).hexdigest(),
    )


def split_passage(text: str, max_words: int = MAX_PASSAGE_WORDS) -> list[str]:
    """Cut a paragraph into windows of whole sentences of at most about ``max_words`` words."""
    if len(text.split()) <= max_words:
        return [text]
    windows: list[str] = []
    current: list[str] = []
    count = 0
    for start, end in sentence_spans(text):
        sentence = text[start:end]
        words = len(sentence.split())
        if current and count + words > max_words:
            windows.append(" ".join(current))
            current, count = [], 0
        current.append(sentence)
        count += words
    if current:
        windows.append(" ".join(current))
    return windows


def windows_of(article: Article, max_words: int = MAX_PASSAGE_WORDS) -> tuple[tuple[str, ...], ...]:
    """Return each paragraph's windows: the paragraph itself unless it is longer than ``max_words``."""
    return tuple(tuple(split_passage(paragraph, max_words)) for paragraph in article.paragraphs)


def _is_article_name(name: str) -> bool:
    stem, suffix = os.path.splitext(name)  # Path's stem and suffix, without making a Path per entry
    return suffix.lower() in ARTICLE_SUFFIXES and stem.lower() not in ("readme", "")


def scan_folder(root: Path, stats: dict[Path, tuple[int, int]] | None = None) -> tuple[list[Path], list[BadFile]]:
    """Return the article files below a folder, sorted, and the entries that cannot be articles, with why.

    Hidden entries (``.x``, ``_x``) and READMEs are left out without a word, and so are files whose suffix is
    not an article's. ``stats``, when given, receives each article file's size and modification time (ns).
    Subfolders are read (their articles' ids hold the relative path); a symbolic link to a
    folder is not followed (it could loop), and is reported. Every article-named entry that is not a regular
    file (a folder, a FIFO, a socket, a dangling link, a link loop) is reported, never opened.
    """
    files: list[Path] = []
    bad: list[BadFile] = []

    def walk(folder: str, depth: int) -> None:
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as exc:
            bad.append(BadFile(Path(folder), f"folder cannot be read ({exc.strerror or exc})"))
            return
        for entry in entries:
            name, path = entry.name, entry.path  # strings: a Path is made only for what is returned
            if name.startswith((".", "_")):
                continue
            article_named = _is_article_name(name)
            try:
                info = os.stat(path)  # follows links: what a read would open
                mode = info.st_mode
            except OSError as exc:
                if article_named or entry.is_symlink():
                    reason = "a dangling symbolic link" if isinstance(exc, FileNotFoundError) else (
                        f"cannot be read ({exc.strerror or exc})")
                    bad.append(BadFile(Path(path), reason))
                continue
            if stat.S_ISDIR(mode):
                if entry.is_symlink():
                    bad.append(BadFile(Path(path), "a symbolic link to a folder (not followed: it could loop)"))
                elif depth >= MAX_FOLDER_DEPTH:
                    bad.append(BadFile(Path(path), f"a folder deeper than {MAX_FOLDER_DEPTH} levels (not read)"))
                else:
                    if article_named:
                        bad.append(BadFile(Path(path), "a folder, not an article file (its articles are read)"))
                    walk(path, depth + 1)
            elif article_named:
                if stat.S_ISREG(mode):
                    file = Path(path)
                    files.append(file)
                    if stats is not None:
                        stats[file] = (info.st_size, info.st_mtime_ns)
                else:
                    bad.append(BadFile(Path(path), f"not a regular file ({_file_kind(mode)})"))

    walk(str(root), 0)
    return files, bad


def _file_kind(mode: int) -> str:
    kinds = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
             (stat.S_ISBLK, "a block device"))
    return next((name for test, name in kinds if test(mode)), "not a file")


def article_files(root: Path) -> list[Path]:
    """Return the article files below a folder, sorted, hidden files and READMEs left out."""
    return scan_folder(root)[0]


def article_id_of(root: Path, path: Path) -> str:
    """Return the id of an article file: its path below ``root``, ``/``-separated, without its suffix."""
    return path.relative_to(root).with_suffix("").as_posix()


def read_article_bytes(path: Path) -> bytes:
    """Read a regular file of at most ``MAX_ARTICLE_BYTES``; raise ``ArticleFormatError`` saying why not.

    Opened without blocking, then checked: a file swapped for a FIFO after the listing cannot hang the loader.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        raise ArticleFormatError(f"cannot be read ({exc.strerror or exc})") from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ArticleFormatError(f"not a regular file ({_file_kind(info.st_mode)})")
        if info.st_size > MAX_ARTICLE_BYTES:
            raise ArticleFormatError(
                f"too large ({info.st_size / 1e6:.1f} MB; an article is at most {MAX_ARTICLE_BYTES / 1e6:.1f} MB)")
        try:
            raw = handle.read(MAX_ARTICLE_BYTES + 1)
        except OSError as exc:
            raise ArticleFormatError(f"cannot be read ({exc.strerror or exc})") from None
    if len(raw) > MAX_ARTICLE_BYTES:  # it grew after the check
        raise ArticleFormatError(f"too large (more than {MAX_ARTICLE_BYTES / 1e6:.1f} MB)")
    return raw


def build_corpus(root: Path, articles: Iterable[Article], bad_files: Iterable[BadFile] = (),
                 max_words: int = MAX_PASSAGE_WORDS) -> Corpus:
    """Assemble a corpus from parsed articles."""
    arts = tuple(articles)
    builder = TableBuilder()
    for article in arts:
        builder.add_parsed(article.paragraphs, windows_of(article, max_words))
    passages = Passages(builder.build(), [a.id for a in arts])
    return Corpus(root=root, articles=arts, passages=passages, bad_files=tuple(bad_files),
                  acronyms=tuple(defined_acronyms(passages.texts())))


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while loading.

    Loading creates many objects and no cycles; the collections they would trigger over a growing heap take a
    large part of the time.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def load_corpus(root: Path, *, max_words: int = MAX_PASSAGE_WORDS, cache: CorpusCache | None = None,
                trust_stat: bool = True) -> Corpus:
    """Read every article below ``root``; raise ``CorpusError`` when none is usable.

    With a ``cache``, a file whose relative path and content digest are in the saved corpus is not parsed again,
    and the saved corpus is updated when a file was added, changed or removed (see ``bot.corpus_store``). With
    ``trust_stat``, a file whose size and modification time are the saved ones is not even read: it is listed
    in ``Corpus.unverified`` for ``changed_files`` to check later. When nothing changed, the passages are the
    saved table's, mapped.
    """
    root = Path(root)
    if not root.is_dir():
        raise CorpusError(f"corpus folder {str(root)!r} does not exist or is not a folder", path=root)
    found: dict[str, list[tuple[Path, _Read]]] = {}
    bad: list[BadFile] = []
    stats: dict[Path, tuple[int, int]] = {}
    with _collector_paused():
        saved = cache.load(root, max_words) if cache is not None else None
        files, unusable = scan_folder(root, stats)
        bad.extend(unusable)
        prefix = len(str(root)) + 1
        for path in files:
            key = str(path)[prefix:].replace(os.sep, "/")  # path.relative_to(root).as_posix(), without the cost
            size, mtime_ns = stats[path]
            known = saved.files.get(key) if saved is not None else None
            try:
                if trust_stat and known is not None and known[1].matches(size, mtime_ns):
                    read = _Read(known[1], saved_at=known[0], verified=False)
                else:
                    read = _read_one(path, key, known, max_words, size=size, mtime_ns=mtime_ns)
            except ArticleFormatError as exc:
                bad.append(BadFile(path, str(exc)))
                continue
            except Exception as exc:  # the per-file boundary: one file's surprise never costs the others
                bad.append(BadFile(path, f"cannot be read as an article ({type(exc).__name__}: {exc})"))
                continue
            found.setdefault(os.path.splitext(key)[0], []).append((path, read))  # article_id_of, by its key
        served: list[tuple[str, Path, _Read]] = []
        for article_id, candidates in found.items():
            if len(candidates) > 1:
                candidates.sort(key=lambda c: (_SUFFIX_RANK.get(c[0].suffix.lower(), len(_SUFFIX_RANK)), c[0].name))
            path, read = candidates[0]
            for other, _ in candidates[1:]:
                bad.append(BadFile(other, f"conflict: same article id {article_id!r} as {path.name}, which is served"))
            served.append((article_id, path, read))
        if not served:
            detail = "; ".join(f"{b.name}: {b.reason}" for b in bad) or "no .md, .markdown or .txt file"
            raise CorpusError(f"no usable article in {str(root)!r} ({detail})", path=root)
        entries = [read.entry for _, _, read in served]
        if saved is not None and [r.saved_at for _, _, r in served] == list(range(saved.table.articles)) and all(
                not r.verified or saved.files[r.entry.name][1] == r.entry for _, _, r in served):
            table = saved.table  # nothing changed: the mapped table as it is
        else:
            builder = TableBuilder()
            for _, _, read in served:
                if read.saved_at is not None and saved is not None:
                    builder.add_saved(saved.table, read.saved_at)
                else:
                    builder.add_parsed(read.paragraphs, read.windows)
            table = builder.build()
            if cache is not None:
                table = cache.save(root, max_words, entries, table)
        articles = tuple(
            _article(read.entry, path, article_id, StoredParagraphs(table, at, read.entry.paragraphs))
            for at, (article_id, path, read) in enumerate(served))
        unverified = tuple(a for a, (_, _, read) in zip(articles, served, strict=True) if not read.verified)
        bad.sort(key=lambda b: b.path)
        return Corpus(root=root, articles=articles, passages=Passages(table, [a.id for a in articles]),
                      bad_files=tuple(bad), acronyms=merge_acronyms(e.acronyms for e in entries), unverified=unverified)


def merge_acronyms(per_article: Iterable[Iterable[tuple[str, str]]]) -> tuple[tuple[str, str], ...]:
    """Return the definitions ``defined_acronyms`` finds over every passage, from each article's, in order.

    It keeps an acronym's first definition, and an article's definitions come before the next article's.
    """
    found: dict[str, str] = {}
    for pairs in per_article:
        for acronym, expansion in pairs:
            found.setdefault(acronym, expansion)
    return tuple(sorted(found.items()))


def changed_files(corpus: Corpus) -> list[Path]:
    """Return the unverified files (``Corpus.unverified``) whose content is no longer the one served.

    A file that can no longer be read counts as changed. Meant for a background thread: hashing releases the
    interpreter lock.
    """
    changed: list[Path] = []
    for article in corpus.unverified:
        if article.path is None:
            continue
        try:
            digest = hashlib.sha256(read_article_bytes(article.path)).hexdigest()
        except ArticleFormatError:
            digest = ""
        if digest != article.digest:
            changed.append(article.path)
    return changed


@dataclass(frozen=True, slots=True)
class _Read:
    """What a start learned of one file: its entry, and either its place in the saved corpus or its new parse."""

    entry: FileEntry
    saved_at: int | None = None  # its article's index in the saved table
    paragraphs: Sequence[str] = ()
    windows: Sequence[Sequence[str]] = ()
    verified: bool = True  # False: taken by its size and modification time, its content not read


def _article(entry: FileEntry, path: Path, article_id: str, paragraphs: Sequence[str]) -> Article:
    """Return the article a file entry describes, read from ``path``."""
    return Article(
        id=article_id, title=entry.title, paragraphs=paragraphs, date=entry.date, source=entry.source,
        url=entry.url, author=entry.author, path=path, digest=entry.digest,
    )


def _read_one(path: Path, name: str, saved: tuple[int, FileEntry] | None, max_words: int, *, size: int = -1,
              mtime_ns: int = -1) -> _Read:
    """Read one file and parse it, unless the saved corpus holds its content (the same digest).

    ``size`` and ``mtime_ns`` are the file's as listed before reading: a change while it is read makes them
    stale, so the next start reads it again rather than trusting them.
    """
    raw = read_article_bytes(path)
    if saved is not None and saved[1].digest == hashlib.sha256(raw).hexdigest():
        return _Read(dataclasses.replace(saved[1], size=size, mtime_ns=mtime_ns), saved_at=saved[0])
    article = parse_article(path, raw)
    windows = windows_of(article, max_words)
    acronyms = tuple(defined_acronyms(itertools.chain.from_iterable(windows)))
    entry = FileEntry(name, article.digest, size, mtime_ns, article.title, len(article.paragraphs), article.date,
                      article.source, article.url, article.author, acronyms)
    return _Read(entry, paragraphs=article.paragraphs, windows=windows)
