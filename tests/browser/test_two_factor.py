"""An analyst's first login adds an authenticator (QR code at phone width), keeps the recovery
codes, and the next login asks for the code. Screenshots: two-factor-*.png."""

import re
import time

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from sejahtera.accounts.models import Role

pytestmark = pytest.mark.django_db(transaction=True)
PHONE = {"width": 390, "height": 844}


def code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():06d}"


def test_an_analyst_adds_an_authenticator_then_signs_in_with_it(
    page_for, live_server, make_user, settings, shoot
):
    settings.SEJAHTERA_REQUIRE_TWO_FACTOR = True
    analyst = make_user(Role.MINISTRY_ANALYST, first_name="Ani", last_name="Analis")
    page = page_for(analyst, viewport=PHONE)
    assert "/account/two-factor/" in page.url
    page.get_by_alt_text("Kode QR rahasia autentikator Anda").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shoot(page, "two-factor-add-phone")
    device = TOTPDevice.objects.get(user=analyst, confirmed=False)
    page.fill("#id_code", code(device))
    page.click("button.primary[type=submit]")
    codes = page.locator("[data-recovery-codes] code")
    codes.first.wait_for()
    expect(codes).to_have_count(10)
    assert re.fullmatch(r"[0-9a-z]{8}", codes.first.inner_text())
    shoot(page, "two-factor-recovery-codes")
    page.click("text=Teruskan")
    page.get_by_role("heading", name="Dasbor").wait_for()

    page.click("header .menu-toggle")  # folded on a phone
    page.click("button:has-text('Keluar')")
    page.fill("#id_username", analyst.username)
    page.fill("#id_password", "pw-for-tests")
    page.click("main button[type=submit]")
    page.get_by_role("heading", name="Masukkan kode Anda").wait_for()
    shoot(page, "two-factor-verify")
    device.refresh_from_db()
    time.sleep(1.1)
    page.fill("#id_code", code(device, 1))
    page.click("button.primary[type=submit]")
    page.get_by_role("heading", name="Dasbor").wait_for()
