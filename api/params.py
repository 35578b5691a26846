"""Parsing request values the schema layer cannot: instants, local dates, cursors."""

from __future__ import annotations

import base64
import binascii
from datetime import date, datetime

import orjson

from actors.errors import InvalidInput
from actors.model import Instant
from actors.schedule import parse_date


def parse_instant(raw: object, what: str = "start") -> Instant:
    """An ISO 8601 instant with a UTC offset (``2026-03-02T10:00:00+03:00`` or ``…Z``)."""
    if not isinstance(raw, str) or len(raw) > 40:
        raise InvalidInput(f"{what} must be an ISO 8601 date-time with an offset")
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(f"{what}: no such date-time {raw!r}") from None
    if moment.tzinfo is None:
        raise InvalidInput(f"{what} needs a UTC offset, e.g. 2026-03-02T10:00:00+03:00")
    if moment.second or moment.microsecond:
        raise InvalidInput(f"{what} must be on a whole minute")
    return int(moment.timestamp())


def parse_local_date(raw: object, what: str = "date") -> date:
    """A local calendar date ``YYYY-MM-DD`` (400 for one that does not exist)."""
    return parse_date(raw, what)


def encode_cursor(position: list[object]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(position)).decode().rstrip("=")


def decode_cursor(raw: str) -> list[object]:
    """The position a previous page ended at; 400 for anything that is not one."""
    try:
        padded = raw + "=" * (-len(raw) % 4)
        value = orjson.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, orjson.JSONDecodeError):
        raise InvalidInput("cursor is not valid; use next_cursor from the previous page") from None
    if not isinstance(value, list):
        raise InvalidInput("cursor is not valid; use next_cursor from the previous page")
    return value
