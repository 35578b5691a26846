"""Russian everywhere (SPEC §9.1): problem details and import row errors follow ``Accept-Language``.

The catalogue (``api/texts``) is checked whole: every problem code and every
key raised in the code has an English and a Russian text with the same
parameters, every request field has a Russian name. Then real requests —
the bodies the dashboard sends, broken in the ways a person breaks them —
answer in Russian with ``Accept-Language: ru`` (Cyrillic, no English words
of a library) and in English without it, with the same ``code`` (both backends).
"""

from __future__ import annotations

import importlib
import inspect
import io
import pkgutil
import re
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel
from quart.datastructures import FileStorage

import api
from actors.core import errors as domain
from actors.core.errors import Message
from api.problems import STATUS, WERKZEUG_CODES
from api.schemas import RequestModel
from api.texts import fields
from api.texts.language import CATALOGUE, ENGLISH_ONLY, language, megabytes, parameters, render
from api.texts.problems import CODES
from tests.harness import Harness
from tests.seed import seed_salon

ROOT = Path(__file__).resolve().parents[2]
RU = {"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.8"}
CYRILLIC = re.compile(r"[а-яё]", re.I)
ENGLISH_PHRASE = re.compile(r"\b[a-z]+ [a-z]+ [a-z]+\b")  # three English words in a row
LIBRARY_WORDS = ("Value error", "Field required", "Input should", "Extra inputs", "String should", "valid number",
                 "not found", "must be")
SPEC_CODES = ("validation_error", "unauthorized", "forbidden", "not_found", "slot_unavailable", "hold_expired",
              "invalid_transition", "version_conflict", "client_conflict", "idempotency_key_reused",
              "file_too_large", "unsupported_file", "rate_limited")
RAISED = re.compile(
    r"\b(?:NotFound|InvalidInput|SlotUnavailable|HoldExpired|InvalidTransition|VersionConflict|ClientConflict"
    r"|IdempotencyKeyReused|Forbidden|ActorStopped|UnsupportedFile|FileTooLarge|InvalidMapping|InvalidValue"
    r"|unauthorized|_unauthorized|Message|text)\(\s*f?\"([^\"]+)\""
    r"|ApiError\(\s*\d+,\s*\"\w+\",\s*\"([^\"]+)\"")


def russian(detail: str) -> None:
    words = re.sub(r"\{[^}]*\}", "", detail)  # a template's parameters are not words
    assert CYRILLIC.search(words) or not re.search(r"[^\W\d_]", words), detail
    assert not ENGLISH_PHRASE.search(detail), detail
    assert not any(w.lower() in detail.lower() for w in LIBRARY_WORDS), detail


# ---------------------------------------------------------------- the catalogue itself


def test_accept_language_prefers_russian_only_when_russian_comes_first() -> None:
    for header in ("ru", "ru-RU", "ru-RU,ru;q=0.9,en;q=0.8", "en;q=0.5,ru", "RU-ru", "de;q=0.1, ru;q=0.8"):
        assert language(header) == "ru", header
    for other in (None, "", "en", "en-US,en;q=0.9,ru;q=0.8", "*", "ru;q=0", "de", "en,ru"):
        assert language(other) == "en", other


def test_every_catalogue_key_has_both_languages_with_the_same_parameters() -> None:
    for key, (en, ru) in CATALOGUE.items():
        assert re.fullmatch(r"[a-z_]+\.[a-z_0-9]+", key), key
        assert not CYRILLIC.search(en), (key, en)
        russian(ru)
        assert parameters(en) - ENGLISH_ONLY == parameters(ru), key
        assert not parameters(ru) & ENGLISH_ONLY, key
        sample = Message(key, {name: "x1" for name in parameters(en)})
        assert render(sample, "en") and render(sample, "ru")


def codes_in_the_code() -> set[str]:
    found = {cls.code for cls in STATUS} | set(WERKZEUG_CODES.values())
    for path in (ROOT / "api").rglob("*.py"):
        found |= set(re.findall(r"(?:ApiError|problem)\(\s*\d+,\s*\"(\w+)\"", path.read_text()))
    return found | {"internal_error", "unavailable", "payload_too_large", "method_not_allowed"}


async def test_every_problem_code_of_the_openapi_document_has_a_russian_text(harness: Harness) -> None:
    client = await harness.start()
    doc = await (await client.get("/openapi.json")).get_json()
    statuses = {int(s) for path in doc["paths"].values() for op in path.values() if isinstance(op, dict)
                for s in op.get("responses", {}) if s.isdigit() and int(s) >= 400}
    by_status = {400: "validation_error", 401: "unauthorized", 403: "forbidden", 404: "not_found",
                 408: "validation_error", 409: "slot_unavailable", 413: "file_too_large",
                 415: "unsupported_file", 422: "idempotency_key_reused", 429: "rate_limited", 503: "unavailable"}
    assert statuses <= set(by_status), statuses - set(by_status)
    codes = codes_in_the_code() | set(SPEC_CODES) | {by_status[s] for s in statuses}
    assert codes <= set(CODES), codes - set(CODES)
    for code in codes:
        russian(CODES[code][1])


def test_every_key_raised_in_the_code_is_in_the_catalogue() -> None:
    missing = []
    for folder in ("actors", "api", "bot"):
        for path in (ROOT / folder).rglob("*.py"):
            if "texts" in path.parts:
                continue
            for m in RAISED.finditer(path.read_text()):
                key = m.group(1) or m.group(2)
                if key not in CATALOGUE:
                    missing.append(f"{path.relative_to(ROOT)}: {key}")
    assert not missing, "\n".join(missing)


def request_models() -> list[type[BaseModel]]:
    found: list[type[BaseModel]] = []
    for info in pkgutil.walk_packages(api.__path__, "api."):
        module = importlib.import_module(info.name)
        for name, cls in vars(module).items():
            if (inspect.isclass(cls) and issubclass(cls, BaseModel) and cls.__module__ == module.__name__
                    and (issubclass(cls, RequestModel) or name.endswith(("Query", "Headers")))):
                found.append(cls)
    return found


def test_every_request_field_has_a_russian_name() -> None:
    models = request_models()
    assert len(models) > 20
    unnamed = {f"{m.__name__}.{f}" for m in models for f in m.model_fields if f not in fields.FIELDS}
    assert not unnamed, unnamed
    assert megabytes(20_000_000) == "20" and megabytes(2_500_000) == "2.5" and megabytes(10_000) == "0.01"


# ---------------------------------------------------------------- real requests


async def both(client: Any, method: str, path: str, status: int, code: str, **kw: Any) -> tuple[str, str]:
    """The detail in Russian (asked for) and in English (not asked for); the same code and status."""
    details = []
    for extra in (RU, {}):
        headers = {**kw.pop("headers", {}), **extra}
        kw_now = dict(kw)
        if "files" in kw_now:  # a stream is read once: a fresh one per request
            kw_now["files"] = {k: FileStorage(io.BytesIO(v), filename=n) for k, (n, v) in kw_now["files"].items()}
        r = await getattr(client, method)(path, headers=headers, **kw_now)
        body = await r.get_json()
        assert (r.status_code, body["code"]) == (status, code), (path, extra, body)
        details.append(body["detail"])
        kw["headers"] = {k: v for k, v in headers.items() if k != "Accept-Language"}
    ru, en = details
    russian(ru)
    assert not CYRILLIC.search(en) or "«" in en, en  # English, except a person's own Cyrillic input
    return ru, en


BAD_BODIES = [  # the bodies the dashboard sends, as a person or a stale page breaks them
    ("post", "/api/v1/admin/branches", {"name": "", "timezone": "Europe/Moscow", "slot_step_min": 1}),
    ("post", "/api/v1/admin/branches", {"timezone": 5}),
    ("patch", "/api/v1/admin/branches/{branch}", {"horizon_days": "много"}),
    ("post", "/api/v1/admin/services", {"name": "Стрижка", "price": "дорого", "duration_min": 60,
                                        "branch_ids": ["{branch}"]}),
    ("post", "/api/v1/admin/services", {"name": "Стрижка", "price": "10.555", "duration_min": 2, "branch_ids": []}),
    ("patch", "/api/v1/admin/services/{service}", {"currency": "рубли", "active": "да"}),
    ("post", "/api/v1/admin/staff", {"branch_id": "{branch}", "name": "Мастер", "service_ids": [],
                                     "schedule": {"mon": [["9:00", "18:00"]]}}),
    ("patch", "/api/v1/admin/staff/{staff}", {"exceptions": [{"date": "08.03.2026", "intervals": []}]}),
    ("post", "/api/v1/admin/users", {"login": "", "role": "manager", "branch_ids": ["{branch}"]}),
    ("patch", "/api/v1/admin/users/admin", {"disabled": "нет", "extra": 1}),
    ("post", "/api/v1/appointments/manual", {"branch_id": "{branch}", "service_id": "{service}",
                                             "start": "2026-03-03T10:00:00+03:00", "client": {"name": "Анна"}}),
    ("patch", "/api/v1/appointments/{appointment}/status", {"status": "done", "version": "первая"}),
    ("patch", "/api/v1/appointments/{appointment}/reschedule", {"staff_id": "{staff}"}),
    ("patch", "/api/v1/clients/{client}", {"name": "x" * 300, "age": 30}),
    ("post", "/api/v1/clients/{client}/merge", {}),
    ("post", "/api/v1/auth/login", {"login": "admin"}),
    ("post", "/api/v1/admin/branches", ["not", "an", "object"]),
]


async def salon_with_a_booking(harness: Harness) -> tuple[Any, dict[str, str], dict[str, str]]:
    client = await harness.start()
    salon = await seed_salon(harness, client, staff=1)
    h = salon.headers
    r = await client.post("/api/v1/appointments/manual", headers=h, json={
        "branch_id": salon.branch_id, "service_id": salon.services["cut"], "staff_id": salon.staff[0],
        "start": "2026-03-03T10:00:00+03:00", "client": {"phone": "+79161234567", "name": "Ольга"}})
    assert r.status_code == 201, await r.get_data(as_text=True)
    appt = await r.get_json()
    ids = {"branch": salon.branch_id, "service": salon.services["cut"], "staff": salon.staff[0],
           "appointment": appt["id"], "client": appt["client"]["id"], "version": str(appt["version"])}
    return client, h, ids


def fill(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, list):
        return [fill(v, ids) for v in value]
    if isinstance(value, dict):
        return {k: fill(v, ids) for k, v in value.items()}
    return value


async def test_schema_violations_of_every_dashboard_body_answer_in_plain_russian(harness: Harness) -> None:
    client, h, ids = await salon_with_a_booking(harness)
    for method, path, body in BAD_BODIES:
        ru, en = await both(client, method, path.format(**ids), 400, "validation_error",
                            json=fill(body, ids), headers=h)
        assert "Поле «" in ru or ru.startswith("Запрос"), (path, ru)
    ru, en = await both(client, "post", "/api/v1/admin/services", 400, "validation_error", headers=h,
                        json={"name": "Стрижка", "price": "дорого", "duration_min": 60, "branch_ids": [ids["branch"]]})
    assert ru == "Поле «Цена»: цена пишется числом, например 1500 или 1500.50"
    assert en == 'price: Value error, price must be a decimal string such as "1500.00"'
    ru, _ = await both(client, "post", "/api/v1/appointments/manual", 400, "validation_error", headers=h,
                       json={"branch_id": ids["branch"], "service_id": ids["service"],
                             "start": "2026-03-03T10:00:00+03:00", "client": {"name": "Анна"}})
    assert ru == "Поле «Клиент → Телефон»: обязательное поле"


async def test_bad_json_unknown_timezone_bad_phone_and_not_found(harness: Harness) -> None:
    client, h, ids = await salon_with_a_booking(harness)
    await both(client, "post", "/api/v1/admin/branches", 400, "validation_error", data=b"{nope",
               headers={**h, "Content-Type": "application/json"})
    ru, en = await both(client, "post", "/api/v1/admin/branches", 400, "validation_error", headers=h,
                        json={"name": "Марс", "timezone": "Mars/Olympus"})
    assert "«Mars/Olympus»" in ru and en == "unknown timezone 'Mars/Olympus'"
    ru, en = await both(client, "post", "/api/v1/appointments/manual", 400, "validation_error", headers=h, json={
        "branch_id": ids["branch"], "service_id": ids["service"], "start": "2026-03-03T12:00:00+03:00",
        "client": {"phone": "123", "name": "Анна"}})
    assert "123" in ru and "123" in en
    ru, en = await both(client, "get", "/api/v1/clients/nobody", 404, "not_found", headers=h)
    assert ru == "Клиент не найден" and en == "client not found"
    await both(client, "get", "/api/v1/no/such/page", 404, "not_found", headers=h)
    ru, _ = await both(client, "patch", f"/api/v1/admin/staff/{ids['staff']}", 400, "validation_error", headers=h,
                       json={"schedule": {"mon": [["18:00", "09:00"]]}})
    assert ru.startswith("График, пн:"), ru


async def test_conflicts_answer_in_russian(harness: Harness) -> None:
    client, h, ids = await salon_with_a_booking(harness)
    ru, en = await both(client, "post", "/api/v1/appointments/manual", 409, "slot_unavailable", headers=h, json={
        "branch_id": ids["branch"], "service_id": ids["service"], "staff_id": ids["staff"],
        "start": "2026-03-03T10:00:00+03:00", "client": {"phone": "+79160000001", "name": "Другая"}})
    assert en == "this time is not available"
    r = await client.patch(f"/api/v1/appointments/{ids['appointment']}/status", headers=h,
                           json={"status": "in_progress", "version": int(ids["version"])})
    assert r.status_code == 200 and (await r.get_json())["version"] == int(ids["version"]) + 1
    ru, en = await both(client, "patch", f"/api/v1/appointments/{ids['appointment']}/status", 409,
                        "version_conflict", headers=h, json={"status": "done", "version": int(ids["version"])})
    assert en == f"the appointment is at version {int(ids['version']) + 1}, not {ids['version']}"
    r = await client.patch(f"/api/v1/appointments/{ids['appointment']}/status", headers=h,
                           json={"status": "done"})
    assert r.status_code == 200
    ru, _ = await both(client, "patch", f"/api/v1/appointments/{ids['appointment']}/reschedule", 409,
                       "invalid_transition", headers=h, json={"start": "2026-03-03T12:00:00+03:00"})
    assert "«выполнена»" in ru


async def test_forbidden_and_unauthorized_answer_in_russian(harness: Harness) -> None:
    client, _, ids = await salon_with_a_booking(harness)
    manager = {"Authorization": f"Bearer {await harness.user('olga', 'manager', ('elsewhere',))}"}
    ru, _ = await both(client, "get", "/api/v1/dashboard/board", 403, "forbidden", headers=manager,
                       query_string={"branch_id": ids["branch"]})
    assert ru == "Этот филиал вам недоступен"
    ru, _ = await both(client, "post", "/api/v1/admin/branches", 403, "forbidden", headers=manager,
                       json={"name": "Ещё", "timezone": "Europe/Moscow"})
    assert ru == "Только для администраторов"
    ru, _ = await both(client, "post", "/api/v1/auth/login", 401, "unauthorized",
                       json={"login": "admin", "password": "wrong-password"})
    assert ru == "Неверный логин или пароль"


RU_CSV_WITH_BAD_PHONES = (
    "ФИО;Телефон\n"
    "Иванова Анна;+7 (999) 123-45-67\n"
    "Петров Пётр;123\n"  # row 3: not a number
    "Без телефона;\n"  # row 4: nothing to know the person by
)


async def test_import_row_errors_and_the_413_answer_in_russian(harness: Harness) -> None:
    harness.overrides.update(import_max_bytes=2_000_000)
    client = await harness.start()
    h = await harness.admin_headers()
    payload = RU_CSV_WITH_BAD_PHONES.encode("cp1251")
    answers = []
    for extra in (RU, {}):
        r = await client.post("/api/v1/system/import", headers={**h, **extra}, form={"dry_run": "true"},
                              files={"file": FileStorage(io.BytesIO(payload), filename="клиенты.csv")})
        assert r.status_code == 200, await r.get_data(as_text=True)
        answers.append({e["row"]: e["message"] for e in (await r.get_json())["errors"]})
    ru, en = answers
    assert ru == {3: "Телефон «123» — неверный номер", 4: "Нет ни телефона, ни Telegram ID"}
    assert en == {3: "phone 123 is not a valid number", 4: "no usable phone or telegram_id"}
    big = b"name,phone\n" + b"x" * 3_000_000
    ru_detail, en_detail = await both(client, "post", "/api/v1/system/import", 413, "file_too_large", headers=h,
                                      files={"file": ("big.csv", big)})
    assert ru_detail == "Файл слишком большой (больше 2 МБ)"
    assert en_detail == "the file is larger than 2 MB"


@pytest.mark.parametrize("key", sorted(k for k in CATALOGUE if k.startswith("row.")))
def test_row_texts_render(key: str) -> None:
    en, ru = CATALOGUE[key]
    message = Message(key, {p: Message("row.client", {"client": "Анна"}) if p.startswith("who") else "1"
                            for p in parameters(en)})
    assert render(message, "ru") and render(message, "en")


def test_a_domain_error_keeps_its_key_and_parameters() -> None:
    err = domain.InvalidInput("phone.invalid", phone="123")
    assert err.message == Message("phone.invalid", {"phone": "123"})
    assert render(err.message, "en") == "not a valid phone number: '123'"
    assert render(err.message, "ru") == "Номер «123» не существует — проверьте цифры и код страны"
    assert render(Message("some English text raised elsewhere"), "ru", "not_found") == CODES["not_found"][1]
