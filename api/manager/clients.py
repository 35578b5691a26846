"""The business's client base for managers (SPEC §3, §9.1): search, a client's card, edit, merge.

``GET /clients`` lists every client (managers book any client by phone),
filtered by SPEC's search rule (``actors/core/clients.py: client_matcher``).
Pages are ordered by name (case folded), then id; the cursor is the last
(name, id) of a page, so a page never repeats or skips a client that
existed when the listing began. ``GET /clients/{id}`` adds ``stats`` (visits
done, no-shows, cancellations, money spent on done visits at the prices
fixed at booking, the last and the next visit); ``PATCH`` edits the card;
``POST /clients/{id}/merge`` folds a duplicate into it (its visits count as
this client's from then on; the duplicate's id answers 404). ``GET
/clients/export?format=xlsx|csv`` is the same list as a file (``client_export.py``).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from quart import Blueprint, Response, g
from quart_schema import document_response, security_scheme_blueprint

from actors.core.model import Appointment, Client
from actors.core.phones import normalize_phone
from actors.scheduler import ClientStats
from api.auth import Principal
from api.validated import validate_body, validate_query
from api.context import app_context
from api.exports import MIME, attachment, render
from api.manager.client_export import ExportQuery, client_rows
from api.manager.schemas import ClientDetail, ClientPage, ClientPatch, ClientsQuery, MergeIn
from api.guards import current_user, who
from api.params import keyset_page, parse_local_date
from api.schemas import ClientOut
from api.shapes import appointment_json, card_json, client_json

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


@bp.get("/clients/export")
@validate_query(ExportQuery)
async def export_clients(query_args: ExportQuery) -> Response:
    """The client base as a ``.csv`` or ``.xlsx`` file (``api/manager/client_export.py``)."""
    ctx = app_context()
    found = ctx.scheduler.search_clients(query_args.q or "", ctx.settings.default_region)
    table = client_rows(found, ctx.scheduler, g.user.sees)
    body = await asyncio.to_thread(render, [table], query_args.format, titles=False)
    today = datetime.fromtimestamp(ctx.clock.now(), UTC).date()
    name = f"clients-{today.isoformat()}.{query_args.format}"
    return Response(body, content_type=MIME[query_args.format], headers=attachment(name))


@bp.get("/clients/<client_id>")
@document_response(ClientDetail)
async def get_client(client_id: str) -> dict[str, Any]:
    """The client, their stats and appointments in the caller's branches, newest start first."""
    scheduler = app_context().scheduler
    user: Principal = g.user
    client = scheduler.client(client_id)
    appts = scheduler.appointments_of(client_id, user.sees)
    return {"client": client_json(client), "stats": stats_json(scheduler.client_stats(client_id, user.sees)),
            "appointments": [appointment_json(a, scheduler) for a in appts]}


@bp.patch("/clients/<client_id>")
@validate_body(ClientPatch)
@document_response(ClientOut)
async def patch_client(client_id: str, data: ClientPatch) -> dict[str, Any]:
    """Edit the card: name, phone (any format; 409 ``client_conflict`` if another client has it),
    email, birthday (YYYY-MM-DD, or "" to clear), notes."""
    ctx = app_context()
    changes: dict[str, Any] = data.model_dump(exclude_none=True)
    if "phone" in changes:
        changes["phone"] = normalize_phone(changes["phone"], ctx.settings.default_region)
    if changes.get("birthday"):
        changes["birthday"] = parse_local_date(changes["birthday"], "birthday").isoformat()
    if "name" in changes:
        changes["name"] = changes["name"].strip() or ctx.scheduler.client(client_id).name
    return client_json(await ctx.scheduler.update_client(client_id, changes, who()))


@bp.post("/clients/<client_id>/merge")
@validate_body(MergeIn)
@document_response(ClientOut)
async def merge_client(client_id: str, data: MergeIn) -> dict[str, Any]:
    """Fold the duplicate ``from_id`` into this client: its appointments, Telegram link and notes;
    ``from_id`` answers 404 afterwards."""
    return client_json(await app_context().scheduler.merge_clients(client_id, data.from_id, who()))


def stats_json(stats: ClientStats) -> dict[str, Any]:
    scheduler = app_context().scheduler

    def start(a: Appointment | None) -> str | None:
        return card_json(scheduler.card(a))["start"] if a is not None else None

    return {"visits_done": stats.visits_done, "no_shows": stats.no_shows, "cancelled": stats.cancelled,
            "spent": str(stats.spent), "last_visit": start(stats.last_visit), "next_visit": start(stats.next_visit)}
