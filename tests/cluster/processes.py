"""A cluster of real processes: 3 × ``python run.py`` on one PostgreSQL database, nginx in front.

Used by ``tests/cluster/test_nginx.py``. Everything is a real OS process,
started the way a user would deploy zapis: each server is ``python run.py``
with its own ``ZAPIS_PORT`` and the same ``ZAPIS_DATABASE_URL`` and
``ZAPIS_JWT_SECRET``; nginx (Debian's package) runs with a generated config
(``nginx_config``) on loopback, round-robin over the three ports, with its
pid, logs and temporary files in the test's folder.

The database is a new one (the server uses the ``public`` schema), created
and dropped by ``fresh_database``. nginx missing is a skip, or a failure
when ``ZAPIS_REQUIRE_POSTGRES=1`` (CI installs it in ``.ci/run``).
"""

from __future__ import annotations

import asyncio
import http.client
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from tests.harness import JWT_SECRET, free_port
from tests.pg import REQUIRE_VARIABLE, require_pg_url

ROOT = Path(__file__).resolve().parents[2]
BOT_TOKEN = "123456:TEST-zapis-nginx-cluster-token"
ADMIN_LOGIN, ADMIN_PASSWORD = "admin", "password-123"
START_TIMEOUT_S = 120.0  # a whole server starting on a busy 2-core machine (seen: 60 s under load 14)
STOP_TIMEOUT_S = 20.0
WS_PATH = "/api/v1/dashboard/updates"


def require_nginx() -> str:
    """The nginx binary; a skip when missing, a failure in CI (``ZAPIS_REQUIRE_POSTGRES=1``)."""
    found = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None)
    if found:
        return found
    message = "nginx is not installed (Debian: apt-get install nginx)"
    if os.environ.get(REQUIRE_VARIABLE) == "1":
        pytest.fail(f"{REQUIRE_VARIABLE}=1 but {message}", pytrace=False)
    pytest.skip(message)


@contextmanager
def fresh_database() -> Iterator[str]:
    """The URL of a new, empty database on the test server (dropped afterwards)."""
    url = require_pg_url()
    name = f"zapis_nginx_{uuid.uuid4().hex[:12]}"

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(url, timeout=10)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    try:
        yield urlunsplit(urlsplit(url)._replace(path="/" + name))
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def wait_until(what: str, check: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.05)


def status_of(port: int, path: str) -> int:
    """GET ``path`` on 127.0.0.1:``port``; 0 when nothing answers."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", path)
        return conn.getresponse().status
    except OSError:
        return 0
    finally:
        conn.close()


def base_env(database_url: str, data_dir: Path, **settings: str) -> dict[str, str]:
    """The environment of a server or CLI command: the test's settings, nothing inherited ``ZAPIS_*``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZAPIS_")}
    env.update(ZAPIS_DATABASE_URL=database_url, ZAPIS_DATA_DIR=str(data_dir), ZAPIS_JWT_SECRET=JWT_SECRET,
               ZAPIS_HOST="127.0.0.1", ZAPIS_BOT_MODE="off", ZAPIS_TELEGRAM_BOT_TOKEN=BOT_TOKEN)
    env.update(settings)
    return env


@dataclass
class Server:
    """One ``python run.py`` on its own port; can be killed, stopped and started again."""

    name: str
    port: int
    env: dict[str, str]
    folder: Path
    proc: subprocess.Popen[bytes] | None = None
    starts: int = 0
    exits: list[int] = field(default_factory=list)  # return codes of the runs that ended

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self.folder / f"{self.name}.log"

    def start(self) -> None:
        assert self.proc is None or self.proc.poll() is not None, f"{self.name} is running"
        self.starts += 1
        with self.log.open("ab") as out:
            out.write(f"--- start {self.starts} ---\n".encode())
            out.flush()
            self.proc = subprocess.Popen([sys.executable, "run.py"], cwd=ROOT, env=self.env,
                                         stdout=out, stderr=subprocess.STDOUT)

    def wait_ready(self, timeout: float = START_TIMEOUT_S) -> None:
        def ready() -> bool:
            assert self.proc is not None and self.proc.poll() is None, (
                f"{self.name} exited ({self.proc.returncode if self.proc else None}):\n{self.log.read_text()[-3000:]}")
            return status_of(self.port, "/readyz") == 200

        wait_until(f"{self.name} on port {self.port} to be ready", ready, timeout)

    def kill(self) -> None:
        """SIGKILL (``kill -9``), and reap it."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.exits.append(self.proc.wait(STOP_TIMEOUT_S))

    def terminate(self) -> int:
        """SIGTERM and wait for a clean exit; its return code."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(STOP_TIMEOUT_S)
        self.exits.append(code)
        return code

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def nginx_config(prefix: Path, listen_port: int, upstream_ports: list[int]) -> str:
    """The config the tests run nginx with — also the working example in docs/SCALING.md.

    Choices (see "Behind nginx (tested)" in docs/SCALING.md):
    - round-robin (nginx's default) over the processes; any process serves any branch;
    - ``proxy_next_upstream error timeout`` (nginx's default, spelled out): a request that could
      not be sent (connection refused: a process killed or restarting) goes to the next process
      whatever its method; once a POST/PATCH has been sent it is never sent again (nginx does
      not retry non-idempotent methods without ``non_idempotent``, which we do not set: a
      booking that reached a dying process may have been committed; the client retries it with
      its Idempotency-Key, which answers the first result on any process);
    - ``max_fails=1 fail_timeout=2s``: a dead process is skipped for 2 s after one failure;
    - no upstream keepalive: a fresh loopback connection per request, so a POST is never written
      onto an idle connection the server is closing at that moment (which nginx could not retry);
    - the dashboard socket location passes ``Upgrade``/``Connection`` and reads for an hour (the
      server pings every 20 s);
    - pid, logs and temporary files under ``prefix``.
    """
    servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=2s;" for p in upstream_ports)
    return f"""\
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    log_format upstream '$status $request_method $uri upstream=$upstream_addr statuses=$upstream_status '
                        'request=$http_x_request_id';
    access_log {prefix}/access.log upstream;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    client_max_body_size 20m;

    upstream zapis {{
{servers}
    }}

    server {{
        listen 127.0.0.1:{listen_port};
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_connect_timeout 2s;
        proxy_next_upstream error timeout;
        proxy_next_upstream_tries 3;

        location = {WS_PATH} {{
            proxy_pass http://zapis;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection "upgrade";
            proxy_read_timeout 1h;
            proxy_send_timeout 1h;
        }}

        location / {{
            proxy_pass http://zapis;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }}
    }}
}}
"""


@dataclass
class Nginx:
    binary: str
    prefix: Path
    port: int
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, upstream_ports: list[int]) -> None:
        self.prefix.mkdir(parents=True, exist_ok=True)
        conf = self.prefix / "nginx.conf"
        conf.write_text(nginx_config(self.prefix, self.port, upstream_ports))
        with (self.prefix / "stderr.log").open("wb") as err:
            self.proc = subprocess.Popen([self.binary, "-c", str(conf), "-p", str(self.prefix),
                                          "-g", "daemon off;"], stdout=err, stderr=subprocess.STDOUT)

        def up() -> bool:
            assert self.proc is not None and self.proc.poll() is None, (
                f"nginx exited: {(self.prefix / 'stderr.log').read_text()} {self.errors()}")
            return status_of(self.port, "/healthz") == 200

        wait_until("nginx", up, 20)

    def errors(self) -> str:
        path = self.prefix / "error.log"
        return path.read_text() if path.exists() else ""

    def access_log(self) -> list[str]:
        return (self.prefix / "access.log").read_text().splitlines()

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)  # graceful
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@dataclass
class ProcessCluster:
    servers: list[Server]
    nginx: Nginx
    database_url: str

    @property
    def url(self) -> str:
        """Through nginx."""
        return self.nginx.url


@contextmanager
def process_cluster(folder: Path, n: int = 3, **settings: str) -> Iterator[ProcessCluster]:
    """A fresh database, an admin account, ``n`` servers on their own ports and nginx in front."""
    binary = require_nginx()
    with fresh_database() as database_url:
        data = folder / "data"
        data.mkdir(parents=True, exist_ok=True)
        env = base_env(database_url, data, **settings)
        made = subprocess.run(  # the first process to open the database migrates it
            [sys.executable, "run.py", "create-user", "--login", ADMIN_LOGIN, "--role", "admin", "--password-stdin"],
            cwd=ROOT, env=env, input=ADMIN_PASSWORD + "\n", capture_output=True, text=True, timeout=60)
        assert made.returncode == 0, made
        ports = [free_port() for _ in range(n)]
        servers = [Server(name, port, {**env, "ZAPIS_PORT": str(port)}, folder)
                   for name, port in zip("abcdefgh", ports)]
        nginx = Nginx(binary, folder / "nginx", free_port())
        try:
            for s in servers:
                s.start()
            for s in servers:
                s.wait_ready()
            nginx.start([s.port for s in servers])
            yield ProcessCluster(servers, nginx, database_url)
        finally:
            nginx.close()
            for s in servers:
                s.close()
