"""End to end against the fake Discord: /add, /remove, /config, per-server articles, 'Ask about this message',
the 🗑 button, answers that follow their question, and the presence line."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import pytest
from fake_discord import ADMIN_PERMISSIONS, MEMBER_PERMISSIONS, FakeDiscord
from fake_more import FakeDiscordMore
from harness import SettingsFactory, running

from bot.discord_app.delete_button import DELETE_ID, NOT_YOURS
from bot.discord_app.manage_render import MANAGE_ONLY
from bot.discord_app.message_tools import ASK_ABOUT_MESSAGE
from bot.service import AskService
from tests.pages_server import PAGES, base_url, serve_pages

EPHEMERAL = 64
MESSAGES = r"/channels/\d+/messages"
SEA_WALL = "How much will the sea wall repair cost?"
SEA_WALL_ID = "harbour-town-votes-to-rebuild-sea-wall-after-winter-storms"
CONSTRUCTION = "How many inmates work in construction?"
WRENNA = "What did the councillors of Port Wrenna vote for?"
DECLINED = "When did the orchestra play its first concert in Vienna?"
NEAR_ID = "askbot:near"  # the "Closest passages" button of a decline in every article


@pytest.fixture
async def fake():
    server = FakeDiscordMore()
    await server.start()
    try:
        yield server
    finally:
        await server.close()


@pytest.fixture
def pages():
    with serve_pages() as server:
        yield server


@pytest.fixture
def loopback_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASKBOT_WEB__ALLOW_PRIVATE_HOSTS", "true")


async def followup(fake: FakeDiscord, payload: dict) -> dict:
    """Dispatch a deferred interaction and return the body of its follow-up message."""
    call = await fake.send_interaction(payload)
    assert call.json["type"] == 5
    assert call.json["data"]["flags"] & EPHEMERAL
    path = rf"/webhooks/\d+/{re.escape(payload['token'])}"
    (sent,) = await fake.wait_for(lambda: fake.calls("POST", path), 10)
    return sent.json


async def test_add_a_link_ask_about_it_and_remove_it_with_a_confirmation(
    fake: FakeDiscordMore, make_settings: SettingsFactory, corpus_dir: Path, pages, loopback_pages
):
    async with running(make_settings()):
        body = await followup(fake, fake.slash_admin("add", url=f"{base_url(pages)}/news/bylines"))
        assert "Harbour town votes to rebuild sea wall" in body["content"]
        assert "2025-03-14" in body["content"]
        assert "6 paragraph(s)" in body["content"]
        assert "Councillors in Port Wrenna" in body["content"]
        assert (corpus_dir / f"{SEA_WALL_ID}.md").is_file()

        answer = await fake.answer_of(fake.slash("ask", question=SEA_WALL))
        assert "7.2 million" in answer["embeds"][0]["description"]
        elsewhere = await fake.answer_of(fake.in_second_guild(fake.slash("ask", question=SEA_WALL)))
        assert "7.2 million" not in json.dumps(elsewhere)  # the other server never sees it
        # ... and a question naming what only that article names is told so, not pointed at another article
        unmentioned = await fake.answer_of(fake.in_second_guild(fake.slash("ask", question=WRENNA)))
        assert unmentioned["content"].startswith("None of the articles here mention Port Wrenna. Try other words")
        assert "Wrenna" in (await fake.answer_of(fake.slash("ask", question=WRENNA)))["embeds"][0]["description"]
        named = await fake.send_interaction(fake.in_second_guild(fake.slash("ask", question=SEA_WALL,
                                                                            article=SEA_WALL_ID)))
        assert "I don't know the article" in named.json["data"]["content"]
        listing = await fake.send_interaction(fake.in_second_guild(fake.slash("sources")))
        assert "Harbour town" not in json.dumps(listing.json["data"])

        offered = await fake.send_interaction(fake.autocomplete("remove", "article", "harbour"))
        assert [c["value"] for c in offered.json["data"]["choices"]] == [SEA_WALL_ID]
        offered = await fake.send_interaction(fake.in_second_guild(fake.autocomplete("remove", "article", "harb")))
        assert offered.json["data"]["choices"] == []
        ask = await fake.send_interaction(fake.slash_admin("remove", article=SEA_WALL_ID))
        assert ask.json["data"]["flags"] & EPHEMERAL
        message = fake.messages[int(ask.json["data"].get("id") or max(fake.messages))]
        remove_id = next(c["custom_id"] for row in ask.json["data"]["components"] for c in row["components"]
                         if c["label"] == "Remove")
        assert (corpus_dir / f"{SEA_WALL_ID}.md").is_file()  # nothing happens before the click
        click = fake.click_as(message, remove_id, fake.admin, ADMIN_PERMISSIONS)
        done = await fake.send_interaction(click)
        assert done.json["type"] == 6  # acknowledged at once, then the message is edited
        path = rf"/webhooks/\d+/{re.escape(click['token'])}/messages/@original"
        (edit,) = await fake.wait_for(lambda: fake.calls("PATCH", path))
        assert edit.json["content"] == f"Removed `{SEA_WALL_ID}`."
        assert edit.json["components"] == []
        assert not (corpus_dir / f"{SEA_WALL_ID}.md").exists()
        after = await fake.answer_of(fake.slash("ask", question=SEA_WALL))
        assert "7.2 million" not in json.dumps(after)


async def test_add_a_file_and_refusals(
    fake: FakeDiscordMore, make_settings: SettingsFactory, corpus_dir: Path, pages, loopback_pages
):
    before = sorted(p.name for p in corpus_dir.iterdir())
    async with running(make_settings()):
        size = (PAGES / "amp.html").stat().st_size
        body = await followup(fake, fake.slash_with_file("add", "file", "methane.html", f"{base_url(pages)}/news/amp",
                                                         size, id="methane"))
        assert "Added **Satellite to map methane leaks" in body["content"]
        assert (corpus_dir / "methane.md").is_file()
        taken = await followup(fake, fake.slash_with_file("add", "file", "methane.html",
                                                          f"{base_url(pages)}/news/amp", size, id="methane"))
        assert taken["content"].startswith("Not added: an article with the id 'methane' exists already")
        paywall = await followup(fake, fake.slash_admin("add", url=f"{base_url(pages)}/news/paywall"))
        assert paywall["content"] == "Not added: a paywall or login page: the article's text is not on it"
        ask = await fake.send_interaction(fake.slash_admin("remove", article="methane"))
        message = next(m for m in reversed(fake.messages.values()) if m["components"])
        ids = {c["label"]: c["custom_id"] for row in ask.json["data"]["components"] for c in row["components"]}
        other = await fake.send_interaction(fake.click_as(message, ids["Remove"], fake.user, ADMIN_PERMISSIONS))
        assert other.json["data"]["content"] == "This confirmation is not yours."
        kept = await fake.send_interaction(fake.click_as(message, ids["Keep"], fake.admin, ADMIN_PERMISSIONS))
        assert kept.json["type"] == 7
        assert kept.json["data"]["content"] == "Kept: nothing was removed."
        member = await fake.send_interaction(fake.slash("add", url=f"{base_url(pages)}/news/bylines"))
        assert member.json["data"]["content"] == MANAGE_ONLY
        shared = await fake.send_interaction(fake.slash_admin("remove", article="town-hall"))
        assert "this server did not add it" in shared.json["data"]["content"]
    assert sorted(p.name for p in corpus_dir.iterdir()) == sorted([*before, "methane.md"])


async def test_reload_reports_only_the_articles_the_server_sees(
    fake: FakeDiscordMore, make_settings: SettingsFactory, corpus_dir: Path, pages, loopback_pages
):
    settings = make_settings()
    service = AskService.from_settings(settings)
    async with running(settings, service):
        await followup(fake, fake.slash_admin("add", url=f"{base_url(pages)}/news/bylines"))
        added = corpus_dir / f"{SEA_WALL_ID}.md"
        added.write_text(added.read_text(encoding="utf-8") + "\nA late correction to the figures.\n", "utf-8")
        (corpus_dir / "town-hall.md").unlink()
        (corpus_dir / "new-article.md").write_text("---\ntitle: Brand new\n---\n\nFresh words here.\n", "utf-8")
        elsewhere = (await followup(fake, fake.in_second_guild(fake.slash_admin("reload"))))["content"]
        shared = ["el-salvador-prison-system", "harbour-report", "new-article"]
        assert service.corpus.article(SEA_WALL_ID) is not None  # it was read, but it is not that server's
        assert elsewhere.startswith(
            f"Reloaded: 3 article(s), {sum(service.passage_count(a) for a in shared)} passage(s).")
        assert "+ Brand new (new-article)" in elsewhere
        assert r"− Town hall \*budget\* meeting (town-hall)" in elsewhere
        assert "Harbour town" not in elsewhere
        assert SEA_WALL_ID not in elsewhere

        added.write_text(added.read_text(encoding="utf-8") + "\nA second correction.\n", "utf-8")
        here = (await followup(fake, fake.slash_admin("reload")))["content"]
        assert here.startswith(f"Reloaded: 4 article(s), {len(service.corpus.passages)} passage(s).")
        assert f"~ Harbour town votes to rebuild sea wall after winter storms ({SEA_WALL_ID})" in here

        added.unlink()  # removed by hand: its owner is kept, so the other server still hears nothing of it
        (corpus_dir / f"{SEA_WALL_ID}.txt").write_bytes(b"\xff\xfe not text")
        elsewhere = (await followup(fake, fake.in_second_guild(fake.slash_admin("reload"))))["content"]
        assert "No article changed." in elsewhere
        assert SEA_WALL_ID not in elsewhere
        here = (await followup(fake, fake.slash_admin("reload")))["content"]
        assert f"{SEA_WALL_ID}.txt: not UTF-8 text" in here  # its own bad file


async def test_a_forbidden_address_is_refused_in_one_line(
    fake: FakeDiscordMore, make_settings: SettingsFactory, corpus_dir: Path, pages
):
    async with running(make_settings()):
        body = await followup(fake, fake.slash_admin("add", url=f"{base_url(pages)}/news/bylines"))
    assert body["content"].startswith("Not added: forbidden address: 127.0.0.1 resolves to 127.0.0.1")
    assert "\n" not in body["content"]
    assert pages.seen == []


async def test_config_applies_at_once_and_survives_a_restart(fake: FakeDiscordMore, make_settings: SettingsFactory):
    settings = make_settings()
    async with running(settings):
        member = await fake.send_interaction(fake.slash("config", mentions=False))
        assert member.json["data"]["content"] == MANAGE_ONLY
        shown = await fake.send_interaction(fake.slash_admin("config", channels=f"<#{fake.other_channel_id}>",
                                                             mentions=False, article="town-hall"))
        text = shown.json["data"]["content"]
        assert f"Answers in: <#{fake.other_channel_id}>" in text
        assert "Answers mentions: no" in text
        assert r"“Town hall \*budget\* meeting”" in text
        refused = await fake.send_interaction(fake.slash("ask", question=CONSTRUCTION))
        assert f"<#{fake.other_channel_id}>" in refused.json["data"]["content"]
    async with running(settings):  # a new process: the settings come back from the database
        refused = await fake.send_interaction(fake.slash("ask", question=CONSTRUCTION))
        assert f"<#{fake.other_channel_id}>" in refused.json["data"]["content"]
        allowed = await fake.answer_of(fake.slash("ask", question=CONSTRUCTION, channel_id=fake.other_channel_id))
        assert "**15,000**" in allowed["embeds"][0]["description"]
        other = await fake.answer_of(fake.in_second_guild(fake.slash("ask", question=CONSTRUCTION)))
        assert "**15,000**" in other["embeds"][0]["description"]  # the other server is unchanged
        before = len(fake.calls("POST", MESSAGES))
        await fake.dispatch("MESSAGE_CREATE", fake.message(f"<@{fake.app_id}> {CONSTRUCTION}", mention_bot=True,
                                                           channel_id=fake.other_channel_id))
        await asyncio.sleep(0.3)
        assert len(fake.calls("POST", MESSAGES)) == before  # mentions are off in this server
        reset = await fake.send_interaction(fake.slash_admin("config", reset=True))
        assert "every channel (default)" in reset.json["data"]["content"]


async def test_a_channel_default_article_is_searched_first(fake: FakeDiscordMore, make_settings: SettingsFactory):
    async with running(make_settings()):
        await fake.send_interaction(fake.slash_admin("config", article="town-hall"))
        before = len(fake.calls("POST", MESSAGES))
        await fake.dispatch("MESSAGE_CREATE", fake.message(f"<@{fake.app_id}> What is the budget?", mention_bot=True))
        calls = await fake.wait_for(lambda: (c := fake.calls("POST", MESSAGES))[before:] and c)
    embed = calls[before].json["embeds"][0]
    assert embed["title"] == r"Town hall \*budget\* meeting"


async def test_ask_about_this_message_answers_privately(fake: FakeDiscordMore, make_settings: SettingsFactory):
    async with running(make_settings()):
        target = fake.message("apparently 15,000 inmates work on construction projects?!", author=fake.admin)
        target["content"] = "apparently 15,000 inmates work on construction projects?!"  # menus carry the text
        call = await fake.send_interaction(fake.message_command(ASK_ABOUT_MESSAGE, target))
        empty = fake.message("", author=fake.admin)
        nothing = await fake.send_interaction(fake.message_command(ASK_ABOUT_MESSAGE, empty))
        private = fake.messages[int(call.json["data"]["id"])] if "id" in call.json["data"] else next(
            m for m in fake.messages.values() if m["flags"] & EPHEMERAL and m["embeds"])
        await fake.send_interaction(fake.click_as(private, DELETE_ID, fake.user, MEMBER_PERMISSIONS))
        await fake.wait_for(lambda: fake.calls("DELETE", r"/webhooks/\d+/[^/]+/messages/@original"))
    data = call.json["data"]
    assert data["flags"] & EPHEMERAL
    assert "15,000 work outside on construction projects" in data["embeds"][0]["description"]
    assert data["embeds"][0]["footer"]["text"] == "2025-07-05 · ¶7"
    assert data["allowed_mentions"]["parse"] == []
    assert nothing.json["data"]["flags"] & EPHEMERAL
    assert "no text" in nothing.json["data"]["content"]


async def ask_by_mention(fake: FakeDiscordMore, bot, text: str) -> tuple[dict, dict]:
    before = len(fake.calls("POST", MESSAGES))
    question = fake.message(f"<@{fake.app_id}> {text}", mention_bot=True)
    await fake.dispatch("MESSAGE_CREATE", question)
    await fake.wait_for(lambda: fake.calls("POST", MESSAGES)[before:])
    tools = bot.get_cog("MessageTools")
    for _ in range(100):  # the echo of the answer is what the bot remembers; it follows the reply
        if int(question["id"]) in tools.answers:
            break
        await asyncio.sleep(0.02)
    return question, fake.messages[tools.answers[int(question["id"])].message_id]


async def test_the_asker_or_a_moderator_can_delete_an_answer(fake: FakeDiscordMore, make_settings: SettingsFactory):
    async with running(make_settings()) as bot:
        question, answer = await ask_by_mention(fake, bot, CONSTRUCTION)
        assert DELETE_ID in fake.custom_ids(answer)
        answer["referenced_message"] = question  # Discord sends the replied message with the answer
        path = rf"/channels/\d+/messages/{answer['id']}"
        stranger = fake.click_as(answer, DELETE_ID, fake.admin, MEMBER_PERMISSIONS)
        refused = await fake.send_interaction(stranger)
        assert refused.json["data"]["content"] == NOT_YOURS
        assert not fake.calls("DELETE", path)
        await fake.send_interaction(fake.click_as(answer, DELETE_ID, fake.user, MEMBER_PERMISSIONS))
        await fake.wait_for(lambda: fake.calls("DELETE", path))
        _, other = await ask_by_mention(fake, bot, CONSTRUCTION)
        other_path = rf"/channels/\d+/messages/{other['id']}"
        moderator = fake.click_as(other, DELETE_ID, fake.admin, MEMBER_PERMISSIONS | (1 << 13))  # manage messages
        await fake.send_interaction(moderator)
        await fake.wait_for(lambda: fake.calls("DELETE", other_path))


async def reply_to_slash(fake: FakeDiscordMore, payload: dict) -> dict:
    """Dispatch an /ask and return the message it made: the callback's, or the follow-up's after a defer."""
    call = await fake.send_interaction(payload)
    if call.json["type"] == 4:
        return fake.messages[int(call.response["interaction"]["response_message_id"])]
    path = rf"/webhooks/\d+/{re.escape(payload['token'])}"
    (sent,) = await fake.wait_for(lambda: fake.calls("POST", path), 10)
    return fake.messages[int(sent.response["id"])]


async def test_a_decline_has_the_delete_button_too_beside_the_closest_passages(
    fake: FakeDiscordMore, make_settings: SettingsFactory
):
    async with running(make_settings()) as bot:
        question, decline = await ask_by_mention(fake, bot, DECLINED)
        assert "couldn't find the answer" in decline["content"]
        assert fake.custom_ids(decline) == [NEAR_ID, DELETE_ID]
        decline["referenced_message"] = question
        path = rf"/channels/\d+/messages/{decline['id']}"
        refused = await fake.send_interaction(fake.click_as(decline, DELETE_ID, fake.admin, MEMBER_PERMISSIONS))
        assert refused.json["data"]["content"] == NOT_YOURS
        await fake.send_interaction(fake.click_as(decline, DELETE_ID, fake.user, MEMBER_PERMISSIONS))
        await fake.wait_for(lambda: fake.calls("DELETE", path))

        before = len(fake.calls("POST", MESSAGES))
        await fake.dispatch("MESSAGE_CREATE", fake.message(DECLINED, dm=True))
        calls = await fake.wait_for(lambda: (c := fake.calls("POST", MESSAGES))[before:] and c)
        in_dm = fake.messages[int(calls[before].response["id"])]
        assert "guild_id" not in in_dm
        assert fake.custom_ids(in_dm) == [NEAR_ID, DELETE_ID]
        await fake.send_interaction(fake.click(in_dm, DELETE_ID))
        await fake.wait_for(lambda: fake.calls("DELETE", rf"/channels/\d+/messages/{in_dm['id']}"))

        command = fake.slash("ask", question=DECLINED)
        public = await reply_to_slash(fake, command)
        assert "couldn't find the answer" in public["content"]
        assert fake.custom_ids(public) == [NEAR_ID, DELETE_ID]
        public["interaction_metadata"] = {"id": command["id"], "type": 2, "user": fake.user}
        refused = await fake.send_interaction(fake.click_as(public, DELETE_ID, fake.admin, MEMBER_PERMISSIONS))
        assert refused.json["data"]["content"] == NOT_YOURS
        await fake.send_interaction(fake.click_as(public, DELETE_ID, fake.user, MEMBER_PERMISSIONS))
        await fake.wait_for(lambda: fake.calls("DELETE", rf"/channels/\d+/messages/{public['id']}"))

        private = await reply_to_slash(fake, fake.slash("ask", question=DECLINED, private=True))
        assert private["flags"] & EPHEMERAL
        assert fake.custom_ids(private) == [NEAR_ID, DELETE_ID]
        await fake.send_interaction(fake.click_as(private, DELETE_ID, fake.user, MEMBER_PERMISSIONS))
        await fake.wait_for(lambda: fake.calls("DELETE", r"/webhooks/\d+/[^/]+/messages/@original"))


async def test_answers_follow_edited_and_deleted_questions(fake: FakeDiscordMore, make_settings: SettingsFactory):
    async with running(make_settings()) as bot:
        question, answer = await ask_by_mention(fake, bot, "What is the bridge repair budget?")
        edited = {**question, "content": f"<@{fake.app_id}> {CONSTRUCTION}", "edited_timestamp": question["timestamp"]}
        await fake.dispatch("MESSAGE_UPDATE", edited)
        path = rf"/channels/\d+/messages/{answer['id']}"
        (patch,) = await fake.wait_for(lambda: fake.calls("PATCH", path))
        assert "**15,000**" in patch.json["embeds"][0]["description"]
        assert patch.json["allowed_mentions"]["parse"] == []
        await fake.dispatch("MESSAGE_DELETE", {"id": question["id"], "channel_id": question["channel_id"],
                                               "guild_id": question["guild_id"]})
        await fake.wait_for(lambda: fake.calls("DELETE", path))


async def test_presence_says_how_to_ask(fake: FakeDiscordMore, make_settings: SettingsFactory):
    async with running(make_settings()):
        pass
    assert "/ask · /help" in json.dumps(fake.identifies[0]["presence"], ensure_ascii=False)


async def test_config_cooldown_applies_to_this_server_only(fake: FakeDiscordMore, make_settings: SettingsFactory):
    async with running(make_settings()):
        command = fake.slash_admin("config")
        command["data"]["options"].append({"name": "cooldown", "type": 10, "value": 30.0})
        shown = await fake.send_interaction(command)
        assert "Cooldown: 30 s per member\n" in shown.json["data"]["content"]
        await fake.answer_of(fake.slash("ask", question=CONSTRUCTION))
        again = await fake.send_interaction(fake.slash("ask", question=CONSTRUCTION))
        assert again.json["data"]["content"].startswith("Please wait")
        for _ in range(2):  # the other server keeps the default (0: no pause)
            other = await fake.answer_of(fake.in_second_guild(fake.slash("ask", question=CONSTRUCTION)))
            assert other["embeds"]
