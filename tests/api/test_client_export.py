"""``GET /clients/export``: the client base as ``.xlsx`` and ``.csv``, read back, on both backends.

Clients are made the way managers make them (a booking by phone, then the card
edited); the figures are the card's, counted in the caller's branches; text
that Excel would run as a formula is defused; a bad format is a 400 problem.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from decimal import Decimal
from typing import Any

import openpyxl

from tests.harness import Harness
from tests.seed import seed_salon

HEADERS = ["Имя", "Телефон", "Email", "Дата рождения", "Telegram ID", "Откуда", "Заметки", "Добавлен (UTC)",
           "Выполнено визитов", "Не пришёл", "Отменено", "Потрачено", "Последний визит", "Следующий визит"]


async def base(h: Harness) -> tuple[str, str, dict[str, str]]:
    """Анна: one done visit in salon A (10:00 Moscow on 2026-03-02) and one ahead in salon B;
    «=HYPERLINK(…)»: a client whose name is a formula."""
    client = await h.start()
    a = await seed_salon(h, client, staff=1)
    b = await seed_salon(h, client, staff=1, timezone="Asia/Vladivostok")
    headers = a.headers

    async def book(salon: Any, start: str, phone: str, name: str) -> dict[str, Any]:
        r = await client.post("/api/v1/appointments/manual", headers=headers, json={
            "branch_id": salon.branch_id, "service_id": salon.services["cut"], "start": start,
            "client": {"phone": phone, "name": name}})
        assert r.status_code == 201, await r.get_data(as_text=True)
        return await r.get_json()  # type: ignore[no-any-return]

    done = await book(a, "2026-03-02T10:00:00+03:00", "+7 916 123-45-67", "Анна Петрова")
    r = await client.patch(f"/api/v1/appointments/{done['id']}/status", headers=headers, json={"status": "done"})
    assert r.status_code == 200, await r.get_data(as_text=True)
    await book(b, "2026-03-05T12:00:00+10:00", "+7 916 123-45-67", "Анна Петрова")
    cid = done["client"]["id"]
    r = await client.patch(f"/api/v1/clients/{cid}", headers=headers, json={
        "email": "anna@example.com", "birthday": "1990-05-17", "notes": "любит кофе; без сахара"})
    assert r.status_code == 200, await r.get_data(as_text=True)
    await book(a, "2026-03-03T11:00:00+03:00", "+7 903 000-00-01", '=HYPERLINK("http://x","y")')
    return a.branch_id, b.branch_id, headers


async def export(h: Harness, headers: dict[str, str], **query: str) -> Any:
    r = await h.client().get("/api/v1/clients/export", query_string=query, headers=headers)
    assert r.status_code == 200, await r.get_data(as_text=True)
    return r


async def test_xlsx_round_trip(harness: Harness) -> None:
    _, _, headers = await base(harness)
    r = await export(harness, headers, format="xlsx")
    assert 'filename="clients-2026-03-02.xlsx"' in r.headers["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(await r.get_data()))["Клиенты"]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS
    assert len(rows) == 3
    anna = next(row for row in rows if row[0] == "Анна Петрова")
    assert anna[1:8] == ("+79161234567", "anna@example.com", datetime(1990, 5, 17), None, "Менеджер",
                         "любит кофе; без сахара", datetime(2026, 3, 2, 6, 0))
    assert anna[8:11] == (1, 0, 0) and Decimal(str(anna[11])) == Decimal("1500.00")
    assert anna[12:] == (datetime(2026, 3, 2, 10, 0), datetime(2026, 3, 5, 12, 0))  # each branch's local time
    formula = next(row for row in rows if row[1] == "+79030000001")
    assert formula[0] == "'=HYPERLINK(\"http://x\",\"y\")"  # text, not a formula
    at = rows.index(anna) + 1
    assert sheet.cell(row=at, column=HEADERS.index("Дата рождения") + 1).number_format == "DD.MM.YYYY"
    assert sheet.cell(row=at, column=HEADERS.index("Потрачено") + 1).number_format == "#,##0.00"
    assert sheet.cell(row=1, column=1).font.bold
    assert sheet.column_dimensions["G"].width >= len("любит кофе; без сахара")  # the notes fit


async def test_csv_round_trip_and_the_callers_branches(harness: Harness) -> None:
    a, b, headers = await base(harness)
    r = await export(harness, headers, format="csv")
    assert r.headers["Content-Type"].startswith("text/csv")
    raw = await r.get_data()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == HEADERS and len(rows) == 3
    anna = next(row for row in rows if row[0] == "Анна Петрова")
    assert anna[1:8] == ["+79161234567", "anna@example.com", "17.05.1990", "", "Менеджер",
                         "любит кофе; без сахара", "02.03.2026 06:00"]
    assert anna[8:] == ["1", "0", "0", "1500,00", "02.03.2026 10:00", "05.03.2026 12:00"]
    assert next(row for row in rows if row[1] == "+79030000001")[0].startswith("'=")
    # a manager of salon B sees every client, with the figures of B's visits only
    token = await harness.user("boris", "manager", (b,))
    r = await export(harness, {"Authorization": f"Bearer {token}"}, format="csv", q="Анна")
    rows = list(csv.reader(io.StringIO((await r.get_data()).decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 2 and rows[1][0] == "Анна Петрова"
    assert rows[1][8:] == ["0", "0", "0", "0,00", "", "05.03.2026 12:00"]
    # a later catalogue price leaves what was spent at the price fixed at booking
    svc = next(s for s in harness.z.scheduler.services() if s.name == "cut" and a in s.branch_ids)
    r = await harness.client().patch(f"/api/v1/admin/services/{svc.id}", headers=headers, json={"price": "9999.00"})
    assert r.status_code == 200, await r.get_data(as_text=True)
    r = await export(harness, headers, format="csv", q="Анна")
    rows = list(csv.reader(io.StringIO((await r.get_data()).decode("utf-8-sig")), delimiter=";"))
    assert rows[1][11] == "1500,00"


async def test_bad_format_and_strangers(harness: Harness) -> None:
    await harness.start()
    headers = await harness.admin_headers()
    r = await harness.client().get("/api/v1/clients/export", query_string={"format": "pdf"}, headers=headers)
    assert r.status_code == 400 and r.headers["Content-Type"].startswith("application/problem+json")
    assert (await r.get_json())["code"] == "validation_error"
    r = await harness.client().get("/api/v1/clients/export", query_string={"format": "csv"})
    assert r.status_code == 401
    r = await export(harness, headers)  # no format: .xlsx, an empty base is a header row
    rows = list(openpyxl.load_workbook(io.BytesIO(await r.get_data()))["Клиенты"].iter_rows(values_only=True))
    assert rows == [tuple(HEADERS)]
