"""Append 👍 / 👎 votes to a JSON-lines file: one object per vote.

Each line holds the question, the article, the paragraph, the score, the vote and the time, plus a salted
digest of the voter (enough to spot repeated votes, not to recover the account).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class FeedbackRecord:
    """One vote on one answer."""

    question: str
    article: str
    paragraph: int
    window: int
    score: float
    vote: str
    time: str
    user: str


def voter_digest(user_id: int, salt: str) -> str:
    """Return a short salted digest of a user id."""
    return hashlib.sha256(f"{salt}:{user_id}".encode()).hexdigest()[:16]


def now_iso() -> str:
    """Return the current UTC time, ISO 8601 to the second."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


class FeedbackLog:
    """A JSON-lines file that votes are appended to."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def append(self, record: FeedbackRecord) -> None:
        """Append one record as one line; blocking, so the bot calls it in a thread."""
        line = json.dumps(asdict(record), ensure_ascii=False) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write(line)
