"""Exporting lists of persons in registry exchange format v1 (CSV or XLSX).

Exports are the format itself, so an export can be re-imported elsewhere. Specific personal
data is blanked for users who may not read it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import date

from django.db.models import QuerySet
from django.http import HttpResponse, StreamingHttpResponse

from sejahtera.domain import registry_format as fmt
from sejahtera.registry import privacy
from sejahtera.registry.models import Person

XLSX_ROW_LIMIT = 1_048_575  # Excel's sheet size, less the header


def person_rows(persons: QuerySet[Person], *, unmasked: bool) -> Iterator[list[str]]:
    yield list(fmt.PERSON_COLUMN_NAMES)
    today = date.today()
    for person in persons.select_related("household").iterator(chunk_size=2000):
        cells, _masked = privacy.visible_cells(person, unmasked=unmasked, today=today)
        yield [cells[name] for name in fmt.PERSON_COLUMN_NAMES]


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_chunks(rows: Iterable[list[str]]) -> Iterator[str]:
    """CSV text row by row, for a streaming response."""
    writer = csv.writer(_Echo(), lineterminator="\n")
    for row in rows:
        yield writer.writerow(row)


def xlsx_bytes(rows: Iterable[list[str]], sheet_title: str) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title)
    for index, row in enumerate(rows):
        if index > XLSX_ROW_LIMIT:
            break
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def download(
    rows: Iterable[list[str]], name: str, fmt: str
) -> HttpResponse | StreamingHttpResponse:
    """A CSV (streamed) or XLSX attachment of ``rows`` (the first row is the header)."""
    filename = f"{name}-{date.today():%Y%m%d}.{fmt}"
    response: HttpResponse | StreamingHttpResponse
    if fmt == "csv":
        response = StreamingHttpResponse(csv_chunks(rows), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            xlsx_bytes(rows, name[:31]),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
