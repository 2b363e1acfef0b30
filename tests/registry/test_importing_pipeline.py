"""The import gives the same result whether validation runs in-process or in a child process."""

import csv

import pytest
from django.db import connection

from sejahtera.domain.registry_format import HOUSEHOLD_COLUMN_NAMES, PERSON_COLUMN_NAMES
from sejahtera.registry.models import (
    ChangeRecord,
    DuplicateCandidate,
    Household,
    ImportRun,
    Person,
)
from sejahtera.registry.services import importing
from sejahtera.registry.services.importing import import_registry

from .test_importing import TODAY, household, person, read_report, write_csv

pytestmark = pytest.mark.django_db


def population() -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    households = [
        household("H1", kk_number="3201010101200001", assets="tv;motorcycle"),
        household("H2", region_code="3201019999"),  # REGION_UNKNOWN
        household("H3", floor_type="Ceramic", latitude="-6.5", longitude="106.8"),
        household("H1"),  # DUPLICATE_ID
        household("H4", latitude="-6.123456", longitude="106.654321", floor_area_m2="36.5"),
        household("H5", assets=";", address='Jl. "Mawar"\nNo. 5, RT\t1'),  # assets → ""
    ]
    households += [household(f"HX{i}", electricity_va=str(450 * i)) for i in range(30)]
    persons = [
        person("P1", "H1", nik="3201011501800001"),
        person("P2", "H1", nik="3201011501800001", full_name="Warga Dua"),  # NIK_DUPLICATE
        person("P3", "H1", birth_date="15/08/1987"),  # DATE_INVALID
        person("P4", "H2"),  # HOUSEHOLD_REJECTED
        person("P5", "H9"),  # HOUSEHOLD_UNKNOWN
        person("P6", "H4", nik="3201011501800003", sex="P"),  # NIK_SEX_MISMATCH warning
        person("P7", "H5", deceased_date="2020-02-02", pregnant="ya", sex="P"),
        person("P1", "H4"),  # DUPLICATE_ID
    ]
    persons += [
        person(f"PX{i}", f"HX{i % 30}", monthly_income_idr=str(1000 * i)) for i in range(60)
    ]
    return households, persons


def import_files(tmp_path, name: str, households, persons, **kwargs):
    h = write_csv(tmp_path / "households.csv", households, HOUSEHOLD_COLUMN_NAMES)
    p = write_csv(tmp_path / "persons.csv", persons, PERSON_COLUMN_NAMES)
    report = tmp_path / f"{name}.csv"
    summary = import_registry(
        households_path=h, persons_path=p, report_path=report, today=TODAY, **kwargs
    )
    return summary, read_report(report)


def snapshot() -> dict[str, object]:
    fields = ("external_id", "household__external_id", "nik", "nik_warnings", "version")
    return {
        "households": sorted(
            Household.objects.values_list(
                "external_id", "village_id", "address", "assets", "latitude", "floor_area_m2"
            )
        ),
        "persons": sorted(Person.objects.values_list(*fields)),
        "changes": sorted(ChangeRecord.objects.values_list("entity", "changes")),
        "duplicates": DuplicateCandidate.objects.count(),
    }


def comparable(summary) -> dict[str, object]:
    data = summary.as_dict()
    del data["run_id"], data["report_path"]
    return data


def run_twice(tmp_path, name: str) -> tuple[list, list, dict[str, object]]:
    """Import, then import again with two changed rows; the summaries, reports and tables."""
    households, persons = population()
    first, first_report = import_files(tmp_path, f"{name}-1", households, persons, batch_size=7)
    households[0]["floor_type"] = "earth"
    persons[-1]["monthly_income_idr"] = "1"
    second, second_report = import_files(tmp_path, f"{name}-2", households, persons, batch_size=7)
    return (
        [comparable(first), comparable(second)],
        [first_report, second_report],
        snapshot(),
    )


def reset_registry() -> None:
    DuplicateCandidate.objects.all().delete()
    if connection.vendor == "postgresql":
        # The change history is append-only there (decision 10): only its owner's TRUNCATE
        # empties it, as the test database's own flush does.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred checks pending
            # CASCADE: tables that point into the history (correction requests) go with it
            cursor.execute(f"TRUNCATE {ChangeRecord._meta.db_table} CASCADE")
    else:
        ChangeRecord.objects.all().delete()
    Person.objects.all().delete()
    Household.objects.all().delete()


def test_child_process_validation_gives_the_same_result_as_in_process(db, tmp_path, monkeypatch):
    monkeypatch.setattr(importing, "PIPELINE_MIN_ROWS", 10**12)
    in_process = run_twice(tmp_path, "in-process")
    reset_registry()
    monkeypatch.setattr(importing, "PIPELINE_MIN_ROWS", 0)
    in_child = run_twice(tmp_path, "in-child")

    assert in_child == in_process
    summaries, reports, _ = in_child
    assert summaries[0]["households"] == {
        "created": 33,
        "updated": 0,
        "unchanged": 0,
        "rejected": 3,
    }
    assert summaries[1]["households"] == {
        "created": 0,
        "updated": 1,
        "unchanged": 32,
        "rejected": 3,
    }
    assert summaries[1]["persons"] == {"created": 0, "updated": 1, "unchanged": 63, "rejected": 4}
    codes = {row["code"] for row in reports[0]}
    assert {"DUPLICATE_ID", "HOUSEHOLD_REJECTED", "HOUSEHOLD_UNKNOWN", "NIK_DUPLICATE"} <= codes
    h5 = Household.objects.get(external_id="H5")
    # An empty string (not NULL) and text with quotes, a newline and a tab survive the COPY.
    assert (h5.assets, h5.address, h5.version) == ("", 'Jl. "Mawar"\nNo. 5, RT\t1', 1)


def test_an_interrupted_import_in_a_child_process_stops_it_and_can_be_run_again(
    db, tmp_path, monkeypatch
):
    monkeypatch.setattr(importing, "PIPELINE_MIN_ROWS", 0)
    households, persons = population()

    def interrupt(stage: str, done: int, total: int) -> None:
        if stage == "persons.csv" and done >= 20:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        import_files(tmp_path, "r1", households, persons, batch_size=4, progress=interrupt)
    assert 0 < Person.objects.count() < 64

    summary, _ = import_files(tmp_path, "r2", households, persons, batch_size=4)
    assert Person.objects.count() == 64
    assert summary.persons.created + summary.persons.unchanged == 64


def test_a_file_that_fails_while_read_in_the_child_fails_the_import(db, tmp_path, monkeypatch):
    monkeypatch.setattr(importing, "PIPELINE_MIN_ROWS", 0)
    h = tmp_path / "households.csv"
    # Opening the file succeeds; reading the second row fails (a field over the csv limit).
    h.write_text(
        f"household_id,region_code,address\nH1,3201011002,\nH2,3201011002,{'x' * 200_000}\n"
    )
    with pytest.raises(csv.Error, match="field larger than field limit"):
        import_registry(households_path=h, report_path=tmp_path / "r.csv", today=TODAY)
    assert ImportRun.objects.get().status == ImportRun.Status.FAILED


@pytest.mark.skipif(connection.vendor != "postgresql", reason="planner statistics: PostgreSQL")
def test_a_large_import_leaves_fresh_planner_statistics(db, tmp_path, monkeypatch):
    monkeypatch.setattr(importing, "PIPELINE_MIN_ROWS", 0)  # what counts as large
    import_files(tmp_path, "r1", *population())

    def estimated_rows(model) -> float:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [model._meta.db_table]
            )
            return cursor.fetchone()[0]

    assert estimated_rows(Household) == Household.objects.count()
    assert estimated_rows(Person) == Person.objects.count() == 64
