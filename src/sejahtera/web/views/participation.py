"""The staff's side of citizens' participation: proposals waiting for each role's step (one at
a time or as a list), the village deliberation, objections to verify and complaints to
resolve. Each page reads through the grievances selectors and acts through its services, so
a record outside the user's region or role is never found (404) and never moved."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from sejahtera.accounts import access
from sejahtera.cases import evidence
from sejahtera.domain.findings import StepRefused, error, gettext_noop
from sejahtera.domain.participation import (
    PROPOSAL_STEPS,
    ProposalKind,
    ProposalStage,
)
from sejahtera.grievances import (
    complaints,
    corrections,
    objections,
    proposals,
    reports,
    selectors,
)
from sejahtera.grievances.models import Complaint, Deliberation, Proposal
from sejahtera.grievances.proposals import BatchOutcome, ProposedChange
from sejahtera.i18n import render_finding
from sejahtera.labels import column_label, participation_label
from sejahtera.registry import privacy
from sejahtera.registry.models import Household, Person, Region
from sejahtera.registry.selectors import household_for, households_for, subject_names
from sejahtera.registry.services import records
from sejahtera.registry.services.records import RecordInvalid
from sejahtera.targeting import reviews
from sejahtera.targeting.models import Decision, DecisionReview
from sejahtera.web import params, presenters
from sejahtera.web.downloads import download
from sejahtera.web.forms import OneTimeKey, iso_date_input, submit_once
from sejahtera.web.http import AuthenticatedRequest
from sejahtera.web.participation_forms import (
    ChangeProposalForm,
    ConditionForm,
    NewFamily,
    NikField,
    PhoneField,
    PlaceForm,
    ProposedHouseholdForm,
    ProposedMemberForm,
    StaffComplaintForm,
    file_complaint,
)
from sejahtera.web.views.public import chosen_region, region_lists

STAGES = [s.value for s in ProposalStage]
# what the button says that moves a proposal on to each stage
FORWARD_ACTIONS = {
    ProposalStage.VALIDATED: _("Validate"),
    ProposalStage.APPROVED: _("Approve"),
    ProposalStage.DECIDED: _("Decide: into the registry"),
}
# the stage a proposal goes on to when its owner forwards it from a list
FORWARD = {
    ProposalStage.DELIBERATED: ProposalStage.VALIDATED,
    ProposalStage.VALIDATED: ProposalStage.APPROVED,
    ProposalStage.APPROVED: ProposalStage.DECIDED,
}


class VisitForm(forms.Form):
    visited_on = forms.DateField(label=_("Date of the verification visit"), widget=iso_date_input())


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class DeliberationForm(forms.Form):
    held_on = forms.DateField(label=_("Held on"), widget=iso_date_input())
    participants = forms.CharField(
        label=_("Participants"), widget=forms.Textarea(attrs={"rows": 2})
    )
    minutes = forms.FileField(
        label=_("Minutes (berita acara): PDF, JPEG or PNG"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )


class ObjectionVerdictForm(forms.Form):
    verdict = forms.ChoiceField(
        label=_("Verdict"),
        choices=[
            ("confirmed", _("Confirmed: review the household")),
            ("dismissed", _("Dismissed")),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("What the verification found"), widget=forms.Textarea(attrs={"rows": 3})
    )


class ObjectionForm(PlaceForm):
    objector_name = forms.CharField(label=_("Name of the resident who objects"), max_length=200)
    objector_nik = NikField(required=False)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))
    photo = forms.FileField(
        label=_("Photo (JPEG or PNG, optional)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png"}),
    )

    field_order = ["objector_name", "objector_nik", "reason", "photo", "latitude", "longitude"]


class OutcomeForm(forms.Form):
    outcome = forms.CharField(
        label=_("Outcome, as the complainant will read it"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def _refusals(refused: StepRefused) -> list[str]:
    return [render_finding(f) for f in refused.findings]


def _act_on(
    request: AuthenticatedRequest,
    form: forms.Form,
    *,
    allowed: bool,
    decided: bool,
    act: Callable[[dict[str, Any]], object],
    done: str,
    back: str,
) -> HttpResponse | list[str]:
    """The POST of a record's one decision form (a verdict, an outcome): back to the record,
    saying so, when it was decided already (a double click, a second officer); refused (403)
    to whoever may not take it; the service's refusals to show; once done, back to the
    record."""
    if request.method != "POST":
        return []
    if decided:
        messages.info(request, gettext("This was decided already; nothing was changed."))
        return redirect(back)
    if not allowed:
        raise PermissionDenied
    if not form.is_valid():
        return []
    try:
        act(form.cleaned_data)
    except StepRefused as exc:
        return _refusals(exc)
    messages.success(request, done)
    return redirect(back)


# -- figures -----------------------------------------------------------------------------------

REPORT_TITLES = {
    "proposals": _("Proposals by region and stage"),
    "ageing": _("Open proposals: days waiting at their stage"),
    "objections": _("Objections by region"),
    "complaints": _("Complaints by category and handling level"),
    "decision_reviews": _("Objections to automated decisions by programme"),
}
REPORT_HEADINGS = {
    "region_code": _("Code"),
    "region": _("Region"),
    "stage": _("Stage"),
    "total": _("Total"),
    "overdue": _("Past the deadline"),
    "lapse_rate": _("Lapse rate"),
    "category": _("Category"),
    "level": _("Handled at"),
    "received": _("Received"),
    "resolved": _("Resolved"),
    "median_days_to_resolve": _("Median days to resolve"),
    "programme": _("Programme"),
    "overturn_rate": _("Share overturned"),
    "median_days_to_review": _("Median days to review"),
}
CODED_COLUMNS = ("stage", "category", "level")


@login_required
def report(request: AuthenticatedRequest) -> HttpResponse:
    access.require(request.user, access.PARTICIPATION_REPORT_READERS)
    today = date.today()
    tables = []
    for name, build in reports.REPORTS.items():
        table = build(request.user, today)
        tables.append(
            {
                "name": name,
                "title": REPORT_TITLES[name],
                "headings": [_heading(column) for column in table.columns],
                "rows": [
                    [
                        participation_label(str(v)) if c in CODED_COLUMNS else _number(v)
                        for c, v in zip(table.columns, row, strict=True)
                    ]
                    for row in table.rows
                ],
            }
        )
    return render(request, "web/participation/report.html", {"tables": tables})


@login_required
def report_export(
    request: AuthenticatedRequest, name: str, fmt: str
) -> HttpResponse | StreamingHttpResponse:
    access.require(request.user, access.PARTICIPATION_REPORT_READERS)
    if name not in reports.REPORTS or fmt not in ("csv", "xlsx"):
        raise Http404
    table = reports.REPORTS[name](request.user, date.today())
    rows = [list(table.columns), *([v if v is not None else "" for v in row] for row in table.rows)]
    return download(rows, f"participation-{name}", fmt)


def _heading(column: str) -> str:
    if column in REPORT_HEADINGS:
        return str(REPORT_HEADINGS[column])
    if column[0].isdigit():  # an age band: "8-14" days
        return gettext("%(band)s days") % {"band": column.replace("-", "–")}
    return participation_label(column)


def _number(value: object) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.0%}" if value <= 1 else number_format(value, 1)
    return number_format(value) if isinstance(value, int) else str(value)


# -- proposals ---------------------------------------------------------------------------------


@login_required
def proposal_list(request: AuthenticatedRequest) -> HttpResponse:
    access.require(request.user, access.PROPOSAL_READERS)
    waiting = selectors.stages_awaiting(request.user)
    # Opened plainly, the list shows what waits for the user; its "All" tab asks for stage=''.
    default = "waiting" if waiting else ""
    asked = params.choice(request.GET, "stage", ["waiting", *STAGES])
    stage = asked if "stage" in request.GET else default
    found = selectors.proposals_for(request.user)
    shown = found.filter(stage__in=waiting) if stage == "waiting" else found
    if stage and stage != "waiting":
        shown = shown.filter(stage=stage)
    # ticked proposals move on together when the list holds one stage the user forwards
    forwardable = [s for s in waiting if s in FORWARD]
    if stage == "waiting":
        batch = forwardable[0] if len(forwardable) == 1 and len(waiting) == 1 else None
    else:
        batch = ProposalStage(stage) if stage in forwardable else None
    listed = list(shown[:200])
    return render(
        request,
        "web/participation/proposals.html",
        {
            "proposals": list(zip(listed, _proposed(request, listed), strict=True)),
            "stage": stage,
            "stages": [(s.value, participation_label(s.value)) for s in ProposalStage],
            "waiting": bool(waiting),
            "batch": batch,
            "forward_to": FORWARD.get(batch) if batch else None,
            "forward_action": FORWARD_ACTIONS[FORWARD[batch]] if batch else None,
            "may_deliberate": access.has_role(request.user, access.PROPOSAL_VILLAGE),
            "may_propose": access.has_role(request.user, access.PROPOSAL_VILLAGE),
            "reason_form": ReasonForm(),
        },
    )


def _proposed(request: AuthenticatedRequest, proposals: list[Proposal]) -> list[str]:
    """Whom each proposal is about, by name: the member a change concerns or the household's
    head, or a new household's head as proposed; masked as the household page masks them."""
    today = date.today()
    unmasked = privacy.may_read_specific(request.user)
    changes = [(p.household_id, p.person_id) for p in proposals if p.household_id]
    named = iter(subject_names(request.user, changes, today))
    names = []
    for proposal in proposals:
        if proposal.household_id:
            names.append(next(named))
            continue
        head = next(
            (c for c in proposal.member_cells if c.get("relationship") == "head"),
            proposal.member_cells[0] if proposal.member_cells else {},
        )
        hidden = privacy.hidden_cells(head, unmasked=unmasked, today=today)
        names.append(privacy.MASK if "full_name" in hidden else head.get("full_name") or "–")
    return names


def _proposal(request: AuthenticatedRequest, pk: int) -> Proposal:
    # a role without proposals is refused (403), not told there is no such proposal
    access.require(request.user, access.PROPOSAL_READERS)
    return get_object_or_404(selectors.proposals_for(request.user), pk=pk)


def _visible_rows(cells: dict[str, Any], hidden: frozenset[str]) -> list[tuple[str, str]]:
    return [
        (
            column_label(name),
            privacy.MASK if name in hidden else presenters.display(name, str(value or "")),
        )
        for name, value in cells.items()
    ]


@login_required
def proposal_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    proposal = _proposal(request, pk)
    stage = ProposalStage(proposal.stage)
    owners = PROPOSAL_STEPS.get(stage, {})
    mine = {
        to
        for to, owner in owners.items()
        if proposals.may_act(request.user, owner, proposal.village_id)
    }
    unmasked, today = privacy.may_read_specific(request.user), date.today()
    access.log_sensitive_read(request.user, "proposal", [proposal.pk], request.path)
    return render(
        request,
        "web/participation/proposal.html",
        {
            "proposal": proposal,
            "steps": proposal.steps.select_related("by"),
            "household_rows": [
                (column_label(name), presenters.display(name, str(value or "")))
                for name, value in proposal.household_cells.items()
            ],
            # masked as on the household page for the roles that may not read it (the
            # regent, the ministry): a member's specific data, a child's every detail
            "member_rows": [
                _visible_rows(cells, privacy.hidden_cells(cells, unmasked=unmasked, today=today))
                for cells in proposal.member_cells
            ],
            "visit_form": VisitForm(initial={"visited_on": date.today()})
            if ProposalStage.VERIFIED in mine
            else None,
            "reject_form": ReasonForm() if ProposalStage.REJECTED in mine else None,
            "forward_to": FORWARD.get(stage) if FORWARD.get(stage) in mine else None,
            "forward_action": FORWARD_ACTIONS.get(FORWARD.get(stage)),  # type: ignore[arg-type]
            "deliberate": ProposalStage.DELIBERATED in mine,
        },
    )


@login_required
@require_POST
def proposal_visit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    access.require(request.user, access.PROPOSAL_VILLAGE)  # before the form says anything
    proposal = _proposal(request, pk)
    form = VisitForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Give the date of the visit."))
    else:
        try:
            proposals.verify(
                request.user,
                proposal,
                visited_on=form.cleaned_data["visited_on"],
                today=date.today(),
            )
        except StepRefused as refused:
            for message in _refusals(refused):
                messages.error(request, message)
        else:
            messages.success(request, gettext("The visit is recorded."))
    return redirect(reverse("web:proposal", args=[proposal.pk]))


@login_required
@require_POST
def proposal_batch(request: AuthenticatedRequest) -> HttpResponse:
    """Forward or reject the proposals ticked on a list (or the one on its page)."""
    access.require(request.user, access.PROPOSAL_READERS)
    ids = [int(v) for v in request.POST.getlist("proposal") if v.isdigit()]
    chosen = selectors.proposals_for(request.user).filter(pk__in=ids)
    action = request.POST.get("action")
    reason = request.POST.get("reason", "")
    forwards = [stage.value for stage in FORWARD.values()]
    to_stage = (
        "rejected" if action == "reject" else params.choice(request.POST, "to_stage", forwards)
    )
    if not to_stage:
        raise Http404
    if ids:
        outcome = proposals.move_many(
            request.user, chosen, ProposalStage(to_stage), today=date.today(), reason=reason
        )
        _report(request, outcome)
    else:
        messages.error(request, gettext("Tick at least one proposal."))
    back = request.POST.get("back", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("web:proposals")  # never a page of another site
    return redirect(back)


def _report(request: AuthenticatedRequest, outcome: BatchOutcome) -> None:
    if outcome.moved:
        messages.success(
            request,
            ngettext(
                "%(count)s proposal moved on.", "%(count)s proposals moved on.", len(outcome.moved)
            )
            % {"count": len(outcome.moved)},
        )
    for number, findings in outcome.refused.items():
        words = "; ".join(render_finding(f) for f in findings)
        messages.error(request, f"{number}: {words}")


@login_required
def deliberation(request: AuthenticatedRequest) -> HttpResponse:
    """The village deliberation: its date, participants and minutes, and the decision on each
    verified proposal of the village."""
    access.require(request.user, access.PROPOSAL_VILLAGE)
    villages = Region.objects.filter(
        level="village", code__startswith=access.region_prefix(request.user)
    )
    village_code = params.region_code(request.GET) or request.POST.get("village", "")
    village = villages.filter(code=village_code).first() or (
        villages.first() if len(access.region_prefix(request.user)) == 10 else None
    )
    verified = (
        selectors.proposals_for(request.user).filter(village=village, stage=ProposalStage.VERIFIED)
        if village
        else Proposal.objects.none()
    )
    form = DeliberationForm(request.POST or None, request.FILES or None)
    refused: list[str] = []
    if request.method == "POST" and village is not None and form.is_valid():
        discussed = {int(v) for v in request.POST.getlist("discussed") if v.isdigit()}
        carried = {int(v) for v in request.POST.getlist("carried") if v.isdigit()}

        def write() -> str:
            _, outcome = proposals.record_deliberation(
                request.user,
                village=village,
                held_on=form.cleaned_data["held_on"],
                participants=form.cleaned_data["participants"],
                minutes=form.cleaned_data["minutes"],
                carried={pk: pk in carried for pk in discussed},
                today=date.today(),
            )
            _report(request, outcome)
            return reverse("web:proposals")

        try:
            return submit_once(request, write)
        except StepRefused as exc:
            refused = _refusals(exc)
    return render(
        request,
        "web/participation/deliberation.html",
        {
            "village": village,
            "verified": verified,
            "form": form,
            "refused": refused,
            "once": OneTimeKey(request.POST or None),
        },
        status=400 if refused or form.errors else 200,
    )


@login_required
def proposal_new(request: AuthenticatedRequest) -> HttpResponse:
    """A village operator enters a family's proposal (a visit's photo and place with it)."""
    access.require(request.user, access.PROPOSAL_VILLAGE)
    data, files = (request.POST, request.FILES) if request.method == "POST" else (None, None)
    family = NewFamily(data, files, staff=request.user)
    refused: list[str] = []
    if request.method == "POST" and family.is_valid():

        def write() -> str:
            proposal = family.submit(date.today())
            messages.success(
                request,
                gettext("Proposal %(number)s entered.") % {"number": proposal.tracking_number},
            )
            return reverse("web:proposal", args=[proposal.pk])

        try:
            return submit_once(request, write)
        except RecordInvalid as invalid:
            family.show(invalid)
        except StepRefused as exc:
            refused = _refusals(exc)
    context = family.context() | {
        "refused": refused,
        "staff": True,
        "once": OneTimeKey(request.POST or None),
    }
    context |= region_lists(
        chosen_region(request.POST or request.GET, request.user.region_id or "")
    )
    return render(request, "web/public/propose.html", context)


@login_required
def proposal_change(request: AuthenticatedRequest, household_pk: int) -> HttpResponse:
    """A village operator proposes a change to a registered household of the village: a
    move, a death, a birth or new member, a member leaving, or a changed condition."""
    access.require(request.user, access.PROPOSAL_VILLAGE)
    try:
        household = household_for(request.user, household_pk)
    except Household.DoesNotExist:
        raise Http404 from None
    members = {p.pk: p for p in household.members.all()}
    data, files = (request.POST, request.FILES) if request.method == "POST" else (None, None)
    choices = [(pk, person.full_name) for pk, person in members.items()]
    form = ChangeProposalForm(data, files, members=choices)
    # the sections the kind does not use stay empty, and an empty section is no error
    optional = {"empty_permitted": True, "use_required_attribute": False}
    place = ProposedHouseholdForm(data, prefix="h", **optional)
    newcomer = ProposedMemberForm(data, prefix="n", **optional)
    condition = ConditionForm(data, prefix="c", **optional)
    refused: list[str] = []
    if request.method == "POST" and all(f.is_valid() for f in (form, place, newcomer, condition)):
        change = None

        def write() -> str:
            nonlocal change
            change = _change(request, household, members, form, place, newcomer, condition)
            proposal = proposals.submit_proposal(
                change=change,
                proposer_name=request.user.get_full_name() or request.user.username,
                description=form.cleaned_data["description"],
                photo=form.cleaned_data["photo"],
                latitude=form.cleaned_data["latitude"],
                longitude=form.cleaned_data["longitude"],
                submitted_on=date.today(),
                submitted_by=request.user,
            )
            messages.success(
                request,
                gettext("Proposal %(number)s entered.") % {"number": proposal.tracking_number},
            )
            return reverse("web:proposal", args=[proposal.pk])

        try:
            return submit_once(request, write)
        except RecordInvalid as invalid:
            place.add_findings(invalid.household)
            for found in invalid.members.values():
                person = change.person if change is not None else None
                (newcomer if person is None else condition).add_findings(found)
        except StepRefused as exc:
            refused = _refusals(exc)
    context = {
        "household": household,
        "once": OneTimeKey(request.POST or None),
        "form": form,
        "place": place,
        "newcomer": newcomer,
        "condition": condition,
        "refused": refused,
    }
    failed = refused or any(f.errors for f in (form, place, newcomer, condition))
    return render(
        request, "web/participation/proposal_change.html", context, status=400 if failed else 200
    )


def _change(
    request: AuthenticatedRequest,
    household: Household,
    members: dict[int, Any],
    form: ChangeProposalForm,
    place: ProposedHouseholdForm,
    newcomer: ProposedMemberForm,
    condition: ConditionForm,
) -> ProposedChange:
    """The change the page's sections describe for the kind chosen (the service checks that
    the kind carries what it needs)."""
    kind = ProposalKind(form.cleaned_data["kind"])
    person = members.get(form.cleaned_data["member"] or 0)
    cells: list[dict[str, str]] = []
    household_cells: dict[str, str] = {}
    to_household = None
    if kind is ProposalKind.MOVED:
        household_cells = _filled(place)
    elif kind is ProposalKind.DIED and form.cleaned_data["deceased_date"]:
        cells = [{"deceased_date": form.cleaned_data["deceased_date"].isoformat()}]
    elif kind in (ProposalKind.BIRTH, ProposalKind.NEW_MEMBER) and newcomer.has_changed():
        cells = [newcomer.to_cells()]
    elif kind is ProposalKind.CONDITION and person is not None and _filled(condition):
        # what the operator filled in changes; the member's other facts stay as they are
        cells = [_filled(condition)]
    elif kind is ProposalKind.MEMBER_LEFT and form.cleaned_data["to_household"]:
        to_household = (
            households_for(request.user)
            .filter(external_id=form.cleaned_data["to_household"].strip())
            .first()
        )
        if to_household is None:
            raise StepRefused(
                [
                    error(
                        "PROPOSAL_DESTINATION_UNKNOWN",
                        gettext_noop("no such household in your region"),
                    )
                ]
            )
    return ProposedChange(
        kind=kind,
        village=household.village,
        household=household,
        person=person
        if kind not in (ProposalKind.MOVED, ProposalKind.BIRTH, ProposalKind.NEW_MEMBER)
        else None,
        household_cells=household_cells,
        member_cells=cells,
        to_household=to_household,
    )


def _filled(form: ProposedHouseholdForm | ConditionForm) -> dict[str, str]:
    cells = form.to_cells()
    return {name: cells[name] for name in form.changed_data}


@login_required
def proposal_photo(request: AuthenticatedRequest, pk: int) -> FileResponse:
    proposal = _proposal(request, pk)
    return _stored_file(request, "proposal_photo", proposal.pk, proposal.photo_upload)


@login_required
def deliberation_minutes(request: AuthenticatedRequest, pk: int) -> FileResponse:
    access.require(request.user, access.PROPOSAL_READERS)
    found = get_object_or_404(
        Deliberation, pk=pk, village__code__startswith=access.region_prefix(request.user)
    )
    return _stored_file(request, "deliberation_minutes", found.pk, found.minutes_upload)


def _stored_file(request: AuthenticatedRequest, entity: str, pk: int, stored: str) -> FileResponse:
    if not stored:
        raise Http404
    try:
        handle = evidence.path(stored).open("rb")
    except FileNotFoundError:
        raise Http404 from None
    access.log_sensitive_read(request.user, entity, [pk], request.path)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"{entity}-{pk}{evidence.path(stored).suffix}",
        content_type=evidence.content_type(stored),
    )


# -- objections --------------------------------------------------------------------------------


@login_required
def objection_list(request: AuthenticatedRequest) -> HttpResponse:
    access.require(request.user, access.OBJECTION_READERS)
    status = params.choice(request.GET, "status", ["filed", "confirmed", "dismissed", "lapsed"])
    found = list(selectors.objections_for(request.user).filter(status=status or "filed")[:200])
    labels = presenters.household_labels(request.user, [o.household for o in found])
    for objection, label in zip(found, labels, strict=True):
        objection.household_label = label  # type: ignore[attr-defined]
    return render(
        request,
        "web/participation/objections.html",
        {"objections": found, "status": status or "filed", "today": date.today()},
    )


@login_required
def objection_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    access.require(request.user, access.OBJECTION_READERS)
    objection = get_object_or_404(selectors.objections_for(request.user), pk=pk)
    may_verify = objection.status == "filed" and access.has_role(
        request.user, access.OBJECTION_VERIFIERS
    )
    form = ObjectionVerdictForm(request.POST or None)
    acted = _act_on(
        request,
        form,
        allowed=may_verify,
        decided=objection.status != "filed",
        act=lambda data: objections.verify_objection(
            actor=request.user,
            objection=objection,
            confirmed=data["verdict"] == "confirmed",
            note=data["note"],
            today=date.today(),
        ),
        done=gettext("The verification is recorded."),
        back=reverse("web:objection", args=[objection.pk]),
    )
    if isinstance(acted, HttpResponse):
        return acted
    refused = acted
    access.log_sensitive_read(request.user, "objection", [objection.pk], request.path)
    return render(
        request,
        "web/participation/objection.html",
        {"objection": objection, "form": form if may_verify else None, "refused": refused},
        status=400 if refused or form.errors else 200,
    )


@login_required
def objection_photo(request: AuthenticatedRequest, pk: int) -> FileResponse:
    access.require(request.user, access.OBJECTION_READERS)
    objection = get_object_or_404(selectors.objections_for(request.user), pk=pk)
    return _stored_file(request, "objection_photo", objection.pk, objection.photo_upload)


@login_required
def objection_new(request: AuthenticatedRequest, household_pk: int) -> HttpResponse:
    """The village office takes in a resident's objection to a household of its village."""
    access.require(request.user, access.OBJECTION_TAKERS)
    try:
        household = household_for(request.user, household_pk)
    except Household.DoesNotExist:
        raise Http404 from None
    form = ObjectionForm(request.POST or None, request.FILES or None)
    refused: list[str] = []
    if request.method == "POST" and form.is_valid():

        def write() -> str:
            objection = objections.file_objection(
                household=household,
                objector_name=form.cleaned_data["objector_name"],
                objector_nik=form.cleaned_data["objector_nik"],
                objector_village=household.village,
                reason=form.cleaned_data["reason"],
                photo=form.cleaned_data["photo"],
                latitude=form.cleaned_data["latitude"],
                longitude=form.cleaned_data["longitude"],
                filed_on=date.today(),
                filed_by=request.user,
            )
            messages.success(
                request,
                gettext("Objection %(number)s filed; it must be verified by %(deadline)s.")
                % {"number": objection.tracking_number, "deadline": objection.deadline},
            )
            return reverse("web:objection", args=[objection.pk])

        try:
            return submit_once(request, write)
        except StepRefused as exc:
            refused = _refusals(exc)
    return render(
        request,
        "web/participation/objection_new.html",
        {
            "household": household,
            "form": form,
            "refused": refused,
            "once": OneTimeKey(request.POST or None),
        },
        status=400 if refused or form.errors else 200,
    )


# -- complaints --------------------------------------------------------------------------------


@login_required
def complaint_list(request: AuthenticatedRequest) -> HttpResponse:
    access.require(request.user, access.COMPLAINT_READERS | access.COMPLAINT_TAKERS)
    status = params.choice(request.GET, "status", ["open", "resolved"]) or "open"
    found = complaints.visible_complaints(request.user).filter(status=status)
    return render(
        request,
        "web/participation/complaints.html",
        {
            "complaints": found.order_by("due_on")[:200],
            "status": status,
            "today": date.today(),
            "may_take": access.has_role(request.user, access.COMPLAINT_TAKERS),
        },
    )


@login_required
def complaint_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    access.require(request.user, access.COMPLAINT_READERS)
    complaint: Complaint = get_object_or_404(complaints.visible_complaints(request.user), pk=pk)
    may_resolve = complaint.status == "open" and complaints.may_resolve(request.user, complaint)
    form = OutcomeForm(request.POST or None)
    acted = _act_on(
        request,
        form,
        allowed=may_resolve,
        decided=complaint.status != "open",
        act=lambda data: complaints.resolve(
            request.user, complaint, outcome=data["outcome"], today=date.today()
        ),
        done=gettext("The complaint is resolved."),
        back=reverse("web:complaint", args=[complaint.pk]),
    )
    if isinstance(acted, HttpResponse):
        return acted
    refused = acted
    access.log_sensitive_read(request.user, "complaint", [complaint.pk], request.path)
    return render(
        request,
        "web/participation/complaint.html",
        {
            "complaint": complaint,
            "history": complaint.history.all(),
            "form": form if may_resolve else None,
            "refused": refused,
        },
        status=400 if refused or form.errors else 200,
    )


@login_required
def complaint_new(request: AuthenticatedRequest) -> HttpResponse:
    """Staff take a complaint in for a citizen (at the office or by phone)."""
    access.require(request.user, access.COMPLAINT_TAKERS)
    form = StaffComplaintForm(request.POST or None)
    refused: list[str] = []
    if request.method == "POST" and form.is_valid():

        def write() -> str:
            complaint = file_complaint(form, date.today(), received_by=request.user)
            messages.success(
                request,
                gettext("Complaint %(number)s received.") % {"number": complaint.tracking_number},
            )
            if complaints.visible_complaints(request.user).filter(pk=complaint.pk).exists():
                return reverse("web:complaint", args=[complaint.pk])
            return reverse("web:complaints")

        try:
            return submit_once(request, write)
        except StepRefused as exc:
            refused = _refusals(exc)
    context: dict[str, Any] = {
        "form": form,
        "refused": refused,
        "staff": True,
        "once": OneTimeKey(request.POST or None),
    }
    context |= region_lists(
        chosen_region(request.POST or request.GET, request.user.region_id or "")
    )
    return render(request, "web/public/complain.html", context, status=400 if form.errors else 200)


# -- correction requests -----------------------------------------------------------------------


class CorrectionVerdictForm(forms.Form):
    verdict = forms.ChoiceField(
        label=_("Verdict"),
        choices=[("accepted", _("Accept: correct the record")), ("rejected", _("Reject"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("What you checked (the person reads it)"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


@login_required
def correction_list(request: AuthenticatedRequest) -> HttpResponse:
    access.require(request.user, access.CORRECTION_READERS)
    status = params.choice(request.GET, "status", ["requested", "accepted", "rejected"])
    found = corrections.corrections_for(request.user).filter(status=status or "requested")
    return render(
        request,
        "web/participation/corrections.html",
        {"corrections": found[:200], "status": status or "requested"},
    )


@login_required
def correction_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    access.require(request.user, access.CORRECTION_READERS)
    found = get_object_or_404(corrections.corrections_for(request.user), pk=pk)
    may_review = found.status == "requested" and access.has_role(
        request.user, access.CORRECTION_REVIEWERS
    )
    form = CorrectionVerdictForm(request.POST or None)
    acted = _act_on(
        request,
        form,
        allowed=may_review,
        decided=found.status != "requested",
        act=lambda data: corrections.review_correction(
            request.user,
            found,
            accepted=data["verdict"] == "accepted",
            note=data["note"],
            today=date.today(),
        ),
        done=gettext("The review is recorded."),
        back=reverse("web:correction", args=[found.pk]),
    )
    if isinstance(acted, HttpResponse):
        return acted
    refused = acted
    current = records.person_cells(found.person)
    # a child's name and birth details masked, before and after, for whom they are elsewhere
    hidden = privacy.hidden_columns(
        found.person, unmasked=privacy.may_read_specific(request.user), today=date.today()
    )
    access.log_sensitive_read(request.user, "correction_request", [found.pk], request.path)
    return render(
        request,
        "web/participation/correction.html",
        {
            "correction": found,
            "requester": _requester_name(request.user, found.person, found.requester_name),
            "rows": [
                (
                    column_label(name),
                    privacy.MASK
                    if name in hidden
                    else presenters.display(name, current.get(name, "")),
                    privacy.MASK if name in hidden else presenters.display(name, value),
                )
                for name, value in found.cells.items()
            ],
            "form": form if may_review else None,
            "refused": refused,
        },
        status=400 if refused or form.errors else 200,
    )


# -- objections to an automated decision -------------------------------------------------------


class DecisionObjectionForm(forms.Form):
    requester_name = forms.CharField(label=_("Name of the person who objects"), max_length=200)
    requester_nik = NikField(required=False)
    requester_phone = PhoneField()
    grounds = forms.CharField(
        label=_("Why the decision is wrong, in their words"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class DecisionVerdictForm(forms.Form):
    verdict = forms.ChoiceField(
        label=_("Verdict"),
        choices=[
            ("upheld", _("Uphold the automated decision")),
            ("overturned", _("Overturn it: the opposite decision applies")),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Your reasons (the person reads them)"), widget=forms.Textarea(attrs={"rows": 3})
    )


def _log_reasons_read(
    request: AuthenticatedRequest, entity: str, shown: Decision | DecisionReview
) -> None:
    """A decision's reasons tell of the person (a household's, of its members): the read is
    logged under their ids, so each one's copy of their data lists it."""
    ids = (
        [shown.person_id]
        if shown.person_id
        else list(shown.household.members.values_list("pk", flat=True))
    )
    access.log_sensitive_read(request.user, entity, ids, request.path)


def _requester_name(user: Any, person: Person | None, requester_name: str) -> str:
    """Who asked, as ``user`` may read it: masked with the person it is about when that
    person is masked (a child asks under her own name, or a parent names the family)."""
    if person is None:
        return requester_name
    unmasked = privacy.may_read_specific(user)
    if privacy.visible_name(person, unmasked=unmasked, today=date.today()) != person.full_name:
        return privacy.MASK
    return requester_name


def _subject_name(user: Any, decision_or_review: Decision | DecisionReview) -> str:
    person = decision_or_review.person
    if person is None:
        return decision_or_review.household.external_id
    return privacy.visible_name(
        person, unmasked=privacy.may_read_specific(user), today=date.today()
    )


@login_required
def decision_review_new(request: AuthenticatedRequest, decision_pk: int) -> HttpResponse:
    """Staff take in a person's objection to a decision of the current run about them."""
    try:
        decision = reviews.decision_to_review(request.user, decision_pk)
    except Decision.DoesNotExist:
        raise Http404 from None
    form = DecisionObjectionForm(request.POST or None)
    refused: list[str] = []
    if request.method == "POST" and form.is_valid():

        def write() -> str:
            review = reviews.request_review(
                actor=request.user, decision=decision, **form.cleaned_data
            )
            messages.success(
                request,
                gettext("Objection %(number)s recorded; a reviewer of the social office decides.")
                % {"number": review.tracking_number},
            )
            return reverse("web:decision-review", args=[review.pk])

        try:
            return submit_once(request, write)
        except StepRefused as exc:
            refused = _refusals(exc)
    _log_reasons_read(request, "person_decision", decision)
    return render(
        request,
        "web/participation/decision_review_new.html",
        {
            "decision": decision,
            "subject": _subject_name(request.user, decision),
            "form": form,
            "refused": refused,
            "once": OneTimeKey(request.POST or None),
        },
        status=400 if refused or form.errors else 200,
    )


@login_required
def decision_review_list(request: AuthenticatedRequest) -> HttpResponse:
    status = params.choice(request.GET, "status", DecisionReview.Status.values)
    status = status or DecisionReview.Status.OPEN
    found = reviews.reviews_for(request.user).filter(status=status)
    return render(
        request,
        "web/participation/decision_reviews.html",
        {"reviews": found[:200], "status": status, "statuses": DecisionReview.Status.values},
    )


@login_required
def decision_review_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    found = get_object_or_404(reviews.reviews_for(request.user), pk=pk)
    if request.method == "POST" and "take_in" in request.POST:
        try:
            reviews.take_in(actor=request.user, review=found)
        except StepRefused as exc:
            for message in _refusals(exc):
                messages.error(request, message)
        else:
            messages.success(request, gettext("Taken in: another person reviews it."))
        return redirect(reverse("web:decision-review", args=[found.pk]))
    may_decide = found.status == DecisionReview.Status.OPEN and access.has_role(
        request.user, access.DECISION_REVIEWERS
    )
    form = DecisionVerdictForm(request.POST or None)
    acted = _act_on(
        request,
        form,
        allowed=may_decide,
        decided=found.status in (DecisionReview.Status.UPHELD, DecisionReview.Status.OVERTURNED),
        act=lambda data: reviews.decide_review(
            actor=request.user,
            review=found,
            overturn=data["verdict"] == "overturned",
            note=data["note"],
        ),
        done=gettext("The verdict is recorded."),
        back=reverse("web:decision-review", args=[found.pk]),
    )
    if isinstance(acted, HttpResponse):
        return acted
    _log_reasons_read(request, "person_decision_review", found)
    requester = _requester_name(request.user, found.person, found.requester_name)
    return render(
        request,
        "web/participation/decision_review.html",
        {
            "review": found,
            "subject": _subject_name(request.user, found),
            "requester": requester,
            # masked with the name: a child's phone, or the parent's who objects for her
            "phone": found.requester_phone if requester != privacy.MASK else privacy.MASK,
            "form": form if may_decide else None,
            "refused": acted,
            "may_take_in": found.status == DecisionReview.Status.RECEIVED
            and access.has_role(request.user, access.DECISION_REVIEW_TAKERS),
        },
    )
