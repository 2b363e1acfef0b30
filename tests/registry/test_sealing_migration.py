"""Migration 0015 seals a registry that already holds specific data in plain columns, and
undoing it gives the columns back as they were (decision 0020)."""

import json

import pytest
from django.db import connection

from sejahtera.sealing import is_sealed

from ..migrating import migrate, migrate_every_app_to_its_latest

BEFORE = [("registry", "0014_person_name_index_paused")]
# Through 0015 to the migration the current models match, which the test reads with.
AFTER = [("registry", "0016_held_for_review")]


def _rows(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


@pytest.mark.django_db(transaction=True)
def test_sealing_an_existing_registry_and_undoing_it(household_factory):
    person = household_factory().members.get()
    plain = household_factory().members.get()  # nothing specific known
    migrate(BEFORE)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE registry_person SET hiv = %s, disability = %s, drug_user = %s "
                "WHERE id = %s",
                [True, "sensory", False, person.pk],
            )
            cursor.execute(
                "INSERT INTO registry_changerecord (entity, record_id, action, changed_at, "
                "changes, proposal) VALUES ('person', %s, 'updated', '2026-01-01 00:00:00+00', "
                f"{'CAST(%s AS jsonb)' if connection.vendor == 'postgresql' else '%s'}, '')",
                [person.pk, json.dumps({"hiv": [None, True], "full_name": ["A", "B"]})],
            )
        migrate(AFTER)

        from sejahtera.registry.models import ChangeRecord, Person

        sealed = dict(_rows("SELECT id, specific_data FROM registry_person"))
        assert is_sealed(sealed[person.pk])
        assert sealed[plain.pk] is None
        opened = Person.objects.get(pk=person.pk)
        assert (opened.hiv, opened.disability, opened.drug_user) == (True, "sensory", False)
        ((history,),) = _rows(
            "SELECT CAST(changes AS text) FROM registry_changerecord WHERE action = 'updated'"
        )
        stored = json.loads(history)
        assert is_sealed(stored["hiv"])
        assert stored["full_name"] == ["A", "B"]
        record = ChangeRecord.objects.get(action="updated")
        assert record.changes == {"hiv": [None, True], "full_name": ["A", "B"]}

        migrate(BEFORE)
        assert _rows(
            "SELECT hiv, disability, drug_user FROM registry_person WHERE id = %s", [person.pk]
        ) in ([(True, "sensory", False)], [(1, "sensory", 0)])
        ((history,),) = _rows(
            "SELECT CAST(changes AS text) FROM registry_changerecord WHERE action = 'updated'"
        )
        assert json.loads(history) == {"hiv": [None, True], "full_name": ["A", "B"]}
    finally:
        migrate_every_app_to_its_latest()
