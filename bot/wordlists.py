"""Read the word lists kept as text files in ``bot/data``.

Each file is UTF-8 text; ``#`` starts a comment that runs to the end of the line, and blank lines are
ignored. Files are read with ``importlib.resources``, so they are found in an installed wheel too, and each
is read once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from importlib.resources import files

import bot.data


def data_bytes(name: str) -> bytes:
    """Return the raw content of a data file (for cache keys)."""
    return (files(bot.data) / name).read_bytes()


@cache
def lines(name: str) -> tuple[str, ...]:
    """Return the lines of a data file in order, comments and surrounding space dropped, blank lines skipped."""
    text = data_bytes(name).decode("utf-8")
    stripped = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return tuple(line for line in stripped if line)


@cache
def words(name: str) -> frozenset[str]:
    """Return the whitespace-separated words of a data file."""
    return frozenset(word for line in lines(name) for word in line.split())


@cache
def ordered_lists(name: str) -> dict[str, tuple[str, ...]]:
    """Return the lists of a data file whose lines each read ``name: word word …``, by name, words in order.

    A list may run over several lines, each starting with its name.
    """
    return {key: tuple(word for line in listed for word in line.split()) for key, listed in phrase_lists(name).items()}


@cache
def phrase_lists(name: str) -> dict[str, tuple[str, ...]]:
    """Return the lists of a data file whose lines each read ``name: a phrase``, by name, one phrase a line, in order.

    The phrase's words are joined by single spaces however the line spaces them.
    """
    found: dict[str, tuple[str, ...]] = {}
    for line in lines(name):
        key, _, phrase = line.partition(":")
        key = key.strip()
        found[key] = (*found.get(key, ()), " ".join(phrase.split()))
    return found


@cache
def named_lists(name: str) -> dict[str, frozenset[str]]:
    """Return the lists of a data file whose lines each read ``name: word word …``, by name (``ordered_lists``)."""
    return {key: frozenset(listed) for key, listed in ordered_lists(name).items()}


def alternation(listed: Iterable[str], *, spaces: str | None = None) -> str:
    """Return the words as a regex alternation, longest first, then by spelling.

    A fixed order: a pattern built from a set must not vary between processes (the sentence splitter's is part of
    the saved corpora's and vectors' keys), and a longer word is tried before its prefix. With ``spaces``, the
    spaces of a listed phrase match that pattern instead (a run of white space, say).
    """
    ordered = sorted(listed, key=lambda w: (-len(w), w))
    if spaces is None:
        return "|".join(re.escape(w) for w in ordered)
    return "|".join(spaces.join(re.escape(part) for part in w.split()) for w in ordered)
