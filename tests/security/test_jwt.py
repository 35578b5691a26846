"""Attacks on the managers' JWTs, on every kind of endpoint and on the dashboard socket.

Complements tests/dashboard/test_jwt_attacks.py (alg none, another secret,
expired, tampered claims on reads): here HS/RS algorithm confusion, tokens
not yet valid, tampered role and branches, claims missing or mistyped, on
writes too — each answered 401, the journal unchanged, and neither the
server's secrets nor the presented token in any answer or log line.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import io
import json
import logging
from typing import Any

import jwt
import pytest
import websockets
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from quart.datastructures import FileStorage

from tests.client.kit import at, problem
from tests.harness import JWT_SECRET, Harness
from tests.security.leaks import assert_absent, assert_logs_clean, assert_no_trace, text_of
from tests.security.world import World, build_world

WS_PATH = "/api/v1/dashboard/updates"
TIMEOUT = 10.0


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))  # type: ignore[no-any-return]


def _with_claims(token: str, **changes: Any) -> str:
    """The token with its payload edited and its signature kept."""
    header, _, signature = token.split(".")
    return ".".join([header, _b64(json.dumps({**_claims(token), **changes}).encode()), signature])


def _hs256(claims: dict[str, Any], key: bytes, **header: Any) -> str:
    """HS256 by hand: PyJWT itself refuses a PEM key as an HMAC secret."""
    head = _b64(json.dumps({"alg": "HS256", "typ": "JWT", **header}).encode())
    body = _b64(json.dumps(claims).encode())
    mac = hmac.new(key, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{_b64(mac)}"


def forgeries(w: World) -> dict[str, str]:
    now = int(w.h.clock.now())
    admin = {"sub": "admin", "role": "admin", "branches": ["*"], "iat": now, "nbf": now, "exp": now + 3600}
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                               serialization.PublicFormat.SubjectPublicKeyInfo)
    manager = w.manager_token
    return {
        "RS256 signed with a generated RSA key": jwt.encode(admin, key, algorithm="RS256"),
        "HS256 keyed with that RSA public key (PEM)": _hs256(admin, public_pem),
        "HS256 keyed with the PEM, header claims RS256": _hs256(admin, public_pem, alg="RS256"),
        "alg none": jwt.encode(admin, None, algorithm="none"),  # type: ignore[arg-type]
        "wrong secret": jwt.encode(admin, "wrong-secret-0123456789abcdef-0123456789", algorithm="HS256"),
        "empty secret with a kid path": _hs256(admin, b"", kid="../../../../dev/null"),
        "expired (real secret)": jwt.encode({**admin, "iat": now - 7200, "nbf": now - 7200, "exp": now - 1},
                                            JWT_SECRET, algorithm="HS256"),
        "not yet valid (real secret)": jwt.encode({**admin, "nbf": now + 600, "exp": now + 7200},
                                                  JWT_SECRET, algorithm="HS256"),
        "no exp (real secret)": jwt.encode({k: v for k, v in admin.items() if k != "exp"},
                                           JWT_SECRET, algorithm="HS256"),
        "exp as a string (real secret)": jwt.encode({**admin, "exp": str(now + 3600)}, JWT_SECRET,
                                                    algorithm="HS256"),
        "unknown role (real secret)": jwt.encode({**admin, "role": "root"}, JWT_SECRET, algorithm="HS256"),
        "branches not a list (real secret)": jwt.encode({**admin, "role": "manager", "branches": "*"},
                                                        JWT_SECRET, algorithm="HS256"),
        "manager token, role tampered to admin": _with_claims(manager, role="admin"),
        "manager token, branches tampered to *": _with_claims(manager, branches=["*"]),
        "manager token, branches tampered to the other branch": _with_claims(manager, branches=[w.other.branch_id]),
        "manager token, exp extended": _with_claims(manager, exp=now + 10**6),
        "manager token, signature stripped": manager.rsplit(".", 1)[0] + ".",
    }


def requests(w: World) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, path, kwargs): reads and writes across the dashboard, admin and system APIs."""
    slot = {"branch_id": w.home.branch_id, "service_id": w.home.services["cut"], "start": at("17:00")}
    csv = FileStorage(io.BytesIO(b"name,phone\nA,+79990001111\n"), filename="c.csv")
    return [
        ("GET", "/api/v1/dashboard/board", {}),
        ("GET", f"/api/v1/clients/{w.client_id}", {}),
        ("GET", "/api/v1/system/journal", {}),
        ("PATCH", f"/api/v1/appointments/{w.appointment_id}/status", {"json": {"status": "cancelled"}}),
        ("PATCH", f"/api/v1/appointments/{w.appointment_id}/reschedule", {"json": {"start": at("17:00")}}),
        ("POST", "/api/v1/appointments/manual", {"json": {**slot, "client": {"phone": "+79990002222"}}}),
        ("POST", "/api/v1/admin/branches", {"json": {"name": "Mallory", "timezone": "Europe/Moscow"}}),
        ("DELETE", f"/api/v1/admin/branches/{w.other.branch_id}", {}),
        ("POST", "/api/v1/system/import", {"files": {"file": csv}}),
    ]


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
async def test_forged_tokens_are_401_everywhere_and_change_nothing(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    w = await build_world(harness)
    seq = await w.last_seq()
    forged = forgeries(w)
    for name, token in forged.items():
        for method, path, kwargs in requests(w):
            r = await w.client.open(path, method=method, headers={"Authorization": f"Bearer {token}"}, **kwargs)
            await problem(r, 401, "unauthorized")
            answer = await text_of(r)
            assert_absent(f"the answer to {name} on {method} {path}", answer, {**w.secrets, name: token})
            assert_no_trace(f"the answer to {method} {path}", answer)
    assert await w.last_seq() == seq
    assert_logs_clean(caplog, w.secrets, forged.values())
    # The untampered manager token still works: the refusals above were about the forgery.
    r = await w.client.get("/api/v1/dashboard/board", headers=w.manager)
    assert r.status_code == 200


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
async def test_forged_tokens_get_4401_on_the_socket(harness: Harness, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    w = await build_world(harness, ws_auth_timeout_s=2.0)
    forged = forgeries(w)
    async with harness.serve() as base:
        url = base.replace("http://", "ws://", 1) + WS_PATH
        for name, token in forged.items():
            code, reason = await _refused(url, {"type": "auth", "token": token})
            assert code == 4401, name
            assert_absent(f"the close reason for {name}", reason, {**w.secrets, name: token})
    assert_logs_clean(caplog, w.secrets, forged.values())


async def _refused(url: str, hello: dict[str, Any]) -> tuple[int | None, str]:
    """Send ``hello``; the close code and reason the server answers with (no frame may come first)."""
    async with websockets.connect(url, open_timeout=TIMEOUT) as conn:
        await conn.send(json.dumps(hello))
        try:
            frame = await asyncio.wait_for(conn.recv(), TIMEOUT)
        except websockets.ConnectionClosed:
            frame = None
        assert frame is None, f"the server answered {frame!r} before refusing"
        return conn.close_code, conn.close_reason or ""


# ------------------------------------------------------------ a manager outside their branch


def outside(w: World) -> list[tuple[str, str, dict[str, Any]]]:
    """What the manager of ``home`` may not do: the other branch, and admin-only operations."""
    other = w.other.branch_id
    day = {"date_from": "2026-03-02", "date_to": "2026-03-03"}
    slot = {"branch_id": other, "service_id": w.other.services["cut"], "start": at("17:00")}
    return [
        ("GET", "/api/v1/dashboard/board", {"query_string": {"branch_id": other}}),
        ("GET", "/api/v1/dashboard/board", {"query_string": {"branch_id": [w.home.branch_id, other]}}),
        ("GET", "/api/v1/dashboard/slots", {"query_string": {**day, "branch_id": other,
                                                              "service_id": w.other.services["cut"]}}),
        ("GET", "/api/v1/system/reports", {"query_string": {**day, "branch_id": other}}),
        ("PATCH", f"/api/v1/appointments/{w.other_appointment_id}/status", {"json": {"status": "cancelled"}}),
        ("PATCH", f"/api/v1/appointments/{w.other_appointment_id}/reschedule", {"json": {"start": at("17:00")}}),
        ("POST", "/api/v1/appointments/manual", {"json": {**slot, "client": {"phone": "+79990003333"}}}),
        ("GET", "/api/v1/system/journal", {}),
        ("GET", "/api/v1/admin/branches", {}),
        ("POST", "/api/v1/admin/branches", {"json": {"name": "Mine now", "timezone": "Europe/Moscow"}}),
        ("DELETE", f"/api/v1/admin/branches/{other}", {}),
        ("PATCH", f"/api/v1/admin/branches/{other}", {"json": {"name": "Mine now"}}),
    ]


async def test_a_manager_gets_403_outside_their_branch_and_changes_nothing(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    w = await build_world(harness)
    seq = await w.last_seq()
    for method, path, kwargs in outside(w):
        r = await w.client.open(path, method=method, headers=w.manager, **kwargs)
        await problem(r, 403, "forbidden")
        assert_absent(f"the answer to {method} {path}", await text_of(r), w.secrets)
    assert await w.last_seq() == seq
    # The client card shows only the manager's branches' appointments.
    r = await w.client.get(f"/api/v1/clients/{w.client_id}", headers=w.manager)
    assert r.status_code == 200
    assert {a["branch_id"] for a in (await r.get_json())["appointments"]} == {w.home.branch_id}
    assert_logs_clean(caplog, w.secrets)


async def test_a_managers_socket_never_sees_the_other_branch(harness: Harness) -> None:
    w = await build_world(harness, ws_auth_timeout_s=2.0, ws_ping_interval_s=30.0)
    other, home = w.other.branch_id, w.home.branch_id
    async with harness.serve() as base:
        url = base.replace("http://", "ws://", 1) + WS_PATH
        for wanted in ([other], [home, other]):
            code, _ = await _refused(url, {"type": "auth", "token": w.manager_token, "branch_ids": wanted})
            assert code == 4403, wanted
        async with websockets.connect(url, open_timeout=TIMEOUT) as conn:
            await conn.send(json.dumps({"type": "auth", "token": w.manager_token, "after_seq": 0}))
            ready = json.loads(await asyncio.wait_for(conn.recv(), TIMEOUT))
            assert ready["type"] == "ready"
            for branch, hhmm in ((other, "17:00"), (home, "17:00")):  # the other branch's booking first
                salon = w.other if branch == other else w.home
                r = await w.client.post("/api/v1/appointments/manual", headers=w.admin, json={
                    "branch_id": branch, "service_id": salon.services["cut"], "start": at(hhmm),
                    "client": {"phone": "+79990004444"}})
                assert r.status_code == 201, await r.get_data(as_text=True)
            seen: list[dict[str, Any]] = []
            while not seen or seen[-1]["branch_id"] != home or seen[-1]["appointment"]["start"] != at("17:00"):
                frame = json.loads(await asyncio.wait_for(conn.recv(), TIMEOUT))
                if frame["type"] != "ping":
                    seen.append(frame)
            # Replay from seq 0 and the live events: the other branch never appears.
            assert {f["branch_id"] for f in seen} == {home}
