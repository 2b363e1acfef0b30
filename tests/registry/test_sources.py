import pytest

from sejahtera.registry.sources import SourceError, cell_text, open_source


def test_csv_rows_carry_the_line_they_start_on(tmp_path):
    path = tmp_path / "h.csv"
    path.write_bytes('\ufeffhousehold_id,address\nH1,"Jl. Mawar\nNo. 5"\nH2\n'.encode())
    source = open_source(path)
    assert source.header == ["household_id", "address"]
    rows = list(source.rows())
    assert rows == [
        (2, {"household_id": "H1", "address": "Jl. Mawar\nNo. 5"}),
        (4, {"household_id": "H2", "address": ""}),
    ]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("h.csv", b"", "empty file"),
        ("h.txt", b"a,b\n", "unsupported file type '.txt'"),
        ("h.parquet", b"not parquet", "not a Parquet file"),
        ("h.csv", b"\xff\xfe\x00bad", "cannot be read"),
    ],
)
def test_unreadable_files_are_a_clear_error(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(SourceError, match=message):
        open_source(path)


def test_missing_file(tmp_path):
    with pytest.raises(SourceError, match="file not found"):
        open_source(tmp_path / "nope.csv")


@pytest.mark.parametrize(
    ("value", "text"),
    [(None, ""), (True, "true"), (900.0, "900"), (36.5, "36.5"), (7, "7"), ("x", "x")],
)
def test_spreadsheet_cells_become_format_text(value, text):
    assert cell_text(value) == text


def test_spreadsheet_dates_become_iso_dates():
    from datetime import date, datetime

    assert cell_text(datetime(1987, 8, 15)) == "1987-08-15"
    assert cell_text(date(1987, 8, 15)) == "1987-08-15"
