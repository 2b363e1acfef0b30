"""Exchange format v1 columns as the registry's model fields: one mapping for the import, the
record forms and the API, the change history and the snapshot the batch engines read (a value
as the format's text is ``registry_format.as_text``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from operator import itemgetter
from typing import Any

from django.db.models import QuerySet, TextField
from django.db.models.functions import Cast

from sejahtera.domain import registry_format as fmt
from sejahtera.sealing import SPECIFIC_NAMES, open_person_values

# Model attribute per format column: the exchange ids are stored as ``external_id``, a
# household's region is its village.
HOUSEHOLD_FIELDS = {name: name for name in fmt.HOUSEHOLD_COLUMN_NAMES} | {
    "household_id": "external_id",
    "region_code": "village_id",
}
PERSON_FIELDS = {name: name for name in fmt.PERSON_COLUMN_NAMES} | {
    "person_id": "external_id",
    "household_id": "household_id",
}


def renamed(fields: dict[str, str]) -> dict[str, str]:
    """The columns whose model attribute has another name."""
    return {column: attname for column, attname in fields.items() if column != attname}


def reading_specific(
    attributes: Sequence[str],
) -> tuple[list[str], Callable[[tuple[Any, ...]], tuple[Any, ...]]]:
    """The stored columns to read for these person attributes, and what turns a row of them
    into the attributes' values: a specific field is not a column but part of the sealed
    ``specific_data`` (read last, opened or still sealed)."""
    stored = [a for a in attributes if a not in SPECIFIC_NAMES] + ["specific_data"]
    # a row and its specific values in one tuple, picked into place by one C call
    position = {a: i for i, a in enumerate((*stored, *SPECIFIC_NAMES))}
    pick = itemgetter(*(position[a] for a in attributes))

    def values(row: tuple[Any, ...]) -> tuple[Any, ...]:
        specific = row[-1]
        if isinstance(specific, dict):
            return pick(row + _SPECIFIC(specific))
        return pick(row + open_person_values(specific))

    return stored, values


def person_values(
    persons: QuerySet[Any], attributes: Sequence[str], chunk_size: int | None = None
) -> Iterator[tuple[Any, ...]]:
    """``values_list(*attributes)`` of persons, their specific fields included."""
    stored, values = reading_specific(attributes)
    # the sealed value as stored: opened straight into a tuple, not a dict first
    sealed = Cast("specific_data", output_field=TextField())
    rows = persons.values_list(*stored[:-1], sealed)
    return map(values, rows.iterator(chunk_size) if chunk_size else rows)


_SPECIFIC = itemgetter(*SPECIFIC_NAMES)
