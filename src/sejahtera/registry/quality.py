"""The registry's data-quality rules (``sejahtera.domain.quality``) as queries: each returns the
persons or households in the user's region that break it. A NIK group is judged over the whole
registry (the other household may lie elsewhere) but only the user's own rows are listed. Two
rules read the lists other agencies keep (``services.reference_lists``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import ExtractYear

from sejahtera.accounts.models import User
from sejahtera.domain import quality
from sejahtera.registry.models import Household, Person, ReferenceList, ReferenceListEntry
from sejahtera.registry.selectors import households_for, persons_for

HEAD, SPOUSE, CHILD = "head", "spouse", "child"


def _living(persons: QuerySet[Person]) -> QuerySet[Person]:
    return persons.filter(deceased_date__isnull=True)


def nik_inconsistent(user: User, today: date) -> QuerySet[Person]:
    return persons_for(user).filter(
        Q(nik_warnings__contains="NIK_SEX_MISMATCH")
        | Q(nik_warnings__contains="NIK_BIRTHDATE_MISMATCH")
    )


def nik_in_two_households(user: User, today: date) -> QuerySet[Person]:
    shared = (
        Person.objects.exclude(nik__isnull=True)
        .exclude(nik="")
        .values("nik")
        .annotate(households=Count("household", distinct=True))
        .filter(households__gt=1)
        .values("nik")
    )
    return persons_for(user).filter(nik__in=shared)


def nik_twice_in_household(user: User, today: date) -> QuerySet[Person]:
    twice = Person.objects.filter(
        household_id=OuterRef("household_id"), nik=OuterRef("nik")
    ).exclude(pk=OuterRef("pk"))
    return persons_for(user).exclude(nik__isnull=True).exclude(nik="").filter(Exists(twice))


def _heads() -> QuerySet[Person]:
    return _living(Person.objects.filter(household_id=OuterRef("pk"), relationship=HEAD))


def no_head(user: User, today: date) -> QuerySet[Household]:
    return households_for(user).filter(~Exists(_heads()))


def several_heads(user: User, today: date) -> QuerySet[Household]:
    heads = _heads().order_by().values("household_id").annotate(n=Count("id")).values("n")
    return households_for(user).annotate(heads=heads).filter(heads__gt=1)


def parent_too_young(user: User, today: date) -> QuerySet[Person]:
    """A child whose head or spouse was born less than 12 years before it (by birth year)."""
    young_parent = (
        Person.objects.filter(
            household_id=OuterRef("household_id"), relationship__in=(HEAD, SPOUSE)
        )
        .annotate(gap=ExtractYear(OuterRef("birth_date")) - ExtractYear("birth_date"))
        .filter(gap__lt=quality.PARENT_MIN_GAP_YEARS)
    )
    return persons_for(user).filter(relationship=CHILD).filter(Exists(young_parent))


def _years_before(today: date, years: int) -> date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def spouse_under_16(user: User, today: date) -> QuerySet[Person]:
    return _living(persons_for(user)).filter(
        relationship=SPOUSE, birth_date__gt=_years_before(today, quality.SPOUSE_MIN_AGE)
    )


def _listed(kind: str) -> QuerySet[ReferenceListEntry, Any]:
    return ReferenceListEntry.objects.filter(reference_list__kind=kind).values("nik")


def on_death_list(user: User, today: date) -> QuerySet[Person]:
    return _living(persons_for(user)).filter(nik__in=_listed(ReferenceList.Kind.DEATHS))


def civil_servant(user: User, today: date) -> QuerySet[Person]:
    return _living(persons_for(user)).filter(nik__in=_listed(ReferenceList.Kind.CIVIL_SERVANTS))


QUERIES: dict[str, Callable[[User, date], QuerySet[Person] | QuerySet[Household]]] = {
    "QUALITY_NIK_INCONSISTENT": nik_inconsistent,
    "QUALITY_NIK_IN_TWO_HOUSEHOLDS": nik_in_two_households,
    "QUALITY_NIK_TWICE_IN_HOUSEHOLD": nik_twice_in_household,
    "QUALITY_NO_HEAD": no_head,
    "QUALITY_SEVERAL_HEADS": several_heads,
    "QUALITY_PARENT_TOO_YOUNG": parent_too_young,
    "QUALITY_SPOUSE_UNDER_16": spouse_under_16,
    "QUALITY_ON_DEATH_LIST": on_death_list,
    "QUALITY_CIVIL_SERVANT": civil_servant,
}
