"""Specific personal data sealed at rest (issue #15, decision 0020): a dump of the database
alone reveals no one's disability, illness, HIV, drug use, violence or criminal record."""

import base64
import json

import pyarrow as pa
import pytest
from django.db import connection
from hypothesis import given
from hypothesis import strategies as st

from sejahtera import sealing
from sejahtera.domain import registry_format as fmt
from sejahtera.registry.services.snapshot import typed_schema
from sejahtera.sealing import (
    SPECIFIC_COLUMNS,
    SPECIFIC_NAMES,
    KeyRing,
    Purpose,
    SealError,
)

KEY_A = "a:" + base64.b64encode(b"A" * 32).decode()
KEY_B = "b:" + base64.b64encode(b"B" * 32).decode()


def _value_strategy(column: fmt.Column) -> st.SearchStrategy:
    if column.kind is fmt.Kind.BOOL:
        return st.none() | st.booleans()
    return st.none() | st.sampled_from(column.choices)


SPECIFIC_VALUES = st.fixed_dictionaries({c.name: _value_strategy(c) for c in SPECIFIC_COLUMNS})


# -- the key ring ------------------------------------------------------------------------------


def test_the_first_key_seals_and_every_key_opens():
    old = KeyRing.parse(KEY_A)
    token = old.seal(b"hiv", Purpose.PERSON)
    ring = KeyRing.parse(f"{KEY_B},{KEY_A}")
    assert ring.current == "b"
    assert token.split(":")[1] == "a"
    assert ring.open(token, Purpose.PERSON) == b"hiv"
    assert ring.seal(b"hiv", Purpose.PERSON).split(":")[1] == "b"


def test_the_same_value_sealed_twice_differs():
    ring = KeyRing.parse(KEY_A)
    assert ring.seal(b"1", Purpose.PERSON) != ring.seal(b"1", Purpose.PERSON)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "holds no key"),
        ("a b:" + "A" * 44, "entry 1 must be a key id"),
        ("A" * 43 + "=", "entry 1 must be a key id"),
        ("derived:" + "A" * 43 + "=", "reserved"),
        (f"{KEY_A},{KEY_A}", "appears twice"),
        ("a:c2hvcnQ=", "32 random bytes"),
        ("a:not base64!", "32 random bytes"),
    ],
)
def test_a_malformed_key_setting_says_what_is_wrong(text, says):
    with pytest.raises(ValueError, match=says) as refused:
        KeyRing.parse(text)
    assert "A" * 43 not in str(refused.value)  # a key is never echoed


@pytest.mark.django_db
def test_a_malformed_key_setting_stops_a_command_before_it_writes(settings, tmp_path):
    """An import wrote its households, then died at the persons' sealed values."""
    from click.testing import CliRunner

    from sejahtera.cli import main
    from sejahtera.registry.models import Household

    settings.SEJAHTERA_DATA_KEYS = "a b:" + "A" * 44
    households, persons = tmp_path / "h.csv", tmp_path / "p.csv"
    households.write_text("household_id,region_code\nH1,3201011002\n")
    persons.write_text("person_id,household_id,full_name,sex,birth_date,relationship\n")
    result = CliRunner().invoke(
        main, ["import", "--households", str(households), "--persons", str(persons)]
    )
    assert result.exit_code == 2
    assert "entry 1 must be a key id" in result.output
    assert not Household.objects.exists()


def test_a_changed_value_a_value_moved_elsewhere_or_an_unknown_key_does_not_open():
    ring = KeyRing.parse(KEY_A)
    token = ring.seal(b"drug_user", Purpose.PERSON)
    body = bytearray(base64.b64decode(token.split(":")[2]))
    body[-1] ^= 1
    changed = "sealed:a:" + base64.b64encode(bytes(body)).decode()
    with pytest.raises(SealError, match="changed"):
        ring.open(changed, Purpose.PERSON)
    with pytest.raises(SealError, match="changed"):
        ring.open(token, Purpose.HISTORY)
    with pytest.raises(SealError, match="does not hold"):
        KeyRing.parse(KEY_B).open(token, Purpose.PERSON)


# -- a person's specific fields as one value ---------------------------------------------------


def test_every_choice_is_one_character():
    assert all(len(c.choices) <= 10 for c in SPECIFIC_COLUMNS)


@given(SPECIFIC_VALUES)
def test_every_persons_sealed_value_has_the_same_length(values):
    # its size must not tell a flag from a choice, nor one choice from another
    packed = sealing.pack(values)
    assert packed is None or len(packed) == len(SPECIFIC_NAMES)


@given(SPECIFIC_VALUES)
def test_packing_keeps_every_value_and_unknown_stays_unknown(values):
    packed = sealing.pack(values)
    if all(v is None for v in values.values()):
        assert packed is None
    else:
        assert dict(zip(SPECIFIC_NAMES, sealing.unpacked_values(packed), strict=True)) == values


@given(st.lists(SPECIFIC_VALUES, min_size=1, max_size=20))
def test_an_import_batch_is_sealed_as_one_person_at_a_time_would_be(rows):
    # the import's Arrow path and the ORM's path write values that open the same
    names = ["external_id", *SPECIFIC_NAMES, "nik_warnings"]
    kinds = typed_schema(SPECIFIC_NAMES)
    table = pa.table(
        {
            "external_id": [f"P{i}" for i in range(len(rows))],
            **{n: pa.array([row[n] for row in rows], kinds.field(n).type) for n in SPECIFIC_NAMES},
            "nik_warnings": [None] * len(rows),
        }
    )
    sealed, columns = sealing.seal_person_columns(table, names)
    assert columns == ["external_id", "nik_warnings", "specific_data"]
    assert sealed.column(0).to_pylist() == [f"P{i}" for i in range(len(rows))]
    for token, row in zip(sealed.column("specific_data").to_pylist(), rows, strict=True):
        assert sealing.open_person(token) == row
        assert (token is None) == (sealing.seal_person(row) is None)


# -- in the database -----------------------------------------------------------------------------


@pytest.fixture
def person_with_specific_data(household_factory, make_user):
    from sejahtera.registry.services.records import update_person

    registered = {
        "full_name": "Rina Wulandari",
        "sex": "P",
        "birth_date": "1988-02-01",
        "relationship": "head",
        "disability": "mental",
        "hiv": "ya",
    }
    person = household_factory(members=[registered]).members.get()
    cells = registered | {"drug_user": "ya", "inmate_status": "former_inmate"}
    update_person(
        actor=make_user("administrator"),
        person=person,
        cells=cells,
        expected_version=person.version,
    )
    person.refresh_from_db()
    return person


def _raw(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def test_the_raw_tables_hold_no_specific_value_in_plaintext(person_with_specific_data):
    person = person_with_specific_data
    assert (person.disability, person.hiv, person.drug_user) == ("mental", True, True)
    assert person.inmate_status == "former_inmate"

    columns = {c.name for c in connection.introspection.get_table_description(
        connection.cursor(), "registry_person")}  # fmt: skip
    assert not columns & set(SPECIFIC_NAMES)
    ((stored,),) = _raw("SELECT specific_data FROM registry_person WHERE id = %s", [person.pk])
    assert stored.startswith("sealed:derived:")
    assert "mental" not in stored
    assert "former_inmate" not in stored

    (history,) = _raw(
        "SELECT CAST(changes AS text) FROM registry_changerecord WHERE record_id = %s "
        "AND entity = 'person' AND action = 'updated'",
        [person.pk],
    )
    changes = json.loads(history[0])
    assert set(changes) == {"drug_user", "inmate_status"}
    assert all(sealing.is_sealed(value) for value in changes.values())
    assert "former_inmate" not in history[0]
    # … and the application reads the history as it was written
    from sejahtera.registry.models import ChangeRecord

    record = ChangeRecord.objects.get(record_id=person.pk, action="updated")
    assert record.changes == {"drug_user": [None, True], "inmate_status": [None, "former_inmate"]}


def test_the_same_values_are_not_the_same_bytes(household_factory):
    member = {"sex": "L", "birth_date": "1970-01-01", "relationship": "head", "hiv": "ya"}
    one = household_factory(members=[{**member, "full_name": "Budi"}]).members.get()
    two = household_factory(members=[{**member, "full_name": "Joko"}]).members.get()
    stored = _raw(
        "SELECT specific_data FROM registry_person WHERE id IN (%s, %s)", [one.pk, two.pk]
    )
    assert len({s for (s,) in stored}) == 2


def test_a_person_of_whom_nothing_specific_is_known_stores_nothing(household_factory):
    person = household_factory().members.get()
    assert _raw("SELECT specific_data FROM registry_person WHERE id = %s", [person.pk]) == [(None,)]
    assert person.hiv is None
    assert person.disability is None


def test_only_the_specific_values_of_cells_are_sealed_each_in_its_place():
    from sejahtera.grievances.models import Proposal

    field = Proposal._meta.get_field("member_cells")
    cells = [{"full_name": "Rina", "hiv": "ya", "disability": "mental"}, {"full_name": "Ani"}]
    stored = field.get_prep_value(cells)
    assert stored[0]["full_name"] == "Rina"
    assert stored[1] == {"full_name": "Ani"}
    assert sealing.is_sealed(stored[0]["hiv"])
    assert sealing.is_sealed(stored[0]["disability"])
    assert field.from_db_value(json.dumps(stored), None, connection) == cells


# -- a new key ----------------------------------------------------------------------------------


def _key_ids_in_raw_tables() -> set[str]:
    found = set()
    for model, field in sealing.sealed_fields():
        table, column = model._meta.db_table, field.column
        for (text,) in _raw(
            f"SELECT CAST({column} AS text) FROM {table} WHERE {column} IS NOT NULL"
        ):
            found |= set(sealing._KEY_IDS.findall(text))
    return found


def test_a_new_key_reseals_everything_and_then_the_old_one_may_go(
    settings, person_with_specific_data
):
    from click.testing import CliRunner

    from sejahtera.accounts.models import AuditEntry
    from sejahtera.cli import main
    from sejahtera.registry.models import ChangeRecord, Person

    # sealed without SEJAHTERA_DATA_KEYS: with the key derived from the secret key
    assert _key_ids_in_raw_tables() == {"derived"}
    created = CliRunner().invoke(main, ["privacy", "new-key"])
    new_entry = created.output.strip()
    assert KeyRing.parse(new_entry).current.startswith("k")

    settings.SEJAHTERA_DATA_KEYS = new_entry  # the derived key still opens what it sealed
    assert Person.objects.get(pk=person_with_specific_data.pk).hiv is True
    rotated = CliRunner().invoke(main, ["privacy", "rotate-keys"])
    assert rotated.exit_code == 0, rotated.output
    assert "registry.person.specific_data: 1 sealed again" in rotated.output
    assert "registry.changerecord.changes: 1 sealed again" in rotated.output
    assert "older keys may go" in rotated.output
    assert _key_ids_in_raw_tables() == {new_entry.split(":")[0]}
    assert AuditEntry.objects.filter(action="command", entity="privacy rotate-keys").exists()

    settings.SECRET_KEY = "another secret key"  # the derived key is gone: everything opens
    person = Person.objects.get(pk=person_with_specific_data.pk)
    assert (person.disability, person.hiv) == ("mental", True)
    assert person.inmate_status == "former_inmate"
    record = ChangeRecord.objects.get(record_id=person.pk, action="updated")
    assert record.changes["drug_user"] == [None, True]
    assert set(sealing.reseal_everything().values()) == {0}  # nothing left to do


def test_a_value_sealed_by_a_key_no_longer_held_says_so_and_where(settings, household_factory):
    from sejahtera.registry.models import Person

    settings.SEJAHTERA_DATA_KEYS = KEY_A
    member = {"full_name": "Ani", "sex": "P", "birth_date": "1990-01-01", "relationship": "head"}
    person = household_factory(members=[{**member, "hiv": "ya"}]).members.get()
    settings.SEJAHTERA_DATA_KEYS = KEY_B
    with pytest.raises(SealError, match="key 'a'"):
        Person.objects.get(pk=person.pk)
    with pytest.raises(SealError, match=f"registry_person row {person.pk}: sealed with key 'a'"):
        sealing.reseal_everything()


def test_a_value_changed_while_keys_rotate_keeps_the_change(
    settings, monkeypatch, person_with_specific_data
):
    from sejahtera.registry.models import Person

    settings.SEJAHTERA_DATA_KEYS = KEY_B
    field = Person._meta.get_field("specific_data")
    opening = type(field).from_db_value

    def an_edit_lands_meanwhile(self, value, *args):
        monkeypatch.setattr(type(field), "from_db_value", opening)
        edited = Person.objects.get(pk=person_with_specific_data.pk)
        edited.hiv = False
        edited.save(update_fields=["specific_data"])  # sealed with b by the edit
        return opening(self, value, *args)

    monkeypatch.setattr(type(field), "from_db_value", an_edit_lands_meanwhile)
    assert sealing.reseal(Person, field) == 0  # the row changed since it was read: left
    person = Person.objects.get(pk=person_with_specific_data.pk)
    assert person.hiv is False
    assert _raw("SELECT specific_data FROM registry_person")[0][0].split(":")[1] == "b"


def test_a_history_value_does_not_open_under_another_field():
    from sejahtera.registry.models import ChangeRecord

    field = ChangeRecord._meta.get_field("changes")
    stored = field.get_prep_value({"hiv": [None, True], "drug_user": [False, False]})
    swapped = {"hiv": stored["drug_user"], "drug_user": stored["hiv"]}
    with pytest.raises(SealError, match="changed"):
        field.from_db_value(json.dumps(swapped), None, connection)
    # padded: a flag's pair and a choice's pair are sealed to the same length
    choice = field.get_prep_value({"inmate_status": ["former_inmate", "inmate"]})
    assert len(stored["hiv"]) == len(choice["inmate_status"])


def test_the_key_checks(settings):
    from sejahtera.registry.checks import data_keys_readable, data_keys_set

    assert [w.id for w in data_keys_set()] == ["sejahtera.W002"]
    settings.SEJAHTERA_DATA_KEYS = "a:short"
    assert [e.id for e in data_keys_readable()] == ["sejahtera.E001"]
    assert "32 random bytes" in data_keys_readable()[0].msg
    settings.SEJAHTERA_DATA_KEYS = KEY_A
    assert data_keys_readable() == []
    assert data_keys_set() == []
