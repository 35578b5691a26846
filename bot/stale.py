"""Answers to buttons that no longer apply (SPEC §9.6): «Эта кнопка уже не действует» and what is true now.

Always a new message: the button may sit on a message that states a fact (an old «✖ Отмена» under
a hold that became «Вы записаны!»), and a fact is never overwritten.
"""

from __future__ import annotations

from typing import Any

from aiogram.types import CallbackQuery, InlineKeyboardButton

from bot import texts
from bot.booking_api import UserApi
from bot.callbacks import Menu, unpack_day
from bot.my_visits import ACTIVE, local, visit_names
from bot.ui import Screen, button, inline, show


def _keys() -> list[InlineKeyboardButton]:
    return [button(texts.BTN_MY, Menu(to="my")), button(texts.BTN_MENU, Menu(to="menu"))]


def _line(a: dict[str, Any]) -> str:
    return texts.appointment_line(local(a["start"]), visit_names(a), a["staff"]["name"], a["status"])


async def stale_slot(query: CallbackQuery, api: UserApi, branch_id: str, at: int) -> bool:
    """An old time button for a start the client has booked since: said so (not «только что заняли»)."""
    own = [a for a in await api.mine(limit=50) if a["branch_id"] == branch_id and a["status"] in ACTIVE
           and int(local(a["start"]).timestamp()) == at]
    if not own:
        return False
    text = f"{texts.button_gone(texts.SLOT_IS_YOURS)}\n{_line(own[0])}"
    await show(query, Screen(text, inline(_keys())), new=True)
    return True


async def stale_hold(query: CallbackQuery, api: UserApi, branch_id: str, day_raw: str) -> None:
    """A hold's button after the hold is gone: booked (the visit stays, and is named) or expired."""
    day = unpack_day(day_raw)
    booked = [a for a in await api.mine(limit=50)
              if a["branch_id"] == branch_id and a["status"] in ACTIVE and local(a["start"]).date() == day]
    keys = _keys()
    if booked:
        lines = [_line(a) for a in sorted(booked, key=lambda a: local(a["start"]))]
        text = texts.button_gone(texts.HOLD_USED) + "\n" + "\n".join(lines)
    else:
        text = texts.button_gone(texts.HOLD_GONE)
        keys.insert(0, button(texts.BTN_BOOK, Menu(to="book")))
    await show(query, Screen(text, inline(keys)), new=True)
