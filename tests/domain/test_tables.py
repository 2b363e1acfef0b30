"""The small CSV files people prepare, read by one set of rules."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sejahtera.domain.findings import Refused
from sejahtera.domain.tables import read_table

REQUIRED = ("reference", "amount", "status")


def refusal(content: bytes) -> str:
    with pytest.raises(Refused) as refused:
        read_table(content, REQUIRED)
    return str(refused.value)


def test_headers_in_any_case_any_separator_a_bom_and_crlf():
    table = read_table(b"\xef\xbb\xbf Reference ;AMOUNT;status\r\nSJ-1;10;paid\r\n", REQUIRED)
    assert table.columns == ["reference", "amount", "status"]
    assert table.rows == [(2, {"reference": "SJ-1", "amount": "10", "status": "paid"})]


def test_a_row_is_numbered_by_the_line_it_starts_on_and_blank_rows_are_left_out():
    content = b'reference,amount,status\nA,1,"failed\non two lines"\n,,\n\nB,-5,paid\n'
    assert [line for line, _cells in read_table(content, REQUIRED).rows] == [2, 6]


@pytest.mark.parametrize(
    ("content", "why"),
    [
        ("reference,amount,status\nSJ-1,10,pagé\n".encode("cp1252"), "not UTF-8 text"),
        (b"", "empty"),
        (b"  \r\n", "empty"),
        (b"reference,amount,status,amount\n", "amount twice"),
        (b"reference;amount\n", "lacks the column(s) status"),
        (b"reference,amount,status\nA,1,paid\nB,2," + b"x" * 200_000, "Line 3 of the file"),
    ],
)
def test_a_file_that_is_no_table_is_refused_saying_why(content, why):
    assert why in refusal(content)


@given(st.binary(max_size=200))
def test_any_bytes_are_a_table_or_a_refusal(content):
    try:
        table = read_table(content, ())
    except Refused:
        return
    assert all(line >= 2 for line, _cells in table.rows)
