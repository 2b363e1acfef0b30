"""What-if simulations, diffs between runs, the error audit, quotas and budget ceilings."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest

from sejahtera.accounts.models import Role
from sejahtera.domain.targeting.reasons import render
from sejahtera.registry.models import (
    ChangeRecord,
    DuplicateCandidate,
    Household,
    Person,
)
from sejahtera.targeting import reports
from sejahtera.targeting.models import Decision, HouseholdResult, TargetingRun
from sejahtera.targeting.rules import default_rules_text
from sejahtera.targeting.services import run_targeting_for_registry

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 7, 1)
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def wider_sembako() -> str:
    text = default_rules_text()
    start = text.index("[programmes.SEMBAKO]")
    end = text.index("[", start + 1)
    section = text[start:end].replace("max_decile = 4", "max_decile = 6")
    assert section != text[start:end]
    return text[:start] + section + text[end:]


def registry_state() -> list[object]:
    return [
        list(Household.objects.order_by("id").values_list("id", "version", "updated_at")),
        list(Person.objects.order_by("id").values_list("id", "version", "updated_at")),
        ChangeRecord.objects.count(),
        DuplicateCandidate.objects.count(),
    ]


def test_a_what_if_run_changes_nothing_in_the_registry_or_the_current_run(
    client, analyst, population
):
    current = run_targeting_for_registry(AS_OF)
    before = registry_state()
    current_decisions = list(
        Decision.objects.filter(run=current).order_by("id").values_list("id", "eligible")
    )
    client.force_login(analyst)
    response = client.post(
        "/targeting/what-if/",
        {"as_of": "2026-07-01", "base_run": current.pk, "rules_text": wider_sembako()},
    )
    simulation = TargetingRun.objects.get(is_simulation=True)
    assert response.url == f"/targeting/runs/{simulation.pk}/compare/"
    assert registry_state() == before
    assert (
        list(Decision.objects.filter(run=current).order_by("id").values_list("id", "eligible"))
        == current_decisions
    )
    from sejahtera.targeting import selectors

    assert selectors.latest_run() == current


def test_what_if_report_compares_coverage_and_cost(client, analyst, population):
    current = run_targeting_for_registry(AS_OF)
    simulation = run_targeting_for_registry(
        AS_OF, rules_text=wider_sembako(), simulation=True, base_run=current
    )
    client.force_login(analyst)
    page = client.get(f"/targeting/runs/{simulation.pk}/compare/", **EN)
    comparison = page.context["comparison"]
    sembako = next(r for r in comparison.programmes if r["programme"] == "SEMBAKO")
    assert sembako["eligible"]["change"] > 0
    assert sembako["yearly_cost"]["change"] == 2_400_000 * sembako["eligible"]["change"]
    flow = next(f for f in comparison.flows if f.programme == "SEMBAKO")
    assert (flow.entering, flow.leaving) == (sembako["eligible"]["change"], 0)
    assert [r["code"] for r in comparison.regions] == ["32"]
    body = b"".join(
        client.get(f"/targeting/runs/{simulation.pk}/compare.csv").streaming_content
    ).decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    cost = next(r for r in rows if r["section"] == "yearly_cost" and r["programme"] == "SEMBAKO")
    assert int(cost["change"]) == sembako["yearly_cost"]["change"]
    assert {r["section"] for r in rows} >= {"cluster_persons", "region_eligible", "decile_eligible"}


def test_a_broken_rules_file_is_a_clear_error(client, analyst, population):
    current = run_targeting_for_registry(AS_OF)
    client.force_login(analyst)
    broken = default_rules_text().replace("stages_per_year = 4", "stages_per_year = 'four'")
    page = client.post(
        "/targeting/what-if/",
        {"as_of": "2026-07-01", "base_run": current.pk, "rules_text": broken},
        **EN,
    )
    assert page.status_code == 200
    assert "programmes.PKH.stages_per_year" in page.content.decode()
    assert not TargetingRun.objects.filter(is_simulation=True).exists()


def test_an_uploaded_rules_file_runs(client, analyst, population):
    from django.core.files.uploadedfile import SimpleUploadedFile

    current = run_targeting_for_registry(AS_OF)
    client.force_login(analyst)
    upload = SimpleUploadedFile("rules.toml", wider_sembako().encode())
    client.post(
        "/targeting/what-if/",
        {"as_of": "2026-07-01", "base_run": current.pk, "rules_file": upload},
    )
    assert TargetingRun.objects.get(is_simulation=True).status == TargetingRun.Status.COMPLETED


def test_diff_lists_who_enters_and_leaves(client, analyst, make_user, population):
    first = run_targeting_for_registry(AS_OF, rules_text=wider_sembako())
    second = run_targeting_for_registry(AS_OF)
    diff = reports.diff(analyst, first, second)
    sembako = next(f for f in diff.flows if f.programme == "SEMBAKO")
    assert sembako.entering == 0
    assert sembako.leaving > 0
    assert diff.decile_moves == []  # same registry, same model: nobody moved
    office = make_user(Role.PROVINCIAL_OFFICE, "32")  # may read specific data
    for reader, reasons_shown in ((office, True), (analyst, False)):
        client.force_login(reader)
        body = b"".join(
            client.get(
                f"/targeting/runs/{second.pk}/diff.csv?base={first.pk}", **EN
            ).streaming_content
        ).decode()
        rows = [r for r in csv.DictReader(io.StringIO(body)) if r["programme"] == "SEMBAKO"]
        assert len(rows) == sembako.leaving
        assert {r["change"] for r in rows} == {"leaves"}
        assert all(r["reasons"].startswith("decile") is reasons_shown for r in rows)
    page = client.get(f"/targeting/runs/{second.pk}/diff/", **EN)
    assert page.context["diff"].base == first


def with_programme(conditions: str) -> str:
    return default_rules_text().rstrip() + (
        '\n[programmes.DAMPING]\nname = "Pendampingan"\nunit = "person"\n' + conditions + "\n"
    )


def test_a_programme_that_reveals_a_cluster_in_either_run_is_withheld_from_the_diff(
    analyst, make_user, population
):
    """DAMPING is decided on deciles in the base run and on the disability cluster in the new
    one: who leaves it tells who is not disabled, so its changes are withheld both ways."""
    base = run_targeting_for_registry(AS_OF, rules_text=with_programme("max_decile = 5"))
    run = run_targeting_for_registry(AS_OF, rules_text=with_programme('clusters = ["DISABILITAS"]'))
    office = make_user(Role.PROVINCIAL_OFFICE, "32")  # may read specific data
    shown = {
        user: {c.direction for c in reports.changes(user, base, run) if c.programme == "DAMPING"}
        for user in (office, analyst)
    }
    assert shown == {office: {"leaves"}, analyst: set()}


def test_audit_flags_likely_inclusion_errors(client, make_user, analyst, population):
    run = run_targeting_for_registry(AS_OF)
    poor = population["poor"][0]
    # After the run: the head dies, a child turns out to share a NIK, a car is registered.
    siti = Person.objects.get(household=poor, full_name="Siti 0")
    ani = Person.objects.get(household=poor, full_name="Ani 0")
    Person.objects.filter(pk=siti.pk).update(deceased_date=date(2026, 7, 15))
    other = Person.objects.get(full_name="Siti 1")
    DuplicateCandidate.objects.create(
        person=min(ani, other, key=lambda p: p.pk),
        other=max(ani, other, key=lambda p: p.pk),
        reason=DuplicateCandidate.Reason.SAME_NIK,
    )
    Household.objects.filter(pk=poor.pk).update(assets="motorcycle;car")
    audit = reports.audit(analyst, run)
    flags = audit.flags
    # An analyst counts no programme that reveals a cluster (domain.disclosure).
    counted = Decision.objects.filter(run=run, eligible=True).exclude(programme="ATENSI")
    assert flags["DECEASED"]["total"] == counted.filter(person=siti).count()
    assert flags["SHARED_NIK"]["total"] > 0
    owns_car = counted.filter(household=poor).count()
    assert flags["OWNS_CAR"]["total"] == owns_car  # the rich are not eligible for anything
    assert flags["CIVIL_SERVANT"]["total"] == 0
    assert flags["ABOVE_CUTOFF"]["total"] == 0
    assert flags["OWNS_CAR"]["by_region"][0][0] == "32"
    assert audit.previous is None
    assert flags["NEWLY_ELIGIBLE"]["total"] == 0

    client.force_login(make_user(Role.ADMINISTRATOR))
    body = b"".join(client.get(f"/targeting/runs/{run.pk}/audit.csv").streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    every = Decision.objects.filter(run=run, household=poor, eligible=True).count()
    assert sum(r["flag"] == "OWNS_CAR" for r in rows) == every  # ATENSI too, for this role
    assert {r["household_id"] for r in rows if r["flag"] == "OWNS_CAR"} == {poor.external_id}
    assert client.get(f"/targeting/runs/{run.pk}/audit/", **EN).status_code == 200


def test_audit_counts_the_newly_eligible_against_the_previous_run(analyst, population):
    run_targeting_for_registry(AS_OF)
    second = run_targeting_for_registry(AS_OF, rules_text=wider_sembako())
    audit = reports.audit(analyst, second)
    newly = audit.flags["NEWLY_ELIGIBLE"]
    assert newly["kind"] == "exclusion"
    assert newly["total"] == dict(newly["by_programme"])["SEMBAKO"] > 0


def test_audit_is_limited_to_the_users_region(client, make_user, population):
    run = run_targeting_for_registry(AS_OF)
    Household.objects.update(assets="car")
    client.force_login(make_user(Role.DISTRICT_OFFICE, "3273"))
    page = client.get(f"/targeting/runs/{run.pk}/audit/", **EN)
    by_region = page.context["audit"].flags["OWNS_CAR"]["by_region"]
    assert [code for code, _name, _n in by_region] == ["327301"]


def test_a_budget_ceiling_takes_the_poorest_first(population):
    full = run_targeting_for_registry(AS_OF)
    eligible = Decision.objects.filter(run=full, programme="SEMBAKO", eligible=True).count()
    assert eligible > 3
    limited = run_targeting_for_registry(
        AS_OF, simulation=True, base_run=full, limits={"SEMBAKO": {"budget": 3 * 2_400_000}}
    )
    kept = Decision.objects.filter(run=limited, programme="SEMBAKO", eligible=True)
    left_out = Decision.objects.filter(run=limited, programme="SEMBAKO", limited_by="budget")
    assert kept.count() == 3
    assert left_out.count() == eligible - 3
    scores = dict(
        HouseholdResult.objects.filter(run=limited).values_list("household", "welfare_score")
    )
    assert max(scores[d.household_id] for d in kept) <= min(
        scores[d.household_id] for d in left_out
    )
    assert any(r.startswith("BUDGET_REACHED:7200000:") for r in left_out.first().reasons)
    assert any(r.startswith("RANK_WITHIN_LIMITS:") for r in kept.first().reasons)


def test_a_regional_quota_takes_the_poorest_first(population):
    run = run_targeting_for_registry(AS_OF, limits={"SEMBAKO": {"quotas": {"3201": 2}}})
    bogor = Decision.objects.filter(run=run, programme="SEMBAKO", region_code__startswith="3201")
    assert bogor.filter(eligible=True).count() == 2
    assert bogor.filter(limited_by="quota").exists()
    reason = bogor.filter(limited_by="quota").first().reasons[-1]
    assert re.fullmatch(r"QUOTA_REACHED:3201:2:\d+", reason)
    rank = reason.rsplit(":", 1)[1]
    assert render(reason) == f"quota 3201: 2 reached (rank {rank}, poorest first)"
    bandung = Decision.objects.filter(run=run, programme="SEMBAKO", region_code__startswith="3273")
    assert not bandung.filter(limited_by="quota").exists()


def test_limits_are_checked(population):
    from sejahtera.targeting.limits import LimitsInvalid

    with pytest.raises(LimitsInvalid, match=r"PKH\.quotas\.32x"):
        run_targeting_for_registry(AS_OF, limits={"PKH": {"quotas": {"32x": 1}}})
