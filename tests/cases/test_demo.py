"""The demo creates cases in every stage, with events, referrals to the demo partner, and
families on both empowerment tracks through graduation and termination."""

from __future__ import annotations

from datetime import date

import pytest

from sejahtera.cases.demo import PATHS, ensure_demo_cases
from sejahtera.cases.models import Case, CaseEvent, ConditionalityRecord, Referral

pytestmark = pytest.mark.django_db


def test_demo_cases_cover_every_stage(settings, household_factory):
    settings.DEMO = True
    for index in range(len(PATHS)):
        household_factory(
            members=[
                {
                    "full_name": f"Demo {index}",
                    "sex": "P",
                    "birth_date": "1990-08-05",
                    "relationship": "head",
                },
                {
                    "full_name": f"Anak {index}",
                    "sex": "L",
                    "birth_date": "2016-05-05",
                    "relationship": "child",
                },
            ]
        )
    assert ensure_demo_cases(echo=lambda _: None, today=date(2026, 3, 2)) == len(PATHS)
    stages = set(Case.objects.values_list("stage", flat=True))
    assert stages == {
        "registered",
        "assessed",
        "protection",
        "rehabilitation",
        "empowerment",
        "graduated",
        "monitoring",
        "terminated",
        "closed",
    }
    assert CaseEvent.objects.filter(kind="reentry").count() == 1
    assert set(Referral.objects.values_list("organisation", flat=True)) == {"Kementerian UMKM"}
    # a family on each empowerment track graduated with every criterion of its track met
    proposals = CaseEvent.objects.filter(kind="grad_proposed").exclude(facts__track="")
    assert {p.facts["track"] for p in proposals} == {"business", "employment"}
    for proposal in proposals:
        assert proposal.facts["criteria"]
        assert all(proposal.facts["criteria"].values())
        assert proposal.facts["wage"]["kind"] == "UMK"  # Kabupaten Bogor's, from the table
    # rehabilitation is measured: a baseline and a second score, and the ATENSI steps
    rehabilitated = Case.objects.filter(functioning__phase="during").distinct()
    assert rehabilitated.exists()
    for case in rehabilitated:
        assert case.functioning.count() == 2
        assert case.functioning.last().total > case.functioning.first().total
        steps = case.events.filter(kind="atensi_step").values_list("facts__step", flat=True)
        assert list(steps) == ["engagement", "assessment", "plan", "intervention"]
    # a PKH family in protection with its child's school attendance, three months unmet
    pupil_months = ConditionalityRecord.objects.filter(person__full_name="Anak 2")
    assert list(pupil_months.values_list("value", flat=True)) == [92, 70, 64, 58]
    assert ensure_demo_cases(echo=lambda _: None) == 0  # idempotent
