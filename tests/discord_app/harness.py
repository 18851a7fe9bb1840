"""Helpers for the Discord end-to-end tests: the small corpus's articles and a bot running against the fake."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from bot.discord_app.app import AskBot, create_bot
from bot.discord_app.runner import discord_endpoints
from bot.service import AskService
from bot.settings import Settings

REPO = Path(__file__).resolve().parents[2]
START_TIMEOUT = 10.0
SettingsFactory = Callable[..., Settings]

EVERYONE_ARTICLE = """---
title: "Town hall *budget* meeting"
date: 2025-01-02
url: https://example.com/town-hall
---

The mayor told @everyone and @here at the town hall that the bridge_repair budget is 12 million dollars, \
a figure <@123456789012345678> disputed | loudly > quietly with `code` and ~strikes~.

The council will vote on the library roof next spring, after a second round of public hearings.
"""


def slowed(monkeypatch: pytest.MonkeyPatch, service: AskService, method: str, seconds: float) -> None:
    """Make one of the service's methods (``ask``, ``nearest``) take ``seconds`` longer, as a busy machine would."""
    original = getattr(service, method)

    def slow(question: str, **kwargs: Any) -> Any:
        time.sleep(seconds)
        return original(question, **kwargs)

    monkeypatch.setattr(service, method, slow)


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
