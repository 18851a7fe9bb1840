"""The bot object: ``create_bot(settings, service)`` builds it for ``askbot run`` and for the tests alike.

It requests no privileged intent, pings no one by default, registers the persistent buttons and the cog at
start-up, syncs the slash commands, and holds the front end's error boundary (``AskTree.on_error`` for slash
commands, ``on_error`` for events).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from pathlib import Path
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_app import render
from bot.discord_app.cog import NO_MENTIONS, AskCog, apologise, reply_to
from bot.discord_app.components import ButtonHandler, MoreButton, NearButton, VoteButton
from bot.discord_app.delete_button import DeleteButton
from bot.discord_app.delivery import fail_fast
from bot.discord_app.feedback import FeedbackLog
from bot.discord_app.manage import ManageCog
from bot.discord_app.message_tools import MessageToolsCog
from bot.discord_app.servers import ServerPolicy
from bot.server_store import ServerStore, database_path
from bot.service import AskService
from bot.settings import DiscordSettings, Settings, state_dir

log = logging.getLogger(__name__)

FEEDBACK_FILE = "feedback.jsonl"
PRESENCE = "/ask · /help"
SYNC_STATE_FILE = "commands.json"


def intents() -> discord.Intents:
    """Return the intents the bot needs: guilds and messages, none of them privileged."""
    wanted = discord.Intents.none()
    wanted.guilds = True
    wanted.guild_messages = True
    wanted.dm_messages = True
    return wanted


def feedback_path(settings: DiscordSettings) -> Path:
    """Return where votes are appended."""
    return settings.feedback_log or state_dir() / FEEDBACK_FILE


def sync_state_path(settings: DiscordSettings) -> Path:
    """Return where the hash of the last globally synced command set is kept."""
    return settings.sync_state_file or state_dir() / SYNC_STATE_FILE


class AskTree(app_commands.CommandTree[Any]):
    """The command tree, with the slash commands' error boundary."""

    async def on_error(self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError, /) -> None:
        """Tell the user briefly and privately; log unexpected errors with their traceback."""
        if isinstance(error, app_commands.NoPrivateMessage):
            message = "This command works in a server only."
        elif isinstance(error, app_commands.CommandNotFound):
            message = "I don't know this command any more; it will disappear from the list shortly."
        elif isinstance(error, app_commands.CheckFailure):
            message = "You can't use this command here."
        else:
            original = error.original if isinstance(error, app_commands.CommandInvokeError) else error
            command = interaction.command.qualified_name if interaction.command else "?"
            log.error("error in /%s", command, exc_info=original)
            await apologise(interaction)
            return
        try:
            if interaction.response.is_done():
                await interaction.followup.send(message, ephemeral=True, allowed_mentions=NO_MENTIONS)
            else:
                await interaction.response.send_message(message, ephemeral=True, allowed_mentions=NO_MENTIONS)
        except discord.HTTPException:
            log.warning("could not tell the user about %s", type(error).__name__)


def command_set_digest(tree: app_commands.CommandTree[Any]) -> str:
    """Return a digest of the global command set, to sync only when it changed."""
    payload = sorted((c.to_dict(tree) for c in tree.get_commands()), key=lambda c: str(c.get("name")))
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def _read_state(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


async def sync_commands(bot: commands.Bot, settings: DiscordSettings) -> None:
    """Sync to the configured guilds (instant), or globally when the command set changed since the last sync."""
    tree = bot.tree
    try:
        if settings.sync_guild_ids:
            for guild_id in settings.sync_guild_ids:
                guild = discord.Object(id=guild_id)
                tree.copy_global_to(guild=guild)
                synced = await tree.sync(guild=guild)
                log.info("synced %d command(s) to guild %s", len(synced), guild_id)
            return
        path = sync_state_path(settings)
        key = str(bot.application_id)
        digest = command_set_digest(tree)
        state = _read_state(path)
        if state.get(key) == digest:
            log.info("commands unchanged since the last global sync; not syncing")
            return
        synced = await tree.sync()
        log.info("synced %d command(s) globally", len(synced))
        state[key] = digest
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(state, indent=2), encoding="utf-8")
        except OSError as exc:
            log.warning("could not remember the synced command set in %s: %s", path, exc)
    except discord.HTTPException as exc:
        # Mentions and DMs still work without slash commands: keep serving.
        log.warning("could not sync the slash commands: %s", exc)


class AskBot(commands.Bot):
    """The askbot Discord client (one gateway connection)."""

    def __init__(self, settings: Settings, service: AskService, **options: Any) -> None:
        # askbot never joins voice: spare the logs discord.py's warnings about missing voice libraries.
        for flag in ("warn_nacl", "warn_dave"):
            if hasattr(discord.VoiceClient, flag):
                setattr(discord.VoiceClient, flag, False)
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=intents(),
            allowed_mentions=NO_MENTIONS,
            tree_cls=AskTree,
            guild_ready_timeout=settings.discord.guild_ready_timeout,
            activity=discord.CustomActivity(name=PRESENCE),
            **options,
        )
        self.settings = settings
        self.service = service
        self.feedback = FeedbackLog(feedback_path(settings.discord))  # its voter key beside it: the state dir
        self.button_handler: ButtonHandler | None = None
        self.cog: AskCog | None = None
        self.servers: ServerPolicy | None = None

    async def setup_hook(self) -> None:
        """Add the cog, register the persistent buttons and sync the commands."""
        if not fail_fast(self.http):
            log.warning("discord.py's HTTP session is not the expected one: a 5xx may delay later replies")
        cog = AskCog(self, self.service, self.settings.discord, self.feedback)
        await self.add_cog(cog)
        self.button_handler = cog
        self.cog = cog
        store = await asyncio.to_thread(ServerStore, database_path(self.settings.servers.database))
        self.servers = cog.servers = ServerPolicy(store, self.settings.discord, self.service)
        await self.servers.load()
        await self.add_cog(ManageCog(self, self.service, self.settings, self.servers))
        await self.add_cog(MessageToolsCog(self, self.service, self.servers))
        self.add_dynamic_items(MoreButton, VoteButton, NearButton, DeleteButton)
        await sync_commands(self, self.settings.discord)

    async def drain(self, timeout: float) -> int:
        """Stop taking questions, finish those in flight for up to ``timeout`` s; return how many were cut."""
        return await self.cog.drain(timeout) if self.cog is not None else 0

    async def on_ready(self) -> None:
        """Log who the bot is and where it serves."""
        user = self.user
        log.info("ready as %s (id %s) in %d guild(s)", user, user.id if user else "?", len(self.guilds))

    async def close(self) -> None:
        """Close the connection, then the settings database."""
        try:
            await super().close()
        finally:
            if self.servers is not None:
                self.servers.store.close()

    async def on_message(self, message: discord.Message, /) -> None:
        """Leave messages to the cog: the bot has no prefix commands."""

    async def on_error(self, event_method: str, /, *args: Any, **kwargs: Any) -> None:
        """Log an event's error with its traceback, apologise when it was a user's message, keep serving."""
        log.exception("error while handling %s", event_method)
        message = args[0] if args else None
        if isinstance(message, discord.Message) and not message.author.bot:
            try:
                await reply_to(message, render.APOLOGY)
            except discord.HTTPException:
                log.warning("could not send the apology for message %s", message.id)


class ShardedAskBot(AskBot, commands.AutoShardedBot):
    """The askbot Discord client over several gateway connections."""


def create_bot(settings: Settings, service: AskService) -> AskBot:
    """Return the bot ``askbot run`` starts: sharded when ``discord.shard_count`` is set."""
    shards = settings.discord.shard_count
    if shards is None:
        return AskBot(settings, service)
    return ShardedAskBot(settings, service, shard_count=None if shards == "auto" else shards)
