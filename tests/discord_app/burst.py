"""A burst of mentions and /asks sent by the fake Discord, and what came of it: the load tests' one procedure.

Run in the bot's own process (``test_discord_load``) or in a process of its own (``burst_process.py``), where the
fake's work is not counted against the bot, as on a real network.
"""

from __future__ import annotations

import asyncio
import re
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field

from fake_discord import FakeDiscord, created_at

SETTLE_POLL = 0.1
WEBHOOK_RE = re.compile(r"/webhooks/\d+/([^/]+)")
CALLBACKS = r"/interactions/\d+/[^/]+/callback"


@dataclass(frozen=True)
class Burst:
    """What to send: ``questions[i]`` is the i-th event's, one in ``every`` an /ask, spread over ``seconds``."""

    questions: list[str]
    mentions: int
    asks: int
    members: int
    seconds: float
    finish_timeout: float


@dataclass
class BurstResult:
    """What came of a burst (plain values: it crosses a process boundary as JSON)."""

    mentions: int
    asks: int
    settled_after: float
    lost: int
    duplicated: int
    late: int
    deferred: int
    callbacks_once: bool  # every /ask called back exactly once
    followups_at_most_once: bool
    ack_latencies: list[float] = field(default_factory=list)  # seconds from an /ask's creation to its callback
    reply_waits: list[float] = field(default_factory=list)  # seconds from a mention's arrival to its reply

    def summary(self, kind: str, members: int, seconds: float) -> str:
        """Return one line with the figures, for ``pytest -s``."""
        acks, waits = sorted(self.ack_latencies), sorted(self.reply_waits)
        return (f"burst ({kind}): {self.mentions} mentions + {self.asks} /ask from {members} members in "
                f"{seconds:.0f} s, settled after {self.settled_after:.1f} s; mentions lost {self.lost}, duplicated "
                f"{self.duplicated}; /ask late {self.late}, deferred {self.deferred}, ack from creation p50 "
                f"{statistics.median(acks):.3f} s, max {acks[-1]:.3f} s; reply from arrival p50 "
                f"{statistics.median(waits):.3f} s, p95 {percentile(waits, 95):.3f} s, max {waits[-1]:.3f} s")


def percentile(values: list[float], q: float) -> float:
    """Return the ``q``-th percentile of sorted values (nearest rank)."""
    return values[max(0, min(len(values) - 1, round(q / 100 * len(values)) - 1))]


async def run_burst(fake: FakeDiscord, burst: Burst) -> BurstResult:
    """Send the burst to the bot connected to ``fake``, wait until every question has its reply, and count."""
    total = burst.mentions + burst.asks
    every = total // burst.asks
    mentions: list[dict] = []
    asks: dict[str, int] = {}  # token -> interaction id
    started = time.monotonic()
    for i in range(total):
        author = fake.member(i % burst.members)
        question = burst.questions[i]
        if i % every == every - 1 and len(asks) < burst.asks:
            payload = fake.slash("ask", question=question, user=author)
            asks[payload["token"]] = int(payload["id"])
            await fake.dispatch("INTERACTION_CREATE", payload)
        else:
            payload = fake.message(f"<@{fake.app_id}> {question}", mention_bot=True, author=author)
            mentions.append(payload)
            await fake.dispatch("MESSAGE_CREATE", payload)
        # Spread the events evenly over the burst, bounded by the count.
        lag = started + burst.seconds * (i + 1) / total - time.monotonic()
        if lag > 0:
            await asyncio.sleep(lag)
    mention_ids = {m["id"] for m in mentions}

    def settled() -> bool:
        replied = {(m.get("message_reference") or {}).get("message_id") for m in fake.posted()}
        acked = set(fake.ack_latencies) | set(fake.late_callbacks)
        return mention_ids <= replied and set(asks.values()) <= acked and deferred_followed_up()

    def deferred_followed_up() -> bool:
        deferred = {c.path.split("/")[3] for c in fake.calls("POST", CALLBACKS) if c.json.get("type") == 5}
        followed = {m.group(1) for c in fake.calls("POST", r"/webhooks/\d+/[^/]+")
                    if (m := WEBHOOK_RE.fullmatch(c.path))}
        return deferred <= followed

    # Checked every SETTLE_POLL seconds, not at each request: the check reads every request recorded, and run at
    # each of the burst's thousands it took seconds of the event loop (the bot's too, when it shares it).
    deadline = time.monotonic() + burst.finish_timeout
    while not settled():
        if time.monotonic() > deadline:
            raise TimeoutError("the burst did not settle in time")
        await asyncio.sleep(SETTLE_POLL)
    finished = time.monotonic() - started
    await asyncio.sleep(0.5)  # anything sent twice would arrive now

    replies = Counter((m.get("message_reference") or {}).get("message_id") for m in fake.posted())
    callbacks = Counter(c.path.split("/")[2] for c in fake.calls("POST", CALLBACKS))
    followups = Counter(m.group(1) for c in fake.calls("POST", r"/webhooks/\d+/[^/]+")
                        if (m := WEBHOOK_RE.fullmatch(c.path)))
    return BurstResult(
        mentions=len(mentions),
        asks=len(asks),
        settled_after=finished,
        lost=sum(1 for i in mention_ids if replies[i] == 0),
        duplicated=sum(1 for i in mention_ids if replies[i] > 1),
        late=len(fake.late_callbacks),
        deferred=sum(1 for c in fake.calls("POST", CALLBACKS) if c.json.get("type") == 5),
        callbacks_once=all(callbacks[str(i)] == 1 for i in asks.values()),
        followups_at_most_once=all(followups[token] <= 1 for token in asks),
        ack_latencies=list(fake.ack_latencies.values()),
        # Both read from snowflakes: the mention's creation and the reply's.
        reply_waits=[created_at(m["id"]) - created_at(m["message_reference"]["message_id"]) for m in fake.posted()
                     if (m.get("message_reference") or {}).get("message_id") in mention_ids],
    )
