"""Case management endpoints (scope ``cases``): the token user's cases, a case with its
timeline, moving a case (409 on an edit conflict, 422 with the failed guards' codes), every
record a social worker keeps on a case (assessment, plan, ATENSI service, PENA capital and
mentoring on the business track, skills training and job placement on the employment track,
income, graduation proposal and decision, referral, follow-up visit, transfer), the graduation
check (the track's criteria against the minimum wage in force), and the referrals of a partner
agency with the minimum data (accept, reject, complete)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import date
from typing import Annotated, Any, Literal

from django.http import Http404, HttpRequest, HttpResponse
from ninja import Path, Query, Router, Schema, Status
from pydantic import ConfigDict, Field

from sejahtera.accounts import access
from sejahtera.accounts.models import ApiToken, User
from sejahtera.api import schemas
from sejahtera.api.api import problem
from sejahtera.api.common import (
    KEYED_PROBLEMS,
    PROBLEMS,
    PageQuery,
    RecordId,
    field_error,
    once_per_key,
    page_of,
    token_user,
)
from sejahtera.cases import actions, selectors, services
from sejahtera.cases.graduation import graduation_check
from sejahtera.cases.models import (
    Case,
    CasePlan,
    FollowUp,
    GraduationRequest,
    Referral,
    ServiceRecord,
)
from sejahtera.cases.partners import programmes_for
from sejahtera.domain.cases import EARLY_TERMINATION_REASONS, GraduationType, Stage
from sejahtera.domain.conditionality import Obligation
from sejahtera.domain.empowerment import Track
from sejahtera.domain.rehabilitation import DOMAINS, Phase, PracticeStep
from sejahtera.i18n import render_finding
from sejahtera.programmes import requests
from sejahtera.registry.models import Person

router = Router(tags=["cases"])
SCOPE = ApiToken.Scope.CASES


class CaseOut(Schema):
    id: int
    household_id: str
    region_code: str
    stage: str
    stage_since: date
    opened_on: date
    closed_on: date | None
    social_worker: str
    supervisor: str | None
    version: int


class EventOut(Schema):
    on: date
    kind: str
    from_stage: str
    to_stage: str
    actor: str
    reason: str
    evidence_file: str


class WageOut(Schema):
    amount: int
    kind: str = Field(description="UMK, UMP or default (no official wage loaded)")
    region_code: str
    year: int | None
    instrument: str = Field(description="the decree that set the wage")


class CriterionOut(Schema):
    code: str
    met: bool
    message: str


class GraduationCheckOut(Schema):
    track: Track | None
    wage: WageOut
    criteria: list[CriterionOut]
    candidate: bool
    suggested_type: GraduationType | None
    reasons: list[str]


class PartnerProgrammeOut(Schema):
    code: str
    agency: str
    name: str
    gives: str
    contact: str
    conditions: list[CriterionOut] = Field(
        description="who the programme is for; met: whether this family meets the condition"
    )
    fits: bool


class AssessmentOut(Schema):
    assessed_on: date
    person_id: int | None = Field(description="None: the family as a whole")
    clusters: list[str]
    conditions: dict[str, str] = Field(description="topic → what the social worker found")


class PlanOut(Schema):
    created_on: date
    kind: str
    track: str
    goals: str
    actions: str
    target_date: date | None


class ServiceOut(Schema):
    component: str
    provider_type: str
    person_id: int | None
    started_on: date
    ended_on: date | None
    frequency: str
    outcome: str


class CapitalItem(Schema):
    item: str = Field(..., min_length=1, max_length=200)
    value: int = Field(..., ge=0, le=10**12)


class EmpowermentOut(Schema):
    given_on: date
    capital_form: str
    capital_items: list[CapitalItem]
    capital_value: int
    training: str
    mentoring_sessions: int


class TrainingOut(Schema):
    course: str
    provider: str
    started_on: date
    ended_on: date | None
    certificate: str


class PlacementOut(Schema):
    employer: str
    started_on: date
    monthly_wage: int


class IncomeOut(Schema):
    month: date
    amount: int


class ReferralSummary(Schema):
    programme_code: str
    organisation: str
    programme: str
    status: str
    sent_on: date
    outcome: str


class FollowUpOut(Schema):
    due_on: date
    done_on: date | None
    notes: str


class FunctioningOut(Schema):
    assessed_on: date
    phase: Phase
    person_id: int | None = Field(description="None: the family as a whole")
    scores: dict[str, int] = Field(description="domain → 1 (constant help) … 5 (independent)")
    total: int
    notes: str


class AtensiStepOut(Schema):
    on: date
    step: PracticeStep
    note: str


class CaseRecordsOut(Schema):
    """Everything recorded on the case (specific personal data: reads are logged)."""

    assessments: list[AssessmentOut]
    plans: list[PlanOut]
    services: list[ServiceOut]
    empowerment: list[EmpowermentOut]
    trainings: list[TrainingOut]
    placements: list[PlacementOut]
    incomes: list[IncomeOut]
    referrals: list[ReferralSummary]
    follow_ups: list[FollowUpOut]
    functioning: list[FunctioningOut]
    atensi_steps: list[AtensiStepOut]


class CaseDetail(CaseOut):
    timeline: list[EventOut]
    graduation: GraduationCheckOut
    records: CaseRecordsOut


class CasePage(Schema):
    count: int
    page: int
    page_size: int
    next_page: int | None
    items: list[CaseOut]


class MoveIn(Schema):
    # An evidence file is uploaded on the case page, where it is checked and kept: a name
    # sent here would show as evidence no file stands behind.
    model_config = ConfigDict(extra="forbid")

    to_stage: Stage
    reason: str = Field("", max_length=2000)
    evidence: str = Field("", max_length=5000)
    expected_version: int = Field(ge=1, le=2**31 - 1)
    termination_reason: Literal[tuple(EARLY_TERMINATION_REASONS)] | None = Field(  # type: ignore[valid-type]
        None,
        description="Terminating a case that has not graduated (the supervisor's step): why "
        "the family leaves for another agency.",
    )


class ReferralOut(Schema):
    id: int
    name: str
    region_code: str
    region: str
    programme: str
    consent_recorded: bool
    consent_by: str = Field(description="self, parent or guardian ('' before consent records)")
    guardian: str = Field(description="the parent or guardian who consented, the partner's contact")
    status: str
    sent_on: date
    sent_by: str
    address: str
    outcome: str


class ReferralPage(Schema):
    count: int
    page: int
    page_size: int
    next_page: int | None
    items: list[ReferralOut]


class ReferralUpdate(Schema):
    status: Literal["accepted", "rejected", "completed"]
    outcome: str = Field("", max_length=2000)


def _case_out(case: Case) -> dict[str, Any]:
    return {
        "id": case.pk,
        "household_id": case.household.external_id,
        "region_code": case.region_code,
        "stage": case.stage,
        "stage_since": case.stage_since,
        "opened_on": case.opened_on,
        "closed_on": case.closed_on,
        "social_worker": case.social_worker.get_username(),
        "supervisor": case.supervisor.get_username() if case.supervisor else None,
        "version": case.version,
    }


def _detail(request: HttpRequest, case: Case) -> CaseDetail:
    """The case with its timeline and records: specific personal data, so every answer that
    carries it — a read, or the answer to a write — is a logged read."""
    access.log_sensitive_read(token_user(request, SCOPE), "case", [case.pk], request.path)
    events = [
        EventOut(
            on=e.on,
            kind=e.kind,
            from_stage=e.from_stage,
            to_stage=e.to_stage,
            actor=e.actor.get_username(),
            reason=e.reason,
            evidence_file=e.evidence_file,
        )
        for e in selectors.timeline(case)
    ]
    check = graduation_check(case, date.today())
    graduation = GraduationCheckOut(
        track=check.track,
        wage=WageOut(**asdict(check.wage)),
        criteria=[
            CriterionOut(code=c.code, met=c.met, message=render_finding(c.finding))
            for c in check.criteria
        ],
        candidate=check.proposal.candidate,
        suggested_type=check.proposal.suggested_type,
        reasons=[render_finding(r) for r in check.proposal.reasons],
    )
    records = CaseRecordsOut.from_orm(selectors.case_file(case))
    return CaseDetail(**_case_out(case), timeline=events, graduation=graduation, records=records)


def _refused(request: HttpRequest, exc: services.TransitionRefused) -> HttpResponse:
    errors = [field_error("case", f) for f in exc.findings]
    return problem(request, 422, "Transition refused", errors=errors)


def _case(request: HttpRequest, case_pk: int) -> Case:
    user = token_user(request, SCOPE)
    try:
        return selectors.case_for(user, case_pk)
    except Case.DoesNotExist:
        raise Http404 from None


@router.get("/cases", response={200: CasePage, **PROBLEMS})
def list_cases(request: HttpRequest, filters: Query[PageQuery]) -> dict[str, Any]:
    user = token_user(request, SCOPE, PageQuery)
    cases = selectors.cases_for(user)
    start, end = filters.bounds()
    return page_of(filters, cases.count(), [_case_out(c) for c in cases[start:end]])


@router.get("/cases/{case_pk}", response={200: CaseDetail, **PROBLEMS})
def get_case(request: HttpRequest, case_pk: Path[RecordId]) -> CaseDetail:
    """A case with its timeline (specific personal data: the read is logged)."""
    return _detail(request, _case(request, case_pk))


@router.get(
    "/cases/{case_pk}/partner-programmes", response={200: list[PartnerProgrammeOut], **PROBLEMS}
)
def partner_programmes(request: HttpRequest, case_pk: Path[RecordId]) -> list[PartnerProgrammeOut]:
    """The partner catalogue's programmes with whether the family fits each, the ones it fits
    first: what the referral form suggests."""
    case = _case(request, case_pk)
    return [
        PartnerProgrammeOut(
            code=f.programme.code,
            agency=f.programme.agency,
            name=f.programme.name,
            gives=f.programme.gives,
            contact=f.programme.contact,
            conditions=[
                CriterionOut(code=c.code, met=c.code not in f.unmet, message=render_finding(c))
                for c in f.conditions
            ],
            fits=f.fits,
        )
        for f in programmes_for(case, date.today())
    ]


@router.post(
    "/cases/{case_pk}/moves",
    response={200: CaseDetail, 409: schemas.Problem, **PROBLEMS},
)
def move_case(
    request: HttpRequest, case_pk: Path[RecordId], body: MoveIn
) -> CaseDetail | HttpResponse:
    case = _case(request, case_pk)
    try:
        services.move_case(
            case=case,
            to_stage=Stage(body.to_stage),
            actor=token_user(request, SCOPE),
            reason=body.reason,
            evidence=body.evidence,
            expected_version=body.expected_version,
            today=date.today(),
            termination_reason=body.termination_reason or "",
        )
    except services.TransitionRefused as exc:
        return _refused(request, exc)
    return _detail(request, case)


@router.get("/referrals", response={200: ReferralPage, **PROBLEMS})
def list_referrals(request: HttpRequest, filters: Query[PageQuery]) -> dict[str, Any]:
    user = token_user(request, SCOPE, PageQuery)
    referrals = selectors.referrals_for_partner(user)
    start, end = filters.bounds()
    items = [selectors.partner_view(r) for r in referrals[start:end]]
    return page_of(filters, referrals.count(), items)


@router.post(
    "/referrals/{referral_pk}",
    response={200: ReferralOut, 409: schemas.Problem, **PROBLEMS},
)
def update_referral(
    request: HttpRequest, referral_pk: Path[RecordId], body: ReferralUpdate
) -> dict[str, Any] | HttpResponse:
    user = token_user(request, SCOPE)
    try:
        referral = selectors.referrals_for_partner(user).get(pk=referral_pk)
    except Referral.DoesNotExist:
        raise Http404 from None
    try:
        services.update_referral(
            actor=user,
            referral=referral,
            status=body.status,
            outcome=body.outcome,
            today=date.today(),
        )
    except services.TransitionRefused as exc:
        return _refused(request, exc)
    return selectors.partner_view(referral)


# -- records kept on a case ------------------------------------------------------------------

Text = Field("", max_length=2000)


class MemberAssessmentIn(Schema):
    person_id: int | None = Field(None, ge=1, le=2**63 - 1, description="None: the family")
    clusters: list[Annotated[str, Field(max_length=24)]] = Field(
        default_factory=list, max_length=12, description="codes of the twelve PAS clusters"
    )
    conditions: dict[str, Annotated[str, Field(max_length=2000)]] = Field(
        default_factory=dict,
        max_length=10,
        description="findings by topic: " + ", ".join(services.ASSESSMENT_TOPICS),
    )


class AssessmentIn(Schema):
    members: list[MemberAssessmentIn] = Field(..., min_length=1, max_length=30)


class PlanIn(Schema):
    kind: Literal[tuple(CasePlan.Kind.values)]  # type: ignore[valid-type]
    track: Literal["business", "employment", ""] = Field(
        "", description="an empowerment plan's track (required for one, empty otherwise)"
    )
    goals: str = Field(..., min_length=1, max_length=2000)
    actions: str = Text
    target_date: date | None = None


class ServiceIn(Schema):
    component: Literal[tuple(ServiceRecord.Component.values)]  # type: ignore[valid-type]
    provider_type: Literal[tuple(ServiceRecord.Provider.values)]  # type: ignore[valid-type]
    started_on: date
    ended_on: date | None = None
    frequency: str = Field("", max_length=100)
    outcome: str = Text


class EmpowermentIn(Schema):
    given_on: date
    capital_items: list[CapitalItem] = Field(default_factory=list, max_length=20)
    capital_form: Literal["in_kind", "cash"] = "in_kind"
    training: str = Field("", max_length=500)
    mentoring_sessions: int = Field(0, ge=0, le=1000)


class FunctioningIn(Schema):
    person_id: int | None = Field(None, ge=1, le=2**63 - 1, description="None: the family")
    assessed_on: date
    phase: Phase
    scores: dict[str, int] = Field(
        ..., max_length=10, description=f"every domain ({', '.join(DOMAINS)}) scored 1–5"
    )
    notes: str = Text


class AtensiStepIn(Schema):
    step: PracticeStep
    on: date
    note: str = Text


class ConditionalityIn(Schema):
    person_id: int = Field(..., ge=1, le=2**63 - 1)
    obligation: Obligation
    month: date = Field(description="any day of the month")
    value: int = Field(..., ge=0, le=100, description="attendance in percent, or health visits")


class TrainingIn(Schema):
    course: str = Field(..., min_length=1, max_length=200)
    provider: str = Field(..., min_length=1, max_length=200)
    started_on: date
    ended_on: date | None = None
    certificate: str = Field("", max_length=100, description="the certificate's number")


class PlacementIn(Schema):
    employer: str = Field(..., min_length=1, max_length=200)
    started_on: date
    monthly_wage: int = Field(..., ge=0, le=10**12)


class IncomeIn(Schema):
    month: date
    amount: int = Field(..., ge=0, le=10**12)


class GraduationIn(Schema):
    type: GraduationType
    signed_statement: bool = False
    evidence: str = Text
    cite_noncompliance: bool = Field(
        False,
        description="paksa for non-compliance: cite the family's repeated PKH non-compliance "
        "by its records (refused when none is recorded)",
    )


class GraduationDecisionIn(Schema):
    approve: bool
    reason: str = Text
    expected_version: int = Field(ge=1, le=2**31 - 1)


class ReferralIn(Schema):
    programme: str = Field(
        ...,
        min_length=2,
        max_length=40,
        description="the code of a programme of the partner catalogue "
        "(GET /cases/{id}/partner-programmes)",
    )
    person_id: int | None = Field(
        None, ge=1, le=2**63 - 1, description="the member the programme is for (None: the head)"
    )
    consent_method: Literal["signed", "thumbprint", "witnessed"] = Field(
        ..., description="how consent to share their data with the partner was given"
    )
    consent_by: Literal["self", "parent", "guardian"] = Field(
        "self",
        description="a child's consent, and that of a person whose disability calls for it, "
        "is a parent's or guardian's",
    )
    consent_giver_id: int | None = Field(
        None, ge=1, le=2**63 - 1, description="the parent or guardian, if a member"
    )
    consent_giver_name: str = Field("", max_length=200, description="the parent or guardian")


class OpenCaseIn(Schema):
    household: int = Field(..., ge=1, le=2**63 - 1, description="the household's id")
    social_worker: str = Field(..., max_length=150, description="username")
    supervisor: str | None = Field(None, max_length=150, description="username")


class EnrolmentIn(Schema):
    programme: str = Field(
        ..., min_length=2, max_length=20, description="a programme of the rules in force"
    )
    action: Literal["enrol", "suspend"]
    reason: str = Field("", max_length=2000)
    cite_noncompliance: bool = Field(
        False, description="suspend PKH citing the family's repeated non-compliance"
    )


class FollowUpIn(Schema):
    notes: str = Field(..., min_length=1, max_length=2000)


class TransferIn(Schema):
    social_worker: str = Field(..., max_length=150, description="username")
    supervisor: str | None = Field(None, max_length=150, description="username")
    reason: str = Field(..., min_length=1, max_length=2000)
    expected_version: int = Field(ge=1, le=2**31 - 1)


class Saved(Schema):
    id: int
    case: CaseDetail


RECORD_RESPONSES = {201: Saved, 409: schemas.Problem, **PROBLEMS}


def _write(
    request: HttpRequest, case_pk: int, save: Callable[[User, Case, date], Any]
) -> Status[Saved] | HttpResponse:
    """Run ``save(actor, case, today)`` once per idempotency key; a refused guard is a 422
    with its codes."""
    case = _case(request, case_pk)
    actor = token_user(request, SCOPE)

    def write() -> Status[Saved] | HttpResponse:
        try:
            record = save(actor, case, date.today())
        except services.TransitionRefused as exc:
            return _refused(request, exc)
        case.refresh_from_db()
        return Status(201, Saved(id=record.pk, case=_detail(request, case)))

    def reread(first: dict[str, Any]) -> Saved:
        return Saved(id=first["id"], case=_detail(request, case))

    return once_per_key(request, actor, write, reread)


def _record(
    request: HttpRequest,
    case_pk: int,
    kind: str,
    arguments: Callable[[Case], dict[str, Any]],
) -> Status[Saved] | HttpResponse:
    """Write a record of the catalogue (``cases.actions``); ``arguments(case)`` turns the body
    into the service's arguments (a member's id into the member, 404 if not one)."""

    def save(actor: User, case: Case, today: date) -> Any:
        return actions.perform(kind, actor=actor, case=case, today=today, arguments=arguments(case))

    return _write(request, case_pk, save)


def _member(case: Case, person_id: int | None) -> Person | None:
    if person_id is None:
        return None
    person = case.household.members.filter(pk=person_id).first()
    if person is None:
        raise Http404
    return person


@router.post("/cases/{case_pk}/assessments", response=RECORD_RESPONSES)
def add_assessment(request: HttpRequest, case_pk: Path[RecordId], body: AssessmentIn) -> Any:
    def arguments(case: Case) -> dict[str, Any]:
        members = [
            services.MemberAssessment(_member(case, m.person_id), tuple(m.clusters), m.conditions)
            for m in body.members
        ]
        return {"members": members}

    return _record(request, case_pk, "assessment", arguments)


def _fields(body: Schema) -> Callable[[Case], dict[str, Any]]:
    """The body's fields are the service's arguments as they are."""
    return lambda case: body.model_dump()


def _with_member(body: Schema, **ids: str) -> Callable[[Case], dict[str, Any]]:
    """The body's fields, with each member id (``argument="id_field"``) replaced by the member
    of the case's family."""

    def arguments(case: Case) -> dict[str, Any]:
        values = body.model_dump(exclude=set(ids.values()))
        return values | {name: _member(case, getattr(body, field)) for name, field in ids.items()}

    return arguments


@router.post("/cases/{case_pk}/plans", response=RECORD_RESPONSES)
def add_plan(request: HttpRequest, case_pk: Path[RecordId], body: PlanIn) -> Any:
    return _record(request, case_pk, "plan", _fields(body))


@router.post("/cases/{case_pk}/services", response=RECORD_RESPONSES)
def add_service(request: HttpRequest, case_pk: Path[RecordId], body: ServiceIn) -> Any:
    return _record(request, case_pk, "service", _fields(body))


@router.post("/cases/{case_pk}/empowerment", response=RECORD_RESPONSES)
def add_empowerment(request: HttpRequest, case_pk: Path[RecordId], body: EmpowermentIn) -> Any:
    return _record(request, case_pk, "empowerment", _fields(body))


@router.post("/cases/{case_pk}/functioning", response=RECORD_RESPONSES)
def add_functioning(request: HttpRequest, case_pk: Path[RecordId], body: FunctioningIn) -> Any:
    return _record(request, case_pk, "functioning", _with_member(body, person="person_id"))


@router.post("/cases/{case_pk}/atensi-steps", response=RECORD_RESPONSES)
def mark_atensi_step(request: HttpRequest, case_pk: Path[RecordId], body: AtensiStepIn) -> Any:
    return _record(request, case_pk, "atensi-step", _fields(body))


@router.post("/cases/{case_pk}/conditionality", response=RECORD_RESPONSES)
def add_conditionality(
    request: HttpRequest, case_pk: Path[RecordId], body: ConditionalityIn
) -> Any:
    return _record(request, case_pk, "conditionality", _with_member(body, person="person_id"))


@router.post("/cases/{case_pk}/trainings", response=RECORD_RESPONSES)
def add_training(request: HttpRequest, case_pk: Path[RecordId], body: TrainingIn) -> Any:
    return _record(request, case_pk, "training", _fields(body))


@router.post("/cases/{case_pk}/placements", response=RECORD_RESPONSES)
def add_placement(request: HttpRequest, case_pk: Path[RecordId], body: PlacementIn) -> Any:
    return _record(request, case_pk, "placement", _fields(body))


@router.post("/cases/{case_pk}/incomes", response=RECORD_RESPONSES)
def add_income(request: HttpRequest, case_pk: Path[RecordId], body: IncomeIn) -> Any:
    return _record(request, case_pk, "income", _fields(body))


@router.post("/cases/{case_pk}/graduation", response=RECORD_RESPONSES)
def propose_graduation(request: HttpRequest, case_pk: Path[RecordId], body: GraduationIn) -> Any:
    return _record(request, case_pk, "graduation", _fields(body))


@router.post("/cases/{case_pk}/graduation/{request_pk}/decision", response=RECORD_RESPONSES)
def decide_graduation(
    request: HttpRequest,
    case_pk: Path[RecordId],
    request_pk: Path[RecordId],
    body: GraduationDecisionIn,
) -> Any:
    """The supervisor's decision on a proposal (not a record the social worker keeps)."""

    def save(actor: User, case: Case, today: date) -> Any:
        proposal = GraduationRequest.objects.filter(case=case, pk=request_pk).first()
        if proposal is None:
            raise Http404
        return services.decide_graduation(
            actor=actor, request=proposal, today=today, **body.model_dump()
        )

    return _write(request, case_pk, save)


@router.post("/cases/{case_pk}/enrolment-requests", response=RECORD_RESPONSES)
def request_enrolment(request: HttpRequest, case_pk: Path[RecordId], body: EnrolmentIn) -> Any:
    def arguments(case: Case) -> dict[str, Any]:
        refused = requests.pointless_request(case.household_id, body.programme, body.action)
        if refused:
            raise services.TransitionRefused([refused])
        return body.model_dump()

    return _record(request, case_pk, "enrolment", arguments)


@router.post("/cases/{case_pk}/referrals", response=RECORD_RESPONSES)
def send_referral(request: HttpRequest, case_pk: Path[RecordId], body: ReferralIn) -> Any:
    arguments = _with_member(body, person="person_id", consent_giver="consent_giver_id")
    return _record(request, case_pk, "referral", arguments)


@router.post("/cases/{case_pk}/referrals/{referral_pk}/revoke", response=RECORD_RESPONSES)
def revoke_referral(
    request: HttpRequest, case_pk: Path[RecordId], referral_pk: Path[RecordId], body: FollowUpIn
) -> Any:
    def arguments(case: Case) -> dict[str, Any]:
        referral = case.referrals.filter(pk=referral_pk).first()
        if referral is None:
            raise Http404
        return {"referral": referral, "outcome": body.notes}

    return _record(request, case_pk, "revoke-referral", arguments)


@router.post("/cases/{case_pk}/follow-ups/{follow_up_pk}/done", response=RECORD_RESPONSES)
def complete_follow_up(
    request: HttpRequest, case_pk: Path[RecordId], follow_up_pk: Path[RecordId], body: FollowUpIn
) -> Any:
    def arguments(case: Case) -> dict[str, Any]:
        follow_up = FollowUp.objects.filter(case=case, pk=follow_up_pk).first()
        if follow_up is None:
            raise Http404
        return {"follow_up": follow_up, "notes": body.notes}

    return _record(request, case_pk, "follow-up", arguments)


@router.post("/cases/{case_pk}/transfer", response=RECORD_RESPONSES)
def transfer_case(request: HttpRequest, case_pk: Path[RecordId], body: TransferIn) -> Any:
    # Before any name is looked up: who may not transfer learns nothing of who exists.
    access.require(token_user(request, SCOPE), access.CASE_ASSIGNERS)

    def arguments(case: Case) -> dict[str, Any]:
        worker, supervisor = services.staff_named(body.social_worker, body.supervisor)
        return body.model_dump() | {"social_worker": worker, "supervisor": supervisor}

    return _record(request, case_pk, "transfer", arguments)


@router.post("/cases", response={201: CaseDetail, **KEYED_PROBLEMS})
def open_case(request: HttpRequest, body: OpenCaseIn) -> Any:
    from sejahtera.registry import selectors as registry_selectors
    from sejahtera.registry.models import Household

    actor = token_user(request, SCOPE)
    try:
        household = registry_selectors.household_for(actor, body.household)
    except Household.DoesNotExist:
        raise Http404 from None
    access.require(actor, access.CASE_OPENERS)  # before any name is looked up

    def write() -> Status[CaseDetail] | HttpResponse:
        try:
            worker, supervisor = services.staff_named(body.social_worker, body.supervisor)
            case = services.open_case(
                actor=actor,
                household=household,
                social_worker=worker,
                supervisor=supervisor,
                today=date.today(),
            )
        except services.TransitionRefused as exc:
            return _refused(request, exc)
        return Status(201, _detail(request, case))

    def reread(first: dict[str, Any]) -> CaseDetail:
        return _detail(request, _case(request, first["id"]))

    return once_per_key(request, actor, write, reread)
