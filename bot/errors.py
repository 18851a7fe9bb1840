"""The askbot exception tree.

    AskbotError
    ├── ConfigError        settings that cannot be used (bad value, missing token, unreadable file)
    ├── CorpusError        a corpus folder with no usable article, or one that cannot be read
    ├── QuestionError      a question that cannot be asked (empty, stopwords only, too long)
    ├── UnknownArticleError  an article id that the corpus does not hold
    └── ArticleRefusedError  an article that cannot be added or removed (bad link, not an article, id taken)
        └── FetchError     a page that was not fetched (bot/safe_fetch.py)

Front ends catch ``AskbotError`` at their one error boundary and show its message; anything else is a bug
and is logged with its traceback.
"""

from __future__ import annotations

from pathlib import Path


class AskbotError(Exception):
    """Base of every error askbot raises on purpose."""


class ConfigError(AskbotError):
    """Settings that cannot be used."""

    def __init__(self, message: str, *, problems: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.problems = problems


class CorpusError(AskbotError):
    """A corpus folder that yields no usable article."""

    def __init__(self, message: str, *, path: Path) -> None:
        super().__init__(message)
        self.path = path


class QuestionError(AskbotError):
    """A question that cannot be asked as it stands."""

    def __init__(self, message: str, *, question: str) -> None:
        super().__init__(message)
        self.question = question


class UnknownArticleError(AskbotError):
    """An article id the corpus does not hold."""

    def __init__(self, article_id: str, *, known: tuple[str, ...]) -> None:
        hint = ", ".join(known[:10]) or "none"
        super().__init__(f"no article with id {article_id!r} (known: {hint})")
        self.article_id = article_id
        self.known = known


class ArticleRefusedError(AskbotError):
    """An article that cannot be added or removed; the message is the one-line reason."""
