"""The targeting batch engine: one SQL implementation of the rules, run on DuckDB or Spark.

    from sejahtera.targeting_engine import run_targeting
    result = run_targeting(households, persons, as_of, rules, engine="duckdb", out_dir="out/")

No Django: inputs are registry format v1 tables (CSV, Parquet or pyarrow); the outputs
(``household_results``, ``person_results``, ``decisions``) are Parquet files, read back from the
result in record batches or, for small runs, as whole pyarrow Tables.
"""

from sejahtera.targeting_engine.run import InputError, TargetingResult, run_targeting, spark_session

__all__ = ["InputError", "TargetingResult", "run_targeting", "spark_session"]
