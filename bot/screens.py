"""The booking flow's screens, built from the API's current answers.

Each function takes what a button carries and returns the text and the
buttons of the next step; nothing is remembered between steps. A step costs
at most two API calls: the branch's card (``GET /branches/{id}``: settings,
services, masters) and the step's own question (free slots, a hold, a
booking). A screen that follows a refusal or a release shows the day's
times again, a third call. ``Stale`` is
raised when a button names something that no longer makes sense (a day that is
not a date, a branch that was closed): the errors router answers it with the
menu.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from actors.core.clock import Clock
from bot import texts
from bot.booking_api import BookingApi, BranchCard, UserApi
from bot.callbacks import (
    Days,
    Masters,
    Menu,
    MoreServices,
    PickBranch,
    PickService,
    Slot,
    Times,
    WaitFor,
    pack_day,
    unpack_day,
)
from bot import visit_services
from bot.ui import Screen, back_to_menu, button, inline, menu_row, rows

PAGE_DAYS = 14
ACTIVE = ("new", "confirmed", "in_progress")
CANCELLABLE = ("new", "confirmed")


class Stale(Exception):
    """A button refers to data that is gone or malformed."""


def local(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


async def branches_screen(booking_api: BookingApi) -> Screen:
    branches = await booking_api.branches()
    if not branches:
        return back_to_menu(texts.NO_BRANCHES)
    if len(branches) == 1:
        return await services_screen(booking_api, branches[0]["id"], many=False)
    buttons = [button(texts.branch_button(b["name"], b.get("address", "")), PickBranch(branch=b["id"]))
               for b in branches]
    return Screen(texts.CHOOSE_BRANCH, inline(*rows(buttons, 1), menu_row()))


async def services_screen(booking_api: BookingApi, branch_id: str, *, many: bool | None = None) -> Screen:
    """The branch's services; ``many``: whether there are other branches to go back to (asked if None)."""
    card = await booking_api.branch(branch_id)
    if not card.services:
        return back_to_menu(texts.NO_SERVICES)
    buttons = [button(service_label(card, s), PickService(branch=branch_id, service=s["id"])) for s in card.services]
    if many is None:
        many = len(await booking_api.branches()) > 1
    back = [button(texts.BTN_BACK, Menu(to="book"))] if many else []
    return Screen(texts.CHOOSE_SERVICE, inline(*rows(buttons, 1), back, menu_row()))


def service_label(card: BranchCard, s: dict[str, Any]) -> str:
    """«Стрижка · 1 500 ₽ · 1 ч», or «от 1 500 ₽» when the masters' own prices differ."""
    lowest, differ = visit_services.price_range(card, s)
    return texts.service_button(s["name"], lowest, s["currency"], s["duration_min"], from_=differ)


def the_visit(card: BranchCard, packed: str) -> list[dict[str, Any]]:
    """The services a button's ``service`` names (``bot/visit_services.py``); Stale if gone."""
    services = visit_services.unpack(card, packed)
    if services is None:
        raise Stale(f"not a visit of this branch: {packed!r}")
    return services


async def more_services_screen(booking_api: BookingApi, branch_id: str, packed: str) -> Screen:
    """«Добавить ещё услугу»: the services a master does together with the ones chosen."""
    card = await booking_api.branch(branch_id)
    visit = the_visit(card, packed)
    ids = [s["id"] for s in visit]
    buttons = [button(service_label(card, s), PickService(branch=branch_id, service=visit_services.pack([*ids, s["id"]])))
               for s in visit_services.can_add(card, visit)]
    back = [button(texts.BTN_BACK, PickService(branch=branch_id, service=packed))]
    return Screen(texts.add_service(visit_services.title(visit)), inline(*rows(buttons, 1), back, menu_row()))


def _several_masters(card: BranchCard, visit: list[dict[str, Any]]) -> bool:
    wanted = {s["id"] for s in visit}
    return sum(1 for m in card.data["staff"] if wanted <= set(m["service_ids"])) > 1


def today_in(branch: BranchCard, clock: Clock) -> date:
    return datetime.fromtimestamp(clock.now(), ZoneInfo(branch.timezone)).date()


async def days_screen(api: UserApi, booking_api: BookingApi, clock: Clock, branch_id: str, service_id: str,
                      first_raw: str = "", staff_id: str = "") -> Screen:
    """Days of a two-week page that have at least one free start (of ``staff_id``, or any master)."""
    branch = await booking_api.branch(branch_id)
    visit = the_visit(branch, service_id)
    if staff_id not in branch.staff_names:
        staff_id = ""  # a master who left: any master
    today = today_in(branch, clock)
    horizon_end = today + timedelta(days=max(0, branch.horizon_days))
    first = max(unpack_day(first_raw) or today, today)
    if first > horizon_end:
        first = today
    last = min(first + timedelta(days=PAGE_DAYS - 1), horizon_end)
    answer = await api.slots(branch_id, visit_services.ids(visit), first, last, staff_id or None)
    free = [date.fromisoformat(d["date"]) for d in answer["days"] if d["free"] > 0]
    days = [button(texts.day_label(d, today), Times(branch=branch_id, service=service_id, day=pack_day(d), staff=staff_id))
            for d in free]
    paging = []
    if first > today:
        back = max(today, first - timedelta(days=PAGE_DAYS))
        paging.append(button(texts.BTN_EARLIER, Days(branch=branch_id, service=service_id, first=pack_day(back),
                                                     staff=staff_id)))
    if last < horizon_end:
        paging.append(button(texts.BTN_LATER, Days(branch=branch_id, service=service_id,
                                                   first=pack_day(last + timedelta(days=1)), staff=staff_id)))
    back_row = [button(texts.BTN_BACK, PickBranch(branch=branch_id))]
    if _several_masters(branch, visit):  # back to the master step (bot/masters.py)
        back_row.insert(0, button(texts.BTN_OTHER_MASTER, Masters(branch=branch_id, service=service_id)))
    wait = [] if free else [button(texts.BTN_WAITLIST, WaitFor(branch=branch_id, service=service_id,
                                                                day=pack_day(first)))]  # nothing free: SPEC §9.3
    more = ([button(texts.BTN_MORE_SERVICES, MoreServices(branch=branch_id, service=service_id))]
            if visit_services.can_add(branch, visit) else [])
    return Screen(texts.choose_day(visit_services.title(visit), bool(free), branch.staff_names.get(staff_id)),
                  inline(*rows(days, 4), paging, wait, more, back_row, menu_row()))


async def times_screen(api: UserApi, booking_api: BookingApi, branch_id: str, service_id: str, day_raw: str,
                       staff_id: str = "", *, card: BranchCard | None = None) -> Screen:
    """Free start times of one day, for any master or one; buttons to switch masters."""
    day = unpack_day(day_raw)
    if day is None:
        raise Stale(f"not a day: {day_raw!r}")
    card = card or await booking_api.branch(branch_id)
    visit = the_visit(card, service_id)
    names = card.staff_names
    answer = await api.slots(branch_id, visit_services.ids(visit), day, day, staff_id or None)
    tz = ZoneInfo(answer["timezone"])
    starts: dict[int, set[str]] = {}
    for slot in answer["slots"]:
        starts.setdefault(int(local(slot["start"]).timestamp()), set()).add(slot["staff_id"])
    times = [button(texts.hhmm(datetime.fromtimestamp(at, tz)),
                    Slot(branch=branch_id, service=service_id, at=at, staff=staff_id))
             for at in sorted(starts)]
    # the master is chosen before the days (bot/masters.py): no master buttons under the times
    nav = [button(texts.BTN_OTHER_DAY, Days(branch=branch_id, service=service_id, first="", staff=staff_id))]
    if _several_masters(card, visit):
        nav.append(button(texts.BTN_OTHER_MASTER, Masters(branch=branch_id, service=service_id)))
    wait = [button(texts.BTN_WAITLIST, WaitFor(branch=branch_id, service=service_id, day=day_raw))]  # SPEC §9.3
    text = texts.choose_time(visit_services.title(visit), day, names.get(staff_id) if staff_id else None, bool(times))
    return Screen(text, inline(*rows(times, 5), wait, nav, menu_row()))
