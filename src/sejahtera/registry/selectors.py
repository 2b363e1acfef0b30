"""Read-side queries of the registry, always limited to what the user may see."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from itertools import islice
from pathlib import Path

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone

from sejahtera.accounts import access
from sejahtera.accounts.models import Role, User
from sejahtera.registry import privacy
from sejahtera.registry.models import (
    ChangeRecord,
    DuplicateCandidate,
    Household,
    ImportRun,
    Person,
    Region,
)

NUMBER_LENGTH = 16
_SPACES = re.compile(r"\s+")


def households_for(user: User) -> QuerySet[Household]:
    access.require(user, access.REGISTRY_READERS)
    prefix = access.region_prefix(user)
    households = Household.objects.all()
    return households.filter(village__code__startswith=prefix) if prefix else households


def persons_for(user: User) -> QuerySet[Person]:
    access.require(user, access.REGISTRY_READERS)
    prefix = access.region_prefix(user)
    persons = Person.objects.all()
    return persons.filter(household__village__code__startswith=prefix) if prefix else persons


def household_for(user: User, pk: int) -> Household:
    """The household if the user may see it; Household.DoesNotExist otherwise (never a hint
    that it exists elsewhere)."""
    return (
        households_for(user)
        .select_related("village__parent__parent__parent", "source_import__created_by")
        .get(pk=pk)
    )


def normalise_name(text: str) -> str:
    return _SPACES.sub(" ", text).strip().lower()


@dataclass(frozen=True)
class PersonSearch:
    query: str = ""
    region: str = ""  # a region code prefix within the user's scope


def search_persons(user: User, search: PersonSearch) -> QuerySet[Person]:
    """Persons by NIK, KK number or name (case-insensitive; on PostgreSQL also small typos),
    optionally within a region, ordered for stable pagination."""
    persons = persons_for(user).select_related("household__village")
    if search.region:
        persons = persons.filter(household__village__code__startswith=search.region)
    query = normalise_name(search.query)
    if not query:
        return persons.order_by("id")  # walks the primary key: the first page is instant
    # Never match a person whose identity the user sees masked (a child), whatever the query
    # (NIK, NIK prefix, KK or name): the search would confirm a masked name or NIK, or recover
    # a NIK digit by digit through its prefixes.
    persons = persons.filter(privacy.identity_visible(user, date.today()))
    if query.isdigit() and len(query) == NUMBER_LENGTH:
        # Resolve the KK first: an OR across the join would defeat both indexes.
        families = list(Household.objects.filter(kk_number=query).values_list("id", flat=True))
        return persons.filter(Q(nik=query) | Q(household_id__in=families)).order_by("id")
    if query.isdigit():
        return persons.filter(nik__startswith=query).order_by("nik", "id")
    if connection.vendor == "postgresql":
        # pg_trgm: LIKE and word similarity (small typos: "Siti Aminh") both use the GIN index
        # on lower(full_name) (migration 0002).
        by_name = Q(full_name__lower__contains=query) | Q(
            full_name__lower__trigram_word_similar=query
        )
    else:
        by_name = Q(full_name__icontains=query)
    return persons.filter(by_name).order_by("full_name", "id")


def change_history(entity: str, record_id: int) -> QuerySet[ChangeRecord]:
    return ChangeRecord.objects.filter(entity=entity, record_id=record_id).select_related(
        "actor", "import_run"
    )


def change_history_of_persons(person_ids: list[int]) -> QuerySet[ChangeRecord]:
    return ChangeRecord.objects.filter(
        entity=ChangeRecord.Entity.PERSON, record_id__in=person_ids
    ).select_related("actor", "import_run")


def duplicate_candidates_of(person_ids: list[int]) -> QuerySet[DuplicateCandidate]:
    return DuplicateCandidate.objects.filter(
        Q(person_id__in=person_ids) | Q(other_id__in=person_ids)
    ).select_related("person__household", "other__household")


@dataclass(frozen=True)
class ImportReport:
    """The lines of one severity in an import's CSV report, read a page at a time: a report
    can hold a rejection for each of a million rows, so it is never loaded whole. Sliceable and
    countable, which is what Django's ``Paginator`` needs."""

    path: Path
    severity: str

    def _lines(self) -> Iterator[dict[str, str]]:
        if not self.path.is_file():
            return
        with self.path.open(encoding="utf-8", newline="") as handle:
            yield from (
                line for line in csv.DictReader(handle) if line["severity"] == self.severity
            )

    def count(self) -> int:
        return sum(1 for _ in self._lines())

    def __getitem__(self, page: slice) -> list[dict[str, str]]:
        return list(islice(self._lines(), page.start, page.stop))


def import_report(run: ImportRun, severity: str) -> ImportReport:
    """``run``'s report lines of ``severity`` ("error": the rejected rows, or "warning");
    ``run`` comes from ``import_runs_for``, which decides who may read it."""
    return ImportReport(Path(run.report_file), severity)


def import_runs_for(user: User) -> QuerySet[ImportRun]:
    """The imports the user may follow: their own and those of the offices below their region
    (a provincial office follows its districts'; an administrator, all). Runs that died are
    marked failed first, so nobody waits on a run that will never finish."""
    from sejahtera.registry.services.uploads import expire_stale_runs

    access.require(user, access.REGISTRY_IMPORTERS)
    expire_stale_runs(timezone.now())
    runs = ImportRun.objects.select_related("created_by")
    prefix = access.region_prefix(user)
    if user.role == Role.ADMINISTRATOR or not prefix:
        return runs if user.role == Role.ADMINISTRATOR else runs.filter(created_by=user)
    # Offices below this one's region (a colleague in the same office keeps theirs).
    below = Q(created_by__region__code__startswith=prefix) & ~Q(created_by__region__code=prefix)
    return runs.filter(Q(created_by=user) | below)


def region_path(code: str) -> list[Region]:
    """The region and its ancestors, province first."""
    codes = [code[:n] for n in (2, 4, 6, 10) if n <= len(code)]
    regions = {r.code: r for r in Region.objects.filter(code__in=codes)}
    return [regions[c] for c in codes if c in regions]
