"""From raw spreadsheet rows to ``ImportRow``: header, column roles, one row's fields.

The header is the first of the first five non-empty rows that has a
recognised column name (rows above it, e.g. a title line, are skipped and
not counted); with an explicit mapping, the first row holding every named
column. No such row: the file is headerless and read by content.

Within a row, whatever cannot go in its field goes to notes rather than
being lost: extra phones and e-mails, a Telegram ``@username`` (not an id),
a birthday that is not a readable date. A non-empty phone or telegram_id
that is not valid makes the row an error row, because importing the person
without it would be silently wrong.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from actors.core.errors import Message
from actors.core.import_plan import ImportRow
from api.admin.import_files.headers import (
    COLUMN_LETTERS,
    check_mapping,
    column_letter,
    fold,
    guess_roles,
    header_roles,
    mapping_roles,
)
from api.admin.import_files.values import Cell, birthday, phones, telegram, text

RawRow = tuple[int, Sequence[Cell]]  # (spreadsheet row number, cells)
HEADER_SEARCH = 5
SAMPLE = 50
PUBLIC_FIELD = {"name_part": "name"}


@dataclass(frozen=True, slots=True)
class ColumnPlan:
    header_row: int | None  # spreadsheet row number of the header, None: headerless
    columns: tuple[str, ...]  # header text, or the column letter where there is none
    roles: tuple[str, ...]  # per column; "" = ignored

    @property
    def mapping(self) -> dict[str, str]:
        """The mapping in effect, ``{column: field}``, as a user would write it."""
        pairs = zip(self.columns, self.roles, strict=True)
        return {col: PUBLIC_FIELD.get(role, role) for col, role in pairs if role}


def present(cell: Cell) -> bool:
    return not (cell is None or cell == "" or (isinstance(cell, str) and cell.isspace()))


def is_blank(cells: Sequence[Cell]) -> bool:
    return not any(map(present, cells))


def plan_columns(
    raw: Iterator[RawRow], mapping: Mapping[str, str] | None, region: str
) -> tuple[ColumnPlan, list[RawRow]]:
    """Read ahead (at most ``SAMPLE`` non-empty rows) and decide the columns.

    Returns the plan and the buffered data rows that follow the header;
    the caller goes on with ``raw`` after them.
    """
    sample: list[RawRow] = []
    for number, cells in raw:
        if not is_blank(cells):
            sample.append((number, cells))
            if len(sample) >= SAMPLE:
                break
    if mapping is not None:
        mapping = check_mapping(mapping)
    named = [k.strip() for k in (mapping or {}) if not COLUMN_LETTERS.match(k.strip())]
    at = _header_index(sample, named)
    if at is None and named:
        at = _header_index(sample, [])  # only to list the real columns in the error
    header = sample[at][1] if at is not None else None
    data = sample[at + 1 :] if at is not None else sample
    width = max((len(cells) for _, cells in sample), default=0)
    if mapping is not None:
        roles = mapping_roles(mapping, header, width)
    elif header is not None:
        roles = (header_roles(header) or []) + [""] * max(0, width - len(header))
    else:
        roles = guess_roles([cells for _, cells in data], region)
    names = [text(c) for c in header] if header is not None else []
    columns = tuple(
        (names[i] if i < len(names) and names[i] else column_letter(i)) for i in range(len(roles))
    )
    header_row = sample[at][0] if at is not None else None
    return ColumnPlan(header_row, columns, tuple(roles)), data


def _header_index(sample: list[RawRow], named: list[str]) -> int | None:
    for i, (_, cells) in enumerate(sample[:HEADER_SEARCH]):
        if named:
            here = {fold(text(c)) for c in cells}
            if all(fold(n) in here for n in named):
                return i
        elif header_roles(cells) is not None:
            return i
    return None


def _lines(cell: Cell) -> str:
    """Notes keep their line breaks; each line is tidied like any text."""
    if not isinstance(cell, str):
        return text(cell)
    return "\n".join(line for line in map(text, cell.splitlines()) if line)


def to_import_row(number: int, cells: Sequence[Cell], roles: Sequence[str], region: str) -> ImportRow:
    """One data row -> ``ImportRow`` (``error`` set when it cannot be used)."""
    by_role: dict[str, list[Cell]] = {}
    for i, role in enumerate(roles):
        if role and i < len(cells) and present(cells[i]):
            by_role.setdefault(role, []).append(cells[i])
    full = [text(c) for c in by_role.get("name", [])]
    parts = [text(c) for c in by_role.get("name_part", [])]
    name = full[0] if full else " ".join(parts)
    notes = [_lines(c) for c in by_role.get("notes", [])]
    errors: list[Message] = []

    found: list[str] = []
    bad: list[str] = []
    for cell in by_role.get("phone", []):
        numbers, raw = phones(cell, region)
        found.extend(n for n in numbers if n not in found)
        if not numbers:
            bad.append(raw)
    phone = found[0] if found else None
    notes += [f"Доп. телефон: {n}" for n in found[1:]]
    if phone is None and bad:
        errors.append(Message("row.phone", {"phone": bad[0]}))

    telegram_id: int | None = None
    for cell in by_role.get("telegram_id", []):
        try:
            value, handle = telegram(cell)
        except ValueError as exc:
            errors.append(Message("row.telegram", {"value": str(exc)}))
            continue
        if handle:
            notes.append(f"Telegram: {handle}")
        elif telegram_id is None:
            telegram_id = value

    emails = [text(c) for c in by_role.get("email", [])]
    notes += [f"Доп. email: {e}" for e in emails[1:]]

    born = ""
    for cell in by_role.get("birthday", []):
        try:
            born = born or birthday(cell)
        except ValueError:
            notes.append(f"Дата рождения: {text(cell)}")

    if not errors and phone is None and telegram_id is None:
        errors.append(Message("row.no_key"))
    return ImportRow(
        row=number,
        name=name,
        phone=phone,
        telegram_id=telegram_id,
        email=emails[0] if emails else "",
        birthday=born,
        notes="; ".join(notes),
        error=errors[0] if errors else None,
    )
