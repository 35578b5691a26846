"""Keyboards and the one way a screen is shown (edit in place, or a new message).

A message that states a fact (booked, cancelled, moved, a reminder, a thank-you: ``texts.is_fact``)
stays as it was sent (SPEC §9.6): a button pressed under it answers in a new message. Only the
steps of a dialogue (menus, pickers, the hold, a question) are edited in place.
"""

from __future__ import annotations

import html
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass

from aiogram.exceptions import TelegramBadRequest
from aiogram.filters.callback_data import CallbackData
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from bot import texts
from bot.callbacks import Menu

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None


@dataclass(frozen=True, slots=True)
class Screen:
    text: str
    markup: InlineKeyboardMarkup | None = None

    def with_note(self, note: str) -> Screen:
        return Screen(f"{note}\n\n{self.text}" if note else self.text, self.markup)


def button(text: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def rows(buttons: Sequence[InlineKeyboardButton], width: int) -> list[list[InlineKeyboardButton]]:
    return [list(buttons[i:i + width]) for i in range(0, len(buttons), width)]


def inline(*lines: list[InlineKeyboardButton]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[line for line in lines if line])


def menu_row() -> list[InlineKeyboardButton]:
    return [button(texts.BTN_MENU, Menu(to="menu"))]


def menu_keyboard() -> InlineKeyboardMarkup:
    return inline([button(texts.BTN_BOOK, Menu(to="book"))], [button(texts.BTN_MY, Menu(to="my"))])


def menu_screen(note: str = "") -> Screen:
    return Screen(texts.MENU, menu_keyboard()).with_note(note)


def back_to_menu(text: str) -> Screen:
    return Screen(text, inline(menu_row()))


def share_phone_keyboard() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text=texts.BTN_SHARE_PHONE, request_contact=True)]],
        resize_keyboard=True, one_time_keyboard=True,
        input_field_placeholder="Нажмите кнопку, чтобы отправить номер",
    )


_TAG = re.compile(r"<[^>]+>")


def plain(text: str) -> str:
    """What a reader sees of an HTML text (Telegram hands a message's text back without tags)."""
    return " ".join(html.unescape(_TAG.sub("", text)).split())


def shown_text(event: CallbackQuery) -> str:
    message = event.message
    return plain(message.text or "") if isinstance(message, Message) else ""


def _same_buttons(shown: InlineKeyboardMarkup | None, wanted: InlineKeyboardMarkup | None) -> bool:
    def data(markup: InlineKeyboardMarkup | None) -> list[list[tuple[str, str | None]]]:
        return [[(b.text, b.callback_data) for b in row] for row in (markup.inline_keyboard if markup else [])]
    return data(shown) == data(wanted)


DOUBLE_TAP_S = 5.0  # the same button under the same message again within this: a double tap
# Kept on each Bot instance (aiogram's Bot hashes and compares by token, so a dict keyed by bots
# would let two bots of one token, as in tests, share it): (chat, message, button) → when it
# posted a new message, and what that message said.
_POSTED = "_zapis_posted"


def _tapped_again(event: CallbackQuery, message: Message, screen: Screen) -> bool:
    """True for the second tap of a double tap on a button whose answer is a new message (under
    a fact): the same answer was posted for it a moment ago, so this one posts nothing. A press
    whose answer differs (something changed meanwhile) is answered."""
    posted: dict[tuple[int, int, str], tuple[float, str]] | None = getattr(event.bot, _POSTED, None)
    if posted is None:
        posted = {}
        setattr(event.bot, _POSTED, posted)
    now = time.monotonic()
    for key in [k for k, (at, _) in posted.items() if now - at > DOUBLE_TAP_S]:
        del posted[key]
    key = (message.chat.id, message.message_id, event.data or "")
    said = screen.text + repr(screen.markup.inline_keyboard if screen.markup else None)
    if key in posted and posted[key][1] == said:
        return True
    posted[key] = (now, said)
    return False


async def show(event: Message | CallbackQuery, screen: Screen, *, new: bool = False) -> None:
    """A button's answer replaces the message it was on; a message gets a new one.

    Not replaced: a fact (``texts.is_fact``) or, with ``new``, whatever the button was on (a stale
    button's answer). A button pressed again on a message that already says this screen (a double
    tap) changes nothing and posts nothing; nor does a second tap within ``DOUBLE_TAP_S`` on a
    button whose answer is a new message (under a fact). If the old message cannot be edited (too old, deleted),
    the screen is sent as a new message instead, so the user always sees it.
    """
    if isinstance(event, CallbackQuery):
        message = event.message
        if isinstance(message, Message):
            if shown_text(event) == plain(screen.text) and _same_buttons(message.reply_markup, screen.markup):
                return  # the second tap of a double tap: the answer is already there
            if not new and not texts.is_fact(shown_text(event)):
                try:
                    await message.edit_text(screen.text, reply_markup=screen.markup)
                    return
                except TelegramBadRequest as error:
                    if "not modified" in str(error):
                        return
            elif _tapped_again(event, message, screen):
                return
        assert event.bot is not None
        await event.bot.send_message(event.from_user.id, screen.text, reply_markup=screen.markup)
        return
    await event.answer(screen.text, reply_markup=screen.markup)
