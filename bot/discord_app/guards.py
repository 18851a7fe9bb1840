"""Who may ask, where and how often: the per-user cooldown, the channel allowlist, and the mention parser.

Pure: no Discord objects, so each rule is tested on its own.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Collection

_MENTION_RE_TEMPLATE = r"<@!?{id}>"
# Forget users idle this many cooldowns ago, so the table stays as small as the active crowd.
_PRUNE_AFTER = 10


class Cooldown:
    """A per-user pause between answered questions.

    ``retry_after`` reserves the user's turn; ``refund`` gives it back when the question was not answered (refused,
    declined, failed), so only answered questions are charged. ``first_refusal`` is True once per pause, so a
    member who asks again and again is told once and the channel is not flooded.
    """

    def __init__(self, seconds: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self._clock = clock
        self._last: dict[int, float] = {}
        self._before: dict[int, float | None] = {}  # a reserved turn: the time it replaced
        self._told: dict[int, float] = {}  # the turn a refusal was already told for

    def retry_after(self, user_id: int) -> float:
        """Return how many seconds the user must still wait, or 0.0 after reserving this question's turn."""
        if self.seconds <= 0:
            return 0.0
        now = self._clock()
        last = self._last.get(user_id)
        if last is not None and now - last < self.seconds:
            return self.seconds - (now - last)
        self._before[user_id] = last
        self._last[user_id] = now
        if len(self._last) > 1000:
            horizon = now - self.seconds * _PRUNE_AFTER
            self._last = {u: t for u, t in self._last.items() if t >= horizon or u in self._before}
            self._told = {u: t for u, t in self._told.items() if u in self._last}
        return 0.0

    def charge(self, user_id: int) -> None:
        """Keep the reserved turn: the question was answered."""
        self._before.pop(user_id, None)

    def refund(self, user_id: int) -> None:
        """Give the reserved turn back: the question was not answered."""
        if user_id not in self._before:
            return
        before = self._before.pop(user_id)
        if before is None:
            self._last.pop(user_id, None)
        else:
            self._last[user_id] = before

    def first_refusal(self, user_id: int) -> bool:
        """Return True the first time a user is refused during a pause, False after that."""
        turn = self._last.get(user_id)
        if turn is None or self._told.get(user_id) == turn:
            return False
        self._told[user_id] = turn
        return True


def channel_allowed(allowed: Collection[int], channel_id: int, parent_id: int | None = None) -> bool:
    """Return True when the channel (or the thread's parent channel) is allowed; an empty list allows all."""
    if not allowed:
        return True
    return channel_id in allowed or (parent_id is not None and parent_id in allowed)


def strip_mentions(content: str, user_id: int) -> str:
    """Return a message's text without the mentions of the given user, spaces tidied."""
    text = re.sub(_MENTION_RE_TEMPLATE.format(id=user_id), " ", content)
    return " ".join(text.split())
