"""Welfare scores and deciles: SQL = numpy PMT, person weighting, tie-break, external deciles."""

from dataclasses import replace
from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest
from targeting_builders import born_aged, default_rules, household, person

from sejahtera.domain.targeting.pmt import (
    FEATURES,
    person_weighted_deciles,
    predict,
    regency_features,
)
from sejahtera.synth import SynthConfig, generate
from sejahtera.targeting_engine import InputError, run_targeting
from sejahtera.targeting_engine.plan import build_plan, script, to_spark

AS_OF = date(2026, 11, 30)


@pytest.fixture(scope="module")
def population():
    return generate(SynthConfig(persons=3_000, seed=21))


@pytest.fixture(scope="module")
def result(population):
    return run_targeting(population.households, population.persons, AS_OF, default_rules())


def test_sql_scores_equal_the_numpy_model(population, result):
    ids, log_score = predict(
        default_rules().pmt_model, population.households, population.persons, AS_OF
    )
    expected = dict(zip(ids.tolist(), log_score.tolist(), strict=True))
    rows = [r for r in result.read("household_results").to_pylist() if r["living_members"] > 0]
    assert len(rows) > 700
    for row in rows:
        assert row["log_welfare_score"] == pytest.approx(expected[row["household_id"]], abs=1e-9)


def test_sql_scores_equal_the_numpy_model_on_every_feature(population):
    """A model of every registry column: income, the head's age, each regency (one CASE)."""
    shipped = default_rules().pmt_model
    features = FEATURES + regency_features(population.households["region_code"].to_pylist())
    rng = np.random.default_rng(4)
    model = replace(shipped, coefficients={f.name: float(rng.normal(0, 0.2)) for f in features})
    assert {f.kind for f in model.features} >= {"regency", "log_income_per_capita", "head_age"}
    result = run_targeting(
        population.households,
        population.persons,
        AS_OF,
        replace(default_rules(), pmt_model=model),
    )
    ids, log_score = predict(model, population.households, population.persons, AS_OF)
    expected = dict(zip(ids.tolist(), log_score.tolist(), strict=True))
    rows = [r for r in result.read("household_results").to_pylist() if r["living_members"] > 0]
    for row in rows:
        assert row["log_welfare_score"] == pytest.approx(expected[row["household_id"]], abs=1e-9)


def test_the_engine_cuts_deciles_as_calibration_and_the_generator_do(result):
    """One cut, written twice (SQL for the engine, numpy for calibration and the synthetic
    population's true deciles): held equal here."""
    ranked = [r for r in result.read("household_results").to_pylist() if r["national_decile"]]
    expected = person_weighted_deciles(
        np.array([r["welfare_score"] for r in ranked]),
        np.array([r["living_members"] for r in ranked]),
        np.array([r["household_id"] for r in ranked]),
    )
    assert [r["national_decile"] for r in ranked] == expected.tolist()
    assert len(set(expected.tolist())) == 10


def test_national_deciles_hold_about_10_percent_of_people_each(result):
    rows = [r for r in result.read("household_results").to_pylist() if r["national_decile"]]
    people = np.bincount(
        [r["national_decile"] for r in rows], weights=[r["living_members"] for r in rows]
    )
    shares = people[1:] / people.sum()
    assert len(shares) == 10
    assert np.all(np.abs(shares - 0.1) < 0.015)
    # decile 1 is the poorest
    by_decile = {
        d: [r["welfare_score"] for r in rows if r["national_decile"] == d] for d in (1, 10)
    }
    assert max(by_decile[1]) < min(by_decile[10])


def test_province_and_regency_deciles(result):
    rows = result.read("household_results").to_pylist()
    regencies = {r["regency_code"] for r in rows if r["regency_code"]}
    assert regencies == {"3201", "3578", "7302", "9501"}
    for regency in regencies:
        deciles = {
            r["regency_decile"]
            for r in rows
            if r["regency_code"] == regency and r["living_members"]
        }
        assert deciles == set(range(1, 11))


def test_deciles_with_a_few_households_and_ties(run):
    households = [household(f"H{i}") for i in (3, 1, 2)]  # identical: scores tie
    persons = [person(f"P{i}", f"H{i}", born_aged(30)) for i in (1, 2, 3)]
    out = run(households, persons)
    # three people, ranked by household_id on ties: middle persons at 1/6, 3/6, 5/6
    assert [out.household(f"H{i}")["national_decile"] for i in (1, 2, 3)] == [2, 6, 9]
    assert out.household("H1")["decile_source"] == "pmt"
    single = run([household("H1")], [person("P1", "H1", born_aged(30))])
    assert single.household("H1")["national_decile"] == 6


def test_external_deciles_replace_the_pmt(run):
    persons = [person("P1", "H1", born_aged(30)), person("P2", "H2", born_aged(30))]
    out = run([household("H1"), household("H2")], persons, deciles={"H1": 7})
    assert out.household("H1")["national_decile"] == 7
    assert out.household("H1")["decile_source"] == "external"
    assert out.household("H1")["province_decile"] is None
    assert out.household("H2")["national_decile"] is None
    assert out.decision("H2", "SEMBAKO")["reasons"] == [
        "no national decile: household not in the deciles file"
    ]
    assert out.decision("P2", "PBI_JK")["eligible"] is False


@pytest.mark.parametrize(
    ("deciles", "message"),
    [
        ({"household_id": ["H1"], "national_decile": ["11"]}, "must be a whole number 1–10"),
        ({"household_id": ["H1"], "national_decile": ["x"]}, "must be a whole number 1–10"),
        ({"household_id": ["H1", "H1"], "national_decile": ["1", "2"]}, "unique"),
        ({"household_id": ["H1"]}, "required columns missing: national_decile"),
    ],
)
def test_bad_external_deciles_are_rejected(deciles, message):
    households = pa.table({"household_id": ["H1"], "region_code": ["3201011001"]})
    persons = pa.table(
        {
            "person_id": ["P1"],
            "household_id": ["H1"],
            "sex": ["L"],
            "birth_date": ["2000-01-01"],
            "relationship": ["head"],
        }
    )
    with pytest.raises(InputError, match=message):
        run_targeting(households, persons, AS_OF, default_rules(), deciles=pa.table(deciles))


def test_inputs_are_checked():
    households = pa.table({"household_id": ["H1", "H1"], "region_code": ["3201011001"] * 2})
    persons = pa.table({"person_id": ["P1"], "household_id": ["H1"], "birth_date": ["2000-01-01"]})
    with pytest.raises(InputError, match="required columns missing: sex, relationship"):
        run_targeting(households, persons, AS_OF, default_rules())
    persons = persons.append_column("sex", pa.array(["L"])).append_column(
        "relationship", pa.array(["head"])
    )
    with pytest.raises(InputError, match="households: household_id must be present and unique"):
        run_targeting(households, persons, AS_OF, default_rules())


def test_csv_and_parquet_files_give_the_same_result(tmp_path, population, result):
    import pyarrow.parquet as pq

    pacsv.write_csv(population.households, tmp_path / "households.csv")
    pq.write_table(population.persons, tmp_path / "persons.parquet")
    from_files = run_targeting(
        tmp_path / "households.csv",
        tmp_path / "persons.parquet",
        AS_OF,
        default_rules(),
        out_dir=tmp_path / "out",
    )
    decisions = result.read("decisions")
    assert from_files.read("decisions").equals(decisions)
    written = pq.read_table(tmp_path / "out" / "decisions.parquet")
    assert written.schema.metadata[b"sejahtera.rules_version"] == b"2026.1"
    assert written.num_rows == from_files.count("decisions") == decisions.num_rows
    batches = list(from_files.batches("decisions", rows=1000))
    assert max(b.num_rows for b in batches) <= 1000
    streamed = pa.Table.from_batches(batches)
    assert streamed.schema == decisions.schema
    key = [("subject_id", "ascending"), ("programme", "ascending")]
    assert streamed.sort_by(key).equals(decisions.sort_by(key))


def test_outputs_without_out_dir_live_as_long_as_the_result(population):
    result = run_targeting(
        population.households.slice(0, 5), population.persons.slice(0, 20), AS_OF, default_rules()
    )
    folder = result.paths["decisions"].parent
    assert result.read("decisions").num_rows > 0
    del result
    assert not folder.exists()


def test_progress_is_reported(population):
    seen = []
    run_targeting(
        population.households.slice(0, 5),
        population.persons.slice(0, 20),
        AS_OF,
        default_rules(),
        progress=lambda stage, done, total: seen.append((stage, done, total)),
    )
    assert seen[-1] == ("write decisions", len(seen), len(seen))
    assert ("decisions", len(seen) - 3, len(seen)) in seen


def test_the_sql_transpiles_to_spark_and_reads_well():
    plan = build_plan(default_rules(), AS_OF)
    for stage in plan:
        assert to_spark(stage.sql)
    text = script(default_rules(), AS_OF)
    assert "CREATE OR REPLACE TEMP VIEW pkh_components AS" in text
    assert "f_asset_car" in text
