"""schemathesis against the app's own /openapi.json, every operation, on a real Hypercorn.

The seeded world (two branches, a manager, a registered Telegram client with
bookings and a hold) gives the fuzzer ids that exist; ``fuzz_hooks`` sends
an admin JWT or signed initData as each operation's ``security`` asks. The
run fails on any 5xx, any status, content type, header or body the document
does not promise, any schema-invalid input accepted, and any secured
operation that answers without credentials.

CI size: ``ZAPIS_FUZZ_EXAMPLES`` (default 12) examples per operation and
phase, on each backend. A longer run (docs/SECURITY.md)::

    ZAPIS_FUZZ_EXAMPLES=500 ZAPIS_FUZZ_SEED=$RANDOM ZAPIS_FUZZ_MAX_TIME_S=1800 \\
        python -m pytest tests/security/test_fuzz.py -k sqlite -s
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.harness import Harness
from tests.security.fuzzing import run_schemathesis, world_file
from tests.security.world import build_world

EXAMPLES = int(os.environ.get("ZAPIS_FUZZ_EXAMPLES", "12"))
SEED = int(os.environ.get("ZAPIS_FUZZ_SEED", "20261126"))
MAX_TIME_S = int(os.environ.get("ZAPIS_FUZZ_MAX_TIME_S", "0")) or None
PHASES = os.environ.get("ZAPIS_FUZZ_PHASES", "examples,coverage,fuzzing,stateful")
MIN_OPERATIONS = 40  # the document has 43 today: a big drop means routes went missing


@pytest.mark.slow
async def test_schemathesis_finds_nothing(harness: Harness, tmp_path: Path) -> None:
    # Rate limits off: the fuzzer must reach the handlers (tests/security/test_rate_limits.py
    # covers the limits); the login limit stays on, so password guessing stays cheap.
    w = await build_world(harness, holds_per_minute=0, bookings_per_minute=0)
    async with harness.serve() as base:
        result = await run_schemathesis(base, world_file(w, tmp_path / "world.json"), tmp_path,
                                        max_examples=EXAMPLES, seed=SEED, phases=PHASES, max_time_s=MAX_TIME_S)
    print(f"\nschemathesis: {result.operations} operations, {result.test_cases} test cases, "
          f"{result.failures} failures (seed {SEED}, {EXAMPLES} examples)")
    assert result.report, result.output[-5000:]
    assert result.returncode == 0 and result.failures == 0, result.output[-20000:]
    operations = result.report["operations"]
    assert result.report["stop_reason"] == "completed", result.output[-5000:]
    assert operations["tested"] == operations["total"] >= MIN_OPERATIONS, operations  # every one of them
    assert result.test_cases >= operations["total"] * 5
