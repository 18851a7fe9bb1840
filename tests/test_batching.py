"""The question batcher: questions asked at the same time share one model call, each gets its own vector."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

import numpy as np
import pytest

from bot.batching import QuestionBatcher

WAIT = 10.0  # a bound on every wait: a broken batcher fails the test instead of hanging it


def vectors_of(texts: Sequence[str]) -> np.ndarray:
    """Return a vector that names its text: (length, first character code)."""
    return np.array([[len(t), ord(t[0])] for t in texts], dtype=np.float32)


class GatedModel:
    """A model whose first call waits until released, so that other questions queue up behind it."""

    def __init__(self, fail_on: str | None = None) -> None:
        self.calls: list[list[str]] = []
        self.entered = threading.Event()
        self.release = threading.Event()
        self.fail_on = fail_on

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(list(texts))
        if len(self.calls) == 1:
            self.entered.set()
            assert self.release.wait(WAIT)
        if self.fail_on in texts:
            raise RuntimeError("the model failed")
        return vectors_of(texts)


def ask_in_threads(batcher: QuestionBatcher, texts: Sequence[str], model: GatedModel) -> dict[str, object]:
    """Ask the first text, then the others from their own threads while the first is being embedded."""
    out: dict[str, object] = {}

    def ask(text: str) -> None:
        try:
            out[text] = batcher.embed(text)
        except RuntimeError as exc:
            out[text] = exc

    threads = [threading.Thread(target=ask, args=(t,)) for t in texts]
    threads[0].start()
    assert model.entered.wait(WAIT)
    for t in threads[1:]:
        t.start()
    deadline = time.monotonic() + WAIT
    while len(batcher._waiting) < len(texts) - 1:  # every other question queued behind the first
        assert time.monotonic() < deadline, "the questions did not queue"
        time.sleep(0.001)
    model.release.set()
    for t in threads:
        t.join(WAIT)
        assert not t.is_alive()
    return out


def test_a_question_asked_alone_is_embedded_at_once() -> None:
    model = GatedModel()
    model.release.set()
    batcher = QuestionBatcher(model, max_batch=32)
    assert batcher.embed("How many?").tolist() == [9.0, ord("H")]
    assert model.calls == [["How many?"]]
    assert batcher.embed("Who?").tolist() == [4.0, ord("W")]
    assert (batcher.batches, batcher.largest) == (2, 1)


def test_questions_asked_meanwhile_share_the_next_call_and_each_gets_its_own_vector() -> None:
    model = GatedModel()
    batcher = QuestionBatcher(model, max_batch=32)
    texts = ["first?", *(f"{chr(ord('a') + i)}{'x' * i}?" for i in range(7))]
    out = ask_in_threads(batcher, texts, model)
    assert model.calls[0] == ["first?"]
    assert sorted(model.calls[1]) == sorted(texts[1:])  # all seven in one call
    assert len(model.calls) == 2
    for text in texts:
        assert np.array_equal(out[text], vectors_of([text])[0])


def test_a_batch_holds_at_most_max_batch_questions() -> None:
    model = GatedModel()
    batcher = QuestionBatcher(model, max_batch=3)
    texts = ["first?", *(f"q{i}?" for i in range(7))]
    out = ask_in_threads(batcher, texts, model)
    assert [len(c) for c in model.calls] == [1, 3, 3, 1]
    assert batcher.largest == 3
    assert all(np.array_equal(out[t], vectors_of([t])[0]) for t in texts)


def test_a_failed_call_fails_the_questions_it_held_and_the_next_call_runs() -> None:
    model = GatedModel(fail_on="bad?")
    batcher = QuestionBatcher(model, max_batch=32)
    out = ask_in_threads(batcher, ["first?", "bad?", "other?"], model)
    assert np.array_equal(out["first?"], vectors_of(["first?"])[0])
    assert isinstance(out["bad?"], RuntimeError)
    assert isinstance(out["other?"], RuntimeError)
    assert batcher.embed("again?").tolist() == [6.0, ord("a")]  # not stuck: the next question is embedded


@pytest.mark.parametrize("max_batch", [0, 1])
def test_max_batch_one_embeds_each_question_alone(max_batch: int) -> None:
    model = GatedModel()
    batcher = QuestionBatcher(model, max_batch=max_batch)
    out = ask_in_threads(batcher, ["first?", "b?", "c?"], model)
    assert [len(c) for c in model.calls] == [1, 1, 1]
    assert all(np.array_equal(out[t], vectors_of([t])[0]) for t in ("first?", "b?", "c?"))


def test_the_model_gives_a_question_the_same_vector_in_a_batch_as_alone() -> None:
    from bot.semantic import load_embedder

    model = load_embedder()
    assert model is not None
    texts = ["How many inmates work in construction?", "who?",
             "What did the president say about the prison's capacity and the number of gang members held there?"]
    together = model.embed(texts)
    for text, vector in zip(texts, together, strict=True):
        alone = model.embed([text])[0]
        assert float(np.dot(alone, vector) / (np.linalg.norm(alone) * np.linalg.norm(vector))) > 1 - 1e-6
