"""Tables as downloadable files: ``.xlsx`` (openpyxl) and ``.csv`` for Russian Excel.

A file is a list of ``Table`` (one sheet each in ``.xlsx``). A cell's Python
type says what it is, in both formats:

- ``int`` — a whole number; ``Decimal`` — money (``#,##0.00``); ``float`` — a
  number with two decimals (a rating, a percentage); ``Share`` — a ratio 0..1
  shown as a percentage in ``.xlsx`` (``0.0%``), the ratio itself in ``.csv``;
- ``date`` / ``datetime`` (naive, already local) — real dates in ``.xlsx``;
- ``str`` — text; ``None`` — an empty cell.

``.csv`` is what Russian Excel opens with a double click: UTF-8 with a BOM
(else Cyrillic comes out garbled), ``;`` between fields (the list separator of
the Russian locale, where ``,`` is the decimal mark), decimal commas, dates as
``ДД.ММ.ГГГГ``, CRLF line ends. Several tables in one ``.csv`` follow one
another, each under a line with its title, with an empty line between them.
The files carry client names and notes, which anyone can type, so text that
Excel would run as a formula gets a leading apostrophe (CSV injection): in
``.csv`` text starting with ``=``, ``+``, ``-``, ``@`` unless it is only a
number's characters (a phone ``+79161234567`` stays as it is), in ``.xlsx``
text starting with ``=`` (openpyxl would write it as a formula; other text
cells are never evaluated).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

Value = str | int | float | Decimal | date | datetime | None
Format = Literal["csv", "xlsx"]
MIME: dict[str, str] = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER_LIKE = re.compile(r"[+-]?\d[\d\s()-]*(;ext=\d+)?")  # a phone (with its extension), a signed number
_MAX_WIDTH = 60


class Share(float):
    """A ratio 0..1 (utilization, conversion): a percentage in a spreadsheet."""


@dataclass(frozen=True, slots=True)
class Table:
    title: str  # the sheet's name (at most 31 characters) and the CSV section's title
    headers: tuple[str, ...]
    rows: list[tuple[Value, ...]] = field(default_factory=list)


def _safe_csv_text(text: str) -> str:
    risky = text.startswith(_FORMULA_START) and not _NUMBER_LIKE.fullmatch(text)
    return "'" + text if risky else text


def _safe_xlsx_text(text: str) -> str:
    return "'" + text if text.startswith("=") else text


# ------------------------------------------------------------ csv


def _csv_cell(value: Value) -> str:
    match value:
        case None:
            return ""
        case bool():
            return "да" if value else "нет"
        case datetime():
            return value.strftime("%d.%m.%Y %H:%M")
        case date():
            return value.strftime("%d.%m.%Y")
        case Decimal():
            return f"{value:.2f}".replace(".", ",")
        case Share():
            return f"{float(value):g}".replace(".", ",")
        case float():
            return f"{value:g}".replace(".", ",")
        case int():
            return str(value)
    return _safe_csv_text(str(value))


def to_csv(tables: Sequence[Table], *, titles: bool = True) -> bytes:
    """The tables one after another (``titles=False`` for a single plain table)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    for i, table in enumerate(tables):
        if i:
            writer.writerow([])
        if titles:
            writer.writerow([table.title])
        writer.writerow(table.headers)
        writer.writerows([_csv_cell(v) for v in row] for row in table.rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# ------------------------------------------------------------ xlsx

_FORMATS: tuple[tuple[type, str], ...] = (
    (datetime, "DD.MM.YYYY HH:MM"), (date, "DD.MM.YYYY"), (Decimal, "#,##0.00"),
    (Share, "0.0%"), (float, "0.00"), (int, "0"),
)


def _shown_width(value: Value) -> int:
    """About how many characters the cell shows (for the column's width)."""
    match value:
        case None:
            return 0
        case datetime():
            return 16
        case date():
            return 10
        case Decimal():
            return len(f"{value:,.2f}")
        case Share():
            return 6
        case float():
            return len(f"{value:.2f}")
    return max((len(line) for line in str(value).splitlines()), default=0)


def _number_format(value: Value) -> str | None:
    if isinstance(value, bool):
        return None
    return next((f for kind, f in _FORMATS if isinstance(value, kind)), None)


def to_xlsx(tables: Sequence[Table]) -> bytes:
    """Write-only (streamed) sheets: a formatted cell only where a number format is needed."""
    book = Workbook(write_only=True)
    for table in tables:
        sheet = book.create_sheet(table.title[:31])
        widths = [len(h) for h in table.headers]
        for row in table.rows:
            for i, value in enumerate(row):
                widths[i] = max(widths[i], _shown_width(value))
        for i, width in enumerate(widths, 1):  # before any row: a write-only sheet writes as it goes
            sheet.column_dimensions[get_column_letter(i)].width = min(_MAX_WIDTH, width + 2)
        sheet.freeze_panes = "A2"
        header = []
        for text in table.headers:
            cell = WriteOnlyCell(sheet, text)
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            header.append(cell)
        sheet.append(header)
        for row in table.rows:
            out_row: list[object] = []
            for value in row:
                if isinstance(value, str):
                    out_row.append(_safe_xlsx_text(value))
                elif (number_format := _number_format(value)) is not None:
                    cell = WriteOnlyCell(sheet)
                    cell.value = value  # the stub's constructor leaves out date and Decimal; the setter has them
                    cell.number_format = number_format
                    out_row.append(cell)
                else:
                    out_row.append(value)
            sheet.append(out_row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def render(tables: Sequence[Table], fmt: Format, *, titles: bool = True) -> bytes:
    return to_xlsx(tables) if fmt == "xlsx" else to_csv(tables, titles=titles)


def attachment(filename: str) -> dict[str, str]:
    """Headers that make a browser save the body as ``filename`` (ASCII)."""
    return {"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"}
