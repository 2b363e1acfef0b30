"""The registry's data quality: each deterministic rule with how many records of the user's
region break it, and the list of them as CSV (a logged export of their ids)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Count, QuerySet
from django.db.models.functions import Substr
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import render

from sejahtera.accounts import access
from sejahtera.accounts.models import User
from sejahtera.cases.selectors import open_cases_without_living_member
from sejahtera.domain import quality
from sejahtera.registry import privacy
from sejahtera.registry import quality as registry_quality
from sejahtera.registry.models import Region
from sejahtera.registry.privacy import MASK
from sejahtera.targeting.selectors import deceased_with_decisions
from sejahtera.web.downloads import csv_download
from sejahtera.web.http import AuthenticatedRequest

Query = Callable[[User, date], QuerySet[Any]]
# rule → its query and who may read it (every rule is read within the reader's region)
QUERIES: dict[str, tuple[Query, frozenset[str]]] = {
    **{code: (query, access.REGISTRY_READERS) for code, query in registry_quality.QUERIES.items()},
    "QUALITY_DECEASED_WITH_DECISION": (deceased_with_decisions, access.REGISTRY_READERS),
    "QUALITY_OPEN_CASE_NO_LIVING_MEMBER": (open_cases_without_living_member, access.CASE_READERS),
}
# what the list of each kind of record holds
COLUMNS: dict[quality.Subject, tuple[str, ...]] = {
    quality.Subject.PERSON: ("household_id", "person_id", "full_name", "nik", "village_code"),
    quality.Subject.HOUSEHOLD: ("household_id", "kk_number", "village_code"),
    quality.Subject.CASE: ("case_id", "household_id", "stage", "village_code"),
}


def _readable(user: User) -> list[quality.Rule]:
    return [rule for rule in quality.RULES if access.has_role(user, QUERIES[rule.code][1])]


# The column of each kind of record that holds its village (or region) code.
AREA_OF: dict[quality.Subject, str] = {
    quality.Subject.PERSON: "household__village_id",
    quality.Subject.HOUSEHOLD: "village_id",
    quality.Subject.CASE: "region_code",
}
# The level below the reader's region, by the length of its code ('' = all of Indonesia).
SUB_AREA_LENGTH = {0: 2, 2: 4, 4: 6, 6: 10, 10: 10}


@login_required
def overview(request: AuthenticatedRequest) -> HttpResponse:
    """Each rule's count in the reader's region, and the counts by the region's parts
    (provinces for the ministry, regencies for a province, …)."""
    access.require(request.user, access.REGISTRY_READERS)
    today = date.today()
    length = SUB_AREA_LENGTH[len(access.region_prefix(request.user))]
    rules = _readable(request.user)
    by_area: dict[str, dict[str, int]] = {}
    rows = []
    for rule in rules:
        records = QUERIES[rule.code][0](request.user, today)
        counts = (
            records.order_by()
            .annotate(area=Substr(AREA_OF[rule.subject], 1, length))
            .values("area")
            .annotate(records=Count("pk", distinct=True))
        )
        for row in counts:
            by_area.setdefault(row["area"], {})[rule.code] = row["records"]
        rows.append({"rule": rule, "count": sum(c["records"] for c in counts)})
    names = dict(Region.objects.filter(code__in=by_area).values_list("code", "name"))
    areas = [
        {
            "code": code,
            "name": names.get(code, code),
            "counts": [found.get(r.code, 0) for r in rules],
        }
        for code, found in sorted(by_area.items())
    ]
    return render(request, "web/registry/quality.html", {"rows": rows, "areas": areas})


def _values(user: User, subject: quality.Subject, records: QuerySet[Any]) -> Iterator[list[str]]:
    if subject is quality.Subject.PERSON:
        # a child's name and NIK masked for whoever sees them masked on every other page
        unmasked, today = privacy.may_read_specific(user), date.today()
        for p in records.select_related("household").order_by("household_id", "pk"):
            hidden = privacy.hidden_columns(p, unmasked=unmasked, today=today)
            yield [
                p.household.external_id,
                str(p.pk),
                MASK if "full_name" in hidden else p.full_name,
                MASK if "nik" in hidden and p.nik else p.nik or "",
                p.household.village_id,
            ]
    elif subject is quality.Subject.HOUSEHOLD:
        for h in records.order_by("pk"):
            yield [h.external_id, h.kk_number or "", h.village_id]
    else:
        for c in records.select_related("household").order_by("pk"):
            yield [str(c.pk), c.household.external_id, c.stage, c.region_code]


@login_required
def rule_csv(request: AuthenticatedRequest, code: str) -> StreamingHttpResponse:
    """The records breaking one rule, as CSV: an export of personal data, logged with the ids
    it contained."""
    rule = quality.BY_CODE.get(code)
    if rule is None:
        raise Http404
    query, readers = QUERIES[code]
    access.require(request.user, readers)
    records = query(request.user, date.today())
    ids = list(records.values_list("pk", flat=True))
    access.log_sensitive_read(request.user, str(rule.subject), ids, request.path)
    listed = records.filter(pk__in=ids)
    rows = [list(COLUMNS[rule.subject]), *_values(request.user, rule.subject, listed)]
    return csv_download(rows, f"{code.lower()}.csv")
