"""Cell-level decisions: dates, phones, telegram ids, header names, encodings, separators."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from api.admin.import_files.csvread import cyrillic_or_central_european, detect_delimiter
from api.admin.import_files.headers import normalize, role_of
from api.admin.import_files.values import birthday, phones, telegram, text


@pytest.mark.parametrize(
    ("cell", "iso"),
    [
        ("1990-05-17", "1990-05-17"),
        ("1990.05.17", "1990-05-17"),
        ("17.05.1990", "1990-05-17"),  # dots: day first
        ("17-05-1990", "1990-05-17"),  # dashes with the year last: day first (YCLIENTS)
        ("05-11-1990", "1990-11-05"),
        ("10/12/82", "1982-10-12"),  # slashes: month first (US-locale export) ...
        ("25/12/1990", "1990-12-25"),  # ... unless the first number cannot be a month
        ("1.2.05", "2005-02-01"),  # two-digit years as Excel: 00-29 -> 20xx
        ("1.2.30", "1930-02-01"),  # 30-99 -> 19xx
        ("1982-10-12 00:00:00", "1982-10-12"),
        ("1982-10-12T00:00:00", "1982-10-12"),
        (30236, "1982-10-12"),  # an Excel serial number
        (30236.0, "1982-10-12"),
        ("30236", "1982-10-12"),
        (date(2000, 2, 29), "2000-02-29"),
        (datetime(1979, 12, 1, 0, 0), "1979-12-01"),
    ],
)
def test_birthdays(cell: object, iso: str) -> None:
    assert birthday(cell) == iso  # type: ignore[arg-type]


@pytest.mark.parametrize("cell", ["31.02.1990", "abc", "12", "1850-01-01", "13/13/2020", "", -5, 0, True])
def test_unreadable_birthdays_raise(cell: object) -> None:
    with pytest.raises(ValueError):
        birthday(cell)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("cell", "found"),
    [
        ("+7 (999) 123-45-67", ["+79991234567"]),
        ("8 999 123 45 67", ["+79991234567"]),
        ("89991234567", ["+79991234567"]),
        ("9991234567", ["+79991234567"]),
        (89991234567.0, ["+79991234567"]),  # a number cell from .xls/.xlsx
        (9611655998, ["+79611655998"]),
        ("87015558672.0", ["+77015558672"]),  # the float artefact as text
        ("7.9991234567E+10", ["+79991234567"]),  # scientific notation from a spreadsheet
        ("8 (423) 202-25-11, доб. 100", ["+74232022511;ext=100"]),
        ("+7 (495) 913-11-11 (доб. 0792)", ["+74959131111;ext=0792"]),
        ("+7 999 123-45-67, +7 916 000-00-02", ["+79991234567", "+79160000002"]),
        ("+79991234567 ::: +79160000002", ["+79991234567", "+79160000002"]),
        ("123", []),
        ("12345678901", []),
    ],
)
def test_phones(cell: object, found: list[str]) -> None:
    assert phones(cell, "RU")[0] == found  # type: ignore[arg-type]


def test_kazakh_numbers_keep_their_region() -> None:
    assert phones("87015558672", "RU")[0] == ["+77015558672"]
    assert phones("701 795 95 14", "KZ")[0] == ["+77017959514"]


@pytest.mark.parametrize(
    ("cell", "result"),
    [
        (5167898484, (5167898484, "")),  # ids above 2**32 exist
        (5167898484.0, (5167898484, "")),
        ("123456789", (123456789, "")),
        ("@pvnimaxin", (None, "@pvnimaxin")),  # a username is not an id: kept for notes
        ("https://t.me/pvnimaxin", (None, "https://t.me/pvnimaxin")),
        ("", (None, "")),
        (None, (None, "")),
    ],
)
def test_telegram(cell: object, result: tuple[int | None, str]) -> None:
    assert telegram(cell) == result  # type: ignore[arg-type]


@pytest.mark.parametrize("cell", ["12ab", "-5", 0, 2**60, True])
def test_invalid_telegram_ids_raise(cell: object) -> None:
    with pytest.raises(ValueError):
        telegram(cell)  # type: ignore[arg-type]


def test_text_of_cells() -> None:
    assert text(9611655998.0) == "9611655998"
    assert text("  Анна \u00a0 Петрова ") == "Анна Петрова"
    assert text(datetime(1990, 5, 17)) == "1990-05-17"
    assert text(None) == ""


@pytest.mark.parametrize(
    ("header", "role"),
    [
        ("Имя", "name_part"), ("ФИО", "name"), ("Клиент", "name"), ("Фамилия", "name_part"),
        ("Отчество", "name_part"), ("Телефон", "phone"), ("Тел.", "phone"), ("Мобильный", "phone"),
        ("Номер телефона", "phone"), ("Phone", "phone"), ("Phone 1 - Value", "phone"),
        ("Телефон 2", "phone"), ("Mobile", "phone"), ("Telegram", "telegram_id"),
        ("telegram_id", "telegram_id"), ("Email", "email"), ("E-mail", "email"),
        ("E-mail 1 - Value", "email"), ("Почта", "email"), ("Дата рождения", "birthday"),
        ("ДАТА  РОЖДЕНИЯ", "birthday"), ("Birthday", "birthday"), ("ДР", "birthday"),
        ("Комментарий", "notes"), ("Примечание", "notes"), ("Notes", "notes"),
        ("first_name", "name_part"), ("Family Name", "name_part"),
        ("E-mail 1 - Type", ""), ("Phone 1 - Type", ""), ("Organization 1 - Name", ""),
        ("№", ""), ("age", ""), ("", ""),
    ],
)
def test_header_recognition(header: str, role: str) -> None:
    assert role_of(header) == role


def test_header_normalisation() -> None:
    assert normalize(" Номер  телефона: ") == "номертелефона"
    assert normalize("Ёмкость") == "емкость"


def test_cp1251_and_cp1250_are_told_apart() -> None:
    russian = "Иванов Иван;+79991234567;постоянный клиент\nПетрова Анна;89160000002;VIP".encode("cp1251")
    polish = "Tomasz Zieliński,,32\nPaweł Nowak,pawel@example.com,27\nAneta Król,a@x.pl,30".encode("cp1250")
    assert cyrillic_or_central_european(russian) == "cp1251"
    assert cyrillic_or_central_european(polish) == "cp1250"
    assert cyrillic_or_central_european("№ «»".encode("cp1251")) == "cp1251"  # no evidence: SPEC's default


@pytest.mark.parametrize(
    ("sample", "sep"),
    [
        ("a;b;c\n1;2;3\n", ";"),
        ("a,b,c\n1,2,3\n", ","),
        ("a\tb\tc\n1\t2\t3\n", "\t"),
        ('"Иванов, Иван";"+7 999";"x"\n"Петров, Пётр";"+7 916";"y"\n', ";"),  # quoted commas
        ('name,notes\n"Анна","любит; кофе"\n', ","),  # quoted semicolons
        ("Иванов;Иван;999, 916\nПетров;Пётр;915\n", ";"),  # an unquoted comma in one cell
        ("phones\n+79991234567\n", ","),  # one column: any separator does
    ],
)
def test_separator_detection(sample: str, sep: str) -> None:
    assert detect_delimiter(sample, complete=True) == sep
