"""Programme delivery endpoints (scope ``delivery``): decrees prepared from a run, their lines
within the token user's region, four-eyes approval, payment cycles, disbursement batches, the
channels' result files and reconciliation."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from ninja import File, Path, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile
from pydantic import Field

from sejahtera.accounts import access
from sejahtera.accounts.models import ApiToken, User
from sejahtera.api.common import (
    KEYED_PROBLEMS,
    PROBLEMS,
    PageQuery,
    RecordId,
    once_per_key,
    page_of,
    token_user,
)
from sejahtera.api.schemas import Page
from sejahtera.domain.delivery import (
    SUSPENSIONS_BY_HAND,
    Change,
    CycleRefused,
    EnrolmentKept,
    FourEyesViolation,
    Suspension,
)
from sejahtera.domain.disbursement import reference
from sejahtera.i18n import render_refusal
from sejahtera.programmes import cycles, disbursement, reconciliation, selectors, services
from sejahtera.programmes.models import Batch, Cycle, Decree, Enrolment
from sejahtera.targeting.models import TargetingRun

router = Router(tags=["delivery"])
SCOPE = ApiToken.Scope.DELIVERY


class DecreeOut(Schema):
    id: int
    programme: str
    period_start: date
    run: int
    status: str
    prepared_by: str
    decided_by: str | None
    decided_at: datetime | None
    rejection_reason: str
    totals: dict[str, Any]  # lines per change, enrolled, yearly cost: within the caller's region


class DecreePage(Page):
    items: list[DecreeOut]


class DecreeIn(Schema):
    programme: str = Field(min_length=2, max_length=20, pattern=r"^[A-Z][A-Z0-9_]{1,19}$")
    period_start: date
    run: RecordId


class RejectIn(Schema):
    reason: str = Field(min_length=1, max_length=2000)


class LineOut(Schema):
    subject: str
    household: int
    person: int | None
    region_code: str
    change: str
    reason: str
    monthly_amount: int | None
    per_stage_amount: int | None
    yearly_amount: int | None
    previous_yearly_amount: int | None
    rank: int | None


class LinePage(Page):
    items: list[LineOut]


class LineQuery(PageQuery):
    change: Change | None = None
    region: str = Field("", pattern=r"^(\d{2}|\d{4}|\d{6}|\d{10})?$")


class CycleOut(Schema):
    id: int
    programme: str
    period_start: date
    period_end: date
    totals: dict[str, Any] = Field(
        description="Lines and amounts by status, within the caller's region."
    )


class CyclePage(Page):
    items: list[CycleOut]


class CycleIn(Schema):
    programme: str = Field(min_length=2, max_length=20, pattern=r"^[A-Z][A-Z0-9_]{1,19}$")
    period_start: date


def _decree_out(user: User, decree: Decree) -> DecreeOut:
    [out] = _decrees_out(user, [decree])
    return out


def _decrees_out(user: User, decrees: Iterable[Decree]) -> list[DecreeOut]:
    decrees = list(decrees)
    totals = selectors.decree_totals_for(user, decrees)  # within the user's region
    return [
        DecreeOut(
            id=decree.pk,
            programme=decree.programme,
            period_start=decree.period_start,
            run=decree.run_id,
            status=decree.status,
            prepared_by=str(decree.prepared_by),
            decided_by=str(decree.decided_by) if decree.decided_by else None,
            decided_at=decree.decided_at,
            rejection_reason=decree.rejection_reason,
            totals=totals[decree.pk],
        )
        for decree in decrees
    ]


def _cycles_out(user: User, cycles: list[Cycle]) -> list[CycleOut]:
    totals = selectors.cycle_totals_for(user, cycles)  # within the user's region
    return [
        CycleOut(
            id=cycle.pk,
            programme=cycle.programme,
            period_start=cycle.period_start,
            period_end=cycle.period_end,
            totals=totals[cycle.pk],
        )
        for cycle in cycles
    ]


def _decree(
    request: HttpRequest, decree_pk: int, query: type[Schema] | None = None
) -> tuple[User, Decree]:
    user = token_user(request, SCOPE, query)
    try:
        return user, selectors.decree_for(user, decree_pk)
    except Decree.DoesNotExist:
        raise Http404 from None


@router.get("/decrees", response={200: DecreePage, **PROBLEMS})
def list_decrees(request: HttpRequest, filters: Query[PageQuery]) -> dict[str, Any]:
    user = token_user(request, SCOPE, PageQuery)
    decrees = selectors.decrees_for(user)
    start, end = filters.bounds()
    return page_of(filters, decrees.count(), _decrees_out(user, decrees[start:end]))


@router.get("/decrees/{decree_pk}", response={200: DecreeOut, **PROBLEMS})
def get_decree(request: HttpRequest, decree_pk: Path[RecordId]) -> DecreeOut:
    user, decree = _decree(request, decree_pk)
    return _decree_out(user, decree)


@router.get("/decrees/{decree_pk}/lines", response={200: LinePage, **PROBLEMS})
def decree_lines(
    request: HttpRequest, decree_pk: Path[RecordId], filters: Query[LineQuery]
) -> dict[str, Any]:
    """The decree's lines within the token user's region (and ``region``, ``change``)."""
    user, decree = _decree(request, decree_pk, LineQuery)
    lines = selectors.decree_lines(user, decree).filter(region_code__startswith=filters.region)
    if filters.change:
        lines = lines.filter(change=filters.change)
    lines = lines.order_by("change", "rank", "subject")
    start, end = filters.bounds()
    page = list(lines[start:end])
    selectors.withhold_amounts(user, page, decree.programme)
    # whom a programme enrols, as the decree's annex: an export of those households, logged
    access.log_sensitive_read(
        user, "household_export", [line.household_id for line in page], request.path
    )
    selectors.log_beneficiary_reads(
        user,
        [(decree.programme, line.household_id, line.person_id) for line in page],
        request.path,
        export=True,
    )
    items = [
        LineOut(
            subject=line.subject,
            household=line.household_id,
            person=line.person_id,
            region_code=line.region_code,
            change=line.change,
            reason=line.reason,
            monthly_amount=line.monthly_amount,
            per_stage_amount=line.per_stage_amount,
            yearly_amount=line.yearly_amount,
            previous_yearly_amount=line.previous_yearly_amount,
            rank=line.rank,
        )
        for line in page
    ]
    return page_of(filters, lines.count(), items)


@router.post("/decrees", response={201: DecreeOut, **KEYED_PROBLEMS})
def prepare_decree(request: HttpRequest, body: DecreeIn) -> Status[DecreeOut]:
    user = token_user(request, SCOPE)
    # Before the run is looked up: who may not prepare a decree learns nothing of the runs.
    access.require(user, access.DECREE_MAKERS)

    def write() -> Status[DecreeOut]:
        run = TargetingRun.objects.filter(pk=body.run).first()
        if run is None:
            raise HttpError(422, f"run {body.run} does not exist")
        try:
            decree = services.prepare_decree(user, body.programme, body.period_start, run)
        except services.DecreeRefused as refused:
            raise HttpError(422, render_refusal(refused)) from None
        return Status(201, _decree_out(user, decree))

    def reread(first: dict[str, Any]) -> DecreeOut:
        try:
            return _decree_out(user, selectors.decree_for(user, first["id"]))
        except Decree.DoesNotExist:
            raise Http404 from None

    return once_per_key(request, user, write, reread)  # type: ignore[return-value]


@router.post("/decrees/{decree_pk}/approve", response={200: DecreeOut, **PROBLEMS})
def approve_decree(request: HttpRequest, decree_pk: Path[RecordId]) -> DecreeOut:
    user, decree = _decree(request, decree_pk)
    return _decide(user, lambda: services.approve_decree(user, decree))


@router.post("/decrees/{decree_pk}/reject", response={200: DecreeOut, **PROBLEMS})
def reject_decree(request: HttpRequest, decree_pk: Path[RecordId], body: RejectIn) -> DecreeOut:
    user, decree = _decree(request, decree_pk)
    return _decide(user, lambda: services.reject_decree(user, decree, body.reason))


@router.post("/decrees/{decree_pk}/withdraw", response={200: DecreeOut, **PROBLEMS})
def withdraw_decree(request: HttpRequest, decree_pk: Path[RecordId]) -> DecreeOut:
    """Its preparer takes a draft back; the requests accepted onto it wait again."""
    user, decree = _decree(request, decree_pk)
    return _decide(user, lambda: services.withdraw_decree(user, decree))


def _decide(user: User, decide: Any) -> DecreeOut:
    try:
        return _decree_out(user, decide())
    except FourEyesViolation as violation:
        raise PermissionDenied(str(violation)) from None
    except services.DecreeRefused as refused:
        raise HttpError(409, render_refusal(refused)) from None


@router.get("/cycles", response={200: CyclePage, **PROBLEMS})
def list_cycles(request: HttpRequest, filters: Query[PageQuery]) -> dict[str, Any]:
    user = token_user(request, SCOPE, PageQuery)
    listed = selectors.cycles_for(user)
    start, end = filters.bounds()
    return page_of(filters, listed.count(), _cycles_out(user, list(listed[start:end])))


@router.post("/cycles", response={200: CycleOut, **PROBLEMS})
def open_cycle(request: HttpRequest, body: CycleIn) -> CycleOut:
    """Open (or, when it is open, return) the programme's cycle from ``period_start``: a
    replay changes nothing."""
    user = token_user(request, SCOPE)
    try:
        [opened] = _cycles_out(user, [cycles.open_cycle(user, body.programme, body.period_start)])
        return opened
    except CycleRefused as refused:
        raise HttpError(422, render_refusal(refused)) from None


# -- disbursement -----------------------------------------------------------------------------


class BatchOut(Schema):
    id: int
    cycle: int
    channel: str
    sequence: int
    file_name: str
    sha256: str
    lines: int  # within the caller's region
    amount: int
    created_at: datetime


class ResultRowOut(Schema):
    line: int
    reference: str
    verdict: str
    column: str
    message: str


class ResultImportOut(Schema):
    id: int
    batch: int
    file_name: str
    sha256: str
    counts: dict[str, int]
    rejected: list[ResultRowOut]


class MismatchOut(Schema):
    verdict: str
    reference: str
    household: int | None
    region_code: str | None
    amount_sent: int | None
    account_sent: str | None
    result_line: int | None
    result_amount: int | None
    result_account: str | None
    result_status: str | None


class ReconciliationOut(Schema):
    statuses: dict[str, dict[str, int]]
    regions: list[dict[str, Any]]
    mismatch_counts: dict[str, int]
    mismatches: list[MismatchOut]
    not_issued: dict[str, int] | None


def _batches_out(user: User, batches: Iterable[Batch]) -> list[BatchOut]:
    batches = list(batches)
    totals = reconciliation.batch_totals_for(user, batches)  # within the user's region
    return [
        BatchOut(
            id=batch.pk,
            cycle=batch.cycle_id,
            channel=batch.channel,
            sequence=batch.sequence,
            file_name=batch.file_name,
            sha256=batch.sha256,
            lines=totals[batch.pk]["lines"],
            amount=totals[batch.pk]["amount"],
            created_at=batch.created_at,
        )
        for batch in batches
    ]


def _reconciliation_out(report: reconciliation.Reconciliation) -> ReconciliationOut:
    mismatches = []
    for m in report.mismatches:
        payment, line = m["payment"], m["line"]
        mismatches.append(
            MismatchOut(
                verdict=m["verdict"],
                reference=line.reference if line else reference(payment.pk),
                household=payment.household_id if payment else None,
                region_code=payment.region_code if payment else None,
                amount_sent=m["amount_sent"],
                account_sent=m["account_sent"] or None,
                result_line=line.line if line else None,
                result_amount=m["amount_reported"],
                result_account=m["account_reported"] or None,
                result_status=line.outcome if line else None,
            )
        )
    return ReconciliationOut(
        statuses=report.statuses,
        regions=report.regions,
        mismatch_counts=report.mismatch_counts,
        mismatches=mismatches,
        not_issued=report.not_issued or None,
    )


def _cycle(request: HttpRequest, cycle_pk: int) -> tuple[User, Cycle]:
    user = token_user(request, SCOPE)
    try:
        return user, selectors.cycles_for(user).get(pk=cycle_pk)
    except Cycle.DoesNotExist:
        raise Http404 from None


def _batch(request: HttpRequest, batch_pk: int) -> tuple[User, Batch]:
    user = token_user(request, SCOPE)
    try:
        return user, reconciliation.batch_for(user, batch_pk)
    except Batch.DoesNotExist:
        raise Http404 from None


@router.get("/cycles/{cycle_pk}/batches", response={200: list[BatchOut], **PROBLEMS})
def list_batches(request: HttpRequest, cycle_pk: Path[RecordId]) -> list[BatchOut]:
    user, cycle = _cycle(request, cycle_pk)
    return _batches_out(user, reconciliation.batches_for(user).filter(cycle=cycle))


@router.post("/cycles/{cycle_pk}/batches", response={200: list[BatchOut], **PROBLEMS})
def build_batches(request: HttpRequest, cycle_pk: Path[RecordId]) -> list[BatchOut]:
    """Batches of every payable line not yet sent (failed and returned lines again), one per
    channel; an empty list when nothing is left: a replay changes nothing."""
    user, cycle = _cycle(request, cycle_pk)
    return _batches_out(user, disbursement.build_batches(user, cycle))


@router.get("/cycles/{cycle_pk}/reconciliation", response={200: ReconciliationOut, **PROBLEMS})
def cycle_reconciliation(request: HttpRequest, cycle_pk: Path[RecordId]) -> ReconciliationOut:
    user, cycle = _cycle(request, cycle_pk)
    report = reconciliation.cycle_reconciliation(user, cycle, path=request.path)
    return _reconciliation_out(report)


@router.get("/batches/{batch_pk}", response={200: BatchOut, **PROBLEMS})
def get_batch(request: HttpRequest, batch_pk: Path[RecordId]) -> BatchOut:
    user, batch = _batch(request, batch_pk)
    [out] = _batches_out(user, [batch])
    return out


@router.get(
    "/batches/{batch_pk}/file",
    response={200: None, **PROBLEMS},
    openapi_extra={"responses": {200: {"content": {"text/csv": {}}}}},
)
def batch_file(request: HttpRequest, batch_pk: Path[RecordId]) -> HttpResponse:
    """The batch's file as sent, checked against its SHA-256 (a logged read: account numbers
    and names)."""
    user, batch = _batch(request, batch_pk)
    access.require(user, access.DECREE_MAKERS)
    try:
        content = disbursement.batch_file(batch)
    except disbursement.DisbursementRefused as refused:
        raise HttpError(409, str(refused)) from None
    access.log_sensitive_read(user, "disbursement_batch", [batch.pk], request.path)
    response = HttpResponse(content, content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{batch.file_name}"'
    response["Digest"] = f"sha-256={batch.sha256}"
    return response


@router.post("/batches/{batch_pk}/results", response={200: ResultImportOut, **PROBLEMS})
def import_result(
    request: HttpRequest, batch_pk: Path[RecordId], file: File[UploadedFile]
) -> ResultImportOut:
    """Take the channel's result file (reference, account, amount, status, reason, paid_on).
    The same file again returns its first import."""
    user, batch = _batch(request, batch_pk)
    try:
        result = disbursement.import_result(user, batch, file.name or "result.csv", file.read())
    except disbursement.DisbursementRefused as refused:
        raise HttpError(422, str(refused)) from None
    rejected = result.rows.filter(verdict="rejected").order_by("line")[:1000]
    return ResultImportOut(
        id=result.pk,
        batch=batch.pk,
        file_name=result.file_name,
        sha256=result.sha256,
        counts=result.counts,
        rejected=[
            ResultRowOut(
                line=r.line,
                reference=r.reference,
                verdict=r.verdict,
                column=r.column,
                message=r.message,
            )
            for r in rejected
        ],
    )


@router.get("/batches/{batch_pk}/reconciliation", response={200: ReconciliationOut, **PROBLEMS})
def batch_reconciliation(request: HttpRequest, batch_pk: Path[RecordId]) -> ReconciliationOut:
    user, batch = _batch(request, batch_pk)
    report = reconciliation.batch_reconciliation(user, batch, path=request.path)
    return _reconciliation_out(report)


# -- enrolments -------------------------------------------------------------------------------


class EnrolmentOut(Schema):
    id: int
    programme: str
    subject: str
    household: int
    person: int | None
    region_code: str
    status: str
    suspension: str
    started_on: date
    suspended_on: date | None  # since when, while suspended
    monthly_amount: int | None
    per_stage_amount: int | None


class EnrolmentPage(Page):
    items: list[EnrolmentOut]


class EnrolmentQuery(PageQuery):
    programme: str = Field("", max_length=20)
    status: Literal["", "active", "suspended"] = ""
    region: str = Field("", pattern=r"^(\d{2}|\d{4}|\d{6}|\d{10})?$")


class SuspendIn(Schema):
    reason: Suspension


def _enrolment_out(e: Enrolment) -> EnrolmentOut:
    return EnrolmentOut(
        id=e.pk,
        programme=e.programme,
        subject=e.subject,
        household=e.household_id,
        person=e.person_id,
        region_code=e.region_code,
        status=e.status,
        suspension=e.suspension,
        started_on=e.started_on,
        suspended_on=e.suspended_on,
        monthly_amount=e.monthly_amount,
        per_stage_amount=e.per_stage_amount,
    )


@router.get("/enrolments", response={200: EnrolmentPage, **PROBLEMS})
def list_enrolments(request: HttpRequest, filters: Query[EnrolmentQuery]) -> dict[str, Any]:
    """Open enrolments within the token user's region."""
    user = token_user(request, SCOPE, EnrolmentQuery)
    listed = selectors.enrolments_for(user)
    listed = listed.filter(region_code__startswith=filters.region)
    if filters.programme:
        listed = listed.filter(programme=filters.programme)
    if filters.status:
        listed = listed.filter(status=filters.status)
    listed = listed.order_by("programme", "region_code", "subject")
    start, end = filters.bounds()
    shown = list(listed[start:end])
    selectors.withhold_amounts(user, shown)
    selectors.log_beneficiary_reads(
        user, [(e.programme, e.household_id, e.person_id) for e in shown], request.path
    )
    return page_of(filters, listed.count(), [_enrolment_out(e) for e in shown])


def _enrolment(request: HttpRequest, enrolment_pk: int) -> tuple[User, Enrolment]:
    user = token_user(request, SCOPE)
    enrolment = selectors.enrolments_for(user).filter(pk=enrolment_pk).first()
    if enrolment is None:
        raise Http404
    return user, enrolment


@router.post("/enrolments/{enrolment_pk}/suspend", response={200: EnrolmentOut, **KEYED_PROBLEMS})
def suspend_enrolment(
    request: HttpRequest, enrolment_pk: Path[RecordId], body: SuspendIn
) -> EnrolmentOut:
    """Suspend with a reason given by hand (not ``deceased`` nor ``case_request``, which
    suspend by themselves): the next cycles owe the unit nothing until it is resumed."""
    user, enrolment = _enrolment(request, enrolment_pk)
    if body.reason not in SUSPENSIONS_BY_HAND:
        raise HttpError(422, f"{body.reason} suspends by itself, not by hand")
    try:
        return _enrolment_out(cycles.suspend(user, enrolment, body.reason))
    except EnrolmentKept as kept:
        raise HttpError(409, render_refusal(kept)) from None


@router.post("/enrolments/{enrolment_pk}/resume", response={200: EnrolmentOut, **KEYED_PROBLEMS})
def resume_enrolment(request: HttpRequest, enrolment_pk: Path[RecordId]) -> EnrolmentOut:
    """Resume a suspended enrolment; 409 while the registry still records the unit's death."""
    user, enrolment = _enrolment(request, enrolment_pk)
    try:
        return _enrolment_out(cycles.resume(user, enrolment))
    except EnrolmentKept as kept:
        raise HttpError(409, render_refusal(kept)) from None
