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

import httpx

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
    """POSTs for one endpoint: its own connection pool (one connection), so endpoints never share a queue."""

    def __init__(self, url: str, secret: str, *, timeout_s: float, allow_private: bool) -> None:
        self.url, self._secret = url, secret
        self._timeout_s, self._allow_private = timeout_s, allow_private
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout_s), follow_redirects=False, trust_env=False,
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
            headers={"User-Agent": USER_AGENT, "Content-Type": "application/json"})

    async def close(self) -> None:
        await self._client.aclose()

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
                async with self._client.stream("POST", self.url, content=body, headers=headers) as response:
                    read = 0
                    async for chunk in response.aiter_raw():
                        read += len(chunk)
                        if read > MAX_ANSWER_BYTES:
                            break
                    status = response.status_code
        except TimeoutError:
            return answer(None, f"timeout after {self._timeout_s:g} s")
        except httpx.HTTPError as err:
            return answer(None, f"{type(err).__name__}: {err}" if str(err) else type(err).__name__)
        return answer(status, "" if 200 <= status < 300 else f"HTTP {status}")
