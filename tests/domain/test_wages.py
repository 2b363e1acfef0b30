"""Minimum wages: reading the wage table row by row, and the wage in force for a place."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sejahtera.domain.wages import MinimumWage, WageKind, WageRow, applicable_wage, read_row

KNOWN = frozenset({"32", "3201", "3273", "33", "3301"})
GOOD = {
    "region_code": "3201",
    "year": "2025",
    "amount": "4877211",
    "kind": "UMK",
    "instrument": "Kepgub Jawa Barat 561.7/Kep.798-Kesra/2024",
    "source_url": "https://jabarprov.go.id/umk-2025.pdf",
}


def _read(**changes):
    return read_row(7, {**GOOD, **changes}, KNOWN)


def _problems(findings):
    return [(f.code, f.column) for f in findings]


def test_a_good_row_reads_into_a_wage_row():
    row, findings = _read()
    assert findings == []
    assert row == WageRow(
        line=7,
        wage=MinimumWage(
            amount=4_877_211,
            kind=WageKind.UMK,
            region_code="3201",
            year=2025,
            instrument="Kepgub Jawa Barat 561.7/Kep.798-Kesra/2024",
        ),
        source_url="https://jabarprov.go.id/umk-2025.pdf",
    )
    assert row.wage.official


def test_a_province_wage_reads_with_a_two_digit_code():
    row, findings = _read(region_code="32", kind="UMP", amount="2191232")
    assert findings == []
    assert row is not None
    assert row.wage.kind is WageKind.UMP
    assert row.wage.region_code == "32"
    assert row.wage.amount == 2_191_232


@pytest.mark.parametrize("kind", ["umk", "Umk", "  UMK  "])
def test_the_kind_is_read_whatever_its_case_and_spaces(kind):
    row, findings = _read(kind=kind)
    assert findings == []
    assert row is not None
    assert row.wage.kind is WageKind.UMK


def test_cells_are_stripped_and_a_missing_source_url_is_empty():
    cells = {key: f"  {value} " for key, value in GOOD.items() if key != "source_url"}
    row, findings = read_row(3, cells, KNOWN)
    assert findings == []
    assert row is not None
    assert row.wage.region_code == "3201"
    assert row.wage.instrument == GOOD["instrument"]
    assert row.source_url == ""


@pytest.mark.parametrize("kind", ["", "UMR", "UMSK", "default", "minimum"])
def test_an_unknown_kind_is_refused_in_the_kind_column(kind):
    row, findings = _read(kind=kind)
    assert row is None
    assert _problems(findings) == [("WAGE_KIND_UNKNOWN", "kind")]
    assert findings[0].params == {"value": kind}


@pytest.mark.parametrize(
    ("kind", "code", "digits"),
    [
        ("UMK", "32", 4),
        ("UMK", "320101", 4),
        ("UMK", "", 4),
        ("UMP", "3201", 2),
        ("UMP", "3", 2),
    ],
)
def test_a_umk_needs_a_regency_code_and_a_ump_a_province_code(kind, code, digits):
    row, findings = _read(kind=kind, region_code=code)
    assert row is None
    assert _problems(findings) == [("WAGE_REGION_LEVEL", "region_code")]
    assert findings[0].params == {"kind": kind, "digits": digits, "value": code}


@pytest.mark.parametrize(("kind", "code"), [("UMK", "3299"), ("UMP", "99")])
def test_a_code_of_the_right_length_must_be_an_official_region(kind, code):
    row, findings = _read(kind=kind, region_code=code)
    assert row is None
    assert _problems(findings) == [("WAGE_REGION_UNKNOWN", "region_code")]
    assert findings[0].params == {"value": code}


@pytest.mark.parametrize("year", ["", "25", "1899", "2125", "2025.0", "20 25", "year"])
def test_a_year_must_be_a_four_digit_year(year):
    row, findings = _read(year=year)
    assert row is None
    assert _problems(findings) == [("WAGE_YEAR_INVALID", "year")]
    assert findings[0].params == {"value": year}


@pytest.mark.parametrize(
    "amount",
    [
        "",
        "0",
        "99999",
        "100000000",
        "4.877.211",
        "4,877,211",
        "Rp4877211",
        "4877211.50",
        "-4877211",
    ],
)
def test_an_amount_must_be_a_monthly_wage_in_whole_rupiah(amount):
    row, findings = _read(amount=amount)
    assert row is None
    assert _problems(findings) == [("WAGE_AMOUNT_INVALID", "amount")]
    assert findings[0].params == {"value": amount}


@pytest.mark.parametrize("amount", ["100000", "99999999"])
def test_the_amount_bounds_are_inclusive(amount):
    row, findings = _read(amount=amount)
    assert findings == []
    assert row is not None
    assert row.wage.amount == int(amount)


@pytest.mark.parametrize("instrument", ["", "   ", None])
def test_every_wage_cites_its_decree(instrument):
    row, findings = _read(instrument=instrument)
    assert row is None
    assert _problems(findings) == [("WAGE_SOURCE_MISSING", "instrument")]


def test_every_error_of_a_row_is_reported_at_once():
    row, findings = _read(
        kind="UMP", region_code="3201", year="later", amount="lots", instrument=""
    )
    assert row is None
    assert _problems(findings) == [
        ("WAGE_REGION_LEVEL", "region_code"),
        ("WAGE_YEAR_INVALID", "year"),
        ("WAGE_AMOUNT_INVALID", "amount"),
        ("WAGE_SOURCE_MISSING", "instrument"),
    ]


def test_an_unknown_kind_and_an_unknown_region_are_both_reported():
    row, findings = _read(kind="UMR", region_code="9999")
    assert row is None
    assert _problems(findings) == [
        ("WAGE_KIND_UNKNOWN", "kind"),
        ("WAGE_REGION_UNKNOWN", "region_code"),
    ]


def test_an_empty_row_reports_every_field():
    row, findings = read_row(2, {}, KNOWN)
    assert row is None
    assert [f.column for f in findings] == ["kind", "region_code", "year", "amount", "instrument"]
    assert all(f.is_error for f in findings)
    assert all(f.message for f in findings)


# -- the wage in force -------------------------------------------------------------------------


def umk(amount, year, code="3201"):
    return MinimumWage(amount, WageKind.UMK, code, year, f"Kepgub UMK {year}")


def ump(amount, year, code="32"):
    return MinimumWage(amount, WageKind.UMP, code, year, f"Kepgub UMP {year}")


VILLAGE = "3201012001"  # a village of regency 3201, province 32


def test_the_regency_umk_beats_the_province_ump():
    wages = [ump(2_191_232, 2025), umk(4_877_211, 2025)]
    assert applicable_wage(wages, VILLAGE, 2025, 3_000_000) == umk(4_877_211, 2025)


def test_the_province_ump_applies_where_the_regency_has_no_umk():
    wages = [ump(2_191_232, 2025), umk(5_000_000, 2025, code="3273")]
    assert applicable_wage(wages, VILLAGE, 2025, 3_000_000) == ump(2_191_232, 2025)


def test_the_latest_year_not_after_the_asked_year_wins():
    wages = [umk(4_000_000, 2023), umk(4_877_211, 2025), umk(4_500_000, 2024)]
    assert applicable_wage(wages, VILLAGE, 2025, 3_000_000) == umk(4_877_211, 2025)
    assert applicable_wage(wages, VILLAGE, 2024, 3_000_000) == umk(4_500_000, 2024)


def test_a_wage_of_a_later_year_is_ignored():
    wages = [umk(4_500_000, 2024), umk(4_877_211, 2025), ump(2_300_000, 2026)]
    assert applicable_wage(wages, VILLAGE, 2024, 3_000_000) == umk(4_500_000, 2024)


def test_an_old_umk_still_beats_a_newer_ump():
    wages = [umk(4_500_000, 2024), ump(2_191_232, 2025)]
    assert applicable_wage(wages, VILLAGE, 2025, 3_000_000) == umk(4_500_000, 2024)


def test_another_regencys_umk_is_ignored():
    wages = [umk(5_000_000, 2025, code="3273"), umk(2_300_000, 2025, code="3301")]
    wage = applicable_wage(wages, VILLAGE, 2025, 3_000_000)
    assert wage == MinimumWage(3_000_000, WageKind.DEFAULT)


def test_another_provinces_ump_is_ignored():
    wages = [ump(2_100_000, 2025, code="33")]
    assert applicable_wage(wages, VILLAGE, 2025, 3_000_000).kind is WageKind.DEFAULT


def test_a_wage_without_a_year_is_ignored():
    wages = [MinimumWage(4_877_211, WageKind.UMK, "3201")]
    assert applicable_wage(wages, VILLAGE, 2025, 3_000_000).kind is WageKind.DEFAULT


def test_without_any_wage_the_default_stands_in_and_is_not_official():
    wage = applicable_wage([], VILLAGE, 2025, 3_000_000)
    assert wage == MinimumWage(3_000_000, WageKind.DEFAULT)
    assert wage.official is False
    assert wage.year is None
    assert wage.instrument == ""


def test_a_regency_code_itself_finds_its_umk():
    assert applicable_wage([umk(4_877_211, 2025)], "3201", 2025, 3_000_000) == umk(4_877_211, 2025)


def test_wages_may_be_any_iterable():
    wages = iter([ump(2_191_232, 2025), umk(4_877_211, 2025)])
    assert applicable_wage(wages, VILLAGE, 2025, 3_000_000).kind is WageKind.UMK


WAGES = st.builds(
    MinimumWage,
    amount=st.integers(min_value=100_000, max_value=99_999_999),
    kind=st.sampled_from([WageKind.UMK, WageKind.UMP]),
    region_code=st.sampled_from(["32", "33", "3201", "3273", "3301"]),
    year=st.one_of(st.none(), st.integers(min_value=2018, max_value=2030)),
    instrument=st.just("Kepgub"),
)


@given(wages=st.lists(WAGES, max_size=20), year=st.integers(min_value=2016, max_value=2032))
def test_the_chosen_wage_is_never_from_a_later_year_and_a_umk_wins_when_there_is_one(wages, year):
    chosen = applicable_wage(wages, VILLAGE, year, 3_000_000)
    if chosen.kind is WageKind.DEFAULT:
        assert chosen == MinimumWage(3_000_000, WageKind.DEFAULT)
    else:
        assert chosen in wages
        assert chosen.year is not None
        assert chosen.year <= year
        assert chosen.region_code == {"UMK": "3201", "UMP": "32"}[chosen.kind]
    umks = [
        w
        for w in wages
        if w.kind is WageKind.UMK
        and w.region_code == "3201"
        and w.year is not None
        and w.year <= year
    ]
    if umks:
        assert chosen.kind is WageKind.UMK
        assert chosen.year == max(w.year for w in umks)
