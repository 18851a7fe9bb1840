"""Encode a button's state in its ``custom_id`` and read it back, so buttons outlive the bot process.

A ``custom_id`` holds at most 100 characters. It names the passage an answer showed (article, paragraph,
window) and, for a vote, the vote and the score; under a decline, the article the question was asked of, if
one was chosen. The question itself is read back from the reply's embed.
An article id that is too long or holds unusual characters is replaced by a short digest of it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from bot.corpus import Article

CUSTOM_ID_CHARS = 100
ARTICLE_REF_CHARS = 48
PREFIX = "askbot"
_PLAIN_ID_RE = re.compile(r"[A-Za-z0-9_.-]{1,48}")
_REF = r"(?P<article>[A-Za-z0-9_.~-]{1,48})"
_AT = r"(?P<paragraph>\d{1,6})\.(?P<window>\d{1,4})"
MORE_TEMPLATE = rf"{PREFIX}:more:(?P<scope>[as]):{_AT}:{_REF}"
VOTE_TEMPLATE = rf"{PREFIX}:vote:(?P<vote>up|down):{_AT}:(?P<score>\d{{1,7}}\.\d{{1,4}}):{_REF}"
NEAR_TEMPLATE = rf"{PREFIX}:near(?::{_REF})?"
_ANY_RE = re.compile(rf"{PREFIX}:(?:more:[as]|vote:(?:up|down)):{_AT}:(?:[\d.]+:)?{_REF}")

Scope = Literal["all", "article"]
Vote = Literal["up", "down"]


def article_ref(article_id: str) -> str:
    """Return the short form of an article id that fits a ``custom_id``."""
    if _PLAIN_ID_RE.fullmatch(article_id):
        return article_id
    return "~" + hashlib.sha256(article_id.encode()).hexdigest()[:16]


def resolve_article(ref: str, articles: Iterable[Article]) -> Article | None:
    """Return the article a reference names, or None when it is no longer in the corpus."""
    return next((a for a in articles if article_ref(a.id) == ref), None)


@dataclass(frozen=True, slots=True)
class PassageRef:
    """Which passage an answer showed."""

    article: str
    paragraph: int
    window: int = 0


@dataclass(frozen=True, slots=True)
class MoreState:
    """The state of an "Other passages" button."""

    passage: PassageRef
    scope: Scope


@dataclass(frozen=True, slots=True)
class VoteState:
    """The state of a 👍 or 👎 button."""

    passage: PassageRef
    vote: Vote
    score: float


@dataclass(frozen=True, slots=True)
class NearState:
    """The state of a "Closest passages" button under a decline: the article asked of, or None for all."""

    article: str | None = None


def _at(passage: PassageRef) -> str:
    return f"{passage.paragraph}.{passage.window}:"


def more_id(state: MoreState) -> str:
    """Return the ``custom_id`` of an "Other passages" button."""
    scope = "a" if state.scope == "all" else "s"
    return f"{PREFIX}:more:{scope}:{_at(state.passage)}{article_ref(state.passage.article)}"


def vote_id(state: VoteState) -> str:
    """Return the ``custom_id`` of a vote button."""
    score = f"{min(max(state.score, 0.0), 9_999_999.0):.4f}"
    return f"{PREFIX}:vote:{state.vote}:{_at(state.passage)}{score}:{article_ref(state.passage.article)}"


def near_id(state: NearState) -> str:
    """Return the ``custom_id`` of a "Closest passages" button."""
    return f"{PREFIX}:near" + (f":{article_ref(state.article)}" if state.article is not None else "")


def parse_near(match: re.Match[str]) -> NearState:
    """Return the state a ``NEAR_TEMPLATE`` match holds (the article as its reference)."""
    return NearState(match["article"])


def parse_more(match: re.Match[str]) -> MoreState:
    """Return the state a ``MORE_TEMPLATE`` match holds (the article as its reference)."""
    passage = PassageRef(match["article"], int(match["paragraph"]), int(match["window"]))
    return MoreState(passage, "all" if match["scope"] == "a" else "article")


def parse_vote(match: re.Match[str]) -> VoteState:
    """Return the state a ``VOTE_TEMPLATE`` match holds (the article as its reference)."""
    passage = PassageRef(match["article"], int(match["paragraph"]), int(match["window"]))
    vote: Vote = "up" if match["vote"] == "up" else "down"
    return VoteState(passage, vote, float(match["score"]))


def answered_article_ref(custom_ids: Iterable[str]) -> str | None:
    """Return the article reference of an answer's buttons, or None when none is ours."""
    for custom_id in custom_ids:
        match = _ANY_RE.fullmatch(custom_id)
        if match is not None:
            return match["article"]
    return None
