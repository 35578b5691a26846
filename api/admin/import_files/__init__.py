"""Reading uploaded client files (CSV, .xls, .xlsx) into ``ImportRow``s.

Public interface::

    open_import(path, *, region="RU", mapping=None, filename=None, limits=Limits())
        -> ImportFile   # iterable of ImportRow; .kind .encoding .delimiter
                        # .header_row .columns .mapping; context manager
    Limits(max_bytes=20_000_000, max_rows=200_000, max_cells=5_000_000)
    ImportRow           # defined in actors.core.import_plan (the planner's input)
    UnsupportedFile, FileTooLarge, InvalidMapping (ImportFileError)

Planning what the rows do to the client base is ``actors.core.import_plan.plan_import``.
"""

from actors.core.import_plan import ImportRow
from api.admin.import_files.errors import FileTooLarge, ImportFileError, InvalidMapping, UnsupportedFile
from api.admin.import_files.reader import ImportFile, open_import
from api.admin.import_files.sniff import Limits

__all__ = [
    "FileTooLarge",
    "ImportFile",
    "ImportFileError",
    "ImportRow",
    "InvalidMapping",
    "Limits",
    "UnsupportedFile",
    "open_import",
]
