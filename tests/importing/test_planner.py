"""The pure import planner: SPEC's dedup and counting rules."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from actors.core.errors import Message
from actors.core.import_plan import ImportRow
from actors.core.model import Client
from tests.importing.helpers import NOW, counts, plan, worded

ANNA = Client(id="anna", name="Анна", phone="+79991234567", telegram_id=None, source="bot")
BORIS = Client(id="boris", name="Борис", phone="+79160000002", telegram_id=5002, email="b@x.ru")


def test_new_rows_become_clients_with_source_import() -> None:
    result = plan([ImportRow(2, name="Вера", phone="+79170000001", email="v@x.ru")])
    assert counts(result) == (1, 1, 0, 0, 0)
    (vera,) = result.created
    assert (vera.id, vera.name, vera.phone, vera.email) == ("new1", "Вера", "+79170000001", "v@x.ru")
    assert (vera.source, vera.created_at, vera.telegram_id) == ("import", NOW, None)


def test_an_existing_client_gets_only_its_empty_fields_filled() -> None:
    row = ImportRow(2, name="Анна Петрова", phone="+79991234567", email="a@x.ru", birthday="1990-05-17")
    result = plan([row], [ANNA])
    assert counts(result) == (1, 0, 1, 0, 0)
    assert result.updated == [("anna", {"email": "a@x.ru", "birthday": "1990-05-17"})]
    assert result.created == []


def test_a_match_with_nothing_to_fill_still_counts_as_updated() -> None:
    result = plan([ImportRow(2, name="Другое имя", phone="+79160000002")], [BORIS])
    assert result.updated == [("boris", {})]
    assert counts(result) == (1, 0, 1, 0, 0)


def test_telegram_id_matches_and_a_missing_phone_is_filled() -> None:
    lonely = Client(id="t", name="Т", phone=None, telegram_id=777)
    result = plan([ImportRow(5, phone="+79170000001", telegram_id=777)], [lonely])
    assert result.updated == [("t", {"phone": "+79170000001"})]


def test_a_row_matching_two_existing_clients_is_an_error_that_changes_nothing() -> None:
    row = ImportRow(7, name="Х", phone="+79991234567", telegram_id=5002, email="x@x.ru")
    result = plan([row], [ANNA, BORIS])
    assert counts(result) == (1, 0, 0, 0, 1)
    assert result.errors[0][0] == 7
    assert "different clients" in worded(result)[0][1]


def test_duplicates_in_the_file_merge_into_the_first_row() -> None:
    rows = [
        ImportRow(2, name="Вера", phone="+79170000001"),
        ImportRow(3, name="Вера Б.", phone="+79170000001", email="v@x.ru"),
        ImportRow(4, phone="+79170000001", telegram_id=42, birthday="1991-01-02"),
        ImportRow(5, name="Вера В.", telegram_id=42, notes="любит кофе"),
    ]
    result = plan(rows)
    assert counts(result) == (4, 1, 0, 3, 0)
    (vera,) = result.created
    assert (vera.name, vera.email, vera.telegram_id) == ("Вера", "v@x.ru", 42)
    assert (vera.birthday, vera.notes) == ("1991-01-02", "любит кофе")


def test_duplicates_of_an_existing_client_count_as_duplicates_not_updates() -> None:
    rows = [
        ImportRow(2, phone="+79991234567"),
        ImportRow(3, phone="+79991234567", email="a@x.ru"),
    ]
    result = plan(rows, [ANNA])
    assert counts(result) == (2, 0, 1, 1, 0)
    assert result.updated == [("anna", {"email": "a@x.ru"})]


def test_rows_reaching_one_existing_client_by_different_keys_are_one_person() -> None:
    # Row 2 matches Boris by phone, row 3 by telegram_id: one update, one duplicate.
    rows = [ImportRow(2, phone="+79160000002"), ImportRow(3, telegram_id=5002, notes="VIP")]
    result = plan(rows, [BORIS])
    assert counts(result) == (2, 0, 1, 1, 0)
    assert result.updated == [("boris", {"notes": "VIP"})]


def test_a_row_linking_a_new_person_to_an_existing_client_is_a_conflict() -> None:
    rows = [ImportRow(2, phone="+79170000001"), ImportRow(3, phone="+79170000001", telegram_id=5002)]
    result = plan(rows, [BORIS])
    assert counts(result) == (2, 1, 0, 0, 1)
    assert result.errors[0][0] == 3
    assert "row 2" in worded(result)[0][1]


def test_a_row_repeating_an_error_row_is_an_error_too() -> None:
    rows = [
        ImportRow(2, phone="+79991234567", telegram_id=5002),  # conflict: Anna vs Boris
        ImportRow(3, telegram_id=5002),  # repeats the conflict row's telegram id
        ImportRow(4, phone="+79991234567", email="a@x.ru"),  # and its phone
        ImportRow(5, phone="+79170000009", error=Message("row.telegram", {"value": "abc"})),
        ImportRow(6, phone="+79170000009", name="Тот же"),
    ]
    result = plan(rows, [ANNA, BORIS])
    assert counts(result) == (5, 0, 0, 0, 5)
    assert [r for r, _ in result.errors] == [2, 3, 4, 5, 6]
    assert "repeats row 2" in worded(result)[1][1]
    assert "repeats row 5" in worded(result)[4][1]


def test_a_conflict_row_does_not_spoil_plain_duplicates_of_good_rows() -> None:
    rows = [
        ImportRow(2, phone="+79991234567"),  # Anna, updated
        ImportRow(3, phone="+79991234567", telegram_id=5002),  # Anna vs Boris: error
        ImportRow(4, phone="+79991234567", email="a@x.ru"),  # still Anna's duplicate
    ]
    result = plan(rows, [ANNA, BORIS])
    assert counts(result) == (3, 0, 1, 1, 1)
    assert result.updated == [("anna", {"email": "a@x.ru"})]


def test_rows_without_phone_or_telegram_and_reader_errors_are_error_rows() -> None:
    rows = [
        ImportRow(2, name="Без контактов", email="x@x.ru"),
        ImportRow(3, error=Message("row.phone", {"phone": "123"})),
    ]
    result = plan(rows)
    assert worded(result) == [(2, "no usable phone or telegram_id"), (3, "phone 123 is not a valid number")]


def test_phone_extensions_are_different_people() -> None:
    rows = [
        ImportRow(2, name="Лукина Ольга", phone="+74959833699;ext=2926"),
        ImportRow(3, name="Лукина Оксана", phone="+74959833699;ext=2929"),
    ]
    assert counts(plan(rows)) == (2, 2, 0, 0, 0)


# --- properties -------------------------------------------------------------

PHONES = [f"+7916000000{i}" for i in range(6)]
TELEGRAMS = [100 + i for i in range(6)]

existing_clients = st.lists(
    st.tuples(st.sampled_from(PHONES + [None]), st.sampled_from(TELEGRAMS + [None]), st.booleans()),
    max_size=4,
)
import_rows = st.lists(
    st.tuples(
        st.sampled_from(PHONES + [None]),
        st.sampled_from(TELEGRAMS + [None]),
        st.sampled_from(["", "a@x.ru", "b@x.ru"]),
        st.sampled_from([None, "bad"]),
    ),
    max_size=12,
)


def _index(raw: list[tuple[str | None, int | None, bool]]) -> list[Client]:
    clients: list[Client] = []
    for i, (phone, tg, has_email) in enumerate(raw):
        if any(phone and c.phone == phone or tg is not None and c.telegram_id == tg for c in clients):
            continue  # the registry keeps phones and telegram ids unique
        clients.append(Client(f"c{i}", f"C{i}", phone, tg, email="old@x.ru" if has_email else ""))
    return clients


@settings(max_examples=300, deadline=None)
@given(existing_clients, import_rows)
def test_plan_invariants(
    raw_clients: list[tuple[str | None, int | None, bool]],
    raw_rows: list[tuple[str | None, int | None, str, str | None]],
) -> None:
    clients = _index(raw_clients)
    rows = [ImportRow(i + 2, f"N{i}", p, t, e, "", "", err) for i, (p, t, e, err) in enumerate(raw_rows)]
    result = plan(rows, clients)
    # SPEC's counting identity.
    assert result.total_rows == len(rows)
    parts = len(result.created) + len(result.updated) + result.duplicates + len(result.errors)
    assert result.total_rows == parts
    # No created client takes a phone or telegram id that someone already has.
    taken_phones = {c.phone for c in clients if c.phone}
    taken_tgs = {c.telegram_id for c in clients if c.telegram_id is not None}
    for made in result.created:
        assert made.phone not in taken_phones and made.telegram_id not in taken_tgs
        assert made.phone or made.telegram_id is not None
        if made.phone:
            taken_phones.add(made.phone)
        if made.telegram_id is not None:
            taken_tgs.add(made.telegram_id)
    # Each existing client is updated at most once, only in its empty fields.
    by_id = {c.id: c for c in clients}
    assert len({cid for cid, _ in result.updated}) == len(result.updated)
    for cid, fields in result.updated:
        for name in fields:
            assert getattr(by_id[cid], name) in ("", None)
        if "phone" in fields:
            assert fields["phone"] not in {c.phone for c in clients}
    # Every row the reader marked, or without keys, is an error row.
    marked = {row.row for row in rows if row.error or (row.phone is None and row.telegram_id is None)}
    assert marked <= {r for r, _ in result.errors}
