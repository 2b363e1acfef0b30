"""Benchmark: validated registry import against a raw bulk load of the same rows.

    python bench/import.py [--persons 1000000] [--postgres URL] [--skip-sqlite]

Generates the population with ``sejahtera synth``, then for PostgreSQL (a fresh database named
``sejahtera_bench`` on the server of ``--postgres`` / ``DATABASE_URL``) and for SQLite:

- imports it with ``sejahtera import`` (validation, upserts, duplicate-NIK review, report), and
- loads the same files into equivalent bare tables without any checks: ``COPY`` on PostgreSQL,
  ``executemany`` INSERT on SQLite (it has no COPY), and
- PostgreSQL only, a second baseline: ``COPY`` of the rows the import stored into empty copies
  of the registry tables with the same indexes, constraints and (deferred) foreign keys, which
  is the least any load of these rows into these tables costs,

each in its own process, and prints wall time, persons/s, peak memory (RSS; the import's
validating child process separately), the ratios and where the import's CPU time went (the
importing process, its validating child and, for a server on this machine, the PostgreSQL
backend).
Goal (issue #2): 1 M persons in ≤ 60 s on 2 cores and ≤ 3× raw COPY on PostgreSQL.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import recreate_postgres_database, synthesise
from sejahtera.domain.registry_format import HOUSEHOLD_COLUMNS, PERSON_COLUMNS, Column


def bare_table_sql(name: str, columns: tuple[Column, ...]) -> str:
    # Text columns: the files spell booleans as true/ya/TRUE and carry deliberately invalid
    # rows, which a typed COPY would refuse; this is the cheapest load of the same rows.
    return f"CREATE TABLE {name} ({', '.join(f'{c.name} text' for c in columns)})"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def cpu_seconds(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def backend_cpu_seconds(pid: int) -> float | None:
    """CPU time of a PostgreSQL backend, if it runs on this machine (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# -- workers (each runs in its own process so that its peak memory is its own) -----------------


def worker_import(database_url: str, data: Path) -> dict:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sejahtera.config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from sejahtera.registry.services.importing import import_registry
    from sejahtera.registry.services.regions import load_regions

    call_command("migrate", verbosity=0)
    load_regions()
    backend = None
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend = cursor.fetchone()[0]
    server_before = backend_cpu_seconds(backend) if backend else None
    cpu_before = cpu_seconds(resource.RUSAGE_SELF)
    started = time.perf_counter()
    summary = import_registry(
        households_path=data / "households.csv",
        persons_path=data / "persons.csv",
        report_path=data / "report.csv",
    )
    seconds = time.perf_counter() - started
    server_after = backend_cpu_seconds(backend) if backend else None
    cpu = {
        "import process": cpu_seconds(resource.RUSAGE_SELF) - cpu_before,
        "validating process": cpu_seconds(resource.RUSAGE_CHILDREN),
    }
    if server_before is not None and server_after is not None:
        cpu["server"] = server_after - server_before
    return {
        "cpu": cpu,
        "seconds": seconds,
        "persons": summary.persons.accepted,
        "rejected": summary.persons.rejected + summary.households.rejected,
        "warnings": summary.warnings,
        "duplicates": summary.possible_duplicates,
        "peak_mb": peak_rss_mb(),
        "child_peak_mb": child_peak_rss_mb(),
    }


def worker_copy_postgres(database_url: str, data: Path) -> dict:
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        for name, columns in (
            ("bare_households", HOUSEHOLD_COLUMNS),
            ("bare_persons", PERSON_COLUMNS),
        ):
            conn.execute(f"DROP TABLE IF EXISTS {name}")
            conn.execute(bare_table_sql(name, columns))
        started = time.perf_counter()
        for name, file in (("bare_households", "households.csv"), ("bare_persons", "persons.csv")):
            header = (data / file).open(encoding="utf-8").readline().strip()
            with (
                conn.cursor() as cur,
                cur.copy(
                    f"COPY {name} ({header}) FROM STDIN WITH (FORMAT csv, HEADER true)"
                ) as copy,
                (data / file).open("rb") as handle,
            ):
                while chunk := handle.read(1 << 20):
                    copy.write(chunk)
        seconds = time.perf_counter() - started
        persons = conn.execute("SELECT count(*) FROM bare_persons").fetchone()[0]
    return {"seconds": seconds, "persons": persons, "peak_mb": peak_rss_mb()}


def worker_copy_postgres_indexed(database_url: str, data: Path) -> dict:
    """COPY the rows the import stored into fresh tables with the registry's indexes and FKs."""
    import psycopg

    tables = (
        ("registry_household", "indexed_households", "village_id", "registry_region (code)"),
        ("registry_person", "indexed_persons", "household_id", "indexed_households (id)"),
    )
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS indexed_persons, indexed_households")
        dumps = {}
        for source, target, column, reference in tables:
            conn.execute(f"CREATE TABLE {target} (LIKE {source} INCLUDING ALL)")
            conn.execute(
                f"ALTER TABLE {target} ADD FOREIGN KEY ({column}) REFERENCES {reference} "
                "DEFERRABLE INITIALLY DEFERRED"
            )
            dump = data / f"{target}.copy"
            with (
                conn.cursor() as cur,
                cur.copy(f"COPY {source} TO STDOUT") as copy,
                dump.open("wb") as handle,
            ):
                for chunk in copy:
                    handle.write(chunk)
            dumps[target] = dump
        started = time.perf_counter()
        for target, dump in dumps.items():
            with (
                conn.cursor() as cur,
                cur.copy(f"COPY {target} FROM STDIN") as copy,
                dump.open("rb") as handle,
            ):
                while chunk := handle.read(1 << 20):
                    copy.write(chunk)
        seconds = time.perf_counter() - started
        persons = conn.execute("SELECT count(*) FROM indexed_persons").fetchone()[0]
        conn.execute("DROP TABLE indexed_persons, indexed_households")
    for dump in dumps.values():
        dump.unlink()
    return {"seconds": seconds, "persons": persons, "peak_mb": peak_rss_mb()}


def worker_copy_sqlite(database_path: str, data: Path) -> dict:
    import sqlite3

    conn = sqlite3.connect(database_path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    started = time.perf_counter()
    for name, columns, file in (
        ("bare_households", HOUSEHOLD_COLUMNS, "households.csv"),
        ("bare_persons", PERSON_COLUMNS, "persons.csv"),
    ):
        conn.execute(bare_table_sql(name, columns))
        with (data / file).open(encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader)
            marks = ", ".join("?" * len(header))
            conn.executemany(
                f"INSERT INTO {name} ({', '.join(header)}) VALUES ({marks})",
                ([cell or None for cell in row] for row in reader),
            )
        conn.commit()
    seconds = time.perf_counter() - started
    persons = conn.execute("SELECT count(*) FROM bare_persons").fetchone()[0]
    return {"seconds": seconds, "persons": persons, "peak_mb": peak_rss_mb()}


WORKERS = {
    "import": worker_import,
    "copy-postgres": worker_copy_postgres,
    "copy-postgres-indexed": worker_copy_postgres_indexed,
    "copy-sqlite": worker_copy_sqlite,
}


def run_worker(name: str, target: str, data: Path) -> dict:
    output = subprocess.run(
        [sys.executable, __file__, "--worker", name, "--target", target, "--data", str(data)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


# -- orchestration ---------------------------------------------------------------------------


def report_line(label: str, result: dict) -> str:
    rate = result["persons"] / result["seconds"] if result["seconds"] else 0
    line = (
        f"  {label:<28} {result['seconds']:8.1f} s  {rate:>10,.0f} persons/s  "
        f"peak {result['peak_mb']:7,.0f} MB"
    )
    if result.get("child_peak_mb"):
        line += f" (+ validating process {result['child_peak_mb']:,.0f} MB)"
    if "warnings" in result:
        line += (
            f"\n  {'':<28} rows rejected {result['rejected']:,}, warnings {result['warnings']:,}, "
            f"possible duplicates {result['duplicates']:,}"
        )
    if result.get("cpu"):
        spent = ", ".join(f"{who} {seconds:.1f} s" for who, seconds in result["cpu"].items())
        line += f"\n  {'':<28} CPU: {spent}"
    return line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--postgres",
        default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/sejahtera"),
    )
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--worker", choices=WORKERS, help=argparse.SUPPRESS)
    parser.add_argument("--target", help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker:
        print(json.dumps(WORKERS[args.worker](args.target, args.data)))
        return

    with tempfile.TemporaryDirectory(prefix="sejahtera-bench-") as tmp:
        data = Path(tmp) / "data"
        started = time.perf_counter()
        synthesise(args.persons, args.seed, data)
        print(f"synth: {args.persons:,} persons in {time.perf_counter() - started:.1f} s")
        print(f"cores: {os.cpu_count()}, python {sys.version.split()[0]}")

        if not args.skip_postgres:
            url = recreate_postgres_database(args.postgres, "sejahtera_bench")
            validated = run_worker("import", url, data)
            raw = run_worker("copy-postgres", url, data)
            indexed = run_worker("copy-postgres-indexed", url, data)
            print("PostgreSQL")
            print(report_line("validated import", validated))
            print(report_line("raw COPY (bare tables)", raw))
            print(report_line("COPY, same indexes and FKs", indexed))
            print(
                f"  ratio import / raw COPY: {validated['seconds'] / raw['seconds']:.2f}x "
                f"(goal <= 3x; <= 60 s)"
            )
            print(
                "  ratio import / COPY with the same indexes and FKs: "
                f"{validated['seconds'] / indexed['seconds']:.2f}x"
            )

        if not args.skip_sqlite:
            sqlite_import = Path(tmp) / "import.sqlite3"
            validated = run_worker("import", f"sqlite:///{sqlite_import}", data)
            raw = run_worker("copy-sqlite", str(Path(tmp) / "raw.sqlite3"), data)
            print("SQLite")
            print(report_line("validated import", validated))
            print(report_line("raw executemany (bare)", raw))
            print(f"  ratio import / raw: {validated['seconds'] / raw['seconds']:.2f}x")


if __name__ == "__main__":
    main()
