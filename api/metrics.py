"""Prometheus metrics of this process: ``GET /metrics`` beside ``/healthz`` (SPEC §9.4).

Every process counts what it served and wrote itself (a per-app
``CollectorRegistry``, so tests may build many apps in one process): with
several processes, scrape each (or sum them in PromQL:
``sum without (instance) (…)``). Series, all with low-cardinality labels
(route *templates* as Quart matched them, never paths; no ids of anyone):

- ``zapis_http_requests_total{method,route,status}`` and
  ``zapis_http_request_duration_seconds{method,route,status}`` (histogram):
  from the request's start to its response (headers), as the app saw it;
  a path no route matches is ``route="<unmatched>"``, an unusual method ``OTHER``;
- ``zapis_journal_commit_duration_seconds`` (histogram), ``zapis_journal_batch_events``
  (histogram of events per committed transaction), ``zapis_events_appended_total{type}``:
  from the group-commit writer's hook (``storage/group.py`` ``WriterStats.on_batch``),
  only this process's own commits;
- ``zapis_mailbox_depth{kind}``, ``zapis_actors{kind}`` (kind: branch, clients,
  catalogue, users), ``zapis_open_sockets`` (dashboard WebSockets): read when scraped;
- ``zapis_bot_messages_sent_total{method}``, ``zapis_bot_messages_failed_total{method,reason}``
  (the in-process bot's Bot API calls that send or edit a message: ``bot/metrics.py``);
- the ``process_*`` series (CPU, memory, open files) of ``prometheus_client``.

The per-request cost is one wrapper around Quart's ``handle_request`` and a
dict lookup plus a bisect: no locks, no label objects (everything runs on the
one event loop). A scrape copies the plain counters on the loop and builds
and formats the text in a worker thread: prometheus_client needs tens of
milliseconds for a few thousand lines, which must not stall the requests.
Measured in ``bench/README.md`` ("The floor with /metrics").

``ZAPIS_METRICS_TOKEN`` set: the scrape must send ``Authorization: Bearer <token>``
(401 otherwise, compared in constant time); unset: open, like ``/healthz``.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from bisect import bisect_left
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from time import perf_counter
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, ProcessCollector, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from quart import Blueprint, Quart, Request, Response, current_app, request
from quart.typing import ResponseTypes

from actors.streams import branch_id_of
from api.problems import unauthorized
from storage.journal import Recorded

if TYPE_CHECKING:
    from api.context import AppContext

log = logging.getLogger(__name__)

bp = Blueprint("metrics", __name__)

UNMATCHED = "<unmatched>"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
HTTP_BOUNDS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
COMMIT_BOUNDS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0)
BATCH_BOUNDS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)


class Buckets:
    """A histogram's counts: ``observe`` is a bisect and two additions (no lock: one event loop)."""

    __slots__ = ("bounds", "counts", "total")

    def __init__(self, bounds: Sequence[float]) -> None:
        self.bounds = bounds
        self.counts = [0] * (len(bounds) + 1)  # the last one: above every bound (+Inf)
        self.total = 0.0

    def observe(self, value: float) -> None:
        self.counts[bisect_left(self.bounds, value)] += 1  # le: a value equal to a bound is in it
        self.total += value

    @property
    def count(self) -> int:
        return sum(self.counts)


class Metrics:
    """Everything ``/metrics`` shows for one app; a prometheus_client collector."""

    def __init__(self, z: AppContext) -> None:
        self._z = z
        self.http: dict[tuple[str, str, int], Buckets] = {}
        self.commits = Buckets(COMMIT_BOUNDS)
        self.batches = Buckets(BATCH_BOUNDS)
        self.appended: dict[str, int] = {}
        self.bot_sent: dict[str, int] = {}  # Bot API method -> calls answered
        self.bot_failed: dict[tuple[str, str], int] = {}  # (method, reason) -> calls that failed
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(self)  # a collector: anything with collect()
        self.process = ProcessCollector(registry=self.registry)

    # ------------------------------------------------------------ observing (hot paths)

    def request_done(self, method: str, route: str, status: int, seconds: float) -> None:
        if method not in METHODS:
            method = "OTHER"
        key = (method, route, status)
        buckets = self.http.get(key)
        if buckets is None:
            buckets = self.http[key] = Buckets(HTTP_BOUNDS)
        buckets.observe(seconds)

    def batch_committed(self, seconds: float, records: list[Recorded]) -> None:
        """The journal writer's hook: one committed transaction of this process. Never raises."""
        try:
            self.commits.observe(seconds)
            self.batches.observe(len(records))
            appended = self.appended
            for rec in records:
                appended[rec.type] = appended.get(rec.type, 0) + 1
        except Exception:  # noqa: BLE001 - metrics must never stop the journal
            log.exception("metrics: a committed batch could not be counted")

    # ------------------------------------------------------------ the scrape

    def collect(self) -> Iterator[Metric]:
        """The registry's view (prometheus_client calls it); the scrape renders a snapshot off the loop."""
        return families(self.snapshot())

    def snapshot(self) -> Snapshot:
        """Copies of every counter and the gauges' values now: cheap, on the event loop."""
        waiting: dict[str, int] = {}
        actors: dict[str, int] = {}
        if self._z.ready:
            for actor in self._z.runtime.all_actors():
                kind = "branch" if branch_id_of(actor.stream) is not None else actor.stream
                waiting[kind] = waiting.get(kind, 0) + actor.backlog
                actors[kind] = actors.get(kind, 0) + 1
        return Snapshot(
            http={key: (list(b.counts), b.total) for key, b in self.http.items()},
            commits=(list(self.commits.counts), self.commits.total),
            batches=(list(self.batches.counts), self.batches.total),
            appended=dict(self.appended), waiting=waiting, actors=actors,
            sockets=self._z.hub.sessions if self._z.hub is not None else 0,
            bot_sent=dict(self.bot_sent), bot_failed=dict(self.bot_failed))


Counts = tuple[list[int], float]  # a histogram's bucket counts (not cumulative) and sum


@dataclass(frozen=True, slots=True)
class Snapshot:
    http: dict[tuple[str, str, int], Counts]
    commits: Counts
    batches: Counts
    appended: dict[str, int]
    waiting: dict[str, int]
    actors: dict[str, int]
    sockets: int
    bot_sent: dict[str, int]
    bot_failed: dict[tuple[str, str], int]


def families(snap: Snapshot) -> Iterator[Metric]:
    """Every zapis series of ``snap`` (pure: safe in a worker thread)."""
    labels = ["method", "route", "status"]
    requests = CounterMetricFamily("zapis_http_requests", "HTTP requests answered, by route template and status",
                                   labels=labels)
    latency = HistogramMetricFamily("zapis_http_request_duration_seconds",
                                    "Time from a request's start to its response", labels=labels)
    for (method, route, status), (counts, total) in sorted(snap.http.items()):
        values = [method, route, str(status)]
        requests.add_metric(values, sum(counts))
        latency.add_metric(values, _cumulative(HTTP_BOUNDS, counts), total)
    yield requests
    yield latency
    yield _histogram("zapis_journal_commit_duration_seconds",
                     "Time one journal transaction (a group-commit batch) took", COMMIT_BOUNDS, snap.commits)
    yield _histogram("zapis_journal_batch_events", "Events in one committed journal transaction",
                     BATCH_BOUNDS, snap.batches)
    yield _counter("zapis_events_appended", "Events this process appended to the journal, by type", ["type"],
                   {(t,): n for t, n in snap.appended.items()})
    depth = GaugeMetricFamily("zapis_mailbox_depth", "Messages waiting in actors' mailboxes, by actor kind",
                              labels=["kind"])
    count = GaugeMetricFamily("zapis_actors", "Running stream actors, by kind", labels=["kind"])
    for kind in sorted(snap.actors):
        depth.add_metric([kind], snap.waiting[kind])
        count.add_metric([kind], snap.actors[kind])
    yield depth
    yield count
    sockets = GaugeMetricFamily("zapis_open_sockets", "Dashboard WebSockets open on this process")
    sockets.add_metric([], snap.sockets)
    yield sockets
    yield _counter("zapis_bot_messages_sent", "Bot API calls sending or editing a message that succeeded",
                   ["method"], {(m,): n for m, n in snap.bot_sent.items()})
    yield _counter("zapis_bot_messages_failed", "Bot API calls sending or editing a message that failed (each attempt)",
                   ["method", "reason"], {key: n for key, n in snap.bot_failed.items()})


def _cumulative(bounds: Sequence[float], counts: list[int]) -> list[tuple[str, float]]:
    out, running = [], 0
    for bound, n in zip((*(repr(float(b)) for b in bounds), "+Inf"), counts):
        running += n
        out.append((bound, float(running)))
    return out


def _counter(name: str, documentation: str, labels: list[str],
             values: Mapping[tuple[str, ...], int]) -> CounterMetricFamily:
    family = CounterMetricFamily(name, documentation, labels=labels)
    for key, n in sorted(values.items()):
        family.add_metric(list(key), n)
    return family


def _histogram(name: str, documentation: str, bounds: Sequence[float], counts: Counts) -> HistogramMetricFamily:
    family = HistogramMetricFamily(name, documentation)
    family.add_metric([], _cumulative(bounds, counts[0]), counts[1])
    return family


class _Rendered:
    """A snapshot and the process collector, as one collector for ``generate_latest``."""

    def __init__(self, snap: Snapshot, process: ProcessCollector) -> None:
        self._snap = snap
        self._process = process

    def collect(self) -> Iterator[Metric]:
        yield from families(self._snap)
        yield from self._process.collect()


def install(app: Quart, z: AppContext) -> Metrics:
    """Count every request ``app`` answers, the journal's commits and the bot's messages."""
    metrics = Metrics(z)
    app.extensions["zapis.metrics"] = metrics
    stats = getattr(z.journal, "stats", None)
    if stats is not None and hasattr(stats, "on_batch"):  # both journals' group-commit writers
        stats.on_batch = metrics.batch_committed
    if z.bot is not None:
        from bot.metrics import count_messages  # aiogram: only when a bot runs here

        count_messages(z.bot.bot, metrics.bot_sent, metrics.bot_failed)
    inner = app.handle_request
    observe = metrics.request_done

    async def handle_request(req: Request) -> ResponseTypes:
        """Quart's own, timed: it turns every error into a response, so each request ends here once."""
        started = perf_counter()
        response = await inner(req)
        rule = req.url_rule
        observe(req.method, rule.rule if rule is not None else UNMATCHED, response.status_code,
                perf_counter() - started)
        return response

    app.handle_request = handle_request  # type: ignore[method-assign,assignment]
    return metrics


@bp.get("/metrics")
async def scrape() -> Response:
    """This process's metrics in Prometheus text format (0.0.4)."""
    metrics: Metrics = current_app.extensions["zapis.metrics"]
    token = metrics._z.settings.metrics_token
    if token is not None:
        given = request.headers.get("Authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            raise unauthorized("metrics.token")
    # A few hundred series take tens of milliseconds to format: the event loop only copies
    # the counters; building and formatting the text runs in a worker thread.
    body = await asyncio.to_thread(generate_latest, _Rendered(metrics.snapshot(), metrics.process))
    return Response(body, content_type=CONTENT_TYPE_PLAIN_0_0_4)
