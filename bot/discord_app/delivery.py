"""Deliver a reply exactly once, or say why not: retries of Discord's passing failures, and the deleted question.

discord.py retries a 500, 502 or 504 on a channel message itself, up to five times over about 25 s, while it
holds the channel's rate-limit bucket: every later reply in that channel waits behind the failing one. It does
not retry a 503, nor a 429 without ``Via``. So the bot's HTTP session is wrapped (``fail_fast``): on a channel
message a 5xx is handed to discord.py as ``DELEGATED_STATUS``, which it raises at once, releasing the bucket;
``with_retries`` then retries with a bounded backoff, outside the bucket, so other replies go on. Every
attempt of a message carries the same ``nonce`` with ``enforce_nonce``: when a failed attempt did create the
message, Discord returns that message instead of posting it twice. (Interaction callbacks and follow-ups go
through discord.py's webhook client, which retries every 5xx itself under a lock of that interaction only.)
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import discord

log = logging.getLogger(__name__)

T = TypeVar("T")

# The statuses that mean "Discord failed this time": worth trying again. A 429 reaches askbot only when discord.py
# would not retry it (no ``Via`` header: from a proxy, not Discord's rate limiter); a few spaced tries are fair.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504, 524})
# What a 5xx on a reply route becomes for discord.py: a status it raises at once instead of sleeping on.
DELEGATED_STATUS = 599
# Waits between attempts (each with up to 25 % jitter): 4 attempts within about 4.5 s plus the requests.
RETRY_DELAYS = (0.5, 1.25, 2.5)
# The route whose 5xx the bot retries itself: a message sent in a channel.
_REPLY_ROUTE_RE = re.compile(r"/channels/\d+/messages$")
# Discord's codes for a reply to a message that no longer exists.
UNKNOWN_MESSAGE = 10008
INVALID_FORM_BODY = 50035


# Interaction callbacks and follow-ups: discord.py's webhook client already retries their 5xx; only a Via-less
# 429, which it raises at once, is left to askbot.
WEBHOOK_RETRY_STATUSES = frozenset({429})


def retryable(exc: BaseException, statuses: frozenset[int] | None = None) -> bool:
    """Return True for an error that another attempt may not meet: a 5xx from Discord (or one of ``statuses``)."""
    if not isinstance(exc, discord.HTTPException):
        return False
    if statuses is not None:
        return exc.status in statuses
    return exc.status in RETRY_STATUSES or exc.status == DELEGATED_STATUS


async def with_retries(
    attempt: Callable[[], Awaitable[T]],
    *,
    delays: tuple[float, ...] | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    statuses: frozenset[int] | None = None,
    what: str = "reply",
) -> T:
    """Return ``attempt()``, trying again after a 5xx with a bounded backoff (``RETRY_DELAYS``); raise the last."""
    for delay in RETRY_DELAYS if delays is None else delays:
        try:
            return await attempt()
        except discord.HTTPException as exc:
            if not retryable(exc, statuses):
                raise
            log.warning("Discord failed a %s (%s); trying again in %.1f s", what, exc.status, delay)
        await sleep(delay * (1 + random.random() / 4))  # jitter: failed replies do not come back in step
    return await attempt()


def is_gone_reference(exc: discord.HTTPException) -> bool:
    """Return True when Discord refused a reply because the message it answers was deleted."""
    if isinstance(exc, discord.NotFound) and exc.code == UNKNOWN_MESSAGE:
        return True
    return exc.status == 400 and (exc.code == INVALID_FORM_BODY and "message_reference" in str(exc.text))


class _FailFastContext:
    """The ``async with`` of one request: hands a 5xx on a reply route to discord.py as ``DELEGATED_STATUS``."""

    def __init__(self, inner: Any, url: str) -> None:
        self._inner = inner
        self._url = url

    async def __aenter__(self) -> Any:
        response = await self._inner.__aenter__()
        if response.status >= 500 and _REPLY_ROUTE_RE.search(str(getattr(response.url, "path", self._url))):
            response.status = DELEGATED_STATUS
        return response

    async def __aexit__(self, *exc_info: Any) -> Any:
        return await self._inner.__aexit__(*exc_info)


class _FailFastSession:
    """An aiohttp session whose ``request`` goes through ``_FailFastContext``; everything else is the session's."""

    def __init__(self, session: Any) -> None:
        self._session = session

    def request(self, method: str, url: Any, **kwargs: Any) -> _FailFastContext:
        """Start a request on the wrapped session."""
        return _FailFastContext(self._session.request(method, url, **kwargs), str(url))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)


_SESSION_ATTR = "_HTTPClient__session"


def fail_fast(http: Any) -> bool:
    """Wrap a logged-in discord.py ``HTTPClient``'s session (see the module docstring); False when it cannot."""
    session = getattr(http, _SESSION_ATTR, None)
    if session is None or isinstance(session, _FailFastSession) or not hasattr(session, "request"):
        return isinstance(session, _FailFastSession)
    setattr(http, _SESSION_ATTR, _FailFastSession(session))
    return True
