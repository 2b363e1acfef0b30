"""Dashboard queries over the pre-aggregated district figures (see services/statistics.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Max, Sum
from django.db.models.functions import Substr
from django.utils import timezone

from sejahtera.accounts import access
from sejahtera.accounts.models import User
from sejahtera.registry.models import DistrictHouseholdFigure, DistrictPersonFigure, Region
from sejahtera.registry.services.statistics import (
    AGE_GROUPS,
    DISTRICT_CODE_LENGTH,
    RegistryCounts,
    count_registry,
)

CHILD_CODE_LENGTH = {0: 2, 2: 4, 4: 6, 6: 6}
INDICATORS = ("persons", "households", "without_nik", "nik_warnings", "possible_duplicates")
SUMMED = (*INDICATORS, "deceased")


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
    broken down by the next level of regions.

    The pre-aggregated figures go down to districts; a user scoped below a district (a village
    operator) gets their own area counted live instead, never the district around it.
    """
    access.require(user, access.DASHBOARD_READERS)
    scope = access.region_prefix(user)
    code = access.scoped_region(user, region_code)
    if len(scope) > DISTRICT_CODE_LENGTH:
        counts = count_registry(len(scope), timezone.localdate(), within=scope)
        refreshed_at = timezone.now()
    else:
        code = code[:DISTRICT_CODE_LENGTH]
        counts = _district_figures(code, CHILD_CODE_LENGTH[len(code)])
        refreshed_at = DistrictHouseholdFigure.objects.filter(
            district_code__startswith=code
        ).aggregate(at=Max("refreshed_at"))["at"]

    areas: dict[str, AreaFigures] = {}
    age_sex: dict[str, dict[str, int]] = {label: {"L": 0, "P": 0} for label, _, _ in AGE_GROUPS}
    for area_code, sex, age_group, persons, without_nik, warnings, deceased in counts.persons:
        area = areas.setdefault(area_code, AreaFigures(area_code, ""))
        area.persons += persons
        area.without_nik += without_nik
        area.nik_warnings += warnings
        area.deceased += deceased
        age_sex.setdefault(age_group, {"L": 0, "P": 0})[sex] += persons
    for area_code, households, duplicates in counts.households:
        area = areas.setdefault(area_code, AreaFigures(area_code, ""))
        area.households = households
        area.possible_duplicates = duplicates
    names = dict(Region.objects.filter(code__in=areas).values_list("code", "name"))
    for area in areas.values():
        area.name = names.get(area.code, area.code)

    total = AreaFigures(code, "")
    for area in areas.values():
        for name in SUMMED:
            setattr(total, name, getattr(total, name) + getattr(area, name))
    return Dashboard(
        region=Region.objects.filter(code=code).first() if code else None,
        total=total,
        areas=sorted(areas.values(), key=lambda a: a.code),
        age_sex=age_sex,
        refreshed_at=refreshed_at,
    )


def _district_figures(code: str, child_length: int) -> RegistryCounts:
    """The pre-aggregated figures under ``code``, rolled up to areas of ``child_length``."""
    area = Substr("district_code", 1, child_length)
    persons = (
        DistrictPersonFigure.objects.filter(district_code__startswith=code)
        .annotate(area=area)
        .values_list("area", "sex", "age_group")
        .annotate(Sum("persons"), Sum("without_nik"), Sum("nik_warnings"), Sum("deceased"))
        .order_by()
    )
    households = (
        DistrictHouseholdFigure.objects.filter(district_code__startswith=code)
        .annotate(area=area)
        .values_list("area")
        .annotate(Sum("households"), Sum("possible_duplicates"))
        .order_by()
    )
    return RegistryCounts(persons=list(persons), households=list(households))
