"""Read-side queries of the registry."""

from __future__ import annotations

from django.db.models import Q

from sejahtera.registry.models import DuplicateCandidate, Household, Person, Region


def registry_totals() -> dict[str, int]:
    persons = Person.objects.all()
    return {
        "regions": Region.objects.count(),
        "households": Household.objects.count(),
        "persons": persons.count(),
        "persons_without_nik": persons.filter(nik__isnull=True).count(),
        "nik_warnings": persons.filter(~Q(nik_warnings=None)).count(),
        "open_duplicates": DuplicateCandidate.objects.filter(
            status=DuplicateCandidate.Status.OPEN
        ).count(),
    }
