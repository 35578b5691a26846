"""«👥 Записать другого человека» under a hold (issue 16, problem 9), nothing remembered between messages.

Like the comment (``bot/comments.py``), the prompt carries the hold in a link
(``https://t.me/#for-<id>``) and asks for a reply (``ForceReply``): the reply is
the person — a shared contact (📎 → «Контакт»: here a contact that is not the
client's own is exactly what is wanted) or a typed «Имя, телефон». The reply
books the hold for that person (``POST /appointments`` with ``"for"``); the
booker gets the confirmation and, while the person has no Telegram of their
own, every later message of the visit. The start flow's «чужой контакт» refusal
is untouched: a contact that replies to no prompt is still a sign-up attempt.
"""

from __future__ import annotations

import re
from typing import Any

from aiogram import Bot, Router
from aiogram.types import CallbackQuery, ForceReply, Message

from bot import texts
from bot.booking_api import ApiProblem, BookingApi, UserApi
from bot.callbacks import AddPerson, Menu
from bot.ui import Screen, button, inline, menu_row, show

_HOLD = re.compile(r"https://t\.me/#for-([A-Za-z0-9_-]{6,64})")
# «Мама, +7 916 555-01-02», «Мама 89165550102», «+7 916 555 01 02 Мама»: the phone is the run of digits
_PHONE = re.compile(r"\+?\d[\d\s()\-]{5,}\d")


def prompt(hold_id: str) -> str:
    return f'<a href="https://t.me/#for-{hold_id}">👥</a> {texts.FOR_ASK}'


def hold_of(message: Message) -> str | None:
    """The hold a person prompt carries, or None for any other message."""
    found = _HOLD.search(message.html_text if (message.text or message.caption) else "")
    return found.group(1) if found else None


def is_person_reply(message: Message) -> bool:
    """A contact or a text replying to a person prompt."""
    return (bool(message.contact or message.text) and message.reply_to_message is not None
            and hold_of(message.reply_to_message) is not None)


def person_of(message: Message) -> dict[str, str] | None:
    """``{"name", "phone"}`` from a shared contact or a typed «Имя, телефон»; None if unclear."""
    if message.contact is not None:
        c = message.contact
        name = " ".join(p for p in (c.first_name, c.last_name) if p).strip()
        return {"name": name or c.phone_number, "phone": c.phone_number}
    text = (message.text or "").strip()
    found = _PHONE.search(text)
    if found is None:
        return None
    name = (text[:found.start()] + " " + text[found.end():]).strip(" ,;—-\n\t")
    return {"name": name[:200], "phone": found.group(0)} if name else None


async def on_ask_person(query: CallbackQuery, callback_data: AddPerson) -> None:
    """The prompt, in a new message: the hold's message stays as it is (its buttons still work)."""
    assert query.bot is not None
    await query.bot.send_message(query.from_user.id, prompt(callback_data.hold),
                                 reply_markup=ForceReply(input_field_placeholder=texts.FOR_PLACEHOLDER))
    await query.answer()


async def on_person(message: Message, bot: Bot, api: UserApi, booking_api: BookingApi) -> None:
    from bot.routers.booking import show_booked  # the one confirmation screen («Вы записали: …»)

    assert message.reply_to_message is not None
    hold = hold_of(message.reply_to_message)
    assert hold is not None
    person = person_of(message)
    if person is None:
        await _ask_again(message, bot, hold, texts.FOR_UNCLEAR)
        return
    try:
        appointment = await api.book(hold, person=person)
    except ApiProblem as problem:
        if problem.code == "validation_error":  # a phone the server cannot read
            await _ask_again(message, bot, hold, texts.FOR_BAD_PHONE)
            return
        if problem.code not in ("hold_expired", "slot_unavailable", "idempotency_key_reused"):
            raise
        await show(message, Screen(texts.HOLD_EXPIRED, inline([button(texts.BTN_BOOK, Menu(to="book"))], menu_row())))
        return
    await show_booked(message, appointment, booking_api)


async def _ask_again(message: Message, bot: Bot, hold: str, why: str) -> None:
    assert message.from_user is not None
    await bot.send_message(message.from_user.id, f"{why}\n\n{prompt(hold)}",
                           reply_markup=ForceReply(input_field_placeholder=texts.FOR_PLACEHOLDER))


def for_someone_router() -> Router:
    """Before the start router: a contact that replies to a person prompt is the visit's person."""
    router = Router(name="for_someone")
    router.callback_query.register(on_ask_person, AddPerson.filter())
    router.message.register(on_person, is_person_reply)
    return router


def booked_for(appointment: dict[str, Any], booked_text: str) -> str:
    """The confirmation of a visit booked for someone else: «✅ Вы записали: Мама (+7 …)»."""
    client = appointment.get("client") or {}
    head = texts.booked_for_head(client.get("name") or "", client.get("phone") or "",
                                 client.get("telegram_id") is not None)
    return head + "\n" + booked_text.split("\n", 1)[1]
