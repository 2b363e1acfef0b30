import pytest

from sejahtera.registry.sources import SourceError, SourceLimits, cell_text, open_source


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
        ("h.xlsx", b"random bytes, not a workbook", "not an XLSX workbook"),
        ("h.csv", b"household_id,address,address\nH1,a,b\n", "'address' appears more than once"),
    ],
)
def test_unreadable_files_are_a_clear_error(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(SourceError, match=message) as refused:
        open_source(path)
    assert str(tmp_path) not in str(refused.value)  # the file's name, never the server's path


def _workbook(path, shared_string: str, rows: int = 1):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["household_id", "address"])
    for i in range(rows):
        sheet.append([f"H{i}", shared_string])
    workbook.save(path)
    return path


def test_a_workbook_that_unpacks_too_far_is_refused_before_parsing(tmp_path):
    bomb = _workbook(tmp_path / "bomb.xlsx", "A" * 32_000, rows=100)  # 3 MB of one letter
    with pytest.raises(SourceError, match=r"compressed .* times"):
        open_source(bomb)
    with pytest.raises(SourceError, match="unpacks to"):
        open_source(bomb, SourceLimits(max_unpacked_bytes=2**20))
    ordinary = _workbook(tmp_path / "ok.xlsx", "Jl. Mawar 5", rows=50)
    assert open_source(ordinary).row_count == 50


def test_too_many_rows_are_refused_before_reading(tmp_path):
    path = tmp_path / "h.csv"
    path.write_text("household_id\n" + "".join(f"H{i}\n" for i in range(11)))
    with pytest.raises(SourceError, match="11 rows, more than the 10"):
        open_source(path, SourceLimits(max_rows=10))


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
