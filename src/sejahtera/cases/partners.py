"""The partner programmes catalogue as the case pages and the API read it, and the facts of a
family its conditions look at (``sejahtera.domain.partners`` holds the rules)."""

from __future__ import annotations

import functools
from datetime import date
from importlib import resources
from pathlib import Path

from django.conf import settings

from sejahtera.cases.graduation import case_track
from sejahtera.cases.models import Case
from sejahtera.domain.cases import age_on
from sejahtera.domain.partners import Family, Fit, PartnerProgramme, fits_first, read_catalogue
from sejahtera.registry.models import Person
from sejahtera.targeting.models import HouseholdResult
from sejahtera.targeting.selectors import latest_run

SHIPPED_CATALOGUE = Path(
    str(resources.files("sejahtera") / "data" / "partners" / "programmes.toml")
)


def catalogue() -> tuple[PartnerProgramme, ...]:
    """The catalogue in force: the office's file (``SEJAHTERA_PARTNER_PROGRAMMES``) or the
    shipped one; read again when the file changes."""
    path = Path(settings.SEJAHTERA_PARTNER_PROGRAMMES or SHIPPED_CATALOGUE)
    return _read(path, path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=4)
def _read(path: Path, _modified: int) -> tuple[PartnerProgramme, ...]:
    return read_catalogue(path.read_text(encoding="utf-8"))


def programme(code: str) -> PartnerProgramme | None:
    return next((p for p in catalogue() if p.code == code), None)


def family_of(case: Case, today: date) -> Family:
    run = latest_run()
    decile = (
        HouseholdResult.objects.filter(run=run, household_id=case.household_id)
        .values_list("national_decile", flat=True)
        .first()
        if run
        else None
    )
    members = Person.objects.filter(
        household_id=case.household_id, deceased_date__isnull=True
    ).values_list("birth_date", "sex")
    return Family(
        decile=decile,
        members=[(age_on(birth, today), sex) for birth, sex in members],
        track=case_track(case),
    )


def programmes_for(case: Case, today: date) -> list[Fit]:
    """Every programme of the catalogue, the ones the family fits first."""
    return fits_first(catalogue(), family_of(case, today))
