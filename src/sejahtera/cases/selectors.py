"""Read-side queries of case management, always limited by ``accounts.access``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, Exists, F, Min, OuterRef, Q, QuerySet, Subquery

from sejahtera.accounts import access
from sejahtera.accounts.models import User
from sejahtera.cases import conditionality
from sejahtera.cases.graduation import journey_settings
from sejahtera.cases.models import (
    Assessment,
    Case,
    CaseEvent,
    CasePlan,
    ConditionalityRecord,
    EmpowermentRecord,
    EnrolmentRequest,
    FollowUp,
    FunctioningAssessment,
    GraduationRequest,
    IncomeRecord,
    JobPlacement,
    Referral,
    ServiceRecord,
    TrainingRecord,
)
from sejahtera.domain import cases as journey
from sejahtera.domain import rehabilitation
from sejahtera.domain.conditionality import Breach, met
from sejahtera.registry import privacy
from sejahtera.registry.models import Household, Person
from sejahtera.targeting.models import HouseholdResult
from sejahtera.targeting.selectors import latest_run


def cases_for(user: User) -> QuerySet[Case]:
    return (
        Case.objects.filter(access.case_filter(user))
        .select_related("household__village", "social_worker", "supervisor")
        .order_by("-opened_on", "-id")
    )


def case_for(user: User, pk: int) -> Case:
    """The case if the user may see it; Case.DoesNotExist otherwise."""
    return cases_for(user).get(pk=pk)


def timeline(case: Case) -> QuerySet[CaseEvent]:
    return case.events.select_related("actor").order_by("at", "id")


def household_case(user: User, household: Household) -> Case | None:
    """The household's latest case, for the household page (None when none or not visible)."""
    if not access.has_role(user, access.CASE_READERS):
        return None
    return cases_for(user).filter(household=household).first()


# -- case lists ----------------------------------------------------------------------------------

# sort key on the page → the ordering it stands for (ascending); "-key" sorts descending.
CASE_SORTS = {
    "case": "id",
    "family": "family",
    "village": "household__village__name",
    "stage": "stage",
    "days": "-stage_since",  # more days in the stage = an earlier date
    "due": "next_due",
}


@dataclass(frozen=True)
class CaseFilter:
    """What a case list is narrowed to; empty values narrow nothing."""

    stage: str = ""
    region: str = ""
    worker: int | None = None
    overdue: bool = False
    extreme_poor: bool = False
    query: str = ""
    sort: str = "due"


def visible_heads(user: User, today: date) -> QuerySet[Person]:
    """Heads of household whose name the user may see (masked children are left out)."""
    return Person.objects.filter(privacy.identity_visible(user, today), relationship="head")


def case_list(user: User, today: date, wanted: CaseFilter) -> QuerySet[Case]:
    """The cases a user may see, with the family's name (as far as the user may see it), the
    next visit due, whether a graduation waits and whether the current run finds the family in
    extreme poverty, narrowed and ordered as ``wanted`` asks."""
    heads = visible_heads(user, today).filter(household=OuterRef("household_id"))
    pending_visits = FollowUp.objects.filter(case=OuterRef("pk"), done_on__isnull=True)
    run = latest_run()
    cases = cases_for(user).annotate(
        extreme_poor=Exists(
            HouseholdResult.objects.filter(
                run=run, household=OuterRef("household_id"), extreme_poor=True
            )
        ),
        family=Subquery(heads.order_by("id").values("full_name")[:1]),
        next_due=Subquery(
            pending_visits.order_by().values("case").annotate(first=Min("due_on")).values("first")
        ),
        graduation_waiting=Exists(
            GraduationRequest.objects.filter(
                case=OuterRef("pk"), status=GraduationRequest.Status.PENDING
            )
        ),
    )
    if wanted.stage:
        cases = cases.filter(stage=wanted.stage)
    else:
        cases = cases.filter(stage__in=journey.OPEN_STAGES)
    if wanted.region:
        cases = cases.filter(region_code__startswith=wanted.region)
    if wanted.worker is not None:
        cases = cases.filter(social_worker_id=wanted.worker)
    if wanted.overdue:
        cases = cases.filter(next_due__lt=today)
    if wanted.extreme_poor:
        cases = cases.filter(extreme_poor=True)
    if wanted.query:
        cases = cases.filter(_matching(user, today, wanted.query))
    ordering = CASE_SORTS[wanted.sort.lstrip("-")]
    descending = ordering.startswith("-") != wanted.sort.startswith("-")
    column = F(ordering.lstrip("-"))
    # cases without a date (no visit due) come last either way
    by = column.desc(nulls_last=True) if descending else column.asc(nulls_last=True)
    return cases.order_by(by, "id")


def _matching(user: User, today: date, query: str) -> Q | Exists:
    """A case number, a member's NIK or KK number, or part of a member's name (only of members
    whose identity the user may see: a search must not confirm a masked child's name)."""
    compact = "".join(c for c in query if c not in " .-")
    members = Person.objects.filter(privacy.identity_visible(user, today)).filter(
        household=OuterRef("household_id")
    )
    if compact.isascii() and compact.isdigit():
        if len(compact) == 16:
            return Exists(members.filter(nik=compact)) | Q(household__kk_number=compact)
        return Q(pk=int(compact)) if len(compact) <= 18 else Q(pk__in=[])
    return Exists(members.filter(full_name__icontains=query))


@dataclass
class MyWork:
    cases: list[Case]
    due_follow_ups: list[Any]  # FollowUp annotated with the family's name
    overdue_follow_ups: list[Any]
    by_stage: dict[str, int]


def case_workers(user: User) -> QuerySet[User]:
    """The social workers carrying the cases the user may see (the list's worker filter)."""
    return User.objects.filter(pk__in=cases_for(user).values("social_worker")).order_by("username")


def my_work(user: User, today: date, horizon_days: int = 30) -> MyWork:
    """The user's open cases and the aftercare visits due within the horizon, each visit with
    the family's name as far as the user may see it."""
    cases = cases_for(user).filter(stage__in=journey.OPEN_STAGES)
    heads = visible_heads(user, today).filter(household=OuterRef("case__household_id"))
    pending = (
        FollowUp.objects.filter(case__in=cases, done_on__isnull=True)
        .select_related("case__household__village")
        .annotate(family=Subquery(heads.order_by("id").values("full_name")[:1]))
        .order_by("due_on", "id")
    )
    overdue = list(pending.filter(due_on__lt=today))
    due = [f for f in pending.filter(due_on__gte=today) if (f.due_on - today).days <= horizon_days]
    by_stage = dict(cases.values_list("stage").annotate(n=Count("id")).order_by("stage"))
    return MyWork(list(cases), due, overdue, by_stage)


@dataclass
class WorkerTarget:
    worker: User
    open_cases: int
    graduated_this_year: int
    target: int

    @property
    def achieved(self) -> bool:
        return self.graduated_this_year >= self.target


def team(user: User, today: date) -> tuple[list[Any], list[WorkerTarget]]:
    """Graduation proposals waiting for the supervisor, and each worker's graduations this
    year against the yearly target (DOMAIN.md: ≥ 10 families a year)."""
    access.require(user, access.GRADUATION_APPROVERS)
    cases = Case.objects.filter(access.case_filter(user))
    heads = visible_heads(user, today).filter(household=OuterRef("case__household_id"))
    pending = list(
        GraduationRequest.objects.filter(case__in=cases, status=GraduationRequest.Status.PENDING)
        .select_related("case__household__village", "proposed_by")
        .annotate(family=Subquery(heads.order_by("id").values("full_name")[:1]))
        .order_by("proposed_on", "id")
    )
    graduated = dict(
        CaseEvent.objects.filter(
            case__in=cases, to_stage=journey.Stage.GRADUATED, on__year=today.year
        )
        .values_list("case__social_worker")
        .annotate(n=Count("case", distinct=True))
        .order_by()
    )
    open_counts = dict(
        cases.filter(stage__in=journey.OPEN_STAGES)
        .values_list("social_worker")
        .annotate(n=Count("id"))
        .order_by()
    )
    workers = User.objects.filter(pk__in=cases.values("social_worker")).order_by("username")
    target = journey_settings().yearly_graduation_target
    rows = [
        WorkerTarget(w, open_counts.get(w.pk, 0), graduated.get(w.pk, 0), target) for w in workers
    ]
    return pending, rows


@dataclass(frozen=True)
class AtensiStep:
    on: date
    step: str  # domain.rehabilitation.PracticeStep
    note: str


@dataclass(frozen=True)
class CaseFile:
    """Everything recorded on a case, as the case page, its PDF and the API show it."""

    assessments: list[Assessment]
    plans: list[CasePlan]
    services: list[ServiceRecord]
    empowerment: list[EmpowermentRecord]
    trainings: list[TrainingRecord]
    placements: list[JobPlacement]
    incomes: list[IncomeRecord]
    referrals: list[Referral]
    follow_ups: list[FollowUp]
    enrolment_requests: list[EnrolmentRequest]
    functioning: list[FunctioningAssessment]
    atensi_steps: list[AtensiStep]
    conditionality: list[ConditionalityRecord]  # each with ``met`` set
    breaches: list[tuple[Person, Breach]]

    @property
    def domains(self) -> list[str]:
        return list(rehabilitation.DOMAINS)

    @property
    def functioning_changes(self) -> list[tuple[Person | None, rehabilitation.Change]]:
        """Per person measured (None: the family) twice or more, the change from the first
        score to the latest."""
        by_subject: dict[int | None, list[FunctioningAssessment]] = {}
        for record in self.functioning:
            by_subject.setdefault(record.person_id, []).append(record)
        changes = []
        for records in by_subject.values():
            measured = rehabilitation.change(
                [
                    rehabilitation.Measurement(
                        r.assessed_on, rehabilitation.Phase(r.phase), r.scores
                    )
                    for r in records
                ]
            )
            if measured is not None:
                changes.append((records[0].person, measured))
        return changes

    @property
    def work_recorded(self) -> bool:
        return any(
            (
                self.assessments,
                self.plans,
                self.services,
                self.empowerment,
                self.trainings,
                self.placements,
                self.incomes,
                self.functioning,
                self.atensi_steps,
                self.conditionality,
            )
        )


def _judged(case: Case) -> list[ConditionalityRecord]:
    records = list(
        ConditionalityRecord.objects.filter(person__household_id=case.household_id)
        .select_related("person")
        .order_by("month", "person_id", "obligation")
    )
    settings = conditionality.settings_in_force()
    for record in records:
        record.met = met(conditionality.month_record(record), settings)  # type: ignore[attr-defined]
    return records


def case_file(case: Case) -> CaseFile:
    return CaseFile(
        conditionality=_judged(case),
        breaches=conditionality.breaches_of(case),
        assessments=list(case.assessments.select_related("person", "assessed_by")),
        plans=list(case.plans.all()),
        services=list(case.services.select_related("person")),
        empowerment=list(case.empowerment.select_related("person")),
        trainings=list(case.trainings.select_related("person")),
        placements=list(case.placements.select_related("person")),
        incomes=list(case.incomes.all()),
        referrals=list(case.referrals.select_related("consent")),
        follow_ups=list(case.follow_ups.all()),
        enrolment_requests=list(case.enrolment_requests.all()),
        functioning=list(case.functioning.select_related("person")),
        atensi_steps=[
            AtensiStep(on, facts["step"], note)
            for on, facts, note in case.events.filter(kind=CaseEvent.Kind.ATENSI_STEP)
            .order_by("on", "id")
            .values_list("on", "facts", "reason")
        ],
    )


# -- partner agencies --------------------------------------------------------------------------


def referrals_for_partner(user: User) -> QuerySet[Referral]:
    return (
        Referral.objects.filter(access.referral_filter(user))
        .select_related("case__household__village__parent", "sent_by", "person", "consent")
        .order_by("-sent_on", "-id")
    )


def partner_view(referral: Referral) -> dict[str, Any]:
    """The minimum a partner agency gets: the name of the person referred (the head, or the
    member the programme is for), the region, the programme, the consent and who gave it for a
    child or a guarded person — never specific personal data (health, disability, clusters,
    assessments).

    A revoked referral (the family withdrew its consent) shows only that it was revoked, and
    when: the agency may no longer know who it was about."""
    if referral.status == Referral.Status.REVOKED:
        return {
            "id": referral.pk,
            "name": "",
            "region_code": "",
            "region": "",
            "programme": referral.programme,
            "consent_recorded": False,
            "consent_by": "",
            "guardian": "",
            "status": referral.status,
            "status_label": referral.get_status_display(),
            "sent_on": referral.sent_on,
            "sent_by": "",
            "address": "",
            "outcome": "",
        }
    household = referral.case.household
    consent = getattr(referral, "consent", None)  # none on referrals sent before the records
    # the person the consent covers; before the records, the head as the family then was
    subject = referral.person or household.members.filter(relationship="head").first()
    village = household.village
    return {
        "id": referral.pk,
        "name": subject.full_name if subject else "",
        "region_code": village.code,
        "region": f"{village.name}, {village.parent.name}" if village.parent else village.name,
        "programme": referral.programme,
        "consent_recorded": referral.consent_recorded,
        "consent_by": consent.given_by if consent else "",
        # whoever consented for a child or a guarded person: the one the agency talks to
        "guardian": consent.giver_name if consent else "",
        "status": referral.status,
        "status_label": referral.get_status_display(),
        "sent_on": referral.sent_on,
        # the worker the agency contacts about the hand-over, and where the family lives: what
        # the family consented to share when it was referred
        "sent_by": referral.sent_by.get_full_name() or referral.sent_by.username,
        "address": _address(household) if referral.consent_recorded else "",
        "outcome": referral.outcome,
    }


def _address(household: Household) -> str:
    parts = [household.address or ""]
    if household.rt or household.rw:
        parts.append(f"RT {household.rt or '–'}/RW {household.rw or '–'}")
    return ", ".join(p for p in parts if p)


# -- reports -----------------------------------------------------------------------------------


def stage_counts(user: User) -> list[dict[str, Any]]:
    rows = dict(cases_for(user).values_list("stage").annotate(n=Count("id")).order_by())
    return [{"stage": str(stage), "cases": rows.get(stage, 0)} for stage in journey.Stage]


def reentry_rate(user: User) -> tuple[int, int]:
    """(cases that re-entered protection, cases that ever left the ministry's support)."""
    cases = cases_for(user)
    left = cases.filter(
        Q(events__to_stage__in=[journey.Stage.GRADUATED, journey.Stage.TERMINATED])
    ).distinct()
    reentered = cases.filter(events__kind=CaseEvent.Kind.REENTRY).distinct()
    return reentered.count(), left.count()


def staff_covering(region_code: str, role: str) -> QuerySet[User]:
    """Active users of ``role`` whose region covers ``region_code`` (candidates to carry a
    case there; the services check the same rule, ``access.may_carry_case``, again)."""
    prefixes = [region_code[:n] for n in (2, 4, 6, 10) if n <= len(region_code)]
    return User.objects.filter(is_active=True, role=role, region_id__in=prefixes).order_by(
        "username"
    )


def open_cases_without_living_member(user: User, today: date) -> QuerySet[Case]:
    """Data quality (QUALITY_OPEN_CASE_NO_LIVING_MEMBER): open cases of a household whose
    members have all died."""
    living = Person.objects.filter(
        household_id=OuterRef("household_id"), deceased_date__isnull=True
    )
    return cases_for(user).filter(stage__in=journey.OPEN_STAGES).filter(~Exists(living))
