"""Correction requests (UU 27/2022, the right to correction): a person asks, on the public
page or at an office, that their name, sex, birth date or birth place be corrected, with a
description of what is wrong. The regency's social office reviews it once: accepted, the
record is corrected through the registry's own edit (its validators, its history); rejected,
the note says why. The person follows it by tracking number."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet

from sejahtera.accounts import access
from sejahtera.accounts.models import User
from sejahtera.domain.findings import StepRefused, error, gettext_noop
from sejahtera.domain.participation import (
    CORRECTABLE,
    CorrectionStatus,
    correction_review,
    tracking_number,
)
from sejahtera.grievances.models import Channel, CorrectionRequest
from sejahtera.registry.models import ChangeRecord, Person
from sejahtera.registry.services import records
from sejahtera.registry.services.records import EditConflict, RecordInvalid


@transaction.atomic
def request_correction(
    *,
    person: Person,
    requester_name: str,
    description: str,
    cells: Mapping[str, str],
    received_on: date,
    requester_nik: str = "",
    received_by: User | None = None,
) -> CorrectionRequest:
    """A request with its tracking number; the corrected values are checked by the registry's
    rules now (the form says which is wrong), and only the fields a person may correct."""
    if received_by is not None:
        access.require(received_by, access.CORRECTION_REVIEWERS | access.REGISTRY_EDITORS)
        access.require_region(received_by, person.household.village_id)
    asked = {name: value for name, value in cells.items() if name in CORRECTABLE and value}
    if not description.strip():
        raise StepRefused(
            [
                error(
                    "CORRECTION_DESCRIPTION_MISSING",
                    gettext_noop("say what is wrong"),
                    "description",
                )
            ]
        )
    if asked and (found := records.check_member(_identity(person) | asked, received_on)):
        raise RecordInvalid(members={0: found})
    request = CorrectionRequest.objects.create(
        person=person,
        requester_name=requester_name.strip(),
        requester_nik=requester_nik,
        description=description.strip(),
        cells=asked,
        channel=Channel.PUBLIC if received_by is None else Channel.OFFICE,
        received_by=received_by,
        received_on=received_on,
    )
    request.tracking_number = tracking_number("correction", received_on.year, request.pk)
    request.save(update_fields=["tracking_number"])
    return request


def _identity(person: Person) -> dict[str, str]:
    """The columns a request is checked against when it is made: only what it may change and
    the relationship a record needs. The rest of the record (pregnancy, a date of death) stays
    out, so that the answer to the public page never depends on it; the review checks the
    whole record."""
    cells = records.person_cells(person)
    return {name: cells[name] for name in (*CORRECTABLE, "relationship")}


def corrections_for(user: User) -> QuerySet[CorrectionRequest]:
    if not access.has_role(user, access.CORRECTION_READERS):
        return CorrectionRequest.objects.none()
    prefix = access.region_prefix(user)
    return CorrectionRequest.objects.filter(
        person__household__village__code__startswith=prefix
    ).select_related("person__household__village")


@transaction.atomic
def review_correction(
    actor: User, request: CorrectionRequest, *, accepted: bool, note: str, today: date
) -> CorrectionRequest:
    """The office accepts (the record is corrected, as an edit of the actor's) or rejects a
    request of its region, once, saying what it checked."""
    if not access.has_role(actor, access.CORRECTION_REVIEWERS) or not (
        corrections_for(actor).filter(pk=request.pk).exists()
    ):
        raise PermissionDenied
    locked = CorrectionRequest.objects.select_for_update().get(pk=request.pk)
    findings = correction_review(CorrectionStatus(locked.status), note)
    if findings:
        raise StepRefused(findings)
    if accepted and locked.cells:
        # locked: an edit of the person committing meanwhile is waited for, then built on
        person = Person.objects.select_for_update().get(pk=locked.person_id)
        try:
            changed = records.update_person(
                actor=actor,
                person=person,
                cells=records.person_cells(person) | locked.cells,
                expected_version=person.version,
                today=today,
            )
        except RecordInvalid as invalid:
            found = [f for errors in invalid.members.values() for f in errors]
            raise StepRefused(found) from invalid
        except EditConflict as conflict:
            raise StepRefused(
                [
                    error(
                        "edited_meanwhile", gettext_noop("The record changed meanwhile: try again.")
                    )
                ]
            ) from conflict
        locked.change = (
            None
            if not changed  # the record already read so
            else ChangeRecord.objects.filter(entity=ChangeRecord.Entity.PERSON, record_id=person.pk)
            .order_by("-changed_at", "-id")
            .first()
        )
    locked.status = CorrectionStatus.ACCEPTED if accepted else CorrectionStatus.REJECTED
    locked.reviewed_by, locked.reviewed_on, locked.note = actor, today, note.strip()
    locked.save()
    return locked
