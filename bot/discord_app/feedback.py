"""Append 👍 / 👎 votes to a JSON-lines file: one object per vote.

Each line holds the question, the article, the paragraph, the score, the vote and the time, plus a keyed digest
of the voter: HMAC-SHA-256 of the user id under a secret generated once into its own file (mode 0600, in the
state folder, never in the log). Without the secret, the log and a member list cannot tell who voted; with a
new secret the digests of old lines no longer match anyone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import secrets
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


VOTER_KEY_BYTES = 32
VOTER_KEY_FILE = "voter.key"
MAX_REMEMBERED_VOTES = 100_000


def voter_digest(user_id: int, key: bytes) -> str:
    """Return a short keyed digest of a user id: without the key it names no one."""
    return hmac.new(key, str(user_id).encode(), hashlib.sha256).hexdigest()[:16]


def load_voter_key(path: Path) -> bytes:
    """Return the secret in ``path``, creating it (random, mode 0600) the first time; blocking.

    A key file that is too short, or that others may read, is not trusted: it is replaced by a new key.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        info = path.stat()
        key = bytes.fromhex(path.read_text(encoding="ascii").strip())
        if len(key) >= VOTER_KEY_BYTES and not info.st_mode & 0o077:
            return key
        path.unlink()
    except FileNotFoundError:
        pass
    except (OSError, ValueError):
        path.unlink(missing_ok=True)
    key = secrets.token_bytes(VOTER_KEY_BYTES)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key.hex() + "\n")
    return key


def now_iso() -> str:
    """Return the current UTC time, ISO 8601 to the second."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


class FeedbackLog:
    """A JSON-lines file that votes are appended to, one vote per member per answer."""

    def __init__(self, path: Path, key_path: Path | None = None) -> None:
        self.path = path
        self.key_path = key_path or path.with_name(VOTER_KEY_FILE)
        self._lock = threading.Lock()
        self._key: bytes | None = None
        self._voted: dict[tuple[int, int], None] = {}  # (message, voter): insertion-ordered, bounded

    def voter(self, user_id: int) -> str:
        """Return the keyed digest of a voter; blocking (the key is read or created once)."""
        with self._lock:
            if self._key is None:
                self._key = load_voter_key(self.key_path)
            return voter_digest(user_id, self._key)

    def first_vote(self, message_id: int, user_id: int) -> bool:
        """Return True the first time this member votes on this answer (remembered while the bot runs)."""
        with self._lock:
            if (message_id, user_id) in self._voted:
                return False
            self._voted[(message_id, user_id)] = None
            if len(self._voted) > MAX_REMEMBERED_VOTES:
                del self._voted[next(iter(self._voted))]
            return True

    def forget_vote(self, message_id: int, user_id: int) -> None:
        """Forget a vote that could not be recorded, so that the member may vote again."""
        with self._lock:
            self._voted.pop((message_id, user_id), None)

    def append(self, record: FeedbackRecord) -> None:
        """Append one record as one line; blocking, so the bot calls it in a thread."""
        line = json.dumps(asdict(record), ensure_ascii=False) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write(line)
