"""Exchange format v1 columns as the registry's model fields: one mapping for the import, the
record forms and the API, the change history and the snapshot the batch engines read (a value
as the format's text is ``registry_format.as_text``)."""

from __future__ import annotations

from sejahtera.domain import registry_format as fmt

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
