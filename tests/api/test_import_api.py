"""``POST /system/import`` through the real app: counts, dedup against the registry,
dry run, hostile files, limits, and all-or-nothing under SIGKILL."""

from __future__ import annotations

import asyncio
import io
import os
import random
import signal
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import httpx
import pytest
from quart.datastructures import FileStorage

from actors.core.messages import RegisterClient
from tests.harness import JWT_SECRET, Harness, free_port

ROOT = Path(__file__).resolve().parents[2]

RU_CSV = (
    "ФИО;Телефон;Почта;Дата рождения\n"
    "Иванова Анна;+7 (999) 123-45-67;;01.02.1990\n"
    "Анна И.;8 999 123 45 67;anna@example.com;\n"  # same phone → duplicate, fills email
    "Петров Пётр;89991234568;;\n"
    ";;;\n"  # empty row: skipped, not counted
    "Сидоров;9991234569;sid@example.com;\n"
    "Без телефона;;x@example.com;\n"  # error: no phone or telegram id
    "Known;+7 999 000-00-01;known@example.com;\n"  # matches the registered client
)


def files(name: str, payload: bytes) -> dict[str, FileStorage]:
    return {"file": FileStorage(io.BytesIO(payload), filename=name)}


async def post_import(h: Harness, name: str, payload: bytes, **form: str) -> Any:
    headers = await h.admin_headers()
    return await h.client().post("/api/v1/system/import", files=files(name, payload), form=form, headers=headers)


async def test_import_counts_dedups_and_dry_run_matches(harness: Harness) -> None:
    await harness.start()
    rt = harness.z.runtime
    await rt.clients.ask(RegisterClient("known", 555, "+79990000001", "Known"))
    payload = RU_CSV.encode("cp1251")
    await harness.admin_headers()  # the admin account is journaled before we measure
    before = await harness.z.journal.last_seq()
    dry = await post_import(harness, "clients.csv", payload, dry_run="true")
    assert dry.status_code == 200, await dry.get_data(as_text=True)
    assert await harness.z.journal.last_seq() == before  # a dry run changes nothing
    expected = {"total_rows": 6, "created": 3, "updated": 1, "unchanged": 0, "duplicates": 1,
                "errors": [{"row": 7, "message": (await dry.get_json())["errors"][0]["message"]}]}
    assert await dry.get_json() == expected
    real = await post_import(harness, "clients.csv", payload)
    assert await real.get_json() == expected
    state = rt.clients.committed
    anna = state.by_phone_client("+79991234567")
    assert anna is not None and anna.email == "anna@example.com" and anna.birthday == "1990-02-01"
    assert anna.source == "import"
    known = state.by_phone_client("+79990000001")
    assert known is not None and known.id == "known" and known.email == "known@example.com"
    assert known.telegram_id == 555 and known.name == "Known"
    assert len(state.clients) == 4  # 3 created + the known one
    again = await post_import(harness, "clients.csv", payload)
    body = await again.get_json()
    assert (body["created"], body["updated"], body["duplicates"]) == (0, 4, 1)
    assert body["unchanged"] == 4  # the same file again fills nothing: the page says «Дополнено 0»
    await harness.restart()
    assert len(harness.z.runtime.clients.committed.clients) == 4


def zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", b"0" * 200_000_000)
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "payload", "status", "code"),
    [
        ("clients.xlsx", b"<html><body>not a workbook</body></html>", 415, "unsupported_file"),
        ("clients.xlsx", os.urandom(4096), 415, "unsupported_file"),
        ("clients.exe", b"name,phone\nA,+79991234567\n", 415, "unsupported_file"),
        ("clients.xlsx", b"zip-bomb", 415, "unsupported_file"),
    ],
)
async def test_hostile_files_change_nothing(harness: Harness, name: str, payload: bytes, status: int, code: str) -> None:
    await harness.start()
    if payload == b"zip-bomb":
        payload = zip_bomb()
    await harness.admin_headers()
    before = await harness.z.journal.last_seq()
    r = await post_import(harness, name, payload)
    assert r.status_code == status, await r.get_data(as_text=True)
    assert (await r.get_json())["code"] == code
    assert await harness.z.journal.last_seq() == before


async def test_limits_answer_413(harness: Harness) -> None:
    harness.overrides.update(import_max_bytes=10_000, import_max_rows=3)
    await harness.start()
    big = ("name,phone\n" + "".join(f"C{i},+7999{i:07d}\n" for i in range(2000))).encode()
    r = await post_import(harness, "big.csv", big)
    assert r.status_code == 413 and (await r.get_json())["code"] == "file_too_large"
    rows = b"name,phone\nA,+79990000001\nB,+79990000002\nC,+79990000003\nD,+79990000004\n"
    r = await post_import(harness, "rows.csv", rows)
    assert r.status_code == 413 and (await r.get_json())["code"] == "file_too_large"
    assert harness.z.runtime.clients.committed.clients == {}


async def test_bad_forms_are_400(harness: Harness) -> None:
    await harness.start()
    headers = await harness.admin_headers()
    client = harness.client()
    r = await client.post("/api/v1/system/import", json={"file": "x"}, headers=headers)
    assert r.status_code == 400
    r = await client.post("/api/v1/system/import", form={"dry_run": "true"}, headers=headers)
    assert r.status_code == 400
    r = await post_import(harness, "a.csv", b"name,phone\nA,+79990000001\n", mapping="{nope")
    assert r.status_code == 400 and (await r.get_json())["code"] == "validation_error"
    r = await post_import(harness, "a.csv", b"name,phone\nA,+79990000001\n", mapping='{"phone": "shoe size"}')
    assert r.status_code == 400
    r = await post_import(harness, "a.csv", b"name,phone\nA,+79990000001\n", dry_run="maybe")
    assert r.status_code == 400
    r = await client.post("/api/v1/system/import", files=files("a.csv", b"name,phone\n"))
    assert r.status_code == 401


@pytest.mark.slow
async def test_an_import_killed_midway_is_wholly_applied_or_wholly_absent(tmp_path: Path) -> None:
    """SIGKILL the server at random moments during a 60,000-row import, restart: all or nothing.

    The first run is not killed and measures how long the import takes; the
    kills then land at random points across that span (before, during and
    after the commit).
    """
    rows = 60_000
    csv = tmp_path / "big.csv"
    csv.write_text("name,phone\n" + "".join(f"Client {i},+7999{i:07d}\n" for i in range(rows)))
    rng = random.Random(7)
    took = await _import_once(tmp_path / "full", csv, kill_after=None)
    assert took.count == rows
    for attempt, share in enumerate((0.35, 0.7, 0.93, 1.0)):  # early … around the commit
        cut = share * took.seconds * rng.uniform(0.97, 1.03)
        run = await _import_once(tmp_path / f"cut{attempt}", csv, kill_after=cut)
        assert run.count in (0, rows), f"half-applied import: {run.count} of {rows} clients"


class _Run:
    def __init__(self, count: int, seconds: float) -> None:
        self.count, self.seconds = count, seconds


async def _import_once(data: Path, csv: Path, kill_after: float | None) -> _Run:
    port = free_port()
    env = {**os.environ, "ZAPIS_DATA_DIR": str(data), "ZAPIS_DATABASE_URL": "", "ZAPIS_PORT": str(port),
           "ZAPIS_JWT_SECRET": JWT_SECRET, "ZAPIS_BOT_MODE": "off", "ZAPIS_ADMIN_PASSWORD": "password-123"}
    server = subprocess.Popen([sys.executable, str(ROOT / "run.py"), "--demo"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    loop = asyncio.get_running_loop()
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=120) as http:
            token = await _login(http)
            started = loop.time()
            upload = asyncio.ensure_future(http.post(
                "/api/v1/system/import", headers={"Authorization": f"Bearer {token}"},
                files={"file": ("big.csv", csv.read_bytes(), "text/csv")}))
            if kill_after is not None:
                await asyncio.wait({upload}, timeout=kill_after)  # the moment to kill
                server.send_signal(signal.SIGKILL)
                server.wait(10)
            await asyncio.gather(upload, return_exceptions=True)
            seconds = loop.time() - started
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
            server.wait(30)
    return _Run(await _count_clients(env), seconds)


async def _login(http: httpx.AsyncClient) -> str:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 60
    while loop.time() < deadline:
        try:
            r = await http.post("/api/v1/auth/login", json={"login": "admin", "password": "password-123"})
            if r.status_code == 200:
                return str(r.json()["access_token"])
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.05)
    raise AssertionError("the server did not come up")


async def _count_clients(env: dict[str, str]) -> int:
    from actors.core.clients import ClientsState
    from actors.runtime import load_states
    from storage.factory import open_journal

    journal = open_journal(None, Path(env["ZAPIS_DATA_DIR"]))
    await journal.open()
    try:
        states, _ = await load_states(journal)
    finally:
        await journal.close()
    clients = states.get("clients")  # the imported ones (the demo brings clients of its own)
    return sum(c.source == "import" for c in clients.clients.values()) if isinstance(clients, ClientsState) else 0
