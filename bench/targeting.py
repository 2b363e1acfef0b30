"""Benchmark: the full targeting run against one hand-written PMT + decile query.

    python bench/targeting.py [--persons 10000000] [--spark-persons 1000000] [--skip-spark]

Generates the population with ``sejahtera synth`` in a temporary directory under /tmp (deleted
at the end) and converts it to Parquet twice (timed separately): every column kept as text, as
``target evaluate`` reads files, and typed, as the registry's snapshot holds it for a run in
the application (dates, numbers and flags as values). Then, for each input, each in its own
process so that its peak memory (RSS, DuckDB included) is its own:

- the engine: ``run_targeting(..., engine="duckdb", out_dir=...)`` — scores,
  national/province/regency deciles, the 12 clusters, every programme decision with reasons,
  PKH components — with its three outputs written to Parquet, as the CLI and the application
  get them;
- the baseline: ONE hand-written DuckDB query over the same Parquet files computing the same PMT
  scores (coefficients read from the shipped ``pmt-default.json``) and person-weighted national
  deciles, written to Parquet the same way;

checks that both give every household the same national decile (and that the typed input
decides as the text does), and prints the ratio of the whole run and, like for like, of the
engine's stages up to its deciles. Then the engine on Spark
local[2] over a smaller population (time only).
Goal (issue #14, replacing issue #4's ≤ 60 s): 10 M persons in ≤ 30 s and ≤ 6 GB on a quiet
2-core machine, ≤ 2.5× the baseline.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

AS_OF = date(2026, 11, 30)
PMT_MODEL = Path(__file__).resolve().parent.parent / "src/sejahtera/data/rules/pmt-default.json"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- the hand-written baseline ----------------------------------------------------------------


def baseline_sql(households: str, persons: str, as_of: date, typed: bool) -> str:
    """PMT score and person-weighted national decile of every household, as one query.

    The same conventions as the engine (trimmed text, empty = missing, dates and numbers only
    when well-formed — or taken as they are from a typed file —, members = born by and not
    deceased at as_of, head = the smallest person_id among living heads), written directly:
    each categorical feature is one CASE that yields its coefficient, and the head is picked
    inside the household aggregate (no self-join)."""
    from sejahtera.domain.targeting.pmt import (
        CHILD_AGE_BELOW,
        EARNING_JOBS,
        ELDERLY_MIN_AGE,
        HEAD_CATEGORIES,
        HOUSEHOLD_CATEGORIES,
    )

    model = json.loads(PMT_MODEL.read_text())
    beta: dict[str, float] = model["coefficients"]

    def coef(name: str) -> str:
        return repr(float(beta.get(name, 0.0)))

    def quoted(values: tuple[str, ...] | list[str]) -> str:
        return ", ".join(f"'{v}'" for v in values)

    def category(expression: str, prefix: str, values: tuple[str, ...]) -> str:
        # First value = reference (0); a listed value = its coefficient; else "missing".
        whens = " ".join(f"WHEN '{v}' THEN {coef(f'{prefix}={v}')}" for v in values)
        return f"(CASE {expression} {whens} ELSE {coef(f'{prefix}=missing')} END)"

    terms = [repr(float(model["intercept"]))]
    for column, values in HOUSEHOLD_CATEGORIES.items():
        terms.append(category(f"TRIM(h.{column})", column, values))
    terms.append(
        "(CASE WHEN h.va IS NULL THEN " + coef("electricity_va=missing") + " "
        f"WHEN h.va BETWEEN 1 AND 450 THEN {coef('electricity_va=450')} "
        f"WHEN h.va BETWEEN 451 AND 900 THEN {coef('electricity_va=900')} "
        f"WHEN h.va BETWEEN 901 AND 1300 THEN {coef('electricity_va=1300')} "
        f"WHEN h.va BETWEEN 1301 AND 1000000000 THEN {coef('electricity_va=2200+')} ELSE 0 END)"
    )
    terms.append(
        f"(CASE WHEN h.area > 0 THEN {coef('log_floor_area_per_capita')} * LN(h.area / n) "
        f"ELSE {coef('floor_area=missing')} END)"
    )
    for name in beta:
        if name.startswith("asset="):
            terms.append(
                f"(CASE WHEN contains(h.assets, ';{name[6:]};') THEN {coef(name)} ELSE 0 END)"
            )
    terms.append(f"(CASE WHEN h.urban THEN {coef('urban')} ELSE 0 END)")
    terms.append(f"{coef('log_size')} * LN(n)")
    for share in ("children", "elderly", "earners"):
        terms.append(f"{coef('share_' + share)} * COALESCE(c.{share}, 0) / n")
    terms.append(f"(CASE WHEN c.head.sex = 'P' THEN {coef('head_female')} ELSE 0 END)")
    for column, values in HEAD_CATEGORIES.items():
        terms.append(category(f"c.head.{column}", f"head_{column}", values))
    for job in ("civil_servant", "private_employee"):
        terms.append(f"(CASE WHEN c.any_{job} THEN {coef('any_' + job)} ELSE 0 END)")
    terms.append(
        f"(CASE WHEN c.head.age IS NULL THEN {coef('head_age=missing')} "
        f"ELSE {coef('head_age')} * c.head.age "
        f"+ {coef('head_age_squared')} * c.head.age * c.head.age / 100 END)"
    )
    terms.append(
        f"(CASE WHEN c.income > 0 THEN {coef('log_income_per_capita')} * LN(c.income / n) "
        f"ELSE {coef('income=missing')} END)"
    )
    regencies = " ".join(
        f"WHEN '{name[8:]}' THEN {coef(name)}" for name in beta if name.startswith("regency=")
    )
    if regencies:
        terms.append(f"(CASE h.regency {regencies} ELSE 0 END)")
    score = "\n        + ".join(terms)

    day = f"DATE '{as_of.isoformat()}'"
    md = as_of.month * 100 + as_of.day

    def parsed(column: str, shape: str, sql_type: str) -> str:
        if typed:
            return column
        return (
            f"CASE WHEN regexp_matches(TRIM({column}), '{shape}') "
            f"THEN TRY_CAST(TRIM({column}) AS {sql_type}) END"
        )

    date_re = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
    return f"""
WITH h AS (
    SELECT
        TRIM(household_id) AS household_id,
        house_ownership, floor_type, wall_type, roof_type, drinking_water, lighting,
        cooking_fuel, toilet,
        {parsed("electricity_va", "^[0-9]+$", "BIGINT")} AS va,
        {parsed("floor_area_m2", "^[0-9]+([.][0-9]+)?$", "DOUBLE")} AS area,
        ';' || REPLACE(COALESCE(assets, ''), ' ', '') || ';' AS assets,
        COALESCE(SUBSTR(TRIM(region_code), 7, 1) = '1', FALSE) AS urban,
        SUBSTR(TRIM(region_code), 1, 4) AS regency
    FROM read_parquet('{households}')
),
p AS (
    SELECT
        TRIM(household_id) AS household_id,
        TRIM(person_id) AS person_id,
        NULLIF(TRIM(relationship), '') AS relationship,
        NULLIF(TRIM(sex), '') AS sex,
        NULLIF(TRIM(education), '') AS education,
        NULLIF(TRIM(employment), '') AS employment,
        {parsed("birth_date", date_re, "DATE")} AS born,
        {parsed("deceased_date", date_re, "DATE")} AS died,
        {parsed("monthly_income_idr", "^[0-9]+$", "BIGINT")} AS income
    FROM read_parquet('{persons}')
),
c AS (
    SELECT
        p.household_id,
        COUNT(*) AS living,
        COUNT(*) FILTER (WHERE p.age < {CHILD_AGE_BELOW}) AS children,
        COUNT(*) FILTER (WHERE p.age >= {ELDERLY_MIN_AGE}) AS elderly,
        COUNT(*) FILTER (WHERE p.employment IN ({quoted(EARNING_JOBS)})) AS earners,
        BOOL_OR(p.employment = 'civil_servant') AS any_civil_servant,
        BOOL_OR(p.employment = 'private_employee') AS any_private_employee,
        SUM(p.income) AS income,
        MIN({{'id': p.person_id, 'sex': p.sex, 'education': p.education,
              'employment': p.employment, 'age': p.age}})
            FILTER (WHERE p.relationship = 'head') AS head
    FROM (
        SELECT *, {as_of.year} - YEAR(born)
            - CASE WHEN MONTH(born) * 100 + DAY(born) > {md} THEN 1 ELSE 0 END AS age
        FROM p
        WHERE born <= {day} AND (died IS NULL OR died > {day})
    ) AS p
    SEMI JOIN h ON h.household_id = p.household_id
    GROUP BY p.household_id
),
scored AS (
    SELECT
        h.household_id,
        c.living,
        CAST(ROUND(EXP(
        {score}
        )) AS BIGINT) AS welfare_score
    FROM h
    JOIN c ON c.household_id = h.household_id,
    LATERAL (SELECT CAST(c.living AS DOUBLE) AS n)
)
SELECT
    household_id,
    welfare_score,
    LEAST(10, (20 * (SUM(living) OVER w - living) + 10 * living)
        // (2 * SUM(living) OVER ()) + 1) AS national_decile
FROM scored
WINDOW w AS (ORDER BY welfare_score, household_id ROWS UNBOUNDED PRECEDING)
"""


# -- workers (each in its own process) ---------------------------------------------------------


def typed_value(column: str, sql_type: str) -> str:
    """A text column as the registry would hold it: a well-formed value as a value, else NULL
    (the import would have rejected the row; the engine reads NULL the same way)."""
    from sejahtera.domain import registry_format as fmt

    if sql_type == "BOOLEAN":
        words = ", ".join(f"'{w}'" for w in sorted(fmt.TRUE_WORDS))
        return f"LOWER(TRIM({column})) IN ({words})"
    shape = {"DATE": fmt.DATE_SHAPE, "BIGINT": fmt.DIGITS_SHAPE}.get(
        sql_type, fmt.PLAIN_DECIMAL_SHAPE
    )
    return (
        f"CASE WHEN regexp_matches(TRIM({column}), '{shape}') "
        f"THEN TRY_CAST(TRIM({column}) AS {sql_type}) END"
    )


def worker_convert(data: Path) -> dict:
    """CSV → Parquet twice: every column kept as text, and typed (``data/typed``)."""
    import duckdb

    from sejahtera.targeting_engine.run import TYPED_HOUSEHOLD_COLUMNS, TYPED_PERSON_COLUMNS

    con = duckdb.connect()
    started = time.perf_counter()
    (data / "typed").mkdir()
    for name, types in (("households", TYPED_HOUSEHOLD_COLUMNS), ("persons", TYPED_PERSON_COLUMNS)):
        con.execute(
            f"COPY (SELECT * FROM read_csv('{data / name}.csv', header=true, all_varchar=true, "
            f"sep=',', quote='\"', escape='\"')) TO '{data / name}.parquet' "
            "(FORMAT parquet, COMPRESSION zstd)"
        )
        text = con.read_parquet(str(data / f"{name}.parquet"))
        select = ", ".join(
            f"{typed_value(c, types[c])} AS {c}" if c in types else c for c in text.columns
        )
        con.execute(
            f"COPY (SELECT {select} FROM read_parquet('{data / name}.parquet')) "
            f"TO '{data / 'typed' / name}.parquet' (FORMAT parquet, COMPRESSION zstd)"
        )
    return {"seconds": time.perf_counter() - started, "peak_mb": peak_rss_mb()}


def worker_engine(data: Path) -> dict:
    from sejahtera.targeting_engine.run import run_targeting

    phases: dict[str, float] = {}
    last = [time.perf_counter()]

    def progress(stage: str, done: int, total: int) -> None:
        now = time.perf_counter()
        phases[stage] = now - last[0]
        last[0] = now

    started = time.perf_counter()
    result = run_targeting(
        data / "households.parquet",
        data / "persons.parquet",
        AS_OF,
        engine="duckdb",
        progress=progress,
        out_dir=data / "engine",
    )
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "peak_mb": peak_rss_mb(),
        "households": result.count("household_results"),
        "persons": result.count("person_results"),
        "decisions": result.count("decisions"),
        "phases": phases,
    }


def ranking_seconds(phases: dict[str, float]) -> float:
    """The engine's time from its start (input checks included) to its deciles: the same work
    as the baseline, and the like-for-like part of the ratio."""
    spent = 0.0
    for stage, seconds in phases.items():
        spent += seconds
        if stage == "household_deciles":
            return spent
    raise ValueError("the engine reported no household_deciles stage")


def worker_baseline(data: Path) -> dict:
    import duckdb

    con = duckdb.connect()
    persons = str(data / "persons.parquet")
    born = con.sql(f"SELECT birth_date FROM read_parquet('{persons}') LIMIT 0").types[0]
    sql = baseline_sql(str(data / "households.parquet"), persons, AS_OF, typed=born == "DATE")
    started = time.perf_counter()
    # Written like the engine's outputs: to Parquet by DuckDB, zstd.
    con.execute(f"COPY ({sql}) TO '{data / 'baseline.parquet'}' (FORMAT parquet, COMPRESSION zstd)")
    return {"seconds": time.perf_counter() - started, "peak_mb": peak_rss_mb()}


def worker_spark(data: Path) -> dict:
    from sejahtera.targeting_engine.run import run_targeting, spark_session

    started = time.perf_counter()
    spark = spark_session("sejahtera-bench")
    session_seconds = time.perf_counter() - started
    started = time.perf_counter()
    result = run_targeting(
        data / "households.parquet",
        data / "persons.parquet",
        AS_OF,
        engine="spark",
        spark=spark,
        out_dir=data / "spark",
    )
    seconds = time.perf_counter() - started
    spark.stop()
    return {
        "seconds": seconds,
        "session_seconds": session_seconds,
        "persons": result.count("person_results"),
        "decisions": result.count("decisions"),
        "peak_mb": peak_rss_mb(),
    }


WORKERS = {
    "convert": worker_convert,
    "engine": worker_engine,
    "baseline": worker_baseline,
    "spark": worker_spark,
}


def run_worker(name: str, data: Path) -> dict:
    output = subprocess.run(
        [sys.executable, __file__, "--worker", name, "--data", str(data)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


# -- orchestration -----------------------------------------------------------------------------


def synth(persons: int, seed: int, out: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "sejahtera",
            "synth",
            "--persons",
            str(persons),
            "--seed",
            str(seed),
            "--out",
            str(out),
            "--as-of",
            AS_OF.isoformat(),
        ],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


def compare(data: Path, other: Path) -> dict:
    """Households whose national decile differs between the engine's results in ``data`` and
    ``other`` (the baseline's, or another run's household results)."""
    import duckdb

    con = duckdb.connect()
    row = con.execute(
        f"""
        SELECT
            COUNT(*) FILTER (WHERE e.national_decile IS NOT NULL) AS ranked,
            COUNT(*) FILTER (WHERE e.national_decile IS DISTINCT FROM b.national_decile)
                AS deciles_differ,
            COUNT(*) FILTER (WHERE e.welfare_score IS DISTINCT FROM b.welfare_score)
                AS scores_differ
        FROM read_parquet('{data / "engine/household_results.parquet"}') AS e
        FULL JOIN read_parquet('{other}') AS b
            ON b.household_id = e.household_id
        """
    ).fetchone()
    assert row is not None
    return {"ranked": row[0], "deciles_differ": row[1], "scores_differ": row[2]}


def report(label: str, data: Path) -> None:
    """Run the engine and the baseline on the input in ``data`` and print the figures."""
    engine = run_worker("engine", data)
    load_engine = os.getloadavg()[0]
    baseline = run_worker("baseline", data)
    load_baseline = os.getloadavg()[0]
    check = compare(data, data / "baseline.parquet")
    print(
        f"DuckDB, {label} input: {engine['households']:,} households, "
        f"{engine['persons']:,} persons, {engine['decisions']:,} decisions"
    )
    print(line("engine (full targeting)", engine) + f"   load {load_engine:.2f}")
    print(line("baseline (one PMT + decile query)", baseline) + f"   load {load_baseline:.2f}")
    print(
        f"  ratio engine / baseline: {engine['seconds'] / baseline['seconds']:.2f}x "
        "(goal ≤ 2.5x; engine ≤ 30 s and ≤ 6 GB)"
    )
    ranking = ranking_seconds(engine["phases"])
    print(
        f"  engine up to its deciles (the baseline's work, plus province and regency "
        f"deciles): {ranking:.1f} s, {ranking / baseline['seconds']:.2f}x the baseline"
    )
    print(
        f"  national deciles differing: {check['deciles_differ']:,} of "
        f"{check['ranked']:,} ranked households (welfare scores differing: "
        f"{check['scores_differ']:,})"
    )
    print("  engine phases (s):")
    for stage, spent in engine["phases"].items():
        print(f"    {stage:<28} {spent:6.1f}")


def line(label: str, result: dict) -> str:
    return f"  {label:<34} {result['seconds']:7.1f} s   peak {result['peak_mb']:7,.0f} MB"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--persons", type=int, default=10_000_000)
    parser.add_argument("--spark-persons", type=int, default=1_000_000)
    parser.add_argument("--skip-spark", action="store_true")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--worker", choices=WORKERS, help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker:
        print(json.dumps(WORKERS[args.worker](args.data)))
        return

    print(f"cores: {os.cpu_count()}, python {sys.version.split()[0]}, as_of {AS_OF}")
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    memory = os.environ.get("SEJAHTERA_DUCKDB_MEMORY") or "DuckDB's default, 80 % of memory"
    print(f"DuckDB memory limit (SEJAHTERA_DUCKDB_MEMORY): {memory}")
    tmp = Path(tempfile.mkdtemp(prefix="sejahtera-bench-targeting-", dir="/tmp"))
    try:
        data = tmp / "data"
        seconds = synth(args.persons, args.seed, data)
        print(f"synth: {args.persons:,} persons in {seconds:.1f} s")
        converted = run_worker("convert", data)
        print(line("CSV → Parquet (not in the runs)", converted))

        for label, folder in (("text", data), ("typed", data / "typed")):
            report(label, folder)
        same = compare(data, data / "typed/engine/household_results.parquet")
        print(
            f"typed input vs text: national deciles differing {same['deciles_differ']:,}, "
            f"welfare scores differing {same['scores_differ']:,} of {same['ranked']:,}"
        )

        if not args.skip_spark:
            shutil.rmtree(data)
            small = tmp / "spark"
            seconds = synth(args.spark_persons, args.seed, small)
            print(f"synth: {args.spark_persons:,} persons in {seconds:.1f} s")
            run_worker("convert", small)
            spark = run_worker("spark", small)
            print(f"Spark local[2], {spark['persons']:,} persons, {spark['decisions']:,} decisions")
            print(
                line("engine (full targeting)", spark)
                + f"   load {os.getloadavg()[0]:.2f}   (+ session start "
                f"{spark['session_seconds']:.1f} s; peak is the Python driver, not the JVM)"
            )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
