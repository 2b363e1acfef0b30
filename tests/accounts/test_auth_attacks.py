"""Attacks on signing in and the account area: getting round two-step verification (a role
given mid-session, pages and downloads reached before the code, look-alike open paths), a
session kept across the second factor, one-time secrets left in a browser's cache, API tokens
(of a deactivated user, revoked, expired, guessed from the shown prefix, outliving a change of
role or region, scopes beyond the role), other users' notifications, login throttling through
a forged client address, open redirects after login, logout by link and the error page."""

import time
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from sejahtera.accounts import notifications, two_factor
from sejahtera.accounts.models import ApiToken, Notification, Role, User
from sejahtera.accounts.tokens import create_token

pytestmark = pytest.mark.django_db
SETUP, VERIFY = "/account/two-factor/", "/account/two-factor/verify/"
VILLAGE = "3201011002"  # Karadenan, Cibinong, Kabupaten Bogor
OTHER_VILLAGE = "3273011001"  # a village in Kota Bandung
PASSWORD = "pw-for-tests"


@pytest.fixture(autouse=True)
def required(settings):
    settings.SEJAHTERA_REQUIRE_TWO_FACTOR = True


def code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():06d}"


def enrol(user: User) -> tuple[TOTPDevice, list[str]]:
    device = two_factor.pending_authenticator(user)
    codes = two_factor.confirm_authenticator(user, code(device))
    device.refresh_from_db()
    return device, codes


def bearer(secret: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


# -- two-step verification ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "promotion",
    [
        {"role": Role.ADMINISTRATOR, "region": None},
        {"role": Role.MINISTRY_ANALYST, "region": None},
        {"is_superuser": True},
    ],
    ids=["administrator", "ministry-analyst", "superuser"],
)
def test_a_user_promoted_mid_session_to_a_two_factor_role_must_give_the_second_factor(
    client, make_user, promotion
):
    """A village operator (no second factor needed) is signed in and opens a page; then an
    administrator makes the account a role that must use two-step verification. The session
    already open must not carry the new powers without a code."""
    user = make_user(Role.VILLAGE_OPERATOR, VILLAGE)
    client.force_login(user)
    assert client.get("/registry/").status_code == 200
    User.objects.filter(pk=user.pk).update(**promotion)
    response = client.get("/dashboard/")
    assert response.status_code == 302
    assert response["Location"] == f"{SETUP}?next={quote('/dashboard/', safe='')}"


def test_signing_in_again_after_a_promotion_asks_for_the_second_factor(client, make_user):
    """The promoted user signs in with the password again in the same browser: the new
    login must not inherit the earlier "no second factor needed" of that session."""
    user = make_user(Role.VILLAGE_OPERATOR, VILLAGE)
    login = {"username": user.username, "password": PASSWORD}
    assert client.post("/login/", login, REMOTE_ADDR="10.1.1.1").status_code == 302
    assert client.get("/registry/").status_code == 200
    User.objects.filter(pk=user.pk).update(role=Role.ADMINISTRATOR, region=None)
    assert client.post("/login/", login, REMOTE_ADDR="10.1.1.1").status_code == 302
    response = client.get("/dashboard/")
    assert response.status_code == 302
    assert response["Location"].startswith(SETUP)


def test_the_session_key_changes_when_the_second_factor_is_given(client, make_user):
    """Session fixation across the second step: a session id known after the password
    alone (a shared office computer, a leaked half-signed-in cookie) must not become a fully
    verified session when the owner then gives the code."""
    analyst = make_user(Role.MINISTRY_ANALYST)
    device, _codes = enrol(analyst)
    client.force_login(analyst)
    before = client.session.session_key
    assert client.post(VERIFY, {"code": code(device, 1)})["Location"] == "/"
    assert client.get("/dashboard/").status_code == 200
    assert client.session.session_key != before


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/registry/nik-check/?nik=3201014508900001", {"HTTP_HX_REQUEST": "true"}),
        ("/registry/households/member-form/", {"HTTP_HX_REQUEST": "true"}),
        ("/dashboard/regions.json", {}),
        ("/dashboard/export.csv", {}),
        ("/registry/export.csv", {}),
        ("/audit/export.csv", {}),
        ("/account/notifications/", {}),
        ("/admin/login/", {}),
        ("/admin/accounts/apitoken/", {}),
        ("/admin/password_change/", {}),
    ],
)
def test_no_fragment_download_or_admin_page_opens_before_the_second_factor(
    client, make_user, path, headers
):
    """A stolen password of an administrator (no authenticator yet): htmx fragments,
    downloads, the admin and its password change all send to enrolment, never answer."""
    admin = make_user(Role.ADMINISTRATOR, is_staff=True, is_superuser=True)
    client.force_login(admin)
    response = client.get(path, **headers)
    assert response.status_code == 302
    assert response["Location"] == f"{SETUP}?next={quote(path, safe='')}"


def test_a_password_alone_creates_no_api_token(client, make_user):
    """With the password of an enrolled analyst but not the phone, the attacker tries to
    mint an API token (the API does not ask for the second factor)."""
    analyst = make_user(Role.MINISTRY_ANALYST)
    enrol(analyst)
    client.force_login(analyst)
    response = client.post("/account/api-tokens/", {"name": "x", "scopes": ["registry:read"]})
    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize(
    "path", ["/static/../dashboard/", "/healthz/../dashboard/", "/i18n/../dashboard/"]
)
def test_look_alikes_of_the_open_paths_reach_no_page(client, make_user, path):
    """Paths that begin like the ones open before the second factor (static files, health,
    language) but climb out of them."""
    client.force_login(make_user(Role.ADMINISTRATOR))
    assert client.get(path).status_code == 404


def test_another_users_recovery_code_verifies_nobody_else(client, make_user):
    """A recovery code of one's own account given in the session of a stolen account."""
    _device, own_codes = enrol(make_user(Role.MINISTRY_ANALYST))
    victim = make_user(Role.AUDITOR)
    enrol(victim)
    client.force_login(victim)
    assert client.post(VERIFY, {"code": own_codes[0]}).status_code == 200
    assert client.get("/dashboard/").status_code == 302


def test_a_verified_session_ends_when_its_authenticator_is_removed(client, make_user):
    """The lost-phone procedure: the administrator deletes the devices; a session verified
    with the lost phone (perhaps the thief's) must ask again."""
    analyst = make_user(Role.MINISTRY_ANALYST)
    device, _codes = enrol(analyst)
    client.force_login(analyst)
    client.post(VERIFY, {"code": code(device, 1)})
    assert client.get("/dashboard/").status_code == 200
    TOTPDevice.objects.filter(user=analyst).delete()
    assert client.get("/dashboard/")["Location"].startswith(SETUP)


# -- one-time secrets --------------------------------------------------------------------------


def test_recovery_codes_and_a_new_token_are_never_kept_in_a_cache(client, make_user):
    """On a shared office computer the next person presses Back, or a proxy keeps the page:
    the page that shows recovery codes or a new token's secret must forbid storing it."""
    user = make_user(Role.DISTRICT_OFFICE, "3201")
    client.force_login(user)
    device = two_factor.pending_authenticator(user)
    codes_page = client.post(SETUP, {"code": code(device)})
    assert len(codes_page.context["codes"]) == 10
    assert "no-store" in codes_page.get("Cache-Control", "")
    token_page = client.post("/account/api-tokens/", {"name": "x", "scopes": ["registry:read"]})
    assert token_page.context["secret"].startswith("sjt_")
    assert "no-store" in token_page.get("Cache-Control", "")


# -- API tokens --------------------------------------------------------------------------------


def test_a_token_of_a_deactivated_user_is_refused(client, make_user):
    user = make_user(Role.DISTRICT_OFFICE, "3201")
    _token, secret = create_token(user, "t", ["registry:read"])
    assert client.get("/api/v1/households", **bearer(secret)).status_code == 200
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert client.get("/api/v1/households", **bearer(secret)).status_code == 401


def test_revoked_and_expired_tokens_are_refused(client, make_user):
    user = make_user(Role.DISTRICT_OFFICE, "3201")
    revoked, revoked_secret = create_token(user, "r", ["registry:read"])
    ApiToken.objects.filter(pk=revoked.pk).update(revoked_at=timezone.now())
    expired, expired_secret = create_token(user, "e", ["registry:read"])
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    for secret in (revoked_secret, expired_secret):
        response = client.get("/api/v1/households", **bearer(secret))
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Bearer"


def test_the_shown_prefix_of_a_token_is_not_a_token(client, make_user):
    """The account page and the admin list each token's first twelve characters: with them
    (and a guessed rest, or nothing) the API stays shut."""
    user = make_user(Role.DISTRICT_OFFICE, "3201")
    token, secret = create_token(user, "t", ["registry:read"])
    for guess in (token.prefix, token.prefix + "A" * (len(secret) - 12), secret + " ", secret[:-1]):
        assert client.get("/api/v1/households", **bearer(guess)).status_code == 401


def test_a_token_follows_its_users_role_and_region(client, make_user, household_factory):
    """A token made while the user was a village operator of Karadenan stops when the user
    moves to Bandung or becomes a partner agency: it never acts in the new role or region."""
    household = household_factory(VILLAGE)
    user = make_user(Role.VILLAGE_OPERATOR, VILLAGE)
    _token, secret = create_token(user, "t", ["registry:read"])
    path = f"/api/v1/households/{household.pk}"
    assert client.get(path, **bearer(secret)).status_code == 200
    User.objects.filter(pk=user.pk).update(region=OTHER_VILLAGE)
    assert client.get(path, **bearer(secret)).status_code == 401
    User.objects.filter(pk=user.pk).update(role=Role.PARTNER_AGENCY, region=None)
    assert client.get("/api/v1/households", **bearer(secret)).status_code == 401
    User.objects.filter(pk=user.pk).update(role=Role.VILLAGE_OPERATOR, region=VILLAGE)
    assert client.get(path, **bearer(secret)).status_code == 200


def test_a_scope_beyond_the_role_opens_nothing(client, make_user):
    """A partner agency ticks every scope on the account page: the role still decides."""
    partner = make_user(Role.PARTNER_AGENCY, organisation="Yayasan")
    client.force_login(partner)
    page = client.post("/account/api-tokens/", {"name": "all", "scopes": list(ApiToken.Scope)})
    secret = page.context["secret"]
    for path in ("/api/v1/households", "/api/v1/decrees", "/api/v1/targeting/runs"):
        assert client.get(path, **bearer(secret)).status_code == 403, path


def test_an_unknown_scope_or_a_forged_expiry_makes_no_token(client, make_user):
    """Form tampering: a scope that does not exist, and fields the form does not have."""
    client.force_login(make_user(Role.DISTRICT_OFFICE, "3201"))
    client.post("/account/api-tokens/", {"name": "x", "scopes": ["admin"]})
    assert not ApiToken.objects.exists()
    client.post("/account/api-tokens/", {"name": "z", "scopes": ["registry:read"], "days": "3650"})
    assert not ApiToken.objects.exists()
    client.post(
        "/account/api-tokens/",
        {"name": "y", "scopes": ["registry:read"], "user": "1", "expires_at": "2999-01-01"},
    )
    token = ApiToken.objects.get()
    assert (token.user.role, token.scopes) == (Role.DISTRICT_OFFICE, ["registry:read"])
    assert token.expires_at - timezone.now() <= timedelta(days=90)


def test_creating_a_token_needs_the_forms_csrf_token(make_user):
    """Another site's page posts the account form in a signed-in user's browser."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user(Role.DISTRICT_OFFICE, "3201"))
    data = {"name": "x", "scopes": ["registry:read"]}
    assert client.post("/account/api-tokens/", data).status_code == 403
    assert not ApiToken.objects.exists()


def test_the_api_takes_no_session_cookie(client, make_user):
    """A page of another site makes a signed-in browser call the API with its cookie."""
    client.force_login(make_user(Role.DISTRICT_OFFICE, "3201"))
    assert client.get("/api/v1/households").status_code == 401


# -- notifications -----------------------------------------------------------------------------


def test_notifications_are_read_and_marked_only_by_their_user(client, make_user):
    reader, other = make_user(Role.SUPERVISOR, "3201"), make_user(Role.SOCIAL_WORKER, "3201")
    notifications.notify(reader, "graduation_approved", family="Keluarga Terbuka", case=1)
    theirs = notifications.notify(other, "graduation_approved", family="Keluarga Rahasia", case=2)
    client.force_login(reader)
    page = client.get("/account/notifications/").content.decode()
    assert "Keluarga Terbuka" in page
    assert "Keluarga Rahasia" not in page
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    client.post("/account/notifications/read/", {"up_to": theirs.pk})
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_another_site_cannot_mark_a_users_notifications_read(make_user):
    """An image on another site loads the list in a signed-in officer's browser: the GET
    marks nothing, and the marking POST needs the page's CSRF token. One that came after the
    page was shown stays new."""
    worker = make_user(Role.SOCIAL_WORKER, "3201")
    shown = notifications.notify(worker, "graduation_approved", family="Keluarga A", case=1)
    client = Client(enforce_csrf_checks=True)
    client.force_login(worker)
    assert client.get("/account/notifications/").status_code == 200
    assert client.post("/account/notifications/read/", {"up_to": shown.pk}).status_code == 403
    assert client.get("/account/notifications/read/").status_code == 405
    assert notifications.unread_count(worker) == 1

    later = notifications.notify(worker, "graduation_approved", family="Keluarga B", case=2)
    page = Client()
    page.force_login(worker)
    assert page.post("/account/notifications/read/", {"up_to": shown.pk}).status_code == 204
    assert Notification.objects.get(pk=later.pk).read_at is None
    assert page.post("/account/notifications/read/", {"up_to": "x"}).status_code == 400


# -- signing in and out ------------------------------------------------------------------------


def test_a_forged_forwarded_for_header_does_not_escape_the_address_lockout(client, make_user):
    """Password spraying over many names, each attempt claiming another client address in
    X-Forwarded-For: the lockout counts the real address."""
    victim = make_user(Role.DISTRICT_OFFICE, "3201")
    for i in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            "/login/",
            {"username": f"guess-{i}", "password": "wrong"},
            REMOTE_ADDR="10.6.6.6",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{i}",
        )
    locked = client.post(
        "/login/",
        {"username": victim.username, "password": PASSWORD},
        REMOTE_ADDR="10.6.6.6",
        HTTP_X_FORWARDED_FOR="198.51.100.7",
    )
    assert locked.status_code == 429


def test_padding_the_user_name_does_not_escape_its_lockout(client, make_user):
    """Guessing one account's password from many addresses, the name padded differently each
    time (" name", "name ", …) so that each try would count for another name."""
    victim = make_user(Role.DISTRICT_OFFICE, "3201")
    limit = settings.AXES_FAILURE_LIMIT
    names = [f"{' ' * i}{victim.username}{' ' * (i % 2)}" for i in range(1, limit + 1)]
    for i, name in enumerate(names):
        client.post(
            "/login/", {"username": name, "password": "wrong"}, REMOTE_ADDR=f"10.8.0.{i + 1}"
        )
    locked = client.post(
        "/login/", {"username": victim.username, "password": PASSWORD}, REMOTE_ADDR="10.8.1.1"
    )
    assert locked.status_code == 429


def test_login_sets_a_fresh_httponly_same_site_session_cookie(client, make_user):
    """Session fixation and theft by script: the id planted before login is not the one
    after, and the cookie is out of reach of JavaScript and of other sites' posts."""
    user = make_user(Role.DISTRICT_OFFICE, "3201")
    client.get("/login/")
    client.session["planted"] = "x"
    planted = client.cookies.get(settings.SESSION_COOKIE_NAME)
    response = client.post(
        "/login/", {"username": user.username, "password": PASSWORD}, REMOTE_ADDR="10.2.2.2"
    )
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert planted is None or cookie.value != planted.value
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


def test_login_never_redirects_to_another_site(client, make_user):
    user = make_user(Role.DISTRICT_OFFICE, "3201")
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example/"):
        response = client.post(
            f"/login/?next={quote(target, safe='')}",
            {"username": user.username, "password": PASSWORD},
            REMOTE_ADDR="10.3.3.3",
        )
        assert response["Location"] == "/", target
        client.logout()


def test_a_link_cannot_sign_a_user_out(client, make_user):
    """An image or link on another page pointing at /logout/ (GET) signs no one out."""
    user = make_user(Role.DISTRICT_OFFICE, "3201")
    client.force_login(user)
    assert client.get("/logout/").status_code == 405
    assert client.session["_auth_user_id"] == str(user.pk)


def test_a_deactivated_users_open_session_ends(client, make_user):
    user = make_user(Role.SOCIAL_WORKER, "3201")
    client.force_login(user)
    assert client.get("/cases/").status_code == 200
    User.objects.filter(pk=user.pk).update(is_active=False)
    response = client.get("/cases/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


# -- errors ------------------------------------------------------------------------------------


def test_a_server_error_shows_the_request_id_and_nothing_of_the_code(make_user, monkeypatch):
    """A page that breaks must not show a traceback, the exception's text or a setting."""

    def broken(user):
        raise RuntimeError("internal-detail-marker")

    monkeypatch.setattr(notifications, "unread_count", broken)
    client = Client(raise_request_exception=False)
    client.force_login(make_user(Role.SOCIAL_WORKER, "3201"))
    response = client.get("/cases/", HTTP_X_REQUEST_ID="req-123")
    page = response.content.decode()
    assert response.status_code == 500
    assert "req-123" in page
    for leak in ("internal-detail-marker", "Traceback", "RuntimeError", settings.SECRET_KEY):
        assert leak not in page
