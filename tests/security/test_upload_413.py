"""An upload over the limit always gets its 413 problem document, never a connection reset.

The server decides 413 from the declared size (or, for a chunked upload, once
the limit is passed) while the client is still sending; it answers at once,
then reads and discards the rest of the body before it finishes the
response, so the connection is not closed under a client still writing
(a close with unread data is a TCP reset, and the client may lose the answer).
Served with the production Hypercorn config, while other requests run.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.harness import Harness
from tests.security.served import serve_as_in_production

pytestmark = pytest.mark.slow

LIMIT = 2_000_000
UPLOAD = 3_000_000
UPLOADS = 50
TIMEOUT = 20.0
PAUSE_S = 0.002


def csv_file(size: int) -> bytes:
    rows = b"".join(b"\xd0\x9a\xd0\xbb\xd0\xb8\xd0\xb5\xd0\xbd\xd1\x82 %07d;+7999%07d\n" % (i, i) for i in range(size // 30))
    return (b"name;phone\n" + rows)[:size]


def multipart(payload: bytes, boundary: str) -> bytes:
    return (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.csv\"\r\n"
            f"Content-Type: text/csv\r\n\r\n").encode() + payload + f"\r\n--{boundary}--\r\n".encode()


async def paced(body: bytes, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    """The body in pieces with a pause between them: a client on a real network, still
    sending when the server has decided (on loopback the whole body would sit in the
    socket buffers before the server even looked at it)."""
    for i in range(0, len(body), size):
        yield body[i:i + size]
        await asyncio.sleep(PAUSE_S)


async def busy(http: httpx.AsyncClient, base: str, stop: asyncio.Event) -> int:
    """GET /healthz in a loop until ``stop``; how many answered 200."""
    ok = 0
    while not stop.is_set():
        r = await http.get(f"{base}/healthz")
        assert r.status_code == 200, r.text
        ok += 1
    return ok


async def test_every_over_limit_upload_gets_its_413(harness: Harness) -> None:
    harness.overrides.update(import_max_bytes=LIMIT)
    await harness.start()
    headers = await harness.admin_headers()
    payload = csv_file(UPLOAD)
    boundary = "zapis-upload-test"
    body = multipart(payload, boundary)
    answers: list[str] = []
    async with serve_as_in_production(harness) as (host, port):
        base = f"http://{host}:{port}"
        stop = asyncio.Event()
        async with httpx.AsyncClient(timeout=TIMEOUT) as http, httpx.AsyncClient(timeout=TIMEOUT) as other:
            pings = [asyncio.create_task(busy(other, base, stop)) for _ in range(2)]
            for i in range(UPLOADS):
                # Every other upload is chunked: no declared size, refused once past the limit.
                sized = {"Content-Length": str(len(body))} if i % 2 == 0 else {}
                try:
                    r = await http.post(f"{base}/api/v1/system/import", content=paced(body), headers={
                        **headers, **sized, "Content-Type": f"multipart/form-data; boundary={boundary}"})
                except httpx.TransportError as exc:
                    answers.append(f"upload {i}: {type(exc).__name__} {exc}")
                    continue
                problem = r.json()
                answers.append("413 file_too_large" if (r.status_code, problem.get("code")) == (413, "file_too_large")
                               else f"upload {i}: {r.status_code} {problem}")
            stop.set()
            assert all(n > 0 for n in await asyncio.gather(*pings))
    wrong = [a for a in answers if a != "413 file_too_large"]
    assert not wrong, wrong
    assert harness.z.runtime.clients.committed.clients == {}
