"""Per-server settings in SQLite: values, defaults, persistence, article visibility and schema migration."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.corpus import load_corpus
from bot.errors import ConfigError
from bot.server_store import MIGRATIONS, SCHEMA_VERSION, ServerConfig, ServerStore, database_path
from bot.service import AskService
from bot.settings import DiscordSettings
from tests.articles import write_article

GUILD, OTHER = 111, 222


@pytest.fixture
def store(tmp_path: Path):
    s = ServerStore(tmp_path / "state" / "servers.sqlite3")
    yield s
    s.close()


def test_a_new_file_is_at_the_current_version_in_wal_mode(store: ServerStore):
    assert store.version == SCHEMA_VERSION
    with sqlite3.connect(store.path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_unset_values_fall_back_to_the_toml_defaults(store: ServerStore):
    defaults = DiscordSettings(allowed_channel_ids=(5,), cooldown_seconds=7)
    config = store.config(GUILD)
    assert config == ServerConfig(GUILD)
    assert config.allowed_channels(defaults) == (5,)
    assert config.cooldown(defaults) == 7
    assert config.mentions() is True


def test_settings_are_per_server_and_survive_reopening(tmp_path: Path):
    path = tmp_path / "servers.sqlite3"
    store = ServerStore(path)
    store.set_cooldown(GUILD, 0.5)
    store.set_answer_mentions(GUILD, False)
    store.set_channels(GUILD, [30, 10])
    store.set_channel_article(GUILD, 10, "story")
    store.close()
    store = ServerStore(path)
    config = store.config(GUILD)
    assert config.cooldown(DiscordSettings()) == 0.5
    assert config.mentions() is False
    assert config.allowed_channels(DiscordSettings(allowed_channel_ids=(5,))) == (10, 30)
    assert config.article_for(10) == "story"
    assert config.article_for(99, parent_id=10) == "story"  # a thread of the channel
    assert store.config(OTHER) == ServerConfig(OTHER)
    store.set_cooldown(GUILD, None)
    store.set_channels(GUILD, [])
    assert store.config(GUILD).cooldown(DiscordSettings(cooldown_seconds=3)) == 3
    assert store.config(GUILD).channels == ()
    store.close()


def test_articles_added_by_a_server_are_seen_by_it_alone(store: ServerStore):
    ids = {"shared", "mine", "theirs"}
    store.claim_article(GUILD, "mine", 1)
    store.claim_article(OTHER, "theirs", 2)
    assert store.visible_articles(GUILD, ids) == {"shared", "mine"}
    assert store.visible_articles(OTHER, ids) == {"shared", "theirs"}
    assert store.visible_articles(None, ids) == {"shared"}  # direct messages: shared articles only
    store.set_channel_article(GUILD, 10, "mine")
    store.release_article("mine")
    assert store.owner("mine") is None
    assert store.config(GUILD).article_for(10) is None


def test_an_older_schema_is_migrated_with_its_data(tmp_path: Path):
    path = tmp_path / "servers.sqlite3"
    with sqlite3.connect(path) as db:  # a file written by the first version
        for statement in MIGRATIONS[0]:
            db.execute(statement)
        db.execute("PRAGMA user_version = 1")
        db.execute("INSERT INTO guild_settings VALUES (?, ?, ?)", (GUILD, 2.5, 0))
        db.execute("INSERT INTO guild_articles VALUES ('mine', ?, 1, 0)", (GUILD,))
    db.close()
    store = ServerStore(path)
    assert store.version == SCHEMA_VERSION == 2
    assert store.config(GUILD).cooldown_seconds == 2.5
    assert store.owner("mine") == GUILD
    store.set_channel_article(GUILD, 10, "mine")  # the table version 2 added
    assert store.config(GUILD).channel_articles == ((10, "mine"),)
    store.close()


def test_a_newer_schema_is_refused(tmp_path: Path):
    path = tmp_path / "servers.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version = 99")
    db.close()
    with pytest.raises(ConfigError, match="newer than this askbot"):
        ServerStore(path)


def test_default_path_is_in_the_state_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert database_path(None) == tmp_path / "askbot" / "servers.sqlite3"
    assert database_path(tmp_path / "x.db") == tmp_path / "x.db"


def test_the_search_restricts_to_a_set_of_articles(tmp_path: Path):
    write_article(tmp_path, "ferry", "Ferry fares", "The ferry fare to the island rises to 14 pounds in June.")
    write_article(tmp_path, "bus", "Bus fares", "The bus fare to the airport rises to 3 pounds in June.")
    service = AskService(load_corpus(tmp_path))
    question = "How much is the ferry fare to the island?"
    assert service.ask(question).results[0].article.id == "ferry"
    hidden = service.ask(question, articles=frozenset({"bus"}))
    assert all(r.article.id == "bus" for r in hidden.results)
    assert not service.ask(question, articles=frozenset()).answered
    both = service.ask(question, articles=frozenset({"bus", "ferry", "gone"}))
    assert both.results[0].article.id == "ferry"


def test_writes_from_several_threads_all_land(store: ServerStore):
    from concurrent.futures import ThreadPoolExecutor

    def claim(n: int) -> None:
        store.claim_article(n % 3, f"article-{n}")
        store.set_cooldown(n % 3, float(n))

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(claim, range(60)))
    assert len(store.owners()) == 60
    assert store.configured_guilds() == [0, 1, 2]
