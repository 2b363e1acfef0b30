"""The case action catalogue: one list of the records kept on a case, which the stage table,
the record page and the API all follow, and one stage rule for both channels."""

from __future__ import annotations

import ast
from importlib.util import find_spec
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied

from sejahtera.cases import actions
from sejahtera.cases.models import CasePlan, ConsentRecord, IncomeRecord, Referral
from sejahtera.domain.cases import RECORD_STAGES, Stage
from sejahtera.web.views.cases import RECORD_FORMS

from .conftest import TODAY


def _kinds_the_api_writes() -> set[str]:
    """The kinds named by the API's ``_record`` calls, read from its source."""
    source = find_spec("sejahtera.api.cases").origin  # read, not imported: the API imports it
    tree = ast.parse(Path(source).read_text())
    return {
        call.args[2].value
        for call in ast.walk(tree)
        if isinstance(call, ast.Call)
        and getattr(call.func, "id", None) == "_record"
        and isinstance(call.args[2], ast.Constant)
    }


def test_the_stage_table_the_page_and_the_api_follow_the_one_catalogue():
    assert list(actions.ACTIONS) == list(RECORD_FORMS)
    assert set(actions.ACTIONS) == set(RECORD_STAGES)
    assert _kinds_the_api_writes() == set(actions.ACTIONS)


@pytest.mark.django_db
def test_a_closed_case_takes_no_record_on_the_page_or_through_the_api(
    client, api_post, case, worker, move
):
    move(case, Stage.CLOSED, reason="the family moved away")
    client.force_login(worker)
    page = client.post(f"/cases/{case.pk}/income/", {"month": "2026-02-01", "amount": "900000"})
    assert page.status_code == 409
    body = {"kind": "rehabilitation", "goals": "daily routine"}
    by_api = api_post(worker, f"/api/v1/cases/{case.pk}/plans", body, "plan-1")
    assert by_api.status_code == 422
    assert [e["code"] for e in by_api.json()["errors"]] == ["CASE_RECORD_NOT_IN_STAGE"]
    assert not CasePlan.objects.filter(case=case).exists()
    assert not IncomeRecord.objects.filter(case=case).exists()


@pytest.mark.django_db
def test_perform_writes_through_the_kinds_service(case, worker):
    plan = actions.perform(
        "plan",
        actor=worker,
        case=case,
        today=TODAY,
        arguments={"kind": "rehabilitation", "goals": "daily routine"},
    )
    assert isinstance(plan, CasePlan)
    assert (plan.created_on, plan.created_by) == (TODAY, worker)
    assert case.events.filter(kind="plan").exists()


def _referral(case, worker):
    from sejahtera.cases import services

    return services.send_referral(
        actor=worker, case=case, programme="PNM_MEKAAR", consent_method="signed", today=TODAY
    )


@pytest.mark.django_db
def test_consent_is_withdrawn_after_the_case_closed(api_post, case, worker, move):
    """A referral outlives its case (the partner takes it up later), so the family may still
    withdraw the consent that lets the partner see them."""
    referral = _referral(case, worker)
    move(case, Stage.CLOSED, reason="referred on; the family moved away")
    body = {"notes": "the family withdrew consent"}
    path = f"/api/v1/cases/{case.pk}/referrals/{referral.pk}/revoke"
    revoked = api_post(worker, path, body, "revoke-1")
    assert revoked.status_code == 201
    referral.refresh_from_db()
    assert referral.status == Referral.Status.REVOKED
    assert ConsentRecord.objects.get(referral=referral).withdrawn_on is not None


@pytest.mark.django_db
def test_a_record_about_another_case_is_refused(case, worker, household_factory, supervisor):
    from sejahtera.cases import services

    other_family = household_factory(
        members=[
            {"full_name": "Ani", "sex": "P", "birth_date": "1985-01-01", "relationship": "head"}
        ]
    )
    other = services.open_case(
        actor=worker,
        household=other_family,
        social_worker=worker,
        supervisor=supervisor,
        today=TODAY,
    )
    referral = _referral(other, worker)
    with pytest.raises(PermissionDenied):
        actions.perform(
            "revoke-referral",
            actor=worker,
            case=case,
            today=TODAY,
            arguments={"referral": referral, "outcome": "withdrawn"},
        )
    referral.refresh_from_db()
    assert referral.status == Referral.Status.SENT


@pytest.mark.django_db
def test_who_may_not_write_is_told_so_before_the_stage(api_post, case, move, make_user):
    move(case, Stage.CLOSED, reason="the family moved away")
    office = make_user("district_office", "3201")
    body = {"kind": "rehabilitation", "goals": "daily routine"}
    refused = api_post(office, f"/api/v1/cases/{case.pk}/plans", body, "plan-2")
    assert refused.status_code == 403
