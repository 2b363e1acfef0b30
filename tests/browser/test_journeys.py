"""End-to-end journeys in a real browser (Debian's Chromium driven by Playwright).

Screenshots of the main pages are saved under artifacts/screenshots/ (not committed) so that
a person can look at what users see.
"""

import os
from pathlib import Path

import pytest

from sejahtera.accounts.models import Role

# Playwright's sync API runs an event loop in this thread; the live server thread is the one
# serving requests, and the test only touches the ORM to set data up.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
VILLAGE = "3201011002"
PASSWORD = "pw-for-tests"

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="scripts/ensure-chromium installs it"),
]


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page_for(browser, live_server):
    contexts = []

    def open_as(user, viewport=None):
        context = browser.new_context(
            viewport=viewport or {"width": 1280, "height": 900}, locale="id-ID"
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        return page

    yield open_as
    for context in contexts:
        context.close()


def shoot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_village_operator_registers_a_household_and_finds_it(page_for, make_user):
    operator = make_user(Role.VILLAGE_OPERATOR, VILLAGE, first_name="Rina", last_name="Operator")
    page = page_for(operator, viewport={"width": 412, "height": 915})  # a phone
    assert page.url.endswith("/registry/")
    shoot(page, "registry-search-phone")

    page.click("text=Daftarkan rumah tangga")
    page.select_option("#id_region_code", VILLAGE)
    page.fill("#id_address", "Jl. Melati No. 7")
    page.check("input[value=tv]")
    page.fill("#id_m-0-full_name", "Agus Wijaya")
    page.select_option("#id_m-0-sex", "L")
    page.fill("#id_m-0-birth_date", "1984-04-12")
    page.select_option("#id_m-0-relationship", "head")
    page.fill("#id_m-0-nik", "3201011204840003")
    page.locator("#id_m-0-nik-feedback").get_by_text("NIK sah").wait_for()

    page.fill("#id_m-1-full_name", "Sri Wahyuni")
    page.select_option("#id_m-1-sex", "P")
    page.fill("#id_m-1-birth_date", "1986-09-30")
    page.select_option("#id_m-1-relationship", "spouse")
    page.fill("#id_m-1-nik", "9901017009860001")  # no province 99
    page.locator("#id_m-1-nik-feedback").get_by_text("Kode provinsi 99").wait_for()
    shoot(page, "register-live-nik-check")
    page.click("button.primary[type=submit]")
    error = page.locator("#id_m-1-nik-error")
    assert "Kode provinsi 99 pada NIK tidak ada" in error.inner_text()

    page.fill("#id_m-1-nik", "3201017009860001")
    page.click("button.primary[type=submit]")
    page.get_by_text("Rumah tangga terdaftar.").wait_for()
    assert "Agus Wijaya" in page.content()
    assert "Sri Wahyuni" in page.content()
    shoot(page, "household-page")

    page.click("text=Registri")
    page.fill("#q", "sri wahyu")
    page.keyboard.press("Enter")
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
    page_for, make_user, household_factory
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
