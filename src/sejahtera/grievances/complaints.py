"""Complaints (pengaduan): taken in on the public page or by staff, routed by category and
region to the office that handles them (``domain.participation.route``), resolved there with
the outcome the complainant is told, and escalated one level up by a daily command each time
a deadline passes. A complaint about staff misconduct goes to the level above the office and
is never shown to the staff member it names."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, QuerySet

from sejahtera.accounts import access, audit
from sejahtera.accounts.models import AuditEntry, Role, User
from sejahtera.domain.findings import StepRefused, error, gettext_noop
from sejahtera.domain.participation import (
    ComplaintCategory,
    ComplaintStatus,
    Level,
    Route,
    complaint_resolution,
    escalate,
    route,
    tracking_number,
)
from sejahtera.grievances.models import Channel, Complaint, ComplaintEscalation
from sejahtera.registry.models import Household, Region

# the role that handles complaints at each level (administrators at any)
LEVEL_ROLES = {
    Level.REGENCY: Role.DISTRICT_OFFICE,
    Level.PROVINCE: Role.PROVINCIAL_OFFICE,
    Level.MINISTRY: Role.MINISTRY_ANALYST,
}
# the level of the office a staff member works for (a complaint about them goes above it)
STAFF_LEVELS: dict[str, Level] = {
    Role.PROVINCIAL_OFFICE: Level.PROVINCE,
    Role.MINISTRY_ANALYST: Level.MINISTRY,
    Role.PROGRAMME_MANAGER: Level.MINISTRY,
    Role.ADMINISTRATOR: Level.MINISTRY,
}
DESCRIPTION_MISSING = "COMPLAINT_DESCRIPTION_MISSING"


@transaction.atomic
def file_complaint(
    *,
    category: ComplaintCategory,
    region: Region,
    description: str,
    complainant_name: str,
    received_on: date,
    received_by: User | None = None,
    complainant_nik: str = "",
    complainant_phone: str = "",
    household: Household | None = None,
    named_staff: User | None = None,
) -> Complaint:
    """A complaint with its tracking number, routed to its office with its deadline. Staff
    take complaints in within their own region; the public page with no user."""
    if received_by is not None:
        access.require(received_by, access.COMPLAINT_TAKERS)
        access.require_region(received_by, region.code)
    findings = []
    if not description.strip():
        findings.append(
            error(DESCRIPTION_MISSING, gettext_noop("say what happened"), "description")
        )
    if not complainant_name.strip():
        findings.append(error("COMPLAINANT_NAME_MISSING", gettext_noop("give your name"), "name"))
    if household is not None and not household.village_id.startswith(region.code):
        findings.append(
            error(
                "COMPLAINT_HOUSEHOLD_ELSEWHERE",
                gettext_noop("the household is not in the region of the complaint"),
            )
        )
    if findings:
        raise StepRefused(findings)
    staff_level = STAFF_LEVELS.get(named_staff.role, Level.REGENCY) if named_staff else None
    routed = route(ComplaintCategory(category), region.code, received_on, staff_level=staff_level)
    complaint = Complaint.objects.create(
        category=category,
        region=region,
        household=household,
        description=description.strip(),
        complainant_name=complainant_name.strip(),
        complainant_nik=complainant_nik,
        complainant_phone=complainant_phone,
        named_staff=named_staff,
        channel=Channel.PUBLIC if received_by is None else Channel.OFFICE,
        received_by=received_by,
        received_on=received_on,
        level=routed.level,
        office_region_code=routed.region_code,
        due_on=routed.due_on,
    )
    complaint.tracking_number = tracking_number("complaint", received_on.year, complaint.pk)
    complaint.save(update_fields=["tracking_number"])
    return complaint


def handled_by(user: User) -> Q:
    """The complaints ``user`` may read: those at their office's level and region, all of
    them for auditors, all but those about staff for administrators — never one that names
    the user."""
    if not access.has_role(user, access.COMPLAINT_READERS):
        return Q(pk__in=[])
    not_about_them = ~Q(named_staff=user)
    if user.role == Role.AUDITOR:
        return not_about_them
    if user.role == Role.ADMINISTRATOR:
        # staff misconduct is for the supervising level and auditors alone
        return not_about_them & ~Q(category=ComplaintCategory.STAFF_MISCONDUCT)
    levels = [level for level, role in LEVEL_ROLES.items() if role == user.role]
    prefix = access.region_prefix(user)
    return (
        Q(level__in=levels, office_region_code__startswith=prefix)
        & Q(region__code__startswith=prefix)
        & not_about_them
    )


def visible_complaints(user: User) -> QuerySet[Complaint]:
    return Complaint.objects.filter(handled_by(user)).select_related("region")


def may_resolve(user: User, complaint: Complaint) -> bool:
    return (
        access.has_role(user, access.COMPLAINT_HANDLERS)
        and visible_complaints(user).filter(pk=complaint.pk).exists()
    )


@transaction.atomic
def resolve(actor: User, complaint: Complaint, *, outcome: str, today: date) -> Complaint:
    """The office handling the complaint resolves it, with the outcome the complainant is
    told when they look it up by its tracking number."""
    if not may_resolve(actor, complaint):
        raise PermissionDenied
    locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
    findings = complaint_resolution(ComplaintStatus(locked.status), outcome)
    if findings:
        raise StepRefused(findings)
    locked.status, locked.outcome = ComplaintStatus.RESOLVED, outcome.strip()
    locked.resolved_by, locked.resolved_on = actor, today
    locked.save(update_fields=["status", "outcome", "resolved_by", "resolved_on"])
    return locked


@transaction.atomic
def escalate_overdue(today: date) -> list[Complaint]:
    """Every open complaint past its deadline goes one level up with a new deadline (once a
    day at most: the new deadline is after today); at the ministry it stays, overdue."""
    escalated = []
    overdue = Complaint.objects.select_for_update().filter(
        status=ComplaintStatus.OPEN, due_on__lt=today
    )
    for complaint in overdue.exclude(level=Level.MINISTRY):
        current = Route(Level(complaint.level), complaint.office_region_code, complaint.due_on)
        category = ComplaintCategory(complaint.category)
        upper = escalate(current, category, complaint.region_id, today)
        if upper is None:
            continue
        ComplaintEscalation.objects.create(
            complaint=complaint,
            on=today,
            from_level=complaint.level,
            to_level=upper.level,
            missed_due_on=complaint.due_on,
        )
        complaint.level, complaint.office_region_code = upper.level, upper.region_code
        complaint.due_on, complaint.escalations = upper.due_on, complaint.escalations + 1
        complaint.save(update_fields=["level", "office_region_code", "due_on", "escalations"])
        escalated.append(complaint)
    if escalated:
        audit.record(
            user=None,
            action=AuditEntry.Action.WRITE,
            entity="complaint_escalated",
            record_ids=[c.pk for c in escalated],
            purpose="grievances",
            path=f"complaints past their deadline, escalated {today.isoformat()}",
        )
    return escalated
