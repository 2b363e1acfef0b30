"""What a case's graduation reads: the journey settings, the family's empowerment track and
its evidence, the minimum wage where it lives, its decile and PKH components — gathered for
the case page, the API and the graduation proposal alike."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.conf import settings as django_settings

from sejahtera.cases.models import Case, CasePlan
from sejahtera.cases.wages import minimum_wage
from sejahtera.domain import cases as journey
from sejahtera.domain import empowerment
from sejahtera.domain.cases import Stage
from sejahtera.domain.wages import MinimumWage
from sejahtera.registry.models import Household
from sejahtera.targeting.models import Decision, HouseholdResult
from sejahtera.targeting.selectors import latest_run


def journey_settings() -> journey.JourneySettings:
    return journey.JourneySettings.from_mapping(getattr(django_settings, "SEJAHTERA_JOURNEY", {}))


def case_track(case: Case) -> empowerment.Track | None:
    """The track of the case's latest empowerment plan (none before one is written)."""
    track = (
        case.plans.filter(kind=CasePlan.Kind.EMPOWERMENT)
        .exclude(track="")
        .order_by("-created_on", "-id")
        .values_list("track", flat=True)
        .first()
    )
    return empowerment.Track(track) if track else None


def pkh_components_left(household: Household) -> int | None:
    """PKH components the latest targeting run found for the household (None: no run/decision)."""
    run = latest_run()
    if run is None:
        return None
    decision = Decision.objects.filter(run=run, household=household, programme="PKH").first()
    if decision is None:
        return None
    # A family cut by a quota or the budget is eligible by the rules: its components count.
    return len(decision.components) if decision.eligible or decision.limited_by else 0


@dataclass(frozen=True)
class GraduationCheck:
    """What the case page and the API show about graduating: the wage the family's income
    is measured against, the criteria of its empowerment track, and the proposal."""

    wage: MinimumWage
    track: empowerment.Track | None
    criteria: tuple[empowerment.Criterion, ...]
    proposal: journey.GraduationProposal


def _incomes(case: Case) -> list[journey.MonthlyIncome]:
    return [journey.MonthlyIncome(i.month, i.amount) for i in case.incomes.all()]


def track_evidence(case: Case, track: empowerment.Track) -> empowerment.TrackEvidence:
    return empowerment.TrackEvidence(
        track=track,
        incomes=_incomes(case),
        mentoring_months=[
            r.given_on.replace(day=1) for r in case.empowerment.filter(mentoring_sessions__gt=0)
        ],
        trainings=[
            empowerment.Training(t.course, t.ended_on, t.certificate) for t in case.trainings.all()
        ],
        placements=[
            empowerment.Placement(p.employer, p.started_on, p.monthly_wage)
            for p in case.placements.all()
        ],
    )


def graduation_check(case: Case, today: date) -> GraduationCheck:
    """Whether the family looks ready to graduate: its track's criteria against the wage in
    force where it lives, its welfare decile and its PKH components."""
    settings = journey_settings()
    wage = minimum_wage(case.region_code, today.year, settings.default_minimum_wage)
    track = case_track(case)
    evidence = track_evidence(case, track) if track else None
    criteria = empowerment.graduation_criteria(evidence, wage, settings) if evidence else ()
    run = latest_run()
    result = (
        HouseholdResult.objects.filter(run=run, household_id=case.household_id).first()
        if run
        else None
    )
    proposal = journey.graduation_proposal(
        incomes=evidence.incomes if evidence else _incomes(case),
        minimum_wage=wage.amount,
        decile=result.national_decile if result else None,
        pkh_components=pkh_components_left(case.household),
        track_criteria_met=bool(criteria) and all(c.met for c in criteria),
        settings=settings,
    )
    if Stage.GRADUATED not in journey.TRANSITIONS[Stage(case.stage)]:
        # not a candidate before it is served (a new, unassessed case) nor after it left
        proposal = journey.GraduationProposal(candidate=False, suggested_type=None, reasons=())
    return GraduationCheck(wage, track, criteria, proposal)
