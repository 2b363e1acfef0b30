"""Pages, exports and API answers hold personal data: neither a browser (the next user of a
shared office computer pressing Back) nor a proxy keeps them. The public province map keeps
its own caching (static files are served before the check, by WhiteNoise)."""

import pytest

from sejahtera.accounts.models import Role

pytestmark = pytest.mark.django_db
VILLAGE = "3201011002"


@pytest.fixture
def office(client, make_user):
    client.force_login(make_user(Role.DISTRICT_OFFICE, "3201"))
    return client


def not_kept(response) -> bool:
    directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
    return {"no-store", "private"} <= directives


def test_a_household_page_an_export_and_a_search_are_not_kept(office, household_factory):
    family = household_factory(VILLAGE)
    for url in (f"/registry/households/{family.pk}/", "/registry/export.csv", "/registry/?q=a"):
        response = office.get(url)
        assert response.status_code == 200, url
        assert not_kept(response), (url, response.get("Cache-Control"))


def test_an_api_answer_and_a_public_answer_are_not_kept(client):
    assert not_kept(client.get("/api/v1/registry/households"))  # 401, still not kept
    assert not_kept(client.post("/layanan/cek-bansos/", {"nik": "1"}))


def test_the_province_map_keeps_its_caching(office):
    outline = office.get("/dashboard/provinces.geojson")
    assert outline["Cache-Control"] == "public, max-age=86400"
