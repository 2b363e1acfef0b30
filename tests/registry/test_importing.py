import csv
import json
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from openpyxl import Workbook

from sejahtera.domain.registry_format import HOUSEHOLD_COLUMN_NAMES, PERSON_COLUMN_NAMES
from sejahtera.registry.models import (
    ChangeRecord,
    DuplicateCandidate,
    Household,
    ImportRun,
    Person,
)
from sejahtera.registry.services.importing import ImportAborted, import_registry

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 30)
VILLAGE = "3201011002"  # Karadenan, Kabupaten Bogor


def household(household_id: str, **values: str) -> dict[str, str]:
    return {"household_id": household_id, "region_code": VILLAGE, "kk_number": "", **values}


def person(person_id: str, household_id: str, **values: str) -> dict[str, str]:
    return {
        "person_id": person_id,
        "household_id": household_id,
        "full_name": f"Warga {person_id}",
        "sex": "L",
        "birth_date": "1980-01-15",
        "relationship": "head",
        **values,
    }


def write_csv(path: Path, rows: list[dict[str, str]], columns: tuple[str, ...]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, restval="")
        writer.writeheader()
        writer.writerows(rows)
    return path


def run_import(tmp_path: Path, households: list, persons: list, **kwargs):
    h = write_csv(tmp_path / "households.csv", households, HOUSEHOLD_COLUMN_NAMES)
    p = write_csv(tmp_path / "persons.csv", persons, PERSON_COLUMN_NAMES)
    report = tmp_path / "report.csv"
    summary = import_registry(
        households_path=h, persons_path=p, report_path=report, today=TODAY, **kwargs
    )
    return summary, read_report(report)


def read_report(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def errors(report: list[dict[str, str]]) -> dict[tuple[str, str], set[str]]:
    """(file, record_id) → error codes."""
    found: dict[tuple[str, str], set[str]] = {}
    for row in report:
        if row["severity"] == "error":
            found.setdefault((row["file"], row["record_id"]), set()).add(row["code"])
    return found


@pytest.fixture
def regions(db):
    """The official regions (loaded once per session by tests/conftest.py)."""


def test_mixed_good_and_bad_rows_are_each_reported_and_good_rows_kept(regions, tmp_path):
    households = [
        household("H1", kk_number="3201010101200001", assets="tv;motorcycle"),
        household("H2", region_code="3201019999"),  # REGION_UNKNOWN
        household("H3", floor_type="Ceramic"),  # VALUE_NOT_ALLOWED
        household("H1"),  # DUPLICATE_ID
        household("H4", kk_number="12345"),  # KK_LENGTH
    ]
    persons = [
        person("P1", "H1", nik="3201011501800001"),
        person(
            "P2",
            "H1",
            relationship="spouse",
            sex="P",
            nik="3201015508820002",
            birth_date="1982-08-15",
        ),
        person("P3", "H1", birth_date="15/08/1987"),  # DATE_INVALID
        person("P4", "H2"),  # HOUSEHOLD_REJECTED
        person("P5", "H9"),  # HOUSEHOLD_UNKNOWN
        person("P6", "H1", nik="9901011501800001"),  # NIK_PROVINCE_UNKNOWN
        person("P7", "H1", full_name=""),  # REQUIRED_MISSING
        person("P8", "H1", nik="3201011501800003", sex="P"),  # valid with NIK_SEX_MISMATCH
    ]
    summary, report = run_import(tmp_path, households, persons)

    assert errors(report) == {
        ("households.csv", "H2"): {"REGION_UNKNOWN"},
        ("households.csv", "H3"): {"VALUE_NOT_ALLOWED"},
        ("households.csv", "H1"): {"DUPLICATE_ID"},
        ("households.csv", "H4"): {"KK_LENGTH"},
        ("persons.csv", "P3"): {"DATE_INVALID"},
        ("persons.csv", "P4"): {"HOUSEHOLD_REJECTED"},
        ("persons.csv", "P5"): {"HOUSEHOLD_UNKNOWN"},
        ("persons.csv", "P6"): {"NIK_PROVINCE_UNKNOWN"},
        ("persons.csv", "P7"): {"REQUIRED_MISSING"},
    }
    lines = {(r["record_id"], r["code"]): r["line"] for r in report}
    assert lines[("H1", "DUPLICATE_ID")] == "5"
    assert lines[("P3", "DATE_INVALID")] == "4"
    by_code = {r["code"]: r for r in report}
    assert by_code["VALUE_NOT_ALLOWED"]["column"] == "floor_type"
    assert "'Ceramic'" in by_code["VALUE_NOT_ALLOWED"]["message"]
    assert by_code["NIK_SEX_MISMATCH"]["severity"] == "warning"

    assert (summary.households.created, summary.households.rejected) == (1, 4)
    assert (summary.persons.created, summary.persons.rejected) == (3, 5)
    assert set(Household.objects.values_list("external_id", flat=True)) == {"H1"}
    assert set(Person.objects.values_list("external_id", flat=True)) == {"P1", "P2", "P8"}
    h1 = Household.objects.get(external_id="H1")
    assert h1.assets == "motorcycle;tv"
    assert h1.village_id == VILLAGE
    assert Person.objects.get(external_id="P8").nik_warnings == "NIK_SEX_MISMATCH"
    run = ImportRun.objects.get(pk=summary.run_id)
    assert run.status == ImportRun.Status.COMPLETED
    assert run.summary["persons"]["rejected"] == 5


def test_the_first_of_two_rows_with_one_id_stands_even_if_only_the_second_is_plain(
    regions, tmp_path
):
    # " H1" needs the validator (the space is stripped); the later "H1" alone would pass the
    # screen, yet it is the repeat.
    households = [household(" H1", address="first"), household("H1", address="second")]
    persons = [person(" P1", "H1", full_name="First"), person("P1", "H1", full_name="Second")]
    summary, report = run_import(tmp_path, households, persons)

    assert errors(report) == {
        ("households.csv", "H1"): {"DUPLICATE_ID"},
        ("persons.csv", "P1"): {"DUPLICATE_ID"},
    }
    assert [r["line"] for r in report] == ["3", "3"]
    assert (summary.households.created, summary.persons.created) == (1, 1)
    assert Household.objects.get().address == "first"
    assert Person.objects.get().full_name == "First"


def test_reimport_updates_instead_of_duplicating(regions, tmp_path):
    households = [household("H1", floor_type="earth"), household("H2")]
    persons = [person("P1", "H1"), person("P2", "H2", monthly_income_idr="500000")]
    run_import(tmp_path, households, persons)

    again, _ = run_import(tmp_path, households, persons)
    assert (again.households.unchanged, again.persons.unchanged) == (2, 2)
    assert (again.households.created, again.persons.created) == (0, 0)
    assert not ChangeRecord.objects.exists()

    households[0]["floor_type"] = "ceramic"
    persons[1]["monthly_income_idr"] = "750000"
    persons[1]["household_id"] = "H1"
    changed, _ = run_import(tmp_path, households, persons)
    assert (changed.households.updated, changed.households.unchanged) == (1, 1)
    assert (changed.persons.updated, changed.persons.unchanged) == (1, 1)
    assert Household.objects.count() == 2
    assert Person.objects.count() == 2

    h1 = Household.objects.get(external_id="H1")
    assert (h1.floor_type, h1.version) == ("ceramic", 2)
    change = ChangeRecord.objects.get(entity="household", record_id=h1.pk)
    assert change.changes == {"floor_type": ["earth", "ceramic"]}
    assert change.import_run_id == changed.run_id
    p2 = Person.objects.get(external_id="P2")
    assert p2.household_id == h1.pk
    person_change = ChangeRecord.objects.get(entity="person", record_id=p2.pk).changes
    assert person_change["monthly_income_idr"] == [500000, 750000]
    assert set(person_change) == {"monthly_income_idr", "household_id"}


def test_interrupted_import_can_be_run_again_without_loss_or_duplication(regions, tmp_path):
    households = [household(f"H{i}") for i in range(10)]
    persons = [person(f"P{i}", f"H{i % 10}") for i in range(25)]

    def interrupt(stage: str, done: int, total: int) -> None:
        if stage == "persons.csv" and done >= 10:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_import(tmp_path, households, persons, batch_size=4, progress=interrupt)
    failed = ImportRun.objects.get()
    assert failed.status == ImportRun.Status.FAILED
    assert 0 < Person.objects.count() < 25

    summary, _ = run_import(tmp_path, households, persons, batch_size=4)
    assert Household.objects.count() == 10
    assert Person.objects.count() == 25
    assert summary.households.unchanged == 10
    assert summary.persons.created + summary.persons.unchanged == 25
    assert summary.persons.created > 0


def test_a_nik_held_by_two_persons_is_kept_and_recorded_for_review(regions, tmp_path):
    nik = "3201011501800001"
    households = [household("H1"), household("H2")]
    persons = [person("P1", "H1", nik=nik), person("P2", "H2", nik=nik, full_name="Warga Dua")]
    summary, report = run_import(tmp_path, households, persons)

    assert Person.objects.filter(nik=nik).count() == 2
    candidate = DuplicateCandidate.objects.get()
    assert {candidate.person.external_id, candidate.other.external_id} == {"P1", "P2"}
    assert candidate.status == DuplicateCandidate.Status.OPEN
    assert summary.possible_duplicates == 1
    flagged = {r["record_id"] for r in report if r["code"] == "NIK_DUPLICATE"}
    assert "P2" in flagged

    again, _ = run_import(tmp_path, households, persons)
    assert again.possible_duplicates == 0
    assert DuplicateCandidate.objects.count() == 1


def test_persons_may_join_a_household_already_in_the_registry(regions, tmp_path):
    run_import(tmp_path, [household("H1")], [person("P1", "H1")])
    persons_only = write_csv(
        tmp_path / "more.csv", [person("P2", "H1", relationship="child")], PERSON_COLUMN_NAMES
    )
    empty_households = write_csv(tmp_path / "none.csv", [], HOUSEHOLD_COLUMN_NAMES)
    summary = import_registry(
        households_path=empty_households,
        persons_path=persons_only,
        today=TODAY,
        report_path=tmp_path / "r.csv",
    )
    assert summary.persons.created == 1
    assert Household.objects.get().members.count() == 2


@pytest.mark.parametrize("suffix", ["xlsx", "parquet"])
def test_xlsx_and_parquet_inputs_import_like_csv(regions, tmp_path, suffix):
    households = [
        household("H1", floor_area_m2="36.5", electricity_va="900"),
        household("H2", region_code="0000000000"),
    ]
    persons = [
        person("P1", "H1", pregnant="TRUE", sex="P", nik="3201015501800001"),
        person("P2", "H1", birth_date="2030-01-01"),
    ]

    def to_file(rows: list[dict[str, str]], columns: tuple[str, ...], name: str) -> Path:
        path = tmp_path / f"{name}.{suffix}"
        if suffix == "xlsx":
            workbook = Workbook()
            sheet = workbook.active
            sheet.append(list(columns))
            for row in rows:
                # Numbers as a spreadsheet would store them.
                sheet.append(
                    [
                        float(row[c])
                        if c in ("floor_area_m2", "electricity_va") and row.get(c)
                        else row.get(c, "")
                        for c in columns
                    ]
                )
            workbook.save(path)
        else:
            table = pa.table(
                {c: [row.get(c) or None for row in rows] for c in columns},
                schema=pa.schema([(c, pa.string()) for c in columns]),
            )
            pq.write_table(table, path)
        return path

    summary = import_registry(
        households_path=to_file(households, HOUSEHOLD_COLUMN_NAMES, "households"),
        persons_path=to_file(persons, PERSON_COLUMN_NAMES, "persons"),
        report_path=tmp_path / "report.csv",
        today=TODAY,
    )
    report = read_report(tmp_path / "report.csv")
    assert errors(report) == {
        (f"households.{suffix}", "H2"): {"REGION_UNKNOWN"},
        (f"persons.{suffix}", "P2"): {"DATE_IN_FUTURE"},
    }
    assert {r["line"] for r in report if r["record_id"] == "P2"} == {"3"}
    assert (summary.households.created, summary.persons.created) == (1, 1)
    h1 = Household.objects.get()
    assert (str(h1.floor_area_m2), h1.electricity_va) == ("36.50", 900)
    assert Person.objects.get().pregnant is True


def test_a_file_without_a_required_column_stops_the_import_before_writing(regions, tmp_path):
    h = tmp_path / "households.csv"
    h.write_text("household_id,address\nH1,Jl. Mawar\n", encoding="utf-8")
    with pytest.raises(ImportAborted, match="region_code"):
        import_registry(households_path=h)
    assert not ImportRun.objects.exists()
    assert not Household.objects.exists()


def test_unknown_columns_are_ignored_with_a_warning(regions, tmp_path):
    h = tmp_path / "households.csv"
    h.write_text(f"household_id,region_code,favourite_colour\nH1,{VILLAGE},blue\n")
    summary = import_registry(households_path=h, report_path=tmp_path / "r.csv")
    assert summary.households.created == 1
    assert summary.file_warnings == ["households.csv: unknown column 'favourite_colour' ignored"]


def test_cli_import_prints_a_json_summary_and_exits_zero_with_rejected_rows(regions, tmp_path):
    from click.testing import CliRunner

    from sejahtera.cli import main

    h = write_csv(
        tmp_path / "h.csv",
        [household("H1"), household("H2", region_code="1")],
        HOUSEHOLD_COLUMN_NAMES,
    )
    result = CliRunner().invoke(
        main, ["import", "--households", str(h), "--report", str(tmp_path / "r.csv"), "--json"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["households"] == {"created": 1, "updated": 0, "unchanged": 0, "rejected": 1}

    missing = CliRunner().invoke(main, ["import", "--households", str(tmp_path / "nope.csv")])
    assert missing.exit_code == 2
    assert "file not found" in missing.output


def test_imported_names_are_found_by_the_forgiving_search(
    regions, tmp_path, make_user, household_factory
):
    """On SQLite a bulk insert fills the name index in one statement, with the row-by-row
    trigger paused for its own transaction only (migration 0014)."""
    from django.db import connection

    from sejahtera.accounts.models import Role
    from sejahtera.registry.selectors import PersonSearch, search_persons

    households = [household("H1"), household("H2")]
    persons = [
        person("P1", "H1", full_name="Siti Aminah"),
        person("P2", "H2", full_name="Budi Santoso"),
    ]
    summary, _ = run_import(tmp_path, households, persons)
    assert summary.persons.created == 2
    analyst = make_user(Role.MINISTRY_ANALYST)
    search = search_persons(analyst, PersonSearch(query="Siti Aminh"))
    assert [p.full_name for p in search] == ["Siti Aminah"]
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM registry_person_name_paused")
            assert cursor.fetchone()[0] == 0
        # a person registered one at a time is indexed by the trigger, as before
        household_factory(
            members=[
                {
                    "full_name": "Ani Lestari",
                    "sex": "P",
                    "birth_date": "1990-01-01",
                    "relationship": "head",
                }
            ]
        )
        found = search_persons(analyst, PersonSearch(query="ani lestar"))
        assert [p.full_name for p in found] == ["Ani Lestari"]
