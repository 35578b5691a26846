"""The one place where errors become RFC 9457 problem documents.

Domain errors (``actors.core.errors``) and journal errors know nothing of HTTP;
``STATUS`` maps them. Every other failure — malformed JSON, a body that is
not UTF-8, a schema violation, an unknown route, a bug — is answered with a
problem document too, never an HTML page or a stack trace.

Codes beyond SPEC's list: ``method_not_allowed`` (405), ``payload_too_large``
(413 for a non-import body), ``unavailable`` (503: the journal's database is
down or the server is stopping; nothing was written — except when the
connection died during COMMIT and the database stayed away longer than the
journal waits to learn the outcome: then the detail says it is unknown),
``internal_error`` (500).

Language (SPEC §9.1): the ``detail`` is worded here, from the catalogue
(``api/texts``), in the language ``Accept-Language`` prefers — Russian for
``ru``, English otherwise; the ``code`` never changes. Errors carry a
message key and its parameters, never a finished sentence.
"""

from __future__ import annotations

import logging
from typing import Any

import orjson
from quart import Quart, Response, has_request_context, has_websocket_context, request, websocket
from quart_schema import RequestSchemaValidationError
from werkzeug.exceptions import HTTPException

from actors.core import errors as domain
from actors.core.errors import Message
from actors.core.visits import StaffLacksService
from api.admin.import_files import errors as import_files
from api.texts.language import Lang, language, render, validation_detail
from storage.journal import ConcurrencyConflict, JournalInDoubt, JournalUnavailable

log = logging.getLogger(__name__)

STATUS: dict[type[domain.DomainError], int] = {
    domain.NotFound: 404,
    domain.InvalidInput: 400,
    domain.SlotUnavailable: 409,
    domain.HoldExpired: 409,
    domain.InvalidTransition: 409,
    domain.TooLate: 409,
    domain.FeedbackExists: 409,
    domain.VersionConflict: 409,
    domain.ClientConflict: 409,
    domain.IdempotencyKeyReused: 422,
    domain.Forbidden: 403,
    domain.ActorStopped: 503,
    StaffLacksService: 409,
    import_files.UnsupportedFile: 415,
    import_files.FileTooLarge: 413,
    import_files.InvalidMapping: 400,
}

TITLES = {
    400: "Bad request", 401: "Unauthorized", 403: "Forbidden", 404: "Not found",
    405: "Method not allowed", 409: "Conflict", 413: "Payload too large",
    415: "Unsupported media type", 422: "Unprocessable content", 429: "Too many requests",
    500: "Internal error", 503: "Service unavailable",
}

WERKZEUG_CODES = {
    400: "validation_error", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 413: "payload_too_large", 415: "validation_error",
    429: "rate_limited",
}

HTTP_TEXTS = {400: "request.malformed", 404: "request.no_route", 405: "request.method",
              413: "request.too_large", 415: "request.not_json"}


class ApiError(Exception):
    """An HTTP-level refusal raised by handlers (auth, rate limits, files).

    ``key`` and ``params`` name the text in the catalogue (``api/texts``):
    ``ApiError(400, "validation_error", "import.no_file")``.
    """

    def __init__(self, status: int, code: str, key: str, headers: dict[str, str] | None = None,
                 **params: object) -> None:
        self.message = Message(key, params)
        super().__init__(str(self.message))
        self.status, self.code = status, code
        self.headers = headers or {}

    @property
    def detail(self) -> str:
        """In English (a socket's close reason, logs)."""
        return render(self.message, "en", self.code)


def unauthorized(key: str = "auth.credentials") -> ApiError:
    return ApiError(401, "unauthorized", key)


def reader() -> Lang:
    """The language of the request being answered (``Accept-Language``)."""
    if has_request_context():
        return language(request.headers.get("Accept-Language"))
    if has_websocket_context():
        return language(websocket.headers.get("Accept-Language"))
    return "en"


def text(message: Message | str, code: str = "validation_error", **params: object) -> str:
    """``message`` (a catalogue key and parameters) in the reader's language."""
    if isinstance(message, str):
        message = Message(message, params)
    return render(message, reader(), code)


def problem(status: int, code: str, detail: str, headers: dict[str, str] | None = None) -> Response:
    body: dict[str, Any] = {
        "type": f"https://zapis.dev/problems/{code}",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "code": code,
    }
    response = Response(orjson.dumps(body), status=status, content_type="application/problem+json")
    for name, value in (headers or {}).items():
        response.headers[name] = value
    if status == 401:
        response.headers.setdefault("WWW-Authenticate", 'Bearer realm="zapis"')
    response.vary.add("Accept-Language")  # the detail's language follows it
    return response


def _validation_detail(err: RequestSchemaValidationError) -> str:
    inner = err.validation_error
    errors = getattr(inner, "errors", None)
    if callable(errors):
        path = request.path if has_request_context() else ""
        return validation_detail(errors(), reader(), path)
    return text("request.invalid")


def register_error_handlers(app: Quart) -> None:
    @app.errorhandler(domain.DomainError)
    async def _domain(err: domain.DomainError) -> Response:
        return problem(STATUS.get(type(err), 400), err.code, text(err.message, err.code))

    @app.errorhandler(ApiError)
    async def _api(err: ApiError) -> Response:
        return problem(err.status, err.code, text(err.message, err.code), err.headers)

    @app.errorhandler(RequestSchemaValidationError)
    async def _schema(err: RequestSchemaValidationError) -> Response:
        return problem(400, "validation_error", _validation_detail(err))

    @app.errorhandler(JournalUnavailable)
    async def _journal_down(err: JournalUnavailable) -> Response:
        return problem(503, "unavailable", text("db.down"), {"Retry-After": "2"})

    @app.errorhandler(JournalInDoubt)
    async def _journal_in_doubt(err: JournalInDoubt) -> Response:
        return problem(503, "unavailable", text("db.in_doubt"), {"Retry-After": "2"})

    @app.errorhandler(ConcurrencyConflict)
    async def _conflict(err: ConcurrencyConflict) -> Response:
        return problem(503, "unavailable", text("db.conflict"), {"Retry-After": "1"})

    @app.errorhandler(UnicodeDecodeError)
    async def _not_utf8(err: UnicodeDecodeError) -> Response:
        return problem(400, "validation_error", text("request.not_utf8"))

    @app.errorhandler(HTTPException)
    async def _http(err: HTTPException) -> Response:
        status = err.code or 500
        code = WERKZEUG_CODES.get(status, "internal_error" if status >= 500 else "validation_error")
        key = HTTP_TEXTS.get(status)
        detail = text(key or err.description or "error", code)  # a library's words: English only
        allowed = getattr(err, "valid_methods", None)  # MethodNotAllowed's
        headers = {"Allow": ", ".join(allowed)} if allowed else None
        return problem(status, code, detail, headers)

    @app.errorhandler(Exception)
    async def _bug(err: Exception) -> Response:
        log.exception("unhandled error")
        return problem(500, "internal_error", text("server.bug"))
