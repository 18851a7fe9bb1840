"""Passages as arrays, and the saved corpus: a restart maps the passages instead of parsing or even reading files.

``PassageTable`` holds every passage of a corpus as arrays: the texts as one UTF-8 byte array cut by offsets,
each passage's paragraph number and window, each article's passage range, and the text of the paragraphs that
were cut into windows (or whose one window is not the paragraph verbatim). A corpus keeps no Python object per
passage: ``bot.corpus.Passages`` makes a ``Passage`` when one is read.

Parsing a Markdown article (YAML front matter, paragraphs, cutting long paragraphs into windows) costs far more
than reading and hashing its bytes, and reading and hashing 4,000 files costs more than a start may take. So the
table is saved, one file per corpus folder (``corpus-<hash of the folder's path>.cache`` beside the saved
indexes, an array file of ``bot.array_file``: written atomically, mapped at a start), with a manifest: each
file's name, size, modification time (ns), SHA-256 (``Article.digest``) and metadata, in the order the corpus
serves them. A start takes a file's saved passages when its size and modification time are the saved ones,
without reading it; its SHA-256 is checked afterwards, in the background (``bot.corpus.changed_files``), because
a copy, a checkout or a same-tick edit can keep both. A file whose size or time differ is read and hashed, and
parsed again only when its digest is not the saved one. When every file is unchanged the saved table is served
as it is, mapped; otherwise a new one is assembled from the saved passages of unchanged files and the new parses,
saved, and mapped in turn.

The key (this format, askbot's version, ``max_passage_words``, the source of the parsing code) must match; a
file whose key, header, array sizes or offsets are wrong is not used, never trusted, and is rewritten; its
arrays' checksums are checked in the background with the index's. Files that cannot be parsed are not saved
(they are parsed again, and reported with their reason, at every start). When the folder cannot be written, a
warning is logged and the corpus is served from memory.

This module is the layer below the corpus reader: it imports nothing from ``bot.corpus``, which imports it.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, overload

import numpy as np
import numpy.typing as npt

from bot import __version__
from bot.analysis import sentence_identity
from bot.array_file import InvalidArrayFile, MappedArrays, open_arrays, read_array, write_arrays

log = logging.getLogger(__name__)
T = TypeVar("T")

FORMAT = "askbot-corpus/3"  # 2: the manifest (size, mtime); 3: passages as mapped arrays
OPTIONAL_FIELDS = ("date", "source", "url", "author")
# The code a saved corpus depends on (parsing, sentences, acronym definitions), found without importing it:
# bot.corpus imports this module.
_PARSER_MODULES = ("bot.corpus", "bot.analysis", "bot.expansion")
_I32, _I64, _U8 = np.dtype(np.int32), np.dtype(np.int64), np.dtype(np.uint8)
_ARRAYS: dict[str, np.dtype[Any]] = {
    "text": _U8,  # every passage's text, UTF-8, one after the other
    "ends": _I64,  # where each passage's text ends in ``text``
    "paragraph": _I32,  # each passage's paragraph number, from 1
    "window": _I32,  # its window in the paragraph, from 0
    "windows": _I32,  # its paragraph's window count
    "starts": _I64,  # article i's passages are starts[i]:starts[i + 1]
    "cut_text": _U8,  # the text of each paragraph not served verbatim as its one passage
    "cut_ends": _I64,
    "cut_at": _I32,  # that paragraph's index in its article
    "cut_starts": _I64,  # article i's such paragraphs are cut_starts[i]:cut_starts[i + 1]
}


class InvalidCorpusFile(ValueError):
    """A saved corpus that cannot be trusted; its message says why."""


@dataclass(frozen=True, slots=True)
class FileEntry:
    """One article file of a saved corpus: its manifest line (name, size, time, digest) and its metadata."""

    name: str
    digest: str
    size: int
    mtime_ns: int
    title: str
    paragraphs: int
    date: str | None = None
    source: str | None = None
    url: str | None = None
    author: str | None = None
    # The "Full Name (FN)" definitions of its passages (``bot.expansion.defined_acronyms``), found at parse time
    # so that a start never reads every passage for them.
    acronyms: tuple[tuple[str, str], ...] = ()

    def matches(self, size: int, mtime_ns: int) -> bool:
        """Return True when a file of this size and modification time is taken to be the one parsed."""
        return self.size >= 0 and (self.size, self.mtime_ns) == (size, mtime_ns)



_COLUMNS = ("name", "digest", "size", "mtime_ns", "title", "paragraphs", "date", "source", "url", "author", "acronyms")


def entries_to_json(entries: Sequence[FileEntry]) -> dict[str, list[Any]]:
    """Return the saved form of file entries: one list per field (columns decode and check faster than rows)."""
    columns: dict[str, list[Any]] = {name: [getattr(e, name) for e in entries] for name in _COLUMNS}
    columns["acronyms"] = [[list(pair) for pair in pairs] for pairs in columns["acronyms"]]
    return columns


def entries_from_json(value: object) -> list[FileEntry]:
    """Read the saved form of file entries; raise ``InvalidCorpusFile`` when it is not well formed."""
    if not (isinstance(value, dict) and set(value) == set(_COLUMNS)):
        raise InvalidCorpusFile("no file table")
    columns = [value[name] for name in _COLUMNS]
    if not all(isinstance(column, list) and len(column) == len(columns[0]) for column in columns):
        raise InvalidCorpusFile("file table columns of different lengths")
    names, digests, sizes, times, titles, paragraphs, *meta, acronyms = columns
    if not (set(map(type, names)) | set(map(type, digests)) | set(map(type, titles)) <= {str}):
        raise InvalidCorpusFile("an entry has no name, digest or title")
    if (set(map(len, digests)) - {64}) or "" in titles:
        raise InvalidCorpusFile("an entry has no digest or title")
    if (set(map(type, sizes)) | set(map(type, times)) | set(map(type, paragraphs))) - {int}:
        raise InvalidCorpusFile("an entry's numbers are malformed")
    if paragraphs and min(paragraphs) < 1:
        raise InvalidCorpusFile("an entry without paragraphs")
    if not all(set(map(type, column)) <= {str, type(None)} for column in meta):
        raise InvalidCorpusFile("an entry's metadata is not text")
    pairs: list[tuple[tuple[str, str], ...]] = []
    for found in acronyms:
        if not isinstance(found, list) or not all(
                isinstance(p, list) and len(p) == 2 and isinstance(p[0], str) and isinstance(p[1], str) for p in found):
            raise InvalidCorpusFile("an entry's acronyms are malformed")
        pairs.append(tuple((a, b) for a, b in found))
    return list(map(FileEntry, names, digests, sizes, times, titles, paragraphs, *meta, pairs))


class PassageTable:
    """Every passage of a corpus as arrays, article after article (mapped from a saved corpus or in memory)."""

    def __init__(self, arrays: dict[str, npt.NDArray[Any]], mapped: MappedArrays | None = None) -> None:
        """Hold the arrays of ``_ARRAYS``; ``mapped`` is the file they are mapped from, if any."""
        self.arrays = arrays
        self.mapped = mapped
        self.ends: npt.NDArray[np.int64] = arrays["ends"]
        self.starts: npt.NDArray[np.int64] = arrays["starts"]
        self.cut_starts: npt.NDArray[np.int64] = arrays["cut_starts"]
        # Memory views slice without copying and decode with str(view, "utf-8").
        self._text = memoryview(arrays["text"].data)
        self._cut_text = memoryview(arrays["cut_text"].data)

    def __len__(self) -> int:
        return int(self.ends.shape[0])

    @property
    def articles(self) -> int:
        """Return how many articles the table holds."""
        return int(self.starts.shape[0]) - 1

    def text(self, position: int) -> str:
        """Return one passage's text (a damaged byte becomes U+FFFD: the background check then rebuilds)."""
        lo = int(self.ends[position - 1]) if position else 0
        return str(self._text[lo : int(self.ends[position])], "utf-8", "replace")

    def texts(self, lo: int = 0, hi: int | None = None) -> Iterator[str]:
        """Yield the passages' texts from ``lo`` to ``hi``, in order."""
        hi = len(self) if hi is None else hi
        ends = self.ends[lo:hi].tolist()
        start = int(self.ends[lo - 1]) if lo else 0
        view = self._text
        for end in ends:
            yield str(view[start:end], "utf-8", "replace")
            start = end

    def encoded(self) -> Iterator[memoryview | bytes]:
        """Yield each passage's UTF-8 bytes, in order, without decoding them.

        A saved table's texts are read from its file in chunks, not through the mapping: reading every text
        (the passage vectors' key hashes them all) would otherwise keep the whole text mapped in the process,
        57 MB at 100k passages and about ten times that at 1M.
        """
        if self.mapped is not None and "text" in self.mapped.crcs:
            yield from split_texts(read_array(self.mapped, "text"), self.ends.tolist())
            return
        start, view = 0, self._text
        for end in self.ends.tolist():
            yield view[start:end]
            start = end

    def fields(self, position: int) -> tuple[int, int, int]:
        """Return a passage's paragraph number, window and window count."""
        a = self.arrays
        return int(a["paragraph"][position]), int(a["window"][position]), int(a["windows"][position])

    def article_at(self, position: int) -> int:
        """Return the index of the article holding a passage."""
        return int(np.searchsorted(self.starts, position, side="right")) - 1

    def paragraph(self, article: int, number: int) -> str:
        """Return the text of paragraph ``number`` (from 0) of an article."""
        lo, hi = int(self.cut_starts[article]), int(self.cut_starts[article + 1])
        cut = self.arrays["cut_at"][lo:hi]
        at = int(np.searchsorted(cut, number))
        if at < cut.size and int(cut[at]) == number:
            k = lo + at
            start = int(self.arrays["cut_ends"][k - 1]) if k else 0
            return str(self._cut_text[start : int(self.arrays["cut_ends"][k])], "utf-8", "replace")
        first, last = int(self.starts[article]), int(self.starts[article + 1])
        return self.text(first + int(np.searchsorted(self.arrays["paragraph"][first:last], number + 1)))

    def check(self) -> None:
        """Check what a start can afford to: the sizes and the offsets; raise ``InvalidCorpusFile``."""
        a = self.arrays
        n = len(self)
        if not all(a[name].size == n for name in ("paragraph", "window", "windows")):
            raise InvalidCorpusFile("passage arrays of different lengths")
        for ends, text in ((self.ends, a["text"]), (a["cut_ends"], a["cut_text"])):
            if ends.size and (ends[0] < 0 or ends[-1] != text.size or np.any(ends[1:] < ends[:-1])):
                raise InvalidCorpusFile("text offsets out of order or out of range")
            if not ends.size and text.size:
                raise InvalidCorpusFile("text without offsets")
        for starts, total in ((self.starts, n), (self.cut_starts, a["cut_at"].size)):
            if not (starts.size >= 1 and starts[0] == 0 and starts[-1] == total and np.all(starts[1:] >= starts[:-1])):
                raise InvalidCorpusFile("article ranges out of order or out of range")
        if a["cut_ends"].size != a["cut_at"].size or self.cut_starts.size != self.starts.size:
            raise InvalidCorpusFile("cut paragraphs disagree")
        if self.articles and np.any(self.starts[1:] == self.starts[:-1]):
            raise InvalidCorpusFile("an article without passages")


class LazySequence(Sequence[T]):
    """A sequence whose items are made from the passage table when read, none kept.

    Subclasses give ``__len__`` and ``_item`` (of a position in ``[0, len)``); a slice is a list of items unless
    ``_sliced`` says otherwise.
    """

    def _item(self, position: int) -> T:
        raise NotImplementedError

    def _sliced(self, items: Iterator[T]) -> Sequence[T]:
        return list(items)

    @overload
    def __getitem__(self, position: int) -> T: ...

    @overload
    def __getitem__(self, position: slice) -> Sequence[T]: ...

    def __getitem__(self, position: int | slice) -> T | Sequence[T]:
        n = len(self)
        if isinstance(position, slice):
            return self._sliced(map(self._item, range(*position.indices(n))))
        if not -n <= position < n:
            raise IndexError(position)
        return self._item(position % n)


class PassageTexts(LazySequence[str]):
    """Every passage's text, decoded when read: no list of a million strings is held."""

    def __init__(self, table: PassageTable) -> None:
        self.table = table

    def __len__(self) -> int:
        return len(self.table)

    def _item(self, position: int) -> str:
        return self.table.text(position)

    def __iter__(self) -> Iterator[str]:
        return self.table.texts()

    def encoded(self) -> Iterator[memoryview | bytes]:
        """Yield each text's UTF-8 bytes, in order, without decoding them."""
        return self.table.encoded()


def split_texts(chunks: Iterable[bytes], ends: Sequence[int]) -> Iterator[memoryview | bytes]:
    """Cut a stream of byte chunks into consecutive texts ending at ``ends`` (offsets from the stream's start)."""
    pending = b""  # the start of a text an earlier chunk cut
    base, i = 0, 0  # the chunk's offset in the stream; the next text
    for chunk in chunks:
        view, lo, top = memoryview(chunk), 0, base + len(chunk)
        while i < len(ends) and ends[i] <= top:
            end = ends[i] - base
            yield pending + view[lo:end] if pending else view[lo:end]
            pending, lo, i = b"", end, i + 1
        pending += view[lo:]
        base = top
    for _ in range(i, len(ends)):  # texts at the very end of the stream: empty ones
        yield pending
        pending = b""


class TableBuilder:
    """Assemble a ``PassageTable`` article by article, from new parses or from another table's articles."""

    def __init__(self) -> None:
        """Start an empty table."""
        self._text: list[bytes | memoryview] = []
        self._ends: list[npt.NDArray[np.int64]] = []
        self._numbers: list[npt.NDArray[np.int32]] = []  # paragraph, window, windows: three rows
        self._cut_text: list[bytes | memoryview] = []
        self._cut_ends: list[npt.NDArray[np.int64]] = []
        self._cut_at: list[npt.NDArray[np.int32]] = []
        self._counts: list[tuple[int, int]] = []  # per article: passages, cut paragraphs
        self._bytes = self._cut_bytes = 0

    def add_parsed(self, paragraphs: Sequence[str], windows: Sequence[Sequence[str]]) -> None:
        """Add an article from its paragraphs and each paragraph's windows."""
        rows: list[tuple[int, int, int]] = []
        texts: list[str] = []
        cut: list[int] = []
        cut_texts: list[str] = []
        for number, (paragraph, parts) in enumerate(zip(paragraphs, windows, strict=True)):
            rows.extend((number + 1, at, len(parts)) for at in range(len(parts)))
            texts.extend(parts)
            if len(parts) != 1 or parts[0] != paragraph:
                cut.append(number)
                cut_texts.append(paragraph)
        encoded = [t.encode("utf-8") for t in texts]
        cut_encoded = [t.encode("utf-8") for t in cut_texts]
        self._text.extend(encoded)
        self._cut_text.extend(cut_encoded)
        self._ends.append(self._bytes + np.cumsum([len(b) for b in encoded], dtype=np.int64))
        self._cut_ends.append(self._cut_bytes + np.cumsum([len(b) for b in cut_encoded], dtype=np.int64))
        self._bytes += sum(map(len, encoded))
        self._cut_bytes += sum(map(len, cut_encoded))
        self._numbers.append(np.array(rows, dtype=np.int32).reshape(-1, 3).T)
        self._cut_at.append(np.array(cut, dtype=np.int32))
        self._counts.append((len(texts), len(cut)))

    def add_saved(self, table: PassageTable, article: int) -> None:
        """Add an article of another table, copying its bytes (no text is decoded)."""
        a = table.arrays
        lo, hi = int(table.starts[article]), int(table.starts[article + 1])
        start = int(table.ends[lo - 1]) if lo else 0
        end = int(table.ends[hi - 1])
        self._text.append(table._text[start:end])
        self._ends.append(a["ends"][lo:hi] - start + self._bytes)
        self._bytes += end - start
        self._numbers.append(np.stack([a["paragraph"][lo:hi], a["window"][lo:hi], a["windows"][lo:hi]]))
        clo, chi = int(table.cut_starts[article]), int(table.cut_starts[article + 1])
        cstart = int(a["cut_ends"][clo - 1]) if clo else 0
        cend = int(a["cut_ends"][chi - 1]) if chi > clo else cstart
        self._cut_text.append(table._cut_text[cstart:cend])
        self._cut_ends.append(a["cut_ends"][clo:chi] - cstart + self._cut_bytes)
        self._cut_bytes += cend - cstart
        self._cut_at.append(np.array(a["cut_at"][clo:chi]))
        self._counts.append((hi - lo, chi - clo))

    def build(self) -> PassageTable:
        """Return the table of every article added, in memory."""
        counts = np.array(self._counts, dtype=np.int64).reshape(-1, 2)
        numbers = np.concatenate(self._numbers, axis=1) if self._numbers else np.zeros((3, 0), dtype=np.int32)

        def cat(parts: list[npt.NDArray[Any]], dtype: np.dtype[Any]) -> npt.NDArray[Any]:
            return np.concatenate(parts).astype(dtype, copy=False) if parts else np.zeros(0, dtype=dtype)

        def starts(column: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
            out = np.zeros(column.size + 1, dtype=np.int64)
            np.cumsum(column, out=out[1:])
            return out

        arrays = {
            "text": np.frombuffer(b"".join(self._text), dtype=np.uint8),
            "ends": cat(self._ends, _I64),
            "paragraph": numbers[0].astype(np.int32),
            "window": numbers[1].astype(np.int32),
            "windows": numbers[2].astype(np.int32),
            "starts": starts(counts[:, 0]),
            "cut_text": np.frombuffer(b"".join(self._cut_text), dtype=np.uint8),
            "cut_ends": cat(self._cut_ends, _I64),
            "cut_at": cat(self._cut_at, _I32),
            "cut_starts": starts(counts[:, 1]),
        }
        return PassageTable(arrays)


@dataclass(frozen=True, slots=True)
class SavedCorpus:
    """A saved corpus: its files by name (with their article's index in the table) and its passage table."""

    files: dict[str, tuple[int, FileEntry]]
    table: PassageTable

    @property
    def names(self) -> list[str]:
        """Return the file names in the table's order."""
        return [name for name, _ in sorted(self.files.items(), key=lambda item: item[1][0])]


def folder_id(root: Path) -> str:
    """Return the short digest of a corpus folder's absolute path that names its saved files."""
    return hashlib.sha256(str(Path(root).resolve()).encode()).hexdigest()[:16]


def parser_identity() -> str:
    """Return a digest of what decides a parse: ``bot/corpus.py``, ``bot/analysis.py`` and the sentence splitter."""
    h = hashlib.sha256(__version__.encode())
    h.update(b"\0" + sentence_identity().encode())  # the sentence splitter reads a word list besides its code
    for name in _PARSER_MODULES:
        spec = importlib.util.find_spec(name)
        with contextlib.suppress(OSError):  # a frozen installation: the version still identifies the code
            h.update(b"\0" + Path((spec.origin if spec else None) or "").read_bytes())
    return h.hexdigest()


def corpus_key(max_words: int) -> str:
    """Return the key a saved corpus must carry to be used with these settings and this code."""
    parts = {"format": FORMAT, "askbot": __version__, "max_passage_words": max_words, "parser": parser_identity()}
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def save_corpus(path: Path, key: str, entries: Sequence[FileEntry], table: PassageTable) -> None:
    """Write a corpus (its files in table order) atomically; raise ``OSError`` when the folder cannot be written."""
    if len(entries) != table.articles:
        raise ValueError("one entry per article of the table is needed")
    write_arrays(path, FORMAT, {"key": key, "files": entries_to_json(entries)}, table.arrays)


def open_corpus(path: Path, key: str, *, written: bool = False) -> SavedCorpus:
    """Map a saved corpus and check its structure; raise ``InvalidCorpusFile`` (or ``OSError``) when unusable.

    ``written``: the caller has just saved it (its checksums need no check).
    """
    try:
        mapped = open_arrays(path, FORMAT, _ARRAYS, written=written)
    except InvalidArrayFile as exc:
        raise InvalidCorpusFile(str(exc)) from None
    if mapped.meta.get("key") != key:
        raise InvalidCorpusFile("stale: the settings or askbot changed")
    entries = entries_from_json(mapped.meta.get("files"))
    table = PassageTable(mapped.arrays, mapped)
    table.check()
    if len(entries) != table.articles:
        raise InvalidCorpusFile("file table and passages disagree")
    by_name = {entry.name: (at, entry) for at, entry in enumerate(entries)}
    if len(by_name) != len(entries):
        raise InvalidCorpusFile("a file listed twice")
    return SavedCorpus(by_name, table)


@dataclass(frozen=True, slots=True)
class CorpusCache:
    """Where corpora are saved, and from which corpus size they are worth saving."""

    folder: Path
    min_passages: int = 0

    def path_for(self, root: Path) -> Path:
        """Return the saved-corpus file of a corpus folder."""
        return self.folder / f"corpus-{folder_id(root)}.cache"

    def load(self, root: Path, max_words: int) -> SavedCorpus | None:
        """Return the saved corpus of a folder; None when absent, stale or invalid."""
        path = self.path_for(root)
        try:
            return open_corpus(path, corpus_key(max_words))
        except FileNotFoundError:
            return None
        except InvalidCorpusFile as exc:
            log.info("corpus cache %s not used: %s", path, exc)
        except OSError as exc:
            log.warning("cannot read the corpus cache %s: %s", path, exc)
        return None

    def save(self, root: Path, max_words: int, entries: Sequence[FileEntry], table: PassageTable) -> PassageTable:
        """Save a folder's corpus atomically and return its table mapped from the file.

        On failure log a warning and return ``table`` itself (served from memory).
        """
        if len(table) < self.min_passages:
            return table
        path = self.path_for(root)
        key = corpus_key(max_words)
        try:
            save_corpus(path, key, entries, table)
            return open_corpus(path, key, written=True).table
        except (OSError, InvalidCorpusFile) as exc:
            log.warning("cannot save the corpus cache in %s (%s); parsing again at the next start", path.parent, exc)
            return table
