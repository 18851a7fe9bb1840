"""Fixtures for the Discord front end: a fake Discord on 127.0.0.1, a small corpus, and settings pointing at it."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from fake_discord import GOOD_TOKEN, FakeDiscord
from harness import EVERYONE_ARTICLE, REPO, SettingsFactory, long_article

from bot.settings import Settings, load_settings


@pytest.fixture
def corpus_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(REPO / "corpus" / "el-salvador-prison-system.md", folder)
    (folder / "town-hall.md").write_text(EVERYONE_ARTICLE, encoding="utf-8")
    (folder / "harbour-report.md").write_text(long_article(), encoding="utf-8")
    return folder


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord()
    await server.start()
    try:
        yield server
    finally:
        await server.close()


@pytest.fixture(scope="session")
def vector_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder of passage vectors for the session: every test's corpus is the same, embedded once."""
    return tmp_path_factory.mktemp("vectors")


@pytest.fixture
def make_settings(fake: FakeDiscord, tmp_path: Path, corpus_dir: Path, vector_cache: Path) -> SettingsFactory:
    def build(**discord: Any) -> Settings:
        values: dict[str, Any] = {
            "token": GOOD_TOKEN,
            "api_base_url": fake.api_base,
            "gateway_url": fake.gateway_url,
            "guild_ready_timeout": 0.05,
            "cooldown_seconds": 0,
            "feedback_log": tmp_path / "feedback.jsonl",
            "sync_state_file": tmp_path / "commands.json",
        }
        values.update(discord)
        return load_settings(env_file=None, overrides={
            "corpus": {"path": corpus_dir, "max_passage_words": 5000},
            "index": {"cache_dir": vector_cache, "min_vector_passages": 0},
            "discord": values,
        })

    return build
