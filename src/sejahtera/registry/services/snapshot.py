"""The registry as files in exchange format v1, for the batch engines (targeting, linkage).

Read only, a chunk at a time: the files are Parquet of strings, as an import's files would be,
with the database's ids as ``household_id`` and ``person_id``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from django.db.models import QuerySet

from sejahtera.domain import registry_format as fmt
from sejahtera.registry.models import Household, Person

CHUNK = 5000

# Model attribute per format v1 column; ids are the database's (see the module docstring).
HOUSEHOLD_SNAPSHOT = {name: name for name in fmt.HOUSEHOLD_COLUMN_NAMES} | {
    "household_id": "id",
    "region_code": "village_id",
}
PERSON_SNAPSHOT = {name: name for name in fmt.PERSON_COLUMN_NAMES} | {
    "person_id": "id",
    "household_id": "household_id",
}


def cell(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def export_parquet(rows: Iterator[tuple[Any, ...]], columns: Sequence[str], path: Path) -> int:
    """Rows of model values as a Parquet file of format v1 strings, chunk by chunk."""
    schema = pa.schema([(name, pa.string()) for name in columns])
    count = 0
    with pq.ParquetWriter(path, schema) as writer:
        chunk: list[tuple[Any, ...]] = []
        for row in rows:
            chunk.append(row)
            if len(chunk) == CHUNK:
                count += _write_chunk(writer, schema, chunk)
                chunk = []
        count += _write_chunk(writer, schema, chunk)
    return count


def _write_chunk(writer: pq.ParquetWriter, schema: pa.Schema, chunk: list[tuple[Any, ...]]) -> int:
    arrays = [pa.array([cell(row[i]) for row in chunk], pa.string()) for i in range(len(schema))]
    writer.write_table(pa.Table.from_arrays(arrays, schema=schema))
    return len(chunk)


def snapshot_registry(
    folder: Path, persons_of: QuerySet[Person] | None = None
) -> tuple[Path, Path, int, int]:
    """Write the registry's households and persons as format v1 Parquet files (read only):
    all of them, or only ``persons_of`` and their households."""
    households, persons = folder / "households.parquet", folder / "persons.parquet"
    chosen = Person.objects.all() if persons_of is None else persons_of
    homes = (
        Household.objects.all()
        if persons_of is None
        else Household.objects.filter(pk__in=chosen.values("household_id"))
    )
    n_households = export_parquet(
        homes.order_by("id").values_list(*HOUSEHOLD_SNAPSHOT.values()).iterator(chunk_size=CHUNK),
        list(HOUSEHOLD_SNAPSHOT),
        households,
    )
    n_persons = export_parquet(
        chosen.order_by("id").values_list(*PERSON_SNAPSHOT.values()).iterator(chunk_size=CHUNK),
        list(PERSON_SNAPSHOT),
        persons,
    )
    return households, persons, n_households, n_persons
