from collections.abc import Callable

from bot.answer import Answer
from bot.answer_cache import AnswerCache


def counting(answer: Answer) -> tuple[Callable[[], Answer], list[int]]:
    calls: list[int] = []

    def make() -> Answer:
        calls.append(1)
        return answer

    return make, calls


def test_a_question_asked_again_is_answered_once() -> None:
    cache, snapshot = AnswerCache(), object()
    make, calls = counting(Answer("q", True, "answered", ()))
    first = cache.get(snapshot, ("q", None), make)
    assert cache.get(snapshot, ("q", None), make) is first
    assert len(calls) == 1
    cache.get(snapshot, ("q", "article"), make)  # another restriction: another answer
    assert len(calls) == 2


def test_a_new_snapshot_starts_afresh() -> None:
    cache = AnswerCache()
    make, calls = counting(Answer("q", True, "answered", ()))
    cache.get(object(), "q", make)
    cache.get(object(), "q", make)
    assert len(calls) == 2
    assert len(cache) == 1


def test_the_least_recently_asked_answer_goes_first() -> None:
    cache, snapshot = AnswerCache(size=2), object()
    make, calls = counting(Answer("q", True, "answered", ()))
    for key in ("a", "b", "a", "c"):  # "b" is the least recently asked when "c" comes
        cache.get(snapshot, key, make)
    cache.get(snapshot, "a", make)
    assert len(calls) == 3
    cache.get(snapshot, "b", make)
    assert len(calls) == 4
