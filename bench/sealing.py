"""Benchmark: what sealing specific personal data at rest costs the import and the targeting
snapshot (issue #15, decision 0020).

    python bench/sealing.py [--persons 1000000] [--postgres URL]

Imports a synthetic population into a fresh PostgreSQL database (``sejahtera_bench_sealing`` on
the server of ``--postgres`` / ``DATABASE_URL``), writes the registry snapshot a targeting run
reads, and in the same run times the sealing alone on the same persons: sealing their specific
fields as the import does (``seal_person_columns``, in the import's batches) and opening every
stored value as the snapshot does. Prints each step's wall time and the share that is sealing.
Goal: the import stays within its own (bench/import.py: ≤ 60 s and ≤ 3× raw COPY for 1 M
persons) and sealing adds at most 10 % to the import and to the snapshot.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import recreate_postgres_database, synthesise

DATABASE = "sejahtera_bench_sealing"


def timed(label: str, step):
    started = time.perf_counter()
    result = step()
    seconds = time.perf_counter() - started
    print(f"{label}: {seconds:.1f} s")
    return result, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--postgres", default=os.environ.get("DATABASE_URL", ""))
    args = parser.parse_args()
    if not args.postgres.startswith("postgres"):
        parser.error("a PostgreSQL server: --postgres postgres://user@host:5432/db")
    os.environ["DATABASE_URL"] = recreate_postgres_database(args.postgres, DATABASE)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sejahtera.config.settings")
    import django

    django.setup()
    import pyarrow as pa
    from django.core.management import call_command
    from django.db import connection

    from sejahtera.registry.services.importing import DEFAULT_BATCH_SIZE, import_registry
    from sejahtera.registry.services.regions import load_regions
    from sejahtera.registry.services.snapshot import snapshot_registry, typed_schema
    from sejahtera.sealing import (
        SPECIFIC_NAMES,
        open_person_values,
        seal_person_columns,
    )

    call_command("migrate", verbosity=0)
    load_regions()
    with tempfile.TemporaryDirectory(prefix="sejahtera-bench-") as tmp:
        data = Path(tmp)
        synthesise(args.persons, 3, data)
        summary, import_seconds = timed(
            f"import of {args.persons:,} persons",
            lambda: import_registry(
                households_path=data / "households.csv",
                persons_path=data / "persons.csv",
                report_path=data / "report.csv",
            ),
        )
        _, snapshot_seconds = timed("snapshot for a targeting run", lambda: snapshot_registry(data))

    with connection.cursor() as cursor:
        cursor.execute("SELECT specific_data FROM registry_person")
        tokens = [token for (token,) in cursor.fetchall()]
    opened, open_seconds = timed(
        f"opening {len(tokens):,} stored values", lambda: [open_person_values(t) for t in tokens]
    )
    schema = typed_schema(SPECIFIC_NAMES)
    columns = zip(*opened, strict=True)
    arrays = [pa.array(values, f.type) for values, f in zip(columns, schema, strict=True)]
    table = pa.Table.from_arrays(arrays, schema=schema)
    batches = [
        table.slice(start, DEFAULT_BATCH_SIZE)
        for start in range(0, table.num_rows, DEFAULT_BATCH_SIZE)
    ]
    _, seal_seconds = timed(
        "sealing them as the import does",
        lambda: [seal_person_columns(b, list(SPECIFIC_NAMES)) for b in batches],
    )
    known = sum(t is not None for t in tokens)
    print()
    print(f"persons stored: {summary.persons.accepted:,}, with specific data known: {known:,}")
    print(
        f"import {import_seconds:.1f} s, of which sealing {seal_seconds:.1f} s "
        f"({seal_seconds / import_seconds:.1%}); without it {import_seconds - seal_seconds:.1f} s"
    )
    print(
        f"snapshot {snapshot_seconds:.1f} s, of which opening {open_seconds:.1f} s "
        f"({open_seconds / snapshot_seconds:.1%}); without it "
        f"{snapshot_seconds - open_seconds:.1f} s"
    )


if __name__ == "__main__":
    main()
