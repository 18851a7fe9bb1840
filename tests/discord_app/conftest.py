"""Fixtures for the Discord front end: a fake Discord on 127.0.0.1, a small corpus, and a running bot."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from fake_discord import GOOD_TOKEN, FakeDiscord

from bot.discord_app.app import AskBot, create_bot
from bot.discord_app.runner import discord_endpoints
from bot.service import AskService
from bot.settings import Settings, load_settings

REPO = Path(__file__).resolve().parents[2]
START_TIMEOUT = 10.0

EVERYONE_ARTICLE = """---
title: "Town hall *budget* meeting"
date: 2025-01-02
url: https://example.com/town-hall
---

The mayor told @everyone and @here at the town hall that the bridge_repair budget is 12 million dollars, \
a figure <@123456789012345678> disputed | loudly > quietly with `code` and ~strikes~.

The council will vote on the library roof next spring, after a second round of public hearings.
"""


def long_article(sentences: int = 900) -> str:
    body = " ".join(
        f"Sentence number {i} of the committee report discusses routine matters of the harbour authority."
        for i in range(sentences)
    )
    needle = "The lighthouse keeper counted 4,321 gulls on the northern breakwater during the storm."
    middle = sentences // 2
    words = body.split(". ")
    words.insert(middle, needle[:-1])
    return '---\ntitle: "Harbour committee report"\ndate: 2024-11-30\n---\n\n' + ". ".join(words) + "\n"


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


SettingsFactory = Callable[..., Settings]


@pytest.fixture
def make_settings(fake: FakeDiscord, tmp_path: Path, corpus_dir: Path) -> SettingsFactory:
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
            "discord": values,
        })

    return build


@contextlib.asynccontextmanager
async def running(settings: Settings, service: AskService | None = None) -> AsyncIterator[AskBot]:
    """Start the bot ``askbot run`` would build against the fake, wait until ready, and always close it."""
    bot = create_bot(settings, service or AskService.from_settings(settings))
    token = settings.discord.token.get_secret_value() if settings.discord.token else ""
    with discord_endpoints(settings.discord.api_base_url, settings.discord.gateway_url):
        runner = asyncio.create_task(bot.start(token))
        ready = asyncio.create_task(bot.wait_until_ready())
        try:
            done, _ = await asyncio.wait({runner, ready}, timeout=START_TIMEOUT, return_when=asyncio.FIRST_COMPLETED)
            if runner in done:
                runner.result()
                raise RuntimeError("the bot stopped before it was ready")
            if ready not in done:
                raise TimeoutError("the bot was not ready in time")
            yield bot
        finally:
            ready.cancel()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(bot.close(), 5)
            runner.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(runner, 5)
