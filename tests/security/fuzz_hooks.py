"""schemathesis hooks for fuzzing zapis: credentials per security scheme, and ids that exist.

Loaded by the schemathesis CLI through ``SCHEMATHESIS_HOOKS=tests.security.fuzz_hooks``
(see ``tests/security/test_fuzz.py`` and docs/SECURITY.md). Everything it needs
comes from the JSON file named by ``ZAPIS_FUZZ_WORLD``:

- ``bearer``: an admin JWT, sent as ``Authorization: Bearer …`` to operations
  whose OpenAPI ``security`` names ``bearer``;
- ``tma``: signed initData of a registered Telegram user, sent as
  ``Authorization: tma …`` to operations that name ``tma``;
- ``ids``: parameter name → values that lead somewhere: ids that exist
  (``branch_id``, ``appointment_id`` …) and free slot times and dates
  (``start``, ``date_from``, ``date_to``);
- ``spare``: ids for DELETE operations (a branch, service and staff member
  kept for deleting, so the seeded ones survive the run).

Credentials go through schemathesis' auth-provider mechanism, not a blind
header, so its auth checks (``ignored_auth``, ``missing_required_header``)
can still take them away and expect 401. Known values are mixed into
generated path parameters, query strings and bodies for about half of the
cases (chosen by a hash of the generated value, so runs stay reproducible
with ``--seed``), and only where the generated value was already a short
string: a deliberately invalid value (negative mode) is never "repaired".
"""

from __future__ import annotations

import json
import os
import zlib
from functools import cache
from typing import Any

import schemathesis

WORLD_VARIABLE = "ZAPIS_FUZZ_WORLD"


@cache
def world() -> dict[str, Any]:
    with open(os.environ[WORLD_VARIABLE], encoding="utf-8") as f:
        return json.load(f)  # type: ignore[no-any-return]


def _schemes(operation: Any) -> set[str]:
    security = operation.definition.raw.get("security") or []
    return {name for requirement in security for name in requirement}


@schemathesis.auth(refresh_interval=None, retry_on=[])
class ZapisAuth:
    """``Bearer <admin JWT>`` or ``tma <initData>``, as the operation's ``security`` says."""

    def get(self, case: Any, ctx: Any) -> str | None:
        schemes = _schemes(ctx.operation)
        if "tma" in schemes:
            return f"tma {world()['tma']}"
        if "bearer" in schemes:
            return f"Bearer {world()['bearer']}"
        return None

    def set(self, case: Any, data: str, ctx: Any) -> None:
        case.headers = {**(case.headers or {}), "Authorization": data}


def _pick(values: list[str], seed: object) -> str | None:
    """A known id for about half of the generated values (deterministic per value)."""
    digest = zlib.crc32(repr(seed).encode())
    if digest % 2:
        return None
    return values[(digest // 2) % len(values)]


def _id_like(value: object) -> bool:
    return isinstance(value, str) and 1 <= len(value) <= 64


def _pool(context: Any) -> dict[str, list[str]]:
    pool: dict[str, list[str]] = world()["ids"]
    if context.operation.method.upper() == "DELETE":
        return {**pool, **world()["spare"]}
    return pool


def _mix(context: Any, values: dict[str, Any] | None) -> dict[str, Any] | None:
    if not isinstance(values, dict):
        return values
    out = dict(values)
    for name, known in _pool(context).items():
        if known and _id_like(out.get(name)):
            choice = _pick(known, (name, out[name]))
            if choice is not None:
                out[name] = choice
    return out


@schemathesis.hook
def map_path_parameters(context: Any, path_parameters: dict[str, Any]) -> dict[str, Any]:
    return _mix(context, path_parameters) or {}


@schemathesis.hook
def map_query(context: Any, query: dict[str, Any]) -> dict[str, Any]:
    return _mix(context, query) or {}


@schemathesis.hook
def map_body(context: Any, body: Any) -> Any:
    return _mix(context, body)
