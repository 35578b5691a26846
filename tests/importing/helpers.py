"""Shared test helpers: an in-memory client index, id sequences, realdata paths, English texts."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from actors.core.errors import DomainError, Message
from actors.core.import_plan import ImportPlan, ImportRow, plan_import
from actors.core.model import Client
from api.texts.language import render

REALDATA = Path(__file__).resolve().parents[1] / "fixtures" / "realdata"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
NOW = 1_750_000_000.0


class FakeIndex:
    """The registry's lookups over a fixed list of clients."""

    def __init__(self, clients: Iterable[Client] = ()) -> None:
        self.clients = {c.id: c for c in clients}

    def by_phone(self, phone: str) -> Client | None:
        return next((c for c in self.clients.values() if c.phone == phone), None)

    def by_telegram(self, telegram_id: int) -> Client | None:
        return next((c for c in self.clients.values() if c.telegram_id == telegram_id), None)


def ids(prefix: str = "new") -> Callable[[], str]:
    counter = iter(range(1, 1_000_000))
    return lambda: f"{prefix}{next(counter)}"


def plan(rows: Iterable[ImportRow], clients: Iterable[Client] = ()) -> ImportPlan:
    return plan_import(rows, FakeIndex(clients), new_id=ids(), now=NOW)


def counts(result: ImportPlan) -> tuple[int, int, int, int, int]:
    return (
        result.total_rows,
        len(result.created),
        len(result.updated),
        result.duplicates,
        len(result.errors),
    )


def english(message: Message | None) -> str | None:
    """A row error or a refusal as the API words it in English."""
    return None if message is None else render(message, "en")


def worded(result: ImportPlan) -> list[tuple[int, str]]:
    """The plan's errors as ``(row, English message)``."""
    return [(row, render(message, "en")) for row, message in result.errors]


@contextmanager
def refused(kind: type[DomainError], match: str) -> Iterator[None]:
    """Like ``pytest.raises(kind, match=...)``, matching the English wording of the refusal."""
    with pytest.raises(kind) as caught:
        yield
    assert re.search(match, render(caught.value.message, "en")), render(caught.value.message, "en")
