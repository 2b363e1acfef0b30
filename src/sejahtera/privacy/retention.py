"""Retention (UU 27/2022: personal data are kept no longer than their purpose needs). The record
of a person who died more than ``SEJAHTERA_RETENTION_YEARS`` ago is anonymised: name, NIK, birth
place and every field of specific data are cleared, the birth date keeps its year, and the
person's change history keeps which fields changed and when but not their values. What stays
(sex, year of birth, relationship, region, circumstances) still counts in statistics. A
household whose members are all anonymised loses its address, KK number and location.

A person whose family still has an open case or an active enrolment is held, not anonymised,
and reported: the purpose of their record has not ended. Payments keep their recipient's name:
state finance law keeps payment records for their own period."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import TruncYear

from sejahtera.accounts import audit
from sejahtera.accounts.models import AuditEntry
from sejahtera.cases.models import Case
from sejahtera.programmes.models import Enrolment
from sejahtera.registry.models import ChangeRecord, Household, Person

ANONYMOUS_NAME = "(anonim)"
REDACTED = "(dihapus)"
HOUSEHOLD_IDENTIFYING = ("kk_number", "address", "rt", "rw", "latitude", "longitude")
PERSON_IDENTIFYING = ("nik", "nik_warnings", "birth_place")
BATCH = 5000


@dataclass(frozen=True)
class Retention:
    persons: list[int]  # anonymised (or, in a dry run, to be)
    households: list[int]  # whose members are then all anonymised
    held: list[int]  # due, but their family's case or enrolment is still open


def anonymise(*, today: date, years: int, dry_run: bool = False) -> Retention:
    """Anonymises every person who died more than ``years`` before ``today`` (a dry run only
    says who); the anonymised ids are an entry in the audit trail."""
    cutoff = today.replace(year=today.year - years)
    due = Person.all_objects.filter(deceased_date__lt=cutoff, anonymised_on__isnull=True)
    open_case = Case.objects.filter(household=OuterRef("household_id"), closed_on__isnull=True)
    active = Enrolment.objects.filter(
        Q(person=OuterRef("pk")) | Q(person__isnull=True, household=OuterRef("household_id")),
        status=Enrolment.Status.ACTIVE,
    )
    held = due.filter(Exists(open_case) | Exists(active))
    chosen = due.exclude(Exists(open_case) | Exists(active))
    persons = sorted(chosen.values_list("pk", flat=True))
    households = sorted(_emptied(chosen).values_list("pk", flat=True))
    plan = Retention(persons, households, sorted(held.values_list("pk", flat=True)))
    if dry_run or not persons:
        return plan
    with transaction.atomic():
        for ids in _batches(persons):
            Person.all_objects.filter(pk__in=ids).update(
                full_name=ANONYMOUS_NAME,
                birth_date=TruncYear("birth_date"),
                anonymised_on=today,
                **dict.fromkeys(PERSON_IDENTIFYING),
                specific_data=None,
            )
        for ids in _batches(households):
            Household.objects.filter(pk__in=ids).update(**dict.fromkeys(HOUSEHOLD_IDENTIFYING))
        _redact_history(ChangeRecord.Entity.PERSON, persons)
        _redact_history(ChangeRecord.Entity.HOUSEHOLD, households)
        audit.record(
            user=None,
            action=AuditEntry.Action.WRITE,
            entity="person_anonymised",
            record_ids=persons,
            purpose="retention",
            path=f"retention: died before {cutoff.isoformat()}",
        )
    return plan


def _emptied(chosen: QuerySet[Person]) -> QuerySet[Household]:
    """Households every member of which is anonymised once the ``chosen`` are."""
    remaining = Person.all_objects.filter(
        household=OuterRef("pk"), anonymised_on__isnull=True
    ).exclude(pk__in=chosen.values("pk"))
    return Household.objects.filter(pk__in=chosen.values("household_id")).exclude(Exists(remaining))


def _redact_history(entity: str, ids: list[int]) -> None:
    """Keeps which fields changed and when, not their values. The append-only guard lets
    this one UPDATE through (registry migration 0011)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('sejahtera.anonymising', 'on', true)")
    for batch in _batches(ids):
        records = list(ChangeRecord.objects.filter(entity=entity, record_id__in=batch))
        for record in records:
            record.changes = {field: [REDACTED, REDACTED] for field in record.changes}
        ChangeRecord.objects.bulk_update(records, ["changes"], batch_size=1000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('sejahtera.anonymising', 'off', true)")


def _batches(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), BATCH):
        yield ids[start : start + BATCH]
