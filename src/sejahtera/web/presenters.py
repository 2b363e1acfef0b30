"""Turning registry records into what a page shows, with specific personal data masked for
those who may not read it (and every unmasked read of it logged)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _

from sejahtera.domain import registry_format as fmt
from sejahtera.registry import privacy
from sejahtera.registry.models import Household, Person
from sejahtera.registry.services.records import household_cells
from sejahtera.web.labels import column_label, value_label

MASK = "•••"
ENUM_COLUMNS = {
    c.name for c in (*fmt.HOUSEHOLD_COLUMNS, *fmt.PERSON_COLUMNS) if c.kind is fmt.Kind.ENUM
}
BOOL_COLUMNS = {c.name for c in fmt.PERSON_COLUMNS if c.kind is fmt.Kind.BOOL}


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    value: str


def display(name: str, cell: str) -> str:
    if cell == "":
        return "–"
    if name in ENUM_COLUMNS:
        return value_label(cell)
    if name == "assets":
        return ", ".join(value_label(item) for item in cell.split(";"))
    if name in BOOL_COLUMNS:
        return _("yes") if cell == "true" else _("no")
    return cell


def household_fields(household: Household) -> list[Field]:
    cells = household_cells(household)
    return [
        Field(name, column_label(name), display(name, cells[name]))
        for name in fmt.HOUSEHOLD_COLUMN_NAMES
        if name not in ("household_id", "region_code")
    ]


def person_fields(person: Person, *, unmasked: bool, today: date) -> list[Field]:
    cells, _masked = privacy.visible_cells(person, unmasked=unmasked, today=today)
    hidden = privacy.hidden_columns(person, unmasked=unmasked, today=today)
    return [
        Field(name, column_label(name), MASK if name in hidden else display(name, cells[name]))
        for name in fmt.PERSON_COLUMN_NAMES
        if name not in ("person_id", "household_id")
    ]


@dataclass(frozen=True)
class SearchRow:
    person: Person
    name: str
    nik: str
    birth_date: str


def search_rows(persons: list[Person], *, unmasked: bool) -> list[SearchRow]:
    """Search results; a child's name, NIK and birth date are masked like on their page."""
    today = date.today()
    rows = []
    for person in persons:
        hidden = privacy.hidden_columns(person, unmasked=unmasked, today=today)
        rows.append(
            SearchRow(
                person,
                MASK if "full_name" in hidden else person.full_name,
                MASK if "nik" in hidden else (person.nik or "–"),
                MASK if "birth_date" in hidden else person.birth_date.isoformat(),
            )
        )
    return rows
