"""Case management pages: my work, a case with its timeline and next steps, the records kept
on it, the supervisor's team, partner referrals and the journey report.

Views translate forms into service calls; the guards, access and history live in
``sejahtera.cases`` and ``sejahtera.domain.cases``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from sejahtera.accounts import access
from sejahtera.accounts.models import Role, User
from sejahtera.cases import actions, evidence, reports, selectors, services
from sejahtera.cases.graduation import case_track, graduation_check
from sejahtera.cases.models import (
    CAPITAL_FORM_CHOICES,
    PHASE_CHOICES,
    TRACK_CHOICES,
    Case,
    CasePlan,
    ConsentRecord,
    EnrolmentRequest,
    FollowUp,
    GraduationRequest,
    Referral,
    ServiceRecord,
)
from sejahtera.cases.partners import programmes_for
from sejahtera.domain import empowerment, rehabilitation
from sejahtera.domain.cases import (
    EARLY_TERMINATION_REASONS,
    GraduationType,
    Stage,
    allowed_targets,
    records_allowed,
)
from sejahtera.domain.targeting.rules import CLUSTER_CODES
from sejahtera.i18n import render_finding
from sejahtera.labels import (
    ASSESSMENT_TOPIC_LABELS,
    ATENSI_STEP_LABELS,
    CLUSTER_LABELS,
    stage_label,
    value_label,
)
from sejahtera.programmes import requests
from sejahtera.programmes import selectors as delivery
from sejahtera.registry import privacy
from sejahtera.registry.models import Person
from sejahtera.registry.selectors import region_path
from sejahtera.targeting.selectors import household_targeting
from sejahtera.web import documents, params, presenters
from sejahtera.web.downloads import csv_download
from sejahtera.web.forms import OneTimeKey, RupiahField, iso_date_input, submit_once
from sejahtera.web.http import AuthenticatedRequest

DATE = iso_date_input()


class CaseForm(forms.Form):
    """A form about one case (its choices may depend on it)."""

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.case = case

    def arguments(self) -> dict[str, Any]:
        """The service's keyword arguments (``cases.actions``): the fields, unless a form
        says otherwise."""
        return dict(self.cleaned_data)


class MoveForm(CaseForm):
    to_stage = forms.ChoiceField(label=_("Next stage"))
    termination_reason = forms.ChoiceField(
        label=_("Why the family leaves before graduating (termination)"),
        required=False,
        choices=[("", "–")]
        + [(code, _(label)) for code, label in EARLY_TERMINATION_REASONS.items()],
    )
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea)
    evidence = forms.CharField(label=_("Evidence"), required=False, widget=forms.Textarea)
    evidence_file = forms.FileField(
        label=_("Evidence file (PDF, JPEG or PNG)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, case=case, **kwargs)
        targets = allowed_targets(Stage(case.stage))
        self.fields["to_stage"].choices = [(s.value, stage_label(s)) for s in targets]  # type: ignore[attr-defined]
        self.fields["version"].initial = case.version


class MemberChoiceField(forms.ModelChoiceField):
    """A member of the family by name, relationship and birth year (not by record id)."""

    def label_from_instance(self, obj: Person) -> str:
        born = f", {obj.birth_date.year}" if obj.birth_date else ""
        return f"{obj.full_name} ({value_label(obj.relationship)}{born})"


class AssessmentForm(CaseForm):
    person = MemberChoiceField(label=_("Member"), queryset=Person.objects.none())
    clusters = forms.MultipleChoiceField(
        label=_("Clusters found"),
        required=False,
        choices=[(code, CLUSTER_LABELS[code]) for code in CLUSTER_CODES],
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, case=case, **kwargs)
        for topic, label in ASSESSMENT_TOPIC_LABELS.items():
            self.fields[topic] = forms.CharField(
                label=str(label),
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 3}),
            )
        members = Person.objects.filter(household_id=case.household_id).order_by("birth_date")
        self.fields["person"].queryset = members  # type: ignore[attr-defined]

    def arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        conditions = {topic: data[topic] for topic in services.ASSESSMENT_TOPICS}
        member = services.MemberAssessment(data["person"], tuple(data["clusters"]), conditions)
        return {"members": [member]}


class PlanForm(CaseForm):
    kind = forms.ChoiceField(label=_("Plan"), choices=CasePlan.Kind.choices)
    track = forms.ChoiceField(
        label=_("Empowerment track"),
        required=False,
        choices=[("", "–"), *TRACK_CHOICES],
        help_text=_("Business: capital and mentoring. Employment: skills training and a job."),
    )
    goals = forms.CharField(label=_("Goals"), widget=forms.Textarea)
    actions = forms.CharField(label=_("Actions"), required=False, widget=forms.Textarea)
    target_date = forms.DateField(label=_("Target date"), required=False, widget=DATE)


class ServiceForm(CaseForm):
    component = forms.ChoiceField(
        label=_("ATENSI component"), choices=ServiceRecord.Component.choices
    )
    provider_type = forms.ChoiceField(label=_("Provider"), choices=ServiceRecord.Provider.choices)
    started_on = forms.DateField(label=_("Started on"), widget=DATE)
    ended_on = forms.DateField(label=_("Ended on"), required=False, widget=DATE)
    frequency = forms.CharField(label=_("Frequency"), required=False, max_length=100)
    outcome = forms.CharField(label=_("Outcome"), required=False, widget=forms.Textarea)


class IncomeForm(CaseForm):
    month = forms.DateField(label=_("Month"), widget=DATE)
    amount = RupiahField(label=_("Income (Rp)"), min_value=0)


class ReferralForm(CaseForm):
    """A programme of the partner catalogue, the ones the family fits offered first."""

    programme = forms.ChoiceField(label=_("Partner programme"))
    person = MemberChoiceField(
        label=_("For whom"),
        queryset=Person.objects.none(),
        required=False,
        empty_label=_("the head of the family"),
        help_text=_("The partner sees this person's name and the family's address."),
    )
    consent_method = forms.ChoiceField(
        label=_("How consent was given"),
        choices=[("", "–"), *ConsentRecord.Method.choices],
        required=False,
    )
    consent_by = forms.ChoiceField(
        label=_("Consent given by"),
        choices=ConsentRecord.GivenBy.choices,
        required=False,  # the service says what is missing, with the other refusals
        initial=ConsentRecord.GivenBy.SELF,
        help_text=_(
            "A child's consent, and that of a person whose intellectual or mental disability "
            "calls for it, is given by a parent or guardian."
        ),
    )
    consent_giver = MemberChoiceField(
        label=_("Parent or guardian in the family"),
        queryset=Person.objects.none(),
        required=False,
        empty_label=_("not a member of the family"),
    )
    consent_giver_name = forms.CharField(
        label=_("Name of the parent or guardian"), required=False, max_length=200
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, case=case, **kwargs)
        members = Person.objects.filter(household_id=case.household_id).order_by("birth_date")
        self.fields["person"].queryset = members  # type: ignore[attr-defined]
        self.fields["consent_giver"].queryset = members  # type: ignore[attr-defined]
        self.fits = programmes_for(case, date.today())
        groups = (
            (_("Fits this family"), [f for f in self.fits if f.fits]),
            (_("Other programmes"), [f for f in self.fits if not f.fits]),
        )
        self.fields["programme"].choices = [  # type: ignore[attr-defined]
            (
                title,
                [(f.programme.code, f"{f.programme.agency} — {f.programme.name}") for f in fits],
            )
            for title, fits in groups
            if fits
        ]


class GraduationForm(CaseForm):
    type = forms.ChoiceField(
        label=_("Graduation type"), choices=[(t.value, t.value) for t in GraduationType]
    )
    signed_statement = forms.BooleanField(label=_("Signed statement (mandiri)"), required=False)
    cite_noncompliance = forms.BooleanField(
        label=_("Paksa for non-compliance: cite the family's repeated PKH non-compliance"),
        required=False,
    )
    evidence = forms.CharField(label=_("Evidence"), required=False, widget=forms.Textarea)

    def arguments(self) -> dict[str, Any]:
        return {**self.cleaned_data, "type": GraduationType(self.cleaned_data["type"])}


class EmpowermentForm(CaseForm):
    given_on = forms.DateField(label=_("Given on"), widget=DATE)
    capital_form = forms.ChoiceField(
        label=_("Capital given as"),
        choices=CAPITAL_FORM_CHOICES,
    )
    item = forms.CharField(label=_("Capital (item or purpose)"), required=False)
    value = RupiahField(label=_("Value (Rp)"), min_value=0, required=False)
    training = forms.CharField(label=_("Skills training"), required=False)
    mentoring_sessions = forms.IntegerField(label=_("Mentoring sessions"), min_value=0, initial=0)

    def arguments(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        item, value = data.pop("item"), data.pop("value")
        data["capital_items"] = [{"item": item, "value": value}] if item else []
        data["mentoring_sessions"] = data["mentoring_sessions"] or 0
        return data


class FunctioningForm(CaseForm):
    """The social functioning instrument: each domain scored 1–5."""

    person = MemberChoiceField(
        label=_("Member"),
        queryset=Person.objects.none(),
        required=False,
        empty_label=_("the family"),
    )
    assessed_on = forms.DateField(label=_("Assessed on"), widget=DATE)
    phase = forms.ChoiceField(label=_("When"), choices=PHASE_CHOICES)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea)

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, case=case, **kwargs)
        members = Person.objects.filter(household_id=case.household_id).order_by("birth_date")
        self.fields["person"].queryset = members  # type: ignore[attr-defined]
        scale = [(str(score), gettext(text)) for score, text in rehabilitation.SCALE.items()]
        for domain, label in rehabilitation.DOMAINS.items():
            self.fields[domain] = forms.TypedChoiceField(
                label=gettext(label),
                help_text=gettext(rehabilitation.DOMAIN_HINTS[domain]),
                choices=scale,
                coerce=int,
            )
        # the scores before the notes
        self.order_fields(["person", "assessed_on", "phase", *rehabilitation.DOMAINS, "notes"])

    def arguments(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["scores"] = {domain: data.pop(domain) for domain in rehabilitation.DOMAINS}
        return data


class AtensiStepForm(CaseForm):
    step = forms.ChoiceField(
        label=_("Practice step"), choices=lambda: list(ATENSI_STEP_LABELS.items())
    )
    on = forms.DateField(label=_("Date"), widget=DATE)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea)


class ConditionalityForm(CaseForm):
    person = MemberChoiceField(label=_("Member"), queryset=Person.objects.none())
    obligation = forms.ChoiceField(
        label=_("Obligation"),
        choices=[
            # xgettext:no-python-format
            ("school", _("School attendance (% of school days)")),
            ("health", _("Health visits (number in the month)")),
        ],
    )
    month = forms.DateField(label=_("Month"), widget=DATE)
    value = forms.IntegerField(label=_("Attendance (%) or visits"), min_value=0, max_value=100)

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, case=case, **kwargs)
        members = Person.objects.filter(
            household_id=case.household_id, deceased_date__isnull=True
        ).order_by("birth_date")
        self.fields["person"].queryset = members  # type: ignore[attr-defined]


class TrainingForm(CaseForm):
    course = forms.CharField(label=_("Course"), max_length=200)
    provider = forms.CharField(label=_("Training provider"), max_length=200)
    started_on = forms.DateField(label=_("Started on"), widget=DATE)
    ended_on = forms.DateField(label=_("Ended on"), required=False, widget=DATE)
    certificate = forms.CharField(label=_("Certificate number"), required=False, max_length=100)


class PlacementForm(CaseForm):
    employer = forms.CharField(label=_("Employer"), max_length=200)
    started_on = forms.DateField(label=_("Started on"), widget=DATE)
    monthly_wage = RupiahField(label=_("Monthly wage (Rp)"), min_value=0)


def _offer_staff(form: forms.Form, region_code: str) -> None:
    """Social workers and supervisors who cover the family's region, as the form's choices."""
    for name, role in (("social_worker", Role.SOCIAL_WORKER), ("supervisor", Role.SUPERVISOR)):
        field = form.fields[name]
        field.queryset = selectors.staff_covering(region_code, role)  # type: ignore[attr-defined]


class TransferForm(CaseForm):
    social_worker = forms.ModelChoiceField(label=_("Social worker"), queryset=User.objects.none())
    supervisor = forms.ModelChoiceField(
        label=_("Supervisor"), queryset=User.objects.none(), required=False
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, case=case, **kwargs)
        _offer_staff(self, case.region_code)
        self.fields["version"].initial = case.version

    def arguments(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["expected_version"] = data.pop("version")
        return data


class FollowUpForm(CaseForm):
    follow_up = forms.ModelChoiceField(label=_("Visit"), queryset=FollowUp.objects.none())
    notes = forms.CharField(label=_("What the visit found"), widget=forms.Textarea)

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, case=case, **kwargs)
        pending = case.follow_ups.filter(done_on__isnull=True).order_by("due_on")
        self.fields["follow_up"].queryset = pending  # type: ignore[attr-defined]


OPEN_REFERRAL_STATUSES = (Referral.Status.SENT, Referral.Status.ACCEPTED)


class RevokeReferralForm(CaseForm):
    referral = forms.ModelChoiceField(label=_("Referral"), queryset=Referral.objects.none())
    outcome = forms.CharField(label=_("Reason"), widget=forms.Textarea)

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, case=case, **kwargs)
        open_referrals = case.referrals.filter(status__in=OPEN_REFERRAL_STATUSES)
        self.fields["referral"].queryset = open_referrals  # type: ignore[attr-defined]


class EnrolmentForm(CaseForm):
    programme = forms.ChoiceField(
        label=_("Programme"), choices=lambda: [(p, p) for p in services.enrolment_programmes()]
    )
    action = forms.ChoiceField(label=_("Request"), choices=EnrolmentRequest.Action.choices)
    cite_noncompliance = forms.BooleanField(
        label=_("Suspend PKH citing the family's repeated non-compliance"), required=False
    )
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea)

    def clean(self) -> dict[str, Any]:
        """A request the decree maker could only refuse is refused here, at once."""
        data = super().clean() or {}
        programme, action = data.get("programme"), data.get("action")
        if programme and action:
            refused = requests.pointless_request(self.case.household_id, programme, action)
            if refused:
                self.add_error("programme", render_finding(refused))
        return data


# kind → the form that fills it in; ``cases.actions`` has each kind's title and service
RECORD_FORMS: dict[str, type[CaseForm]] = {
    "assessment": AssessmentForm,
    "plan": PlanForm,
    "functioning": FunctioningForm,
    "atensi-step": AtensiStepForm,
    "conditionality": ConditionalityForm,
    "service": ServiceForm,
    "income": IncomeForm,
    "referral": ReferralForm,
    "enrolment": EnrolmentForm,
    "empowerment": EmpowermentForm,
    "training": TrainingForm,
    "placement": PlacementForm,
    "transfer": TransferForm,
    "follow-up": FollowUpForm,
    "revoke-referral": RevokeReferralForm,
    "graduation": GraduationForm,
}


def _records_offered(case: Case) -> list[tuple[str, Any]]:
    """The records the case's stage and track allow, less those with nothing to act on."""
    track = case_track(case)
    allowed = {
        kind
        for kind in records_allowed(Stage(case.stage))
        if not empowerment.record_problems(kind, track)
    }
    if not case.follow_ups.filter(done_on__isnull=True).exists():
        allowed.discard("follow-up")
    if not case.referrals.filter(status__in=OPEN_REFERRAL_STATUSES).exists():
        allowed.discard("revoke-referral")
    return [(kind, action.title) for kind, action in actions.ACTIONS.items() if kind in allowed]


def _case(request: AuthenticatedRequest, pk: int) -> Case:
    try:
        return selectors.case_for(request.user, pk)
    except Case.DoesNotExist:
        raise Http404 from None


CASES_PER_PAGE = 50
# what the case list is called for each role: a district office does not do "my work"
CASE_LIST_TITLES: dict[str, Any] = {
    Role.SOCIAL_WORKER: _("My work"),
    Role.SUPERVISOR: _("Cases of my team"),
    Role.DISTRICT_OFFICE: _("Cases in my region"),
    Role.PROVINCIAL_OFFICE: _("Cases in my region"),
}


@login_required
def my_work(request: AuthenticatedRequest) -> HttpResponse:
    """The cases the user may see, as a list to work from: filters, search, sorting, pages."""
    access.require(request.user, access.CASE_READERS)
    today = date.today()
    region, region_notice = params.scoped_region(request.GET, access.region_prefix(request.user))
    worker = params.integer(request.GET, "worker", 0)
    wanted = selectors.CaseFilter(
        stage=params.choice(request.GET, "stage", [s.value for s in Stage]),
        region=region,
        worker=worker or None,
        overdue=request.GET.get("overdue") == "1",
        extreme_poor=request.GET.get("extreme_poor") == "1",
        query=request.GET.get("q", "").strip()[:100],
        sort=params.sort_key(request.GET, selectors.CASE_SORTS, "due"),
    )
    cases = selectors.case_list(request.user, today, wanted)
    page = Paginator(cases, CASES_PER_PAGE).get_page(params.integer(request.GET, "page", 1))
    context = {
        "title": CASE_LIST_TITLES.get(request.user.role, _("All cases")),
        "work": selectors.my_work(request.user, today),
        "page": page,
        "rows": [presenters.case_row(case, today) for case in page.object_list],
        "wanted": wanted,
        "region_notice": region_notice,
        "stages": [(s.value, stage_label(s)) for s in Stage],
        "workers": selectors.case_workers(request.user),
        "default_sort": "due",
    }
    return render(request, "web/cases/my_work.html", context)


@login_required
def case_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    today = date.today()
    refused: list[str] = []
    form = MoveForm(request.POST or None, request.FILES or None, case=case)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.move_case(
                case=case,
                to_stage=Stage(data["to_stage"]),
                actor=request.user,
                reason=data["reason"],
                evidence=data["evidence"],
                evidence_upload=data["evidence_file"],
                expected_version=data["version"],
                today=today,
                termination_reason=data["termination_reason"],
            )
        except services.TransitionRefused as exc:
            refused = [render_finding(f) for f in exc.findings]
        except services.EditConflict:
            refused = [gettext("Someone else moved this case meanwhile; check the timeline.")]
        else:
            messages.success(
                request,
                gettext("The case moved to %(stage)s.") % {"stage": stage_label(data["to_stage"])},
            )
            return redirect("web:case", pk=case.pk)
    # Assessments, services and the timeline are specific personal data: every read is logged.
    access.log_sensitive_read(request.user, "case", [case.pk], request.path)
    return render(
        request,
        "web/cases/case.html",
        {
            "case": case,
            "head": case.household.members.filter(relationship="head").first(),
            "delivery": delivery.household_delivery(request.user, case.household_id),
            "timeline": selectors.timeline(case),
            "form": form,
            "refused": refused,
            "records": _records_offered(case),
            "check": graduation_check(case, today),
            "file": selectors.case_file(case),
            "approved_graduations": case.graduations.filter(
                status=GraduationRequest.Status.APPROVED
            ),
            "targeting": household_targeting(
                request.user, case.household, list(case.household.members.all())
            ),
            "can_work": access.has_role(request.user, access.CASE_WORKERS),
            "next_moves": [
                (stage_label(stage), [render_finding(f) for f in needs])
                for stage, needs in services.next_moves(case, request.user, today)
            ],
        },
        status=422 if refused else 200,
    )


@login_required
def evidence_file(request: AuthenticatedRequest, pk: int, event_pk: int) -> FileResponse:
    """An evidence file kept on a step of a case the user may see (a sensitive read: logged)."""
    case = _case(request, pk)
    event = case.events.filter(pk=event_pk).exclude(evidence_upload="").first()
    if event is None:
        raise Http404
    try:
        handle = evidence.path(event.evidence_upload).open("rb")
    except FileNotFoundError:
        raise Http404 from None
    access.log_sensitive_read(request.user, "case_event", [event.pk], request.path)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=event.evidence_file or "evidence",
        content_type=evidence.content_type(event.evidence_upload),
    )


GRADUATION_MEANINGS = {
    GraduationType.MANDIRI: _(
        "A mandiri graduation: the family declared in a signed statement that it can meet its "
        "needs without social assistance."
    ),
    GraduationType.ALAMI: _(
        "An alami graduation: no member of the family meets a condition of the programme any more."
    ),
    GraduationType.PAKSA: _(
        "A paksa graduation: verification found the family able to meet its needs, or not "
        "keeping the programme's commitments."
    ),
}


@login_required
def graduation_letter(request: AuthenticatedRequest, pk: int, graduation_pk: int) -> HttpResponse:
    """The approved graduation's statement as PDF, signed by the supervisor who approved it
    (a read of the family's identity: logged)."""
    case = _case(request, pk)
    graduation = (
        case.graduations.filter(pk=graduation_pk, status=GraduationRequest.Status.APPROVED)
        .select_related("proposed_by", "decided_by")
        .first()
    )
    if graduation is None or graduation.decided_on is None or graduation.decided_by is None:
        raise Http404
    head = case.household.members.filter(relationship="head").first()
    access.log_sensitive_read(request.user, "case", [case.pk], request.path)
    head_name, head_nik = "–", "–"
    if head is not None:
        unmasked = privacy.may_read_specific(request.user)
        hidden = privacy.hidden_columns(head, unmasked=unmasked, today=date.today())
        head_name = privacy.MASK if "full_name" in hidden else head.full_name
        head_nik = privacy.MASK if "nik" in hidden else (head.nik or "–")
    signer = graduation.decided_by
    context = {
        "case": case,
        "graduation": graduation,
        "household": case.household,
        "region_path": region_path(case.household.village_id),
        "head_name": head_name,
        "head_nik": head_nik,
        "graduation_type": graduation.get_type_display(),
        "graduation_meaning": GRADUATION_MEANINGS[GraduationType(graduation.type)],
        "proposed_by": graduation.proposed_by.get_full_name() or graduation.proposed_by.username,
        **documents.letter(
            case.region_code,
            serial=graduation.pk,
            code="GRAD",
            on=graduation.decided_on,
            signer_title=documents.on_behalf_of_office(case.region_code),
            signer_name=signer.get_full_name() or signer.username,
        ),
    }
    pdf = documents.render_pdf(request, "documents/graduation_letter.html", context)
    return documents.pdf_response(pdf, f"graduation-{case.pk}-{graduation.pk}.pdf")


@login_required
def case_file(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The case file for the family's folder, as PDF: the family, the stage, everything
    recorded and the timeline (specific personal data: the read is logged)."""
    case = _case(request, pk)
    today = date.today()
    head = case.household.members.filter(relationship="head").first()
    access.log_sensitive_read(request.user, "case", [case.pk], request.path)
    context = {
        "case": case,
        "household": case.household,
        "head": head,
        "region_path": region_path(case.household.village_id),
        "file": selectors.case_file(case),
        "check": graduation_check(case, today),
        "timeline": selectors.timeline(case),
        **documents.letter(
            case.region_code,
            serial=case.pk,
            code="KASUS",
            on=today,
            **documents.signed_by(request.user),
        ),
    }
    pdf = documents.render_pdf(request, "documents/case_file.html", context)
    return documents.pdf_response(pdf, f"case-{case.pk}.pdf")


@login_required
def case_record(request: AuthenticatedRequest, pk: int, kind: str) -> HttpResponse:
    # every record is a case worker's (the services require it): an office reading the case
    # is not shown a form it could not save
    access.require(request.user, access.CASE_WORKERS)
    case = _case(request, pk)
    if kind not in RECORD_FORMS:
        raise Http404
    title, form_class = actions.ACTIONS[kind].title, RECORD_FORMS[kind]
    if kind not in records_allowed(Stage(case.stage)):
        refused = [
            gettext("A case in the stage “%(stage)s” takes no such record.")
            % {"stage": stage_label(case.stage)}
        ]
        context = {"case": case, "title": title, "form": None, "refused": refused}
        return render(request, "web/cases/record.html", context, status=409)
    form = form_class(request.POST or None, case=case)
    refused = []
    if request.method == "POST" and form.is_valid():

        def write() -> str:
            actions.perform(
                kind,
                actor=request.user,
                case=case,
                today=date.today(),
                arguments=form.arguments(),
            )
            messages.success(request, gettext("Saved."))
            return reverse("web:case", args=[case.pk])

        try:
            return submit_once(request, write)
        except services.TransitionRefused as exc:
            refused = [render_finding(f) for f in exc.findings]
        except services.EditConflict:
            refused = [gettext("Someone else changed this case meanwhile; check the timeline.")]
    once = OneTimeKey(request.POST or None)
    context = {"case": case, "title": title, "form": form, "refused": refused, "once": once}
    return render(request, "web/cases/record.html", context)


@login_required
def team(request: AuthenticatedRequest) -> HttpResponse:
    pending, workers = selectors.team(request.user, date.today())
    return render(request, "web/cases/team.html", {"pending": pending, "workers": workers})


@login_required
@require_POST
def decide_graduation(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    access.require(request.user, access.GRADUATION_APPROVERS)
    try:
        grad = GraduationRequest.objects.select_related("case").get(
            pk=pk, case__in=selectors.cases_for(request.user)
        )
    except GraduationRequest.DoesNotExist:
        raise Http404 from None
    approve = request.POST.get("decision") == "approve"
    if approve and request.POST.get("confirmed") != "yes":
        # graduating ends the family's assistance: the supervisor confirms on a page that
        # shows what they approve
        family = grad.case.household.members.filter(relationship="head").first()
        context = {"graduation": grad, "family": family, "version": grad.case.version}
        return render(request, "web/cases/confirm_graduation.html", context)
    try:
        services.decide_graduation(
            actor=request.user,
            request=grad,
            approve=approve,
            reason=request.POST.get("reason", ""),
            expected_version=params.integer(request.POST, "version", grad.case.version),
            today=date.today(),
        )
    except services.TransitionRefused as exc:
        for finding in exc.findings:
            messages.error(request, render_finding(finding))
    except services.EditConflict:
        messages.error(
            request, gettext("Someone else moved this case meanwhile; check the timeline.")
        )
    else:
        decided = gettext("Graduation approved; the social worker is notified.")
        if not approve:
            decided = gettext("Graduation rejected; the social worker is notified.")
        messages.success(request, decided)
    return redirect("web:cases-team")


@login_required
def partner(request: AuthenticatedRequest) -> HttpResponse:
    """A partner agency's referrals: the minimum data, and accept/reject/complete."""
    referrals = selectors.referrals_for_partner(request.user)
    if request.method == "POST":
        try:
            referral = referrals.get(pk=params.integer(request.POST, "referral", 0))
        except Referral.DoesNotExist:
            raise Http404 from None
        try:
            services.update_referral(
                actor=request.user,
                referral=referral,
                status=request.POST.get("status", ""),
                outcome=request.POST.get("outcome", ""),
                today=date.today(),
            )
        except services.TransitionRefused as exc:
            for finding in exc.findings:
                messages.error(request, render_finding(finding))
        except services.EditConflict:
            messages.error(request, gettext("This referral changed meanwhile."))
        return redirect("web:partner")
    rows = [selectors.partner_view(r) for r in referrals[:200]]
    context = {"referrals": rows, "organisation": request.user.organisation}
    return render(request, "web/partner.html", context)


# report → its title on the page; column codes → headings (stage codes stay as they are)
REPORT_TITLES = {
    "stages": _("Cases per stage"),
    "region": _("Journey funnel by region"),
    "cluster": _("Journey funnel by cluster"),
    "durations": _("Median time in each stage (days)"),
    "graduation_year": _("Graduation rate per year"),
    "graduation_worker": _("Graduation rate per social worker"),
    "referrals": _("Referral uptake per partner programme"),
    "reentry": _("Re-entry after leaving support"),
    "functioning": _("Change in social functioning (first and latest score, 1–5 a domain)"),
}
REPORT_HEADINGS = {
    "stage": _("Stage"),
    "cases": _("Cases"),
    "level": pgettext_lazy("region", "Level"),
    "code": _("Code"),
    "name": _("Name"),
    "total": _("Total"),
    "cluster": _("Cluster"),
    "stays": _("Stays"),
    "median_days": _("Median days"),
    "year": _("Year"),
    "handled": _("Cases handled"),
    "graduated": _("Graduated"),
    "rate": _("Rate"),
    "username": _("Username"),
    "social_worker": _("Social worker"),
    "organisation": _("Partner agency"),
    "programme": _("Programme"),
    "referred": _("Referred"),
    "now_sent": _("Waiting"),
    "now_accepted": _("Accepted"),
    "now_rejected": _("Rejected"),
    "now_completed": _("Completed"),
    "now_revoked": _("Revoked"),
    "uptake": _("Uptake"),
    "left_as": _("Left support as"),
    "reentered": _("Re-entered"),
    "domain": _("Domain"),
    "measured": _("Persons measured twice or more"),
    "mean_first": _("First score (mean)"),
    "mean_latest": _("Latest score (mean)"),
    "mean_change": _("Change (mean)"),
    "improved": _("Improved"),
}


def _cell(value: object) -> str:
    return "" if value is None else str(value)


REGION_LEVELS = {
    "province": _("province"),
    "regency": _("regency or city"),
    "district": _("district"),
    "village": _("village"),
}


def _shown(column: str, value: object) -> str:
    """A report cell as the page shows it: stages and levels in words, shares as percentages
    (the CSV keeps codes and shares for other programs)."""
    if value is None:
        return ""
    if column in ("stage", "left_as"):
        return stage_label(str(value))
    if column == "level":
        return str(REGION_LEVELS.get(str(value), value))
    if column == "domain":
        return gettext(rehabilitation.DOMAINS.get(str(value), "Total"))
    if column in ("rate", "uptake", "improved"):
        return f"{number_format(float(str(value)) * 100, decimal_pos=1, use_l10n=True)}%"
    if isinstance(value, int):
        return number_format(value, use_l10n=True, force_grouping=True)
    if isinstance(value, float):
        return number_format(value, decimal_pos=2, use_l10n=True)
    return str(value)


@login_required
def report(request: AuthenticatedRequest) -> HttpResponse:
    access.require(request.user, access.CASE_READERS)
    today = date.today()
    tables = []
    for name, build in reports.REPORTS.items():
        table = build(request.user, today)
        headings = [REPORT_HEADINGS.get(c) or stage_label(c) for c in table.columns]
        rows = [
            {
                "key": "-".join(
                    _cell(v) for v in row[: 2 if name in ("region", "referrals") else 1]
                ),
                "cells": [_shown(c, v) for c, v in zip(table.columns, row, strict=True)],
            }
            for row in table.rows
        ]
        tables.append(
            {"name": name, "title": REPORT_TITLES[name], "headings": headings, "rows": rows}
        )
    return render(request, "web/cases/report.html", {"tables": tables})


@login_required
def report_csv(request: AuthenticatedRequest, name: str = "stages") -> StreamingHttpResponse:
    access.require(request.user, access.CASE_READERS)
    if name not in reports.REPORTS:
        raise Http404
    table = reports.REPORTS[name](request.user, date.today())

    def values() -> Iterator[list[str]]:
        yield list(table.columns)
        for row in table.rows:
            yield [_cell(v) for v in row]

    filename = "journey-stages.csv" if name == "stages" else f"journey-{name}.csv"
    return csv_download(values(), filename)


class OpenCaseForm(forms.Form):
    social_worker = forms.ModelChoiceField(label=_("Social worker"), queryset=User.objects.none())
    supervisor = forms.ModelChoiceField(
        label=_("Supervisor"), queryset=User.objects.none(), required=False
    )

    def __init__(self, *args: Any, region_code: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _offer_staff(self, region_code)


@login_required
def open_case(request: AuthenticatedRequest, household_pk: int) -> HttpResponse:
    """Open a case for a household (from its page) and hand it to a social worker."""
    from sejahtera.registry import selectors as registry_selectors
    from sejahtera.registry.models import Household

    access.require(request.user, access.CASE_OPENERS)
    try:
        household = registry_selectors.household_for(request.user, household_pk)
    except Household.DoesNotExist:
        raise Http404 from None
    form = OpenCaseForm(request.POST or None, region_code=household.village_id)
    refused: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            case = services.open_case(
                actor=request.user,
                household=household,
                social_worker=form.cleaned_data["social_worker"],
                supervisor=form.cleaned_data["supervisor"],
                today=date.today(),
            )
        except services.TransitionRefused as exc:
            refused = [render_finding(f) for f in exc.findings]
        else:
            messages.success(request, gettext("Case opened."))
            return redirect("web:case", pk=case.pk)
    context = {"household": household, "form": form, "refused": refused}
    return render(request, "web/cases/open.html", context)
