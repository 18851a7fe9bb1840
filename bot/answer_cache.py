"""Answers kept for questions asked again: a burst of members asking the same thing is answered once.

An answer depends on the question's exact text (case decides names), its restriction (article, article set,
how many results) and what it is answered from: the snapshot, and whether its sentence vectors were complete.
A new snapshot (a reload) starts the cache afresh; answers are immutable values, shared between callers.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from bot.answer import Answer

# Answers kept, the least recently asked dropped first.
ANSWER_CACHE_SIZE = 1024


class AnswerCache:
    """The answers of the questions asked last, for one snapshot at a time; thread-safe."""

    def __init__(self, size: int = ANSWER_CACHE_SIZE) -> None:
        self._size = size
        self._lock = threading.Lock()
        self._owner: object | None = None
        self._answers: OrderedDict[Hashable, Answer] = OrderedDict()

    def get(self, owner: object, key: Hashable, answer: Callable[[], Answer]) -> Answer:
        """Return the answer kept for ``key`` under ``owner`` (the snapshot), else make it with ``answer`` and keep it.

        Two threads asking the same new question at once both answer it; the answers are equal.
        """
        with self._lock:
            if self._owner is owner:
                kept = self._answers.get(key)
                if kept is not None:
                    self._answers.move_to_end(key)
                    return kept
        made = answer()
        with self._lock:
            if self._owner is not owner:
                self._owner = owner
                self._answers.clear()
            self._answers[key] = made
            while len(self._answers) > self._size:
                self._answers.popitem(last=False)
        return made

    def __len__(self) -> int:
        return len(self._answers)
