"""The askbot cog: /ask, /sources, /reload, /help, questions by mention, reply and DM, and the buttons.

Thin: it parses what Discord sends, calls the service in a thread, renders with ``render`` and sends.
Every send pings no one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, TypeVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.answer import Answer, Result
from bot.corpus import Article
from bot.discord_app import render
from bot.discord_app.components import answer_view
from bot.discord_app.custom_ids import MoreState, PassageRef, Scope, VoteState, answered_article_ref, resolve_article
from bot.discord_app.feedback import FeedbackLog, FeedbackRecord, now_iso, voter_digest
from bot.discord_app.guards import Cooldown, channel_allowed, strip_mentions
from bot.discord_app.servers import ServerPolicy
from bot.errors import CorpusError, QuestionError, UnknownArticleError
from bot.render import article_rows
from bot.service import AskService
from bot.settings import DiscordSettings

log = logging.getLogger(__name__)

# Discord wants an answer to a slash command within 3 s; past this budget the bot defers and follows up.
ACK_BUDGET_SECONDS = 2.0
NO_MENTIONS = discord.AllowedMentions.none()
T = TypeVar("T")


def _components_ids(message: discord.Message) -> list[str]:
    ids: list[str] = []
    for row in message.components:
        for child in getattr(row, "children", ()):
            custom_id = getattr(child, "custom_id", None)
            if isinstance(custom_id, str):
                ids.append(custom_id)
    return ids


def _same_passage(result: Result, shown: PassageRef, shown_article: Article | None) -> bool:
    return (
        shown_article is not None
        and result.article.id == shown_article.id
        and result.passage.paragraph == shown.paragraph
        and result.passage.window == shown.window
    )


def _payload(
    content: str | None, embed: discord.Embed | None, view: discord.ui.View | None, **extra: Any
) -> dict[str, Any]:
    """Return a send's keyword arguments: nothing pinged, and only the parts that are present."""
    kwargs: dict[str, Any] = {"content": content, "allowed_mentions": NO_MENTIONS, **extra}
    if embed is not None:
        kwargs["embed"] = embed
    if view is not None:
        kwargs["view"] = view
    return kwargs


class AskCog(commands.Cog, name="Ask"):
    """Answer questions about the articles on Discord."""

    def __init__(
        self, bot: commands.Bot, service: AskService, settings: DiscordSettings, feedback: FeedbackLog
    ) -> None:
        self.bot = bot
        self.service = service
        self.settings = settings
        self.feedback = feedback
        self.cooldown = Cooldown(settings.cooldown_seconds)
        self.servers: ServerPolicy | None = None  # per-server settings, set by the bot (bot/discord_app/servers.py)

    # -- helpers ----------------------------------------------------------------------------------------

    async def _in_thread(self, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run blocking work (a search, a reload, a file write) off the event loop."""
        return await asyncio.to_thread(func, *args, **kwargs)

    def _ask_preferring(
        self, question: str, article: str | None, articles: frozenset[str] | None = None
    ) -> tuple[Answer, Scope]:
        """Ask within the preferred article first; fall back to every article when it does not answer."""
        if article is not None:
            within = self.service.ask(question, article=article, articles=articles)
            if within.answered:
                return within, "article"
        return self.service.ask(question, articles=articles), "all"

    def _visible(self, guild: Any) -> frozenset[str] | None:
        """Return the articles a server's members may be answered from (None: every article)."""
        return self.servers.restriction(guild.id if guild else None) if self.servers else None

    def _cooldown_for(self, guild: Any) -> Cooldown:
        return self.servers.cooldown(guild.id if guild else None) if self.servers else self.cooldown

    def _allowed_here(self, channel: Any) -> bool:
        if channel is None or isinstance(channel, discord.DMChannel | discord.GroupChannel):
            return True
        parent_id = getattr(channel, "parent_id", None)
        return channel_allowed(self._allowed_ids(channel), channel.id, parent_id)

    def _allowed_ids(self, channel: Any) -> tuple[int, ...]:
        guild = getattr(channel, "guild", None)
        return self.servers.allowed_channels(guild.id) if self.servers and guild else self.settings.allowed_channel_ids

    def _allowlist_note(self, channel: Any = None) -> str:
        where = ", ".join(f"<#{cid}>" for cid in self._allowed_ids(channel)[:10])
        return f"I only answer in {where}."

    def _find_article(self, value: str) -> Article | None:
        """Return the article an /ask option names, by id (autocomplete) or by title (typed by hand)."""
        corpus = self.service.corpus
        found = corpus.article(value)
        if found is not None:
            return found
        wanted = value.strip().casefold()
        return next((a for a in corpus.articles if a.title.casefold() == wanted), None)

    def _articles_for(self, guild: Any) -> list[Article]:
        visible = self._visible(guild)
        return [a for a in self.service.corpus.articles if visible is None or a.id in visible]

    # -- slash commands ---------------------------------------------------------------------------------

    @app_commands.command(name="ask", description="Ask about the articles: I quote the passage that answers.")
    @app_commands.describe(
        question="Your question, e.g. how many inmates work in construction?",
        article="Search only this article",
        private="Show the answer to you alone",
    )
    async def ask_command(
        self,
        interaction: discord.Interaction[Any],
        question: app_commands.Range[str, 1, 4000],
        article: str | None = None,
        private: bool = False,
    ) -> None:
        """Answer a question asked with /ask."""
        if not self._allowed_here(interaction.channel):
            await interaction.response.send_message(self._allowlist_note(interaction.channel), ephemeral=True,
                                                    allowed_mentions=NO_MENTIONS)
            return
        wait = self._cooldown_for(interaction.guild).retry_after(interaction.user.id)
        if wait > 0:
            await interaction.response.send_message(render.cooldown_text(wait), ephemeral=True,
                                                    allowed_mentions=NO_MENTIONS)
            return
        chosen: Article | None = None
        if article:
            chosen = self._find_article(article)
            visible = self._visible(interaction.guild)
            if chosen is not None and visible is not None and chosen.id not in visible:
                chosen = None  # another server's article
            if chosen is None:
                await interaction.response.send_message(
                    render.error_text(f"I don't know the article {article!r}; see /sources"),
                    ephemeral=True, allowed_mentions=NO_MENTIONS,
                )
                return
        task = asyncio.ensure_future(
            self._in_thread(self.service.ask, question, article=chosen.id if chosen else None,
                            articles=self._visible(interaction.guild))
        )
        done, _ = await asyncio.wait({task}, timeout=ACK_BUDGET_SECONDS)
        if not done:
            await interaction.response.defer(ephemeral=private, thinking=True)
        try:
            answer = await task
        except (QuestionError, UnknownArticleError) as exc:
            await self._respond(interaction, render.error_text(str(exc)), ephemeral=True)
            return
        reply = render.answer_reply(answer)
        view = answer_view(answer.results[0], "article" if chosen else "all") if reply.embed else None
        await self._respond(interaction, reply.content, embed=reply.embed, view=view, ephemeral=private)

    @ask_command.autocomplete("article")
    async def article_autocomplete(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        """Offer the articles whose title or id holds what was typed."""
        typed = current.strip().casefold()
        choices = []
        for a in self._articles_for(interaction.guild):
            if typed and typed not in a.title.casefold() and typed not in a.id.casefold():
                continue
            if len(a.id) > render.CHOICE_VALUE_CHARS:
                continue  # such an id cannot travel as a choice value; the title can still be typed
            name = render.shorten(a.title, render.CHOICE_NAME_CHARS, transform=str)
            choices.append(app_commands.Choice(name=name, value=a.id))
            if len(choices) == render.AUTOCOMPLETE_CHOICES:
                break
        return choices

    @app_commands.command(name="sources", description="List the articles I answer from.")
    async def sources_command(self, interaction: discord.Interaction[Any]) -> None:
        """List the articles: title, date, passages."""
        corpus = self.service.corpus
        counts = {a.id: self.service.passage_count(a.id) for a in self._articles_for(interaction.guild)}
        rows = [r for r in article_rows(corpus, counts) if r.id in counts]
        await interaction.response.send_message(embed=render.sources_embed(rows, corpus.bad_files),
                                                ephemeral=True, allowed_mentions=NO_MENTIONS)

    @app_commands.command(name="reload", description="Re-read the articles (Manage Server).")
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()
    async def reload_command(self, interaction: discord.Interaction[Any]) -> None:
        """Re-read the corpus and say what changed; only for members who may manage the server."""
        # default_permissions is only a default a server admin can change: the check that counts is here.
        if interaction.guild is None or not interaction.permissions.manage_guild:
            await interaction.response.send_message("Only members with **Manage Server** may reload the articles.",
                                                    ephemeral=True, allowed_mentions=NO_MENTIONS)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            report = await self._in_thread(self.service.reload)
        except CorpusError as exc:
            await interaction.followup.send(f"Reload failed, still serving the old articles: {render.escape(str(exc))}",
                                            ephemeral=True, allowed_mentions=NO_MENTIONS)
            return
        log.info("reloaded the corpus: %d article(s), %d passage(s)", report.articles, report.passages)
        await interaction.followup.send(render.reload_text(report), ephemeral=True, allowed_mentions=NO_MENTIONS)

    @app_commands.command(name="help", description="How to ask me about the articles.")
    async def help_command(self, interaction: discord.Interaction[Any]) -> None:
        """Say how to ask."""
        mention = self.bot.user.mention if self.bot.user else "@askbot"
        await interaction.response.send_message(render.help_text(mention), ephemeral=True,
                                                allowed_mentions=NO_MENTIONS)

    async def _respond(
        self,
        interaction: discord.Interaction[Any],
        content: str | None,
        *,
        embed: discord.Embed | None = None,
        view: discord.ui.View | None = None,
        ephemeral: bool = False,
    ) -> None:
        """Send the response, or a follow-up once the interaction was acknowledged."""
        kwargs = _payload(content, embed, view, ephemeral=ephemeral)
        if interaction.response.is_done():
            await interaction.followup.send(**kwargs)
        else:
            await interaction.response.send_message(**kwargs)

    # -- mentions, replies and direct messages ----------------------------------------------------------

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Answer a question that mentions the bot, replies to one of its answers, or comes by DM."""
        me = self.bot.user
        if me is None or message.author.bot:  # every bot, itself included: Discord echoes our own messages
            return
        if message.guild is None:
            if not self.settings.allow_dms:
                return
        else:
            # Not `mentioned_in`: that is also true for @everyone, which must not summon the bot.
            if not any(user.id == me.id for user in message.mentions):
                return
            if not self._allowed_here(message.channel):
                return
            if self.servers is not None and not self.servers.answers_mentions(message.guild.id):
                return
        question = strip_mentions(message.content, me.id)
        if not question:
            await self._reply(message, render.help_text(me.mention))
            return
        wait = self._cooldown_for(message.guild).retry_after(message.author.id)
        if wait > 0:
            await self._reply(message, render.cooldown_text(wait))
            return
        preferred = self._replied_article(message, me.id)
        if preferred is None and self.servers is not None and message.guild is not None:
            channel = message.channel
            preferred = self.servers.channel_article(message.guild.id, channel.id, getattr(channel, "parent_id", None))
        try:
            answer, scope = await self._in_thread(self._ask_preferring, question, preferred,
                                                  self._visible(message.guild))
        except QuestionError as exc:
            await self._reply(message, render.error_text(str(exc)))
            return
        reply = render.answer_reply(answer)
        view = answer_view(answer.results[0], scope) if reply.embed else None
        await self._reply(message, reply.content, embed=reply.embed, view=view)

    def _replied_article(self, message: discord.Message, my_id: int) -> str | None:
        """Return the article of the answer this message replies to, or None."""
        ref = message.reference
        replied = ref.resolved if ref is not None else None
        if not isinstance(replied, discord.Message) or replied.author.id != my_id:
            return None
        short = answered_article_ref(_components_ids(replied))
        article = resolve_article(short, self.service.corpus.articles) if short else None
        return article.id if article else None

    async def _reply(
        self,
        message: discord.Message,
        content: str | None,
        *,
        embed: discord.Embed | None = None,
        view: discord.ui.View | None = None,
    ) -> None:
        """Reply to a message without pinging its author or anyone else."""
        await message.reply(**_payload(content, embed, view, mention_author=False))

    # -- buttons (called by components.MoreButton and VoteButton) --------------------------------------------

    def _question_of(self, interaction: discord.Interaction[Any]) -> str | None:
        message = interaction.message
        if message is None or not message.embeds:
            return None
        return render.question_of(message.embeds[0])

    async def on_more(self, interaction: discord.Interaction[Any], state: MoreState) -> None:
        """Show the clicker alone the passages after the one the answer showed."""
        question = self._question_of(interaction)
        if question is None:
            await interaction.response.send_message("I can't find the question of this answer any more.",
                                                    ephemeral=True, allowed_mentions=NO_MENTIONS)
            return
        shown_article = resolve_article(state.passage.article, self.service.corpus.articles)
        within = shown_article.id if state.scope == "article" and shown_article else None
        top_k = self.service.retrieval.top_k
        answer = await self._in_thread(self.service.ask, question, article=within, top=top_k + 1,
                                       articles=self._visible(interaction.guild))
        others = [r for r in answer.results if not _same_passage(r, state.passage, shown_article)][:top_k]
        if not answer.answered:
            others = []
        await interaction.response.send_message(embed=render.more_embed(others), ephemeral=True,
                                                allowed_mentions=NO_MENTIONS)

    async def on_vote(self, interaction: discord.Interaction[Any], state: VoteState) -> None:
        """Append the vote to the feedback log and thank the voter privately."""
        article = resolve_article(state.passage.article, self.service.corpus.articles)
        record = FeedbackRecord(
            question=self._question_of(interaction) or "",
            article=article.id if article else state.passage.article,
            paragraph=state.passage.paragraph,
            window=state.passage.window,
            score=state.score,
            vote=state.vote,
            time=now_iso(),
            user=voter_digest(interaction.user.id, str(interaction.application_id)),
        )
        await self._in_thread(self.feedback.append, record)
        await interaction.response.send_message("Thanks for the feedback!", ephemeral=True,
                                                allowed_mentions=NO_MENTIONS)

    async def on_component_error(self, interaction: discord.Interaction[Any], error: Exception) -> None:
        """Log a button's error with its traceback and apologise to the clicker alone."""
        log.error("error in a button (%s)", getattr(interaction, "data", {}), exc_info=error)
        await apologise(interaction)


async def apologise(interaction: discord.Interaction[Any]) -> None:
    """Send the short private apology, whether or not the interaction was acknowledged yet."""
    try:
        if interaction.response.is_done():
            await interaction.followup.send(render.APOLOGY, ephemeral=True, allowed_mentions=NO_MENTIONS)
        else:
            await interaction.response.send_message(render.APOLOGY, ephemeral=True, allowed_mentions=NO_MENTIONS)
    except discord.HTTPException:
        log.warning("could not send the apology for interaction %s", interaction.id)
