"""Another agency's NIK-keyed list imported row by row: good rows kept, each bad one reported
with its line, column and code."""

from datetime import date

import pytest
from click.testing import CliRunner
from django.core.exceptions import PermissionDenied

from sejahtera.accounts.models import Role
from sejahtera.cli import main
from sejahtera.registry.models import ReferenceList, ReferenceListEntry
from sejahtera.registry.services.reference_lists import (
    ReferenceListInvalid,
    import_reference_list,
)

pytestmark = pytest.mark.django_db
TODAY = date(2026, 12, 1)


def test_a_death_list_keeps_the_good_rows_and_reports_each_bad_one(tmp_path):
    path = tmp_path / "kematian.csv"
    path.write_text(
        "nik,date_of_death\n"
        "3201014202600001,2026-10-01\n"
        "3201014202600002,\n"
        "123,2026-10-01\n"
        "3201014202600003,01/10/2026\n"
        "3201014202600001,2026-10-02\n"
        ",2026-10-01\n",
        encoding="utf-8",
    )
    summary = import_reference_list(None, "deaths", path, today=TODAY)
    assert summary.kept == 2
    assert [(line, column, code) for line, column, code, _ in summary.rejected] == [
        (4, "nik", "NIK_LENGTH"),
        (5, "date_of_death", "DATE_INVALID"),
        (6, "nik", "DUPLICATE_ID"),
        (7, "nik", "REQUIRED"),
    ]
    listed = ReferenceList.objects.get()
    assert (listed.kind, listed.rows, listed.rejected) == ("deaths", 2, 4)
    entries = dict(ReferenceListEntry.objects.values_list("nik", "event_date"))
    assert entries == {"3201014202600001": date(2026, 10, 1), "3201014202600002": None}


def test_a_file_without_a_nik_column_imports_nothing(tmp_path):
    path = tmp_path / "pegawai.csv"
    path.write_text("nip,name\n1,A\n", encoding="utf-8")
    with pytest.raises(ReferenceListInvalid, match="nik"):
        import_reference_list(None, "civil_servants", path)
    assert not ReferenceList.objects.exists()


def test_only_administrators_import_lists(tmp_path, make_user):
    path = tmp_path / "pegawai.csv"
    path.write_text("nik\n3201014303820001\n", encoding="utf-8")
    with pytest.raises(PermissionDenied):
        import_reference_list(make_user(Role.DISTRICT_OFFICE, "3201"), "civil_servants", path)
    summary = import_reference_list(make_user(Role.ADMINISTRATOR), "civil_servants", path)
    assert summary.kept == 1


def test_the_command_reports_problems_and_exits_one(tmp_path):
    path = tmp_path / "kematian.csv"
    path.write_text("nik,date_of_death\n3201014202600001,2026-10-01\n99,\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["reference", "import", str(path), "--kind", "deaths"])
    assert result.exit_code == 1
    assert "1 NIKs kept, 1 problems" in result.output
    assert "line 3, nik: NIK_LENGTH" in result.output
