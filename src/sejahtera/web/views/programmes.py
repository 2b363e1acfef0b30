"""Programme delivery pages: decrees prepared from a targeting run, read as a diff by region,
approved or rejected by a second person."""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from sejahtera.accounts import access
from sejahtera.domain.delivery import (
    DEFAULT_CALENDARS,
    Change,
    CycleRefused,
    FourEyesViolation,
    Reason,
)
from sejahtera.programmes import cycles, selectors, services
from sejahtera.programmes.models import Cycle, Decree
from sejahtera.registry.models import Region
from sejahtera.targeting import selectors as targeting
from sejahtera.web import params
from sejahtera.web.forms import RunChoiceField, iso_date_input
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
    form = PrepareDecreeForm(request.POST or None, initial={"period_start": date.today()})
    if request.method == "POST":
        access.require(request.user, access.DECREE_MAKERS)
        if form.is_valid():
            data = form.cleaned_data
            try:
                decree = services.prepare_decree(
                    request.user, data["programme"], data["period_start"], data["run"]
                )
            except services.DecreeRefused as refused:
                form.add_error(None, str(refused))
            else:
                return redirect("web:decree", pk=decree.pk)
    context = {"decrees": listed[:100], "form": form, "can_prepare": can_prepare}
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
    for line in page:
        line.change_label = CHANGE_LABELS.get(Change(line.change), line.change)  # type: ignore[attr-defined]
        line.reason_label = REASON_LABELS.get(Reason(line.reason), "") if line.reason else ""  # type: ignore[attr-defined]
    regions = selectors.decree_regions(request.user, decree, parent)
    names = dict(
        Region.objects.filter(code__in=[r["code"] for r in regions]).values_list("code", "name")
    )
    for region in regions:
        region["name"] = names.get(str(region["code"]), region["code"])
    context = {
        "decree": decree,
        "regions": regions,
        "parent": parent,
        "change": change,
        "changes": [(c.value, CHANGE_LABELS[c]) for c in Change],
        "page": page,
        "may_decide": decree.status == Decree.Status.DRAFT
        and access.has_role(request.user, access.DECREE_MAKERS)
        and decree.prepared_by_id != request.user.pk,
        "reject_form": RejectForm(),
    }
    return render(request, "web/programmes/decree.html", context)


@login_required
@require_POST
def decide_decree(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    decree = _decree(request, pk)
    try:
        if request.POST.get("decision") == "approve":
            services.approve_decree(request.user, decree)
            messages.success(request, gettext("Decree approved: the enrolments follow it."))
        else:
            form = RejectForm(request.POST)
            reason = form.data.get("reason", "")
            services.reject_decree(request.user, decree, str(reason))
            messages.success(request, gettext("Decree rejected."))
    except FourEyesViolation:
        messages.error(request, gettext("You prepared this decree: a second person approves it."))
    except services.DecreeRefused as refused:
        messages.error(request, str(refused))
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
                cycle = cycles.open_cycle(request.user, data["programme"], data["period_start"])
            except CycleRefused as refused:
                form.add_error(None, str(refused))
            else:
                return redirect("web:cycle", pk=cycle.pk)
    context = {
        "cycles": listed[:100],
        "form": form,
        "can_open": access.has_role(request.user, access.DECREE_MAKERS),
    }
    return render(request, "web/programmes/cycles.html", context)


@login_required
def cycle_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    try:
        cycle = selectors.cycles_for(request.user).get(pk=pk)
    except Cycle.DoesNotExist:
        raise Http404 from None
    regions = selectors.cycle_regions(request.user, cycle)
    names = dict(
        Region.objects.filter(code__in=[r["code"] for r in regions]).values_list("code", "name")
    )
    for region in regions:
        region["name"] = names.get(str(region["code"]), region["code"])
    return render(request, "web/programmes/cycle.html", {"cycle": cycle, "regions": regions})


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
REASON_LABELS = {
    Reason.NOT_ELIGIBLE: _("no longer eligible"),
    Reason.LIMIT: _("left out by a quota or the budget"),
    Reason.DECEASED: _("deceased"),
    Reason.GRADUATED: _("graduated"),
    Reason.DUPLICATE_REVIEW: _("possible duplicate under review"),
    Reason.MOVED: _("moved"),
    Reason.FREED_PLACE: _("takes a place that was freed"),
}
