"""Targeting pages: runs, a run's figures, diff between runs, what-if simulations, error audit.

Figures are always within the user's region (``access.region_prefix``); starting runs and
simulations is for analysts and administrators.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import tomlkit.exceptions
from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from sejahtera.accounts import access
from sejahtera.domain.findings import gettext_noop
from sejahtera.domain.money import parse_rupiah
from sejahtera.domain.targeting.rules import PROGRAMME_CODES, RulesError
from sejahtera.domain.targeting.runs import RunRefused
from sejahtera.domain.targeting.settings import SettingKind, TunableSetting
from sejahtera.i18n import render_refusal
from sejahtera.labels import setting_label
from sejahtera.programmes import selectors as delivery
from sejahtera.targeting import reports, rules, selectors, tasks
from sejahtera.targeting.limits import LimitsInvalid, merged_limits, parse_limits_text
from sejahtera.targeting.models import TargetingRun
from sejahtera.web import params
from sejahtera.web.downloads import csv_download
from sejahtera.web.forms import RunChoiceField, RupiahField, iso_date_input
from sejahtera.web.http import AuthenticatedRequest

MAX_RULES_BYTES = 200_000


class RunForm(forms.Form):
    as_of = forms.DateField(label=_("Reference date"), widget=iso_date_input())
    engine = forms.ChoiceField(label=_("Engine"), choices=TargetingRun.Engine.choices)
    limits_file = forms.FileField(
        label=_("Quotas and budgets (TOML, optional)"),
        required=False,
        help_text=_("One table per programme: [PKH] budget = 5_000_000_000, quotas = {…}."),
    )

    def clean_limits_file(self) -> dict[str, Any]:
        upload = self.cleaned_data.get("limits_file")
        if upload is None:
            return {}
        if upload.size > MAX_RULES_BYTES:
            raise forms.ValidationError(_("The limits file is too large."))
        try:
            return parse_limits_text(upload.read().decode("utf-8"))
        except UnicodeDecodeError:
            raise forms.ValidationError(_("The limits file is not UTF-8 text.")) from None
        except LimitsInvalid as invalid:
            raise forms.ValidationError(render_refusal(invalid)) from None


class WhatIfForm(forms.Form):
    """The what-if form: the date, the run to compare with, a field for every number of the
    rules (``settings``), and the whole rules as TOML for changes beyond numbers. A number the
    user changed is written into the rules, submitted or uploaded, that it came from."""

    as_of = forms.DateField(label=_("Reference date"), widget=iso_date_input())
    base_run = RunChoiceField(
        label=_("Compare with run"), queryset=TargetingRun.objects.none(), empty_label=None
    )
    rules_file = forms.FileField(label=_("Rules file (TOML)"), required=False)
    rules_text = forms.CharField(
        label=_("or the rules, pasted or edited"),
        required=False,
        max_length=MAX_RULES_BYTES,  # as an uploaded file
        widget=forms.Textarea(attrs={"rows": 18, "spellcheck": "false"}),
    )

    def __init__(self, *args: Any, settings: list[TunableSetting], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["base_run"].queryset = TargetingRun.objects.filter(  # type: ignore[attr-defined]
            status=TargetingRun.Status.COMPLETED, is_simulation=False
        )
        self.settings = {f"setting-{'.'.join(map(str, s.path))}": s for s in settings}
        for name, setting in self.settings.items():
            self.fields[name] = _setting_field(setting)

    def setting_groups(self) -> list[tuple[str, list[forms.BoundField]]]:
        """The setting fields by programme, in the rules' order."""
        groups: dict[str, list[forms.BoundField]] = {}
        for name, setting in self.settings.items():
            groups.setdefault(setting.programme, []).append(self[name])
        return list(groups.items())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("rules_file")
        if upload is not None:
            if upload.size > MAX_RULES_BYTES:
                raise forms.ValidationError(_("The rules file is too large."))
            try:
                data["rules_text"] = upload.read().decode("utf-8")
            except UnicodeDecodeError:
                raise forms.ValidationError(_("The rules file is not UTF-8 text.")) from None
        if not data.get("rules_text", "").strip():
            raise forms.ValidationError(_("Upload a rules file or paste the rules."))
        changes = {
            self.settings[name].path: data[name]
            for name in self.changed_data
            if name in self.settings and data.get(name) is not None
        }
        try:
            data["rules_text"] = rules.rules_with_settings(data["rules_text"], changes)
            rules.parse_rules(data["rules_text"], source="rules")
        except (RulesError, tomlkit.exceptions.ParseError) as invalid:
            # The loader's message lists every problem with its key path.
            raise forms.ValidationError(str(invalid)) from None
        return data


def _setting_field(setting: TunableSetting) -> forms.Field:
    label = setting_label(setting.key)
    if setting.component:
        label = f"{setting.component}: {label}"
    low, high = setting.bounds
    # Left empty, a number keeps the rules' value.
    common: dict[str, Any] = {"label": label, "initial": setting.value, "required": False}
    if setting.kind is SettingKind.DECILE:
        deciles = [(d, d) for d in range(low, high + 1)]
        return forms.TypedChoiceField(choices=deciles, coerce=int, empty_value=None, **common)
    if setting.kind is SettingKind.AMOUNT:
        return RupiahField(min_value=low, max_value=high, **common)
    return forms.IntegerField(min_value=low, max_value=high, **common)


def _run(request: AuthenticatedRequest, pk: int) -> TargetingRun:
    try:
        return selectors.run_for(request.user, pk)
    except TargetingRun.DoesNotExist:
        raise Http404 from None


@login_required
def runs(request: AuthenticatedRequest) -> HttpResponse:
    listed = selectors.runs_for(request.user)
    can_run = access.has_role(request.user, access.TARGETING_RUNNERS)
    form = RunForm(
        request.POST or None,
        request.FILES or None,
        initial={"as_of": date.today(), "engine": "duckdb"},
    )
    if request.method == "POST":
        access.require(request.user, access.TARGETING_RUNNERS)
        if form.is_valid():
            try:
                limits = merged_limits(form.cleaned_data["limits_file"], _budgets_typed(request))
                run = tasks.start_run(
                    request.user,
                    form.cleaned_data["as_of"],
                    engine=form.cleaned_data["engine"],
                    limits=limits,
                )
            except RunRefused as refused:
                form.add_error("as_of", render_refusal(refused))
            except LimitsInvalid as invalid:
                form.add_error(None, render_refusal(invalid))
            else:
                return redirect("web:targeting-run", pk=run.pk)
    return render(
        request,
        "web/targeting/runs.html",
        {
            "runs": listed[:100],
            "form": form,
            "can_run": can_run,
            "current": selectors.latest_run(),
            "budgets": _budgets(request, rules.default_rules_text()),
        },
    )


@login_required
@require_GET
def run_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    run = _run(request, pk)
    partial = request.headers.get("HX-Request") == "true"
    context: dict[str, Any] = {"run": run, "programme_codes": selectors.programme_codes(run)}
    if run.status == TargetingRun.Status.COMPLETED:
        context |= selectors.run_figures(request.user, run) | {
            "previous": selectors.previous_run(run),
            "can_run": access.has_role(request.user, access.TARGETING_RUNNERS),
        }
    template = "web/targeting/_status.html" if partial else "web/targeting/run.html"
    return render(request, template, context)


def _base(request: AuthenticatedRequest, run: TargetingRun) -> TargetingRun:
    """The run to compare with: ?base=, else the simulation's base, else the previous run."""
    if request.GET.get("base"):
        return _run(request, params.integer(request.GET, "base", 0))
    base = run.base_run or selectors.previous_run(run)
    if base is None:
        raise Http404
    return base


@login_required
@require_GET
def run_diff(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    run = _run(request, pk)
    base = _base(request, run)
    changes: dict[str, list[reports.Change]] = {p: [] for p in selectors.programme_codes(base, run)}
    listed = reports.read_changes(
        request.user, base, run, request.get_full_path(), limit=reports.LIST_LIMIT
    )
    for change in listed:
        changes[change.programme].append(change)
    diff = reports.diff(request.user, base, run)
    context = {"diff": diff, "changes": changes, "limit": reports.LIST_LIMIT}
    return render(request, "web/targeting/diff.html", context)


@login_required
@require_GET
def run_diff_csv(request: AuthenticatedRequest, pk: int) -> StreamingHttpResponse:
    run = _run(request, pk)
    base = _base(request, run)
    return csv_download(
        reports.diff_rows(request.user, base, run, request.get_full_path()),
        f"targeting-diff-{base.pk}-{run.pk}.csv",
    )


@login_required
def whatif(request: AuthenticatedRequest) -> HttpResponse:
    access.require(request.user, access.TARGETING_RUNNERS)
    current = selectors.latest_run()
    rules_text = current.rules_text if current else rules.default_rules_text()
    initial = {"as_of": date.today(), "rules_text": rules_text, "base_run": current}
    form = WhatIfForm(
        request.POST or None,
        request.FILES or None,
        initial=initial,
        settings=rules.tunable_settings_of(rules_text),
    )
    if request.method == "POST" and form.is_valid():
        try:
            run = tasks.start_run(
                request.user,
                form.cleaned_data["as_of"],
                rules_text=form.cleaned_data["rules_text"],
                simulation=True,
                base_run=form.cleaned_data["base_run"],
                limits=merged_limits({}, _budgets_typed(request)),
            )
        except RunRefused as refused:
            form.add_error("as_of", render_refusal(refused))
        except LimitsInvalid as invalid:
            form.add_error(None, render_refusal(invalid))
        else:
            return redirect("web:targeting-compare", pk=run.pk)
    return render(
        request,
        "web/targeting/whatif.html",
        {"form": form, "current": current, "budgets": _budgets(request, rules_text)},
    )


@login_required
@require_POST
def whatif_budgets(request: AuthenticatedRequest) -> HttpResponse:
    """The budget fields for the programmes of the rules being edited (htmx)."""
    access.require(request.user, access.TARGETING_RUNNERS)
    budgets = _budgets(request, request.POST.get("rules_text", ""))
    return render(request, "web/targeting/_budgets.html", {"budgets": budgets})


def _budgets(request: AuthenticatedRequest, rules_text: str) -> list[tuple[str, str]]:
    """(programme, budget entered) for every programme of ``rules_text`` — the built-in ones
    while the text is not (yet) valid rules — keeping what the user typed."""
    try:
        codes = rules.parse_rules(request.POST.get("rules_text") or rules_text).programme_codes
    except RulesError:
        codes = PROGRAMME_CODES
    return [(code, request.POST.get(f"budget_{code}", "")) for code in codes]


def _budgets_typed(request: AuthenticatedRequest) -> dict[str, int]:
    """Budget ceilings typed in a form (budget_<PROGRAMME>, whole rupiah a year); the run's
    rules say which programmes exist."""
    budgets: dict[str, int] = {}
    for field in request.POST:
        programme = field.removeprefix("budget_")
        text = request.POST.get(field, "").strip()
        if field.startswith("budget_") and text:
            try:
                budgets[programme] = parse_rupiah(text)
            except ValueError:
                raise LimitsInvalid(
                    gettext_noop("{field}: the budget must be whole rupiah"), field=programme
                ) from None
    return budgets


@login_required
@require_GET
def run_compare(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    run = _run(request, pk)
    if run.status != TargetingRun.Status.COMPLETED:
        return render(request, "web/targeting/run.html", {"run": run})
    base = _base(request, run)
    return render(
        request,
        "web/targeting/compare.html",
        {"comparison": reports.compare(request.user, base, run)},
    )


@login_required
@require_GET
def run_compare_csv(request: AuthenticatedRequest, pk: int) -> StreamingHttpResponse:
    run = _run(request, pk)
    base = _base(request, run)
    comparison = reports.compare(request.user, base, run)
    return csv_download(
        reports.comparison_rows(comparison), f"targeting-whatif-{base.pk}-{run.pk}.csv"
    )


@login_required
@require_GET
def run_audit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    run = _run(request, pk)
    context = {
        "audit": reports.audit(request.user, run),
        "delivery": delivery.delivery_checks(request.user, run),
    }
    return render(request, "web/targeting/audit.html", context)


@login_required
@require_GET
def run_audit_csv(request: AuthenticatedRequest, pk: int) -> StreamingHttpResponse:
    run = _run(request, pk)
    return csv_download(
        reports.audit_rows(request.user, run, request.get_full_path()),
        f"targeting-audit-{run.pk}.csv",
    )
