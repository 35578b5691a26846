"""The seams stay where the architecture puts them (README, «Architecture»).

- Interfaces (``api/``, ``bot/``) never touch an actor or its state: they
  call the application layer (``actors/scheduler.py``), which reads
  committed state only. ``api/app.py`` (start-up and shutdown) and
  ``api/context.py`` (the wiring) are the exceptions.
- The pure core (``actors/core/``) imports nothing of the shell, the
  interfaces or the storage.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WIRING = {ROOT / "api" / "app.py", ROOT / "api" / "context.py"}
ACTOR_STATE = re.compile(r"\.committed\b|\._working\b|\bruntime\.(branches|clients|catalogue|users|branch)\b"
                         r"|\.ask\(|(?<!_session)\.request\(|\bRead\(")
SHELL_IMPORT = re.compile(r"^\s*(from|import) (actors\.(actor|runtime|scheduler|deciders|directory|streams|snapshot|demo)"
                          r"|api|bot|storage)\b", re.M)


def sources(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py"))


def test_interfaces_read_and_command_through_the_application_layer() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for path in sources("api", "bot") if path not in WIRING
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if ACTOR_STATE.search(line) and "committed_" not in line
    ]
    assert not offenders, "\n".join(offenders)


def test_the_core_is_pure() -> None:
    offenders = [f"{path.relative_to(ROOT)}: {m.group(0).strip()}"
                 for path in sources("actors/core") for m in SHELL_IMPORT.finditer(path.read_text())]
    assert not offenders, "\n".join(offenders)


def test_the_guard_sees_what_it_forbids() -> None:
    assert ACTOR_STATE.search("state = actor.committed.appointments")
    assert ACTOR_STATE.search("await z.runtime.branch(b).ask(BookSlot(...))")
    assert SHELL_IMPORT.search("from actors.runtime import Runtime")
    assert not SHELL_IMPORT.search("from actors.core.model import Appointment")
