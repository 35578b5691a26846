"""Free text that names a time («завтра вечером», «в субботу в 11») → the matching free times.

The wish (``bot/phrases.py``) is read in the zone of the salon's first branch
(one zone for a salon is the rule; a chain across zones reads «сегодня» of its
first branch) and travels in the buttons — ``WishBranch`` and ``WishService``
carry it packed (``phrases.pack``) while the client picks the branch and the
service, so nothing is remembered between messages. The last screen lists
the free starts inside the wish as the booking flow's own ``Slot`` buttons,
so holding and confirming are exactly the usual steps; «Другой день» opens the
usual day picker from the wished day.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from aiogram.filters.callback_data import CallbackData

from actors.core.clock import Clock
from bot import phrases, texts, visit_services
from bot.booking_api import BookingApi, UserApi
from bot.callbacks import Days, Slot, pack_day
from bot.phrases import Wish
from bot.screens import Stale, local, service_label, the_visit, today_in
from bot.ui import Screen, back_to_menu, button, inline, menu_row, rows

MAX_TIMES = 20


class WishBranch(CallbackData, prefix="fb"):
    branch: str
    wish: str  # phrases.pack


class WishService(CallbackData, prefix="fs"):
    branch: str
    service: str
    wish: str


async def read(text: str, booking_api: BookingApi, clock: Clock) -> Wish | None:
    """The wish in ``text``, read in the first open branch's zone; None if no time is named or no branch."""
    branches = await booking_api.branches()
    if not branches:
        return None
    return phrases.parse(text, clock.now(), ZoneInfo(branches[0]["timezone"]))


def unpack(raw: str) -> Wish:
    wish = phrases.unpack(raw)
    if wish is None:
        raise Stale(f"not a wish: {raw!r}")
    return wish


async def first_screen(wish: Wish, api: UserApi, booking_api: BookingApi, clock: Clock) -> Screen:
    """The branch (if several), else the service (if several), else the times themselves."""
    branches = await booking_api.branches()
    if not branches:
        return back_to_menu(texts.NO_BRANCHES)
    if len(branches) > 1:
        packed = phrases.pack(wish)
        buttons = [button(texts.branch_button(b["name"], b.get("address", "")), WishBranch(branch=b["id"], wish=packed))
                   for b in branches]
        return Screen(texts.CHOOSE_BRANCH, inline(*rows(buttons, 1), menu_row()))
    return await services_screen(wish, branches[0]["id"], api, booking_api, clock)


async def services_screen(wish: Wish, branch_id: str, api: UserApi, booking_api: BookingApi,
                          clock: Clock) -> Screen:
    card = await booking_api.branch(branch_id)
    if not card.services:
        return back_to_menu(texts.NO_SERVICES)
    if len(card.services) == 1:
        return await times_screen(wish, branch_id, card.services[0]["id"], api, booking_api, clock)
    packed = phrases.pack(wish)
    buttons = [button(service_label(card, s), WishService(branch=branch_id, service=s["id"], wish=packed))
               for s in card.services]
    span = texts.wish_span(wish.first, wish.last, wish.start, wish.end)
    return Screen(f"{texts.WISH_SERVICE} ({span})", inline(*rows(buttons, 1), menu_row()))


async def times_screen(wish: Wish, branch_id: str, service: str, api: UserApi, booking_api: BookingApi,
                       clock: Clock) -> Screen:
    """The free starts inside the wish (at most ``MAX_TIMES``), as the booking flow's ``Slot`` buttons."""
    card = await booking_api.branch(branch_id)
    visit = the_visit(card, service)
    today = today_in(card, clock)
    first = max(wish.first, today)
    last = min(wish.last, today + timedelta(days=max(0, card.horizon_days)), first + timedelta(days=30))
    starts: list[int] = []
    tz = ZoneInfo(card.timezone)
    if first <= last:
        answer = await api.slots(branch_id, visit_services.ids(visit), first, last)
        tz = ZoneInfo(answer["timezone"])
        starts = sorted({int(local(s["start"]).timestamp()) for s in answer["slots"]
                         if wish.fits(local(s["start"]).astimezone(tz))})[:MAX_TIMES]
    several_days = wish.first != wish.last

    def label(at: int) -> str:
        moment = datetime.fromtimestamp(at, tz)
        return texts.short_when(moment) if several_days else texts.hhmm(moment)  # «сегодня 14:00», «чт 3.12 14:00»

    times = [button(label(at), Slot(branch=branch_id, service=service, at=at, staff="")) for at in starts]
    span = texts.wish_span(wish.first, wish.last, wish.start, wish.end)
    other = [button(texts.BTN_OTHER_DAY, Days(branch=branch_id, service=service,
                                              first=pack_day(max(first, today))))]
    return Screen(texts.wish_times(visit_services.title(visit), span, bool(times)),
                  inline(*rows(times, 3 if several_days else 5), other, menu_row()))
