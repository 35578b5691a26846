"""The readable journal (SPEC §9.1): a Russian sentence per event, and server-side filters.

One story, told through the real API (and the bot's real ledger for its side
stream), produces every event type the system journals, in a salon on
Yekaterinburg time (UTC+5), so a time in a sentence is visibly the branch's
wall clock, not UTC or Moscow. Each type's sentence is checked for who acted,
the names and the local time; the filters run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from werkzeug.datastructures import FileStorage

import api.admin.journal as journal_api
from actors.core.messages import EVENT_TYPES
from actors.streams import USERS
from api.admin.journal import CommittedNames
from api.texts.journal import TYPE_TITLES, JournalTexts, gender
from bot.ledger import CHECKPOINT, REMINDED, SENT, Ledger
from storage.journal import Journal, Recorded
from storage.sqlite import SqliteJournal
from tests.client.kit import TOKEN, tma
from tests.harness import Harness

URL = "/api/v1/system/journal"
ZONE = "Asia/Yekaterinburg"  # UTC+5 all year; the harness clock is 11:00 there
EVERY_DAY = {d: [["09:00", "21:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
IRINA_TG = 501
SERGEY_TG = 502
VERA_TG = 503


@dataclass
class Story:
    h: Harness
    client: Any
    admin: dict[str, str]
    anna: dict[str, str]
    branch_id: str
    services: dict[str, str] = field(default_factory=dict)
    staff: dict[str, str] = field(default_factory=dict)
    irina: str = ""  # client id
    oleg: str = ""
    appointment: str = ""  # Ирина's visit
    manual: str = ""  # Олег's visit, booked by the manager
    night_client: str = ""
    waitlist_from: int = 0  # the journal position before the waitlist's chapter

    async def call(self, method: str, url: str, headers: dict[str, str], *, status: int = 200,
                   **kwargs: Any) -> Any:
        r = await getattr(self.client, method)(url, headers=headers, **kwargs)
        assert r.status_code == status, (url, await r.get_data(as_text=True))
        return await r.get_json() if status != 204 else None

    async def journal(self, **query: Any) -> list[dict[str, Any]]:
        """Every page of ``GET /system/journal`` with ``query``, followed to the end."""
        events, after = [], 0
        while True:
            page = await self.call("get", URL, self.admin, query_string={"limit": 1000, **query, "after_seq": after})
            events += page["events"]
            if page["next_after_seq"] is None:
                return events
            after = page["next_after_seq"]


def local(hhmm: str, day: str = "2026-03-03") -> str:
    return f"{day}T{hhmm}:00+05:00"


async def tell(h: Harness, client: Any) -> Story:
    """Open a salon and live through every kind of event once."""
    admin = await h.admin_headers()
    r = await client.post("/api/v1/admin/branches", headers=admin, json={
        "name": "Салон на Ленина", "timezone": ZONE, "address": "ул. Ленина, 5"})
    assert r.status_code == 201, await r.get_data(as_text=True)
    branch_id = (await r.get_json())["id"]
    s = Story(h, client, admin, {"Authorization": f"Bearer {await h.user('anna', 'manager', (branch_id,))}"},
              branch_id)
    for name, price, minutes in (("Женская стрижка", "1500.00", 60), ("Укладка", "1200.00", 30),
                                 ("Окрашивание", "4000.00", 120)):
        made = await s.call("post", "/api/v1/admin/services", admin, status=201, json={
            "name": name, "price": price, "duration_min": minutes, "branch_ids": [branch_id]})
        s.services[name] = made["id"]
    for name, services in (("Мария Кузнецова", ["Женская стрижка", "Укладка"]),
                           ("Олег Смирнов", ["Женская стрижка"]), ("Пётр Временный", ["Укладка"])):
        made = await s.call("post", "/api/v1/admin/staff", admin, status=201, json={
            "branch_id": branch_id, "name": name, "service_ids": [s.services[x] for x in services],
            "schedule": EVERY_DAY})
        s.staff[name] = made["id"]
    # A client in Telegram: registers, holds a time, lets it go, books it.
    irina = tma(h, IRINA_TG, first_name="Ирина")
    s.irina = (await s.call("post", "/api/v1/clients/auth", irina, status=201,
                            json={"phone": "+79990001122", "name": "Ирина Петрова"}))["client"]["id"]
    slot = {"branch_id": branch_id, "service_id": s.services["Женская стрижка"], "start": local("14:00"),
            "staff_id": s.staff["Мария Кузнецова"]}
    hold = await s.call("post", "/api/v1/slots/hold", irina, status=201, json=slot)
    await s.call("delete", f"/api/v1/slots/hold/{hold['hold_id']}", irina, status=204)
    s.appointment = (await s.call("post", "/api/v1/appointments", irina, status=201, json=slot))["id"]
    # The manager confirms and moves it; the client cancels.
    await s.call("patch", f"/api/v1/appointments/{s.appointment}/status", s.anna, json={"status": "confirmed"})
    await s.call("patch", f"/api/v1/appointments/{s.appointment}/reschedule", s.anna, json={"start": local("15:00")})
    await s.call("post", f"/api/v1/appointments/{s.appointment}/cancel", irina)
    # A booking on the phone creates a client; a duplicate of Ирина is merged into her card.
    made = await s.call("post", "/api/v1/appointments/manual", s.anna, status=201, json={
        "branch_id": branch_id, "service_id": s.services["Женская стрижка"], "start": local("16:00"),
        "staff_id": s.staff["Олег Смирнов"], "client": {"phone": "+79990003344", "name": "Олег Сидоров"}})
    s.manual, s.oleg = made["id"], made["client"]["id"]
    await s.call("patch", f"/api/v1/clients/{s.irina}", admin, json={"email": "irina@example.com"})
    dup = await s.call("post", "/api/v1/appointments/manual", s.anna, status=201, json={
        "branch_id": branch_id, "service_id": s.services["Укладка"], "start": local("10:00", "2026-03-04"),
        "staff_id": s.staff["Мария Кузнецова"], "client": {"phone": "+79990005566", "name": "Ирина П."}})
    await s.call("post", f"/api/v1/clients/{s.irina}/merge", admin, json={"from_id": dup["client"]["id"]})
    upload = {"file": FileStorage(io.BytesIO("name,phone\nСветлана Орлова,+79990007788\n".encode()),
                                  filename="clients.csv")}
    await s.call("post", "/api/v1/system/import", admin, files=upload)
    # Another client presses «Приду», moves his visit himself, comes and rates it (SPEC §9.3).
    sergey = tma(h, SERGEY_TG, first_name="Сергей")
    await s.call("post", "/api/v1/clients/auth", sergey, status=201, json={"phone": "+79990002233",
                                                                          "name": "Сергей Волков"})
    visit = (await s.call("post", "/api/v1/appointments", sergey, status=201, json={
        "branch_id": branch_id, "service_id": s.services["Укладка"], "start": local("12:00"),
        "staff_id": s.staff["Пётр Временный"]}))["id"]
    await s.call("post", f"/api/v1/appointments/{visit}/confirm-visit", sergey)
    await s.call("patch", f"/api/v1/appointments/{visit}/reschedule", sergey, json={"start": local("13:00")})
    await s.call("patch", f"/api/v1/appointments/{visit}/status", s.anna, json={"status": "done"})
    await s.call("post", f"/api/v1/appointments/{visit}/feedback", sergey, status=201,
                 json={"rating": 5, "comment": "Всё понравилось"})
    # The waitlist (SPEC §9.3): Ирина and Вера wait for Олег on 04.03 in the morning; a manager's
    # cancellation is offered to Ирина, who declines; Вера books it; Ирина leaves. Then a hold
    # runs out while Ирина waits again.
    s.waitlist_from = h.z.scheduler.seq
    vera = tma(h, VERA_TG, first_name="Вера")
    await s.call("post", "/api/v1/clients/auth", vera, status=201, json={"phone": "+79990006677",
                                                                        "name": "Вера Лебедева"})
    wish = {"branch_id": branch_id, "service_ids": [s.services["Женская стрижка"]], "date_from": "2026-03-04",
            "date_to": "2026-03-04", "staff_id": s.staff["Олег Смирнов"], "time_from": "10:00", "time_to": "12:00"}
    entry = (await s.call("post", "/api/v1/waitlist", irina, status=201, json=wish))["id"]
    await s.call("post", "/api/v1/waitlist", vera, status=201, json=wish)
    early = await s.call("post", "/api/v1/appointments/manual", s.anna, status=201, json={
        "branch_id": branch_id, "service_id": s.services["Женская стрижка"], "start": local("10:00", "2026-03-04"),
        "staff_id": s.staff["Олег Смирнов"], "client": {"phone": "+79990004455", "name": "Гость Утренний"}})
    await s.call("patch", f"/api/v1/appointments/{early['id']}/status", s.anna, json={"status": "cancelled"})
    offer = (await s.call("get", "/api/v1/waitlist/my", irina))["items"][0]["offer"]
    await s.call("delete", f"/api/v1/slots/hold/{offer['hold_id']}", irina, status=204)
    offer = (await s.call("get", "/api/v1/waitlist/my", vera))["items"][0]["offer"]
    await s.call("post", "/api/v1/appointments", vera, status=201, json={"hold_id": offer["hold_id"]})
    await s.call("delete", f"/api/v1/waitlist/{entry}", irina, status=204)
    await s.call("post", "/api/v1/slots/hold", sergey, status=201, json={
        "branch_id": branch_id, "service_id": s.services["Женская стрижка"], "start": local("17:00", "2026-03-04"),
        "staff_id": s.staff["Олег Смирнов"]})
    await s.call("post", "/api/v1/waitlist", irina, status=201, json={**wish, "time_from": None, "time_to": None})
    h.clock.advance(h.settings.hold_ttl_s)
    await h.z.scheduler.waitlist.check(branch_id)
    # The owner changes the set-up.
    await s.call("patch", f"/api/v1/admin/branches/{branch_id}", admin, json={"slot_step_min": 30})
    await s.call("patch", f"/api/v1/admin/services/{s.services['Женская стрижка']}", admin, json={"price": "1800.00"})
    await s.call("delete", f"/api/v1/admin/services/{s.services['Окрашивание']}", admin, status=204)
    await s.call("patch", f"/api/v1/admin/staff/{s.staff['Мария Кузнецова']}", admin,
                 json={"schedule": {d: [["10:00", "20:00"]] for d in EVERY_DAY}})
    await s.call("delete", f"/api/v1/admin/staff/{s.staff['Пётр Временный']}", admin, status=204)
    other = await s.call("post", "/api/v1/admin/branches", admin, status=201,
                         json={"name": "Филиал на Мира", "timezone": ZONE})
    await s.call("delete", f"/api/v1/admin/branches/{other['id']}", admin, status=204)
    # The bot's marks, through its real ledger on the app's journal.
    created = [e async for e in h.z.journal.read_all(0) if e.type == "appointment.created"][0]
    ledger = Ledger(h.z.journal, h.clock)
    await ledger.load()
    await ledger.sent(created.seq, "created", IRINA_TG, "sent")
    start = int(datetime.fromisoformat(local("15:00")).timestamp())
    await ledger.remind(f"{s.appointment}:24", s.appointment, 24, start, IRINA_TG, "sent")
    asked = int(datetime.fromisoformat(local("13:00")).timestamp())  # «Как прошёл визит?» to Сергей
    await ledger.remind(f"feedback:{visit}", visit, 0, asked, SERGEY_TG, "sent")
    # Late in the evening UTC it is already the next day in the branch.
    h.clock.set(datetime(2026, 3, 2, 20, 30, tzinfo=UTC))  # 01:30 on 03.03 in Yekaterinburg
    s.admin, s.anna = await h.admin_headers(), {"Authorization": f"Bearer {await h.user('anna')}"}  # fresh tokens
    made = await s.call("post", "/api/v1/appointments/manual", s.anna, status=201, json={
        "branch_id": branch_id, "service_id": s.services["Укладка"], "start": local("12:00"),
        "staff_id": s.staff["Мария Кузнецова"], "client": {"phone": "+79990009900", "name": "Ночной Гость"}})
    s.night_client = made["client"]["id"]
    return s


Pick = Callable[[dict[str, Any], Story], bool]
ANY: Pick = lambda e, s: True  # noqa: E731

# (type, which event of that type, what its sentence must say)
CASES: list[tuple[str, Pick, list[str]]] = [
    ("branch.opened", lambda e, s: e["stream"] == f"branch:{s.branch_id}",
     ["Администратор admin: открыт филиал «Салон на Ленина», ул. Ленина, 5 (часовой пояс Asia/Yekaterinburg)"]),
    ("branch.updated", ANY, ["Администратор admin: изменён филиал «Салон на Ленина» — шаг записи 30 мин"]),
    ("branch.closed", ANY, ["Администратор admin: филиал «Филиал на Мира» закрыт"]),
    ("staff.added", lambda e, s: e["data"]["staff_id"] == s.staff["Мария Кузнецова"],
     ["Администратор admin: новый мастер Мария Кузнецова в филиале «Салон на Ленина», "
      "услуги: Женская стрижка, Укладка"]),
    ("staff.updated", ANY, ["Администратор admin: изменены данные мастера Мария Кузнецова — недельный график"]),
    ("staff.removed", ANY, ["Администратор admin: мастер Пётр Временный удалён из филиала «Салон на Ленина»"]),
    ("service.added", lambda e, s: e["data"]["service_id"] == s.services["Женская стрижка"],
     ["Администратор admin: новая услуга «Женская стрижка» — 1 500 ₽, 60 мин"]),
    ("service.updated", ANY, ["Администратор admin: изменена услуга «Женская стрижка» — цена 1 800 ₽"]),
    ("service.removed", ANY, ["Администратор admin: услуга «Окрашивание» убрана в архив"]),
    ("hold.placed", ANY, ["Клиент Ирина Петрова придержала время 03.03 14:00 — Женская стрижка, "
                          "мастер Мария Кузнецова, до 11:05"]),
    ("hold.released", ANY, ["Клиент Ирина Петрова отказалась от придержанного времени 03.03 14:00"]),
    ("appointment.created", lambda e, s: e["data"]["appointment_id"] == s.appointment,
     ["Клиент Ирина Петрова записалась на 03.03 14:00 — Женская стрижка, мастер Мария Кузнецова"]),
    ("appointment.created", lambda e, s: e["data"]["appointment_id"] == s.manual,
     ["Менеджер anna: новая запись — Олег Сидоров на 03.03 16:00, Женская стрижка, мастер Олег Смирнов, "
      "в колонке «Подтверждены»"]),
    ("appointment.status_changed", ANY,
     ["Менеджер anna: запись перемещена из «Новые» в «Подтверждены» — Ирина Петрова, 03.03 15:00, "
      "Женская стрижка, мастер Мария Кузнецова"]),  # the visit as it is now (moved to 15:00 later)
    ("appointment.rescheduled", ANY,
     ["Менеджер anna: запись перенесена на 03.03 15:00 — Ирина Петрова, Женская стрижка, "
      "мастер Мария Кузнецова"]),
    ("appointment.rescheduled", lambda e, s: e["data"].get("by") == "client",
     ["Клиент Сергей Волков перенёс запись на 03.03 13:00, снова в «Новые» — Укладка, мастер Пётр Временный"]),
    ("appointment.visit_confirmed", ANY,
     ["Клиент Сергей Волков подтвердил визит «Приду»: 03.03 13:00 — Укладка, мастер Пётр Временный"]),
    ("appointment.feedback", ANY,
     ["Клиент Сергей Волков оценил визит на 5 из 5 (03.03 13:00 — Укладка, мастер Пётр Временный) "
      "с комментарием «Всё понравилось»"]),
    ("appointment.cancelled", ANY,
     ["Клиент Ирина Петрова отменила запись на 03.03 15:00 — Женская стрижка, мастер Мария Кузнецова"]),
    ("client.registered", lambda e, s: e["data"]["client_id"] == s.irina,
     ["Клиент Ирина Петрова зарегистрировалась в боте, телефон +7 (999) 000-11-22"]),
    ("client.registered", lambda e, s: e["data"]["client_id"] == s.oleg,
     ["Менеджер anna: новый клиент — Олег Сидоров, телефон +7 (999) 000-33-44"]),
    ("client.updated", ANY, ["Администратор admin: изменена карточка клиента Ирина Петрова — почта"]),
    ("clients.merged", ANY, ["Администратор admin: дубликат объединён с карточкой клиента Ирина Петрова"]),
    ("clients.imported", ANY, ["Администратор admin: импорт клиентов из файла — новых: 1, дополнено: 0"]),
    ("waitlist.joined", lambda e, s: e["data"]["client_id"] == s.irina,
     ["Клиент Ирина Петрова встала в лист ожидания: Женская стрижка, 04.03, 10:00–12:00, мастер Олег Смирнов"]),
    ("waitlist.offered", ANY, ["Лист ожидания: освободившееся время 04.03 10:00 (мастер Олег Смирнов) "
                               "предложено клиенту Ирина Петрова до 11:15"]),
    ("waitlist.declined", ANY, ["Лист ожидания: предложение времени 04.03 10:00 клиенту Ирина Петрова снято — "
                                "клиент отказался («Не подходит»); время предлагается следующему"]),
    ("waitlist.booked", ANY, ["Лист ожидания: запись клиента Вера Лебедева на предложенное время "
                              "04.03 10:00 — Женская стрижка, мастер Олег Смирнов"]),
    ("waitlist.ended", ANY, ["Клиент Ирина Петрова вышла из листа ожидания"]),
    ("hold.expired", ANY, ["Придержанное время 04.03 17:00 истекло и освободилось (его ждут в листе ожидания)"]),
    (SENT, ANY, ["Бот: сообщение о новой записи отправлено — Ирина Петрова (событие №"]),
    (REMINDED, lambda e, s: str(e["data"]["key"]).startswith("feedback:"),
     ["Бот: просьба оценить визит отправлена — Сергей Волков, 03.03 13:00, Укладка, мастер Пётр Временный"]),
    (REMINDED, ANY, ["Бот: напоминание за 24 ч отправлено — Ирина Петрова, 03.03 15:00, Женская стрижка, "
                     "мастер Мария Кузнецова"]),
    (CHECKPOINT, ANY, ["Бот: обработаны события до №"]),
]
HIDDEN_TYPES = {"user.created", "user.updated"}  # the users stream is never listed (password hashes)


def test_every_journaled_type_has_a_case_and_a_russian_name() -> None:
    journaled = set(EVENT_TYPES) | {SENT, REMINDED, CHECKPOINT}
    assert journaled - HIDDEN_TYPES == {t for t, _, _ in CASES}
    assert journaled - HIDDEN_TYPES <= set(TYPE_TITLES)


@pytest.fixture
async def story(tmp_path: Path) -> AsyncIterator[Story]:
    """The story on SQLite (the sentences do not depend on the backend; the filters run on both)."""
    h = Harness(lambda: SqliteJournal(tmp_path / "journal.sqlite3"), tmp_path,
                overrides={"telegram_bot_token": TOKEN, "bot_mode": "off"})
    try:
        yield await tell(h, await h.start())
    finally:
        await h.stop()


@pytest.mark.parametrize(("type_", "pick", "says"), CASES, ids=[f"{t}-{i}" for i, (t, _, _) in enumerate(CASES)])
async def test_each_event_type_reads_as_a_sentence(story: Story, type_: str, pick: Pick, says: list[str]) -> None:
    events = [e for e in await story.journal(type=type_) if pick(e, story)]
    assert events and all(e["type"] == type_ for e in events)
    for part in says:
        assert part in events[0]["text"], events[0]["text"]
    assert "\n" not in events[0]["text"]


async def test_account_events_are_never_listed_and_their_sentences_hold_no_secret(story: Story) -> None:
    await story.call("post", "/api/v1/admin/users", story.admin, status=201, json={
        "login": "olga", "role": "manager", "branch_ids": [story.branch_id], "password": "olga-password"})
    await story.call("patch", "/api/v1/admin/users/olga", story.admin, json={"disabled": True})
    assert await story.journal(type=["user.created", "user.updated"]) == []
    records = await story.h.z.journal.read_stream(USERS)
    texts = JournalTexts(CommittedNames(story.h.z.scheduler))
    said = {r.data["login"]: texts.text(r, None) for r in records}
    assert said["olga"] == "Администратор admin: изменена учётная запись olga — доступ закрыт"
    created = texts.text(next(r for r in records if r.type == "user.created" and r.data["login"] == "olga"), None)
    assert created == "Администратор admin: создана учётная запись olga (менеджер, «Салон на Ленина»)"
    assert all("$" not in texts.text(r, None) and "argon" not in texts.text(r, None) for r in records)


async def test_a_sentence_does_not_depend_on_the_page_it_is_on(story: Story) -> None:
    """A released hold names its time even when its ``hold.placed`` is on an earlier page."""
    placed = (await story.journal(type="hold.placed"))[0]
    alone = await story.call("get", URL, story.admin, query_string={"after_seq": placed["seq"], "limit": 1})
    assert alone["events"][0]["type"] == "hold.released"
    assert alone["events"][0]["text"] == (await story.journal(type="hold.released"))[0]["text"]
    assert "03.03 14:00" in alone["events"][0]["text"]


async def test_an_unknown_type_gets_a_generic_sentence(story: Story) -> None:
    texts = JournalTexts(CommittedNames(story.h.z.scheduler))
    rec = Recorded(1, "loyalty", 1, "loyalty.awarded", datetime(2026, 3, 2, tzinfo=UTC), f"client:{story.irina}",
                   {"points": 10})
    assert texts.text(rec, None) == "Клиент Ирина Петрова: событие «loyalty.awarded»"
    broken = Recorded(2, f"branch:{story.branch_id}", 99, "appointment.rescheduled",
                      datetime(2026, 3, 2, tzinfo=UTC), "user:anna", {"unexpected": True})
    assert texts.text(broken, story.branch_id) == "Менеджер anna: перенос записи"


def test_gender_is_read_from_russian_names_or_left_neutral() -> None:
    assert [gender(n) for n in ("Ирина Петрова", "Петров Иван", "Анна", "Никита", "Кузнецова Мария Ивановна",
                                "Илья Ильин", "Саша", "Mike", "Любовь", "Игорь", "")] == [
        "f", "m", "f", "m", "f", "m", None, None, "f", None, None]


# ------------------------------------------------------------ filters, on both backends


@pytest.fixture
async def both(journal_factory: Callable[[], Journal], tmp_path: Path) -> AsyncIterator[Story]:
    h = Harness(journal_factory, tmp_path, overrides={"telegram_bot_token": TOKEN, "bot_mode": "off"})
    try:
        yield await tell(h, await h.start())
    finally:
        await h.stop()


def kinds(events: list[dict[str, Any]]) -> list[str]:
    return [e["type"] for e in events]


async def test_filter_by_client_takes_merged_duplicates_and_the_visits_events(both: Story) -> None:
    s = both
    mine = await s.journal(client_id=s.irina)
    assert kinds(mine)[:11] == [
        "client.registered", "hold.placed", "hold.released", "appointment.created", "appointment.status_changed",
        "appointment.rescheduled", "appointment.cancelled", "client.updated",
        "client.registered", "appointment.created",  # the duplicate, merged into her card later
        "clients.merged"]
    assert kinds(mine)[11:] == [  # her waitlist: an offer she declines (passed on to Вера in her turn),
        "waitlist.joined", "hold.placed", "waitlist.offered", "hold.released", "waitlist.declined",  # leaving,
        "hold.placed", "waitlist.offered", "waitlist.ended", "waitlist.joined", "hold.placed",  # waiting again,
        "waitlist.offered"]  # the time of a hold that ran out
    assert all("Олег" not in e["text"] for e in mine[:11])  # (she waited for master Олег later)
    with_bot = await s.journal(client_id=s.irina, type=[SENT, REMINDED, "appointment.cancelled"])
    assert kinds(with_bot) == ["appointment.cancelled", SENT, REMINDED]
    oleg = await s.journal(client_id=s.oleg)
    assert kinds(oleg) == ["client.registered", "appointment.created"]
    assert (await s.journal(client_id="nobody")) == []


async def test_filter_by_master_appointment_and_types(both: Story) -> None:
    s = both
    oleg = await s.journal(staff_id=s.staff["Олег Смирнов"])
    assert kinds(oleg)[:2] == ["staff.added", "appointment.created"]
    assert oleg[2:] and all(e["seq"] > s.waitlist_from for e in oleg[2:])  # the waitlist's chapter
    assert "мастер Олег Смирнов" in oleg[1]["text"]
    visit = await s.journal(appointment_id=s.appointment)
    assert kinds(visit) == ["appointment.created", "appointment.status_changed", "appointment.rescheduled",
                            "appointment.cancelled"]
    assert [e["text"] for e in visit] == [e["text"] for e in await s.journal() if e["seq"] in {x["seq"] for x in visit}]
    two = await s.journal(type=["appointment.cancelled", "staff.removed"])
    assert kinds(two) == ["appointment.cancelled", "staff.removed"]
    only = await s.journal(type="hold.placed")
    assert set(kinds(only)) == {"hold.placed"} and len(only) == 5  # Ирина's, three offers, Сергей's
    both_filters = await s.journal(type="appointment.created", staff_id=s.staff["Мария Кузнецова"])
    assert len(both_filters) == 3  # Ирина's, her duplicate's and the night guest's visit


async def test_period_filter_uses_the_branch_zone_for_branch_events_and_utc_for_others(both: Story) -> None:
    s = both
    night = [e for e in await s.journal() if e["at"].startswith("2026-03-02T20:30")]
    assert kinds(night) == ["client.registered", "appointment.created"]
    next_day = await s.journal(date_from="2026-03-03")  # 01:30 there, 20:30 in UTC
    assert kinds(next_day) == ["appointment.created"]
    assert next_day[0]["data"]["client_id"] == s.night_client
    first_day = await s.journal(date_to="2026-03-02")
    assert "client.registered" in kinds(first_day) and first_day[-1]["data"].get("client_id") == s.night_client
    assert all(e["seq"] != next_day[0]["seq"] for e in first_day)
    assert await s.journal(date_from="2026-03-04") == []
    for bad in ({"date_from": "2026-03-05", "date_to": "2026-03-04"}, {"date_from": "вчера"}):
        r = await s.client.get(URL, headers=s.admin, query_string=bad)
        assert r.status_code == 400 and (await r.get_json())["code"] == "validation_error"


async def test_paging_with_a_filter_and_a_bounded_scan_loses_nothing(both: Story,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    s = both
    whole = await s.journal(client_id=s.irina)
    pages, after, collected = 0, 0, []
    while True:
        page = await s.call("get", URL, s.admin, query_string={"client_id": s.irina, "limit": 2, "after_seq": after})
        collected += page["events"]
        pages += 1
        if page["next_after_seq"] is None:
            break
        assert page["next_after_seq"] > after
        after = page["next_after_seq"]
    assert collected == whole and pages > 1
    monkeypatch.setattr(journal_api, "SCAN_LIMIT", 3)  # a huge journal, in miniature
    first = await s.call("get", URL, s.admin, query_string={"appointment_id": s.appointment})
    assert first["events"] == [] and first["next_after_seq"] == 3  # nothing in the first 3 events: go on
    assert await s.journal(client_id=s.irina) == whole
    assert await s.journal(appointment_id=s.appointment) == await s.journal(appointment_id=s.appointment, limit=1)
