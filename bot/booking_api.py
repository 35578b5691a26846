"""The bot's HTTP client of the public client API (SPEC §3).

The bot books exactly as a Mini App does: every call carries
``Authorization: tma <initData>`` built from the Telegram user and the bot
token (``api.telegram.initdata.sign_init_data``, signed on the injected clock), so holds,
idempotency and rate limits apply to it unchanged. State-changing calls carry
an ``Idempotency-Key`` derived from Telegram: the update id for a hold
(``tg:<update_id>``: a re-delivered update repeats nothing) and the hold id
for a booking (``book:<hold_id>``: a double tap on «Подтвердить» books once and
both taps see the same appointment).

Exceptions::

    BookingApiError
    ├── ApiUnavailable   network error, timeout, or a 5xx: try again later
    └── ApiProblem       a 4xx problem document (status, code, detail, retry_after)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

import aiohttp

from actors.core.clock import Clock
from api.telegram.initdata import sign_init_data


class BookingApiError(Exception):
    """The client API did not do what was asked."""


class ApiUnavailable(BookingApiError):
    """The API could not be reached or failed (5xx): nothing to tell the user but "later"."""


class ApiProblem(BookingApiError):
    """A 4xx problem document."""

    def __init__(self, status: int, code: str, detail: str, retry_after: int = 0) -> None:
        super().__init__(f"{status} {code}: {detail}")
        self.status, self.code, self.detail, self.retry_after = status, code, detail, retry_after


@dataclass(frozen=True, slots=True)
class Person:
    """The Telegram user a call is made for."""

    id: int
    first_name: str = ""
    last_name: str = ""
    username: str = ""

    def as_init_user(self) -> dict[str, Any]:
        user: dict[str, Any] = {"id": self.id, "first_name": self.first_name or str(self.id)}
        if self.last_name:
            user["last_name"] = self.last_name
        if self.username:
            user["username"] = self.username
        return user


class BookingApi:
    """One HTTP session to the server's client API; ``as_user`` binds a caller."""

    def __init__(self, base_url: str, token: str, clock: Clock, *, timeout_s: float = 15.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._token = token
        self.clock = clock
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    def as_user(self, person: Person, key: str) -> UserApi:
        return UserApi(self, person, key)

    def init_data(self, person: Person) -> str:
        return sign_init_data(self._token, person.as_init_user(), int(self.clock.now()))

    async def call(self, method: str, path: str, *, params: dict[str, str] | list[tuple[str, str]] | None = None,
                   body: dict[str, Any] | None = None, headers: dict[str, str] | None = None) -> Any:
        """JSON of a 2xx answer (None for 204); ``ApiProblem`` / ``ApiUnavailable`` otherwise."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        try:
            async with self._session.request(method, f"{self.base_url}/api/v1{path}", params=params,
                                             json=body, headers=headers) as response:
                text = await response.text()
                status = response.status
                retry_after = response.headers.get("Retry-After", "0")
        except (TimeoutError, aiohttp.ClientError, OSError) as err:
            raise ApiUnavailable(f"{method} {path}: {type(err).__name__}: {err}") from err
        if status >= 500:
            raise ApiUnavailable(f"{method} {path}: HTTP {status}")
        try:
            data = json.loads(text) if text else None
        except ValueError:
            raise ApiUnavailable(f"{method} {path}: HTTP {status} with a body that is not JSON") from None
        if status >= 400:
            doc = data if isinstance(data, dict) else {}
            raise ApiProblem(status, str(doc.get("code", "error")), str(doc.get("detail", "")),
                             int(retry_after) if retry_after.isdigit() else 0)
        return data

    # ------------------------------------------------------------ public catalogue

    async def branches(self) -> list[dict[str, Any]]:
        return list((await self.call("GET", "/branches"))["items"])

    async def branch(self, branch_id: str) -> BranchCard:
        """One branch with its services and masters: ONE call (``GET /branches/{id}``)."""
        data = await self.call("GET", f"/branches/{branch_id}")
        return BranchCard(data)


class BranchCard:
    """What one booking step shows of a branch: its settings, services and masters' names."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.id: str = data["id"]
        self.name: str = data["name"]
        self.timezone: str = data["timezone"]
        self.address: str = data.get("address", "")
        self.horizon_days: int = int(data["horizon_days"])
        self.services: list[dict[str, Any]] = list(data["services"])
        self.staff_names: dict[str, str] = {s["id"]: s["name"] for s in data["staff"]}

    def service(self, service_id: str) -> dict[str, Any]:
        for s in self.services:
            if s["id"] == service_id:
                return s
        raise ApiProblem(404, "not_found", "service not found in this branch")


class UserApi:
    """The client API as one Telegram user, for one update."""

    def __init__(self, api: BookingApi, person: Person, key: str) -> None:
        self.api, self.person, self.key = api, person, key

    def _headers(self, idempotency_key: str | None = None) -> dict[str, str]:
        headers = {"Authorization": "tma " + self.api.init_data(self.person)}
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        return headers

    async def register(self, phone: str, name: str) -> dict[str, Any]:
        """The client profile bound to this Telegram user (created or recognised)."""
        body: dict[str, Any] = {"phone": phone}
        if name:
            body["name"] = name[:200]
        data = await self.api.call("POST", "/clients/auth", body=body, headers=self._headers())
        return data["client"]  # type: ignore[no-any-return]

    async def mine(self, limit: int = 30) -> list[dict[str, Any]]:
        data = await self.api.call("GET", "/appointments/my", params={"limit": str(limit)},
                                   headers=self._headers())
        return list(data["items"])

    async def slots(self, branch_id: str, service_id: str | list[str], first: date, last: date,
                    staff_id: str | None = None) -> dict[str, Any]:
        """``service_id``: one service, or a visit's services in order (repeated in the query)."""
        params = {"branch_id": branch_id, "service_id": service_id if isinstance(service_id, str) else "",
                  "date_from": first.isoformat(), "date_to": last.isoformat()}
        if staff_id:
            params["staff_id"] = staff_id
        query: dict[str, str] | list[tuple[str, str]] = params
        if not isinstance(service_id, str):
            query = [(k, v) for k, v in params.items() if k != "service_id"] + [("service_id", s) for s in service_id]
        return await self.api.call(  # type: ignore[no-any-return]
            "GET", "/slots/available", params=query, headers=self._headers())

    async def hold(self, branch_id: str, service_id: str | list[str], start: str,
                   staff_id: str | None) -> dict[str, Any]:
        body: dict[str, Any] = {"branch_id": branch_id,
                                **({"service_id": service_id} if isinstance(service_id, str)
                                   else {"service_ids": service_id}), "start": start}
        if staff_id:
            body["staff_id"] = staff_id
        return await self.api.call(  # type: ignore[no-any-return]
            "POST", "/slots/hold", body=body, headers=self._headers(self.key))

    async def release(self, hold_id: str) -> None:
        await self.api.call("DELETE", f"/slots/hold/{hold_id}", headers=self._headers())

    async def book(self, hold_id: str, comment: str = "", person: dict[str, str] | None = None) -> dict[str, Any]:
        """``comment``: the client's words for the master (stored as the booking's ``comment``);
        ``person``: ``{"name", "phone"}`` of whom the visit is for («Записать другого человека»)."""
        body: dict[str, Any] = {"hold_id": hold_id, **({"comment": comment} if comment else {}),
                                **({"for": person} if person else {})}
        key = f"book:{hold_id}" + (":for" if person else "")  # another body: another key
        return await self.api.call(  # type: ignore[no-any-return]
            "POST", "/appointments", body=body, headers=self._headers(key))

    async def cancel(self, appointment_id: str) -> dict[str, Any]:
        return await self.api.call(  # type: ignore[no-any-return]
            "POST", f"/appointments/{appointment_id}/cancel", headers=self._headers())

    async def reschedule(self, appointment_id: str, start: str) -> dict[str, Any]:
        return await self.api.call(  # type: ignore[no-any-return]
            "PATCH", f"/appointments/{appointment_id}/reschedule", body={"start": start}, headers=self._headers())

    async def confirm_visit(self, appointment_id: str) -> dict[str, Any]:
        return await self.api.call(  # type: ignore[no-any-return]
            "POST", f"/appointments/{appointment_id}/confirm-visit", headers=self._headers())

    async def join_waitlist(self, body: dict[str, Any]) -> dict[str, Any]:
        return await self.api.call("POST", "/waitlist", body=body, headers=self._headers())  # type: ignore[no-any-return]

    async def waitlist(self) -> list[dict[str, Any]]:
        data = await self.api.call("GET", "/waitlist/my", headers=self._headers())
        return list(data["items"])

    async def leave_waitlist(self, entry_id: str) -> None:
        await self.api.call("DELETE", f"/waitlist/{entry_id}", headers=self._headers())

    async def feedback(self, appointment_id: str, rating: int) -> dict[str, Any]:
        return await self.api.call(  # type: ignore[no-any-return]
            "POST", f"/appointments/{appointment_id}/feedback", body={"rating": rating}, headers=self._headers())
