"""Programme delivery pages: decrees prepared from a targeting run, read as a diff by region,
approved or rejected by a second person; payment cycles, their disbursement batches, the
channels' result files and reconciliation."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from sejahtera.accounts import access
from sejahtera.cases.models import EnrolmentRequest
from sejahtera.domain import disbursement as rules
from sejahtera.domain.delivery import (
    DEFAULT_CALENDARS,
    SUSPENSIONS_BY_HAND,
    Change,
    CycleRefused,
    EnrolmentKept,
    FourEyesViolation,
    Suspension,
)
from sejahtera.i18n import render_refusal
from sejahtera.labels import DELIVERY_REASON_LABELS
from sejahtera.programmes import (
    cycles,
    disbursement,
    jobs,
    reconciliation,
    requests,
    selectors,
    services,
)
from sejahtera.programmes.models import (
    Batch,
    Cycle,
    Decree,
    DecreeLine,
    DeliveryJob,
    Enrolment,
    Payment,
    ResultImport,
)
from sejahtera.registry import selectors as registry_selectors
from sejahtera.registry.models import Region
from sejahtera.targeting import selectors as targeting
from sejahtera.web import documents, params
from sejahtera.web.downloads import csv_download
from sejahtera.web.forms import OneTimeKey, RunChoiceField, iso_date_input, submit_once
from sejahtera.web.http import AuthenticatedRequest

LINES_PER_PAGE = 50


class PrepareDecreeForm(forms.Form):
    programme = forms.ChoiceField(label=_("Programme"))
    period_start = forms.DateField(label=_("Period starts"), widget=iso_date_input())
    run = RunChoiceField(
        label=_("Targeting run"), queryset=selectors.decree_runs(), empty_label=None
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        latest = targeting.latest_run()
        codes = targeting.programme_codes(latest) if latest else ()
        self.fields["programme"].choices = [(c, c) for c in codes]  # type: ignore[attr-defined]


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for rejecting"), widget=forms.Textarea(attrs={"rows": 2})
    )


@login_required
def decrees(request: AuthenticatedRequest) -> HttpResponse:
    listed = selectors.decrees_for(request.user)
    can_prepare = access.has_role(request.user, access.DECREE_MAKERS)
    # A decree is prepared ahead of the period it starts: the first of next month.
    next_month = (date.today().replace(day=1) + timedelta(days=32)).replace(day=1)
    form = PrepareDecreeForm(request.POST or None, initial={"period_start": next_month})
    if request.method == "POST":
        access.require(request.user, access.DECREE_MAKERS)
        if form.is_valid():
            data = form.cleaned_data

            def prepare() -> str:
                decree = services.prepare_decree(
                    request.user, data["programme"], data["period_start"], data["run"]
                )
                return reverse("web:decree", args=[decree.pk])

            try:
                return submit_once(request, prepare)  # a double click: one draft
            except services.DecreeRefused as refused:
                form.add_error(None, render_refusal(refused))
    shown = list(listed[:100])
    totals = selectors.decree_totals_for(request.user, shown)  # within the user's region
    for decree in shown:
        decree.shown_totals = totals[decree.pk]  # type: ignore[attr-defined]
    context = {
        "decrees": shown,
        "form": form,
        "can_prepare": can_prepare,
        "once": OneTimeKey(request.POST or None),
    }
    return render(request, "web/programmes/decrees.html", context)


@login_required
def decree_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    decree = _decree(request, pk)
    parent = params.region_code(request.GET)
    change = params.choice(request.GET, "change", [c.value for c in Change])
    lines = selectors.decree_lines(request.user, decree).filter(region_code__startswith=parent)
    if change:
        lines = lines.filter(change=change)
    page = Paginator(lines.order_by("change", "rank", "subject"), LINES_PER_PAGE).get_page(
        params.integer(request.GET, "page", 1)
    )
    selectors.withhold_amounts(request.user, page, decree.programme)
    for line, name in zip(page, _names(request, page), strict=True):
        line.change_label = CHANGE_LABELS.get(Change(line.change), line.change)  # type: ignore[attr-defined]
        line.name = name  # type: ignore[attr-defined]
    selectors.log_beneficiary_reads(
        request.user,
        [(decree.programme, line.household_id, line.person_id) for line in page],
        request.path,
    )
    regions = selectors.decree_regions(request.user, decree, parent)
    names = dict(
        Region.objects.filter(code__in=[r["code"] for r in regions]).values_list("code", "name")
    )
    for region in regions:
        region["name"] = names.get(str(region["code"]), region["code"])
    decree.shown_totals = selectors.decree_totals_for(request.user, [decree])[decree.pk]  # type: ignore[attr-defined]
    context = {
        "decree": decree,
        "regions": regions,
        "counts": selectors.decree_change_counts(request.user, decree),
        "parent": parent,
        "change": change,
        "changes": [(c.value, CHANGE_LABELS[c]) for c in Change],
        "page": page,
        "may_decide": decree.status == Decree.Status.DRAFT
        and access.has_role(request.user, access.DECREE_MAKERS)
        and decree.prepared_by_id != request.user.pk,
        "may_withdraw": decree.status == Decree.Status.DRAFT
        and access.has_role(request.user, access.DECREE_MAKERS)
        and decree.prepared_by_id == request.user.pk,
        "reject_form": RejectForm(),
        "requests": _pending_requests(request, decree),
    }
    return render(request, "web/programmes/decree.html", context)


def _pending_requests(request: AuthenticatedRequest, decree: Decree) -> list[EnrolmentRequest]:
    """The social workers' requests a decree maker answers on the draft, their reasons with
    the names masked that the maker reads masked elsewhere (a cited child)."""
    if decree.status != Decree.Status.DRAFT or not access.has_role(
        request.user, access.DECREE_MAKERS
    ):
        return []
    pending = list(requests.pending_requests(decree))
    for pending_request in pending:
        pending_request.shown_reason = registry_selectors.names_masked_in(  # type: ignore[attr-defined]
            request.user, pending_request.reason, pending_request.case.household_id, date.today()
        )
    return pending


@login_required
@require_POST
def answer_request(request: AuthenticatedRequest, pk: int, request_pk: int) -> HttpResponse:
    decree = _decree(request, pk)
    access.require(request.user, access.DECREE_MAKERS)
    # any of the programme's requests: one answered a moment ago (a double click) is refused
    # by the service as answered, not unknown
    enrolment_request = requests.requests_of(decree).filter(pk=request_pk).first()
    if enrolment_request is None:
        raise Http404
    try:
        requests.answer_request(
            request.user,
            decree,
            enrolment_request,
            accept=request.POST.get("answer") == "accept",
            note=request.POST.get("note", ""),
            today=date.today(),
        )
    except services.DecreeRefused as refused:
        messages.error(request, render_refusal(refused))
    else:
        messages.success(request, gettext("Answered; the case's timeline shows it."))
    return redirect("web:decree", pk=decree.pk)


@login_required
@require_POST
def decide_decree(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    decree = _decree(request, pk)
    try:
        decision = request.POST.get("decision")
        if decision == "approve":
            services.approve_decree(request.user, decree)
            messages.success(request, gettext("Decree approved: the enrolments follow it."))
        elif decision == "withdraw":
            services.withdraw_decree(request.user, decree)
            messages.success(
                request,
                gettext("Draft withdrawn: the requests accepted onto it wait for the next draft."),
            )
        else:
            form = RejectForm(request.POST)
            reason = form.data.get("reason", "")
            services.reject_decree(request.user, decree, str(reason))
            messages.success(request, gettext("Decree rejected."))
    except FourEyesViolation:
        messages.error(
            request, gettext("You prepared or changed this decree: a second person approves it.")
        )
    except services.DecreeRefused as refused:
        messages.error(request, render_refusal(refused))
    return redirect("web:decree", pk=decree.pk)


class OpenCycleForm(forms.Form):
    programme = forms.ChoiceField(label=_("Programme"))
    period_start = forms.DateField(label=_("Period starts"), widget=iso_date_input())

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["programme"].choices = [(c, c) for c in DEFAULT_CALENDARS]  # type: ignore[attr-defined]


@login_required
def cycle_list(request: AuthenticatedRequest) -> HttpResponse:
    listed = selectors.cycles_for(request.user)
    today = date.today()
    form = OpenCycleForm(request.POST or None, initial={"period_start": today.replace(day=1)})
    if request.method == "POST":
        access.require(request.user, access.DECREE_MAKERS)
        if form.is_valid():
            data = form.cleaned_data
            try:
                job = jobs.start_open_cycle(request.user, data["programme"], data["period_start"])
            except CycleRefused as refused:
                form.add_error(None, render_refusal(refused))
            else:
                return _follow(request, job)
    cycles = list(listed[:100])
    totals = selectors.cycle_totals_for(request.user, cycles)
    for cycle in cycles:
        cycle.shown_totals = totals[cycle.pk]  # type: ignore[attr-defined]
    context = {
        "cycles": cycles,
        "form": form,
        "can_open": access.has_role(request.user, access.DECREE_MAKERS),
    }
    return render(request, "web/programmes/cycles.html", context)


@login_required
def cycle_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    cycle = _cycle(request, pk)
    context = {
        "cycle": cycle,
        "totals": selectors.cycle_totals_for(request.user, [cycle])[cycle.pk],
        "regions": selectors.cycle_regions(request.user, cycle),
        "batches": _batches_with_totals(request, cycle),
        "report": reconciliation.cycle_reconciliation(request.user, cycle, path=request.path),
        "statuses": PAYMENT_STATUSES,
        "may_send": access.has_role(request.user, access.DECREE_MAKERS),
    }
    return render(request, "web/programmes/cycle.html", context)


def _batches_with_totals(request: AuthenticatedRequest, cycle: Cycle) -> list[Batch]:
    batches = list(reconciliation.batches_for(request.user).filter(cycle=cycle))
    totals = reconciliation.batch_totals_for(request.user, batches)  # within the region
    for batch in batches:
        batch.shown_totals = totals[batch.pk]  # type: ignore[attr-defined]
    return batches


@login_required
def decree_annex(
    request: AuthenticatedRequest, pk: int, fmt: str
) -> HttpResponse | StreamingHttpResponse:
    """The decree's annex for one regency: every household or person it enrols there with the
    amount, totals, page numbers (PDF) — the list an office verifies and publishes. Names of
    the enrolled are personal data: the read is logged."""
    decree = _decree(request, pk)
    regency = params.region_code(request.GET, "regency")
    if len(regency) != 4 or fmt not in ("pdf", "csv") or not _covers(request, regency):
        raise Http404
    rows = _annex_rows(request, decree, regency)
    selectors.withhold_amounts(request.user, [r.line for r in rows], decree.programme)
    withheld = any(r.line.amount_withheld for r in rows)  # type: ignore[attr-defined]
    if fmt == "csv":
        header = ["household_id", "name", "village_code", "village", "change", "yearly_amount"]
        values = [header] + [
            [r.line.household.external_id, r.name, r.line.region_code,
             r.line.household.village.name, r.line.change, r.line.yearly_amount]
            for r in rows
        ]  # fmt: skip
        return csv_download(values, f"decree-{decree.pk}-{regency}.csv")
    decided = decree.decided_at.date() if decree.decided_at else decree.period_start
    context = {
        "decree": decree,
        "regency": Region.objects.filter(code=regency).first(),
        "rows": rows,
        "total": None if withheld else sum(r.line.yearly_amount or 0 for r in rows),
        **documents.letter(
            "",
            serial=decree.pk,
            code=f"SK-{decree.programme}",
            on=decided,
            signer_title=gettext("On behalf of the Minister of Social Affairs"),
            signer_name=str(decree.decided_by or "–"),
        ),
    }
    pdf = documents.render_pdf(request, "documents/decree_annex.html", context)
    return documents.pdf_response(pdf, f"decree-{decree.pk}-{regency}.pdf")


@dataclass(frozen=True)
class AnnexRow:
    line: DecreeLine
    name: str


def _annex_rows(request: AuthenticatedRequest, decree: Decree, regency: str) -> list[AnnexRow]:
    """The annex's lines with the name of whom each enrols (the head for a household),
    masked as the household page masks it; the read is logged."""
    lines = list(selectors.annex_lines(request.user, decree, regency))
    households = [line.household_id for line in lines]
    # an export of the households it lists (PDF or CSV), in the audit trail as such
    access.log_sensitive_read(request.user, "household_export", households, request.path)
    selectors.log_beneficiary_reads(
        request.user,
        [(decree.programme, line.household_id, line.person_id) for line in lines],
        request.path,
        export=True,
    )
    names = _names(request, lines)
    return [AnnexRow(line, name) for line, name in zip(lines, names, strict=True)]


def _names(request: AuthenticatedRequest, rows: Iterable[DecreeLine | Enrolment]) -> list[str]:
    """Whom each decree line or enrolment is for, by name, masked as the household page."""
    subjects = [(row.household_id, row.person_id) for row in rows]
    return registry_selectors.subject_names(request.user, subjects, date.today())


def _covers(request: AuthenticatedRequest, regency: str) -> bool:
    """A regency the user's region holds, or one inside which the user's region lies (an
    office of a district reads its own part of the regency's annex)."""
    prefix = access.region_prefix(request.user)
    return regency.startswith(prefix) or prefix.startswith(regency)


def _decree(request: AuthenticatedRequest, pk: int) -> Decree:
    try:
        return selectors.decree_for(request.user, pk)
    except Decree.DoesNotExist:
        raise Http404 from None


CHANGE_LABELS = {
    Change.NEW: _("New"),
    Change.CONTINUING: _("Continuing"),
    Change.CHANGED: _("Amount changed"),
    Change.LEAVING: _("Leaving"),
    Change.WAITING: _("Waiting list"),
    Change.HELD: _("Held for review"),
}


# -- disbursement -----------------------------------------------------------------------------


PAYMENT_STATUSES = [s.value for s in Payment.Status]


class ResultFileForm(forms.Form):
    file = forms.FileField(label=_("Result file from the channel (CSV)"))


@login_required
@require_POST
def build_batches(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _follow(request, jobs.start_build_batches(request.user, _cycle(request, pk)))


def _follow(request: AuthenticatedRequest, job: DeliveryJob) -> HttpResponse:
    """To the cycle when the job is already done (a small one, or a worker that was quick),
    else to the job's page, which shows its progress until it is."""
    if job.status != DeliveryJob.Status.DONE:
        return redirect("web:delivery-job", pk=job.pk)
    _tell_outcome(request, job)
    return redirect("web:cycle", pk=job.cycle_id)


def _tell_outcome(request: AuthenticatedRequest, job: DeliveryJob) -> None:
    if job.kind != DeliveryJob.Kind.BUILD_BATCHES:
        return
    batches = job.outcome.get("batches", 0)
    if batches:
        text = ngettext(
            "%(batches)d batch built: %(lines)d lines.",
            "%(batches)d batches built: %(lines)d lines.",
            batches,
        )
        messages.success(request, text % {"batches": batches, "lines": job.outcome["lines"]})
    else:
        messages.info(request, gettext("Nothing left to send in this cycle."))


@login_required
def delivery_job(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """A long step's progress; the page asks again every two seconds and, once the step is
    done, goes on to the cycle."""
    access.require(request.user, access.DECREE_MAKERS)
    job = DeliveryJob.objects.filter(pk=pk, started_by=request.user).first()
    if job is None:
        raise Http404
    if job.status == DeliveryJob.Status.DONE and request.headers.get("HX-Request"):
        _tell_outcome(request, job)
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse("web:cycle", args=[job.cycle_id])
        return response
    partial = bool(request.headers.get("HX-Request"))
    template = "web/programmes/_job.html" if partial else "web/programmes/job.html"
    return render(request, template, {"job": job, "stages": JOB_STAGES})


JOB_STAGES = {
    "suspend": _("Suspending the deceased"),
    "entitle": _("Computing entitlements"),
    "issue": _("Sending lines to their channels"),
    "ledger": _("Writing the ledger"),
    "totals": _("Counting totals"),
    "files": _("Writing the batch files"),
    "done": _("Completed"),
}


@login_required
def batch_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    may_send = access.has_role(request.user, access.DECREE_MAKERS)
    form = ResultFileForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        access.require(request.user, access.DECREE_MAKERS)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                result = disbursement.import_result(request.user, batch, upload.name, upload.read())
            except disbursement.DisbursementRefused as refused:
                form.add_error("file", str(refused))
            else:
                messages.success(request, _result_message(result))
                return redirect("web:batch", pk=batch.pk)
    batch.shown_totals = reconciliation.batch_totals_for(request.user, [batch])[batch.pk]  # type: ignore[attr-defined]
    results = list(batch.results.select_related("imported_by"))
    counts = reconciliation.result_counts_for(request.user, results)  # within the region
    for result in results:
        result.shown_counts = counts[result.pk]  # type: ignore[attr-defined]
    context = {
        "batch": batch,
        "form": form,
        "may_send": may_send,
        "results": results,
        "errors": reconciliation.result_errors(request.user, batch)[:200],
        "report": reconciliation.batch_reconciliation(request.user, batch, path=request.path),
        "statuses": PAYMENT_STATUSES,
    }
    return render(request, "web/programmes/batch.html", context)


def _result_message(result: ResultImport) -> str:
    counts = result.counts
    return gettext(
        "Result file taken: %(applied)d lines settled, %(rejected)d rejected, "
        "%(mismatched)d not matching the batch."
    ) % {
        "applied": counts.get("applied", 0) + counts.get("paid_to_suspended", 0),
        "rejected": counts.get("rejected", 0),
        "mismatched": sum(
            n for verdict, n in counts.items() if verdict in reconciliation.RESULT_MISMATCHES
        ),
    }


@login_required
def batch_file(request: AuthenticatedRequest, pk: int, what: str) -> HttpResponse:
    """The batch's file as sent (account numbers, names: a logged read, for decree makers
    only) or the cycle's SHA-256 manifest."""
    batch = _batch(request, pk)
    access.require(request.user, access.DECREE_MAKERS)
    if what == "manifest":
        text = rules.manifest(
            (b.file_name, b.sha256) for b in Batch.objects.filter(cycle=batch.cycle)
        )
        response = HttpResponse(text, content_type="text/plain; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="SHA256SUMS"'
        return response
    if what != "file":
        raise Http404
    try:
        content = disbursement.batch_file(batch)
    except disbursement.DisbursementRefused as refused:
        messages.error(request, str(refused))
        return redirect("web:batch", pk=batch.pk)
    access.log_sensitive_read(request.user, "disbursement_batch", [batch.pk], request.path)
    response = HttpResponse(content, content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{batch.file_name}"'
    return response


def _cycle(request: AuthenticatedRequest, pk: int) -> Cycle:
    try:
        return selectors.cycles_for(request.user).get(pk=pk)
    except Cycle.DoesNotExist:
        raise Http404 from None


def _batch(request: AuthenticatedRequest, pk: int) -> Batch:
    try:
        return reconciliation.batch_for(request.user, pk)
    except Batch.DoesNotExist:
        raise Http404 from None


# -- enrolments -------------------------------------------------------------------------------


class SuspendForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=[(str(s), DELIVERY_REASON_LABELS[s]) for s in SUSPENSIONS_BY_HAND],
    )


@login_required
def enrolments(request: AuthenticatedRequest) -> HttpResponse:
    listed = selectors.enrolments_for(request.user)
    codes = sorted(set(listed.values_list("programme", flat=True).distinct()))
    programme = params.choice(request.GET, "programme", codes)
    status = params.choice(request.GET, "status", ["active", "suspended"])
    region, region_notice = params.scoped_region(request.GET, access.region_prefix(request.user))
    query = params.search_text(request.GET)
    if query:
        listed = selectors.enrolments_named(request.user, listed, query)
    if programme:
        listed = listed.filter(programme=programme)
    if status:
        listed = listed.filter(status=status)
    if region:
        listed = listed.filter(region_code__startswith=region)
    page = Paginator(
        listed.order_by("programme", "region_code", "subject"), LINES_PER_PAGE
    ).get_page(params.integer(request.GET, "page", 1))
    selectors.log_beneficiary_reads(
        request.user, [(e.programme, e.household_id, e.person_id) for e in page], request.path
    )
    # The village it was decreed in, not the family's address now: a family that moved away
    # stays on its old office's list until the next decree, which must not learn where to.
    villages = dict(
        Region.objects.filter(code__in={e.region_code for e in page}).values_list("code", "name")
    )
    for enrolment, name in zip(page, _names(request, page), strict=True):
        enrolment.name = name  # type: ignore[attr-defined]
        enrolment.village_name = villages.get(enrolment.region_code, enrolment.region_code)  # type: ignore[attr-defined]
    context = {
        "page": page,
        "query": query,
        "programme": programme,
        "status": status,
        "region": region,
        "region_notice": region_notice,
        "programmes": codes,
        "waiting_lists": selectors.waiting_lists(request.user),
        "may_keep": access.has_role(request.user, access.ENROLMENT_KEEPERS),
        "suspend_form": SuspendForm(),
    }
    return render(request, "web/programmes/enrolments.html", context)


@login_required
@require_POST
def keep_enrolment(request: AuthenticatedRequest, pk: int, action: str) -> HttpResponse:
    """Suspend (with a reason) or resume an enrolment of the office's region."""
    enrolment = selectors.enrolments_for(request.user).filter(pk=pk).first()
    if enrolment is None or action not in ("suspend", "resume"):
        raise Http404
    form = SuspendForm(request.POST)
    try:
        if action == "resume":
            cycles.resume(request.user, enrolment)
            messages.success(request, gettext("Enrolment resumed: the next cycles pay it again."))
        elif form.is_valid():
            cycles.suspend(request.user, enrolment, Suspension(form.cleaned_data["reason"]))
            messages.success(
                request, gettext("Enrolment suspended: the next cycles owe it nothing.")
            )
        else:
            messages.error(request, gettext("Choose the reason for the suspension."))
    except EnrolmentKept as kept:
        messages.error(request, render_refusal(kept))
    # Back to the list as it was filtered (a query string of this page, nothing else).
    query = request.POST.get("query", "")
    back = reverse("web:enrolments")
    return redirect(f"{back}?{QueryDict(query).urlencode()}" if query else back)
