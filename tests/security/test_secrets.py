"""Secrets stay out of representations, documents and the log, even when things go wrong.

The settings object is the one place every secret passes through; its
``repr`` (what a traceback, a debugger or a careless log line shows) holds
none of them. A bot that cannot reach Telegram logs and retries without
printing its token (Bot API URLs contain it), and nothing the server
publishes (/openapi.json, health, error documents) carries a secret.
"""

from __future__ import annotations

import asyncio
import logging

import pytest

from settings import Settings
from tests.harness import JWT_SECRET, Harness, free_port
from tests.security.leaks import assert_absent, assert_logs_clean
from tests.security.world import BOT_TOKEN, WEBHOOK_SECRET, build_world

DB_PASSWORD = "db-pa55word-never-shown"


def test_the_settings_repr_shows_no_secret() -> None:
    settings = Settings(
        database_url=f"postgresql://zapis:{DB_PASSWORD}@db.example:5432/zapis", jwt_secret=JWT_SECRET,
        telegram_bot_token=BOT_TOKEN, webhook_secret=WEBHOOK_SECRET, admin_password="admin-pa55word")
    shown = repr(settings)
    assert_absent("repr(Settings)", shown, {
        "database password": DB_PASSWORD, "JWT secret": JWT_SECRET, "bot token": BOT_TOKEN,
        "webhook secret": WEBHOOK_SECRET, "admin password": "admin-pa55word"})
    assert "db.example" not in shown  # the whole URL is hidden, not just its password


async def test_a_bot_that_cannot_reach_telegram_logs_without_its_token(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    nowhere = f"http://127.0.0.1:{free_port()}"  # nothing listens: every Bot API call fails
    w = await build_world(harness, bot_mode="polling", telegram_api_url=nowhere)
    await _logged(caplog, "retrying", timeout=15.0)
    assert_logs_clean(caplog, w.secrets)


async def test_nothing_published_carries_a_secret(harness: Harness) -> None:
    w = await build_world(harness)
    for path in ("/openapi.json", "/healthz", "/readyz", "/api/v1/nowhere", "/docs", "/"):
        r = await w.client.get(path)
        assert_absent(path, await r.get_data(as_text=True) + str(r.headers), w.secrets)


async def _logged(caplog: pytest.LogCaptureFixture, text: str, timeout: float) -> None:
    """Wait until a log message contains ``text`` (polling the captured records, bounded)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not any(text in r.getMessage() for r in caplog.records):
        assert loop.time() < deadline, f"no log message with {text!r} within {timeout} s"
        await asyncio.sleep(0.05)
