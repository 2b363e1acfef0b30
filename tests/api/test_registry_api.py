import pytest

from sejahtera.accounts.models import ApiToken, Role, SensitiveAccess
from sejahtera.accounts.tokens import create_token, revoke
from sejahtera.registry.models import Household

pytestmark = pytest.mark.django_db
VILLAGE = "3201011002"
ALL_SCOPES = [s.value for s in ApiToken.Scope]
HEAD = {
    "full_name": "Budi Santoso",
    "sex": "L",
    "birth_date": "1980-01-15",
    "relationship": "head",
    "nik": "3201011501800001",
}


@pytest.fixture
def api(client, make_user):
    """api(role, region=None, scopes=ALL) → a function calling the API as that user."""

    def make(role=Role.VILLAGE_OPERATOR, region=VILLAGE, scopes=ALL_SCOPES):
        _token, secret = create_token(make_user(role, region), "test", scopes)
        auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}

        def call(method, path, **kwargs):
            return getattr(client, method)(
                f"/api/v1{path}", content_type="application/json", **auth, **kwargs
            )

        return call

    return make


def test_without_a_valid_token_the_answer_is_401_problem_json(client):
    response = client.get("/api/v1/households")
    assert response.status_code == 401
    assert response.json()["title"] == "Unauthorized"
    bad = client.get("/api/v1/households", HTTP_AUTHORIZATION="Bearer sjt_nope")
    assert bad.status_code == 401


def test_a_revoked_token_stops_working(client, make_user):
    token, secret = create_token(make_user(Role.VILLAGE_OPERATOR, VILLAGE), "t", ALL_SCOPES)
    revoke(token)
    assert (
        client.get("/api/v1/households", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 401
    )


def test_create_read_and_update_a_household(api):
    call = api()
    created = call(
        "post",
        "/households",
        data={
            "household": {"region_code": VILLAGE, "floor_type": "earth"},
            "members": [
                HEAD,
                {
                    "full_name": "Ani",
                    "sex": "P",
                    "birth_date": "2015-03-02",
                    "relationship": "child",
                },
            ],
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["cells"]["floor_type"] == "earth"
    assert [m["cells"]["full_name"] for m in body["members"]] == ["Budi Santoso", "Ani"]

    household_id = body["id"]
    read = call("get", f"/households/{household_id}").json()
    assert read["version"] == 1
    updated = call(
        "put",
        f"/households/{household_id}",
        data={
            "version": 1,
            "household": {**read["cells"], "floor_type": "ceramic"} | {"household_id": None},
        },
    )
    assert updated.status_code == 422  # household_id is not a cell a client sends
    cells = {k: v for k, v in read["cells"].items() if k != "household_id"}
    updated = call(
        "put",
        f"/households/{household_id}",
        data={"version": 1, "household": {**cells, "floor_type": "ceramic"}},
    )
    assert updated.status_code == 200, updated.content
    assert updated.json()["version"] == 2
    stale = call(
        "put",
        f"/households/{household_id}",
        data={"version": 1, "household": {**cells, "floor_type": "wood"}},
    )
    assert stale.status_code == 409
    assert stale.json()["title"] == "Edit conflict"


def test_invalid_cells_come_back_as_field_errors_like_the_import(api):
    response = api()(
        "post",
        "/households",
        data={
            "household": {"region_code": VILLAGE, "floor_type": "Ceramic"},
            "members": [{**HEAD, "nik": "9901011501800001", "birth_date": "15/01/1980"}],
        },
    )
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    errors = {(e["field"], e["code"]) for e in response.json()["errors"]}
    assert errors == {
        ("household.floor_type", "VALUE_NOT_ALLOWED"),
        ("members.0.birth_date", "DATE_INVALID"),
        ("members.0.nik", "NIK_PROVINCE_UNKNOWN"),
    }
    assert not Household.objects.exists()


def test_region_limits_apply_to_every_endpoint(api, household_factory):
    theirs = household_factory("3273011001")
    call = api(Role.VILLAGE_OPERATOR, VILLAGE)
    assert call("get", f"/households/{theirs.pk}").status_code == 404
    assert call("get", f"/persons/{theirs.members.get().pk}").status_code == 404
    assert call("get", "/households").json()["count"] == 0
    assert call("get", "/persons", data={"region": "32"}).json()["count"] == 0
    assert call("post", f"/households/{theirs.pk}/members", data=HEAD).status_code == 404
    created = call(
        "post", "/households", data={"household": {"region_code": "3273011001"}, "members": [HEAD]}
    )
    assert created.status_code == 422
    assert created.json()["errors"][0]["code"] == "REGION_OUTSIDE_SCOPE"


def test_scopes_limit_what_a_token_may_do(api, household_factory):
    household = household_factory(VILLAGE)
    reader = api(Role.VILLAGE_OPERATOR, VILLAGE, scopes=["registry:read"])
    assert reader("get", f"/households/{household.pk}").status_code == 200
    response = reader(
        "post", "/households", data={"household": {"region_code": VILLAGE}, "members": [HEAD]}
    )
    assert response.status_code == 403


def test_roles_without_registry_access_are_refused(api, household_factory):
    household = household_factory(VILLAGE)
    partner = api(Role.PARTNER_AGENCY, None)
    assert partner("get", f"/households/{household.pk}").status_code == 403
    assert partner("get", "/persons").status_code == 403


def test_specific_data_is_masked_for_analysts_and_reads_are_logged(api, household_factory):
    household = household_factory(VILLAGE, members=[{**HEAD, "hiv": "true"}])
    analyst_view = api(Role.MINISTRY_ANALYST, None)("get", f"/households/{household.pk}").json()
    assert analyst_view["members"][0]["masked"] is True
    assert analyst_view["members"][0]["cells"]["hiv"] is None
    operator_view = api()("get", f"/households/{household.pk}").json()
    assert operator_view["members"][0]["cells"]["hiv"] == "true"
    assert SensitiveAccess.objects.filter(entity="person").count() == 1


def test_search_and_pagination(api, household_factory):
    for name in ("Siti Aminah", "Siti Rahma", "Budi"):
        household_factory(VILLAGE, members=[{**HEAD, "nik": "", "full_name": name}])
    call = api(Role.DISTRICT_OFFICE, "3201")
    first = call("get", "/persons", data={"q": "siti", "page_size": 1}).json()
    assert (first["count"], first["next_page"]) == (2, 2)
    second = call("get", "/persons", data={"q": "siti", "page_size": 1, "page": 2}).json()
    assert second["next_page"] is None
    names = {first["items"][0]["cells"]["full_name"], second["items"][0]["cells"]["full_name"]}
    assert names == {"Siti Aminah", "Siti Rahma"}
    assert call("get", "/persons", data={"page_size": 1000}).status_code == 422


def test_nik_check_matches_the_import_rules(api):
    call = api()
    ok = call("get", "/nik/3201014508900001", data={"sex": "L"}).json()
    assert ok["valid"] is True
    assert [w["code"] for w in ok["warnings"]] == ["NIK_SEX_MISMATCH"]
    bad = call("get", "/nik/12345").json()
    assert [e["code"] for e in bad["errors"]] == ["NIK_LENGTH"]


def test_openapi_schema_and_docs_are_published(client):
    schema = client.get("/api/openapi.json").json()
    assert schema["info"]["title"] == "Sejahtera API"
    assert "/api/v1/households" in schema["paths"]
    assert client.get("/api/docs").status_code == 200


def test_a_misspelt_filter_is_refused_not_ignored(api):
    response = api(Role.DISTRICT_OFFICE, "3201")("get", "/persons", data={"regoin": "32"})
    assert response.status_code == 422
    assert "regoin" in response.json()["title"]
