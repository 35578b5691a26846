""".xlsx rows through python-calamine, after ``ooxml.check_xlsx`` has vetted the file.

Measured on 100,000 x 6 (bench/README.md): calamine 0.4 s, openpyxl
``read_only`` 5.1 s, for ~10 MB more peak memory. Calamine holds the
sheet's cells (not the file) in native memory, which ``check_xlsx`` bounds
through ``Limits.max_cells``; rows are turned into Python lists one at a
time. It gives whole numbers as floats (``9611655998.0``: ``values`` turns
them back into digits) and date-formatted cells as ``date``/``datetime``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import python_calamine

from api.admin.import_files.errors import UnsupportedFile
from api.admin.import_files.ooxml import check_xlsx
from api.admin.import_files.rows import RawRow
from api.admin.import_files.sniff import Limits
from api.admin.import_files.values import Cell


def open_xlsx(path: Path, limits: Limits) -> Iterator[RawRow]:
    sheet = check_xlsx(path, limits)
    return _rows(path, sheet)


def _rows(path: Path, sheet_name: str) -> Iterator[RawRow]:
    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
        sheet = workbook.get_sheet_by_name(sheet_name)
    except python_calamine.PasswordError:
        raise UnsupportedFile("file.password") from None
    except Exception as exc:  # noqa: BLE001 - CalamineError and friends on a damaged file
        raise UnsupportedFile("file.xlsx_unreadable", reason=str(exc)) from None
    try:
        # calamine yields rows from the sheet's first row (row 1), but columns
        # from the first used column: put the missing columns back so that
        # column letters match what the user sees.
        pad: list[Cell] = [None] * (sheet.start[1] if sheet.start else 0)
        for index, cells in enumerate(sheet.iter_rows()):
            yield index + 1, [*pad, *cells] if pad else cells
    except python_calamine.CalamineError as exc:
        raise UnsupportedFile("file.xlsx_unreadable", reason=str(exc)) from None
    finally:
        workbook.close()
