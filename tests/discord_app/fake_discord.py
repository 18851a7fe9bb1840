"""A fake Discord on 127.0.0.1: the REST routes askbot uses and a gateway websocket, for end-to-end tests.

It logs every request (method, path, JSON body, status) so tests can assert on what the bot sent; echoes the
bot's own messages back as MESSAGE_CREATE as Discord does; blanks ``content`` of guild messages that do not
mention the bot (Discord without the message-content intent); and can fail a route (429 with or without ``Via``,
any 5xx, a number of times, before or after storing the message), slow a route down, send RECONNECT, or close
the gateway with a given code at IDENTIFY. Like Discord it refuses an interaction callback that comes more than
``INTERACTION_DEADLINE`` seconds after the interaction's creation (its snowflake), honours ``nonce`` with
``enforce_nonce`` (the same message is returned, not posted twice), and refuses a reply to a deleted message
unless the reference says ``fail_if_not_exists: false``.
See ../shared/notes/discord-fake-server.md for the shapes discord.py insists on.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import itertools
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

DISCORD_EPOCH_MS = 1_420_070_400_000
API_PREFIX = "/api/v10"
GOOD_TOKEN = "fake-token.0123456789.abcdefghijklmnopqrstuvwxyz"
INTERACTION_DEADLINE = 3.0
_counter = itertools.count(1)

# Permissions as Discord sends them: decimal strings.
MANAGE_GUILD = 1 << 5
MEMBER_PERMISSIONS = (1 << 10) | (1 << 11) | (1 << 14) | (1 << 16)  # view, send, embed links, history
ADMIN_PERMISSIONS = MEMBER_PERMISSIONS | MANAGE_GUILD


def snowflake() -> int:
    """Return a realistic, increasing snowflake."""
    ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
    return (ms << 22) | (next(_counter) & 0x3FFFFF)


def created_at(snowflake_id: int | str) -> float:
    """Return a snowflake's creation time, in seconds since the Unix epoch."""
    return ((int(snowflake_id) >> 22) + DISCORD_EPOCH_MS) / 1000


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


def user_payload(user_id: int, username: str, *, bot: bool = False) -> dict[str, Any]:
    return {"id": str(user_id), "username": username, "discriminator": "0", "avatar": None,
            "global_name": username, "bot": bot, "public_flags": 0}


def member_payload(user: dict[str, Any], *, permissions: int | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"user": user, "roles": [], "flags": 0, "joined_at": now_iso(), "deaf": False,
                            "mute": False, "nick": None, "pending": False}
    if permissions is not None:
        data["permissions"] = str(permissions)
    return data


@dataclass
class Recorded:
    """One request the bot made."""

    method: str
    path: str
    query: dict[str, str]
    json: Any
    status: int = 0
    response: Any = None


@dataclass
class Connection:
    """One gateway websocket."""

    ws: web.WebSocketResponse
    session_id: str | None = None
    seq: int = 0
    closed: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass
class Failure:
    method: str
    pattern: re.Pattern[str]
    status: int
    retry_after: float
    times: int = 1
    via: bool = True
    after_write: bool = False
    when: Callable[[Any], bool] | None = None


@dataclass
class Slowdown:
    method: str
    pattern: re.Pattern[str]
    seconds: float


class FakeDiscord:
    """A Discord-compatible server for one test."""

    def __init__(self, *, token: str = GOOD_TOKEN, heartbeat_interval_ms: int = 41_250) -> None:
        self.token = token
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.app_id = snowflake()
        self.bot_user = user_payload(self.app_id, "askbot", bot=True)
        self.guild_id = snowflake()
        self.channel_id = snowflake()
        self.other_channel_id = snowflake()
        self.user = user_payload(snowflake(), "alice")
        self.admin = user_payload(snowflake(), "root")
        self.requests: list[Recorded] = []
        self.messages: dict[int, dict[str, Any]] = {}
        self.commands: dict[str, dict[str, Any]] = {}
        self.identifies: list[dict[str, Any]] = []
        self.resumes: list[dict[str, Any]] = []
        self.heartbeats = 0
        self.close_code_on_identify: int | None = None
        self.connections: list[Connection] = []
        self.sessions: dict[str, int] = {}
        self.backlog: dict[str, list[dict[str, Any]]] = {}  # per session, every dispatch: replayed on RESUME
        self._failures: list[Failure] = []
        self._slowdowns: list[Slowdown] = []
        self.deleted: set[int] = set()
        self.strict_references = False  # refuse a reply to a deleted message even with fail_if_not_exists false
        self.nonces: dict[tuple[int, str], dict[str, Any]] = {}
        self.deduplicated = 0
        self.ack_latencies: dict[int, float] = {}  # interaction id -> seconds from creation to its callback
        self.late_callbacks: list[int] = []
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # -- lifecycle ------------------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/gateway/", self._gateway)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        for conn in self.connections:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.ws.close(), 2)
        if self._runner is not None:
            await asyncio.wait_for(self._runner.cleanup(), 5)

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway/"

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 5.0) -> Any:
        """Wait until ``predicate()`` is truthy and return its value; fail after ``timeout`` seconds."""
        async def waiter() -> Any:
            async with self._changed:
                while True:
                    value = predicate()
                    if value:
                        return value
                    await self._changed.wait()

        return await asyncio.wait_for(waiter(), timeout)

    # -- REST -----------------------------------------------------------------------------------------

    def fail_once(self, method: str, path_regex: str, status: int, *, retry_after: float = 0.05) -> None:
        """Answer the next request matching ``method`` and ``path_regex`` with this error status."""
        self.fail(method, path_regex, status, retry_after=retry_after)

    def fail(self, method: str, path_regex: str, status: int, *, times: int = 1, retry_after: float = 0.05,
             via: bool = True, after_write: bool = False, when: Callable[[Any], bool] | None = None) -> None:
        """Answer the next ``times`` matching requests with this status (a 429 with ``Via`` unless told not to).

        With ``after_write`` the request is carried out first (the message is stored and echoed), as when Discord
        fails after doing the work. With ``when`` only requests whose JSON body it accepts fail.
        """
        self._failures.append(Failure(method, re.compile(path_regex), status, retry_after, times, via, after_write,
                                      when))

    def slow(self, method: str, path_regex: str, seconds: float) -> None:
        """Delay every response to matching requests."""
        self._slowdowns.append(Slowdown(method, re.compile(path_regex), seconds))

    def delete(self, message: dict[str, Any]) -> None:
        """Delete a message: a reply that must exist to it is refused from now on."""
        self.deleted.add(int(message["id"]))

    def posted(self, path_regex: str = r"/channels/\d+/messages") -> list[dict[str, Any]]:
        """Return the messages really created by POSTs to matching paths (a nonce's repeat counted once)."""
        seen: set[str] = set()
        out = []
        for r in self.requests:
            if r.method == "POST" and re.fullmatch(path_regex, r.path) and isinstance(r.response, dict) \
                    and "id" in r.response and r.response["id"] not in seen:
                seen.add(r.response["id"])
                out.append(r.response)
        return out

    def calls(self, method: str, path_regex: str, *, ok: bool = True) -> list[Recorded]:
        """Return the recorded requests matching, only the successful ones unless ``ok=False``."""
        pattern = re.compile(path_regex)
        return [r for r in self.requests if r.method == method and pattern.fullmatch(r.path)
                and (not ok or 200 <= r.status < 300)]

    @staticmethod
    def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
        # Exactly "application/json": with a charset discord.py would hand the body over as a str.
        return web.Response(body=json.dumps(data).encode(), status=status, content_type="application/json",
                            headers=headers)

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        body: Any = None
        if request.can_read_body:
            raw = await request.read()
            if request.content_type == "application/json" and raw:
                body = json.loads(raw)
            elif request.content_type.startswith("multipart/") and raw:
                body = self._payload_json(raw)
        rec = Recorded(request.method, path, dict(request.query), body)
        self.requests.append(rec)
        try:
            response = await self._route(request, rec)
        except Exception as exc:  # a bug in the fake: make it loud in the test
            response = self._json({"message": f"fake error: {exc!r}", "code": 0}, 500)
        rec.status = response.status
        await self._notify()
        return response

    @staticmethod
    def _payload_json(raw: bytes) -> Any:
        match = re.search(rb'name="payload_json"\r\n(?:[^\r\n]+\r\n)*\r\n(.*?)\r\n--', raw, re.DOTALL)
        return json.loads(match.group(1)) if match else None

    async def _route(self, request: web.Request, rec: Recorded) -> web.Response:
        for slowdown in self._slowdowns:
            if slowdown.method == rec.method and slowdown.pattern.fullmatch(rec.path):
                await asyncio.sleep(slowdown.seconds)
        for failure in list(self._failures):
            if failure.method == rec.method and failure.pattern.fullmatch(rec.path) \
                    and (failure.when is None or failure.when(rec.json)):
                failure.times -= 1
                if failure.times <= 0:
                    self._failures.remove(failure)
                if failure.after_write:
                    await self._serve(request, rec)
                if failure.status == 429:
                    return self._json({"message": "You are being rate limited.", "retry_after": failure.retry_after,
                                       "global": False}, 429, {"Via": "1.1 google"} if failure.via else None)
                return self._json({"message": f"{failure.status}: Server Error", "code": 0}, failure.status)
        response = await self._serve(request, rec)
        if response.body is not None and response.content_type == "application/json":
            rec.response = json.loads(bytes(response.body))  # type: ignore[arg-type]
        return response

    async def _serve(self, request: web.Request, rec: Recorded) -> web.Response:
        auth = request.headers.get("Authorization", "")
        if not rec.path.startswith(("/webhooks/", "/interactions/")) and auth != f"Bot {self.token}":
            return self._json({"message": "401: Unauthorized", "code": 0}, 401)
        m, p = rec.method, rec.path
        if m == "GET" and p == "/users/@me":
            return self._json(self.bot_user)
        if m == "GET" and p == "/oauth2/applications/@me":
            return self._json(self._app_info())
        if m == "GET" and p == "/gateway/bot":
            return self._json({"url": self.gateway_url, "shards": 1, "session_start_limit": {
                "total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1}})
        if m == "PUT" and (match := re.fullmatch(r"/applications/(\d+)(?:/guilds/(\d+))?/commands", p)):
            return self._json([self._command(c, match.group(2)) for c in rec.json or []])
        if m == "GET" and re.fullmatch(r"/applications/\d+(?:/guilds/\d+)?/commands", p):
            return self._json(list(self.commands.values()))
        if m == "POST" and (match := re.fullmatch(r"/channels/(\d+)/messages", p)):
            return await self._create_message(int(match.group(1)), rec.json or {})
        if m == "POST" and re.fullmatch(r"/channels/\d+/typing", p):
            return web.Response(status=204)
        if m == "DELETE" and re.fullmatch(r"/channels/\d+/messages/\d+", p):
            return web.Response(status=204)
        if m == "POST" and (match := re.fullmatch(r"/interactions/(\d+)/([^/]+)/callback", p)):
            interaction_id = int(match.group(1))
            age = time.time() - created_at(interaction_id)
            if age > INTERACTION_DEADLINE or interaction_id in self.ack_latencies:
                self.late_callbacks.append(interaction_id)
                message = "Unknown interaction" if age > INTERACTION_DEADLINE else "Interaction already acknowledged"
                return self._json({"message": message, "code": 10062 if age > INTERACTION_DEADLINE else 40060},
                                  404 if age > INTERACTION_DEADLINE else 400)
            self.ack_latencies[interaction_id] = age
            return self._json(self._callback(interaction_id, rec.json or {}))
        if m == "POST" and re.fullmatch(r"/webhooks/\d+/[^/]+", p):
            return self._json(self._store_message(self.channel_id, rec.json or {}))
        if m == "PATCH" and re.fullmatch(r"/webhooks/\d+/[^/]+/messages/@original", p):
            return self._json(self._store_message(self.channel_id, rec.json or {}))
        return self._json({"message": f"404: Not Found ({m} {p})", "code": 0}, 404)

    async def _create_message(self, channel_id: int, body: dict[str, Any]) -> web.Response:
        nonce = body.get("nonce")
        if nonce is not None and body.get("enforce_nonce") and (channel_id, str(nonce)) in self.nonces:
            self.deduplicated += 1
            return self._json(self.nonces[(channel_id, str(nonce))])
        reference = body.get("message_reference")
        if reference and int(reference.get("message_id") or 0) in self.deleted:
            if reference.get("fail_if_not_exists", True) or self.strict_references:
                return self._json({"message": "Invalid Form Body", "code": 50035, "errors": {"message_reference": {
                    "_errors": [{"code": "REPLIES_UNKNOWN_MESSAGE", "message": "Unknown message"}]}}}, 400)
            body = {k: v for k, v in body.items() if k != "message_reference"}
        message = self._store_message(channel_id, body)
        if nonce is not None and body.get("enforce_nonce"):
            self.nonces[(channel_id, str(nonce))] = message
        await self.echo(message)
        return self._json(message)

    def _app_info(self) -> dict[str, Any]:
        return {"id": str(self.app_id), "name": "askbot", "description": "", "icon": None, "bot_public": True,
                "bot_require_code_grant": False, "owner": user_payload(snowflake(), "owner"),
                "verify_key": "0" * 64, "flags": 0}

    def _command(self, data: dict[str, Any], guild_id: str | None) -> dict[str, Any]:
        key = f"{guild_id or ''}:{data['name']}"
        previous = self.commands.get(key)
        command = {**data, "id": previous["id"] if previous else str(snowflake()), "application_id": str(self.app_id),
                   "version": str(snowflake()), "default_member_permissions": data.get("default_member_permissions"),
                   "type": data.get("type", 1), "description": data.get("description", "")}
        if guild_id:
            command["guild_id"] = guild_id
        self.commands[key] = command
        return command

    def _store_message(self, channel_id: int, body: dict[str, Any], *, interaction: bool = False) -> dict[str, Any]:
        message_id = snowflake()
        message = {
            "id": str(message_id), "channel_id": str(channel_id), "type": 19 if body.get("message_reference") else 0,
            "content": body.get("content") or "", "author": self.bot_user, "embeds": body.get("embeds") or [],
            "components": body.get("components") or [], "attachments": [], "mentions": [], "mention_roles": [],
            "mention_everyone": False, "pinned": False, "tts": False, "timestamp": now_iso(),
            "edited_timestamp": None, "flags": int(body.get("flags") or 0),
        }
        if channel_id in (self.channel_id, self.other_channel_id):
            message["guild_id"] = str(self.guild_id)
        reference = body.get("message_reference")
        if reference:
            message["message_reference"] = {k: str(v) for k, v in reference.items() if k != "fail_if_not_exists"}
        self.messages[message_id] = message
        return message

    def _callback(self, interaction_id: int, body: dict[str, Any]) -> dict[str, Any]:
        kind = int(body.get("type", 0))
        data = body.get("data") or {}
        response: dict[str, Any] = {"interaction": {
            "id": str(interaction_id), "type": kind, "response_message_id": None,
            "response_message_loading": kind == 5, "response_message_ephemeral": bool(int(data.get("flags") or 0) & 64),
            "activity_instance_id": None,
        }, "resource": {"type": kind}}
        if kind in (4, 5, 7):
            message = self._store_message(self.channel_id, data, interaction=True)
            if kind == 5:
                message["flags"] = int(message["flags"]) | 128
            response["interaction"]["response_message_id"] = message["id"]
            response["resource"]["message"] = message
        return response

    # -- gateway --------------------------------------------------------------------------------------

    @property
    def live(self) -> Connection | None:
        return next((c for c in reversed(self.connections) if not c.ws.closed and c.session_id), None)

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(heartbeat=None, autoping=True)
        await ws.prepare(request)
        conn = Connection(ws)
        self.connections.append(conn)
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": self.heartbeat_interval_ms},
                                      "s": None, "t": None}))
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                await self._on_gateway(conn, json.loads(msg.data))
        finally:
            conn.closed.set()
            await self._notify()
        return ws

    async def _send(self, conn: Connection, payload: dict[str, Any]) -> None:
        await conn.ws.send_str(json.dumps(payload))

    async def _dispatch_on(self, conn: Connection, event: str, data: dict[str, Any]) -> None:
        conn.seq += 1
        payload = {"op": 0, "t": event, "s": conn.seq, "d": data}
        if conn.session_id:
            self.sessions[conn.session_id] = conn.seq
            self.backlog.setdefault(conn.session_id, []).append(payload)
        if not conn.ws.closed:  # a closed connection's events wait in the backlog for a RESUME
            await self._send(conn, payload)

    async def _on_gateway(self, conn: Connection, payload: dict[str, Any]) -> None:
        op, data = payload.get("op"), payload.get("d")
        if op == 1:
            self.heartbeats += 1
            await self._send(conn, {"op": 11, "d": None, "s": None, "t": None})
            await self._notify()
        elif op == 2:
            self.identifies.append(data)
            await self._notify()
            if data.get("token") != self.token:
                await conn.ws.close(code=4004, message=b"Authentication failed.")
                return
            if self.close_code_on_identify is not None:
                await conn.ws.close(code=self.close_code_on_identify, message=b"Disallowed intent(s).")
                return
            await self._ready(conn, data)
        elif op == 6:
            self.resumes.append(data)
            session = data.get("session_id")
            if session in self.sessions:
                conn.session_id = session
                conn.seq = self.sessions[session]
                for missed in self.backlog.get(session, []):
                    if missed["s"] > int(data.get("seq") or 0):
                        await self._send(conn, missed)
                await self._dispatch_on(conn, "RESUMED", {})
            else:
                await self._send(conn, {"op": 9, "d": False, "s": None, "t": None})
            await self._notify()

    async def _ready(self, conn: Connection, identify: dict[str, Any]) -> None:
        conn.session_id = f"session-{snowflake()}"
        ready: dict[str, Any] = {
            "v": 10, "user": self.bot_user, "session_id": conn.session_id, "resume_gateway_url": self.gateway_url,
            "guilds": [{"id": str(self.guild_id), "unavailable": True}], "private_channels": [],
            "application": {"id": str(self.app_id), "flags": 0}, "relationships": [], "presences": [],
        }
        if identify.get("shard"):
            ready["shard"] = identify["shard"]
        await self._dispatch_on(conn, "READY", ready)
        await self._dispatch_on(conn, "GUILD_CREATE", self._guild())
        await self._notify()

    def _guild(self) -> dict[str, Any]:
        members = [member_payload(u) for u in (self.bot_user, self.user, self.admin)]

        def channel(cid: int, name: str, position: int) -> dict[str, Any]:
            return {"id": str(cid), "type": 0, "name": name, "position": position, "guild_id": str(self.guild_id),
                    "permission_overwrites": [], "nsfw": False, "parent_id": None, "topic": None}

        return {
            "id": str(self.guild_id), "name": "Newsroom", "unavailable": False, "member_count": len(members),
            "members": members, "channels": [channel(self.channel_id, "general", 0),
                                             channel(self.other_channel_id, "random", 1)],
            "roles": [{"id": str(self.guild_id), "name": "@everyone", "permissions": str(MEMBER_PERMISSIONS),
                       "position": 0, "color": 0, "hoist": False, "managed": False, "mentionable": False,
                       "flags": 0}],
            "owner_id": self.admin["id"], "large": False, "joined_at": now_iso(), "features": [], "emojis": [],
            "stickers": [], "threads": [], "presences": [], "voice_states": [], "stage_instances": [],
            "guild_scheduled_events": [], "soundboard_sounds": [], "premium_tier": 0, "mfa_level": 0,
            "verification_level": 0, "explicit_content_filter": 0, "default_message_notifications": 0,
            "afk_channel_id": None, "afk_timeout": 300, "system_channel_id": None, "preferred_locale": "en-US",
        }

    async def wait_ready(self, timeout: float = 10.0) -> Connection:
        conn: Connection = await self.wait_for(lambda: self.live, timeout)
        return conn

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send an event on the live gateway connection."""
        conn = await self.wait_ready()
        await self._dispatch_on(conn, event, data)

    async def echo(self, message: dict[str, Any]) -> None:
        """Send a message back as MESSAGE_CREATE, as Discord does with the bot's own messages."""
        conn = self.live
        if conn is not None:
            await self._dispatch_on(conn, "MESSAGE_CREATE", message)

    async def close_gateway(self, code: int = 4000) -> Connection:
        """Close the live connection with ``code`` (4000: resumable) and return it; its session stays."""
        conn = await self.wait_ready()
        await conn.ws.close(code=code, message=b"closed by the fake")
        return conn

    async def dispatch_while_down(self, conn: Connection, event: str, data: dict[str, Any]) -> None:
        """Queue an event on a closed connection's session: the client gets it only by resuming."""
        await self._dispatch_on(conn, event, data)

    async def send_reconnect(self) -> None:
        conn = await self.wait_ready()
        await self._send(conn, {"op": 7, "d": None, "s": None, "t": None})

    # -- events a user causes -------------------------------------------------------------------------

    def message(
        self,
        content: str,
        *,
        author: dict[str, Any] | None = None,
        channel_id: int | None = None,
        mention_bot: bool = False,
        dm: bool = False,
        reply_to: dict[str, Any] | None = None,
        mention_everyone: bool = False,
    ) -> dict[str, Any]:
        """Return a MESSAGE_CREATE payload as Discord sends it to a bot without the message-content intent."""
        author = author or self.user
        mentions = [self.bot_user] if mention_bot else []
        data: dict[str, Any] = {
            "id": str(snowflake()), "channel_id": str(channel_id or (snowflake() if dm else self.channel_id)),
            "type": 19 if reply_to else 0, "content": content, "author": author, "embeds": [], "components": [],
            "attachments": [], "mentions": mentions, "mention_roles": [], "mention_everyone": mention_everyone,
            "pinned": False, "tts": False, "timestamp": now_iso(), "edited_timestamp": None, "flags": 0,
        }
        if reply_to is not None:
            data["message_reference"] = {"type": 0, "message_id": reply_to["id"], "channel_id": reply_to["channel_id"],
                                         "guild_id": reply_to.get("guild_id")}
            data["referenced_message"] = reply_to
        if not dm:
            data["guild_id"] = str(self.guild_id)
            data["member"] = {k: v for k, v in member_payload(author).items() if k != "user"}
            # Without the message-content intent Discord sends an empty content unless the bot is mentioned
            # (a reply that pings counts) or wrote the message itself.
            if not mention_bot and author["id"] != self.bot_user["id"]:
                data["content"] = ""
        return data

    def member(self, number: int) -> dict[str, Any]:
        """Return the user payload of the ``number``-th member of a crowd (the same user for the same number)."""
        if not hasattr(self, "_crowd"):
            self._crowd: dict[int, dict[str, Any]] = {}
        if number not in self._crowd:
            self._crowd[number] = user_payload(snowflake(), f"member{number}")
        return self._crowd[number]

    def _interaction_base(self, kind: int, *, user: dict[str, Any] | None, permissions: int,
                          channel_id: int | None, dm: bool) -> dict[str, Any]:
        user = user or self.user
        cid = channel_id or self.channel_id
        data: dict[str, Any] = {
            "id": str(snowflake()), "application_id": str(self.app_id), "type": kind,
            "token": f"itoken-{snowflake()}", "version": 1, "attachment_size_limit": 8 * 1024 * 1024,
            "channel_id": str(cid), "locale": "en-US", "app_permissions": str(MEMBER_PERMISSIONS),
            "entitlements": [], "authorizing_integration_owners": {"0": str(self.guild_id)}, "context": 0,
        }
        if dm:
            data["user"] = user
            data["channel"] = {"id": str(cid), "type": 1, "recipients": [user]}
            data["context"] = 1
        else:
            data["guild_id"] = str(self.guild_id)
            data["guild_locale"] = "en-US"
            data["member"] = member_payload(user, permissions=permissions)
            data["channel"] = {"id": str(cid), "type": 0, "name": "general", "position": 0,
                               "guild_id": str(self.guild_id), "permissions": str(permissions)}
        return data

    def slash(self, name: str, *, user: dict[str, Any] | None = None, permissions: int = MEMBER_PERMISSIONS,
              channel_id: int | None = None, dm: bool = False, **options: Any) -> dict[str, Any]:
        """Return an INTERACTION_CREATE payload for a slash command."""
        data = self._interaction_base(2, user=user, permissions=permissions, channel_id=channel_id, dm=dm)
        command = self.commands.get(f":{name}") or self.commands.get(f"{self.guild_id}:{name}")
        types = {str: 3, bool: 5, int: 4}
        data["data"] = {
            "id": command["id"] if command else str(snowflake()), "name": name, "type": 1,
            "options": [{"name": k, "type": types[type(v)], "value": v} for k, v in options.items()],
        }
        if command and command.get("guild_id"):
            data["data"]["guild_id"] = command["guild_id"]
        return data

    def autocomplete(self, name: str, option: str, typed: str, **options: Any) -> dict[str, Any]:
        data = self.slash(name, **options)
        data["type"] = 4
        data["data"]["options"].append({"name": option, "type": 3, "value": typed, "focused": True})
        return data

    def click(self, message: dict[str, Any], custom_id: str, *, user: dict[str, Any] | None = None) -> dict[str, Any]:
        """Return an INTERACTION_CREATE payload for a button click on a message."""
        dm = "guild_id" not in message
        data = self._interaction_base(3, user=user, permissions=MEMBER_PERMISSIONS,
                                      channel_id=int(message["channel_id"]), dm=dm)
        data["message"] = message
        data["data"] = {"custom_id": custom_id, "component_type": 2}
        return data

    async def send_interaction(self, payload: dict[str, Any], timeout: float = 5.0) -> Recorded:
        """Dispatch an interaction and return the bot's callback request."""
        await self.dispatch("INTERACTION_CREATE", payload)
        path = f"/interactions/{payload['id']}/{payload['token']}/callback"
        calls: list[Recorded] = await self.wait_for(lambda: self.calls("POST", re.escape(path)), timeout)
        return calls[0]

    async def answer_of(self, payload: dict[str, Any], timeout: float = 10.0) -> dict[str, Any]:
        """Dispatch an /ask and return its reply's body: the callback's, or the follow-up's after a defer.

        Whether the bot answers at once or defers first depends on how busy the machine is; a test about the
        answer, not about that timing, reads it here.
        """
        call = await self.send_interaction(payload, timeout)
        if call.json["type"] != 5:
            return call.json["data"]
        path = rf"/webhooks/\d+/{re.escape(payload['token'])}"
        sent: list[Recorded] = await self.wait_for(lambda: self.calls("POST", path), timeout)
        return sent[0].json

    def custom_ids(self, message: dict[str, Any]) -> list[str]:
        return [c["custom_id"] for row in message.get("components", []) for c in row.get("components", [])
                if "custom_id" in c]
