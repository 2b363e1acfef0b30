"""Retention: the records of persons who died more than the retention period ago are
anonymised (and their change history redacted) unless their family's case is still open; a
household left with only such members loses its address; a dry run changes nothing."""

from datetime import date, timedelta

import pytest
from click.testing import CliRunner
from django.utils import timezone

from sejahtera.accounts.models import AuditEntry, Role, SubmissionKey
from sejahtera.cli import main
from sejahtera.privacy.retention import ANONYMOUS_NAME, REDACTED, anonymise
from sejahtera.registry.models import ChangeRecord, Household, Person
from sejahtera.registry.services.records import person_cells, update_person

pytestmark = pytest.mark.django_db
TODAY = date(2026, 12, 6)


def _person(name: str, sex: str = "P", **extra) -> dict:
    return {"full_name": name, "sex": sex, "birth_date": "1950-06-15", "relationship": "head",
            **extra}  # fmt: skip


@pytest.fixture
def world(household_factory, make_user, served_case):
    office = make_user(Role.DISTRICT_OFFICE, "3201")
    couple = household_factory(
        members=[
            _person("Siti Lama", nik="3201015506500001", hiv="true"),
            {**_person("Budi Hidup", "L"), "relationship": "spouse"},
        ],
        address="Jl. Kenanga 1",
    )
    alone = household_factory(members=[_person("Rahmat Sendiri", "L")], address="Jl. Mawar 2")
    in_care = household_factory(members=[_person("Dewi Dirawat")])
    recent = household_factory(members=[_person("Ani Baru")])
    siti = couple.members.get(full_name="Siti Lama")
    update_person(
        actor=office,
        person=siti,
        cells={**person_cells(siti), "birth_place": "Bogor"},
        expected_version=siti.version,
    )
    died = {"Siti Lama": date(2010, 1, 5), "Rahmat Sendiri": date(2012, 3, 1),
            "Dewi Dirawat": date(2011, 7, 7), "Ani Baru": date(2025, 1, 1)}  # fmt: skip
    for name, day in died.items():
        Person.objects.filter(full_name=name).update(deceased_date=day)
    served_case(in_care, make_user(Role.SOCIAL_WORKER, "3201"), make_user(Role.SUPERVISOR, "3201"))
    return {"couple": couple, "alone": alone, "siti": siti, "in_care": in_care, "recent": recent}


def test_a_dry_run_says_who_and_changes_nothing(world):
    plan = anonymise(today=TODAY, years=10, dry_run=True)
    rahmat = world["alone"].members.get()
    assert plan.persons == sorted([world["siti"].pk, rahmat.pk])
    assert plan.households == [world["alone"].pk]
    assert plan.held == [world["in_care"].members.get().pk]
    assert Person.objects.get(pk=world["siti"].pk).full_name == "Siti Lama"
    assert not AuditEntry.objects.filter(entity="person_anonymised").exists()


def test_the_long_dead_are_anonymised_and_their_history_redacted(world):
    anonymise(today=TODAY, years=10)
    siti = Person.all_objects.get(pk=world["siti"].pk)
    assert (siti.full_name, siti.nik, siti.birth_place, siti.hiv) == (
        ANONYMOUS_NAME,
        None,
        None,
        None,
    )
    assert (siti.sex, siti.birth_date, siti.anonymised_on) == ("P", date(1950, 1, 1), TODAY)
    history = ChangeRecord.objects.filter(entity="person", record_id=siti.pk)
    (change,) = history.filter(action="updated")
    assert change.changes == {"birth_place": [REDACTED, REDACTED]}
    assert "Siti" not in str([c.changes for c in history])
    couple = Household.objects.get(pk=world["couple"].pk)
    assert couple.address == "Jl. Kenanga 1"  # Budi still lives there
    assert Household.objects.get(pk=world["alone"].pk).address is None
    assert Person.objects.get(full_name="Budi Hidup")
    assert Person.objects.get(full_name="Dewi Dirawat"), "held: her family's case is open"
    assert Person.objects.get(full_name="Ani Baru"), "died within the period"
    entry = AuditEntry.objects.get(entity="person_anonymised")
    assert entry.record_ids == sorted([siti.pk, world["alone"].members.get().pk])


def test_anonymising_twice_finds_nothing_more(world):
    anonymise(today=TODAY, years=10)
    assert anonymise(today=TODAY, years=10).persons == []


def test_the_command(world):
    runner = CliRunner()
    dry = runner.invoke(main, ["privacy", "anonymise", "--years", "10", "--dry-run"])
    assert "2 persons and 1 households would be anonymised" in dry.output
    assert "1 held" in dry.output
    assert not AuditEntry.objects.filter(action="command").exists()
    done = runner.invoke(main, ["privacy", "anonymise", "--years", "10"])
    assert done.exit_code == 0, done.output
    assert AuditEntry.objects.filter(action="command", entity="privacy anonymise").exists()


def test_the_command_forgets_the_answers_kept_for_retried_writes_after_their_days(
    world, make_user, settings
):
    settings.SEJAHTERA_ANSWER_DAYS = 30
    user = make_user(Role.VILLAGE_OPERATOR, "3201011002")
    old, recent = (
        SubmissionKey.objects.create(
            user=user, key=key, fingerprint="f", status=201, body={"nik": "3201014405800001"}
        )
        for key in ("old", "recent")
    )
    SubmissionKey.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=31))
    done = CliRunner().invoke(main, ["privacy", "anonymise", "--years", "10"])
    assert "1 answers kept for retried writes forgotten" in done.output
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.body, old.status) == (None, 201)  # the key stays: a late retry does nothing
    assert recent.body == {"nik": "3201014405800001"}
