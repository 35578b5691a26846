"""Real client files from other importers (tests/fixtures/realdata, see its README).

Expected counts were worked out by reading each file; the comments say how.
"""

from __future__ import annotations

import csv

import pytest

from actors.core.import_plan import ImportRow
from api.admin.import_files import open_import
from tests.importing.helpers import REALDATA, counts, english, plan, worded

NO_KEY = "no usable phone or telegram_id"


def read(name: str) -> list[ImportRow]:
    path = REALDATA / name
    with open_import(path, filename=name, region="RU") as upload:
        return list(upload)


def test_every_realdata_file_reads_without_an_unexpected_exception() -> None:
    names = sorted(p.name for p in REALDATA.iterdir() if p.suffix in {".csv", ".xlsx", ".xls"})
    assert len(names) == 10
    for name in names:
        rows = read(name)
        assert rows, name
        assert all(r.error is None or r.error for r in rows)
        assert plan(rows).total_rows == len(rows)


def test_headerless_salon_csv_is_read_by_content() -> None:
    path = REALDATA / "ru_salon_clients_headerless_crlf.csv"
    with open_import(path) as upload:
        assert (upload.encoding, upload.delimiter, upload.header_row) == ("utf-8", ";", None)
        assert upload.mapping == {"A": "name", "B": "name", "C": "phone"}
        rows = list(upload)
    # 300 lines, CRLF, no final newline; every line "Фамилия;Имя;10 digits", no phone repeats.
    assert [r.row for r in rows] == list(range(1, 301))
    assert rows[0] == ImportRow(1, "Воробьев Федор", "+79611655998")
    assert rows[-1].row == 300 and rows[-1].phone is not None
    assert counts(plan(rows)) == (300, 300, 0, 0, 0)


def test_salon_xlsx_with_int_phones_matches_the_csv() -> None:
    rows = read("ru_salon_clients.xlsx")
    assert [r.row for r in rows] == list(range(2, 302))  # header on row 1
    assert counts(plan(rows)) == (300, 300, 0, 0, 0)
    from_csv = read("ru_salon_clients_headerless_crlf.csv")
    assert [(r.name, r.phone) for r in rows] == [(r.name, r.phone) for r in from_csv]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        # 9 rows: 7 with a phone, all different (Лукина's two numbers differ by extension);
        # rows 5 (Мартиняхин split in 3 columns) and 9 (Лагунцов Иван) have no phone.
        ("ru_phonebook_raw_split_dupes.csv", (9, 7, 0, 0, 2)),
        # 2020 version: 8 rows (no Лукина Оксана), one of them ragged (8 fields).
        ("ru_phonebook_raw_split_dupes_2020_ragged.csv", (8, 6, 0, 0, 2)),
    ],
)
def test_phonebook(name: str, expected: tuple[int, int, int, int, int]) -> None:
    rows = read(name)
    result = plan(rows)
    assert counts(result) == expected
    assert [row for row, _ in result.errors] == [5, 9]
    assert {msg for _, msg in worded(result)} == {NO_KEY}
    by_row = {r.row: r for r in rows}
    assert by_row[5].name == "Мартиняхин Виталий Геннадьевич"  # parts joined in column order
    assert by_row[4].phone == "+74959130168"  # 8 495-913-0168
    assert by_row[7].phone == "+74957484973"  # 8(495)748-49-73
    assert by_row[8].phone == "+74959131111;ext=0792"  # (доб. 0792): leading zero kept
    assert by_row[6].phone == "+74959833699;ext=2926"
    if name == "ru_phonebook_raw_split_dupes.csv":
        assert by_row[10].phone == "+74959833699;ext=2929"
        assert by_row[10].name == "Лукина Оксана Владимировна"


def test_chatwoot_contacts() -> None:
    rows = read("chatwoot_contacts.csv")
    # 25 rows; 4 phones were written without "+" (918080808080 …), which in the
    # default region RU are not valid numbers, so those rows are errors.
    with (REALDATA / "chatwoot_contacts.csv").open(encoding="ascii") as f:
        plus = [rec["phone_number"].startswith("+") for rec in csv.DictReader(f)]
    result = plan(rows)
    assert counts(result) == (25, plus.count(True), 0, 0, plus.count(False))
    assert [row for row, _ in result.errors] == [2, 7, 14, 15]
    assert worded(result)[0][1] == "phone 918080808080 is not a valid number"
    assert rows[1].name == "Marieann Creegan" and rows[1].phone == "+918080808081"


def test_chatwoot_invalid_contacts() -> None:
    rows = read("chatwoot_invalid_contacts.csv")
    result = plan(rows)
    # rows 2-3 good; row 4 has a too-short phone; rows 5-26 omit the phone column.
    assert counts(result) == (25, 2, 0, 0, 23)
    assert worded(result)[0] == (4, "phone +91848484848 is not a valid number")
    assert [row for row, _ in result.errors[1:]] == list(range(5, 27))
    assert {msg for _, msg in worded(result)[1:]} == {NO_KEY}


def test_google_contacts_export() -> None:
    rows = read("google_contacts_export.csv")
    # 3 contacts, e-mail only: the "* " primary marker sits in "E-mail 1 - Type", not the value.
    assert [(r.name, r.email) for r in rows] == [
        ("Richard Feynman", "rich@caltech.edu"),
        ("", "iforgotthisguysnamebutihavehisemail@gmail.com"),
        ("Elon Musk", "elon.musk@tesla.com"),
    ]
    assert counts(plan(rows)) == (3, 0, 0, 0, 3)


def test_polish_cp1250_file_is_not_decoded_as_cp1251() -> None:
    path = REALDATA / "pl_clients_cp1250_dupes.csv"
    with open_import(path) as upload:
        assert upload.encoding == "cp1250"
        rows = list(upload)
    names = {r.name for r in rows}
    assert {"Tomasz Zieliński", "Paweł Nowak", "Aneta Król"} <= names
    # 34 data lines (17 twice), none empty (", ,25" has an age); no phone column at all.
    assert counts(plan(rows)) == (34, 0, 0, 0, 34)
    assert {english(r.error) for r in rows} == {NO_KEY}


@pytest.mark.parametrize("name", ["en_birthdays_cr_eol.csv", "en_birthdays_serialdate.xlsx"])
def test_birthdays_bare_cr_and_serial_date(name: str) -> None:
    # CSV: bare CR line ending, "10/12/82" month first; xlsx: serial 30236 with mm-dd-yy.
    (row,) = read(name)
    assert (row.row, row.name, row.birthday, row.notes) == (2, "Andrii Lundiak", "1982-10-12", "tbd")
    assert english(row.error) == NO_KEY

