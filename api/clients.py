"""The business's client base for managers (SPEC §3): search and a client's card.

``GET /clients`` lists every client (managers book any client by phone);
``q`` that parses as a phone matches that E.164 number exactly, other ``q``
with 4+ digits matches phones containing those digits, anything else is a
case-insensitive substring of the name. Pages are ordered by name (case
folded), then id; the cursor is the last (name, id) of a page, so a page
never repeats or skips a client that existed when the listing began.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from quart import Blueprint, g
from quart_schema import document_response, security_scheme_blueprint, validate_querystring

from actors.errors import InvalidInput, NotFound
from actors.model import Client
from actors.phones import normalize_phone
from api.auth import Principal
from api.context import zapis
from api.dashboard_schemas import ClientDetail, ClientPage, ClientsQuery
from api.guards import current_user
from api.params import decode_cursor, encode_cursor
from api.views import appointment_json, client_json

bp = Blueprint("clients", __name__, url_prefix="/api/v1")
security_scheme_blueprint(bp, [{"bearer": []}])

MIN_PHONE_DIGITS = 4


@bp.before_request
async def _managers_only() -> None:
    g.user = current_user()


def matcher(q: str | None, region: str) -> Callable[[Client], bool]:
    """SPEC's matching rule for ``q`` as a predicate over clients."""
    text = (q or "").strip()
    if not text:
        return lambda c: True
    try:
        phone = normalize_phone(text, region)
    except InvalidInput:
        phone = None
    if phone is not None:
        return lambda c: c.phone == phone
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) >= MIN_PHONE_DIGITS:
        return lambda c: c.phone is not None and digits in c.phone
    needle = text.casefold()
    return lambda c: needle in c.name.casefold()


def _key(c: Client) -> tuple[str, str]:
    return (c.name.casefold(), c.id)


def page(clients: Iterable[Client], keep: Callable[[Client], bool], limit: int,
         cursor: str | None) -> tuple[list[Client], str | None]:
    after: tuple[str, str] | None = None
    if cursor is not None:
        pos = decode_cursor(cursor)
        if len(pos) != 2 or not all(isinstance(p, str) for p in pos):
            raise InvalidInput("cursor is not valid; use next_cursor from the previous page")
        after = (str(pos[0]), str(pos[1]))
    chosen = sorted((c for c in clients if keep(c) and (after is None or _key(c) > after)), key=_key)
    items = chosen[:limit]
    more = len(chosen) > limit
    return items, encode_cursor(list(_key(items[-1]))) if more else None


@bp.get("/clients")
@validate_querystring(ClientsQuery)
@document_response(ClientPage)
async def list_clients(query_args: ClientsQuery) -> dict[str, Any]:
    z = zapis()
    keep = matcher(query_args.q, z.settings.default_region)
    items, next_cursor = page(z.runtime.clients.state.clients.values(), keep, query_args.limit,
                              query_args.cursor)
    return {"items": [client_json(c) for c in items], "next_cursor": next_cursor}


@bp.get("/clients/<client_id>")
@document_response(ClientDetail)
async def get_client(client_id: str) -> dict[str, Any]:
    """The client and their appointments in the caller's branches, newest start first."""
    z = zapis()
    user: Principal = g.user
    client = z.runtime.clients.state.clients.get(client_id)
    if client is None:
        raise NotFound("client not found")
    appts = [
        a for bid, actor in z.runtime.branches.items() if user.sees(bid)
        for a in actor.state.appointments.values() if a.client_id == client_id
    ]
    appts.sort(key=lambda a: (a.start, a.id), reverse=True)
    return {"client": client_json(client), "appointments": [appointment_json(a, z.runtime) for a in appts]}
