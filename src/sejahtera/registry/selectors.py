"""Read-side queries of the registry, always limited to what the user may see."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import islice
from pathlib import Path
from typing import Any, overload

from django.db.models import Case, Exists, F, OuterRef, Q, QuerySet, When
from django.db.models.functions import Length

from sejahtera.accounts import access
from sejahtera.accounts.models import User
from sejahtera.registry import privacy
from sejahtera.registry.models import (
    ChangeRecord,
    DuplicateCandidate,
    Household,
    ImportRun,
    Person,
    Region,
)
from sejahtera.registry.name_search import matching_names

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


# The columns a person list sorts by; without one, a name search lists the closest names first.
PERSON_SORTS = {
    "name": "full_name",
    "birth_date": "birth_date",
    "village": "household__village__name",
}
IDENTITY_SORTS = {"full_name", "birth_date"}


# What a data-quality list narrows persons to (the dashboard's "to review" figures).
CONCERNS = {
    "without_nik": Q(nik__isnull=True) | Q(nik=""),
    "nik_warnings": Q(nik_warnings__isnull=False) & ~Q(nik_warnings=""),
    "possible_duplicates": Exists(
        DuplicateCandidate.objects.filter(
            Q(person=OuterRef("pk")) | Q(other=OuterRef("pk")),
            status=DuplicateCandidate.Status.OPEN,
        )
    ),
}


@dataclass(frozen=True)
class PersonSearch:
    query: str = ""
    region: str = ""  # a region code prefix within the user's scope
    sort: str = ""  # a PERSON_SORTS key, "-" first to reverse
    concern: str = ""  # a CONCERNS key


def search_persons(user: User, search: PersonSearch) -> QuerySet[Person]:
    """Persons by NIK, KK number or name (case-insensitive, forgiving small typos, the closest
    first), optionally within a region and sorted by a column, ordered for stable pagination."""
    persons = persons_for(user).select_related("household__village")
    if search.region:
        persons = persons.filter(household__village__code__startswith=search.region)
    query = normalise_name(search.query)
    today = date.today()
    order: tuple[Any, ...] = ("id",)  # walks the primary key: the first page is instant
    if search.concern:
        # Only persons whose identity the user sees: a masked child's NIK warnings are hidden.
        persons = persons.filter(CONCERNS[search.concern], privacy.identity_visible(user, today))
    if query:
        # Never match a person whose identity the user sees masked (a child), whatever the
        # query (NIK, NIK prefix, KK or name): the search would confirm a masked name or NIK,
        # or recover a NIK digit by digit through its prefixes.
        persons = persons.filter(privacy.identity_visible(user, today))
        if query.isdigit() and len(query) == NUMBER_LENGTH:
            # Resolve the KK first: an OR across the join would defeat both indexes.
            families = list(Household.objects.filter(kk_number=query).values_list("id", flat=True))
            persons = persons.filter(Q(nik=query) | Q(household_id__in=families))
        elif query.isdigit():
            persons, order = persons.filter(nik__startswith=query), ("nik", "id")
        else:
            persons, order = matching_names(persons, query), ("-relevance", "full_name", "id")
    if search.sort:
        order = _column_order(user, today, search.sort)
    return persons.order_by(*order)


def _column_order(user: User, today: date, sort: str) -> tuple[Any, ...]:
    field = PERSON_SORTS[sort.lstrip("-")]
    key: Any = F(field)
    visible = privacy.identity_visible(user, today)
    if visible and field in IDENTITY_SORTS:
        # A masked person (a child) has no sort value and falls to the end in record order:
        # its place among sorted names or birth dates would give away the hidden value.
        key = Case(When(visible, then=key))
    by = key.desc(nulls_last=True) if sort.startswith("-") else key.asc(nulls_last=True)
    return (by, "id")


def change_history(entity: str, record_id: int) -> QuerySet[ChangeRecord]:
    return ChangeRecord.objects.filter(entity=entity, record_id=record_id).select_related(
        "actor", "import_run"
    )


def change_history_of_persons(person_ids: list[int]) -> QuerySet[ChangeRecord]:
    """The persons' changes, and those of the records merged into them (the audit trail is
    append-only: a merge moves no change, the kept record shows them)."""
    return ChangeRecord.objects.filter(
        entity=ChangeRecord.Entity.PERSON,
        record_id__in=[*person_ids, *merged_into(person_ids)],
    ).select_related("actor", "import_run")


def held_members_of(household: Household) -> QuerySet[Person]:
    """The persons an import sent for ``household`` and holds until their pair is reviewed."""
    return Person.all_objects.filter(
        household=household, held_for_review=True, merged_into__isnull=True
    )


def merged_into(person_ids: list[int]) -> dict[int, int]:
    """The records merged into these persons: merged record id → the person it is now."""
    merged = Person.all_objects.filter(merged_into__in=person_ids)
    return {pk: kept for pk, kept in merged.values_list("pk", "merged_into") if kept is not None}


def duplicate_candidates_for(user: User) -> QuerySet[DuplicateCandidate]:
    """The possible duplicates ``user`` reviews: both persons within their region."""
    access.require(user, access.DUPLICATE_REVIEWERS)
    prefix = access.region_prefix(user)
    candidates = DuplicateCandidate.objects.all()
    if prefix:
        candidates = candidates.filter(
            person__household__village__code__startswith=prefix,
            other__household__village__code__startswith=prefix,
        )
    return candidates


def review_queue(
    user: User, status: str = DuplicateCandidate.Status.OPEN
) -> QuerySet[DuplicateCandidate]:
    """The pairs of one review status, the likeliest first (a shared NIK not yet scored by
    linkage after the scored ones), then the oldest."""
    return (
        duplicate_candidates_for(user)
        .filter(status=status)
        .select_related("person__household__village", "other__household__village", "reviewed_by")
        .order_by(F("match_probability").desc(nulls_last=True), "pk")
    )


def linked_pairs(user: User, candidate: DuplicateCandidate) -> QuerySet[DuplicateCandidate]:
    """The other pairs ``user`` reviews that hold either person of ``candidate``: with it,
    the group of records that may all be one person."""
    both = [candidate.person_id, candidate.other_id]
    return (
        duplicate_candidates_for(user)
        .filter(Q(person_id__in=both) | Q(other_id__in=both))
        .exclude(pk=candidate.pk)
        .select_related("person__household", "other__household")
        .order_by(F("match_probability").desc(nulls_last=True), "pk")
    )


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

    __len__ = count

    def __iter__(self) -> Iterator[dict[str, str]]:
        return self._lines()

    @overload
    def __getitem__(self, index: int) -> dict[str, str]: ...
    @overload
    def __getitem__(self, index: slice) -> list[dict[str, str]]: ...
    def __getitem__(self, index: int | slice) -> dict[str, str] | list[dict[str, str]]:
        if isinstance(index, int):
            for line in islice(self._lines(), index, None):
                return line
            raise IndexError(index)
        return list(islice(self._lines(), index.start, index.stop))


def import_report(run: ImportRun, severity: str) -> ImportReport:
    """``run``'s report lines of ``severity`` ("error": the rejected rows, or "warning");
    ``run`` comes from ``uploads.import_runs_for``, which decides who may read it."""
    return ImportReport(Path(run.report_file), severity)


def subject_names(user: User, subjects: Sequence[tuple[int, int | None]], today: date) -> list[str]:
    """The name of whom each (household id, person id or None) stands for: the person, or the
    household's head; masked as the household page masks them ("–" for a household without
    a head). Two queries, whatever the number of subjects."""
    persons = Person.objects.filter(pk__in={p for _h, p in subjects if p})
    heads = Person.objects.filter(
        household_id__in={h for h, p in subjects if not p}, relationship="head"
    )
    by_person = {person.pk: person for person in persons.only("full_name", "birth_date")}
    by_household = {
        head.household_id: head for head in heads.only("household_id", "full_name", "birth_date")
    }
    unmasked = privacy.may_read_specific(user)
    names = []
    for household_id, person_id in subjects:
        person = by_person.get(person_id) if person_id else by_household.get(household_id)
        names.append(
            privacy.visible_name(person, unmasked=unmasked, today=today) if person else "–"
        )
    return names


def names_masked_in(user: User, text: str, household_id: int, today: date) -> str:
    """``text`` (words a social worker or the system wrote about a family) with the name of
    each member ``user`` sees masked replaced as the household page masks it: a cited child's
    non-compliance, read by a programme manager."""
    if not text or privacy.may_read_specific(user):
        return text
    members = Person.objects.filter(household_id=household_id).only("full_name", "birth_date")
    for person in sorted(members, key=lambda p: -len(p.full_name)):  # "Budi Santoso" first
        shown = privacy.visible_name(person, unmasked=False, today=today)
        if person.full_name and shown != person.full_name:
            text = text.replace(person.full_name, shown)
    return text


def regions_named(text: str, within: str, limit: int = 5) -> list[Region]:
    """The regions within ``within`` (a code prefix, '' for the country) whose name is
    ``text``, ignoring case; failing that, those whose name contains it (at most ``limit``,
    widest first)."""
    regions = Region.objects.filter(code__startswith=within) if within else Region.objects.all()
    exact = list(regions.filter(name__iexact=text)[: limit + 1])
    if exact:
        return exact
    return list(
        regions.filter(name__icontains=text)
        .annotate(depth=Length("code"))
        .order_by("depth", "code")[: limit + 1]
    )


def region_path(code: str) -> list[Region]:
    """The region and its ancestors, province first."""
    codes = [code[:n] for n in (2, 4, 6, 10) if n <= len(code)]
    regions = {r.code: r for r in Region.objects.filter(code__in=codes)}
    return [regions[c] for c in codes if c in regions]
