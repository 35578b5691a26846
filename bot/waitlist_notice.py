"""The message a waitlisted client gets when freed time is held for them (SPEC §9.3). Pure.

``waitlist.offered`` is journaled by the branch in the turn that freed the
time; the leader's notifier (``bot/notifier.py``, one sender among
processes) turns it into «Освободилось время …» with «Записаться» and «Не
подходит» (``Notice.keyboard == "offer"``, drawn by ``bot/visit_keys.py``).
An offer already over when the notifier reads it (booked, declined, run out,
passed on) is not announced: its buttons could only say it is gone.
"""

from __future__ import annotations

from datetime import datetime

from actors.core.schedule import zone
from actors.streams import branch_id_of
from bot import texts
from bot.notices import Notice, chat_of
from bot.state_view import StateView
from storage.journal import Recorded

OFFERED = "waitlist.offered"


def offer_notice(rec: Recorded, view: StateView) -> Notice | None:
    branch_id = branch_id_of(rec.stream)
    state = view.branch(branch_id) if branch_id else None
    if state is None or state.branch is None:
        return None
    d = rec.data
    entry = state.waitlist.get(str(d["entry_id"]))
    if entry is None:
        return None
    # The view may be a moment behind the record (read from the journal before the commit
    # listener applied it): only a view that has it can tell the offer is over already.
    if state.version >= rec.version and (entry.offer is None or entry.offer.hold_id != d["hold_id"]):
        return None
    chat = chat_of(view, str(d["client_id"]))
    if not chat:
        return None
    tz = zone(state.branch.timezone)
    staff = state.staff.get(str(d["staff_id"]))
    place = ", ".join(texts.esc(p) for p in (state.branch.name, state.branch.address) if p)
    text = texts.offer(" + ".join(s.name for s in entry.services), datetime.fromtimestamp(d["start"], tz),
                       staff.name if staff else "—", place, datetime.fromtimestamp(d["expires_at"], tz))
    return Notice(chat, text, "waitlist.offered", keyboard="offer", hold_id=str(d["hold_id"]))
