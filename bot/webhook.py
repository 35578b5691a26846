"""Webhook mode: ``POST /api/v1/telegram/webhook``, Telegram's secret token checked first.

Telegram sends ``X-Telegram-Bot-Api-Secret-Token`` (the ``secret_token`` given
to ``setWebhook``); a missing or wrong one is 401 ``unauthorized`` (a problem
document) before the body is read. The update is handled before the answer
(handlers only call the local API, in milliseconds), and a failure inside a
handler is logged and still answered 200: the user was already told, and a
non-2xx would make Telegram deliver the same update again and again. A body
that is not an update is 400. A repeated ``update_id`` is dropped by the
dispatcher (``bot/middlewares.py``).

This module imports no aiogram: it is given the service by ``run.py``.
"""

from __future__ import annotations

import hmac
import logging
from typing import Any, Protocol

from quart import Blueprint, Response, request

from api.problems import problem

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class NotAnUpdate(ValueError):
    """The body is JSON but not a Telegram ``Update``."""


class UpdateSink(Protocol):
    @property
    def webhook_secret(self) -> str | None: ...

    async def feed_webhook(self, payload: dict[str, Any]) -> None: ...


def webhook_blueprint(sink: UpdateSink, path: str) -> Blueprint:
    bp = Blueprint("telegram_webhook", __name__)

    @bp.post(path)
    async def telegram_webhook() -> Response:
        """Telegram's updates (webhook mode); authenticated by the secret token header."""
        secret = sink.webhook_secret or ""
        given = request.headers.get(SECRET_HEADER, "")
        if not secret or not hmac.compare_digest(given.encode(), secret.encode()):
            return problem(401, "unauthorized", f"missing or wrong {SECRET_HEADER}")
        payload = await request.get_json(force=True, silent=True)
        if not isinstance(payload, dict) or not isinstance(payload.get("update_id"), int):
            return problem(400, "validation_error", "the body must be a Telegram Update")
        try:
            await sink.feed_webhook(payload)
        except NotAnUpdate as err:
            return problem(400, "validation_error", f"not a Telegram Update: {str(err)[:200]}")
        except Exception:
            log.exception("webhook update %s failed", payload.get("update_id"))
        return Response("", status=200)

    return bp
