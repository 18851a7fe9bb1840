"""Load articles from a folder and cut them into passages.

An article is a Markdown file with a YAML front matter (``title`` required; ``date``, ``source``, ``url``,
``author`` optional) whose paragraphs are separated by blank lines, or a plain ``.txt`` file (paragraphs
only, title from the file name). The article id is the file stem. Passages are paragraphs numbered from 1;
a paragraph longer than ``MAX_PASSAGE_WORDS`` is cut at sentence boundaries into windows that keep its
paragraph number. A bad file is reported with its reason and every other article is still served.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.analysis import sentence_spans
from bot.errors import CorpusError

MAX_PASSAGE_WORDS = 150
ARTICLE_SUFFIXES = (".md", ".markdown", ".txt")
OPTIONAL_FIELDS = ("date", "source", "url", "author")
_FRONT_MATTER_RE = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_PARAGRAPH_SPLIT_RE = re.compile(r"\n[ \t]*\n+")
# libyaml's safe loader when PyYAML was built with it: the same documents, several times faster on an archive.
_FAST_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True, slots=True)
class Article:
    """One article: its metadata and its paragraphs, verbatim."""

    id: str
    title: str
    paragraphs: tuple[str, ...]
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


@dataclass(frozen=True, slots=True)
class Corpus:
    """The usable articles of a folder, their passages, and the files that were left out."""

    root: Path
    articles: tuple[Article, ...]
    passages: tuple[Passage, ...]
    bad_files: tuple[BadFile, ...] = ()
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


def _clean_meta(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
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


def parse_article(path: Path, raw: bytes) -> Article:
    """Parse one article file's bytes, or raise ``ArticleFormatError`` with the reason."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ArticleFormatError(f"not UTF-8 text (byte {exc.start})") from None
    if not text.strip():
        raise ArticleFormatError("empty file")
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
        if loaded is None:
            loaded = {}
        if not isinstance(loaded, dict):
            raise ArticleFormatError("front matter is not a mapping of 'key: value' lines")
        meta = {str(k).lower(): v for k, v in loaded.items()}
        body = text[match.end() :]
    title = _clean_meta(meta.get("title"))
    if title is None:
        if meta or path.suffix.lower() != ".txt":
            raise ArticleFormatError("front matter has no 'title'")
        title = path.stem.replace("_", " ").replace("-", " ").strip() or path.stem
    paragraphs = split_paragraphs(body)
    if not paragraphs:
        raise ArticleFormatError("no paragraphs after the front matter")
    return Article(
        id=path.stem,
        title=title,
        paragraphs=paragraphs,
        date=_clean_meta(meta.get("date")),
        source=_clean_meta(meta.get("source")),
        url=_clean_meta(meta.get("url")),
        author=_clean_meta(meta.get("author")),
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


def passages_of(article: Article, max_words: int = MAX_PASSAGE_WORDS) -> list[Passage]:
    """Return the passages of one article, paragraphs numbered from 1."""
    out: list[Passage] = []
    for number, paragraph in enumerate(article.paragraphs, start=1):
        windows = split_passage(paragraph, max_words)
        for i, window in enumerate(windows):
            out.append(Passage(article.id, number, window, window=i, windows=len(windows)))
    return out


def article_files(root: Path) -> list[Path]:
    """Return the article files of a folder, sorted, hidden files and READMEs left out."""
    return sorted(
        p
        for p in root.iterdir()
        if p.is_file()
        and p.suffix.lower() in ARTICLE_SUFFIXES
        and not p.name.startswith((".", "_"))
        and p.stem.lower() != "readme"
    )


def build_corpus(root: Path, articles: Iterable[Article], bad_files: Iterable[BadFile] = (),
                 max_words: int = MAX_PASSAGE_WORDS) -> Corpus:
    """Assemble a corpus from parsed articles."""
    arts = tuple(articles)
    passages = tuple(p for article in arts for p in passages_of(article, max_words))
    return Corpus(root=root, articles=arts, passages=passages, bad_files=tuple(bad_files))


def load_corpus(root: Path, *, max_words: int = MAX_PASSAGE_WORDS) -> Corpus:
    """Read every article in ``root``; raise ``CorpusError`` when none is usable."""
    root = Path(root)
    if not root.is_dir():
        raise CorpusError(f"corpus folder {str(root)!r} does not exist or is not a folder", path=root)
    articles: list[Article] = []
    bad: list[BadFile] = []
    for path in article_files(root):
        try:
            articles.append(parse_article(path, path.read_bytes()))
        except ArticleFormatError as exc:
            bad.append(BadFile(path, str(exc)))
        except OSError as exc:
            bad.append(BadFile(path, f"cannot be read ({exc.strerror or exc})"))
    if not articles:
        detail = "; ".join(f"{b.name}: {b.reason}" for b in bad) or "no .md, .markdown or .txt file"
        raise CorpusError(f"no usable article in {str(root)!r} ({detail})", path=root)
    return build_corpus(root, articles, bad, max_words)
