"""Running schemathesis against a served zapis: the world file, the CLI, the report.

The fuzzer is schemathesis' own CLI (``python -m schemathesis.cli run``) in a
subprocess, pointed at the app's ``/openapi.json`` on a real Hypercorn: the
same command a person runs for a long session (docs/SECURITY.md), HTTP
parsing and body limits included, and the app's actors stay on the test's
event loop while the fuzzer blocks in its own process. Its JSON report gives
the numbers (operations, test cases, failures).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from tests.client.kit import MONDAY, at
from tests.security.fuzz_hooks import WORLD_VARIABLE
from tests.security.world import PASSWORD, World

# Every response must be a documented status with a documented content type,
# body and headers; no 5xx; invalid input refused; auth really required.
CHECKS = (
    "not_a_server_error", "status_code_conformance", "content_type_conformance",
    "response_headers_conformance", "response_schema_conformance", "negative_data_rejection",
    "missing_required_header", "ignored_auth", "unsupported_method",
)


def world_file(w: World, path: Path) -> Path:
    """The JSON the hooks read: credentials and the ids that exist."""
    home, other = w.home, w.other
    ids = {
        "branch_id": [home.branch_id, other.branch_id],
        "service_id": [*home.services.values(), *other.services.values()],
        "staff_id": [*home.staff, *other.staff],
        "client_id": [w.client_id],
        "appointment_id": [w.appointment_id, w.other_appointment_id],
        "hold_id": [w.hold_id],
        # Free, on-grid times (T0 is Monday 09:00 in Moscow) and dates near them.
        "start": [at("16:00"), at("16:30"), at("11:00", MONDAY + timedelta(days=1))],
        "date_from": [MONDAY.isoformat()],
        "date_to": [(MONDAY + timedelta(days=1)).isoformat()],
        "name": ["app.css", "js/main.js", "favicon.svg", "swagger-ui.css"],  # files under /assets, /docs/assets
        "login": ["admin", "manager-anna"],
        "password": [PASSWORD],
    }
    data = {
        "bearer": w.admin_token,
        "tma": w.tma()["Authorization"].removeprefix("tma "),
        "ids": ids,
        "spare": {name: [value] for name, value in w.spare.items()},
    }
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@dataclass(frozen=True)
class FuzzResult:
    returncode: int
    output: str
    report: dict[str, Any]

    @property
    def operations(self) -> int:
        return int(self.report.get("operations", {}).get("tested", 0) or 0)

    @property
    def test_cases(self) -> int:
        return int(self.report.get("test_cases", {}).get("generated", 0) or 0)

    @property
    def failures(self) -> int:
        """Failures of every kind, plus errors (a crashed check or hook counts too)."""
        found = sum(int(f.get("count", 1) or 1) for f in self.report.get("failures", []))
        return found + len(self.report.get("errors", []))


async def run_schemathesis(base_url: str, world_json: Path, report_dir: Path, *, max_examples: int,
                           seed: int, phases: str, max_time_s: int | None, workers: int = 1) -> FuzzResult:
    """``st run`` against ``base_url``; waits without blocking the loop the server runs on.

    One worker: with several, Hypothesis parses lambda sources from threads at
    once, which CPython 3.11 can fail with "AST constructor recursion depth
    mismatch" (a crash of the tool, not of zapis).
    """
    report_path = report_dir / "schemathesis.json"
    args = [
        sys.executable, "-m", "schemathesis.cli", "run", f"{base_url}/openapi.json",
        "--checks", ",".join(CHECKS), "--max-examples", str(max_examples), "--seed", str(seed),
        "--phases", phases, "--workers", str(workers), "--request-timeout", "20",
        "--report", "json", "--report-json-path", str(report_path),
        "--suppress-health-check", "all", "--no-color",
    ]
    if max_time_s:
        args += ["--max-time", str(max_time_s)]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "tests.security.fuzz_hooks", WORLD_VARIABLE: str(world_json),
           "PYTHONPATH": os.pathsep.join([str(Path(__file__).parents[2]), os.environ.get("PYTHONPATH", "")])}
    proc = await asyncio.create_subprocess_exec(
        *args, env=env, cwd=report_dir,  # its .schemathesis cache stays out of the repository
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    out, _ = await proc.communicate()
    report = json.loads(report_path.read_text()) if report_path.exists() else {}
    return FuzzResult(proc.returncode or 0, out.decode(errors="replace"), report)
