"""The browser journey (tests/browser/test_case_journey.py) through the API.

The API (scope ``cases``) moves cases, shows the timeline and lets partner agencies decide
referrals; it has no endpoints yet for the records kept on a case (assessment, plan, ATENSI
service, income), graduation proposals and approval, or sending a referral. Those steps go
through the services here, as the API's users would do on the pages; every move, refusal and
the partner's decision goes through the API.
"""

from __future__ import annotations

from datetime import date

import pytest

from sejahtera.accounts.models import ApiToken
from sejahtera.accounts.tokens import create_token
from sejahtera.cases import services
from sejahtera.cases.models import MinimumWage
from sejahtera.domain.cases import GraduationType, follow_up_dates

pytestmark = pytest.mark.django_db
PARTNER = "Kementerian UMKM"


@pytest.fixture
def api(client):
    def as_user(user):
        _token, secret = create_token(user, "test", [ApiToken.Scope.CASES])
        auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}

        def call(method, path, body=None):
            if method == "get":
                return client.get(f"/api/v1{path}", **auth)
            return client.post(
                f"/api/v1{path}", body or {}, content_type="application/json", **auth
            )

        return call

    return as_user


def test_the_whole_journey_through_the_api(api, case, worker, supervisor, make_user):
    today = date.today()
    MinimumWage.objects.create(
        region_id="3201", year=today.year, amount=4_800_000, kind="UMK", instrument="Kepgub test"
    )
    partner = make_user("partner_agency", organisation=PARTNER)
    call = api(worker)

    def move(stage, reason=""):
        version = call("get", f"/cases/{case.pk}").json()["version"]
        return call(
            "post",
            f"/cases/{case.pk}/moves",
            {"to_stage": stage, "reason": reason, "expected_version": version},
        )

    def codes(response):
        assert response.status_code == 422
        return [e["code"] for e in response.json()["errors"]]

    head = case.household.members.get(relationship="head")
    assert codes(move("rehabilitation")) == ["CASE_TRANSITION_NOT_ALLOWED"]
    services.record_assessment(
        actor=worker,
        case=case,
        members=[services.MemberAssessment(head, ("PEREMPUAN_RENTAN",), {"work": "snacks"})],
        today=today,
    )
    assert move("protection").json()["stage"] == "protection"
    assert move("rehabilitation").json()["stage"] == "rehabilitation"
    services.record_service(
        actor=worker,
        case=case,
        component="vocational",
        provider_type="community",
        started_on=today,
    )
    assert codes(move("empowerment")) == ["CASE_EMPOWERMENT_PLAN_MISSING"]
    services.write_plan(
        actor=worker,
        case=case,
        kind="empowerment",
        track="business",
        goals="a food stall",
        today=today,
    )
    assert move("empowerment").json()["stage"] == "empowerment"
    index = today.year * 12 + today.month - 1
    for i in range(index - 4, index):
        services.record_income(
            actor=worker, case=case, month=date(i // 12, i % 12 + 1, 1), amount=5_200_000
        )
    assert codes(move("graduated")) == [
        "CASE_GRADUATION_TYPE_MISSING",
        "CASE_SUPERVISOR_APPROVAL_MISSING",
    ]
    case.refresh_from_db()
    request = services.propose_graduation(
        actor=worker, case=case, type=GraduationType.MANDIRI, signed_statement=True, today=today
    )
    case.refresh_from_db()
    services.decide_graduation(
        actor=supervisor, request=request, approve=True, expected_version=case.version, today=today
    )
    assert call("get", f"/cases/{case.pk}").json()["stage"] == "graduated"
    # the supervisor sees the case too
    assert api(supervisor)("get", f"/cases/{case.pk}").json()["stage"] == "graduated"

    referral = services.send_referral(
        actor=worker,
        case=case,
        programme="KUR_MIKRO",
        consent_method="signed",
        today=today,
    )
    assert codes(move("terminated")) == ["CASE_REFERRAL_NOT_ACCEPTED"]
    agency = api(partner)
    [item] = agency("get", "/referrals").json()["items"]
    assert (item["id"], item["name"], item["consent_recorded"]) == (
        referral.pk,
        "Siti Aminah",
        True,
    )
    assert agency("get", f"/cases/{case.pk}").status_code == 403  # partners see no cases
    accepted = agency("post", f"/referrals/{referral.pk}", {"status": "accepted"})
    assert accepted.json()["status"] == "accepted"

    assert move("terminated").json()["stage"] == "terminated"
    final = move("monitoring").json()
    assert final["stage"] == "monitoring"
    assert [(e["kind"], e["to_stage"]) for e in final["timeline"]] == [
        ("opened", "registered"),
        ("assessed", ""),
        ("moved", "protection"),
        ("moved", "rehabilitation"),
        ("service", ""),  # every record is on the timeline
        ("plan", ""),
        ("moved", "empowerment"),
        ("income", ""),
        ("income", ""),
        ("income", ""),
        ("income", ""),
        ("grad_proposed", ""),
        ("moved", "graduated"),
        ("referral", ""),
        ("referral", ""),
        ("moved", "terminated"),
        ("moved", "monitoring"),
    ]
    assert sorted(case.follow_ups.values_list("due_on", flat=True)) == follow_up_dates(today)
