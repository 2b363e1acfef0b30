"""Every record a social worker keeps on a case works from the pages and from the API."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from sejahtera.accounts.models import ApiToken
from sejahtera.accounts.tokens import create_token
from sejahtera.cases import services
from sejahtera.cases.models import Case, FollowUp, Referral
from sejahtera.domain.cases import Stage

from .conftest import BOGOR, TODAY

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client):
    def as_user(user):
        _token, secret = create_token(user, "t", [ApiToken.Scope.CASES])

        def post(path, body):
            return client.post(
                f"/api/v1{path}",
                body,
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {secret}",
            )

        return post

    return as_user


def test_the_whole_journey_through_the_api(api, case, worker, supervisor, make_user):
    post = api(worker)
    head = case.household.members.get(relationship="head")
    base = f"/cases/{case.pk}"

    assert (
        post(
            f"{base}/services",
            {"component": "family_support", "provider_type": "family", "started_on": "2026-01-05"},
        ).status_code
        == 422
    )  # no assessment
    assessed = post(
        f"{base}/assessments",
        {
            "members": [
                {
                    "person_id": head.pk,
                    "clusters": ["PEREMPUAN_RENTAN"],
                    "conditions": {"work": "vendor"},
                }
            ]
        },
    )
    assert assessed.status_code == 201, assessed.content
    version = assessed.json()["case"]["version"]
    for stage in ("assessed", "protection", "rehabilitation"):
        moved = post(f"{base}/moves", {"to_stage": stage, "expected_version": version})
        assert moved.status_code == 200, moved.content
        version = moved.json()["version"]
    service = post(
        f"{base}/services",
        {
            "component": "family_support",
            "provider_type": "family",
            "started_on": "2026-01-05",
            "outcome": "ok",
        },
    )
    assert service.status_code == 201, service.content
    refused = post(f"{base}/moves", {"to_stage": "empowerment", "expected_version": version})
    assert "CASE_EMPOWERMENT_PLAN_MISSING" in {e["code"] for e in refused.json()["errors"]}
    assert (
        post(
            f"{base}/plans", {"kind": "empowerment", "track": "business", "goals": "a food stall"}
        ).status_code
        == 201
    )
    moved = post(f"{base}/moves", {"to_stage": "empowerment", "expected_version": version})
    assert moved.status_code == 200, moved.content
    capital = post(
        f"{base}/empowerment",
        {
            "given_on": "2026-02-01",
            "mentoring_sessions": 4,
            "capital_items": [{"item": "cart", "value": 2_500_000}],
        },
    )
    assert capital.status_code == 201
    too_much = post(
        f"{base}/empowerment",
        {"given_on": "2026-02-02", "capital_items": [{"item": "stall", "value": 5_000_000}]},
    )
    assert {e["code"] for e in too_much.json()["errors"]} == {"CASE_PENA_CAPITAL_ABOVE_MAXIMUM"}
    for month in ("2025-10-01", "2025-11-01", "2025-12-01", "2026-01-01"):
        assert post(f"{base}/incomes", {"month": month, "amount": 9_000_000}).status_code == 201
    proposal = post(f"{base}/graduation", {"type": "mandiri", "signed_statement": True})
    assert proposal.status_code == 201
    version = proposal.json()["case"]["version"]

    approved = api(supervisor)(
        f"{base}/graduation/{proposal.json()['id']}/decision",
        {"approve": True, "expected_version": version},
    )
    assert approved.status_code == 201, approved.content
    assert approved.json()["case"]["stage"] == Stage.GRADUATED
    assert FollowUp.objects.filter(case=case).count() == 3

    referral = post(
        f"{base}/referrals",
        {"programme": "KUR_MIKRO", "consent_method": "signed"},
    )
    assert referral.status_code == 201
    revoked = post(f"{base}/referrals/{referral.json()['id']}/revoke", {"notes": "withdrew"})
    assert revoked.status_code == 201
    assert Referral.objects.get().status == Referral.Status.REVOKED
    visit = FollowUp.objects.filter(case=case).order_by("due_on").first()
    done = post(f"{base}/follow-ups/{visit.pk}/done", {"notes": "still trading"})
    assert done.status_code == 201
    visit.refresh_from_db()
    assert visit.done_on is not None

    other_worker = make_user("social_worker", BOGOR)
    case.refresh_from_db()
    moved_to = api(supervisor)(
        f"{base}/transfer",
        {
            "social_worker": other_worker.username,
            "reason": "caseload",
            "expected_version": case.version,
        },
    )
    assert moved_to.status_code == 201, moved_to.content
    assert Case.objects.get(pk=case.pk).social_worker == other_worker
    # the previous worker no longer sees the case
    assert post(f"{base}/incomes", {"month": "2026-02-01", "amount": 1}).status_code == 404


def test_transfer_follow_up_and_revoke_from_the_case_page(
    client, case, worker, supervisor, make_user, move, assess
):
    assess(case)
    move(case, Stage.ASSESSED)
    move(case, Stage.PROTECTION)
    referral = services.send_referral(
        actor=worker,
        case=case,
        programme="UMI",
        consent_method="signed",
        today=TODAY,
    )
    FollowUp.objects.create(case=case, due_on=TODAY + timedelta(days=90))
    client.force_login(worker)
    assert (
        client.post(
            f"/cases/{case.pk}/revoke-referral/", {"referral": referral.pk, "outcome": "moved away"}
        ).status_code
        == 302
    )
    assert Referral.objects.get().status == Referral.Status.REVOKED
    visit = FollowUp.objects.get()
    assert (
        client.post(
            f"/cases/{case.pk}/follow-up/", {"follow_up": visit.pk, "notes": "fine"}
        ).status_code
        == 302
    )
    visit.refresh_from_db()
    assert visit.notes == "fine"

    newcomer = make_user("social_worker", BOGOR)
    client.force_login(supervisor)
    case.refresh_from_db()
    response = client.post(
        f"/cases/{case.pk}/transfer/",
        {
            "social_worker": newcomer.pk,
            "supervisor": supervisor.pk,
            "reason": "leave",
            "version": case.version,
        },
    )
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).social_worker == newcomer
    assert (
        client.post(
            f"/cases/{case.pk}/income/", {"month": "2026-01-01", "amount": "Rp 1.250.000"}
        ).status_code
        == 302
    )
    assert case.incomes.get().amount == 1_250_000


def test_the_case_page_offers_only_what_the_stage_allows(
    client, api_post, case, worker, move, assess
):
    assess(case)
    move(case, Stage.ASSESSED)
    move(case, Stage.PROTECTION)
    client.force_login(worker)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    offered = set(re.findall(r'data-record="([a-z-]+)"', page))
    assert {"enrolment", "graduation", "service", "income"} <= offered
    assert not offered & {"empowerment", "follow-up", "revoke-referral"}
    assert 'value="closed"' in page
    assert 'value="monitoring"' not in page
    form = {"given_on": "2026-02-01", "item": "cart", "value": "100", "mentoring_sessions": "1"}
    refused = client.post(f"/cases/{case.pk}/empowerment/", form, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 409
    assert "takes no such record" in refused.content.decode()
    by_api = api_post(
        worker,
        f"/api/v1/cases/{case.pk}/empowerment",
        {"given_on": "2026-02-01", "mentoring_sessions": 1},
        "pena-1",
    )
    assert {e["code"] for e in by_api.json()["errors"]} == {"CASE_RECORD_NOT_IN_STAGE"}
    assert not case.empowerment.exists()


def test_in_protection_the_worker_requests_enrolment_or_suspension(
    client, api, case, worker, move, assess
):
    assess(case)
    move(case, Stage.ASSESSED)
    move(case, Stage.PROTECTION)
    client.force_login(worker)
    page = client.get(f"/cases/{case.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert 'id="h-targeting"' in page.content.decode()  # the programme decisions are shown
    response = client.post(
        f"/cases/{case.pk}/enrolment/",
        {"programme": "PKH", "action": "enrol", "reason": "two children at school"},
    )
    assert response.status_code == 302
    assert case.enrolment_requests.get().programme == "PKH"
    refused = api(worker)(
        f"/cases/{case.pk}/enrolment-requests",
        {"programme": "SEMBAKO", "action": "enrol", "reason": " "},
    )
    assert {e["code"] for e in refused.json()["errors"]} == {"CASE_REASON_MISSING"}
    saved = api(worker)(
        f"/cases/{case.pk}/enrolment-requests",
        {"programme": "SEMBAKO", "action": "enrol", "reason": "lost her job"},
    )
    assert saved.status_code == 201
    assert "enrolment" in {e["kind"] for e in saved.json()["case"]["timeline"]}


def test_a_case_is_opened_from_the_household_page_and_the_api(
    client, api, family, worker, supervisor, make_user, household_factory
):
    office = make_user("district_office", BOGOR)
    client.force_login(office)
    page = client.get(f"/registry/households/{family.pk}/").content.decode()
    assert f"/cases/open/{family.pk}/" in page
    response = client.post(
        f"/cases/open/{family.pk}/", {"social_worker": worker.pk, "supervisor": supervisor.pk}
    )
    case = Case.objects.get(household=family)
    assert response.url == f"/cases/{case.pk}/"
    again = client.post(f"/cases/open/{family.pk}/", {"social_worker": worker.pk})
    assert again.status_code == 200
    assert Case.objects.filter(household=family).count() == 1

    other = household_factory(
        "3201011002",
        members=[
            {"full_name": "Dewi", "sex": "P", "birth_date": "1970-01-01", "relationship": "head"}
        ],
    )
    opened = api(office)("/cases", {"household": other.pk, "social_worker": worker.username})
    assert opened.status_code == 201, opened.content
    assert opened.json()["stage"] == "registered"
    refused = api(office)("/cases", {"household": other.pk, "social_worker": worker.username})
    assert {e["code"] for e in refused.json()["errors"]} == {"CASE_ALREADY_OPEN"}


def test_enrolment_is_asked_for_a_programme_of_the_rules_in_force(api, case, worker, move, assess):
    from sejahtera.targeting.models import RulesVersion
    from sejahtera.targeting.rules import default_rules_text

    assess(case)
    move(case, Stage.ASSESSED)
    move(case, Stage.PROTECTION)
    ask = api(worker)
    refused = ask(
        f"/cases/{case.pk}/enrolment-requests",
        {"programme": "MODAL_IBU", "action": "enrol", "reason": "runs a stall"},
    )
    assert {e["code"] for e in refused.json()["errors"]} == {"CASE_PROGRAMME_UNKNOWN"}
    RulesVersion.objects.create(
        text=default_rules_text()
        + '\n[programmes.MODAL_IBU]\nname = "Modal usaha ibu"\nunit = "person"\nsex = "P"\n',
        version="2026.9",
        effective_from=date(2026, 1, 1),
        note="a new programme",
    )
    saved = ask(
        f"/cases/{case.pk}/enrolment-requests",
        {"programme": "MODAL_IBU", "action": "enrol", "reason": "runs a stall"},
    )
    assert saved.status_code == 201
    assert case.enrolment_requests.get().programme == "MODAL_IBU"
