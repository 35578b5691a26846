"""The manager's dashboard (SPEC §6): static files from ``api/web/``, served at ``/``.

``GET /`` is the single page (``index.html``); everything it loads lives
under ``/assets/`` (CSS, JavaScript modules, icons). There is no build step
and no hashed file names, so every answer carries ``Cache-Control: no-cache``
with a strong ``ETag``: the browser keeps its copy and revalidates it with
one cheap ``304`` per file, and a deploy is picked up on the next load.

Only known file types are served, with explicit content types (never a
guess by the OS): an unknown extension, a dotfile, a directory or a path
that leaves ``api/web/`` is a 404 problem document like any unknown route.
The global security headers (CSP without inline scripts or styles,
``nosniff``, ``no-referrer``) come from ``api.app``. The two routes stay in
the OpenAPI document (like ``/docs``), so the API fuzz covers them too.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from quart import Blueprint, Response, request
from werkzeug.exceptions import NotFound
from werkzeug.security import safe_join

WEB_ROOT = Path(__file__).parent

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".json": "application/json",
}

bp = Blueprint("web", __name__)


@bp.get("/")
async def index() -> Response:
    return _file(WEB_ROOT / "index.html")


@bp.get("/assets/<path:name>")
async def asset(name: str) -> Response:
    if any(part.startswith(".") for part in name.split("/")):
        raise NotFound()
    joined = safe_join(str(WEB_ROOT / "assets"), name)
    if joined is None:
        raise NotFound()
    return _file(Path(joined))


def _file(path: Path) -> Response:
    content_type = CONTENT_TYPES.get(path.suffix.lower())
    if content_type is None or not path.is_file():
        raise NotFound()
    body = path.read_bytes()
    etag = hashlib.sha256(body).hexdigest()[:32]
    headers = {"Cache-Control": "no-cache", "ETag": f'"{etag}"'}
    if request.if_none_match.contains(etag):
        return Response(b"", 304, headers=headers)
    return Response(body, 200, headers=headers, content_type=content_type)
