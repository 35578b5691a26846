"""Fixtures for the storage tests."""

from __future__ import annotations

import pytest

from tests.pg import require_pg_url


@pytest.fixture
def pg_url() -> str:
    """The test PostgreSQL URL; skips, or fails when ZAPIS_REQUIRE_POSTGRES=1, if unset."""
    return require_pg_url()
