"""The Quart application: blueprints, schema, errors, headers, lifecycle.

``create_app`` receives every collaborator from ``run.py`` (the composition
root) and creates nothing stateful itself. Serving starts the journal and
the actors and stops them in reverse order, so ``app.test_app()`` in tests
runs the same start-up and shutdown as Hypercorn does.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from pydantic_core import to_jsonable_python
from quart import Quart, Response, request
from quart.json.provider import DefaultJSONProvider
from quart.typing import ResponseTypes
from quart_schema import QuartSchema
from werkzeug.datastructures import Headers

from api.admin import catalogue as admin_catalogue
from api.admin import feeds as admin_feeds
from api.admin import imports, journal, reports, users
from api import drain, feeds, health, metrics, proxied
from api.manager import appointments, board, clients, session, slots, socket
from api.telegram import booking, visits
from api.telegram import waitlist as client_waitlist
from api.manager import waitlist as manager_waitlist
from api.telegram import catalogue as public_catalogue
from api.web import serve as web
from api.context import AppContext
from api.openapi import ZapisOpenAPI, docs
from api.problems import ApiError, register_error_handlers

log = logging.getLogger(__name__)

Hook = Callable[[], Awaitable[None]]

LARGE_BODIES = frozenset({"/api/v1/system/import"})

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self' ws: wss:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
        "form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


class OrjsonProvider(DefaultJSONProvider):
    def dumps(self, obj: Any, **kwargs: Any) -> str:
        return orjson.dumps(obj, default=_default, option=orjson.OPT_NON_STR_KEYS).decode()

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        value = orjson.loads(s)
        # No journal can store a NUL (PostgreSQL text and jsonb refuse it): 400 here,
        # before any handler or actor sees it. JSON can only spell it as an escape.
        escaped = "\\u0000" in s if isinstance(s, str) else b"\\u0000" in s
        if escaped and _has_nul(value):
            raise ApiError(400, "validation_error", "request.nul_json")
        return value


def _default(value: Any) -> Any:
    """What orjson cannot write itself: Quart's types (Decimal, ``__html__``), then pydantic's (models)."""
    try:
        return DefaultJSONProvider.default(value)
    except TypeError:
        return to_jsonable_python(value)


# What a handler may return that needs no model conversion: the answer as it is,
# or a tuple of it with a status and plain headers.
_PLAIN = (dict, list, str, bytes, Response)
_PLAIN_PARTS = (int, dict, list, Headers, type(None))


def plain_results(app: Quart) -> None:
    """Skip quart-schema's response conversion for answers that hold no model.

    quart-schema wraps ``make_response`` so that a returned pydantic model or
    dataclass becomes JSON; it converts a plain ``dict`` too, building a
    ``TypeAdapter(dict)`` and copying the dict for every answer — about a
    quarter of the cost of ``/healthz``. A dict, list, string or Response goes
    straight to Quart's ``make_response`` (our JSON provider still turns a model
    nested inside a dict into JSON, via ``_default``); anything else still goes
    through quart-schema.
    """
    converting = app.make_response
    direct = Quart.make_response.__get__(app)

    async def make_response(result: Any) -> ResponseTypes:
        if isinstance(result, tuple):
            plain = isinstance(result[0], _PLAIN) and all(isinstance(part, _PLAIN_PARTS) for part in result[1:])
        else:
            plain = isinstance(result, _PLAIN)
        return await (direct if plain else converting)(result)

    app.make_response = make_response  # type: ignore[method-assign]


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def end_protocol_pings() -> int:
    """Cancel Hypercorn's protocol-ping tasks (its ``WSStream._send_pings``); how many.

    Each sleeps ``websocket_ping_interval`` between pings and checks whether its
    socket closed only when it wakes, and the connection's task group waits for it,
    so a stop with dashboard sockets open waited out the graceful timeout. Called
    once the hub has closed every socket; a ping task cancelled from outside is
    ignored by its ``asyncio.TaskGroup``.
    """
    pings = [t for t in asyncio.all_tasks()
             if getattr(t.get_coro(), "__qualname__", "") == "WSStream._send_pings"]
    for task in pings:
        task.cancel()
    return len(pings)


def quiet_cancelled_callbacks(loop: asyncio.AbstractEventLoop) -> Callable[[], None]:
    """Keep a cancellation raised inside a loop callback out of the error log; returns the undo.

    On a clean stop with a dashboard socket open, Hypercorn's protocol-ping
    task keeps the closed socket's connection task alive until its next ping
    (``ws_ping_interval_s``, longer than the graceful timeout), so Hypercorn
    cancels that task. Python 3.11's ``asyncio.start_server`` then calls
    ``task.exception()`` on the cancelled task in a done-callback, which
    raises ``CancelledError``, and the loop logs it as a 19-line error
    (fixed in CPython 3.12, gh-113538). A cancellation is never an error to
    report, so such a callback is logged at debug level; everything else
    goes to the handler that was there before.
    """
    previous = loop.get_exception_handler()

    def handler(lp: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if isinstance(context.get("exception"), asyncio.CancelledError) and "handle" in context:
            log.debug("a loop callback saw a cancelled task: %s", context.get("message"))
        elif previous is not None:
            previous(lp, context)
        else:
            lp.default_exception_handler(context)

    loop.set_exception_handler(handler)
    return lambda: loop.set_exception_handler(previous)


def create_app(
    z: AppContext,
    *,
    blueprints: tuple[Any, ...] = (),
    on_start: tuple[Hook, ...] = (),
    on_stop: tuple[Hook, ...] = (),
) -> Quart:
    """Build the app. ``blueprints`` (the bot's webhook) and hooks plug in from ``run.py``."""
    app = Quart("zapis")
    app.extensions["zapis"] = z
    # The ASGI layer enforces the largest body any route takes (an import);
    # every other route is held to ``max_body_bytes`` by ``_body_limit``.
    app.config["MAX_CONTENT_LENGTH"] = max(z.settings.max_body_bytes, z.settings.import_max_bytes + 65536)
    app.config["BODY_TIMEOUT"] = 30  # slow (slowloris) bodies are cut off
    app.config["JSON_SORT_KEYS"] = False
    QuartSchema(
        app,
        openapi_provider_class=ZapisOpenAPI,
        swagger_ui_path=None, redoc_ui_path=None, scalar_ui_path=None,
        info={"title": "zapis", "version": "0.1.0",
              "description": "Appointment booking: Telegram clients, live manager board."},
        security_schemes={
            "bearer": {"type": "http", "scheme": "bearer", "bearer_format": "JWT"},
            "tma": {"type": "apiKey", "in_": "header", "name": "Authorization"},
        },
    )
    app.json = OrjsonProvider(app)  # after QuartSchema, which installs its own
    plain_results(app)  # after QuartSchema, which wraps make_response
    register_error_handlers(app)
    # Every blueprint of the API, in one list; ``blueprints`` adds the bot's webhook.
    for bp in (health.bp, public_catalogue.bp, booking.bp, visits.bp, session.bp, board.bp, appointments.bp, slots.bp, clients.bp,
               admin_catalogue.bp, users.bp, imports.bp, reports.bp, journal.bp, web.bp, docs, *blueprints,
               admin_feeds.bp, feeds.bp, metrics.bp, client_waitlist.bp, manager_waitlist.bp):
        app.register_blueprint(bp)
    metrics.install(app, z)  # GET /metrics; times every request Quart answers (api/metrics.py)

    limit = z.settings.max_body_bytes

    @app.before_request
    async def _request_checks() -> None:
        """Every request, before any blueprint's hooks: a NUL in the path or query is a
        malformed request (400), whoever sends it; a body above its route's limit is 413.

        One hook that looks the request up once: it runs for every request,
        so it is part of the per-request floor (bench/README.md).
        """
        req = request._get_current_object()  # type: ignore[attr-defined]
        path = req.path
        query = req.scope.get("query_string", b"")
        suspect = b"%00" in query or b"\x00" in query  # a decoded query has a NUL only from these
        if "\x00" in path or (suspect and any("\x00" in k or "\x00" in v for k, v in req.args.items(multi=True))):
            raise ApiError(400, "validation_error", "request.nul_url")
        if path in LARGE_BODIES:
            return
        length = req.content_length
        # Bodies sent without a Content-Length (chunked): Quart checks the limit as data
        # arrives, so lower it now, and check what arrived before this hook ran.
        body = req.body
        body._max_content_length = limit
        if (length is not None and length > limit) or len(body._data) > limit:
            raise ApiError(413, "payload_too_large", "request.larger_than", limit=limit)

    restore_handler: list[Callable[[], None]] = []

    @app.before_serving
    async def _start() -> None:
        restore_handler.append(quiet_cancelled_callbacks(asyncio.get_running_loop()))
        await z.journal.open()
        await z.runtime.start()
        for hook in on_start:
            await hook()
        z.ready = True
        log.info("zapis ready: %d branches, journal at seq %d", z.scheduler.branch_count(), z.scheduler.seq)

    @app.after_serving
    async def _stop() -> None:
        z.ready = False
        for hook in reversed(on_stop):
            await hook()
        await z.runtime.stop()
        await z.journal.close()
        while restore_handler:
            restore_handler.pop()()

    socket.mount(app, z)  # the dashboard socket: plain ASGI in front of Quart
    # Outermost: an answer given before the body arrived ends after it; every
    # HTTP answer gets the security headers it does not set itself.
    drain.mount(app, SECURITY_HEADERS)
    proxied.mount(app, z.settings.trusted_proxy_hops)  # the client's address behind nginx, before any limit
    return app
