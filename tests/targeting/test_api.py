"""Targeting API: runs, figures within the region, a household's decisions, starting runs."""

from __future__ import annotations

import json
from datetime import date

import pytest

from sejahtera.accounts.models import ApiToken, Role, SensitiveAccess
from sejahtera.accounts.tokens import create_token
from sejahtera.targeting.models import TargetingRun
from sejahtera.targeting.rules import default_rules_text
from sejahtera.targeting.services import run_targeting_for_registry

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 7, 1)


@pytest.fixture
def api(client, make_user):
    def make(role, region=None, scopes=(ApiToken.Scope.TARGETING,)):
        _token, secret = create_token(make_user(role, region), "test", list(scopes))
        auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}

        def call(method, path, body=None, language=None):
            kwargs = {"content_type": "application/json", "data": json.dumps(body)} if body else {}
            if language:
                kwargs["HTTP_ACCEPT_LANGUAGE"] = language
            return getattr(client, method)(f"/api/v1{path}", **kwargs, **auth)

        return call

    return make


@pytest.mark.parametrize("as_of", ["0001-01-01", "9999-12-31"])
def test_a_run_dated_in_the_year_1_or_9999_is_a_422(api, population, as_of):
    call = api(Role.MINISTRY_ANALYST)
    response = call("post", "/targeting/runs", {"as_of": as_of}, language="en")
    assert (response.status_code, response["Content-Type"]) == (422, "application/problem+json")
    assert "as_of: a run is dated from Jan. 1, 2000 to " in response.json()["title"]
    assert as_of[:4] in response.json()["title"]  # the date as the reader writes it
    assert not TargetingRun.objects.exists()


def test_list_and_detail_within_the_region(api, population):
    run = run_targeting_for_registry(AS_OF)
    call = api(Role.DISTRICT_OFFICE, "3273")
    listed = call("get", "/targeting/runs").json()
    assert [r["id"] for r in listed["items"]] == [run.pk]
    detail = call("get", f"/targeting/runs/{run.pk}").json()
    assert detail["region"] == "3273"
    sembako = next(p for p in detail["programmes"] if p["programme"] == "SEMBAKO")
    assert sembako["decided"] == 4
    assert set(detail["extreme_poor"]) == {"households", "persons"}


def test_household_decisions_and_region_limit(api, population):
    run_targeting_for_registry(AS_OF)
    poor = population["poor"][0]  # in Bogor
    body = api(Role.DISTRICT_OFFICE, "3201")("get", f"/targeting/households/{poor.pk}").json()
    pkh = next(d for d in body["decisions"] if d["programme"] == "PKH")
    assert pkh["eligible"]
    assert pkh["components"] == ["EARLY_CHILD", "PRIMARY"]
    assert body["withheld"] is False
    assert any(d["programme"] == "ATENSI" for d in body["decisions"])
    read = SensitiveAccess.objects.get()  # reasons and components are specific data
    assert (read.entity, read.record_ids) == ("household", [poor.pk])
    outside = api(Role.DISTRICT_OFFICE, "3273")("get", f"/targeting/households/{poor.pk}")
    assert outside.status_code == 404
    assert outside["Content-Type"] == "application/problem+json"


def test_analysts_get_decisions_without_reasons(api, population):
    run_targeting_for_registry(AS_OF)
    poor = population["poor"][0]
    body = api(Role.MINISTRY_ANALYST)("get", f"/targeting/households/{poor.pk}").json()
    assert body["withheld"] is True
    assert all(d["reasons"] == [] for d in body["decisions"])
    assert not any(d["programme"] == "ATENSI" for d in body["decisions"])
    assert not SensitiveAccess.objects.exists()  # nothing specific was shown


def test_analysts_start_runs_others_may_not(api, population):
    response = api(Role.MINISTRY_ANALYST)("post", "/targeting/runs", {"as_of": "2026-07-01"})
    assert response.status_code == 202
    assert TargetingRun.objects.get().status == TargetingRun.Status.COMPLETED
    refused = api(Role.DISTRICT_OFFICE, "3201")("post", "/targeting/runs", {"as_of": "2026-07-01"})
    assert refused.status_code == 403
    assert TargetingRun.objects.count() == 1


def test_invalid_rules_are_a_problem_422(api, population):
    response = api(Role.ADMINISTRATOR)(
        "post",
        "/targeting/runs",
        {"as_of": "2026-07-01", "rules_text": "version = 1", "simulation": True},
    )
    assert response.status_code == 422
    assert "version" in response.json()["title"]


def test_rules_of_ones_own_are_for_simulations_only(api, population):
    """The rules in force are an administrator's to change, each version kept: an analyst's
    own rules must not decide a run that decrees follow."""
    call = api(Role.MINISTRY_ANALYST)
    looser = default_rules_text().replace("max_decile = 4", "max_decile = 9")
    real = {"as_of": "2026-07-01", "rules_text": looser}
    refused = call("post", "/targeting/runs", real, language="id")
    assert refused.status_code == 422
    assert "simulasi" in refused.json()["title"]
    assert not TargetingRun.objects.exists()

    assert call("post", "/targeting/runs", {**real, "simulation": True}).status_code == 202
    in_force = {"as_of": "2026-07-01", "rules_text": default_rules_text()}
    assert call("post", "/targeting/runs", in_force).status_code == 202
    assert sorted(TargetingRun.objects.values_list("is_simulation", flat=True)) == [False, True]


def test_the_targeting_scope_is_required(api, population):
    call = api(Role.MINISTRY_ANALYST, scopes=(ApiToken.Scope.REGISTRY_READ,))
    assert call("get", "/targeting/runs").status_code == 403


def test_reasons_follow_accept_language_beside_their_codes(api, population):
    run_targeting_for_registry(AS_OF)
    call = api(Role.DISTRICT_OFFICE, "3201")
    path = f"/targeting/households/{population['poor'][0].pk}"
    english = call("get", path, language="en").json()
    indonesian = call("get", path).json()
    pkh_en = next(d for d in english["decisions"] if d["programme"] == "PKH")
    pkh_id = next(d for d in indonesian["decisions"] if d["programme"] == "PKH")
    assert pkh_en["reason_codes"] == pkh_id["reason_codes"]
    assert "DECILE_WITHIN:1:4" in pkh_en["reason_codes"]
    assert "decile 1 ≤ 4" in pkh_en["reasons"]
    assert "desil 1 ≤ 4" in pkh_id["reasons"]
    assert len(pkh_en["reasons"]) == len(pkh_en["reason_codes"])


def test_analysts_get_no_reason_codes_either(api, population):
    run_targeting_for_registry(AS_OF)
    poor = population["poor"][0]
    body = api(Role.MINISTRY_ANALYST)("get", f"/targeting/households/{poor.pk}").json()
    assert all(d["reason_codes"] == [] for d in body["decisions"])
