"""The master step of the booking flow (SPEC §9.6): «Любой мастер» first, then each master.

Shown after the service(s) when more than one master of the branch does the
whole visit; the choice then travels in the buttons (``Days.staff``,
``Times.staff``, ``Slot.staff``), so days and times are those of that master.
A master's button shows their own price of the visit when it differs from the
catalogue's (``Staff.service_overrides``, SPEC §9.2).

``Confirm`` and ``Release`` already carry a hold, the branch, the visit and a
day; a full master id would push them past Telegram's 64 bytes, so they carry
the first ``SHORT`` characters, read back against the branch's masters.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bot import texts, visit_services
from bot.booking_api import BookingApi, BranchCard
from bot.callbacks import Days, PickBranch
from bot.screens import the_visit
from bot.ui import Screen, button, inline, menu_row, rows

SHORT = 4


def masters_of(card: BranchCard, visit: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The branch's masters who do every service of the visit, by name (the card's order)."""
    wanted = {s["id"] for s in visit}
    return [m for m in card.data["staff"] if wanted <= set(m["service_ids"])]


def own_price(master: dict[str, Any], visit: list[dict[str, Any]]) -> Decimal:
    """The master's price of the visit: their own price of a service where they have one."""
    own = {o["service_id"]: o for o in master.get("service_overrides", [])}
    total = Decimal(0)
    for s in visit:
        o = own.get(s["id"])
        total += Decimal(o["price"]) if o and o.get("price") is not None else Decimal(s["price"])
    return total


def price_of(card: BranchCard, staff_id: str, visit: list[dict[str, Any]]) -> str:
    """What the visit costs with this master (the catalogue's price if the master is not on the card)."""
    found = [m for m in card.data["staff"] if m["id"] == staff_id]
    return str(own_price(found[0], visit) if found else catalogue_price(visit))


def catalogue_price(visit: list[dict[str, Any]]) -> Decimal:
    return sum((Decimal(s["price"]) for s in visit), Decimal(0))


def short(staff_id: str) -> str:
    return staff_id[:SHORT]


def unshort(card: BranchCard, value: str) -> str:
    """The master id a short id names, or ``""`` (any master) if none or several match."""
    found = [sid for sid in card.staff_names if value and sid.startswith(value)]
    return found[0] if len(found) == 1 else ""


async def masters_screen(booking_api: BookingApi, branch_id: str, packed: str,
                         card: BranchCard | None = None) -> Screen:
    card = card or await booking_api.branch(branch_id)
    visit = the_visit(card, packed)
    base = catalogue_price(visit)
    currency = visit[0]["currency"]

    def label(m: dict[str, Any]) -> str:
        own = own_price(m, visit)
        return texts.master_button(m["name"], str(own) if own != base else "", currency)

    buttons = [button(texts.BTN_ANY_MASTER, Days(branch=branch_id, service=packed, first="", staff=""))]
    buttons += [button(label(m), Days(branch=branch_id, service=packed, first="", staff=m["id"]))
                for m in masters_of(card, visit)]
    back = [button(texts.BTN_BACK, PickBranch(branch=branch_id))]
    return Screen(texts.choose_master(visit_services.title(visit)), inline(*rows(buttons, 1), back, menu_row()))

