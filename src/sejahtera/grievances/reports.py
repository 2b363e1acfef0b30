"""Figures of citizens' participation within a user's region (no person in them): proposals
and objections by stage and region one level down, how long open proposals have waited at
their stage, the objections' lapse rate, and complaints' resolution time by category and by
the level of the office that handles them; objections to automated decisions by programme
and outcome."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import date
from statistics import median

from django.db.models import Count, Max
from django.db.models.functions import Substr

from sejahtera.accounts import access
from sejahtera.accounts.models import User
from sejahtera.cases.reports import Table, rate
from sejahtera.domain.participation import (
    LEVEL_ORDER,
    PROPOSAL_ENDS,
    ComplaintCategory,
    ComplaintStatus,
    ObjectionStatus,
    ProposalStage,
)
from sejahtera.grievances.models import Complaint, Objection, Proposal
from sejahtera.registry.models import Region
from sejahtera.targeting.models import DecisionReview
from sejahtera.targeting.reviews import reviews_in_scope

NEXT_LEVEL = {0: 2, 2: 4, 4: 6, 6: 10, 10: 10}
OPEN_STAGES = tuple(str(s) for s in ProposalStage if s not in PROPOSAL_ENDS)
# days a proposal has waited at its stage, in these bands (the last one open-ended)
AGE_BANDS = ((0, 7), (8, 14), (15, 30), (31, None))


def _region_names(codes: list[str]) -> dict[str, str]:
    return dict(Region.objects.filter(code__in=codes).values_list("code", "name"))


def proposals_by_region(user: User, today: date) -> Table:
    """Proposals per region one level below the user's scope, by stage."""
    prefix = access.region_prefix(user)
    rows = (
        Proposal.objects.filter(village__code__startswith=prefix)
        .annotate(region=Substr("village__code", 1, NEXT_LEVEL[len(prefix)]))
        .values("region", "stage")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for row in rows:
        counts[row["region"]][row["stage"]] += row["n"]
    names = _region_names(list(counts))
    stages = tuple(str(s) for s in ProposalStage)
    return Table(
        "proposals",
        ("region_code", "region", *stages, "total"),
        [
            (
                code,
                names.get(code, code),
                *(counts[code][s] for s in stages),
                sum(counts[code].values()),
            )
            for code in sorted(counts)
        ],
    )


def proposal_ageing(user: User, today: date) -> Table:
    """Open proposals by stage and by how many days they have waited at it."""
    prefix = access.region_prefix(user)
    waiting = (
        Proposal.objects.filter(village__code__startswith=prefix, stage__in=OPEN_STAGES)
        .annotate(since=Max("steps__on"))
        .values_list("stage", "since")
    )
    counts: dict[str, Counter[int]] = defaultdict(Counter)
    for stage, since in waiting:
        days = (today - since).days
        band = next(i for i, (low, high) in enumerate(AGE_BANDS) if high is None or days <= high)
        counts[stage][band] += 1
    bands = tuple(f"{low}-{high}" if high else f"{low}+" for low, high in AGE_BANDS)
    return Table(
        "ageing",
        ("stage", *bands),
        [(stage, *(counts[stage][i] for i in range(len(AGE_BANDS)))) for stage in OPEN_STAGES],
    )


def objections_by_region(user: User, today: date) -> Table:
    """Objections per region by status, those past their deadline still unverified (the
    daily command lapses them), and the lapse rate of those closed."""
    prefix = access.region_prefix(user)
    found = Objection.objects.filter(household__village__code__startswith=prefix).annotate(
        region=Substr("household__village__code", 1, NEXT_LEVEL[len(prefix)])
    )
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for region, status, deadline in found.values_list("region", "status", "deadline"):
        counts[region][status] += 1
        if status == ObjectionStatus.FILED and deadline < today:
            counts[region]["overdue"] += 1
    names = _region_names(list(counts))
    statuses = tuple(str(s) for s in ObjectionStatus)
    rows = []
    for code in sorted(counts):
        closed = sum(counts[code][s] for s in statuses if s != ObjectionStatus.FILED)
        rows.append(
            (
                code,
                names.get(code, code),
                *(counts[code][s] for s in statuses),
                counts[code]["overdue"],
                rate(counts[code][ObjectionStatus.LAPSED], closed),
            )
        )
    return Table("objections", ("region_code", "region", *statuses, "overdue", "lapse_rate"), rows)


def complaints_by_category(user: User, today: date) -> Table:
    """Complaints about the user's region by category and the level handling them now:
    received, resolved, open past the deadline, and the median days to resolve."""
    prefix = access.region_prefix(user)
    complaints = Complaint.objects.filter(region__code__startswith=prefix)
    if user.role not in access.MISCONDUCT_READERS:  # not even counted below the supervising level
        complaints = complaints.exclude(category=ComplaintCategory.STAFF_MISCONDUCT)
    found = complaints.values_list(
        "category", "level", "status", "received_on", "resolved_on", "due_on"
    )
    received: Counter[tuple[str, str]] = Counter()
    overdue: Counter[tuple[str, str]] = Counter()
    days: dict[tuple[str, str], list[int]] = defaultdict(list)
    for category, level, status, received_on, resolved_on, due_on in found:
        key = (category, level)
        received[key] += 1
        if status == ComplaintStatus.RESOLVED and resolved_on is not None:
            days[key].append((resolved_on - received_on).days)
        elif due_on < today:
            overdue[key] += 1
    rows = [
        (
            str(category),
            str(level),
            received[(category, level)],
            len(days[(category, level)]),
            overdue[(category, level)],
            median(days[(category, level)]) if days[(category, level)] else None,
        )
        for category in ComplaintCategory
        for level in LEVEL_ORDER
        if received[(category, level)]
    ]
    return Table(
        "complaints",
        ("category", "level", "received", "resolved", "overdue", "median_days_to_resolve"),
        rows,
    )


def decision_reviews_by_programme(user: User, today: date) -> Table:
    """Objections to automated decisions per programme: how many were upheld and overturned,
    the share overturned of those decided (a rule that a person often finds wrong says so
    here), those still open, and the median days a review took."""
    found = reviews_in_scope(user)
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    days: dict[str, list[int]] = defaultdict(list)
    for programme, status, filed_at, reviewed_at in found.values_list(
        "programme", "status", "filed_at", "reviewed_at"
    ):
        counts[programme][status] += 1
        if reviewed_at is not None:
            days[programme].append((reviewed_at - filed_at).days)
    statuses = tuple(str(s) for s in DecisionReview.Status)
    rows = []
    for programme in sorted(counts):
        decided = len(days[programme])
        rows.append(
            (
                programme,
                *(counts[programme][s] for s in statuses),
                rate(counts[programme][DecisionReview.Status.OVERTURNED], decided),
                median(days[programme]) if days[programme] else None,
            )
        )
    return Table(
        "decision_reviews",
        ("programme", *statuses, "overturn_rate", "median_days_to_review"),
        rows,
    )


REPORTS: dict[str, Callable[[User, date], Table]] = {
    "proposals": proposals_by_region,
    "ageing": proposal_ageing,
    "objections": objections_by_region,
    "complaints": complaints_by_category,
    "decision_reviews": decision_reviews_by_programme,
}
