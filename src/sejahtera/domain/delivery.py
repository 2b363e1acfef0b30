"""Programme delivery rules, free of Django: what a decree does to each beneficiary, why one
leaves, who may approve, and which waiting families take the places that are freed.

A *subject* is what a programme enrols: a household (PKH, SEMBAKO) or a person (PBI-JK,
ATENSI, PENA), written "H<household id>" or "P<person id>".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from sejahtera.domain.findings import Refused, gettext_noop


class Change(StrEnum):
    """What a decree line does to its subject."""

    NEW = "new"  # enrolled from this decree
    CONTINUING = "continuing"  # stays, same amounts
    CHANGED = "changed"  # stays, other amounts
    LEAVING = "leaving"  # enrolment ends
    WAITING = "waiting"  # eligible, left out by a quota or the budget: first in line later
    HELD = "held"  # eligible, not enrolled while a possible duplicate is reviewed


class Reason(StrEnum):
    """Why a line is what it is, where that needs saying."""

    NOT_ELIGIBLE = "not_eligible"
    LIMIT = "limit"  # cut by a quota or the budget
    DECEASED = "deceased"
    GRADUATED = "graduated"
    DUPLICATE_REVIEW = "duplicate_review"
    MERGED = "merged"  # the record was merged into another record of the same person
    MOVED = "moved"  # enrolled elsewhere before; continues where the family lives now
    FREED_PLACE = "freed_place"  # a waiting family taking the place of one that left
    REQUESTED = "requested"  # a social worker's request, accepted by the programme office


# A subject's prefix, followed by the id of its person or household.
PERSON_SUBJECT = "P"
HOUSEHOLD_SUBJECT = "H"


def unit_subject(household_id: int, person_id: int | None = None) -> str:
    """The subject of a unit: its person's when it enrols a person, else its household's."""
    if person_id is not None:
        return f"{PERSON_SUBJECT}{person_id}"
    return f"{HOUSEHOLD_SUBJECT}{household_id}"


class FourEyesViolation(PermissionError):
    pass


def require_second_person(
    prepared_by: int, approver: int, amended_by: Collection[int] = ()
) -> None:
    """A decree is approved by someone other than who prepared it, or changed it since (who
    adds a family to a draft and approves it would decide that line alone)."""
    if prepared_by == approver:
        raise FourEyesViolation("the person who prepared a decree cannot approve it")
    if approver in amended_by:
        raise FourEyesViolation("the person who changed a draft decree cannot approve it")


def place_region(region_code: str, quota_regions: Iterable[str]) -> str:
    """The region a subject's place belongs to: the quota's region that contains it (the
    longest, when quotas nest), else its regency."""
    containing = [q for q in quota_regions if region_code.startswith(q)]
    return max(containing, key=len) if containing else region_code[:4]


@dataclass(frozen=True)
class Waiting:
    subject: str
    region_code: str
    rank: int  # 1 = the poorest waiting family


def fill_freed_places(
    freed: Mapping[str, int], waiting: Iterable[Waiting], quota_regions: Iterable[str]
) -> list[str]:
    """The waiting subjects that take the ``freed`` places (place region → places), the
    poorest first within each region; a region frees no more than it has places."""
    regions = list(quota_regions)
    left = dict(freed)
    chosen = []
    for entry in sorted(waiting, key=lambda w: w.rank):
        region = place_region(entry.region_code, regions)
        if left.get(region, 0) > 0:
            left[region] -= 1
            chosen.append(entry.subject)
    return chosen


def freed_places(region_codes: Iterable[str], quota_regions: Iterable[str]) -> dict[str, int]:
    """Places freed per place region by subjects the run counted within its limits but the
    decree does not enrol (graduated, deceased, held for a duplicate review): the run cannot
    know, so their places would otherwise stay empty."""
    regions = list(quota_regions)
    places: dict[str, int] = defaultdict(int)
    for region_code in region_codes:
        places[place_region(region_code, regions)] += 1
    return dict(places)


# -- cycles and entitlements ------------------------------------------------------------------


class Basis(StrEnum):
    STAGE = "stage"  # the decision's per-stage amount (PKH)
    MONTH = "month"  # the monthly amount times the cycle's months (SEMBAKO, PBI-JK premiums)


@dataclass(frozen=True)
class Calendar:
    """How often a programme pays and what one payment is."""

    months_per_cycle: int
    basis: Basis


# DOMAIN.md: PKH in four quarterly stages; SEMBAKO entitled monthly, paid every two months;
# PBI-JK a monthly premium per person to the health insurer. Settings may override them
# (``SEJAHTERA_PROGRAMME_CALENDARS``).
DEFAULT_CALENDARS = {
    "PKH": Calendar(3, Basis.STAGE),
    "SEMBAKO": Calendar(2, Basis.MONTH),
    "PBI_JK": Calendar(1, Basis.MONTH),
}


class CycleRefused(Refused):
    pass


class EnrolmentKept(Refused):
    """A suspension or a resumption that would undo what another step decided."""


# The periods a decree or a cycle may start. Not before 2000: none of the programmes this
# system delivers paid earlier (PKH began in 2007, PBI-JK in 2014, SEMBAKO in 2017), so an
# earlier start is a typo (0026, 1926). A fixed floor, not one counted back from today: the
# periods of past decrees and cycles stay valid as the years pass. Not more than a year ahead
# of the current month: a decree is prepared, a cycle opened, weeks or a quarter before the
# period starts (a budget year at most), on the registry and the enrolments as they are now;
# later is a typo (2062) and, past the year 9999, a cycle would have no end date.
EARLIEST_PERIOD = date(2000, 1, 1)
MONTHS_AHEAD = 12


def latest_period_start(today: date) -> date:
    """The latest first of a month a decree or a cycle may start on, ``today``."""
    months = today.month - 1 + MONTHS_AHEAD
    return date(today.year + months // 12, months % 12 + 1, 1)


def check_period_start(start: date, today: date, refused: type[Refused]) -> None:
    """A decree's or a cycle's period starts from ``EARLIEST_PERIOD`` to
    ``latest_period_start(today)``; ``refused`` (CycleRefused, DecreeRefused), naming the date
    and the bounds, otherwise."""
    latest = latest_period_start(today)
    if not EARLIEST_PERIOD <= start <= latest:
        raise refused(
            gettext_noop("a period starts from {earliest} to {latest}, not {date}"),
            earliest=EARLIEST_PERIOD.isoformat(),
            latest=latest.isoformat(),
            date=start.isoformat(),
        )


def check_decree_start(start: date, today: date, refused: type[Refused]) -> None:
    """A decree's period starts on the first of a month, as cycles do (its enrolments start,
    and its leavers' end, that day: mid-cycle, the cycle would pay them for all of it), within
    ``check_period_start``'s bounds."""
    if start.day != 1:
        raise refused(
            gettext_noop("a decree's period starts on the first of a month, not {date}"),
            date=start.isoformat(),
        )
    check_period_start(start, today, refused)


def cycle_end(start: date, calendar: Calendar) -> date:
    """The first day after a cycle that starts on ``start`` (the first of a month)."""
    if start.day != 1:
        raise CycleRefused(
            gettext_noop("a cycle starts on the first of a month, not {date}"),
            date=start.isoformat(),
        )
    months = start.month - 1 + calendar.months_per_cycle
    return date(start.year + months // 12, months % 12 + 1, 1)


def entitlement(calendar: Calendar, monthly: int | None, per_stage: int | None) -> int:
    """What one cycle pays an enrolled unit, by the amounts of its decision."""
    if calendar.basis is Basis.STAGE:
        return per_stage or 0
    return (monthly or 0) * calendar.months_per_cycle


class Suspension(StrEnum):
    """Why an enrolment is suspended (an entitlement of zero with the reason)."""

    DECEASED = "deceased"
    DUPLICATE_REVIEW = "duplicate_review"
    CONDITIONALITY = "conditionality"  # PKH commitments not met
    MOVED = "moved"
    GRADUATED = "graduated"
    FAMILY_REQUEST = "family_request"
    CASE_REQUEST = "case_request"  # the social worker's request, accepted
    OBJECTION_REVIEW = "objection_review"  # a confirmed objection (sanggah) is being reviewed


# The reasons an office or a manager gives by hand: a recorded death, an accepted request
# from a case and a confirmed objection suspend by themselves.
SUSPENSIONS_BY_HAND = tuple(
    s
    for s in Suspension
    if s not in (Suspension.DECEASED, Suspension.CASE_REQUEST, Suspension.OBJECTION_REVIEW)
)
