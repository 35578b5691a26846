"""The texts of the client import: refused uploads and row errors, English and Russian.

Part of the one catalogue (``api.texts.catalogue`` joins it with
``problems.TEXTS``). A row error's ``message`` in ``POST /system/import``
follows ``Accept-Language`` like a problem's ``detail``.
"""

from __future__ import annotations

from api.texts.problems import Text

TEXTS: dict[str, Text] = {
    # ---------------------------------------------------------------- the upload
    "import.too_large": ("the file is larger than {mb} MB", "Файл слишком большой (больше {mb} МБ)"),
    "import.not_multipart": ("send multipart/form-data with the file in the 'file' field",
                             "Отправьте файл формой (multipart/form-data, поле «file»)"),
    "import.no_file": ("the form has no 'file' field with a file", "Выберите файл для импорта"),
    "import.timeout": ("the upload took too long", "Файл загружался слишком долго — попробуйте ещё раз"),
    "import.malformed": ("the multipart body is malformed", "Файл пришёл повреждённым — попробуйте ещё раз"),
    "import.dry_run": ("dry_run must be true or false", "Поле «Проверка» — да или нет"),
    "import.mapping_json": ("mapping must be a JSON object {{column: field}}",
                            "Сопоставление колонок должно быть объектом {{колонка: поле}}"),
    "import.mapping_empty": ("mapping must be a non-empty object of column names to field names",
                             "Сопоставление колонок пустое"),
    "import.mapping_names": ("mapping must map column names to field names",
                             "Сопоставление колонок: и колонка, и поле пишутся текстом"),
    "import.mapping_field": ("unknown field {field!r} for column {column!r}; use one of {allowed}",
                             "Колонка «{column}»: неизвестное поле «{field}»; возможные поля: {allowed}"),
    "import.mapping_column": ("column {column!r} is not in the file (columns: {shown})",
                              "В файле нет колонки «{column}» (колонки файла: {shown})"),
    # ---------------------------------------------------------------- what the file is
    "file.extension": ("{ext} is not supported; upload .csv, .xls or .xlsx",
                       "Файлы {ext} не поддерживаются: загрузите .csv, .xls или .xlsx"),
    "file.no_extension": ("a file without an extension is not supported; upload .csv, .xls or .xlsx",
                          "У файла нет расширения: загрузите .csv, .xls или .xlsx"),
    "file.bytes": ("the file has {size} bytes; the limit is {limit} ({mb} MB)",
                   "Файл слишком большой (больше {mb} МБ): в нём {size} байт, а можно не больше {limit}"),
    "file.rows": ("the file has more than {limit} non-empty rows",
                  "В файле больше {limit} строк — разделите его на части"),
    "file.cells": ("sheet {sheet!r} spans {rows} rows x {columns} columns; the limit is {limit} cells "
                   "(delete stray cells far from the data)",
                   "Лист «{sheet}» занимает {rows} строк × {columns} колонок, а можно не больше {limit} ячеек "
                   "(удалите лишние ячейки далеко от данных)"),
    "file.empty": ("the file is empty", "Файл пустой"),
    "file.other": ("this is {thing}, not a CSV or Excel file", "Это {thing}, а не таблица CSV или Excel"),
    "file.markup": ("this is {thing}, not a CSV or Excel file; open it in a spreadsheet and save it as .xlsx",
                    "Это {thing}, а не таблица: откройте его в Excel и сохраните как .xlsx"),
    "file.binary": ("this is a binary file, not a CSV or Excel file", "Это не таблица CSV или Excel"),
    "file.bad_bom": ("the file starts like {encoding} text but is not valid {encoding}",
                     "Файл начинается как текст в {encoding}, но дальше кодировка нарушена"),
    "file.csv_broken": ("row {row}: the CSV cannot be read ({reason})",
                        "Строка {row}: CSV не читается — проверьте кавычки в этой строке"),
    "file.csv_encoding": ("row {row}: the text is not valid {encoding}",
                          "Строка {row}: текст не в кодировке {encoding}"),
    "file.zip_other": ("this is {thing}", "Это {thing}"),
    "file.zip": ("this is a ZIP archive, not an Excel workbook", "Это ZIP-архив, а не книга Excel"),
    "file.xlsx_damaged": ("the .xlsx file is damaged or truncated", "Файл .xlsx повреждён или недокачан"),
    "file.xlsx_encrypted": ("the .xlsx file is encrypted", "Файл .xlsx зашифрован — снимите пароль и сохраните заново"),
    "file.xlsx_not_xml": ("the .xlsx file is damaged (its workbook part is not XML)", "Файл .xlsx повреждён"),
    "file.xlsx_parts": ("the workbook has {count} parts; that is not a real workbook",
                        "В книге {count} частей — это не похоже на настоящую книгу Excel"),
    "file.zip_bomb": ("the .xlsx file unpacks to far more than a spreadsheet would (a ZIP bomb?)",
                      "Файл .xlsx распаковывается в слишком большой объём — это не похоже на таблицу"),
    "file.no_sheet": ("the workbook has no visible worksheet", "В книге нет видимого листа"),
    "file.part_huge": ("the workbook's {name} is far larger than a real one",
                       "Часть книги {name} слишком большая — это не похоже на настоящую книгу"),
    "file.sheet_row": ("the sheet has an unusual row number {ref!r}", "На листе странный номер строки «{ref}»"),
    "file.sheet_cell": ("the sheet has an unusual cell reference {ref!r}", "На листе странная ссылка на ячейку «{ref}»"),
    "file.sheet_dtd": ("the sheet declares a DTD, which workbooks never do", "Лист устроен не как в книгах Excel"),
    "file.sheet_xml": ("the sheet is not well-formed XML ({reason})", "Лист книги повреждён"),
    "file.password": ("the workbook is password-protected", "Книга защищена паролем — снимите пароль и сохраните заново"),
    "file.xls_unreadable": ("the .xls file cannot be read ({reason})", "Файл .xls не читается"),
    "file.xls_damaged": ("the .xls file is damaged ({reason})", "Файл .xls повреждён"),
    "file.xls_truncated": ("the .xls file is damaged or truncated", "Файл .xls повреждён или недокачан"),
    "file.office_other": ("this is an Office document, but not an Excel workbook", "Это документ Office, но не книга Excel"),
    "file.xlsx_unreadable": ("the .xlsx file cannot be read ({reason})", "Файл .xlsx не читается"),
    # ---------------------------------------------------------------- rows
    "row.phone": ("phone {phone} is not a valid number", "Телефон «{phone}» — неверный номер"),
    "row.telegram": ("telegram_id {value} is not a valid Telegram user id",
                     "Telegram ID «{value}» — неверный (нужно число)"),
    "row.no_key": ("no usable phone or telegram_id", "Нет ни телефона, ни Telegram ID"),
    "row.repeats": ("{key} repeats row {row}, which is an error row",
                    "{key} повторяет строку {row}, в которой ошибка"),
    "row.conflict": ("{key1} and {key2} belong to different clients ({who1} and {who2})",
                     "{key1} и {key2} принадлежат разным клиентам ({who1} и {who2})"),
    "row.key": ("{kind} {value}", "{kind} {value}"),
    "row.client": ("client {client}", "клиент «{client}»"),
    "row.client_of_row": ("the client from row {row}", "клиент из строки {row}"),
}
