"""Who of the 12 clusters is served: the dashboard's coverage figures.

Of the persons the current targeting run places in each PAS cluster (by its rules or a social
worker's assessment): how many a programme of that run finds eligible, and how many are
enrolled in a programme today, in their own right or through their household. Counting that
means probing the decisions and enrolments of every cluster member of the country, so the
figures are kept per district (``ClusterCoverage``) and rebuilt after a targeting run and after
a decree (``refresh_cluster_coverage``, in the background); the dashboard sums them. Below a
district (a village operator's scope) they are counted on the spot.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet, Sum, Value
from django.db.models.functions import Substr
from django.utils import timezone

from sejahtera.accounts import access
from sejahtera.accounts.models import User
from sejahtera.domain.disclosure import SPECIFIC_CLUSTERS, suppress
from sejahtera.domain.targeting.rules import CLUSTER_CODES
from sejahtera.programmes.models import ClusterCoverage, Enrolment
from sejahtera.registry import privacy
from sejahtera.targeting.models import Decision, PersonCluster, TargetingRun
from sejahtera.targeting.selectors import latest_run

DISTRICT_CODE_LENGTH = 6
ANY_CLUSTER = ""
COUNTS = ("persons", "eligible_persons", "enrolled_persons")


def _marked(run: TargetingRun, members: QuerySet[PersonCluster]) -> QuerySet[PersonCluster]:
    """Cluster memberships marked ``eligible`` (for a programme of ``run``) and ``enrolled``
    (today, in their own right or through their household)."""
    covering = Q(household=OuterRef("household")) & (
        Q(person__isnull=True) | Q(person=OuterRef("person"))
    )
    return members.annotate(
        eligible=Exists(Decision.objects.filter(covering, run=run, eligible=True)),
        enrolled=Exists(Enrolment.objects.filter(covering, status=Enrolment.Status.ACTIVE)),
    )


def _counted(members: QuerySet[PersonCluster], *group: Any, distinct: bool) -> QuerySet[Any]:
    person = "person" if distinct else "id"
    return (
        members.values(*group)
        .annotate(
            persons=Count(person, distinct=distinct),
            eligible_persons=Count(person, distinct=distinct, filter=Q(eligible=True)),
            enrolled_persons=Count(person, distinct=distinct, filter=Q(enrolled=True)),
        )
        .order_by()
    )


def refresh_cluster_coverage() -> int:
    """Rebuild the per-district figures from the current run and today's enrolments; returns
    how many rows were written."""
    run = latest_run()
    now = timezone.now()
    rows: list[ClusterCoverage] = []
    if run is not None:
        members = _marked(run, PersonCluster.objects.filter(run=run)).annotate(
            district=Substr("region_code", 1, DISTRICT_CODE_LENGTH)
        )
        for row in _counted(members, "district", "cluster", distinct=False):
            rows.append(_figure(run, row["district"], row["cluster"], row, now))
        for row in _counted(members, "district", distinct=True):
            rows.append(_figure(run, row["district"], ANY_CLUSTER, row, now))
    with transaction.atomic():
        ClusterCoverage.objects.all().delete()
        ClusterCoverage.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def _figure(
    run: TargetingRun, district: str, cluster: str, counts: dict[str, int], now: datetime
) -> ClusterCoverage:
    return ClusterCoverage(
        run=run,
        district_code=district,
        cluster=cluster,
        refreshed_at=now,
        **{name: counts[name] for name in COUNTS},
    )


# -- reads ------------------------------------------------------------------------------------


def _figures(user: User, region_code: str) -> tuple[str, QuerySet[Any] | None]:
    """(the region within the user's scope, its memberships counted on the spot when it lies
    below a district, else None: read the stored figures)."""
    access.require(user, access.TARGETING_READERS)
    code = access.scoped_region(user, region_code)
    if len(code) <= DISTRICT_CODE_LENGTH:
        return code, None
    run = latest_run()
    if run is None:
        nothing = PersonCluster.objects.none()
        return code, nothing.annotate(eligible=Value(False), enrolled=Value(False))
    return code, _marked(run, PersonCluster.objects.filter(run=run, region_code__startswith=code))


def cluster_coverage(user: User, region_code: str) -> list[dict[str, Any]]:
    """Per PAS cluster in a region within the user's scope: persons, eligible, enrolled and the
    share enrolled in whole percent. Empty before any run (or before the figures are built)."""
    code, live = _figures(user, region_code)
    if live is not None:
        rows = _counted(live, "cluster", distinct=False)
    else:
        rows = (
            ClusterCoverage.objects.filter(district_code__startswith=code)
            .exclude(cluster=ANY_CLUSTER)
            .values("cluster")
            .annotate(**{name: Sum(name) for name in COUNTS})
            .order_by()
        )
    by_cluster = {row["cluster"]: row for row in rows}
    if not by_cluster and not _built(live):
        return []
    empty = dict.fromkeys(COUNTS, 0)
    coverage = [
        {**empty, **by_cluster.get(code, {}), "cluster": code}
        | {"enrolled_percent": _percent(by_cluster.get(code, empty))}
        for code in CLUSTER_CODES
    ]
    if not privacy.may_read_specific(user):
        suppress(
            coverage,
            key="cluster",
            sensitive=SPECIFIC_CLUSTERS,
            counts=COUNTS,
            derived=("enrolled_percent",),
        )
    return coverage


def coverage_by_area(user: User, region_code: str, area_length: int) -> dict[str, dict[str, int]]:
    """Per area (region codes cut to ``area_length``): persons in at least one cluster and the
    share of them enrolled today, in whole percent (the map's colours)."""
    code, live = _figures(user, region_code)
    if live is not None:
        rows = _counted(
            live.annotate(area=Substr("region_code", 1, area_length)), "area", distinct=True
        )
    else:
        rows = (
            ClusterCoverage.objects.filter(district_code__startswith=code, cluster=ANY_CLUSTER)
            .annotate(area=Substr("district_code", 1, area_length))
            .values("area")
            .annotate(**{name: Sum(name) for name in COUNTS})
            .order_by()
        )
    return {
        row["area"]: {
            "cluster_persons": row["persons"],
            "cluster_enrolled_percent": _percent(row),
        }
        for row in rows
    }


def coverage_refreshed_at() -> datetime | None:
    return ClusterCoverage.objects.aggregate(at=Max("refreshed_at"))["at"]


def _built(live: QuerySet[Any] | None) -> bool:
    """Whether there are figures to show as zeros: a run exists (counted on the spot) or the
    stored figures were built from one."""
    return latest_run() is not None if live is not None else ClusterCoverage.objects.exists()


def _percent(row: dict[str, Any]) -> int:
    persons = row["persons"] or 0
    return round(100 * (row["enrolled_persons"] or 0) / persons) if persons else 0
