"""Specific personal data (UU 27/2022): who may read it, masking it for everyone else, and
logging every read of it. Web pages, exports and the API all go through here."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.db.models import Q

from sejahtera.accounts import access
from sejahtera.accounts.models import User
from sejahtera.domain import registry_format as fmt
from sejahtera.registry.models import Person
from sejahtera.registry.services.records import person_cells

MASK = "•••"  # what a page shows in place of a value its reader may not see
# Stored person fields that are no format column, by the column they derive from (the change
# history and the import name fields so): hidden whenever that column is.
DERIVED_FIELDS = {"external_id": "person_id", "nik_warnings": "nik"}


def age_on(birth_date: date, today: date) -> int:
    before_birthday = (today.month, today.day) < (birth_date.month, birth_date.day)
    return today.year - birth_date.year - before_birthday


def may_read_specific(user: User) -> bool:
    return access.has_role(user, access.SPECIFIC_DATA_READERS)


def latest_adult_birth_date(today: date) -> date:
    """Persons born on or before this day are adults (their identity is not masked)."""
    try:
        return today.replace(year=today.year - fmt.CHILD_AGE_LIMIT)
    except ValueError:  # 29 February
        return today.replace(year=today.year - fmt.CHILD_AGE_LIMIT, day=28)


def identity_visible(user: User, today: date) -> Q:
    """A filter on ``Person``: the persons whose NIK and name ``user`` may see (everyone for
    readers of specific data; adults only for the others, as ``hidden_columns`` masks)."""
    if may_read_specific(user):
        return Q()
    return Q(birth_date__lte=latest_adult_birth_date(today))


def hidden_columns(person: Person, *, unmasked: bool, today: date) -> frozenset[str]:
    """The person's columns this reader may not see: specific data, and for a child every
    personal detail beyond what identifies the record."""
    return _hidden(person.birth_date, unmasked=unmasked, today=today)


def hidden_cells(cells: Mapping[str, Any], *, unmasked: bool, today: date) -> frozenset[str]:
    """``hidden_columns`` of a person given as format cells (a proposed member): one whose
    birth date is missing or unreadable is masked as a child would be."""
    try:
        born: date | None = date.fromisoformat(str(cells.get("birth_date") or ""))
    except ValueError:
        born = None
    return _hidden(born, unmasked=unmasked, today=today)


def _hidden(born: date | None, *, unmasked: bool, today: date) -> frozenset[str]:
    if unmasked:
        return frozenset()
    if born is None or age_on(born, today) < fmt.CHILD_AGE_LIMIT:
        return frozenset(fmt.PERSON_COLUMN_NAMES) - {"person_id", "household_id", "relationship"}
    return fmt.SPECIFIC_PERSON_FIELDS


def field_hidden(name: str, hidden: frozenset[str]) -> bool:
    """Whether a stored field of a person (a format column or a field derived from one) is
    hidden from a reader to whom ``hidden`` columns are; a field of unknown origin is hidden
    from anyone who may not see everything."""
    if not hidden:
        return False
    column = DERIVED_FIELDS.get(name, name)
    return column in hidden or column not in fmt.PERSON_COLUMN_NAMES


def visible_name(person: Person, *, unmasked: bool, today: date) -> str:
    hidden = hidden_columns(person, unmasked=unmasked, today=today)
    return MASK if "full_name" in hidden else person.full_name


def visible_nik_warnings(person: Person, hidden: frozenset[str]) -> list[str]:
    """The findings on the person's NIK, which describe the NIK: hidden with it."""
    if not person.nik_warnings or field_hidden("nik_warnings", hidden):
        return []
    return person.nik_warnings.split(";")


def visible_cells(person: Person, *, unmasked: bool, today: date) -> tuple[dict[str, str], bool]:
    """The person's cells with hidden ones blanked, and whether anything was hidden."""
    cells = person_cells(person)
    hidden = hidden_columns(person, unmasked=unmasked, today=today)
    for name in hidden:
        cells[name] = ""
    return cells, bool(hidden)


def log_reads(user: User, persons: list[Person], path: str) -> None:
    """Record that ``user`` read the specific data of ``persons`` (only if they could)."""
    if may_read_specific(user):
        access.log_sensitive_read(user, "person", [p.pk for p in persons], path)
