"""Two-step verification: the roles that must use it cannot reach any page before adding an
authenticator and, at each later login, giving its code; recovery codes work once; a stolen
password alone cannot replace the authenticator; codes are throttled; the API (tokens) and
roles that may choose are not held up."""

import re
import time
from urllib.parse import quote

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from sejahtera.accounts import two_factor
from sejahtera.accounts.models import ApiToken, Role
from sejahtera.accounts.tokens import create_token

pytestmark = pytest.mark.django_db
SETUP, VERIFY = "/account/two-factor/", "/account/two-factor/verify/"


@pytest.fixture(autouse=True)
def required(settings):
    settings.SEJAHTERA_REQUIRE_TWO_FACTOR = True


def code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The code the phone shows now (or that many 30-second steps later)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():06d}"


@pytest.fixture
def enrolled(make_user):
    """An analyst whose authenticator is confirmed (with recovery codes)."""
    analyst = make_user(Role.MINISTRY_ANALYST)
    device = two_factor.pending_authenticator(analyst)
    codes = two_factor.confirm_authenticator(analyst, code(device))
    device.refresh_from_db()
    return analyst, device, codes


@pytest.mark.parametrize(
    "role",
    [Role.ADMINISTRATOR, Role.MINISTRY_ANALYST, Role.AUDITOR, Role.PROGRAMME_MANAGER],
)
def test_a_required_role_reaches_no_page_before_adding_an_authenticator(client, make_user, role):
    client.force_login(make_user(role))
    for page in ["/", "/dashboard/", "/registry/", "/admin/", "/account/api-tokens/"]:
        response = client.get(page)
        assert response.status_code == 302, page
        assert response["Location"] == f"{SETUP}?next={quote(page, safe='')}"


def test_adding_an_authenticator_confirms_a_code_and_shows_recovery_codes(client, make_user):
    analyst = make_user(Role.MINISTRY_ANALYST)
    client.force_login(analyst)
    page = client.get(SETUP).content.decode()
    assert 'src="data:image/svg+xml' in page
    secret = re.search(r"<code data-secret>([A-Z2-7 ]+)</code>", page)[1]
    device = TOTPDevice.objects.get(user=analyst, confirmed=False)
    assert secret.replace(" ", "") == two_factor.secret_text(device).replace(" ", "")
    assert client.get(SETUP).content.decode().count(secret) == 1  # the same secret on reload

    wrong = client.post(SETUP, {"code": "000000" if code(device) != "000000" else "111111"})
    assert "bukan yang ditampilkan" in wrong.content.decode()
    assert client.get("/dashboard/").status_code == 302

    time.sleep(1.1)  # a wrong code makes the next try wait a second
    done = client.post(SETUP, {"code": code(device), "next": "/dashboard/"})
    codes = re.findall(r"<li><code>([0-9a-z]+)</code></li>", done.content.decode())
    assert len(codes) == 10
    assert client.get("/dashboard/").status_code == 200
    assert two_factor.has_authenticator(analyst)


def test_each_later_login_asks_for_the_code(client, enrolled):
    analyst, device, _codes = enrolled
    client.force_login(analyst)
    asked = client.get("/registry/?q=siti")
    assert asked["Location"] == f"{VERIFY}?next={quote('/registry/?q=siti', safe='')}"
    assert client.get(SETUP)["Location"] == "/account/two-factor/verify/"
    # the code just used to confirm cannot be replayed; the next one works
    replayed = client.post(VERIFY, {"code": code(device), "next": "/registry/?q=siti"})
    assert replayed.status_code == 200
    time.sleep(1.1)
    answer = client.post(VERIFY, {"code": code(device, 1), "next": "/registry/?q=siti"})
    assert answer["Location"] == "/registry/?q=siti"
    assert client.get("/dashboard/").status_code == 200


def test_a_recovery_code_signs_in_once(client, enrolled):
    analyst, _device, codes = enrolled
    client.force_login(analyst)
    assert client.post(VERIFY, {"code": codes[0]})["Location"] == "/"
    assert two_factor.remaining_recovery_codes(analyst) == 9
    client.logout()
    client.force_login(analyst)
    assert client.post(VERIFY, {"code": codes[0]}).status_code == 200  # used up
    assert client.get("/dashboard/").status_code == 302


def test_wrong_codes_are_throttled(client, enrolled):
    analyst, device, _codes = enrolled
    client.force_login(analyst)
    client.post(VERIFY, {"code": "999999" if code(device, 1) != "999999" else "888888"})
    refused = client.post(VERIFY, {"code": code(device, 1)})
    assert refused.status_code == 200, "right after a failure even the right code waits"


def test_a_password_alone_cannot_replace_the_authenticator(client, enrolled):
    analyst, device, _codes = enrolled
    client.force_login(analyst)
    assert client.get(f"{SETUP}?replace=1")["Location"] == "/account/two-factor/verify/"
    assert client.post(SETUP, {"code": "123456"})["Location"] == "/account/two-factor/verify/"
    assert list(TOTPDevice.objects.filter(user=analyst)) == [device]


def test_new_recovery_codes_need_a_verified_session(client, enrolled):
    analyst, device, codes = enrolled
    client.force_login(analyst)
    assert client.post("/account/two-factor/recovery-codes/").status_code == 302
    assert two_factor.remaining_recovery_codes(analyst) == 10
    time.sleep(1.1)
    client.post(VERIFY, {"code": code(device, 1)})
    fresh = client.post("/account/two-factor/recovery-codes/").content.decode()
    assert codes[1] not in fresh
    assert two_factor.verify(analyst, codes[1]) is None


def test_the_next_page_is_never_another_site(client, enrolled):
    analyst, device, _codes = enrolled
    client.force_login(analyst)
    response = client.post(VERIFY, {"code": code(device, 1), "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_other_roles_choose_and_are_then_asked(client, make_user):
    worker = make_user(Role.SOCIAL_WORKER, "3201")
    client.force_login(worker)
    assert client.get("/").status_code in (200, 302)
    assert client.get("/cases/").status_code == 200
    device = two_factor.pending_authenticator(worker)
    two_factor.confirm_authenticator(worker, code(device))
    client.logout()
    client.force_login(worker)
    assert client.get("/cases/")["Location"].startswith(VERIFY)


def test_the_api_authenticates_by_token_alone(client, make_user):
    analyst = make_user(Role.MINISTRY_ANALYST)
    _token, secret = create_token(analyst, "t", [ApiToken.Scope.REGISTRY_READ])
    response = client.get("/api/v1/households", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 200


def test_off_when_the_setting_says_so(client, make_user, settings):
    settings.SEJAHTERA_REQUIRE_TWO_FACTOR = False
    client.force_login(make_user(Role.MINISTRY_ANALYST))
    assert client.get("/dashboard/").status_code == 200
