"""Benchmark: probabilistic deduplication (Splink on DuckDB) against exact NIK matching.

    python bench/dedupe.py [--persons 1000000] [--seed 2026] [--spark-persons 100000]

Generates a population with ``sejahtera synth`` under /tmp (deleted at the end; 1 % of the
persons registered a second time, with the changes recorded in ``truth/duplicates.csv``), then,
each in its own process so that its peak memory is its own:

- the linkage: ``link_persons`` trains the model on the population and writes the pairs at
  match probability ≥ 0.9 and the clusters, as ``sejahtera dedupe links`` does;
- the baseline: every pair of rows sharing a NIK (one DuckDB query), what the registry's
  duplicate candidates held before;

and prints, for each, pairwise precision, recall and F1 against the truth, the recall on the
duplicates whose NIK differs (one digit off or missing), the pairs compared, wall time and peak
memory. Then the trained model applied on Spark local[2] to a smaller population (time only).
Goal (issue #11): F1 ≥ 0.97 on 1,000,000 persons in ≤ 3 minutes on 2 cores with DuckDB, and
recall ≥ 0.95 on the duplicates whose NIK differs.
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from _common import synthesise


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker_link(data: Path) -> dict:
    from sejahtera.linkage import link_persons

    started = time.perf_counter()
    result = link_persons(data / "households.csv", data / "persons.csv", data / "linked")
    return {
        "seconds": time.perf_counter() - started,
        "peak_mb": peak_rss_mb(),
        "comparisons": result.comparisons,
        "pairs": str(result.pairs),
        "model": str(result.model),
    }


def worker_baseline(data: Path) -> dict:
    import duckdb

    started = time.perf_counter()
    out = data / "nik-pairs.csv"
    duckdb.sql(
        f"""
        COPY (
            WITH p AS (
                SELECT person_id, NULLIF(trim(nik), '') AS nik
                FROM read_csv('{data / "persons.csv"}', header=true, all_varchar=true)
            )
            SELECT l.person_id AS person_id_l, r.person_id AS person_id_r
            FROM p AS l JOIN p AS r ON l.nik = r.nik AND l.person_id < r.person_id
        ) TO '{out}' (HEADER)
        """
    )
    return {"seconds": time.perf_counter() - started, "peak_mb": peak_rss_mb(), "pairs": str(out)}


def worker_spark(data: Path, model: str) -> dict:
    from sejahtera.linkage import link_persons
    from sejahtera.targeting_engine.run import spark_session

    spark = spark_session("sejahtera-bench")
    started = time.perf_counter()
    result = link_persons(
        data / "households.csv",
        data / "persons.csv",
        data / "spark",
        engine="spark",
        model=Path(model),
        spark=spark,
    )
    seconds = time.perf_counter() - started
    spark.stop()
    return {"seconds": seconds, "comparisons": result.comparisons, "pairs": str(result.pairs)}


def run_worker(*args: str) -> dict:
    output = subprocess.run(
        [sys.executable, __file__, "--worker", *args], check=True, capture_output=True, text=True
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def read_pairs(path: Path) -> set[tuple[str, str]]:
    with path.open(encoding="utf-8") as handle:
        rows = csv.DictReader(handle)
        return {tuple(sorted((row["person_id_l"], row["person_id_r"]))) for row in rows}


def truth(data: Path) -> dict[tuple[str, str], str]:
    with (data / "truth" / "duplicates.csv").open(encoding="utf-8") as handle:
        return {
            tuple(sorted((row["person_id"], row["original_person_id"]))): row["changes"]
            for row in csv.DictReader(handle)
        }


def accuracy(found: set[tuple[str, str]], true: dict[tuple[str, str], str]) -> dict:
    right = len(found & true.keys())
    precision = right / len(found) if found else 0.0
    recall = right / len(true)
    other_nik = [pair for pair, changes in true.items() if "nik_" in changes]
    missed: Counter[str] = Counter()
    for pair, changes in true.items():
        if pair not in found:
            missed.update(filter(None, changes.split(";")))
    return {
        "precision": precision,
        "recall": recall,
        "f1": 2 * precision * recall / (precision + recall) if right else 0.0,
        "recall_other_nik": sum(p in found for p in other_nik) / len(other_nik),
        "false_pairs": len(found) - right,
        "missed": dict(missed.most_common()),
    }


def line(name: str, run: dict, scores: dict) -> str:
    return (
        f"| {name} | {scores['precision']:.4f} | {scores['recall']:.4f} | {scores['f1']:.4f} "
        f"| {scores['recall_other_nik']:.4f} | {run.get('comparisons', '–')} "
        f"| {run['seconds']:.1f} | {run['peak_mb']:,.0f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--spark-persons", type=int, default=100_000)
    parser.add_argument("--skip-spark", action="store_true")
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        name, data, *rest = args.worker
        work = {"link": worker_link, "baseline": worker_baseline, "spark": worker_spark}[name]
        print(json.dumps(work(Path(data), *rest)))
        return

    folder = Path(tempfile.mkdtemp(prefix="sejahtera-bench-dedupe-", dir="/tmp"))
    try:
        data = folder / "population"
        started = time.perf_counter()
        synthesise(args.persons, args.seed, data, "--invalid-rate", "0")
        print(f"synth {args.persons:,} persons: {time.perf_counter() - started:.1f} s")
        true = truth(data)
        linked = run_worker("link", str(data))
        baseline = run_worker("baseline", str(data))
        linked_scores = accuracy(read_pairs(Path(linked["pairs"])), true)
        baseline_scores = accuracy(read_pairs(Path(baseline["pairs"])), true)
        print(f"{len(true):,} true duplicate pairs; threshold 0.9")
        print(
            "| run | precision | recall | F1 | recall, NIK differs | pairs compared "
            "| wall s | peak MB |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        print(line("Splink, DuckDB", linked, linked_scores))
        print(line("baseline: same NIK", baseline, baseline_scores))
        print(f"ratio Splink / baseline, time: {linked['seconds'] / baseline['seconds']:.1f}×")
        print(f"duplicates missed by Splink, by what changed: {linked_scores['missed']}")
        print(f"false pairs: {linked_scores['false_pairs']}")
        if not args.skip_spark:
            small = folder / "small"
            synthesise(args.spark_persons, args.seed, small, "--invalid-rate", "0")
            spark = run_worker("spark", str(small), linked["model"])
            scores = accuracy(read_pairs(Path(spark["pairs"])), truth(small))
            print(
                f"Spark local[2], {args.spark_persons:,} persons, the same model: "
                f"{spark['seconds']:.1f} s, {spark['comparisons']:,} pairs compared, "
                f"F1 {scores['f1']:.4f}"
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
