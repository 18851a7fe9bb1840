"""Faults against the fake Discord: a deleted question, 5xx and 429s, a failing reply among others, the cooldown
under repeated questions, votes, and an unknown article. Each answer arrives exactly once, or the asker is told once.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from pathlib import Path

import pytest
from fake_discord import FakeDiscord
from harness import SettingsFactory, running, slowed

from bot.discord_app import delivery, render
from bot.service import AskService

MESSAGES = r"/channels/\d+/messages"
CONSTRUCTION = "How many inmates work in construction?"
EPHEMERAL = 64


def pings_no_one(body: dict) -> bool:
    mentions = body.get("allowed_mentions")
    return mentions is not None and mentions.get("parse") == [] and not mentions.get("users") \
        and not mentions.get("replied_user")


@pytest.fixture(autouse=True)
def _quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the retry schedule's shape but not its seconds: these tests are about counts, not waits."""
    monkeypatch.setattr(delivery, "RETRY_DELAYS", (0.05, 0.1, 0.2))


async def mention(fake: FakeDiscord, text: str, **kwargs) -> dict:
    question = fake.message(f"<@{fake.app_id}> {text}", mention_bot=True, **kwargs)
    await fake.dispatch("MESSAGE_CREATE", question)
    return question


def replies_to(fake: FakeDiscord, question: dict) -> list[dict]:
    return [m for m in fake.posted() if (m.get("message_reference") or {}).get("message_id") == question["id"]]


async def test_a_deleted_question_is_still_answered_without_a_ping(fake: FakeDiscord, make_settings: SettingsFactory):
    async with running(make_settings()):
        question = fake.message(f"<@{fake.app_id}> {CONSTRUCTION}", mention_bot=True)
        fake.delete(question)
        await fake.dispatch("MESSAGE_CREATE", question)
        (posted,) = await fake.wait_for(fake.posted)
        await asyncio.sleep(0.2)
    assert len(fake.posted()) == 1
    assert "**15,000**" in posted["embeds"][0]["description"]
    (call,) = fake.calls("POST", MESSAGES)
    assert call.json["message_reference"]["fail_if_not_exists"] is False
    assert pings_no_one(call.json)


async def test_a_server_that_refuses_the_reference_gets_a_plain_message_naming_the_asker(
    fake: FakeDiscord, make_settings: SettingsFactory
):
    fake.strict_references = True
    async with running(make_settings()):
        question = fake.message(f"<@{fake.app_id}> {CONSTRUCTION}", mention_bot=True)
        fake.delete(question)
        await fake.dispatch("MESSAGE_CREATE", question)
        (posted,) = await fake.wait_for(fake.posted)
        await asyncio.sleep(0.2)
    assert len(fake.posted()) == 1
    assert posted["content"].startswith(f"<@{fake.user['id']}> asked")
    assert "**15,000**" in posted["embeds"][0]["description"]
    final = fake.calls("POST", MESSAGES)[-1].json
    assert "message_reference" not in final
    assert pings_no_one(final)


@pytest.mark.parametrize(("status", "via", "after_write"), [
    (502, True, False), (503, True, False), (504, True, False), (500, True, False),
    (503, True, True),  # Discord stored the message, then failed: the nonce keeps it single
    (429, False, False),  # no Via: discord.py does not retry it, askbot does
    (429, True, False),
])
async def test_a_passing_failure_is_retried_and_the_answer_arrives_once(
    fake: FakeDiscord, make_settings: SettingsFactory, status: int, via: bool, after_write: bool
):
    fake.fail("POST", MESSAGES, status, via=via, after_write=after_write)
    async with running(make_settings()):
        question = await mention(fake, CONSTRUCTION)
        (posted,) = await fake.wait_for(lambda: replies_to(fake, question), timeout=10)
        await asyncio.sleep(0.3)
    assert len(replies_to(fake, question)) == 1
    assert "**15,000**" in posted["embeds"][0]["description"]
    attempts = fake.calls("POST", MESSAGES, ok=False)
    assert [a.status for a in attempts][:1] == [status]
    assert len({a.json["nonce"] for a in attempts}) == 1  # one nonce for every attempt
    assert fake.deduplicated == (1 if after_write else 0)


@pytest.mark.parametrize(("status", "via"), [(503, True), (429, False)])
async def test_a_failed_interaction_callback_is_retried(
    fake: FakeDiscord, make_settings: SettingsFactory, status: int, via: bool
):
    fake.fail("POST", r"/interactions/\d+/[^/]+/callback", status, via=via)
    async with running(make_settings()):
        payload = fake.slash("ask", question=CONSTRUCTION)
        await fake.dispatch("INTERACTION_CREATE", payload)
        await fake.wait_for(lambda: fake.ack_latencies, timeout=5)
        final = fake.calls("POST", r"/interactions/\d+/[^/]+/callback")[-1].json
        if final["type"] == 5:  # deferred (a loaded machine): the answer comes as the follow-up
            (followup,) = await fake.wait_for(lambda: fake.calls("POST", r"/webhooks/\d+/[^/]+"), timeout=5)
            answer = followup.json
        else:
            answer = final["data"]
        await asyncio.sleep(0.2)
    callbacks = fake.calls("POST", r"/interactions/\d+/[^/]+/callback", ok=False)
    assert [c.status for c in callbacks] == [status, 200]
    assert "**15,000**" in answer["embeds"][0]["description"]


async def test_a_reply_that_keeps_failing_does_not_hold_the_others_in_its_channel(
    fake: FakeDiscord, make_settings: SettingsFactory
):
    def poisoned(body) -> bool:
        return "bridge" in json.dumps(body or {})

    fake.fail("POST", MESSAGES, 500, times=1000, when=poisoned)
    async with running(make_settings()):
        doomed = await mention(fake, "What is the bridge repair budget?")
        await fake.wait_for(lambda: fake.calls("POST", MESSAGES, ok=False), timeout=5)
        started = time.monotonic()
        others = [await mention(fake, CONSTRUCTION, author=fake.member(i)) for i in range(5)]
        await fake.wait_for(lambda: all(replies_to(fake, q) for q in others), timeout=5)
        elapsed = time.monotonic() - started
        await fake.wait_for(lambda: len([c for c in fake.calls("POST", MESSAGES, ok=False) if poisoned(c.json)]) >= 4,
                            timeout=10)
        await asyncio.sleep(0.5)
    assert elapsed < 2.0  # discord.py alone holds the channel ~25 s per failing reply
    assert all(len(replies_to(fake, q)) == 1 for q in others)
    (told,) = replies_to(fake, doomed)  # the answer never got through: the asker hears so, once
    assert told["content"] == render.APOLOGY
    assert len([c for c in fake.calls("POST", MESSAGES, ok=False) if poisoned(c.json)]) == 4  # bounded


async def test_the_cooldown_tells_once_and_charges_only_answered_questions(
    fake: FakeDiscord, make_settings: SettingsFactory
):
    async with running(make_settings(cooldown_seconds=30)):
        refused = await mention(fake, "the of and")  # no content word: refused, not charged
        await fake.wait_for(lambda: replies_to(fake, refused))
        declined = await mention(fake, "When did the orchestra play its first concert in Vienna?")  # not charged
        await fake.wait_for(lambda: replies_to(fake, declined))
        questions = [await mention(fake, CONSTRUCTION) for _ in range(5)]
        await fake.wait_for(lambda: len(fake.posted()) >= 4)
        await asyncio.sleep(0.5)
    assert replies_to(fake, refused)[0]["content"].startswith("I can't ask that")
    assert "couldn't find the answer" in replies_to(fake, declined)[0]["content"]
    answers = [replies_to(fake, q) for q in questions]
    assert answers[0][0]["embeds"]
    told = [a for a in answers[1:] if a]
    assert len(told) == 1  # the channel hears "Please wait" once, not four times
    assert told[0][0]["content"].startswith("Please wait")
    assert len(fake.posted()) == 4


async def test_a_vote_names_no_one_without_the_key_and_counts_once(
    fake: FakeDiscord, make_settings: SettingsFactory, tmp_path: Path
):
    async with running(make_settings()):
        await mention(fake, CONSTRUCTION)
        (message,) = await fake.wait_for(fake.posted)
        up = next(i for i in fake.custom_ids(message) if i.startswith("askbot:vote:up:"))
        first = await fake.send_interaction(fake.click(message, up))
        again = await fake.send_interaction(fake.click(message, up))
    (line,) = (tmp_path / "feedback.jsonl").read_text(encoding="utf-8").splitlines()
    voter = json.loads(line)["user"]
    user_id = int(fake.user["id"])
    assert voter != hashlib.sha256(f"{fake.app_id}:{user_id}".encode()).hexdigest()[:16]  # the old, reversible one
    key_file = tmp_path / "voter.key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    key = bytes.fromhex(key_file.read_text().strip())
    assert len(key) == 32
    assert voter == hmac.new(key, str(user_id).encode(), hashlib.sha256).hexdigest()[:16]
    assert first.json["data"]["content"] == "Thanks for the feedback!"
    assert again.json["data"]["content"] == "You already voted on this answer."
    assert again.json["data"]["flags"] & EPHEMERAL


async def test_an_unknown_article_is_echoed_escaped(fake: FakeDiscord, make_settings: SettingsFactory):
    async with running(make_settings()):
        typed = "**x** @everyone <@123456789012345678>"
        call = await fake.send_interaction(fake.slash("ask", question=CONSTRUCTION, article=typed))
    content = call.json["data"]["content"]
    assert call.json["data"]["flags"] & EPHEMERAL
    assert "**x**" not in content
    assert "@everyone" not in content
    assert "<@123456789012345678>" not in content
    assert pings_no_one(call.json["data"])


async def test_questions_sent_while_the_gateway_was_closed_are_replayed_and_answered_once(
    fake: FakeDiscord, make_settings: SettingsFactory
):
    async with running(make_settings()):
        before = await mention(fake, CONSTRUCTION)
        await fake.wait_for(lambda: replies_to(fake, before))
        closed = await fake.close_gateway(4000)
        missed = [fake.message(f"<@{fake.app_id}> {CONSTRUCTION}", mention_bot=True, author=fake.member(i))
                  for i in range(3)]
        for question in missed:
            await fake.dispatch_while_down(closed, "MESSAGE_CREATE", question)
        await fake.wait_for(lambda: fake.resumes, timeout=10)
        after = await mention(fake, CONSTRUCTION)
        await fake.wait_for(lambda: all(replies_to(fake, q) for q in [*missed, after]), timeout=10)
        await asyncio.sleep(0.3)
    assert len(fake.identifies) == 1  # resumed, not a new session
    assert all(len(replies_to(fake, q)) == 1 for q in [before, *missed, after])


async def test_slow_responses_delay_but_lose_nothing(fake: FakeDiscord, make_settings: SettingsFactory):
    fake.slow("POST", MESSAGES, 0.15)
    fake.slow("POST", r"/interactions/\d+/[^/]+/callback", 0.3)
    async with running(make_settings()):
        here = [await mention(fake, CONSTRUCTION, author=fake.member(i)) for i in range(4)]
        there = [await mention(fake, CONSTRUCTION, author=fake.member(10 + i), channel_id=fake.other_channel_id)
                 for i in range(4)]
        payload = fake.slash("ask", question=CONSTRUCTION)
        await fake.dispatch("INTERACTION_CREATE", payload)
        await fake.wait_for(lambda: all(replies_to(fake, q) for q in here + there) and fake.ack_latencies,
                            timeout=10)
        await asyncio.sleep(0.3)
    assert all(len(replies_to(fake, q)) == 1 for q in here + there)
    assert fake.late_callbacks == []
    assert len(fake.calls("POST", r"/interactions/\d+/[^/]+/callback")) == 1


async def test_reload_with_a_link_loop_and_an_impossible_date_reports_them(
    fake: FakeDiscord, make_settings: SettingsFactory, corpus_dir: Path
):
    import os

    from fake_discord import ADMIN_PERMISSIONS

    async with running(make_settings()):
        os.symlink("loop.md", corpus_dir / "loop.md")
        (corpus_dir / "feb30.md").write_text("---\ntitle: T\ndate: 2025-02-30\n---\n\nText.\n", encoding="utf-8")
        await fake.send_interaction(fake.slash("reload", user=fake.admin, permissions=ADMIN_PERMISSIONS))
        (followup,) = await fake.wait_for(lambda: fake.calls("POST", r"/webhooks/\d+/[^/]+"))
        answer = await mention(fake, CONSTRUCTION)
        await fake.wait_for(lambda: replies_to(fake, answer))
    content = followup.json["content"]
    assert "2 bad file(s)" in content
    assert "loop.md" in content
    assert "feb30.md" in content
    assert "impossible date" in content
    assert render.APOLOGY not in content
    assert replies_to(fake, answer)[0]["embeds"]


async def test_an_ask_that_reaches_the_handler_late_is_deferred_at_once(
    fake: FakeDiscord, make_settings: SettingsFactory, monkeypatch: pytest.MonkeyPatch
):
    from fake_discord import DISCORD_EPOCH_MS

    settings = make_settings()
    service = AskService.from_settings(settings)
    slowed(monkeypatch, service, "ask", 0.6)
    async with running(settings, service):
        payload = fake.slash("ask", question=CONSTRUCTION)
        # Created 2.2 s ago (a burst held it in the queues): 0.8 s are left of Discord's 3 s.
        created_ms = int(time.time() * 1000) - 2200 - DISCORD_EPOCH_MS
        payload["id"] = str((created_ms << 22) | 1)
        await fake.dispatch("INTERACTION_CREATE", payload)
        await fake.wait_for(lambda: fake.ack_latencies or fake.late_callbacks, timeout=5)
        (followup,) = await fake.wait_for(lambda: fake.calls("POST", r"/webhooks/\d+/[^/]+"), timeout=5)
    assert fake.late_callbacks == []
    (callback,) = fake.calls("POST", r"/interactions/\d+/[^/]+/callback")
    assert callback.json["type"] == 5  # deferred, not held until the answer came
    assert fake.ack_latencies[int(payload["id"])] < 2.6
    assert "**15,000**" in followup.json["embeds"][0]["description"]
