"""Running the targeting SQL on DuckDB (in process) or Spark (a cluster, or local[2]).

    result = run_targeting("households.csv", "persons.csv", date(2026, 11, 30), load_rules())
    result.household_results, result.person_results, result.decisions   # pyarrow Tables
    result.write_parquet(Path("out/"))

Inputs are registry format v1 tables: CSV or Parquet paths, or pyarrow Tables (every column is
read as a string; optional columns may be absent).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal, Protocol, TypeAlias

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from sejahtera.batch.sql import (
    CLUSTER_SEPARATOR,
    LIST_SEPARATOR,
    OUTPUTS,
    SEPARATOR,
    Stage,
    build_plan,
    to_spark,
)
from sejahtera.domain.registry_format import HOUSEHOLD_COLUMN_NAMES, PERSON_COLUMN_NAMES
from sejahtera.domain.targeting.rules import Rules, load_rules

Source: TypeAlias = str | Path | pa.Table
Engine = Literal["duckdb", "spark"]
Progress = Callable[[str, int, int], None]  # (stage name, stages done, stages in all)

# The columns the engine cannot do without (the others may be absent: then all unknown).
REQUIRED_HOUSEHOLD_COLUMNS = ("household_id", "region_code")
REQUIRED_PERSON_COLUMNS = ("person_id", "household_id", "sex", "birth_date", "relationship")
DECILE_COLUMNS = ("household_id", "national_decile")
# The order of the output rows, sorted by the engine (in parallel; NULL ids last in both).
PROGRAMME_ORDER = ("PKH", "SEMBAKO", "PBI_JK", "ATENSI", "PENA")
OUTPUT_ORDER = {
    "household_results": "household_id NULLS LAST",
    "person_results": "person_id NULLS LAST",
    "decisions": "household_id NULLS LAST, subject_id NULLS LAST, CASE programme "
    + " ".join(f"WHEN '{p}' THEN {i}" for i, p in enumerate(PROGRAMME_ORDER))
    + " END",
}


class InputError(ValueError):
    """Input tables the engine cannot run on (a missing column, duplicate ids, bad deciles)."""


@dataclass(frozen=True)
class TargetingResult:
    as_of: date
    rules_version: str
    engine: str
    household_results: pa.Table
    person_results: pa.Table
    decisions: pa.Table

    def write_parquet(self, out_dir: Path | str) -> dict[str, Path]:
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        paths = {}
        for name in OUTPUTS:
            table = getattr(self, name).replace_schema_metadata(
                {
                    "sejahtera.as_of": self.as_of.isoformat(),
                    "sejahtera.rules_version": self.rules_version,
                    "sejahtera.engine": self.engine,
                }
            )
            paths[name] = out / f"{name}.parquet"
            pq.write_table(table, paths[name])
        return paths


def run_targeting(
    households: Source,
    persons: Source,
    as_of: date,
    rules: Rules | None = None,
    engine: Engine = "duckdb",
    deciles: Source | None = None,
    progress: Progress | None = None,
    *,
    spark: Any = None,
) -> TargetingResult:
    """Rank households, assign clusters and decide every programme at ``as_of``.

    ``deciles`` (household_id, national_decile) replaces the PMT ranking: households missing
    from it get no decile (and so no decile-based programme, with that reason). ``spark`` is an
    existing SparkSession (else a local[2] one is started)."""
    if not isinstance(as_of, date):
        raise TypeError(f"as_of must be a date, got {as_of!r}")
    rules = rules or load_rules()
    plan = build_plan(rules, as_of, external_deciles=deciles is not None)
    runner: _Runner
    if engine == "duckdb":
        runner = _DuckDBRunner()
    elif engine == "spark":
        runner = _SparkRunner(spark)
    else:
        raise ValueError(f"engine must be 'duckdb' or 'spark', got {engine!r}")
    try:
        runner.load(
            "households_input", households, HOUSEHOLD_COLUMN_NAMES, REQUIRED_HOUSEHOLD_COLUMNS
        )
        runner.load("persons_input", persons, PERSON_COLUMN_NAMES, REQUIRED_PERSON_COLUMNS)
        _check_unique(runner, "households_input", "household_id", "households")
        _check_unique(runner, "persons_input", "person_id", "persons")
        if deciles is not None:
            runner.load("deciles_input", deciles, DECILE_COLUMNS, DECILE_COLUMNS)
            _check_deciles(runner)
        for done, stage in enumerate(plan):
            runner.run(stage)
            if progress:
                progress(stage.name, done + 1, len(plan))
        outputs = {
            name: _finish(name, runner.fetch(f"SELECT * FROM {name} ORDER BY {OUTPUT_ORDER[name]}"))
            for name in OUTPUTS
        }
    finally:
        runner.close()
    return TargetingResult(as_of=as_of, rules_version=rules.version, engine=engine, **outputs)


# -- checks -----------------------------------------------------------------------------------


def _check_unique(runner: _Runner, view: str, column: str, what: str) -> None:
    rows = runner.fetch(
        f"SELECT TRIM({column}) AS id, COUNT(*) AS n FROM {view} "
        f"GROUP BY TRIM({column}) HAVING COUNT(*) > 1 OR TRIM({column}) IS NULL "
        f"OR TRIM({column}) = '' ORDER BY 1 LIMIT 5"
    ).to_pylist()
    if rows:
        shown = ", ".join(f"{r['id']!r} ×{r['n']}" for r in rows)
        raise InputError(f"{what}: {column} must be present and unique; found {shown}")


def _check_deciles(runner: _Runner) -> None:
    _check_unique(runner, "deciles_input", "household_id", "deciles")
    bad = runner.fetch(
        "SELECT household_id, national_decile FROM deciles_input "
        "WHERE national_decile IS NULL "
        "OR TRIM(national_decile) NOT IN ('1','2','3','4','5','6','7','8','9','10') "
        "ORDER BY household_id LIMIT 5"
    ).to_pylist()
    if bad:
        shown = ", ".join(f"{r['household_id']}: {r['national_decile']!r}" for r in bad)
        raise InputError(f"deciles: national_decile must be a whole number 1–10; found {shown}")


# -- output shaping (no logic: types, lists, order) -------------------------------------------


def _split(column: pa.ChunkedArray | pa.Array, separator: str) -> pa.Array:
    """A separator-joined string (NULL or '' = none) as a list of strings."""
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    filled = pc.fill_null(pc.cast(array, pa.string()), "")
    empty = pa.scalar([], pa.list_(pa.string()))
    return pc.if_else(pc.equal(filled, ""), empty, pc.split_pattern(filled, separator))


def _finish(name: str, table: pa.Table) -> pa.Table:
    """Types and lists of one output, fetched in ``OUTPUT_ORDER``."""
    if name == "household_results":
        table = _typed(
            table,
            {
                "living_members": pa.int32(),
                "log_welfare_score": pa.float64(),
                "welfare_score": pa.int64(),
                "national_decile": pa.int8(),
                "province_decile": pa.int8(),
                "regency_decile": pa.int8(),
                "pbi_jk_persons": pa.int32(),
                "pbi_jk_monthly_amount": pa.int64(),
            },
        )
        return table
    if name == "person_results":
        table = _typed(table, {"age": pa.int16(), "national_decile": pa.int8()})
        table = table.set_column(
            table.schema.get_field_index("clusters"),
            "clusters",
            _split(table["clusters"], LIST_SEPARATOR),
        )
        table = table.set_column(
            table.schema.get_field_index("cluster_reasons"),
            "cluster_reasons",
            _split(table["cluster_reasons"], CLUSTER_SEPARATOR),
        )
        return table
    table = _typed(
        table,
        {
            "monthly_amount": pa.int64(),
            "yearly_amount": pa.int64(),
            "per_stage_amount": pa.int64(),
            "one_off_amount": pa.int64(),
        },
    )
    table = table.set_column(
        table.schema.get_field_index("components"),
        "components",
        _split(table["components"], LIST_SEPARATOR),
    )
    table = table.set_column(
        table.schema.get_field_index("reasons"), "reasons", _split(table["reasons"], SEPARATOR)
    )
    return table


def _typed(table: pa.Table, types: dict[str, pa.DataType]) -> pa.Table:
    """Fixed column types, every column nullable (engines differ in what they mark NOT NULL)."""
    schema = pa.schema(
        [pa.field(f.name, types.get(f.name, f.type), nullable=True) for f in table.schema]
    )
    return table.cast(schema)


# -- engines ----------------------------------------------------------------------------------


class _Runner(Protocol):
    def load(
        self, view: str, source: Source, columns: tuple[str, ...], required: tuple[str, ...]
    ) -> None: ...

    def run(self, stage: Stage) -> None: ...

    def fetch(self, sql: str) -> pa.Table: ...

    def close(self) -> None: ...


def _kind(source: Source) -> str:
    if isinstance(source, pa.Table):
        return "arrow"
    suffix = Path(source).suffix.lower()
    if suffix in (".csv", ".txt"):
        return "csv"
    if suffix in (".parquet", ".pq"):
        return "parquet"
    raise InputError(f"{source}: expected a .csv or .parquet file")


def _normalised(
    view: str, present: list[str], columns: tuple[str, ...], required: tuple[str, ...], cast: str
) -> str:
    missing = [c for c in required if c not in present]
    if missing:
        raise InputError(
            f"{view.removesuffix('_input')}: required columns missing: {', '.join(missing)}"
        )
    selected = [
        f"CAST({_quote(c)} AS {cast}) AS {c}" if c in present else f"CAST(NULL AS {cast}) AS {c}"
        for c in columns
    ]
    return "SELECT " + ", ".join(selected)


def _quote(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


class _DuckDBRunner:
    def __init__(self) -> None:
        import duckdb

        self.con = duckdb.connect(":memory:")
        self.con.execute("SET autoinstall_known_extensions = false")
        self.con.execute("SET autoload_known_extensions = false")
        # No stage relies on the row order of another (the outputs are fetched sorted); not
        # keeping it lets DuckDB stream and spill more freely.
        self.con.execute("SET preserve_insertion_order = false")

    def load(
        self, view: str, source: Source, columns: tuple[str, ...], required: tuple[str, ...]
    ) -> None:
        kind = _kind(source)
        raw = f"{view}_raw"
        if kind == "arrow":
            self.con.register(raw, source)
        elif kind == "csv":
            _exists(source)
            relation = self.con.read_csv(
                str(source), header=True, all_varchar=True, sep=",", quotechar='"', escapechar='"'
            )
            relation.to_view(raw)
        else:
            _exists(source)
            self.con.read_parquet(str(source)).to_view(raw)
        present = [d[0] for d in self.con.execute(f"SELECT * FROM {raw} LIMIT 0").description]
        select = _normalised(view, present, columns, required, "VARCHAR")
        self.con.execute(f"CREATE TEMP VIEW {view} AS {select} FROM {raw}")

    def run(self, stage: Stage) -> None:
        # Stages read by several later ones are stored; the others stay views that DuckDB
        # inlines into the query that reads them (no intermediate table to write and scan).
        kind = "TABLE" if stage.materialize else "VIEW"
        self.con.execute(f"CREATE TEMP {kind} {stage.name} AS {stage.sql}")

    def fetch(self, sql: str) -> pa.Table:
        return self.con.sql(sql).to_arrow_table()

    def close(self) -> None:
        self.con.close()


def _exists(source: Source) -> None:
    if not Path(str(source)).is_file():
        raise InputError(f"{source}: no such file")


def spark_session(app_name: str = "sejahtera-targeting", *, fast_start: bool = False) -> Any:
    """The active SparkSession, or a new local[2] one set up for this machine.

    ``fast_start`` tunes the JVM for short runs on small data (tests, a few households): C1
    compiler only and serial GC start about twice as fast but are slower on big data."""
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    builder = (
        SparkSession.builder.master("local[2]")
        .appName(app_name)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.bindAddress", "127.0.0.1")
    )
    if fast_start:
        builder = (
            builder.config("spark.sql.shuffle.partitions", "1")
            .config("spark.sql.adaptive.enabled", "false")
            .config("spark.driver.extraJavaOptions", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC")
        )
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


class _SparkRunner:
    def __init__(self, spark: Any = None) -> None:
        self.spark = spark or spark_session()
        self.cached: list[Any] = []
        self.views: list[str] = []

    def load(
        self, view: str, source: Source, columns: tuple[str, ...], required: tuple[str, ...]
    ) -> None:
        kind = _kind(source)
        if kind == "arrow":
            assert isinstance(source, pa.Table)
            frame = self.spark.createDataFrame(source)
        elif kind == "csv":
            _exists(source)
            frame = self.spark.read.csv(
                str(source), header=True, quote='"', escape='"', multiLine=True
            )
        else:
            _exists(source)
            frame = self.spark.read.parquet(str(source))
        raw = f"{view}_raw"
        frame.createOrReplaceTempView(raw)
        self.views.append(raw)
        select = _normalised(view, list(frame.columns), columns, required, "STRING").replace(
            '"', "`"
        )
        self.spark.sql(f"{select} FROM {raw}").createOrReplaceTempView(view)
        self.views.append(view)

    def run(self, stage: Stage) -> None:
        frame = self.spark.sql(to_spark(stage.sql))
        if stage.materialize:
            frame = frame.cache()
            self.cached.append(frame)
        frame.createOrReplaceTempView(stage.name)
        self.views.append(stage.name)

    def fetch(self, sql: str) -> pa.Table:
        return self.spark.sql(sql).toArrow()

    def close(self) -> None:
        for frame in self.cached:
            frame.unpersist()
        for view in self.views:
            self.spark.catalog.dropTempView(view)
