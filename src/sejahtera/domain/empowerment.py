"""Empowerment (PENA) on two tracks, and the criteria a family graduates by, free of Django.

The ministry's own words: those of productive age "get capital and mentoring if they want a
business; if they want to work, we train them to raise their skills". A family's empowerment
plan chooses its track; the records kept on the case are the evidence each criterion reads:

- business (usaha): capital in kind or cash within the PENA cap, business mentoring sessions
  and the monthly business income. Graduates when the income is above the minimum wage and
  the family was mentored in at least 4 months after it rose above it (the domain brief).
- employment (kerja): skills training (provider, dates, certificate) and a job placement
  (employer, start, wage). Graduates when a training was certified, the job pays above the
  minimum wage, and the income stayed above it for the configured months.

Each criterion says whether it is met and why, so the case page shows what is missing. The
check informs the graduation proposal; the supervisor still decides.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from sejahtera.domain.cases import (
    JourneySettings,
    MonthlyIncome,
    month_index,
    months_above_wage,
)
from sejahtera.domain.findings import Finding, error, gettext_noop
from sejahtera.domain.wages import MinimumWage


class Track(StrEnum):
    BUSINESS = "business"
    EMPLOYMENT = "employment"


class CapitalForm(StrEnum):
    IN_KIND = "in_kind"
    CASH = "cash"


# The records each track keeps (the case page offers these; the services refuse the others).
TRACK_RECORDS = {
    Track.BUSINESS: frozenset({"empowerment"}),
    Track.EMPLOYMENT: frozenset({"training", "placement"}),
}

TRACK_MISSING = "CASE_EMPOWERMENT_TRACK_MISSING"
TRACK_MISMATCH = "CASE_EMPOWERMENT_TRACK_MISMATCH"


def plan_problems(kind: str, track: str) -> list[Finding]:
    """An empowerment plan chooses a track; a rehabilitation plan has none."""
    if kind == "empowerment" and track not in tuple(Track):
        return [
            error(
                TRACK_MISSING,
                gettext_noop("an empowerment plan chooses a track: business or employment"),
                "track",
            )
        ]
    if kind != "empowerment" and track:
        return [
            error(
                TRACK_MISMATCH,
                gettext_noop("only an empowerment plan has a track"),
                "track",
            )
        ]
    return []


def record_problems(record: str, track: Track | None) -> list[Finding]:
    """Whether the case's track keeps this kind of record."""
    wanted = [t for t, records in TRACK_RECORDS.items() if record in records]
    if not wanted or track in wanted:
        return []
    if track is None:
        return [
            error(
                TRACK_MISSING,
                gettext_noop("write an empowerment plan that chooses the family's track first"),
            )
        ]
    return [
        error(
            TRACK_MISMATCH,
            gettext_noop(
                "this record belongs to the other empowerment track; a new empowerment plan "
                "switches the family to it"
            ),
        )
    ]


@dataclass(frozen=True)
class Training:
    course: str
    ended_on: date | None
    certificate: str  # the certificate's number; empty when none was issued


@dataclass(frozen=True)
class Placement:
    employer: str
    started_on: date
    monthly_wage: int


@dataclass(frozen=True)
class TrackEvidence:
    """The records of a case the criteria read."""

    track: Track
    incomes: Sequence[MonthlyIncome] = ()
    mentoring_months: Sequence[date] = ()  # months with at least one mentoring session
    trainings: Sequence[Training] = ()
    placements: Sequence[Placement] = ()


@dataclass(frozen=True)
class Criterion:
    code: str
    met: bool
    finding: Finding  # what the check found, in words


def _criterion(code: str, met: bool, template: str, **params: object) -> Criterion:
    return Criterion(code, met, error(code, template, **params))


def _latest_income(evidence: TrackEvidence, wage: MinimumWage) -> Criterion:
    if not evidence.incomes:
        return _criterion(
            "GRAD_INCOME_ABOVE_WAGE", False, gettext_noop("no monthly income recorded yet")
        )
    latest = max(evidence.incomes, key=lambda i: i.month)
    return _criterion(
        "GRAD_INCOME_ABOVE_WAGE",
        latest.amount > wage.amount,
        gettext_noop("income of Rp{amount} in {month} against the minimum wage of Rp{wage}"),
        amount=latest.amount,
        month=latest.month.strftime("%Y-%m"),
        wage=wage.amount,
    )


def _rise_month(incomes: Sequence[MonthlyIncome], wage: int) -> int | None:
    """The month (index) the current run of incomes above the wage began, if there is one."""
    run = months_above_wage(incomes, wage)
    if run == 0:
        return None
    return max(month_index(i.month) for i in incomes) - run + 1


def _mentoring_after_rise(
    evidence: TrackEvidence, wage: MinimumWage, settings: JourneySettings
) -> Criterion:
    needed = settings.graduation_mentoring_months
    rise = _rise_month(evidence.incomes, wage.amount)
    if rise is None:
        return _criterion(
            "GRAD_MENTORING_AFTER_RISE",
            False,
            gettext_noop(
                "mentoring counts from the month after income rises above the wage ({needed} "
                "months needed)"
            ),
            needed=needed,
        )
    months = {month_index(m) for m in evidence.mentoring_months if month_index(m) > rise}
    return _criterion(
        "GRAD_MENTORING_AFTER_RISE",
        len(months) >= needed,
        gettext_noop(
            "mentored in {months} months after income rose above the wage ({needed} needed)"
        ),
        months=len(months),
        needed=needed,
    )


def _certified_training(evidence: TrackEvidence) -> Criterion:
    certified = [t for t in evidence.trainings if t.certificate.strip() and t.ended_on]
    if certified:
        return _criterion(
            "GRAD_TRAINING_CERTIFIED",
            True,
            gettext_noop("skills training “{course}” completed with certificate {certificate}"),
            course=certified[0].course,
            certificate=certified[0].certificate,
        )
    return _criterion(
        "GRAD_TRAINING_CERTIFIED",
        False,
        gettext_noop("no skills training completed with a certificate yet"),
    )


def _placement_above_wage(evidence: TrackEvidence, wage: MinimumWage) -> Criterion:
    if not evidence.placements:
        return _criterion("GRAD_PLACED_ABOVE_WAGE", False, gettext_noop("no job placement yet"))
    latest = max(evidence.placements, key=lambda p: p.started_on)
    return _criterion(
        "GRAD_PLACED_ABOVE_WAGE",
        latest.monthly_wage > wage.amount,
        gettext_noop(
            "placed at {employer} for Rp{amount} a month against the minimum wage of Rp{wage}"
        ),
        employer=latest.employer,
        amount=latest.monthly_wage,
        wage=wage.amount,
    )


def _income_kept(
    evidence: TrackEvidence, wage: MinimumWage, settings: JourneySettings
) -> Criterion:
    months = months_above_wage(evidence.incomes, wage.amount)
    needed = settings.graduation_income_months
    return _criterion(
        "GRAD_INCOME_KEPT",
        months >= needed,
        gettext_noop("income above the wage for {months} consecutive months ({needed} needed)"),
        months=months,
        needed=needed,
    )


def graduation_criteria(
    evidence: TrackEvidence, wage: MinimumWage, settings: JourneySettings | None = None
) -> tuple[Criterion, ...]:
    """Each criterion of the family's track, met or missing."""
    settings = settings or JourneySettings()
    if evidence.track is Track.BUSINESS:
        return (
            _latest_income(evidence, wage),
            _mentoring_after_rise(evidence, wage, settings),
        )
    return (
        _certified_training(evidence),
        _placement_above_wage(evidence, wage),
        _income_kept(evidence, wage, settings),
    )
