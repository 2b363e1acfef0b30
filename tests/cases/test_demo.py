"""The demo creates cases in every stage, with events, referrals to the demo partner, and
families on both empowerment tracks through graduation and termination."""

from __future__ import annotations

from datetime import date

import pytest

from sejahtera.cases.demo import PATHS, ensure_demo_cases
from sejahtera.cases.models import Case, CaseEvent, Referral

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
                }
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
    assert ensure_demo_cases(echo=lambda _: None) == 0  # idempotent
