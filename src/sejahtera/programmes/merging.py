"""What of delivery follows a person's merge (``registry.services.deduplication``): the
merged record's open enrolments become the kept record's, unless it is enrolled in the
programme itself (the unique constraint on open enrolments says so); decree lines,
entitlements, payments and the ledger stay as the record of their day. An enrolment keeps the
household and region it was decreed in, as its decision does (``targeting.merging``)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from sejahtera.domain.delivery import unit_subject
from sejahtera.programmes.models import Enrolment
from sejahtera.registry.models import Person
from sejahtera.registry.services.deduplication import PartFollows


def _open_enrolments(merged: Person, survivor: Person) -> QuerySet[Enrolment]:
    return Enrolment.objects.filter(person=merged, ended_on__isnull=True)


def _the_survivors(survivor: Person) -> dict[str, Any]:
    return {"person_id": survivor.pk, "subject": unit_subject(survivor.household_id, survivor.pk)}


ENROLMENTS = PartFollows(Enrolment, _open_enrolments, _the_survivors)
