"""The generated population and how it is written to disk.

Layout of ``out_dir``::

    households.csv            registry format v1
    persons.csv               registry format v1 (duplicates and invalid rows included)
    truth/households.csv      true welfare and situation of every household
    truth/duplicates.csv      which person rows copy which real person, and what differs
    truth/invalid_rows.csv    every deliberately invalid row and the error code it must raise
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

# Characters that force RFC 4180 quoting of a cell.
NEEDS_QUOTES = r'[",\r\n]'


@dataclass(frozen=True)
class Population:
    households: pa.Table  # HOUSEHOLD_COLUMN_NAMES, all strings
    persons: pa.Table  # PERSON_COLUMN_NAMES, all strings
    truth_households: pa.Table
    truth_duplicates: pa.Table  # person_id, original_person_id, changes
    truth_invalid_rows: pa.Table  # file, line, row_id, column, expected_error_code, value

    def counts(self) -> dict[str, int]:
        invalid_file = self.truth_invalid_rows["file"]
        rejected = pc.equal(self.truth_invalid_rows["expected_error_code"], "HOUSEHOLD_REJECTED")
        return {
            "households": self.households.num_rows,
            "persons": self.persons.num_rows,
            "duplicates": self.truth_duplicates.num_rows,
            "invalid_households": pc.sum(pc.equal(invalid_file, "households.csv")).as_py() or 0,
            "invalid_persons": pc.sum(
                pc.and_(pc.equal(invalid_file, "persons.csv"), pc.invert(rejected))
            ).as_py()
            or 0,
        }


def write(population: Population, out_dir: Path) -> dict[str, int]:
    """Write the population as CSV (UTF-8, header row, RFC 4180, LF) and return its counts:
    households and persons are row counts of the two files (persons includes duplicates)."""
    out_dir = Path(out_dir)
    truth = out_dir / "truth"
    truth.mkdir(parents=True, exist_ok=True)
    write_csv(population.households, out_dir / "households.csv")
    write_csv(population.persons, out_dir / "persons.csv")
    write_csv(population.truth_households, truth / "households.csv")
    write_csv(population.truth_duplicates, truth / "duplicates.csv")
    write_csv(population.truth_invalid_rows, truth / "invalid_rows.csv")
    return population.counts()


def write_csv(table: pa.Table, path: Path) -> None:
    """Quote cells only when the file needs it: Arrow's "needed" style quotes every string, so
    a table without commas, quotes or line breaks is written without any quotes."""
    style = "needed" if _needs_quotes(table) else "none"
    options = pacsv.WriteOptions(quoting_style=style, quoting_header="none", eol="\n")
    pacsv.write_csv(table, path, write_options=options)


def _needs_quotes(table: pa.Table) -> bool:
    for column in table.columns:
        if (
            pa.types.is_string(column.type)
            and pc.any(pc.match_substring_regex(column, NEEDS_QUOTES)).as_py()
        ):
            return True
    return False
