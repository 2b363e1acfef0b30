"""The journey reports: where the families are (by region and by cluster), how long they stay
in each stage, graduation rates, referral uptake per partner programme, re-entry after
graduation and the change in social functioning that rehabilitation brought.

Every report is limited to the cases the user may see (``accounts.access.case_filter``), counts
in the database where the database can (one grouped query per figure, never a query per case)
and returns a ``Table``: stable column codes and rows of plain values, shown on the report page
and downloaded as CSV. The pivots and medians are pure functions over those rows.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import ExtractYear, Substr

from sejahtera.accounts import access
from sejahtera.accounts.models import User
from sejahtera.cases.models import Case, CaseEvent, FunctioningAssessment, Referral
from sejahtera.domain import rehabilitation
from sejahtera.domain.cases import Stage
from sejahtera.domain.targeting.rules import CLUSTER_CODES
from sejahtera.registry.models import Region
from sejahtera.targeting.models import PersonCluster
from sejahtera.targeting.selectors import active_manual_clusters, latest_run

STAGES = tuple(str(s) for s in Stage)
# Stages a case stays in for a while: the time in ``closed`` is not a stay.
TIMED_STAGES = tuple(str(s) for s in Stage if s is not Stage.CLOSED)
NO_CLUSTER = "-"


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]

    def dicts(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


def rate(part: int, whole: int) -> float | None:
    """part / whole rounded to 4 places (None when there is nothing to divide by)."""
    return round(part / whole, 4) if whole else None


def _scope(user: User) -> QuerySet[Case]:
    return Case.objects.filter(access.case_filter(user))


# -- the funnel by region ----------------------------------------------------------------------


def funnel_by_region(user: User, today: date) -> Table:
    """Cases in each stage per regency, each province first with its total."""
    counts = (
        _scope(user)
        .annotate(regency=Substr("region_code", 1, 4))
        .values_list("regency", "stage")
        .annotate(n=Count("id"))
        .order_by()
    )
    return region_funnel(counts, _region_names)


def _region_names(codes: Iterable[str]) -> dict[str, str]:
    return dict(Region.objects.filter(code__in=list(codes)).values_list("code", "name"))


def region_funnel(
    counts: Iterable[tuple[str, str, int]],
    names: Callable[[Iterable[str]], Mapping[str, str]],
) -> Table:
    """(regency code, stage, cases) → rows per province and regency (pure)."""
    regencies: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(STAGES, 0))
    for regency, stage, n in counts:
        regencies[regency][stage] += n
    provinces: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(STAGES, 0))
    for regency, by_stage in regencies.items():
        for stage, n in by_stage.items():
            provinces[regency[:2]][stage] += n
    known = names([*provinces, *regencies])
    rows: list[tuple[Any, ...]] = []
    for province in sorted(provinces):
        by_stage = provinces[province]
        rows.append(
            (
                "province",
                province,
                known.get(province, province),
                *by_stage.values(),
                _sum(by_stage),
            )
        )
        for regency in sorted(r for r in regencies if r.startswith(province)):
            by_stage = regencies[regency]
            rows.append(
                (
                    "regency",
                    regency,
                    known.get(regency, regency),
                    *by_stage.values(),
                    _sum(by_stage),
                )
            )
    return Table("region", ("level", "code", "name", *STAGES, "total"), rows)


def _sum(by_stage: Mapping[str, int]) -> int:
    return sum(by_stage.values())


# -- the funnel by cluster ---------------------------------------------------------------------


def funnel_by_cluster(user: User, today: date) -> Table:
    """Cases in each stage per cluster of the household's members: the latest targeting run's
    clusters and the manual memberships active today. A family with members in two clusters
    counts in both; families in no cluster are the last row ('-')."""
    cases = _scope(user)
    households = cases.values("household_id")
    pairs: set[tuple[int, str]] = set(
        active_manual_clusters(today)
        .filter(person__household_id__in=households)
        .values_list("person__household_id", "cluster")
        .distinct()
    )
    run = latest_run()
    if run is not None:
        pairs.update(
            PersonCluster.objects.filter(run=run, household_id__in=households)
            .values_list("household_id", "cluster")
            .distinct()
        )
    stages = cases.values_list("household_id", "stage").order_by().iterator(chunk_size=5000)
    return cluster_funnel(stages, pairs)


def cluster_funnel(
    case_stages: Iterable[tuple[int, str]], clusters: Iterable[tuple[int, str]]
) -> Table:
    """(household, stage) per case and (household, cluster) pairs → rows per cluster (pure)."""
    by_household: dict[int, set[str]] = defaultdict(set)
    for household, cluster in clusters:
        by_household[household].add(cluster)
    table: dict[str, dict[str, int]] = {
        code: dict.fromkeys(STAGES, 0) for code in (*CLUSTER_CODES, NO_CLUSTER)
    }
    for household, stage in case_stages:
        for cluster in by_household.get(household) or {NO_CLUSTER}:
            table.setdefault(cluster, dict.fromkeys(STAGES, 0))[stage] += 1
    rows = [(code, *by_stage.values(), _sum(by_stage)) for code, by_stage in table.items()]
    return Table("cluster", ("cluster", *STAGES, "total"), rows)


# -- time in each stage ------------------------------------------------------------------------


def stage_durations(user: User, today: date) -> Table:
    """Median (and count of) days spent in each stage, from the timeline: a stay runs from the
    step into a stage to the next step out of it; the current stay counts up to today."""
    steps = (
        CaseEvent.objects.filter(case__in=_scope(user))
        .exclude(to_stage="")
        .values_list("case_id", "on", "to_stage")
        .order_by("case_id", "at", "id")
        .iterator(chunk_size=5000)
    )
    return duration_table(steps, today)


def stays(steps: Iterable[tuple[int, date, str]], today: date) -> dict[str, list[int]]:
    """(case, day, stage entered), ordered by case then time → days per stay per stage (pure).
    Days never go below 0 (a step recorded with an earlier date than the one before it)."""
    days: dict[str, list[int]] = defaultdict(list)
    previous: tuple[int, date, str] | None = None
    for step in steps:
        if previous is not None and previous[0] == step[0]:
            days[previous[2]].append(max((step[1] - previous[1]).days, 0))
        elif previous is not None:
            days[previous[2]].append(max((today - previous[1]).days, 0))
        previous = step
    if previous is not None:
        days[previous[2]].append(max((today - previous[1]).days, 0))
    return days


def duration_table(steps: Iterable[tuple[int, date, str]], today: date) -> Table:
    days = stays(steps, today)
    rows = [
        (stage, len(days[stage]), statistics.median(days[stage]) if days[stage] else None)
        for stage in TIMED_STAGES
    ]
    return Table("durations", ("stage", "stays", "median_days"), rows)


# -- graduation rates --------------------------------------------------------------------------


def _graduations(cases: QuerySet[Case]) -> QuerySet[CaseEvent]:
    return CaseEvent.objects.filter(case__in=cases, to_stage=Stage.GRADUATED)


def graduation_by_year(user: User, today: date) -> Table:
    """Per calendar year: cases handled (open at some time in the year), cases that graduated
    in the year, and the rate."""
    return _graduation_years(_scope(user), today)


def _graduation_years(cases: QuerySet[Case], today: date) -> Table:
    first = cases.order_by("opened_on").values_list("opened_on", flat=True).first()
    if first is None:
        return Table("graduation_year", ("year", "handled", "graduated", "rate"), [])
    years = range(first.year, today.year + 1)
    handled = cases.aggregate(
        **{
            str(year): Count(
                "id",
                filter=Q(opened_on__year__lte=year)
                & (Q(closed_on__isnull=True) | Q(closed_on__year__gte=year)),
            )
            for year in years
        }
    )
    graduated = dict(
        _graduations(cases)
        .annotate(year=ExtractYear("on"))
        .values_list("year")
        .annotate(n=Count("case", distinct=True))
        .order_by()
    )
    rows = [
        (
            year,
            handled[str(year)],
            graduated.get(year, 0),
            rate(graduated.get(year, 0), handled[str(year)]),
        )
        for year in years
    ]
    return Table("graduation_year", ("year", "handled", "graduated", "rate"), rows)


def graduation_by_worker(user: User, today: date) -> Table:
    """Per social worker (the case's current one): cases handled, cases that ever graduated."""
    cases = _scope(user)
    handled = dict(cases.values_list("social_worker").annotate(n=Count("id")).order_by())
    graduated = dict(
        cases.filter(
            Exists(CaseEvent.objects.filter(case=OuterRef("pk"), to_stage=Stage.GRADUATED))
        )
        .values_list("social_worker")
        .annotate(n=Count("id"))
        .order_by()
    )
    workers = User.objects.filter(pk__in=handled).order_by("username")
    rows = [
        (
            w.get_username(),
            w.get_full_name() or w.get_username(),
            handled[w.pk],
            graduated.get(w.pk, 0),
            rate(graduated.get(w.pk, 0), handled[w.pk]),
        )
        for w in workers
    ]
    return Table(
        "graduation_worker", ("username", "social_worker", "handled", "graduated", "rate"), rows
    )


# -- referrals ---------------------------------------------------------------------------------


REFERRAL_STATUSES = tuple(str(s) for s in Referral.Status)


def referral_uptake(user: User, today: date) -> Table:
    """Per partner agency and programme: referrals sent (all of them), how many each status
    holds now ('sent' = still waiting), and the uptake (accepted or completed / sent)."""
    rows = (
        Referral.objects.filter(case__in=_scope(user))
        .values("organisation", "programme")
        .annotate(
            total=Count("id"),
            **{status: Count("id", filter=Q(status=status)) for status in REFERRAL_STATUSES},
        )
        .order_by("organisation", "programme")
    )
    table = [
        (
            r["organisation"],
            r["programme"],
            r["total"],
            *(r[s] for s in REFERRAL_STATUSES),
            rate(r[Referral.Status.ACCEPTED] + r[Referral.Status.COMPLETED], r["total"]),
        )
        for r in rows
    ]
    columns = (
        "organisation",
        "programme",
        "referred",
        *(f"now_{s}" for s in REFERRAL_STATUSES),
        "uptake",
    )
    return Table("referrals", columns, table)


# -- re-entry ----------------------------------------------------------------------------------


def reentry_after(user: User, today: date) -> Table:
    """Per way out (graduated, terminated): cases that left that way, and how many of them
    re-entered protection afterwards (a re-entry step later on the timeline)."""
    rows = []
    for stage in (Stage.GRADUATED, Stage.TERMINATED):
        first_exit = (
            CaseEvent.objects.filter(case=OuterRef("pk"), to_stage=stage)
            .order_by("id")
            .values("id")[:1]
        )
        left = _scope(user).annotate(exit_id=Subquery(first_exit)).filter(exit_id__isnull=False)
        came_back = CaseEvent.objects.filter(
            case=OuterRef("pk"), kind=CaseEvent.Kind.REENTRY, id__gt=OuterRef("exit_id")
        )
        cases, reentered = left.count(), left.filter(Exists(came_back)).count()
        rows.append((str(stage), cases, reentered, rate(reentered, cases)))
    return Table("reentry", ("left_as", "cases", "reentered", "rate"), rows)


# -- measured rehabilitation -------------------------------------------------------------------


def functioning_change(user: User, today: date) -> Table:
    """Per domain of social functioning (and in total), over every person measured twice or
    more: the mean first and latest score, the mean change and the share who improved."""
    by_subject: dict[tuple[int, int | None], list[rehabilitation.Measurement]] = defaultdict(list)
    rows = FunctioningAssessment.objects.filter(case__in=_scope(user)).values_list(
        "case_id", "person_id", "assessed_on", "phase", "scores"
    )
    for case_id, person_id, on, phase, scores in rows:
        by_subject[(case_id, person_id)].append(
            rehabilitation.Measurement(on, rehabilitation.Phase(phase), scores)
        )
    changes = [c for c in map(rehabilitation.change, by_subject.values()) if c is not None]
    return functioning_table(changes)


def functioning_table(changes: list[rehabilitation.Change]) -> Table:
    """The report's rows from the changes (pure)."""

    def row(name: str, first: list[int], latest: list[int]) -> tuple[Any, ...]:
        deltas = [b - a for a, b in zip(first, latest, strict=True)]
        if not deltas:
            return (name, 0, None, None, None, None)
        return (
            name,
            len(deltas),
            round(statistics.mean(first), 2),
            round(statistics.mean(latest), 2),
            round(statistics.mean(deltas), 2),
            rate(sum(d > 0 for d in deltas), len(deltas)),
        )

    table = [
        row(
            domain,
            [c.first.scores[domain] for c in changes],
            [c.latest.scores[domain] for c in changes],
        )
        for domain in rehabilitation.DOMAINS
    ]
    table.append(
        row(
            "total",
            [rehabilitation.total(c.first.scores) for c in changes],
            [rehabilitation.total(c.latest.scores) for c in changes],
        )
    )
    columns = ("domain", "measured", "mean_first", "mean_latest", "mean_change", "improved")
    return Table("functioning", columns, table)


def stage_totals(user: User, today: date) -> Table:
    return _stages(_scope(user))


def _stages(cases: QuerySet[Case]) -> Table:
    counts = dict(cases.values_list("stage").annotate(n=Count("id")).order_by())
    return Table("stages", ("stage", "cases"), [(s, counts.get(s, 0)) for s in STAGES])


def region_journey(user: User, region_code: str, today: date) -> tuple[Table, Table]:
    """The dashboard's journey figures of a region within the user's scope: cases per stage
    and the graduation rate per year, counted over every case of the region (counts only, so
    the ministry reads them as well as the offices and social workers)."""
    access.require(user, access.JOURNEY_FIGURE_READERS)
    cases = Case.objects.filter(region_code__startswith=access.scoped_region(user, region_code))
    return _stages(cases), _graduation_years(cases, today)


REPORTS: dict[str, Callable[[User, date], Table]] = {
    "stages": stage_totals,
    "region": funnel_by_region,
    "cluster": funnel_by_cluster,
    "durations": stage_durations,
    "graduation_year": graduation_by_year,
    "graduation_worker": graduation_by_worker,
    "referrals": referral_uptake,
    "reentry": reentry_after,
    "functioning": functioning_change,
}
