"""Which column holds what: header synonyms, explicit mappings, headerless files.

Header text is compared after lower-casing, ``ё`` -> ``е``, dropping
punctuation and spaces, a trailing number (``Телефон 2``) and Google's
``N - Value`` suffix (``E-mail 1 - Value`` -> ``email``; ``… - Type``
columns are ignored). Several columns may share a field: full-name columns
(``ФИО``, ``Name``) win over name parts (``Фамилия``, ``Имя``,
``Отчество``, ``first_name`` …), which are joined in the file's column
order; the first valid phone of several phone columns is the phone.

A file without a recognisable header is read by content (``guess_roles``)
on a sample of its first rows: a column where most values are valid
phones is a phone column, e-mail-shaped values an e-mail column, dates a
birthday column; the leftmost (up to three) columns of short text with
letters (at most four words) are name parts; other columns are not read.
A telegram_id cannot be told from a number by content, so a headerless
file never gets one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from api.admin.import_files.errors import InvalidMapping
from api.admin.import_files.values import Cell, birthday, phones, text

# Roles a column can have; "" = ignored. "name_part"s are joined.
ROLES = ("name", "name_part", "phone", "telegram_id", "email", "birthday", "notes")
# Fields an explicit mapping may name, and the role each gets.
MAPPING_FIELDS = {
    "name": "name_part",
    "phone": "phone",
    "telegram_id": "telegram_id",
    "email": "email",
    "birthday": "birthday",
    "notes": "notes",
    "ignore": "",
    "": "",
}

_SYNONYMS: dict[str, tuple[str, ...]] = {
    "name": (
        "фио", "фамилияимяотчество", "клиент", "имяклиента", "фиоклиента", "полноеимя",
        "name", "fullname", "clientname", "client", "customer", "customername",
        "contactname", "displayname",
    ),
    "name_part": (
        "имя", "фамилия", "отчество", "firstname", "lastname", "middlename", "givenname",
        "familyname", "additionalname", "surname", "patronymic", "secondname",
    ),
    "phone": (
        "телефон", "тел", "телефоны", "мобильный", "мобильныйтелефон", "моб", "мобтел",
        "номертелефона", "сотовый", "сотовыйтелефон", "контактныйтелефон", "телефонклиента",
        "phone", "phonenumber", "phones", "mobile", "mobilephone", "cell", "cellphone",
        "tel", "telephone",
    ),
    "telegram_id": (
        "telegram", "telegramid", "tg", "tgid", "телеграм", "телеграмм", "телеграмid",
        "idтелеграм", "telegramuserid",
    ),
    "email": (
        "email", "mail", "emailaddress", "почта", "электроннаяпочта", "емейл", "емэйл",
        "имейл", "эпочта",
    ),
    "birthday": (
        "датарождения", "др", "деньрождения", "birthday", "birthdate", "dateofbirth", "dob",
    ),
    "notes": (
        "комментарий", "комментарии", "примечание", "примечания", "заметки", "заметка",
        "notes", "note", "comment", "comments",
    ),
}
_ROLE_OF = {word: role for role, words in _SYNONYMS.items() for word in words}
_GOOGLE = re.compile(r"^(.+?) \d+ (value|type)$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_LETTER = re.compile(r"[^\W\d_]")
COLUMN_LETTERS = re.compile(r"^[A-Z]{1,3}$")
_DATA_LIKE = re.compile(r"@|(?:\d\D?){7}")
SHARE = 0.6  # the part of a sample a column must match to be guessed


def normalize(header: str) -> str:
    """``E-mail 1 - Value`` -> ``email``; ``Телефон 2`` -> ``телефон``."""
    words = re.sub(r"[\W_]+", " ", header.lower().replace("ё", "е")).strip()
    google = _GOOGLE.match(words)
    if google:
        if google[2] == "type":
            return ""
        words = google[1]
    words = re.sub(r" ?\d+$", "", words)
    return words.replace(" ", "")


def role_of(header: str) -> str:
    return _ROLE_OF.get(normalize(header), "")


def header_roles(cells: Sequence[Cell]) -> list[str] | None:
    """The roles if ``cells`` look like a header row, else ``None``.

    A row holding something that looks like data (an e-mail address, seven
    or more digits) is not a header, even if a cell reads "Клиент 1".
    """
    if any(_DATA_LIKE.search(text(c)) for c in cells if c is not None):
        return None
    roles = [role_of(c) if isinstance(c, str) else "" for c in cells]
    return roles if any(roles) else None


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def check_mapping(mapping: object) -> dict[str, str]:
    """``InvalidMapping`` unless ``mapping`` is ``{column: known field}``."""
    if not isinstance(mapping, Mapping) or not mapping:
        raise InvalidMapping("import.mapping_empty")
    for column, field in mapping.items():
        if not isinstance(column, str) or not isinstance(field, str):
            raise InvalidMapping("import.mapping_names")
        if field.strip().lower() not in MAPPING_FIELDS:
            allowed = ", ".join(f for f in MAPPING_FIELDS if f)
            raise InvalidMapping("import.mapping_field", field=field, column=column, allowed=allowed)
    return dict(mapping)


def mapping_roles(
    mapping: Mapping[str, str], header: Sequence[Cell] | None, width: int
) -> list[str]:
    """Roles from an explicit ``{column: field}`` mapping; unmapped columns are ignored.

    A column is named by its header text (exactly, or equal after ``fold``)
    or, in any file, by its letter (``C``).
    """
    names = [text(c) for c in header] if header is not None else []
    width = max(width, len(names))
    roles = [""] * width
    for column, field in mapping.items():
        role = MAPPING_FIELDS[field.strip().lower()]
        wanted = column.strip()
        found = [i for i, name in enumerate(names) if name == wanted]
        if not found and wanted:
            found = [i for i, name in enumerate(names) if fold(name) == fold(wanted)]
        if not found and COLUMN_LETTERS.match(wanted):
            index = _letter_index(wanted)
            found = [index] if index < width else []
        if not found:
            shown = ", ".join(repr(n) for n in names if n) or "none: the file has no header"
            raise InvalidMapping("import.mapping_column", column=column, shown=shown)
        for i in found:
            roles[i] = role
    return roles


def fold(name: str) -> str:
    """Header text compared loosely: case, ё and runs of spaces do not matter."""
    return " ".join(name.casefold().replace("ё", "е").split())


def _letter_index(letters: str) -> int:
    index = 0
    for ch in letters:
        index = index * 26 + ord(ch) - ord("A") + 1
    return index - 1


def guess_roles(sample: Sequence[Sequence[Cell]], region: str) -> list[str]:
    """Roles for a headerless file, from the content of its first rows."""
    width = max((len(r) for r in sample), default=0)
    roles = [""] * width
    names = 0
    for i in range(width):
        values = [c for r in sample if i < len(r) and (c := r[i]) is not None and text(c)]
        if not values:
            continue
        n = len(values)
        if sum(1 for v in values if phones(v, region)[0]) >= SHARE * n:
            roles[i] = "phone"
        elif sum(1 for v in values if _EMAIL.match(text(v))) >= SHARE * n:
            roles[i] = "email"
        elif sum(1 for v in values if _is_date(v)) >= SHARE * n:
            roles[i] = "birthday"
        elif names < 3 and sum(1 for v in values if _name_like(text(v))) >= SHARE * n:
            roles[i] = "name_part"
            names += 1
    return roles


def _name_like(value: str) -> bool:
    """Short text with letters: a name or a part of one (a note is usually longer)."""
    return len(value) <= 60 and len(value.split()) <= 4 and bool(_LETTER.search(value))


def _is_date(cell: Cell) -> bool:
    if isinstance(cell, (int, float)):
        return False  # a bare number is not evidence of a date
    try:
        birthday(cell)
    except ValueError:
        return False
    return True
