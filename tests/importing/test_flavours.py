"""One client list written in every supported flavour, read and planned end to end.

The expected counts are worked out here from the person each row stands
for (its tag), not copied from the importer's output.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Literal

import openpyxl
import pytest
import xlwt

from actors.core.import_plan import ImportPlan, plan_import
from actors.core.model import Client
from api.admin.import_files import open_import
from tests.importing.helpers import NOW, FakeIndex, ids, worded

EXISTING = [
    Client("anna", "Анна", "+79991234567", None),
    Client("boris", "Борис", "+79160000002", 5002, email="b@x.ru"),
]
EXISTING_IDS = {c.id for c in EXISTING}

BLANK = None
# (person, name, phone as typed, telegram_id, email, birthday, notes); "ERR" = must be an error
Row = tuple[str, str, str, int | None, str, date | None, str]
ROWS: list[Row | None] = [
    ("anna", "Анна Петрова", "+7 (999) 123-45-67", None, "anna@example.com", date(1990, 5, 17), ""),
    BLANK,
    ("anna", "Анна П.", "8 999 123 45 67", None, "", None, "постоянная"),
    ("gleb", "Глеб", "89161234567", None, "", date(1985, 1, 31), ""),
    ("gleb", "Глеб Г.", "9161234567", None, "gleb@example.com", None, ""),
    ("anna", "Анна", "89991234567", None, "", None, ""),
    ("anna", "Анна", "9991234567", None, "", None, ""),
    ("ERR", "Конфликт", "+7 999 123-45-67", 5002, "", None, ""),  # Anna's phone, Boris's telegram
    ("ERR", "Повтор", "", 5002, "", None, ""),  # repeats the conflict row
    BLANK,
    ("ERR", "Без телефона", "", None, "x@example.com", None, ""),
    ("ERR", "Плохой номер", "123", None, "", None, ""),
    ("dina", "Дина", "", 7007, "", None, ""),
    ("dina", "Дина Д.", "+7 926 000-00-07", 7007, "", date(2000, 2, 29), ""),
    ("boris", "Борис Б.", "+7 916 000-00-02", None, "", date(1979, 12, 1), ""),
]


def expected_counts() -> tuple[int, int, int, int, list[int]]:
    """(total, created, updated, duplicates, error rows) from the tags alone."""
    seen: set[str] = set()
    created = updated = duplicates = 0
    error_rows = []
    for index, row in enumerate(ROWS):
        if row is None:
            continue
        person = row[0]
        if person == "ERR":
            error_rows.append(index + 2)
        elif person in seen:
            duplicates += 1
        else:
            seen.add(person)
            if person in EXISTING_IDS:
                updated += 1
            else:
                created += 1
    total = sum(1 for r in ROWS if r is not None)
    return total, created, updated, duplicates, error_rows


def serial(day: date) -> int:
    return (day - date(1899, 12, 30)).days


# --- writers ------------------------------------------------------------------


def write_csv(
    path: Path, header: list[str], fmt: Callable[[date], str], *, encoding: str, sep: str,
    eol: str, quoting: Literal[0, 1, 2, 3] = csv.QUOTE_MINIMAL, trailing_sep: bool = False,
) -> None:
    with path.open("w", encoding=encoding, newline="") as f:
        writer = csv.writer(f, delimiter=sep, lineterminator=eol, quoting=quoting)
        writer.writerow(header + ([""] if trailing_sep else []))
        for i, row in enumerate(ROWS):
            if row is None:
                f.write(eol if i % 2 else sep * 5 + eol)  # a truly empty line, or only separators
                continue
            _, name, phone, tg, email, born, notes = row
            cells = [name, phone, "" if tg is None else str(tg), email, fmt(born) if born else "", notes]
            writer.writerow(cells + ([""] if trailing_sep else []))


def write_xlsx(path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    titles = ["Имя", "Номер телефона", "Telegram", "E-mail", "Дата рождения", "Комментарий"]
    for col, title in enumerate(titles, 1):
        ws.cell(1, col, title)
    for i, row in enumerate(ROWS):
        if row is None:
            continue
        r = i + 2
        _, name, phone, tg, email, born, notes = row
        ws.cell(r, 1, name)
        ws.cell(r, 2, int(phone) if phone.isdigit() else phone or None)  # digits as number cells
        ws.cell(r, 3, tg)
        ws.cell(r, 4, email or None)
        if born is not None and i % 2:
            ws.cell(r, 5, serial(born))  # a bare serial number in a General cell
        elif born is not None:
            ws.cell(r, 5, datetime(born.year, born.month, born.day)).number_format = "DD.MM.YYYY"
        ws.cell(r, 6, notes or None)
    wb.save(path)


def write_xls(path: Path) -> None:
    wb = xlwt.Workbook()
    ws = wb.add_sheet("Клиенты")
    dated = xlwt.easyxf(num_format_str="DD.MM.YYYY")
    for col, title in enumerate(["ФИО", "Тел.", "telegram_id", "Email", "ДР", "Примечание"]):
        ws.write(0, col, title)
    for i, row in enumerate(ROWS):
        if row is None:
            continue
        r = i + 1
        _, name, phone, tg, email, born, notes = row
        ws.write(r, 0, name)
        ws.write(r, 1, float(phone) if phone.isdigit() else phone)  # phones stored as floats
        if tg is not None:
            ws.write(r, 2, float(tg))
        ws.write(r, 3, email)
        if born is not None:
            ws.write(r, 4, datetime(born.year, born.month, born.day), dated)
        ws.write(r, 5, notes)
    wb.save(str(path))


FLAVOURS: dict[str, tuple[str, Callable[[Path], None]]] = {
    "cp1251-semicolon-ru": ("clients.csv", lambda p: write_csv(
        p, ["ФИО", "Телефон", "Telegram", "Почта", "Дата рождения", "Комментарий"],
        lambda d: d.strftime("%d.%m.%Y"), encoding="cp1251", sep=";", eol="\r\n")),
    "utf8bom-comma-en": ("clients.csv", lambda p: write_csv(
        p, ["Name", "Phone", "Telegram ID", "E-mail", "Birthday", "Notes"],
        lambda d: d.isoformat(), encoding="utf-8-sig", sep=",", eol="\n", quoting=csv.QUOTE_ALL)),
    "utf8-tab-mixed": ("clients.txt", lambda p: write_csv(
        p, ["Клиент", "Mobile", "telegram_id", "Email", "ДР", "Примечание"],
        lambda d: d.strftime("%d-%m-%Y"), encoding="utf-8", sep="\t", eol="\n", trailing_sep=True)),
    "xlsx": ("clients.xlsx", write_xlsx),
    "xls": ("clients.xls", write_xls),
}


def read_and_plan(path: Path, filename: str) -> ImportPlan:
    with open_import(path, filename=filename, region="RU") as upload:
        return plan_import(upload, FakeIndex(EXISTING), new_id=ids(), now=NOW)


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_every_flavour_gives_the_same_plan(flavour: str, tmp_path: Path) -> None:
    filename, write = FLAVOURS[flavour]
    path = tmp_path / filename
    write(path)
    result = read_and_plan(path, filename)

    total, created, updated, duplicates, error_rows = expected_counts()
    assert result.total_rows == total
    assert (len(result.created), len(result.updated), result.duplicates) == (created, updated, duplicates)
    assert [row for row, _ in result.errors] == error_rows
    messages = dict(worded(result))
    assert "different clients" in messages[9]
    assert "repeats row 9" in messages[10]
    assert messages[12] == "no usable phone or telegram_id"
    assert messages[13] == "phone 123 is not a valid number"

    fills = dict(result.updated)
    assert fills["anna"] == {"email": "anna@example.com", "birthday": "1990-05-17", "notes": "постоянная"}
    assert fills["boris"] == {"birthday": "1979-12-01"}
    gleb, dina = result.created
    assert (gleb.name, gleb.phone, gleb.email, gleb.birthday) == (
        "Глеб", "+79161234567", "gleb@example.com", "1985-01-31")
    assert (dina.name, dina.phone, dina.telegram_id, dina.birthday) == (
        "Дина", "+79260000007", 7007, "2000-02-29")
    assert {c.source for c in result.created} == {"import"}


def test_csv_flavours_are_detected(tmp_path: Path) -> None:
    found = {}
    for flavour in ("cp1251-semicolon-ru", "utf8bom-comma-en", "utf8-tab-mixed"):
        filename, write = FLAVOURS[flavour]
        path = tmp_path / f"{flavour}-{filename}"
        write(path)
        with open_import(path) as upload:
            found[flavour] = (upload.kind, upload.encoding, upload.delimiter, upload.header_row)
    assert found == {
        "cp1251-semicolon-ru": ("csv", "cp1251", ";", 1),
        "utf8bom-comma-en": ("csv", "utf-8-sig", ",", 1),
        "utf8-tab-mixed": ("csv", "utf-8", "\t", 1),
    }


def test_a_workbook_with_the_wrong_extension_is_read_by_its_content(tmp_path: Path) -> None:
    path = tmp_path / "clients.csv"
    write_xlsx(path)
    with open_import(path, filename="clients.csv") as upload:
        assert upload.kind == "xlsx"
    assert read_and_plan(path, "clients.csv").total_rows == expected_counts()[0]
