import csv
import io

import pytest
from openpyxl import load_workbook

from sejahtera.accounts.models import Role, SensitiveAccess
from sejahtera.registry.models import Household

pytestmark = pytest.mark.django_db
VILLAGE = "3201011002"
OTHER_VILLAGE = "3273011001"


@pytest.fixture
def login(client):
    def log_in(user):
        client.force_login(user)
        return client

    return log_in


def test_each_role_lands_on_its_own_home(make_user, login):
    expected = {
        Role.VILLAGE_OPERATOR: "/registry/",
        Role.MINISTRY_ANALYST: "/dashboard/",
        Role.DISTRICT_OFFICE: "/dashboard/",
        Role.PARTNER_AGENCY: "/partner/",
    }
    for role, home in expected.items():
        response = login(make_user(role, VILLAGE if role == Role.VILLAGE_OPERATOR else None)).get(
            "/"
        )
        assert response.status_code == 302
        assert response.url == home


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get("/registry/")
    assert response.status_code == 302
    assert response.url.startswith("/login/")


def test_an_operator_sees_only_their_village(make_user, login, household_factory):
    mine = household_factory(VILLAGE)
    theirs = household_factory(
        OTHER_VILLAGE,
        members=[
            {
                "full_name": "Dewi Lestari",
                "sex": "P",
                "birth_date": "1985-02-03",
                "relationship": "head",
            }
        ],
    )
    client = login(make_user(Role.VILLAGE_OPERATOR, VILLAGE))
    page = client.get("/registry/").content.decode()
    assert "Siti Aminah" in page
    assert "Dewi Lestari" not in page
    assert client.get(f"/registry/households/{mine.pk}/").status_code == 200
    assert client.get(f"/registry/households/{theirs.pk}/").status_code == 404
    assert client.get(f"/registry/households/{theirs.pk}/edit/").status_code == 404
    # A region filter never widens the scope.
    assert "Dewi Lestari" not in client.get("/registry/?region=32").content.decode()


def test_a_partner_agency_cannot_open_the_registry(make_user, login, household_factory):
    household = household_factory(VILLAGE)
    client = login(make_user(Role.PARTNER_AGENCY))
    assert client.get("/registry/").status_code == 403
    assert client.get(f"/registry/households/{household.pk}/").status_code == 403
    assert client.get("/registry/export.csv").status_code == 403


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("3201014508900001", True),
        ("siti", True),
        ("SITI AMINAH", True),
        ("aminah", True),
        ("3201", True),
        ("3201 0145 0890 0001", True),  # as printed on the card
        ("3201.0145-0890", True),
        ("budi", False),
    ],
)
def test_search_by_nik_name_or_prefix(make_user, login, household_factory, query, found):
    household_factory(VILLAGE)
    client = login(make_user(Role.DISTRICT_OFFICE, "3201"))
    page = client.get("/registry/", {"q": query}).content.decode()
    assert (">Siti Aminah</a>" in page) is found


def test_search_results_sort_by_a_column_and_show_dates_in_indonesian(
    make_user, login, household_factory
):
    household_factory(VILLAGE)
    client = login(make_user(Role.DISTRICT_OFFICE, "3201"))
    page = client.get("/registry/", {"sort": "-birth_date"}).content.decode()
    assert '<th aria-sort="descending"><a href="?sort=birth_date">Tanggal lahir ▼</a></th>' in page
    assert "5 Agustus 1990" in page
    assert client.get("/registry/", {"sort": "nik"}).status_code == 400  # not a sortable column


def test_the_region_filter_takes_a_name_within_the_scope(make_user, login, household_factory):
    """ "Karadenan" is one village; "Cibinong" a district and two villages of the regency (one
    more outside it); a place outside the office's regency is not found."""
    household_factory(VILLAGE)
    client = login(make_user(Role.DISTRICT_OFFICE, "3201"))
    page = client.get("/registry/", {"region": "KARADENAN"}).content.decode()
    assert ">Siti Aminah</a>" in page
    assert 'value="3201011002"' in page
    several = client.get("/registry/", {"region": "Cibinong"}).content.decode()
    assert ">Siti Aminah</a>" not in several
    assert (
        "Beberapa wilayah cocok dengan “Cibinong”: Cibinong (320101), Cibinong (3201011006), "
        "Cibinong (3201112008). Pilih salah satu dengan kodenya."
    ) in several
    assert "3214032006" not in several
    outside = client.get("/registry/", {"region": "Kota Bandung"}).content.decode()
    assert "Tidak ada wilayah di area Anda yang bernama “Kota Bandung”." in outside
    assert client.get("/registry/", {"region": "x" * 500}).status_code == 200


def test_search_by_kk_number(make_user, login, household_factory):
    household_factory(VILLAGE, kk_number="3201010101200001")
    client = login(make_user(Role.DISTRICT_OFFICE, "3201"))
    assert "Siti Aminah" in client.get("/registry/", {"q": "3201010101200001"}).content.decode()


def test_household_page_shows_members_history_and_logs_the_sensitive_read(
    make_user, login, household_factory
):
    household = household_factory(
        VILLAGE,
        members=[
            {
                "full_name": "Siti Aminah",
                "sex": "P",
                "birth_date": "1990-08-05",
                "relationship": "head",
                "nik": "3201014508900001",
                "disability": "physical",
                "disability_severity": "severe",
            },
        ],
    )
    operator = make_user(Role.VILLAGE_OPERATOR, VILLAGE)
    page = login(operator).get(f"/registry/households/{household.pk}/").content.decode()
    assert "Siti Aminah" in page
    assert "Berat" in page  # severity, shown in Indonesian to those who may read it
    log = SensitiveAccess.objects.get(user=operator)
    assert log.record_ids == [household.members.get().pk]


def test_analysts_see_specific_personal_data_masked(make_user, login, household_factory):
    household = household_factory(
        VILLAGE,
        members=[
            {
                "full_name": "Siti Aminah",
                "sex": "P",
                "birth_date": "1990-08-05",
                "relationship": "head",
                "hiv": "true",
                "disability": "physical",
                "disability_severity": "severe",
            },
        ],
    )
    analyst = make_user(Role.MINISTRY_ANALYST)
    page = login(analyst).get(f"/registry/households/{household.pk}/").content.decode()
    assert "•••" in page
    assert "Berat" not in page
    assert not SensitiveAccess.objects.filter(user=analyst).exists()


def test_register_a_household_fixing_an_invalid_nik(make_user, login):
    client = login(make_user(Role.VILLAGE_OPERATOR, VILLAGE))
    form = {
        "region_code": VILLAGE,
        "address": "Jl. Mawar 5",
        "m-TOTAL_FORMS": "2",
        "m-INITIAL_FORMS": "0",
        "m-MIN_NUM_FORMS": "1",
        "m-MAX_NUM_FORMS": "1000",
        "m-0-full_name": "Budi Santoso",
        "m-0-sex": "L",
        "m-0-birth_date": "1980-01-15",
        "m-0-relationship": "head",
        "m-0-nik": "3201011501800001",
        "m-1-full_name": "Ani Santoso",
        "m-1-sex": "P",
        "m-1-birth_date": "2015-03-02",
        "m-1-relationship": "child",
        "m-1-nik": "9901014203150001",
    }
    response = client.post("/registry/households/new/", form)
    assert response.status_code == 200
    assert "Kode provinsi 99 pada NIK tidak ada" in response.content.decode()
    assert not Household.objects.exists()

    form["m-1-nik"] = "3201014203150001"
    response = client.post("/registry/households/new/", form)
    household = Household.objects.get()
    assert response.status_code == 302
    assert response.url == f"/registry/households/{household.pk}/"
    assert household.members.count() == 2


def test_registration_takes_numbers_written_the_indonesian_way(make_user, login):
    client = login(make_user(Role.VILLAGE_OPERATOR, VILLAGE))
    form = {
        "region_code": VILLAGE,
        "address": "Jl. Melati 7",
        "kk_number": "3201 0120 0198 0001",
        "m-TOTAL_FORMS": "1",
        "m-INITIAL_FORMS": "0",
        "m-MIN_NUM_FORMS": "1",
        "m-MAX_NUM_FORMS": "1000",
        "m-0-full_name": "Dewi Lestari",
        "m-0-sex": "P",
        "m-0-birth_date": "1980-01-15",
        "m-0-relationship": "head",
        "m-0-nik": "3201 0155 0180 0002",
        "m-0-monthly_income_idr": "Rp 2.250.000",
        "floor_area_m2": "36,5 m²",
        "electricity_va": "1.300 VA",
        "latitude": "-6,4812",
        "longitude": "106,8",
    }
    response = client.post("/registry/households/new/", form)
    assert response.status_code == 302, response.content.decode()[:3000]
    household = Household.objects.get()
    assert household.kk_number == "3201012001980001"
    assert (household.floor_area_m2, household.electricity_va) == (36.5, 1300)
    assert float(household.latitude) == -6.4812
    head = household.members.get()
    assert head.nik == "3201015501800002"
    assert head.monthly_income_idr == 2_250_000
    form["m-0-monthly_income_idr"] = "2,250,000"
    refused = client.post("/registry/households/new/", form, HTTP_ACCEPT_LANGUAGE="en")
    assert "Write a whole rupiah amount" in refused.content.decode()


def test_live_nik_check_explains_the_nik_in_indonesian(make_user, login):
    client = login(make_user(Role.VILLAGE_OPERATOR, VILLAGE))
    ok = client.get(
        "/registry/nik-check/",
        {
            "prefix": "m-0-",
            "m-0-nik": "3201014508900001",
            "m-0-sex": "P",
            "m-0-birth_date": "1990-08-05",
        },
    )
    assert "NIK sah" in ok.content.decode()
    assert "Kabupaten Bogor" in ok.content.decode()
    bad = client.get("/registry/nik-check/", {"prefix": "", "nik": "32010145089"})
    assert "NIK harus 16 digit" in bad.content.decode()
    mismatch = client.get("/registry/nik-check/", {"nik": "3201014508900001", "sex": "L"})
    assert "jenis kelamin" in mismatch.content.decode()


def test_edit_conflict_is_reported_not_overwritten(make_user, login, household_factory):
    household = household_factory(VILLAGE, floor_type="earth")
    client = login(make_user(Role.VILLAGE_OPERATOR, VILLAGE))
    form = {"region_code": VILLAGE, "floor_type": "ceramic", "version": "1"}
    assert client.post(f"/registry/households/{household.pk}/edit/", form).status_code == 302
    form["floor_type"] = "wood"
    response = client.post(f"/registry/households/{household.pk}/edit/", form)
    assert "mengubah rumah tangga ini" in response.content.decode()
    household.refresh_from_db()
    assert household.floor_type == "ceramic"


def test_exports_are_registry_format_and_masked_for_analysts(make_user, login, household_factory):
    household_factory(
        VILLAGE,
        members=[
            {
                "full_name": "Siti Aminah",
                "sex": "P",
                "birth_date": "1990-08-05",
                "relationship": "head",
                "hiv": "true",
            },
        ],
    )
    response = login(make_user(Role.VILLAGE_OPERATOR, VILLAGE)).get("/registry/export.csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [(r["full_name"], r["hiv"]) for r in rows] == [("Siti Aminah", "true")]

    response = login(make_user(Role.MINISTRY_ANALYST)).get("/registry/export.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    header, row = [c.value for c in sheet[1]], [c.value for c in sheet[2]]
    assert row[header.index("full_name")] == "Siti Aminah"
    assert row[header.index("hiv")] in (None, "")


def test_analysts_see_children_masked_in_search_results(make_user, login, household_factory):
    household_factory(
        VILLAGE,
        members=[
            {
                "full_name": "Budi Santoso",
                "sex": "L",
                "birth_date": "1980-01-15",
                "relationship": "head",
            },
            {
                "full_name": "Ani Santoso",
                "sex": "P",
                "birth_date": "2015-03-02",
                "relationship": "child",
                "nik": "3201014203150001",
            },
        ],
    )
    analyst_page = login(make_user(Role.MINISTRY_ANALYST)).get("/registry/").content.decode()
    assert "Budi Santoso" in analyst_page
    assert "Ani Santoso" not in analyst_page
    assert "3201014203150001" not in analyst_page
    operator_page = (
        login(make_user(Role.VILLAGE_OPERATOR, VILLAGE)).get("/registry/").content.decode()
    )
    assert "Ani Santoso" in operator_page
