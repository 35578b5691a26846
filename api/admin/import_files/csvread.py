"""CSV: encoding, separator, and a streaming row iterator.

Encoding. One streaming pass (constant memory) checks the whole file
strictly in the encoding its BOM names (UTF-8, UTF-16), or else as UTF-8;
a file without a BOM that is not UTF-8 is an 8-bit Cyrillic or
Central-European file. cp1250 text decodes *without error* as cp1251
(``Zieliński`` -> ``Zieliсski``), so the two are told apart on a sample of
the non-ASCII lines: decoded as cp1251, words written wholly in Cyrillic
are evidence for cp1251, words mixing Latin and Cyrillic letters are
evidence for cp1250; cp1251 wins ties (SPEC names it). Other code pages
(KOI8-R, cp866) are not detected. NUL bytes or many control characters
mean it is not text.

Separator: the one of ``,`` ``;`` tab that splits the first lines into
the most rows of the same width (more than one column), parsed with the
csv module so quoted separators do not count (``csv.Sniffer`` guesses
wrong on short or ragged files).

Rows: ``newline=""`` lets the csv module take CRLF, LF and bare CR alike;
a row's number is its record number, as a spreadsheet shows it (blank
lines included, a quoted multi-line cell is one row).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from api.admin.import_files.errors import UnsupportedFile
from api.admin.import_files.rows import RawRow

CHUNK = 1 << 18  # the detection pass holds a few copies of one chunk at a time
SAMPLE_BYTES = 64 * 1024
SEPARATORS = (",", ";", "\t")  # ties go to the first
_CONTROL = bytes(range(0, 9)) + b"\x0b\x0c" + bytes(range(14, 32)) + b"\x7f"
_WORD = re.compile(r"[^\W\d_]+")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN = re.compile(r"[A-Za-z]")


@dataclass(frozen=True, slots=True)
class CsvSource:
    encoding: str
    delimiter: str
    rows: Iterator[RawRow]


def open_csv(path: Path) -> CsvSource:
    encoding = detect_encoding(path)
    with path.open("r", encoding=encoding, errors=_errors(encoding), newline="") as f:
        sample = f.read(SAMPLE_BYTES)
        complete = len(sample) < SAMPLE_BYTES
    delimiter = detect_delimiter(sample, complete)
    return CsvSource(encoding, delimiter, _rows(path, encoding, delimiter))


def _errors(encoding: str) -> str:
    # UTF-8 was checked whole; an 8-bit code page's few unmapped bytes become U+FFFD.
    return "replace" if encoding.startswith("cp") else "strict"


def detect_encoding(path: Path) -> str:
    with path.open("rb") as f:
        head = f.read(4)
        bom = None
        if head.startswith(codecs.BOM_UTF8):
            bom = "utf-8-sig"
        elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            bom = "utf-16"
        f.seek(0)
        decoder = codecs.getincrementaldecoder(bom or "utf-8")()
        valid = True
        total = controls = kept = 0
        evidence: list[bytes] = []
        while chunk := f.read(CHUNK):
            total += len(chunk)
            if bom != "utf-16":  # UTF-16 text is full of NUL bytes
                if b"\x00" in chunk:
                    raise UnsupportedFile("file.binary")
                controls += len(chunk) - len(chunk.translate(None, _CONTROL))
            if valid:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    valid = False
            if bom is None and kept < SAMPLE_BYTES and not chunk.isascii():
                for line in chunk.splitlines():
                    if not line.isascii():
                        evidence.append(line)
                        kept += len(line)
        if valid:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                valid = False
    if controls > max(1, total // 100):
        raise UnsupportedFile("file.binary")
    if bom is not None:
        if not valid:
            raise UnsupportedFile("file.bad_bom", encoding=bom)
        return bom
    if valid:
        return "utf-8"
    return cyrillic_or_central_european(b"\n".join(evidence))


def cyrillic_or_central_european(sample: bytes) -> str:
    """``cp1251`` or ``cp1250`` for 8-bit text, by how cp1251 decodes it."""
    cyrillic = mixed = 0
    for word in _WORD.findall(sample.decode("cp1251", errors="replace")):
        if word.isascii():
            continue
        has_cyrillic = bool(_CYRILLIC.search(word))
        if has_cyrillic and _LATIN.search(word):
            mixed += 1
        elif has_cyrillic:
            cyrillic += 1
    return "cp1251" if cyrillic >= mixed else "cp1250"


def detect_delimiter(sample: str, complete: bool) -> str:
    if not complete and "\n" in sample.replace("\r", "\n"):
        cut = max(sample.rfind("\n"), sample.rfind("\r"))
        sample = sample[:cut]
    best, best_score = ",", (False, 0, 0)
    for sep in SEPARATORS:
        try:
            widths = [len(r) for r in csv.reader(io.StringIO(sample, newline=""), delimiter=sep) if r]
        except csv.Error:
            continue
        widths = widths[:50]
        if not widths:
            continue
        mode = max(set(widths), key=lambda w: (widths.count(w), w))
        score = (mode > 1, widths.count(mode), mode)
        if score > best_score:
            best, best_score = sep, score
    return best


def _rows(path: Path, encoding: str, delimiter: str) -> Iterator[RawRow]:
    with path.open("r", encoding=encoding, errors=_errors(encoding), newline="") as f:
        reader = csv.reader(f, delimiter=delimiter)
        number = 0
        try:
            for record in reader:
                number += 1
                yield number, record
        except csv.Error as exc:
            raise UnsupportedFile("file.csv_broken", row=number + 1, reason=str(exc)) from None
        except UnicodeDecodeError:
            raise UnsupportedFile("file.csv_encoding", row=number + 1, encoding=encoding) from None
