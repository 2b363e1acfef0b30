"""The one permission model fails closed: a region-scoped role without a region has no access
at all, and the admin refuses to save such a user."""

import pytest
from django.core.exceptions import PermissionDenied

from sejahtera.accounts import access
from sejahtera.accounts.models import (
    ROLE_SCOPE_LEVEL,
    WHOLE_COUNTRY_ROLES,
    ApiToken,
    Role,
    User,
)
from sejahtera.accounts.tokens import create_token

pytestmark = pytest.mark.django_db

SCOPED_ROLES = [role for role in Role if ROLE_SCOPE_LEVEL[role] is not None]
NATIONAL_ROLES = [role for role in Role if ROLE_SCOPE_LEVEL[role] is None]


def test_region_prefix_limits_a_user_to_their_region():
    assert access.region_prefix(User(role=Role.VILLAGE_OPERATOR, region_id="3201011002")) == (
        "3201011002"
    )
    assert access.region_prefix(User(role=Role.MINISTRY_ANALYST)) == ""


@pytest.mark.parametrize("role", SCOPED_ROLES)
def test_a_scoped_role_without_a_region_may_do_nothing(role):
    user = User(role=role, is_active=True)
    every_role = frozenset(Role)
    assert not access.has_role(user, every_role)
    assert not access.covers(user, "3201011002")
    with pytest.raises(PermissionDenied):
        access.region_prefix(user)
    with pytest.raises(PermissionDenied):
        access.require(user, every_role)


@pytest.mark.parametrize("role", NATIONAL_ROLES)
def test_national_roles_need_no_region(role):
    user = User(role=role, is_active=True)
    assert access.has_role(user, frozenset({role}))
    assert access.covers(user, "3201011002")


@pytest.mark.parametrize("role", sorted(WHOLE_COUNTRY_ROLES))
def test_a_role_deciding_for_the_whole_country_with_a_region_may_do_nothing(role):
    """A programme manager or an administrator scoped to a region would approve decrees, build
    batches and download files for regions it cannot read: such an account may do nothing."""
    user = User(role=role, is_active=True, region_id="3201")
    assert not access.has_role(user, frozenset(Role))
    with pytest.raises(PermissionDenied):
        access.region_prefix(user)


@pytest.mark.parametrize(
    "path",
    ["/registry/", "/registry/export.csv", "/dashboard/", "/targeting/", "/cases/", "/imports/"],
)
def test_pages_refuse_a_district_office_without_a_region(client, make_user, path):
    client.force_login(make_user(Role.DISTRICT_OFFICE, None))
    assert client.get(path).status_code == 403


def test_the_api_refuses_a_village_operator_without_a_region(client, make_user):
    _token, secret = create_token(make_user(Role.VILLAGE_OPERATOR, None), "t", ApiToken.Scope)
    response = client.get("/api/v1/persons", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 403


def _user_form(admin_client, **fields):
    data = {
        "username": "office",
        "password": "!",
        "role": Role.DISTRICT_OFFICE,
        "region": "",
        "organisation": "",
        "is_active": "on",
        "date_joined_0": "2026-12-01",
        "date_joined_1": "08:00:00",
        **fields,
    }
    user = User.objects.create_user(username="office", role=Role.DISTRICT_OFFICE)
    return admin_client.post(
        f"/admin/accounts/user/{user.pk}/change/", data, HTTP_ACCEPT_LANGUAGE="en"
    )


@pytest.fixture
def admin_client(client, make_user):
    client.force_login(make_user(Role.ADMINISTRATOR, is_staff=True, is_superuser=True))
    return client


def test_the_admin_refuses_a_scoped_role_without_a_region(admin_client):
    response = _user_form(admin_client)
    assert response.status_code == 200  # the form again, with the error
    assert "must have a region scope" in response.content.decode()
    assert User.objects.get(username="office").region_id is None


def test_the_admin_refuses_a_region_broader_than_the_roles_level(admin_client):
    response = _user_form(admin_client, region="32")  # a province for a district office
    assert "or smaller" in response.content.decode()
    assert User.objects.get(username="office").region_id is None


def test_the_admin_refuses_a_region_for_a_programme_manager(admin_client):
    response = _user_form(admin_client, role=Role.PROGRAMME_MANAGER, region="3201")
    assert "acts for the whole country" in response.content.decode()
    assert User.objects.get(username="office").region_id is None


def test_the_admin_saves_a_scoped_role_with_its_region(admin_client):
    response = _user_form(admin_client, region="3201")
    assert response.status_code == 302
    assert User.objects.get(username="office").region_id == "3201"


def test_the_admin_adds_a_user_only_with_a_region_for_a_scoped_role(admin_client):
    data = {
        "username": "new-operator",
        "password1": "a-Long-passphrase-2026",
        "password2": "a-Long-passphrase-2026",
        "usable_password": "true",
        "role": Role.VILLAGE_OPERATOR,
        "region": "",
    }
    response = admin_client.post("/admin/accounts/user/add/", data, HTTP_ACCEPT_LANGUAGE="en")
    assert "must have a region scope" in response.content.decode()
    assert not User.objects.filter(username="new-operator").exists()
    admin_client.post("/admin/accounts/user/add/", {**data, "region": "3201011002"})
    assert User.objects.get(username="new-operator").region_id == "3201011002"
