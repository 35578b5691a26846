"""Forged tokens: ``alg: none``, another secret, expired, tampered claims → 401 (and 4401 on the socket)."""

from __future__ import annotations

import base64
import json

import jwt
import pytest
import websockets

from tests.dashboard.conftest import Env
from tests.dashboard.helpers import bearer, ws_url
from tests.harness import JWT_SECRET


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _forgeries(env: Env, valid: str) -> dict[str, str]:
    now = int(env.h.clock.now())
    admin = {"sub": "mallory", "role": "admin", "branches": ["*"], "iat": now, "nbf": now, "exp": now + 3600}
    header, payload, signature = valid.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return {
        "alg none": jwt.encode(admin, "", algorithm="none"),
        "alg none, no signature dot": ".".join(jwt.encode(admin, "", algorithm="none").split(".")[:2]),
        "another secret": jwt.encode(admin, "another-secret-0123456789abcdef-0123456789", algorithm="HS256"),
        "expired": jwt.encode({**admin, "sub": "admin", "iat": now - 7200, "nbf": now - 7200, "exp": now - 1},
                              JWT_SECRET, algorithm="HS256"),
        "tampered claims": ".".join([header, _b64(json.dumps(
            {**claims, "role": "admin", "branches": ["*"]}).encode()), signature]),
        "HS512 with the right secret": jwt.encode({**admin, "sub": "admin"}, JWT_SECRET, algorithm="HS512"),
        "garbage": "not.a.jwt",
    }


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
async def test_forged_tokens_are_401_on_http_and_4401_on_the_socket(env: Env) -> None:
    anna = await env.h.user("anna", "manager", (env.salon.branch_id,))
    forged = _forgeries(env, anna)
    for name, token in forged.items():
        for url in ("/api/v1/dashboard/board", "/api/v1/clients", "/api/v1/system/journal"):
            r = await env.client.get(url, headers=bearer(token))
            assert r.status_code == 401, (name, url)
            assert (await r.get_json())["code"] == "unauthorized"
        r = await env.client.patch("/api/v1/appointments/x/status", headers=bearer(token), json={})
        assert r.status_code == 401, name
    # the tampered manager token is still a fine manager token before tampering
    assert (await env.client.get("/api/v1/dashboard/board", headers=bearer(anna))).status_code == 200
    async with env.h.serve() as base:
        for name, token in forged.items():
            async with websockets.connect(ws_url(base)) as conn:
                await conn.send(json.dumps({"type": "auth", "token": token}))
                try:
                    await conn.recv()
                except websockets.ConnectionClosed:
                    pass
                assert conn.close_code == 4401, name
