"""Exporting lists of persons in registry exchange format v1 (CSV or XLSX).

Exports are the format itself, so an export can be re-imported elsewhere. Specific personal
data is blanked for users who may not read it, every exported person is logged, and every
spreadsheet cell written here (every export of the application) is safe from formula
injection. Numbers are passed as numbers, so that a spreadsheet gets numeric cells.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from itertools import islice
from operator import attrgetter
from typing import Any, TypeVar

from django.db.models import QuerySet

from sejahtera.accounts import access
from sejahtera.accounts.models import User
from sejahtera.domain import registry_format as fmt
from sejahtera.registry import privacy
from sejahtera.registry.models import Person

XLSX_ROW_LIMIT = 1_048_575  # Excel's sheet size, less the header
EXPORT_CHUNK = 2000
T = TypeVar("T")


def person_rows(
    persons: QuerySet[Person], *, reader: User, unmasked: bool, path: str
) -> Iterator[list[str]]:
    """The persons as format v1 rows (masked as ``unmasked`` says), logged as read by
    ``reader`` as they stream (see ``logged``)."""
    yield list(fmt.PERSON_COLUMN_NAMES)
    today = date.today()
    people = persons.select_related("household").iterator(chunk_size=EXPORT_CHUNK)
    for person in logged(
        people, reader=reader, entity="person_export", path=path, record_id=attrgetter("pk")
    ):
        cells, _masked = privacy.visible_cells(person, unmasked=unmasked, today=today)
        yield [cells[name] for name in fmt.PERSON_COLUMN_NAMES]


def logged(
    records: Iterable[T],
    *,
    reader: User,
    entity: str,
    path: str,
    record_id: Callable[[T], int],
    chunk: int = EXPORT_CHUNK,
) -> Iterator[T]:
    """``records`` passed on unchanged, for any export of person-level data: each stretch of
    ``chunk`` is logged as read by ``reader`` (which records, where) before any of it is passed
    on, so that an export cut short is logged for what left the server and no more, and the
    records are never held twice."""
    stream = iter(records)
    while stretch := list(islice(stream, chunk)):
        access.log_sensitive_read(reader, entity, [record_id(r) for r in stretch], path)
        yield from stretch


# Formula injection (OWASP, "CSV Injection"): a cell that a spreadsheet would read as a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")
# Characters XML 1.0 forbids (C0 controls but tab, newline and carriage return): openpyxl
# refuses them, so one such character in a stored name would fail the whole XLSX export.
XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def safe_cell(value: Any) -> Any:
    """``value`` as it may go into a spreadsheet: text that would start a formula gets a
    leading apostrophe, which makes it plain text; numbers (also "-6.25" as text) stay as
    they are, so that coordinates and amounts survive a round trip. A carriage return becomes
    a line feed: the CSV writer quotes a cell holding a line feed, but not one holding a bare
    carriage return, at which a spreadsheet starts a new row (whose first cell could be a
    formula)."""
    if isinstance(value, str) and "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    if (
        isinstance(value, str)
        and value.startswith(FORMULA_TRIGGERS)
        and not NUMBER.fullmatch(value)
    ):
        return "'" + value
    return value


def safe_row(row: Iterable[Any]) -> list[Any]:
    return [safe_cell(value) for value in row]


def xlsx_cell(value: Any) -> Any:
    """A safe cell that an XLSX sheet can hold: characters XML forbids become U+FFFD."""
    value = safe_cell(value)
    return XML_ILLEGAL.sub("\ufffd", value) if isinstance(value, str) else value


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_chunks(rows: Iterable[list[Any]]) -> Iterator[str]:
    """CSV text row by row, for a streaming response."""
    writer = csv.writer(_Echo(), lineterminator="\n")
    for row in rows:
        yield writer.writerow(safe_row(row))


def xlsx_bytes(rows: Iterable[list[Any]], sheet_title: str) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title)
    for index, row in enumerate(rows):
        if index > XLSX_ROW_LIMIT:
            break
        sheet.append([xlsx_cell(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
