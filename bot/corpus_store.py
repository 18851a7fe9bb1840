"""Save the parsed articles of a corpus folder, so that a restart does not parse unchanged files again.

Parsing a Markdown article (YAML front matter, paragraphs, cutting long paragraphs into windows) costs far more
than reading and hashing its bytes, and reading and hashing 4,000 files costs more than a start may take. So a
start takes a file's saved parse when the file's size and modification time (ns) are the ones saved with it (the
manifest), without reading it; the file's SHA-256 (``Article.digest``) is checked afterwards, in the background
(``bot.corpus.changed_files``), because a copy, a checkout or a same-tick edit can keep both. A file whose size or
time differ is read and hashed, and parsed again only when its digest is not the saved one.

One file per corpus folder, ``corpus-<hash of the folder's path>.cache`` beside the saved indexes, written
atomically (a temporary file, then ``os.replace``). Plain data, no pickle: a first line ``askbot-corpus/1
<CRC-32 of the rest> <length of the JSON part>``, a JSON table — a key (this format, askbot's version,
``max_passage_words``, the source of the parsing code), per file name its digest, metadata, paragraph count and
the window count of each cut paragraph, and every text's length — then the texts, UTF-8, one after the other
(reading one string and slicing it is several times faster than JSON-decoding 100,000 strings). A file whose
checksum, key, structure or lengths are wrong is not used, never trusted, and is rewritten; files that cannot
be parsed are not saved (they are parsed again, and reported with their reason, at every start). When the
folder cannot be written, a warning is logged and the corpus is served as parsed.

This module is the layer below the corpus reader: it holds the saved form of a parse (``ParsedFile``) and
imports nothing from ``bot.corpus``, which imports it.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import itertools
import json
import logging
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot import __version__
from bot.atomic_file import write_atomically

log = logging.getLogger(__name__)

FORMAT = "askbot-corpus/2"  # 2: each file's size and modification time (the manifest)
OPTIONAL_FIELDS = ("date", "source", "url", "author")
_META = ("title", *OPTIONAL_FIELDS)
# The parsing code a saved parse depends on, found without importing it: bot.corpus imports this module.
_PARSER_MODULES = ("bot.corpus", "bot.analysis")


class InvalidCorpusFile(ValueError):
    """A saved parse that cannot be trusted; its message says why."""


@dataclass(frozen=True, slots=True)
class ParsedFile:
    """One article file as parsed: its metadata, paragraphs and the windows of each paragraph."""

    digest: str
    title: str
    paragraphs: tuple[str, ...]
    windows: tuple[tuple[str, ...], ...]  # one tuple per paragraph; a paragraph that is not cut is itself
    date: str | None = None
    source: str | None = None
    url: str | None = None
    author: str | None = None
    size: int = -1  # the file's size and modification time (ns) when it was read: -1 when unknown
    mtime_ns: int = -1

    def to_json(self, texts: list[str]) -> dict[str, Any]:
        """Return the JSON form, appending the paragraphs, then the windows of cut paragraphs, to ``texts``."""
        cut = {str(i): len(w) for i, (p, w) in enumerate(zip(self.paragraphs, self.windows, strict=True)) if w != (p,)}
        texts.extend(self.paragraphs)
        for at in cut:
            texts.extend(self.windows[int(at)])
        out: dict[str, Any] = {"digest": self.digest, "paragraphs": len(self.paragraphs), "cut": cut,
                               "size": self.size, "mtime_ns": self.mtime_ns}
        out.update({name: getattr(self, name) for name in _META})
        return out

    @classmethod
    def from_json(cls, value: object, texts: list[str], at: int) -> tuple[ParsedFile, int]:
        """Read the JSON form, its texts from ``texts[at:]``; return it and the next text's position.

        Raise ``InvalidCorpusFile`` when it is not well formed.
        """
        if not isinstance(value, dict):
            raise InvalidCorpusFile("an entry is not an object")
        digest, title, count, cut = (value.get(k) for k in ("digest", "title", "paragraphs", "cut"))
        if not (isinstance(digest, str) and len(digest) == 64 and isinstance(title, str) and title):
            raise InvalidCorpusFile("an entry has no digest or title")
        if not (type(count) is int and 0 < count <= len(texts) - at and isinstance(cut, dict)):
            raise InvalidCorpusFile("an entry's paragraphs are malformed")
        paragraphs = tuple(texts[at : at + count])
        at += count
        windows: list[tuple[str, ...]] = [(p,) for p in paragraphs]
        for where, n in cut.items():
            if not (where.isdigit() and int(where) < count and type(n) is int and 1 < n <= len(texts) - at):
                raise InvalidCorpusFile("an entry's windows are malformed")
            windows[int(where)] = tuple(texts[at : at + n])
            at += n
        meta = {name: value.get(name) for name in _META[1:]}
        if not all(v is None or isinstance(v, str) for v in meta.values()):
            raise InvalidCorpusFile("an entry's metadata is not text")
        size, mtime_ns = value.get("size"), value.get("mtime_ns")
        if not (type(size) is int and type(mtime_ns) is int):
            raise InvalidCorpusFile("an entry has no size or modification time")
        return cls(digest, title, paragraphs, tuple(windows), **meta, size=size, mtime_ns=mtime_ns), at

    def matches(self, size: int, mtime_ns: int) -> bool:
        """Return True when a file of this size and modification time is taken to be the one parsed."""
        return self.size >= 0 and (self.size, self.mtime_ns) == (size, mtime_ns)




def parser_identity() -> str:
    """Return a digest of the code that decides a parse: ``bot/corpus.py`` and ``bot/analysis.py`` (sentences)."""
    h = hashlib.sha256(__version__.encode())
    for name in _PARSER_MODULES:
        spec = importlib.util.find_spec(name)
        with contextlib.suppress(OSError):  # a frozen installation: the version still identifies the code
            h.update(b"\0" + Path((spec.origin if spec else None) or "").read_bytes())
    return h.hexdigest()


def corpus_key(max_words: int) -> str:
    """Return the key a saved parse must carry to be used with these settings and this code."""
    parts = {"format": FORMAT, "askbot": __version__, "max_passage_words": max_words, "parser": parser_identity()}
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def decode(raw: bytes, key: str) -> dict[str, ParsedFile]:
    """Read a saved parse; raise ``InvalidCorpusFile`` when it cannot be trusted."""
    newline = raw.find(b"\n", 0, 200)
    fields = raw[: max(newline, 0)].decode("ascii", "replace").split(" ")
    if newline < 0 or len(fields) != 3 or fields[0] != FORMAT or not fields[2].isdigit():
        raise InvalidCorpusFile("another file format")
    rest = memoryview(raw)[newline + 1 :]  # no copy of the texts
    if f"{zlib.crc32(rest):08x}" != fields[1]:
        raise InvalidCorpusFile("checksum mismatch (truncated or corrupt)")
    split = int(fields[2])
    try:
        data = json.loads(bytes(rest[:split]))
        blob = str(rest[split:], "utf-8")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidCorpusFile(f"unreadable ({exc})") from None
    if not isinstance(data, dict) or data.get("key") != key:
        raise InvalidCorpusFile("stale: the settings or askbot changed")
    files, lengths = data.get("files"), data.get("lengths")
    if not (isinstance(files, dict) and isinstance(lengths, list) and set(map(type, lengths)) <= {int}):
        raise InvalidCorpusFile("no file table")
    if (lengths and min(lengths) < 1) or sum(lengths) != len(blob):
        raise InvalidCorpusFile("text lengths disagree with the text")
    ends = list(itertools.accumulate(lengths))
    texts = list(map(blob.__getitem__, map(slice, [0, *ends[:-1]], ends)))
    out: dict[str, ParsedFile] = {}
    at = 0
    for name, entry in files.items():
        out[str(name)], at = ParsedFile.from_json(entry, texts, at)
    if at != len(texts):
        raise InvalidCorpusFile("texts left over")
    return out


def encode(files: dict[str, ParsedFile], key: str) -> bytes:
    """Return the saved form of parsed files: a JSON table, then every text, one after the other."""
    texts: list[str] = []
    table = {name: parsed.to_json(texts) for name, parsed in sorted(files.items())}
    body = json.dumps({"key": key, "files": table, "lengths": list(map(len, texts))},
                      ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    rest = body + "".join(texts).encode("utf-8")
    return f"{FORMAT} {zlib.crc32(rest):08x} {len(body)}\n".encode("ascii") + rest


@dataclass(frozen=True, slots=True)
class CorpusCache:
    """Where parsed corpora are saved, and from which corpus size they are worth saving."""

    folder: Path
    min_passages: int = 0

    def path_for(self, root: Path) -> Path:
        """Return the saved-parse file of a corpus folder."""
        digest = hashlib.sha256(str(Path(root).resolve()).encode()).hexdigest()[:16]
        return self.folder / f"corpus-{digest}.cache"

    def load(self, root: Path, max_words: int) -> dict[str, ParsedFile]:
        """Return the saved parse of a folder by file name; empty when absent, stale or invalid."""
        path = self.path_for(root)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return {}
        except OSError as exc:
            log.warning("cannot read the corpus cache %s: %s", path, exc)
            return {}
        try:
            return decode(raw, corpus_key(max_words))
        except InvalidCorpusFile as exc:
            log.info("corpus cache %s not used: %s", path, exc)
            return {}

    def save(self, root: Path, max_words: int, files: dict[str, ParsedFile], passages: int) -> bool:
        """Save a folder's parse atomically; on failure log a warning and return False."""
        if passages < self.min_passages:
            return False
        path = self.path_for(root)
        try:
            data = encode(files, corpus_key(max_words))
            write_atomically(path, lambda handle: handle.write(data))
        except OSError as exc:
            log.warning("cannot save the corpus cache in %s (%s); parsing again at the next start", path.parent, exc)
            return False
        return True
