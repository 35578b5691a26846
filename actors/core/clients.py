"""Client identity (stream ``clients``): one profile per phone and per telegram_id.

Registration rules (``POST /clients/auth``):
- the telegram_id is known: same phone → that client (200); a new phone
  that nobody has → the client's phone is updated (200); a phone of
  another client → ``ClientConflict``;
- else the phone is known: its client has no telegram_id → it is attached
  (200, e.g. a client imported or booked by phone); another telegram_id →
  ``ClientConflict``;
- else a new client (201).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any
from dataclasses import dataclass, field, replace

from actors.core.errors import ClientConflict, InvalidInput, NotFound
from actors.core.import_plan import ImportPlan, ImportRow, plan_import
from actors.core.messages import ClientRegistered, ClientsImported, ClientsMerged, ClientUpdated, Event
from actors.core.model import Client
from actors.core.phones import normalize_phone


@dataclass(slots=True)
class ClientsState:
    version: int = 0
    clients: dict[str, Client] = field(default_factory=dict)
    by_phone: dict[str, str] = field(default_factory=dict)
    by_telegram: dict[int, str] = field(default_factory=dict)
    merged: dict[str, str] = field(default_factory=dict)  # a merged duplicate's id → the id it went into

    def by_phone_client(self, phone: str) -> Client | None:
        cid = self.by_phone.get(phone)
        return self.clients[cid] if cid else None

    def by_telegram_client(self, telegram_id: int) -> Client | None:
        cid = self.by_telegram.get(telegram_id)
        return self.clients[cid] if cid else None

    def copy(self) -> ClientsState:
        return ClientsState(self.version, dict(self.clients), dict(self.by_phone), dict(self.by_telegram),
                            dict(self.merged))

    def resolve(self, client_id: str) -> str:
        """The id a client lives under now (itself, unless it was merged into another)."""
        seen = 0
        while client_id in self.merged and seen < 64:  # a chain of merges; never a cycle
            client_id, seen = self.merged[client_id], seen + 1
        return client_id

    def current(self, client_id: str) -> Client | None:
        """The client an appointment's ``client_id`` belongs to now (after merges)."""
        return self.clients.get(client_id) or self.clients.get(self.resolve(client_id))

    def aliases(self, client_id: str) -> list[str]:
        """``client_id`` and every id merged into it (directly or through a chain)."""
        return [cid for cid in (client_id, *self.merged) if self.resolve(cid) == client_id]


def _index(state: ClientsState, client: Client) -> None:
    if client.phone:
        state.by_phone[client.phone] = client.id
    if client.telegram_id is not None:
        state.by_telegram[client.telegram_id] = client.id


def _update(state: ClientsState, client_id: str, changes: dict[str, object]) -> None:
    old = state.clients[client_id]
    new = replace(old, **changes)  # type: ignore[arg-type]
    if old.phone and old.phone != new.phone:
        state.by_phone.pop(old.phone, None)
    if old.telegram_id is not None and old.telegram_id != new.telegram_id:
        state.by_telegram.pop(old.telegram_id, None)
    state.clients[new.id] = new
    _index(state, new)


def evolve_clients(state: ClientsState, event: Event) -> ClientsState:
    state.version += 1
    match event:
        case ClientRegistered():
            client = Client(event.client_id, event.name, event.phone, event.telegram_id,
                            event.email, event.birthday, event.notes, event.source, event.at)
            state.clients[client.id] = client
            _index(state, client)
        case ClientUpdated():
            _update(state, event.client_id, event.changes)
        case ClientsMerged():
            gone = state.clients.pop(event.from_id)
            if gone.phone and state.by_phone.get(gone.phone) == gone.id:
                del state.by_phone[gone.phone]
            if gone.telegram_id is not None and state.by_telegram.get(gone.telegram_id) == gone.id:
                del state.by_telegram[gone.telegram_id]
            state.merged[event.from_id] = event.into_id
            _update(state, event.into_id, event.changes)
        case ClientsImported():
            for cid, name, phone, tg, email, birthday, notes in event.created:
                client = Client(cid, name, phone, tg, email, birthday, notes, "import", event.at)
                state.clients[cid] = client
                _index(state, client)
            for cid, changes in event.updated:
                _update(state, cid, changes)
        case _:
            raise TypeError(f"not a clients event: {event!r}")
    return state


def rebuild_client_indexes(state: ClientsState) -> ClientsState:
    state.by_phone, state.by_telegram = {}, {}
    for client in state.clients.values():
        _index(state, client)
    return state


@dataclass(frozen=True, slots=True)
class Registration:
    events: list[Event]
    client_id: str
    created: bool


def register(
    state: ClientsState, *, new_id: str, telegram_id: int, phone: str, name: str, now: float
) -> Registration:
    """Decide ``POST /clients/auth`` (see the module docstring)."""
    by_tg = state.by_telegram_client(telegram_id)
    by_phone = state.by_phone_client(phone)
    if by_tg is not None:
        if by_phone is not None and by_phone.id != by_tg.id:
            raise ClientConflict("client.phone_taken")
        changes: dict[str, object] = {}
        if by_tg.phone != phone:
            changes["phone"] = phone
        if name and not by_tg.name:
            changes["name"] = name
        events: list[Event] = [ClientUpdated(by_tg.id, changes)] if changes else []
        return Registration(events, by_tg.id, created=False)
    if by_phone is not None:
        if by_phone.telegram_id is not None:
            raise ClientConflict("client.phone_other_telegram")
        changes = {"telegram_id": telegram_id}
        if name and not by_phone.name:
            changes["name"] = name
        return Registration([ClientUpdated(by_phone.id, changes)], by_phone.id, created=False)
    event = ClientRegistered(new_id, name, phone, telegram_id, "", "", "", "bot", now)
    return Registration([event], new_id, created=True)


def find_or_create_by_phone(
    state: ClientsState, *, new_id: str, phone: str, name: str, now: float, source: str = "manual"
) -> Registration:
    """Decide a manager's booking by phone: never a second profile for one number."""
    client = state.by_phone_client(phone)
    if client is not None:
        events: list[Event] = [ClientUpdated(client.id, {"name": name})] if name and not client.name else []
        return Registration(events, client.id, created=False)
    return Registration(
        [ClientRegistered(new_id, name, phone, None, "", "", "", source, now)], new_id, created=True)


def get_client(state: ClientsState, client_id: str) -> Client:
    client = state.clients.get(client_id)
    if client is None:
        raise NotFound("client.not_found")
    return client


IMPORT_CHUNK = 2000  # clients per ``clients.imported`` event


class _Index:
    """``actors.core.import_plan.ClientIndex`` over the registry's state."""

    def __init__(self, state: ClientsState) -> None:
        self._state = state

    def by_phone(self, phone: str) -> Client | None:
        return self._state.by_phone_client(phone)

    def by_telegram(self, telegram_id: int) -> Client | None:
        return self._state.by_telegram_client(telegram_id)


def import_clients(
    state: ClientsState, import_id: str, rows: Iterable[ImportRow], *, dry_run: bool,
    new_id: Callable[[], str], now: float,
) -> tuple[list[Event], ImportPlan]:
    """Plan an import against the current client base; the events apply it (none if dry).

    All chunks go into one journal append, so an import is wholly applied or
    wholly absent, even if the server dies in the middle of it.
    """
    plan = plan_import(rows, _Index(state), new_id=new_id, now=now)
    if dry_run:
        return [], plan
    created = [[c.id, c.name, c.phone, c.telegram_id, c.email, c.birthday, c.notes] for c in plan.created]
    updated = [[cid, changes] for cid, changes in plan.updated if changes]
    events: list[Event] = []
    for i in range(0, max(len(created), len(updated)), IMPORT_CHUNK):
        events.append(ClientsImported(import_id, created[i:i + IMPORT_CHUNK], updated[i:i + IMPORT_CHUNK], now))
    return events, plan


MIN_PHONE_DIGITS = 4  # fewer digits are searched as part of a name


def client_matcher(q: str, region: str) -> Callable[[Client], bool]:
    """SPEC's search rule as a predicate: a phone in any format matches that number exactly,
    4+ digits match phones containing them, anything else is a case-insensitive name part."""
    text = q.strip()
    if not text:
        return lambda c: True
    try:
        phone = normalize_phone(text, region)
    except InvalidInput:
        phone = None
    if phone is not None:
        return lambda c: c.phone == phone
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) >= MIN_PHONE_DIGITS:
        return lambda c: c.phone is not None and digits in c.phone
    needle = text.casefold()
    return lambda c: needle in c.name.casefold()


EDITABLE = ("name", "phone", "email", "birthday", "notes")


def update_client(state: ClientsState, client_id: str, changes: dict[str, Any]) -> list[Event]:
    """A manager's edit of a client card; a phone of another client is 409, nothing changed: no event."""
    client = get_client(state, client_id)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise InvalidInput("client.readonly", field=sorted(unknown)[0])
    real = {k: v for k, v in changes.items() if getattr(client, k) != v}
    phone = real.get("phone")
    if phone is not None:
        owner = state.by_phone.get(phone)
        if owner is not None and owner != client_id:
            raise ClientConflict("client.phone_taken")
    return [ClientUpdated(client_id, real)] if real else []


def merge_clients(state: ClientsState, into_id: str, from_id: str) -> list[Event]:
    """Fold the duplicate ``from_id`` into ``into_id``: empty fields filled, notes joined,
    the Telegram link moved; two different Telegram accounts cannot become one client."""
    if into_id == from_id:
        raise InvalidInput("client.merge_self")
    into, dup = get_client(state, into_id), get_client(state, from_id)
    if into.telegram_id is not None and dup.telegram_id is not None and into.telegram_id != dup.telegram_id:
        raise ClientConflict("client.merge_telegram")
    changes: dict[str, Any] = {k: getattr(dup, k) for k in ("name", "phone", "email", "birthday", "telegram_id")
                               if not getattr(into, k) and getattr(dup, k)}
    if dup.notes and dup.notes not in into.notes:
        changes["notes"] = f"{into.notes}\n{dup.notes}".strip()
    return [ClientsMerged(into_id, from_id, changes)]
