"""``open_import``: an uploaded file on disk -> a stream of ``ImportRow``.

The source is a *path*: the HTTP layer saves the multipart upload to a
temporary file (Quart's ``FileStorage.save``) and passes its path, because
every reader needs to seek (magic bytes, then a second pass) and the
Excel readers open files by name or memory-map them. Nothing here holds
the whole file in memory, and no file is held twice.

Everything that makes the whole file unusable is raised by
``open_import`` itself, before any row is planned: wrong type, damage,
encryption, ZIP bombs, the byte limit, an invalid mapping. Two things can
only be found while streaming and are raised from the iteration: more
non-empty rows than ``Limits.max_rows`` (``FileTooLarge``) and a CSV that
breaks further down (``UnsupportedFile``). ``plan_import`` consumes the
whole stream before anything is written, so these too change nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from itertools import chain
from pathlib import Path
from types import TracebackType

from actors.core.import_plan import ImportRow
from api.admin.import_files.csvread import open_csv
from api.admin.import_files.errors import FileTooLarge
from api.admin.import_files.rows import ColumnPlan, RawRow, is_blank, plan_columns, to_import_row
from api.admin.import_files.sniff import Kind, Limits, sniff
from api.admin.import_files.xls import open_xls
from api.admin.import_files.xlsx import open_xlsx


class ImportFile:
    """An opened upload: what it is, how its columns are read, and its rows.

    Iterate it once for ``ImportRow``s (empty rows are skipped; the header
    and any title rows above it are not rows). Use it as a context manager,
    or call ``close``, to release the file early.
    """

    def __init__(
        self,
        kind: Kind,
        raw: Iterator[RawRow],
        *,
        region: str,
        mapping: Mapping[str, str] | None,
        limits: Limits,
        encoding: str | None = None,
        delimiter: str | None = None,
    ) -> None:
        self.kind = kind
        self.encoding = encoding
        self.delimiter = delimiter
        self._raw = raw
        self._region = region
        self._limits = limits
        self._used = False
        try:
            self.plan, self._ahead = plan_columns(raw, mapping, region)
        except BaseException:
            self.close()
            raise

    @property
    def header_row(self) -> int | None:
        return self.plan.header_row

    @property
    def columns(self) -> tuple[str, ...]:
        return self.plan.columns

    @property
    def mapping(self) -> dict[str, str]:
        """``{column: field}`` in effect; send it back as ``mapping`` to change it."""
        return self.plan.mapping

    def __iter__(self) -> Iterator[ImportRow]:
        if self._used:
            raise RuntimeError("an ImportFile can be iterated only once")
        self._used = True
        return self._rows()

    def _rows(self) -> Iterator[ImportRow]:
        plan: ColumnPlan = self.plan
        count = 0
        try:
            for number, cells in chain(self._ahead, self._raw):
                if is_blank(cells):
                    continue
                count += 1
                if count > self._limits.max_rows:
                    raise FileTooLarge("file.rows", limit=self._limits.max_rows)
                yield to_import_row(number, cells, plan.roles, self._region)
        finally:
            self.close()

    def close(self) -> None:
        close = getattr(self._raw, "close", None)
        if close is not None:
            close()

    def __enter__(self) -> ImportFile:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def open_import(
    path: str | Path,
    *,
    region: str = "RU",
    mapping: Mapping[str, str] | None = None,
    filename: str | None = None,
    limits: Limits = Limits(),
) -> ImportFile:
    """Open an uploaded client file by its real type (CSV, .xls, .xlsx).

    ``region`` is the default phone region (``ZAPIS_DEFAULT_REGION``);
    ``mapping`` (``{column: field}``, fields ``name``, ``phone``,
    ``telegram_id``, ``email``, ``birthday``, ``notes``, ``ignore``)
    replaces header recognition: unmapped columns are not read; a column
    is its header text or its letter. ``filename`` is the name the user
    uploaded, used only to refuse extensions other than .csv/.tsv/.txt/
    .xls/.xlsx. Raises ``UnsupportedFile``, ``FileTooLarge``,
    ``InvalidMapping``.
    """
    source = Path(path)
    kind = sniff(source, filename, limits)
    encoding = delimiter = None
    if kind == "xlsx":
        raw = open_xlsx(source, limits)
    elif kind == "xls":
        raw = open_xls(source)
    else:
        csv_source = open_csv(source)
        raw, encoding, delimiter = csv_source.rows, csv_source.encoding, csv_source.delimiter
    return ImportFile(
        kind,
        raw,
        region=region,
        mapping=mapping,
        limits=limits,
        encoding=encoding,
        delimiter=delimiter,
    )
