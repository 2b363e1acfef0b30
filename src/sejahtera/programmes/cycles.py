"""Payment cycles: opening one computes every enrolled unit's entitlement for it, once.

Opening again, or two people opening at the same moment, adds nothing: the cycle is unique per
programme and period and its row is locked while its lines are written; the statement writes a
line only for the units that have none, one per unit; and the database holds every line
unique per unit (and payable once per NIK), refusing a second one whatever the code does.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Count, Sum
from django.utils import timezone

from sejahtera.accounts import access
from sejahtera.accounts.models import User
from sejahtera.domain.delivery import (
    DEFAULT_CALENDARS,
    Basis,
    Calendar,
    CycleRefused,
    EnrolmentKept,
    Suspension,
    check_period_start,
    cycle_end,
)
from sejahtera.domain.findings import gettext_noop
from sejahtera.programmes import ledger
from sejahtera.programmes.models import Cycle, Enrolment, Entitlement
from sejahtera.programmes.selectors import deceased_by, hidden_programmes
from sejahtera.registry.services.bulk import analyse, without_jit

ENTITLEMENTS = """
INSERT INTO programmes_entitlement (cycle_id, enrolment_id, subject, household_id, person_id,
  nik, region_code, amount, status, reason)
-- The person's NIK by its key (household units have none): never a join over every person of
-- the country. A person an import holds for review, or merged into another record, is no
-- record of the registry: nothing is paid to that record. Materialised: each look-up once per
-- enrolment, however often the statement reads it.
WITH units AS MATERIALIZED (
  SELECT e.*, (SELECT p.nik FROM registry_person p WHERE p.id = e.person_id) AS nik,
    (SELECT CASE WHEN p.merged_into_id IS NOT NULL THEN 'merged'
                 WHEN p.held_for_review THEN 'duplicate_review' END
     FROM registry_person p WHERE p.id = e.person_id) AS unrecorded,
    -- A unit whose enrolment ended and started again within the cycle: one line, the latest.
    ROW_NUMBER() OVER (PARTITION BY e.subject ORDER BY e.started_on DESC, e.id DESC) AS nth
  FROM programmes_enrolment e
  WHERE e.programme = %(programme)s AND e.started_on < %(end)s
    AND (e.ended_on IS NULL OR e.ended_on > %(start)s)
)
SELECT %(cycle)s, e.id, e.subject, e.household_id, e.person_id, e.nik, e.region_code,
  CASE WHEN e.status = 'suspended' OR e.unrecorded IS NOT NULL OR {second_nik} THEN 0
       ELSE {amount} END,
  CASE WHEN e.status = 'suspended' THEN 'suspended'
       WHEN e.unrecorded IS NOT NULL OR {second_nik} THEN 'held' ELSE 'payable' END,
  CASE WHEN e.status = 'suspended' THEN e.suspension
       WHEN e.unrecorded IS NOT NULL THEN e.unrecorded WHEN {second_nik} THEN 'duplicate_nik'
       ELSE '' END
FROM units e
-- What an earlier opening wrote, read once: probed per line, the table being filled could be
-- scanned once per line. The NIKs already payable in the cycle hold a newcomer; a unit with a
-- line, or an enrolment with one (a merge may have changed its subject since), gets no other.
LEFT JOIN (
  SELECT DISTINCT x.nik AS nik_paid FROM programmes_entitlement x
  WHERE x.cycle_id = %(cycle)s AND x.status = 'payable' AND x.nik IS NOT NULL
) paid ON paid.nik_paid = e.nik
LEFT JOIN (
  SELECT x.enrolment_id FROM programmes_entitlement x WHERE x.cycle_id = %(cycle)s
) had ON had.enrolment_id = e.id
LEFT JOIN (
  SELECT x.subject FROM programmes_entitlement x WHERE x.cycle_id = %(cycle)s
) unit_had ON unit_had.subject = e.subject
WHERE e.nth = 1 AND had.enrolment_id IS NULL AND unit_had.subject IS NULL
"""
# A person-level programme pays a NIK once per cycle, even when two person records (in two
# households) hold it: the first enrolment is paid, the others are held for review. A record
# that is no record of the registry (held, merged) comes last: it never takes the NIK's
# payment from the record that is.
# A NIK already payable in the cycle (from an earlier opening) holds the newcomer too.
SECOND_NIK = (
    "(e.nik IS NOT NULL AND (ROW_NUMBER() OVER (PARTITION BY e.nik "
    "ORDER BY CASE WHEN e.status = 'suspended' OR e.unrecorded IS NOT NULL THEN 1 ELSE 0 END, "
    "e.id) > 1 "
    "OR paid.nik_paid IS NOT NULL))"
)


def calendar_of(programme: str) -> Calendar:
    calendars = DEFAULT_CALENDARS | getattr(settings, "SEJAHTERA_PROGRAMME_CALENDARS", {})
    if programme not in calendars:
        raise CycleRefused(
            gettext_noop("{programme} pays no cycles (its calendar is not set)"),
            programme=programme,
        )
    return calendars[programme]


def check_cycle(actor: User, programme: str, period_start: date) -> date:
    """The first day after the cycle, if ``actor`` may open it (PermissionDenied) and it can
    be opened (CycleRefused: no calendar, too long ago or too far ahead, not the first of a
    month, overlapping another)."""
    access.require(actor, access.DECREE_MAKERS)
    if programme in hidden_programmes(actor):
        raise PermissionDenied
    calendar = calendar_of(programme)
    # Before its end is counted: a start past the bounds may have none (the year 10000).
    check_period_start(period_start, timezone.localdate(), CycleRefused)
    end = cycle_end(period_start, calendar)
    _refuse_overlap(programme, period_start, end)
    return end


def _refuse_overlap(programme: str, period_start: date, end: date) -> None:
    overlapping = Cycle.objects.filter(
        programme=programme, period_start__lt=end, period_end__gt=period_start
    ).exclude(period_start=period_start)
    if overlapping.exists():
        raise CycleRefused(
            gettext_noop("{programme} already has a cycle overlapping {date}"),
            programme=programme,
            date=period_start.isoformat(),
        )


def _lock_cycles_of(programme: str) -> None:
    """Openings of one programme's cycles take turns (PostgreSQL; SQLite has one writer):
    July's and August's two-month cycles opened at once would each pass the other's overlap
    check and owe August twice."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"cycles:{programme}"])


def open_cycle(
    actor: User, programme: str, period_start: date, progress: Progress | None = None
) -> Cycle:
    """The programme's cycle from ``period_start`` with an entitlement line for every unit
    enrolled in it: the amount owed, or zero with the reason (suspended, NIK held)."""
    end = check_cycle(actor, programme, period_start)
    calendar = calendar_of(programme)
    report = progress or no_progress
    with transaction.atomic():
        without_jit()
        _lock_cycles_of(programme)
        _refuse_overlap(programme, period_start, end)  # as it stands now, under the lock
        cycle, _ = Cycle.objects.get_or_create(
            programme=programme,
            period_start=period_start,
            defaults={"period_end": end, "opened_by": actor},
        )
        # A second opening waits here, then finds every line written.
        Cycle.objects.select_for_update().get(pk=cycle.pk)
        report("suspend", 0, 4)
        suspend_the_dead(programme, period_start)
        report("entitle", 1, 4)
        amount = (
            "COALESCE(e.per_stage_amount, 0)"
            if calendar.basis is Basis.STAGE
            else f"COALESCE(e.monthly_amount, 0) * {int(calendar.months_per_cycle)}"
        )
        sql = ENTITLEMENTS.format(amount=amount, second_nik=SECOND_NIK)
        params: dict[str, Any] = {
            "cycle": cycle.pk,
            "programme": programme,
            "start": period_start,
            "end": end,
        }
        with connection.cursor() as cursor:
            written_after = ledger.last_id(cursor, "programmes_entitlement")
            cursor.execute(sql, params)
        analyse("programmes_entitlement")
        report("ledger", 2, 4)
        ledger.record_entitled(cycle.pk, written_after)
        report("totals", 3, 4)
        cycle.totals = cycle_totals(cycle)
        cycle.save(update_fields=["totals"])
    report("done", 4, 4)
    return cycle


# A long step tells how far it is: (stage, steps done, steps in all).
Progress = Callable[[str, int, int], None]


def no_progress(stage: str, done: int, total: int) -> None:
    pass


def suspend_the_dead(programme: str, period_start: date) -> int:
    """A death recorded in the registry suspends from the first cycle that starts on or after
    its date: a person, or a household whose every member died."""
    return (
        Enrolment.objects.filter(
            deceased_by(period_start), programme=programme, status=Enrolment.Status.ACTIVE
        )
        .filter(ended_on__isnull=True)
        .update(
            status=Enrolment.Status.SUSPENDED,
            suspension=Suspension.DECEASED,
            suspended_on=timezone.localdate(),
        )
    )


def cycle_totals(cycle: Cycle) -> dict[str, Any]:
    rows = (
        Entitlement.objects.filter(cycle=cycle)
        .values("status")
        .annotate(n=Count("id"), amount=Sum("amount"))
        .order_by()
    )
    return {row["status"]: {"lines": row["n"], "amount": row["amount"] or 0} for row in rows}


def suspend(actor: User, enrolment: Enrolment, reason: Suspension) -> Enrolment:
    """Suspend an active enrolment with its reason: the next cycles owe it nothing until
    resumed. A suspended one keeps the reason it has (EnrolmentKept): a death or an objection
    under review is not overwritten by a later reason, which a hand could then resume."""
    _require_keeper(actor, enrolment)
    with transaction.atomic():
        locked = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
        if locked.status == Enrolment.Status.SUSPENDED and locked.suspension != reason:
            raise EnrolmentKept(
                gettext_noop("The enrolment is suspended already, for another reason")
            )
        if locked.status == Enrolment.Status.ACTIVE:
            locked.status, locked.suspension = Enrolment.Status.SUSPENDED, reason
            locked.suspended_on = timezone.localdate()
            locked.save(update_fields=["status", "suspension", "suspended_on"])
    return locked


def resume(actor: User, enrolment: Enrolment) -> Enrolment:
    """Resume a suspended enrolment, unless the registry still records the unit's death: the
    registry is corrected first (EnrolmentKept)."""
    _require_keeper(actor, enrolment)
    with transaction.atomic():
        locked = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
        if locked.status != Enrolment.Status.SUSPENDED:
            return locked
        if (
            locked.suspension == Suspension.DECEASED
            and Enrolment.objects.filter(deceased_by(timezone.localdate()), pk=locked.pk).exists()
        ):
            raise EnrolmentKept(
                gettext_noop("The registry records a death: correct the registry before resuming")
            )
        locked.status, locked.suspension, locked.suspended_on = Enrolment.Status.ACTIVE, "", None
        locked.save(update_fields=["status", "suspension", "suspended_on"])
    return locked


def _require_keeper(actor: User, enrolment: Enrolment) -> None:
    access.require(actor, access.ENROLMENT_KEEPERS)
    access.require_region(actor, enrolment.region_code)
