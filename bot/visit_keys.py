"""The buttons under a notice about one visit (SPEC §9.3), drawn when it is sent.

``Notice.keyboard`` names them in plain data (``bot/notices.py`` stays free
of aiogram): ``"visit"`` under the first reminder — «Приду», «Перенести»,
«Отменить»; ``"rate"`` under «Как прошёл визит?» — one to five stars.
"""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup

from bot import texts
from bot.callbacks import AskCancel, Come, Menu, Move, Rate, WaitBook, WaitDecline
from bot.notices import Notice
from bot.ui import button, inline


def visit_keyboard(appointment_id: str) -> InlineKeyboardMarkup:
    return inline([button(texts.BTN_COME, Come(appointment=appointment_id))],
                  [button(texts.BTN_MOVE, Move(appointment=appointment_id, first="")),
                   button(texts.BTN_CANCEL_VISIT, AskCancel(appointment=appointment_id))],
                  [button(texts.BTN_MY, Menu(to="my")), button(texts.BTN_MENU, Menu(to="menu"))])


def rating_keyboard(appointment_id: str) -> InlineKeyboardMarkup:
    return inline([button(f"{n} ⭐", Rate(appointment=appointment_id, stars=n))
                   for n in range(1, 6)])


def notice_markup(notice: Notice) -> InlineKeyboardMarkup | None:
    """The notice's own buttons, or None for the usual «Мои записи» / «Меню»."""
    if notice.keyboard == "offer" and notice.hold_id:  # a waitlist offer (bot/routers/waitlist.py)
        return inline([button(texts.BTN_WAIT_BOOK, WaitBook(hold=notice.hold_id)),
                       button(texts.BTN_WAIT_DECLINE, WaitDecline(hold=notice.hold_id))],
                      [button(texts.BTN_MY, Menu(to="my")), button(texts.BTN_MENU, Menu(to="menu"))])
    if not notice.appointment_id:
        return None
    if notice.keyboard == "visit":
        return visit_keyboard(notice.appointment_id)
    if notice.keyboard == "come":  # inside the notice window: no «Перенести»/«Отменить» (SPEC §9.6)
        return inline([button(texts.BTN_COME, Come(appointment=notice.appointment_id))],
                      [button(texts.BTN_MY, Menu(to="my")), button(texts.BTN_MENU, Menu(to="menu"))])
    if notice.keyboard == "rate":
        return rating_keyboard(notice.appointment_id)
    return None
