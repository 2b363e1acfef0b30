"""Tables as file downloads: the HTTP side of the registry's CSV and XLSX exports."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.http import HttpResponse, StreamingHttpResponse

from sejahtera.registry.services.exports import csv_chunks, xlsx_bytes


def csv_download(rows: Iterable[list[Any]], filename: str) -> StreamingHttpResponse:
    """A streamed CSV attachment of ``rows`` (the first row is the header), UTF-8, its cells
    safe from formula injection."""
    response = StreamingHttpResponse(csv_chunks(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def download(
    rows: Iterable[list[Any]], name: str, fmt: str
) -> HttpResponse | StreamingHttpResponse:
    """A CSV (streamed) or XLSX attachment of ``rows`` (the first row is the header)."""
    filename = f"{name}-{date.today():%Y%m%d}.{fmt}"
    if fmt == "csv":
        return csv_download(rows, filename)
    response = HttpResponse(
        xlsx_bytes(rows, name[:31]),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
