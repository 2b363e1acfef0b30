"""Decrees: prepared from a stored targeting run as a diff against the current enrolments,
approved by a second person, applied to the enrolments in one transaction.

The steps over beneficiaries are set-based SQL (``INSERT … SELECT`` and ``UPDATE … WHERE …
IN``), portable between SQLite and PostgreSQL: a national programme has millions of them.
Only the waiting families promoted into freed places are chosen in Python, by
``domain.delivery``; there are as many as there are places freed.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from sejahtera.accounts import access
from sejahtera.accounts.models import User
from sejahtera.cases.models import CaseEvent, EnrolmentRequest, GraduationRequest
from sejahtera.domain.delivery import (
    Change,
    Reason,
    Waiting,
    check_decree_start,
    fill_freed_places,
    freed_places,
    require_second_person,
)
from sejahtera.domain.findings import Refused, gettext_noop
from sejahtera.programmes.models import Decree, DecreeLine
from sejahtera.programmes.selectors import ENROLLED_CHANGES, deceased_by, line_totals
from sejahtera.programmes.subjects import subject_sql
from sejahtera.programmes.tasks import refresh_coverage
from sejahtera.registry import privacy
from sejahtera.registry.models import DuplicateCandidate, Person
from sejahtera.registry.services.bulk import analyse, without_jit
from sejahtera.targeting.models import TargetingRun
from sejahtera.targeting.selectors import programme_codes, rules_of


class DecreeRefused(Refused):
    pass


def _not_a_draft(decree: Decree) -> DecreeRefused:
    return DecreeRefused(
        gettext_noop("decree #{decree} is {status}, not a draft"),
        decree=decree.pk,
        status=decree.get_status_display(),
    )


OPEN_ENROLMENT = (
    "programmes_enrolment e ON e.programme = d.programme AND e.ended_on IS NULL "
    f"AND e.subject = {subject_sql('d')}"
)
LINE_COLUMNS = (
    "decree_id, subject, household_id, person_id, region_code, change, reason, monthly_amount, "
    "per_stage_amount, yearly_amount, previous_yearly_amount, rank, decision_id"
)

# The run's eligible subjects: new, continuing, or continuing with other amounts.
ELIGIBLE = f"""
INSERT INTO programmes_decreeline ({LINE_COLUMNS})
SELECT %(decree)s, {subject_sql("d")}, d.household_id, d.person_id, d.region_code,
       CASE WHEN e.id IS NULL THEN 'new'
            WHEN COALESCE(e.yearly_amount, -1) = COALESCE(d.yearly_amount, -1)
             AND COALESCE(e.monthly_amount, -1) = COALESCE(d.monthly_amount, -1)
             AND COALESCE(e.per_stage_amount, -1) = COALESCE(d.per_stage_amount, -1)
             AND e.region_code = d.region_code
            THEN 'continuing' ELSE 'changed' END,
       CASE WHEN e.id IS NOT NULL AND e.region_code <> d.region_code THEN 'moved' ELSE '' END,
       d.monthly_amount, d.per_stage_amount, d.yearly_amount, e.yearly_amount, NULL, d.id
FROM targeting_decision d LEFT JOIN {OPEN_ENROLMENT}
WHERE d.run_id = %(run)s AND d.programme = %(programme)s AND d.eligible
"""

# Enrolled subjects the run no longer finds eligible (or that a limit cut).
NO_LONGER_ELIGIBLE = f"""
INSERT INTO programmes_decreeline ({LINE_COLUMNS})
SELECT %(decree)s, e.subject, e.household_id, e.person_id, e.region_code, 'leaving',
       CASE WHEN d.limited_by <> '' THEN 'limit' ELSE 'not_eligible' END,
       NULL, NULL, NULL, e.yearly_amount, NULL, d.id
FROM programmes_enrolment e
LEFT JOIN targeting_decision d
  ON d.run_id = %(run)s AND d.programme = e.programme AND {subject_sql("d")} = e.subject
WHERE e.programme = %(programme)s AND e.ended_on IS NULL AND (d.id IS NULL OR NOT d.eligible)
"""

# Eligible by the rules, cut by a quota or the budget, not enrolled: the waiting list, the
# poorest first (as the limits took them).
WAITING = f"""
INSERT INTO programmes_decreeline ({LINE_COLUMNS})
SELECT %(decree)s, {subject_sql("d")}, d.household_id, d.person_id, d.region_code, 'waiting',
       'limit', d.monthly_amount, d.per_stage_amount, d.yearly_amount, NULL,
       ROW_NUMBER() OVER (ORDER BY r.welfare_score, d.household_id, d.person_id), d.id
FROM targeting_decision d
JOIN targeting_householdresult r ON r.run_id = d.run_id AND r.household_id = d.household_id
LEFT JOIN {OPEN_ENROLMENT}
WHERE d.run_id = %(run)s AND d.programme = %(programme)s AND NOT d.eligible
  AND d.limited_by <> '' AND e.id IS NULL
"""


def _overrides(period_start: date) -> list[tuple[Reason, Q]]:
    """What the run cannot know turns a subject around: graduated families leave social
    assistance (freeing aid for those who need it more), the dead leave, a record merged into
    another leaves (the person is the record kept), and a person whose NIK another record
    holds, or whom an import holds, waits for the pair's review."""
    # A pair with a record an import holds makes the held record wait, not the registered
    # one: a second record of an enrolled beneficiary does not end their enrolment.
    # Held records are few (their own index): a join to every person of the country would
    # read them all.
    held = Person.all_objects.filter(held_for_review=True).values("pk")
    open_pairs = DuplicateCandidate.objects.filter(status=DuplicateCandidate.Status.OPEN).exclude(
        Q(person_id__in=held) | Q(other_id__in=held)
    )
    return [
        (
            Reason.GRADUATED,
            Q(
                household_id__in=GraduationRequest.objects.filter(
                    status=GraduationRequest.Status.APPROVED, decided_on__lte=period_start
                ).values("case__household_id")
            ),
        ),
        (Reason.DECEASED, deceased_by(period_start)),
        (
            Reason.MERGED,
            Q(person_id__in=Person.all_objects.filter(merged_into__isnull=False).values("pk")),
        ),
        (
            Reason.DUPLICATE_REVIEW,
            Q(person_id__in=open_pairs.values("person_id"))
            | Q(person_id__in=open_pairs.values("other_id"))
            | Q(person_id__in=held),
        ),
    ]


def _execute(sql: str, params: dict[str, Any]) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def prepare_decree(actor: User, programme: str, period_start: date, run: TargetingRun) -> Decree:
    """A draft decree of ``programme`` from ``period_start``: every subject of the run and of
    the current enrolments, with what the decree would do to it and why (DecreeRefused: a
    period not starting on the first of a month, or too long ago or too far ahead)."""
    access.require(actor, access.DECREE_MAKERS)
    check_decree_start(period_start, timezone.localdate(), DecreeRefused)
    if run.status != TargetingRun.Status.COMPLETED or run.is_simulation:
        raise DecreeRefused(
            gettext_noop("a decree is prepared from a completed run that is not a simulation")
        )
    if programme not in programme_codes(run):
        raise DecreeRefused(
            gettext_noop("run #{run} decides no programme {programme}"),
            run=run.pk,
            programme=programme,
        )
    if programme in rules_of(run).revealing_programmes and not privacy.may_read_specific(actor):
        # Its beneficiaries reveal a vulnerable cluster, which this role may not read.
        raise PermissionDenied

    with transaction.atomic():
        without_jit()
        # Read before the enrolments: a decree approved after this read makes the draft stale.
        in_force = last_approved(programme)
        if in_force is not None and period_start <= in_force.period_start:
            # Its leaving families would end before their enrolment in force started.
            raise DecreeRefused(
                gettext_noop(
                    "the {programme} decree in force starts {start}: a new decree starts after it"
                ),
                programme=programme,
                start=in_force.period_start.isoformat(),
            )
        decree = Decree.objects.create(
            programme=programme,
            period_start=period_start,
            run=run,
            prepared_by=actor,
            follows=in_force,
        )
        params = {
            "decree": decree.pk,
            "run": run.pk,
            "programme": programme,
            "period_start": period_start,
        }
        for statement in (ELIGIBLE, NO_LONGER_ELIGIBLE, WAITING):
            _execute(statement, params)
        analyse("programmes_decreeline")
        freed = []
        for reason, condition in _overrides(period_start):
            lines = DecreeLine.objects.filter(condition, decree=decree)
            counted = lines.filter(change__in=ENROLLED_CHANGES)
            # A place the run filled but the decree does not: the next waiting family takes it.
            freed += list(counted.values_list("region_code", flat=True))
            counted.exclude(change=Change.NEW).update(
                change=Change.LEAVING, reason=reason, monthly_amount=None,
                per_stage_amount=None, yearly_amount=None,
            )  # fmt: skip
            not_enrolled = lines.filter(change__in=[Change.NEW, Change.WAITING])
            if reason is Reason.DUPLICATE_REVIEW:
                not_enrolled.update(change=Change.HELD, reason=reason)
            else:
                not_enrolled.delete()
        _promote_waiting(decree, run, freed)
        decree.totals = decree_totals(decree)
        decree.save(update_fields=["totals"])
    return decree


def _promote_waiting(decree: Decree, run: TargetingRun, freed_regions: list[str]) -> None:
    quota_regions = list((run.limits.get(decree.programme) or {}).get("quotas", {}))
    waiting = [
        Waiting(subject, region, rank or 0)
        for subject, region, rank in DecreeLine.objects.filter(
            decree=decree, change=Change.WAITING
        ).values_list("subject", "region_code", "rank")
    ]
    chosen = fill_freed_places(freed_places(freed_regions, quota_regions), waiting, quota_regions)
    DecreeLine.objects.filter(decree=decree, subject__in=chosen).update(
        change=Change.NEW, reason=Reason.FREED_PLACE
    )


def decree_totals(decree: Decree) -> dict[str, Any]:
    return line_totals([decree], DecreeLine.objects.all())[decree.pk]


def last_approved(programme: str) -> Decree | None:
    """The programme's decree approved last (the one in force)."""
    approved = Decree.objects.filter(programme=programme, status=Decree.Status.APPROVED)
    return approved.order_by("-decided_at", "-pk").first()


def approve_decree(actor: User, decree: Decree) -> Decree:
    """Apply a draft decree: enrol the new, change the amounts of the changed, end the leaving,
    all at once. A second person approves; a decree is approved once."""
    access.require(actor, access.DECREE_MAKERS)
    with transaction.atomic():
        without_jit()
        # The programme's decrees locked together (a few a year): of two drafts approved at
        # once, the second sees the first approved.
        decrees = list(
            Decree.objects.select_for_update().filter(programme=decree.programme).order_by("pk")
        )
        decree = next(d for d in decrees if d.pk == decree.pk)
        if decree.status != Decree.Status.DRAFT:
            raise _not_a_draft(decree)
        require_second_person(decree.prepared_by_id, actor.pk, decree.amended_by)
        in_force = last_approved(decree.programme)
        if (in_force.pk if in_force else None) != decree.follows_id:
            raise DecreeRefused(
                gettext_noop(
                    "another {programme} decree was approved after this draft was prepared: "
                    "its enrolments are no longer the ones this draft changes; prepare a new draft"
                ),
                programme=decree.programme,
            )
        params = {
            "decree": decree.pk,
            "programme": decree.programme,
            "period_start": decree.period_start,
        }
        _execute(END_LEAVING, params)
        _execute(CHANGE_AMOUNTS, params)
        _execute(ENROL_NEW, params)
        analyse("programmes_enrolment")  # the cycles that follow plan for the new enrolments
        decree.status = Decree.Status.APPROVED
        decree.decided_by = actor
        decree.decided_at = timezone.now()
        decree.save(update_fields=["status", "decided_by", "decided_at"])
    refresh_coverage.enqueue()  # the dashboard's enrolled persons per cluster
    return decree


def reject_decree(actor: User, decree: Decree, reason: str) -> Decree:
    access.require(actor, access.DECREE_MAKERS)
    if not reason.strip():
        raise DecreeRefused(gettext_noop("give the reason for rejecting the decree"))
    with transaction.atomic():
        decree = Decree.objects.select_for_update().get(pk=decree.pk)
        if decree.status != Decree.Status.DRAFT:
            raise _not_a_draft(decree)
        require_second_person(decree.prepared_by_id, actor.pk)
        decree.rejection_reason = reason.strip()
        _close_unapproved(actor, decree, Decree.Status.REJECTED)
    return decree


def withdraw_decree(actor: User, decree: Decree) -> Decree:
    """Its preparer takes a draft back (prepared from the wrong run, or left behind by another
    approval); a second person would reject it instead."""
    access.require(actor, access.DECREE_MAKERS)
    with transaction.atomic():
        decree = Decree.objects.select_for_update().get(pk=decree.pk)
        if decree.status != Decree.Status.DRAFT:
            raise _not_a_draft(decree)
        if decree.prepared_by_id != actor.pk:
            raise DecreeRefused(gettext_noop("only its preparer withdraws a draft: reject it"))
        _close_unapproved(actor, decree, Decree.Status.WITHDRAWN)
    return decree


def _close_unapproved(actor: User, decree: Decree, status: str) -> None:
    """A draft that will never be approved: the families whose requests were accepted onto
    it wait for the next draft again (they were never enrolled), each case told why."""
    decree.status = status
    decree.decided_by = actor
    decree.decided_at = timezone.now()
    decree.save(update_fields=["status", "decided_by", "decided_at", "rejection_reason"])
    accepted = CaseEvent.objects.filter(
        kind=CaseEvent.Kind.ENROLMENT_DECIDED,
        facts__decree=decree.pk,
        facts__status=EnrolmentRequest.Status.ACCEPTED,
    ).values_list("facts__request", flat=True)
    returned = EnrolmentRequest.objects.select_for_update().filter(
        pk__in=list(accepted),
        action=EnrolmentRequest.Action.ENROL,
        status=EnrolmentRequest.Status.ACCEPTED,
    )
    today = timezone.localdate()
    for request in returned:
        request.status = EnrolmentRequest.Status.PENDING
        request.decided_by, request.decided_on, request.outcome = None, None, ""
        request.save(update_fields=["status", "decided_by", "decided_on", "outcome"])
        CaseEvent.objects.create(
            case_id=request.case_id,
            actor=actor,
            kind=CaseEvent.Kind.ENROLMENT_WAITING,
            on=today,
            reason=f"{request.action} {request.programme}: decree #{decree.pk} {status}",
            facts={"request": request.pk, "decree": decree.pk, "status": status},
        )


_LINES_OF = "SELECT subject FROM programmes_decreeline WHERE decree_id = %(decree)s AND change = "
END_LEAVING = f"""
UPDATE programmes_enrolment SET status = 'ended', ended_on = %(period_start)s,
  end_decree_id = %(decree)s,
  end_reason = (SELECT l.reason FROM programmes_decreeline l
                WHERE l.decree_id = %(decree)s AND l.subject = programmes_enrolment.subject)
WHERE programme = %(programme)s AND ended_on IS NULL AND subject IN ({_LINES_OF}'leaving')
"""
CHANGE_AMOUNTS = f"""
UPDATE programmes_enrolment SET
  monthly_amount = (SELECT l.monthly_amount FROM programmes_decreeline l
                    WHERE l.decree_id = %(decree)s AND l.subject = programmes_enrolment.subject),
  per_stage_amount = (SELECT l.per_stage_amount FROM programmes_decreeline l
                      WHERE l.decree_id = %(decree)s AND l.subject = programmes_enrolment.subject),
  yearly_amount = (SELECT l.yearly_amount FROM programmes_decreeline l
                   WHERE l.decree_id = %(decree)s AND l.subject = programmes_enrolment.subject),
  region_code = (SELECT l.region_code FROM programmes_decreeline l
                 WHERE l.decree_id = %(decree)s AND l.subject = programmes_enrolment.subject)
WHERE programme = %(programme)s AND ended_on IS NULL AND subject IN ({_LINES_OF}'changed')
"""
ENROL_NEW = """
INSERT INTO programmes_enrolment (programme, subject, household_id, person_id, region_code,
  status, started_on, ended_on, start_decree_id, end_decree_id, end_reason, suspension,
  monthly_amount, per_stage_amount, yearly_amount, decision_id)
SELECT %(programme)s, l.subject, l.household_id, l.person_id, l.region_code, 'active',
  %(period_start)s, NULL, %(decree)s, NULL, '', '', l.monthly_amount, l.per_stage_amount,
  l.yearly_amount, l.decision_id
FROM programmes_decreeline l WHERE l.decree_id = %(decree)s AND l.change = 'new'
"""
