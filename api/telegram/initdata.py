"""Telegram Mini App ``initData``: verification and signing (SPEC §3 client auth).

Verification uses aiogram's own helpers from ``aiogram.utils.web_app``:
``check_webapp_signature`` (secret = HMAC_SHA256("WebAppData", bot_token);
hash = HMAC_SHA256(secret, data_check_string)), then ``parse_webapp_init_data``
— together exactly ``safe_parse_webapp_init_data``, with the two failures told
apart. It adds what aiogram leaves to us:

- ``auth_date`` freshness on the injected clock: older than ``max_age_s`` is
  expired (``max_age_s <= 0`` disables the check, as the libraries' "expIn=0"
  does — only for tests against old published vectors), more than
  ``FUTURE_SKEW_S`` ahead of our clock is refused too;
- a hash that is not 64 hex digits is refused before aiogram sees it
  (aiogram raises ``TypeError`` on a non-ASCII hash, aiogram#1903);
- a field given twice is refused: aiogram keeps the last ``user``, another
  reader might take the first, and Telegram never sends one twice;
- the data must name a ``user``: the client is ``user.id``.

Verified strings are cached (bounded LRU, per verifier): the hash is inside the
string, so the same string always verifies the same way; freshness is checked
on every call. aiogram is imported when a verifier is built, i.e. only when a
bot token is configured (``import aiogram`` takes about 3 s).

``sign_init_data`` produces initData exactly as Telegram does, for tests and
for the bot, which signs its own calls so that a Mini App and the bot share
one path. This module knows nothing of HTTP.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

from actors.core.clock import Clock

FUTURE_SKEW_S = 300  # auth_date may be this far ahead of our clock (clock drift)
MAX_INIT_DATA_CHARS = 8192
_HASH_RE = re.compile(r"(?:^|&)hash=([0-9a-fA-F]{64})(?:&|$)")


class InitDataInvalid(Exception):
    """initData is missing, malformed, forged, signed for another bot, or expired."""


class InvalidSignature(InitDataInvalid):
    """The hash does not match: forged data, or data signed with another bot's token."""


@dataclass(frozen=True, slots=True)
class TelegramUser:
    id: int
    first_name: str = ""
    last_name: str = ""
    username: str = ""

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part).strip()


@dataclass(frozen=True, slots=True)
class _Verified:
    user: TelegramUser
    auth_date: int


class InitDataVerifier:
    """Checks ``initData`` for one bot token on the injected clock."""

    def __init__(self, token: str, clock: Clock, max_age_s: int = 86400, cache_size: int = 4096) -> None:
        from aiogram.utils import web_app  # heavy import: only when a token is configured

        if not token:
            raise ValueError("a bot token is required")
        self._token = token
        self._clock = clock
        self.max_age_s = max_age_s
        self._check_signature = web_app.check_webapp_signature
        self._parse = web_app.parse_webapp_init_data
        self._cache: OrderedDict[str, _Verified] = OrderedDict()
        self._cache_size = cache_size

    def verify(self, init_data: str) -> TelegramUser:
        """The Telegram user ``init_data`` vouches for, or ``InitDataInvalid``."""
        verified = self._cache.get(init_data)
        if verified is None:
            verified = self._check(init_data)
            self._cache[init_data] = verified
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(init_data)
        now = self._clock.now()
        if self.max_age_s > 0 and now - verified.auth_date > self.max_age_s:
            raise InitDataInvalid("initData has expired; reopen the app")
        if verified.auth_date > now + FUTURE_SKEW_S:
            raise InitDataInvalid("initData auth_date is in the future")
        return verified.user

    def _check(self, init_data: str) -> _Verified:
        if not init_data or len(init_data) > MAX_INIT_DATA_CHARS:
            raise InitDataInvalid("initData is empty or too long")
        if _HASH_RE.search(init_data) is None:
            raise InitDataInvalid("initData has no valid hash")
        fields = [name for name, _ in parse_qsl(init_data, keep_blank_values=True)]
        if len(fields) != len(set(fields)):  # Telegram never repeats one; readers could disagree on which
            raise InitDataInvalid("initData repeats a field")
        try:
            valid = self._check_signature(self._token, init_data)
        except (ValueError, TypeError):  # e.g. a second, non-ASCII ``hash`` (aiogram#1903)
            valid = False
        if not valid:
            raise InvalidSignature("initData signature is invalid")
        try:
            data = self._parse(init_data)
        except (ValueError, TypeError):  # bad JSON or fields (pydantic's errors are ValueErrors)
            raise InitDataInvalid("initData is signed but malformed") from None
        user = data.user
        if user is None:
            raise InitDataInvalid("initData has no user")
        return _Verified(
            TelegramUser(int(user.id), user.first_name or "", user.last_name or "", user.username or ""),
            int(data.auth_date.timestamp()),
        )


def init_data_hash(token: str, fields: Mapping[str, str]) -> str:
    """Telegram's hash of ``fields`` (decoded values; ``hash`` itself is ignored)."""
    check = "\n".join(f"{k}={v}" for k, v in sorted(fields.items()) if k != "hash")
    secret = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
    return hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()


def sign_init_data(token: str, user: Mapping[str, Any], auth_date: int, **fields: str) -> str:
    """initData for ``user`` signed with ``token``, as Telegram would send it.

    ``user`` is Telegram's user object (``{"id": 42, "first_name": "Анна"}``);
    extra ``fields`` (``query_id``, ``chat_type``…) are signed too.
    """
    values: dict[str, str] = {
        "auth_date": str(int(auth_date)),
        "user": json.dumps(dict(user), ensure_ascii=False, separators=(",", ":")),
        **fields,
    }
    values["hash"] = init_data_hash(token, values)
    return urlencode(values)


def parse_authorization(header: str | None) -> str:
    """The initData of ``Authorization: tma <initData>`` (``InitDataInvalid`` otherwise)."""
    if not header:
        raise InitDataInvalid("send Authorization: tma <initData>")
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "tma" or not value.strip():
        raise InitDataInvalid("send Authorization: tma <initData>")
    return value.strip()
