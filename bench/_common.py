"""Helpers shared by the benchmarks."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

AS_OF = "2026-11-30"  # a fixed reference date: the same seed gives the same population


def synthesise(persons: int, seed: int, out: Path, *extra: str) -> None:
    """Write a synthetic population with ``sejahtera synth`` (in its own process)."""
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
            AS_OF,
            *extra,
        ],
        check=True,
        capture_output=True,
    )


def recreate_postgres_database(server_url: str, name: str, template: str | None = None) -> str:
    """Drop and create database ``name`` on the server of ``server_url`` (a copy of
    ``template`` if given); return its URL."""
    import psycopg
    from psycopg import sql

    base = server_url.rsplit("/", 1)[0]
    create = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if template:
        create += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(create)
    return f"{base}/{name}"


def postgres_database_exists(server_url: str, name: str) -> bool:
    import psycopg

    base = server_url.rsplit("/", 1)[0]
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    return found is not None


def populate_registry(persons: int) -> None:
    """Inside Django: the regions, a synthetic population of ``persons`` imported, and the
    dashboard figures (web and load benchmarks)."""
    from sejahtera.registry.models import Person
    from sejahtera.registry.services.importing import import_registry
    from sejahtera.registry.services.regions import load_regions
    from sejahtera.registry.services.statistics import refresh_figures

    load_regions()
    with tempfile.TemporaryDirectory(prefix="sejahtera-bench-") as tmp:
        data = Path(tmp)
        synthesise(persons, 3, data)
        started = time.perf_counter()
        import_registry(
            households_path=data / "households.csv",
            persons_path=data / "persons.csv",
            report_path=data / "report.csv",
        )
        print(
            f"import: {Person.objects.count():,} persons in {time.perf_counter() - started:.1f} s"
        )
    started = time.perf_counter()
    refresh_figures()
    print(f"refresh dashboard figures: {time.perf_counter() - started:.1f} s")
