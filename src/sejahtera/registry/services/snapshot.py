"""The registry as typed Parquet files in the columns of exchange format v1, for the batch engines
(targeting, linkage).

Read only, a chunk at a time, with the database's ids as ``household_id`` and ``person_id``. The
values are the registry's own, already validated: dates, numbers and flags keep their types
(``registry_format.TYPED_KINDS``), so the engines use them as they are instead of parsing text
again; every other column is text as an import's file would hold it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from django.db.models import QuerySet

from sejahtera.domain import registry_format as fmt
from sejahtera.registry.fields import HOUSEHOLD_FIELDS, PERSON_FIELDS, person_values
from sejahtera.registry.models import Household, Person

CHUNK = 5000

# Model attribute per format v1 column; ids are the database's (see the module docstring).
HOUSEHOLD_SNAPSHOT = HOUSEHOLD_FIELDS | {"household_id": "id"}
PERSON_SNAPSHOT = PERSON_FIELDS | {"person_id": "id"}

# The Parquet type of each of ``registry_format.TYPED_KINDS`` (every other column is text).
ARROW_TYPES: dict[fmt.Kind, pa.DataType] = {
    fmt.Kind.DATE: pa.date32(),
    fmt.Kind.BOOL: pa.bool_(),
    fmt.Kind.INTEGER: pa.int64(),
    fmt.Kind.POSITIVE_NUMBER: pa.float64(),
    fmt.Kind.LATITUDE: pa.float64(),
    fmt.Kind.LONGITUDE: pa.float64(),
}
_KINDS = {c.name: c.kind for c in (*fmt.HOUSEHOLD_COLUMNS, *fmt.PERSON_COLUMNS)}


def typed_schema(columns: Sequence[str]) -> pa.Schema:
    """The snapshot's schema for these format v1 columns."""
    return pa.schema([(name, ARROW_TYPES.get(_KINDS[name], pa.string())) for name in columns])


def _converter(kind: pa.DataType) -> Any:
    if pa.types.is_string(kind):
        return fmt.as_text
    if pa.types.is_floating(kind):  # the database's decimals
        return lambda value: None if value is None else float(value)
    return lambda value: value


def export_parquet(
    rows: Iterator[tuple[Any, ...]],
    columns: Sequence[str],
    path: Path,
    schema: pa.Schema | None = None,
) -> int:
    """Rows of model values as a Parquet file, chunk by chunk: typed as ``schema`` says, or
    every column format v1 text when it is None."""
    schema = schema or pa.schema([(name, pa.string()) for name in columns])
    converters = [_converter(f.type) for f in schema]
    count = 0
    with pq.ParquetWriter(path, schema) as writer:
        chunk: list[tuple[Any, ...]] = []
        for row in rows:
            chunk.append(row)
            if len(chunk) == CHUNK:
                count += _write_chunk(writer, schema, converters, chunk)
                chunk = []
        count += _write_chunk(writer, schema, converters, chunk)
    return count


def _write_chunk(
    writer: pq.ParquetWriter, schema: pa.Schema, converters: list[Any], chunk: list[tuple[Any, ...]]
) -> int:
    arrays = [
        pa.array([convert(row[i]) for row in chunk], field.type)
        for i, (field, convert) in enumerate(zip(schema, converters, strict=True))
    ]
    writer.write_table(pa.Table.from_arrays(arrays, schema=schema))
    return len(chunk)


def snapshot_registry(
    folder: Path, persons_of: QuerySet[Person] | None = None
) -> tuple[Path, Path, int, int]:
    """Write the registry's households and persons as typed Parquet files (read only): all of
    them, or only ``persons_of`` and their households."""
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
        typed_schema(list(HOUSEHOLD_SNAPSHOT)),
    )
    n_persons = export_parquet(
        person_values(chosen.order_by("id"), list(PERSON_SNAPSHOT.values()), CHUNK),
        list(PERSON_SNAPSHOT),
        persons,
        typed_schema(list(PERSON_SNAPSHOT)),
    )
    return households, persons, n_households, n_persons
