"""Each API token has a request budget per period; beyond it the API answers 429 in
problem+json with Retry-After, and other tokens are unaffected."""

import pytest
from django.core.cache import cache

from sejahtera.accounts.models import ApiToken, Role
from sejahtera.accounts.tokens import create_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_per_minute(settings):
    settings.SEJAHTERA_API_RATE = "3/m"
    cache.clear()
    yield
    cache.clear()


def _bearer(user) -> dict[str, str]:
    _token, secret = create_token(user, "t", [ApiToken.Scope.REGISTRY_READ])
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


@pytest.mark.usefixtures("three_per_minute")
def test_a_token_beyond_its_budget_waits(client, make_user):
    office = make_user(Role.DISTRICT_OFFICE, "3201")
    first, other = _bearer(office), _bearer(office)
    statuses = [client.get("/api/v1/households", **first).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = client.get("/api/v1/households", **first)
    assert refused["Content-Type"] == "application/problem+json"
    assert refused.json()["status"] == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert client.get("/api/v1/households", **other).status_code == 200


@pytest.mark.usefixtures("three_per_minute")
def test_a_request_without_a_valid_token_is_refused_before_it_counts(client):
    for _ in range(5):
        response = client.get("/api/v1/households", HTTP_AUTHORIZATION="Bearer sjt_nope")
        assert response.status_code == 401
