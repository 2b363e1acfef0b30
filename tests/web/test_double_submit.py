"""The same form posted twice (a double click, a resend) and the same API request retried with
its Idempotency-Key take effect once."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from sejahtera.accounts.idempotency import forget_answers
from sejahtera.accounts.models import ApiToken, Role, SubmissionKey
from sejahtera.accounts.tokens import create_token
from sejahtera.api.api import api
from sejahtera.registry.models import Household

pytestmark = pytest.mark.django_db
VILLAGE = "3201011002"
REGISTRATION = {
    "region_code": VILLAGE,
    "m-TOTAL_FORMS": "1",
    "m-INITIAL_FORMS": "0",
    "m-0-full_name": "Budi Santoso",
    "m-0-sex": "L",
    "m-0-birth_date": "1980-01-15",
    "m-0-relationship": "head",
}


def test_a_registration_posted_twice_registers_one_household(client, make_user, one_time_key):
    client.force_login(make_user(Role.VILLAGE_OPERATOR, VILLAGE))
    key = one_time_key(client.get("/registry/households/new/").content.decode())
    first = client.post("/registry/households/new/", {**REGISTRATION, "submission_key": key})
    second = client.post("/registry/households/new/", {**REGISTRATION, "submission_key": key})
    household = Household.objects.get()
    assert first.status_code == second.status_code == 302
    assert first.url == second.url == f"/registry/households/{household.pk}/"
    # a new rendering of the form is a new registration
    key = one_time_key(client.get("/registry/households/new/").content.decode())
    client.post("/registry/households/new/", {**REGISTRATION, "submission_key": key})
    assert Household.objects.count() == 2


def test_a_refused_registration_keeps_its_key_usable(client, make_user, one_time_key):
    client.force_login(make_user(Role.VILLAGE_OPERATOR, VILLAGE))
    key = one_time_key(client.get("/registry/households/new/").content.decode())
    broken = {**REGISTRATION, "m-0-nik": "9901011501800001", "submission_key": key}
    page = client.post("/registry/households/new/", broken).content.decode()
    assert one_time_key(page) == key  # the corrected form is sent with the same key
    fixed = client.post("/registry/households/new/", {**REGISTRATION, "submission_key": key})
    assert fixed.status_code == 302
    assert Household.objects.count() == 1


HOUSEHOLD = {
    "household": {"region_code": VILLAGE},
    "members": [
        {"full_name": "Budi", "sex": "L", "birth_date": "1980-01-15", "relationship": "head"}
    ],
}


def test_an_api_registration_retried_with_its_key_registers_once(api_post, make_user):
    operator = make_user(Role.VILLAGE_OPERATOR, VILLAGE)
    first = api_post(operator, "/api/v1/households", HOUSEHOLD, "retry-1")
    again = api_post(operator, "/api/v1/households", HOUSEHOLD, "retry-1")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert Household.objects.count() == 1
    other = {**HOUSEHOLD, "household": {"region_code": VILLAGE, "address": "Jl. Lain"}}
    reused = api_post(operator, "/api/v1/households", other, "retry-1")
    assert reused.status_code == 422
    assert reused.json()["title"] == "Idempotency key reused"
    assert Household.objects.count() == 1


def test_a_retry_after_the_answer_was_forgotten_registers_nothing_and_says_so(api_post, make_user):
    operator = make_user(Role.VILLAGE_OPERATOR, VILLAGE)
    assert api_post(operator, "/api/v1/households", HOUSEHOLD, "late-1").status_code == 201
    assert forget_answers(timezone.now() + timedelta(minutes=1)) == 1
    late = api_post(operator, "/api/v1/households", HOUSEHOLD, "late-1")
    assert late.status_code == 409
    assert late.json()["title"] == "Idempotency key expired"
    assert Household.objects.count() == 1
    assert SubmissionKey.objects.get().body is None
    documented = api.get_openapi_schema()["paths"]
    for path in ("/api/v1/households", "/api/v1/cases"):
        assert 409 in documented[path]["post"]["responses"]


def test_api_keys_are_per_user(api_post, make_user):
    for _ in range(2):
        api_post(make_user(Role.VILLAGE_OPERATOR, VILLAGE), "/api/v1/households", HOUSEHOLD, "k")
    assert Household.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_parallel_retries_register_one_household(make_user):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the race needs PostgreSQL")
    from django.test import Client

    operator = make_user(Role.VILLAGE_OPERATOR, VILLAGE)
    _token, secret = create_token(operator, "t", [ApiToken.Scope.REGISTRY_WRITE])
    barrier = threading.Barrier(4)
    statuses: list[int] = []

    def attempt():
        try:
            barrier.wait(timeout=10)
            response = Client().post(
                "/api/v1/households",
                HOUSEHOLD,
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {secret}",
                HTTP_IDEMPOTENCY_KEY="parallel",
            )
            statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [201] * 4
    assert Household.objects.count() == 1
