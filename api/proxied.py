"""The client's address behind a reverse proxy (``ZAPIS_TRUSTED_PROXY_HOPS``).

Behind nginx every request comes from the proxy's address, so a limit
counted per address (sign-in attempts) would count the whole salon as one
person. With ``hops`` = N > 0 the address is taken from ``X-Forwarded-For``:
the N-th value from the right, the one the outermost trusted proxy saw
(nginx's ``$proxy_add_x_forwarded_for`` appends the address it received
from). Values further left are the client's own claims and never trusted.
With 0 (the default: zapis faces the clients itself) the header is ignored,
so nobody can choose their own address by sending it.
"""

from __future__ import annotations

from typing import Any

from quart import Quart

Scope = dict[str, Any]


def forwarded_client(headers: list[tuple[bytes, bytes]], hops: int) -> str | None:
    """The address ``hops`` trusted proxies vouch for, or None when the header has too few values."""
    values: list[str] = []
    for name, value in headers:
        if name.lower() == b"x-forwarded-for":
            values.extend(v.strip() for v in value.decode("latin-1").split(","))
    if len(values) < hops:
        return None
    found = values[-hops]
    return found or None


def mount(app: Quart, hops: int) -> None:
    """Read the client's address from ``X-Forwarded-For`` through ``hops`` trusted proxies (HTTP and sockets)."""
    if hops <= 0:
        return
    inner = app.asgi_app

    async def asgi(scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] in ("http", "websocket"):
            client = forwarded_client(scope.get("headers", []), hops)
            if client is not None:
                scope = {**scope, "client": (client, 0)}
        await inner(scope, receive, send)  # type: ignore[arg-type]

    app.asgi_app = asgi  # type: ignore[method-assign,assignment]
