"""The targeting batch engine: one SQL implementation of the rules, run on DuckDB or Spark.

    from sejahtera.batch import run_targeting
    result = run_targeting(households, persons, as_of, rules, engine="duckdb")

No Django: inputs are registry format v1 tables (CSV, Parquet or pyarrow), outputs pyarrow
Tables (``household_results``, ``person_results``, ``decisions``).
"""

from sejahtera.batch.engine import InputError, TargetingResult, run_targeting, spark_session

__all__ = ["InputError", "TargetingResult", "run_targeting", "spark_session"]
