"""The business's client base for managers (SPEC §3): search and a client's card.

``GET /clients`` lists every client (managers book any client by phone);
``q`` that parses as a phone matches that E.164 number exactly, other ``q``
with 4+ digits matches phones containing those digits, anything else is a
case-insensitive substring of the name. Pages are ordered by name (case
folded), then id; the cursor is the last (name, id) of a page, so a page
never repeats or skips a client that existed when the listing began.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from quart import Blueprint, g
from quart_schema import document_response, security_scheme_blueprint

from actors.core.errors import InvalidInput
from actors.core.model import Client
from actors.core.phones import normalize_phone
from api.auth import Principal
from api.validated import validate_query
from api.context import app_context
from api.manager.schemas import ClientDetail, ClientPage, ClientsQuery
from api.guards import current_user
from api.params import keyset_page
from api.shapes import appointment_json, client_json

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


@bp.get("/clients")
@validate_query(ClientsQuery)
@document_response(ClientPage)
async def list_clients(query_args: ClientsQuery) -> dict[str, Any]:
    ctx = app_context()
    keep = matcher(query_args.q, ctx.settings.default_region)
    items, next_cursor = keyset_page((c for c in ctx.scheduler.clients() if keep(c)), _key, (str, str),
                                     query_args.limit, query_args.cursor)
    return {"items": [client_json(c) for c in items], "next_cursor": next_cursor}


@bp.get("/clients/<client_id>")
@document_response(ClientDetail)
async def get_client(client_id: str) -> dict[str, Any]:
    """The client and their appointments in the caller's branches, newest start first."""
    scheduler = app_context().scheduler
    user: Principal = g.user
    client = scheduler.client(client_id)
    appts = scheduler.appointments_of(client_id, user.sees)
    return {"client": client_json(client), "appointments": [appointment_json(a, scheduler) for a in appts]}
