"""The cheap request path keeps every check (bench/floor.py, bench/README.md "The per-request floor").

The floor work moved the security headers from an ``after_request`` hook
into the ASGI wrapper of ``api/drain.py``, let plain answers skip
quart-schema's per-answer conversion, and checks the raw query for a NUL
before parsing it. These tests pin what must not have moved with them.
"""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel
from quart import Quart

from api.app import SECURITY_HEADERS, plain_results
from tests.harness import Harness


def _secured(headers: Any) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert headers.get(name) == value, name


@pytest.mark.parametrize("method,path,status", [
    ("GET", "/healthz", 200),
    ("GET", "/api/v1/no-such-route", 404),
    ("DELETE", "/healthz", 405),
    ("GET", "/api/v1/slots/available?branch_id=b", 401),  # a blueprint's auth hook refuses
    ("GET", "/api/v1/branches?x=a%00b", 400),  # a NUL in the query
    ("GET", "/api/v1/branches/a%00b", 400),  # a NUL in the path
    ("GET", "/", 200),  # the dashboard's page
])
async def test_every_answer_carries_the_security_headers(harness: Harness, method: str, path: str,
                                                         status: int) -> None:
    client = await harness.start()
    r = await client.open(path, method=method)
    assert r.status_code == status, await r.get_data(as_text=True)
    _secured(r.headers)
    if status >= 400:
        assert r.headers["Content-Type"] == "application/problem+json"


async def test_a_handler_setting_a_header_keeps_its_own(harness: Harness) -> None:
    """A default is added only where the answer lacks it, never twice."""
    await harness.start()
    app = harness.app
    assert app is not None

    @app.get("/test/own-csp")
    async def own() -> tuple[dict[str, str], int, dict[str, str]]:
        return {"ok": "yes"}, 200, {"Content-Security-Policy": "default-src 'none'"}

    r = await app.test_client().get("/test/own-csp")
    assert r.headers.get_all("Content-Security-Policy") == ["default-src 'none'"]
    assert r.headers["X-Frame-Options"] == "DENY"


async def test_a_too_large_body_is_a_413_problem_with_the_headers(harness: Harness) -> None:
    client = await harness.start()
    r = await client.post("/api/v1/appointments", data=b"{" + b" " * (harness.settings.max_body_bytes + 10) + b"}",
                          headers={"Content-Type": "application/json"})
    assert r.status_code == 413
    assert (await r.get_json())["code"] == "payload_too_large"
    _secured(r.headers)


class Inner(BaseModel):
    name: str
    count: int


async def test_answers_that_hold_models_still_become_json() -> None:
    """A model returned as it is goes through quart-schema; one nested in a dict through our JSON provider."""
    from api.app import OrjsonProvider
    from quart_schema import QuartSchema

    app = Quart("t")
    QuartSchema(app)
    app.json = OrjsonProvider(app)
    plain_results(app)

    @app.get("/model")
    async def model() -> Inner:
        return Inner(name="a", count=1)

    @app.get("/nested")
    async def nested() -> dict[str, Any]:
        return {"items": [Inner(name="b", count=2)], "n": 1}

    @app.get("/tuple")
    async def with_status() -> tuple[Inner, int]:
        return Inner(name="c", count=3), 201

    client = app.test_client()
    r = await client.get("/model")
    assert (r.status_code, await r.get_json()) == (200, {"name": "a", "count": 1})
    r = await client.get("/nested")
    assert (r.status_code, await r.get_json()) == (200, {"items": [{"name": "b", "count": 2}], "n": 1})
    r = await client.get("/tuple")
    assert (r.status_code, await r.get_json()) == (201, {"name": "c", "count": 3})
