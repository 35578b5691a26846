"""Owners' figures (SPEC §9.4) against a hand-computed day, on both backends; the same day
downloaded as ``.xlsx`` (read back with openpyxl) and ``.csv`` (parsed back) gives the same
numbers as the JSON.

The day, Tuesday 2026-03-03 in Moscow. Anna works 10:00-18:00 (480 min), Boris
10:00-14:00 (240 min). Services: cut 60 min 1500.00 RUB, manicure 45 min 999.99 RUB,
colour 90 min 12000.00 KZT.

| # | master | time  | service  | source | status    | booked | revenue        |
|---|--------|-------|----------|--------|-----------|--------|----------------|
| 1 | Anna   | 10:00 | cut      | bot    | done      | 60     | 1500.00 RUB    |
| 2 | Anna   | 11:00 | colour   | manual | done      | 90     | 12000.00 KZT   |
| 3 | Anna   | 13:00 | manicure | bot    | no-show   | 45     |                |
| 4 | Boris  | 10:00 | cut      | manual | cancelled | —      |                |
| 5 | Boris  | 11:00 | manicure | bot    | done      | 45     | 999.99 RUB     |
| 6 | Boris  | 12:00 | cut      | manual | confirmed | 60     |                |
| 7 | Anna   | next day 10:00 | cut | bot | done | (outside the period)     |

Then Anna gets her own price for a cut, 1800.00, and one more visit is booked by the
manager's API: 8, Anna 15:00, cut + manicure (a two-service visit, 105 min), done, priced
at booking 1800.00 + 999.99 = 2799.99 RUB. Visits 1 and 7 keep the 1500.00 fixed when booked.

revenue RUB 1500.00 + 999.99 + 2799.99 = 5299.98, KZT 12000.00; average check RUB
5299.98 / 3 = 1766.66, KZT 12000.00; no-show rate 1 / (4 done + 1) = 0.2; bot 3 visits,
2 done (0.667), manual 4, 2 done (0.5); Anna 3 done, booked 60 + 90 + 45 + 105 = 300 of
480 (0.625), Boris 1 done, booked 105 of 240 (0.438). Without visit 8 the average check
would be 2499.99 / 2 = 1249.995 → 1250.00 (half up): ``test_half_up_to_the_cent``.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import openpyxl

from actors.core.messages import BookSlot, ChangeStatus
from actors.core.model import Status
from actors.core.schedule import zone
from tests.harness import Harness

TZ = "Europe/Moscow"
WEEK = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY = {"date_from": "2026-03-03", "date_to": "2026-03-03"}


def local(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=zone(TZ)).timestamp())


async def post(client: Any, path: str, headers: dict[str, str], body: dict[str, Any]) -> str:
    r = await client.post(f"/api/v1/admin/{path}", json=body, headers=headers)
    assert r.status_code == 201, await r.get_data(as_text=True)
    return str((await r.get_json())["id"])


async def salon_day(h: Harness, *, two_services: bool = True) -> dict[str, str]:
    client = await h.start()
    headers = await h.admin_headers()
    branch = await post(client, "branches", headers, {"name": "Центр", "timezone": TZ})
    svc = {name: await post(client, "services", headers, {
        "name": name, "price": price, "currency": currency, "duration_min": minutes, "branch_ids": [branch]})
        for name, price, currency, minutes in (("cut", "1500.00", "RUB", 60), ("manicure", "999.99", "RUB", 45),
                                                ("colour", "12000.00", "KZT", 90))}
    staff = {name: await post(client, "staff", headers, {
        "branch_id": branch, "name": name, "service_ids": list(svc.values()),
        "schedule": {d: [hours] for d in WEEK}})
        for name, hours in (("Анна", ["10:00", "18:00"]), ("Борис", ["10:00", "14:00"]))}
    rt = h.z.runtime
    actor = rt.branch(branch)
    catalogue = rt.catalogue.committed.services
    visits = (
        ("1", "Анна", "2026-03-03T10:00", "cut", "bot", Status.DONE),
        ("2", "Анна", "2026-03-03T11:00", "colour", "manual", Status.DONE),
        ("3", "Анна", "2026-03-03T13:00", "manicure", "bot", Status.NO_SHOW),
        ("4", "Борис", "2026-03-03T10:00", "cut", "manual", Status.CANCELLED),
        ("5", "Борис", "2026-03-03T11:00", "manicure", "bot", Status.DONE),
        ("6", "Борис", "2026-03-03T12:00", "cut", "manual", Status.CONFIRMED),
        ("7", "Анна", "2026-03-04T10:00", "cut", "bot", Status.DONE),
    )
    for aid, master, at, service, source, status in visits:
        await actor.ask(BookSlot(aid, f"client-{aid}", source=source, service=catalogue[svc[service]],
                                 start=local(at), staff_id=staff[master], by_manager=True))
        await actor.ask(ChangeStatus(aid, status))
    ids = {"branch": branch, "anna": staff["Анна"], "boris": staff["Борис"]}
    if not two_services:
        return ids
    r = await client.patch(f"/api/v1/admin/staff/{staff['Анна']}", headers=headers, json={
        "service_overrides": [{"service_id": svc["cut"], "price": "1800.00"}]})
    assert r.status_code == 200, await r.get_data(as_text=True)
    r = await client.post("/api/v1/appointments/manual", headers=headers, json={
        "branch_id": branch, "service_ids": [svc["cut"], svc["manicure"]], "staff_id": staff["Анна"],
        "start": "2026-03-03T15:00:00+03:00", "client": {"phone": "+79160000008", "name": "Вера"}})
    assert r.status_code == 201, await r.get_data(as_text=True)
    made = await r.get_json()
    assert made["total_price"] == "2799.99", made
    r = await client.patch(f"/api/v1/appointments/{made['id']}/status", headers=headers, json={"status": "done"})
    assert r.status_code == 200, await r.get_data(as_text=True)
    return ids


async def report(h: Harness, **query: str) -> Any:
    r = await h.client().get("/api/v1/system/reports", query_string=query, headers=await h.admin_headers())
    assert r.status_code == 200, await r.get_data(as_text=True)
    return r


async def test_money_no_shows_sources_and_masters_hand_computed(harness: Harness) -> None:
    ids = await salon_day(harness)
    got = await (await report(harness, **DAY)).get_json()
    assert got["revenue"] == {"KZT": "12000.00", "RUB": "5299.98"}
    assert got["average_check"] == {"KZT": "12000.00", "RUB": "1766.66"}
    assert got["no_show_rate"] == 0.2
    assert got["by_source"] == {"bot": {"appointments": 3, "done": 2, "conversion": 0.667},
                                "manual": {"appointments": 4, "done": 2, "conversion": 0.5}}
    assert got["by_staff"] == [
        {"staff_id": ids["anna"], "name": "Анна", "branch_id": ids["branch"], "visits_done": 3,
         "revenue": {"KZT": "12000.00", "RUB": "4299.99"}, "booked_min": 300, "working_min": 480,
         "utilization": 0.625, "rating": None},
        {"staff_id": ids["boris"], "name": "Борис", "branch_id": ids["branch"], "visits_done": 1,
         "revenue": {"RUB": "999.99"}, "booked_min": 105, "working_min": 240,
         "utilization": 0.438, "rating": None},
    ]
    assert got["by_day"][0]["revenue"] == got["revenue"]
    # two days: the next day's done visit joins at the price fixed when it was booked
    two = await (await report(harness, date_from="2026-03-03", date_to="2026-03-04")).get_json()
    assert two["revenue"] == {"KZT": "12000.00", "RUB": "6799.98"}
    assert [d["revenue"] for d in two["by_day"]] == [got["revenue"], {"RUB": "1500.00"}]
    assert [(r["working_min"], r["booked_min"]) for r in two["by_staff"]] == [(960, 360), (480, 105)]


async def test_half_up_to_the_cent(harness: Harness) -> None:
    await salon_day(harness, two_services=False)
    got = await (await report(harness, **DAY)).get_json()
    assert got["revenue"] == {"KZT": "12000.00", "RUB": "2499.99"}
    assert got["average_check"] == {"KZT": "12000.00", "RUB": "1250.00"}  # 1249.995
    assert got["no_show_rate"] == 0.25
    assert [(r["booked_min"], r["utilization"]) for r in got["by_staff"]] == [(195, 0.406), (105, 0.438)]


def _number(text: str) -> Decimal:
    return Decimal(text.replace(",", "."))


async def test_csv_and_xlsx_carry_the_json_numbers(harness: Harness) -> None:
    await salon_day(harness)
    data = await (await report(harness, **DAY)).get_json()

    r = await report(harness, **DAY, format="xlsx")
    assert r.headers["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert 'filename="report-2026-03-03-2026-03-03.xlsx"' in r.headers["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(await r.get_data()))
    assert book.sheetnames == ["Итоги", "По дням", "По мастерам", "По источникам"]
    summary = {(row[0], row[2]): row[1] for row in book["Итоги"].iter_rows(min_row=2, values_only=True)}
    assert summary[("Период с", None)] == datetime(2026, 3, 3)  # a real date cell
    assert book["Итоги"]["B2"].number_format == "DD.MM.YYYY"
    assert summary[("Выполнено", None)] == data["done"] == 4
    assert Decimal(str(summary[("Выручка", "RUB")])) == Decimal(data["revenue"]["RUB"])
    assert Decimal(str(summary[("Средний чек", "RUB")])) == Decimal("1766.66")
    rate = next(row for row in book["Итоги"].iter_rows(min_row=2) if str(row[0].value).startswith("Доля неявок"))[1]
    assert (rate.value, rate.number_format) == (0.2, "0.0%")
    staff = list(book["По мастерам"].iter_rows(values_only=True))
    assert staff[0] == ("Мастер", "Филиал", "Выполнено визитов", "Выручка, KZT", "Выручка, RUB", "Занято, мин",
                        "Рабочее время, мин", "Загрузка", "Рейтинг")
    assert staff[1] == ("Анна", "Центр", 3, 12000, 4299.99, 300, 480, 0.625, None)
    assert staff[2][:3] == ("Борис", "Центр", 1) and Decimal(str(staff[2][4])) == Decimal("999.99")
    days = list(book["По дням"].iter_rows(min_row=2, values_only=True))
    assert days[0][0] == datetime(2026, 3, 3) and days[0][4] == 4
    sources = list(book["По источникам"].iter_rows(min_row=2, values_only=True))
    assert sources == [("Бот", 3, 2, 0.667), ("Менеджер", 4, 2, 0.5)]
    assert book["По мастерам"].column_dimensions["A"].width >= len("Мастер")

    r = await report(harness, **DAY, format="csv")
    assert r.headers["Content-Type"].startswith("text/csv")
    raw = await r.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")
    sections: list[list[list[str]]] = [[]]
    for row in csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"):
        if row:
            sections[-1].append(row)
        else:
            sections.append([])
    titles = [s[0][0] for s in sections]
    assert titles == ["Итоги", "По дням", "По мастерам", "По источникам"]
    summary_csv = {(row[0], row[2]): row[1] for row in sections[0][2:]}
    assert summary_csv[("Период с", "")] == "03.03.2026"
    assert _number(summary_csv[("Выручка", "RUB")]) == Decimal(data["revenue"]["RUB"])
    assert _number(summary_csv[("Выручка", "KZT")]) == Decimal(data["revenue"]["KZT"])
    assert _number(summary_csv[("Средний чек", "RUB")]) == Decimal(data["average_check"]["RUB"])
    rate_csv = next(v for (k, _), v in summary_csv.items() if k.startswith("Доля неявок"))
    assert _number(rate_csv) == Decimal(str(data["no_show_rate"]))
    for row, want in zip(sections[2][2:], data["by_staff"]):
        assert row[0] == want["name"] and int(row[2]) == want["visits_done"]
        assert _number(row[3] or "0") == Decimal(want["revenue"].get("KZT", "0"))
        assert _number(row[4]) == Decimal(want["revenue"].get("RUB", "0"))
        assert (int(row[5]), int(row[6])) == (want["booked_min"], want["working_min"])
        assert float(_number(row[7])) == want["utilization"]
    assert [r[:3] for r in sections[3][2:]] == [["Бот", "3", "2"], ["Менеджер", "4", "2"]]
    assert date(2026, 3, 3).strftime("%d.%m.%Y") == sections[1][2][0]


async def test_a_bad_format_is_a_400_problem(harness: Harness) -> None:
    await harness.start()
    r = await harness.client().get("/api/v1/system/reports", headers=await harness.admin_headers(),
                                   query_string={**DAY, "format": "pdf"})
    assert r.status_code == 400
    assert r.headers["Content-Type"].startswith("application/problem+json")
    assert (await r.get_json())["code"] == "validation_error"
