"""The client's journey on the pure core (SPEC §9.3): reschedule, «Приду», feedback; replay."""

from __future__ import annotations

import pytest

from actors.core.branch_state import BranchState, evolve
from actors.core.errors import FeedbackExists, InvalidInput, InvalidTransition, NotFound, SlotUnavailable, TooLate
from actors.core.messages import (
    BookSlot,
    ChangeStatus,
    ConfirmVisit,
    Event,
    FeedbackLeft,
    HoldSlot,
    LeaveFeedback,
    RescheduleAsClient,
    Rescheduled,
    UpdateStaff,
    VisitConfirmed,
    event_data,
    event_from,
)
from actors.core.model import Status
from actors.snapshot import pack, unpack
from tests.core.builders import BRANCH, at, branch_state, run, service

MSK = "Europe/Moscow"
NOW = at("2026-03-01T12:00", MSK)
TEN = at("2026-03-03T10:00", MSK)
ELEVEN = at("2026-03-03T11:00", MSK)
CUT = service()


def booked(**branch: object) -> tuple[BranchState, list[Event]]:
    state = branch_state(services=(CUT,), staff=2, **branch)
    log = run(state, BookSlot("a1", "c1", service=CUT, start=TEN, staff_id="s1"), NOW)
    return state, log


def test_reschedule_moves_the_visit_back_to_new_in_one_event() -> None:
    state, _ = booked()
    run(state, ChangeStatus("a1", Status.CONFIRMED), NOW)
    run(state, ConfirmVisit("a1", "c1"), NOW)
    events = run(state, RescheduleAsClient("a1", "c1", ELEVEN), NOW + 60)
    assert events == [Rescheduled("a1", "s1", ELEVEN, ELEVEN + 3600, ELEVEN + 3600, NOW + 60, by="client")]
    appt = state.appointments["a1"]
    assert (appt.start, appt.status, appt.client_confirmed_at) == (ELEVEN, Status.NEW, None)
    assert state.busy["s1"] == [(ELEVEN, ELEVEN + 3600, "a1")]  # the old time is free, the new one taken


def test_reschedule_may_overlap_its_own_old_time_and_change_master() -> None:
    state, _ = booked()
    half = TEN + 30 * 60
    run(state, RescheduleAsClient("a1", "c1", half), NOW)
    assert state.appointments["a1"].start == half
    run(state, RescheduleAsClient("a1", "c1", half, staff_id="s2"), NOW)
    assert state.appointments["a1"].staff_id == "s2"
    assert "s1" not in state.busy


def test_reschedule_refused_inside_the_notice_before_the_old_start() -> None:
    state, _ = booked(cancel_notice_min=120)
    with pytest.raises(TooLate):
        run(state, RescheduleAsClient("a1", "c1", ELEVEN), TEN - 119 * 60)
    run(state, RescheduleAsClient("a1", "c1", ELEVEN), TEN - 121 * 60)  # the cancel notice is the default


def test_reschedule_notice_of_its_own_overrides_the_cancel_notice() -> None:
    state, _ = booked(cancel_notice_min=120, reschedule_notice_min=24 * 60)
    with pytest.raises(TooLate):
        run(state, RescheduleAsClient("a1", "c1", ELEVEN), TEN - 23 * 3600)
    state, _ = booked(cancel_notice_min=24 * 60, reschedule_notice_min=0)
    run(state, RescheduleAsClient("a1", "c1", ELEVEN), TEN - 3 * 3600)


def test_reschedule_follows_the_client_rules_and_every_other_booking() -> None:
    state, _ = booked()
    run(state, BookSlot("a2", "c2", service=CUT, start=ELEVEN, staff_id="s1"), NOW)
    run(state, HoldSlot("h1", "c3", CUT, at("2026-03-03T13:00", MSK), "s1", 300), NOW)
    with pytest.raises(SlotUnavailable):
        run(state, RescheduleAsClient("a1", "c1", ELEVEN + 30 * 60), NOW)  # another visit
    with pytest.raises(SlotUnavailable):
        run(state, RescheduleAsClient("a1", "c1", at("2026-03-03T13:00", MSK)), NOW)  # another client's hold
    with pytest.raises(SlotUnavailable):
        run(state, RescheduleAsClient("a1", "c1", TEN + 5 * 60), NOW)  # off the grid
    with pytest.raises(SlotUnavailable):
        run(state, RescheduleAsClient("a1", "c1", at("2026-03-03T17:30", MSK)), NOW)  # past closing
    with pytest.raises(SlotUnavailable):
        run(state, RescheduleAsClient("a1", "c1", at("2026-05-03T10:00", MSK)), NOW)  # beyond the horizon
    with pytest.raises(SlotUnavailable):
        run(state, RescheduleAsClient("a1", "c1", NOW + 30 * 60), NOW)  # inside the minimum notice
    assert state.appointments["a1"].start == TEN


def test_someone_elses_or_a_final_visit_is_refused() -> None:
    state, _ = booked()
    for command in (RescheduleAsClient("a1", "c2", ELEVEN), ConfirmVisit("a1", "c2"), LeaveFeedback("a1", "c2", 5)):
        with pytest.raises(NotFound):
            run(state, command, NOW)
    run(state, ChangeStatus("a1", Status.CANCELLED), NOW)
    with pytest.raises(InvalidTransition):
        run(state, RescheduleAsClient("a1", "c1", ELEVEN), NOW)
    with pytest.raises(InvalidTransition):
        run(state, ConfirmVisit("a1", "c1"), NOW)


def test_confirm_visit_once_and_only_ahead_of_it() -> None:
    state, _ = booked()
    assert run(state, ConfirmVisit("a1", "c1"), NOW) == [VisitConfirmed("a1", NOW)]
    assert run(state, ConfirmVisit("a1", "c1"), NOW + 5) == []  # a second press
    assert state.appointments["a1"].client_confirmed_at == NOW
    with pytest.raises(InvalidTransition):
        run(state, ConfirmVisit("a1", "c1"), TEN + 1)


def test_feedback_only_for_a_done_visit_and_once() -> None:
    state, _ = booked()
    with pytest.raises(InvalidTransition):
        run(state, LeaveFeedback("a1", "c1", 5), NOW)
    run(state, ChangeStatus("a1", Status.DONE), TEN + 3600)
    with pytest.raises(InvalidInput):
        run(state, LeaveFeedback("a1", "c1", 6), TEN + 3600)
    assert run(state, LeaveFeedback("a1", "c1", 4, "  хорошо "), TEN + 7200) == [
        FeedbackLeft("a1", 4, "хорошо", TEN + 7200)]
    assert state.appointments["a1"].feedback == (4, "хорошо")
    with pytest.raises(FeedbackExists):
        run(state, LeaveFeedback("a1", "c1", 5), TEN + 7300)


def test_replay_and_snapshot_equal_the_live_state() -> None:
    state, log = booked(reschedule_notice_min=30)
    log += run(state, ConfirmVisit("a1", "c1"), NOW)
    log += run(state, RescheduleAsClient("a1", "c1", ELEVEN), NOW)
    log += run(state, ConfirmVisit("a1", "c1"), NOW + 10)
    log += run(state, ChangeStatus("a1", Status.DONE), ELEVEN + 3600)
    log += run(state, LeaveFeedback("a1", "c1", 5, "Спасибо"), ELEVEN + 3600)
    replayed = branch_state(services=(CUT,), staff=2, reschedule_notice_min=30)
    for event in log:
        evolve(replayed, event_from(event.TYPE, event_data(event)))
    assert replayed.appointments == state.appointments
    restored = unpack(pack({"branch-" + BRANCH: state}))
    assert restored is not None
    again = restored["branch-" + BRANCH]
    assert isinstance(again, BranchState)
    assert again.appointments == state.appointments and again.branch == state.branch
    assert again.branch is not None and again.branch.reschedule_notice == 30


def test_a_branch_opened_before_the_setting_uses_the_cancel_notice() -> None:
    state = BranchState()
    evolve(state, event_from("branch.opened", {
        "branch_id": "b", "name": "B", "timezone": MSK, "address": "", "slot_step_min": 15,
        "horizon_days": 30, "min_notice_min": 60, "cancel_notice_min": 90}))
    assert state.branch is not None and state.branch.reschedule_notice == 90


def test_moving_to_another_master_takes_their_own_duration() -> None:
    state, _ = booked()
    run(state, UpdateStaff("s2", {"service_overrides": {"cut": (None, 30)}}), NOW)
    run(state, RescheduleAsClient("a1", "c1", ELEVEN, "s2", services=(CUT,)), NOW)
    appt = state.appointments["a1"]
    assert (appt.staff_id, appt.end - appt.start) == ("s2", 30 * 60)
    run(state, RescheduleAsClient("a1", "c1", TEN, services=(CUT,)), NOW)  # the same master: its length stays
    assert state.appointments["a1"].end - state.appointments["a1"].start == 30 * 60
