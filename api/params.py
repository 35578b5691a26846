"""Parsing request values the schema layer cannot: instants, local dates and ranges, cursors;
and the one keyset paginator every listing uses."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import TypeVar

import orjson

from actors.core.errors import InvalidInput
from actors.core.model import Instant
from actors.core.schedule import check_range, parse_date


def parse_instant(raw: object, what: str = "start") -> Instant:
    """An ISO 8601 instant with a UTC offset (``2026-03-02T10:00:00+03:00`` or ``…Z``)."""
    if not isinstance(raw, str) or len(raw) > 40:
        raise InvalidInput("datetime.format", field=what)
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise InvalidInput("datetime.no_such", field=what, raw=raw) from None
    if moment.tzinfo is None:
        raise InvalidInput("datetime.offset", field=what)
    if moment.second or moment.microsecond:
        raise InvalidInput("datetime.minute", field=what)
    return int(moment.timestamp())


def parse_local_date(raw: object, what: str = "date") -> date:
    """A local calendar date ``YYYY-MM-DD`` (400 for one that does not exist)."""
    return parse_date(raw, what)


def date_range(date_from: object, date_to: object, max_days: int) -> tuple[date, date]:
    """Two local dates, both inclusive: ``date_to`` not before ``date_from``, at most ``max_days``."""
    first, last = parse_local_date(date_from, "date_from"), parse_local_date(date_to, "date_to")
    check_range(first, last, max_days)
    return first, last


def encode_cursor(position: list[object]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(position)).decode().rstrip("=")


def decode_cursor(raw: str) -> list[object]:
    """The position a previous page ended at; 400 for anything that is not one."""
    try:
        padded = raw + "=" * (-len(raw) % 4)
        value = orjson.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, orjson.JSONDecodeError):
        raise InvalidInput("cursor.invalid") from None
    if not isinstance(value, list):
        raise InvalidInput("cursor.invalid")
    return value


T = TypeVar("T")
Position = tuple[int | str, ...]


def keyset_page(items: Iterable[T], key: Callable[[T], Position], shape: tuple[type, ...], limit: int,
                cursor: str | None, *, newest_first: bool = False) -> tuple[list[T], str | None]:
    """One page of ``items`` ordered by ``key`` after ``cursor``, and the next cursor.

    The cursor is the last key of the previous page (its values of the types
    in ``shape``), so a page never repeats or skips an item that existed when
    the listing began.
    """
    after: Position | None = None
    if cursor is not None:
        raw = decode_cursor(cursor)
        if len(raw) != len(shape) or not all(type(v) is t for v, t in zip(raw, shape)):
            raise InvalidInput("cursor.invalid")
        after = tuple(v for v in raw if isinstance(v, (int, str)))
    ordered = sorted(items, key=key, reverse=newest_first)
    if after is not None:
        ordered = [i for i in ordered if (key(i) < after if newest_first else key(i) > after)]
    chunk = ordered[:limit]
    more = len(ordered) > limit
    return chunk, encode_cursor(list(key(chunk[-1]))) if more else None
