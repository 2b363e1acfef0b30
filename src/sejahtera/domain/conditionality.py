"""PKH conditionality, free of Django: what a PKH family commits to, how a month's record is
judged, and when non-compliance has been repeated enough to be cited.

A PKH family's children of school age attend school, and its pregnant women and young children
visit the health post (posyandu, puskesmas). The social worker records each obligation per
person and month, or imports the school's and the health post's lists; a month is met when
attendance reaches the threshold (85 % of school days) or at least one health visit took place.
The same obligation unmet in consecutive months (3 by default) is *repeated non-compliance*:
the evidence a *paksa* graduation or a suspension of PKH cites, by its records, instead of a
free-text note.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from sejahtera.domain.findings import Finding, error, gettext_noop


class Obligation(StrEnum):
    SCHOOL = "school"  # a child of school age attends school
    HEALTH = "health"  # a pregnant woman or a young child visits the health post


@dataclass(frozen=True)
class ConditionalitySettings:
    school_attendance_percent: int = 85
    health_visits_a_month: int = 1
    repeated_months: int = 3  # consecutive unmet months that count as repeated non-compliance
    cite_within_months: int = 6  # a breach is cited while its last month is this recent


@dataclass(frozen=True)
class MonthRecord:
    person_id: int
    obligation: Obligation
    month: date  # the first day of the month
    value: int  # attendance in percent (school) or visits (health)


def met(record: MonthRecord, settings: ConditionalitySettings | None = None) -> bool:
    settings = settings or ConditionalitySettings()
    if record.obligation is Obligation.SCHOOL:
        return record.value >= settings.school_attendance_percent
    return record.value >= settings.health_visits_a_month


SCHOOL_AGES = (6, 21)
HEALTH_CHILD_AGE_BELOW = 6


def applies(obligation: str, age: int, pregnant: bool) -> bool:
    """Whom an obligation binds: school, children of school age; health visits, young children
    and pregnant women."""
    if obligation == Obligation.SCHOOL:
        return SCHOOL_AGES[0] <= age <= SCHOOL_AGES[1]
    return age < HEALTH_CHILD_AGE_BELOW or pregnant


def month_problems(
    obligation: str, age: int, pregnant: bool, month: date, today: date
) -> list[Finding]:
    """A month is not in the future, and the obligation binds the person."""
    findings = []
    if _index(month) > _index(today):
        findings.append(
            error(
                "PKH_MONTH_FUTURE",
                gettext_noop("{month} has not come yet"),
                "month",
                month=month.strftime("%Y-%m"),
            )
        )
    if obligation in tuple(Obligation) and not applies(obligation, age, pregnant):
        template = (
            gettext_noop("school attendance is kept for children aged 6 to 21")
            if obligation == Obligation.SCHOOL
            else gettext_noop("health visits are kept for young children and pregnant women")
        )
        findings.append(error("PKH_OBLIGATION_NOT_APPLICABLE", template, "obligation"))
    return findings


def value_problems(obligation: str, value: object) -> list[Finding]:
    """Attendance is a percentage 0–100; health visits a count 0–31."""
    if obligation not in tuple(Obligation):
        return [
            error(
                "PKH_OBLIGATION_UNKNOWN",
                gettext_noop("“{value}” is not a PKH obligation: school or health"),
                "obligation",
                value=obligation,
            )
        ]
    highest = 100 if obligation == Obligation.SCHOOL else 31
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= highest:
        template = (
            gettext_noop("school attendance is a percentage from 0 to 100")
            if obligation == Obligation.SCHOOL
            else gettext_noop("health visits are a count from 0 to 31")
        )
        return [error("PKH_VALUE_INVALID", template, "value")]
    return []


@dataclass(frozen=True)
class Breach:
    """The same obligation of one person unmet in consecutive months."""

    person_id: int
    obligation: Obligation
    months: tuple[date, ...]

    def finding(self, name: str) -> Finding:
        return error(
            "PKH_NONCOMPLIANCE_REPEATED",
            _BREACH_TEMPLATES[self.obligation],
            name=name,
            count=len(self.months),
            first=self.months[0].strftime("%Y-%m"),
            last=self.months[-1].strftime("%Y-%m"),
        )


_BREACH_TEMPLATES = {
    Obligation.SCHOOL: gettext_noop(
        "{name}: school attendance below the PKH threshold in {count} consecutive months "
        "({first} to {last})"
    ),
    Obligation.HEALTH: gettext_noop(
        "{name}: no health visit in {count} consecutive months ({first} to {last})"
    ),
}


def _index(month: date) -> int:
    return month.year * 12 + month.month - 1


def citable(breach: Breach, today: date, settings: ConditionalitySettings | None = None) -> bool:
    """A breach is cited while it is recent: non-compliance long since mended is not evidence."""
    settings = settings or ConditionalitySettings()
    return _index(breach.months[-1]) >= _index(today) - settings.cite_within_months


def repeated_breaches(
    records: Iterable[MonthRecord], settings: ConditionalitySettings | None = None
) -> list[Breach]:
    """Every run of consecutive unmet months at least ``repeated_months`` long, per person and
    obligation (a met month, or a month without a record, ends a run)."""
    settings = settings or ConditionalitySettings()
    by_subject: dict[tuple[int, Obligation], dict[int, MonthRecord]] = {}
    for record in records:
        by_subject.setdefault((record.person_id, record.obligation), {})[_index(record.month)] = (
            record
        )
    breaches: list[Breach] = []
    for (person_id, obligation), months in sorted(by_subject.items()):
        run: list[date] = []
        for index in sorted(months):
            record = months[index]
            if met(record, settings) or (run and _index(run[-1]) != index - 1):
                _close(run, person_id, obligation, settings, breaches)
                run = []
            if not met(record, settings):
                run.append(record.month)
        _close(run, person_id, obligation, settings, breaches)
    return breaches


def _close(
    run: Sequence[date],
    person_id: int,
    obligation: Obligation,
    settings: ConditionalitySettings,
    breaches: list[Breach],
) -> None:
    if len(run) >= settings.repeated_months:
        breaches.append(Breach(person_id, obligation, tuple(run)))
