"""How far the cells of a worksheet XML part really reach, measured before reading it.

python-calamine allocates the full rectangle from A1 (well, from the first
used cell) to the farthest cell, so this measurement must agree with how
an XML parser reads ``r="…"`` — including single quotes, spaces around
``=``, character references, prefixes and cells without ``r``, each of
which a naive regex would miss (and a hidden ``XFD1048576`` aborts the
process).

Fast path (~0.3 s per 100,000 x 6 cells): the part is in the canonical
form every real producer writes (Excel, LibreOffice, Google Sheets,
openpyxl): every ``<c`` has ``r="B7"`` in double quotes, no single-quoted
attributes, no spaces around ``=``, no prefixed ``r``. Anything else is
measured by the exact path, a real XML parser (expat, ~3x slower), which
also refuses DTDs and references that are not ``A1``-style.
"""

from __future__ import annotations

import re
import xml.parsers.expat
from dataclasses import dataclass
from typing import IO

from api.admin.import_files.errors import UnsupportedFile

CHUNK = 2**20
_CANONICAL = re.compile(rb'\sr="([A-Z]{1,3})(\d{1,7})"')
_REF = re.compile(r"^([A-Z]{1,3})([1-9]\d{0,6})$")
# Cell start tags, with or without a prefix (over-counting only costs the fast path).
_CELL_TAGS = (b"<c ", b"<c>", b"<c/>", b":c ", b":c>", b":c/>")
# Byte patterns that never occur in canonical sheet XML but could hide a reference.
_ODD = (b"='", b"r =", b"r\t=", b"r\n=", b"r\r=", b'= "', b"=\t", b"=\n", b"=\r", b":r=", b"\"r=")


@dataclass(frozen=True, slots=True)
class Extent:
    cells: int
    rows: int  # the last row number that has a cell
    columns: int  # the last column number that has a cell


def scan_extent(stream: IO[bytes]) -> Extent:
    """Measure a seekable stream of worksheet XML (a ``zipfile`` member)."""
    fast = _fast(stream)
    if fast is not None:
        return fast
    stream.seek(0)
    return _exact(stream)


def _fast(stream: IO[bytes]) -> Extent | None:
    cells = refs = max_row = 0
    columns: set[bytes] = set()
    tail = b""
    while True:
        chunk = stream.read(CHUNK)
        buf = tail + chunk
        cut = _cut(buf) if chunk else len(buf)
        part, tail = buf[:cut], buf[cut:]
        if any(odd in part for odd in _ODD):
            return None
        cells += sum(part.count(tag) for tag in _CELL_TAGS)
        found = _CANONICAL.findall(part)
        refs += len(found)
        if cells != refs:
            return None
        if found:
            rows = [digits for _, digits in found]
            longest = max(map(len, rows))
            max_row = max(max_row, int(max(d for d in rows if len(d) == longest)))
            columns.update(letters for letters, _ in found)
        if not chunk:
            widest = max(columns, key=lambda c: (len(c), c), default=b"")
            return Extent(cells, max_row, column_number(widest.decode()))


def _cut(buf: bytes) -> int:
    """Where to end this part: before the last tag, which may be incomplete."""
    cut = buf.rfind(b"<")
    return cut if cut > 0 else max(0, len(buf) - 64)


@dataclass(slots=True)
class _Walker:
    """expat callbacks placing cells the way spreadsheet readers do."""

    row: int = 0
    col: int = 0
    rows: int = 0
    columns: int = 0
    cells: int = 0

    def start(self, name: str, attrs: dict[str, str]) -> None:
        local = name.rsplit(" ", 1)[-1]
        if local not in ("row", "c"):
            return
        refs = [v for k, v in attrs.items() if k.rsplit(" ", 1)[-1] == "r"]
        if local == "row":
            if refs and not all(r.isdigit() for r in refs):
                raise UnsupportedFile("file.sheet_row", ref=refs[0])
            self.row, self.col = (max(map(int, refs)) if refs else self.row + 1), 0
            return
        self.cells += 1
        if not refs:
            self.col += 1
            self.row = max(self.row, 1)
        for ref in refs:
            match = _REF.match(ref)
            if match is None:
                raise UnsupportedFile("file.sheet_cell", ref=ref)
            self.col, self.row = column_number(match[1]), int(match[2])
            self.columns = max(self.columns, self.col)
            self.rows = max(self.rows, self.row)
        self.columns = max(self.columns, self.col)
        self.rows = max(self.rows, self.row)


def _exact(stream: IO[bytes]) -> Extent:
    walker = _Walker()
    parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = walker.start

    def no_dtd(*_: object) -> None:
        raise UnsupportedFile("file.sheet_dtd")

    parser.StartDoctypeDeclHandler = no_dtd
    try:
        while chunk := stream.read(CHUNK):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except xml.parsers.expat.ExpatError as exc:
        raise UnsupportedFile("file.sheet_xml", reason=str(exc)) from None
    return Extent(walker.cells, walker.rows, walker.columns)


def column_number(letters: str) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + ord(ch) - 64
    return number
