"""The real server as a subprocess: ``python run.py`` with ``ZAPIS_*`` settings.

``Backend`` says where the journal lives (a SQLite data directory, or a
PostgreSQL URL); ``ServerProcess`` starts, waits for ``/readyz``, SIGKILLs or
SIGTERMs it, and always leaves no process behind (``close``). Output goes to
a log file whose tail is shown when something fails.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from storage.journal import Journal

ROOT = Path(__file__).resolve().parents[2]
BOT_TOKEN = "424242:RELIABILITY-test-bot-token"
JWT_SECRET = "reliability-" + "0123456789abcdef" * 3
READY_TIMEOUT_S = 90.0  # a cold start imports aiogram (seconds) and replays the journal


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True, slots=True)
class Backend:
    """Where the journal lives: ``database_url`` (PostgreSQL) or ``data_dir`` (SQLite)."""

    name: str  # "sqlite" | "postgres"
    data_dir: Path
    database_url: str | None = None
    code_root: Path = ROOT  # the tree whose run.py is started (benches use a snapshot of HEAD)

    def env(self) -> dict[str, str]:
        if self.database_url:
            return {"ZAPIS_DATABASE_URL": self.database_url, "ZAPIS_DATA_DIR": str(self.data_dir)}
        return {"ZAPIS_DATA_DIR": str(self.data_dir)}

    def journal(self) -> Journal:
        """An unopened journal on the same database, for checks while the server is down."""
        from storage.factory import open_journal

        return open_journal(self.database_url, self.data_dir)


def server_env(backend: Backend, port: int, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of ``run.py``: ours without ZAPIS_*, then the test's settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZAPIS_")}
    env.update(
        ZAPIS_HOST="127.0.0.1",
        ZAPIS_PORT=str(port),
        ZAPIS_JWT_SECRET=JWT_SECRET,
        ZAPIS_TELEGRAM_BOT_TOKEN=BOT_TOKEN,
        ZAPIS_BOT_MODE="off",
        ZAPIS_HOLDS_PER_MINUTE="1000000",
        ZAPIS_BOOKINGS_PER_MINUTE="1000000",
        ZAPIS_LOGINS_PER_MINUTE="1000000",
        PYTHONUNBUFFERED="1",
        **backend.env(),
    )
    env.update(extra or {})
    return env


@dataclass(frozen=True, slots=True)
class CliResult:
    returncode: int
    stdout: str
    stderr: str


async def run_cli(backend: Backend, *args: str, stdin: str = "", timeout_s: float = 120.0) -> CliResult:
    """``python run.py <args>`` against the backend (``replay``, ``create-user``).

    Asynchronous, so a ``TcpProxy`` in this event loop keeps forwarding meanwhile.
    """
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(backend.code_root / "run.py"), *args, cwd=backend.code_root,
        env=server_env(backend, 0),
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(stdin.encode()), timeout_s)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise
    assert proc.returncode is not None
    return CliResult(proc.returncode, out.decode(errors="replace"), err.decode(errors="replace"))


@dataclass
class ServerProcess:
    """One ``run.py`` at a time on a fixed port; restartable."""

    backend: Backend
    log_path: Path
    port: int = field(default_factory=free_port)
    extra_env: dict[str, str] = field(default_factory=dict)
    proc: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.proc is not None, "the server is not running"
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    async def start(self, timeout_s: float = READY_TIMEOUT_S) -> None:
        """Start ``run.py`` and wait until ``/readyz`` answers 200."""
        assert not self.alive(), "already running"
        with open(self.log_path, "ab") as log:
            log.write(f"\n===== start #{self.starts + 1} =====\n".encode())
            log.flush()
            root = self.backend.code_root
            self.proc = subprocess.Popen(
                [sys.executable, str(root / "run.py")], cwd=root,
                env=server_env(self.backend, self.port, self.extra_env),
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        self.starts += 1
        await self.wait_ready(timeout_s)

    async def wait_ready(self, timeout_s: float = READY_TIMEOUT_S) -> float:
        """Poll ``/readyz`` until 200; returns the seconds it took."""
        loop = asyncio.get_running_loop()
        began = loop.time()
        async with httpx.AsyncClient(base_url=self.base_url, timeout=5.0) as http:
            while True:
                if not self.alive():
                    raise RuntimeError(f"run.py exited ({self.exit_code()}) before it was ready\n{self.log_tail()}")
                try:
                    if (await http.get("/readyz")).status_code == 200:
                        return loop.time() - began
                except httpx.TransportError:
                    pass  # not listening yet
                if loop.time() - began > timeout_s:
                    raise TimeoutError(f"run.py was not ready within {timeout_s} s\n{self.log_tail()}")
                await asyncio.sleep(0.05)

    def exit_code(self) -> int | None:
        return None if self.proc is None else self.proc.poll()

    def kill(self) -> None:
        """SIGKILL: no shutdown hook, no final snapshot, no flush — a crash."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        if self.proc is not None:
            self.proc.wait(timeout=30)

    def terminate(self, timeout_s: float = 30.0) -> int:
        """SIGTERM (a clean stop: drain, snapshot); SIGKILL if it does not stop in time."""
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.proc.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.proc.wait()

    def close(self) -> None:
        """Never leave a server behind (idempotent)."""
        self.kill()

    def rss_kib(self) -> int:
        """Resident memory of the running server, KiB (``/proc/<pid>/status``)."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise RuntimeError("no VmRSS line")

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])


def interrupt_on_sigterm() -> None:
    """Make SIGTERM behave like Ctrl-C in a bench script, so ``finally`` blocks kill the server."""

    def _raise(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _raise)


@contextmanager
def committed_tree(ref: str = "HEAD") -> Iterator[Path]:
    """A temporary copy of ``ref``'s files (``git archive``), for long runs.

    Other work in progress in the shared working tree cannot then break a
    server restart an hour into a run; the copy is removed afterwards.
    """
    with tempfile.TemporaryDirectory(prefix="zapis-tree-") as tmp:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref], check=True, capture_output=True)
        subprocess.run(["tar", "-x", "-C", tmp], input=archive.stdout, check=True)
        yield Path(tmp)


@contextmanager
def code_tree(which: str) -> Iterator[Path]:
    """``"worktree"``: this checkout as it is; anything else: a snapshot of that git ref."""
    if which == "worktree":
        yield ROOT
        return
    with committed_tree(which) as root:
        yield root
