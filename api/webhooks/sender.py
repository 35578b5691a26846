"""One delivery attempt: POST a signed body to an endpoint, with a hard time limit.

Headers (SPEC §9.4): ``X-Zapis-Event`` (the event's type), ``X-Zapis-Delivery``
(its journal ``seq``: the same on every retry, so a receiver can drop
repeats), ``X-Zapis-Signature: sha256=<hex HMAC-SHA256 of the raw body>``.
Redirects are not followed (a 3xx is a failure: the admin registers the
final URL); proxies from the environment are ignored; at most
``MAX_ANSWER_BYTES`` of an answer are read, and the whole attempt —
connecting, sending, the answer — ends within ``timeout_s``, so a receiver
that hangs or trickles costs its own queue that long and nothing else.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import random
import time
from dataclasses import dataclass

import aiohttp

from actors.core.errors import DomainError
from api.webhooks.urls import check_url

MAX_ANSWER_BYTES = 64 * 1024
USER_AGENT = "zapis-webhooks/1"


def signature(secret: str, body: bytes) -> str:
    """``sha256=<hex>``: what a receiver recomputes with its copy of the secret."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def backoff_s(attempt: int, base_s: float, max_s: float, rand: float | None = None) -> float:
    """Exponential backoff with jitter: ``base·2^(attempt-1)`` capped at ``max_s``, times 0.5–1."""
    delay = min(max_s, base_s * 2.0 ** min(attempt - 1, 40))
    return float(delay * (0.5 + (random.random() if rand is None else rand) / 2))


@dataclass(frozen=True, slots=True)
class Answer:
    status: int | None  # None: no HTTP answer (refused address, network error, timeout)
    error: str
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class Sender:
    """POSTs for one endpoint: its own connection (aiohttp, one at most), so endpoints never share a queue."""

    def __init__(self, url: str, secret: str, *, timeout_s: float, allow_private: bool) -> None:
        self.url, self._secret = url, secret
        self._timeout_s, self._allow_private = timeout_s, allow_private
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:  # made inside the running loop
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=1), trust_env=False,
                timeout=aiohttp.ClientTimeout(total=self._timeout_s),
                headers={"User-Agent": USER_AGENT, "Content-Type": "application/json"})
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def post(self, event: str, seq: int, body: bytes) -> Answer:
        started = time.monotonic()

        def answer(status: int | None, error: str) -> Answer:
            return Answer(status, error[:500], int((time.monotonic() - started) * 1000))

        try:
            await check_url(self.url, allow_private=self._allow_private)  # again: DNS may have changed
        except DomainError as refused:
            return answer(None, f"address refused: {refused.message.key}")
        headers = {"X-Zapis-Event": event, "X-Zapis-Delivery": str(seq),
                   "X-Zapis-Signature": signature(self._secret, body)}
        try:
            async with asyncio.timeout(self._timeout_s):
                async with self._client().post(self.url, data=body, headers=headers,
                                               allow_redirects=False) as response:
                    await response.content.read(MAX_ANSWER_BYTES)
                    status = response.status
        except TimeoutError:
            return answer(None, f"timeout after {self._timeout_s:g} s")
        except (aiohttp.ClientError, ValueError) as err:
            return answer(None, f"{type(err).__name__}: {err}" if str(err) else type(err).__name__)
        return answer(status, "" if 200 <= status < 300 else f"HTTP {status}")
