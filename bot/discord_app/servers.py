"""Per-server settings as the Discord front end reads them: a memory copy of the SQLite store.

Reads come from memory (the event loop never waits on the disk); every change is written in a thread and then
copied back, so a ``/config`` change applies to the next question. The TOML values are the defaults.
"""

from __future__ import annotations

import asyncio
import dataclasses

from bot.discord_app.guards import Cooldown
from bot.server_store import ServerConfig, ServerStore
from bot.service import AskService, ReloadReport
from bot.settings import DiscordSettings


class ServerPolicy:
    """Where and how the bot answers in each server, and which articles each server sees."""

    def __init__(self, store: ServerStore, defaults: DiscordSettings, service: AskService) -> None:
        self.store = store
        self.defaults = defaults
        self.service = service
        self._configs: dict[int, ServerConfig] = {}
        self._owners: dict[str, int] = {}
        self._cooldowns: dict[int | None, Cooldown] = {}

    async def load(self) -> None:
        """Read the owners of articles and every server's settings (a few rows per server)."""
        self._owners = await asyncio.to_thread(self.store.owners)
        for guild_id in await asyncio.to_thread(self.store.configured_guilds):
            await self.refresh(guild_id)

    async def refresh(self, guild_id: int) -> ServerConfig:
        """Read one server's settings again."""
        config = await asyncio.to_thread(self.store.config, guild_id)
        self._configs[guild_id] = config
        return config

    async def refresh_owners(self) -> None:
        """Read the owners of articles again."""
        self._owners = await asyncio.to_thread(self.store.owners)

    def config(self, guild_id: int | None) -> ServerConfig:
        """Return a server's settings (the defaults for a server not read yet, or a DM)."""
        if guild_id is None:
            return ServerConfig(0)
        return self._configs.get(guild_id) or ServerConfig(guild_id)

    def allowed_channels(self, guild_id: int | None) -> tuple[int, ...]:
        """Return the channels the bot answers in for this server (empty: everywhere)."""
        return self.config(guild_id).allowed_channels(self.defaults)

    def answers_mentions(self, guild_id: int | None) -> bool:
        """Return whether questions by mention are answered in this server."""
        return guild_id is None or self.config(guild_id).mentions()

    def cooldown(self, guild_id: int | None) -> Cooldown:
        """Return the per-user cooldown of a server, made again when its length changed."""
        seconds = self.defaults.cooldown_seconds if guild_id is None else self.config(guild_id).cooldown(self.defaults)
        current = self._cooldowns.get(guild_id)
        if current is None or current.seconds != seconds:
            current = Cooldown(seconds)
            self._cooldowns[guild_id] = current
        return current

    def channel_article(self, guild_id: int | None, channel_id: int, parent_id: int | None = None) -> str | None:
        """Return the default article of a channel (or a thread's channel) if it still exists."""
        if guild_id is None:
            return None
        article = self.config(guild_id).article_for(channel_id, parent_id)
        return article if article is not None and article in self.visible(guild_id) else None

    def owner(self, article_id: str) -> int | None:
        """Return the server that added an article, or None for a shared one."""
        return self._owners.get(article_id)

    def sees(self, guild_id: int | None, article_id: str) -> bool:
        """Return True when an article is this server's to see: a shared one or its own."""
        return self._owners.get(article_id, guild_id) == guild_id

    def visible(self, guild_id: int | None) -> frozenset[str]:
        """Return the ids of the articles this server's members are answered from: shared ones and its own."""
        return frozenset(a.id for a in self.service.corpus.articles if self.sees(guild_id, a.id))

    def restriction(self, guild_id: int | None) -> frozenset[str] | None:
        """Return the ``articles=`` restriction of a search for this server; None when no server owns any."""
        if not self._owners:
            return None
        return self.visible(guild_id)

    def report_for(self, guild_id: int | None, report: ReloadReport) -> ReloadReport:
        """Return a reload's report as this server sees it: its own and the shared articles, counted alone.

        Another server's articles, even removed ones (their owner is kept until ``/remove``), and the bad files
        named after them stay out, so a reload tells no server what another one added.
        """
        if self.restriction(guild_id) is None:
            return report
        visible = self.visible(guild_id)
        return dataclasses.replace(
            report,
            added=tuple(a for a in report.added if self.sees(guild_id, a.id)),
            removed=tuple(a for a in report.removed if self.sees(guild_id, a.id)),
            changed=tuple(a for a in report.changed if self.sees(guild_id, a.id)),
            bad_files=tuple(b for b in report.bad_files if self.sees(guild_id, b.path.stem)),
            articles=len(visible),
            passages=sum(self.service.passage_count(a) for a in visible),
        )
