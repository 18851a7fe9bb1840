"""End to end: the bot `askbot run` builds, connected to a fake Discord on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import pytest
from fake_discord import ADMIN_PERMISSIONS, FakeDiscord
from harness import SettingsFactory, running, slowed

from bot.discord_app import cog, render
from bot.discord_app.delete_button import DELETE_ID
from bot.service import AskService

MESSAGES = r"/channels/\d+/messages"
CALLBACK = r"/interactions/\d+/[^/]+/callback"
CONSTRUCTION = "How many inmates work in construction?"
EPHEMERAL = 64


def pings_no_one(body: dict) -> bool:
    mentions = body.get("allowed_mentions")
    return mentions is not None and mentions.get("parse") == [] and not mentions.get("users") \
        and not mentions.get("roles") and not mentions.get("replied_user")


def embed_size(embed: dict) -> int:
    fields = sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields", []))
    return (len(embed.get("title", "")) + len(embed.get("description", "")) + fields
            + len(embed.get("footer", {}).get("text", "")) + len(embed.get("author", {}).get("name", "")))


@pytest.fixture
def patient(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let an answer in hand go in the interaction's callback: widen the wait to the whole ack budget.

    Without it a busy machine (a search then takes a few tenths of a second) defers, and a test about the
    response's content would become a test of timing; deferral has its own tests.
    """
    monkeypatch.setattr(cog, "INLINE_ANSWER_SECONDS", cog.ACK_BUDGET_SECONDS)


async def ask_by_mention(fake: FakeDiscord, text: str, **kwargs) -> dict:
    """Mention the bot with a question and return the body of the bot's reply."""
    before = len(fake.calls("POST", MESSAGES))
    await fake.dispatch("MESSAGE_CREATE", fake.message(f"<@{fake.app_id}> {text}", mention_bot=True, **kwargs))
    calls = await fake.wait_for(lambda: (c := fake.calls("POST", MESSAGES))[before:] and c)
    return calls[before].json


async def test_mention_is_answered_with_the_passage_as_a_reply(fake: FakeDiscord, make_settings: SettingsFactory):
    async with running(make_settings()):
        question = fake.message(f"<@{fake.app_id}> {CONSTRUCTION}", mention_bot=True)
        await fake.dispatch("MESSAGE_CREATE", question)
        (sent,) = await fake.wait_for(lambda: fake.calls("POST", MESSAGES))
        # The echo of our own reply arrives as MESSAGE_CREATE; give it time to be (not) answered.
        await asyncio.sleep(0.3)
        assert len(fake.calls("POST", MESSAGES, ok=False)) == 1
    body = sent.json
    (embed,) = body["embeds"]
    assert "**15,000**" in embed["description"]
    assert embed["footer"]["text"] == "2025-07-05 · ¶7"
    assert embed["title"].startswith("El Salvador")
    assert embed["fields"] == [{"name": "Question", "value": CONSTRUCTION, "inline": False}]
    assert int(body["message_reference"]["message_id"]) == int(question["id"])
    assert pings_no_one(body)
    ids = [c["custom_id"] for c in body["components"][0]["components"]]
    assert ids[0].startswith("askbot:more:a:7.0:el-salvador-prison-system")
    assert ids[1].startswith("askbot:vote:up:7.0:")
    assert ids[2].startswith("askbot:vote:down:7.0:")
    assert all(len(i) <= 100 for i in ids)


async def test_slash_ask_answers_in_the_interaction_callback(
    fake: FakeDiscord, make_settings: SettingsFactory, monkeypatch: pytest.MonkeyPatch
):
    # An answer in hand goes in the callback itself. The wait for it is widened to the whole ack budget, so that
    # a busy machine (a search then takes a few tenths of a second) does not turn this into a timing test.
    monkeypatch.setattr(cog, "INLINE_ANSWER_SECONDS", cog.ACK_BUDGET_SECONDS)
    async with running(make_settings()):
        call = await fake.send_interaction(fake.slash("ask", question=CONSTRUCTION))
    assert call.json["type"] == 4
    data = call.json["data"]
    assert "**15,000**" in data["embeds"][0]["description"]
    assert not int(data.get("flags") or 0) & EPHEMERAL
    assert pings_no_one(data)
    assert len(data["components"][0]["components"]) == 3


async def test_private_ask_is_ephemeral(fake: FakeDiscord, make_settings: SettingsFactory):
    async with running(make_settings()):
        call = await fake.send_interaction(fake.slash("ask", question=CONSTRUCTION, private=True))
    assert call.json["data"]["flags"] & EPHEMERAL


async def test_ask_within_an_article_chosen_by_autocomplete(fake: FakeDiscord, make_settings: SettingsFactory):
    async with running(make_settings()):
        choices = await fake.send_interaction(fake.autocomplete("ask", "article", "town", question="budget"))
        data = await fake.answer_of(fake.slash("ask", question="What is the budget?", article="town-hall"))
    assert choices.json["type"] == 8
    assert choices.json["data"]["choices"] == [{"name": "Town hall *budget* meeting", "value": "town-hall"}]
    embed = data["embeds"][0]
    assert embed["title"] == r"Town hall \*budget\* meeting"
    assert embed["url"] == "https://example.com/town-hall"
    assert data["components"][0]["components"][0]["custom_id"].startswith("askbot:more:s:")


async def test_decline_names_the_closest_article_without_passage_or_citation(
    fake: FakeDiscord, make_settings: SettingsFactory
):
    async with running(make_settings()):
        body = await ask_by_mention(fake, "When did the orchestra play its first concert in Vienna?")
    (embed,) = body["embeds"]  # the question alone, for the button to read back; no passage, no citation
    assert embed["fields"] == [{"name": "Question", "value": "When did the orchestra play its first concert in "
                                "Vienna?", "inline": False}]
    assert "description" not in embed
    assert "title" not in embed
    assert fake.custom_ids(body) == ["askbot:near", DELETE_ID]  # nothing to vote on or page through
    assert "couldn't find the answer" in body["content"]
    assert "“" in body["content"]  # the closest article's title
    assert "¶" not in body["content"]
    assert pings_no_one(body)


async def test_closest_passages_under_a_decline_are_shown_to_the_clicker_alone_even_after_a_restart(
    fake: FakeDiscord, make_settings: SettingsFactory, patient: None
):
    settings = make_settings()
    async with running(settings):
        await ask_by_mention(fake, "When did the orchestra play its first concert in Vienna?")
    declined = next(m for m in fake.messages.values() if m["components"])
    async with running(settings):  # a new client: the button is rebuilt from its custom_id alone
        near = await fake.send_interaction(fake.click(declined, "askbot:near"))
    assert near.json["type"] == 4
    data = near.json["data"]
    assert data["flags"] & EPHEMERAL
    assert pings_no_one(data)
    (embed,) = data["embeds"]
    assert embed["title"] == "Closest passages"
    assert embed["description"].startswith("*" + render.NEAR_NOTE + "*")
    assert "**1.**" in embed["description"]
    assert "orchestra" in embed["description"]  # the passage nearest in meaning: "our own symphony orchestra"
    assert "¶" in embed["description"]  # each with its citation
    assert embed_size(embed) <= render.EMBED_TOTAL_CHARS


async def test_an_ask_of_one_article_that_another_answers_names_the_other(
    fake: FakeDiscord, make_settings: SettingsFactory, patient: None
):
    async with running(make_settings()):
        data = await fake.answer_of(fake.slash("ask", question="How many inmates work in construction?",
                                               article="town-hall"))
    assert data["content"].startswith(
        "The article you asked doesn't answer this; “El Salvador's prison system” comes much closer.")
    assert "¶" not in data["content"]  # no passage quoted
    assert pings_no_one(data)


async def test_closest_passages_of_an_ask_within_an_article_search_that_article(
    fake: FakeDiscord, make_settings: SettingsFactory, patient: None
):
    async with running(make_settings()):
        data = await fake.answer_of(fake.slash("ask", question="Who won the orchestra competition in Vienna?",
                                               article="town-hall"))
        assert "couldn't find the answer" in data["content"]
        assert fake.custom_ids(data) == ["askbot:near:town-hall", DELETE_ID]
        declined = next(m for m in fake.messages.values() if m["components"] and m["embeds"] == data["embeds"])
        near = await fake.send_interaction(fake.click(declined, "askbot:near:town-hall"))
        # A button whose article has since left the corpus says so, privately, instead of searching elsewhere.
        stale = json.loads(json.dumps(declined).replace("askbot:near:town-hall", "askbot:near:removed-article"))
        gone = await fake.send_interaction(fake.click(stale, "askbot:near:removed-article"))
    description = near.json["data"]["embeds"][0]["description"]
    assert "Town hall" in description
    assert "El Salvador" not in description
    assert gone.json["data"]["content"] == "That article is no longer among the ones I know."
    assert gone.json["data"]["flags"] & EPHEMERAL


async def test_everyone_in_question_and_passage_pings_no_one(fake: FakeDiscord, make_settings: SettingsFactory):
    async with running(make_settings()):
        body = await ask_by_mention(fake, "@everyone what is the bridge repair budget? @here")
        data = await fake.answer_of(fake.slash("ask", question="@everyone bridge repair budget"))
    for payload in (body, data):
        assert pings_no_one(payload)
        text = json.dumps(payload, ensure_ascii=False)
        assert "@everyone" not in text
        assert "@here" not in text
        assert "<@123456789012345678>" not in text
        embed = payload["embeds"][0]
        assert "@\u200beveryone" in embed["description"]
        assert r"bridge\_repair" in embed["description"]
        assert r"\|" in embed["description"]
        assert r"\`code\`" in embed["description"]
        assert r"\~strikes\~" in embed["description"]


async def test_own_and_other_bots_messages_are_ignored(fake: FakeDiscord, make_settings: SettingsFactory):
    other_bot = {**fake.user, "id": "1234567890123456789", "username": "otherbot", "bot": True}
    async with running(make_settings()):
        await fake.dispatch("MESSAGE_CREATE", fake.message(f"<@{fake.app_id}> {CONSTRUCTION}", mention_bot=True,
                                                           author=fake.bot_user))
        await fake.dispatch("MESSAGE_CREATE", fake.message(f"<@{fake.app_id}> {CONSTRUCTION}", mention_bot=True,
                                                           author=other_bot))
        await asyncio.sleep(0.3)
    assert fake.calls("POST", MESSAGES, ok=False) == []


async def test_guild_message_without_mention_arrives_blank_and_is_ignored(
    fake: FakeDiscord, make_settings: SettingsFactory
):
    message = fake.message(CONSTRUCTION)
    assert message["content"] == ""  # what Discord sends a bot without the message-content intent
    async with running(make_settings()) as bot:
        await fake.dispatch("MESSAGE_CREATE", message)
        await fake.dispatch("MESSAGE_CREATE", fake.message("@everyone " + CONSTRUCTION, mention_everyone=True))
        await asyncio.sleep(0.3)
        assert not bot.intents.message_content
    assert fake.identifies[0]["intents"] & (1 << 15) == 0
    assert fake.calls("POST", MESSAGES, ok=False) == []


async def test_reply_to_an_answer_prefers_the_same_article(fake: FakeDiscord, make_settings: SettingsFactory):
    async with running(make_settings()):
        first = await ask_by_mention(fake, "What is the bridge repair budget?")
        answer = next(m for m in fake.messages.values() if m["embeds"] == first["embeds"])
        assert first["embeds"][0]["title"].startswith("Town hall")
        # Scope "s" in the buttons below shows the answer came from the search within the replied article.
        body = await ask_by_mention(fake, "When is the next round of public hearings?", reply_to=answer)
    embed = body["embeds"][0]
    assert embed["title"].startswith("Town hall")
    assert embed["footer"]["text"].endswith("¶2")
    assert body["components"][0]["components"][0]["custom_id"].startswith("askbot:more:s:2.0:town-hall")


async def test_the_reply_asks_for_the_passage_it_shows_and_more_for_the_next_ones(
    fake: FakeDiscord, make_settings: SettingsFactory, monkeypatch: pytest.MonkeyPatch, patient: None
):
    settings = make_settings()
    service = AskService.from_settings(settings)
    original = service.ask
    tops: list[int | None] = []

    def recording(question: str, **kwargs):
        tops.append(kwargs.get("top"))
        return original(question, **kwargs)

    monkeypatch.setattr(service, "ask", recording)
    async with running(settings, service):
        await fake.answer_of(fake.slash("ask", question=CONSTRUCTION))
        await ask_by_mention(fake, CONSTRUCTION)
        message = next(m for m in fake.messages.values() if m["components"])
        more = await fake.send_interaction(fake.click(message, fake.custom_ids(message)[0]))
    # One passage is shown, so one is highlighted; "More" asks for the shown one and the next top_k.
    assert tops == [1, 1, settings.retrieval.top_k + 1]
    assert "**2.**" in more.json["data"]["embeds"][0]["description"]


async def test_direct_message_is_answered(fake: FakeDiscord, make_settings: SettingsFactory):
    async with running(make_settings()):
        dm = fake.message(CONSTRUCTION, dm=True)
        await fake.dispatch("MESSAGE_CREATE", dm)
        (sent,) = await fake.wait_for(lambda: fake.calls("POST", MESSAGES))
    assert sent.path == f"/channels/{dm['channel_id']}/messages"
    assert "**15,000**" in sent.json["embeds"][0]["description"]


async def test_other_passages_and_feedback_buttons(
    fake: FakeDiscord, make_settings: SettingsFactory, tmp_path: Path, patient: None
):
    async with running(make_settings()):
        await fake.answer_of(fake.slash("ask", question=CONSTRUCTION))
        message = next(m for m in fake.messages.values() if m["components"])
        more_id, up_id, _ = fake.custom_ids(message)[:3]  # the 🗑 button is on the second row
        more = await fake.send_interaction(fake.click(message, more_id))
        vote = await fake.send_interaction(fake.click(message, up_id))
    assert more.json["type"] == 4
    assert more.json["data"]["flags"] & EPHEMERAL
    (embed,) = more.json["data"]["embeds"]
    assert embed["title"] == "Other passages"
    assert "¶7" not in embed["description"]  # the passage already shown is left out
    assert "**2.**" in embed["description"]
    assert vote.json["data"]["flags"] & EPHEMERAL
    (line,) = (tmp_path / "feedback.jsonl").read_text(encoding="utf-8").splitlines()
    record = json.loads(line)
    assert record["question"] == CONSTRUCTION
    assert record["article"] == "el-salvador-prison-system"
    assert record["paragraph"] == 7
    assert record["vote"] == "up"
    assert record["score"] > 0
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT.*", record["time"])
    assert fake.user["id"] not in line


async def test_buttons_work_after_a_restart(
    fake: FakeDiscord, make_settings: SettingsFactory, tmp_path: Path, patient: None
):
    settings = make_settings()
    async with running(settings):
        await fake.answer_of(fake.slash("ask", question=CONSTRUCTION))
    message = next(m for m in fake.messages.values() if m["components"])
    more_id, _, down_id = fake.custom_ids(message)[:3]  # the 🗑 button is on the second row
    async with running(settings):  # a new process would start just like this: a new client, nothing cached
        more = await fake.send_interaction(fake.click(message, more_id))
        vote = await fake.send_interaction(fake.click(message, down_id))
    assert more.json["data"]["embeds"][0]["title"] == "Other passages"
    assert json.loads((tmp_path / "feedback.jsonl").read_text(encoding="utf-8"))["vote"] == "down"
    assert vote.json["data"]["flags"] & EPHEMERAL


async def test_cooldown_tells_the_user_to_wait(fake: FakeDiscord, make_settings: SettingsFactory):
    async with running(make_settings(cooldown_seconds=30)):
        first = await fake.answer_of(fake.slash("ask", question=CONSTRUCTION))
        second = await fake.send_interaction(fake.slash("ask", question=CONSTRUCTION))
        other_user = await fake.answer_of(fake.slash("ask", question=CONSTRUCTION, user=fake.admin))
        mention = await ask_by_mention(fake, CONSTRUCTION)
    assert first["embeds"]
    assert second.json["data"]["flags"] & EPHEMERAL
    assert re.fullmatch(r"Please wait (29|30) s before asking again\.", second.json["data"]["content"])
    assert other_user["embeds"]
    assert mention["content"].startswith("Please wait")


async def test_allowlist(fake: FakeDiscord, make_settings: SettingsFactory):
    async with running(make_settings(allowed_channel_ids=[fake.channel_id])):
        outside = fake.message(f"<@{fake.app_id}> {CONSTRUCTION}", mention_bot=True, channel_id=fake.other_channel_id)
        await fake.dispatch("MESSAGE_CREATE", outside)
        slash_outside = await fake.send_interaction(fake.slash("ask", question=CONSTRUCTION,
                                                               channel_id=fake.other_channel_id))
        await asyncio.sleep(0.2)
        assert fake.calls("POST", MESSAGES, ok=False) == []
        inside = await ask_by_mention(fake, CONSTRUCTION)
    assert slash_outside.json["data"]["flags"] & EPHEMERAL
    assert slash_outside.json["data"]["content"] == f"I only answer in <#{fake.channel_id}>."
    assert pings_no_one(slash_outside.json["data"])
    assert inside["embeds"]


async def test_reload_needs_manage_server_and_reports_the_diff(
    fake: FakeDiscord, make_settings: SettingsFactory, corpus_dir: Path
):
    settings = make_settings()
    service = AskService.from_settings(settings)
    async with running(settings, service):
        refused = await fake.send_interaction(fake.slash("reload"))
        (corpus_dir / "town-hall.md").unlink()
        text = (corpus_dir / "harbour-report.md").read_text(encoding="utf-8")
        (corpus_dir / "harbour-report.md").write_text(text + "\nA new closing paragraph.\n", encoding="utf-8")
        (corpus_dir / "new-article.md").write_text("---\ntitle: Brand new\n---\n\nFresh words here.\n", "utf-8")
        (corpus_dir / "broken.md").write_text("---\ndate: 2020-01-01\n---\n\nNo title.\n", encoding="utf-8")
        accepted = await fake.send_interaction(fake.slash("reload", user=fake.admin, permissions=ADMIN_PERMISSIONS))
        followup = await fake.wait_for(lambda: fake.calls("POST", r"/webhooks/\d+/[^/]+"))
    assert refused.json["data"]["flags"] & EPHEMERAL
    assert "Manage Server" in refused.json["data"]["content"]
    assert accepted.json["type"] == 5
    assert accepted.json["data"]["flags"] & EPHEMERAL
    content = followup[0].json["content"]
    assert "+ Brand new (new-article)" in content
    assert "− Town hall \\*budget\\* meeting (town-hall)" in content
    assert "~ Harbour committee report (harbour-report)" in content
    assert "broken.md" in content
    assert service.corpus.article("town-hall") is None


async def test_long_passage_is_cut_around_the_highlight_within_limits(
    fake: FakeDiscord, make_settings: SettingsFactory
):
    async with running(make_settings()):
        body = await ask_by_mention(fake, "How many gulls did the lighthouse keeper count?")
    embed = body["embeds"][0]
    description = embed["description"]
    assert "**4,321**" in description
    assert description.startswith("… ")
    assert description.endswith(" …")
    assert len(description) <= render.EMBED_DESCRIPTION_CHARS
    assert embed_size(embed) <= render.EMBED_TOTAL_CHARS
    assert embed["footer"]["text"] == "2024-11-30 · ¶1"
    inner = description[2:-2]
    assert inner[0].isupper()
    assert inner.endswith(".")


async def test_help_and_sources(fake: FakeDiscord, make_settings: SettingsFactory):
    async with running(make_settings()):
        helped = await fake.send_interaction(fake.slash("help"))
        sources = await fake.send_interaction(fake.slash("sources"))
    assert "/ask" in helped.json["data"]["content"]
    description = sources.json["data"]["embeds"][0]["description"]
    assert "Harbour committee report" in description
    assert "2024-11-30" in description
    assert "1 passage(s)" in description


async def test_question_too_long_is_explained(fake: FakeDiscord, make_settings: SettingsFactory):
    async with running(make_settings()):
        call = await fake.send_interaction(fake.slash("ask", question="why " * 200))
    data = call.json["data"]
    assert data["flags"] & EPHEMERAL
    assert "too long" in data["content"]
    assert "500" in data["content"]


async def test_gateway_reconnect_then_next_question_answered(fake: FakeDiscord, make_settings: SettingsFactory):
    async with running(make_settings()):
        await fake.send_reconnect()
        await fake.wait_for(lambda: fake.resumes, timeout=10)
        body = await ask_by_mention(fake, CONSTRUCTION)
    assert fake.resumes[0]["session_id"].startswith("session-")
    assert len(fake.identifies) == 1
    assert "**15,000**" in body["embeds"][0]["description"]


@pytest.mark.parametrize("status", [429, 500])
async def test_rest_failure_is_retried_and_the_reply_arrives_once(
    fake: FakeDiscord, make_settings: SettingsFactory, status: int
):
    fake.fail_once("POST", MESSAGES, status)
    async with running(make_settings()):
        await ask_by_mention(fake, CONSTRUCTION)
        await asyncio.sleep(0.2)
    attempts = fake.calls("POST", MESSAGES, ok=False)
    assert [a.status for a in attempts] == [status, 200]
    assert len(fake.calls("POST", MESSAGES)) == 1


async def test_interaction_callback_429_is_retried(fake: FakeDiscord, make_settings: SettingsFactory):
    fake.fail_once("POST", CALLBACK, 429)
    async with running(make_settings()):
        await fake.send_interaction(fake.slash("ask", question=CONSTRUCTION))
        calls = await fake.wait_for(lambda: fake.calls("POST", CALLBACK))
    assert [c.status for c in fake.calls("POST", CALLBACK, ok=False)] == [429, 200]
    assert len(calls) == 1


async def test_unexpected_error_apologises_and_keeps_serving(
    fake: FakeDiscord, make_settings: SettingsFactory, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
):
    settings = make_settings()
    service = AskService.from_settings(settings)
    original = service.ask

    def flaky(question: str, **kwargs):
        if "boom" in question:
            raise RuntimeError("boom")
        return original(question, **kwargs)

    monkeypatch.setattr(service, "ask", flaky)
    async with running(settings, service):
        broken = await fake.send_interaction(fake.slash("ask", question="boom " + CONSTRUCTION))
        fine = await fake.answer_of(fake.slash("ask", question=CONSTRUCTION))
        mention_broken = await ask_by_mention(fake, "boom " + CONSTRUCTION)
        mention_ok = await ask_by_mention(fake, CONSTRUCTION)
    assert broken.json["data"]["content"] == render.APOLOGY
    assert broken.json["data"]["flags"] & EPHEMERAL
    assert fine["embeds"]
    assert mention_broken["content"] == render.APOLOGY
    assert pings_no_one(mention_broken)
    assert mention_ok["embeds"]
    failures = [r for r in caplog.records if r.exc_info and "boom" in str(r.exc_info[1])]
    assert len(failures) == 2  # each logged once, with its traceback


async def test_commands_synced_globally_once_then_to_guilds(fake: FakeDiscord, make_settings: SettingsFactory):
    settings = make_settings()
    async with running(settings):
        pass
    async with running(settings):
        pass
    global_syncs = fake.calls("PUT", rf"/applications/{fake.app_id}/commands")
    assert len(global_syncs) == 1
    assert sorted(c["name"] for c in global_syncs[0].json) == [
        "Ask about this message", "add", "ask", "config", "help", "reload", "remove", "sources"]
    reload_command = next(c for c in global_syncs[0].json if c["name"] == "reload")
    assert str(reload_command["default_member_permissions"]) == "32"  # Manage Server
    async with running(make_settings(sync_guild_ids=[fake.guild_id])):
        pass
    assert len(fake.calls("PUT", rf"/applications/{fake.app_id}/guilds/{fake.guild_id}/commands")) == 1


async def test_sharded_bot_connects_and_answers(fake: FakeDiscord, make_settings: SettingsFactory):
    async with running(make_settings(shard_count="auto")):
        body = await ask_by_mention(fake, CONSTRUCTION)
    assert fake.calls("GET", "/gateway/bot")
    assert fake.identifies[0]["shard"] == [0, 1]
    assert body["embeds"]


async def test_heartbeats_are_acknowledged(make_settings: SettingsFactory, fake: FakeDiscord):
    fake.heartbeat_interval_ms = 100
    async with running(make_settings()) as bot:
        await fake.wait_for(lambda: fake.heartbeats >= 2, timeout=5)
        await asyncio.sleep(0.05)
        assert bot.latency < 1.0  # measured from our HEARTBEAT_ACKs; infinite without them


async def test_slow_answer_is_deferred_then_followed_up(
    fake: FakeDiscord, make_settings: SettingsFactory, monkeypatch: pytest.MonkeyPatch
):
    from bot.discord_app import cog

    settings = make_settings()
    service = AskService.from_settings(settings)
    slowed(monkeypatch, service, "ask", 0.3)
    monkeypatch.setattr(cog, "ACK_BUDGET_SECONDS", 0.05)
    async with running(settings, service):
        call = await fake.send_interaction(fake.slash("ask", question=CONSTRUCTION, private=True))
        (followup,) = await fake.wait_for(lambda: fake.calls("POST", r"/webhooks/\d+/[^/]+"))
    assert call.json["type"] == 5
    assert call.json["data"]["flags"] & EPHEMERAL
    assert "**15,000**" in followup.json["embeds"][0]["description"]
    assert followup.json["flags"] & EPHEMERAL
    assert pings_no_one(followup.json)


async def test_a_slow_button_is_deferred_privately_then_followed_up(
    fake: FakeDiscord, make_settings: SettingsFactory, monkeypatch: pytest.MonkeyPatch
):
    settings = make_settings()
    service = AskService.from_settings(settings)
    slowed(monkeypatch, service, "nearest", 0.3)
    monkeypatch.setattr(cog, "ACK_BUDGET_SECONDS", 0.05)
    async with running(settings, service):
        await ask_by_mention(fake, "When did the orchestra play its first concert in Vienna?")
        declined = next(m for m in fake.messages.values() if m["components"])
        call = await fake.send_interaction(fake.click(declined, "askbot:near"))
        (followup,) = await fake.wait_for(lambda: fake.calls("POST", r"/webhooks/\d+/[^/]+"))
    assert call.json["type"] == 5  # acknowledged in time, "thinking", seen by the clicker alone
    assert call.json["data"]["flags"] & EPHEMERAL
    assert followup.json["embeds"][0]["title"] == "Closest passages"
    assert followup.json["flags"] & EPHEMERAL
    assert pings_no_one(followup.json)


async def test_a_button_whose_reply_lost_its_question_says_so_privately(
    fake: FakeDiscord, make_settings: SettingsFactory
):
    async with running(make_settings()):
        await ask_by_mention(fake, "When did the orchestra play its first concert in Vienna?")
        declined = next(m for m in fake.messages.values() if m["components"])
        await fake.answer_of(fake.slash("ask", question=CONSTRUCTION))
        answered = next(m for m in fake.messages.values() if m["components"] and m is not declined)
        replies = []
        for message in (declined, answered):
            stripped = {**message, "embeds": []}  # say a moderator's tool removed the embed
            replies.append(await fake.send_interaction(fake.click(stripped, fake.custom_ids(message)[0])))
    for reply in replies:
        assert reply.json["data"]["content"] == "I can't find the question of this reply any more."
        assert reply.json["data"]["flags"] & EPHEMERAL
