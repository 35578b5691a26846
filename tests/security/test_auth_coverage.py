"""Every route is either deliberately public or refuses a caller without the right credentials.

Driven by the app's own /openapi.json, so a new route cannot forget its
guard: an operation declaring ``bearer`` or ``tma`` security answers 401 to
no credentials and to the other interface's credentials (before looking at
its input; an operation declaring both takes either), and every operation
declaring none is listed in ``PUBLIC``.
"""

from __future__ import annotations

import re

from tests.client.kit import problem
from tests.harness import Harness
from tests.security.world import build_world

PUBLIC = {
    ("get", "/api/v1/branches"), ("get", "/api/v1/branches/{branch_id}"), ("get", "/api/v1/services"),
    ("get", "/api/v1/staff"),
    ("post", "/api/v1/auth/login"), ("get", "/healthz"), ("get", "/readyz"),
    ("get", "/"), ("get", "/assets/{name}"),
    ("get", "/docs"), ("get", "/docs/init.js"), ("get", "/docs/assets/{name}"),
    # a master's calendar feed: the 256-bit token in the path is its credential (tests/api/test_feeds.py)
    ("get", "/api/v1/feeds/{staff_id}/{token}.ics"),
    # ZAPIS_METRICS_TOKEN as a bearer token when set, not a JWT (tests/api/test_metrics.py)
    ("get", "/metrics"),
}


async def test_every_operation_is_public_on_purpose_or_refuses_strangers(harness: Harness) -> None:
    w = await build_world(harness)
    doc = await (await w.client.get("/openapi.json")).get_json()
    seq = await w.last_seq()
    public, checked = set(), 0
    for route, methods in doc["paths"].items():
        for method, op in methods.items():
            schemes = {name for requirement in op.get("security") or [] for name in requirement}
            if not schemes:
                public.add((method, route))
                continue
            path = re.sub(r"\{[^}]+\}", "x", route)
            wrong = w.admin if "tma" in schemes else w.tma()
            both = {"tma", "bearer"} <= schemes  # one path for both interfaces (the reschedule, SPEC §9.3)
            for headers in ({}, *([] if both else [wrong]), {"Authorization": "Basic YWRtaW46YWRtaW4="}):
                r = await w.client.open(path, method=method.upper(), headers=headers, json={})
                await problem(r, 401, "unauthorized")
            checked += 1
    assert public <= PUBLIC, f"operations without security, not public on purpose: {sorted(public - PUBLIC)}"
    assert checked >= 30
    assert await w.last_seq() == seq
