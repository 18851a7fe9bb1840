"""The moderators' features without Discord: channel parsing, texts, claims, who may delete, the policy."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.corpus import load_corpus
from bot.discord_app.manage_render import added_text, config_text, parse_channels, refused_text
from bot.discord_app.message_tools import claim_of
from bot.discord_app.render import MESSAGE_CHARS
from bot.discord_app.servers import ServerPolicy
from bot.server_store import ServerConfig, ServerStore
from bot.service import AskService
from bot.settings import DiscordSettings
from bot.web_import import AddedArticle, Draft
from tests.articles import write_article


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<#123456789012345678> <#223456789012345678>", (123456789012345678, 223456789012345678)),
        ("123456789012345678, <#123456789012345678>", (123456789012345678,)),
        ("all", None),
        ("  ", None),
        ("#general", ()),
    ],
)
def test_parse_channels(text: str, expected):
    assert parse_channels(text) == expected


def test_added_text_fits_and_pings_no_one():
    draft = Draft("@everyone *Title*", ("word " * 2000,), "2025-01-01", "A. Writer", "The Paper", None)
    text = added_text(AddedArticle("title", Path("title.md"), draft))
    assert len(text) <= MESSAGE_CHARS
    assert "@everyone" not in text
    assert "1 paragraph(s)" in text
    assert len(refused_text("Not added", "x" * 5000)) <= MESSAGE_CHARS


def test_config_text_marks_defaults():
    defaults = DiscordSettings(cooldown_seconds=5)
    text = config_text(ServerConfig(1, channels=(7,), cooldown_seconds=None, answer_mentions=False), defaults, 9,
                       None)
    assert "Answers in: <#7>\n" in text
    assert "Cooldown: 5 s per member (default)" in text
    assert "Answers mentions: no\n" in text
    assert "Default article of <#9>: none" in text


def test_claim_of_cuts_at_a_word():
    assert claim_of("  a  b\nc ", 10) == "a b c"
    assert claim_of("alpha beta gamma", 12) == "alpha beta"


async def test_policy_reads_the_store_and_restricts_only_when_a_server_owns_articles(tmp_path: Path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name in ("shared", "mine"):
        write_article(folder, name, name.title(), f"A paragraph about the {name} article.")
    store = ServerStore(tmp_path / "servers.sqlite3")
    policy = ServerPolicy(store, DiscordSettings(cooldown_seconds=4), AskService(load_corpus(folder)))
    await policy.load()
    assert policy.restriction(1) is None  # nobody owns anything: no restriction at all
    store.claim_article(1, "mine")
    store.set_cooldown(1, 0.0)
    await policy.load()
    assert policy.restriction(1) == {"shared", "mine"}
    assert policy.restriction(2) == {"shared"}
    assert policy.restriction(None) == {"shared"}
    assert policy.cooldown(1).seconds == 0.0
    assert policy.cooldown(2).seconds == 4
    store.close()
