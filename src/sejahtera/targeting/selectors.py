"""Read-side queries of targeting runs, always limited to the user's region.

Figures are computed from the result tables with ``region_code`` prefixes, so a regional office
sees its own region's figures and a ministry user the country's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Substr

from sejahtera.accounts import access
from sejahtera.accounts.models import User
from sejahtera.domain.delivery import unit_subject
from sejahtera.domain.disclosure import SPECIFIC_CLUSTERS, shown, suppress
from sejahtera.domain.participation import decision_review_request
from sejahtera.domain.targeting.rules import CLUSTER_CODES, Rules
from sejahtera.registry import privacy
from sejahtera.registry.models import Household, HouseholdReview, Person, Region
from sejahtera.registry.selectors import persons_for
from sejahtera.targeting.models import (
    Decision,
    DecisionReview,
    HouseholdResult,
    ManualClusterMembership,
    PersonCluster,
    ProgrammeFigure,
    TargetingRun,
)
from sejahtera.targeting.rules import default_rules_text, parse_rules

NEXT_LEVEL = {0: 2, 2: 4, 4: 6, 6: 10, 10: 10}
DISTRICT_CODE_LENGTH = 6  # a run's figures are kept per district (ProgrammeFigure)
REVIEWS_SHOWN = 200  # a run page lists at most this many households under review


@lru_cache(maxsize=16)
def _parsed(rules_text: str) -> Rules:
    return parse_rules(rules_text)


def rules_of(run: TargetingRun) -> Rules:
    """The rules a run used (stored verbatim with it)."""
    return _parsed(run.rules_text)


def rules_in_force() -> Rules:
    return _parsed(default_rules_text())


def programme_codes(*runs: TargetingRun) -> tuple[str, ...]:
    """The programmes the runs decided: the built-in ones, then those their rules define."""
    codes: dict[str, None] = {}
    for run in runs:
        codes.update(dict.fromkeys(rules_of(run).programme_codes))
    return tuple(codes)


def is_household_programme(run: TargetingRun, programme: str) -> bool:
    return programme in rules_of(run).household_programmes


def runs_for(user: User) -> QuerySet[TargetingRun]:
    """Every run (what was run is not regional; the figures shown are)."""
    access.require(user, access.TARGETING_READERS)
    return TargetingRun.objects.select_related("created_by", "base_run")


def run_for(user: User, pk: int) -> TargetingRun:
    return runs_for(user).get(pk=pk)


def latest_run() -> TargetingRun | None:
    """The current run: the last completed run that is not a what-if simulation."""
    return (
        TargetingRun.objects.filter(status=TargetingRun.Status.COMPLETED, is_simulation=False)
        .order_by("-finished_at", "-id")
        .first()
    )


def previous_run(run: TargetingRun) -> TargetingRun | None:
    """The completed real run before ``run`` (what a diff or the audit compares with)."""
    return (
        TargetingRun.objects.filter(
            status=TargetingRun.Status.COMPLETED, is_simulation=False, id__lt=run.pk
        )
        .order_by("-id")
        .first()
    )


def decisions_in(run: TargetingRun, prefix: str) -> QuerySet[Decision]:
    return Decision.objects.filter(run=run, region_code__startswith=prefix)


# How a group of decisions is counted: by the run pages and into a run's ProgrammeFigure rows.
DECISION_TALLIES = {
    "decided": Count("id"),
    "eligible": Count("id", filter=Q(eligible=True)),
    "limited": Count("id", filter=~Q(limited_by="")),
    "yearly_cost": Sum("yearly_cost"),
}


def programme_counts(
    run: TargetingRun, prefix: str, rules: Rules | None = None
) -> list[dict[str, Any]]:
    """Per programme: subjects decided, eligible, left out by a limit, and the yearly cost
    (from the run's figures per district when the region is a district or larger). ``rules``:
    the run's, when the caller holds them parsed already (the run itself, as it completes)."""
    figures = _programme_figures(run, prefix)
    counted: QuerySet[Any, dict[str, Any]]
    if figures is not None:
        counted = figures.values("programme").annotate(
            decided=Sum("decided"),
            eligible=Sum("eligible"),
            limited=Sum("limited"),
            yearly_cost=Sum("yearly_cost"),
        )
    else:
        counted = decisions_in(run, prefix).values("programme").annotate(**DECISION_TALLIES)
    rows = {row["programme"]: row for row in counted.order_by()}
    empty = {"decided": 0, "eligible": 0, "limited": 0, "yearly_cost": 0}
    return [
        {**empty, **rows.get(code, {}), "programme": code, "yearly_cost": _int(rows, code)}
        for code in (rules.programme_codes if rules is not None else programme_codes(run))
    ]


def _programme_figures(run: TargetingRun, prefix: str) -> QuerySet[ProgrammeFigure] | None:
    """The run's figures within ``prefix``, if it has them (runs completed before they were
    kept have none) and the region is not smaller than a district."""
    if len(prefix) > DISTRICT_CODE_LENGTH or not ProgrammeFigure.objects.filter(run=run).exists():
        return None
    return ProgrammeFigure.objects.filter(run=run, district_code__startswith=prefix)


def _int(rows: dict[str, dict[str, Any]], code: str) -> int:
    return int((rows.get(code) or {}).get("yearly_cost") or 0)


def cluster_counts(run: TargetingRun, prefix: str) -> list[dict[str, Any]]:
    """Per cluster: persons the run counts (by its rules or by a social worker's assessment),
    and the assessments in force on its day."""
    by_rule = dict(
        PersonCluster.objects.filter(run=run, region_code__startswith=prefix)
        .values_list("cluster")
        .annotate(n=Count("id"))
    )
    manual = dict(
        active_manual_clusters(run.as_of)
        .filter(person__household__village__code__startswith=prefix)
        .values_list("cluster")
        .annotate(n=Count("person", distinct=True))
    )
    return [
        {"cluster": code, "persons": by_rule.get(code, 0), "manual": manual.get(code, 0)}
        for code in CLUSTER_CODES
    ]


def active_manual_clusters(on: date) -> QuerySet[ManualClusterMembership]:
    return ManualClusterMembership.objects.filter(valid_from__lte=on).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=on)
    )


def region_names(codes: list[str]) -> dict[str, str]:
    return dict(Region.objects.filter(code__in=codes).values_list("code", "name"))


def sub_region_length(prefix: str) -> int:
    return NEXT_LEVEL.get(len(prefix), 10)


def region_counts(run: TargetingRun, prefix: str) -> list[dict[str, Any]]:
    """Eligible subjects per programme in each region one level below ``prefix``."""
    length = sub_region_length(prefix)
    figures = _programme_figures(run, prefix) if length <= DISTRICT_CODE_LENGTH else None
    counted = (
        figures.annotate(region=Substr("district_code", 1, length))
        .values("region", "programme")
        .annotate(n=Sum("eligible"))
        if figures is not None
        else decisions_in(run, prefix)
        .filter(eligible=True)
        .annotate(region=Substr("region_code", 1, length))
        .values("region", "programme")
        .annotate(n=Count("id"))
    )
    counts: dict[str, dict[str, int]] = {}
    for row in counted.order_by():
        counts.setdefault(row["region"], {})[row["programme"]] = row["n"]
    households = dict(
        HouseholdResult.objects.filter(run=run, region_code__startswith=prefix)
        .annotate(region=Substr("region_code", 1, length))
        .values_list("region")
        .annotate(n=Count("id"))
        .order_by()
    )
    names = region_names(list(households))
    programmes = programme_codes(run)
    return [
        {
            "code": code,
            "name": names.get(code, code),
            "households": households[code],
            "eligible": [counts.get(code, {}).get(p, 0) for p in programmes],
        }
        for code in sorted(households)
    ]


def run_figures(user: User, run: TargetingRun) -> dict[str, Any]:
    """A completed run's figures within ``user``'s region: per programme, cluster, region one
    level down, and decile; the households in extreme poverty."""
    prefix = access.region_prefix(user)
    figures = {
        "programmes": programme_counts(run, prefix),
        "clusters": cluster_counts(run, prefix),
        "regions": region_counts(run, prefix),
        "deciles": decile_counts(run, prefix),
        "extreme_poor": extreme_poverty(run, prefix),
        "reviews": reviews_carried(run, prefix),
    }
    if not privacy.may_read_specific(user):
        _hide_small_cells(run, figures)
    return figures


def _hide_small_cells(run: TargetingRun, figures: dict[str, Any]) -> None:
    """A run's figures as a role without specific data reads them (``domain.disclosure``):
    small counts of a specific cluster, and of a programme that reveals one, are withheld."""
    revealing = rules_of(run).revealing_programmes
    suppress(
        figures["programmes"],
        key="programme",
        sensitive=revealing,
        counts=("decided", "eligible", "limited"),
        derived=("yearly_cost",),
    )
    if "clusters" in figures:
        suppress(
            figures["clusters"],
            key="cluster",
            sensitive=SPECIFIC_CLUSTERS,
            counts=("persons", "manual"),
        )
    codes = programme_codes(run)
    for region in figures.get("regions", []):
        region["eligible"] = [
            shown(n) if code in revealing else n
            for code, n in zip(codes, region["eligible"], strict=True)
        ]


def reviews_carried(run: TargetingRun, prefix: str) -> list[HouseholdReview]:
    """The household reviews (a confirmed objection's finding) this run carried, in the
    region, with each household's decile in the run."""
    reviews = list(
        HouseholdReview.objects.filter(
            carried_in_run=run.pk, household__village__code__startswith=prefix
        ).select_related("household__village")[:REVIEWS_SHOWN]
    )
    deciles = dict(
        HouseholdResult.objects.filter(
            run=run, household__in=[r.household_id for r in reviews]
        ).values_list("household_id", "national_decile")
    )
    for review in reviews:
        review.decile = deciles.get(review.household_id)  # type: ignore[attr-defined]
    return reviews


def region_run_figures(user: User, region_code: str) -> dict[str, Any] | None:
    """The current run's programme counts and decile distribution in a region within the
    user's scope (the dashboard); None before any run."""
    access.require(user, access.TARGETING_READERS)
    run = latest_run()
    if run is None:
        return None
    prefix = access.scoped_region(user, region_code)
    figures = {
        "run": run,
        "programmes": programme_counts(run, prefix),
        "deciles": decile_counts(run, prefix),
        "extreme_poor": extreme_poverty(run, prefix),
    }
    if not privacy.may_read_specific(user):
        _hide_small_cells(run, figures)
    return figures


def extreme_poverty(run: TargetingRun, prefix: str) -> dict[str, int]:
    """Households (and their living members) below the extreme-poverty line in the run."""
    counted = HouseholdResult.objects.filter(
        run=run, region_code__startswith=prefix, extreme_poor=True
    ).aggregate(households=Count("id"), persons=Sum("living_members"))
    return {"households": counted["households"], "persons": counted["persons"] or 0}


def decile_counts(run: TargetingRun, prefix: str) -> list[dict[str, Any]]:
    rows = (
        HouseholdResult.objects.filter(run=run, region_code__startswith=prefix)
        .values("national_decile")
        .annotate(households=Count("id"), persons=Sum("living_members"))
        .order_by("national_decile")
    )
    return [{**r, "persons": r["persons"] or 0} for r in rows]


# -- the household page ------------------------------------------------------------------------


@dataclass
class MemberTargeting:
    person: Person
    name: str  # as the reader may see it (masked for a child)
    clusters: list[dict[str, Any]] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)


@dataclass
class HouseholdTargeting:
    run: TargetingRun
    result: HouseholdResult | None
    decisions: list[Decision]
    members: list[MemberTargeting]
    # Clusters, components and reasons reveal specific personal data (health, disability,
    # criminal records, children): withheld from roles that may not read it.
    withheld: bool


def household_targeting(
    user: User, household: Household, members: list[Person], today: date | None = None
) -> HouseholdTargeting | None:
    """The current run's deciles, clusters (rule-based and manual) and decisions of a
    household the user may already see; None before any run."""
    access.require(user, access.TARGETING_READERS)
    access.require_region(user, household.village_id)
    run = latest_run()
    if run is None:
        return None
    today = today or date.today()
    unmasked = privacy.may_read_specific(user)
    decisions = list(
        decisions_shown_to(
            user, Decision.objects.filter(run=run, household=household), run
        ).order_by("id")
    )
    by_person = {
        m.pk: MemberTargeting(m, privacy.visible_name(m, unmasked=unmasked, today=today))
        for m in members
    }
    if unmasked:
        for cluster in PersonCluster.objects.filter(run=run, household=household).order_by("id"):
            if cluster.person_id in by_person:
                by_person[cluster.person_id].clusters.append(
                    {"code": cluster.cluster, "reason": cluster.reason, "manual": False}
                )
        for manual in active_manual_clusters(today).filter(person__in=members):
            by_person[manual.person_id].clusters.append(
                {
                    "code": manual.cluster,
                    "reason": manual.reason,
                    "manual": True,
                    "valid_from": manual.valid_from,
                    "valid_until": manual.valid_until,
                }
            )
    reviews = latest_reviews(decisions)
    amounts_withheld = amounts_withheld_from(user, run)
    may_object = unmasked and access.has_role(user, access.DECISION_REVIEW_TAKERS)
    for decision in decisions:
        review = reviews.get(
            (unit_subject(decision.household_id, decision.person_id), decision.programme)
        )
        decision.review = review  # type: ignore[attr-defined]
        decision.amounts_withheld = decision.programme in amounts_withheld  # type: ignore[attr-defined]
        decision.may_object = may_object and objectable(decision, review)  # type: ignore[attr-defined]
        if decision.person_id in by_person:
            by_person[decision.person_id].decisions.append(decision)
    return HouseholdTargeting(
        run=run,
        result=HouseholdResult.objects.filter(run=run, household=household).first(),
        decisions=[d for d in decisions if d.person_id is None],
        members=list(by_person.values()),
        withheld=not unmasked,
    )


def objectable(decision: Decision, latest: DecisionReview | None) -> bool:
    """Whether a person may object to this decision of the current run now (``latest``: the
    latest review of its subject and programme): the service's own guards, asked early."""
    status = latest.status if latest else None
    lapsed = latest is not None and latest.lapsed_in_run is not None
    return not decision_review_request(
        in_current_run=True,
        limited=bool(decision.limited_by),
        pending=status in (DecisionReview.Status.RECEIVED, DecisionReview.Status.OPEN),
        standing=status == DecisionReview.Status.OVERTURNED and not lapsed,
        reviewed=latest is not None and latest.decision_id == decision.pk,
        requester_name="-",
        grounds="-",
    )


def latest_reviews(decisions: list[Decision]) -> dict[tuple[str, str], DecisionReview]:
    """The latest objection to each of these decisions' subject and programme."""
    subjects = {unit_subject(d.household_id, d.person_id) for d in decisions}
    found: dict[tuple[str, str], DecisionReview] = {}
    for review in DecisionReview.objects.filter(subject__in=subjects).order_by("pk"):
        found[(review.subject, review.programme)] = review
    return found


def decisions_shown_to(
    user: User, decisions: QuerySet[Decision], *runs: TargetingRun
) -> QuerySet[Decision]:
    """``decisions`` as ``user`` may see them one by one: the programmes that reveal a
    vulnerable cluster (ATENSI, or any decided on clusters or person flags) in the rules of
    any of ``runs`` only for roles that may read specific data. Every page, export and endpoint
    that lists subjects' decisions goes through here."""
    if privacy.may_read_specific(user):
        return decisions
    return decisions.exclude(programme__in=_revealing(*runs))


def _revealing(*runs: TargetingRun) -> set[str]:
    """The programmes that reveal a vulnerable cluster in the rules of any of ``runs``."""
    return {code for run in runs for code in rules_of(run).revealing_programmes}


def programmes_counted_for(user: User, *runs: TargetingRun) -> tuple[str, ...]:
    """The programmes whose counts ``user`` reads in breakdowns and comparisons of ``runs``:
    for a role without specific data, not those that reveal a cluster (the difference of two
    counts can isolate a person: ``domain.disclosure``)."""
    codes = programme_codes(*runs)
    if privacy.may_read_specific(user):
        return codes
    return tuple(code for code in codes if code not in _revealing(*runs))


def clusters_counted_for(user: User) -> tuple[str, ...]:
    """The clusters whose counts ``user`` reads in breakdowns and comparisons: for a role
    without specific data, not those that are specific data."""
    if privacy.may_read_specific(user):
        return CLUSTER_CODES
    return tuple(code for code in CLUSTER_CODES if code not in SPECIFIC_CLUSTERS)


def amounts_withheld_from(user: User, run: TargetingRun | None) -> frozenset[str]:
    """The programmes whose amounts ``user`` may not read one subject at a time: for a role
    without specific data, those summed from components in the rules of ``run`` (or those in
    force) — PKH's Rp 2,400,000 a year is its severe-disability component — withheld as the
    components themselves are."""
    if privacy.may_read_specific(user):
        return frozenset()
    rules = rules_of(run) if run else rules_in_force()
    return frozenset(rules.component_programmes)


def grounds_shown_to(user: User, grounds: list[str] | None) -> list[str]:
    """A decision's reasons or components, which name clusters, ages and conditions: only for
    roles that may read specific data."""
    return list(grounds or []) if privacy.may_read_specific(user) else []


def latest_decisions(
    user: User, household: Household
) -> tuple[TargetingRun | None, list[Decision]]:
    """The current run and the decisions of a household the user may see (the API); ATENSI and
    the programmes that reveal a cluster only for roles that may read specific data (as on the
    household page)."""
    access.require(user, access.TARGETING_READERS)
    access.require_region(user, household.village_id)
    run = latest_run()
    if run is None:
        return None, []
    decisions = Decision.objects.filter(run=run, household=household).select_related("person")
    return run, list(decisions_shown_to(user, decisions, run).order_by("id"))


def household_result(run: TargetingRun, household: Household) -> HouseholdResult | None:
    return HouseholdResult.objects.filter(run=run, household=household).first()


def deceased_with_decisions(user: User, today: date) -> QuerySet[Person]:
    """Data quality (QUALITY_DECEASED_WITH_DECISION): deceased persons of the user's region
    eligible for a person-level programme in the current run."""
    run = latest_run()
    if run is None:
        return Person.objects.none()
    eligible = Decision.objects.filter(run=run, eligible=True, person__isnull=False)
    return persons_for(user).filter(
        deceased_date__isnull=False, pk__in=eligible.values("person_id")
    )
