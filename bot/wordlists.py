"""Read the word lists kept as text files in ``bot/data``.

Each file is UTF-8 text; ``#`` starts a comment that runs to the end of the line, and blank lines are
ignored. Files are read with ``importlib.resources``, so they are found in an installed wheel too, and each
is read once.
"""

from __future__ import annotations

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
