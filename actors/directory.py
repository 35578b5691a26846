"""Which branch holds an appointment, a hold or a client's idempotency key.

The application layer finds an appointment by id, a hold by id, the
appointments of one client and the branch that already used a client's
``Idempotency-Key`` — without scanning every branch. The indexes are built
from the committed states on first use (one pass; a server that never asks
pays nothing at start-up) and kept current from then on by the runtime's
commit listener, which hands each committed branch event to ``note``.
Everything indexed is durable: the directory never sees a pending event.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from actors.core.branch_state import BranchState
from actors.core.messages import AppointmentBooked, Event, SlotHeld


class Directory:
    def __init__(self, states: Callable[[], Iterable[tuple[str, BranchState]]]) -> None:
        self._states = states  # (branch id, committed state) of every branch
        self._built = False
        self._appointment: dict[str, str] = {}  # appointment id → branch id
        self._hold: dict[str, str] = {}  # hold id → branch id
        self._key: dict[tuple[str, str], str] = {}  # (client id, key) → branch id
        self._of_client: dict[str, list[tuple[str, str]]] = {}  # client id → [(branch id, appointment id)]

    def _build(self) -> None:
        for branch_id, state in self._states():
            self._index_state(branch_id, state)
        self._built = True

    def _index_state(self, branch_id: str, state: BranchState) -> None:
        for appt in state.appointments.values():
            self._appointment[appt.id] = branch_id
            self._of_client.setdefault(appt.client_id, []).append((branch_id, appt.id))
        for hold_id in state.holds:
            self._hold[hold_id] = branch_id
        for client_key in state.idempotency:
            self._key[client_key] = branch_id

    def note(self, branch_id: str, event: Event) -> None:
        """A committed event of ``branch_id`` (before the directory is built: nothing to do)."""
        if not self._built:
            return
        if isinstance(event, AppointmentBooked):
            if event.appointment_id not in self._appointment:
                self._appointment[event.appointment_id] = branch_id
                self._of_client.setdefault(event.client_id, []).append((branch_id, event.appointment_id))
            if event.idempotency_key:
                self._key[(event.client_id, event.idempotency_key)] = branch_id
        elif isinstance(event, SlotHeld):
            self._hold[event.hold_id] = branch_id
            if event.idempotency_key:
                self._key[(event.client_id, event.idempotency_key)] = branch_id

    def reindex(self, branch_id: str, state: BranchState) -> None:
        """A branch's state was rebuilt from the journal (after an append in doubt)."""
        if self._built:
            self._index_state(branch_id, state)
            for pairs in self._of_client.values():  # a rebuild may re-add what was indexed
                if len(pairs) > 1:
                    pairs[:] = list(dict.fromkeys(pairs))

    def appointment_branch(self, appointment_id: str) -> str | None:
        if not self._built:
            self._build()
        return self._appointment.get(appointment_id)

    def hold_branch(self, hold_id: str) -> str | None:
        if not self._built:
            self._build()
        return self._hold.get(hold_id)

    def key_branch(self, client_id: str, key: str) -> str | None:
        if not self._built:
            self._build()
        return self._key.get((client_id, key))

    def appointments_of(self, client_id: str) -> list[tuple[str, str]]:
        if not self._built:
            self._build()
        return list(self._of_client.get(client_id, ()))
