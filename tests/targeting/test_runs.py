"""Running the engine on the registry: what is stored, manual clusters, the CLI, failures."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from click.testing import CliRunner
from django.utils import timezone

from sejahtera.domain.targeting.rules import RulesError
from sejahtera.domain.targeting.runs import RunRefused
from sejahtera.registry.models import Person
from sejahtera.targeting import selectors
from sejahtera.targeting.models import (
    Decision,
    HouseholdResult,
    ManualClusterMembership,
    PersonCluster,
    TargetingRun,
)
from sejahtera.targeting.rules import default_rules_text
from sejahtera.targeting.services import (
    ManualCluster,
    add_manual_cluster,
    run_targeting_for_registry,
)

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 7, 1)


def test_a_run_stores_deciles_clusters_and_decisions(population, analyst):
    stages = []
    run = run_targeting_for_registry(
        AS_OF, actor=analyst, progress=lambda stage, done, total: stages.append(stage)
    )
    assert run.status == TargetingRun.Status.COMPLETED
    assert (run.households, run.persons) == (24, 44)
    assert run.rules_version == "2026.1"
    assert run.rules_text == default_rules_text()
    assert HouseholdResult.objects.filter(run=run).count() == 24
    # every household × PKH/SEMBAKO and every person × PBI_JK/ATENSI/PENA
    assert Decision.objects.filter(run=run).count() == 24 * 2 + 44 * 3
    assert "household_deciles" in stages
    assert stages[-1] == "done"


def test_the_poor_get_a_lower_decile_and_the_programmes(population):
    run = run_targeting_for_registry(AS_OF)
    poor = population["poor"][0]
    rich = population["rich"][0]
    poor_result = HouseholdResult.objects.get(run=run, household=poor)
    rich_result = HouseholdResult.objects.get(run=run, household=rich)
    assert poor_result.national_decile < rich_result.national_decile
    assert Decision.objects.get(run=run, household=poor, programme="SEMBAKO").eligible
    assert not Decision.objects.get(run=run, household=rich, programme="SEMBAKO").eligible


def test_pkh_amounts_and_reasons_are_kept(population):
    run = run_targeting_for_registry(AS_OF)
    pkh = Decision.objects.get(run=run, household=population["poor"][0], programme="PKH")
    assert pkh.eligible
    assert pkh.components == ["EARLY_CHILD", "PRIMARY"]
    assert pkh.yearly_amount == 3_900_000
    assert pkh.yearly_cost == 3_900_000
    assert any(reason.startswith("DECILE_WITHIN:") for reason in pkh.reasons)  # codes


def test_clusters_carry_their_reasons(population):
    run = run_targeting_for_registry(AS_OF)
    budi = Person.objects.get(full_name="Budi 0")
    clusters = dict(
        PersonCluster.objects.filter(run=run, person=budi).values_list("cluster", "reason")
    )
    assert clusters["DISABILITAS"] == "DISABILITY:physical"  # stored as codes
    assert "AGE_BELOW:11:18" in clusters["ANAK_RENTAN"]


def test_previous_runs_are_kept_and_the_latest_real_run_is_current(population):
    first = run_targeting_for_registry(AS_OF)
    second = run_targeting_for_registry(date(2026, 8, 1))
    run_targeting_for_registry(AS_OF, simulation=True, base_run=second)
    assert HouseholdResult.objects.filter(run=first).count() == 24
    assert selectors.latest_run() == second
    assert selectors.previous_run(second) == first


@pytest.mark.parametrize("as_of", [date(1, 1, 1), date(1999, 12, 31), date(9999, 12, 31)])
def test_a_run_dated_long_ago_or_far_ahead_is_refused_before_anything_is_stored(population, as_of):
    """As of the year 1 the engine overflowed (a failed run); as of 9999 it judged everyone
    8000 years old and the run became the current one."""
    with pytest.raises(RunRefused, match=f"as_of: .* not {as_of.isoformat()}"):
        run_targeting_for_registry(as_of)
    assert not TargetingRun.objects.exists()


def test_a_run_is_dated_a_quarter_ahead_at_most(population):
    """On the first day of the period its decree will start, prepared ahead; not later."""
    too_far = timezone.localdate() + timedelta(93)
    with pytest.raises(RunRefused, match=too_far.isoformat()):
        run_targeting_for_registry(too_far)
    ahead = timezone.localdate() + timedelta(92)
    assert run_targeting_for_registry(ahead).status == TargetingRun.Status.COMPLETED


def test_invalid_rules_stop_before_anything_is_stored(population):
    broken = default_rules_text().replace("max_decile = 4", "max_decil = 4", 1)
    with pytest.raises(RulesError, match="max_decil"):
        run_targeting_for_registry(AS_OF, rules_text=broken)
    assert not TargetingRun.objects.exists()


def test_rules_may_not_point_at_files_elsewhere(population):
    escaping = default_rules_text().replace('"pmt-default.json"', '"../../../etc/passwd"')
    with pytest.raises(RulesError, match=r"welfare\.pmt_model"):
        run_targeting_for_registry(AS_OF, rules_text=escaping)


def test_manual_clusters_are_an_input_of_every_run_and_survive_it(population, make_user, analyst):
    from sejahtera.accounts.models import Role

    worker = make_user(Role.SOCIAL_WORKER, "3201")
    siti = Person.objects.select_related("household").get(full_name="Siti 1")
    add_manual_cluster(
        worker, ManualCluster(siti, "KORBAN_KEKERASAN", "home visit 2026-06-01", date(2026, 6, 1))
    )
    ended = ManualCluster(siti, "KORBAN_BENCANA", "banjir", date(2025, 1, 1), date(2025, 6, 30))
    add_manual_cluster(worker, ended)
    run = run_targeting_for_registry(AS_OF)
    run_targeting_for_registry(AS_OF)
    assert ManualClusterMembership.objects.filter(created_by=worker).count() == 2
    reader = make_user(Role.ADMINISTRATOR)  # reads specific data: no small cell withheld
    counts = {c["cluster"]: c for c in selectors.run_figures(reader, run)["clusters"]}
    assert counts["KORBAN_KEKERASAN"]["manual"] == 1
    assert counts["KORBAN_KEKERASAN"]["persons"] == 1  # the run counts her
    assert counts["KORBAN_BENCANA"]["persons"] == 0  # a membership ended before the run's day
    withheld = {c["cluster"]: c for c in selectors.run_figures(analyst, run)["clusters"]}
    assert withheld["KORBAN_KEKERASAN"] == {
        "cluster": "KORBAN_KEKERASAN",
        "persons": None,
        "manual": None,
    }
    placed = PersonCluster.objects.get(run=run, person=siti, cluster="KORBAN_KEKERASAN")
    assert placed.reason == "MANUAL:home visit 2026-06-01"


def test_cli_target_run_stores_a_run(population, tmp_path):
    from sejahtera.cli import main

    rules = tmp_path / "rules.toml"
    rules.write_text(default_rules_text().replace('version = "2026.1"', 'version = "test.1"'))
    result = CliRunner().invoke(
        main, ["target", "run", "--as-of", "2026-07-01", "--rules", str(rules)]
    )
    assert result.exit_code == 0, result.output
    run = TargetingRun.objects.get()
    assert run.rules_version == "test.1"
    assert f"run {run.pk}: 24 households, 44 persons" in result.output
    assert "SEMBAKO" in result.output


def test_cli_reports_broken_rules(population, tmp_path):
    from sejahtera.cli import main

    rules = tmp_path / "rules.toml"
    rules.write_text("version = 1\n")
    result = CliRunner().invoke(
        main, ["target", "run", "--as-of", "2026-07-01", "--rules", str(rules)]
    )
    assert result.exit_code == 2
    assert "version" in result.output


def test_cli_reports_a_run_dated_in_the_year_9999(population):
    from sejahtera.cli import main

    result = CliRunner().invoke(main, ["target", "run", "--as-of", "9999-12-31"])
    assert result.exit_code == 2
    assert "as_of: a run is dated from 2000-01-01 to" in result.output
    assert not TargetingRun.objects.exists()


def test_a_completed_run_keeps_its_figures_per_district_equal_to_its_decisions(population):
    from sejahtera.targeting.models import ProgrammeFigure

    run = run_targeting_for_registry(AS_OF, limits={"SEMBAKO": {"quotas": {"3201": 2}}})
    assert ProgrammeFigure.objects.filter(run=run).exists()
    kept = {
        prefix: (selectors.programme_counts(run, prefix), selectors.region_counts(run, prefix))
        for prefix in ("", "32", "3201", "320101")
    }
    ProgrammeFigure.objects.filter(run=run).delete()  # a run from before: counted on the spot
    for prefix, (programmes, regions) in kept.items():
        assert selectors.programme_counts(run, prefix) == programmes, prefix
        assert selectors.region_counts(run, prefix) == regions, prefix
    sembako = next(p for p in kept[""][0] if p["programme"] == "SEMBAKO")
    assert sembako["limited"] > 0


def test_households_below_the_extreme_poverty_line_are_marked_and_counted(population, analyst):
    everyone = default_rules_text().replace("line = 390_000", "line = 100_000_000")
    run = run_targeting_for_registry(AS_OF, rules_text=everyone)
    marked = HouseholdResult.objects.filter(run=run, extreme_poor=True)
    assert marked.count() == HouseholdResult.objects.filter(run=run, living_members__gt=0).count()
    figures = selectors.run_figures(analyst, run)["extreme_poor"]
    assert figures == {
        "households": marked.count(),
        "persons": sum(marked.values_list("living_members", flat=True)),
    }
    nobody = default_rules_text().replace("line = 390_000", "line = 1")
    run = run_targeting_for_registry(AS_OF, rules_text=nobody)
    assert selectors.run_figures(analyst, run)["extreme_poor"] == {"households": 0, "persons": 0}
