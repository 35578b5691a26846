"""Identifiers: short, URL-safe and random, so they fit in Telegram's 64-byte callback data."""

from __future__ import annotations

import secrets


def new_id() -> str:
    """12 URL-safe characters (72 random bits), never starting with ``-`` or ``_``.

    An id that starts with ``-`` would be read as an option on the command
    line (``run.py create-user --branches <id>``).
    """
    while True:
        candidate = secrets.token_urlsafe(9)
        if candidate[0].isalnum():
            return candidate
