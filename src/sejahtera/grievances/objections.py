"""Objections (sanggah): filing, verification by the regency's social office, and lapsing
when not verified in time (a scheduled command, never a page visit). A confirmed objection
holds the household's active enrolments for review.

Each step is checked by ``domain.participation`` and, where it changes anything, is atomic and
written to the audit trail."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from sejahtera.accounts import access, audit
from sejahtera.accounts.models import AuditEntry, User
from sejahtera.cases import evidence
from sejahtera.domain.delivery import Suspension
from sejahtera.domain.findings import StepRefused
from sejahtera.domain.participation import (
    Actor,
    ObjectionStatus,
    objection_deadline,
    objection_filing,
    objection_step,
    tracking_number,
)
from sejahtera.grievances.models import Objection
from sejahtera.programmes.models import Enrolment
from sejahtera.registry.models import Household, HouseholdReview, Region


@transaction.atomic
def file_objection(
    *,
    household: Household,
    objector_name: str,
    objector_village: Region,
    reason: str,
    filed_on: date,
    objector_nik: str = "",
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    filed_by: User | None = None,
    photo: UploadedFile | None = None,
) -> Objection:
    """A resident's objection, with its tracking number and the date it lapses if unverified.
    Staff take it in for a resident of their own region; the public page with no user."""
    if filed_by is not None:
        access.require(filed_by, access.OBJECTION_TAKERS)
        access.require_region(filed_by, household.village_id)
    findings = objection_filing(objector_village.code, household.village_id, reason)
    if photo is not None:
        findings += evidence.problems(photo)
    if findings:
        raise StepRefused(findings)
    objection = Objection.objects.create(
        household=household,
        objector_name=objector_name,
        objector_nik=objector_nik,
        objector_village=objector_village,
        reason=reason,
        latitude=latitude,
        longitude=longitude,
        filed_on=filed_on,
        filed_by=filed_by,
        deadline=objection_deadline(filed_on, settings.SEJAHTERA_OBJECTION_DAYS),
    )
    # the serial is the row's own number: unique without a counter of its own
    objection.tracking_number = tracking_number("objection", filed_on.year, objection.pk)
    if photo is not None:
        objection.photo_upload = evidence.store(f"objection-{objection.pk}", photo)
    objection.save(update_fields=["tracking_number", "photo_upload"])
    return objection


@transaction.atomic
def verify_objection(
    *, actor: User, objection: Objection, confirmed: bool, note: str, today: date
) -> Objection:
    """The regency's office confirms or dismisses an objection in its region before the
    deadline. Confirmed, the household's active enrolments are held for review and the next
    targeting run carries the finding."""
    access.require(actor, access.OBJECTION_VERIFIERS)
    access.require_region(actor, objection.household.village_id)
    locked = Objection.objects.select_for_update().get(pk=objection.pk)
    target = ObjectionStatus.CONFIRMED if confirmed else ObjectionStatus.DISMISSED
    findings = objection_step(
        ObjectionStatus(locked.status),
        target,
        Actor.REGENCY_OFFICE,
        filed_on=locked.filed_on,
        today=today,
        days=(locked.deadline - locked.filed_on).days,
        note=note,
        took_it_in=locked.filed_by_id == actor.pk,
    )
    if findings:
        raise StepRefused(findings)
    locked.status, locked.verified_by, locked.verified_on, locked.note = target, actor, today, note
    locked.save(update_fields=["status", "verified_by", "verified_on", "note"])
    if confirmed:
        HouseholdReview.objects.create(
            household_id=locked.household_id,
            source="objection",
            reference=locked.tracking_number or "",
            finding=note,
            opened_on=today,
        )
        Enrolment.objects.filter(
            household=locked.household_id, status=Enrolment.Status.ACTIVE
        ).update(
            status=Enrolment.Status.SUSPENDED,
            suspension=Suspension.OBJECTION_REVIEW,
            suspended_on=today,
        )
    return locked


@transaction.atomic
def lapse_overdue(today: date) -> list[Objection]:
    """Every objection still unverified after its deadline lapses, today; the lapse is
    recorded on each and, with their ids, in the audit trail."""
    overdue = list(
        Objection.objects.select_for_update().filter(
            status=ObjectionStatus.FILED, deadline__lt=today
        )
    )
    for objection in overdue:
        findings = objection_step(
            ObjectionStatus.FILED,
            ObjectionStatus.LAPSED,
            Actor.SYSTEM,
            filed_on=objection.filed_on,
            today=today,
            days=(objection.deadline - objection.filed_on).days,
        )
        if findings:  # the domain and the query disagree: a bug, never a silent lapse
            raise StepRefused(findings)
    Objection.objects.filter(pk__in=[o.pk for o in overdue]).update(
        status=ObjectionStatus.LAPSED, lapsed_on=today
    )
    if overdue:
        audit.record(
            user=None,
            action=AuditEntry.Action.WRITE,
            entity="objection_lapsed",
            record_ids=[o.pk for o in overdue],
            purpose="grievances",
            path=f"objections unverified after their deadline, lapsed {today.isoformat()}",
        )
    return overdue
