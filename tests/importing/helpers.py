"""Shared test helpers: an in-memory client index, id sequences, realdata paths."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from actors.core.import_plan import ImportPlan, ImportRow, plan_import
from actors.core.model import Client

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
