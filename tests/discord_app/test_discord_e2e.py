"""End to end: the bot `askbot run` builds, connected to a fake Discord on 127.0.0.1."""

from __future__ import annotations

from conftest import SettingsFactory, running
from fake_discord import FakeDiscord

MESSAGES = r"/channels/\d+/messages"


async def test_mention_is_answered_with_the_passage_as_a_reply(fake: FakeDiscord, make_settings: SettingsFactory):
    async with running(make_settings()):
        question = fake.message(f"<@{fake.app_id}> How many inmates work in construction?", mention_bot=True)
        await fake.dispatch("MESSAGE_CREATE", question)
        (sent,) = await fake.wait_for(lambda: fake.calls("POST", MESSAGES))
    body = sent.json
    embed = body["embeds"][0]
    assert "**15,000**" in embed["description"]
    assert embed["footer"]["text"] == "2025-07-05 · ¶7"
    assert embed["title"].startswith("Bukele promotes")
    assert body["message_reference"]["message_id"] in (question["id"], int(question["id"]))
    assert body["allowed_mentions"] == {"parse": [], "replied_user": False} or body["allowed_mentions"]["parse"] == []
