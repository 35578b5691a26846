"""``python run.py --workers N`` as a real process tree (SPEC §9.5).

SQLite is refused. On PostgreSQL (a database of its own, created and dropped
here, since the server uses the ``public`` schema): two workers answer on one
port; which process answered is read from ``/proc`` (the worker holding the
server side of the test's connection), so nothing about the processes is
exposed over HTTP; a worker killed with SIGKILL is replaced; SIGTERM stops
the supervisor and every worker within seconds, without a traceback.
"""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.harness import JWT_SECRET, free_port
from tests.cluster.processes import fresh_database, status_of, wait_until

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 60.0  # two whole servers starting on a busy machine


def server_env(tmp_path: Path, port: int, database_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZAPIS_")}
    env.update(ZAPIS_DATA_DIR=str(tmp_path / "data"), ZAPIS_JWT_SECRET=JWT_SECRET, ZAPIS_HOST="127.0.0.1",
               ZAPIS_PORT=str(port), ZAPIS_BOT_MODE="off")
    if database_url:
        env["ZAPIS_DATABASE_URL"] = database_url
    return env


def test_sqlite_refuses_more_than_one_worker(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "run.py", "--workers", "2"], cwd=ROOT, capture_output=True, text=True,
                          env=server_env(tmp_path, free_port(), None), timeout=60)
    assert done.returncode == 2, done
    assert "--workers 2 needs PostgreSQL (ZAPIS_DATABASE_URL)" in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert not (tmp_path / "data" / "zapis.sqlite3").exists()  # refused before anything was opened


@pytest.fixture
def database() -> Iterator[str]:
    """The URL of a new, empty database (dropped afterwards)."""
    with fresh_database() as url:
        yield url


def children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def socket_inode(server_port: int, client_port: int) -> str | None:
    """The inode of the server side of the loopback connection from ``client_port``."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local, remote = fields[1].rsplit(":", 1)[1], fields[2].rsplit(":", 1)[1]
            if int(local, 16) == server_port and int(remote, 16) == client_port:
                return fields[9]
    return None


def answered_by(port: int, workers: set[int]) -> int | None:
    """GET /healthz on a new kept-alive connection; the worker pid holding its server side."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", "/healthz")
        response = conn.getresponse()
        assert response.status == 200
        response.read()
        assert conn.sock is not None
        inode = socket_inode(port, conn.sock.getsockname()[1])
        if inode is None:
            return None
        for pid in workers:
            try:
                if any(os.readlink(fd) == f"socket:[{inode}]" for fd in Path(f"/proc/{pid}/fd").iterdir()):
                    return pid
            except OSError:
                continue
        return None
    finally:
        conn.close()


@pytest.mark.postgres
def test_two_workers_serve_one_port_are_restarted_and_stop_on_sigterm(tmp_path: Path, database: str) -> None:
    port = free_port()
    out, err = (tmp_path / "out.txt").open("w"), (tmp_path / "err.txt").open("w")
    server = subprocess.Popen([sys.executable, "run.py", "--workers", "2"], cwd=ROOT, stdout=out, stderr=err,
                              env=server_env(tmp_path, port, database))
    try:
        wait_until("two workers", lambda: len(children(server.pid)) == 2, START_TIMEOUT_S)
        workers = children(server.pid)
        wait_until("/readyz", lambda: status_of(port, "/readyz") == 200, START_TIMEOUT_S)
        seen: set[int] = set()
        deadline = time.monotonic() + START_TIMEOUT_S
        while seen != workers:  # both workers take connections from the one port
            assert time.monotonic() < deadline, f"only {seen} of {workers} answered"
            pid = answered_by(port, workers)
            if pid is not None:
                seen.add(pid)

        victim = min(workers)
        os.kill(victim, signal.SIGKILL)
        assert status_of(port, "/healthz") == 200  # the other worker answers meanwhile
        wait_until("a new worker", lambda: len(children(server.pid) - {victim}) == 2, START_TIMEOUT_S)
        replacement = (children(server.pid) - workers).pop()
        wait_until("the new worker serving", lambda: answered_by(port, {replacement}) == replacement,
                   START_TIMEOUT_S)

        everyone = children(server.pid)
        started = time.monotonic()
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=20) == 0
        assert time.monotonic() - started < 10
        assert not any(alive(pid) for pid in everyone)
        assert status_of(port, "/healthz") == 0  # the port is closed
    finally:
        if server.poll() is None:
            for pid in children(server.pid):
                os.kill(pid, signal.SIGKILL)
            server.kill()
            server.wait()
        out.close()
        err.close()
    logged = (tmp_path / "err.txt").read_text() + (tmp_path / "out.txt").read_text()
    assert "Traceback" not in logged, logged
    assert f"worker pid {victim} exited (signal SIGKILL); starting another" in logged
