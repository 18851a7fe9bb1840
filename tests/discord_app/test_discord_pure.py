"""The pure helpers of the Discord front end: custom ids, guards, feedback, settings."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bot.corpus import Article
from bot.discord_app import custom_ids as ids
from bot.discord_app.feedback import FeedbackLog, FeedbackRecord, voter_digest
from bot.discord_app.guards import Cooldown, channel_allowed, strip_mentions
from bot.errors import ConfigError
from bot.settings import load_settings


@pytest.mark.parametrize("article", ["el-salvador-prison-system", "x", "a" * 48, "a" * 200, "ünïcode id", "a:b"])
def test_custom_ids_round_trip_and_fit(article: str):
    passage = ids.PassageRef(article, 123456, 12)
    more = ids.more_id(ids.MoreState(passage, "article"))
    vote = ids.vote_id(ids.VoteState(passage, "down", 1234.56789))
    assert len(more) <= ids.CUSTOM_ID_CHARS
    assert len(vote) <= ids.CUSTOM_ID_CHARS
    more_match = re.fullmatch(ids.MORE_TEMPLATE, more)
    vote_match = re.fullmatch(ids.VOTE_TEMPLATE, vote)
    assert more_match
    assert vote_match
    state = ids.parse_more(more_match)
    assert state.scope == "article"
    assert state.passage.paragraph == 123456
    assert state.passage.window == 12
    voted = ids.parse_vote(vote_match)
    assert voted.vote == "down"
    assert voted.score == pytest.approx(1234.5679)
    articles = [Article("other", "Other", ("p",)), Article(article, "Mine", ("p",))]
    found = ids.resolve_article(state.passage.article, articles)
    assert found is not None
    assert found.id == article
    assert ids.answered_article_ref([more]) == ids.article_ref(article)
    assert ids.answered_article_ref(["something-else"]) is None
    near = ids.near_id(ids.NearState(article))
    assert len(near) <= ids.CUSTOM_ID_CHARS
    near_match = re.fullmatch(ids.NEAR_TEMPLATE, near)
    assert near_match
    near_state = ids.parse_near(near_match)
    assert near_state.article is not None
    assert ids.resolve_article(near_state.article, articles) == found
    assert ids.answered_article_ref([near]) is None  # a decline's button names no answered article


def test_the_closest_passages_button_of_a_decline_in_all_articles_names_none():
    plain = ids.near_id(ids.NearState())
    assert plain == "askbot:near"
    match = re.fullmatch(ids.NEAR_TEMPLATE, plain)
    assert match
    assert ids.parse_near(match) == ids.NearState(None)


def test_cooldown_per_user_with_a_fake_clock():
    now = [100.0]
    cooldown = Cooldown(5, clock=lambda: now[0])
    assert cooldown.retry_after(1) == 0
    now[0] += 2
    assert cooldown.retry_after(1) == pytest.approx(3)
    assert cooldown.retry_after(2) == 0
    now[0] += 3
    assert cooldown.retry_after(1) == 0
    assert Cooldown(0).retry_after(1) == 0


@pytest.mark.parametrize(
    ("allowed", "channel", "parent", "ok"),
    [((), 1, None, True), ((1,), 1, None, True), ((1,), 2, None, False), ((1,), 3, 1, True)],
)
def test_channel_allowed(allowed: tuple[int, ...], channel: int, parent: int | None, ok: bool):
    assert channel_allowed(allowed, channel, parent) is ok


def test_strip_mentions():
    assert strip_mentions("<@42>  how  many? <@!42>", 42) == "how many?"
    assert strip_mentions("<@43> hi", 42) == "<@43> hi"


def test_feedback_log_appends_json_lines(tmp_path: Path):
    log = FeedbackLog(tmp_path / "deep" / "feedback.jsonl")
    record = FeedbackRecord("q?", "a", 7, 0, 1.5, "up", "2025-01-01T00:00:00+00:00", voter_digest(99, b"k" * 32))
    log.append(record)
    log.append(record)
    lines = (tmp_path / "deep" / "feedback.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2
    assert json.loads(lines[0])["question"] == "q?"
    assert "99" not in json.loads(lines[0])["user"]


def test_discord_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("ASKBOT_DISCORD__SYNC_GUILD_IDS", "1, 2")
    monkeypatch.setenv("ASKBOT_DISCORD__ALLOWED_CHANNEL_IDS", "[3,4]")
    monkeypatch.setenv("ASKBOT_DISCORD__SHARD_COUNT", "auto")
    monkeypatch.setenv("ASKBOT_DISCORD__COOLDOWN_SECONDS", "2.5")
    monkeypatch.setenv("ASKBOT_DISCORD__API_BASE_URL", "http://127.0.0.1:9/api/v10")
    monkeypatch.setenv("DISCORD_TOKEN", "secret-token-value")
    d = load_settings(env_file=None).discord
    assert d.sync_guild_ids == (1, 2)
    assert d.allowed_channel_ids == (3, 4)
    assert d.shard_count == "auto"
    assert d.cooldown_seconds == 2.5
    assert d.api_base_url == "http://127.0.0.1:9/api/v10"
    assert d.gateway_url == "wss://gateway.discord.gg/"
    assert "secret-token-value" not in repr(d)
    assert "secret-token-value" not in str(load_settings(env_file=None))
    monkeypatch.setenv("ASKBOT_DISCORD__SHARD_COUNT", "3")
    assert load_settings(env_file=None).discord.shard_count == 3


@pytest.mark.parametrize(("name", "value"), [("SHARD_COUNT", "many"), ("SHARD_COUNT", "0"),
                                             ("GATEWAY_URL", "gateway"), ("COOLDOWN_SECONDS", "-1")])
def test_bad_discord_settings_are_one_readable_line(monkeypatch: pytest.MonkeyPatch, name: str, value: str):
    monkeypatch.setenv(f"ASKBOT_DISCORD__{name}", value)
    with pytest.raises(ConfigError) as caught:
        load_settings(env_file=None)
    assert f"ASKBOT_DISCORD__{name}" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_env_example_documents_every_setting():
    from bot.settings import Settings

    example = (Path(__file__).resolve().parents[2] / "config" / ".env.example").read_text(encoding="utf-8")
    for section, model in Settings.model_fields.items():
        annotation = model.annotation
        assert annotation is not None
        for key in annotation.model_fields:  # type: ignore[union-attr]
            assert f"ASKBOT_{section.upper()}__{key.upper()}" in example, (section, key)
    assert "DISCORD_TOKEN" in example


def test_log_formatter_hides_the_token():
    import logging

    from bot.discord_app.runner import RedactingFormatter

    record = logging.LogRecord("discord.http", logging.DEBUG, __file__, 1, "sent %s", ("Bot sekrit-token",), None)
    line = RedactingFormatter("sekrit-token").format(record)
    assert "sekrit-token" not in line
    assert "DEBUG" in line
    assert "discord.http" in line


def test_cooldown_refunds_unanswered_questions_and_tells_once_per_pause():
    now = [100.0]
    cooldown = Cooldown(5, clock=lambda: now[0])
    assert cooldown.retry_after(1) == 0
    cooldown.refund(1)  # not answered: the turn is given back
    assert cooldown.retry_after(1) == 0
    cooldown.charge(1)
    now[0] += 1
    assert cooldown.retry_after(1) == 4
    assert cooldown.first_refusal(1) is True
    assert cooldown.first_refusal(1) is False
    now[0] += 5
    assert cooldown.retry_after(1) == 0
    cooldown.charge(1)
    now[0] += 1
    assert cooldown.retry_after(1) > 0
    assert cooldown.first_refusal(1) is True  # a new pause: told again, once


def test_voter_key_is_created_private_and_kept(tmp_path: Path):
    from bot.discord_app.feedback import load_voter_key

    path = tmp_path / "state" / "voter.key"
    key = load_voter_key(path)
    assert len(key) == 32
    assert path.stat().st_mode & 0o777 == 0o600
    assert load_voter_key(path) == key
    path.chmod(0o644)  # readable by others: no longer a secret, replaced
    replaced = load_voter_key(path)
    assert replaced != key
    assert path.stat().st_mode & 0o777 == 0o600
    assert voter_digest(7, replaced) != voter_digest(7, key)
