"""Targeting pages: the household section, runs, run figures by region, access by role."""

from __future__ import annotations

from datetime import date

import pytest

from sejahtera.accounts.models import Role
from sejahtera.registry.models import Person
from sejahtera.targeting.models import TargetingRun
from sejahtera.targeting.services import (
    ManualCluster,
    add_manual_cluster,
    run_targeting_for_registry,
)

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 7, 1)
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def test_household_page_shows_deciles_decisions_and_clusters(client, make_user, population):
    worker = make_user(Role.SOCIAL_WORKER, "3201")
    household = population["poor"][0]
    siti = Person.objects.select_related("household").get(household=household, full_name="Siti 0")
    add_manual_cluster(worker, ManualCluster(siti, "KORBAN_BENCANA", "flood 2026", AS_OF))
    run_targeting_for_registry(AS_OF)
    client.force_login(make_user(Role.DISTRICT_OFFICE, "3201"))
    page = client.get(f"/registry/households/{household.pk}/", **EN).content.decode()
    assert 'data-programme="PKH" data-eligible="true"' in page
    assert "EARLY_CHILD, PRIMARY" in page
    assert 'data-cluster="DISABILITAS"' in page
    assert "disability physical" in page
    assert 'data-cluster="KORBAN_BENCANA"' in page
    assert "manual" in page
    assert "flood 2026" in page


def test_household_page_withholds_reasons_from_analysts(client, analyst, population):
    run_targeting_for_registry(AS_OF)
    client.force_login(analyst)
    page = client.get(f"/registry/households/{population['poor'][0].pk}/", **EN)
    text = page.content.decode()
    assert 'data-programme="SEMBAKO" data-eligible="true"' in text
    assert "disability physical" not in text
    assert 'data-programme="ATENSI"' not in text
    assert page.context["targeting"].withheld


def test_household_page_before_any_run(client, make_user, population):
    client.force_login(make_user(Role.DISTRICT_OFFICE, "3201"))
    page = client.get(f"/registry/households/{population['poor'][0].pk}/", **EN)
    assert page.status_code == 200
    assert page.context["targeting"] is None


def test_analyst_starts_a_run_from_the_page(client, analyst, population):
    client.force_login(analyst)
    response = client.post("/targeting/", {"as_of": "2026-07-01", "engine": "duckdb"})
    run = TargetingRun.objects.get()
    assert response.url == f"/targeting/runs/{run.pk}/"
    assert run.status == TargetingRun.Status.COMPLETED  # the test task backend runs it at once
    assert run.created_by == analyst
    page = client.get(response.url, **EN)
    assert page.status_code == 200
    eligible = {r["programme"]: r["eligible"] for r in page.context["programmes"]}
    assert eligible["SEMBAKO"] > 0


def test_a_run_or_what_if_dated_in_the_year_9999_is_refused_on_the_page(
    client, analyst, population
):
    current = run_targeting_for_registry(AS_OF)
    client.force_login(analyst)
    for path, body in (
        ("/targeting/", {"engine": "duckdb"}),
        ("/targeting/what-if/", {"base_run": current.pk, "rules_text": current.rules_text}),
    ):
        page = client.post(path, {"as_of": "9999-12-31", **body}, **EN)
        assert page.status_code == 200
        assert "a run is dated from Jan. 1, 2000 to " in page.content.decode()
        assert page.context["form"].errors["as_of"]
    assert list(TargetingRun.objects.all()) == [current]


@pytest.mark.parametrize("role", [Role.DISTRICT_OFFICE, Role.AUDITOR, Role.SOCIAL_WORKER])
def test_other_roles_may_not_start_runs(client, make_user, role, population):
    client.force_login(make_user(role, "3201" if role != Role.AUDITOR else None))
    assert client.get("/targeting/").status_code == 200
    assert (
        client.post("/targeting/", {"as_of": "2026-07-01", "engine": "duckdb"}).status_code == 403
    )
    assert client.get("/targeting/what-if/").status_code == 403
    assert not TargetingRun.objects.exists()


def test_partner_agencies_see_no_targeting(client, make_user):
    client.force_login(make_user(Role.PARTNER_AGENCY))
    assert client.get("/targeting/").status_code == 403


def test_regional_office_sees_only_its_region(client, make_user, population):
    run = run_targeting_for_registry(AS_OF)
    client.force_login(make_user(Role.DISTRICT_OFFICE, "3273"))
    page = client.get(f"/targeting/runs/{run.pk}/", **EN)
    assert [r["code"] for r in page.context["regions"]] == ["327301"]
    assert page.context["regions"][0]["households"] == 4
    decided = {r["programme"]: r["decided"] for r in page.context["programmes"]}
    assert decided["SEMBAKO"] == 4
    client.force_login(make_user(Role.MINISTRY_ANALYST))
    page = client.get(f"/targeting/runs/{run.pk}/", **EN)
    assert [r["code"] for r in page.context["regions"]] == ["32"]
    assert page.context["regions"][0]["households"] == 24


def test_nav_link_for_readers(client, make_user):
    client.force_login(make_user(Role.MINISTRY_ANALYST))
    assert 'href="/targeting/"' in client.get("/dashboard/", **EN).content.decode()


def test_reasons_are_stored_as_codes_and_read_in_the_readers_language(
    client, make_user, population
):
    run_targeting_for_registry(AS_OF)
    client.force_login(make_user(Role.DISTRICT_OFFICE, "3201"))
    url = f"/registry/households/{population['poor'][0].pk}/"
    english = client.get(url, **EN).content.decode()
    indonesian = client.get(url).content.decode()
    assert "decile 1 ≤ 4" in english
    assert "desil 1 ≤ 4" in indonesian
    assert "age 11 &lt; 18" in english  # a cluster's reason
    assert "umur 11 &lt; 18" in indonesian
    for page in (english, indonesian):
        assert "DECILE_" not in page
        assert "AGE_BELOW" not in page
