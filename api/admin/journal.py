"""The event journal for administrators: ``GET /system/journal`` (SPEC §3).

Events are returned as stored, in ``seq`` order. The ``users`` stream is
never exposed (its events carry password hashes): asking for it is 403,
and it is skipped in the unfiltered listing; so are side streams (the
bot's ``notifier`` marks), which are listed when asked for by name.
``next_after_seq`` is the position to continue from, or null when the page
reached the end of the journal as it is now (poll again later with the last
seq you saw).
"""

from __future__ import annotations

import contextlib
from typing import Any

from quart import Blueprint
from quart_schema import document_response, security_scheme_blueprint

from actors.streams import SIDE_STREAMS, USERS
from api.validated import validate_query
from api.context import app_context
from api.manager.schemas import JournalPage, JournalQuery
from api.guards import admin_user
from api.problems import ApiError
from api.shapes import utc_iso
from storage.journal import Recorded

bp = Blueprint("system_journal", __name__, url_prefix="/api/v1/system")
security_scheme_blueprint(bp, [{"bearer": []}])

HIDDEN_STREAMS = frozenset({USERS})
# Bookkeeping streams (the bot notifier's delivery marks): left out of the
# unfiltered listing, shown when asked for by name (``stream=notifier``).
QUIET_STREAMS = SIDE_STREAMS


@bp.before_request
async def _admins_only() -> None:
    """Authenticate before the query is validated: a stranger gets 401, not 400."""
    admin_user()


@bp.get("/journal")
@validate_query(JournalQuery)
@document_response(JournalPage)
async def journal(query_args: JournalQuery) -> dict[str, Any]:
    if query_args.stream in HIDDEN_STREAMS:
        raise ApiError(403, "forbidden", "this stream holds credentials and is not exposed")
    events: list[dict[str, Any]] = []
    last = query_args.after_seq
    more = False
    reader = app_context().journal.read_all(query_args.after_seq, stream=query_args.stream)
    async with contextlib.aclosing(reader):  # type: ignore[type-var]
        async for rec in reader:
            if len(events) >= query_args.limit:
                more = True
                break
            last = rec.seq
            if rec.stream in HIDDEN_STREAMS or (query_args.stream is None and rec.stream in QUIET_STREAMS):
                continue
            events.append(_event_json(rec))
    return {"events": events, "next_after_seq": last if more else None}


def _event_json(rec: Recorded) -> dict[str, Any]:
    return {"seq": rec.seq, "stream": rec.stream, "version": rec.version, "type": rec.type,
            "at": utc_iso(rec.at.timestamp()), "actor": rec.actor, "data": rec.data}
