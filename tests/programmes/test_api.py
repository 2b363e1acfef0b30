"""Delivery through the API (scope ``delivery``): prepare, read within the region, approve by
a second user, open a cycle; refusals are problems with a clear status."""

from __future__ import annotations

import json
from datetime import date

import pytest

from sejahtera.accounts.models import ApiToken, Role
from sejahtera.accounts.tokens import create_token
from sejahtera.programmes.models import Enrolment
from sejahtera.targeting.services import run_targeting_for_registry

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 7, 1)


@pytest.fixture
def api(client):
    def as_user(user, scopes=(ApiToken.Scope.DELIVERY,)):
        _token, secret = create_token(user, "test", list(scopes))

        def call(method, path, body=None, **query):
            kwargs = {"content_type": "application/json", "data": json.dumps(body)} if body else {}
            if query:
                kwargs = {"data": query}
            return getattr(client, method)(
                f"/api/v1{path}", **kwargs, HTTP_AUTHORIZATION=f"Bearer {secret}"
            )

        return call

    return as_user


def test_a_decree_is_prepared_read_approved_and_paid_through_the_api(
    api, make_user, analyst, approver, population
):
    run = run_targeting_for_registry(AS_OF)
    preparer = api(analyst)
    created = preparer(
        "post", "/decrees", {"programme": "SEMBAKO", "period_start": "2026-07-01", "run": run.pk}
    )
    assert created.status_code == 201, created.content
    decree = created.json()
    assert decree["status"] == "draft"
    assert decree["totals"]["by_change"]["new"] > 0

    assert preparer("post", f"/decrees/{decree['id']}/approve").status_code == 403  # four eyes
    approved = api(approver)("post", f"/decrees/{decree['id']}/approve")
    assert approved.json()["status"] == "approved"
    assert api(approver)("post", f"/decrees/{decree['id']}/approve").status_code == 409
    assert Enrolment.objects.count() == decree["totals"]["enrolled"]

    office = api(make_user(Role.DISTRICT_OFFICE, "3273"))
    lines = office("get", f"/decrees/{decree['id']}/lines", page_size=200).json()
    assert lines["count"] > 0
    assert all(line["region_code"].startswith("3273") for line in lines["items"])

    cycle = preparer("post", "/cycles", {"programme": "SEMBAKO", "period_start": "2026-07-01"})
    assert cycle.status_code == 200
    again = preparer("post", "/cycles", {"programme": "SEMBAKO", "period_start": "2026-07-01"})
    assert again.json() == cycle.json()  # a replay changes nothing
    assert cycle.json()["totals"]["payable"]["lines"] == decree["totals"]["enrolled"]


def test_refusals_are_clear(api, analyst, population):
    run = run_targeting_for_registry(AS_OF)
    call = api(analyst)
    unknown = call(
        "post", "/decrees", {"programme": "NOPE", "period_start": "2026-07-01", "run": run.pk}
    )
    assert unknown.status_code == 422
    assert "decides no programme NOPE" in unknown.content.decode()
    mid_month = call("post", "/cycles", {"programme": "SEMBAKO", "period_start": "2026-07-15"})
    assert mid_month.status_code == 422
    assert api(analyst, scopes=(ApiToken.Scope.TARGETING,))("get", "/decrees").status_code == 403


def test_offices_cannot_prepare_or_open(api, make_user, population):
    run = run_targeting_for_registry(AS_OF)
    office = api(make_user(Role.DISTRICT_OFFICE, "3201"))
    body = {"programme": "SEMBAKO", "period_start": "2026-07-01", "run": run.pk}
    assert office("post", "/decrees", body).status_code == 403
    assert (
        office(
            "post", "/cycles", {"programme": "SEMBAKO", "period_start": "2026-07-01"}
        ).status_code
        == 403
    )


@pytest.mark.parametrize(
    ("role", "region"),
    [
        (Role.VILLAGE_OPERATOR, "3201011002"),
        (Role.SOCIAL_WORKER, "3201"),
        (Role.PARTNER_AGENCY, None),
    ],
)
def test_roles_without_delivery_work_are_refused(api, make_user, role, region):
    call = api(make_user(role, region, organisation="Bank BRI"))
    assert call("get", "/decrees").status_code == 403
    assert call("get", "/cycles").status_code == 403
