"""Running the targeting SQL on DuckDB (in process) or Spark (a cluster, or local[2]).

    result = run_targeting("households.csv", "persons.csv", date(2026, 11, 30), out_dir="out/")
    result.paths["decisions"]                 # out/decisions.parquet
    for batch in result.batches("decisions"): # pyarrow RecordBatches, any size of run
        ...
    result.read("household_results")          # a whole pyarrow Table, sorted (small runs)

Inputs are registry format v1 tables: CSV or Parquet paths, or pyarrow Tables; optional columns
may be absent. A file of text is parsed as the import reads it; a typed file (the registry's
snapshot, ``registry_format.TYPED_KINDS``) has its dates, numbers and flags taken as they are.
The engine writes its three outputs to Parquet itself (DuckDB: one file each; Spark: a folder of
part files each), so no output is ever held in memory as a whole; their rows are in no
particular order.
"""

from __future__ import annotations

import csv
import os
import re
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any, Literal, Protocol, TypeAlias

import pyarrow as pa
import pyarrow.dataset as ds

from sejahtera.domain.registry_format import (
    HOUSEHOLD_COLUMN_NAMES,
    HOUSEHOLD_COLUMNS,
    PERSON_COLUMN_NAMES,
    PERSON_COLUMNS,
    TYPED_KINDS,
    Kind,
)
from sejahtera.domain.targeting.rules import CLUSTER_CODES, Rules, load_rules
from sejahtera.targeting_engine.plan import OUTPUTS, build_plan, to_spark
from sejahtera.targeting_engine.programmes import VERDICTS
from sejahtera.targeting_engine.sql import (
    CLUSTER_SEPARATOR,
    LIST_SEPARATOR,
    SEPARATOR,
    Stage,
    text,
    texts,
)

Source: TypeAlias = str | Path | pa.Table
Engine = Literal["duckdb", "spark"]
Progress = Callable[[str, int, int], None]  # (stage name, stages done, stages in all)

# The columns the engine cannot do without (the others may be absent: then all unknown).
REQUIRED_HOUSEHOLD_COLUMNS = ("household_id", "region_code")
REQUIRED_PERSON_COLUMNS = ("person_id", "household_id", "sex", "birth_date", "relationship")
DECILE_COLUMNS = ("household_id", "national_decile")
# The SQL type (DuckDB's and Spark's alike) of each typed kind: a typed file's columns of these
# kinds are read as such (the registry's snapshot); text files are parsed by the plan.
INPUT_SQL_TYPES = {
    Kind.DATE: "DATE",
    Kind.BOOL: "BOOLEAN",
    Kind.INTEGER: "BIGINT",
    Kind.POSITIVE_NUMBER: "DOUBLE",
    Kind.LATITUDE: "DOUBLE",
    Kind.LONGITUDE: "DOUBLE",
}
TYPED_HOUSEHOLD_COLUMNS = {
    c.name: INPUT_SQL_TYPES[c.kind] for c in HOUSEHOLD_COLUMNS if c.kind in TYPED_KINDS
}
TYPED_PERSON_COLUMNS = {
    c.name: INPUT_SQL_TYPES[c.kind] for c in PERSON_COLUMNS if c.kind in TYPED_KINDS
}
MANUAL_CLUSTER_COLUMNS = ("person_id", "cluster", "reason")
OVERRIDE_COLUMNS = ("subject_type", "subject_id", "programme", "verdict", "reference")
# The order of the rows of ``TargetingResult.read`` (NULL ids last; the built-in programmes
# first, then the rules' own by code).
PROGRAMME_ORDER = ("PKH", "SEMBAKO", "PBI_JK", "ATENSI", "PENA")
OUTPUT_ORDER = {
    "household_results": "household_id NULLS LAST",
    "person_results": "person_id NULLS LAST",
    "decisions": "household_id NULLS LAST, subject_id NULLS LAST, CASE programme "
    + " ".join(f"WHEN '{p}' THEN {i}" for i, p in enumerate(PROGRAMME_ORDER))
    + " END NULLS LAST, programme",
}
# The output columns whose type the SQL leaves to the engine (the others are strings and
# booleans); lists are joined strings in the SQL, split when written.
TEXT_LIST = pa.list_(pa.string())
OUTPUT_TYPES: dict[str, dict[str, pa.DataType]] = {
    "household_results": {
        "living_members": pa.int32(),
        "log_welfare_score": pa.float64(),
        "welfare_score": pa.int64(),
        "national_decile": pa.int8(),
        "province_decile": pa.int8(),
        "regency_decile": pa.int8(),
        "pbi_jk_persons": pa.int32(),
        "pbi_jk_monthly_amount": pa.int64(),
    },
    "person_results": {
        "age": pa.int16(),
        "national_decile": pa.int8(),
        "clusters": TEXT_LIST,
        "cluster_reasons": TEXT_LIST,
    },
    "decisions": {
        "components": TEXT_LIST,
        "monthly_amount": pa.int64(),
        "yearly_amount": pa.int64(),
        "per_stage_amount": pa.int64(),
        "one_off_amount": pa.int64(),
        "reasons": TEXT_LIST,
    },
}
LIST_SEPARATORS = {
    "clusters": LIST_SEPARATOR,
    "cluster_reasons": CLUSTER_SEPARATOR,
    "components": LIST_SEPARATOR,
    "reasons": SEPARATOR,
}
SQL_TYPES = {
    pa.int8(): "TINYINT",
    pa.int16(): "SMALLINT",
    pa.int32(): "INTEGER",
    pa.int64(): "BIGINT",
    pa.float64(): "DOUBLE",
}
BATCH_ROWS = 65_536


class InputError(ValueError):
    """Input tables the engine cannot run on (a missing column, duplicate ids, bad deciles)."""


@dataclass(frozen=True)
class TargetingResult:
    """Where a run wrote its outputs, and how to read them back (with the output types)."""

    as_of: date
    rules_version: str
    engine: str
    paths: dict[str, Path]  # output name → Parquet file (DuckDB) or folder of parts (Spark)
    # The temporary folder of a run given no out_dir: deleted with this result.
    folder: tempfile.TemporaryDirectory[str] | None = field(default=None, repr=False, compare=False)

    def batches(self, name: str, rows: int = BATCH_ROWS) -> Iterator[pa.RecordBatch]:
        """One output as record batches of at most ``rows`` rows, in no particular order."""
        dataset = self._dataset(name)
        schema = _typed(dataset.schema, OUTPUT_TYPES[name])
        for batch in dataset.to_batches(batch_size=rows):
            yield batch.cast(schema)

    def read(self, name: str) -> pa.Table:
        """One whole output, sorted (by id; decisions by household, subject and programme).
        For small runs: tests, ``sejahtera target evaluate``."""
        import duckdb

        with duckdb.connect() as con:
            con.register("output", self._dataset(name))
            table = con.sql(f"SELECT * FROM output ORDER BY {OUTPUT_ORDER[name]}").to_arrow_table()
        return table.cast(_typed(table.schema, OUTPUT_TYPES[name]))

    def count(self, name: str) -> int:
        return self._dataset(name).count_rows()

    def _dataset(self, name: str) -> ds.Dataset:
        # Spark's folders also hold _SUCCESS and .crc files: the dataset skips those.
        return ds.dataset(self.paths[name], format="parquet")


def run_targeting(
    households: Source,
    persons: Source,
    as_of: date,
    rules: Rules | None = None,
    engine: Engine = "duckdb",
    deciles: Source | None = None,
    progress: Progress | None = None,
    *,
    manual_clusters: Source | None = None,
    overrides: Source | None = None,
    out_dir: Path | str | None = None,
    spark: Any = None,
) -> TargetingResult:
    """Rank households, assign clusters and decide every programme at ``as_of``.

    The outputs are written to ``out_dir`` as ``household_results.parquet``,
    ``person_results.parquet`` and ``decisions.parquet`` (replacing earlier ones); without
    ``out_dir`` to a temporary folder that lives as long as the result. ``deciles``
    (household_id, national_decile) replaces the PMT ranking: households missing from it get no
    decile (and so no decile-based programme, with that reason). ``spark`` is an existing
    SparkSession (else a local[2] one is started). ``manual_clusters`` (person_id, cluster,
    reason): memberships a social worker recorded, counted beside the rules' own.
    ``overrides`` (subject_type ``household``/``person``, subject_id, programme, verdict
    ``eligible``/``not_eligible``, reference): a reviewer's verdicts on objections to earlier
    decisions, deciding in place of the rules for a living subject (with that reason)."""
    if not isinstance(as_of, date):
        raise TypeError(f"as_of must be a date, got {as_of!r}")
    rules = rules or load_rules()
    runner: Runner
    if engine == "duckdb":
        runner = DuckDBRunner()
    elif engine == "spark":
        runner = SparkRunner(spark)
    else:
        raise ValueError(f"engine must be 'duckdb' or 'spark', got {engine!r}")
    folder = None
    if out_dir is None:
        folder = tempfile.TemporaryDirectory(prefix="sejahtera-targeting-")
        out_dir = folder.name
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {name: out / f"{name}.parquet" for name in OUTPUTS}
    metadata = {
        "sejahtera.as_of": as_of.isoformat(),
        "sejahtera.rules_version": rules.version,
        "sejahtera.engine": engine,
    }
    try:
        typed_households = runner.load(
            "households_input",
            households,
            HOUSEHOLD_COLUMN_NAMES,
            REQUIRED_HOUSEHOLD_COLUMNS,
            typed=TYPED_HOUSEHOLD_COLUMNS,
        )
        typed_persons = runner.load(
            "persons_input",
            persons,
            PERSON_COLUMN_NAMES,
            REQUIRED_PERSON_COLUMNS,
            typed=TYPED_PERSON_COLUMNS,
        )
        _check_unique(runner, "households_input", "household_id", "households")
        _check_unique(runner, "persons_input", "person_id", "persons")
        if deciles is not None:
            runner.load("deciles_input", deciles, DECILE_COLUMNS, DECILE_COLUMNS)
            _check_deciles(runner)
        if manual_clusters is not None:
            runner.load(
                "manual_clusters_input",
                manual_clusters,
                MANUAL_CLUSTER_COLUMNS,
                MANUAL_CLUSTER_COLUMNS,
            )
            _check_manual_clusters(runner)
        if overrides is not None:
            runner.load("decision_overrides_input", overrides, OVERRIDE_COLUMNS, OVERRIDE_COLUMNS)
            _check_overrides(runner, rules)
        plan = build_plan(
            rules,
            as_of,
            external_deciles=deciles is not None,
            manual_clusters=manual_clusters is not None,
            reviewed=overrides is not None,
            typed_households=typed_households,
            typed_persons=typed_persons,
        )
        # The stages, then the writes (named "write <output>"), each followed by dropping the
        # stored stages no later step reads.
        steps: list[tuple[str, Callable[[], None]]] = [
            (stage.name, partial(runner.run, stage)) for stage in plan
        ]
        steps += [
            (f"write {name}", partial(_write, runner, name, paths[name], metadata))
            for name in OUTPUTS
        ]
        release = _release_after(plan)
        for done, (step, action) in enumerate(steps):
            action()
            for stored in release.get(step, ()):
                runner.release(stored)
            if progress:
                progress(step, done + 1, len(steps))
    except BaseException:
        if folder is not None:
            folder.cleanup()
        raise
    finally:
        runner.close()
    return TargetingResult(
        as_of=as_of, rules_version=rules.version, engine=engine, paths=paths, folder=folder
    )


def _write(runner: Runner, name: str, path: Path, metadata: dict[str, str]) -> None:
    runner.write(_shaped(name, runner.columns(name)), path, metadata)


def _release_after(plan: list[Stage]) -> dict[str, list[str]]:
    """The stored stages to drop after each step (a stage, then ``write <output>`` for each
    output in OUTPUTS order): those that no later step reads, directly or through views."""
    views = {stage.name for stage in plan if not stage.materialize}
    reads: dict[str, set[str]] = {}
    for stage in plan:
        named = {
            earlier
            for earlier in reads
            if re.search(rf"\b(?:FROM|JOIN)\s+{earlier}\b", stage.sql, re.IGNORECASE)
        }
        # A view is inlined where it is read, so its reader reads what the view reads.
        reads[stage.name] = set().union(
            *({name} if name not in views else reads[name] for name in named)
        )
    # Creating a view needs what it reads too (DuckDB binds it then).
    steps = [(stage.name, reads[stage.name]) for stage in plan]
    steps += [(f"write {name}", reads[name] | ({name} - views)) for name in OUTPUTS]
    last_step = {name: step for step, needed in steps for name in needed}
    release: dict[str, list[str]] = {}
    for name, step in last_step.items():
        release.setdefault(step, []).append(name)
    return release


# -- checks -----------------------------------------------------------------------------------


def _check_unique(runner: Runner, view: str, column: str, what: str) -> None:
    rows = runner.fetch(
        f"SELECT TRIM({column}) AS id, COUNT(*) AS n FROM {view} "
        f"GROUP BY TRIM({column}) HAVING COUNT(*) > 1 OR TRIM({column}) IS NULL "
        f"OR TRIM({column}) = '' ORDER BY 1 LIMIT 5"
    ).to_pylist()
    if rows:
        shown = ", ".join(f"{r['id']!r} ×{r['n']}" for r in rows)
        raise InputError(f"{what}: {column} must be present and unique; found {shown}")


def _check_deciles(runner: Runner) -> None:
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


def _check_manual_clusters(runner: Runner) -> None:
    bad = runner.fetch(
        "SELECT person_id, cluster FROM manual_clusters_input "
        f"WHERE cluster IS NULL OR TRIM(cluster) NOT IN ({texts(CLUSTER_CODES)}) "
        "ORDER BY person_id LIMIT 5"
    ).to_pylist()
    if bad:
        shown = ", ".join(f"{r['person_id']}: {r['cluster']!r}" for r in bad)
        raise InputError(f"manual clusters: cluster must be one of the 12 codes; found {shown}")


def _check_overrides(runner: Runner, rules: Rules) -> None:
    subjects = {"household": rules.household_programmes, "person": rules.person_programmes}
    valid = " OR ".join(
        f"(TRIM(subject_type) = '{unit}' AND TRIM(programme) IN ({texts(codes)}))"
        for unit, codes in subjects.items()
    )
    bad = runner.fetch(
        "SELECT subject_type, subject_id, programme, verdict FROM decision_overrides_input "
        f"WHERE NOT COALESCE({valid}, FALSE) "
        f"OR verdict IS NULL OR TRIM(verdict) NOT IN ({texts(VERDICTS)}) "
        "OR subject_id IS NULL OR TRIM(subject_id) = '' "
        "ORDER BY subject_id LIMIT 5"
    ).to_pylist()
    if bad:
        shown = ", ".join(
            f"{r['subject_type']} {r['subject_id']} {r['programme']}: {r['verdict']!r}" for r in bad
        )
        raise InputError(
            "overrides: each needs a subject_type (household or person), a programme of that "
            f"subject, and a verdict (eligible or not_eligible); found {shown}"
        )
    _check_unique_overrides(runner)


def _check_unique_overrides(runner: Runner) -> None:
    rows = runner.fetch(
        "SELECT TRIM(subject_type) AS t, TRIM(subject_id) AS id, TRIM(programme) AS programme "
        "FROM decision_overrides_input GROUP BY 1, 2, 3 HAVING COUNT(*) > 1 ORDER BY 2 LIMIT 5"
    ).to_pylist()
    if rows:
        shown = ", ".join(f"{r['t']} {r['id']} {r['programme']}" for r in rows)
        raise InputError(f"overrides: one verdict per subject and programme; found {shown} twice")


# -- output shaping (no logic: types and lists) -----------------------------------------------


def _shaped(name: str, columns: list[str]) -> str:
    """The SELECT that writes one output: the columns in ``OUTPUT_TYPES``, joined strings (NULL
    or '' = none) split into lists."""
    types = OUTPUT_TYPES[name]
    selected = []
    for column in columns:
        if types.get(column) == TEXT_LIST:
            selected.append(
                f"CASE WHEN COALESCE({column}, '') = '' THEN CAST([] AS VARCHAR[]) "
                f"ELSE string_split({column}, {text(LIST_SEPARATORS[column])}) END AS {column}"
            )
        elif column in types:
            selected.append(f"CAST({column} AS {SQL_TYPES[types[column]]}) AS {column}")
        else:
            selected.append(column)
    return f"SELECT {', '.join(selected)} FROM {name}"


def _typed(schema: pa.Schema, types: dict[str, pa.DataType]) -> pa.Schema:
    """The output schema read back: fixed types, every column nullable (engines differ in what
    they mark NOT NULL, and in what they call a list's items)."""
    return pa.schema([pa.field(f.name, types.get(f.name, f.type), nullable=True) for f in schema])


# -- engines ----------------------------------------------------------------------------------


class Runner(Protocol):
    def load(
        self,
        view: str,
        source: Source,
        columns: tuple[str, ...],
        required: tuple[str, ...],
        typed: dict[str, str] | None = None,
    ) -> bool:
        """Make ``view`` of the source's ``columns`` (absent optional ones as NULL), every column
        text; with ``typed`` (column → SQL type), those columns keep their type when the source
        holds them as values (a typed file): then True."""
        ...

    def run(self, stage: Stage) -> None: ...

    def release(self, name: str) -> None:
        """A stored stage no later step reads."""

    def columns(self, view: str) -> list[str]: ...

    def write(self, sql: str, path: Path, metadata: dict[str, str]) -> None: ...

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


# Type names of a column that holds text, or nothing at all (a column of NULLs only).
_TEXT_OR_NOTHING = frozenset({"varchar", "string", "null", "void"})


def _native(view: str, types: dict[str, str], typed: dict[str, str]) -> dict[str, str]:
    """``typed`` (column → SQL type) when the source holds those columns as values, else {}:
    a source is format v1 text or typed, never both."""
    # DuckDB names a column of NULLs only "NULL" with the quotes, Spark ``void``
    kinds = {c: type_name.strip('"').lower() for c, type_name in types.items()}
    present = [c for c in typed if c in kinds and kinds[c] not in ("null", "void")]
    values = [c for c in present if kinds[c] not in _TEXT_OR_NOTHING]
    text = [c for c in present if c not in values]
    if values and text:
        raise InputError(
            f"{view.removesuffix('_input')}: {text[0]} is text but {values[0]} is "
            f"{types[values[0]]}: a file holds format v1 text or typed values, not both"
        )
    return typed if values else {}


def _normalised(
    view: str,
    present: list[str],
    columns: tuple[str, ...],
    required: tuple[str, ...],
    cast: str,
    native: dict[str, str],
) -> str:
    missing = [c for c in required if c not in present]
    if missing:
        raise InputError(
            f"{view.removesuffix('_input')}: required columns missing: {', '.join(missing)}"
        )
    selected = [
        f"CAST({_quote(c) if c in present else 'NULL'} AS {native.get(c, cast)}) AS {c}"
        for c in columns
    ]
    return "SELECT " + ", ".join(selected)


def _quote(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


class DuckDBRunner:
    def __init__(self) -> None:
        import duckdb

        # Beyond its memory limit DuckDB spills stored stages, sorts and joins to disk here.
        self.spill = tempfile.TemporaryDirectory(prefix="sejahtera-duckdb-")
        self.con = duckdb.connect(":memory:")
        self.con.execute("SET autoinstall_known_extensions = false")
        self.con.execute("SET autoload_known_extensions = false")
        self.con.execute("SET temp_directory = ?", [self.spill.name])
        # DuckDB takes 80 % of the machine's memory by default; a box that also serves the web
        # application sets less, and DuckDB spills what does not fit.
        memory_limit = os.environ.get("SEJAHTERA_DUCKDB_MEMORY", "")
        if memory_limit:
            self.con.execute("SET memory_limit = ?", [memory_limit])
        # No stage relies on the row order of another, nor does any output; not keeping it
        # lets DuckDB stream and spill more freely.
        self.con.execute("SET preserve_insertion_order = false")

    def load(
        self,
        view: str,
        source: Source,
        columns: tuple[str, ...],
        required: tuple[str, ...],
        typed: dict[str, str] | None = None,
    ) -> bool:
        kind = _kind(source)
        raw = f"{view}_raw"
        if kind == "arrow":
            self.con.register(raw, source)
        else:
            _exists(source)
            if kind == "csv":
                _one_column_each(Path(str(source)))
            import duckdb  # imported where used: Spark runs need no DuckDB

            try:
                if kind == "csv":
                    self.con.read_csv(
                        str(source),
                        header=True,
                        all_varchar=True,
                        sep=",",
                        quotechar='"',
                        escapechar='"',
                    ).to_view(raw)
                else:
                    self.con.read_parquet(str(source)).to_view(raw)
                self.columns(raw)  # DuckDB reads a file lazily: a broken one fails here
            except duckdb.Error as broken:
                # empty, not UTF-8, not the format its name says, truncated
                what = "CSV (UTF-8, comma-separated)" if kind == "csv" else "Parquet"
                raise InputError(f"{Path(str(source)).name}: cannot be read as {what}") from broken
        types = dict(zip(self.columns(raw), map(str, self.con.table(raw).types), strict=True))
        native = _native(view, types, typed or {})
        select = _normalised(view, list(types), columns, required, "VARCHAR", native)
        self.con.execute(f"CREATE TEMP VIEW {view} AS {select} FROM {raw}")
        return bool(native)

    def run(self, stage: Stage) -> None:
        # Stages read by several later ones are stored; the others stay views that DuckDB
        # inlines into the query that reads them (no intermediate table to write and scan).
        kind = "TABLE" if stage.materialize else "VIEW"
        self.con.execute(f"CREATE TEMP {kind} {stage.name} AS {stage.sql}")

    def release(self, name: str) -> None:
        self.con.execute(f"DROP TABLE {name}")

    def columns(self, view: str) -> list[str]:
        return [d[0] for d in self.con.execute(f"SELECT * FROM {view} LIMIT 0").description]

    def write(self, sql: str, path: Path, metadata: dict[str, str]) -> None:
        pairs = ", ".join(f"{text(k)}: {text(v)}" for k, v in metadata.items())
        self.con.execute(
            f"COPY ({sql}) TO {text(str(path))} "
            f"(FORMAT parquet, COMPRESSION zstd, KV_METADATA {{{pairs}}})"
        )

    def fetch(self, sql: str) -> pa.Table:
        return self.con.sql(sql).to_arrow_table()

    def close(self) -> None:
        self.con.close()
        self.spill.cleanup()


def _one_column_each(path: Path) -> None:
    """A CSV header naming a column twice would be read as two columns, one of them renamed
    and silently left out: refused, as the registry import refuses it."""
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as handle:
        header = [name.strip().lower() for name in next(csv.reader(handle), [])]
    repeated = sorted({name for name in header if name and header.count(name) > 1})
    if repeated:
        raise InputError(f"{path.name}: the header names {', '.join(repeated)} twice")


def _exists(source: Source) -> None:
    if not Path(str(source)).is_file():
        raise InputError(f"{source}: no such file")


def spark_session(
    app_name: str = "sejahtera-targeting", *, fast_start: bool = False, driver_memory: str = "4g"
) -> Any:
    """The active SparkSession, or a new one: on the cluster ``SEJAHTERA_SPARK_MASTER`` names
    (``spark://host:7077``), else ``local[2]`` on this machine.

    ``fast_start`` tunes the JVM for short runs on small data (tests, a few households): C1
    compiler only and serial GC start about twice as fast but are slower on big data. In local
    mode the driver runs every task and holds the cached stages: with Spark's default 1 GB
    (``driver_memory``, the JVM's heap) a run of 1 M persons takes about 1.6 times as long.

    Splink's string-similarity functions (Jaro-Winkler, Damerau-Levenshtein) are on the class
    path of every session, so deduplication can share it: a jar cannot be added to a running
    session's driver."""
    cluster = os.environ.get("SEJAHTERA_SPARK_MASTER", "")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    if not cluster:  # a local Spark talks to itself only; a cluster's executors call back
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from pyspark.sql import SparkSession
    from splink.backends.spark import similarity_jar_location

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    builder = (
        SparkSession.builder.master(cluster or "local[2]")
        .appName(app_name)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.memory", driver_memory)
        .config("spark.jars", similarity_jar_location())
    )
    if not cluster:
        builder = builder.config("spark.driver.bindAddress", "127.0.0.1")
    if fast_start:
        builder = (
            builder.config("spark.sql.shuffle.partitions", "1")
            .config("spark.sql.adaptive.enabled", "false")
            .config("spark.driver.extraJavaOptions", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC")
        )
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


class SparkRunner:
    def __init__(self, spark: Any = None) -> None:
        self.spark = spark or spark_session()
        self.cached: list[Any] = []
        self.views: list[str] = []

    def load(
        self,
        view: str,
        source: Source,
        columns: tuple[str, ...],
        required: tuple[str, ...],
        typed: dict[str, str] | None = None,
    ) -> bool:
        kind = _kind(source)
        if kind == "arrow":
            assert isinstance(source, pa.Table)
            frame = self.spark.createDataFrame(source)
        elif kind == "csv":
            _exists(source)
            _one_column_each(Path(str(source)))
            frame = self.spark.read.csv(
                str(source), header=True, quote='"', escape='"', multiLine=True
            )
        else:
            _exists(source)
            frame = self.spark.read.parquet(str(source))
        raw = f"{view}_raw"
        frame.createOrReplaceTempView(raw)
        self.views.append(raw)
        native = _native(view, dict(frame.dtypes), typed or {})
        select = _normalised(view, list(frame.columns), columns, required, "STRING", native)
        select = select.replace('"', "`")
        self.spark.sql(f"{select} FROM {raw}").createOrReplaceTempView(view)
        self.views.append(view)
        return bool(native)

    def run(self, stage: Stage) -> None:
        frame = self.spark.sql(to_spark(stage.sql))
        if stage.materialize:
            frame = frame.cache()
            self.cached.append(frame)
        frame.createOrReplaceTempView(stage.name)
        self.views.append(stage.name)

    def release(self, name: str) -> None:
        """Kept until the end: Spark computes (and caches) the stages only as the outputs are
        written, so unpersisting earlier would compute them again."""

    def columns(self, view: str) -> list[str]:
        return list(self.spark.table(view).columns)

    def write(self, sql: str, path: Path, metadata: dict[str, str]) -> None:
        # Spark's writer keeps no key-value metadata of ours: the result object has it.
        self.spark.sql(to_spark(sql)).write.mode("overwrite").parquet(str(path))

    def fetch(self, sql: str) -> pa.Table:
        return self.spark.sql(sql).toArrow()

    def close(self) -> None:
        for frame in self.cached:
            frame.unpersist()
        for view in self.views:
            self.spark.catalog.dropTempView(view)
