"""Identifiers: short, URL-safe and random, so they fit in Telegram's 64-byte callback data."""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Callable


def new_id() -> str:
    """12 URL-safe characters (72 random bits), never starting with ``-`` or ``_``.

    An id that starts with ``-`` would be read as an option on the command
    line (``run.py create-user --branches <id>``).
    """
    while True:
        candidate = secrets.token_urlsafe(9)
        if candidate[0].isalnum():
            return candidate


def derived_ids(seed: str) -> Callable[[], str]:
    """Ids derived from ``seed`` (an id that travels inside a command) and a counter.

    ``decide`` must not draw random numbers (a replay or a second decision of
    the same command must mean the same events), so a command that creates
    many records at once (an import) carries one fresh id and derives the
    rest: 72 bits of BLAKE2b each, URL-safe, never starting with ``-``/``_``.
    """
    counter = 0

    def next_id() -> str:
        nonlocal counter
        while True:
            counter += 1
            digest = hashlib.blake2b(f"{seed}:{counter}".encode(), digest_size=9).digest()
            candidate = base64.urlsafe_b64encode(digest).decode()
            if candidate[0].isalnum():
                return candidate

    return next_id
