"""Every registry page and API endpoint refuses users outside the record's region (404, never
revealing the record) and roles without registry access (403)."""

import pytest

from sejahtera.accounts.models import ApiToken, Role
from sejahtera.accounts.tokens import create_token

pytestmark = pytest.mark.django_db
HOME_VILLAGE = "3201011002"
OTHER_VILLAGE = "3273011001"


@pytest.fixture
def elsewhere(household_factory):
    return household_factory(OTHER_VILLAGE)


PAGES = [
    "/registry/households/{household}/",
    "/registry/households/{household}/edit/",
    "/registry/households/{household}/card.pdf",
    "/registry/persons/{person}/edit/",
]
ENDPOINTS = [
    ("get", "/api/v1/households/{household}"),
    ("put", "/api/v1/households/{household}"),
    ("post", "/api/v1/households/{household}/members"),
    ("get", "/api/v1/persons/{person}"),
    ("put", "/api/v1/persons/{person}"),
]


def _paths(template: str, household) -> str:
    return template.format(household=household.pk, person=household.members.get().pk)


def _body(endpoint: str) -> dict:
    """A valid body for the endpoint, so that only access decides the answer."""
    person = {"full_name": "X", "sex": "L", "birth_date": "1990-01-01", "relationship": "head"}
    if endpoint.endswith("members"):
        return person
    if endpoint.startswith("/api/v1/persons"):
        return {"version": 1, "person": person}
    return {"version": 1, "household": {"region_code": HOME_VILLAGE}}


def _call(client, method, path, secret, body):
    return getattr(client, method)(
        path,
        body if method != "get" else None,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )


@pytest.mark.parametrize("page", PAGES)
def test_pages_outside_the_users_region_are_not_found(client, make_user, elsewhere, page):
    client.force_login(make_user(Role.VILLAGE_OPERATOR, HOME_VILLAGE))
    assert client.get(_paths(page, elsewhere)).status_code == 404
    assert client.post(_paths(page, elsewhere), {"version": "1"}).status_code == 404


@pytest.mark.parametrize("page", [*PAGES, "/registry/", "/registry/export.csv", "/imports/"])
def test_partner_agencies_cannot_open_registry_pages(client, make_user, elsewhere, page):
    client.force_login(make_user(Role.PARTNER_AGENCY))
    assert client.get(_paths(page, elsewhere)).status_code == 403


@pytest.mark.parametrize(("method", "endpoint"), ENDPOINTS)
def test_endpoints_outside_the_users_region_are_not_found(
    client, make_user, elsewhere, method, endpoint
):
    _token, secret = create_token(
        make_user(Role.VILLAGE_OPERATOR, HOME_VILLAGE), "t", [s.value for s in ApiToken.Scope]
    )
    response = _call(client, method, _paths(endpoint, elsewhere), secret, _body(endpoint))
    assert response.status_code == 404


@pytest.mark.parametrize(("method", "endpoint"), ENDPOINTS)
def test_endpoints_refuse_partner_agencies(client, make_user, elsewhere, method, endpoint):
    _token, secret = create_token(
        make_user(Role.PARTNER_AGENCY), "t", [s.value for s in ApiToken.Scope]
    )
    response = _call(client, method, _paths(endpoint, elsewhere), secret, _body(endpoint))
    assert response.status_code == 403
