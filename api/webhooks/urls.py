"""Which URLs a webhook may be sent to (SPEC §9.4).

zapis makes the request from inside the salon's network, so a URL an admin
types must not reach what only the server can reach (a database on
localhost, a cloud's metadata address, the office LAN): HTTPS only, and the
host must resolve to public addresses only — no loopback, private,
link-local, multicast, reserved or unspecified ones (IPv4-mapped IPv6
included). The check runs when the endpoint is registered and again before
every delivery attempt (a name that later resolves to a private address is
refused then; a rebinding between that check and the connection remains
possible and is the operator's firewall's to stop).

``ZAPIS_WEBHOOK_ALLOW_PRIVATE=1`` lifts the address rule and allows plain
``http``: for a receiver on the same machine or LAN, and for tests.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from actors.core.errors import InvalidInput

MAX_URL = 2000
RESOLVE_TIMEOUT_S = 5.0


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def parse_url(url: str, *, allow_private: bool) -> tuple[str, int]:
    """The URL's host and port, or ``InvalidInput`` for a URL no webhook may have."""
    if len(url) > MAX_URL:
        raise InvalidInput("webhook.url_long", limit=MAX_URL)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise InvalidInput("webhook.url_invalid") from None
    schemes = ("https", "http") if allow_private else ("https",)
    if parts.scheme not in schemes:
        raise InvalidInput("webhook.url_scheme_http" if allow_private else "webhook.url_scheme")
    if not parts.hostname or parts.username is not None or parts.password is not None or parts.fragment:
        raise InvalidInput("webhook.url_invalid")
    return parts.hostname, port or (443 if parts.scheme == "https" else 80)


async def check_url(url: str, *, allow_private: bool) -> None:
    """Refuse (``InvalidInput``) a URL that is malformed, not HTTPS or reaches a non-public address."""
    host, port = parse_url(url, allow_private=allow_private)
    if allow_private:
        return
    try:
        literal = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        literal = None
    if literal is not None:
        addresses = [str(literal)]
    else:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(RESOLVE_TIMEOUT_S):
                infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, TimeoutError, UnicodeError):
            raise InvalidInput("webhook.url_unresolvable", host=host) from None
        addresses = [str(info[4][0]) for info in infos]
    if not addresses or not all(_public(a) for a in addresses):
        raise InvalidInput("webhook.url_private", host=host)
