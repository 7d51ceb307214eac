"""WebSockets of the community (Django Channels): a group's live room and a user's notifications.

``/ws/community/groups/<id>/``: chat messages in and out, new replies and threads, hidden posts and
presence (who is online). ``/ws/community/notifications/``: the user's mentions, replies and
invitations. The session (``AuthMiddlewareStack``) says who the user is.

Rules: an anonymous or non-member connection is accepted only to be closed with a code (4401 not
logged in, 4403 not a member) after an ``error`` frame saying why; membership is checked again for
every message (a member removed meanwhile is closed with 4403). Incoming frames are text JSON objects
of at most ``MAX_FRAME`` bytes with ``type`` "chat" (``body``: 1–2,000 characters) or "ping"; anything
else gets an ``error`` frame (``{"type": "error", "detail": 中文说明}``) and the connection stays open.
A connection sending more than ``BURST`` messages in ``BURST_SECONDS`` gets an error frame too.

All database work goes through the services in a thread (``database_sync_to_async``).
"""

from __future__ import annotations

import json
import time
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from educloud.accounts.api import User
from educloud.community import selectors, services
from educloud.lib.bounds import INT64_MAX
from educloud.lib.errors import DomainError, PermissionDenied

MAX_FRAME = 8 * 1024  # bytes of one incoming text frame
BURST, BURST_SECONDS = 10, 5.0
CLOSE_NOT_LOGGED_IN = 4401
CLOSE_NOT_MEMBER = 4403


class _Base(AsyncWebsocketConsumer):
    async def send_json(self, content: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps(content, ensure_ascii=False))

    async def refuse(self, code: int, detail: str) -> None:
        await self.accept()
        await self.send_json({"type": "error", "detail": detail, "code": code})
        await self.close(code=code)

    async def notify(self, event: dict[str, Any]) -> None:
        await self.send_json({k: v for k, v in event.items()})


class NotificationConsumer(_Base):
    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.refuse(CLOSE_NOT_LOGGED_IN, "请先登录")
            return
        self.user_group = services.user_channel(user.pk)
        await self.channel_layer.group_add(self.user_group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "user_group"):
            await self.channel_layer.group_discard(self.user_group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        await self.send_json({"type": "error", "detail": "此连接只推送通知，不接收消息"})


class GroupConsumer(_Base):
    group_id: int
    joined = False

    async def connect(self) -> None:
        user = self.scope.get("user")
        self.group_id = int(self.scope["url_route"]["kwargs"]["group_id"])
        if self.group_id > INT64_MAX:
            await self.refuse(CLOSE_NOT_MEMBER, services.NOT_VISIBLE)
            return
        if user is None or not user.is_authenticated:
            await self.refuse(CLOSE_NOT_LOGGED_IN, "请先登录")
            return
        try:
            await database_sync_to_async(services.presence_enter)(
                actor=user, group_id=self.group_id, channel_name=self.channel_name
            )
        except DomainError as exc:
            await self.refuse(CLOSE_NOT_MEMBER, exc.message)
            return
        self.room = services.group_channel(self.group_id)
        self.user_group = services.user_channel(user.pk)
        await self.channel_layer.group_add(self.room, self.channel_name)
        await self.channel_layer.group_add(self.user_group, self.channel_name)
        self.joined = True
        self.sent: list[float] = []
        await self.accept()
        await self._presence_changed()

    async def disconnect(self, code: int) -> None:
        if not self.joined:
            return
        self.joined = False
        await self.channel_layer.group_discard(self.room, self.channel_name)
        await self.channel_layer.group_discard(self.user_group, self.channel_name)
        await database_sync_to_async(services.presence_leave)(channel_name=self.channel_name)
        await self._presence_changed()

    async def _presence_changed(self) -> None:
        people = await database_sync_to_async(selectors.online)(group_id=self.group_id)
        await self.channel_layer.group_send(self.room, {"type": "presence", "online": people})

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if text_data is None:
            await self.send_json({"type": "error", "detail": "只接受文本（JSON）消息"})
            return
        if len(text_data.encode("utf-8")) > MAX_FRAME:
            await self.send_json({"type": "error", "detail": f"消息过大：最多 {MAX_FRAME} 字节"})
            return
        try:
            frame = json.loads(text_data)
        except ValueError:
            frame = None
        if not isinstance(frame, dict) or frame.get("type") not in ("chat", "ping"):
            await self.send_json(
                {"type": "error", "detail": '消息格式有误：应为 {"type": "chat", "body": "…"}'}
            )
            return
        now = time.monotonic()
        self.sent = [t for t in self.sent if now - t < BURST_SECONDS]
        if len(self.sent) >= BURST:
            await self.send_json({"type": "error", "detail": "发送太频繁，请稍后再试"})
            return
        self.sent.append(now)
        if frame["type"] == "ping":
            if await database_sync_to_async(self._still_member)():
                await self.send_json({"type": "pong"})
            else:
                await self.refuse_late()
            return
        body = frame.get("body")
        if not isinstance(body, str):
            await self.send_json({"type": "error", "detail": "消息内容应为文字", "field": "body"})
            return
        try:
            await database_sync_to_async(self._chat)(body)
        except DomainError as exc:
            await self.send_json({"type": "error", "detail": exc.message, "field": exc.field})
            if exc.status_code in (403, 404):
                await self.close(code=CLOSE_NOT_MEMBER)

    async def refuse_late(self) -> None:
        await self.send_json({"type": "error", "detail": "你已不是本组成员", "code": CLOSE_NOT_MEMBER})
        await self.close(code=CLOSE_NOT_MEMBER)

    def _fresh_user(self) -> Any:
        """The user as the database has them now (active? roles? membership?), not as at connect."""
        user = User.objects.filter(pk=self.scope["user"].pk, is_active=True).first()
        if user is None:
            raise PermissionDenied("账户已停用")
        return user

    def _chat(self, body: str) -> None:
        # membership is checked again by the service, for this message (a member removed since
        # connecting is refused)
        services.chat_post(actor=self._fresh_user(), group_id=self.group_id, body=body)
        services.presence_touch(channel_name=self.channel_name)

    def _still_member(self) -> bool:
        try:
            services.member_group(self._fresh_user(), self.group_id)
        except DomainError:
            return False
        services.presence_touch(channel_name=self.channel_name)
        return True

    # --- events from the channel layer ----------------------------------------------------------

    async def presence(self, event: dict[str, Any]) -> None:
        await self.send_json(event)

    async def chat_message(self, event: dict[str, Any]) -> None:
        await self.send_json(event)

    async def thread_reply(self, event: dict[str, Any]) -> None:
        await self.send_json(event)

    async def thread_new(self, event: dict[str, Any]) -> None:
        await self.send_json(event)

    async def post_hidden(self, event: dict[str, Any]) -> None:
        await self.send_json(event)

    async def post_shown(self, event: dict[str, Any]) -> None:
        await self.send_json(event)

    async def member_left(self, event: dict[str, Any]) -> None:
        if event.get("user_id") == self.scope["user"].pk:
            await self.send_json({"type": "error", "detail": "你已不是本组成员"})
            await self.close(code=CLOSE_NOT_MEMBER)
