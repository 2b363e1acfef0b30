"""The review queue of possible duplicates: offices review the pairs of their region, side by
side with the evidence, and record a verdict with its reason; administrators may confirm in bulk
above a match probability."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sejahtera.accounts import access
from sejahtera.registry import privacy, selectors
from sejahtera.registry.models import DuplicateCandidate
from sejahtera.registry.services.deduplication import (
    ReviewRefused,
    confirm_above,
    live_merge,
    merge_pair,
    review_duplicate,
    unmerge,
)
from sejahtera.web import params, presenters
from sejahtera.web.forms import BulkConfirmForm, DuplicateReviewForm, MergeForm, UnmergeForm
from sejahtera.web.http import AuthenticatedRequest

PAIRS_PER_PAGE = 50
STATUSES = [s.value for s in DuplicateCandidate.Status]


@login_required
def queue(request: AuthenticatedRequest) -> HttpResponse:
    status = params.choice(request.GET, "status", STATUSES) or DuplicateCandidate.Status.OPEN
    pairs = selectors.review_queue(request.user, status)
    page = Paginator(pairs, PAIRS_PER_PAGE).get_page(params.integer(request.GET, "page", 1))
    may_bulk = access.has_role(request.user, access.DUPLICATE_BULK_CONFIRMERS)
    today, unmasked = date.today(), privacy.may_read_specific(request.user)
    shown = [(c.person, c.other) for c in page]
    privacy.log_reads(request.user, [p for both in shown for p in both], request.path)
    return render(
        request,
        "web/registry/duplicates.html",
        {
            "page": page,
            "rows": [
                (
                    candidate,
                    privacy.visible_name(candidate.person, unmasked=unmasked, today=today),
                    privacy.visible_name(candidate.other, unmasked=unmasked, today=today),
                )
                for candidate in page
            ],
            "status": status,
            "statuses": DuplicateCandidate.Status.choices,
            "bulk_form": BulkConfirmForm(initial={"threshold": 0.99}) if may_bulk else None,
        },
    )


@login_required
def pair(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    candidate = _candidate(request, pk)
    form = DuplicateReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            review_duplicate(
                request.user,
                candidate.pk,
                same_person=form.cleaned_data["verdict"] == "same",
                note=form.cleaned_data["note"],
            )
        except ReviewRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("Review recorded."))
            return redirect(reverse("web:duplicates"))
    today = date.today()
    unmasked = privacy.may_read_specific(request.user)
    rows, evidence = presenters.duplicate_pair(candidate, unmasked=unmasked, today=today)
    privacy.log_reads(request.user, [candidate.person, candidate.other], request.path)
    merge = live_merge(candidate)
    mergeable = merge is None and candidate.status != DuplicateCandidate.Status.DIFFERENT_PERSONS
    return render(
        request,
        "web/registry/duplicate.html",
        {
            "candidate": candidate,
            "pair_persons": (candidate.person, candidate.other),
            "rows": rows,
            "evidence": evidence,
            "form": form,
            "merge": merge,
            "merge_form": _merge_form(candidate, unmasked=unmasked) if mergeable else None,
            "unmerge_form": UnmergeForm() if merge else None,
            "group": [
                (
                    other,
                    privacy.visible_name(other.person, unmasked=unmasked, today=today),
                    privacy.visible_name(other.other, unmasked=unmasked, today=today),
                )
                for other in selectors.linked_pairs(request.user, candidate)
            ],
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def merge(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    candidate = _candidate(request, pk)
    unmasked = privacy.may_read_specific(request.user)
    form = _merge_form(candidate, unmasked=unmasked, data=request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the record to keep and give a reason."))
    else:
        try:
            merge_pair(
                request.user,
                candidate.pk,
                survivor_id=form.cleaned_data["survivor"],
                note=form.cleaned_data["note"],
            )
        except ReviewRefused as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, _("The two records are one person now."))
    return redirect(reverse("web:duplicate", args=[candidate.pk]))


@login_required
@require_POST
def undo_merge(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    candidate = _candidate(request, pk)
    done = live_merge(candidate)
    form = UnmergeForm(request.POST)
    if done is None:
        messages.error(request, _("These records are not merged."))
    elif not form.is_valid():
        messages.error(request, _("Give a reason."))
    else:
        try:
            unmerge(request.user, done.pk, note=form.cleaned_data["note"])
        except ReviewRefused as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, _("The merge is undone: both records are as they were."))
    return redirect(reverse("web:duplicate", args=[candidate.pk]))


def _merge_form(candidate: DuplicateCandidate, *, unmasked: bool, data: Any = None) -> MergeForm:
    """Which record to keep, each named by its person and household (the household kept is
    the person's: a person listed in two households is resolved by choosing one)."""
    today = date.today()
    persons = [
        (
            p.pk,
            _("%(name)s, household %(household)s (%(place)s)")
            % {
                "name": privacy.visible_name(p, unmasked=unmasked, today=today),
                "household": p.household.external_id,
                "place": p.household.village.name,
            },
        )
        for p in (candidate.person, candidate.other)
    ]
    return MergeForm(data, persons=persons)


@login_required
@require_POST
def confirm_bulk(request: AuthenticatedRequest) -> HttpResponse:
    access.require(request.user, access.DUPLICATE_BULK_CONFIRMERS)
    form = BulkConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a match probability from 0.5 to 1 and a reason."))
    else:
        try:
            count = confirm_above(
                request.user, form.cleaned_data["threshold"], form.cleaned_data["note"]
            )
        except ReviewRefused as refused:
            messages.error(request, str(refused))
        else:
            messages.success(
                request, _("%(count)s pairs confirmed as one person.") % {"count": count}
            )
    return redirect(reverse("web:duplicates"))


def _candidate(request: AuthenticatedRequest, pk: int) -> DuplicateCandidate:
    """The pair if it is the user's to review; 404 otherwise (never a hint that it exists)."""
    return get_object_or_404(
        selectors.duplicate_candidates_for(request.user).select_related(
            "person__household__village", "other__household__village"
        ),
        pk=pk,
    )
