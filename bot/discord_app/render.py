"""Turn answers, listings and reload reports into Discord embeds and messages that fit Discord's limits.

Pure functions: they build ``discord.Embed`` objects and strings and send nothing. Text that comes from an
article or a user is escaped, so its markdown cannot break the formatting and its mentions cannot ping
(``AllowedMentions.none()`` is the second lock on that door).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import discord

from bot.analysis import sentence_spans
from bot.answer import Answer, Result
from bot.corpus import BadFile
from bot.render import ArticleRow
from bot.service import ReloadReport

# Discord's limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits).
MESSAGE_CHARS = 2000
EMBED_TITLE_CHARS = 256
EMBED_DESCRIPTION_CHARS = 4096
EMBED_FIELD_NAME_CHARS = 256
EMBED_FIELD_VALUE_CHARS = 1024
EMBED_FOOTER_CHARS = 2048
EMBED_TOTAL_CHARS = 6000
EMBED_URL_CHARS = 2048
COMPONENTS_PER_MESSAGE = 25
AUTOCOMPLETE_CHOICES = 25
CHOICE_NAME_CHARS = 100
CHOICE_VALUE_CHARS = 100

ELLIPSIS = "…"
BOLD = "**"
QUESTION_FIELD = "Question"
ANSWER_COLOUR = discord.Colour.blurple()
DECLINE_COLOUR = discord.Colour.light_grey()
NEAR_NOTE = "Not an answer: these passages came closest to your question, but none answers it clearly."
SEPARATOR = " · "
RESTARTING = "I'm restarting; please ask again in a minute."
APOLOGY = "Sorry, something went wrong on my side while answering. Please try again in a moment."

HELP_TEXT = (
    "**Ask me about the articles I know.** I answer with the passage that answers, quoted, and its citation.\n"
    "• `/ask question:<text>`: pick an `article` to search only that one; `private:True` shows the answer "
    "to you alone.\n"
    "• Mention me with a question, e.g. {mention} how many inmates work in construction?\n"
    "• Reply to one of my answers to ask a follow-up about the same article.\n"
    "• Send me a direct message.\n"
    "• Right-click a message → Apps → **Ask about this message** to check it against the articles (only you "
    "see the answer).\n"
    "• `/sources` lists the articles. Under an answer, **Other passages** shows the next matches; "
    "👍 / 👎 tell us whether it helped; 🗑 deletes it (for whoever asked, or a moderator).\n"
    "When the articles do not answer, I say so and name the closest article; **Closest passages** under that "
    "reply shows you what came nearest."
)
_URL_RE = re.compile(r"https?://\S+")
_ESCAPED_RE = re.compile(r"\\(.)", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Reply:
    """A message to send: text, an embed, or both."""

    content: str | None = None
    embed: discord.Embed | None = None


def escape(text: str) -> str:
    """Return text with Discord markdown and mentions escaped."""
    return discord.utils.escape_mentions(discord.utils.escape_markdown(text))


def unescape(text: str) -> str:
    """Undo ``escape``: drop the escaping backslashes and the zero-width spaces that break mentions."""
    return _ESCAPED_RE.sub(r"\1", text).replace("@\u200b", "@")


def shorten(text: str, limit: int, *, transform: Callable[[str], str] = escape) -> str:
    """Return ``transform(text)`` cut at a word boundary, with an ellipsis, so that it fits ``limit`` characters."""
    full = transform(text)
    if len(full) <= limit:
        return full
    words = text.split()
    # Each pass drops words in proportion to the overflow: a few passes, never a character at a time.
    while words:
        out = transform(" ".join(words)) + ELLIPSIS
        if len(out) <= limit:
            return out
        overflow = len(out) - limit
        drop = max(1, overflow * len(words) // max(len(out), 1))
        words = words[: len(words) - drop]
    return transform(text[: max(limit - 1, 0)])[: max(limit - 1, 0)] + ELLIPSIS if limit > 0 else ""


def fit_passage(text: str, highlight: tuple[int, int] | None, budget: int) -> str:
    """Return the passage escaped, its highlight in bold, cut at sentence boundaries around it to fit ``budget``.

    Whole sentences are added before and after the highlighted one while they fit; a cut end is marked with
    an ellipsis. A sentence too long on its own is cut at word boundaries around the highlight.
    """
    lo_h, hi_h = highlight if highlight is not None else (0, 0)
    bold = highlight is not None and hi_h > lo_h

    def render(lo: int, hi: int) -> str:
        head = ELLIPSIS + " " if lo > 0 else ""
        tail = " " + ELLIPSIS if hi < len(text) else ""
        if not bold:
            return head + escape(text[lo:hi].strip()) + tail
        before = escape(text[lo:lo_h].lstrip())
        after = escape(text[hi_h:hi].rstrip())
        return head + before + BOLD + escape(text[lo_h:hi_h]) + BOLD + after + tail

    whole = render(0, len(text))
    if len(whole) <= budget:
        return whole
    spans = sentence_spans(text) or [(0, len(text))]
    inside = [i for i, (s, e) in enumerate(spans) if s < max(hi_h, lo_h + 1) and e > lo_h] or [0]
    first, last = inside[0], inside[-1]
    if len(render(spans[first][0], spans[last][1])) > budget:
        return _fit_words(text, (lo_h, hi_h), bold, budget, render)
    grow_before = True
    # Alternate sides so the highlight stays near the middle; each step adds one sentence or stops a side.
    can_before, can_after = first > 0, last < len(spans) - 1
    while can_before or can_after:
        if grow_before and can_before:
            if len(render(spans[first - 1][0], spans[last][1])) <= budget:
                first -= 1
                can_before = first > 0
            else:
                can_before = False
        elif can_after:
            if len(render(spans[first][0], spans[last + 1][1])) <= budget:
                last += 1
                can_after = last < len(spans) - 1
            else:
                can_after = False
        grow_before = not grow_before
    return render(spans[first][0], spans[last][1])


def _fit_words(
    text: str, highlight: tuple[int, int], bold: bool, budget: int, render: Callable[[int, int], str]
) -> str:
    """Cut around the highlight at word boundaries; cut the highlight itself only when it alone is too long."""
    lo_h, hi_h = highlight
    starts = [m.start() for m in re.finditer(r"\S+", text)]
    ends = [m.end() for m in re.finditer(r"\S+", text)]
    before = [s for s in starts if s < lo_h]
    after = [e for e in ends if e > hi_h]
    lo, hi = lo_h, max(hi_h, lo_h)
    if not bold:
        lo, hi = 0, 0
    if len(render(lo, hi)) > budget:
        # The highlight alone does not fit: show its start, in bold, and say it goes on.
        room = max(budget - 2 * len(BOLD) - 2 * len(ELLIPSIS) - 2, 1)
        return ELLIPSIS + " " + BOLD + shorten(text[lo_h:hi_h], room) + BOLD + " " + ELLIPSIS
    grow_before = True
    while before or after:
        if grow_before and before:
            if len(render(before[-1], hi)) <= budget:
                lo = before.pop()
            else:
                before = []
        elif after:
            if len(render(lo, after[0])) <= budget:
                hi = after.pop(0)
            else:
                after = []
        grow_before = not grow_before
    return render(lo, hi)


def footer_of(result: Result) -> str:
    """Return the citation shown under a passage: date · ¶n (· source)."""
    parts = [p for p in (result.article.date, f"¶{result.passage.paragraph}", result.article.source) if p]
    return SEPARATOR.join(parts)[:EMBED_FOOTER_CHARS]


def _http_url(url: str | None) -> str | None:
    """Return the URL when Discord will accept it as an embed link (else the whole message is refused)."""
    if url and _URL_RE.fullmatch(url) and len(url) <= EMBED_URL_CHARS:
        return url
    return None


def embed_length(embed: discord.Embed) -> int:
    """Return the characters Discord counts against the 6000-character embed total."""
    return len(embed)


def answer_embed(result: Result, question: str) -> discord.Embed:
    """Return the embed of an answer: linked title, passage with the highlight in bold, question, citation."""
    title = shorten(result.article.title, EMBED_TITLE_CHARS)
    asked = shorten(question, EMBED_FIELD_VALUE_CHARS)
    footer = footer_of(result)
    fixed = len(title) + len(QUESTION_FIELD) + len(asked) + len(footer)
    budget = min(EMBED_DESCRIPTION_CHARS, EMBED_TOTAL_CHARS - fixed)
    h = result.highlight
    description = fit_passage(result.passage.text, (h.start, h.end) if h else None, budget)
    embed = discord.Embed(title=title, url=_http_url(result.article.url), description=description,
                          colour=ANSWER_COLOUR)
    embed.add_field(name=QUESTION_FIELD, value=asked, inline=False)
    embed.set_footer(text=footer)
    return embed


def question_of(embed: discord.Embed) -> str | None:
    """Return the question an answer embed was asked with, or None."""
    for field in embed.fields:
        if field.name == QUESTION_FIELD and field.value:
            text = unescape(field.value)
            return text[: -len(ELLIPSIS)] if text.endswith(ELLIPSIS) else text
    return None


def decline_text(answer: Answer) -> str:
    """Return the short reply to a question the articles do not answer, naming the closest article.

    A question declined for a name the articles asked never mention says so instead: "“River bridge” never
    mentions Anna Berg."
    """
    if answer.unmentioned:
        reason = shorten(answer.reason, EMBED_FIELD_VALUE_CHARS)  # escaped
        return reason[:1].upper() + reason[1:] + ". Try other words, or `/sources` to see the articles."
    if answer.elsewhere and answer.closest is not None:
        return (f"The article you asked doesn't answer this; “{shorten(answer.closest.title, EMBED_TITLE_CHARS)}” "
                "comes much closer. Ask it there, or ask without choosing an article.")
    text = "I couldn't find the answer in the articles I know"
    if answer.closest is not None:
        text += f"; the closest is “{shorten(answer.closest.title, EMBED_TITLE_CHARS)}”"
    return text + ". Try other words, or `/sources` to see the articles."


def decline_embed(question: str) -> discord.Embed:
    """Return the small embed under a decline that holds the question, for its "Closest passages" button."""
    embed = discord.Embed(colour=DECLINE_COLOUR)
    embed.add_field(name=QUESTION_FIELD, value=shorten(question, EMBED_FIELD_VALUE_CHARS), inline=False)
    return embed


def answer_reply(answer: Answer) -> Reply:
    """Return the reply to a question: an embed with the best passage, or the decline (text, and the question)."""
    best = answer.best
    if not answer.answered or best is None:
        return Reply(content=decline_text(answer), embed=decline_embed(answer.question))
    return Reply(embed=answer_embed(best, answer.question))


def near_embed(results: Sequence[Result]) -> discord.Embed:
    """Return the passages that came closest to a declined question, said plainly to be no answer."""
    embed = passages_embed("Closest passages", results, note=NEAR_NOTE, colour=DECLINE_COLOUR)
    if not results:
        embed.description = "No passage comes close to this question."
    return embed


def more_embed(results: Sequence[Result]) -> discord.Embed:
    """Return the next passages of an answer, each with its highlight in bold and its citation."""
    embed = passages_embed("Other passages", results)
    if not results:
        embed.description = "No other passage matches this question."
    return embed


def passages_embed(
    title: str, results: Sequence[Result], *, note: str | None = None, colour: discord.Colour = ANSWER_COLOUR
) -> discord.Embed:
    """Return passages, each with its highlight in bold and its citation, after an optional note."""
    embed = discord.Embed(title=title, colour=colour)
    if not results:
        return embed
    lead = f"*{note}*\n\n" if note else ""
    room = min(EMBED_DESCRIPTION_CHARS, EMBED_TOTAL_CHARS - len(title)) - len(lead)
    share = room // len(results)
    blocks: list[str] = []
    used = 0
    for result in results:
        cite = "— " + shorten(result.citation, min(EMBED_FIELD_VALUE_CHARS, share // 2))
        head = f"**{result.rank}.** "
        h = result.highlight
        body_budget = max(share - len(head) - len(cite) - 3, 40)
        block = head + fit_passage(result.passage.text, (h.start, h.end) if h else None, body_budget) + "\n" + cite
        # A passage that would not fit whole is left out rather than cut mid-citation.
        if used + len(block) + 2 > room:
            break
        blocks.append(block)
        used += len(block) + 2
    embed.description = lead + ("\n\n".join(blocks) or "The passages are too long to show here.")
    return embed


def sources_embed(rows: Sequence[ArticleRow], bad_files: Sequence[BadFile]) -> discord.Embed:
    """Return the list of articles (title, date, passages), cut to fit with a count of the rest."""
    embed = discord.Embed(title=f"{len(rows)} article(s)", colour=ANSWER_COLOUR)
    lines = [
        f"• **{shorten(r.title, EMBED_TITLE_CHARS)}**{SEPARATOR}{r.date or 'undated'}{SEPARATOR}"
        f"{r.passages} passage(s)"
        for r in rows
    ]
    if bad_files:
        lines.append(f"\n{len(bad_files)} file(s) left out: " + ", ".join(escape(b.name) for b in bad_files))
    embed.description = join_within(lines, EMBED_DESCRIPTION_CHARS)
    return embed


def join_within(lines: Sequence[str], limit: int) -> str:
    """Join lines with newlines, leaving out the last ones (and saying how many) when they would not fit."""
    out: list[str] = []
    used = 0
    for i, line in enumerate(lines):
        left_after = len(lines) - i - 1
        # Keep room for the "and N more" note, in case the next line is the one that does not fit.
        reserve = len(f"\n{ELLIPSIS} and {left_after} more") if left_after else 0
        if used + len(line) + (1 if out else 0) + reserve > limit:
            out.append(f"{ELLIPSIS} and {len(lines) - i} more")
            break
        used += len(line) + (1 if out else 0)
        out.append(line)
    return "\n".join(out)[:limit]


def reload_text(report: ReloadReport) -> str:
    """Return what a reload changed: + added, − removed, ~ changed articles, and the bad files."""
    lines = [f"Reloaded: {report.articles} article(s), {report.passages} passage(s)."]
    if report.unchanged:
        lines.append("No article changed.")
    lines += [f"+ {shorten(a.title, 200)} ({escape(a.id)})" for a in report.added]
    lines += [f"− {shorten(a.title, 200)} ({escape(a.id)})" for a in report.removed]
    lines += [f"~ {shorten(a.title, 200)} ({escape(a.id)})" for a in report.changed]
    if report.bad_files:
        lines.append(f"{len(report.bad_files)} bad file(s):")
        lines += [f"• {escape(b.name)}: {shorten(b.reason, 300)}" for b in report.bad_files]
    return join_within(lines, MESSAGE_CHARS)


def help_text(mention: str) -> str:
    """Return how to ask, with the bot's mention as the example."""
    return HELP_TEXT.format(mention=mention)


def cooldown_text(seconds: float) -> str:
    """Return the note to a user who asks again too soon."""
    return f"Please wait {max(1, math.ceil(seconds))} s before asking again."


def error_text(message: str) -> str:
    """Return a question's problem, as told to the user."""
    return shorten(f"I can't ask that: {message}.", MESSAGE_CHARS, transform=lambda s: s)
