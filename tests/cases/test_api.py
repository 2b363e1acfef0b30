"""Case API: my cases, detail with timeline, moves (409/422), partner referrals."""

from __future__ import annotations

from datetime import date

import pytest

from sejahtera.accounts.models import ApiToken, SensitiveAccess
from sejahtera.accounts.tokens import create_token
from sejahtera.cases import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client):
    def as_user(user, scopes=(ApiToken.Scope.CASES,)):
        _token, secret = create_token(user, "test", list(scopes))
        auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}

        def call(method, path, body=None):
            if method == "get":
                return client.get(f"/api/v1{path}", **auth)
            return client.post(
                f"/api/v1{path}", body or {}, content_type="application/json", **auth
            )

        return call

    return as_user


def test_list_detail_and_move(api, case, worker):
    call = api(worker)
    listing = call("get", "/cases").json()
    assert [c["id"] for c in listing["items"]] == [case.pk]
    detail = call("get", f"/cases/{case.pk}").json()
    assert [e["kind"] for e in detail["timeline"]] == ["opened"]
    read = SensitiveAccess.objects.get()  # the detail, not the list, is logged
    assert (read.user, read.entity, read.record_ids) == (worker, "case", [case.pk])
    moved = call(
        "post", f"/cases/{case.pk}/moves", {"to_stage": "protection", "expected_version": 1}
    )
    assert moved.status_code == 200
    assert moved.json()["stage"] == "protection"
    stale = call("post", f"/cases/{case.pk}/moves", {"to_stage": "closed", "expected_version": 1})
    assert stale.status_code == 409
    refused = call("post", f"/cases/{case.pk}/moves", {"to_stage": "closed", "expected_version": 2})
    assert refused.status_code == 422
    assert refused["Content-Type"] == "application/problem+json"
    assert [e["code"] for e in refused.json()["errors"]] == ["CASE_REASON_MISSING"]


@pytest.mark.parametrize(
    "member",
    [
        {"clusters": ["disabilitas"]},  # none of the twelve codes
        {"clusters": ["X" * 40]},  # longer than the column: a 500 on PostgreSQL
        {"conditions": {"health": "x" * 2001}},  # every text of a case is bounded
    ],
)
def test_an_assessment_is_refused_whole_with_its_reason(api, case, worker, member):
    answer = api(worker)("post", f"/cases/{case.pk}/assessments", {"members": [member]})
    assert answer.status_code == 422
    assert answer["Content-Type"] == "application/problem+json"
    assert not case.assessments.exists()


def test_scope_and_ownership(api, case, worker, make_user):
    assert api(worker, scopes=("registry:read",))("get", "/cases").status_code == 403
    assert api(make_user("social_worker", "3201"))("get", f"/cases/{case.pk}").status_code == 404


def test_partner_referrals(api, case, worker, make_user):
    partner = make_user("partner_agency", organisation="Kementerian UMKM")
    referral = services.send_referral(
        actor=worker,
        case=case,
        programme="KUR_MIKRO",
        consent_method="signed",
        today=date.today(),
    )
    call = api(partner)
    [item] = call("get", "/referrals").json()["items"]
    assert (item["name"], item["programme"], item["consent_recorded"]) == (
        "Siti Aminah",
        "Kredit Usaha Rakyat (KUR) Mikro",
        True,
    )
    assert call("post", f"/referrals/{referral.pk}", {"status": "completed"}).status_code == 422
    done = call("post", f"/referrals/{referral.pk}", {"status": "accepted"})
    assert done.json()["status"] == "accepted"
    assert api(worker)("get", "/referrals").status_code == 403


def test_the_supervisor_terminates_before_graduation_for_a_listed_reason(
    api, case, worker, supervisor, make_user
):
    partner = make_user("partner_agency", organisation="BPJS Kesehatan")
    call = api(worker)
    call("post", f"/cases/{case.pk}/moves", {"to_stage": "protection", "expected_version": 1})
    referral = services.send_referral(
        actor=worker,
        case=case,
        programme="JKN_PBI",
        consent_method="signed",
        today=date.today(),
    )
    services.update_referral(
        actor=partner, referral=referral, status="accepted", today=date.today()
    )
    case.refresh_from_db()
    assert case.stage == "protection"  # an accepted referral does not end the case
    body = {"to_stage": "terminated", "expected_version": case.version}
    refused = call("post", f"/cases/{case.pk}/moves", body | {"termination_reason": "moved_away"})
    assert [e["code"] for e in refused.json()["errors"]] == ["CASE_TERMINATION_NEEDS_SUPERVISOR"]
    boss = api(supervisor)
    unknown = boss("post", f"/cases/{case.pk}/moves", body | {"termination_reason": "bored"})
    assert unknown.status_code == 422  # not a reason of the list
    moved = boss("post", f"/cases/{case.pk}/moves", body | {"termination_reason": "moved_away"})
    assert moved.json()["stage"] == "terminated"
    step = case.events.filter(to_stage="terminated").get()
    assert (step.actor, step.facts["termination_reason"]) == (supervisor, "moved_away")
