"""The report (``GET /system/reports``) as tables for ``format=csv|xlsx``: the same numbers
as the JSON, with Russian headers; money per currency gets a column per currency."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from api.exports import Share, Table, Value
from api.texts import exports as t


def _currencies(report: dict[str, Any]) -> list[str]:
    seen = set(report["revenue"])
    for row in report["by_staff"]:
        seen.update(row["revenue"])
    return sorted(seen)


def _money(amounts: dict[str, str], currency: str) -> Decimal:
    return Decimal(amounts.get(currency, "0.00"))


def summary(report: dict[str, Any], first: date, last: date, branch_name: str | None) -> Table:
    rows: list[tuple[Value, ...]] = [(t.PERIOD_FROM, first, None), (t.PERIOD_TO, last, None),
                                     (t.BRANCH, branch_name or t.ALL_BRANCHES, None)]
    rows += [(label, report[key], None) for key, label in t.TOTALS]
    rows.append((t.NO_SHOW_RATE, Share(report["no_show_rate"]), None))
    rows += [(t.REVENUE, Decimal(v), cur) for cur, v in report["revenue"].items()]
    rows += [(t.AVERAGE_CHECK, Decimal(v), cur) for cur, v in report["average_check"].items()]
    return Table(t.SUMMARY, t.SUMMARY_HEADERS, rows)


def by_day(report: dict[str, Any], currencies: list[str]) -> Table:
    headers = t.DAY_HEADERS + tuple(t.per_currency(t.REVENUE, c) for c in currencies)
    rows: list[tuple[Value, ...]] = [
        (date.fromisoformat(d["date"]), d["new_requests"], d["appointments"], d["open"], d["done"],
         d["cancelled"], d["no_show"], *(_money(d["revenue"], c) for c in currencies))
        for d in report["by_day"]]
    return Table(t.BY_DAY, headers, rows)


def by_staff(report: dict[str, Any], currencies: list[str], branch_name: Callable[[str], str]) -> Table:
    headers = (t.STAFF_HEADERS + tuple(t.per_currency(t.REVENUE, c) for c in currencies) + t.STAFF_TAIL)
    rows: list[tuple[Value, ...]] = [
        (r["name"], branch_name(r["branch_id"]), r["visits_done"], *(_money(r["revenue"], c) for c in currencies),
         r["booked_min"], r["working_min"], None if r["utilization"] is None else Share(r["utilization"]),
         r["rating"])
        for r in report["by_staff"]]
    return Table(t.BY_STAFF, headers, rows)


def by_source(report: dict[str, Any]) -> Table:
    rows: list[tuple[Value, ...]] = [
        (t.SOURCES.get(source, source), s["appointments"], s["done"], Share(s["conversion"]))
        for source, s in report["by_source"].items()]
    return Table(t.BY_SOURCE, t.SOURCE_HEADERS, rows)


def report_tables(report: dict[str, Any], first: date, last: date, branch_id: str | None,
                  branch_name: Callable[[str], str]) -> list[Table]:
    currencies = _currencies(report)
    return [summary(report, first, last, branch_name(branch_id) if branch_id else None),
            by_day(report, currencies), by_staff(report, currencies, branch_name), by_source(report)]
