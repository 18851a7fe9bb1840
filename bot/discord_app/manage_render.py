"""Texts of /add, /remove and /config: pure functions that fit Discord's limits and ping no one."""

from __future__ import annotations

import re

from bot.discord_app.render import MESSAGE_CHARS, escape, shorten
from bot.server_store import ServerConfig
from bot.settings import DiscordSettings
from bot.web_import import AddedArticle

FIRST_PARAGRAPH_CHARS = 600
MANAGE_ONLY = "Only members with **Manage Server** can do this."
_CHANNEL_RE = re.compile(r"<#(\d+)>|\b(\d{15,21})\b")


def added_text(added: AddedArticle) -> str:
    """Return what a moderator checks after /add: id, title, date, paragraph count and the first paragraph."""
    draft = added.draft
    details = " · ".join(escape(x) for x in (draft.date or "undated", draft.author, draft.source) if x)
    first = shorten(draft.paragraphs[0], FIRST_PARAGRAPH_CHARS) if draft.paragraphs else ""
    text = (f"Added **{shorten(draft.title, 200)}** (`{added.id}`)\n{details} · {len(draft.paragraphs)} paragraph(s)\n"
            f"> {first}\nAsk about it now; `/remove article:{added.id}` takes it away.")
    return text[:MESSAGE_CHARS]


def refused_text(action: str, reason: str) -> str:
    """Return a one-line refusal."""
    return shorten(f"{action}: {reason}", MESSAGE_CHARS, transform=escape)


def parse_channels(text: str) -> tuple[int, ...] | None:
    """Return the channel ids written as mentions or numbers; ``None`` for 'all' (back to the default)."""
    if text.strip().lower() in {"all", "default", "everywhere", "none", ""}:
        return None
    return tuple(dict.fromkeys(int(a or b) for a, b in _CHANNEL_RE.findall(text)))


def config_text(config: ServerConfig, defaults: DiscordSettings, channel_id: int, article_title: str | None) -> str:
    """Return a server's settings, each marked when it is the default."""

    def mark(is_default: bool) -> str:
        return " (default)" if is_default else ""

    channels = config.allowed_channels(defaults)
    where = ", ".join(f"<#{c}>" for c in channels[:20]) if channels else "every channel"
    lines = [
        "**Settings of this server**",
        f"• Answers in: {where}{mark(not config.channels)}",
        f"• Cooldown: {config.cooldown(defaults):g} s per member{mark(config.cooldown_seconds is None)}",
        f"• Answers mentions: {'yes' if config.mentions() else 'no'}{mark(config.answer_mentions is None)}",
        f"• Default article of <#{channel_id}>: "
        + (f"“{shorten(article_title, 200)}”" if article_title else "none (all articles)"),
    ]
    return "\n".join(lines)[:MESSAGE_CHARS]
