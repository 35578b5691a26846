"""Issuing a master's calendar-feed URL (admins): ``POST /api/v1/admin/staff/{id}/ical`` → ``{"url"}``.

A new random token each time; its SHA-256 is journaled on the master
(``staff.updated``), which revokes the previous URL at once on every
process. The token itself is answered once and kept nowhere.

The URL is absolute: ``ZAPIS_PUBLIC_URL`` when set (what production should
set: the address the calendar apps reach), otherwise the address the admin's
request came to. Behind trusted reverse proxies (``ZAPIS_TRUSTED_PROXY_HOPS``
> 0, ``api/proxied.py``) that is the scheme and host the outermost trusted
proxy saw (``X-Forwarded-Proto``/``X-Forwarded-Host``, the same hop as the
client's address); with 0 those headers are ignored, as anyone can send them.
"""

from __future__ import annotations

import secrets
from typing import Any

from pydantic import BaseModel
from quart import Blueprint, g, request
from quart_schema import document_response, security_scheme_blueprint
from werkzeug.datastructures import Headers

from api.context import app_context
from api.feeds import PATH, token_hash
from api.guards import admin_user, who

bp = Blueprint("admin_feeds", __name__, url_prefix="/api/v1/admin")
security_scheme_blueprint(bp, [{"bearer": []}])


class FeedUrl(BaseModel):
    """The master's calendar feed; the previous URL stops working."""

    url: str


@bp.before_request
async def _admins_only() -> None:
    g.user = admin_user()


@bp.post("/staff/<staff_id>/ical")
@document_response(FeedUrl, 201)
async def issue_feed(staff_id: str) -> tuple[dict[str, Any], int]:
    z = app_context()
    token = secrets.token_urlsafe(32)
    staff = await z.scheduler.update_staff(staff_id, {"feed_token_hash": token_hash(token)}, who())
    base = z.settings.public_url or origin(request.headers, request.scheme, z.settings.trusted_proxy_hops)
    return {"url": base + PATH.format(staff_id=staff.id, token=token)}, 201


def origin(headers: Headers, scheme: str, hops: int) -> str:
    """``scheme://host`` the caller reached, through ``hops`` trusted proxies."""
    host = headers.get("Host", "")
    if hops > 0:
        scheme = _forwarded(headers, "X-Forwarded-Proto", hops) or scheme
        host = _forwarded(headers, "X-Forwarded-Host", hops) or host
    return f"{scheme}://{host}"


def _forwarded(headers: Headers, name: str, hops: int) -> str | None:
    """The value the outermost of ``hops`` trusted proxies set (as ``proxied.forwarded_client``);
    a proxy that overwrites the header leaves one value, which is then the nearest proxy's."""
    values = [v.strip() for line in headers.getlist(name) for v in line.split(",") if v.strip()]
    if not values:
        return None
    return values[-hops] if len(values) >= hops else values[0]
