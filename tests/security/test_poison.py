"""Input no journal can store: NUL characters and 64-bit overflows are refused with 400, and
an event that cannot be encoded never takes an actor down (found by fuzzing).

Before the fixes, one ``"name": "x\\u0000y"`` from any Telegram client made the
journal refuse the event with a ValueError that escaped the client-registry
actor's loop: the actor task died and every later sign-up hung forever; a
spreadsheet cell ``_x0000_`` did the same through the import, and
``after_seq=2**63`` was a 500 (SQLite cannot bind it).
"""

from __future__ import annotations

import asyncio
import io
import zipfile
from collections.abc import Awaitable
from typing import Any, TypeVar

import openpyxl  # type: ignore[import-untyped]
import pytest
from quart.datastructures import FileStorage

from actors.core.messages import RegisterClient
from tests.client.kit import at, problem
from tests.harness import Harness
from tests.security.world import World, build_world

T = TypeVar("T")
HANG_S = 10.0  # an answer slower than this is a hang


async def answer(call: Awaitable[T]) -> T:
    return await asyncio.wait_for(call, HANG_S)


async def sign_up(w: World, tg_id: int, name: str) -> Any:
    return await answer(w.client.post("/api/v1/clients/auth", headers=w.tma(tg_id),
                                      json={"phone": f"+7999{tg_id:07d}", "name": name}))


async def test_nul_in_a_json_body_is_400_and_every_actor_keeps_serving(harness: Harness) -> None:
    w = await build_world(harness)
    seq = await w.last_seq()
    slot = {"branch_id": w.home.branch_id, "service_id": w.home.services["cut"], "start": at("16:00")}
    refused = [
        ("/api/v1/clients/auth", w.tma(5001), {"phone": "+79995001000", "name": "x\u0000y"}),
        ("/api/v1/appointments", w.tma(), {**slot, "comment": "nul \u0000 here"}),
        ("/api/v1/admin/branches", w.admin, {"name": "N\u0000", "timezone": "Europe/Moscow"}),
        ("/api/v1/appointments/manual", w.manager,
         {**slot, "client": {"phone": "+79995002000", "name": "\u0000"}}),
    ]
    for path, headers, body in refused:
        r = await answer(w.client.post(path, headers=headers, json=body))
        await problem(r, 400, "validation_error")
    assert await w.last_seq() == seq
    # The registry, the branch and the catalogue still answer.
    assert (await sign_up(w, 5003, "Ира")).status_code == 201
    r = await answer(w.client.post("/api/v1/appointments", headers=w.tma(), json=slot))
    assert r.status_code == 201, await r.get_data(as_text=True)
    r = await answer(w.client.post("/api/v1/admin/branches", headers=w.admin,
                                   json={"name": "N", "timezone": "Europe/Moscow"}))
    assert r.status_code == 201


@pytest.mark.parametrize("url", [
    "/api/v1/system/journal?stream=branch%00x",
    "/api/v1/clients?q=an%00na",
    "/api/v1/admin/branches/x%00y",
    "/api/v1/dashboard/board?branch_id=x%00",
])
async def test_nul_in_a_path_or_query_is_400(harness: Harness, url: str) -> None:
    w = await build_world(harness)
    await problem(await answer(w.client.get(url, headers=w.admin)), 400, "validation_error")


async def test_a_sequence_number_beyond_64_bits_is_400(harness: Harness) -> None:
    w = await build_world(harness)
    r = await w.client.get(f"/api/v1/system/journal?after_seq={2**63}", headers=w.admin)
    await problem(r, 400, "validation_error")
    r = await w.client.get(f"/api/v1/system/journal?after_seq={2**63 - 1}", headers=w.admin)
    assert r.status_code == 200 and (await r.get_json())["events"] == []


async def test_an_event_no_journal_can_store_fails_its_command_not_the_actor(harness: Harness) -> None:
    """Defence in depth below the API: the actor answers the error and keeps its mailbox running."""
    w = await build_world(harness)
    registry, runtime = w.h.z.runtime.clients, w.h.z.runtime
    seq = await w.last_seq()
    with pytest.raises(ValueError, match="NUL"):
        await answer(registry.ask(RegisterClient(runtime.new_id(), 6001, "+79996001000", "x\x00y")))
    assert await w.last_seq() == seq
    assert 6001 not in {c.telegram_id for c in registry.committed.clients.values()}  # nothing half-applied
    registered = await answer(registry.ask(RegisterClient(runtime.new_id(), 6002, "+79996002000", "ok")))
    assert registered.created and registered.client.telegram_id == 6002


def _xlsx_with_nul() -> bytes:
    """A sheet whose name cell is ``A_x0000_B``: OOXML's escape for a NUL character."""
    book = openpyxl.Workbook()
    book.active.append(["Имя", "Телефон"])
    book.active.append(["AxxxxB", "+79997001000"])
    raw = io.BytesIO()
    book.save(raw)
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item.filename).replace(b"AxxxxB", b"A_x0000_B"))
    return out.getvalue()


async def test_an_imported_cell_with_nul_is_cleaned_and_the_registry_keeps_serving(harness: Harness) -> None:
    w = await build_world(harness)
    r = await answer(w.client.post("/api/v1/system/import", headers=w.admin,
                                   files={"file": FileStorage(io.BytesIO(_xlsx_with_nul()), filename="c.xlsx")}))
    assert r.status_code == 200, await r.get_data(as_text=True)
    assert (await r.get_json())["created"] == 1
    names = {c.name for c in w.h.z.runtime.clients.committed.clients.values()}
    assert "AB" in names and not any("\x00" in n for n in names)
    assert (await sign_up(w, 7002, "Ира")).status_code == 201
