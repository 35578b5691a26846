"""What an uploaded file really is, from its first bytes (never its name).

The extension is only checked to be one a user may upload; a workbook
saved as ``.xls`` that is really ``.xlsx`` (common) is read as what it is.
HTML tables "exported to Excel", XML spreadsheets, PDFs, images and
archives are refused with a message that says what the file is.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from api.admin.import_files.errors import FileTooLarge, UnsupportedFile
from api.texts.language import megabytes

Kind = Literal["csv", "xlsx", "xls"]
EXTENSIONS = frozenset({".csv", ".tsv", ".txt", ".xls", ".xlsx"})
ZIP = b"PK\x03\x04"
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
_KNOWN = {
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"\x1f\x8b": "a gzip archive",
    b"Rar!": "a RAR archive",
    b"7z\xbc\xaf": "a 7-Zip archive",
    b"{\\rtf": "an RTF document",
    b"PK\x05\x06": "an empty ZIP archive",
    b"PK\x07\x08": "a split ZIP archive",
}


@dataclass(frozen=True, slots=True)
class Limits:
    """``ZAPIS_IMPORT_MAX_BYTES``, ``ZAPIS_IMPORT_MAX_ROWS`` (non-empty data rows), and
    the largest cell rectangle an .xlsx sheet may span (its reader holds it in memory)."""

    max_bytes: int = 20_000_000
    max_rows: int = 200_000
    max_cells: int = 5_000_000


def sniff(path: Path, filename: str | None, limits: Limits) -> Kind:
    """The file's real format, or ``UnsupportedFile`` / ``FileTooLarge``."""
    if filename is not None:
        ext = os.path.splitext(filename)[1].lower()
        if ext not in EXTENSIONS:
            raise UnsupportedFile("file.extension", ext=ext) if ext else UnsupportedFile("file.no_extension")
    size = path.stat().st_size
    if size > limits.max_bytes:
        raise FileTooLarge("file.bytes", size=size, limit=limits.max_bytes, mb=megabytes(limits.max_bytes))
    if size == 0:
        raise UnsupportedFile("file.empty")
    with path.open("rb") as f:
        head = f.read(512)
    if head.startswith(ZIP):
        return "xlsx"
    if head.startswith(OLE2):
        return "xls"
    if head.startswith(BOMS):
        return "csv"
    for magic, what in _KNOWN.items():
        if head.startswith(magic):
            raise UnsupportedFile("file.other", thing=what)
    start = head.lstrip(b" \t\r\n").lower()
    if start.startswith(b"<"):
        what = "an HTML page" if b"html" in head.lower() or b"<table" in start else "an XML document"
        raise UnsupportedFile("file.markup", thing=what)
    return "csv"
