"""A burst against the fake Discord: mentions from many members and /asks, every answer exactly once, every /ask
acknowledged within its deadline counted from its creation.

The suite runs a small burst (seconds); ``ASKBOT_LOAD=full`` in the environment of pytest runs the issue's
1,000 mentions from 50 members in 3 s plus 200 /ask (the hermetic fixture clears ``ASKBOT_*`` variables, so it
is read at import). Two kinds of burst: four questions asked over and over (members asking the same thing, which
the answer cache answers once), and every question distinct (the seed article's question sets, each in several
wordings, so that neither the answer cache nor the question vectors' cache answers any). The fake serves in the
bot's own process and event loop: its work is counted against the bot, which makes the measured latencies
harsher than on a real network.
"""

from __future__ import annotations

import asyncio
import os
import re
import statistics
import time
from collections import Counter
from pathlib import Path

import pytest
from fake_discord import FakeDiscord, created_at
from harness import REPO, SettingsFactory, running

from bot.evaluation import load_question_set
from bot.service import AskService

FULL = os.environ.get("ASKBOT_LOAD") == "full"
MENTIONS, ASKS, MEMBERS, SPREAD_SECONDS = (1000, 200, 50, 3.0) if FULL else (200, 40, 50, 1.0)
# On loopback an /ask must be acknowledged well inside Discord's 3 s: the network adds the rest both ways.
ACK_TARGET_SECONDS = 2.0
FINISH_TIMEOUT = 120.0 if FULL else 90.0  # a bound on waiting, with room for a loaded 2-core machine
SETTLE_POLL = 0.1
QUESTIONS = (
    "How many inmates work in construction?",
    "What is the bridge repair budget?",
    "When did the orchestra play its first concert in Vienna?",  # declined: still one reply
    "When will the council vote on the library roof?",
)
# Not asked here: the harbour report's one 12,000-word paragraph (kept whole by the fixtures' max_passage_words)
# costs about 0.7 s per question that reaches it, which measures the ranking, not the front end.
WEBHOOK_RE = re.compile(r"/webhooks/\d+/([^/]+)")
# How members word the same question differently: each makes a distinct text to answer.
WORDINGS = ("{}", "hey, {}", "{} thanks", "quick question: {}", "{} please", "so {}", "do you know {}", "{} ??",
            "one more: {}", "I wonder, {}")
SEED_SETS = ("seed.yaml", "seed_heldout.yaml", "seed_heldout2.yaml")


def distinct_questions(count: int) -> list[str]:
    """Return ``count`` distinct questions: the seed article's question sets, each in turn in each wording."""
    asked = [item.question for name in SEED_SETS for item in load_question_set(REPO / "tests" / "data" / name).items]
    texts = list(dict.fromkeys(wording.format(q) for wording in WORDINGS for q in asked))
    assert len(texts) >= count, f"only {len(texts)} distinct questions"
    return texts[:count]


def percentile(values: list[float], q: float) -> float:
    """Return the ``q``-th percentile of sorted values (nearest rank)."""
    return values[max(0, min(len(values) - 1, round(q / 100 * len(values)) - 1))]


# Each answer made this much slower (a sleep in the worker thread, as a larger corpus would take): the answers
# queue behind each other for seconds, and an /ask that waited for its answer before acknowledging would be late.
SLOW_ANSWER_SECONDS = (0.0, 0.1) if FULL else (0.1,)


@pytest.mark.parametrize(("slow", "distinct"), [*((slow, False) for slow in SLOW_ANSWER_SECONDS), (0.0, True)])
async def test_a_burst_of_mentions_and_asks_is_answered_exactly_once_and_in_time(
    fake: FakeDiscord, make_settings: SettingsFactory, corpus_dir: Path, slow: float, distinct: bool
):
    if distinct:
        # The harbour report's one long paragraph is the long-passage fixture, not asked here (see QUESTIONS).
        (corpus_dir / "harbour-report.md").unlink()
    settings = make_settings()
    service = AskService.from_settings(settings)
    if slow:
        ask = service.ask

        def slower(question: str, **kwargs):
            time.sleep(slow)
            return ask(question, **kwargs)

        service.ask = slower  # type: ignore[method-assign]
    total = MENTIONS + ASKS
    every = total // ASKS
    asked = distinct_questions(total) if distinct else [QUESTIONS[i % len(QUESTIONS)] for i in range(total)]
    mentions: list[dict] = []
    asks: dict[str, int] = {}  # token -> interaction id
    async with running(settings, service):
        started = time.monotonic()
        for i in range(total):
            author = fake.member(i % MEMBERS)
            question = asked[i]
            if i % every == every - 1 and len(asks) < ASKS:
                payload = fake.slash("ask", question=question, user=author)
                asks[payload["token"]] = int(payload["id"])
                await fake.dispatch("INTERACTION_CREATE", payload)
            else:
                payload = fake.message(f"<@{fake.app_id}> {question}", mention_bot=True, author=author)
                mentions.append(payload)
                await fake.dispatch("MESSAGE_CREATE", payload)
            # Spread the events evenly over the burst, bounded by the count.
            lag = started + SPREAD_SECONDS * (i + 1) / total - time.monotonic()
            if lag > 0:
                await asyncio.sleep(lag)
        mention_ids = {m["id"] for m in mentions}

        def settled() -> bool:
            replied = {(m.get("message_reference") or {}).get("message_id") for m in fake.posted()}
            acked = set(fake.ack_latencies) | set(fake.late_callbacks)
            return mention_ids <= replied and set(asks.values()) <= acked and deferred_followed_up()

        def deferred_followed_up() -> bool:
            deferred = {c.path.split("/")[3] for c in fake.calls("POST", r"/interactions/\d+/[^/]+/callback")
                        if c.json.get("type") == 5}
            followed = {m.group(1) for c in fake.calls("POST", r"/webhooks/\d+/[^/]+")
                        if (m := WEBHOOK_RE.fullmatch(c.path))}
            return deferred <= followed

        # Checked every SETTLE_POLL seconds, not at each request: the check reads every request recorded, and run at
        # each of the burst's thousands it took seconds of the event loop the bot shares (replies came later).
        deadline = time.monotonic() + FINISH_TIMEOUT
        while not settled():
            assert time.monotonic() < deadline, "the burst did not settle in time"
            await asyncio.sleep(SETTLE_POLL)
        finished = time.monotonic() - started
        await asyncio.sleep(0.5)  # anything sent twice would arrive now

    replies = Counter((m.get("message_reference") or {}).get("message_id") for m in fake.posted())
    lost = [i for i in mention_ids if replies[i] == 0]
    duplicated = [i for i in mention_ids if replies[i] > 1]
    callbacks = Counter(c.path.split("/")[2] for c in fake.calls("POST", r"/interactions/\d+/[^/]+/callback"))
    deferred = sum(1 for c in fake.calls("POST", r"/interactions/\d+/[^/]+/callback") if c.json.get("type") == 5)
    followups = Counter(m.group(1) for c in fake.calls("POST", r"/webhooks/\d+/[^/]+")
                        if (m := WEBHOOK_RE.fullmatch(c.path)))
    latencies = sorted(fake.ack_latencies.values())
    # From a mention's arrival to its reply, both read from their snowflakes (milliseconds).
    reply_waits = sorted(created_at(m["id"]) - created_at(m["message_reference"]["message_id"])
                         for m in fake.posted() if (m.get("message_reference") or {}).get("message_id") in mention_ids)
    kind = "distinct questions" if distinct else f"answers +{slow:.2f} s"
    print(f"\nburst ({kind}): {len(mentions)} mentions + {len(asks)} /ask from {MEMBERS} members "
          f"in {SPREAD_SECONDS:.0f} s, "
          f"settled after {finished:.1f} s; mentions lost {len(lost)}, duplicated {len(duplicated)}; "
          f"/ask late {len(fake.late_callbacks)}, deferred {deferred}, ack from creation "
          f"p50 {statistics.median(latencies):.3f} s, max {latencies[-1]:.3f} s; reply from arrival "
          f"p50 {statistics.median(reply_waits):.3f} s, p95 {percentile(reply_waits, 95):.3f} s, "
          f"max {reply_waits[-1]:.3f} s")
    assert (lost, duplicated) == ([], [])
    assert fake.late_callbacks == []
    assert all(callbacks[str(i)] == 1 for i in asks.values())
    assert all(followups[token] <= 1 for token in asks)
    assert latencies[-1] < ACK_TARGET_SECONDS
