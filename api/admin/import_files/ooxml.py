"""Checks an .xlsx before any Excel reader opens it.

A hostile workbook must not be able to take the server down, and
python-calamine can: it builds the whole cell rectangle of a sheet in
memory, so a 5 KB file with one cell at ``XFD1048576`` asks for 500 GB and
the process aborts (a Rust allocation failure, not a Python exception).
So, in this order, cheapest first:

1. the ZIP central directory: entry count, no ZIP encryption, declared
   uncompressed sizes (``MAX_UNCOMPRESSED`` in all, ``MAX_PART`` for one
   part) and compression ratios (more than ``MAX_RATIO`` : 1 on a part over
   1 MiB is a bomb; 100 : 1 is Apache POI's ``ZipSecureFile`` default,
   real sheets compress about 10 : 1);
2. that it is a workbook at all (``xl/workbook.xml``), and which sheet to
   read: the first visible worksheet;
3. one streaming inflate of every part through ``zipfile``, which stops at
   the declared size and checks each CRC (so lying headers, truncation and
   corruption are caught), measuring on the way the real extent of the
   chosen sheet's cells (``sheetscan``; ``FileTooLarge`` past
   ``Limits.max_cells``).
"""

from __future__ import annotations

import posixpath
import struct
import zipfile
import zlib
from pathlib import Path
from xml.etree import ElementTree

from api.admin.import_files.errors import FileTooLarge, UnsupportedFile
from api.admin.import_files.sheetscan import Extent, scan_extent
from api.admin.import_files.sniff import Limits

MAX_ENTRIES = 10_000
MAX_UNCOMPRESSED = 512 * 2**20
MAX_PART = 384 * 2**20
MAX_RATIO = 100
RATIO_GRACE = 2**20  # small parts may compress better than MAX_RATIO
CHUNK = 2**20
MAX_METADATA = 16 * 2**20  # workbook.xml and its relationships, parsed in memory
_NOT_WORKBOOK = {
    "xl/workbook.bin": "an .xlsb workbook; save it as .xlsx",
    "mimetype": "an OpenDocument file (.ods); save it as .xlsx",
    "word/document.xml": "a Word document",
    "ppt/presentation.xml": "a PowerPoint presentation",
}


def check_xlsx(path: Path, limits: Limits) -> str:
    """Return the name of the sheet to read, or raise ``UnsupportedFile``/``FileTooLarge``."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            _check_directory(infos)
            names = {i.filename for i in infos}
            if "xl/workbook.xml" not in names:
                what = next((w for n, w in _NOT_WORKBOOK.items() if n in names), None)
                raise UnsupportedFile("file.zip_other", thing=what) if what else UnsupportedFile("file.zip")
            sheet, part = _first_sheet(archive, names)
            for info in infos:
                with archive.open(info) as stream:
                    if info.filename == part:
                        _check_extent(sheet, scan_extent(stream), limits)
                    else:
                        while stream.read(CHUNK):
                            pass
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, struct.error, EOFError,
            ValueError, NotImplementedError, OSError):  # what zipfile raises on damaged bytes
        raise UnsupportedFile("file.xlsx_damaged") from None
    except RuntimeError:  # zipfile: "File ... is encrypted, password required"
        raise UnsupportedFile("file.xlsx_encrypted") from None
    except ElementTree.ParseError:
        raise UnsupportedFile("file.xlsx_not_xml") from None
    return sheet


def _check_directory(infos: list[zipfile.ZipInfo]) -> None:
    if len(infos) > MAX_ENTRIES:
        raise UnsupportedFile("file.xlsx_parts", count=len(infos))
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise UnsupportedFile("file.xlsx_encrypted")
        size = info.file_size
        total += size
        ratio = size / max(info.compress_size, 1)
        if size > MAX_PART or total > MAX_UNCOMPRESSED or (size > RATIO_GRACE and ratio > MAX_RATIO):
            raise UnsupportedFile("file.zip_bomb")


def _first_sheet(archive: zipfile.ZipFile, names: set[str]) -> tuple[str, str]:
    """(name, part path) of the first visible worksheet."""
    rels_path = "xl/_rels/workbook.xml.rels"
    targets: dict[str, str] = {}
    if rels_path in names:
        for rel in ElementTree.fromstring(_read_small(archive, rels_path)):
            if rel.get("Type", "").endswith("/worksheet"):
                target = rel.get("Target", "")
                full = target.lstrip("/") if target.startswith("/") else "xl/" + target
                targets[rel.get("Id", "")] = posixpath.normpath(full)
    for element in ElementTree.fromstring(_read_small(archive, "xl/workbook.xml")).iter():
        if not element.tag.endswith("}sheet") or element.get("state") in {"hidden", "veryHidden"}:
            continue
        rel_id = next((v for k, v in element.attrib.items() if k.endswith("}id")), "")
        if targets.get(rel_id) in names:
            return element.get("name", ""), targets[rel_id]
    raise UnsupportedFile("file.no_sheet")


def _read_small(archive: zipfile.ZipFile, name: str) -> bytes:
    if archive.getinfo(name).file_size > MAX_METADATA:
        raise UnsupportedFile("file.part_huge", name=name)
    return archive.read(name)


def _check_extent(sheet: str, extent: Extent, limits: Limits) -> None:
    area = extent.rows * extent.columns
    if extent.cells > limits.max_cells or area > limits.max_cells:
        raise FileTooLarge("file.cells", sheet=sheet, rows=extent.rows, columns=extent.columns,
                           limit=limits.max_cells)
