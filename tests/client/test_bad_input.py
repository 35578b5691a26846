"""Bad input of every shape on every client endpoint → a 4xx problem document, nothing journaled."""

from __future__ import annotations

from typing import Any

import pytest

from tests.client.kit import at, problem, salon_with_clients, slot_body, start, tma
from tests.harness import Harness
from tests.seed import Salon

A = 1001
JSON = {"Content-Type": "application/json"}


def _cases(s: Salon) -> list[tuple[str, str, dict[str, Any], int]]:
    """(method, path, request kwargs, status) — every one must change nothing."""
    branch, cut, staff = s.branch_id, s.services["cut"], s.staff[0]
    q = {"branch_id": branch, "service_id": cut, "date_from": "2026-03-02", "date_to": "2026-03-02"}
    hold = slot_body(s, at("12:00"))
    cases: list[tuple[str, str, dict[str, Any], int]] = [
        # POST /clients/auth
        ("POST", "/api/v1/clients/auth", {"data": "phone=+79990000001"}, 400),
        ("POST", "/api/v1/clients/auth", {"data": b"\xff\xfe{", "headers": JSON}, 400),
        ("POST", "/api/v1/clients/auth", {"data": "{\"phone\": ", "headers": JSON}, 400),
        ("POST", "/api/v1/clients/auth", {"json": ["+79990000001"]}, 400),
        ("POST", "/api/v1/clients/auth", {"json": {}}, 400),
        ("POST", "/api/v1/clients/auth", {"json": {"phone": 79990000001}}, 400),
        ("POST", "/api/v1/clients/auth", {"json": {"phone": "not a phone"}}, 400),
        ("POST", "/api/v1/clients/auth", {"json": {"phone": "+7 000"}}, 400),
        ("POST", "/api/v1/clients/auth", {"json": {"phone": "+79990000009", "name": 5}}, 400),
        ("POST", "/api/v1/clients/auth", {"json": {"phone": "+79990000009", "admin": True}}, 400),
        ("POST", "/api/v1/clients/auth", {"json": {"phone": "+79990000009", "name": "x" * 201}}, 400),
        # GET /slots/available
        ("GET", "/api/v1/slots/available", {"query_string": {}}, 400),
        ("GET", "/api/v1/slots/available", {"query_string": {**q, "date_from": "2026-02-30"}}, 400),
        ("GET", "/api/v1/slots/available", {"query_string": {**q, "date_to": "2026-13-01"}}, 400),
        ("GET", "/api/v1/slots/available", {"query_string": {**q, "date_from": "02.03.2026"}}, 400),
        ("GET", "/api/v1/slots/available", {"query_string": {**q, "date_from": "2026-03-03"}}, 400),
        ("GET", "/api/v1/slots/available", {"query_string": {**q, "date_to": "2026-04-02"}}, 400),
        ("GET", "/api/v1/slots/available", {"query_string": {**q, "date_from": "10000-01-01"}}, 400),
        ("GET", "/api/v1/slots/available", {"query_string": {**q, "date_from": "0000-01-01"}}, 400),
        ("GET", "/api/v1/slots/available", {"query_string": {**q, "branch_id": "nope"}}, 404),
        ("GET", "/api/v1/slots/available", {"query_string": {**q, "service_id": "nope"}}, 404),
        ("GET", "/api/v1/slots/available", {"query_string": {**q, "staff_id": "nope"}}, 404),
        # POST /slots/hold
        ("POST", "/api/v1/slots/hold", {"data": "branch_id=x"}, 400),
        ("POST", "/api/v1/slots/hold", {"data": b"\xff", "headers": JSON}, 400),
        ("POST", "/api/v1/slots/hold", {"json": None}, 400),
        ("POST", "/api/v1/slots/hold", {"json": {**hold, "start": 1772442000}}, 400),
        ("POST", "/api/v1/slots/hold", {"json": {**hold, "branch_id": 7}}, 400),
        ("POST", "/api/v1/slots/hold", {"json": {k: v for k, v in hold.items() if k != "start"}}, 400),
        ("POST", "/api/v1/slots/hold", {"json": {**hold, "start": "2026-02-30T12:00:00+03:00"}}, 400),
        ("POST", "/api/v1/slots/hold", {"json": {**hold, "start": "2026-03-02T12:00:00"}}, 400),
        ("POST", "/api/v1/slots/hold", {"json": {**hold, "start": "2026-03-02T12:00:30+03:00"}}, 400),
        ("POST", "/api/v1/slots/hold", {"json": {**hold, "start": "tomorrow"}}, 400),
        ("POST", "/api/v1/slots/hold", {"json": {**hold, "extra": 1}}, 400),
        ("POST", "/api/v1/slots/hold", {"json": {**hold, "start": at("12:07")}}, 409),  # off the grid
        ("POST", "/api/v1/slots/hold", {"json": {**hold, "start": at("09:15")}}, 409),  # inside the notice
        ("POST", "/api/v1/slots/hold", {"json": {**hold, "start": "2026-03-01T12:00:00+03:00"}}, 409),  # past
        ("POST", "/api/v1/slots/hold", {"json": {**hold, "start": "2026-06-01T12:00:00+03:00"}}, 409),  # horizon
        ("POST", "/api/v1/slots/hold", {"json": {**hold, "start": at("17:30")}}, 409),  # past closing
        ("POST", "/api/v1/slots/hold", {"json": {**hold, "branch_id": "nope"}}, 404),
        ("POST", "/api/v1/slots/hold", {"json": {**hold, "service_id": "nope"}}, 404),
        ("POST", "/api/v1/slots/hold", {"json": {**hold, "staff_id": "nope"}}, 404),
        ("POST", "/api/v1/slots/hold", {"json": hold, "headers": {"Idempotency-Key": "with space"}}, 400),
        ("POST", "/api/v1/slots/hold", {"json": hold, "headers": {"Idempotency-Key": "k" * 256}}, 400),
        # DELETE /slots/hold/{id}
        ("DELETE", "/api/v1/slots/hold/nope", {}, 404),
        # POST /appointments
        ("POST", "/api/v1/appointments", {"data": "hold_id=x"}, 400),
        ("POST", "/api/v1/appointments", {"data": b"\xff", "headers": JSON}, 400),
        ("POST", "/api/v1/appointments", {"json": {}}, 400),
        ("POST", "/api/v1/appointments", {"json": {"comment": "hi"}}, 400),
        ("POST", "/api/v1/appointments", {"json": {"hold_id": "h", **hold}}, 400),
        ("POST", "/api/v1/appointments", {"json": {"hold_id": 5}}, 400),
        ("POST", "/api/v1/appointments", {"json": {**hold, "comment": 5}}, 400),
        ("POST", "/api/v1/appointments", {"json": {**hold, "comment": "x" * 1001}}, 400),
        ("POST", "/api/v1/appointments", {"json": {k: v for k, v in hold.items() if k != "service_id"}}, 400),
        ("POST", "/api/v1/appointments", {"json": {**hold, "start": "2026-02-29T12:00:00+03:00"}}, 400),
        ("POST", "/api/v1/appointments", {"json": {"hold_id": "nope"}}, 409),
        ("POST", "/api/v1/appointments", {"json": {**hold, "start": at("12:05")}}, 409),
        ("POST", "/api/v1/appointments", {"json": {**hold, "start": "2025-03-02T12:00:00+03:00"}}, 409),
        ("POST", "/api/v1/appointments", {"json": {**hold, "service_id": "nope"}}, 404),
        ("POST", "/api/v1/appointments", {"json": {**hold, "staff_id": "nope"}}, 404),
        ("POST", "/api/v1/appointments", {"json": {**hold, "branch_id": "nope"}}, 404),
        # GET /appointments/my
        ("GET", "/api/v1/appointments/my", {"query_string": {"limit": "0"}}, 400),
        ("GET", "/api/v1/appointments/my", {"query_string": {"limit": "many"}}, 400),
        ("GET", "/api/v1/appointments/my", {"query_string": {"limit": "101"}}, 400),
        ("GET", "/api/v1/appointments/my", {"query_string": {"cursor": "!!!"}}, 400),
        ("GET", "/api/v1/appointments/my", {"query_string": {"cursor": "eyJhIjoxfQ"}}, 400),  # {"a":1}
        ("GET", "/api/v1/appointments/my", {"query_string": {"cursor": "WyJ4IiwxXQ"}}, 400),  # ["x",1]
        # POST /appointments/{id}/cancel
        ("POST", "/api/v1/appointments/nope/cancel", {}, 404),
        # Methods that do not exist
        ("PUT", "/api/v1/slots/hold", {"json": hold}, 405),
        ("GET", "/api/v1/appointments/nope/cancel", {}, 405),
    ]
    return cases


async def test_every_bad_request_is_a_problem_document_and_writes_nothing(harness: Harness) -> None:
    client = await start(harness, holds_per_minute=0, bookings_per_minute=0)
    salon = await salon_with_clients(harness, client, A)
    seq = await harness.z.journal.last_seq()
    for method, path, kwargs, status in _cases(salon):
        kwargs = dict(kwargs)
        headers = {**tma(harness, A), **kwargs.pop("headers", {})}
        r = await client.open(path, method=method, headers=headers, **kwargs)
        try:
            await problem(r, status)
        except AssertionError as err:
            pytest.fail(f"{method} {path} {kwargs}: {err}")
    assert await harness.z.journal.last_seq() == seq
    assert harness.z.runtime.branch(salon.branch_id).committed.appointments == {}
    assert harness.z.runtime.branch(salon.branch_id).committed.holds == {}
