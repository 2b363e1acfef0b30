"""Dashboard queries over the pre-aggregated district figures (see services/statistics.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Max, Sum
from django.db.models.functions import Substr

from sejahtera.accounts import access
from sejahtera.accounts.models import User
from sejahtera.registry.models import DistrictHouseholdFigure, DistrictPersonFigure, Region
from sejahtera.registry.services.statistics import AGE_GROUPS

CHILD_CODE_LENGTH = {0: 2, 2: 4, 4: 6, 6: 6}
INDICATORS = ("persons", "households", "without_nik", "nik_warnings", "possible_duplicates")


@dataclass
class AreaFigures:
    code: str
    name: str
    persons: int = 0
    households: int = 0
    without_nik: int = 0
    nik_warnings: int = 0
    deceased: int = 0
    possible_duplicates: int = 0

    @property
    def without_nik_share(self) -> float:
        return self.without_nik / self.persons if self.persons else 0.0


@dataclass
class Dashboard:
    region: Region | None
    total: AreaFigures
    areas: list[AreaFigures]
    age_sex: dict[str, dict[str, int]] = field(default_factory=dict)
    refreshed_at: datetime | None = None


def dashboard_for(user: User, region_code: str = "") -> Dashboard:
    """Figures for ``region_code`` (within the user's scope; '' = the user's whole scope),
    broken down by the next level of regions."""
    access.require(user, access.DASHBOARD_READERS)
    scope = access.region_prefix(user)
    code = region_code if region_code.startswith(scope) else scope
    code = code[:6]  # figures go down to districts
    child_length = CHILD_CODE_LENGTH[len(code)]

    persons = DistrictPersonFigure.objects.filter(district_code__startswith=code)
    households = DistrictHouseholdFigure.objects.filter(district_code__startswith=code)
    areas: dict[str, AreaFigures] = {}
    for row in (
        persons.annotate(area=Substr("district_code", 1, child_length))
        .values("area")
        .annotate(
            persons=Sum("persons"),
            without_nik=Sum("without_nik"),
            nik_warnings=Sum("nik_warnings"),
            deceased=Sum("deceased"),
        )
    ):
        area = areas.setdefault(row["area"], AreaFigures(row["area"], ""))
        for name in ("persons", "without_nik", "nik_warnings", "deceased"):
            setattr(area, name, row[name] or 0)
    for row in (
        households.annotate(area=Substr("district_code", 1, child_length))
        .values("area")
        .annotate(households=Sum("households"), duplicates=Sum("possible_duplicates"))
    ):
        area = areas.setdefault(row["area"], AreaFigures(row["area"], ""))
        area.households = row["households"] or 0
        area.possible_duplicates = row["duplicates"] or 0
    names = dict(Region.objects.filter(code__in=areas).values_list("code", "name"))
    for area in areas.values():
        area.name = names.get(area.code, area.code)

    total = AreaFigures(code, "")
    for area in areas.values():
        for name in (
            "persons",
            "households",
            "without_nik",
            "nik_warnings",
            "deceased",
            "possible_duplicates",
        ):
            setattr(total, name, getattr(total, name) + getattr(area, name))

    age_sex: dict[str, dict[str, int]] = {label: {"L": 0, "P": 0} for label, _, _ in AGE_GROUPS}
    for row in persons.values("age_group", "sex").annotate(n=Sum("persons")):
        age_sex.setdefault(row["age_group"], {"L": 0, "P": 0})[row["sex"]] = row["n"]
    region = Region.objects.filter(code=code).first() if code else None
    return Dashboard(
        region=region,
        total=total,
        areas=sorted(areas.values(), key=lambda a: a.code),
        age_sex=age_sex,
        refreshed_at=households.aggregate(at=Max("refreshed_at"))["at"],
    )
