"""The 🗑 button under an answer or a decline: the asker or a moderator deletes it.

A ``DynamicItem`` with a fixed ``custom_id``, registered at start-up, so it works on answers sent before a
restart. Who asked is read from the answer itself (the question it replies to, or the /ask that made it).
"""

from __future__ import annotations

import logging
import re
from typing import Any, Self

import discord

log = logging.getLogger(__name__)

DELETE_ID = "askbot:delete"
DELETE_EMOJI = "🗑"
DELETE_ROW = 1  # below the answer's other buttons
NOT_YOURS = "Only the member who asked, or a moderator (Manage Messages), can delete this answer."


def asker_of(message: discord.Message) -> int | None:
    """Return the id of the member an answer was for: the /ask user, or the author of the replied question."""
    meta = message.interaction_metadata
    if meta is not None:
        return meta.user.id
    ref = message.reference
    resolved = ref.resolved if ref is not None else None
    if isinstance(resolved, discord.Message):
        return resolved.author.id
    return None


def may_delete(message: discord.Message, user_id: int, permissions: discord.Permissions, in_guild: bool) -> bool:
    """Return True when this user may delete the answer: its asker, a moderator, or the one who sees it.

    In a DM with the bot, or on a private (ephemeral) answer, whoever can click is the one it was for.
    """
    if not in_guild or message.flags.ephemeral:
        return True
    return permissions.manage_messages or asker_of(message) == user_id


class DeleteButton(discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=re.escape(DELETE_ID)):
    """The 🗑 button."""

    def __init__(self) -> None:
        super().__init__(
            discord.ui.Button(emoji=DELETE_EMOJI, style=discord.ButtonStyle.secondary, custom_id=DELETE_ID,
                              row=DELETE_ROW)
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        """Rebuild the button from a click."""
        return cls()

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Delete the answer when the clicker may; otherwise tell them privately."""
        message = interaction.message
        none = discord.AllowedMentions.none()
        if message is None:
            return
        if not may_delete(message, interaction.user.id, interaction.permissions, interaction.guild_id is not None):
            await interaction.response.send_message(NOT_YOURS, ephemeral=True, allowed_mentions=none)
            return
        try:
            await interaction.response.defer()
            if message.flags.ephemeral:  # not in the channel: only the interaction's own webhook can delete it
                await interaction.delete_original_response()
            else:
                await message.delete()
        except discord.HTTPException as exc:
            log.warning("could not delete answer %s: %s", message.id, exc)

