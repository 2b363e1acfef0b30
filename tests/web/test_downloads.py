"""Tables as downloads: CSV streams, XLSX is one workbook, both dated attachments."""

import io
from datetime import date

from openpyxl import load_workbook

from sejahtera.web.downloads import download

ROWS = [["name", "amount"], ["=cmd", 6]]


def test_csv_streams_as_a_dated_attachment():
    response = download(ROWS, "persons", "csv")
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="persons-{date.today():%Y%m%d}.csv"'
    )
    assert b"".join(response.streaming_content) == b"name,amount\n'=cmd,6\n"


def test_xlsx_is_one_sheet_named_after_the_download():
    response = download(ROWS, "x" * 40, "xlsx")
    assert not response.streaming
    assert response["Content-Disposition"].endswith(f'{date.today():%Y%m%d}.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.title == "x" * 31
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [
        ["name", "amount"],
        ["'=cmd", 6],
    ]
