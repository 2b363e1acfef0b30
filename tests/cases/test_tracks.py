"""Empowerment on two tracks: the plan chooses business or employment, each track keeps its
own records, and the case page and the API show each graduation criterion met or missing
against the minimum wage in force; a proposal keeps them as its evidence."""

from __future__ import annotations

from datetime import date

import pytest

from sejahtera.cases import services
from sejahtera.cases.models import Case, MinimumWage
from sejahtera.domain.cases import GraduationType, Stage

from .conftest import BOGOR, TODAY

pytestmark = pytest.mark.django_db
UMK = 4_877_211


@pytest.fixture
def bogor_umk():
    return MinimumWage.objects.create(
        region_id=BOGOR, year=2026, amount=UMK, kind="UMK", instrument="Kepgub Jabar (test)"
    )


@pytest.fixture
def empowered(case):
    Case.objects.filter(pk=case.pk).update(stage=Stage.EMPOWERMENT)
    case.refresh_from_db()
    return case


def codes(refused):
    return [f.code for f in refused.value.findings]


def test_an_empowerment_plan_chooses_a_track(case, worker):
    with pytest.raises(services.TransitionRefused) as refused:
        services.write_plan(actor=worker, case=case, kind="empowerment", goals="x", today=TODAY)
    assert codes(refused) == ["CASE_EMPOWERMENT_TRACK_MISSING"]
    with pytest.raises(services.TransitionRefused) as refused:
        services.write_plan(
            actor=worker, case=case, kind="rehabilitation", track="business", goals="x", today=TODAY
        )
    assert codes(refused) == ["CASE_EMPOWERMENT_TRACK_MISMATCH"]
    assert not case.plans.exists()
    assert not case.events.filter(kind="plan").exists()


def test_each_track_keeps_its_own_records(empowered, worker, on_track):
    on_track(empowered, "business")
    with pytest.raises(services.TransitionRefused) as refused:
        services.record_training(
            actor=worker, case=empowered, course="catering", provider="BLK", started_on=TODAY
        )
    assert codes(refused) == ["CASE_EMPOWERMENT_TRACK_MISMATCH"]
    # a family may switch: the latest plan's track counts
    on_track(empowered, "employment")
    assert services.record_training(
        actor=worker, case=empowered, course="catering", provider="BLK", started_on=TODAY
    ).pk
    with pytest.raises(services.TransitionRefused) as refused:
        services.record_empowerment(actor=worker, case=empowered, given_on=TODAY)
    assert codes(refused) == ["CASE_EMPOWERMENT_TRACK_MISMATCH"]
    assert empowered.events.filter(kind="training").count() == 1


def test_a_certificate_comes_with_the_end_of_the_training(empowered, worker, on_track):
    on_track(empowered, "employment")
    with pytest.raises(services.TransitionRefused) as refused:
        services.record_training(
            actor=worker,
            case=empowered,
            course="catering",
            provider="BLK",
            started_on=TODAY,
            certificate="BLK-1",
        )
    assert codes(refused) == ["CASE_CERTIFICATE_BEFORE_END"]
    with pytest.raises(services.TransitionRefused) as refused:
        services.record_training(
            actor=worker,
            case=empowered,
            course="catering",
            provider="BLK",
            started_on=TODAY,
            ended_on=date(2026, 1, 1),
        )
    assert codes(refused) == ["CASE_DATES_REVERSED"]
    assert not empowered.trainings.exists()


def _business_evidence(case, worker, mentored_months):
    """Income above the UMK from November 2025; mentoring in ``mentored_months`` after it."""
    services.record_empowerment(
        actor=worker,
        case=case,
        given_on=date(2025, 9, 1),
        capital_form="cash",
        capital_items=[{"item": "warung", "value": 2_000_000}],
    )
    for month in (10, 11, 12):
        amount = UMK + 100_000 if month >= 11 else 1_000_000
        services.record_income(actor=worker, case=case, month=date(2025, month, 1), amount=amount)
    for month in (1, 2):
        services.record_income(
            actor=worker, case=case, month=date(2026, month, 1), amount=UMK + 100_000
        )
    for month in mentored_months:
        services.record_empowerment(actor=worker, case=case, given_on=month, mentoring_sessions=2)


def test_the_business_track_graduates_on_income_above_the_umk_and_four_months_of_mentoring(
    client, empowered, worker, on_track, bogor_umk
):
    on_track(empowered, "business")
    _business_evidence(empowered, worker, [date(2025, 12, 5), date(2026, 1, 5), date(2026, 2, 5)])
    client.force_login(worker)
    page = client.get(f"/cases/{empowered.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-wage="UMK"' in page
    assert "Kepgub Jabar (test)" in page
    assert 'data-criterion="GRAD_INCOME_ABOVE_WAGE" data-met="yes"' in page
    assert 'data-criterion="GRAD_MENTORING_AFTER_RISE" data-met="no"' in page
    assert "mentored in 3 months after income rose above the wage (4 needed)" in page
    services.record_empowerment(
        actor=worker, case=empowered, given_on=date(2026, 2, 20), mentoring_sessions=1
    )  # same month as before: still three
    services.record_empowerment(
        actor=worker, case=empowered, given_on=date(2026, 3, 1), mentoring_sessions=1
    )
    page = client.get(f"/cases/{empowered.pk}/", HTTP_ACCEPT_LANGUAGE="id").content.decode()
    assert 'data-criterion="GRAD_MENTORING_AFTER_RISE" data-met="yes"' in page
    assert "data-graduation-candidate" in page
    assert "Tunai" in page  # the capital was given in cash


def test_the_employment_track_reads_training_placement_and_income(
    api_post, client, empowered, worker, on_track, bogor_umk
):
    on_track(empowered, "employment")
    base = f"/api/v1/cases/{empowered.pk}"
    training = {
        "course": "Tata boga",
        "provider": "BLK Cibinong",
        "started_on": "2025-09-01",
        "ended_on": "2025-10-31",
        "certificate": "BLK-2025-17",
    }
    assert api_post(worker, f"{base}/trainings", training, "t-1").status_code == 201
    placement = {"employer": "RM Sederhana", "started_on": "2025-11-01", "monthly_wage": UMK}
    assert api_post(worker, f"{base}/placements", placement, "p-1").status_code == 201
    for month in ("2025-11-01", "2025-12-01", "2026-01-01", "2026-02-01"):
        income = api_post(worker, f"{base}/incomes", {"month": month, "amount": UMK + 1}, month)
        assert income.status_code == 201
    check = income.json()["case"]["graduation"]
    assert check["track"] == "employment"
    assert check["wage"] == {
        "amount": UMK,
        "kind": "UMK",
        "region_code": BOGOR,
        "year": 2026,
        "instrument": "Kepgub Jabar (test)",
    }
    met = {c["code"]: c["met"] for c in check["criteria"]}
    # the job pays exactly the UMK: not above it
    assert met == {
        "GRAD_TRAINING_CERTIFIED": True,
        "GRAD_PLACED_ABOVE_WAGE": False,
        "GRAD_INCOME_KEPT": True,
    }
    assert not check["candidate"] or "GRAD_TRACK_CRITERIA_MET" not in str(check["reasons"])
    raise_ = {"employer": "RM Sederhana", "started_on": "2026-02-01", "monthly_wage": UMK + 1}
    answer = api_post(worker, f"{base}/placements", raise_, "p-2").json()["case"]["graduation"]
    assert all(c["met"] for c in answer["criteria"])
    assert answer["candidate"]
    # in the default language, Indonesian
    assert "semua kriteria graduasi jalur pemberdayaan terpenuhi" in answer["reasons"]


def test_a_graduation_proposal_keeps_the_criteria_as_they_stood(
    empowered, worker, on_track, bogor_umk
):
    on_track(empowered, "business")
    _business_evidence(empowered, worker, [date(2025, 12, 5)])
    services.propose_graduation(
        actor=worker,
        case=empowered,
        type=GraduationType.MANDIRI,
        signed_statement=True,
        today=TODAY,
    )
    facts = empowered.events.get(kind="grad_proposed").facts
    assert facts["track"] == "business"
    assert facts["criteria"] == {"GRAD_INCOME_ABOVE_WAGE": True, "GRAD_MENTORING_AFTER_RISE": False}
    assert facts["wage"] == {"amount": UMK, "kind": "UMK"}


def test_the_page_offers_the_records_of_the_cases_track(client, empowered, worker, on_track):
    client.force_login(worker)
    on_track(empowered, "employment")
    page = client.get(f"/cases/{empowered.pk}/").content.decode()
    assert 'data-record="training"' in page
    assert 'data-record="placement"' in page
    assert 'data-record="empowerment"' not in page
    on_track(empowered, "business")
    page = client.get(f"/cases/{empowered.pk}/").content.decode()
    assert 'data-record="empowerment"' in page
    assert 'data-record="training"' not in page
