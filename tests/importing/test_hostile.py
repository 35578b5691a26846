"""Files that must be refused whole, with UnsupportedFile or FileTooLarge, never a crash."""

from __future__ import annotations

import random
import re
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from actors.core.import_plan import plan_import
from api.admin.import_files import FileTooLarge, ImportFileError, Limits, UnsupportedFile, open_import
from tests.importing.helpers import FIXTURES, NOW, FakeIndex, ids, refused
from tests.importing.test_flavours import FLAVOURS

WORKBOOK_XML = (
    b'<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    b'<sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
RELS_XML = (
    b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" '
    b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    b'Target="worksheets/sheet1.xml"/></Relationships>'
)


def read_all(path: Path, filename: str | None = None, limits: Limits = Limits()) -> None:
    with open_import(path, filename=filename, limits=limits) as upload:
        plan_import(upload, FakeIndex(), new_id=ids(), now=NOW)


def small_xlsx(path: Path) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["Имя", "Телефон"])
    for i in range(200):
        ws.append([f"Клиент {i}", f"+7999{i:07d}"])
    wb.save(path)
    return path.read_bytes()


def fake_workbook(path: Path, sheet: bytes, *, compress: int = zipfile.ZIP_DEFLATED) -> None:
    with zipfile.ZipFile(path, "w", compress) as z:
        z.writestr("[Content_Types].xml", b"<Types/>")
        z.writestr("xl/workbook.xml", WORKBOOK_XML)
        z.writestr("xl/_rels/workbook.xml.rels", RELS_XML)
        z.writestr("xl/worksheets/sheet1.xml", sheet)


@pytest.mark.parametrize("filename", ["clients.exe", "clients.pdf", "clients", "clients.numbers"])
def test_extensions_other_than_csv_xls_xlsx_are_refused(tmp_path: Path, filename: str) -> None:
    path = tmp_path / "upload"
    path.write_text("Имя,Телефон\nАнна,+79991234567\n", encoding="utf-8")
    with pytest.raises(UnsupportedFile):
        read_all(path, filename)


@pytest.mark.parametrize("filename", ["garbage.csv", "garbage.xlsx", "garbage.xls"])
def test_garbage_bytes_are_refused(tmp_path: Path, filename: str) -> None:
    path = tmp_path / filename
    path.write_bytes(random.Random(7).randbytes(50_000))
    with pytest.raises(UnsupportedFile):
        read_all(path, filename)


@pytest.mark.parametrize(
    "content",
    [
        b"<!DOCTYPE html><html><body><table><tr><td>1</td></tr></table></body></html>",
        b"\r\n  <html><head><title>Export</title></head></html>",
        b'<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"/>',
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n",
        b"\x89PNG\r\n\x1a\n\x00\x00",
        b"",
        b"\x00\x01\x02 not text at all \x00",
        b"\xef\xbb\xbfName,Phone\n\xff\xfe\xfd,+79991234567\n",  # a UTF-8 BOM, then not UTF-8
        b"\xff\xfeN\x00a\x00\x00\xd8",  # a UTF-16 BOM, then a broken surrogate
    ],
)
def test_disguised_documents_are_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "clients.xlsx"
    path.write_bytes(content)
    with pytest.raises(UnsupportedFile):
        read_all(path, "clients.xlsx")


def test_zip_bomb_disguised_as_xlsx_is_refused_from_its_directory(tmp_path: Path) -> None:
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", b"<Types/>")
        z.writestr("xl/workbook.xml", WORKBOOK_XML)
        z.writestr("xl/_rels/workbook.xml.rels", RELS_XML)
        with z.open("xl/worksheets/sheet1.xml", "w") as member:
            block = b"\x00" * (1 << 20)
            for _ in range(64):  # 64 MiB of zeros, ~65 KB compressed
                member.write(block)
    assert path.stat().st_size < 200_000
    with refused(UnsupportedFile, "ZIP bomb"):
        read_all(path, "clients.xlsx")


def test_zip_bomb_with_lying_sizes_is_caught_while_inflating(tmp_path: Path) -> None:
    """Declared sizes small and plausible; the real data is far bigger."""
    path = tmp_path / "liar.xlsx"
    fake_workbook(path, b"<worksheet>" + b" " * (8 << 20) + b"</worksheet>")
    name = "xl/worksheets/sheet1.xml"
    declared = 100_000
    with zipfile.ZipFile(path) as z:
        local, central = z.getinfo(name).header_offset, z.start_dir
    data = bytearray(path.read_bytes())
    struct.pack_into("<I", data, local + 22, declared)  # local header: uncompressed size
    while data[central : central + 4] == b"PK\x01\x02":
        length, extra, comment = struct.unpack_from("<HHH", data, central + 28)
        if data[central + 46 : central + 46 + length] == name.encode():
            struct.pack_into("<I", data, central + 24, declared)  # central directory entry
        central += 46 + length + extra + comment
    path.write_bytes(bytes(data))
    with zipfile.ZipFile(path) as z:
        assert z.getinfo(name).file_size == declared
    with refused(UnsupportedFile, "damaged"):
        read_all(path, "clients.xlsx")


def test_a_far_away_cell_is_refused_before_the_reader_allocates_the_sheet(tmp_path: Path) -> None:
    # python-calamine would try to allocate 16384 x 1048576 cells and abort the process.
    path = tmp_path / "sparse.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws["A1"], ws["B1"], ws["A2"], ws["B2"] = "Имя", "Телефон", "Анна", "+79991234567"
    ws.cell(row=1_048_576, column=16_384, value="boom")
    wb.save(path)
    assert path.stat().st_size < 10_000
    with refused(FileTooLarge, "16384 columns"):
        read_all(path, "clients.xlsx")


def test_cells_without_references_are_measured_too(tmp_path: Path) -> None:
    # Cells may omit r="B7"; readers then place them after the previous one.
    source = tmp_path / "refs.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["Имя", "Телефон"] + [f"c{i}" for i in range(198)])
    for i in range(29):
        ws.append([f"Клиент {i}", f"+7999{i:07d}"] + list(range(198)))
    wb.save(source)
    path = tmp_path / "norefs.xlsx"
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            body = src.read(info)
            if info.filename.startswith("xl/worksheets/"):
                body = re.sub(rb'(<(?:c|row)) r="[A-Z]*\d+"', rb"\1", body)
                assert b' r="' not in body
            out.writestr(info, body)
    with pytest.raises(FileTooLarge):
        read_all(path, "norefs.xlsx", Limits(max_cells=5_999))
    with open_import(path, limits=Limits(max_cells=6_000)) as upload:
        rows = list(upload)
    assert [r.row for r in rows] == list(range(2, 31))
    assert rows[-1].phone == "+79990000028"


def rewrite_sheet(source: Path, target: Path, change: Callable[[bytes], bytes]) -> None:
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                changed = change(body)
                assert changed != body
                body = changed
            out.writestr(info.filename, body)


FAR = b"XFD1048576"
HIDDEN_FAR_CELLS = {
    "single quotes": lambda b: b.replace(b'<c r="B3"', b"<c r='" + FAR + b"'", 1),
    "spaces around =": lambda b: b.replace(b'<c r="B3"', b'<c r = "' + FAR + b'"', 1),
    "newline before r": lambda b: b.replace(b'<c r="B3"', b'<c\nr="' + FAR + b'"', 1),
    "character reference": lambda b: b.replace(b'r="B3"', b'r="&#88;FD1048576"', 1),
    "prefixed attribute": lambda b: b.replace(b'<c r="B3"', b'<c xmlns:q="urn:q" q:r="' + FAR + b'"', 1),
    "DTD entity": lambda b: b.replace(
        b"<worksheet", b'<!DOCTYPE worksheet [<!ENTITY e "XFD1048576">]><worksheet', 1
    ).replace(b'r="B3"', b'r="&e;"', 1),
    "duplicate attribute": lambda b: b.replace(b'<c r="B3"', b'<c r="B3" r="' + FAR + b'"', 1),
    "no space before r": lambda b: b.replace(b'<c r="B3"', b'<c t="n"r="' + FAR + b'"', 1),
    "five letters": lambda b: b.replace(b'r="B3"', b'r="AAAAA3"', 1),
    "lower case": lambda b: b.replace(b'r="B3"', b'r="xfd3"', 1),
}


@pytest.mark.parametrize("change", HIDDEN_FAR_CELLS)
def test_far_cells_hidden_in_unusual_xml_are_found(tmp_path: Path, change: str) -> None:
    # Each of these would make the Excel reader allocate the whole sheet (or worse).
    small_xlsx(tmp_path / "ok.xlsx")
    path = tmp_path / "odd.xlsx"
    rewrite_sheet(tmp_path / "ok.xlsx", path, HIDDEN_FAR_CELLS[change])
    with pytest.raises((FileTooLarge, UnsupportedFile)):
        read_all(path, "clients.xlsx")


def test_unusual_but_harmless_xml_is_read_exactly(tmp_path: Path) -> None:
    small_xlsx(tmp_path / "ok.xlsx")
    path = tmp_path / "odd.xlsx"
    rewrite_sheet(tmp_path / "ok.xlsx", path, lambda b: b.replace(b'<c r="B3"', b"<c r='B3'", 1))
    with open_import(path) as upload:
        assert len(list(upload)) == 200


def test_truncated_xlsx_is_refused(tmp_path: Path) -> None:
    data = small_xlsx(tmp_path / "ok.xlsx")
    for cut in (len(data) // 2, len(data) - 30, 100):
        path = tmp_path / f"cut{cut}.xlsx"
        path.write_bytes(data[:cut])
        with pytest.raises(UnsupportedFile):
            read_all(path, "clients.xlsx")


def test_corrupt_xlsx_is_refused(tmp_path: Path) -> None:
    data = bytearray(small_xlsx(tmp_path / "ok.xlsx"))
    with zipfile.ZipFile(tmp_path / "ok.xlsx") as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for i in range(start + 50, start + 60):
        data[i] ^= 0xFF
    path = tmp_path / "corrupt.xlsx"
    path.write_bytes(bytes(data))
    with pytest.raises(UnsupportedFile):
        read_all(path, "clients.xlsx")


@pytest.mark.parametrize(
    ("members", "message"),
    [
        ({"hello.txt": b"hi"}, "not an Excel workbook"),
        ({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<x/>"}, ".ods"),
        ({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"}, "Word"),
    ],
)
def test_zip_that_is_not_a_workbook_is_refused(
    tmp_path: Path, members: dict[str, bytes], message: str
) -> None:
    path = tmp_path / "clients.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        for name, body in members.items():
            z.writestr(name, body)
    with refused(UnsupportedFile, message):
        read_all(path, "clients.xlsx")


def test_password_protected_xlsx_is_refused() -> None:
    with refused(UnsupportedFile, "password-protected"):
        read_all(FIXTURES / "encrypted.xlsx", "clients.xlsx")


def test_csv_over_the_byte_limit_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    line = "Клиент,+79991234567,примечание\n".encode()
    with path.open("wb") as f:
        f.write(b"name,phone,notes\n")
        for _ in range(21_000_000 // len(line) + 1):
            f.write(line)
    assert path.stat().st_size > Limits().max_bytes
    with pytest.raises(FileTooLarge):
        open_import(path, filename="big.csv")


def test_more_rows_than_the_limit_is_too_large_and_plans_nothing(tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    lines = ["name,phone"] + [f"C{i},+7999{i:07d}" for i in range(11)] + ["", ""]
    path.write_text("\n".join(lines), encoding="utf-8")
    read_all(path, limits=Limits(max_rows=11))  # blank lines and the header do not count
    with pytest.raises(FileTooLarge):
        read_all(path, limits=Limits(max_rows=10))


@pytest.mark.parametrize("kind", ["csv", "xlsx", "xls"])
def test_damaged_files_never_escape_as_other_exceptions(tmp_path: Path, kind: str) -> None:
    """Seeded random damage: every outcome is rows or an ImportFileError."""
    filename, write = FLAVOURS["cp1251-semicolon-ru" if kind == "csv" else kind]
    source = tmp_path / filename
    write(source)
    data = source.read_bytes()
    rng = random.Random(kind)
    outcomes = {"rows": 0, "refused": 0}
    for attempt in range(150):
        damaged = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        path = tmp_path / f"{attempt}{source.suffix}"
        path.write_bytes(bytes(damaged))
        try:
            read_all(path, filename)
            outcomes["rows"] += 1
        except ImportFileError:
            outcomes["refused"] += 1
    assert sum(outcomes.values()) == 150
