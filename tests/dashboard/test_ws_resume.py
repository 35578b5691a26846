"""Gap-free resume after a disconnect, and a socket that never reads (real Hypercorn)."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

from actors.core.messages import ChangeStatus
from actors.core.model import Status
from tests.dashboard.conftest import Env
from tests.dashboard.helpers import TIMEOUT, book_direct, feed
from tests.harness import T0

# Every next status differs from the previous one (and the first from `confirmed`).
CYCLE = ("in_progress", "done", "no_show", "cancelled", "new", "confirmed")


def _start(i: int) -> int:
    """10:00, 11:00 … Moscow on 2 March 2026, one appointment per hour."""
    return int(T0.timestamp()) + (i + 1) * 3600


class Changer:
    """Changes statuses through the HTTP API, round-robin over some appointments."""

    def __init__(self, env: Env, ids: list[str]) -> None:
        self.env, self.ids, self.n = env, ids, 0

    async def change(self, count: int) -> None:
        for _ in range(count):
            appt = self.ids[self.n % len(self.ids)]
            status = CYCLE[(self.n // len(self.ids)) % len(CYCLE)]
            r = await self.env.client.patch(f"/api/v1/appointments/{appt}/status",
                                            headers=self.env.salon.headers, json={"status": status})
            assert r.status_code == 200, await r.get_data(as_text=True)
            self.n += 1


async def _appointment_seqs(env: Env, after: int) -> list[int]:
    return [r.seq async for r in env.journal.read_all(after) if r.type.startswith("appointment.")]


async def test_reconnect_with_after_seq_gets_exactly_the_missed_events_in_order(env: Env) -> None:
    ids = [await book_direct(env.h, env.salon, _start(i)) for i in range(5)]
    token = (await env.h.admin_headers())["Authorization"][7:]
    changer = Changer(env, ids)
    async with env.h.serve() as base:
        async with feed(base, token) as f1:
            start = f1.ready_seq
            hundred = asyncio.create_task(changer.change(100))
            seen = await f1.events(30)  # …and the socket drops in the middle of the 100
        await asyncio.wait_for(hundred, TIMEOUT)
        last_seen = seen[-1]["seq"]

        env.journal.pause_after = 10  # the replay stops after 10 records until released
        async with feed(base, token, after_seq=last_seen) as f2:
            await asyncio.wait_for(env.journal.paused.wait(), TIMEOUT)
            await changer.change(20)  # made while the socket is replaying
            env.journal.release.set()
            resumed = await f2.events(70 + 20)
            assert f2.ready_seq < resumed[-20]["seq"]

    expected = await _appointment_seqs(env, start)
    assert len(expected) == 120
    got = [e["seq"] for e in seen + resumed]
    assert got == expected  # nothing lost, nothing twice, in order
    assert {e["type"] for e in seen + resumed} == {"appointment.status_changed"}
    # Live frames carry the card right after their event.
    for ev, n in zip(resumed[-20:], range(100, 120)):
        assert ev["appointment"]["id"] == ids[n % 5]
        assert ev["appointment"]["status"] == CYCLE[(n // 5) % len(CYCLE)]


async def _slow_socket(base: str, token: str) -> Any:
    """A socket whose owner never reads: tiny receive buffer, websockets pauses at 1 frame."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    host, port = base.removeprefix("http://").split(":")
    sock.connect((host, int(port)))
    sock.setblocking(False)
    return feed(base, token, sock=sock, max_queue=1, ping_interval=None, compression=None)


async def test_a_socket_that_never_reads_is_closed_4008_while_others_keep_receiving(env: Env) -> None:
    queue_max = 32
    env.h.overrides["ws_queue_max"] = queue_max
    env.client = await env.h.restart()
    long = "Клиент просит не опаздывать. " * 70  # ≈ 4 KB frames fill the buffers sooner
    ids = [await book_direct(env.h, env.salon, _start(i), comment=long) for i in range(4)]
    actor = env.h.z.runtime.branch(env.salon.branch_id)
    hub = env.h.z.hub
    assert hub is not None
    token = (await env.h.admin_headers())["Authorization"][7:]
    burst = queue_max // 2
    received = 0

    async def change_burst(k: int) -> None:
        """``burst`` events committed together; waits until the reading socket has them all."""
        target = received + burst
        await asyncio.gather(*(
            actor.ask(ChangeStatus(ids[i % 4], Status(CYCLE[(k * burst + i) // 4 % len(CYCLE)])))
            for i in range(burst)))
        assert hub.queued() <= queue_max * hub.subscribers  # bounded, whatever the slow one does
        while received < target:
            await asyncio.wait_for(asyncio.shield(progress.wait()), TIMEOUT)
            progress.clear()

    progress = asyncio.Event()
    async with env.h.serve() as base:
        async with await _slow_socket(base, token) as slow, feed(base, token) as fast:
            async def tracked() -> None:
                nonlocal received
                while True:
                    await fast.event()
                    received += 1
                    progress.set()

            reading = asyncio.create_task(tracked())
            bursts = 0
            while hub.stats.dropped == 0:
                assert bursts < 2000, "the slow socket was never dropped"
                await change_burst(bursts)
                bursts += 1
            assert hub.subscribers == 1  # only the reading socket is still fed
            delivered = hub.stats.delivered
            for k in range(bursts, bursts + 20):  # life goes on for the others…
                await change_burst(k)
            assert hub.stats.delivered - delivered == 20 * burst  # …and nothing more is queued for the slow one
            assert received == (bursts + 20) * burst
            assert await slow.close_code() == 4008  # once it reads, it finds out why
            reading.cancel()
