"""Per-server settings and article ownership in SQLite (the standard library's ``sqlite3``, WAL mode).

One file in the state folder holds, per Discord server: the channels where the bot answers, the cooldown,
whether mentions are answered, the default article of a channel or thread, and the articles the server added.
A value a server never set is ``None`` here and the TOML setting applies. The schema's version is SQLite's
``user_version``; ``MIGRATIONS`` bring an older file up to date at open, in one transaction each.

Blocking: front ends on an event loop call it with ``asyncio.to_thread``. One connection, guarded by a lock,
so it is safe from several threads.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from pathlib import Path

from bot.errors import ConfigError
from bot.settings import DiscordSettings, state_dir

DATABASE_FILE = "servers.sqlite3"
BUSY_TIMEOUT_MS = 5000

# Each entry brings the schema from its index to the next version (entry 0: empty file -> version 1).
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE guild_settings (
               guild_id INTEGER PRIMARY KEY,
               cooldown_seconds REAL,
               answer_mentions INTEGER
           )""",
        """CREATE TABLE guild_channels (
               guild_id INTEGER NOT NULL,
               channel_id INTEGER NOT NULL,
               PRIMARY KEY (guild_id, channel_id)
           )""",
        """CREATE TABLE guild_articles (
               article_id TEXT PRIMARY KEY,
               guild_id INTEGER NOT NULL,
               added_by INTEGER,
               added_at REAL NOT NULL
           )""",
    ),
    (
        """CREATE TABLE channel_articles (
               guild_id INTEGER NOT NULL,
               channel_id INTEGER NOT NULL,
               article_id TEXT NOT NULL,
               PRIMARY KEY (guild_id, channel_id)
           )""",
        "CREATE INDEX guild_articles_by_guild ON guild_articles (guild_id)",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)


@dataclass(frozen=True, slots=True)
class ServerConfig:
    """What one server set; ``None`` (or empty) means the TOML default applies."""

    guild_id: int
    channels: tuple[int, ...] = ()
    cooldown_seconds: float | None = None
    answer_mentions: bool | None = None
    channel_articles: tuple[tuple[int, str], ...] = ()

    def allowed_channels(self, defaults: DiscordSettings) -> tuple[int, ...]:
        """Return the channels the bot answers in (empty: everywhere)."""
        return self.channels or defaults.allowed_channel_ids

    def cooldown(self, defaults: DiscordSettings) -> float:
        """Return the per-user pause between questions."""
        return defaults.cooldown_seconds if self.cooldown_seconds is None else self.cooldown_seconds

    def mentions(self) -> bool:
        """Return whether questions by mention are answered."""
        return True if self.answer_mentions is None else self.answer_mentions

    def article_for(self, channel_id: int, parent_id: int | None = None) -> str | None:
        """Return the default article of a channel, or of a thread's parent channel."""
        table = dict(self.channel_articles)
        return table.get(channel_id) or (table.get(parent_id) if parent_id is not None else None)


def database_path(configured: Path | None) -> Path:
    """Return the database file: the configured one, or ``servers.sqlite3`` in the state folder."""
    return configured or state_dir() / DATABASE_FILE


class ServerStore:
    """The per-server settings database."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Autocommit mode: each change is its own transaction unless opened with BEGIN.
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None,
                                       timeout=BUSY_TIMEOUT_MS / 1000)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self.migrate()
        except (OSError, sqlite3.Error) as exc:
            raise ConfigError(f"cannot open the server settings database {str(path)!r}: {exc}") from None

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._db.close()

    @property
    def version(self) -> int:
        """Return the schema version of the file."""
        with self._lock:
            return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def migrate(self) -> None:
        """Bring the schema up to ``SCHEMA_VERSION``; refuse a file written by a newer askbot."""
        with self._lock:
            version = int(self._db.execute("PRAGMA user_version").fetchone()[0])
            if version > SCHEMA_VERSION:
                raise sqlite3.DatabaseError(f"schema version {version} is newer than this askbot's {SCHEMA_VERSION}")
            for target in range(version, SCHEMA_VERSION):
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    for statement in MIGRATIONS[target]:
                        self._db.execute(statement)
                    self._db.execute(f"PRAGMA user_version = {target + 1}")
                    self._db.execute("COMMIT")
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise

    # -- settings ---------------------------------------------------------------------------------------

    def config(self, guild_id: int) -> ServerConfig:
        """Return what a server set."""
        with self._lock:
            row = self._db.execute(
                "SELECT cooldown_seconds, answer_mentions FROM guild_settings WHERE guild_id = ?", (guild_id,)
            ).fetchone()
            channels = tuple(r[0] for r in self._db.execute(
                "SELECT channel_id FROM guild_channels WHERE guild_id = ? ORDER BY channel_id", (guild_id,)))
            defaults = tuple((int(r[0]), str(r[1])) for r in self._db.execute(
                "SELECT channel_id, article_id FROM channel_articles WHERE guild_id = ? ORDER BY channel_id",
                (guild_id,)))
        cooldown, mentions = row if row is not None else (None, None)
        return ServerConfig(guild_id, channels, cooldown, None if mentions is None else bool(mentions), defaults)

    def configured_guilds(self) -> list[int]:
        """Return every server that set something."""
        with self._lock:
            rows = self._db.execute(
                "SELECT guild_id FROM guild_settings UNION SELECT guild_id FROM guild_channels "
                "UNION SELECT guild_id FROM channel_articles"
            ).fetchall()
        return sorted(int(r[0]) for r in rows)

    def _upsert(self, guild_id: int, column: str, value: object) -> None:
        self._db.execute("INSERT OR IGNORE INTO guild_settings (guild_id) VALUES (?)", (guild_id,))
        self._db.execute(f"UPDATE guild_settings SET {column} = ? WHERE guild_id = ?", (value, guild_id))

    def set_cooldown(self, guild_id: int, seconds: float | None) -> None:
        """Set a server's cooldown (``None``: back to the default)."""
        with self._lock:
            self._upsert(guild_id, "cooldown_seconds", seconds)

    def set_answer_mentions(self, guild_id: int, answer: bool | None) -> None:
        """Set whether a server's mentions are answered (``None``: back to the default)."""
        with self._lock:
            self._upsert(guild_id, "answer_mentions", None if answer is None else int(answer))

    def set_channels(self, guild_id: int, channels: Iterable[int]) -> None:
        """Replace the channels where the bot answers in a server (none: the default)."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute("DELETE FROM guild_channels WHERE guild_id = ?", (guild_id,))
                self._db.executemany("INSERT OR IGNORE INTO guild_channels VALUES (?, ?)",
                                     [(guild_id, c) for c in channels])
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def set_channel_article(self, guild_id: int, channel_id: int, article_id: str | None) -> None:
        """Set (or with ``None`` clear) the default article of a channel or thread."""
        with self._lock:
            if article_id is None:
                self._db.execute("DELETE FROM channel_articles WHERE guild_id = ? AND channel_id = ?",
                                 (guild_id, channel_id))
            else:
                self._db.execute("INSERT OR REPLACE INTO channel_articles VALUES (?, ?, ?)",
                                 (guild_id, channel_id, article_id))

    # -- articles ---------------------------------------------------------------------------------------

    def claim_article(self, guild_id: int, article_id: str, user_id: int | None = None) -> None:
        """Record that a server added an article."""
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO guild_articles VALUES (?, ?, ?, ?)",
                             (article_id, guild_id, user_id, time.time()))

    def release_article(self, article_id: str) -> None:
        """Forget an article's owner and every channel default that names it."""
        with self._lock:
            self._db.execute("DELETE FROM guild_articles WHERE article_id = ?", (article_id,))
            self._db.execute("DELETE FROM channel_articles WHERE article_id = ?", (article_id,))

    def owner(self, article_id: str) -> int | None:
        """Return the server that added an article, or None for a shared one."""
        with self._lock:
            row = self._db.execute("SELECT guild_id FROM guild_articles WHERE article_id = ?",
                                   (article_id,)).fetchone()
        return int(row[0]) if row is not None else None

    def owners(self) -> dict[str, int]:
        """Return every server-owned article and its server."""
        with self._lock:
            return {str(a): int(g) for a, g in self._db.execute("SELECT article_id, guild_id FROM guild_articles")}

    def visible_articles(self, guild_id: int | None, article_ids: Collection[str]) -> frozenset[str]:
        """Return the articles a server's members may be answered from: the shared ones and the server's own."""
        owners = self.owners()
        return frozenset(a for a in article_ids if owners.get(a, guild_id) == guild_id)
