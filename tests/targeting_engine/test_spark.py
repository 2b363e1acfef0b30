"""DuckDB and Spark run the same generated SQL and must decide identically.

The suite's one SparkSession (tests/conftest.py) serves every test that uses Spark."""

from datetime import date

import pyarrow.compute as pc
from targeting_builders import born_aged, default_rules, household, person, rules_with, typed

from sejahtera.synth import SynthConfig, generate
from sejahtera.targeting_engine import run_targeting

AS_OF = date(2026, 11, 30)


def test_duckdb_and_spark_decide_identically(run, spark):
    check_synthetic_population(spark)
    check_edge_cases_with_external_deciles(run, spark)


def check_synthetic_population(spark):
    population = generate(SynthConfig(persons=3_000, seed=8))
    # How fast Spark is belongs to bench/targeting.py, not to a test.
    on_spark = run_targeting(
        population.households, population.persons, AS_OF, default_rules(), "spark", spark=spark
    )
    on_duckdb = run_targeting(population.households, population.persons, AS_OF, default_rules())
    spark_decisions = on_spark.read("decisions")
    assert spark_decisions.num_rows > 10_000
    assert spark_decisions.equals(on_duckdb.read("decisions"))
    assert on_spark.read("person_results").equals(on_duckdb.read("person_results"))
    spark_households = on_spark.read("household_results")
    duckdb_households = on_duckdb.read("household_results")
    assert spark_households.drop_columns(["log_welfare_score"]).equals(
        duckdb_households.drop_columns(["log_welfare_score"])
    )
    difference = pc.max(
        pc.abs(
            pc.subtract(
                spark_households["log_welfare_score"], duckdb_households["log_welfare_score"]
            )
        )
    ).as_py()
    assert difference < 1e-9
    eligible = pc.sum(spark_decisions["eligible"]).as_py()
    assert eligible > 1_000  # the comparison is not trivially all-false
    # the registry's typed snapshot, read on Spark as it is
    typed_on_spark = run_targeting(
        typed(population.households),
        typed(population.persons),
        AS_OF,
        default_rules(),
        "spark",
        spark=spark,
    )
    assert typed_on_spark.read("decisions").equals(on_duckdb.read("decisions"))


def check_edge_cases_with_external_deciles(run, spark):
    persons = [
        person("E1", "H1", born_aged(75, date(2026, 7, 1)), disability_severity="severe"),
        person("E2", "H1", born_aged(80, date(2026, 7, 1)), disability_severity="severe"),
        person("C1", "H1", "2020-02-29"),
        person("D1", "H1", born_aged(3, date(2026, 7, 1)), deceased_date="2026-07-01"),
        person("A1", "H2", born_aged(30, date(2026, 7, 1)), sex="P", relationship="head"),
    ]
    households = [household("H1"), household("H2"), household("H3")]

    def three(data):
        data["programmes"]["PKH"]["max_components"] = 3
        # one new programme of each unit, built from the same blocks
        data["programmes"]["PKH_LANSIA"] = {
            "name": "PKH lansia",
            "unit": "household",
            "max_decile": 3,
            "stages_per_year": 4,
            "max_components": 1,
            "monthly_amount": 10_000,
            "components": [{"code": "LANSIA_60", "min_age": 60, "yearly_amount": 400_000}],
        }
        data["programmes"]["MODAL_PEREMPUAN"] = {
            "name": "Modal usaha perempuan",
            "unit": "person",
            "sex": "P",
            "min_age": 18,
            "clusters": ["PEREMPUAN_RENTAN"],
            "excluded_employment": ["civil_servant"],
            "one_off_amount": 2_500_000,
        }

    rules = rules_with(three)
    manual = [("E1", "KORBAN_BENCANA", "banjir"), ("A1", "PEREMPUAN_RENTAN", "asesmen")]
    overrides = [
        ("household", "H2", "SEMBAKO", "not_eligible", "TKO-8"),
        ("person", "E1", "PBI_JK", "not_eligible", "TKO-9"),
    ]
    kwargs = {
        "deciles": {"H1": 2, "H2": 4},
        "rules": rules,
        "manual_clusters": manual,
        "overrides": overrides,
    }
    on_spark = run(households, persons, engine="spark", spark=spark, **kwargs)
    on_duckdb = run(households, persons, **kwargs)
    for output in ("decisions", "person_results"):
        assert on_spark.result.read(output).equals(on_duckdb.result.read(output))
    assert on_spark.decision("H1", "PKH")["components"] == ["EARLY_CHILD", "SEVERE_DISABILITY"]
    assert on_spark.clusters("A1") == ["PEREMPUAN_RENTAN"]
    assert "KORBAN_BENCANA" in on_spark.clusters("E1")
    assert on_spark.decision("H1", "PKH_LANSIA")["components"] == ["LANSIA_60"]
    assert on_spark.decision("A1", "MODAL_PEREMPUAN")["eligible"] is True
    assert on_spark.decision("H2", "SEMBAKO")["eligible"] is False
    assert on_spark.decision("E1", "PBI_JK")["eligible"] is False
    assert on_spark.decision("E2", "PBI_JK")["eligible"] is True
