"""The moderators' cog: /add an article from a link or a file, /remove one (confirmed), /config the server.

Thin: fetching, extraction and writing happen in ``bot.web_import`` and the settings in ``bot.server_store``,
all in threads. Every command checks Manage Server itself (``default_permissions`` is only a default that a
server can change). An article added in a server belongs to it: its members alone are answered from it.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_app import manage_render, render
from bot.discord_app.servers import ServerPolicy
from bot.errors import ArticleRefusedError, CorpusError
from bot.service import AskService
from bot.settings import Settings
from bot.web_import import (
    FILE_SUFFIXES,
    AddedArticle,
    article_path,
    check_id,
    draft_from_file,
    draft_from_url,
    remove_article,
    slugify,
    write_article,
)

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()
CONFIRM_TIMEOUT_SECONDS = 120.0
CLEAR_WORDS = frozenset({"none", "off", "clear", "all"})


def _may_manage(interaction: discord.Interaction[Any]) -> bool:
    return interaction.guild is not None and interaction.permissions.manage_guild


class ConfirmRemove(discord.ui.View):
    """The Remove / Keep buttons under a /remove, for the moderator who asked only."""

    def __init__(self, cog: ManageCog, article_id: str, user_id: int) -> None:
        super().__init__(timeout=CONFIRM_TIMEOUT_SECONDS)
        self.cog = cog
        self.article_id = article_id
        self.user_id = user_id

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        """Let only the moderator who ran /remove press the buttons."""
        if interaction.user.id != self.user_id:
            await interaction.response.send_message("This confirmation is not yours.", ephemeral=True,
                                                    allowed_mentions=NO_MENTIONS)
            return False
        return True

    @discord.ui.button(label="Remove", style=discord.ButtonStyle.danger)
    async def confirm(self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]) -> None:
        """Remove the article and say so in place of the question."""
        self.stop()
        # Acknowledged first: a reload of a large corpus can outlast Discord's 3 s.
        await interaction.response.defer()
        text = await self.cog.remove_now(self.article_id)
        await interaction.edit_original_response(content=text, view=None, allowed_mentions=NO_MENTIONS)

    @discord.ui.button(label="Keep", style=discord.ButtonStyle.secondary)
    async def cancel(self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]) -> None:
        """Keep the article."""
        self.stop()
        await interaction.response.edit_message(content="Kept: nothing was removed.", view=None,
                                                allowed_mentions=NO_MENTIONS)


class ManageCog(commands.Cog, name="Manage"):
    """Add, remove and configure from Discord."""

    def __init__(self, bot: commands.Bot, service: AskService, settings: Settings, policy: ServerPolicy) -> None:
        self.bot = bot
        self.service = service
        self.settings = settings
        self.policy = policy
        self._writing = asyncio.Lock()  # one add or remove at a time: ids are checked, then written

    @property
    def folder(self) -> Path:
        """Return the corpus folder the service reads."""
        return self.service.corpus.root

    # -- /add -------------------------------------------------------------------------------------------

    @app_commands.command(name="add", description="Add an article from a link or a file (Manage Server).")
    @app_commands.describe(
        url="Link to the news page", file="An .html, .md or .txt file", id="The article's id (default: from its title)"
    )
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()
    async def add_command(
        self,
        interaction: discord.Interaction[Any],
        url: str | None = None,
        file: discord.Attachment | None = None,
        id: str | None = None,
    ) -> None:
        """Fetch or read the article, write it, reload, and show what was read so it can be checked."""
        if not _may_manage(interaction):
            await interaction.response.send_message(manage_render.MANAGE_ONLY, ephemeral=True,
                                                    allowed_mentions=NO_MENTIONS)
            return
        if (url is None) == (file is None):
            await interaction.response.send_message("Give either a `url` or a `file`, not both or neither.",
                                                    ephemeral=True, allowed_mentions=NO_MENTIONS)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        guild_id = interaction.guild_id or 0
        try:
            added = await self._add(guild_id, interaction.user.id, url, file, id)
        except ArticleRefusedError as exc:
            await interaction.followup.send(manage_render.refused_text("Not added", str(exc)), ephemeral=True,
                                            allowed_mentions=NO_MENTIONS)
            return
        await interaction.followup.send(manage_render.added_text(added), ephemeral=True, allowed_mentions=NO_MENTIONS)

    async def _add(
        self, guild_id: int, user_id: int, url: str | None, file: discord.Attachment | None, wanted: str | None
    ) -> AddedArticle:
        web = self.settings.web
        given = check_id(wanted.strip()) if wanted else None  # a bad id is refused before any download
        if file is not None:
            if not file.filename.lower().endswith(FILE_SUFFIXES):
                raise ArticleRefusedError(f"only {', '.join(FILE_SUFFIXES)} files can be added")
            if file.size > web.max_bytes:
                raise ArticleRefusedError(f"the file is too large ({file.size:,} bytes; at most {web.max_bytes:,})")
            try:
                data = await file.read()
            except discord.HTTPException:
                raise ArticleRefusedError("the file could not be downloaded from Discord") from None
            draft = await asyncio.to_thread(draft_from_file, file.filename, data, min_words=web.min_words)
        else:
            draft = await asyncio.to_thread(draft_from_url, url or "", web)
        chosen = given or slugify(draft.title)
        async with self._writing:
            if article_path(self.folder, chosen) is not None or self.service.corpus.article(chosen) is not None:
                raise ArticleRefusedError(f"an article with the id {chosen!r} exists already: give another id")
            # Claimed before it is written: no other server can see it between the write and the claim.
            await asyncio.to_thread(self.policy.store.claim_article, guild_id, chosen, user_id)
            try:
                added = await asyncio.to_thread(write_article, self.folder, draft, chosen)
            except BaseException:
                await asyncio.to_thread(self.policy.store.release_article, chosen)
                raise
            await self.policy.refresh_owners()
            await self._reload()
        log.info("server %s added article %s", guild_id, added.id)
        return added

    async def _reload(self) -> None:
        try:
            await asyncio.to_thread(self.service.reload)
        except CorpusError as exc:
            log.warning("reload after a change failed: %s", exc)

    # -- /remove ----------------------------------------------------------------------------------------

    @app_commands.command(name="remove", description="Remove an article this server added (Manage Server).")
    @app_commands.describe(article="The article to remove")
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()
    async def remove_command(self, interaction: discord.Interaction[Any], article: str) -> None:
        """Ask for confirmation, with buttons, before removing."""
        if not _may_manage(interaction):
            await interaction.response.send_message(manage_render.MANAGE_ONLY, ephemeral=True,
                                                    allowed_mentions=NO_MENTIONS)
            return
        found = self.service.corpus.article(article)
        if found is None or self.policy.owner(article) != interaction.guild_id:
            reason = ("this server did not add it (shared articles are removed on the host: `askbot remove`)"
                      if found is not None else "no such article")
            await interaction.response.send_message(manage_render.refused_text(f"Can't remove {article}", reason),
                                                    ephemeral=True, allowed_mentions=NO_MENTIONS)
            return
        view = ConfirmRemove(self, article, interaction.user.id)
        await interaction.response.send_message(
            f"Remove **{render.shorten(found.title, 200)}** (`{article}`) for good?", view=view, ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )

    @remove_command.autocomplete("article")
    async def remove_autocomplete(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        """Offer the articles this server added."""
        return await self._visible_choices(interaction, current, own_only=True)

    async def remove_now(self, article_id: str) -> str:
        """Remove an article's file, forget its owner, reload; return what to tell the moderator."""
        async with self._writing:
            try:
                await asyncio.to_thread(remove_article, self.folder, article_id)
            except ArticleRefusedError as exc:
                return manage_render.refused_text("Not removed", str(exc))
            await asyncio.to_thread(self.policy.store.release_article, article_id)
            await self.policy.refresh_owners()
            await self._reload()
        log.info("removed article %s", article_id)
        return f"Removed `{article_id}`."

    # -- /config ----------------------------------------------------------------------------------------

    async def _visible_choices(self, interaction: discord.Interaction[Any], current: str,
                               own_only: bool) -> list[app_commands.Choice[str]]:
        typed = current.strip().casefold()
        visible = self.policy.visible(interaction.guild_id)
        choices = []
        for a in self.service.corpus.articles:
            if a.id not in visible or len(a.id) > render.CHOICE_VALUE_CHARS:
                continue
            if own_only and self.policy.owner(a.id) != interaction.guild_id:
                continue
            if typed and typed not in a.title.casefold() and typed not in a.id.casefold():
                continue
            choices.append(app_commands.Choice(name=render.shorten(a.title, render.CHOICE_NAME_CHARS, transform=str),
                                               value=a.id))
            if len(choices) == render.AUTOCOMPLETE_CHOICES:
                break
        return choices

    @app_commands.command(name="config", description="Show or change how I answer in this server (Manage Server).")
    @app_commands.describe(
        channels="Channels where I answer (#mentions), or 'all'",
        cooldown="Seconds a member waits between questions",
        mentions="Answer questions that mention me",
        article="Default article of this channel or thread (an id), or 'none'",
        reset="Back to the defaults for everything",
    )
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()
    async def config_command(  # noqa: PLR0917  (each option is a parameter)
        self,
        interaction: discord.Interaction[Any],
        channels: str | None = None,
        cooldown: app_commands.Range[float, 0, 3600] | None = None,
        mentions: bool | None = None,
        article: str | None = None,
        reset: bool = False,
    ) -> None:
        """Change the given settings (at once, and kept over restarts), then show them all."""
        guild_id = interaction.guild_id
        if guild_id is None or not _may_manage(interaction):
            await interaction.response.send_message(manage_render.MANAGE_ONLY, ephemeral=True,
                                                    allowed_mentions=NO_MENTIONS)
            return
        channel_id = interaction.channel_id or 0
        store = self.policy.store
        if article is not None and article.strip().lower() not in CLEAR_WORDS \
                and article not in self.policy.visible(guild_id):
            await interaction.response.send_message(
                manage_render.refused_text("Not changed", f"no article {article!r} here; see /sources"),
                ephemeral=True, allowed_mentions=NO_MENTIONS)
            return
        if reset:
            await asyncio.to_thread(store.set_cooldown, guild_id, None)
            await asyncio.to_thread(store.set_answer_mentions, guild_id, None)
            await asyncio.to_thread(store.set_channels, guild_id, ())
            await asyncio.to_thread(store.set_channel_article, guild_id, channel_id, None)
        if channels is not None:
            await asyncio.to_thread(store.set_channels, guild_id, manage_render.parse_channels(channels) or ())
        if cooldown is not None:
            await asyncio.to_thread(store.set_cooldown, guild_id, float(cooldown))
        if mentions is not None:
            await asyncio.to_thread(store.set_answer_mentions, guild_id, mentions)
        if article is not None:
            chosen = None if article.strip().lower() in CLEAR_WORDS else article
            await asyncio.to_thread(store.set_channel_article, guild_id, channel_id, chosen)
        config = await self.policy.refresh(guild_id)
        default = self.policy.channel_article(guild_id, channel_id)
        found = self.service.corpus.article(default) if default else None
        text = manage_render.config_text(config, self.settings.discord, channel_id, found.title if found else None)
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS)

    @config_command.autocomplete("article")
    async def config_article_autocomplete(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        """Offer the articles this server sees."""
        return await self._visible_choices(interaction, current, own_only=False)
