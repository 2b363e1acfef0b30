"""End-to-end journeys in a real browser (Debian's Chromium driven by Playwright).

Screenshots of the main pages are saved under artifacts/screenshots/ (not committed) so that
a person can look at what users see.
"""

import re

import pytest
from playwright.sync_api import expect

from sejahtera.accounts.models import Role

VILLAGE = "3201011002"

pytestmark = pytest.mark.django_db(transaction=True)


def test_village_operator_registers_a_household_and_finds_it(page_for, shoot, make_user):
    operator = make_user(Role.VILLAGE_OPERATOR, VILLAGE, first_name="Rina", last_name="Operator")
    page = page_for(operator, viewport={"width": 412, "height": 915})  # a phone
    assert page.url.endswith("/registry/")
    shoot(page, "registry-search-phone")

    page.click("#register-household")  # on the first screen; the menu is folded on a phone
    page.select_option("#id_region_code", VILLAGE)
    page.fill("#id_address", "Jl. Melati No. 7")
    page.check("input[value=tv]")
    page.fill("#id_m-0-full_name", "Agus Wijaya")
    page.select_option("#id_m-0-sex", "L")
    page.fill("#id_m-0-birth_date", "1984-04-12")
    page.select_option("#id_m-0-relationship", "head")
    page.fill("#id_m-0-nik", "3201011204840003")
    page.locator("#id_m-0-nik-feedback").get_by_text("NIK sah").wait_for()

    # one member's form to start with; the conditions fold away until needed
    expect(page.locator("fieldset.member")).to_have_count(1)
    expect(page.locator("#id_m-0-hiv")).not_to_be_visible()
    page.click("#add-member")
    page.locator("#id_m-1-full_name").wait_for()
    page.fill("#id_m-1-full_name", "Sri Wahyuni")
    page.select_option("#id_m-1-sex", "P")
    page.fill("#id_m-1-birth_date", "1986-09-30")
    page.select_option("#id_m-1-relationship", "spouse")
    page.fill("#id_m-1-nik", "9901017009860001")  # no province 99
    page.locator("#id_m-1-nik-feedback").get_by_text("Kode provinsi 99").wait_for()
    shoot(page, "register-live-nik-check")
    page.click("button.primary[type=submit]")
    error = page.locator("#id_m-1-nik_error")
    assert "Kode provinsi 99 pada NIK tidak ada" in error.inner_text()
    # the page comes back at a summary of what to correct, which leads to the field
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    summary.get_by_role("link", name=re.compile("^Anggota 2 · NIK: Kode provinsi 99")).click()
    assert page.evaluate("location.hash") == "#id_m-1-nik"
    shoot(page, "register-error-summary")

    page.fill("#id_m-1-nik", "3201017009860001")
    page.click("button.primary[type=submit]")
    page.get_by_text("Rumah tangga terdaftar.").wait_for()
    assert "Agus Wijaya" in page.content()
    assert "Sri Wahyuni" in page.content()
    shoot(page, "household-page")

    page.click("header .menu-toggle")  # the menu folds on a phone
    page.click("header nav >> text=Registri")
    page.fill("#q", "sri wahyu")
    page.keyboard.press("Enter")
    # typing and Enter each ask for the results: let both answers land before clicking, or
    # the link clicked may be swapped out under the click (a flake seen under load)
    page.wait_for_load_state("networkidle")
    with page.expect_navigation():
        page.locator("#results a", has_text="Sri Wahyuni").click()
    page.get_by_role("heading", name="Anggota").wait_for()
    assert "Jl. Melati No. 7" in page.content()


def test_operator_cannot_open_a_household_outside_the_village(
    page_for, make_user, household_factory
):
    elsewhere = household_factory("3273011001")
    page = page_for(make_user(Role.VILLAGE_OPERATOR, VILLAGE))
    response = page.goto(page.url.split("/registry")[0] + f"/registry/households/{elsewhere.pk}/")
    assert response.status == 404


def test_ministry_analyst_reads_the_dashboard_and_drills_into_a_province(
    page_for, shoot, make_user, household_factory
):
    from sejahtera.registry.services.statistics import refresh_figures

    household_factory(VILLAGE)
    household_factory("3273011001")
    household_factory("1101012001")
    refresh_figures()
    page = page_for(make_user(Role.MINISTRY_ANALYST, first_name="Dian", last_name="Analis"))
    assert page.url.endswith("/dashboard/")
    page.locator("#map path.leaflet-interactive").first.wait_for()
    page.locator("#age-chart").wait_for()
    shoot(page, "dashboard-national")

    page.get_by_role("link", name="Jawa Barat").click()
    page.get_by_role("heading", name="Dasbor — Jawa Barat").wait_for()
    assert "Kabupaten Bogor" in page.content()
    shoot(page, "dashboard-province")
