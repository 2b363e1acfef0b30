"""The official minimum-wage table: shipped, loaded row by row, found for a family's region."""

from __future__ import annotations

import csv

import pytest
from click.testing import CliRunner

from sejahtera.cases.models import MinimumWage
from sejahtera.cases.wages import SHIPPED_TABLE, load_minimum_wages, minimum_wage
from sejahtera.cli import main
from sejahtera.domain.wages import COLUMNS, WageKind

pytestmark = pytest.mark.django_db
DEFAULT = 3_000_000


def test_the_shipped_table_loads_whole_and_again_changes_nothing():
    with SHIPPED_TABLE.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert tuple(rows[0]) == COLUMNS
    report = load_minimum_wages()
    assert report.rejected == []
    assert report.loaded == len(rows) == MinimumWage.objects.count()
    before = list(MinimumWage.objects.order_by("pk").values())
    assert load_minimum_wages().loaded == len(rows)
    assert list(MinimumWage.objects.order_by("pk").values()) == before


@pytest.mark.parametrize(
    ("village", "kind", "amount"),
    [
        ("3201011002", WageKind.UMK, 4_877_211),  # Kabupaten Bogor: its own UMK
        ("3578010001", WageKind.UMK, 4_961_753),  # Kota Surabaya
        ("7302010001", WageKind.UMP, 3_657_527),  # Bulukumba: Sulawesi Selatan's UMP
        ("9501010001", WageKind.DEFAULT, DEFAULT),  # Jayawijaya: none loaded
    ],
)
def test_each_demo_regency_is_measured_against_its_wage(village, kind, amount):
    load_minimum_wages()
    wage = minimum_wage(village, 2026, DEFAULT)
    assert (wage.kind, wage.amount) == (kind, amount)
    assert wage.official is (kind is not WageKind.DEFAULT)
    if wage.official:
        assert wage.year == 2025
        assert wage.instrument.startswith("Keputusan Gubernur")


def test_a_wage_set_for_a_later_year_does_not_apply_yet():
    load_minimum_wages()
    assert minimum_wage("3201011002", 2024, DEFAULT).kind is WageKind.DEFAULT


def _write(path, rows):
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        writer.writerows(rows)
    return path


def test_a_bad_row_is_reported_by_line_and_field_and_the_good_rows_load(tmp_path):
    table = _write(
        tmp_path / "wages.csv",
        [
            ("3201", "2026", "5200000", "UMK", "Kepgub Jabar 2026", ""),
            ("32", "2026", "5200000", "UMK", "Kepgub Jabar 2026", ""),  # a UMK for a province
            ("3201", "2027", "lima juta", "UMK", "Kepgub Jabar 2027", ""),
            ("9999", "2026", "5200000", "UMK", "", ""),
        ],
    )
    report = load_minimum_wages(table)
    assert report.loaded == 1
    assert [(line, f.column, f.code) for line, f in report.rejected] == [
        (3, "region_code", "WAGE_REGION_LEVEL"),
        (4, "amount", "WAGE_AMOUNT_INVALID"),
        (5, "region_code", "WAGE_REGION_UNKNOWN"),
        (5, "instrument", "WAGE_SOURCE_MISSING"),
    ]
    assert list(MinimumWage.objects.values_list("region_id", "year", "amount")) == [
        ("3201", 2026, 5_200_000)
    ]


def test_the_command_loads_the_shipped_table_or_says_what_is_wrong(tmp_path):
    runner = CliRunner()
    loaded = runner.invoke(main, ["wages", "load"])
    assert loaded.exit_code == 0, loaded.output
    assert f"{MinimumWage.objects.count()} minimum wages loaded, 0 problems" in loaded.output
    bad = _write(tmp_path / "bad.csv", [("3201", "2026", "0", "UMK", "Kepgub", "")])
    refused = runner.invoke(main, ["wages", "load", str(bad)])
    assert refused.exit_code == 1
    assert "line 2, amount: WAGE_AMOUNT_INVALID" in refused.output
