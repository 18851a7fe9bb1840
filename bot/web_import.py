"""Turn a news page or a file into a corpus article, and remove one: ``askbot add`` / ``askbot remove``, ``/add``.

A page's main text, title, date, author and site name come from trafilatura (navigation, ads and comments
left out); the article is written as the corpus's own Markdown with front matter (``title``, ``date``,
``author``, ``source``, ``url``), one paragraph per block. The id is a slug of the title unless given; an
existing id is never overwritten. The file appears whole or not at all (a temporary file linked into place).

Every refusal is an ``ArticleRefusedError`` with a one-line reason, and nothing is written.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import trafilatura
import yaml

from bot.corpus import ARTICLE_SUFFIXES, ArticleFormatError, parse_article, split_paragraphs
from bot.errors import ArticleRefusedError
from bot.safe_fetch import FetchPolicy, SafeFetcher
from bot.settings import WebSettings

HTML_SUFFIXES = (".html", ".htm")
FILE_SUFFIXES = (*HTML_SUFFIXES, ".md", ".markdown", ".txt")
MAX_ID_CHARS = 80
# A line this short that starts with "By", "Par"… or the author's name is a byline, not a paragraph.
BYLINE_MAX_WORDS = 15
BYLINE_STARTS = ("by ", "par ", "von ", "por ", "door ", "di ", "av ")
# A user-given id: a file stem the corpus serves (not hidden, not a README) that cannot leave the folder.
ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,79}")
# Phrases of a page that hides its text behind a subscription or a login.
PAYWALL_MARKERS = (
    "subscribe to continue",
    "subscribe to read",
    "subscribers only",
    "for subscribers",
    "already a subscriber",
    "sign in to continue",
    "sign in to read",
    "log in to continue",
    "log in to read",
    "create a free account to continue",
    "to continue reading",
    '"isaccessibleforfree": false',
    '"isaccessibleforfree":false',
    '"isaccessibleforfree": "false"',
)


@dataclass(frozen=True, slots=True)
class Draft:
    """An article read from a page or a file, before it is written."""

    title: str
    paragraphs: tuple[str, ...]
    date: str | None = None
    author: str | None = None
    source: str | None = None
    url: str | None = None

    @property
    def words(self) -> int:
        """Return how many words the paragraphs hold."""
        return sum(len(p.split()) for p in self.paragraphs)


@dataclass(frozen=True, slots=True)
class AddedArticle:
    """An article written to the corpus folder."""

    id: str
    path: Path
    draft: Draft


def slugify(title: str) -> str:
    """Return a file-name id from a title: ASCII letters and digits joined by hyphens."""
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > MAX_ID_CHARS:
        slug = slug[:MAX_ID_CHARS].rsplit("-", 1)[0]
    return slug or "article"


def check_id(article_id: str) -> str:
    """Return the id if it can name a corpus file, or raise ``ArticleRefusedError``."""
    if not ID_RE.fullmatch(article_id) or article_id.lower() == "readme" or ".." in article_id:
        raise ArticleRefusedError(
            f"{article_id!r} cannot be an article id: use letters, digits, '-', '_' or '.' (at most {MAX_ID_CHARS})"
        )
    return article_id


def _clean(value: object) -> str | None:
    text = " ".join(str(value).split()) if value is not None else ""
    return text or None


def _table_paragraph(rows: list[str]) -> str:
    """Return a Markdown table's rows as one paragraph: cells joined by commas, rows by semicolons."""
    out = []
    for row in rows:
        cells = [cell.strip() for cell in row.strip().strip("|").split("|")]
        if all(re.fullmatch(r":?-{3,}:?", cell) for cell in cells if cell):
            continue  # the header separator
        kept = [cell for cell in cells if cell]
        if kept:
            out.append(", ".join(kept))
    return "; ".join(out)


def _is_byline(line: str, author: str | None) -> bool:
    """Return True for a short line that only says who wrote the article and when."""
    if len(line.split()) > BYLINE_MAX_WORDS:
        return False
    lowered = line.casefold()
    return lowered.startswith(BYLINE_STARTS) or (author is not None and lowered.startswith(author.casefold()))


def _paragraphs(text: str, title: str | None, author: str | None) -> list[str]:
    """Return the extracted text's paragraphs: one per line, tables as one paragraph, headline and byline out."""
    paragraphs: list[str] = []
    table: list[str] = []
    for raw in [*text.splitlines(), ""]:
        line = " ".join(raw.split())
        if line.startswith("|") and line.endswith("|"):
            table.append(line)
            continue
        if table:
            joined = _table_paragraph(table)
            if joined:
                paragraphs.append(joined)
            table = []
        if not line or (title and line.casefold() == title.casefold()) or _is_byline(line, author):
            continue
        paragraphs.append(line)
    return paragraphs


def draft_from_html(html: str, *, url: str | None = None, min_words: int = 80) -> Draft:
    """Extract the article of a page with trafilatura, or raise ``ArticleRefusedError`` saying why not."""
    document = trafilatura.bare_extraction(
        html, url=url, with_metadata=True, include_comments=False, include_tables=True, include_images=False,
        deduplicate=True,
    )
    text = (getattr(document, "text", None) or "") if document is not None else ""
    title = _clean(getattr(document, "title", None)) if document is not None else None
    author = _clean(getattr(document, "author", None)) if document is not None else None
    paragraphs = _paragraphs(text, title, author)
    draft = Draft(
        title=title or "",
        paragraphs=tuple(dict.fromkeys(paragraphs)),
        date=_clean(getattr(document, "date", None)),
        author=author,
        source=_clean(getattr(document, "sitename", None)),
        url=url,
    )
    if draft.words < min_words:
        lowered = html.casefold()
        if any(marker in lowered for marker in PAYWALL_MARKERS):
            raise ArticleRefusedError("a paywall or login page: the article's text is not on it")
        raise ArticleRefusedError(f"not an article: only {draft.words} words of text (at least {min_words})")
    if not draft.title:
        raise ArticleRefusedError("not an article: the page has no title")
    return draft


def draft_from_file(name: str, data: bytes, *, min_words: int = 80) -> Draft:
    """Read an ``.html``, ``.md`` or ``.txt`` file as an article, or raise ``ArticleRefusedError``."""
    suffix = Path(name).suffix.lower()
    if suffix not in FILE_SUFFIXES:
        raise ArticleRefusedError(f"only {', '.join(FILE_SUFFIXES)} files can be added, not {name!r}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ArticleRefusedError(f"{name} is not UTF-8 text") from None
    if suffix in HTML_SUFFIXES:
        return draft_from_html(text, min_words=min_words)
    if suffix != ".txt" and not text.lstrip().startswith("---"):
        return _plain_markdown(name, text, min_words)
    try:
        article = parse_article(Path(Path(name).name), data)
    except ArticleFormatError as exc:
        raise ArticleRefusedError(f"{name}: {exc}") from None
    draft = Draft(article.title, tuple(article.paragraphs), article.date, article.author, article.source, article.url)
    if draft.words < min_words:
        raise ArticleRefusedError(f"not an article: only {draft.words} words of text (at least {min_words})")
    return draft


def _plain_markdown(name: str, text: str, min_words: int) -> Draft:
    """Read Markdown without front matter: the title from its first ``#`` heading, else from the file name."""
    lines = text.replace("\r\n", "\n").split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    title = Path(name).stem.replace("_", " ").replace("-", " ").strip()
    if first is not None and lines[first].lstrip().startswith("#"):
        title = lines[first].strip().lstrip("#").strip() or title
        lines = lines[first + 1 :]
    paragraphs = tuple(p.lstrip("#").strip() for p in split_paragraphs("\n".join(lines)))
    draft = Draft(title, tuple(p for p in paragraphs if p))
    if draft.words < min_words:
        raise ArticleRefusedError(f"not an article: only {draft.words} words of text (at least {min_words})")
    return draft


def fetch_policy(settings: WebSettings) -> FetchPolicy:
    """Return the fetch policy the settings describe."""
    return FetchPolicy(
        allow_private=settings.allow_private_hosts,
        max_bytes=settings.max_bytes,
        max_redirects=settings.max_redirects,
        connect_timeout=settings.connect_timeout,
        total_timeout=settings.total_timeout,
    )


def draft_from_url(url: str, settings: WebSettings, *, fetcher: SafeFetcher | None = None) -> Draft:
    """Fetch a page safely and extract its article."""
    page = (fetcher or SafeFetcher(fetch_policy(settings))).fetch(url.strip())
    text = page.text()
    if page.content_type == "text/plain":
        return draft_from_file("page.txt", text.encode(), min_words=settings.min_words)
    return draft_from_html(text, url=page.url, min_words=settings.min_words)


def to_markdown(draft: Draft) -> str:
    """Return the article as the corpus's Markdown: front matter, then paragraphs separated by blank lines."""
    meta = {"title": draft.title, "date": draft.date, "author": draft.author, "source": draft.source,
            "url": draft.url}
    front = yaml.safe_dump({k: v for k, v in meta.items() if v}, allow_unicode=True, sort_keys=False, width=10_000)
    return "---\n" + front + "---\n\n" + "\n\n".join(draft.paragraphs) + "\n"


def article_path(folder: Path, article_id: str) -> Path | None:
    """Return the file that holds an article id in the folder, or None."""
    for suffix in ARTICLE_SUFFIXES:
        path = folder / f"{article_id}{suffix}"
        if path.is_file():
            return path
    return None


def write_article(folder: Path, draft: Draft, article_id: str | None = None) -> AddedArticle:
    """Write the draft as ``<id>.md`` in the folder, atomically and never over an existing article."""
    chosen = check_id(article_id) if article_id else slugify(draft.title)
    if article_path(folder, chosen) is not None:
        raise ArticleRefusedError(f"an article with the id {chosen!r} exists already: remove it or give another id")
    path = folder / f"{chosen}.md"
    data = to_markdown(draft).encode("utf-8")
    try:
        parse_article(path, data)  # what the corpus will read back: refuse here rather than serve a bad file
    except ArticleFormatError as exc:
        raise ArticleRefusedError(f"the article cannot be written: {exc}") from None
    if not folder.is_dir():
        raise ArticleRefusedError(f"the corpus folder {str(folder)!r} does not exist")
    fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=f".{chosen}-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(tmp_name, path)  # fails if the name was taken meanwhile: never replaces a file
        except FileExistsError:
            raise ArticleRefusedError(f"an article with the id {chosen!r} exists already") from None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
    return AddedArticle(chosen, path, draft)


def remove_article(folder: Path, article_id: str) -> Path:
    """Delete the article file with this id from the folder and return its path.

    An id may name a file in a subfolder (``world/story``), each part a valid id, never leaving the folder.
    """
    for part in article_id.split("/"):
        check_id(part)
    path = article_path(folder, article_id)
    if path is None:
        raise ArticleRefusedError(f"no article with the id {article_id!r} in {str(folder)!r}")
    try:
        path.unlink()
    except OSError as exc:
        raise ArticleRefusedError(f"cannot remove {path.name}: {exc.strerror or exc}") from None
    return path


def is_url(source: str) -> bool:
    """Return True when a source names a link rather than a file (it has a scheme)."""
    return re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", source.strip()) is not None


def draft_from_source(source: str, settings: WebSettings, *, fetcher: SafeFetcher | None = None) -> Draft:
    """Read a draft from a link or a local file path."""
    if is_url(source):
        return draft_from_url(source, settings, fetcher=fetcher)
    path = Path(source).expanduser()
    try:
        size = path.stat().st_size
        if size > settings.max_bytes:
            raise ArticleRefusedError(f"the file is too large ({size:,} bytes; at most {settings.max_bytes:,})")
        data = path.read_bytes()
    except OSError as exc:
        raise ArticleRefusedError(f"cannot read {source}: {exc.strerror or exc}") from None
    return draft_from_file(path.name, data, min_words=settings.min_words)


def added_summary(added: AddedArticle, *, first_chars: int = 300) -> str:
    """Return what a moderator checks after adding: id, title, date, paragraph count and the first paragraph."""
    draft = added.draft
    first = draft.paragraphs[0] if draft.paragraphs else ""
    if len(first) > first_chars:
        first = first[: first_chars - 1].rsplit(" ", 1)[0] + "…"
    details = " · ".join(x for x in (draft.date, draft.author, draft.source) if x)
    head = f"added {added.id}: “{draft.title}”" + (f" · {details}" if details else "")
    return f"{head} · {len(draft.paragraphs)} paragraph(s)\n  {first}"
