"""The public pages (no sign-in): check a household's status ("cek bansos"), propose a family
(usul mandiri), file a complaint, and follow one by its tracking number. Built for a cheap
phone on a slow connection: plain forms, no scripts beyond htmx for the region lists.

Every page that answers about a NIK asks a sum first and counts requests per client and per
NIK; the status page gives one answer for "no such NIK" and for "the name does not match"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_GET

from sejahtera.domain.findings import StepRefused
from sejahtera.domain.participation import parse_tracking_number
from sejahtera.grievances import corrections, selectors
from sejahtera.i18n import render_finding
from sejahtera.registry.models import Person, Region
from sejahtera.registry.services.records import RecordInvalid
from sejahtera.targeting import reviews
from sejahtera.targeting.selectors import latest_run, rules_of
from sejahtera.web.participation_forms import (
    ComplaintForm,
    CorrectionForm,
    DecisionObjectionForm,
    NewFamily,
    StatusForm,
    TrackForm,
    file_complaint,
)
from sejahtera.web.public_guard import ChallengeForm, allow, client_address


def _limited(request: HttpRequest) -> bool:
    """Whether this client is over its limit (every post counts, solved or not)."""
    return not allow("client", client_address(request), settings.SEJAHTERA_PUBLIC_RATE)


def _nik_limited(nik: str) -> bool:
    """Whether this NIK has been looked up too often. Counted only once the sum is solved,
    so that nobody locks a citizen out with unsolved posts."""
    return not allow("nik", nik, settings.SEJAHTERA_PUBLIC_NIK_RATE)


def _too_many(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    """The page again, with what was typed (a long complaint is not lost), saying why nothing
    was done; the sum shown is a new one."""
    messages.error(
        request,
        gettext(
            "This page has been asked too often from your connection or about this NIK: nothing "
            "was sent. What you typed is kept below; try again in an hour, or ask your village "
            "office."
        ),
    )
    return render(request, template, context, status=429)


@require_GET
def services(request: HttpRequest) -> HttpResponse:
    return render(request, "web/public/services.html")


def check_status(request: HttpRequest) -> HttpResponse:
    form = StatusForm(request.POST or None)
    challenge = ChallengeForm(request.POST or None)
    context: dict[str, Any] = {"form": form, "challenge": challenge}
    if request.method == "POST":
        if _limited(request):
            return _too_many(request, "web/public/status.html", context)
        if form.is_valid() and challenge.is_valid():
            if _nik_limited(form.cleaned_data["nik"]):
                return _too_many(request, "web/public/status.html", context)
            found = selectors.citizen_status(
                form.cleaned_data["nik"], form.cleaned_data["name"], path=request.path
            )
            context |= {"answered": True, "status": found}
            form = StatusForm()
            context["form"] = form
    return render(request, "web/public/status.html", context)


def track(request: HttpRequest) -> HttpResponse:
    form = TrackForm(request.POST or None)
    challenge = ChallengeForm(request.POST or None)
    context: dict[str, Any] = {"form": form, "challenge": challenge}
    if request.method == "POST":
        if _limited(request):
            return _too_many(request, "web/public/track.html", context)
        if form.is_valid() and challenge.is_valid():
            number, nik = form.cleaned_data["number"], form.cleaned_data["nik"]
            if _nik_limited(nik):
                return _too_many(request, "web/public/track.html", context)
            item = selectors.tracked_by_number(*number, nik=nik, name=form.cleaned_data["name"])
            context |= {"answered": True, "items": [item] if item else []}
    return render(request, "web/public/track.html", context)


def propose(request: HttpRequest) -> HttpResponse:
    data, files = (request.POST, request.FILES) if request.method == "POST" else (None, None)
    family, challenge = NewFamily(data, files), ChallengeForm(data)
    context: dict[str, Any] = family.context() | {"challenge": challenge}
    context |= region_lists(chosen_region(request.POST or request.GET))
    if request.method == "POST":
        if _limited(request):
            context["photo_again"] = bool(request.FILES.get("photo"))
            return _too_many(request, "web/public/propose.html", context)
        if all([challenge.is_valid(), family.is_valid()]):
            try:
                proposal = family.submit(date.today())
            except RecordInvalid as invalid:
                family.show(invalid)
            except StepRefused as refused:
                context["refused"] = [render_finding(f) for f in refused.findings]
            else:
                return _filed(request, challenge, proposal.tracking_number)
        elif number := challenge.filed_before():
            return _filed(request, challenge, number)
        # a page sent back keeps what was typed but never a file: say so beside the photo
        context["photo_again"] = bool(request.FILES.get("photo"))
    return render(request, "web/public/propose.html", context, status=_status(context))


def complain(request: HttpRequest) -> HttpResponse:
    form = ComplaintForm(request.POST or None)
    challenge = ChallengeForm(request.POST or None)
    context: dict[str, Any] = {"form": form, "challenge": challenge} | region_lists(
        chosen_region(request.POST or request.GET)
    )
    if request.method == "POST":
        if _limited(request):
            return _too_many(request, "web/public/complain.html", context)
        if all([challenge.is_valid(), form.is_valid()]):
            try:
                complaint = file_complaint(form, date.today())
            except StepRefused as refused:
                context["refused"] = [render_finding(f) for f in refused.findings]
            else:
                return _filed(request, challenge, complaint.tracking_number)
        elif number := challenge.filed_before():
            return _filed(request, challenge, number)
    return render(request, "web/public/complain.html", context, status=_status(context))


@dataclass(frozen=True)
class _Asking:
    nik: str
    name: str
    person: Person | None  # the living or dead person of that NIK and name, if any


def _person_asking(
    request: HttpRequest,
    form: forms.Form,
    challenge: ChallengeForm,
    page: tuple[str, dict[str, Any]],
) -> HttpResponse | _Asking | None:
    """The steps every page takes where a person asks about themselves by NIK and name: the
    client's limit, the sum and the form, the NIK's own limit (counted once the sum is
    solved). An answer to give at once (too many requests: ``page``, the template and context,
    again; the same form posted again), who asks and the person found, or None when the form
    or the sum needs correcting."""
    if _limited(request):
        return _too_many(request, *page)
    if not all([challenge.is_valid(), form.is_valid()]):
        number = challenge.filed_before()
        return _filed(request, challenge, number) if number else None
    nik, name = form.cleaned_data["nik"], form.cleaned_data["name"]
    if _nik_limited(nik):
        return _too_many(request, *page)
    return _Asking(nik, name, selectors.person_by_identity(nik, name))


def correct(request: HttpRequest) -> HttpResponse:
    """A person asks that their own name, sex, birth date or birth place be corrected."""
    form = CorrectionForm(request.POST or None)
    challenge = ChallengeForm(request.POST or None)
    context: dict[str, Any] = {"form": form, "challenge": challenge}
    if request.method == "POST":
        asking = _person_asking(request, form, challenge, ("web/public/correct.html", context))
        if isinstance(asking, HttpResponse):
            return asking
        if asking is not None:
            try:
                if asking.person is None:
                    context["unknown"] = True
                else:
                    request_made = corrections.request_correction(
                        person=asking.person,
                        requester_name=asking.name,
                        requester_nik=asking.nik,
                        description=form.cleaned_data["description"],
                        cells=form.corrected(),
                        received_on=date.today(),
                    )
                    return _filed(request, challenge, request_made.tracking_number)
            except RecordInvalid as invalid:
                form.add_findings([f for found in invalid.members.values() for f in found])
            except StepRefused as refused:
                context["refused"] = [render_finding(f) for f in refused.findings]
    status = 400 if context.get("unknown") else _status(context)
    return render(request, "web/public/correct.html", context, status=status)


def object_to_decision(request: HttpRequest) -> HttpResponse:
    """A person objects to a targeting decision about them (UU 27/2022): a person of the social
    office reviews it; the outcome is followed by tracking number."""
    run = latest_run()
    if run is None:  # nothing decided yet, nothing to object to: the page says so
        return render(request, "web/public/object.html", {"decided": False})
    form = DecisionObjectionForm(request.POST or None, programmes=rules_of(run).programme_codes)
    challenge = ChallengeForm(request.POST or None)
    context: dict[str, Any] = {"form": form, "challenge": challenge, "decided": True}
    if request.method == "POST":
        asking = _person_asking(request, form, challenge, ("web/public/object.html", context))
        if isinstance(asking, HttpResponse):
            return asking
        if asking is not None:
            person, decision = asking.person, None
            if person is not None and person.deceased_date is None:
                decision = reviews.current_decision_of(person, form.cleaned_data["programme"])
            try:
                if decision is None:
                    raise StepRefused([])
                review = reviews.request_review(
                    actor=None,
                    decision=decision,
                    requester_name=asking.name,
                    requester_nik=asking.nik,
                    requester_phone=form.cleaned_data["phone"],
                    grounds=form.cleaned_data["grounds"],
                )
            except StepRefused:
                # One answer for every refusal: no such person or decision, one cut by a quota,
                # one already under review. Each would tell whoever knows a NIK and a name
                # something of the person's decisions.
                context["unknown"] = True
            else:
                return _filed(request, challenge, review.tracking_number)
    status = 400 if context.get("unknown") else _status(context)
    return render(request, "web/public/object.html", context, status=status)


# What the person does next, where it is more than following the tracking number.
NEXT_STEPS = {
    "decision_review": gettext_lazy(
        "Before anyone reviews it, the social office checks that it is you: it calls the "
        "phone number you gave, or, without one, you go to your village office or the social "
        "office with your KTP and this tracking number."
    ),
}


def _filed(
    request: HttpRequest, challenge: ChallengeForm, tracking_number: str | None
) -> HttpResponse:
    """The tracking number of what was filed and what comes next; the same form posted again
    answers the same."""
    challenge.remember(tracking_number or "")
    parsed = parse_tracking_number(tracking_number or "")
    return render(
        request,
        "web/public/filed.html",
        {
            "item": {"tracking_number": tracking_number},
            "next_step": NEXT_STEPS.get(parsed[0]) if parsed else None,
        },
    )


def _status(context: dict[str, Any]) -> int:
    bound = [f for f in context.values() if isinstance(f, forms.Form | forms.BaseFormSet)]
    failed = any(f.is_bound and not f.is_valid() for f in bound) or bool(context.get("refused"))
    return 400 if failed else 200


CODE_LENGTHS = (2, 4, 6, 10)  # province, regency, district, village


def chosen_region(data: QueryDict, default: str = "") -> str:
    """The region a form's lists open to: its village, else the deepest of the lists above it
    chosen in order (a phone without JavaScript sends them to open the next list), else
    ``default`` (a staff member's own region)."""
    village = data.get("village", "")
    if len(village) == 10 and village.isdigit():
        return village
    code = ""
    for value, length in zip(data.getlist("parent"), CODE_LENGTHS, strict=False):
        if not (len(value) == length and value.isdigit() and value.startswith(code)):
            break
        code = value
    return code or default


def region_lists(chosen: str) -> dict[str, Any]:
    """The four region lists of a form, opened down to the region chosen (any level), so that
    a form shown again keeps the choice."""
    known = chosen.isdigit() and len(chosen) in CODE_LENGTHS
    ancestry = [chosen[:length] for length in CODE_LENGTHS if known and length <= len(chosen)]
    lists = [Region.objects.filter(level="province")]
    for parent in ancestry[:3]:
        lists.append(Region.objects.filter(parent_id=parent))
    lists += [Region.objects.none()] * (4 - len(lists))
    chosen_codes = ancestry + [""] * (4 - len(ancestry))
    return {
        "region_lists": list(
            zip(("province", "regency", "district", "village"), lists, chosen_codes, strict=True)
        )
    }


@require_GET
def regions(request: HttpRequest) -> HttpResponse:
    """The options of the next region list (htmx): the children of the region chosen."""
    parent = request.GET.get("parent", "")
    if not (parent.isdigit() and len(parent) in (2, 4, 6)):
        parent = ""
    children = Region.objects.filter(parent_id=parent) if parent else Region.objects.none()
    return render(request, "web/public/_region_options.html", {"regions": children})
