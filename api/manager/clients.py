"""The business's client base for managers (SPEC §3): search and a client's card.

``GET /clients`` lists every client (managers book any client by phone),
filtered by SPEC's search rule (``actors/core/clients.py: client_matcher``).
Pages are ordered by name (case folded), then id; the cursor is the last
(name, id) of a page, so a page never repeats or skips a client that
existed when the listing began.
"""

from __future__ import annotations

from typing import Any

from quart import Blueprint, g
from quart_schema import document_response, security_scheme_blueprint

from actors.core.model import Client
from api.auth import Principal
from api.validated import validate_query
from api.context import app_context
from api.manager.schemas import ClientDetail, ClientPage, ClientsQuery
from api.guards import current_user
from api.params import keyset_page
from api.shapes import appointment_json, client_json

bp = Blueprint("clients", __name__, url_prefix="/api/v1")
security_scheme_blueprint(bp, [{"bearer": []}])


@bp.before_request
async def _managers_only() -> None:
    g.user = current_user()


def _key(c: Client) -> tuple[str, str]:
    return (c.name.casefold(), c.id)


@bp.get("/clients")
@validate_query(ClientsQuery)
@document_response(ClientPage)
async def list_clients(query_args: ClientsQuery) -> dict[str, Any]:
    ctx = app_context()
    found = ctx.scheduler.search_clients(query_args.q or "", ctx.settings.default_region)
    items, next_cursor = keyset_page(found, _key, (str, str),
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
