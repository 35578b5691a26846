"""Why an uploaded client file cannot be imported at all.

They are domain-shaped (``code`` + ``detail``, subclasses of
``DomainError``) so the one problem-document mapper handles them; that
mapper gives ``unsupported_file`` a 4xx and ``file_too_large`` a 413.
A row that cannot be used is *not* an exception: it becomes an
``ImportRow`` with ``error`` set, and the rest of the file goes on.

::

    DomainError
    └── ImportFileError
        ├── UnsupportedFile   not CSV/XLS/XLSX, disguised, damaged, encrypted, ZIP bomb
        ├── FileTooLarge      over the byte limit, the row limit or the cell-area limit
        └── InvalidMapping    an explicit ``mapping`` names an unknown field or column
"""

from __future__ import annotations

from actors.core.errors import DomainError


class ImportFileError(DomainError):
    code = "unsupported_file"


class UnsupportedFile(ImportFileError):
    code = "unsupported_file"


class FileTooLarge(ImportFileError):
    code = "file_too_large"


class InvalidMapping(ImportFileError):
    code = "validation_error"
