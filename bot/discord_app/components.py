"""The buttons under an answer: "Other passages", 👍, 👎 and 🗑; under a decline, "Closest passages" and 🗑.

They are ``DynamicItem``s: their state lives in the ``custom_id`` and the classes are registered at start-up,
so a button on a message sent before a restart still works. The callbacks hand the work to the bot's
``ButtonHandler`` (the cog) and route every error to its boundary.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, Self

import discord

from bot.answer import Answer, Result
from bot.discord_app.custom_ids import (
    MORE_TEMPLATE,
    NEAR_TEMPLATE,
    VOTE_TEMPLATE,
    MoreState,
    NearState,
    PassageRef,
    Scope,
    VoteState,
    more_id,
    near_id,
    parse_more,
    parse_near,
    parse_vote,
    vote_id,
)
from bot.discord_app.delete_button import DeleteButton

MORE_LABEL = "Other passages"
NEAR_LABEL = "Closest passages"
UP_EMOJI, DOWN_EMOJI = "👍", "👎"


class ButtonHandler(Protocol):
    """What the buttons call: the cog implements it."""

    async def on_more(self, interaction: discord.Interaction[Any], state: MoreState) -> None:
        """Show the next passages to the clicker alone."""

    async def on_vote(self, interaction: discord.Interaction[Any], state: VoteState) -> None:
        """Record a vote."""

    async def on_near(self, interaction: discord.Interaction[Any], state: NearState) -> None:
        """Show the clicker alone the passages that came closest to a declined question."""

    async def on_component_error(self, interaction: discord.Interaction[Any], error: Exception) -> None:
        """Log an error and apologise to the clicker."""


async def _dispatch(
    interaction: discord.Interaction[Any], action: Callable[[ButtonHandler], Awaitable[None]]
) -> None:
    """Run a click's action on the bot's handler, sending any error to its error boundary.

    discord.py only logs what a component callback raises; routing it here gives the user the apology.
    """
    handler: ButtonHandler | None = getattr(interaction.client, "button_handler", None)
    if handler is None:
        return
    try:
        await action(handler)
    except Exception as exc:  # the buttons' error boundary
        await handler.on_component_error(interaction, exc)


class MoreButton(discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=MORE_TEMPLATE):
    """The "Other passages" button."""

    def __init__(self, state: MoreState) -> None:
        super().__init__(
            discord.ui.Button(label=MORE_LABEL, style=discord.ButtonStyle.secondary, custom_id=more_id(state))
        )
        self.state = state

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        """Rebuild the button from a click."""
        return cls(parse_more(match))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Show the next passages."""
        await _dispatch(interaction, lambda handler: handler.on_more(interaction, self.state))


class VoteButton(discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=VOTE_TEMPLATE):
    """A 👍 or 👎 button."""

    def __init__(self, state: VoteState) -> None:
        emoji = UP_EMOJI if state.vote == "up" else DOWN_EMOJI
        super().__init__(
            discord.ui.Button(emoji=emoji, style=discord.ButtonStyle.secondary, custom_id=vote_id(state))
        )
        self.state = state

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        """Rebuild the button from a click."""
        return cls(parse_vote(match))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Record the vote."""
        await _dispatch(interaction, lambda handler: handler.on_vote(interaction, self.state))


class NearButton(discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=NEAR_TEMPLATE):
    """The "Closest passages" button under a decline."""

    def __init__(self, state: NearState) -> None:
        super().__init__(
            discord.ui.Button(label=NEAR_LABEL, style=discord.ButtonStyle.secondary, custom_id=near_id(state))
        )
        self.state = state

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        """Rebuild the button from a click."""
        return cls(parse_near(match))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Show the closest passages."""
        await _dispatch(interaction, lambda handler: handler.on_near(interaction, self.state))


def answer_view(result: Result, scope: Scope) -> discord.ui.View:
    """Return the buttons under an answer."""
    passage = PassageRef(result.article.id, result.passage.paragraph, result.passage.window)
    view = discord.ui.View(timeout=None)
    view.add_item(MoreButton(MoreState(passage, scope)))
    view.add_item(VoteButton(VoteState(passage, "up", result.score)))
    view.add_item(VoteButton(VoteState(passage, "down", result.score)))
    view.add_item(DeleteButton())
    return view


def decline_view(within: str | None = None) -> discord.ui.View:
    """Return the buttons under a decline: the closest passages, on request, and 🗑."""
    view = discord.ui.View(timeout=None)
    view.add_item(NearButton(NearState(within)))
    view.add_item(DeleteButton())
    return view


def reply_view(answer: Answer, scope: Scope, within: str | None = None) -> discord.ui.View:
    """Return the buttons under the reply to a question: an answer's, or a decline's.

    ``within`` is the article the question was asked of, when one was chosen; a decline's button searches it.
    """
    best = answer.best
    if not answer.answered or best is None:
        return decline_view(within)
    return answer_view(best, scope)
