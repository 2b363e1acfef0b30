"""Case management endpoints (scope ``cases``): the token user's cases, a case with its
timeline, moving a case (409 on an edit conflict, 422 with the failed guards' codes), and the
referrals of a partner agency with the minimum data (accept, reject, complete)."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from django.http import Http404, HttpRequest, HttpResponse
from ninja import Path, Query, Router, Schema
from pydantic import Field

from sejahtera.accounts.models import ApiToken
from sejahtera.api import schemas
from sejahtera.api.api import PROBLEMS, PageQuery, RecordId, _field_error, _page, _user, problem
from sejahtera.cases import selectors, services
from sejahtera.cases.models import Case, Referral
from sejahtera.domain.cases import Stage

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


class CaseDetail(CaseOut):
    timeline: list[EventOut]


class CasePage(Schema):
    count: int
    page: int
    page_size: int
    next_page: int | None
    items: list[CaseOut]


class MoveIn(Schema):
    to_stage: Stage
    reason: str = Field("", max_length=2000)
    evidence: str = Field("", max_length=5000)
    evidence_file: str = Field("", max_length=255)
    expected_version: int = Field(ge=1, le=2**31 - 1)


class ReferralOut(Schema):
    id: int
    name: str
    region_code: str
    region: str
    programme: str
    consent_recorded: bool
    status: str
    sent_on: date
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


def _detail(case: Case) -> CaseDetail:
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
    return CaseDetail(**_case_out(case), timeline=events)


def _refused(request: HttpRequest, exc: services.TransitionRefused) -> HttpResponse:
    errors = [_field_error("case", f) for f in exc.findings]
    return problem(request, 422, "Transition refused", errors=errors)


def _case(request: HttpRequest, case_pk: int) -> Case:
    user = _user(request, SCOPE)
    try:
        return selectors.case_for(user, case_pk)
    except Case.DoesNotExist:
        raise Http404 from None


@router.get("/cases", response={200: CasePage, **PROBLEMS})
def list_cases(request: HttpRequest, filters: Query[PageQuery]) -> dict[str, Any]:
    user = _user(request, SCOPE, PageQuery)
    cases = selectors.cases_for(user)
    start, end = filters.bounds()
    return _page(filters, cases.count(), [_case_out(c) for c in cases[start:end]])


@router.get("/cases/{case_pk}", response={200: CaseDetail, **PROBLEMS})
def get_case(request: HttpRequest, case_pk: Path[RecordId]) -> CaseDetail:
    return _detail(_case(request, case_pk))


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
            actor=_user(request, SCOPE),
            reason=body.reason,
            evidence=body.evidence,
            evidence_file=body.evidence_file,
            expected_version=body.expected_version,
            today=date.today(),
        )
    except services.TransitionRefused as exc:
        return _refused(request, exc)
    return _detail(case)


@router.get("/referrals", response={200: ReferralPage, **PROBLEMS})
def list_referrals(request: HttpRequest, filters: Query[PageQuery]) -> dict[str, Any]:
    user = _user(request, SCOPE, PageQuery)
    referrals = selectors.referrals_for_partner(user)
    start, end = filters.bounds()
    items = [selectors.partner_view(r) for r in referrals[start:end]]
    return _page(filters, referrals.count(), items)


@router.post(
    "/referrals/{referral_pk}",
    response={200: ReferralOut, 409: schemas.Problem, **PROBLEMS},
)
def update_referral(
    request: HttpRequest, referral_pk: Path[RecordId], body: ReferralUpdate
) -> dict[str, Any] | HttpResponse:
    user = _user(request, SCOPE)
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
