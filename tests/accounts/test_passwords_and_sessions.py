"""Passwords are hashed with Argon2 (older hashes upgraded at login); a session ends after a
while without requests."""

import pytest
from django.conf import settings
from django.contrib.auth.hashers import make_password

from sejahtera.accounts.models import Role, User
from sejahtera.config.settings import PASSWORD_HASHERS

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-test-passphrase"


@pytest.fixture
def production_hashers(settings):
    """The production hashers (the suite itself hashes with MD5, for speed)."""
    settings.PASSWORD_HASHERS = PASSWORD_HASHERS


def log_in(client, user):
    return client.post(
        "/login/",
        {"username": user.username, "password": PASSWORD},
        REMOTE_ADDR="10.0.0.1",
        HTTP_ACCEPT_LANGUAGE="en",
    )


@pytest.mark.usefixtures("production_hashers")
def test_a_new_password_is_hashed_with_argon2(make_user):
    user = make_user(Role.DISTRICT_OFFICE, "3201")
    user.set_password(PASSWORD)
    assert user.password.startswith("argon2$")
    assert user.check_password(PASSWORD)


@pytest.mark.usefixtures("production_hashers")
def test_an_older_hash_still_signs_in_and_is_upgraded_to_argon2(client, make_user):
    user = make_user(Role.DISTRICT_OFFICE, "3201")
    User.objects.filter(pk=user.pk).update(password=make_password(PASSWORD, hasher="pbkdf2_sha256"))
    assert log_in(client, user).status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
    user.refresh_from_db()
    assert user.password.startswith("argon2$")


def test_a_session_ends_after_half_an_hour_without_requests_and_each_request_extends_it(
    client, make_user
):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    user = make_user(Role.DISTRICT_OFFICE, "3201")
    client.force_login(user)
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == 30 * 60  # sent again on every response: the clock restarts
    assert client.session.get_expiry_age() == 30 * 60
