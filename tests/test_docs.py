"""The documentation states what the code does: the format tables match the column definitions."""

import re
from pathlib import Path

import pytest

from sejahtera.domain.registry_format import HOUSEHOLD_COLUMNS, PERSON_COLUMNS, Column, Kind

DOCS = Path(__file__).resolve().parent.parent / "docs"


def documented_columns(heading: str) -> dict[str, tuple[bool, str]]:
    """Column name → (required, values cell) from the table under ``heading``."""
    text = (DOCS / "data-format.md").read_text(encoding="utf-8")
    section = text.split(f"## {heading}", 1)[1].split("\n## ", 1)[0]
    columns: dict[str, tuple[bool, str]] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or cells[0] in ("column", "---"):
            continue
        for name in cells[0].split(","):
            columns[name.strip()] = (cells[1] == "yes", cells[2])
    return columns


@pytest.mark.parametrize(
    ("heading", "columns"),
    [("households.csv", HOUSEHOLD_COLUMNS), ("persons.csv", PERSON_COLUMNS)],
)
def test_format_tables_match_the_column_definitions(heading: str, columns: tuple[Column, ...]):
    documented = documented_columns(heading)
    # disaster_event is documented inside the disaster_victim row.
    names = {c.name for c in columns} - {"disaster_event"}
    assert set(documented) == names
    for column in columns:
        if column.name not in documented:
            continue
        required, values = documented[column.name]
        assert column.required == required, column.name
        if column.kind in (Kind.ENUM, Kind.ENUM_SET) and column.name != "sex":
            listed = re.findall(r"[a-z_0-9]+", values.split(":")[-1])
            assert tuple(listed) == column.choices, column.name
