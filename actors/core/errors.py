"""Domain errors. They know nothing of HTTP; ``api/problems.py`` maps them.

::

    DomainError
    ├── NotFound              an id that does not exist (or is not visible)
    ├── InvalidInput          a well-formed request the domain rejects
    ├── SlotUnavailable       the time is taken, held, off the grid or outside hours
    ├── HoldExpired           the hold is gone or no longer live
    ├── InvalidTransition     the appointment's status does not allow it
    ├── VersionConflict       the caller's ``version`` is stale
    ├── ClientConflict        the phone/telegram_id belongs to another client
    ├── IdempotencyKeyReused  same key, different request
    ├── Forbidden             outside the caller's branches or role
    └── ActorStopped          the actor is shutting down; nothing was done
"""

from __future__ import annotations


class DomainError(Exception):
    code = "domain_error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(DomainError):
    code = "not_found"


class InvalidInput(DomainError):
    code = "validation_error"


class SlotUnavailable(DomainError):
    code = "slot_unavailable"


class HoldExpired(DomainError):
    code = "hold_expired"


class InvalidTransition(DomainError):
    code = "invalid_transition"


class VersionConflict(DomainError):
    code = "version_conflict"


class ClientConflict(DomainError):
    code = "client_conflict"


class IdempotencyKeyReused(DomainError):
    code = "idempotency_key_reused"


class Forbidden(DomainError):
    code = "forbidden"


class ActorStopped(DomainError):
    code = "unavailable"
