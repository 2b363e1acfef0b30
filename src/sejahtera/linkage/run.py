"""Linking the person rows of registry-format files: pairs, clusters and the model.

    result = link_persons("households.csv", "persons.csv", "out/")
    result.pairs      # out/pairs.csv: person_id_l, person_id_r, match_probability, <field>_level
    result.clusters   # out/clusters.csv: person_id, cluster_id (every person, alone or not)
    result.model      # out/model.json: Splink's trained model, reusable with ``model=``

The inputs are read and prepared by the targeting engine's runners, so DuckDB (default) and
Spark run the same SQL and the same Splink model.
"""

from __future__ import annotations

import hashlib
import json
import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv

from sejahtera.domain.registry_format import HOUSEHOLD_COLUMN_NAMES, PERSON_COLUMN_NAMES
from sejahtera.linkage.model import LEVEL_WORDS, Training, settings, train
from sejahtera.linkage.prepare import matching_rows
from sejahtera.targeting_engine.run import DuckDBRunner, Engine, Source, SparkRunner
from sejahtera.targeting_engine.sql import Stage

DEFAULT_THRESHOLD = 0.9
REQUIRED_HOUSEHOLD_COLUMNS = ("household_id", "region_code")
REQUIRED_PERSON_COLUMNS = ("person_id", "household_id", "full_name", "sex", "birth_date")
LEVEL_COLUMNS = tuple(f"{field}_level" for field in LEVEL_WORDS)


@dataclass(frozen=True)
class LinkResult:
    pairs: Path
    clusters: Path
    model: Path
    persons: int
    comparisons: int  # pairs of rows the blocking rules let through and the model scored
    linked_pairs: int  # of those, pairs at or above the threshold
    clusters_of_several: int  # groups of rows that the linked pairs join
    model_version: str  # the first 12 hex digits of the parameters' SHA-256


def link_persons(
    households: Source,
    persons: Source,
    out_dir: Path | str,
    *,
    engine: Engine = "duckdb",
    threshold: float = DEFAULT_THRESHOLD,
    model: Path | None = None,
    training: Training | None = None,
    spark: Any = None,
) -> LinkResult:
    """Score the pairs of person rows that may be one person and group them at ``threshold``.

    Without ``model`` the model is trained on these rows and saved as ``out_dir/model.json``
    (Splink's parameters; the fit's diagnostics and the parameters' digest under
    ``sejahtera``); with it, that trained model is applied as it is."""
    if not 0 < threshold < 1:
        raise ValueError(f"threshold must be between 0 and 1, got {threshold}")
    from splink import Linker
    from splink.internals.exceptions import SplinkException

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    runner = _runner(engine, spark)
    try:
        runner.load(
            "households_input", households, HOUSEHOLD_COLUMN_NAMES, REQUIRED_HOUSEHOLD_COLUMNS
        )
        runner.load("persons_input", persons, PERSON_COLUMN_NAMES, REQUIRED_PERSON_COLUMNS)
        runner.run(Stage("matching_rows", matching_rows(), materialize=True))
        db_api = runner.splink_api()
        rows = db_api.register("matching_rows", table_name="persons")
        dialect = db_api.sql_dialect.sql_dialect_str
        linker = Linker(
            rows,
            settings() if model is None else trained_settings(model, dialect),
            # Its warnings (a level too rare to train in a small file) go to model.json.
            log_level=logging.ERROR,
        )
        model_path = out / "model.json"
        if model is None:
            try:
                fit = train(linker, training or Training())
            except (ZeroDivisionError, SplinkException) as exc:
                # Too few rows, or none sharing a NIK: nothing for the model to learn from.
                raise LinkageError(
                    f"these {_count(runner)} persons are too few to train a model on; "
                    "give one trained on a larger population (--model)"
                ) from exc
            version = _save_model(linker, model_path, fit)
        else:
            version = model_version(model)
            if model.resolve() != model_path.resolve():
                model_path.write_text(model.read_text(encoding="utf-8"), encoding="utf-8")
        scored = linker.inference.predict()
        clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
            scored, threshold_match_probability=threshold
        )
        pairs = runner.fetch(
            f"SELECT person_id_l, person_id_r, round(match_probability, 6) AS match_probability,"
            f" {_levels()} FROM {scored.physical_name} WHERE match_probability >= {threshold}"
            " ORDER BY match_probability DESC, person_id_l, person_id_r"
        )
        members = runner.fetch(
            f"SELECT person_id, cluster_id FROM {clusters.physical_name}"
            " ORDER BY cluster_id, person_id"
        )
        counts = runner.fetch(
            f"SELECT (SELECT count(*) FROM {scored.physical_name}) AS comparisons,"
            f" (SELECT count(*) FROM (SELECT cluster_id FROM {clusters.physical_name}"
            "  GROUP BY cluster_id HAVING count(*) > 1) AS c) AS several"
        ).to_pylist()[0]
    finally:
        runner.close()
    result = LinkResult(
        pairs=out / "pairs.csv",
        clusters=out / "clusters.csv",
        model=model_path,
        persons=members.num_rows,
        comparisons=counts["comparisons"],
        linked_pairs=pairs.num_rows,
        clusters_of_several=counts["several"],
        model_version=version,
    )
    pacsv.write_csv(pairs, result.pairs)
    pacsv.write_csv(members, result.clusters)
    return result


def match_new(
    households: Source,
    persons: Source,
    new_person_ids: list[str],
    model: Path,
    *,
    engine: Engine = "duckdb",
    threshold: float = DEFAULT_THRESHOLD,
    spark: Any = None,
) -> pa.Table:
    """The pairs of a new row and an earlier one at or above ``threshold``, by a trained
    ``model``: ``person_id_l`` the earlier, ``person_id_r`` the new, the probability and each
    comparison's level (as in ``pairs.csv``). New rows are not compared among themselves."""
    from splink import Linker

    runner = _runner(engine, spark)
    try:
        runner.load(
            "households_input", households, HOUSEHOLD_COLUMN_NAMES, REQUIRED_HOUSEHOLD_COLUMNS
        )
        runner.load("persons_input", persons, PERSON_COLUMN_NAMES, REQUIRED_PERSON_COLUMNS)
        runner.load_ids("new_ids", new_person_ids)
        runner.run(Stage("matching_rows", matching_rows(), materialize=True))
        is_new = "person_id IN (SELECT person_id FROM new_ids)"
        runner.run(Stage("earlier_rows", f"SELECT * FROM matching_rows WHERE NOT {is_new}"))
        runner.run(Stage("new_rows", f"SELECT * FROM matching_rows WHERE {is_new}"))
        db_api = runner.splink_api()
        rows = db_api.register("matching_rows", table_name="persons")
        dialect = db_api.sql_dialect.sql_dialect_str
        linker = Linker(rows, trained_settings(model, dialect), log_level=logging.ERROR)
        # How common a name is, over every row, earlier and new.
        linker.table_management.compute_tf_table("name")
        scored = linker.inference.predict_between(
            db_api.register("earlier_rows", table_name="earlier"),
            db_api.register("new_rows", table_name="new"),
            threshold_match_probability=threshold,
        )
        return runner.fetch(
            f"SELECT person_id_l, person_id_r, round(match_probability, 6) AS match_probability,"
            f" {_levels()} FROM {scored.physical_name}"
            " ORDER BY person_id_r, match_probability DESC, person_id_l"
        )
    finally:
        runner.close()


def _count(runner: Any) -> int:
    return int(runner.fetch("SELECT count(*) AS n FROM matching_rows").to_pylist()[0]["n"])


def _levels() -> str:
    return ", ".join(
        f"gamma_{field} AS {column}"
        for field, column in zip(LEVEL_WORDS, LEVEL_COLUMNS, strict=True)
    )


class LinkageError(ValueError):
    """Linking cannot be done with these rows or this model; the message says why."""


class ModelError(LinkageError):
    """A saved model that cannot be read or does not fit this version's comparisons."""


def _read_model(model: Path) -> dict[str, Any]:
    try:
        saved = json.loads(model.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"{model}: not a model saved by sejahtera dedupe ({exc})") from exc
    if not isinstance(saved, dict) or "probability_two_random_records_match" not in saved:
        raise ModelError(f"{model}: not a model saved by sejahtera dedupe")
    return saved


def trained_settings(model: Path, dialect: str) -> dict[str, Any]:
    """This version's model written for ``dialect``, with the parameters trained in ``model``.

    The saved conditions are SQL of the engine that trained them; the definition is taken
    from the code instead, so a model trained on DuckDB runs on Spark and the other way round.
    """
    saved = _read_model(model)
    fresh: dict[str, Any] = settings().get_settings(dialect).as_dict()
    saved_levels = {
        c["output_column_name"]: c["comparison_levels"] for c in saved.get("comparisons", [])
    }
    for comparison in fresh["comparisons"]:
        name, levels = comparison["output_column_name"], comparison["comparison_levels"]
        trained = saved_levels.get(name, [])
        if [level.get("label_for_charts") for level in trained] != [
            level.get("label_for_charts") for level in levels
        ]:
            raise ModelError(f"{model}: the comparison {name!r} differs from this version's")
        for level, parameters in zip(levels, trained, strict=True):
            for key in ("m_probability", "u_probability"):
                if key in parameters:
                    level[key] = parameters[key]
    fresh["probability_two_random_records_match"] = saved["probability_two_random_records_match"]
    return fresh


def model_version(model: Path) -> str:
    saved = _read_model(model)
    return str(saved.pop("sejahtera", {}).get("model_version") or _digest(saved))


def _digest(parameters: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(parameters, sort_keys=True).encode()).hexdigest()[:12]


def _save_model(linker: Any, path: Path, fit: dict[str, Any]) -> str:
    """Write Splink's model with ours beside it: version, Splink's version, the fit."""
    import splink

    parameters = linker.misc.save_model_to_json()
    version = _digest(parameters)
    untrained = [
        f"{comparison['output_column_name']}: {level['label_for_charts']}"
        for comparison in parameters["comparisons"]
        for level in comparison["comparison_levels"]
        if not level.get("is_null_level")
        and (level.get("m_probability") is None or level.get("u_probability") is None)
    ]
    parameters["sejahtera"] = {
        "model_version": version,
        "splink_version": splink.__version__,
        "fit": {**fit, "levels_not_trained": untrained},
    }
    path.write_text(json.dumps(parameters, indent=2), encoding="utf-8")
    return version


class _DuckDBLinkRunner(DuckDBRunner):
    def load_ids(self, view: str, ids: list[str]) -> None:
        self.con.register(view, pa.table({"person_id": pa.array(ids, pa.string())}))

    def splink_api(self) -> Any:
        from splink import DuckDBAPI

        return DuckDBAPI(connection=self.con)


class _SparkLinkRunner(SparkRunner):
    def load_ids(self, view: str, ids: list[str]) -> None:
        frame = self.spark.createDataFrame(pa.table({"person_id": pa.array(ids, pa.string())}))
        frame.createOrReplaceTempView(view)
        self.views.append(view)

    def splink_api(self) -> Any:
        from splink import SparkAPI

        # Splink writes each step to Parquet to cut Spark's lineage; it needs a folder for it.
        self.checkpoints = tempfile.TemporaryDirectory(prefix="sejahtera-splink-")
        self.spark.sparkContext.setCheckpointDir(self.checkpoints.name)
        return SparkAPI(spark_session=self.spark, num_partitions_on_repartition=4)

    def close(self) -> None:
        super().close()
        if hasattr(self, "checkpoints"):
            self.checkpoints.cleanup()


def _runner(engine: Engine, spark: Any) -> _DuckDBLinkRunner | _SparkLinkRunner:
    if engine == "duckdb":
        return _DuckDBLinkRunner()
    if engine == "spark":
        return _SparkLinkRunner(spark)
    raise ValueError(f"engine must be 'duckdb' or 'spark', got {engine!r}")
