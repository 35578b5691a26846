"""The attacker of the socket-flood test, in its own process (so the server's loop is measured alone).

    python -m tests.security.flood HOST PORT PATH COUNT

opens COUNT WebSockets at once, sends nothing on them, and prints a JSON
object: close code (as text; "null" for none) → how many sockets got it.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections import Counter

from tests.security.rawhttp import silent_websocket


async def flood(host: str, port: int, path: str, count: int) -> Counter[str]:
    codes = await asyncio.gather(*(silent_websocket(host, port, path) for _ in range(count)),
                                 return_exceptions=True)
    return Counter(type(c).__name__ if isinstance(c, BaseException) else json.dumps(c) for c in codes)


def main(argv: list[str]) -> int:
    host, port, path, count = argv[0], int(argv[1]), argv[2], int(argv[3])
    print(json.dumps(asyncio.run(flood(host, port, path, count))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
