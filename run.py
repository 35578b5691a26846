"""zapis entry point and composition root: the one place that wires everything.

    python run.py                 serve (Hypercorn, ZAPIS_HOST:ZAPIS_PORT)
    python run.py --demo          create the demo salon if missing, then serve
    python run.py --workers N     N serving processes on one port (PostgreSQL only; ``serve_workers``)
    python run.py create-user --login L --role admin|manager [--branches all|id,id] --password-stdin
    python run.py set-password --login L --password-stdin
    python run.py replay [--until ISO]
    python run.py bot             the Telegram bot alone, against a running server (ZAPIS_API_BASE_URL)
    python run.py migrate --to postgresql://…   copy the SQLite journal into an empty PostgreSQL database
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import secrets
import signal
import socket
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from settings import Settings, SettingsError

if TYPE_CHECKING:  # imported lazily at run time: the CLI commands stay fast
    from hypercorn.config import Config
    from quart import Blueprint, Quart

    from actors.core.clock import Clock
    from actors.core.messages import Event
    from actors.core.users import UsersState
    from actors.runtime import Runtime
    from actors.scheduler import Scheduler
    from api.ratelimit import RateLimiter
    from api.webhooks.kit import WebhookKit
    from bot.service import BotService
    from storage.journal import Journal
    from storage.leader import Leadership
    from storage.limits import PostgresCounters

Hook = Callable[[], Awaitable[None]]

log = logging.getLogger("zapis")


def build(settings: Settings, *, clock: Clock | None = None, journal: Journal | None = None,
          demo: bool = False) -> Quart:
    """Build the whole object graph and return the Quart app (nothing runs yet).

    Tests pass their own ``clock`` and ``journal``; everything else is as in production.
    """
    from actors.core.clock import SystemClock
    from actors.runtime import Runtime
    from actors.scheduler import Scheduler
    from api.app import create_app
    from api.auth import Passwords, Tokens
    from api.context import AppContext
    from api.manager.hub import Hub
    from api.shapes import appointment_json
    from api.telegram.kit import build_telegram_kit
    from storage.factory import open_journal

    clock = clock or SystemClock()
    journal = journal or open_journal(settings.database_url, settings.data_dir)
    runtime = Runtime(journal, clock, snapshot_every=settings.snapshot_every)
    scheduler = Scheduler(runtime, clock, hold_ttl_s=settings.hold_ttl_s,
                          waitlist_offer_ttl_s=settings.waitlist_offer_ttl_s)
    # The hub listens to the runtime from before it starts: it misses no commit.
    hub = Hub(journal, runtime, scheduler, lambda a: appointment_json(a, scheduler), queue_max=settings.ws_queue_max)
    secret = settings.jwt_secret
    if secret is None and demo:
        secret = secrets.token_urlsafe(32)  # demo tokens simply expire with the process
    passwords = Passwords()
    shared = build_shared(journal, clock, runtime)
    ctx = AppContext(
        settings=settings, journal=journal, runtime=runtime, scheduler=scheduler, clock=clock,
        passwords=passwords, tokens=Tokens(secret, settings.jwt_ttl_s, clock) if secret else None,
        login_limiter=shared.limiter("logins", settings.logins_per_minute, "sign-in attempts"),
        telegram=build_telegram_kit(settings, clock, shared.limiter), hub=hub, leadership=shared.leadership,
    )
    bot, bot_blueprints = build_bot(settings, journal, scheduler, clock)
    if bot is not None:
        bot.notifier.leadership = shared.leadership  # one notifier (and its reminders) among processes
    ctx.bot = bot
    ctx.webhooks = webhooks = build_webhooks(settings, journal, runtime, scheduler, clock, shared.leadership)

    async def _hub_start() -> None:
        hub.start()
        scheduler.waitlist_timer.start()  # offers that run out pass on (actors/waitlist_timer.py)

    on_start: list[Hook] = [shared.start, _hub_start]
    if demo:
        from actors.demo import ensure_demo

        async def _demo() -> None:
            await ensure_demo(scheduler, settings.admin_password, passwords.hash)

        on_start.append(_demo)
    on_stop: list[Hook] = [shared.close, hub.shutdown,  # (run in reverse: the election ends last)
                           scheduler.waitlist_timer.stop]
    if bot is not None:
        on_start.append(bot.start)
        on_stop.append(bot.stop)
    on_start.append(webhooks.start)
    on_stop.append(webhooks.stop)
    from api.webhooks.routes import bp as webhooks_bp

    return create_app(ctx, blueprints=(*bot_blueprints, webhooks_bp), on_start=tuple(on_start),
                      on_stop=tuple(on_stop))


def build_webhooks(settings: Settings, journal: Journal, runtime: Runtime, scheduler: Scheduler, clock: Clock,
                   leadership: Leadership) -> WebhookKit:
    """Outgoing webhooks (SPEC §9.4): registrations in the journal, positions and attempts in a
    store beside it (the journal's schema or file), the delivery worker in the leader only."""
    from actors.webhooks import Webhooks
    from api.manager.hub import APPOINTMENT_EVENTS, event_frame
    from api.shapes import appointment_json
    from api.webhooks.kit import WebhookKit
    from api.webhooks.worker import Deliveries, Policy
    from storage.journal import Recorded
    from storage.sqlite import SqliteJournal
    from storage.webhook_store import SqliteWebhookStore, WebhookStore

    where = postgres_of(journal)
    store: WebhookStore
    if where is not None:
        from storage.webhook_store_pg import PostgresWebhookStore

        store = PostgresWebhookStore(*where)
    else:  # the journal's own SQLite file (a journal of another kind, in tests: a file beside it)
        store = SqliteWebhookStore(journal.path if isinstance(journal, SqliteJournal)
                                   else settings.data_dir / "webhooks.sqlite3")

    def frame(rec: Recorded, branch_id: str) -> str | None:  # the socket's frame, the appointment as now
        appt = scheduler.appointment_in(branch_id, rec.data["appointment_id"])
        return event_frame(rec, branch_id, appointment_json(appt, scheduler)) if appt is not None else None

    policy = Policy(timeout_s=settings.webhook_timeout_s, backoff_s=settings.webhook_backoff_s,
                    backoff_max_s=settings.webhook_backoff_max_s, allow_private=settings.webhook_allow_private)
    registry = Webhooks(journal, clock, APPOINTMENT_EVENTS)
    deliveries = Deliveries(journal, registry, store, frame, lambda: runtime.committed_seq, clock, policy,
                            leadership=leadership)
    runtime.add_listener(deliveries.on_commit)
    return WebhookKit(registry, store, deliveries, policy)


@dataclass
class Shared:
    """What several server processes on one PostgreSQL share besides the journal (SPEC §9.5).

    On PostgreSQL: rate-limit counters in the journal's schema
    (``storage/limits.py``) and the election of the one process that runs the
    notifier, its reminders and snapshots (``storage/leader.py``). On SQLite
    (one process): counters in memory, and this process always leads.
    """

    clock: Clock
    leadership: Leadership
    counters: PostgresCounters | None = None

    def limiter(self, scope: str, per_minute: int, what: str) -> RateLimiter:
        from api.ratelimit import MemoryRateLimiter, SharedRateLimiter

        if self.counters is None:
            return MemoryRateLimiter(per_minute, 60, self.clock, what)
        return SharedRateLimiter(self.counters, scope, per_minute, 60, self.clock, what)

    async def start(self) -> None:
        if self.counters is not None:
            await self.counters.open()
        await self.leadership.start()

    async def close(self) -> None:
        await self.leadership.close()
        if self.counters is not None:
            await self.counters.close()


def build_shared(journal: Journal, clock: Clock, runtime: Runtime) -> Shared:
    from storage.leader import AlwaysLeader

    where = postgres_of(journal)
    if where is None:
        return Shared(clock, AlwaysLeader())
    from storage.leader import PostgresLeadership
    from storage.limits import PostgresCounters

    dsn, schema = where
    leadership = PostgresLeadership(dsn, schema)
    snapshot_every = runtime.snapshot_every

    def snapshots(leading: bool) -> None:  # only the leader saves snapshots (one writer, no waste)
        runtime.snapshot_every = snapshot_every if leading else 0
        runtime.snapshot_on_stop = leading

    leadership.add_listener(snapshots)
    return Shared(clock, leadership, PostgresCounters(dsn, schema))


def postgres_of(journal: Journal) -> tuple[str, str] | None:
    """``(dsn, schema)`` of a PostgreSQL journal; None for any other."""
    module = sys.modules.get("storage.postgres")
    if module is None or not isinstance(journal, module.PostgresJournal):
        return None
    return journal._dsn, journal.schema  # noqa: SLF001 - the composition root may look inside


def build_bot(settings: Settings, journal: Journal, scheduler: Scheduler,
              clock: Clock) -> tuple[BotService | None, tuple[Blueprint, ...]]:
    """The in-process bot (when a token is set and ZAPIS_BOT_MODE is not off) and its blueprints.

    aiogram is imported only here (it takes seconds), so a server without a
    bot, the CLI commands and most tests never load it.
    """
    if not settings.bot_enabled:
        return None, ()
    from bot.service import WEBHOOK_PATH, BotService
    from bot.state_view import CommittedView
    from bot.webhook import webhook_blueprint

    service = BotService(settings, journal, CommittedView(scheduler), clock)
    if settings.bot_mode == "webhook":
        return service, (webhook_blueprint(service, WEBHOOK_PATH),)
    return service, ()


def hypercorn_config(settings: Settings) -> Config:
    """Hypercorn's settings for the API and the dashboard sockets.

    Protocol pings every ``ws_ping_interval_s`` make a browser answer with a
    pong; a socket that sends nothing for ``read_timeout`` (dead network,
    crashed laptop) is closed, so its subscriber is freed.
    """
    from hypercorn.config import Config

    config = Config()
    config.bind = [f"{settings.host}:{settings.port}"]
    config.accesslog = None
    config.graceful_timeout = 5
    config.h11_max_incomplete_size = 64 * 1024
    config.read_timeout = 30  # slow bodies are cut off; sockets pong more often than this
    config.websocket_ping_interval = settings.ws_ping_interval_s
    config.websocket_max_message_size = 64 * 1024
    return config


async def serve(settings: Settings, demo: bool, *, fd: int | None = None) -> None:
    """Serve until SIGTERM/SIGINT; ``fd``: a listening socket from ``serve_workers`` (a worker)."""
    from hypercorn.asyncio import serve as hypercorn_serve

    app = build(settings, demo=demo)
    config = hypercorn_config(settings)
    if fd is not None:
        config.bind = [f"fd://{fd}"]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    orphaned = loop.create_task(_stop_when_orphaned(stop)) if fd is not None else None

    async def shutdown_trigger() -> None:
        await stop.wait()
        await close_sockets(app)

    if fd is None:
        log.info("serving on http://%s:%d", settings.host, settings.port)
    try:
        await hypercorn_serve(app, config, shutdown_trigger=shutdown_trigger)
    finally:
        if orphaned is not None:
            orphaned.cancel()


async def close_sockets(app: Quart) -> None:
    """Before Hypercorn's graceful stop, which waits for open connections: close the dashboard
    sockets (1001; they reconnect elsewhere with after_seq) and end their protocol-ping tasks,
    each of which would keep its closed socket's connection open until its next ping (the stop
    took Hypercorn's whole 5 s graceful timeout with one socket open)."""
    from api.app import end_protocol_pings

    hub = app.extensions["zapis"].hub
    if hub is not None:
        await hub.shutdown()
    end_protocol_pings()


async def _stop_when_orphaned(stop: asyncio.Event) -> None:
    """A worker whose supervisor is gone (killed) stops by itself instead of serving on alone."""
    parent = os.getppid()
    while os.getppid() == parent:
        await asyncio.sleep(1)
    log.warning("worker: the supervisor (pid %d) is gone; stopping", parent)
    stop.set()


def listening_socket(host: str, port: int) -> socket.socket:
    """The one listening socket every worker accepts on (the supervisor keeps it open)."""
    bare = host.strip("[]")
    sock = socket.socket(socket.AF_INET6 if ":" in bare else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # accepted sockets inherit it
    sock.bind((bare, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def serve_workers(settings: Settings, demo: bool, workers: int) -> int:
    """``python run.py --workers N``: N serving processes on one port, supervised.

    This process binds the port once and starts N workers (``run.py`` again,
    each a whole server: ``serve`` with Hypercorn on the inherited socket, so
    they share one accept queue). A worker that exits or is killed is started
    again (after 1 s, doubling to 30 s while it keeps dying within 30 s of its
    start); connections waiting in the queue meanwhile are taken by the
    others. SIGTERM or SIGINT is passed to every worker, which stops as a lone
    server does (sockets closed, mailboxes drained, snapshot by the leader);
    one still running after ``STOP_TIMEOUT_S`` is killed.
    """
    import subprocess
    import time

    sock = listening_socket(settings.host, settings.port)
    env = dict(os.environ)
    if demo and settings.jwt_secret is None:  # one key for all: a token works on every worker
        env["ZAPIS_JWT_SECRET"] = secrets.token_urlsafe(32)
    stopping = False

    def on_signal(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, on_signal)

    def spawn(slot: int) -> subprocess.Popen[bytes]:
        args = [sys.executable, os.path.abspath(__file__), "--worker-fd", str(sock.fileno())]
        if demo:
            args.append("--demo" if slot == 0 else "--demo-worker")  # one worker sets the demo up
        return subprocess.Popen(args, env=env, pass_fds=(sock.fileno(),))

    children = [spawn(slot) for slot in range(workers)]
    started = [time.monotonic()] * workers
    delays = [1.0] * workers
    restart_at: list[float | None] = [None] * workers
    log.info("serving on http://%s:%d with %d workers (pids %s)", settings.host, settings.port, workers,
             ", ".join(str(c.pid) for c in children))
    while not stopping:
        now = time.monotonic()
        for slot, child in enumerate(children):
            if restart_at[slot] is None and child.poll() is not None:
                lived = now - started[slot]
                delays[slot] = 1.0 if lived > 30 else min(delays[slot] * 2, 30.0)
                restart_at[slot] = now + (0 if lived > 30 else delays[slot])
                log.warning("worker pid %d exited (%s); starting another", child.pid, _exit_text(child.returncode))
            due = restart_at[slot]
            if due is not None and now >= due:
                children[slot], started[slot], restart_at[slot] = spawn(slot), now, None
                log.info("worker pid %d started", children[slot].pid)
        time.sleep(0.1)
    log.info("stopping %d workers", workers)
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_S
    for child in children:
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            log.warning("worker pid %d did not stop in %d s; killed", child.pid, STOP_TIMEOUT_S)
            child.kill()
            child.wait()
    sock.close()
    return 0


STOP_TIMEOUT_S = 30


def _exit_text(code: int | None) -> str:
    if code is not None and code < 0:
        return f"signal {signal.Signals(-code).name}"
    return f"exit code {code}"


async def create_user(settings: Settings, login: str, role: str, branches: str, password: str) -> int:
    """``python run.py create-user``: a new account, journaled from this process."""
    from actors.core.users import create_user as decide_user
    from actors.streams import branch_stream
    from api.auth import Passwords

    if len(password) < 8:
        print("error: the password must be at least 8 characters", file=sys.stderr)
        return 2
    scope = ("*",) if branches == "all" else tuple(b.strip() for b in branches.split(",") if b.strip())

    async def check(journal: Journal) -> str | None:
        for bid in scope:
            if bid != "*" and await journal.stream_version(branch_stream(bid)) == 0:
                return f"no branch {bid!r}"
        return None

    password_hash = Passwords().hash(password)
    code = await _account_command(settings, "cli:create-user", check,
                                  lambda users: decide_user(users, login, role, scope, password_hash))
    if code == 0:
        print(f"created {role} {login!r} for branches {','.join(scope)}")
    return code


async def set_password(settings: Settings, login: str, password: str) -> int:
    """``python run.py set-password``: the recovery path for a lost password (ends the account's sessions)."""
    from actors.core.messages import UpdateUser
    from actors.core.users import update_user
    from api.auth import Passwords

    if len(password) < 8:
        print("error: the password must be at least 8 characters", file=sys.stderr)
        return 2
    password_hash = Passwords().hash(password)
    code = await _account_command(settings, "cli:set-password", None,
                                  lambda users: update_user(users, UpdateUser(login, password_hash=password_hash)))
    if code == 0:
        print(f"password of {login!r} changed; its old sessions are signed out")
    return code


async def _account_command(settings: Settings, actor: str, check: Callable[[Journal], Awaitable[str | None]] | None,
                           decide: Callable[[UsersState], list[Event]]) -> int:
    """Decide on the users stream as journaled now and append, from outside the server.

    A running server learns of it at the next sign-in attempt (it re-reads the
    users stream when a password does not match).
    """
    from actors.core.clock import SystemClock, utc
    from actors.core.errors import DomainError
    from actors.core.messages import event_data
    from actors.core.users import UsersState
    from actors.streams import USERS, fold
    from api.texts.language import render
    from storage.factory import open_journal
    from storage.journal import ConcurrencyConflict, NewEvent

    journal = open_journal(settings.database_url, settings.data_dir)
    await journal.open()
    try:
        problem = await check(journal) if check is not None else None
        if problem is not None:
            print(f"error: {problem}", file=sys.stderr)
            return 2
        users = fold(await journal.read_stream(USERS)).get(USERS, UsersState())
        assert isinstance(users, UsersState)
        try:
            events = decide(users)
        except DomainError as err:
            print(f"error: {render(err.message, 'en')}", file=sys.stderr)
            return 2
        at = utc(SystemClock().now())
        try:
            await journal.append(USERS, users.version, [NewEvent(e.TYPE, event_data(e), at, actor) for e in events])
        except ConcurrencyConflict:
            print("error: users changed meanwhile; run the command again", file=sys.stderr)
            return 1
        return 0
    finally:
        await journal.close()


async def replay(settings: Settings, until: datetime | None) -> int:
    from storage.factory import open_journal

    return await replay_journal(open_journal(settings.database_url, settings.data_dir), until)


async def replay_journal(journal: Journal, until: datetime | None) -> int:
    """Rebuild every stream from the journal alone; compare with snapshot + tail. 0 = they match."""
    from actors.runtime import collector_paused, load_states
    from actors.snapshot import encode_state
    from actors.streams import branch_id_of, fresh

    await journal.open()
    try:
        with collector_paused():
            full, last = await load_states(journal, until=until, use_snapshot=False)
        branches = sum(1 for s in full if branch_id_of(s) is not None)
        appts = sum(len(getattr(s, "appointments", {})) for s in full.values())
        print(f"replayed the journal to seq {last}: {len(full)} streams, {branches} branches, "
              f"{appts} appointments")
        if until is not None:
            return 0
        with collector_paused():
            live, live_last = await load_states(journal)
        # A stream with no events is a fresh state, whether or not the snapshot lists it.
        streams = full.keys() | live.keys()
        a = {k: _canonical(encode_state(full.get(k) or fresh(k))) for k in streams}
        b = {k: _canonical(encode_state(live.get(k) or fresh(k))) for k in streams}
        if a != b:
            differ = sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))
            print(f"MISMATCH: snapshot+journal state differs from full replay in {differ[:10]}")
            return 1
        print(f"OK: snapshot + journal (seq {live_last}) matches full replay")
        return 0
    finally:
        await journal.close()


def _canonical(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return sorted((_canonical(v) for v in value), key=repr)
    return value


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="run.py", description="zapis: appointment booking server")
    parser.add_argument("--demo", action="store_true", help="create the demo salon if missing, then serve")
    parser.add_argument("--workers", type=int, default=None, metavar="N",
                        help="serving processes on one port (PostgreSQL only; default ZAPIS_WORKERS or 1)")
    parser.add_argument("--worker-fd", type=int, default=None, help=argparse.SUPPRESS)  # set by --workers
    parser.add_argument("--demo-worker", action="store_true", help=argparse.SUPPRESS)  # --demo, set up elsewhere
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("serve", help="serve the API, dashboard and bot (default)")
    cu = sub.add_parser("create-user", help="create a manager or admin account")
    cu.add_argument("--login", required=True)
    cu.add_argument("--role", required=True, choices=["admin", "manager"])
    cu.add_argument("--branches", default="all", help="'all' or comma-separated branch ids")
    cu.add_argument("--password-stdin", action="store_true", required=True,
                    help="read the password from standard input")
    sp = sub.add_parser("set-password", help="set an account's password (a lost admin password)")
    sp.add_argument("--login", required=True)
    sp.add_argument("--password-stdin", action="store_true", required=True,
                    help="read the password from standard input")
    rp = sub.add_parser("replay", help="rebuild all state from the journal and compare with the snapshot")
    rp.add_argument("--until", help="ISO instant: rebuild the state as it was then")
    sub.add_parser("bot", help="run the Telegram bot alone (polling) against a running server")
    mg = sub.add_parser("migrate", help="copy the embedded SQLite journal into an empty PostgreSQL database")
    mg.add_argument("--to", required=True, metavar="URL", help="the target, postgresql://user@host:port/db")
    mg.add_argument("--without-snapshot", action="store_true",
                    help="leave the snapshot behind (the server then replays the journal on its first start)")
    return parser.parse_args(argv)


async def run_bot(settings: Settings) -> int:
    """``python run.py bot``: the bot in its own process until SIGTERM/SIGINT."""
    from bot.standalone import run_standalone

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    log.info("bot: client API at %s", settings.bot_api_base_url)
    await run_standalone(settings, stop)
    return 0


def bot_problem(settings: Settings) -> str | None:
    """Why ``python run.py bot`` cannot run with these settings, if it cannot."""
    if not settings.telegram_bot_token:
        return "set ZAPIS_TELEGRAM_BOT_TOKEN to run the bot"
    if settings.bot_mode != "polling":
        return ("python run.py bot polls Telegram (ZAPIS_BOT_MODE=polling); in webhook mode "
                "the server receives the updates and runs the bot itself")
    return None


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    where = " [worker %(process)d]" if args.worker_fd is not None else ""
    logging.basicConfig(level=logging.INFO, format=f"%(asctime)s %(levelname)s{where} %(name)s: %(message)s")
    try:
        settings = Settings.from_env()
    except SettingsError as err:
        print(f"configuration error: {err}", file=sys.stderr)
        return 2
    if args.command == "create-user":
        password = sys.stdin.readline().rstrip("\n")
        return asyncio.run(create_user(settings, args.login, args.role, args.branches, password))
    if args.command == "set-password":
        password = sys.stdin.readline().rstrip("\n")
        return asyncio.run(set_password(settings, args.login, password))
    if args.command == "replay":
        until = None
        if args.until:
            try:
                until = datetime.fromisoformat(args.until)
            except ValueError:
                print("error: --until must be an ISO 8601 instant", file=sys.stderr)
                return 2
            if until.tzinfo is None:
                print("error: --until needs a UTC offset, e.g. 2026-11-26T12:00:00+00:00", file=sys.stderr)
                return 2
        return asyncio.run(replay(settings, until))
    if args.command == "migrate":
        from storage.migrate import migrate_command

        return asyncio.run(migrate_command(settings.database_url, settings.sqlite_path, args.to,
                                           with_snapshot=not args.without_snapshot))
    if args.command == "bot":
        problem = bot_problem(settings)
        if problem is not None:
            print(f"configuration error: {problem}", file=sys.stderr)
            return 2
        return asyncio.run(run_bot(settings))
    if settings.jwt_secret is None and not args.demo:
        print("configuration error: set ZAPIS_JWT_SECRET (or run with --demo)", file=sys.stderr)
        return 2
    workers = settings.workers if args.workers is None else args.workers
    problem = workers_problem(settings, workers)
    if problem is not None:
        print(f"configuration error: {problem}", file=sys.stderr)
        return 2
    if workers > 1 and args.worker_fd is None:
        return serve_workers(settings, args.demo, workers)
    try:
        from uvloop import run as run_loop
    except ImportError:
        run_loop = asyncio.run
    run_loop(serve(settings, args.demo and not args.demo_worker, fd=args.worker_fd))
    return 0


def workers_problem(settings: Settings, workers: int) -> str | None:
    """Why ``--workers N`` cannot run with these settings, if it cannot."""
    if workers < 1:
        return "--workers must be 1 or more"
    if workers > 1 and not settings.database_url:
        return (f"--workers {workers} needs PostgreSQL (ZAPIS_DATABASE_URL): the SQLite journal "
                "serves one process only; run without --workers, or set ZAPIS_DATABASE_URL")
    return None


if __name__ == "__main__":
    sys.exit(main())
