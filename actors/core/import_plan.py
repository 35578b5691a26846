"""Planning a client-base import: which rows create, update, merge or fail.

Pure: no I/O, no asyncio. The client-registry actor calls ``plan_import``
inside its mailbox (so the index cannot change under it) and then applies
the plan; a dry run plans and stops there. Rows come from
``api.admin.import_files`` already normalised (phone in E.164, birthday ISO).

Identity. A row's *keys* are its phone (full E.164 string, extension
included, so two desks sharing a trunk line stay two people) and its
telegram_id. Each key leads to at most one *target*:

* a key already seen in an earlier good row of this file leads to that
  row's result (the client it created or the existing client it matched),
  whichever key the earlier row was matched by;
* otherwise the index is asked; an existing client leads to the result of
  an earlier row that already matched that same client (by any key: the
  earlier row may have matched by phone and this one by telegram_id), or,
  if no earlier row did, to the client itself.

So a row *matches an earlier row* when the two share a phone or a
telegram_id, or when both resolve to the same existing client. Then:

* no target: a new client (``created``, source ``import``);
* one target that is an existing client not yet touched: ``updated``;
* one target that is an earlier row's result: ``duplicates``;
* in every one of these, only EMPTY fields are filled (name, phone,
  telegram_id, email, birthday, notes); nothing is ever overwritten;
* two different targets (phone -> A, telegram_id -> B, in the index or in
  the file): an error row that changes nothing.

Error rows. A row with ``error`` set by the reader, a row with neither
key, a conflict row, and a row carrying a key that was *first seen in an
error row* ("a row repeating an error row") are errors. The keys of an
error row that were not seen before are remembered as poisoned; keys that
already belong to a good row's result are not, so a conflict row does not
spoil the plain duplicates of the rows it collided with.

``total_rows == len(created) + len(updated) + duplicates + len(errors)``
always holds; an ``updated`` entry whose client had nothing empty to fill
carries an empty dict (it still matched an existing client, SPEC §3).
``unchanged`` counts those entries: rows that matched an existing client
and changed nothing, because every field they carry was already filled
(re-importing an unchanged file answers ``updated == unchanged``).

Messages. A row's error is a ``Message`` (a key of the text catalogue,
``api/texts/imports.py``, and its parameters), worded in the reader's
language by the interface.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol

from actors.core.errors import Message
from actors.core.model import Client

FIELDS = ("name", "phone", "telegram_id", "email", "birthday", "notes")

Key = tuple[str, object]  # ("phone", "+7999…") | ("telegram_id", 123)


@dataclass(frozen=True, slots=True)
class ImportRow:
    """One non-empty data row of an uploaded file, already normalised.

    ``row`` is the row number the user sees in the spreadsheet (header = 1).
    ``error`` set means the row cannot be used; the other fields are then
    whatever could be read.
    """

    row: int
    name: str = ""
    phone: str | None = None  # E.164, ";ext=NN" kept
    telegram_id: int | None = None
    email: str = ""
    birthday: str = ""  # ISO date or ""
    notes: str = ""
    error: Message | None = None


class ClientIndex(Protocol):
    def by_phone(self, phone: str) -> Client | None: ...

    def by_telegram(self, telegram_id: int) -> Client | None: ...


@dataclass(frozen=True, slots=True)
class ImportPlan:
    total_rows: int
    created: list[Client]
    updated: list[tuple[str, dict[str, object]]]  # (client_id, fields to fill)
    duplicates: int
    errors: list[tuple[int, Message]]  # (row, message)

    @property
    def unchanged(self) -> int:
        """``updated`` rows that filled nothing: their client already had every field they carry."""
        return sum(1 for _, fills in self.updated if not fills)


@dataclass(slots=True)
class _Result:
    """What the rows of one person add up to so far."""

    first_row: int
    existing: Client | None  # None: a client this import creates
    values: dict[str, object]  # the merged view
    fills: dict[str, object] = field(default_factory=dict)  # existing only
    new_id: str = ""

    def merge(self, row: ImportRow) -> None:
        for name in FIELDS:
            new = getattr(row, name)
            if _empty(self.values[name]) and not _empty(new):
                self.values[name] = new
                if self.existing is not None:
                    self.fills[name] = new

    def describe(self) -> Message:
        if self.existing is not None:
            return _client(self.existing)
        return Message("row.client_of_row", {"row": self.first_row})


def _empty(value: object) -> bool:
    return value is None or value == ""


def _keys(row: ImportRow) -> list[Key]:
    keys: list[Key] = []
    if row.phone:
        keys.append(("phone", row.phone))
    if row.telegram_id is not None:
        keys.append(("telegram_id", row.telegram_id))
    return keys


def _show(key: Key) -> Message:
    return Message("row.key", {"kind": key[0], "value": key[1]})


@dataclass(slots=True)
class _Planner:
    index: ClientIndex
    new_id: Callable[[], str]
    by_key: dict[Key, _Result] = field(default_factory=dict)
    by_client: dict[str, _Result] = field(default_factory=dict)
    poisoned: dict[Key, int] = field(default_factory=dict)  # key -> error row
    results: list[_Result] = field(default_factory=list)
    duplicates: int = 0
    errors: list[tuple[int, Message]] = field(default_factory=list)

    def lookup(self, key: Key) -> _Result | Client | None:
        known = self.by_key.get(key)
        if known is not None:
            return known
        kind, value = key
        if kind == "phone":
            client = self.index.by_phone(str(value))
        else:
            assert isinstance(value, int)
            client = self.index.by_telegram(value)
        if client is None:
            return None
        return self.by_client.get(client.id, client)

    def fail(self, row: ImportRow, keys: list[Key], message: Message) -> None:
        self.errors.append((row.row, message))
        for key in keys:
            if key not in self.by_key and key not in self.poisoned:
                self.poisoned[key] = row.row

    def add(self, row: ImportRow) -> None:
        keys = _keys(row)
        if row.error is not None:
            return self.fail(row, keys, row.error)
        if not keys:
            return self.fail(row, keys, Message("row.no_key"))
        for key in keys:
            if key in self.poisoned:
                return self.fail(row, keys, Message("row.repeats", {"key": _show(key), "row": self.poisoned[key]}))
        targets: dict[object, tuple[Key, _Result | Client]] = {}
        for key in keys:
            target = self.lookup(key)
            if target is not None:
                token = ("c", target.id) if isinstance(target, Client) else ("r", id(target))
                targets.setdefault(token, (key, target))
        if len(targets) > 1:
            (k1, t1), (k2, t2) = list(targets.values())[:2]
            return self.fail(row, keys, Message("row.conflict", {
                "key1": _show(k1), "key2": _show(k2), "who1": _describe(t1), "who2": _describe(t2)}))
        if not targets:
            result = _Result(row.row, None, {name: getattr(row, name) for name in FIELDS})
            result.new_id = self.new_id()
            self.results.append(result)
        else:
            ((_, target),) = targets.values()
            if isinstance(target, Client):
                values = {name: getattr(target, name) for name in FIELDS}
                result = _Result(row.row, target, values)
                self.by_client[target.id] = result
                self.results.append(result)
            else:
                result = target
                self.duplicates += 1
            result.merge(row)
        for key in keys:
            self.by_key.setdefault(key, result)


def _describe(target: _Result | Client) -> Message:
    return _client(target) if isinstance(target, Client) else target.describe()


def _client(client: Client) -> Message:
    """An existing client as a person knows them: by name (the id when there is none)."""
    return Message("row.client", {"client": client.name or client.id})


def plan_import(
    rows: Iterable[ImportRow], index: ClientIndex, *, new_id: Callable[[], str], now: float
) -> ImportPlan:
    """Decide, without changing anything, what importing ``rows`` does.

    Consumes ``rows`` completely; an exception from the row source (a file
    found to be too large or damaged halfway) propagates and leaves no plan,
    so an unreadable file changes nothing.
    """
    planner = _Planner(index, new_id)
    total = 0
    for row in rows:
        total += 1
        planner.add(row)
    created: list[Client] = []
    updated: list[tuple[str, dict[str, object]]] = []
    for result in planner.results:
        if result.existing is not None:
            updated.append((result.existing.id, dict(result.fills)))
            continue
        v = result.values
        created.append(
            Client(
                id=result.new_id,
                name=str(v["name"] or ""),
                phone=v["phone"] if isinstance(v["phone"], str) else None,
                telegram_id=v["telegram_id"] if isinstance(v["telegram_id"], int) else None,
                email=str(v["email"] or ""),
                birthday=str(v["birthday"] or ""),
                notes=str(v["notes"] or ""),
                source="import",
                created_at=now,
            )
        )
    return ImportPlan(total, created, updated, planner.duplicates, planner.errors)
