""".xls (BIFF, Excel 97-2003) rows through xlrd.

xlrd reads the sheet whole (it cannot stream BIFF); an .xls holds at most
65,536 rows and the file is under ``Limits.max_bytes``, so that is bounded.
The file is memory-mapped, not read into a bytes object. Number cells come
back as floats (``87015558672.0``; ``values`` makes digits of them), dates
as serial numbers that ``xldate_as_datetime`` converts with the
workbook's own date mode (1900 or 1904). ``ignore_workbook_corruption``
is on because real CRM exports (YCLIENTS) need it.

An encrypted .xlsx is an OLE2 file too: it is recognised by its
``EncryptionInfo`` stream and refused as password-protected.
"""

from __future__ import annotations

import io
import mmap
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import xlrd
from xlrd.compdoc import CompDoc

from api.admin.import_files.errors import UnsupportedFile
from api.admin.import_files.rows import RawRow
from api.admin.import_files.values import Cell


def open_xls(path: Path) -> Iterator[RawRow]:
    return _rows(path)


def _rows(path: Path) -> Iterator[RawRow]:
    with path.open("rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
        _check_container(data)
        book, sheet = _open(data)
        try:
            for index in range(sheet.nrows):
                yield index + 1, [_cell(book, c) for c in sheet.row(index)]
        finally:
            book.release_resources()


def _open(data: mmap.mmap) -> tuple[xlrd.book.Book, xlrd.sheet.Sheet]:
    try:
        book = xlrd.open_workbook(
            file_contents=data, on_demand=True, ignore_workbook_corruption=True, logfile=io.StringIO()
        )
        return book, _first_visible(book)
    except UnsupportedFile:
        raise
    except xlrd.XLRDError as exc:
        if "encrypt" in str(exc).lower():
            raise UnsupportedFile("file.password") from None
        raise UnsupportedFile("file.xls_unreadable", reason=str(exc)) from None
    except Exception as exc:  # noqa: BLE001 - xlrd parses hostile bytes; any failure means damage
        raise UnsupportedFile("file.xls_damaged", reason=type(exc).__name__) from None


def _check_container(data: mmap.mmap) -> None:
    try:
        names = {entry.name for entry in CompDoc(data, logfile=io.StringIO()).dirlist}
    except Exception:  # noqa: BLE001 - CompDocError, struct.error, IndexError … on damaged files
        raise UnsupportedFile("file.xls_truncated") from None
    if "EncryptionInfo" in names or "EncryptedPackage" in names:
        raise UnsupportedFile("file.password")
    if not names & {"Workbook", "Book"}:
        raise UnsupportedFile("file.office_other")


def _first_visible(book: xlrd.book.Book) -> xlrd.sheet.Sheet:
    for index in range(book.nsheets):
        sheet = book.sheet_by_index(index)
        if sheet.visibility == 0:
            return sheet
    raise UnsupportedFile("file.no_sheet")


def _cell(book: xlrd.book.Book, cell: xlrd.sheet.Cell) -> Cell:
    kind = cell.ctype
    value: Cell = cell.value
    if kind == xlrd.XL_CELL_DATE:
        try:
            when: datetime = xlrd.xldate.xldate_as_datetime(value, book.datemode)
        except (xlrd.xldate.XLDateError, ValueError, OverflowError, TypeError):
            return value  # an impossible date: the bare number, as a spreadsheet would show
        return when
    if kind in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
        return None
    if kind == xlrd.XL_CELL_BOOLEAN:
        return bool(value)
    return value
