"""The application layer: every command and query the interfaces need, typed.

HTTP handlers, the realtime hub and the bot's server-side helpers talk to
zapis only through ``Scheduler`` (eventsourcing's ``Application``, pykka's
``ActorRef`` behind it). A command is routed to the actor that owns its
stream and answered once its events are durable; a query reads *committed*
state only (``StreamActor.committed``), so nothing an interface shows can be
rolled back. Domain errors (``actors/core/errors.py``) are raised as they
are; ``api/problems.py`` maps them to HTTP in one place.

Rules that span streams live here, not in handlers:
- a service is offered in a branch only while it is active and lists that
  branch (``offered``);
- a manual booking finds or creates the client by phone and books as ONE
  operation: the time is checked first with the actor's own rules, so a
  taken slot creates no client profile;
- ``Idempotency-Key`` is scoped per client across every branch: the key and
  a hash of the request travel inside the command and are stored in the same
  journal event as the hold or booking; a key used in another branch is 422,
  and requests with one (client, key) run one at a time (``KeyedLocks``,
  per process; the journal stays the record of truth).
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import math
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Concatenate, NamedTuple, ParamSpec, TypeVar

import orjson

from actors.availability_cache import AvailabilityCache, Entry, Stable
from actors.core.board import BranchCut, cut, window
from actors.core.branch_decide import decide
from actors.core.branch_state import BranchState, booked_for_others_ids, client_appointment_ids
from actors.core.catalogue import CatalogueState
from actors.core.clients import ClientsState, client_matcher
from actors.core.clock import Clock
from actors.core.errors import HoldExpired, IdempotencyKeyReused, InvalidInput, NotFound, UnknownReference
from actors.core.import_plan import ImportPlan, ImportRow
from actors.core.messages import (
    AddService,
    AddStaff,
    BookSlot,
    CancelAsClient,
    ChangeStatus,
    CloseBranch,
    ConfirmVisit,
    CreateUser,
    FindOrCreateClient,
    HoldSlot,
    ImportClients,
    LeaveFeedback,
    MergeClients,
    RegisterClient,
    ReleaseHold,
    RemoveService,
    RemoveStaff,
    Reschedule,
    RescheduleAsClient,
    UpdateBranch,
    UpdateClient,
    UpdateService,
    UpdateStaff,
    UpdateUser,
)
from actors.core.model import Appointment, Branch, Client, Hold, Service, Staff, Status, User
from actors.core.report_money import visit_price
from actors.core.reports import kpis
from actors.core.schedule import check_range, local_date, zone
from actors.core.slots import Slot, blocking_holds, candidates, free_slots, manager_slots, next_start_after
from actors.core.visits import Visit, as_visit, check_overrides, check_visit_ids, with_overrides_checked
from actors.deciders import Booked, Held, Registered
from actors.runtime import BranchActor, Runtime, load_states
from actors.streams import CATALOGUE, CLIENTS, branch_stream
from actors.waitlist_app import Waitlists
from actors.waitlist_timer import WaitlistTimer

MAX_SLOT_DAYS = 31  # one availability request spans at most this many local days
ServiceIds = str | tuple[str, ...]  # one service, or a visit's services in order (SPEC §9.2)


@dataclass(frozen=True, slots=True)
class FreeTimes:
    """Free slots of a service in a branch for local dates ``first..last``."""

    timezone: str
    first: date
    last: date
    slots: list[Slot]
    staff: tuple[Staff, ...] = ()  # managers' answer: who performs the service there


class Card(NamedTuple):
    """An appointment with what it refers to, as committed now (or at a time-travel instant)."""

    appointment: Appointment
    timezone: str
    client: Client | None
    service: Service | None
    staff: Staff | None
    services: tuple[Service, ...] = ()  # every service of the visit that the catalogue knows, in order


@dataclass(frozen=True, slots=True)
class ClientStats:
    visits_done: int
    no_shows: int
    cancelled: int
    spent: Decimal  # the done visits' prices fixed at booking (old visits: the catalogue's now)
    last_visit: Appointment | None  # the latest done visit
    next_visit: Appointment | None  # the soonest new or confirmed visit still ahead


@dataclass(frozen=True, slots=True)
class Board:
    seq: int  # every event up to here is on the board
    cuts: list[BranchCut]
    cards: Callable[[Appointment], Card]


@dataclass(frozen=True, slots=True)
class SlotBooking:
    """A client's booking by service and start (no hold)."""

    branch_id: str
    service_id: ServiceIds
    start: int
    staff_id: str | None = None


@dataclass(frozen=True, slots=True)
class Person:
    """«Записать другого человека»: whom a client books the visit for (phone already E.164)."""

    phone: str
    name: str


P = ParamSpec("P")
R = TypeVar("R")


def known_after_catch_up(
        command: Callable[Concatenate[Scheduler, P], Awaitable[R]]) -> Callable[Concatenate[Scheduler, P], Awaitable[R]]:
    """A command that meets an unknown id (404, or a body naming one) runs once more after a catch-up.

    With several processes the id may have been made on another one a moment
    ago (a hold, an appointment, a branch, a client, a service, a staff
    member): the catch-up applies every record committed so far, then the
    command runs again. A ``NotFound`` is raised before any event of its
    decision is appended, so running the command again changes nothing
    twice. With one process the 404 stands at once.
    """
    @functools.wraps(command)
    async def run(self: Scheduler, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return await command(self, *args, **kwargs)
        except (NotFound, UnknownReference):
            if self._runtime.follower is None:
                raise
        await self._runtime.catch_up()
        return await command(self, *args, **kwargs)

    return run


class KeyedLocks:
    """One ``asyncio.Lock`` per key, forgotten when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[Hashable, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, key: Hashable) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (None, 0))
        if lock is None:
            lock = asyncio.Lock()
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    def __len__(self) -> int:
        return len(self._locks)


def request_hash(operation: str, fields: dict[str, Any]) -> str:
    """Canonical JSON (sorted keys, parsed values) of a request, hashed.

    ``fields`` are parsed values (a start as an instant), so the same request
    written with other spacing, key order or UTC offset hashes the same;
    ``operation`` keeps one key from matching across operations.
    """
    canonical = orjson.dumps({"op": operation, "body": fields}, option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(canonical).hexdigest()


class Scheduler:
    def __init__(self, runtime: Runtime, clock: Clock, *, hold_ttl_s: int, waitlist_offer_ttl_s: int = 900) -> None:
        self._runtime = runtime
        self._clock = clock
        self._hold_ttl_s = hold_ttl_s
        self.keys = KeyedLocks()
        self._availability: AvailabilityCache[FreeTimes] = AvailabilityCache()
        # The waitlist's use cases (actors/waitlist_app.py) and the timer that lets time act on it.
        self.waitlist = Waitlists(runtime, clock, offer_ttl_s=waitlist_offer_ttl_s,
                                  catalogue=lambda: self._catalogue)
        self.waitlist_timer = WaitlistTimer(self.waitlist, clock)
        runtime.add_listener(self.waitlist_timer.on_commit)

    # ============================================================ queries

    @property
    def seq(self) -> int:
        """The last journal position whose events the committed states hold."""
        return self._runtime.committed_seq

    def _branch_state(self, branch_id: str, *, include_closed: bool = False) -> BranchState:
        return self._runtime.branch(branch_id, include_closed=include_closed).committed

    @property
    def _catalogue(self) -> CatalogueState:
        return self._runtime.catalogue.committed

    @property
    def _clients(self) -> ClientsState:
        return self._runtime.clients.committed

    def open_branches(self) -> list[Branch]:
        out = [s.branch for s in self._branch_states() if s.branch is not None and s.branch.active]
        return sorted(out, key=lambda b: (b.name, b.id))

    def _branch_states(self) -> list[BranchState]:
        return [a.committed for a in list(self._runtime.branches.values())]

    def branch(self, branch_id: str, *, include_closed: bool = False) -> Branch:
        branch = self._branch_state(branch_id, include_closed=include_closed).branch
        assert branch is not None
        return branch

    def branch_count(self) -> int:
        return len(self._runtime.branches)

    def services(self, *, archived: bool = False) -> list[Service]:
        """Every active service (with ``archived``, the inactive ones too), by name."""
        return sorted((s for s in self._catalogue.services.values() if archived or s.active),
                      key=lambda s: (s.name, s.id))

    def service(self, service_id: str) -> Service:
        return self._catalogue.service(service_id)

    def offered(self, branch_id: str, service_id: str) -> Service:
        """The active service as offered in the open branch (404 otherwise)."""
        return self._offered_in(branch_id, service_id)[1]

    def _offered_in(self, branch_id: str, service_id: str,
                    staff_id: str | None = None) -> tuple[BranchState, Service]:
        """The open branch's committed state and a service it offers; the named staff member,
        if any, must be active there (404 for each, in that order)."""
        state = self._branch_state(branch_id)
        service = self._catalogue.services.get(service_id)
        if service is None or not service.active or branch_id not in service.branch_ids:
            raise NotFound("service.not_in_branch")
        if staff_id is not None:
            staff = state.staff.get(staff_id)
            if staff is None or not staff.active:
                raise NotFound("staff.not_in_branch")
        return state, service

    def _visit_in(self, branch_id: str, service_ids: ServiceIds,
                  staff_id: str | None = None) -> tuple[BranchState, Service | Visit]:
        """``_offered_in`` for one service or a visit of several (each offered; none repeated)."""
        if isinstance(service_ids, str):
            return self._offered_in(branch_id, service_ids, staff_id)
        check_visit_ids(service_ids)
        state, first = self._offered_in(branch_id, service_ids[0], staff_id)
        visit = (first, *(self._offered_in(branch_id, sid)[1] for sid in service_ids[1:]))
        return state, visit if len(visit) > 1 else first

    def staff(self, branch_id: str | None = None) -> list[Staff]:
        """Active staff of one open branch, or of every open branch."""
        states = [self._branch_state(branch_id)] if branch_id else self._branch_states()
        items = [s for st in states if st.branch is not None and st.branch.active
                 for s in st.staff.values() if s.active]
        return sorted(items, key=lambda s: (s.branch_id, s.name, s.id))

    def staff_member(self, staff_id: str, branch_id: str | None = None) -> Staff:
        """An active staff member of an open branch (of ``branch_id``, when given)."""
        states = [self._branch_state(branch_id)] if branch_id else self._branch_states()
        for state in states:
            staff = state.staff.get(staff_id)
            if staff is not None and staff.active and state.branch is not None and state.branch.active:
                return staff
        raise NotFound("staff.not_in_branch" if branch_id else "staff.not_found")

    def client(self, client_id: str) -> Client:
        client = self._clients.clients.get(client_id)
        if client is None:
            raise NotFound("client.not_found")
        return client

    def client_by_telegram(self, telegram_id: int) -> Client | None:
        return self._clients.by_telegram_client(telegram_id)

    async def client_by_telegram_caught_up(self, telegram_id: int) -> Client | None:
        """``client_by_telegram``, once more after a catch-up if unknown (signed up on another
        process a moment ago)."""
        client = self.client_by_telegram(telegram_id)
        if client is None and self._runtime.follower is not None:
            await self._runtime.catch_up()
            client = self.client_by_telegram(telegram_id)
        return client

    def client_by_phone(self, phone: str) -> Client | None:
        return self._clients.by_phone_client(phone)

    def clients(self) -> Iterable[Client]:
        return self._clients.clients.values()

    def client_stats(self, client_id: str, branches: Callable[[str], bool] | None = None) -> ClientStats:
        """Visits done, no-shows, cancellations, money spent on done visits, the last and next visit."""
        appts = self.appointments_of(client_id, branches)
        done = [a for a in appts if a.status is Status.DONE]
        # the price fixed at booking (else the catalogue's), as the reports count revenue
        spent = sum((p[1] for a in done if (p := visit_price(a, self._catalogue.services))), Decimal("0.00"))
        now = self._clock.now()
        upcoming = [a for a in appts if a.status in (Status.NEW, Status.CONFIRMED) and a.start >= now]
        return ClientStats(len(done), sum(a.status is Status.NO_SHOW for a in appts),
                           sum(a.status is Status.CANCELLED for a in appts), spent.quantize(Decimal("0.01")),
                           max(done, key=lambda a: a.start, default=None),
                           min(upcoming, key=lambda a: a.start, default=None))

    def search_clients(self, q: str, region: str) -> list[Client]:
        """The client base filtered by SPEC's search rule (``q`` empty: everyone)."""
        keep = client_matcher(q, region)
        return [c for c in self._clients.clients.values() if keep(c)]

    def user(self, login: str) -> User | None:
        return self._runtime.users.committed.users.get(login)

    def users(self) -> list[User]:
        return sorted(self._runtime.users.committed.users.values(), key=lambda u: u.login)

    # ------------------------------------------------------------ availability

    def free_slots(self, client_id: str, branch_id: str, service_id: ServiceIds, first: date, last: date,
                   staff_id: str | None = None) -> FreeTimes:
        """A client's free slots: the grid, minimum notice and horizon apply; the client's own
        live hold never hides its slot; other clients' holds do."""
        return self.availability(client_id, branch_id, service_id, first, last, staff_id).value

    def availability(self, client_id: str, branch_id: str, service_id: ServiceIds, first: date, last: date,
                     staff_id: str | None = None) -> Entry[FreeTimes]:
        """``free_slots`` as a cache entry (``actors/availability_cache.py``): the same answer an
        uncached computation gives now, with room for the caller's rendering of it."""
        check_range(first, last, MAX_SLOT_DAYS)
        state, service = self._visit_in(branch_id, service_id, staff_id)
        return cached_free_times(self._availability, state, service, first, last, self._clock.now(),
                                 staff_id, client_id)

    def manager_slots(self, branch_id: str, service_id: ServiceIds, first: date, last: date,
                      staff_id: str | None = None) -> FreeTimes:
        """Free times for a manager's booking: working time, free of appointments and of every
        live hold, not in the past (grid, notice and horizon bind clients only)."""
        check_range(first, last, MAX_SLOT_DAYS)
        state, service = self._visit_in(branch_id, service_id, staff_id)
        assert state.branch is not None
        slots = manager_slots(state, service, first, last, self._clock.now(), staff_id)
        staff = sorted(candidates(state, service, None), key=lambda s: (s.name, s.id))
        return FreeTimes(state.branch.timezone, first, last, slots, tuple(staff))

    # ------------------------------------------------------------ appointments

    def find_appointment(self, appointment_id: str) -> Appointment:
        branch_id = self._runtime.directory.appointment_branch(appointment_id)
        actor = self._runtime.branches.get(branch_id) if branch_id else None
        appt = actor.committed.appointments.get(appointment_id) if actor else None
        if appt is None:
            raise NotFound("appointment.not_found")
        return appt

    async def _hold_actor_caught_up(self, hold_id: str) -> BranchActor | None:
        """``_hold_actor``, once more after a catch-up if unknown (held on another process)."""
        actor = self._hold_actor(hold_id)
        if actor is None and self._runtime.follower is not None:
            await self._runtime.catch_up()
            actor = self._hold_actor(hold_id)
        return actor

    def appointment_in(self, branch_id: str, appointment_id: str) -> Appointment | None:
        """An appointment of a known branch, as committed (None if it is not there)."""
        actor = self._runtime.branches.get(branch_id)
        return actor.committed.appointments.get(appointment_id) if actor is not None else None

    def appointments_of(self, client_id: str, branches: Callable[[str], bool] | None = None, *,
                        booked: bool = False) -> list[Appointment]:
        """The client's appointments (in ``branches``, if given), newest start first; with
        ``booked``, also the visits they booked for other people («Мои записи»)."""
        found: dict[str, Appointment] = {}
        ids = self._clients.aliases(client_id)  # a merged duplicate's visits are the client's too
        for branch_id, actor in list(self._runtime.branches.items()):
            if branches is not None and not branches(branch_id):
                continue
            state = actor.committed
            for cid in ids:
                found.update((i, state.appointments[i]) for i in client_appointment_ids(state, cid))
                if booked:
                    found.update((i, state.appointments[i]) for i in booked_for_others_ids(state, cid))
        return sorted(found.values(), key=lambda a: (a.start, a.id), reverse=True)

    def card(self, a: Appointment) -> Card:
        actor = self._runtime.branches.get(a.branch_id)
        return card_of(a, actor.committed if actor else BranchState(), self._clients, self._catalogue)

    # ------------------------------------------------------------ board and reports

    def board(self, branch_ids: Sequence[str], date_from: date | None, date_to: date | None) -> Board:
        """The live board of these open branches: committed cards only, at one ``seq``."""
        states = [self._branch_state(b) for b in branch_ids]
        now, seq = self._clock.now(), self.seq
        cuts = []
        for state in states:
            assert state.branch is not None
            cuts.append(cut(state, window(state.branch.timezone, date_from, date_to, now), seq))
        return Board(seq, cuts, self.card)

    async def board_as_of(self, branch_ids: Sequence[str], date_from: date | None, date_to: date | None,
                          moment: datetime) -> Board:
        """The board as it was at ``moment``: states rebuilt from the journal up to it with
        the same ``evolve`` (no snapshot: it may be from later)."""
        states, seq = await load_states(self._runtime.journal, until=moment, use_snapshot=False)
        branches = {k: s for k, s in states.items() if isinstance(s, BranchState) and s.branch is not None}
        if branch_ids:
            missing = [b for b in branch_ids if branch_stream(b) not in branches]
            if missing:
                raise NotFound("branch.not_at", branch=missing[0], moment=moment.isoformat())
            chosen = [branches[branch_stream(b)] for b in branch_ids]
        else:
            chosen = sorted((s for s in branches.values() if s.branch and s.branch.active),
                            key=lambda s: (s.branch.name, s.branch.id) if s.branch else ("", ""))
        clients, catalogue = states.get(CLIENTS), states.get(CATALOGUE)
        clients_state = clients if isinstance(clients, ClientsState) else ClientsState()
        catalogue_state = catalogue if isinstance(catalogue, CatalogueState) else CatalogueState()
        cuts = []
        for state in chosen:
            assert state.branch is not None
            cuts.append(cut(state, window(state.branch.timezone, date_from, date_to, moment.timestamp()), seq))

        def card(a: Appointment) -> Card:
            return card_of(a, branches[branch_stream(a.branch_id)], clients_state, catalogue_state)

        return Board(seq, cuts, card)

    def report(self, branch_ids: Sequence[str] | None, first: date, last: date,
               sees: Callable[[str], bool]) -> dict[str, Any]:
        """SPEC's KPIs for the chosen branches (closed ones too), or every branch ``sees`` allows."""
        if branch_ids:
            chosen = [self._branch_state(b, include_closed=True) for b in branch_ids]
        else:
            chosen = [a.committed for bid, a in self._runtime.branches.items() if sees(bid)]
        return kpis(chosen, self._branch_states(), first, last, self._catalogue.services)

    # ------------------------------------------------------------ committed states, read-only

    def committed_branch(self, branch_id: str) -> BranchState | None:
        """A branch's committed state, for readers that fold their own views (the notifier)."""
        actor = self._runtime.branches.get(branch_id)
        return actor.committed if actor is not None else None

    def committed_branches(self) -> list[BranchState]:
        return self._branch_states()

    def committed_clients(self) -> ClientsState:
        return self._clients

    def committed_catalogue(self) -> CatalogueState:
        return self._catalogue

    # ============================================================ commands: clients

    async def register_client(self, telegram_id: int, phone: str, name: str) -> Registered:
        """A Telegram user shares their phone: recognised, attached to a known phone, or created."""
        return await self._runtime.clients.request(
            RegisterClient(self._runtime.new_id(), telegram_id, phone, name[:200]), Registered,
            f"telegram:{telegram_id}")

    @known_after_catch_up
    async def hold(self, client_id: str, branch_id: str, service_id: ServiceIds, start: int,
                   staff_id: str | None = None, key: str | None = None) -> Hold:
        """Hold a slot for the hold TTL; replaces the client's other hold in this branch."""
        service = self._visit_in(branch_id, service_id)[1]
        visit = as_visit(service)
        actor = self._runtime.branch(branch_id)
        digest = request_hash("POST /slots/hold", {
            "branch_id": branch_id, "service_id": service_id, "start": start, "staff_id": staff_id}) if key else None
        async with self._one_at_a_time(client_id, key):
            self._check_key_branch(client_id, key, branch_id)
            held = await actor.request(HoldSlot(
                self._runtime.new_id(), client_id, visit[0], start, staff_id, self._hold_ttl_s, key, digest,
                visit if len(visit) > 1 else ()), Held, f"client:{client_id}")
        if held.hold is None or not held.hold.live(self._clock.now()):  # a replay of a hold that is gone
            raise HoldExpired("hold.key_expired")
        return held.hold

    @known_after_catch_up
    async def release_hold(self, client_id: str, hold_id: str) -> None:
        actor = self._hold_actor(hold_id)
        if actor is None:
            raise NotFound("hold.not_found")
        await actor.ask(ReleaseHold(hold_id, client_id), f"client:{client_id}")

    @known_after_catch_up
    async def book_hold(self, client_id: str, hold_id: str, comment: str = "", key: str | None = None,
                        person: Person | None = None) -> Appointment:
        """Book the client's live hold (409 ``hold_expired`` when it is gone); for ``person``, if given."""
        digest = request_hash("POST /appointments", {"hold_id": hold_id, "comment": comment,
                                                     **_person_fields(person)}) if key else None
        async with self._one_at_a_time(client_id, key):
            home = self._runtime.directory.key_branch(client_id, key) if key else None
            actor = self._runtime.branch(home) if home else await self._hold_actor_caught_up(hold_id)
            if actor is None:
                raise HoldExpired("hold.expired")
            booking = await self._for_person(actor, BookSlot(
                self._runtime.new_id(), client_id, comment=comment, hold_id=hold_id,
                idempotency_key=key, request_hash=digest), person)
            booked = await actor.request(booking, Booked, f"client:{client_id}")
        return booked.appointment

    @known_after_catch_up
    async def book_slot(self, client_id: str, slot: SlotBooking, comment: str = "",
                        key: str | None = None, person: Person | None = None) -> Appointment:
        """Book a service at a start without a hold (the client rules apply)."""
        visit = as_visit(self._visit_in(slot.branch_id, slot.service_id)[1])
        service, more = visit[0], (visit if len(visit) > 1 else ())
        actor = self._runtime.branch(slot.branch_id)
        digest = request_hash("POST /appointments", {
            "branch_id": slot.branch_id, "service_id": slot.service_id, "start": slot.start,
            "staff_id": slot.staff_id, "comment": comment, **_person_fields(person)}) if key else None
        async with self._one_at_a_time(client_id, key):
            self._check_key_branch(client_id, key, slot.branch_id)
            booking = await self._for_person(actor, BookSlot(
                self._runtime.new_id(), client_id, comment=comment, service=service, start=slot.start,
                staff_id=slot.staff_id, idempotency_key=key, request_hash=digest, services=more), person)
            booked = await actor.request(booking, Booked, f"client:{client_id}")
        return booked.appointment

    async def _for_person(self, actor: BranchActor, booking: BookSlot, person: Person | None) -> BookSlot:
        """The booking for ``person``: their profile found by phone or created (source bot, no
        Telegram), after the booking is checked, so a taken slot creates nobody. The booker's
        own phone is just the booker."""
        if person is None:
            return booking
        booker = self.client(booking.client_id)
        known = self.client_by_phone(person.phone)
        if booker.phone == person.phone or (known is not None and known.id == booker.id):
            return booking
        if known is None:
            decide(actor.committed, booking, self._clock.now())  # raises what the booking would
        registered = await self._runtime.clients.request(
            FindOrCreateClient(self._runtime.new_id(), person.phone, person.name.strip()[:200], source="bot"),
            Registered, f"client:{booking.client_id}")
        return replace(booking, for_client_id=registered.client.id)

    @known_after_catch_up
    async def cancel_as_client(self, client_id: str, appointment_id: str) -> Appointment:
        """The client cancels their own appointment (404 if it is not theirs; a merged
        duplicate's appointment is theirs)."""
        appt, owner = self._own_visit(client_id, appointment_id)
        return await self._runtime.branch(appt.branch_id, include_closed=True).request(
            CancelAsClient(appointment_id, owner), Appointment, f"client:{client_id}")

    # The client's journey (SPEC §9.3; rules in ``actors/core/journey.py``): like a cancel, the
    # visit must be the client's own (a merged duplicate's counts), else 404.

    @known_after_catch_up
    async def reschedule_as_client(self, client_id: str, appointment_id: str, start: int,
                                   staff_id: str | None = None) -> Appointment:
        """Move the client's visit to a free start (the client rules); back to «Новые»."""
        appt, owner = self._own_visit(client_id, appointment_id)
        known = tuple(s for sid in appt.services_of_visit if (s := self._catalogue.services.get(sid)))
        services = known if len(known) == len(appt.services_of_visit) else ()
        return await self._runtime.branch(appt.branch_id).request(
            RescheduleAsClient(appointment_id, owner, start, staff_id, services), Appointment, f"client:{client_id}")

    @known_after_catch_up
    async def confirm_visit(self, client_id: str, appointment_id: str) -> Appointment:
        """«Приду»: the appointment gets ``client_confirmed_at`` (a repeat changes nothing)."""
        appt, owner = self._own_visit(client_id, appointment_id)
        return await self._runtime.branch(appt.branch_id, include_closed=True).request(
            ConfirmVisit(appointment_id, owner), Appointment, f"client:{client_id}")

    @known_after_catch_up
    async def leave_feedback(self, client_id: str, appointment_id: str, rating: int, comment: str) -> Appointment:
        """Rate a done visit, once."""
        appt, owner = self._own_visit(client_id, appointment_id)
        return await self._runtime.branch(appt.branch_id, include_closed=True).request(
            LeaveFeedback(appointment_id, owner, rating, comment), Appointment, f"client:{client_id}")

    def _own_visit(self, client_id: str, appointment_id: str) -> tuple[Appointment, str]:
        """The appointment and the client id it was booked under, if it is this client's (or one
        they booked for another person: the booker acts on it as on their own)."""
        appt = self.find_appointment(appointment_id)
        mine = self._clients.resolve(appt.client_id) == client_id
        by_me = appt.booked_by is not None and self._clients.resolve(appt.booked_by) == client_id
        owner = appt.client_id if mine or by_me else client_id
        return appt, owner

    def _hold_actor(self, hold_id: str) -> BranchActor | None:
        """The open branch that holds ``hold_id`` (live or not yet forgotten)."""
        branch_id = self._runtime.directory.hold_branch(hold_id)
        actor = self._runtime.branches.get(branch_id) if branch_id else None
        if actor is None or hold_id not in actor.committed.holds:
            if actor is not None:
                self._runtime.directory.forget_hold(hold_id)
            return None
        branch = actor.committed.branch
        return actor if branch is not None and branch.active else None

    def _one_at_a_time(self, client_id: str, key: str | None) -> AbstractAsyncContextManager[None]:
        """Requests with one (client, Idempotency-Key) run one after another."""
        return self.keys.hold((client_id, key)) if key is not None else nullcontext()

    def _check_key_branch(self, client_id: str, key: str | None, branch_id: str) -> None:
        """422 if the client used ``key`` in another branch (a different request)."""
        home = self._runtime.directory.key_branch(client_id, key) if key else None
        if home is not None and home != branch_id:
            raise IdempotencyKeyReused("idempotency.reused")

    # ============================================================ commands: managers

    @known_after_catch_up
    async def change_status(self, appointment_id: str, status: Status, version: int | None, who: str) -> Appointment:
        """Move a card to any column; the same status again is a no-op (no event)."""
        appt = self.find_appointment(appointment_id)
        return await self._runtime.branch(appt.branch_id, include_closed=True).request(
            ChangeStatus(appointment_id, status, version), Appointment, who)

    @known_after_catch_up
    async def reschedule(self, appointment_id: str, start: int, staff_id: str | None, version: int | None,
                         who: str) -> Appointment:
        """Another time or master; the same services (another master's own durations)."""
        appt = self.find_appointment(appointment_id)
        known = tuple(s for sid in appt.services_of_visit if (s := self._catalogue.services.get(sid)))
        services = known if len(known) == len(appt.services_of_visit) else ()
        return await self._runtime.branch(appt.branch_id, include_closed=True).request(
            Reschedule(appointment_id, start, staff_id, version, services), Appointment, who)

    @known_after_catch_up
    async def manual_booking(self, *, branch_id: str, service_id: ServiceIds, start: int, staff_id: str | None,
                             phone: str, name: str, status: Status = Status.CONFIRMED, comment: str = "",
                             who: str) -> Appointment:
        """A booking taken on the phone: the client is found by phone or created, then booked.

        The time is checked with the actor's own rules before a client profile
        is created, so a taken slot changes nothing; the booking itself
        re-checks inside the mailbox.
        """
        if status is Status.CANCELLED:
            raise InvalidInput("booking.cancelled_start")
        visit = as_visit(self._visit_in(branch_id, service_id)[1])
        actor = self._runtime.branch(branch_id)
        known = self.client_by_phone(phone)
        booking = BookSlot(
            appointment_id=self._runtime.new_id(), client_id=known.id if known else self._runtime.new_id(),
            source="manual", status=status, comment=comment, service=visit[0], start=start,
            staff_id=staff_id, by_manager=True, services=visit if len(visit) > 1 else ())
        if known is None:
            decide(actor.committed, booking, self._clock.now())  # raises what the booking would
            registered = await self._runtime.clients.request(
                FindOrCreateClient(booking.client_id, phone, name.strip()), Registered, who)
            booking = replace(booking, client_id=registered.client.id)
        booked = await actor.request(booking, Booked, who)
        return booked.appointment

    @known_after_catch_up
    async def update_client(self, client_id: str, changes: dict[str, Any], who: str) -> Client:
        """Edit a client card (409 ``client_conflict`` for another client's phone)."""
        return await self._runtime.clients.request(UpdateClient(client_id, changes), Client, who)

    @known_after_catch_up
    async def merge_clients(self, into_id: str, from_id: str, who: str) -> Client:
        """Fold a duplicate profile into this one; the duplicate's id answers 404 afterwards."""
        return await self._runtime.clients.request(MergeClients(into_id, from_id), Client, who)

    async def import_clients(self, rows: list[ImportRow], dry_run: bool, who: str) -> ImportPlan:
        """Merge rows into the client base in ONE journal append (or only count, if dry)."""
        return await self._runtime.clients.request(
            ImportClients(self._runtime.new_id(), rows, dry_run), ImportPlan, who)

    # ============================================================ commands: admins

    async def open_branch(self, branch: Branch, who: str) -> Branch:
        return await self._runtime.open_branch(branch, who)

    @known_after_catch_up
    async def update_branch(self, branch_id: str, changes: dict[str, Any], who: str) -> Branch:
        return await self._runtime.branch(branch_id).request(UpdateBranch(changes), Branch, who)

    @known_after_catch_up
    async def close_branch(self, branch_id: str, who: str) -> None:
        await self._runtime.branch(branch_id).ask(CloseBranch(), who)

    def known_branches(self, branch_ids: Iterable[str]) -> tuple[str, ...]:
        """``branch_ids`` without repeats; 400 for one that is not an open branch."""
        for bid in branch_ids:
            try:
                self._branch_state(bid)
            except NotFound:
                raise UnknownReference("branch.unknown", branch=bid) from None
        return tuple(dict.fromkeys(branch_ids))

    @known_after_catch_up
    async def add_service(self, service: Service, who: str) -> Service:
        return await self._runtime.catalogue.request(
            AddService(replace(service, branch_ids=self.known_branches(service.branch_ids))), Service, who)

    @known_after_catch_up
    async def update_service(self, service_id: str, changes: dict[str, Any], who: str) -> Service:
        if "branch_ids" in changes:
            changes = {**changes, "branch_ids": self.known_branches(changes["branch_ids"])}
        return await self._runtime.catalogue.request(UpdateService(service_id, changes), Service, who)

    @known_after_catch_up
    async def remove_service(self, service_id: str, who: str) -> None:
        await self._runtime.catalogue.ask(RemoveService(service_id), who)

    def offered_here(self, branch_id: str, service_ids: Iterable[str]) -> tuple[str, ...]:
        """``service_ids`` without repeats; 400 for one not offered in the branch."""
        for sid in service_ids:
            svc = self._catalogue.services.get(sid)
            if svc is None or not svc.active:
                raise UnknownReference("service.unknown", service=sid)
            if branch_id not in svc.branch_ids:
                raise InvalidInput("service.not_offered_id", service=sid)
        return tuple(dict.fromkeys(service_ids))

    @known_after_catch_up
    async def add_staff(self, staff: Staff, who: str) -> Staff:
        actor = self._runtime.branch(staff.branch_id)
        staff = replace(staff, service_ids=self.offered_here(staff.branch_id, staff.service_ids))
        check_overrides(staff.service_overrides, staff.service_ids)
        return await actor.request(AddStaff(staff), Staff, who)

    @known_after_catch_up
    async def update_staff(self, staff_id: str, changes: dict[str, Any], who: str) -> Staff:
        staff = self.staff_member(staff_id)
        if "service_ids" in changes:
            changes = {**changes, "service_ids": self.offered_here(staff.branch_id, changes["service_ids"])}
        changes = with_overrides_checked(staff, changes)
        return await self._runtime.branch(staff.branch_id).request(UpdateStaff(staff_id, changes), Staff, who)

    @known_after_catch_up
    async def remove_staff(self, staff_id: str, who: str) -> None:
        staff = self.staff_member(staff_id)
        await self._runtime.branch(staff.branch_id).ask(RemoveStaff(staff_id), who)

    @known_after_catch_up
    async def create_user(self, login: str, role: str, branches: tuple[str, ...], password_hash: str,
                          who: str) -> User:
        if branches != ("*",):
            branches = self.known_branches(branches)
        return await self._runtime.users.request(CreateUser(login, role, branches, password_hash), User, who)

    @known_after_catch_up
    async def update_user(self, change: UpdateUser, who: str) -> User:
        """Change an account; a real change ends its sessions (tokens and sockets)."""
        if change.branches is not None and change.branches != ("*",):
            change = replace(change, branches=self.known_branches(change.branches))
        return await self._runtime.users.request(change, User, who)

    async def refresh_users(self) -> None:
        """Pick up accounts another process (``run.py create-user``) journaled since start-up."""
        await self._runtime.refresh_users()

    def new_id(self) -> str:
        return self._runtime.new_id()


def client_free_times(state: BranchState, service: Service | Visit, first: date, last: date, now: float,
                      staff_id: str | None, client_id: str | None) -> FreeTimes:
    """A client's free slots of ``service`` on local days ``first..last``, computed (no cache)."""
    assert state.branch is not None
    # Only local days that can hold a slot (today … the horizon) are computed; the
    # others answer ``free: 0``, which keeps far dates away from date arithmetic.
    tz = zone(state.branch.timezone)
    lo = max(first, local_date(int(now), tz))
    hi = min(last, local_date(int(now + state.branch.horizon_days * 86400), tz))
    slots = free_slots(state, service, lo, hi, now, staff_id=staff_id, client_id=client_id) if lo <= hi else []
    return FreeTimes(state.branch.timezone, first, last, slots)


def stable_span(state: BranchState, service: Service | Visit, free: FreeTimes, now: float,
                staff_id: str | None, client_id: str | None) -> Stable:
    """For which later ``now`` time alone leaves ``free`` (computed at ``now``) unchanged."""
    b = state.branch
    assert b is not None
    notice_s, horizon_s = b.min_notice_min * 60, b.horizon_days * 86400
    first_start = free.slots[0].start if free.slots else math.inf  # sorted by start
    nxt = next_start_after(state, service, free.first, free.last, now + horizon_s, staff_id)
    holds = blocking_holds(state, now, client_id)
    return Stable(now, notice_s, horizon_s, first_start, math.inf if nxt is None else nxt,
                  min((h.expires_at for h in holds), default=math.inf))


def cached_free_times(cache: AvailabilityCache[FreeTimes], state: BranchState, service: Service | Visit,
                      first: date, last: date, now: float, staff_id: str | None,
                      client_id: str) -> Entry[FreeTimes]:
    """``client_free_times`` through ``cache``: a hit only where it equals a fresh computation."""
    assert state.branch is not None
    key = (state.branch.id, tuple((s.id, s.duration_min, s.buffer_min) for s in as_visit(service)),
           first, last, staff_id, state.hold_of_client.get(client_id))
    entry = cache.get(key, state, now)
    if entry is None:
        free = client_free_times(state, service, first, last, now, staff_id, client_id)
        entry = cache.put(key, state, stable_span(state, service, free, now, staff_id, client_id), free)
    return entry


def card_of(a: Appointment, branch: BranchState, clients: ClientsState, catalogue: CatalogueState) -> Card:
    """An appointment with its client (after merges), service and staff member from explicit states."""
    services = catalogue.services
    return Card(a, branch.branch.timezone if branch.branch else "UTC", clients.current(a.client_id),
                services.get(a.service_id), branch.staff.get(a.staff_id),
                tuple(s for sid in a.services_of_visit if (s := services.get(sid))))


def _person_fields(person: Person | None) -> dict[str, str]:
    """The request hash's part for «for» (none without it, so old keys hash as before)."""
    return {"for_phone": person.phone, "for_name": person.name} if person else {}
