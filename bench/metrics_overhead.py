"""What ``/metrics`` costs a request: the same app with and without its request wrapper, interleaved.

    python -m bench.metrics_overhead [--batches 60] [--per-batch 200]

One zapis app (``run.build``, SQLite in a temporary directory, started as in
production) answers ``GET /healthz`` through Quart's test client (no server,
no sockets: what is left is the app's own per-request work, the part the
wrapper adds to). Batches alternate between the app as built (every request
timed and counted by ``api/metrics.py``) and the same app with Quart's
unwrapped ``handle_request`` put back; each batch's process CPU time per
request is recorded and the medians compared. The micro figure is the
wrapper's own work alone (two ``perf_counter`` calls, a dict update and a
bisect, plus the extra coroutine frame), timed in a loop.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from quart import Quart


async def run(batches: int, per_batch: int) -> None:
    from run import build
    from settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        app = build(Settings(data_dir=Path(tmp), jwt_secret="x" * 40, bot_mode="off"))
        async with app.test_app():
            client = app.test_client()
            wrapped = app.handle_request
            bare = Quart.handle_request.__get__(app)
            cost: dict[str, list[float]] = {"with": [], "without": []}
            for _ in range(40):  # warm up both paths
                await client.get("/healthz")
            for i in range(batches * 2):
                side = "with" if i % 2 == 0 else "without"
                app.handle_request = wrapped if side == "with" else bare  # type: ignore[method-assign]
                started = time.process_time()
                for _ in range(per_batch):
                    await client.get("/healthz")
                cost[side].append((time.process_time() - started) / per_batch * 1e6)
            app.handle_request = wrapped  # type: ignore[method-assign]
            metrics = app.extensions["zapis.metrics"]
            counted = sum(b.count for (m, r, s), b in metrics.http.items() if r == "/healthz")
    with_us, without_us = statistics.median(cost["with"]), statistics.median(cost["without"])
    pairs = sorted(w - wo for w, wo in zip(cost["with"], cost["without"]))  # each batch against its neighbour
    q1, q3 = pairs[len(pairs) // 4], pairs[3 * len(pairs) // 4]
    print(f"GET /healthz through the test client, {batches} batches × {per_batch} requests each way "
          f"(process CPU per request, median): with metrics {with_us:.1f} µs, without {without_us:.1f} µs, "
          f"difference {with_us - without_us:+.1f} µs ({(with_us / without_us - 1) * 100:+.1f} %); "
          f"requests counted: {counted}; paired difference median {statistics.median(pairs):+.1f} µs, "
          f"quartiles {q1:+.1f}..{q3:+.1f} µs")
    print(f"the wrapper's own work: {await micro():.2f} µs a request")


async def micro(n: int = 200_000) -> float:
    """The wrapper's work around a request that costs nothing, per request (µs)."""
    from api.metrics import Metrics

    metrics = Metrics.__new__(Metrics)  # only the request counters are used here
    metrics.http = {}
    observe = metrics.request_done

    async def inner() -> int:
        return 200

    async def wrapper() -> int:
        started = time.perf_counter()
        status = await inner()
        observe("GET", "/healthz", status, time.perf_counter() - started)
        return status

    async def loop(fn: object) -> float:
        started = time.perf_counter()
        for _ in range(n):
            await fn()  # type: ignore[operator]
        return time.perf_counter() - started

    return (await loop(wrapper) - await loop(inner)) / n * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batches", type=int, default=60)
    parser.add_argument("--per-batch", type=int, default=200)
    args = parser.parse_args()
    asyncio.run(run(args.batches, args.per_batch))


if __name__ == "__main__":
    main()
