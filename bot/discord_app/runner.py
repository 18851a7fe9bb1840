"""Run the bot until SIGTERM or Ctrl-C: ``askbot run``.

Points discord.py at the configured REST base and gateway (class attributes, restored afterwards), sets up
readable logs that never show the token, and turns the ways a start can fail into ``ConfigError``s with one
line that says what to fix.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Iterator

import discord
import discord.gateway
import discord.http
import yarl

from bot.discord_app.app import create_bot
from bot.errors import AskbotError, ConfigError
from bot.semantic import single_blas_thread
from bot.service import AskService
from bot.settings import Settings

log = logging.getLogger(__name__)

LOG_FORMAT = "%(asctime)s %(levelname)-8s %(name)s: %(message)s"
CLOSE_TIMEOUT_SECONDS = 5.0
# On SIGTERM, answers in flight get this long to be sent before the connection closes (systemd waits 90 s,
# docker stop 10 s by default: stay well inside both).
DRAIN_TIMEOUT_SECONDS = 8.0
# Discord's close code for a token refused at IDENTIFY.
AUTHENTICATION_FAILED = 4004
REDACTED = "[token]"
TOKEN_HINT = "set ASKBOT_DISCORD__TOKEN or DISCORD_TOKEN (in the environment or in .env)"


@contextlib.contextmanager
def discord_endpoints(api_base_url: str, gateway_url: str) -> Iterator[None]:
    """Point discord.py's REST base and gateway at these URLs for the duration, then restore them."""
    old_base = discord.http.Route.BASE
    old_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = api_base_url.rstrip("/")
    # discord.py joins query parameters onto this URL and needs a yarl.URL, not a str.
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)
    try:
        yield
    finally:
        discord.http.Route.BASE = old_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway


class RedactingFormatter(logging.Formatter):
    """A formatter that replaces the token wherever it would appear, tracebacks included."""

    def __init__(self, secret: str, fmt: str = LOG_FORMAT) -> None:
        super().__init__(fmt)
        self._secret = secret

    def format(self, record: logging.LogRecord) -> str:
        """Format the record with the token blanked out."""
        text = super().format(record)
        return text.replace(self._secret, REDACTED) if self._secret else text


def configure_logging(level: str, secret: str) -> logging.Handler:
    """Send readable log lines (time, level, logger) to stderr and return the handler."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(RedactingFormatter(secret))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level)
    return handler


def token_of(settings: Settings) -> str:
    """Return the bot token, or raise ``ConfigError`` saying how to set it."""
    token = settings.discord.token
    value = token.get_secret_value().strip() if token is not None else ""
    if not value:
        raise ConfigError(f"no Discord bot token: {TOKEN_HINT}")
    return value


async def serve(settings: Settings, service: AskService, token: str, stop: asyncio.Event) -> None:
    """Run the bot until ``stop`` is set or the connection fails for good; always close it."""
    single_blas_thread()  # answers run in several threads at once: one BLAS thread each
    bot = create_bot(settings, service)
    with discord_endpoints(settings.discord.api_base_url, settings.discord.gateway_url):
        runner = asyncio.create_task(bot.start(token), name="askbot-discord")
        stopper = asyncio.create_task(stop.wait(), name="askbot-stop")
        try:
            done, _ = await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
            if runner in done:
                runner.result()  # raises why the bot stopped
                return
            log.info("stopping: finishing the answers in flight, then closing the gateway connection")
            await bot.drain(DRAIN_TIMEOUT_SECONDS)
        finally:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(bot.close(), CLOSE_TIMEOUT_SECONDS)
            for task in (runner, stopper):
                if not task.done():
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await task


async def _main(settings: Settings, service: AskService, token: str) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # not on Windows
            loop.add_signal_handler(sig, stop.set)
    await serve(settings, service, token, stop)


def run_bot(settings: Settings, service: AskService) -> int:
    """Connect to Discord and answer until stopped; return 0, or raise ``ConfigError`` for what to fix."""
    token = token_of(settings)
    handler = configure_logging(settings.logging.level, token)
    try:
        asyncio.run(_main(settings, service, token))
    except discord.LoginFailure:
        raise ConfigError(f"token rejected by Discord (401 at login): check it, or {TOKEN_HINT}") from None
    except discord.ConnectionClosed as exc:
        if exc.code == AUTHENTICATION_FAILED:
            raise ConfigError(
                f"token rejected by Discord (close code 4004 at IDENTIFY): check it, or {TOKEN_HINT}"
            ) from None
        raise AskbotError(f"cannot keep a connection to Discord: gateway closed with code {exc.code}") from None
    except discord.PrivilegedIntentsRequired:
        raise ConfigError(
            "Discord refused a privileged intent (close code 4014): askbot needs none; "
            "use an unmodified askbot or enable the intent in the developer portal"
        ) from None
    except (discord.DiscordException, OSError) as exc:
        raise AskbotError(f"cannot keep a connection to Discord: {type(exc).__name__}: {exc}") from None
    except KeyboardInterrupt:  # a second Ctrl-C during shutdown
        pass
    finally:
        logging.getLogger().removeHandler(handler)
    return 0
