import pytest

from sejahtera.accounts.models import Role
from sejahtera.registry.dashboard import dashboard_for
from sejahtera.registry.services.statistics import refresh_figures

pytestmark = pytest.mark.django_db
BOGOR = "3201011002"
BANDUNG = "3273011001"
NEIGHBOUR_VILLAGE = "3201011001"  # Pondok Rajeg, the same district as BOGOR


@pytest.fixture
def two_provinces(household_factory):
    household_factory(BOGOR)
    household_factory(
        BOGOR,
        members=[
            {"full_name": "Budi", "sex": "L", "birth_date": "1950-01-01", "relationship": "head"},
            {
                "full_name": "Ani",
                "sex": "P",
                "birth_date": "2022-05-05",
                "relationship": "grandchild",
            },
        ],
    )
    household_factory(
        "1101012001",
        members=[
            {"full_name": "Teuku", "sex": "L", "birth_date": "1970-07-07", "relationship": "head"},
        ],
    )
    refresh_figures()


def test_national_figures_break_down_by_province(make_user, two_provinces):
    figures = dashboard_for(make_user(Role.MINISTRY_ANALYST))
    assert figures.region is None
    assert {(a.code, a.persons, a.households) for a in figures.areas} == {
        ("32", 3, 2),
        ("11", 1, 1),
    }
    assert figures.total.persons == 4
    assert figures.total.without_nik == 3
    assert figures.age_sex["70+"] == {"L": 1, "P": 0}
    assert figures.age_sex["0-6"] == {"L": 0, "P": 1}


def test_drilling_down_goes_province_regency_district(make_user, two_provinces):
    analyst = make_user(Role.MINISTRY_ANALYST)
    assert [a.code for a in dashboard_for(analyst, "32").areas] == ["3201"]
    assert [a.name for a in dashboard_for(analyst, "3201").areas] == ["Cibinong"]


def test_a_regional_office_never_sees_beyond_its_region(make_user, two_provinces):
    office = make_user(Role.DISTRICT_OFFICE, "3201")
    figures = dashboard_for(office, "11")  # asks for Aceh
    assert figures.region.code == "3201"
    assert figures.total.persons == 3


def test_a_village_operator_sees_only_their_village_not_the_district(
    make_user, client, household_factory, two_provinces
):
    household_factory(NEIGHBOUR_VILLAGE)  # same district as BOGOR, another village
    refresh_figures()
    operator = make_user(Role.VILLAGE_OPERATOR, BOGOR)
    figures = dashboard_for(operator, "32")  # asks for the province
    assert figures.region.code == BOGOR
    assert (figures.total.persons, figures.total.households) == (3, 2)
    assert [(a.code, a.persons) for a in figures.areas] == [(BOGOR, 3)]
    assert figures.age_sex["70+"] == {"L": 1, "P": 0}
    client.force_login(operator)
    data = client.get("/dashboard/regions.json").json()
    assert list(data["areas"]) == [BOGOR]
    exported = b"".join(client.get("/dashboard/export.csv").streaming_content).decode()
    assert NEIGHBOUR_VILLAGE not in exported
    assert "320101," not in exported


def test_dashboard_page_and_map_data(make_user, client, two_provinces):
    client.force_login(make_user(Role.MINISTRY_ANALYST))
    page = client.get("/dashboard/", {"indicator": "households"})
    assert page.status_code == 200
    body = page.content.decode()
    assert 'id="map"' in body
    assert "Jawa Barat" in body
    data = client.get("/dashboard/regions.json").json()
    assert data["areas"]["32"]["persons"] == 3
    assert client.get("/dashboard/provinces.geojson").status_code == 200
    drilled = client.get("/dashboard/", {"region": "32"}).content.decode()
    assert "Kabupaten Bogor" in drilled
    assert 'id="map"' not in drilled


def test_partners_have_no_dashboard(make_user, client):
    client.force_login(make_user(Role.PARTNER_AGENCY))
    assert client.get("/dashboard/").status_code == 403


def test_the_region_table_exports_to_csv_and_xlsx(make_user, client, two_provinces):
    import io

    from openpyxl import load_workbook

    client.force_login(make_user(Role.MINISTRY_ANALYST))
    csv_text = b"".join(client.get("/dashboard/export.csv").streaming_content).decode()
    assert csv_text.splitlines()[0].startswith("code,name,persons,households")
    assert "32,Jawa Barat,3,2" in csv_text
    sheet = load_workbook(
        io.BytesIO(client.get("/dashboard/export.xlsx", {"region": "32"}).content)
    ).active
    # codes stay text, counts are numbers
    assert [c.value for c in sheet[2]][:3] == ["3201", "Kabupaten Bogor", 3]


def test_the_to_review_cards_open_the_persons_behind_them(client, make_user, two_provinces):
    client.force_login(make_user(Role.DISTRICT_OFFICE, "3201"))
    page = client.get("/dashboard/").content.decode()
    link = '<a class="stat" href="/registry/?concern=without_nik&region=3201">'
    assert link in page
    listed = client.get("/registry/", {"concern": "without_nik", "region": "3201"}).content.decode()
    assert ">Budi</a>" in listed
    assert ">Siti Aminah</a>" not in listed  # she has a NIK
    assert 'data-concern="without_nik"' in listed
    assert ">Ani</a>" in listed
    assert client.get("/registry/", {"concern": "everything"}).status_code == 400
    client.force_login(make_user(Role.MINISTRY_ANALYST))
    listed = client.get("/registry/", {"concern": "without_nik"}).content.decode()
    assert ">Budi</a>" in listed
    assert "Ani" not in listed  # a child the analyst sees masked is not singled out by a flag
