"""The journey of a family (case management): stages, the allowed transitions and their guards.

A case moves through protection (bansos), rehabilitation (ATENSI), empowerment (PENA) to
graduation, and is handed over to another agency (termination) or closed, then monitored
(aftercare). A family that falls back re-enters protection; its history stays on the case.

Not every family visits every stage, so the table below lists every allowed (from, to) pair
explicitly; each target stage has guards over plain facts gathered by the service layer. A
refused move lists every failed guard as a ``Finding`` (stable code + message template).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from sejahtera.domain.findings import Finding, error, gettext_noop


class Stage(StrEnum):
    REGISTERED = "registered"
    ASSESSED = "assessed"
    PROTECTION = "protection"
    REHABILITATION = "rehabilitation"
    EMPOWERMENT = "empowerment"
    GRADUATED = "graduated"
    TERMINATED = "terminated"
    MONITORING = "monitoring"
    CLOSED = "closed"


class GraduationType(StrEnum):
    MANDIRI = "mandiri"  # voluntary / self-sufficient, with a signed statement
    ALAMI = "alami"  # no qualifying PKH component left
    PAKSA = "paksa"  # non-compliance or verified capable


S = Stage
# Stages where the family is being served (protection, rehabilitation, empowerment can follow
# each other in any order, e.g. an elderly person may stay in protection + rehabilitation).
SERVICE_STAGES = (S.PROTECTION, S.REHABILITATION, S.EMPOWERMENT)
# Stages after the family has left the ministry's support.
AFTER_STAGES = (S.GRADUATED, S.TERMINATED, S.MONITORING, S.CLOSED)
OPEN_STAGES = frozenset(set(Stage) - {S.CLOSED})

TRANSITIONS: Mapping[Stage, frozenset[Stage]] = {
    S.REGISTERED: frozenset({S.ASSESSED, S.PROTECTION, S.CLOSED}),
    S.ASSESSED: frozenset({*SERVICE_STAGES, S.TERMINATED, S.CLOSED}),
    S.PROTECTION: frozenset({S.REHABILITATION, S.EMPOWERMENT, S.GRADUATED, S.TERMINATED, S.CLOSED}),
    S.REHABILITATION: frozenset({S.PROTECTION, S.EMPOWERMENT, S.GRADUATED, S.TERMINATED, S.CLOSED}),
    S.EMPOWERMENT: frozenset({S.PROTECTION, S.REHABILITATION, S.GRADUATED, S.TERMINATED, S.CLOSED}),
    S.GRADUATED: frozenset({S.TERMINATED, S.MONITORING, S.CLOSED}),
    S.TERMINATED: frozenset({S.MONITORING, S.CLOSED}),
    # re-entry: the family falls back and returns to protection
    S.MONITORING: frozenset({S.PROTECTION, S.CLOSED}),
    S.CLOSED: frozenset({S.PROTECTION}),
}
REENTRY_FROM = frozenset({S.MONITORING, S.CLOSED})


# The records a social worker may add to a case in each stage: the case page offers these only
# and refuses the others. Every record needs an open case; most fit anywhere along the journey.
_ANY_OPEN = OPEN_STAGES
RECORD_STAGES: Mapping[str, frozenset[Stage]] = {
    "assessment": _ANY_OPEN,
    "plan": _ANY_OPEN,
    "income": _ANY_OPEN,
    "transfer": _ANY_OPEN,
    # consent may be withdrawn whenever: a referral outlives the case that made it
    "revoke-referral": frozenset(Stage),
    "referral": _ANY_OPEN,
    "follow-up": _ANY_OPEN,  # aftercare visits stay due after a re-entry
    "service": _ANY_OPEN,  # ATENSI needs an assessment, checked on its own
    "functioning": _ANY_OPEN,  # measured before, during and after ATENSI (aftercare too)
    "atensi-step": _ANY_OPEN,
    "conditionality": _ANY_OPEN,  # PKH school attendance and health visits, month by month
    "enrolment": frozenset(SERVICE_STAGES),
    "empowerment": frozenset({S.EMPOWERMENT}),  # business track: capital and mentoring
    "training": frozenset({S.EMPOWERMENT}),  # employment track: skills training
    "placement": frozenset({S.EMPOWERMENT}),  # employment track: a job
    "graduation": frozenset(SERVICE_STAGES),
}


def records_allowed(stage: Stage) -> list[str]:
    """The kinds of record the stage allows, in the catalogue's order."""
    return [kind for kind, stages in RECORD_STAGES.items() if stage in stages]


def is_reentry(from_stage: Stage, to_stage: Stage) -> bool:
    return from_stage in REENTRY_FROM and to_stage is S.PROTECTION


@dataclass(frozen=True)
class JourneySettings:
    """Values that sources disagree on or offices tune: configuration, with these defaults."""

    productive_age_min: int = 18
    productive_age_max: int = 59
    follow_up_months: tuple[int, ...] = (3, 6, 12)
    caseload_limit: int = 60
    graduation_income_months: int = 4
    graduation_mentoring_months: int = 4  # PENA business track: mentored after income rose
    graduation_decile_cutoff: int = 4  # deciles above this no longer need the ministry
    yearly_graduation_target: int = 10
    default_minimum_wage: int = 3_000_000

    @classmethod
    def from_mapping(cls, values: Mapping[str, object]) -> JourneySettings:
        known = {k: v for k, v in values.items() if k in cls.__dataclass_fields__}
        if "follow_up_months" in known:
            known["follow_up_months"] = tuple(known["follow_up_months"])  # type: ignore[arg-type]
        return cls(**known)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Graduation:
    """What a graduation proposal carries."""

    type: GraduationType | None = None
    signed_statement: bool = False  # mandiri
    pkh_components_left: int | None = None  # alami: known to be 0
    evidence: str = ""  # paksa: non-compliance record or verification of capability
    supervisor_approved: bool = False


# Why a family that has not graduated leaves for another agency's programme (termination
# straight from a service stage): a short list, the case's supervisor decides.
EARLY_TERMINATION_REASONS: Mapping[str, str] = {
    "long_term_care": gettext_noop("needs long-term care another agency provides"),
    "specialised_service": gettext_noop("needs a specialised service of another agency"),
    "moved_away": gettext_noop("moved out of the region; the local agency takes over"),
    "family_request": gettext_noop("the family asked to be served by another agency"),
}


@dataclass(frozen=True)
class CaseFacts:
    """Everything the guards look at, gathered by the service layer."""

    has_assessment: bool = False
    member_ages: tuple[int, ...] = ()
    has_empowerment_plan: bool = False
    graduation: Graduation = field(default_factory=Graduation)
    has_accepted_referral: bool = False
    reason: str = ""
    termination_reason: str = ""  # a key of EARLY_TERMINATION_REASONS
    by_supervisor: bool = False  # the step is taken by the case's supervisor


# -- guards ------------------------------------------------------------------------------------

NOT_ALLOWED = "CASE_TRANSITION_NOT_ALLOWED"
ASSESSMENT_MISSING = "CASE_ASSESSMENT_MISSING"
NO_PRODUCTIVE_MEMBER = "CASE_NO_PRODUCTIVE_AGE_MEMBER"
PLAN_MISSING = "CASE_EMPOWERMENT_PLAN_MISSING"
GRADUATION_TYPE_MISSING = "CASE_GRADUATION_TYPE_MISSING"
STATEMENT_MISSING = "CASE_MANDIRI_STATEMENT_MISSING"
COMPONENTS_LEFT = "CASE_ALAMI_COMPONENTS_LEFT"
EVIDENCE_MISSING = "CASE_PAKSA_EVIDENCE_MISSING"
APPROVAL_MISSING = "CASE_SUPERVISOR_APPROVAL_MISSING"
REFERRAL_NOT_ACCEPTED = "CASE_REFERRAL_NOT_ACCEPTED"
REASON_MISSING = "CASE_REASON_MISSING"
TERMINATION_REASON_MISSING = "CASE_TERMINATION_REASON_MISSING"
TERMINATION_NOT_BY_SUPERVISOR = "CASE_TERMINATION_NEEDS_SUPERVISOR"
PROGRAMME_UNKNOWN = "CASE_PROGRAMME_UNKNOWN"
RECORD_NOT_IN_STAGE = "CASE_RECORD_NOT_IN_STAGE"
DATE_TO_COME = "CASE_DATE_TO_COME"
DATES_REVERSED = "CASE_DATES_REVERSED"


def _assessment(facts: CaseFacts, settings: JourneySettings) -> list[Finding]:
    if facts.has_assessment:
        return []
    return [error(ASSESSMENT_MISSING, gettext_noop("record an assessment of the family first"))]


def _empowerment(facts: CaseFacts, settings: JourneySettings) -> list[Finding]:
    findings = []
    low, high = settings.productive_age_min, settings.productive_age_max
    if not any(low <= age <= high for age in facts.member_ages):
        findings.append(
            error(
                NO_PRODUCTIVE_MEMBER,
                gettext_noop("empowerment needs a member of productive age ({low}–{high})"),
                low=low,
                high=high,
            )
        )
    if not facts.has_empowerment_plan:
        findings.append(
            error(PLAN_MISSING, gettext_noop("write an empowerment plan (goals and actions) first"))
        )
    return findings


def _graduation(facts: CaseFacts, settings: JourneySettings) -> list[Finding]:
    grad = facts.graduation
    findings = []
    if grad.type is None:
        findings.append(
            error(
                GRADUATION_TYPE_MISSING,
                gettext_noop("choose the graduation type: mandiri, alami or paksa"),
            )
        )
    elif grad.type is GraduationType.MANDIRI and not grad.signed_statement:
        findings.append(
            error(STATEMENT_MISSING, gettext_noop("mandiri graduation needs a signed statement"))
        )
    elif grad.type is GraduationType.ALAMI and grad.pkh_components_left != 0:
        findings.append(
            error(
                COMPONENTS_LEFT,
                gettext_noop(
                    "alami graduation needs no qualifying PKH component left ({left} left)"
                ),
                left="unknown" if grad.pkh_components_left is None else grad.pkh_components_left,
            )
        )
    elif grad.type is GraduationType.PAKSA and not grad.evidence.strip():
        findings.append(
            error(
                EVIDENCE_MISSING,
                gettext_noop(
                    "paksa graduation needs evidence of non-compliance or verified capability"
                ),
            )
        )
    if not grad.supervisor_approved:
        findings.append(
            error(APPROVAL_MISSING, gettext_noop("graduation needs a supervisor's approval"))
        )
    return findings


def _termination(facts: CaseFacts, settings: JourneySettings) -> list[Finding]:
    if facts.has_accepted_referral:
        return []
    return [
        error(
            REFERRAL_NOT_ACCEPTED,
            gettext_noop("termination needs a referral accepted by a partner agency"),
        )
    ]


def _early_termination(facts: CaseFacts, settings: JourneySettings) -> list[Finding]:
    """Leaving for another agency before graduating: a reason from the list, taken by the
    case's supervisor (a social worker asks them)."""
    findings = []
    if facts.termination_reason not in EARLY_TERMINATION_REASONS:
        findings.append(
            error(
                TERMINATION_REASON_MISSING,
                # the form lists the reasons by name; the API's schema by code
                gettext_noop(
                    "a family that has not graduated is terminated only for a reason chosen "
                    "from the list"
                ),
            )
        )
    if not facts.by_supervisor:
        findings.append(
            error(
                TERMINATION_NOT_BY_SUPERVISOR,
                gettext_noop("terminating a case before graduation is the supervisor's decision"),
            )
        )
    return findings


def _reason(facts: CaseFacts, settings: JourneySettings) -> list[Finding]:
    if facts.reason.strip():
        return []
    return [error(REASON_MISSING, gettext_noop("give the reason for this step"))]


_TARGET_GUARDS = {
    S.ASSESSED: (_assessment,),
    S.REHABILITATION: (_assessment,),
    S.EMPOWERMENT: (_empowerment,),
    S.GRADUATED: (_graduation,),
    S.TERMINATED: (_termination,),
    S.CLOSED: (_reason,),
}


def check_transition(
    from_stage: Stage,
    to_stage: Stage,
    facts: CaseFacts,
    settings: JourneySettings | None = None,
) -> list[Finding]:
    """The guards that refuse this move (empty = allowed)."""
    settings = settings or JourneySettings()
    if to_stage not in TRANSITIONS[from_stage]:
        return [
            error(
                NOT_ALLOWED,
                gettext_noop("a case cannot move from {from_stage} to {to_stage}"),
                from_stage=str(from_stage),
                to_stage=str(to_stage),
            )
        ]
    guards = list(_TARGET_GUARDS.get(to_stage, ()))
    if is_reentry(from_stage, to_stage):
        guards.append(_reason)
    if is_early_termination(from_stage, to_stage):
        guards.append(_early_termination)
    return [finding for guard in guards for finding in guard(facts, settings)]


def dates_problems(today: date, **done: date | None) -> list[Finding]:
    """What was done (a score, a step, capital given, a service started, a month's income) is
    dated when it happened, never on a day still to come: an income in a month to come would
    count towards graduation, and the timeline's last entry would be in the year 9999."""
    return [
        error(
            DATE_TO_COME,
            gettext_noop("{field} {date} is still to come"),
            name,
            field=name,
            date=day.isoformat(),
        )
        for name, day in done.items()
        if day is not None and day > today
    ]


def span_problems(started_on: date, ended_on: date | None) -> list[Finding]:
    if ended_on is None or ended_on >= started_on:
        return []
    return [error(DATES_REVERSED, gettext_noop("it ends before it starts"), "ended_on")]


def is_early_termination(from_stage: Stage, to_stage: Stage) -> bool:
    """Leaving for another agency before graduating (the move a termination reason is for)."""
    return to_stage is S.TERMINATED and from_stage is not S.GRADUATED


def allowed_targets(from_stage: Stage) -> list[Stage]:
    """The stages a case may move to next, in journey order."""
    return [stage for stage in Stage if stage in TRANSITIONS[from_stage]]


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


# -- referrals ---------------------------------------------------------------------------------


class ReferralActor(StrEnum):
    PARTNER = "partner"  # the partner agency the referral was sent to
    WORKER = "worker"  # the social worker carrying the case


# status → the statuses a referral may go to next, and who moves it there
REFERRAL_STEPS: Mapping[str, Mapping[str, ReferralActor]] = {
    "sent": {
        "accepted": ReferralActor.PARTNER,
        "rejected": ReferralActor.PARTNER,
        "revoked": ReferralActor.WORKER,  # e.g. the family withdrew its consent
    },
    "accepted": {"completed": ReferralActor.PARTNER, "revoked": ReferralActor.WORKER},
}


def referral_step(
    from_status: str, to_status: str, outcome: str
) -> tuple[ReferralActor | None, list[Finding]]:
    """Who may move a referral from one status to another, or why it may not move."""
    who = REFERRAL_STEPS.get(from_status, {}).get(to_status)
    if who is None:
        return None, [
            error(
                "REFERRAL_STEP_NOT_ALLOWED",
                gettext_noop("a referral cannot go from {from_status} to {to_status}"),
                from_status=from_status,
                to_status=to_status,
            )
        ]
    if to_status == "rejected" and not outcome.strip():
        return who, [
            error(REASON_MISSING, gettext_noop("give the reason for rejecting the referral"))
        ]
    return who, []


# -- graduation candidates ---------------------------------------------------------------------


@dataclass(frozen=True)
class MonthlyIncome:
    month: date  # first day of the month
    amount: int


@dataclass(frozen=True)
class GraduationProposal:
    candidate: bool
    suggested_type: GraduationType | None
    reasons: tuple[Finding, ...]


def month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def months_above_wage(incomes: Sequence[MonthlyIncome], minimum_wage: int) -> int:
    """Consecutive months, ending at the latest recorded month, with income above the wage.
    A month without a record breaks the run."""
    by_month = {month_index(i.month): i.amount for i in incomes}
    if not by_month:
        return 0
    month, run = max(by_month), 0
    while month in by_month and by_month[month] > minimum_wage:
        run, month = run + 1, month - 1
    return run


def graduation_proposal(
    *,
    incomes: Sequence[MonthlyIncome],
    minimum_wage: int,
    decile: int | None,
    pkh_components: int | None,
    track_criteria_met: bool | None = None,
    settings: JourneySettings | None = None,
) -> GraduationProposal:
    """Whether a family looks ready to graduate, and why (a proposal for the social worker and
    supervisor to confirm; never an automatic decision)."""
    settings = settings or JourneySettings()
    reasons: list[Finding] = []
    months = months_above_wage(incomes, minimum_wage)
    if months >= settings.graduation_income_months:
        reasons.append(
            error(
                "GRAD_INCOME_ABOVE_UMK",
                gettext_noop(
                    "income above the minimum wage (Rp{wage}) for {months} consecutive months"
                ),
                wage=minimum_wage,
                months=months,
            )
        )
    if decile is not None and decile > settings.graduation_decile_cutoff:
        reasons.append(
            error(
                "GRAD_DECILE_ABOVE_CUTOFF",
                gettext_noop("welfare decile {decile} is above the cut-off {cutoff}"),
                decile=decile,
                cutoff=settings.graduation_decile_cutoff,
            )
        )
    if pkh_components == 0:
        reasons.append(
            error("GRAD_NO_PKH_COMPONENT", gettext_noop("no qualifying PKH component left"))
        )
    if track_criteria_met:
        reasons.append(
            error(
                "GRAD_TRACK_CRITERIA_MET",
                gettext_noop("every graduation criterion of the empowerment track is met"),
            )
        )
    if pkh_components == 0:
        suggested: GraduationType | None = GraduationType.ALAMI
    elif reasons:
        suggested = GraduationType.MANDIRI
    else:
        suggested = None
    return GraduationProposal(bool(reasons), suggested, tuple(reasons))


def follow_up_dates(start: date, settings: JourneySettings | None = None) -> list[date]:
    """Aftercare visits: the configured months after graduation or termination (the day is
    kept, or the month's last day when shorter)."""
    settings = settings or JourneySettings()
    return [_add_months(start, months) for months in settings.follow_up_months]


def _add_months(day: date, months: int) -> date:
    index = month_index(day) + months
    year, month = divmod(index, 12)
    month += 1
    for candidate_day in range(day.day, 27, -1):
        try:
            return date(year, month, candidate_day)
        except ValueError:
            continue
    return date(year, month, min(day.day, 28))
