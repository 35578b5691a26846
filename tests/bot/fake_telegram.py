"""A fake Telegram Bot API server on localhost (aiohttp), for ``ZAPIS_TELEGRAM_API_URL``.

It answers ``getMe``, ``getUpdates`` (long polling over a queue the test
fills, honouring ``offset``), ``sendMessage``, ``editMessageText``,
``answerCallbackQuery``, ``deleteWebhook`` and ``setWebhook``, and records
every call. ``send_faults`` scripts the answers to the next ``sendMessage``
calls (``429`` with ``retry_after``, ``500``, or ``"hang"`` until released),
which is how tests make Telegram slow, rate-limiting or broken.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

TIMEOUT = 10.0


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    ok: bool | None = None  # None while the answer is pending
    at: float = field(default_factory=time.monotonic)
    message_id: int = 0  # the id a sendMessage answer gave the message

    @property
    def markup(self) -> list[list[dict[str, Any]]]:
        raw = self.params.get("reply_markup")
        return json.loads(raw).get("inline_keyboard", []) if raw else []


@dataclass
class FakeTelegram:
    token: str
    port: int
    calls: list[Call] = field(default_factory=list)
    send_faults: list[Any] = field(default_factory=list)  # 429 | 500 | "hang" | "hang_then_ok" per next sendMessage
    retry_after: int = 1
    release_hang: asyncio.Event = field(default_factory=asyncio.Event)
    _updates: list[dict[str, Any]] = field(default_factory=list)
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    _ids: Any = field(default_factory=lambda: itertools.count(500))
    _runner: web.AppRunner | None = None
    _closing: bool = False

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self._closing = False
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        self.release_hang.set()
        async with self._changed:  # long polls return now, so the server stops at once
            self._closing = True
            self._changed.notify_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # ------------------------------------------------------------ what tests use

    async def push(self, *updates: dict[str, Any]) -> None:
        """Queue updates for ``getUpdates`` (several at once arrive in one batch)."""
        async with self._changed:
            self._updates.extend(updates)
            self._changed.notify_all()

    def delivered(self, chat_id: int | None = None) -> list[Call]:
        """Messages Telegram accepted (sendMessage answered ok)."""
        return [c for c in self.calls if c.method == "sendmessage" and c.ok is True
                and (chat_id is None or int(c.params["chat_id"]) == chat_id)]

    def attempts(self) -> list[Call]:
        return [c for c in self.calls if c.method == "sendmessage"]

    def of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method.lower()]

    def shown(self, chat_id: int) -> list[Call]:
        """Messages sent to or edited in the chat, in order."""
        return [c for c in self.calls if c.method in ("sendmessage", "editmessagetext") and c.ok is True
                and int(c.params["chat_id"]) == chat_id]

    def button(self, chat_id: int, label: str) -> tuple[int, str]:
        """(message_id, callback_data) of the newest button in the chat whose text contains ``label``."""
        for call in reversed(self.shown(chat_id)):
            for row in call.markup:
                for b in row:
                    if label in b["text"]:
                        return int(call.params.get("message_id", 0)) or call.message_id, b["callback_data"]
        raise AssertionError(f"no button {label!r} in chat {chat_id}")

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = TIMEOUT) -> None:
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(predicate), timeout)

    # ------------------------------------------------------------ the server

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return self._error(401, "Unauthorized")
        method = request.match_info["method"].lower()
        params = dict(await request.post()) if request.can_read_body else {}
        params.update(request.query)
        if method == "getupdates":
            return await self._get_updates(params)
        call = Call(method, dict(params))
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()
        response = await self._answer(call)
        async with self._changed:
            call.ok = call.ok is None
            self._changed.notify_all()
        return response

    async def _answer(self, call: Call) -> web.Response:
        p = call.params
        if call.method == "getme":
            return self._ok({"id": int(self.token.split(":")[0]), "is_bot": True, "first_name": "AppContext",
                             "username": "zapis_test_bot"})
        if call.method == "sendmessage":
            fault = self.send_faults.pop(0) if self.send_faults else None
            if fault in ("hang", "hang_then_ok"):  # then fails, or is shown (the sender may be gone by then)
                await self.release_hang.wait()
                fault = 500 if fault == "hang" else None
            if fault == 429:
                call.ok = False
                return self._error(429, f"Too Many Requests: retry after {self.retry_after}",
                                   {"retry_after": self.retry_after})
            if fault is not None:
                call.ok = False
                return self._error(int(fault), "Internal Server Error")
            call.message_id = next(self._ids)
            return self._ok(self._message(int(p["chat_id"]), call.message_id, p.get("text", "")))
        if call.method == "editmessagetext":
            return self._ok(self._message(int(p["chat_id"]), int(p["message_id"]), p.get("text", "")))
        return self._ok(True)  # answerCallbackQuery, deleteWebhook, setWebhook, …

    async def _get_updates(self, params: dict[str, Any]) -> web.Response:
        offset = int(params.get("offset") or 0)
        wait = min(float(params.get("timeout") or 0), 30.0)
        deadline = time.monotonic() + wait
        async with self._changed:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            while not self._updates and not self._closing and time.monotonic() < deadline:
                try:
                    await asyncio.wait_for(self._changed.wait(), deadline - time.monotonic())
                except TimeoutError:
                    break
            batch = list(self._updates)
        self.calls.append(Call("getupdates", dict(params), ok=True))
        return self._ok(batch)

    @staticmethod
    def _message(chat_id: int, message_id: int, text: str) -> dict[str, Any]:
        return {"message_id": message_id, "date": int(time.time()), "text": text,
                "chat": {"id": chat_id, "type": "private"}}

    @staticmethod
    def _ok(result: Any) -> web.Response:
        return web.json_response({"ok": True, "result": result}, dumps=json.dumps)

    @staticmethod
    def _error(status: int, description: str, parameters: dict[str, Any] | None = None) -> web.Response:
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if parameters:
            body["parameters"] = parameters
        return web.json_response(body, status=status)
