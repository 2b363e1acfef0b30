"""Case management operations: opening and assigning cases, recording the work, moving a case
along the journey (guards from ``sejahtera.domain.cases``), graduation approval, referrals and
aftercare.

Every operation takes its actor and ``today`` explicitly. Moves and assignments are guarded by
the case's ``version`` (optimistic locking): of two people moving the same case from the same
page, exactly one succeeds and the other gets ``EditConflict``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone

from sejahtera.accounts import access, notifications
from sejahtera.accounts.models import Role, User
from sejahtera.cases import conditionality, partners
from sejahtera.cases import evidence as evidence_files
from sejahtera.cases.graduation import (
    case_track,
    graduation_check,
    journey_settings,
    pkh_components_left,
)
from sejahtera.cases.models import (
    Assessment,
    Case,
    CaseEvent,
    CasePlan,
    ConditionalityRecord,
    ConsentRecord,
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
from sejahtera.domain import conditionality as conditionality_rules
from sejahtera.domain import consent, empowerment, rehabilitation
from sejahtera.domain.cases import CaseFacts, Graduation, GraduationType, Stage
from sejahtera.domain.findings import Finding, StepRefused, error, gettext_noop
from sejahtera.domain.targeting.rules import CLUSTER_CODES
from sejahtera.registry.models import Household, Person
from sejahtera.registry.services.records import EditConflict
from sejahtera.targeting import services as targeting_services

__all__ = ["EditConflict", "TransitionRefused"]


class TransitionRefused(StepRefused):
    """A case's move (or operation) is not allowed."""


def pena_capital_maximum() -> int:
    """The PENA cap of the targeting rules in force (the operator's rules file, if set)."""
    from sejahtera.targeting.selectors import rules_in_force

    return rules_in_force().pena.max_capital_amount


def _today() -> date:
    """The records that take no ``today`` of their caller date themselves by the clock."""
    return timezone.localdate()


def _refuse(code: str, template: str, **params: Any) -> TransitionRefused:
    return TransitionRefused([error(code, template, **params)])


def _require_case(actor: User, case: Case, roles: frozenset[str]) -> None:
    """The actor has the role and the case is theirs to work on (a 404 upstream otherwise)."""
    access.require(actor, roles)
    if not Case.objects.filter(access.case_filter(actor), pk=case.pk).exists():
        raise PermissionDenied


def _require_member(case: Case, person: Person | None) -> None:
    """A record about a person is about a member of the case's family."""
    if person is not None and person.household_id != case.household_id:
        raise _refuse(
            "CASE_NOT_A_MEMBER",
            gettext_noop("the person is not a member of this family"),
        )


def require_stage(case: Case, record: str) -> None:
    """Refuse a record the case's stage does not take (``journey.RECORD_STAGES``)."""
    if Stage(case.stage) not in journey.RECORD_STAGES[record]:
        raise _refuse(
            journey.RECORD_NOT_IN_STAGE,
            gettext_noop("a case in the stage {stage} takes no {record} record"),
            stage=case.stage,
            record=record,
        )


def _event(case: Case, actor: User, kind: str, today: date, **values: Any) -> CaseEvent:
    return CaseEvent.objects.create(case=case, actor=actor, kind=kind, on=today, **values)


def _already_open() -> TransitionRefused:
    return _refuse("CASE_ALREADY_OPEN", gettext_noop("this household already has an open case"))


def _bump(case: Case, expected_version: int, **values: Any) -> None:
    """Write ``values`` if the case is still at ``expected_version`` (else EditConflict)."""
    try:
        with transaction.atomic():
            updated = Case.objects.filter(pk=case.pk, version=expected_version).update(
                version=F("version") + 1, **values
            )
    except IntegrityError:  # re-opened while the household has another open case
        raise _already_open() from None
    if not updated:
        current = Case.objects.filter(pk=case.pk).values_list("version", flat=True).first()
        raise EditConflict(current or expected_version)
    case.refresh_from_db()


# -- opening and assignment --------------------------------------------------------------------


def check_assignment(social_worker: User, supervisor: User | None, region_code: str) -> None:
    """Both people a case is assigned to must be active, of their role, and cover its region
    (else they could not work on it, or a stranger could read it and decide its graduation)."""
    if not access.may_carry_case(social_worker, region_code):
        raise _not_a_social_worker()
    if supervisor is not None and not access.may_supervise_case(supervisor, region_code):
        raise _not_a_supervisor()


def staff_named(social_worker: str, supervisor: str | None) -> tuple[User, User | None]:
    """The active users a case is to be assigned to, by username (the API names them). A name
    of nobody is refused as ``check_assignment`` refuses someone who may not take the case: the
    answer must not tell a caller which usernames exist elsewhere in the country."""
    names = [social_worker, *([supervisor] if supervisor else [])]
    found = {u.username: u for u in User.objects.filter(username__in=names, is_active=True)}
    if social_worker not in found:
        raise _not_a_social_worker()
    if supervisor and supervisor not in found:
        raise _not_a_supervisor()
    return found[social_worker], found.get(supervisor or "")


def _not_a_social_worker() -> TransitionRefused:
    return _refuse(
        "CASE_NOT_A_SOCIAL_WORKER",
        gettext_noop("cases go to an active social worker of the family's region"),
    )


def _not_a_supervisor() -> TransitionRefused:
    return _refuse(
        "CASE_NOT_A_SUPERVISOR",
        gettext_noop("the supervisor must be an active supervisor of the family's region"),
    )


def _check_caseload(worker: User) -> None:
    # Counted under the worker's row lock: two cases given at once cannot both take the last
    # place.
    User.objects.select_for_update().filter(pk=worker.pk).first()
    limit = journey_settings().caseload_limit
    open_cases = Case.objects.filter(social_worker=worker, stage__in=journey.OPEN_STAGES).count()
    if open_cases >= limit:
        raise _refuse(
            "CASE_CASELOAD_FULL",
            gettext_noop("{worker} already has {count} open cases (limit {limit})"),
            worker=worker.get_username(),
            count=open_cases,
            limit=limit,
        )


@transaction.atomic
def open_case(
    *,
    actor: User,
    household: Household,
    social_worker: User,
    supervisor: User | None = None,
    today: date,
) -> Case:
    access.require(actor, access.CASE_OPENERS)
    access.require_region(actor, household.village_id)
    check_assignment(social_worker, supervisor, household.village_id)
    if Case.objects.filter(household=household, stage__in=journey.OPEN_STAGES).exists():
        raise _already_open()
    _check_caseload(social_worker)
    try:
        with transaction.atomic():
            case = Case.objects.create(
                household=household,
                region_code=household.village_id,
                social_worker=social_worker,
                supervisor=supervisor,
                opened_on=today,
                stage_since=today,
            )
    except IntegrityError:  # a parallel request opened one since the check above
        raise _already_open() from None
    _event(case, actor, CaseEvent.Kind.OPENED, today, to_stage=Stage.REGISTERED)
    return case


def follow_moved_households(sender: object, household_ids: list[int], **_: object) -> None:
    """A case is read and carried within its household's region: when the household moves (an
    edit, an import), its cases go with it to the new region's office, which may assign them
    to its own social workers; the old region's office and team no longer read them."""
    village = Household.objects.filter(pk=OuterRef("household_id")).values("village_id")[:1]
    Case.objects.filter(household_id__in=household_ids).update(region_code=Subquery(village))


@transaction.atomic
def assign_case(
    *,
    actor: User,
    case: Case,
    social_worker: User,
    supervisor: User | None,
    expected_version: int,
    reason: str,
    today: date,
) -> Case:
    """Transfer a case to another social worker (and supervisor); the caseload limit holds."""
    access.require(actor, access.CASE_ASSIGNERS)
    if not Case.objects.filter(access.case_filter(actor), pk=case.pk).exists():
        raise PermissionDenied
    require_stage(case, "transfer")
    check_assignment(social_worker, supervisor, case.region_code)
    if social_worker.pk != case.social_worker_id:
        _check_caseload(social_worker)
    before = {"social_worker": case.social_worker_id, "supervisor": case.supervisor_id}
    _bump(case, expected_version, social_worker=social_worker, supervisor=supervisor)
    after = {"social_worker": social_worker.pk, "supervisor": supervisor.pk if supervisor else None}
    _event(
        case,
        actor,
        CaseEvent.Kind.ASSIGNED,
        today,
        reason=reason,
        facts={"before": before, "after": after},
    )
    return case


# -- recording the work ------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberAssessment:
    person: Person | None  # None: the family as a whole
    clusters: tuple[str, ...] = ()
    conditions: dict[str, str] = field(default_factory=dict)


ASSESSMENT_TOPICS = ("health", "disability", "education", "work", "family_functioning", "risks")


@transaction.atomic
def record_assessment(
    *, actor: User, case: Case, members: Sequence[MemberAssessment], today: date
) -> list[Assessment]:
    """Store the assessment; each cluster found becomes a manual cluster membership (the rule
    runs never remove those), so targeting sees what the social worker saw."""
    _require_case(actor, case, access.CASE_WORKERS)
    require_stage(case, "assessment")
    _check_assessment(members)
    saved = []
    for member in members:
        if member.person is not None and member.person.household_id != case.household_id:
            raise PermissionDenied
        conditions = {k: v for k, v in member.conditions.items() if v}
        saved.append(
            Assessment.objects.create(
                case=case,
                person=member.person,
                assessed_on=today,
                assessed_by=actor,
                clusters=list(dict.fromkeys(member.clusters)),
                conditions=conditions,
            )
        )
        person = member.person
        for cluster in dict.fromkeys(member.clusters):  # each once, in the order given
            if person is None:
                break  # clusters belong to persons; a family-level note keeps them as text
            targeting_services.add_manual_cluster(
                actor,
                targeting_services.ManualCluster(
                    person=person,
                    cluster=cluster,
                    reason=f"case {case.pk} assessment",
                    valid_from=today,
                ),
            )
    _event(case, actor, CaseEvent.Kind.ASSESSED, today, facts={"assessments": len(saved)})
    return saved


def _check_assessment(members: Sequence[MemberAssessment]) -> None:
    """Each member once, each cluster one of the twelve, each finding under a topic: what a
    social worker wrote is kept or refused, never silently dropped."""
    findings = []
    assessed = [m.person.pk if m.person else None for m in members]
    if len(set(assessed)) < len(assessed):
        findings.append(
            error("CASE_MEMBER_TWICE", gettext_noop("assess each member once"), "person")
        )
    for member in members:
        for cluster in sorted(set(member.clusters) - set(CLUSTER_CODES)):
            findings.append(
                error(
                    "CASE_CLUSTER_UNKNOWN",
                    gettext_noop("{cluster!r} is none of the twelve clusters"),
                    "clusters",
                    cluster=cluster[:40],
                )
            )
        for topic in sorted(set(member.conditions) - set(ASSESSMENT_TOPICS)):
            findings.append(
                error(
                    "CASE_TOPIC_UNKNOWN",
                    gettext_noop("{topic!r} is no topic of an assessment"),
                    "conditions",
                    topic=topic[:40],
                )
            )
    if findings:
        raise TransitionRefused(findings)


@transaction.atomic
def write_plan(
    *,
    actor: User,
    case: Case,
    kind: str,
    goals: str,
    track: str = "",
    actions: str = "",
    target_date: date | None = None,
    today: date,
) -> CasePlan:
    """A rehabilitation or empowerment plan; an empowerment plan chooses the family's track
    (the latest one counts: a family may switch from business to employment)."""
    _require_case(actor, case, access.CASE_WORKERS)
    require_stage(case, "plan")
    problems = empowerment.plan_problems(kind, track)
    if target_date is not None and target_date < today:
        problems.append(
            error(
                "CASE_TARGET_PASSED",
                gettext_noop("a plan's target date is not before the day it is written"),
                "target_date",
            )
        )
    if problems:
        raise TransitionRefused(problems)
    plan = CasePlan.objects.create(
        case=case,
        kind=kind,
        track=track,
        goals=goals,
        actions=actions,
        target_date=target_date,
        created_by=actor,
        created_on=today,
    )
    facts = {"plan": plan.pk, "kind": kind, **({"track": track} if track else {})}
    _event(case, actor, CaseEvent.Kind.PLAN, today, facts=facts)
    return plan


def _require_track(case: Case, record: str) -> None:
    problems = empowerment.record_problems(record, case_track(case))
    if problems:
        raise TransitionRefused(problems)


@transaction.atomic
def record_service(*, actor: User, case: Case, **values: Any) -> ServiceRecord:
    """An ATENSI service; ATENSI requires an assessment first."""
    _require_case(actor, case, access.CASE_WORKERS)
    require_stage(case, "service")
    if not case.assessments.exists():
        raise _refuse(journey.ASSESSMENT_MISSING, gettext_noop("record an assessment first"))
    started_on, ended_on = values["started_on"], values.get("ended_on")
    if problems := journey.dates_problems(_today(), started_on=started_on) + (
        journey.span_problems(started_on, ended_on)
    ):
        raise TransitionRefused(problems)
    service = ServiceRecord.objects.create(case=case, recorded_by=actor, **values)
    _event(
        case,
        actor,
        CaseEvent.Kind.SERVICE,
        service.started_on,
        facts={"service": service.pk, "component": service.component},
    )
    return service


@transaction.atomic
def record_functioning(
    *,
    actor: User,
    case: Case,
    assessed_on: date,
    phase: str,
    scores: Mapping[str, int],
    notes: str = "",
    person: Person | None = None,
) -> FunctioningAssessment:
    """A score of social functioning, domain by domain (the instrument of
    ``domain.rehabilitation``); the case page and the report show the change over time."""
    _require_case(actor, case, access.CASE_WORKERS)
    _require_member(case, person)
    require_stage(case, "functioning")
    problems = rehabilitation.score_problems(scores)
    problems += journey.dates_problems(_today(), assessed_on=assessed_on)
    if phase not in tuple(rehabilitation.Phase):
        problems.append(
            error(
                rehabilitation.SCORES_INVALID,
                gettext_noop("say when it was measured: before, during or after services"),
                "phase",
            )
        )
    if problems:
        raise TransitionRefused(problems)
    record = FunctioningAssessment.objects.create(
        case=case,
        person=person,
        assessed_on=assessed_on,
        phase=phase,
        scores={domain: scores[domain] for domain in rehabilitation.DOMAINS},
        total=rehabilitation.total(scores),
        notes=notes,
        assessed_by=actor,
    )
    facts = {"functioning": record.pk, "phase": phase, "total": record.total}
    _event(case, actor, CaseEvent.Kind.FUNCTIONING, assessed_on, facts=facts)
    return record


@transaction.atomic
def mark_atensi_step(*, actor: User, case: Case, step: str, on: date, note: str = "") -> CaseEvent:
    """A practice step of ATENSI taken (engagement … aftercare), on the timeline."""
    _require_case(actor, case, access.CASE_WORKERS)
    require_stage(case, "atensi-step")
    if step not in tuple(rehabilitation.PracticeStep):
        raise _refuse(
            "CASE_ATENSI_STEP_UNKNOWN",
            gettext_noop("{step} is not a practice step of ATENSI"),
            step=step,
        )
    if problems := journey.dates_problems(_today(), on=on):
        raise TransitionRefused(problems)
    return _event(case, actor, CaseEvent.Kind.ATENSI_STEP, on, reason=note, facts={"step": step})


@transaction.atomic
def record_conditionality(
    *,
    actor: User,
    case: Case,
    person: Person,
    obligation: str,
    month: date,
    value: int,
    today: date,
) -> ConditionalityRecord:
    """A month of one member's PKH obligation: school attendance in percent or health visits
    (recording the same month again corrects it); on the case's timeline."""
    _require_case(actor, case, access.CASE_WORKERS)
    require_stage(case, "conditionality")
    _require_member(case, person)
    problems = conditionality_rules.value_problems(obligation, value)
    problems += conditionality.month_problems(person, obligation, month.replace(day=1), today)
    if problems:
        raise TransitionRefused(problems)
    record = conditionality.save_month(
        actor, person, obligation, month, value, ConditionalityRecord.Source.WORKER
    )
    met = conditionality_rules.met(
        conditionality.month_record(record), conditionality.settings_in_force()
    )
    facts = {
        "person": person.pk,
        "obligation": obligation,
        "month": record.month.isoformat(),
        "value": value,
        "met": met,
    }
    _event(case, actor, CaseEvent.Kind.CONDITIONALITY, record.month, facts=facts)
    return record


@transaction.atomic
def record_empowerment(
    *,
    actor: User,
    case: Case,
    given_on: date,
    capital_items: Sequence[dict[str, Any]] = (),
    capital_form: str = empowerment.CapitalForm.IN_KIND,
    training: str = "",
    mentoring_sessions: int = 0,
    person: Person | None = None,
) -> EmpowermentRecord:
    """PENA support on the business track; the capital, in kind or cash (all records
    together), is capped by the rules."""
    _require_case(actor, case, access.CASE_WORKERS)
    _require_member(case, person)
    require_stage(case, "empowerment")
    _require_track(case, "empowerment")
    if problems := journey.dates_problems(_today(), given_on=given_on):
        raise TransitionRefused(problems)
    value = sum(int(item.get("value") or 0) for item in capital_items)
    _lock(case)  # two grants at once cannot both fit under the cap
    given = sum(case.empowerment.values_list("capital_value", flat=True))
    maximum = pena_capital_maximum()
    if value < 0 or given + value > maximum:
        raise _refuse(
            "CASE_PENA_CAPITAL_ABOVE_MAXIMUM",
            gettext_noop("capital would total Rp{total}, above the PENA maximum Rp{max}"),
            total=given + value,
            max=maximum,
        )
    record = EmpowermentRecord.objects.create(
        case=case,
        person=person,
        given_on=given_on,
        capital_items=list(capital_items),
        capital_value=value,
        capital_form=capital_form,
        training=training,
        mentoring_sessions=mentoring_sessions,
        recorded_by=actor,
    )
    _event(
        case,
        actor,
        CaseEvent.Kind.EMPOWERMENT,
        given_on,
        facts={"empowerment": record.pk, "capital_value": value},
    )
    return record


@transaction.atomic
def record_training(
    *,
    actor: User,
    case: Case,
    course: str,
    provider: str,
    started_on: date,
    ended_on: date | None = None,
    certificate: str = "",
    person: Person | None = None,
) -> TrainingRecord:
    """Skills training on the employment track."""
    _require_case(actor, case, access.CASE_WORKERS)
    _require_member(case, person)
    require_stage(case, "training")
    _require_track(case, "training")
    if problems := journey.span_problems(started_on, ended_on):
        raise TransitionRefused(problems)
    if certificate.strip() and ended_on is None:
        raise _refuse(
            "CASE_CERTIFICATE_BEFORE_END",
            gettext_noop("a certificate is given when the training has ended: give its end date"),
        )
    record = TrainingRecord.objects.create(
        case=case,
        person=person,
        course=course,
        provider=provider,
        started_on=started_on,
        ended_on=ended_on,
        certificate=certificate.strip(),
        recorded_by=actor,
    )
    facts = {"training": record.pk, "certified": bool(record.certificate)}
    _event(case, actor, CaseEvent.Kind.TRAINING, started_on, reason=course, facts=facts)
    return record


@transaction.atomic
def record_placement(
    *,
    actor: User,
    case: Case,
    employer: str,
    started_on: date,
    monthly_wage: int,
    person: Person | None = None,
) -> JobPlacement:
    """A job found on the employment track."""
    _require_case(actor, case, access.CASE_WORKERS)
    _require_member(case, person)
    require_stage(case, "placement")
    _require_track(case, "placement")
    placement = JobPlacement.objects.create(
        case=case,
        person=person,
        employer=employer,
        started_on=started_on,
        monthly_wage=monthly_wage,
        recorded_by=actor,
    )
    facts = {"placement": placement.pk, "monthly_wage": monthly_wage}
    _event(case, actor, CaseEvent.Kind.PLACEMENT, started_on, reason=employer, facts=facts)
    return placement


@transaction.atomic
def record_income(*, actor: User, case: Case, month: date, amount: int) -> IncomeRecord:
    _require_case(actor, case, access.CASE_WORKERS)
    require_stage(case, "income")
    # Earned in a month that has begun: a month to come would count towards graduation.
    if problems := journey.dates_problems(_today().replace(day=1), month=month.replace(day=1)):
        raise TransitionRefused(problems)
    record, _ = IncomeRecord.objects.update_or_create(
        case=case,
        month=month.replace(day=1),
        defaults={"amount": amount, "recorded_by": actor},
    )
    _event(
        case,
        actor,
        CaseEvent.Kind.INCOME,
        record.month,
        facts={"month": record.month.isoformat(), "amount": amount},
    )
    return record


def enrolment_programmes() -> tuple[str, ...]:
    """The programmes of the targeting rules in force, built-in and new."""
    from sejahtera.targeting.selectors import rules_in_force

    return rules_in_force().programme_codes


@transaction.atomic
def request_enrolment(
    *,
    actor: User,
    case: Case,
    programme: str,
    action: str,
    reason: str,
    today: date,
    cite_noncompliance: bool = False,
) -> EnrolmentRequest:
    """Ask for the family's enrolment in (or suspension from) a programme; on the timeline.
    A suspension of PKH for non-compliance cites the records (``cite_noncompliance``)."""
    _require_case(actor, case, access.CASE_WORKERS)
    require_stage(case, "enrolment")
    cited: list[dict[str, object]] = []
    if cite_noncompliance:
        if (programme, action) != ("PKH", EnrolmentRequest.Action.SUSPEND):
            raise _refuse(
                "CASE_NONCOMPLIANCE_NOT_PKH",
                gettext_noop("non-compliance is cited to suspend PKH only"),
            )
        words, cited = _cite_noncompliance(case, today)
        reason = f"{words}. {reason}".strip(". ") if reason.strip() else words
    if not reason.strip():
        raise _refuse(journey.REASON_MISSING, gettext_noop("give the reason for this step"))
    programmes = enrolment_programmes()
    if programme not in programmes:
        raise _refuse(
            journey.PROGRAMME_UNKNOWN,
            gettext_noop("{programme} is not a programme of the rules in force ({programmes})"),
            programme=programme,
            programmes=", ".join(programmes),
        )
    waiting = EnrolmentRequest.objects.filter(
        case=case, programme=programme, action=action, status=EnrolmentRequest.Status.PENDING
    )
    if waiting.exists():
        raise _refuse(
            "CASE_REQUEST_PENDING",
            gettext_noop("the same request for {programme} already waits for the decree maker"),
            programme=programme,
        )
    request = EnrolmentRequest.objects.create(
        case=case,
        programme=programme,
        action=action,
        reason=reason.strip(),
        requested_by=actor,
        requested_on=today,
    )
    _event(
        case,
        actor,
        CaseEvent.Kind.ENROLMENT,
        today,
        reason=f"{action} {programme}: {reason.strip()}",
        facts={
            "programme": programme,
            "action": action,
            **({"noncompliance": cited} if cited else {}),
        },
    )
    return request


@transaction.atomic
def complete_follow_up(*, actor: User, follow_up: FollowUp, notes: str, today: date) -> FollowUp:
    _require_case(actor, follow_up.case, access.CASE_WORKERS)
    require_stage(follow_up.case, "follow-up")
    # Locked: of two completions at once, the second finds the visit done.
    follow_up = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
    if follow_up.done_on is not None:
        raise _refuse(
            "CASE_FOLLOW_UP_DONE",
            gettext_noop("this visit is already recorded; what it found stays as written"),
        )
    follow_up.done_on, follow_up.notes = today, notes
    follow_up.save(update_fields=["done_on", "notes"])
    _event(
        follow_up.case,
        actor,
        CaseEvent.Kind.FOLLOW_UP,
        today,
        reason=notes,
        facts={"follow_up": follow_up.pk, "due_on": follow_up.due_on.isoformat()},
    )
    return follow_up


# -- facts and moves ---------------------------------------------------------------------------


def case_facts(
    case: Case, *, reason: str, today: date, actor: User | None = None, termination_reason: str = ""
) -> CaseFacts:
    births = Person.objects.filter(
        household_id=case.household_id, deceased_date__isnull=True
    ).values_list("birth_date", flat=True)
    approved = case.graduations.filter(status=GraduationRequest.Status.APPROVED).first()
    graduation = Graduation()
    if approved is not None:
        graduation = Graduation(
            type=GraduationType(approved.type),
            signed_statement=approved.signed_statement,
            pkh_components_left=pkh_components_left(case.household),
            evidence=approved.evidence,
            supervisor_approved=True,
        )
    return CaseFacts(
        has_assessment=case.assessments.exists(),
        member_ages=tuple(journey.age_on(birth, today) for birth in births),
        has_empowerment_plan=case.plans.filter(kind=CasePlan.Kind.EMPOWERMENT).exists(),
        graduation=graduation,
        has_accepted_referral=case.referrals.filter(
            status__in=[Referral.Status.ACCEPTED, Referral.Status.COMPLETED]
        ).exists(),
        reason=reason,
        termination_reason=termination_reason,
        by_supervisor=actor is not None
        and (actor.pk == case.supervisor_id or actor.role == Role.ADMINISTRATOR),
    )


def next_moves(case: Case, actor: User, today: date) -> list[tuple[Stage, list[Finding]]]:
    """Each stage the case may move to next, with what the move still needs (nothing: it is
    ready), so the page says so before anyone tries. A reason or a termination reason asked
    by the move itself shows as needed until it is given."""
    from_stage = Stage(case.stage)
    facts = case_facts(case, reason="", today=today, actor=actor)
    return [
        (to_stage, journey.check_transition(from_stage, to_stage, facts, journey_settings()))
        for to_stage in journey.allowed_targets(from_stage)
    ]


def _facts_record(facts: CaseFacts) -> dict[str, Any]:
    record = asdict(facts)
    record.pop("reason")
    record["member_ages"] = list(facts.member_ages)
    return record


@transaction.atomic
def move_case(
    *,
    case: Case,
    to_stage: Stage,
    actor: User,
    reason: str,
    evidence: str = "",
    evidence_upload: UploadedFile | None = None,
    expected_version: int,
    today: date,
    termination_reason: str = "",
) -> CaseEvent:
    """Move the case if every guard passes (TransitionRefused lists those that fail) and nobody
    moved it since ``expected_version`` (EditConflict); an uploaded evidence file is checked
    first and kept with the step. ``termination_reason``: why a family that has not graduated
    leaves for another agency (``journey.EARLY_TERMINATION_REASONS``)."""
    _require_case(actor, case, access.CASE_WORKERS)
    evidence_file = ""
    if evidence_upload is not None:
        if rejected := evidence_files.problems(evidence_upload):
            raise TransitionRefused(rejected)
        evidence_file = Path(evidence_upload.name or "evidence").name[:255]
    event = _move(
        case,
        to_stage,
        actor,
        reason,
        evidence,
        evidence_file,
        expected_version,
        today,
        termination_reason=termination_reason,
    )
    if evidence_upload is not None:
        event.evidence_upload = evidence_files.store(str(case.pk), evidence_upload)
        event.save(update_fields=["evidence_upload"])
    return event


def _move(
    case: Case,
    to_stage: Stage,
    actor: User,
    reason: str,
    evidence: str,
    evidence_file: str,
    expected_version: int,
    today: date,
    *,
    termination_reason: str = "",
) -> CaseEvent:
    if case.version != expected_version:
        raise EditConflict(case.version)
    from_stage = Stage(case.stage)
    if termination_reason and not journey.is_early_termination(from_stage, to_stage):
        # Kept with the move, it would say the family left for a reason it did not.
        raise _refuse(
            "CASE_TERMINATION_REASON_UNUSED",
            gettext_noop("a termination reason is given only when terminating early"),
        )
    facts = case_facts(
        case, reason=reason, today=today, actor=actor, termination_reason=termination_reason
    )
    refused = journey.check_transition(from_stage, to_stage, facts, journey_settings())
    if refused:
        raise TransitionRefused(refused)
    closed_on = today if to_stage is Stage.CLOSED else None
    _bump(case, expected_version, stage=to_stage, stage_since=today, closed_on=closed_on)
    reentry = journey.is_reentry(from_stage, to_stage)
    event = _event(
        case,
        actor,
        CaseEvent.Kind.REENTRY if reentry else CaseEvent.Kind.MOVED,
        today,
        from_stage=from_stage,
        to_stage=to_stage,
        reason=reason,
        evidence=evidence,
        evidence_file=evidence_file,
        facts=_facts_record(facts),
    )
    if (
        to_stage in (Stage.GRADUATED, Stage.TERMINATED)
        and not case.follow_ups.filter(done_on__isnull=True).exists()
    ):
        FollowUp.objects.bulk_create(
            FollowUp(case=case, due_on=due)
            for due in journey.follow_up_dates(today, journey_settings())
        )
    if reentry:
        # a family back in protection has no graduation standing any more
        case.graduations.filter(status=GraduationRequest.Status.APPROVED).update(
            status=GraduationRequest.Status.REJECTED
        )
    return event


# -- graduation --------------------------------------------------------------------------------


@transaction.atomic
def propose_graduation(
    *,
    actor: User,
    case: Case,
    type: GraduationType,
    signed_statement: bool = False,
    evidence: str = "",
    cite_noncompliance: bool = False,
    today: date,
) -> GraduationRequest:
    """A proposal for the supervisor. A *paksa* graduation for non-compliance cites the
    family's repeated PKH non-compliance by its records (``cite_noncompliance``)."""
    _require_case(actor, case, access.CASE_WORKERS)
    require_stage(case, "graduation")
    cited: list[dict[str, object]] = []
    if cite_noncompliance:
        if type is not GraduationType.PAKSA:
            raise _refuse(
                "CASE_CITATION_ONLY_FOR_PAKSA",
                gettext_noop("non-compliance is cited for a paksa graduation only"),
            )
        words, cited = _cite_noncompliance(case, today)
        evidence = f"{words}. {evidence}".strip(". ") if evidence.strip() else words
    _lock(case)  # one pending proposal: a second proposal at once waits, then replaces it
    case.graduations.filter(status=GraduationRequest.Status.PENDING).update(
        status=GraduationRequest.Status.REJECTED, decided_by=actor, decided_on=today
    )
    request = GraduationRequest.objects.create(
        case=case,
        type=type,
        signed_statement=signed_statement,
        evidence=evidence,
        proposed_by=actor,
        proposed_on=today,
    )
    # the criteria of the family's track as they stood, kept as the proposal's evidence
    check = graduation_check(case, today)
    _event(
        case,
        actor,
        CaseEvent.Kind.GRADUATION_PROPOSED,
        today,
        evidence=evidence,
        facts={
            "type": str(type),
            "signed_statement": signed_statement,
            "track": str(check.track or ""),
            "criteria": {c.code: c.met for c in check.criteria},
            "wage": {"amount": check.wage.amount, "kind": str(check.wage.kind)},
            **({"noncompliance": cited} if cited else {}),
        },
    )
    return request


def _cite_noncompliance(case: Case, today: date) -> tuple[str, list[dict[str, object]]]:
    words, cited = conditionality.citation(case, today)
    if not cited:
        raise _refuse(
            "CASE_NO_REPEATED_NONCOMPLIANCE",
            gettext_noop(
                "no recent repeated PKH non-compliance is recorded for this family: record the "
                "months of school attendance or health visits first"
            ),
        )
    return words, cited


@transaction.atomic
def decide_graduation(
    *,
    actor: User,
    request: GraduationRequest,
    approve: bool,
    reason: str = "",
    expected_version: int,
    today: date,
) -> GraduationRequest:
    """The supervisor approves (the case graduates at once, if every other guard passes) or
    rejects a proposal."""
    case = request.case
    _require_case(actor, case, access.GRADUATION_APPROVERS)
    # Decided under the case's lock, on the proposal as it is now: an approval and a
    # rejection at once (or one clicked twice) decide it once.
    _lock(case)
    request = GraduationRequest.objects.select_related("case").get(pk=request.pk)
    if request.status != GraduationRequest.Status.PENDING:
        raise _refuse("CASE_GRADUATION_DECIDED", gettext_noop("this proposal is already decided"))
    if approve and request.proposed_by_id == actor.pk:
        # Four eyes: graduation ends the family's assistance.
        raise _refuse(
            "CASE_GRADUATION_OWN_PROPOSAL",
            gettext_noop("who proposed a graduation does not approve it: another person does"),
        )
    request.decided_by, request.decided_on = actor, today
    if not approve:
        request.status = GraduationRequest.Status.REJECTED
        request.save()
        _event(case, actor, CaseEvent.Kind.GRADUATION_REJECTED, today, reason=reason)
        _tell_the_worker(case, "graduation_rejected", reason=reason or "–")
        return request
    request.status = GraduationRequest.Status.APPROVED
    request.save()
    # a refusal rolls the approval back with the rest of the transaction
    _move(case, Stage.GRADUATED, actor, reason, request.evidence, "", expected_version, today)
    _tell_the_worker(case, "graduation_approved")
    return request


def _lock(case: Case) -> None:
    """Hold the case's row until the transaction ends: what is read next is not changed by
    another write to the case meanwhile."""
    Case.objects.select_for_update().filter(pk=case.pk).first()


def _tell_the_worker(case: Case, kind: str, **params: Any) -> None:
    """The social worker carrying the case learns of a decision on it in their list, if
    they may still read it (a family that moved away is no longer their old team's)."""
    worker = case.social_worker
    if worker is None or not access.has_role(worker, access.CASE_READERS):
        return
    if not Case.objects.filter(access.case_filter(worker), pk=case.pk).exists():
        return
    head = case.household.members.filter(relationship="head").only("full_name").first()
    family = head.full_name if head else case.household.external_id
    notifications.notify(worker, kind, family=family, case=case.pk, **params)


# -- referrals ---------------------------------------------------------------------------------


@transaction.atomic
def send_referral(
    *,
    actor: User,
    case: Case,
    programme: str,
    consent_method: str,
    today: date,
    person: Person | None = None,
    consent_by: str = consent.GivenBy.SELF,
    consent_giver_name: str = "",
    consent_giver: Person | None = None,
) -> Referral:
    """Refer the family to a programme of the partner catalogue (by its code), for ``person``
    (a member; the head when None), with the consent that lets the partner see their name and
    address: the person's own, or for a child or a person whose disability calls for it a
    parent's or guardian's (``domain.consent``)."""
    _require_case(actor, case, access.CASE_WORKERS)
    require_stage(case, "referral")
    _require_member(case, person)
    _require_member(case, consent_giver)
    chosen = partners.programme(programme)
    if chosen is None:
        raise _refuse(
            "REFERRAL_PROGRAMME_UNKNOWN",
            gettext_noop("{programme} is not a programme of the partner catalogue"),
            programme=programme,
        )
    subject = person or case.household.members.filter(relationship="head").first()
    if subject is None:
        raise _refuse(
            "REFERRAL_NO_HEAD", gettext_noop("the family has no head to refer: choose a member")
        )
    if consent_giver is not None and not consent_giver_name:
        consent_giver_name = consent_giver.full_name
    problems = consent.consent_problems(
        _consent_subject(subject, today),
        given_by=consent_by,
        giver_name=consent_giver_name,
        giver=_consent_subject(consent_giver, today) if consent_giver else None,
        giver_is_subject=consent_giver is not None and consent_giver.pk == subject.pk,
        method=consent_method,
    )
    if problems:
        raise TransitionRefused(problems)
    referral = Referral.objects.create(
        case=case,
        # whom the partner sees is whom the consent covers, whoever heads the family later
        person=subject,
        programme_code=chosen.code,
        organisation=chosen.agency,
        programme=chosen.name,
        consent_recorded=True,
        sent_by=actor,
        sent_on=today,
    )
    ConsentRecord.objects.create(
        referral=referral,
        subject=subject,
        given_by=consent_by,
        giver_name=consent_giver_name.strip() if consent_by != consent.GivenBy.SELF else "",
        giver=consent_giver if consent_by != consent.GivenBy.SELF else None,
        method=consent_method,
        given_on=today,
        recorded_by=actor,
    )
    _event(
        case,
        actor,
        CaseEvent.Kind.REFERRAL,
        today,
        reason=f"{referral.organisation}: {referral.programme}",
        facts={
            "referral": referral.pk,
            "status": referral.status,
            "programme": chosen.code,
            "consent_by": consent_by,
        },
    )
    return referral


def _age(person: Person | None, today: date) -> int | None:
    if person is None or person.birth_date is None:
        return None
    return journey.age_on(person.birth_date, today)


def _consent_subject(person: Person, today: date) -> consent.Subject:
    deceased = person.deceased_date is not None and person.deceased_date <= today
    return consent.Subject(
        _age(person, today), person.disability, person.disability_severity, deceased
    )


@transaction.atomic
def update_referral(
    *, actor: User, referral: Referral, status: str, outcome: str = "", today: date
) -> Referral:
    """Partners accept, reject and complete referrals sent to their organisation; the social
    worker may revoke one (e.g. the family withdrew consent)."""
    who, problems = journey.referral_step(referral.status, status, outcome)
    if problems:
        raise TransitionRefused(problems)
    if who is journey.ReferralActor.PARTNER:
        access.require(actor, access.REFERRAL_PARTNERS)
        if not Referral.objects.filter(access.referral_filter(actor), pk=referral.pk).exists():
            raise PermissionDenied
    else:
        _require_case(actor, referral.case, access.CASE_WORKERS)
        require_stage(referral.case, "revoke-referral")
    previous = referral.status
    # the status check in the filter keeps two concurrent decisions from both applying
    updated = Referral.objects.filter(pk=referral.pk, status=previous).update(
        status=status, decided_on=today, outcome=outcome or referral.outcome
    )
    if not updated:
        raise EditConflict(0)
    if status == Referral.Status.REVOKED:
        ConsentRecord.objects.filter(referral=referral).update(withdrawn_on=today)
    referral.refresh_from_db()
    _event(
        referral.case,
        actor,
        CaseEvent.Kind.REFERRAL,
        today,
        reason=outcome,
        facts={"referral": referral.pk, "from": previous, "status": status},
    )
    return referral
