"""State survives restarts: with a snapshot, without one, with a damaged one; ``replay`` agrees."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import actors.runtime as runtime_module
from actors.core.messages import BookSlot, ChangeStatus, HoldSlot, RegisterClient, Reschedule
from actors.core.model import Status
from actors.snapshot import encode_state
from run import replay_journal
from storage.journal import Snapshot
from tests.harness import Harness
from tests.seed import seed_salon

ROOT = Path(__file__).resolve().parents[2]
SLOT = 1772521200  # 2026-03-03 10:00 Moscow


def everything(h: Harness) -> dict[str, Any]:
    return {k: encode_state(v) for k, v in h.z.runtime.states().items()}


async def busy_salon(h: Harness) -> None:
    client = await h.start()
    salon = await seed_salon(h, client)
    rt = h.z.runtime
    cut = rt.catalogue.committed.services[salon.services["cut"]]
    branch = rt.branch(salon.branch_id)
    for i in range(6):
        await rt.clients.ask(RegisterClient(f"c{i}", 1000 + i, f"+7999123456{i}", f"Client {i}"))
        await branch.ask(BookSlot(f"a{i}", f"c{i}", service=cut, start=SLOT + i * 3600))
    await branch.ask(ChangeStatus("a1", Status.CONFIRMED))
    await branch.ask(ChangeStatus("a2", Status.CANCELLED))
    await branch.ask(Reschedule("a3", SLOT + 86400))
    await branch.ask(HoldSlot("h1", "c5", cut, SLOT + 2 * 86400, None, ttl_s=300))


async def test_restart_with_snapshot_restores_the_same_state(harness: Harness) -> None:
    await busy_salon(harness)
    before = everything(harness)
    await harness.restart()  # a clean stop saves a snapshot
    snap = await harness.z.journal.load_snapshot()
    assert snap is not None and snap.seq == await harness.z.journal.last_seq()
    assert everything(harness) == before
    assert "h1" in harness.z.runtime.states()[next(s for s in before if s.startswith("branch:"))].holds


async def crash(h: Harness) -> None:
    """Stop without the final snapshot, as a killed process would."""
    h.z.runtime.snapshot_on_stop = False
    await h.stop()


async def test_restart_without_a_usable_snapshot_replays_the_journal(harness: Harness) -> None:
    await busy_salon(harness)
    before = everything(harness)
    for blob, schema in ((b"\x00garbage", 1), (b"\x80", 0)):  # corrupt, then an old schema
        await harness.z.journal.save_snapshot(Snapshot(seq=await harness.z.journal.last_seq(), schema=schema, blob=blob))
        await crash(harness)
        await harness.start()
        assert everything(harness) == before


async def test_events_after_the_snapshot_are_replayed_on_top(harness: Harness) -> None:
    await busy_salon(harness)
    await harness.z.runtime.snapshot()
    rt = harness.z.runtime
    branch = next(iter(rt.branches.values()))
    await branch.ask(ChangeStatus("a4", Status.DONE))
    before = everything(harness)
    await crash(harness)
    await harness.start()
    assert everything(harness) == before


async def test_replay_agrees_with_the_live_state_and_detects_a_mismatch(harness: Harness) -> None:
    await busy_salon(harness)
    await harness.stop()
    assert await replay_journal(harness.journal_factory(), None) == 0
    # a snapshot that claims a state the journal does not have
    await harness.start()
    branch = next(iter(harness.z.runtime.branches.values()))
    branch.committed.appointments.pop("a0")
    await harness.z.runtime.snapshot()
    await crash(harness)
    assert await replay_journal(harness.journal_factory(), None) == 1


def test_cli_create_user_and_replay(tmp_path: Path) -> None:
    env = {**os.environ, "ZAPIS_DATA_DIR": str(tmp_path), "ZAPIS_DATABASE_URL": ""}
    cmd = [sys.executable, str(ROOT / "run.py")]
    r = subprocess.run([*cmd, "create-user", "--login", "boss", "--role", "admin", "--password-stdin"],
                       input="correct-horse\n", env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "correct-horse" not in r.stdout + r.stderr
    r = subprocess.run([*cmd, "create-user", "--login", "boss", "--role", "admin", "--password-stdin"],
                       input="correct-horse\n", env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode != 0 and "already exists" in r.stderr
    r = subprocess.run([*cmd, "replay"], env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "OK" in r.stdout, r.stdout + r.stderr
    r = subprocess.run([*cmd, "--help"], env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "create-user" in r.stdout and "replay" in r.stdout


async def test_replay_treats_streams_without_events_as_fresh(harness: Harness) -> None:
    """A clean stop snapshots empty streams (no users yet); full replay has none: still OK."""
    await harness.start()
    await harness.stop()
    assert await replay_journal(harness.journal_factory(), None) == 0


async def test_time_travel_loads_leave_the_garbage_collector_alone(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``load_states`` in a request must not switch the process-wide collector off."""
    await busy_salon(harness)
    seen: list[bool] = []
    real_fold = runtime_module.fold

    def spy(records: Any, states: Any = None) -> Any:
        seen.append(gc.isenabled())
        return real_fold(records, states)

    monkeypatch.setattr(runtime_module, "fold", spy)
    await runtime_module.load_states(harness.z.journal, use_snapshot=False)
    assert seen and all(seen)
