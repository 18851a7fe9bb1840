"""The askbot cog: /ask, /sources, /reload, /help, questions by mention, reply and DM, and the buttons.

Thin: it parses what Discord sends, calls the service in a thread, renders with ``render`` and sends.
Every send pings no one. Reliability rules (README, "Reliability"): an /ask, and a click on a button that
searches, is acknowledged within ``ACK_BUDGET_SECONDS`` of its creation (the interaction's snowflake), deferred
at once when the answer is not in hand (``_in_time``); a reply survives the deletion of its question and
Discord's passing 5xx (``delivery``); the cooldown charges answered questions only and tells a member once;
work in flight is drained before the bot closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import secrets
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.answer import Answer, Result
from bot.corpus import Article
from bot.discord_app import render
from bot.discord_app.components import reply_view
from bot.discord_app.custom_ids import (
    MoreState,
    NearState,
    PassageRef,
    Scope,
    VoteState,
    answered_article_ref,
    resolve_article,
)
from bot.discord_app.delivery import WEBHOOK_RETRY_STATUSES, is_gone_reference, with_retries
from bot.discord_app.feedback import FeedbackLog, FeedbackRecord, now_iso
from bot.discord_app.guards import Cooldown, channel_allowed, strip_mentions
from bot.discord_app.servers import ServerPolicy
from bot.errors import CorpusError, QuestionError, UnknownArticleError
from bot.render import article_rows
from bot.service import AskService
from bot.settings import DiscordSettings

log = logging.getLogger(__name__)

# Discord wants an answer to a slash command within 3 s of the interaction's creation (its snowflake), network
# both ways included. The bot acknowledges within this budget, counted from the creation, not from when the
# handler runs (in a burst the handler may start late).
ACK_BUDGET_SECONDS = 1.0
# How long an /ask waits for its answer before it defers (when the budget allows): an answer usually takes a few
# milliseconds, and a reply in one step is nicer than a "thinking…" first.
INLINE_ANSWER_SECONDS = 0.15
# Interaction callbacks are retried quickly: the deadline is near.
CALLBACK_RETRY_DELAYS = (0.2, 0.4)
NO_MENTIONS = discord.AllowedMentions.none()
# The reply to a question shows its best passage; "More" asks again for the next ones. Only that one is
# highlighted, then.
FIRST_REPLY_RESULTS = 1
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
        self.closing = False
        self._inflight: set[asyncio.Task[Any]] = set()
        self.servers: ServerPolicy | None = None  # per-server settings, set by the bot (bot/discord_app/servers.py)
        # Answers take CPU and hold the GIL: a few threads of their own, rather than the default executor's many,
        # leave the event loop its share, so a burst of questions does not delay acknowledgements and heartbeats.
        self._answer_threads = ThreadPoolExecutor(settings.answer_threads, thread_name_prefix="askbot-answer")

    async def cog_unload(self) -> None:
        """Let the answer threads finish what they hold and end."""
        self._answer_threads.shutdown(wait=False, cancel_futures=True)

    # -- helpers ----------------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _tracked(self) -> Iterator[None]:
        """Count the current handler as in flight, so that a shutdown drains it."""
        task = asyncio.current_task()
        if task is not None:
            self._inflight.add(task)
        try:
            yield
        finally:
            if task is not None:
                self._inflight.discard(task)

    async def drain(self, timeout: float) -> int:
        """Stop taking questions and wait up to ``timeout`` s for those in flight; return how many are left."""
        self.closing = True
        pending = {t for t in self._inflight if t is not asyncio.current_task()}
        if pending:
            log.info("finishing %d answer(s) in flight before closing", len(pending))
            _, pending = await asyncio.wait(pending, timeout=timeout)
            if pending:
                log.warning("closing with %d answer(s) still in flight after %.0f s", len(pending), timeout)
        return len(pending)

    def _settle(self, user_id: int, answered: bool, guild: Any = None) -> None:
        """Charge the server's cooldown for an answered question; give the turn back otherwise."""
        cooldown = self._cooldown_for(guild)
        if answered:
            cooldown.charge(user_id)
        else:
            cooldown.refund(user_id)

    async def _in_thread(self, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run blocking work (a reload, a file write) off the event loop."""
        return await asyncio.to_thread(func, *args, **kwargs)

    async def _answering(self, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a question's answer off the event loop, in the answer threads."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._answer_threads, functools.partial(func, *args, **kwargs))

    async def _in_time(
        self, interaction: discord.Interaction[Any], ephemeral: bool, func: Callable[..., T], *args: Any,
        **kwargs: Any,
    ) -> T:
        """Run an interaction's work in the answer threads, deferring the response when it is not ready in time.

        The result goes in the interaction's own response when it comes within ``INLINE_ANSWER_SECONDS`` (and the
        ack budget counted from the interaction's creation); otherwise the interaction is acknowledged with a
        "thinking" response first, so a busy bot never lets Discord's 3 s deadline pass. ``_respond`` then sends
        the result as the follow-up.
        """
        task = asyncio.ensure_future(self._answering(func, *args, **kwargs))
        budget = min(INLINE_ANSWER_SECONDS, ACK_BUDGET_SECONDS - interaction_age(interaction))
        if budget > 0:
            await asyncio.wait({task}, timeout=budget)
        if not task.done():
            await with_retries(lambda: interaction.response.defer(ephemeral=ephemeral, thinking=True),
                               delays=CALLBACK_RETRY_DELAYS, statuses=WEBHOOK_RETRY_STATUSES, what="defer")
        return await task

    def _ask_preferring(
        self, question: str, article: str | None, articles: frozenset[str] | None = None
    ) -> tuple[Answer, Scope]:
        """Ask within the preferred article first; fall back to every article when it does not answer."""
        if article is not None:
            within = self.service.ask(question, article=article, top=FIRST_REPLY_RESULTS, articles=articles)
            if within.answered:
                return within, "article"
        return self.service.ask(question, top=FIRST_REPLY_RESULTS, articles=articles), "all"

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
        with self._tracked():
            await self._ask(interaction, question, article, private)

    async def _ask(
        self, interaction: discord.Interaction[Any], question: str, article: str | None, private: bool
    ) -> None:
        if self.closing:
            await self._respond(interaction, render.RESTARTING, ephemeral=True)
            return
        if not self._allowed_here(interaction.channel):
            await self._respond(interaction, self._allowlist_note(interaction.channel), ephemeral=True)
            return
        chosen: Article | None = None
        if article:
            chosen = self._find_article(article)
            visible = self._visible(interaction.guild)
            if chosen is not None and visible is not None and chosen.id not in visible:
                chosen = None  # another server's article
            if chosen is None:
                shown = render.shorten(article, render.CHOICE_VALUE_CHARS)
                await self._respond(interaction, f"I don't know the article “{shown}”; see /sources.", ephemeral=True)
                return
        user_id = interaction.user.id
        wait = self._cooldown_for(interaction.guild).retry_after(user_id)
        if wait > 0:  # private: it floods no channel, and the interaction needs an answer anyway
            await self._respond(interaction, render.cooldown_text(wait), ephemeral=True)
            return
        answered = False
        try:
            try:
                answer = await self._in_time(interaction, private, self.service.ask, question,
                                             article=chosen.id if chosen else None, top=FIRST_REPLY_RESULTS,
                                             articles=self._visible(interaction.guild))
            except (QuestionError, UnknownArticleError) as exc:
                await self._respond(interaction, render.error_text(str(exc)), ephemeral=True)
                return
            answered = answer.answered
            reply = render.answer_reply(answer)
            view = reply_view(answer, "article" if chosen else "all", chosen.id if chosen else None)
            await self._respond(interaction, reply.content, embed=reply.embed, view=view, ephemeral=private)
        finally:
            self._settle(user_id, answered, interaction.guild)

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
        """Re-read the corpus and say what changed in this server's articles; only for members who may manage it."""
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
        if self.servers is not None:  # this server's view: never another server's articles
            report = self.servers.report_for(interaction.guild_id, report)
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
            await with_retries(lambda: interaction.followup.send(**kwargs), statuses=WEBHOOK_RETRY_STATUSES,
                               what="follow-up")
        else:
            await with_retries(lambda: interaction.response.send_message(**kwargs), delays=CALLBACK_RETRY_DELAYS,
                               statuses=WEBHOOK_RETRY_STATUSES, what="interaction response")

    # -- mentions, replies and direct messages ----------------------------------------------------------

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Answer a question that mentions the bot, replies to one of its answers, or comes by DM."""
        with self._tracked():
            await self._on_question(message)

    async def _on_question(self, message: discord.Message) -> None:
        me = self.bot.user
        if me is None or message.author.bot or self.closing:  # every bot, itself included: Discord echoes ours
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
        user_id = message.author.id
        cooldown = self._cooldown_for(message.guild)
        wait = cooldown.retry_after(user_id)
        if wait > 0:
            if cooldown.first_refusal(user_id):  # told once per pause; later questions are let be
                await self._reply(message, render.cooldown_text(wait))
            return
        answered = False
        try:
            preferred = self._replied_article(message, me.id)
            if preferred is None and self.servers is not None and message.guild is not None:
                channel = message.channel
                preferred = self.servers.channel_article(message.guild.id, channel.id,
                                                         getattr(channel, "parent_id", None))
            try:
                answer, scope = await self._answering(self._ask_preferring, question, preferred,
                                                      self._visible(message.guild))
            except QuestionError as exc:
                await self._reply(message, render.error_text(str(exc)))
                return
            answered = answer.answered
            reply = render.answer_reply(answer)
            view = reply_view(answer, scope)
            await self._reply(message, reply.content, embed=reply.embed, view=view)
        finally:
            self._settle(user_id, answered, message.guild)

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
        """Reply to a message without pinging its author or anyone else, even when the message was deleted."""
        await reply_to(message, content, embed=embed, view=view)

    # -- buttons (called by components.MoreButton and VoteButton) --------------------------------------------

    def _question_of(self, interaction: discord.Interaction[Any]) -> str | None:
        """Return the question the clicked reply was asked with (from its embed), or None."""
        message = interaction.message
        return render.question_of(message.embeds[0]) if message is not None and message.embeds else None

    async def _question_or_say(self, interaction: discord.Interaction[Any]) -> str | None:
        """Return ``_question_of``; when it is gone, tell the clicker privately and return None."""
        question = self._question_of(interaction)
        if question is None:
            await self._respond(interaction, "I can't find the question of this reply any more.", ephemeral=True)
        return question

    async def on_more(self, interaction: discord.Interaction[Any], state: MoreState) -> None:
        """Show the clicker alone the passages after the one the answer showed."""
        question = await self._question_or_say(interaction)
        if question is None:
            return
        shown_article = resolve_article(state.passage.article, self.service.corpus.articles)
        within = shown_article.id if state.scope == "article" and shown_article else None
        top_k = self.service.retrieval.top_k
        answer = await self._in_time(interaction, True, self.service.ask, question, article=within, top=top_k + 1,
                                     articles=self._visible(interaction.guild))
        others = [r for r in answer.results if not _same_passage(r, state.passage, shown_article)][:top_k]
        if not answer.answered:
            others = []
        await self._respond(interaction, None, embed=render.more_embed(others), ephemeral=True)

    async def on_near(self, interaction: discord.Interaction[Any], state: NearState) -> None:
        """Show the clicker alone the passages that came closest to a declined question, said to be no answer."""
        question = await self._question_or_say(interaction)
        if question is None:
            return
        within = resolve_article(state.article, self.service.corpus.articles) if state.article else None
        visible = self._visible(interaction.guild)
        if state.article and (within is None or (visible is not None and within.id not in visible)):
            await self._respond(interaction, "That article is no longer among the ones I know.", ephemeral=True)
            return
        results = await self._in_time(interaction, True, self.service.nearest, question,
                                      article=within.id if within else None, top=self.service.retrieval.top_k,
                                      articles=visible)
        await self._respond(interaction, None, embed=render.near_embed(results), ephemeral=True)

    async def on_vote(self, interaction: discord.Interaction[Any], state: VoteState) -> None:
        """Append the vote to the feedback log and thank the voter privately."""
        article = resolve_article(state.passage.article, self.service.corpus.articles)
        message_id = interaction.message.id if interaction.message else 0
        if not self.feedback.first_vote(message_id, interaction.user.id):
            await self._respond(interaction, "You already voted on this answer.", ephemeral=True)
            return
        try:
            record = FeedbackRecord(
                question=self._question_of(interaction) or "",
                article=article.id if article else state.passage.article,
                paragraph=state.passage.paragraph,
                window=state.passage.window,
                score=state.score,
                vote=state.vote,
                time=now_iso(),
                user=await self._in_thread(self.feedback.voter, interaction.user.id),
            )
            await self._in_thread(self.feedback.append, record)
        except BaseException:
            self.feedback.forget_vote(message_id, interaction.user.id)  # not counted: the member may vote again
            raise
        await self._respond(interaction, "Thanks for the feedback!", ephemeral=True)

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


def interaction_age(interaction: discord.Interaction[Any]) -> float:
    """Return the seconds since Discord created the interaction (from its snowflake), never below 0."""
    return max(0.0, (discord.utils.utcnow() - interaction.created_at).total_seconds())


async def reply_to(
    message: discord.Message,
    content: str | None,
    *,
    embed: discord.Embed | None = None,
    view: discord.ui.View | None = None,
) -> discord.Message:
    """Reply to a message, pinging no one; when it was deleted, post in its channel naming the asker.

    The reply carries ``fail_if_not_exists=False`` (Discord then posts it as a plain message) and one ``nonce``
    for all its attempts; a server that still refuses the reference gets a plain message that names the asker
    without pinging.
    """
    nonce = secrets.randbits(63)
    reference = message.to_reference(fail_if_not_exists=False)
    kwargs = _payload(content, embed, view, mention_author=False, reference=reference, nonce=nonce)
    try:
        return await with_retries(lambda: message.channel.send(**kwargs))
    except discord.HTTPException as exc:
        if not is_gone_reference(exc):
            raise
    log.info("message %s was deleted; answering in its channel without a reply", message.id)
    named = render.shorten(f"{message.author.mention} asked: " + (content or ""), render.MESSAGE_CHARS,
                           transform=str)
    plain = _payload(named, embed, view, nonce=secrets.randbits(63))
    return await with_retries(lambda: message.channel.send(**plain))
