"""A client's appointments per branch: built on first use, then kept current by ``evolve``."""

from __future__ import annotations

from actors.core.branch_state import client_appointment_ids
from actors.core.messages import BookSlot
from tests.core.builders import at, branch_state, run, service

TZ = "Europe/Moscow"
CUT = service()


def test_the_index_is_built_on_first_use_and_kept_by_evolve() -> None:
    state = branch_state(TZ, services=(CUT,))
    now = at("2026-03-02T08:00", TZ)
    run(state, BookSlot("a1", "c1", service=CUT, start=at("2026-03-02T10:00", TZ)), now)
    assert state.of_client is None  # loading and replay never build it
    assert client_appointment_ids(state, "c1") == ("a1",)
    run(state, BookSlot("a2", "c1", service=CUT, start=at("2026-03-02T12:00", TZ)), now)
    run(state, BookSlot("a3", "c2", service=CUT, start=at("2026-03-02T14:00", TZ)), now)
    assert client_appointment_ids(state, "c1") == ("a1", "a2")
    assert client_appointment_ids(state, "c2") == ("a3",)
    assert client_appointment_ids(state, "nobody") == ()
    copy = state.copy()
    run(copy, BookSlot("a4", "c1", service=CUT, start=at("2026-03-02T16:00", TZ)), now)
    assert client_appointment_ids(copy, "c1") == ("a1", "a2", "a4")
    assert client_appointment_ids(state, "c1") == ("a1", "a2")  # the copies do not share changes
