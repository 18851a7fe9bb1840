""""Ask about this message", and answers that follow their question: edited with it, deleted with it.

The message context-menu command takes any member's message as the question or claim and answers the one
who asked, privately, with the passage that bears on it. The bot's own replies to questions are remembered
(from the echo Discord sends of every message the bot writes), so that editing a question within
``EDIT_WINDOW_SECONDS`` edits its answer and deleting a question deletes its answer.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.answer import Answer
from bot.discord_app import render
from bot.discord_app.components import reply_view
from bot.discord_app.guards import strip_mentions
from bot.discord_app.servers import ServerPolicy
from bot.errors import QuestionError
from bot.service import AskService

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()
ASK_ABOUT_MESSAGE = "Ask about this message"
EDIT_WINDOW_SECONDS = 300.0
REMEMBERED_ANSWERS = 2000  # the most recent answers whose question is followed
NO_TEXT = "This message has no text to check against the articles."
ACK_BUDGET_SECONDS = 1.0  # answer inline when the search is this quick; defer otherwise


@dataclass(frozen=True, slots=True)
class AnswerRef:
    """Where the answer to a question is, and when it was sent."""

    channel_id: int
    message_id: int
    question: str
    sent_at: float


def claim_of(text: str, limit: int) -> str:
    """Return a message's text as a question: spaces tidied, cut at a word boundary to ``limit`` characters."""
    claim = " ".join(text.split())
    if len(claim) <= limit:
        return claim
    return claim[:limit].rsplit(" ", 1)[0] or claim[:limit]


class MessageToolsCog(commands.Cog, name="MessageTools"):
    """The context-menu command and the answers' hygiene."""

    def __init__(self, bot: commands.Bot, service: AskService, policy: ServerPolicy) -> None:
        self.bot = bot
        self.service = service
        self.policy = policy
        self.answers: OrderedDict[int, AnswerRef] = OrderedDict()
        self.menu = app_commands.ContextMenu(name=ASK_ABOUT_MESSAGE, callback=self.ask_about_message)

    async def cog_load(self) -> None:
        """Register the context-menu command (a cog cannot declare one as a method)."""
        self.bot.tree.add_command(self.menu)

    async def cog_unload(self) -> None:
        """Unregister the context-menu command."""
        self.bot.tree.remove_command(self.menu.name, type=self.menu.type)

    def _ask(self, question: str, guild_id: int | None, preferred: str | None) -> Answer:
        """Ask within the channel's default article first, then every article the server sees."""
        articles = self.policy.restriction(guild_id)
        if preferred is not None:
            within = self.service.ask(question, article=preferred, articles=articles)
            if within.answered:
                return within
        return self.service.ask(question, articles=articles)

    def _preferred(self, guild_id: int | None, channel: Any) -> str | None:
        if channel is None:
            return None
        return self.policy.channel_article(guild_id, channel.id, getattr(channel, "parent_id", None))

    # -- the context menu -------------------------------------------------------------------------------

    async def ask_about_message(self, interaction: discord.Interaction[Any], message: discord.Message) -> None:
        """Answer privately with the passage that bears on the message's text."""
        wait = self.policy.cooldown(interaction.guild_id).retry_after(interaction.user.id)
        if wait > 0:
            await interaction.response.send_message(render.cooldown_text(wait), ephemeral=True,
                                                    allowed_mentions=NO_MENTIONS)
            return
        me = self.bot.user
        text = strip_mentions(message.content, me.id) if me else message.content
        question = claim_of(text, self.service.retrieval.max_question_chars)
        if not question:
            await interaction.response.send_message(NO_TEXT, ephemeral=True, allowed_mentions=NO_MENTIONS)
            return
        preferred = self._preferred(interaction.guild_id, interaction.channel)
        task = asyncio.ensure_future(asyncio.to_thread(self._ask, question, interaction.guild_id, preferred))
        done, _ = await asyncio.wait({task}, timeout=ACK_BUDGET_SECONDS)
        if not done:
            await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            answer = await task
        except QuestionError as exc:
            await self._send(interaction, render.error_text(str(exc)), None, None)
            return
        reply = render.answer_reply(answer)
        await self._send(interaction, reply.content, reply.embed, reply_view(answer, "all"))

    async def _send(self, interaction: discord.Interaction[Any], content: str | None, embed: discord.Embed | None,
                    view: discord.ui.View | None) -> None:
        kwargs: dict[str, Any] = {"content": content, "ephemeral": True, "allowed_mentions": NO_MENTIONS}
        if embed is not None:
            kwargs["embed"] = embed
        if view is not None:
            kwargs["view"] = view
        if interaction.response.is_done():
            await interaction.followup.send(**kwargs)
        else:
            await interaction.response.send_message(**kwargs)

    # -- answers that follow their question ----------------------------------------------------------------

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Remember the bot's own replies to a question (Discord echoes every message the bot sends)."""
        me = self.bot.user
        ref = message.reference
        if me is None or message.author.id != me.id or ref is None or ref.message_id is None:
            return
        resolved = ref.resolved
        question = ""
        if isinstance(resolved, discord.Message):
            if resolved.author.bot:
                return
            question = strip_mentions(resolved.content, me.id)
        self.answers[ref.message_id] = AnswerRef(message.channel.id, message.id, question, time.monotonic())
        while len(self.answers) > REMEMBERED_ANSWERS:
            self.answers.popitem(last=False)

    @commands.Cog.listener()
    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        """Answer an edited question again, in place of the old answer, within the edit window."""
        known = self.answers.get(payload.message_id)
        me = self.bot.user
        if known is None or me is None or time.monotonic() - known.sent_at > EDIT_WINDOW_SECONDS:
            return
        content = payload.data.get("content")
        if not isinstance(content, str):
            return  # an embed unfurled, or content Discord did not send: the question did not change
        question = strip_mentions(content, me.id)
        if not question or question == known.question:
            return
        channel = self.bot.get_partial_messageable(payload.channel_id, guild_id=payload.guild_id)
        preferred = self.policy.channel_article(payload.guild_id, payload.channel_id)
        view: discord.ui.View | None = None
        try:
            answer = await asyncio.to_thread(self._ask, question, payload.guild_id, preferred)
            reply = render.answer_reply(answer)
            view = reply_view(answer, "all")
        except QuestionError as exc:
            reply = render.Reply(content=render.error_text(str(exc)))
        self.answers[payload.message_id] = AnswerRef(known.channel_id, known.message_id, question, known.sent_at)
        try:
            await channel.get_partial_message(known.message_id).edit(
                content=reply.content, embed=reply.embed, view=view, allowed_mentions=NO_MENTIONS
            )
        except discord.HTTPException as exc:
            log.warning("could not edit answer %s: %s", known.message_id, exc)

    @commands.Cog.listener()
    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        """Delete the answer of a deleted question."""
        known = self.answers.pop(payload.message_id, None)
        if known is None:
            return
        channel = self.bot.get_partial_messageable(known.channel_id, guild_id=payload.guild_id)
        try:
            await channel.get_partial_message(known.message_id).delete()
        except discord.HTTPException as exc:
            log.warning("could not delete answer %s: %s", known.message_id, exc)
