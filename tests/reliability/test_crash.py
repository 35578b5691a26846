"""kill -9 under load, CI size: 5 SIGKILL/restart cycles of the real server per backend.

The long run is ``python -m bench.chaos`` (bench/README.md). What every cycle
checks is in ``tests/reliability/chaos.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.reliability.chaos import ChaosConfig, CycleReport, run_chaos
from tests.reliability.server import Backend

pytestmark = pytest.mark.slow


async def test_sigkill_under_load_loses_no_acknowledged_write_and_never_double_books(
    backend: Backend, tmp_path: Path
) -> None:
    lines: list[str] = []

    def progress(c: CycleReport) -> None:
        lines.append(f"cycle {c.cycle}: kill after {c.kill_after_s:.2f} s, {c.events} events, {dict(c.tally)}")

    report = await run_chaos(backend, tmp_path, ChaosConfig(cycles=5, seed=8), progress)
    assert not report.problems, "\n".join(report.problems + lines)
    assert len(report.cycles) == 5
    totals = report.totals()
    # The load did what it is for: acknowledged writes of every kind, refusals, and
    # requests cut off by the kills (whose outcome nobody knows).
    for kind in ("book ok", "hold ok", "book_hold ok", "cancel ok", "status ok", "book refused"):
        assert totals[kind] > 0, (kind, totals)
    assert sum(n for k, n in totals.items() if k.endswith(("unknown", "not_sent"))) > 0, totals
