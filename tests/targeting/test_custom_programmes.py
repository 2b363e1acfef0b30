"""A programme an administrator defines in the rules: stored, shown, limited, compared, used."""

from __future__ import annotations

from datetime import date

import pytest

from sejahtera.accounts.models import ApiToken, Role
from sejahtera.accounts.tokens import create_token
from sejahtera.targeting import reports, selectors
from sejahtera.targeting.limits import LimitsInvalid
from sejahtera.targeting.models import Decision, RulesVersion
from sejahtera.targeting.rules import default_rules_text
from sejahtera.targeting.services import run_targeting_for_registry

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 7, 1)
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}

NEW_PROGRAMMES = """
[programmes.MODAL_IBU]
name = "Modal usaha ibu"
unit = "person"
sex = "P"
min_age = 18
max_decile = 5
one_off_amount = 2_000_000

[programmes.BANTUAN_BALITA]
name = "Bantuan balita"
unit = "household"
max_decile = 5
stages_per_year = 4
components = [{ code = "BALITA", max_age = 5, yearly_amount = 600_000 }]

[programmes.DAMPING_DIFABEL]
name = "Pendampingan penyandang disabilitas"
unit = "person"
clusters = ["DISABILITAS"]
"""


def with_new_programmes() -> str:
    return default_rules_text().rstrip() + "\n" + NEW_PROGRAMMES


@pytest.fixture
def rules_in_force(client, make_user):
    """The new programmes put in force by an administrator in the admin."""
    admin = make_user(Role.ADMINISTRATOR, is_staff=True, is_superuser=True)
    client.force_login(admin)
    text = with_new_programmes().replace('version = "2026.1"', 'version = "2026.3"', 1)
    response = client.post(
        "/admin/targeting/rulesversion/add/",
        {"text": text, "note": "two new programmes", "active": "on"},
    )
    assert response.status_code == 302
    client.logout()
    return RulesVersion.objects.get()


def test_a_run_decides_and_stores_the_new_programmes(rules_in_force, population):
    run = run_targeting_for_registry(AS_OF)
    assert run.rules_version == "2026.3"
    assert selectors.programme_codes(run)[-3:] == ("MODAL_IBU", "BANTUAN_BALITA", "DAMPING_DIFABEL")
    mother = Decision.objects.get(
        run=run, programme="MODAL_IBU", person__full_name="Siti 0", eligible=True
    )
    assert mother.one_off_amount == 2_000_000
    assert mother.yearly_cost == 2_000_000
    assert "SEX:P" in mother.reasons
    # every person gets a decision, every household one for the household programme
    assert Decision.objects.filter(run=run, programme="MODAL_IBU", person=None).count() == 0
    toddlers = Decision.objects.get(
        run=run, programme="BANTUAN_BALITA", household=population["poor"][0]
    )
    assert (toddlers.eligible, toddlers.components) == (True, ["BALITA"])
    assert (toddlers.yearly_amount, toddlers.per_stage_amount) == (600_000, 150_000)
    rich = Decision.objects.get(
        run=run, programme="BANTUAN_BALITA", household=population["rich"][0]
    )
    assert rich.eligible is False
    counts = {row["programme"]: row for row in run.summary["programmes"]}
    assert (
        counts["BANTUAN_BALITA"]["eligible"]
        == toddlers.__class__.objects.filter(
            run=run, programme="BANTUAN_BALITA", eligible=True
        ).count()
    )
    assert counts["BANTUAN_BALITA"]["yearly_cost"] == 600_000 * counts["BANTUAN_BALITA"]["eligible"]


def test_the_pages_show_the_new_programmes(client, make_user, rules_in_force, population):
    run = run_targeting_for_registry(AS_OF)
    client.force_login(make_user(Role.DISTRICT_OFFICE, "3201"))
    household = population["poor"][0]
    page = client.get(f"/registry/households/{household.pk}/", **EN).content.decode()
    assert 'data-programme="BANTUAN_BALITA" data-eligible="true"' in page
    assert 'data-programme="MODAL_IBU" data-eligible="true"' in page
    run_page = client.get(f"/targeting/runs/{run.pk}/", **EN)
    assert "MODAL_IBU" in run_page.context["programme_codes"]
    assert "BANTUAN_BALITA" in run_page.content.decode()


def test_a_budget_ceiling_applies_to_a_new_programme(rules_in_force, population):
    run = run_targeting_for_registry(AS_OF, limits={"MODAL_IBU": {"budget": 2 * 2_000_000}})
    assert Decision.objects.filter(run=run, programme="MODAL_IBU", eligible=True).count() == 2
    assert Decision.objects.filter(run=run, programme="MODAL_IBU", limited_by="budget").exists()
    with pytest.raises(LimitsInvalid, match="NOT_A_PROGRAMME: unknown programme"):
        run_targeting_for_registry(AS_OF, limits={"NOT_A_PROGRAMME": {"budget": 1}})


def test_a_what_if_with_a_new_programme_shows_who_would_enter(client, analyst, population):
    current = run_targeting_for_registry(AS_OF)
    with pytest.raises(LimitsInvalid):  # the current rules have no such programme
        run_targeting_for_registry(AS_OF, limits={"MODAL_IBU": {"budget": 1}})
    simulation = run_targeting_for_registry(
        AS_OF, rules_text=with_new_programmes(), simulation=True, base_run=current
    )
    comparison = reports.compare(analyst, current, simulation)
    new = next(r for r in comparison.programmes if r["programme"] == "MODAL_IBU")
    assert new["eligible"]["base"] == 0
    assert new["eligible"]["simulation"] > 0
    assert new["yearly_cost"]["change"] == 2_000_000 * new["eligible"]["simulation"]
    women = next(c for c in comparison.clusters if c["cluster"] == "PEREMPUAN_RENTAN")
    by_programme = {e["programme"]: e for e in women["eligible"]}
    assert by_programme["MODAL_IBU"]["base"] == 0
    assert by_programme["MODAL_IBU"]["simulation"] > 0
    assert "BANTUAN_BALITA" not in by_programme  # a household programme
    flow = next(f for f in comparison.flows if f.programme == "BANTUAN_BALITA")
    assert flow.entering > 0
    assert flow.leaving == 0
    client.force_login(analyst)
    page = client.get(f"/targeting/runs/{simulation.pk}/compare/", **EN)
    assert "BANTUAN_BALITA" in page.content.decode()
    diff = client.get(f"/targeting/runs/{simulation.pk}/diff/", **EN)
    assert diff.status_code == 200
    assert "MODAL_IBU" in diff.context["changes"]


def test_a_what_if_budget_may_name_a_programme_the_new_rules_define(client, analyst, population):
    current = run_targeting_for_registry(AS_OF)
    client.force_login(analyst)
    response = client.post(
        "/targeting/what-if/",
        {
            "as_of": AS_OF.isoformat(),
            "rules_text": with_new_programmes(),
            "base_run": current.pk,
            "budget_MODAL_IBU": "2.000.000",
        },
    )
    assert response.status_code == 302
    simulation = selectors.runs_for(analyst).filter(is_simulation=True).get()
    assert simulation.limits == {"MODAL_IBU": {"budget": 2_000_000}}
    assert (
        Decision.objects.filter(run=simulation, programme="MODAL_IBU", eligible=True).count() == 1
    )


def test_a_programme_decided_on_clusters_is_withheld_like_atensi(
    client, make_user, analyst, rules_in_force, population
):
    run_targeting_for_registry(AS_OF)
    household = population["poor"][0]  # Budi 0 has a physical disability
    client.force_login(make_user(Role.DISTRICT_OFFICE, "3201"))
    page = client.get(f"/registry/households/{household.pk}/", **EN).content.decode()
    assert 'data-programme="DAMPING_DIFABEL" data-eligible="true"' in page
    client.force_login(analyst)
    page = client.get(f"/registry/households/{household.pk}/", **EN).content.decode()
    assert 'data-programme="MODAL_IBU"' in page
    assert 'data-programme="DAMPING_DIFABEL"' not in page
    assert 'data-programme="ATENSI"' not in page
    _token, secret = create_token(analyst, "test", [ApiToken.Scope.TARGETING])
    body = client.get(
        f"/api/v1/targeting/households/{household.pk}", HTTP_AUTHORIZATION=f"Bearer {secret}"
    ).json()
    programmes = {d["programme"] for d in body["decisions"]}
    assert "MODAL_IBU" in programmes
    assert not programmes & {"DAMPING_DIFABEL", "ATENSI"}


def test_the_what_if_form_offers_a_budget_for_each_programme_of_the_rules_edited(
    client, analyst, population
):
    run_targeting_for_registry(AS_OF)
    client.force_login(analyst)
    page = client.get("/targeting/what-if/", **EN).content.decode()
    assert 'name="budget_SEMBAKO"' in page
    assert 'name="budget_MODAL_IBU"' not in page
    redrawn = client.post(
        "/targeting/what-if/budgets/",
        {"rules_text": with_new_programmes(), "budget_SEMBAKO": "1000"},
    ).content.decode()
    assert 'name="budget_MODAL_IBU"' in redrawn
    assert 'name="budget_SEMBAKO" inputmode="numeric" value="1000"' in redrawn  # kept
    half_typed = client.post("/targeting/what-if/budgets/", {"rules_text": "[programmes"})
    assert 'name="budget_PENA"' in half_typed.content.decode()
    assert 'name="budget_MODAL_IBU"' not in half_typed.content.decode()
