"""Identifiers: short, URL-safe and random, so they fit in Telegram's 64-byte callback data."""

from __future__ import annotations

import secrets


def new_id() -> str:
    """12 characters, 72 random bits."""
    return secrets.token_urlsafe(9)
