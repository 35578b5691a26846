"""A visit of several services in the bot (SPEC §9.2): what a button carries and how it reads.

Telegram's callback data holds at most 64 bytes, so a button carries the visit
in its ``service`` field: the first service's id, then ``+`` and the first
four characters of each further service's id (``"kq3…Zt+Ab9x+Qr2m"``). The
longest button (``Slot``) stays at 61 bytes with three services, so the bot
offers up to three per visit (the API takes ten). A visit with one service is
packed as its id alone: single-service buttons are exactly what they were.
A short id is read against the branch's current services; one that matches
none or two is stale (the errors router shows the menu).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bot.booking_api import BranchCard

MAX_SERVICES = 3
SHORT = 4


def pack(ids: list[str]) -> str:
    return ids[0] + "".join(f"+{sid[:SHORT]}" for sid in ids[1:])


def unpack(card: BranchCard, packed: str) -> list[dict[str, Any]] | None:
    """The visit's services (the branch card's dicts) in order, or None if a part is unknown."""
    first, *shorts = packed.split("+")
    found = [s for s in card.services if s["id"] == first]
    if len(found) != 1 or len(shorts) >= MAX_SERVICES:
        return None
    for short in shorts:
        match = [s for s in card.services if s["id"][:SHORT] == short]
        if len(match) != 1 or match[0] in found:
            return None
        found.append(match[0])
    return found


def ids(services: list[dict[str, Any]]) -> str | list[str]:
    """What the API takes: one id, or the visit's ids in order."""
    return services[0]["id"] if len(services) == 1 else [s["id"] for s in services]


def title(services: list[dict[str, Any]]) -> str:
    """«Стрижка + укладка»."""
    return " + ".join(s["name"] for s in services)


def can_add(card: BranchCard, services: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Further services a master of the branch does together with the ones chosen."""
    if len(services) >= MAX_SERVICES:
        return []
    chosen = {s["id"] for s in services}
    masters = [set(m["service_ids"]) for m in card.data["staff"] if chosen <= set(m["service_ids"])]
    return [s for s in card.services if s["id"] not in chosen and any(s["id"] in m for m in masters)]


def price_range(card: BranchCard, service: dict[str, Any]) -> tuple[str, bool]:
    """The lowest price of ``service`` among the masters who do it, and whether theirs differ."""
    prices = set()
    for master in card.data["staff"]:
        if service["id"] not in master["service_ids"]:
            continue
        own = {o["service_id"]: o for o in master.get("service_overrides", [])}.get(service["id"])
        prices.add(Decimal(own["price"]) if own and own.get("price") is not None else Decimal(service["price"]))
    if not prices:
        return service["price"], False
    return str(min(prices)), len(prices) > 1
