"""Repeated wrong passwords lock out the user name and the client address, on the site's login
and the admin's; an administrator unlocks in the admin."""

import pytest
from axes.models import AccessAttempt
from django.conf import settings

from sejahtera.accounts.models import Role

pytestmark = pytest.mark.django_db
PASSWORD = "pw-for-tests"
LOGINS = ["/login/", "/admin/login/"]


def attempt(client, url, username, password, ip="10.0.0.1"):
    return client.post(
        url, {"username": username, "password": password}, REMOTE_ADDR=ip, HTTP_ACCEPT_LANGUAGE="en"
    )


@pytest.fixture
def admin(make_user):
    return make_user(Role.ADMINISTRATOR, is_staff=True, is_superuser=True)


@pytest.mark.parametrize("url", LOGINS)
def test_a_user_name_is_locked_after_repeated_failures(client, admin, url):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, url, admin.username, "wrong")
    # the right password no longer works, from any address
    locked = attempt(client, url, admin.username, PASSWORD, ip="10.9.9.9")
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("url", LOGINS)
def test_a_client_address_is_locked_after_failures_on_many_names(client, make_user, url):
    victim = make_user(Role.DISTRICT_OFFICE, "3201", is_staff=True)  # may use both logins
    for i in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, url, f"guess-{i}", "wrong", ip="10.6.6.6")
    assert attempt(client, url, victim.username, PASSWORD, ip="10.6.6.6").status_code == 429
    # the same user from elsewhere is not locked
    assert attempt(client, url, victim.username, PASSWORD, ip="10.7.7.7").status_code == 302


def test_a_successful_login_before_the_limit_passes(client, admin):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        attempt(client, "/login/", admin.username, "wrong")
    assert attempt(client, "/login/", admin.username, PASSWORD).status_code == 302


def test_an_administrator_unlocks_in_the_admin(client, make_user, admin):
    from django.test import Client

    user = make_user(Role.DISTRICT_OFFICE, "3201")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "/login/", user.username, "wrong")
    assert attempt(client, "/login/", user.username, PASSWORD).status_code == 429

    staff = Client()
    staff.force_login(admin)
    listed = staff.get("/admin/axes/accessattempt/")
    assert user.username in listed.content.decode()
    ids = [str(pk) for pk in AccessAttempt.objects.values_list("pk", flat=True)]
    staff.post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": ids, "post": "yes"},
    )
    assert not AccessAttempt.objects.exists()
    assert attempt(client, "/login/", user.username, PASSWORD).status_code == 302


@pytest.mark.parametrize("url", LOGINS)
def test_logging_in_to_ones_own_account_does_not_wipe_the_failures_against_another(
    client, make_user, url
):
    """With the attempts reset on every success, one account of one's own would allow endless
    guessing: a few wrong passwords for the victim, a login of one's own, and again."""
    from django.test import Client

    victim = make_user(Role.DISTRICT_OFFICE, "3201", is_staff=True)
    attacker = make_user(Role.DISTRICT_OFFICE, "3201", is_staff=True)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        attempt(client, url, victim.username, "wrong")
    assert attempt(Client(), url, attacker.username, PASSWORD).status_code == 302
    attempt(client, url, victim.username, "wrong", ip="10.8.8.8")
    assert attempt(client, url, victim.username, PASSWORD, ip="10.9.9.9").status_code == 429
