"""Questions asked at the same time, embedded in one model call.

A burst of members asking different things keeps every answer thread embedding one question at a time; the model
costs far less per question in a batch (on the 2-core development machine, all-MiniLM-L6-v2 took 3.6 ms for one
question, 1.5 ms each in eights, 1.2 ms each in batches of 32). Nothing waits for a batch to fill: the first
thread to ask embeds at once, with whichever questions are already waiting; the threads that ask meanwhile wait,
and the first of them embeds the next batch, with every question that came in the meantime.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

Vector = TypeVar("Vector")  # what the model gives each question: a vector, or a vector and its word pieces


@dataclass(eq=False)
class _Request(Generic[Vector]):
    """One question waiting for its vector, or for its turn to embed a batch."""

    text: str
    done: threading.Event = field(default_factory=threading.Event)
    lead: bool = False  # woken to embed the next batch, not with a vector
    vector: Vector | None = None
    error: BaseException | None = None


class QuestionBatcher(Generic[Vector]):
    """Embed one question per call, in batches with the questions other threads ask at the same time.

    ``max_batch`` 1 embeds each question alone. A batch that fails raises its error in every thread it held.
    """

    def __init__(self, embed: Callable[[Sequence[str]], Sequence[Vector]], max_batch: int) -> None:
        self.embed_many = embed
        self.max_batch = max(1, max_batch)
        self._lock = threading.Lock()
        self._waiting: list[_Request[Vector]] = []
        self._busy = False  # a thread is embedding; the waiting ones wait for it (invariant: waiting ⇒ busy)
        self.batches = 0  # batches embedded, for tests and benchmarks
        self.largest = 0  # the most questions embedded in one batch

    def embed(self, text: str) -> Vector:
        """Return the vector of one question, embedded alone or with those asked at the same time."""
        request: _Request[Vector] = _Request(text)
        with self._lock:
            self._waiting.append(request)
            lead = not self._busy
            self._busy = True
        if not lead:
            request.done.wait()
            if not request.lead:
                return _result(request)
        self._embed_next()
        return _result(request)

    def _embed_next(self) -> None:
        """Embed the waiting questions (this thread's first among them), then wake the next leader, if any."""
        with self._lock:
            batch = self._waiting[: self.max_batch]
            del self._waiting[: self.max_batch]
        try:
            vectors = self.embed_many([r.text for r in batch])
        except BaseException as exc:  # handed to every asker; the next batch still runs
            for r in batch:
                r.error = exc
        else:
            for r, vector in zip(batch, vectors, strict=True):
                r.vector = vector
        finally:
            with self._lock:
                self.batches += 1
                self.largest = max(self.largest, len(batch))
                if self._waiting:
                    following = self._waiting[0]
                    following.lead = True
                    following.done.set()
                else:
                    self._busy = False
            for r in batch[1:]:  # the first is this thread's own
                r.done.set()


def _result(request: _Request[Vector]) -> Vector:
    if request.error is not None:
        raise request.error
    assert request.vector is not None  # set with done, when no error was
    return request.vector
