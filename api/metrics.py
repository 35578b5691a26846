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
one event loop; the scrape renders the plain counters). Measured against the
bare app in ``bench/README.md`` ("The per-request floor").

``ZAPIS_METRICS_TOKEN`` set: the scrape must send ``Authorization: Bearer <token>``
(401 otherwise, compared in constant time); unset: open, like ``/healthz``.
"""

from __future__ import annotations

import hmac
import logging
from bisect import bisect_left
from collections.abc import Iterator, Sequence
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

    def cumulative(self) -> list[tuple[str, float]]:
        out, running = [], 0
        for bound, n in zip((*map(_float, self.bounds), "+Inf"), self.counts):
            running += n
            out.append((bound, float(running)))
        return out


def _float(value: float) -> str:
    return repr(float(value))


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
        ProcessCollector(registry=self.registry)

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
        labels = ["method", "route", "status"]
        requests = CounterMetricFamily("zapis_http_requests", "HTTP requests answered, by route template and status",
                                       labels=labels)
        latency = HistogramMetricFamily("zapis_http_request_duration_seconds",
                                        "Time from a request's start to its response", labels=labels)
        for (method, route, status), buckets in sorted(self.http.items()):
            values = [method, route, str(status)]
            requests.add_metric(values, buckets.count)
            latency.add_metric(values, buckets.cumulative(), buckets.total)
        yield requests
        yield latency
        yield _histogram("zapis_journal_commit_duration_seconds",
                         "Time one journal transaction (a group-commit batch) took", self.commits)
        yield _histogram("zapis_journal_batch_events", "Events in one committed journal transaction", self.batches)
        appended = CounterMetricFamily("zapis_events_appended", "Events this process appended to the journal, by type",
                                       labels=["type"])
        for type_, n in sorted(self.appended.items()):
            appended.add_metric([type_], n)
        yield appended
        yield from self._actors()
        sockets = GaugeMetricFamily("zapis_open_sockets", "Dashboard WebSockets open on this process")
        sockets.add_metric([], self._z.hub.sessions if self._z.hub is not None else 0)
        yield sockets
        sent = CounterMetricFamily("zapis_bot_messages_sent", "Bot API calls sending or editing a message that succeeded",
                                   labels=["method"])
        for method, n in sorted(self.bot_sent.items()):
            sent.add_metric([method], n)
        yield sent
        failed = CounterMetricFamily("zapis_bot_messages_failed",
                                     "Bot API calls sending or editing a message that failed (each attempt)",
                                     labels=["method", "reason"])
        for (method, reason), n in sorted(self.bot_failed.items()):
            failed.add_metric([method, reason], n)
        yield failed

    def _actors(self) -> Iterator[Metric]:
        depth = GaugeMetricFamily("zapis_mailbox_depth", "Messages waiting in actors' mailboxes, by actor kind",
                                  labels=["kind"])
        count = GaugeMetricFamily("zapis_actors", "Running stream actors, by kind", labels=["kind"])
        waiting: dict[str, int] = {}
        actors: dict[str, int] = {}
        if self._z.ready:
            for actor in self._z.runtime.all_actors():
                kind = "branch" if branch_id_of(actor.stream) is not None else actor.stream
                waiting[kind] = waiting.get(kind, 0) + actor.backlog
                actors[kind] = actors.get(kind, 0) + 1
        for kind in sorted(actors):
            depth.add_metric([kind], waiting[kind])
            count.add_metric([kind], actors[kind])
        yield depth
        yield count


def _histogram(name: str, documentation: str, buckets: Buckets) -> HistogramMetricFamily:
    family = HistogramMetricFamily(name, documentation)
    family.add_metric([], buckets.cumulative(), buckets.total)
    return family


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
    return Response(generate_latest(metrics.registry), content_type=CONTENT_TYPE_PLAIN_0_0_4)
