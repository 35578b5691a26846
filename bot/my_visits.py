"""«Мои записи»: upcoming visits soonest first, past ones newest first, and only the buttons the rules allow.

A visit inside its branch's cancel notice (``cancel_notice_min``) gets no «Отменить», inside the
reschedule notice (``reschedule_notice_min``, None: the cancel notice) no «Перенести»: the API would
refuse them. The list says what is still possible and «Позвоните в салон: +7 …» with the branch's
phone (SPEC §9.6).
"""

from __future__ import annotations

from typing import Any

from actors.core.clock import Clock
from bot import texts
from bot.booking_api import BookingApi, BranchCard, UserApi
from bot.callbacks import AskCancel, Menu, Move
from bot.repeat import repeat_rows
from bot.screens import ACTIVE, CANCELLABLE, local
from bot.ui import Screen, button, inline, menu_row

PAST_SHOWN = 5


def start_of(a: dict[str, Any]) -> float:
    return local(a["start"]).timestamp()


def notices(card: BranchCard) -> tuple[int, int]:
    """The branch's cancel and reschedule notices, minutes."""
    cancel = int(card.data.get("cancel_notice_min") or 0)
    move = card.data.get("reschedule_notice_min")
    return cancel, cancel if move is None else int(move)


def can_cancel(a: dict[str, Any], card: BranchCard, now: float) -> bool:
    return a["status"] in CANCELLABLE and start_of(a) - now >= notices(card)[0] * 60


def can_move(a: dict[str, Any], card: BranchCard, now: float) -> bool:
    return a["status"] in CANCELLABLE and start_of(a) - now >= notices(card)[1] * 60


def visit_names(a: dict[str, Any]) -> str:
    return " + ".join(s["name"] for s in a.get("services") or [a["service"]])


async def my_screen(api: UserApi, booking_api: BookingApi, clock: Clock) -> Screen:
    items = await api.mine(limit=50)
    now = clock.now()
    upcoming = sorted((a for a in items if a["status"] in ACTIVE and start_of(a) > now), key=start_of)
    past = sorted((a for a in items if a not in upcoming), key=start_of, reverse=True)[:PAST_SHOWN]
    if not upcoming and not past:
        return Screen(texts.MY_EMPTY, inline([button(texts.BTN_BOOK, Menu(to="book"))], menu_row()))
    cards = {b: await booking_api.branch(b) for b in sorted({a["branch_id"] for a in upcoming})}

    def line(a: dict[str, Any], rule: str = "") -> str:
        text = texts.appointment_line(local(a["start"]), visit_names(a), a["staff"]["name"], a["status"],
                                      texts.price(a["total_price"], a["service"]["currency"]))  # SPEC §9.6
        if a.get("booked_by"):  # booked for someone else: whose visit it is
            text += "\n" + texts.for_whom(a["client"]["name"])
        return f"{text}\n{rule}" if rule else text

    lines, changes = [], []
    for a in upcoming:
        card, start = cards[a["branch_id"]], local(a["start"])
        cancel, move = can_cancel(a, card, now), can_move(a, card, now)
        rule = texts.change_rule_now(cancel, move, card.data.get("phone")) if a["status"] in CANCELLABLE else ""
        lines.append(line(a, rule))
        row = ([button(texts.move_button(start), Move(appointment=a["id"], first=""))] if move else []) + \
              ([button(texts.cancel_button(start), AskCancel(appointment=a["id"]))] if cancel else [])
        changes.append(row)
    return Screen(texts.my_list(lines, [line(a) for a in past]),
                  inline(*changes, *repeat_rows(past), [button(texts.BTN_BOOK, Menu(to="book"))], menu_row()))
