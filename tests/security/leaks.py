"""Assertions that a refusal gave nothing away: no secret, no presented credential, no trace."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pytest

TRACE_MARKERS = ("Traceback", 'File "', "site-packages", "/work/")
# Loggers of the tests' own clients and fakes (the fake Bot API logs its URLs, token included).
TEST_SIDE = ("aiohttp.access", "httpx", "httpcore", "websockets.client")


async def text_of(response: Any) -> str:
    """Status line parts, headers and body of a Quart test response, as one string."""
    body = await response.get_data(as_text=True)
    headers = "\n".join(f"{k}: {v}" for k, v in response.headers.items())
    return f"{response.status_code}\n{headers}\n{body}"


def assert_absent(where: str, text: str, secrets: Mapping[str, str]) -> None:
    for name, value in secrets.items():
        if value:
            assert value not in text, f"the {name} appears in {where}"


def assert_no_trace(where: str, text: str) -> None:
    for marker in TRACE_MARKERS:
        assert marker not in text, f"{marker!r} (a stack trace or a path) appears in {where}"


def assert_logs_clean(caplog: pytest.LogCaptureFixture, secrets: Mapping[str, str],
                      presented: Iterable[str] = ()) -> None:
    """Neither the server's secrets nor any credential a caller presented reached the log."""
    handler = caplog.handler
    server = [r for r in caplog.records if not r.name.startswith(TEST_SIDE)]
    logged = "\n".join(f"{handler.format(r)}\n{r.getMessage()}" for r in server)  # with tracebacks
    assert_absent("the log", logged, secrets)
    assert_absent("the log", logged, {f"presented credential #{i}": v for i, v in enumerate(presented)})
