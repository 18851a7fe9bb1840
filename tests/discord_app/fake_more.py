"""The fake Discord, plus what the moderators' features need: a second server, message edits, the message
context menu, attachments, and MESSAGE_UPDATE / MESSAGE_DELETE events."""

from __future__ import annotations

import copy
import re
from typing import Any

from aiohttp import web
from fake_discord import ADMIN_PERMISSIONS, MEMBER_PERMISSIONS, Connection, FakeDiscord, Recorded, snowflake


class FakeDiscordMore(FakeDiscord):
    """A fake Discord with two servers."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.guild2_id = snowflake()
        self.guild2_channel_id = snowflake()

    async def _route(self, request: web.Request, rec: Recorded) -> web.Response:
        match = re.fullmatch(r"/channels/(\d+)/messages/(\d+)", rec.path)
        if rec.method == "PATCH" and match:
            message = self.messages.get(int(match.group(2)))
            if message is None:
                return self._json({"message": "Unknown Message", "code": 10008}, 404)
            body = rec.json or {}
            for key in ("content", "embeds", "components"):
                if key in body:
                    message[key] = body[key] if body[key] is not None else ([] if key != "content" else "")
            return self._json(message)
        if rec.method == "DELETE" and re.fullmatch(r"/webhooks/\d+/[^/]+/messages/@original", rec.path):
            return web.Response(status=204)
        return await super()._route(request, rec)

    async def _ready(self, conn: Connection, identify: dict[str, Any]) -> None:
        await super()._ready(conn, identify)
        await self._dispatch_on(conn, "GUILD_CREATE", self._second_guild())
        await self._notify()

    def _second_guild(self) -> dict[str, Any]:
        guild = copy.deepcopy(self._guild())
        guild["id"] = str(self.guild2_id)
        guild["name"] = "Other newsroom"
        guild["roles"][0]["id"] = str(self.guild2_id)
        channel = {**guild["channels"][0], "id": str(self.guild2_channel_id), "guild_id": str(self.guild2_id)}
        guild["channels"] = [channel]
        return guild

    def in_second_guild(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Return an interaction payload moved to the second server."""
        payload["guild_id"] = str(self.guild2_id)
        payload["channel_id"] = str(self.guild2_channel_id)
        payload["channel"] = {**payload["channel"], "id": str(self.guild2_channel_id), "guild_id": str(self.guild2_id)}
        payload["authorizing_integration_owners"] = {"0": str(self.guild2_id)}
        return payload

    def slash_admin(self, name: str, **options: Any) -> dict[str, Any]:
        """Return a slash command from a member with Manage Server."""
        return self.slash(name, user=self.admin, permissions=ADMIN_PERMISSIONS, **options)

    def slash_with_file(self, name: str, option: str, filename: str, url: str, size: int,
                        **options: Any) -> dict[str, Any]:
        """Return a slash command with an attached file (served at ``url``)."""
        data = self.slash_admin(name, **options)
        attachment_id = str(snowflake())
        data["data"]["options"].append({"name": option, "type": 11, "value": attachment_id})
        data["data"]["resolved"] = {"attachments": {attachment_id: {
            "id": attachment_id, "filename": filename, "size": size, "url": url, "proxy_url": url,
            "content_type": "text/html; charset=utf-8"}}}
        return data

    def message_command(self, name: str, target: dict[str, Any], *, user: dict[str, Any] | None = None,
                        permissions: int = MEMBER_PERMISSIONS) -> dict[str, Any]:
        """Return a message context-menu command on ``target`` (Discord sends the target whole, text included)."""
        data = self._interaction_base(2, user=user, permissions=permissions, channel_id=int(target["channel_id"]),
                                      dm=False)
        command = self.commands.get(f":{name}")
        data["data"] = {"id": command["id"] if command else str(snowflake()), "name": name, "type": 3,
                        "target_id": target["id"], "resolved": {"messages": {target["id"]: target}}}
        return data

    def click_as(self, message: dict[str, Any], custom_id: str, user: dict[str, Any],
                 permissions: int) -> dict[str, Any]:
        """Return a button click by ``user`` with these permissions."""
        data = self.click(message, custom_id, user=user)
        data["member"]["permissions"] = str(permissions)
        data["channel"]["permissions"] = str(permissions)
        return data
