"""Pre-aggregated registry figures per district, so dashboards stay fast at national scale.

One pass over persons and one over households, each a GROUP BY in the database; the district
rows are then rolled up to regencies and provinces by code prefix when a page asks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import connection, transaction
from django.utils import timezone

from sejahtera.registry.models import DistrictHouseholdFigure, DistrictPersonFigure

# The figures are kept per district (the finest level the dashboard reads pre-aggregated).
DISTRICT_CODE_LENGTH = 6
# Age groups that matter to programmes: early childhood (PKH), school age, productive age
# (PENA 20-45 sits inside), pre-elderly, elderly, PKH elderly (70+).
AGE_GROUPS = (
    ("0-6", 0, 6),
    ("7-17", 7, 17),
    ("18-44", 18, 44),
    ("45-59", 45, 59),
    ("60-69", 60, 69),
    ("70+", 70, 200),
)


def _age_case(column: str, as_of: date) -> tuple[str, list[date | str]]:
    """SQL CASE giving the age group of a birth date on ``as_of`` (portable: compares dates)."""
    parts: list[str] = []
    params: list[date | str] = []
    for label, low, high in AGE_GROUPS:
        youngest_birth = _years_before(as_of, low)
        oldest_birth = _years_before(as_of, high + 1)
        parts.append(f"WHEN {column} <= %s AND {column} > %s THEN %s")
        params += [youngest_birth, oldest_birth, label]
    return "CASE " + " ".join(parts) + " ELSE 'unknown' END", params


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


@dataclass(frozen=True)
class RegistryCounts:
    """Registry counts by area (a region code cut to one length).

    ``persons``: (area, sex, age group, persons, without NIK, with NIK warnings, deceased);
    ``households``: (area, households, households with an open possible duplicate).
    """

    persons: list[tuple[str, str, str, int, int, int, int]]
    households: list[tuple[str, int, int]]


def count_registry(area_length: int, as_of: date, within: str = "") -> RegistryCounts:
    """Count the registry by area of ``area_length`` digits, for villages whose code starts
    with ``within`` ('' = the whole registry): one GROUP BY per table in the database."""
    age_case, age_params = _age_case("p.birth_date", as_of)
    area = f"substr(h.village_id, 1, {int(area_length)})"
    where = "WHERE h.village_id LIKE %s"
    pattern: list[date | str] = [within + "%"]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT {area}, p.sex, {age_case},
                   count(*),
                   sum(CASE WHEN p.nik IS NULL THEN 1 ELSE 0 END),
                   sum(CASE WHEN p.nik_warnings IS NOT NULL THEN 1 ELSE 0 END),
                   sum(CASE WHEN p.deceased_date IS NOT NULL THEN 1 ELSE 0 END)
            FROM registry_person p JOIN registry_household h ON h.id = p.household_id
            {where} AND p.merged_into_id IS NULL AND NOT p.held_for_review
            GROUP BY 1, 2, 3
            """,
            age_params + pattern,
        )
        persons = cursor.fetchall()
        cursor.execute(
            f"SELECT {area}, count(*) FROM registry_household h {where} GROUP BY 1", pattern
        )
        households = cursor.fetchall()
        cursor.execute(
            f"""
            SELECT {area}, count(DISTINCT d.id)
            FROM registry_duplicatecandidate d
            JOIN registry_person p ON p.id = d.person_id
            JOIN registry_household h ON h.id = p.household_id
            {where} AND d.status = 'open' GROUP BY 1
            """,
            pattern,
        )
        duplicates = dict(cursor.fetchall())
    return RegistryCounts(
        persons=persons,
        households=[(code, count, duplicates.get(code, 0)) for code, count in households],
    )


@transaction.atomic
def refresh_figures(as_of: date | None = None) -> int:
    """Rebuild the district figures; returns the number of districts with people."""
    now = timezone.now()
    counts = count_registry(DISTRICT_CODE_LENGTH, as_of or timezone.localdate())
    DistrictPersonFigure.objects.all().delete()
    DistrictHouseholdFigure.objects.all().delete()
    DistrictPersonFigure.objects.bulk_create(
        DistrictPersonFigure(
            district_code=code,
            sex=sex,
            age_group=group,
            persons=persons,
            without_nik=without_nik,
            nik_warnings=warnings,
            deceased=deceased,
            refreshed_at=now,
        )
        for code, sex, group, persons, without_nik, warnings, deceased in counts.persons
    )
    DistrictHouseholdFigure.objects.bulk_create(
        DistrictHouseholdFigure(
            district_code=code,
            households=count,
            possible_duplicates=duplicates,
            refreshed_at=now,
        )
        for code, count, duplicates in counts.households
    )
    return len(counts.households)
