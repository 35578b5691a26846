"""Accounts in the browser's API (SPEC §9.1): create, change, reset, disable — and sessions end.

A change of an account's password, role, branches or access bumps its
session number: the old token answers 401 on its next request and its
open dashboard socket closes with 4401 at once. ``run.py set-password``
resets a lost password from the server's shell.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from storage.sqlite import SqliteJournal
from tests.client.kit import problem
from tests.dashboard.helpers import TIMEOUT, bearer, feed
from tests.harness import Harness
from tests.seed import seed_salon

ROOT = Path(__file__).resolve().parents[2]


async def login(client: Any, name: str, password: str) -> Any:
    return await client.post("/api/v1/auth/login", json={"login": name, "password": password})


async def token_of(client: Any, name: str, password: str) -> str:
    r = await login(client, name, password)
    assert r.status_code == 200, await r.get_data(as_text=True)
    return str((await r.get_json())["access_token"])


async def test_an_admin_creates_and_lists_managers_who_see_only_their_branch(harness: Harness) -> None:
    client = await harness.start()
    salon = await seed_salon(harness, client)
    admin = salon.headers
    r = await client.post("/api/v1/admin/users", headers=admin, json={
        "login": "anna", "role": "manager", "branch_ids": [salon.branch_id], "password": "anna-password"})
    assert r.status_code == 201, await r.get_data(as_text=True)
    assert await r.get_json() == {"id": "anna", "login": "anna", "role": "manager",
                                  "branch_ids": [salon.branch_id], "disabled": False}
    listed = (await (await client.get("/api/v1/admin/users", headers=admin)).get_json())["items"]
    assert [u["login"] for u in listed] == ["admin", "anna"] and listed[0]["branch_ids"] == "*"
    anna = bearer(await token_of(client, "anna", "anna-password"))
    assert (await client.get("/api/v1/dashboard/board", headers=anna)).status_code == 200
    await problem(await client.get("/api/v1/admin/users", headers=anna), 403, "forbidden")
    # bad requests change nothing
    for body in ({"login": "anna", "role": "manager", "password": "another-pass"},  # exists
                 {"login": "bob", "role": "manager", "branch_ids": ["nope"], "password": "bob-password"},
                 {"login": "b o b", "role": "manager", "password": "bob-password"},
                 {"login": "bob", "role": "root", "password": "bob-password"},
                 {"login": "bob", "role": "manager", "password": "short"}):
        await problem(await client.post("/api/v1/admin/users", headers=admin, json=body), 400)
    await problem(await client.patch("/api/v1/admin/users/nobody", headers=admin, json={"disabled": True}), 404)
    assert len((await (await client.get("/api/v1/admin/users", headers=admin)).get_json())["items"]) == 2


async def test_a_password_reset_ends_the_old_sessions(harness: Harness) -> None:
    client = await harness.start()
    salon = await seed_salon(harness, client)
    await client.post("/api/v1/admin/users", headers=salon.headers, json={
        "login": "anna", "role": "manager", "branch_ids": "*", "password": "anna-password"})
    old = bearer(await token_of(client, "anna", "anna-password"))
    r = await client.patch("/api/v1/admin/users/anna", headers=salon.headers, json={"password": "new-password"})
    assert r.status_code == 200
    await problem(await client.get("/api/v1/dashboard/board", headers=old), 401, "unauthorized")
    await problem(await login(client, "anna", "anna-password"), 401)
    new = bearer(await token_of(client, "anna", "new-password"))
    assert (await client.get("/api/v1/dashboard/board", headers=new)).status_code == 200
    # nothing changed: no new session, the token stays valid
    r = await client.patch("/api/v1/admin/users/anna", headers=salon.headers, json={"role": "manager"})
    assert r.status_code == 200
    assert (await client.get("/api/v1/dashboard/board", headers=new)).status_code == 200


async def test_a_disabled_account_cannot_sign_in_and_the_last_admin_stays(harness: Harness) -> None:
    client = await harness.start()
    salon = await seed_salon(harness, client)
    await client.post("/api/v1/admin/users", headers=salon.headers, json={
        "login": "anna", "role": "manager", "branch_ids": "*", "password": "anna-password"})
    anna = bearer(await token_of(client, "anna", "anna-password"))
    r = await client.patch("/api/v1/admin/users/anna", headers=salon.headers, json={"disabled": True})
    assert (await r.get_json())["disabled"] is True
    await problem(await client.get("/api/v1/dashboard/board", headers=anna), 401)
    refused = await problem(await login(client, "anna", "anna-password"), 401)
    assert "disabled" in refused["detail"]
    client = await harness.restart()  # the account's state comes back from the snapshot
    await problem(await login(client, "anna", "anna-password"), 401)
    await problem(await client.get("/api/v1/dashboard/board", headers=anna), 401)
    admin = bearer(await harness.user())
    await client.patch("/api/v1/admin/users/anna", headers=admin, json={"disabled": False})
    await token_of(client, "anna", "anna-password")
    # the only admin can neither be disabled nor made a manager
    for change in ({"disabled": True}, {"role": "manager"}):
        await problem(await client.patch("/api/v1/admin/users/admin", headers=admin, json=change),
                      409, "invalid_transition")
    assert (await client.get("/api/v1/admin/users", headers=admin)).status_code == 200


async def test_changing_an_account_closes_its_open_board_with_4401(harness: Harness) -> None:
    harness.overrides["ws_ping_interval_s"] = 0.2
    client = await harness.start()
    salon = await seed_salon(harness, client)
    await client.post("/api/v1/admin/users", headers=salon.headers, json={
        "login": "anna", "role": "manager", "branch_ids": [salon.branch_id], "password": "anna-password"})
    await client.post("/api/v1/admin/users", headers=salon.headers, json={
        "login": "olga", "role": "manager", "branch_ids": [salon.branch_id], "password": "olga-password"})
    anna = await token_of(client, "anna", "anna-password")
    olga = await token_of(client, "olga", "olga-password")
    async with harness.serve() as base, feed(base, anna) as anna_feed, feed(base, olga) as olga_feed:
        r = await client.patch("/api/v1/admin/users/anna", headers=salon.headers, json={"branch_ids": "*"})
        assert r.status_code == 200
        assert await asyncio.wait_for(anna_feed.close_code(), 1.0) == 4401  # within a second
        assert (await olga_feed.frame(TIMEOUT))["type"] == "ping"  # another account is untouched


def test_set_password_from_the_shell_reaches_a_running_server(tmp_path: Path) -> None:
    env = {**os.environ, "ZAPIS_DATA_DIR": str(tmp_path), "ZAPIS_DATABASE_URL": ""}
    cmd = [sys.executable, str(ROOT / "run.py")]

    def run(*args: str, password: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*cmd, *args, "--password-stdin"], input=password + "\n", env=env,
                              capture_output=True, text=True, timeout=60)

    r = run("create-user", "--login", "boss", "--role", "admin", password="first-password")
    assert r.returncode == 0, r.stderr

    async def scenario() -> None:
        h = Harness(lambda: SqliteJournal(tmp_path / "zapis.sqlite3"), tmp_path)
        client = await h.start()
        try:
            old = bearer(await token_of(client, "boss", "first-password"))
            r = await asyncio.to_thread(run, "set-password", "--login", "boss", password="second-password")
            assert r.returncode == 0, r.stderr
            assert "second-password" not in r.stdout + r.stderr
            await token_of(client, "boss", "second-password")  # the running server re-reads the account
            await problem(await client.get("/api/v1/admin/users", headers=old), 401)
            await problem(await login(client, "boss", "first-password"), 401)
        finally:
            await h.stop()

    asyncio.run(scenario())
    r = run("set-password", "--login", "nobody", password="whatever-password")
    assert r.returncode == 2 and "not found" in r.stderr
    r = run("set-password", "--login", "boss", password="short")
    assert r.returncode == 2 and "8 characters" in r.stderr
