import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sejahtera.accounts.models import ApiToken, Role
from sejahtera.accounts.tokens import create_token
from sejahtera.domain.registry_format import HOUSEHOLD_COLUMN_NAMES, PERSON_COLUMN_NAMES
from sejahtera.registry.models import DistrictHouseholdFigure, Household, ImportRun

pytestmark = pytest.mark.django_db
VILLAGE = "3201011002"


def csv_upload(name: str, columns: tuple[str, ...], rows: list[dict[str, str]]):
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, restval="")
    writer.writeheader()
    writer.writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode(), content_type="text/csv")


def files():
    households = csv_upload(
        "households.csv",
        HOUSEHOLD_COLUMN_NAMES,
        [
            {"household_id": "H1", "region_code": VILLAGE},
            {"household_id": "H2", "region_code": "0000000000"},
        ],
    )
    persons = csv_upload(
        "persons.csv",
        PERSON_COLUMN_NAMES,
        [
            {
                "person_id": "P1",
                "household_id": "H1",
                "full_name": "Siti",
                "sex": "P",
                "birth_date": "1990-08-05",
                "relationship": "head",
            },
        ],
    )
    return households, persons


def test_upload_runs_in_the_background_and_reports(client, make_user):
    client.force_login(make_user(Role.DISTRICT_OFFICE, "3201"))
    households, persons = files()
    response = client.post("/imports/", {"households": households, "persons": persons})
    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert response.url == f"/imports/{run.pk}/"
    assert run.status == ImportRun.Status.COMPLETED  # the test task backend runs it at once
    assert run.summary["households"]["created"] == 1
    assert run.summary["households"]["rejected"] == 1
    assert run.progress["stage"] == "persons.csv"
    assert Household.objects.filter(external_id="H1").exists()
    assert DistrictHouseholdFigure.objects.filter(district_code="320101").exists()

    page = client.get(f"/imports/{run.pk}/").content.decode()
    assert "Selesai" in page
    assert '<p class="muted" data-files>households.csv, persons.csv</p>' in page
    listing = client.get("/imports/").content.decode()
    assert "households.csv, persons.csv" in listing
    assert str(run.households_file).rsplit("/", 2)[0] not in listing  # no server folders
    report = b"".join(client.get(f"/imports/{run.pk}/report.csv").streaming_content).decode()
    assert "REGION_UNKNOWN" in report


def test_an_unreadable_upload_fails_with_a_clear_message(client, make_user):
    client.force_login(make_user(Role.DISTRICT_OFFICE, "3201"))
    bad = SimpleUploadedFile("households.csv", b"nothing,useful\n1,2\n")
    client.post("/imports/", {"households": bad})
    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.FAILED
    assert "region_code" in run.error
    assert "region_code" in client.get(f"/imports/{run.pk}/").content.decode()


def test_wrong_file_types_are_refused_before_anything_runs(client, make_user):
    client.force_login(make_user(Role.DISTRICT_OFFICE, "3201"))
    response = client.post("/imports/", {"households": SimpleUploadedFile("h.pdf", b"%PDF")})
    assert "unsupported file type" in response.content.decode()
    assert not ImportRun.objects.exists()


def test_village_operators_and_analysts_cannot_import(client, make_user):
    for user in (make_user(Role.VILLAGE_OPERATOR, VILLAGE), make_user(Role.MINISTRY_ANALYST)):
        client.force_login(user)
        assert client.get("/imports/").status_code == 403


def test_users_see_only_their_own_imports(client, make_user):
    first, second = make_user(Role.DISTRICT_OFFICE, "3201"), make_user(Role.DISTRICT_OFFICE, "3201")
    client.force_login(first)
    households, persons = files()
    client.post("/imports/", {"households": households, "persons": persons})
    run = ImportRun.objects.get()
    client.force_login(second)
    assert client.get(f"/imports/{run.pk}/").status_code == 404
    assert client.get(f"/imports/{run.pk}/report.csv").status_code == 404


def test_imports_through_the_api(client, make_user):
    user = make_user(Role.DISTRICT_OFFICE, "3201")
    _token, secret = create_token(user, "t", [ApiToken.Scope.IMPORTS])
    households, persons = files()
    response = client.post(
        "/api/v1/imports",
        {"households": households, "persons": persons},
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert response.status_code == 202, response.content
    run_id = response.json()["id"]
    status = client.get(f"/api/v1/imports/{run_id}", HTTP_AUTHORIZATION=f"Bearer {secret}").json()
    assert status["status"] == "completed"
    assert status["summary"]["persons"]["created"] == 1
    assert status["report_url"].endswith(f"/imports/{run_id}/report.csv")


def test_a_file_that_is_not_really_xlsx_fails_its_run_with_a_message(client, make_user):
    client.force_login(make_user(Role.DISTRICT_OFFICE, "3201"))
    fake = SimpleUploadedFile("households.xlsx", b"this is not a workbook")
    client.post("/imports/", {"households": fake}, HTTP_ACCEPT_LANGUAGE="en")
    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.FAILED
    assert "not an XLSX workbook" in run.error
    assert "/imports/uploads/" not in run.error  # the file's name, not where the server keeps it


def test_an_unexpected_failure_reaches_the_run(client, make_user, monkeypatch):
    from sejahtera.registry import tasks

    def crash(**_kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(tasks, "import_registry", crash)
    client.force_login(make_user(Role.DISTRICT_OFFICE, "3201"))
    households, _persons = files()
    client.post("/imports/", {"households": households}, HTTP_ACCEPT_LANGUAGE="en")
    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.FAILED
    assert "RuntimeError" in run.error


def test_a_run_that_shows_no_life_is_marked_failed_when_looked_at(client, make_user, settings):
    from datetime import timedelta

    from django.utils import timezone

    office = make_user(Role.DISTRICT_OFFICE, "3201")
    long_ago = timezone.now() - timedelta(minutes=settings.SEJAHTERA_IMPORT_STALE_MINUTES + 1)
    killed = ImportRun.objects.create(
        created_by=office, status=ImportRun.Status.RUNNING, heartbeat_at=long_ago
    )
    alive = ImportRun.objects.create(
        created_by=office, status=ImportRun.Status.RUNNING, heartbeat_at=timezone.now()
    )
    client.force_login(office)
    page = client.get(f"/imports/{killed.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    killed.refresh_from_db()
    alive.refresh_from_db()
    assert killed.status == ImportRun.Status.FAILED
    assert "Run the same import again to finish it" in killed.error
    assert "Run the same import again" in page
    assert alive.status == ImportRun.Status.RUNNING


def test_uploads_are_size_limited_private_and_purged(client, make_user, settings, tmp_path):
    import stat
    from datetime import timedelta
    from pathlib import Path

    from django.utils import timezone

    from sejahtera.registry.services.uploads import purge_uploads

    settings.MEDIA_ROOT = tmp_path
    client.force_login(make_user(Role.DISTRICT_OFFICE, "3201"))
    settings.SEJAHTERA_MAX_UPLOAD_MB = 0
    households, _persons = files()
    refused = client.post("/imports/", {"households": households}, HTTP_ACCEPT_LANGUAGE="en")
    assert "more than the 0 MB an upload may be" in refused.content.decode()
    assert not ImportRun.objects.exists()

    settings.SEJAHTERA_MAX_UPLOAD_MB = 200
    households, _persons = files()
    client.post("/imports/", {"households": households})
    run = ImportRun.objects.get()
    upload = Path(run.households_file)
    assert stat.S_IMODE(upload.stat().st_mode) == 0o600
    assert stat.S_IMODE(upload.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(Path(run.report_file).stat().st_mode) == 0o600

    assert purge_uploads(timedelta(days=30), timezone.now()) == 0  # still within retention
    assert purge_uploads(timedelta(days=30), timezone.now() + timedelta(days=31)) == 1
    assert not upload.exists()
    assert not upload.parent.parent.exists()  # the run's folder goes with the file
    assert Path(run.report_file).exists()  # the report stays downloadable


def test_a_provincial_office_follows_its_districts_imports(client, make_user):
    bogor = make_user(Role.DISTRICT_OFFICE, "3201")
    aceh = make_user(Role.DISTRICT_OFFICE, "1101")
    province = make_user(Role.PROVINCIAL_OFFICE, "32")
    runs = {
        user: ImportRun.objects.create(created_by=user, status=ImportRun.Status.COMPLETED)
        for user in (bogor, aceh, province)
    }
    client.force_login(province)
    assert client.get(f"/imports/{runs[bogor].pk}/").status_code == 200
    assert client.get(f"/imports/{runs[aceh].pk}/").status_code == 404
    client.force_login(bogor)
    assert client.get(f"/imports/{runs[province].pk}/").status_code == 404
    assert client.get(f"/imports/{runs[bogor].pk}/").status_code == 200


def rejected_households(count: int):
    rows = [{"household_id": f"H{i}", "region_code": "0000000000"} for i in range(count)]
    return csv_upload("rumah-tangga.csv", HOUSEHOLD_COLUMN_NAMES, rows)


def test_the_import_page_lists_rejected_rows_in_indonesian_a_page_at_a_time(client, make_user):
    client.force_login(make_user(Role.DISTRICT_OFFICE, "3201"))
    client.post("/imports/", {"households": rejected_households(60)})
    run = ImportRun.objects.get()

    first = client.get(f"/imports/{run.pk}/").content.decode()
    assert first.count("<code>REGION_UNKNOWN</code>") == 50
    assert "bukan kode desa/kelurahan dalam daftar resmi" in first
    assert '<td data-label="Berkas">rumah-tangga.csv</td>' in first  # the name, not the path
    assert "Halaman 1 dari 2" in first
    second = client.get(f"/imports/{run.pk}/?page=2").content.decode()
    assert second.count("<code>REGION_UNKNOWN</code>") == 10
    assert ">H59<" in second


def test_warnings_have_their_own_tab(client, make_user):
    client.force_login(make_user(Role.DISTRICT_OFFICE, "3201"))
    households, persons = files()
    client.post("/imports/", {"households": households, "persons": persons})
    run = ImportRun.objects.get()

    warnings = client.get(f"/imports/{run.pk}/?show=warnings").content.decode()
    assert "REGION_UNKNOWN" not in warnings
    assert 'aria-current="page">Peringatan' in warnings
    assert "Tidak ada peringatan." in warnings
    assert client.get(f"/imports/{run.pk}/?show=everything").status_code == 400


def test_a_failed_import_says_once_what_happened_and_what_to_do(client, make_user, monkeypatch):
    from sejahtera.registry import tasks

    def explode(**_kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(tasks, "import_registry", explode)
    client.force_login(make_user(Role.DISTRICT_OFFICE, "3201"))
    households, persons = files()
    client.post("/imports/", {"households": households, "persons": persons})
    page = client.get(f"/imports/{ImportRun.objects.get().pk}/").content.decode()
    assert page.count("tetap ada") == 1
    assert "disk on fire" not in page  # the server's internals stay in its log
