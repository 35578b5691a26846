"""The live kanban board and calendar: ``GET /api/v1/dashboard/board`` (SPEC §3).

The board of the user's branches (or the chosen ones) for a window of local
dates, read from committed state only: a card whose append is still in
doubt is never on it, and a read never waits for a busy branch actor.
Admins may ask for ``as_of`` (the board rebuilt from the journal up to an
instant, with the same ``evolve``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from quart import Blueprint, g
from quart_schema import document_response, security_scheme_blueprint

from actors.core.board import BranchCut, Window
from actors.core.errors import InvalidInput
from actors.core.model import COLUMNS, Staff
from actors.core.schedule import days, format_hhmm, intervals_on
from actors.scheduler import Board
from api.auth import Principal
from api.validated import validate_query
from api.context import app_context
from api.guards import current_user
from api.manager.schemas import BoardOut, BoardQuery
from api.params import parse_local_date
from api.shapes import card_json, utc_iso

bp = Blueprint("board", __name__, url_prefix="/api/v1/dashboard")
security_scheme_blueprint(bp, [{"bearer": []}])


@bp.before_request
async def _managers_only() -> None:
    """Authenticate before the query is validated: a stranger gets 401, not 400."""
    g.user = current_user()


@bp.get("/board")
@validate_query(BoardQuery)
@document_response(BoardOut)
async def board(query_args: BoardQuery) -> dict[str, Any]:
    """The board of the user's branches (or the chosen ones) for a window of local dates."""
    user: Principal = g.user
    scheduler = app_context().scheduler
    date_from = parse_local_date(query_args.date_from, "date_from") if query_args.date_from else None
    date_to = parse_local_date(query_args.date_to, "date_to") if query_args.date_to else None
    wanted = list(dict.fromkeys(query_args.branch_id or []))
    for branch_id in wanted:
        user.check_branch(branch_id)
    if query_args.as_of is not None:
        user.require_admin()
        moment = _as_of(query_args.as_of)
        past = await scheduler.board_as_of(wanted, date_from, date_to, moment)
        return {"seq": past.seq, "as_of": utc_iso(moment.timestamp()), **render(past)}
    chosen = wanted or [b.id for b in scheduler.open_branches() if user.sees(b.id)]
    live = scheduler.board(chosen, date_from, date_to)
    return {"seq": live.seq, "as_of": None, **render(live)}


def _as_of(raw: str) -> datetime:
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise InvalidInput("datetime.no_such", field="as_of", raw=raw) from None
    if moment.tzinfo is None:
        raise InvalidInput("datetime.offset", field="as_of")
    return moment


def render(b: Board) -> dict[str, Any]:
    """``{"branches", "columns", "staff"}`` of the board (``seq`` is the caller's)."""
    cuts: Sequence[BranchCut] = b.cuts
    cards = sorted((a for c in cuts for a in c.cards), key=lambda a: (a.start, a.branch_id, a.id))
    columns = [
        {"status": status.value, "title": title,
         "cards": [card_json(b.cards(a)) for a in cards if a.status is status]}
        for status, title in COLUMNS
    ]
    staff = [
        _staff_json(s, c.window)
        for c in cuts for s in sorted(c.staff, key=lambda s: (s.name, s.id))
    ]
    branches = [
        {"id": c.branch.id, "name": c.branch.name, "timezone": c.branch.timezone,
         "date_from": c.window.first.isoformat(), "date_to": c.window.last.isoformat()}
        for c in cuts
    ]
    return {"branches": branches, "columns": columns, "staff": staff}


def _staff_json(s: Staff, win: Window) -> dict[str, Any]:
    """A calendar row: the staff member's local working hours on each date of the window."""
    hours = [
        {"date": day.isoformat(),
         "intervals": [[format_hhmm(a), format_hhmm(b)] for a, b in intervals_on(s, day)]}
        for day in days(win.first, win.last)
    ]
    return {"id": s.id, "branch_id": s.branch_id, "name": s.name, "service_ids": list(s.service_ids),
            "active": s.active, "hours": hours}
