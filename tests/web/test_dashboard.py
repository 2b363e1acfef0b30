import re

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
    # a child the analyst sees masked is not singled out by a flag: only the adults are listed
    names = re.findall(r'<a href="/registry/households/\d+/">([^<]*)</a>', listed)
    assert sorted(names) == ["Budi", "Teuku"]


# -- the ministry's question: the clusters served, programmes, deciles, the journey ----------

from ..programmes.conftest import enrolled  # noqa: E402, F401 (a fixture)
from ..targeting.conftest import population  # noqa: E402, F401 (a fixture)

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def test_the_dashboard_shows_clusters_served_programmes_deciles_and_journey(
    client,
    make_user,
    enrolled,  # noqa: F811
):
    client.force_login(make_user(Role.MINISTRY_ANALYST))
    page = client.get("/dashboard/", **EN)
    text = page.content.decode()
    clusters = {c["cluster"]: c for c in page.context["clusters"]}
    assert clusters["FAKIR_MISKIN"]["enrolled_persons"] > 0
    assert 'data-cluster="FAKIR_MISKIN"' in text
    assert "The poor" in text
    assert 'data-programme="SEMBAKO"' in text
    charts = page.context["charts"]
    assert set(charts) == {"clusters", "programmes", "deciles", "stages"}
    assert charts["clusters"]["persons"] == [c["persons"] for c in page.context["clusters"]]
    assert sum(charts["deciles"]["households"]) == 24  # every household has a decile
    assert "The journey" in text
    poverty = page.context["run"]["extreme_poor"]
    assert set(poverty) == {"households", "persons"}
    assert 'id="extreme-poor"' in text
    indonesian = client.get("/dashboard/").content.decode()
    assert "Fakir miskin" in indonesian
    assert "12 klaster PAS: terdata dan terlayani" in indonesian


@pytest.mark.parametrize(
    ("role", "region", "clusters", "journey"),
    [
        (Role.MINISTRY_ANALYST, None, True, True),
        (Role.PROGRAMME_MANAGER, None, True, True),
        (Role.AUDITOR, None, True, True),
        (Role.PROVINCIAL_OFFICE, "32", True, True),
        (Role.DISTRICT_OFFICE, "3201", True, True),
        (Role.SOCIAL_WORKER, "3201", True, True),
        (Role.SUPERVISOR, "3201", True, True),
        (Role.VILLAGE_OPERATOR, "3201011002", True, False),
        (Role.ADMINISTRATOR, None, True, True),
    ],
)
def test_each_part_of_the_dashboard_is_for_the_roles_that_may_read_it(
    client,
    make_user,
    enrolled,  # noqa: F811
    role,
    region,
    clusters,
    journey,
):
    client.force_login(make_user(role, region))
    page = client.get("/dashboard/", **EN)
    assert page.status_code == 200
    assert bool(page.context.get("clusters")) is clusters
    assert ("journey" in page.context) is journey
    assert ('id="stage-chart"' in page.content.decode()) is journey


def test_an_office_asking_for_another_region_gets_its_own(client, make_user, enrolled):  # noqa: F811
    from sejahtera.programmes.coverage import cluster_coverage

    refresh_figures()
    bandung = make_user(Role.DISTRICT_OFFICE, "3273")
    bogor_clusters = cluster_coverage(make_user(Role.MINISTRY_ANALYST), "3201")
    client.force_login(bandung)
    page = client.get("/dashboard/?region=3201", **EN)  # Bogor: not hers
    assert page.context["clusters"] == cluster_coverage(bandung, "3273") != bogor_clusters
    assert (
        page.context["run"]["programmes"]
        == client.get("/dashboard/", **EN).context["run"]["programmes"]
    )
    areas = client.get("/dashboard/regions.json?region=3201").json()["areas"]
    assert areas
    assert all(code.startswith("3273") for code in areas)


def test_partner_agencies_get_no_dashboard(client, make_user, enrolled):  # noqa: F811
    client.force_login(make_user(Role.PARTNER_AGENCY))
    assert client.get("/dashboard/").status_code == 403
    assert client.get("/dashboard/regions.json").status_code == 403


def test_the_map_colours_provinces_by_cluster_coverage(client, make_user, enrolled):  # noqa: F811
    refresh_figures()
    client.force_login(make_user(Role.MINISTRY_ANALYST))
    areas = client.get("/dashboard/regions.json").json()["areas"]
    java = areas["32"]
    assert java["cluster_persons"] > 0
    assert 0 < java["cluster_enrolled_percent"] <= 100
    page = client.get("/dashboard/?indicator=cluster_enrolled_percent", **EN)
    assert page.context["indicator"] == "cluster_enrolled_percent"
    assert 'data-percent="true"' in page.content.decode()
