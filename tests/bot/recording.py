"""A recording Bot API session (aiogram's ``MockedSession`` idea) and a Telegram user driving a dispatcher.

``RecordingSession`` answers every method the bot calls with a plausible
result and remembers the calls; ``Person`` builds the updates a real user's
taps would produce (a button is pressed by its label, on the message the bot
last showed with it), so a test walks the flow exactly as a client would.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncGenerator, Callable
from datetime import UTC, datetime
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.session.base import BaseSession
from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import EditMessageText, GetMe, SendMessage, TelegramMethod
from aiogram.types import (
    CallbackQuery,
    Chat,
    Contact,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
    User,
)

TIMEOUT = 10.0


class RecordingSession(BaseSession):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[TelegramMethod[Any]] = []
        self.failures: list[Exception] = []  # raised by the next sendMessage calls, in order
        self.screens: dict[int, dict[int, tuple[str, InlineKeyboardMarkup | None]]] = {}
        self._ids = itertools.count(100)
        self._changed = asyncio.Condition()

    async def make_request(self, bot: Bot, method: TelegramMethod[Any], timeout: int | None = None) -> Any:
        if isinstance(method, SendMessage) and self.failures:
            error = self.failures.pop(0)
            async with self._changed:
                self._changed.notify_all()
            raise error
        self.calls.append(method)
        async with self._changed:
            self._changed.notify_all()
        if isinstance(method, GetMe):
            return User(id=bot.id, is_bot=True, first_name="AppContext", username="zapis_bot")
        if isinstance(method, SendMessage):
            return self._message(int(method.chat_id), next(self._ids), method.text, method.reply_markup)
        if isinstance(method, EditMessageText):
            assert method.chat_id is not None and method.message_id is not None
            if self.screens.get(int(method.chat_id), {}).get(method.message_id) == (method.text, method.reply_markup):
                raise TelegramBadRequest(method, "Bad Request: message is not modified")  # as Telegram answers
            return self._message(int(method.chat_id), method.message_id, method.text, method.reply_markup)
        return True

    def _message(self, chat_id: int, message_id: int, text: str, markup: Any) -> Message:
        inline = markup if isinstance(markup, InlineKeyboardMarkup) else None
        self.screens.setdefault(chat_id, {})[message_id] = (text, inline)
        return Message(message_id=message_id, date=datetime.now(UTC), chat=Chat(id=chat_id, type="private"),
                       text=text, reply_markup=inline)

    async def stream_content(self, url: str, headers: dict[str, Any] | None = None, timeout: int = 30,
                             chunk_size: int = 65536, raise_for_status: bool = True) -> AsyncGenerator[bytes, None]:
        yield b""

    async def close(self) -> None:
        return None

    def sent(self, chat_id: int | None = None) -> list[SendMessage]:
        return [c for c in self.calls if isinstance(c, SendMessage)
                and (chat_id is None or int(c.chat_id) == chat_id)]

    def texts(self, chat_id: int) -> list[str]:
        """Every text shown in the chat (sent or edited), in order."""
        return [c.text for c in self.calls if isinstance(c, (SendMessage, EditMessageText))
                and c.chat_id is not None and int(c.chat_id) == chat_id]

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = TIMEOUT) -> None:
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(predicate), timeout)


class Person:
    """One Telegram user talking to the bot through ``Dispatcher.feed_update``."""

    _update_ids = itertools.count(1)

    def __init__(self, dp: Dispatcher, bot: Bot, session: RecordingSession, user_id: int,
                 first_name: str = "Анна") -> None:
        self.dp, self.bot, self.session = dp, bot, session
        self.user = User(id=user_id, is_bot=False, first_name=first_name, language_code="ru")
        self.chat = Chat(id=user_id, type="private")
        self._message_ids = itertools.count(1)

    def _message(self, **fields: Any) -> Message:
        return Message(message_id=next(self._message_ids), date=datetime.now(UTC), chat=self.chat,
                       from_user=self.user, **fields)

    async def feed(self, update: Update) -> Any:
        return await self.dp.feed_update(self.bot, update)

    def update(self, **fields: Any) -> Update:
        return Update(update_id=next(self._update_ids), **fields)

    async def say(self, text: str) -> None:
        await self.feed(self.update(message=self._message(text=text)))

    async def share_contact(self, phone: str, user_id: int | None = None, first_name: str = "Анна") -> None:
        contact = Contact(phone_number=phone, first_name=first_name,
                          user_id=self.user.id if user_id is None else user_id)
        await self.feed(self.update(message=self._message(contact=contact)))

    def last_text(self) -> str:
        return self.session.texts(self.chat.id)[-1]

    def find_button(self, label: str) -> tuple[int, InlineKeyboardButton]:
        """The newest message in this chat with a button whose text contains ``label``."""
        for message_id, (_, markup) in sorted(self.session.screens.get(self.chat.id, {}).items(), reverse=True):
            for row in (markup.inline_keyboard if markup else []):
                for b in row:
                    if label in b.text:
                        return message_id, b
        raise AssertionError(f"no button {label!r}; last text: {self.last_text()!r}")

    def buttons(self) -> list[str]:
        """Labels of the newest message with buttons."""
        screens = self.session.screens.get(self.chat.id, {})
        for _, (_, markup) in sorted(screens.items(), reverse=True):
            if markup:
                return [b.text for row in markup.inline_keyboard for b in row]
        return []

    def press_update(self, label: str) -> Update:
        message_id, b = self.find_button(label)
        text, markup = self.session.screens[self.chat.id][message_id]
        message = Message(message_id=message_id, date=datetime.now(UTC), chat=self.chat, text=text,
                          reply_markup=markup)
        update_id = next(self._update_ids)
        query = CallbackQuery(id=f"cb{update_id}", from_user=self.user, chat_instance="ci", message=message,
                              data=b.callback_data)
        return Update(update_id=update_id, callback_query=query)

    async def press(self, label: str) -> None:
        await self.feed(self.press_update(label))
