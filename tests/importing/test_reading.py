"""Reading whole files: row numbers, headers, mappings, odd layouts, bounded memory."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import openpyxl
import pytest

from actors.core.import_plan import ImportRow
from api.admin.import_files import InvalidMapping, open_import
from tests.importing.helpers import english, refused


def rows_of(path: Path, **options: object) -> list[ImportRow]:
    with open_import(path, **options) as upload:  # type: ignore[arg-type]
        return list(upload)


def write(tmp_path: Path, name: str, content: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode(encoding))
    return path


def test_row_numbers_are_what_a_spreadsheet_shows(tmp_path: Path) -> None:
    content = (
        "Имя,Телефон,Комментарий\n"
        "\n"
        'Анна,+79991234567,"две\nстроки"\n'  # one spreadsheet row
        ",,\n"
        "Борис,+79160000002,\n"
    )
    rows = rows_of(write(tmp_path, "a.csv", content))
    assert [(r.row, r.name) for r in rows] == [(3, "Анна"), (5, "Борис")]
    assert rows[0].notes == "две\nстроки"


def test_a_title_above_the_header_is_skipped(tmp_path: Path) -> None:
    content = "Клиенты салона на 01.06.2025;;\n;;\nФИО;Телефон;Email\nАнна;89991234567;a@x.ru\n"
    path = write(tmp_path, "a.csv", content, "cp1251")
    with open_import(path) as upload:
        assert upload.header_row == 3
        (row,) = list(upload)
    assert (row.row, row.name, row.phone, row.email) == (4, "Анна", "+79991234567", "a@x.ru")


def test_a_first_data_row_that_reads_like_a_header_is_still_data(tmp_path: Path) -> None:
    content = "Клиент 1;+7 999 123-45-67\nКлиент 2;+7 916 000-00-02\n"
    with open_import(write(tmp_path, "a.csv", content)) as upload:
        assert upload.header_row is None
        rows = list(upload)
    assert [(r.row, r.name, r.phone) for r in rows] == [
        (1, "Клиент 1", "+79991234567"), (2, "Клиент 2", "+79160000002")]


def test_header_only_file_has_no_rows(tmp_path: Path) -> None:
    assert rows_of(write(tmp_path, "a.csv", "Имя;Телефон\r\n")) == []


def test_bitrix_style_export(tmp_path: Path) -> None:
    # UTF-8 BOM, ";", every field quoted, a trailing ";", phones in two columns, two in one cell.
    content = (
        '"Имя";"Фамилия";"Рабочий телефон";"Мобильный телефон";"E-mail";\r\n'
        '"Анна";"Петрова";"";"+7 999 123-45-67, +7 916 000-00-02";"a@x.ru";\r\n'
        '"Борис";"";"8 (495) 913-04-78";"8 916 000 00 03";"";\r\n'
    )
    with open_import(write(tmp_path, "bitrix.csv", "\ufeff" + content)) as upload:
        assert (upload.encoding, upload.delimiter) == ("utf-8-sig", ";")
        assert upload.mapping == {
            "Имя": "name", "Фамилия": "name", "Мобильный телефон": "phone", "E-mail": "email"
        }
        anna, boris = list(upload)
    assert (anna.name, anna.phone) == ("Анна Петрова", "+79991234567")
    assert anna.notes == "Доп. телефон: +79160000002"
    assert boris.phone == "+79160000003"  # "Рабочий телефон" is not a recognised header


def test_explicit_mapping_replaces_recognition(tmp_path: Path) -> None:
    content = "Клиент,Контакт,Телефон,Заметка\nАнна,+79991234567,рабочий 123,VIP\n"
    path = write(tmp_path, "a.csv", content)
    mapping = {"клиент": "name", "Контакт": "phone", "Заметка": "notes"}  # case-insensitive names
    with open_import(path, mapping=mapping) as upload:
        assert upload.mapping == {"Клиент": "name", "Контакт": "phone", "Заметка": "notes"}
        (row,) = list(upload)
    assert (row.name, row.phone, row.notes, row.error) == ("Анна", "+79991234567", "VIP", None)


def test_mapping_by_column_letters_for_a_headerless_file(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", "+79991234567;Анна;VIP\n+79160000002;Борис;\n")
    with open_import(path, mapping={"A": "phone", "B": "name", "C": "notes"}) as upload:
        assert upload.header_row is None
        rows = list(upload)
    assert [(r.row, r.name, r.phone, r.notes) for r in rows] == [
        (1, "Анна", "+79991234567", "VIP"), (2, "Борис", "+79160000002", "")]


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"Телефон": "mobile"}, "unknown field 'mobile'"),
        ({"Мобильник": "phone"}, "column 'Мобильник' is not in the file"),
        ({"Телефон": 5}, "must map column names"),
        ({5: "phone"}, "must map column names"),
        ({}, "non-empty"),
    ],
)
def test_invalid_mappings_are_refused(tmp_path: Path, mapping: dict[object, object], message: str) -> None:
    path = write(tmp_path, "a.csv", "Имя,Телефон\nАнна,+79991234567\n")
    with refused(InvalidMapping, message):
        open_import(path, mapping=mapping)  # type: ignore[arg-type]


def test_what_does_not_fit_a_field_goes_to_notes(tmp_path: Path) -> None:
    content = (
        "Имя;Телефон;Telegram;Дата рождения;Комментарий\n"
        "Анна;89991234567;@anna_p;31.02.1990;VIP\n"
        "Борис;123;5002;;\n"  # a bad phone is an error even with a good telegram_id
        "Вера;;12ab;;\n"
    )
    anna, boris, vera = rows_of(write(tmp_path, "a.csv", content))
    assert (anna.telegram_id, anna.birthday, anna.error) == (None, "", None)
    assert anna.notes == "VIP; Telegram: @anna_p; Дата рождения: 31.02.1990"
    assert english(boris.error) == "phone 123 is not a valid number"
    assert english(vera.error) == "telegram_id 12ab is not a valid Telegram user id"


def test_utf16_unicode_text_export(tmp_path: Path) -> None:
    # Excel's "Unicode text": UTF-16 LE with a BOM, tab-separated.
    path = write(tmp_path, "a.txt", "Имя\tТелефон\r\nАнна\t89991234567\r\n", "utf-16")
    with open_import(path) as upload:
        assert (upload.encoding, upload.delimiter) == ("utf-16", "\t")
        (row,) = list(upload)
    assert row.phone == "+79991234567"


def test_xlsx_data_away_from_a1_keeps_its_row_numbers_and_letters(tmp_path: Path) -> None:
    path = tmp_path / "offset.xlsx"
    wb = openpyxl.Workbook()
    hidden = wb.active
    assert hidden is not None
    hidden["A1"] = "a hidden first sheet is skipped"
    hidden.sheet_state = "hidden"
    ws = wb.create_sheet("Клиенты")
    ws["C3"], ws["D3"] = "Анна", 89991234567
    ws["C5"], ws["D5"] = "Борис", 89160000002
    wb.save(path)
    with open_import(path, mapping={"C": "name", "D": "phone"}) as upload:
        rows = list(upload)
    assert [(r.row, r.name, r.phone) for r in rows] == [
        (3, "Анна", "+79991234567"), (5, "Борис", "+79160000002")]


def test_an_import_file_is_iterated_once(tmp_path: Path) -> None:
    with open_import(write(tmp_path, "a.csv", "Имя,Телефон\nАнна,89991234567\n")) as upload:
        assert len(list(upload)) == 1
        with pytest.raises(RuntimeError):
            iter(upload)


def test_memory_stays_bounded_while_streaming(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8") as f:
        f.write("Имя;Телефон;Email;Комментарий\n")
        for i in range(4_000):
            f.write(f"Клиент номер {i};+7999{i:07d};client{i}@example.com;{'заметка ' * 200}\n")
    assert path.stat().st_size > 7_000_000
    tracemalloc.start()
    try:
        with open_import(path) as upload:
            count = sum(1 for _ in upload)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert count == 4_000
    assert peak < 3_000_000  # a few chunks, not the file: rows are streamed
