"""What the graduation check reads from targeting: the PKH components the latest run found."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from sejahtera.cases.graduation import pkh_components_left
from sejahtera.targeting.models import Decision, TargetingRun

pytestmark = pytest.mark.django_db


def _decided(household, **decision) -> None:
    run = TargetingRun.objects.create(
        as_of=date(2026, 7, 1),
        rules_text="",
        status=TargetingRun.Status.COMPLETED,
        finished_at=timezone.now(),
    )
    Decision.objects.create(
        run=run,
        household=household,
        region_code=household.village_id,
        national_decile=2,
        programme="PKH",
        **decision,
    )


def test_a_family_cut_by_a_quota_keeps_its_components(household_factory):
    """Eligible by the rules, left out by a quota: not an *alami* graduate (no qualifying
    component left), which a count of 0 would let a supervisor approve."""
    family = household_factory()
    _decided(
        family,
        eligible=False,
        limited_by=Decision.Limit.QUOTA,
        components=["EARLY_CHILD"],
        reasons=["QUOTA_REACHED:3201:4:5"],
    )
    assert pkh_components_left(family) == 1


def test_a_family_the_rules_leave_out_has_none_left(household_factory):
    family = household_factory()
    _decided(family, eligible=False, components=[], reasons=[])
    assert pkh_components_left(family) == 0


def test_without_a_run_nobody_knows(household_factory):
    assert pkh_components_left(household_factory()) is None
