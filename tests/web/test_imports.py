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
