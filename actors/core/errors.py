"""Domain errors. They know nothing of HTTP; ``api/problems.py`` maps them.

::

    DomainError
    ├── NotFound              an id that does not exist (or is not visible)
    ├── InvalidInput          a well-formed request the domain rejects
    ├── SlotUnavailable       the time is taken, held, off the grid or outside hours
    ├── HoldExpired           the hold is gone or no longer live
    ├── InvalidTransition     the appointment's status does not allow it
    ├── TooLate               a client's change closer to the visit than the branch allows
    ├── FeedbackExists        the visit was rated already
    ├── VersionConflict       the caller's ``version`` is stale
    ├── ClientConflict        the phone/telegram_id belongs to another client
    ├── IdempotencyKeyReused  same key, different request
    ├── Forbidden             outside the caller's branches or role
    └── ActorStopped          the actor is shutting down; nothing was done

An error names what happened with a ``Message``: a key of the text
catalogue (``api/texts/problems.py``) and its parameters, e.g.
``InvalidInput("phone.invalid", phone="123")``. The core never words a
text for a person: the interface renders the key in the reader's language
(SPEC §9.1, ``Accept-Language``). A key that is not in the catalogue is
shown as it is (English), with the code's general Russian text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Message:
    """A text for a person, not yet worded: a catalogue key and its parameters."""

    key: str
    params: Mapping[str, object] = field(default_factory=dict)

    def __str__(self) -> str:  # for logs; people get the catalogue's wording
        if not self.params:
            return self.key
        return f"{self.key} ({', '.join(f'{k}={v!r}' for k, v in self.params.items())})"


class DomainError(Exception):
    code = "domain_error"

    def __init__(self, key: str, /, **params: object) -> None:
        super().__init__(key)
        self.message = Message(key, params)

    @property
    def detail(self) -> str:
        """The key and parameters, for logs (``api.texts.problems.render`` words it for people)."""
        return str(self.message)

    def __str__(self) -> str:
        return str(self.message)


class NotFound(DomainError):
    code = "not_found"


class InvalidInput(DomainError):
    code = "validation_error"


class UnknownReference(InvalidInput):
    """A body names an id (a branch, a service) nobody knows here: 400 — unless another
    process made it a moment ago, which a catch-up finds (the application layer retries once)."""


class SlotUnavailable(DomainError):
    code = "slot_unavailable"


class HoldExpired(DomainError):
    code = "hold_expired"


class InvalidTransition(DomainError):
    code = "invalid_transition"


class TooLate(DomainError):
    code = "too_late"


class FeedbackExists(DomainError):
    code = "feedback_exists"


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
