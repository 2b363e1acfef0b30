"""Pre-aggregated registry figures per district, so dashboards stay fast at national scale.

One pass over persons and one over households, each a GROUP BY in the database; the district
rows are then rolled up to regencies and provinces by code prefix when a page asks.
"""

from __future__ import annotations

from datetime import date

from django.db import connection, transaction
from django.utils import timezone

from sejahtera.registry.models import DistrictHouseholdFigure, DistrictPersonFigure

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


@transaction.atomic
def refresh_figures(as_of: date | None = None) -> int:
    """Rebuild the district figures; returns the number of districts with people."""
    as_of = as_of or timezone.localdate()
    now = timezone.now()
    age_case, params = _age_case("p.birth_date", as_of)
    district = "substr(h.village_id, 1, 6)"
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT {district}, p.sex, {age_case},
                   count(*),
                   sum(CASE WHEN p.nik IS NULL THEN 1 ELSE 0 END),
                   sum(CASE WHEN p.nik_warnings IS NOT NULL THEN 1 ELSE 0 END),
                   sum(CASE WHEN p.deceased_date IS NOT NULL THEN 1 ELSE 0 END)
            FROM registry_person p JOIN registry_household h ON h.id = p.household_id
            GROUP BY 1, 2, 3
            """,
            params,
        )
        person_rows = cursor.fetchall()
        cursor.execute(
            f"""
            SELECT {district}, count(*) FROM registry_household h GROUP BY 1
            """
        )
        household_rows = cursor.fetchall()
        cursor.execute(
            f"""
            SELECT {district}, count(DISTINCT d.id)
            FROM registry_duplicatecandidate d
            JOIN registry_person p ON p.id = d.person_id
            JOIN registry_household h ON h.id = p.household_id
            WHERE d.status = 'open' GROUP BY 1
            """
        )
        duplicates = dict(cursor.fetchall())
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
        for code, sex, group, persons, without_nik, warnings, deceased in person_rows
    )
    DistrictHouseholdFigure.objects.bulk_create(
        DistrictHouseholdFigure(
            district_code=code,
            households=count,
            possible_duplicates=duplicates.get(code, 0),
            refreshed_at=now,
        )
        for code, count in household_rows
    )
    return len(household_rows)
