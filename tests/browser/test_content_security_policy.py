"""The Content-Security-Policy holds on pages no journey covers (the admin, the API's docs, the
error and login pages), and what used to be inline script still works from app.js: the
language menu, the map's indicator and "Add member". Violations fail the test (conftest)."""

import pytest

from sejahtera.accounts.models import Role
from sejahtera.registry.services.statistics import refresh_figures

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_header_forbids_inline_script_and_style(live_server, new_page):
    page = new_page()
    response = page.goto(f"{live_server.url}/login/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "unsafe" not in policy


def test_the_admin_and_the_api_docs_keep_the_policy(
    live_server, page_for, make_user, household_factory, csp_violations
):
    household = household_factory()
    admin = make_user(Role.ADMINISTRATOR, is_staff=True, is_superuser=True)
    page = page_for(admin)
    for path in [
        "/admin/",
        "/admin/registry/person/",
        f"/admin/registry/household/{household.pk}/change/",
        "/admin/accounts/user/add/",
        "/api/docs",
    ]:
        response = page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        assert response.status == 200, path
        assert "script-src 'self'" in response.headers["content-security-policy"], path
    page.locator(".swagger-ui .opblock").first.wait_for()  # Swagger UI ran
    assert page.locator(".swagger-ui .opblock").count() > 10
    assert csp_violations == []


def test_the_language_menu_switches_without_inline_script(live_server, page_for, make_user):
    page = page_for(make_user(Role.MINISTRY_ANALYST))
    page.select_option("#language", "en")
    with page.expect_navigation():
        page.click("#language ~ button[type=submit]")
    assert page.locator("html").get_attribute("lang") == "en"


def test_the_map_indicator_reloads_the_dashboard(
    live_server, page_for, make_user, household_factory
):
    household_factory()
    refresh_figures()
    page = page_for(make_user(Role.MINISTRY_ANALYST))
    page.goto(f"{live_server.url}/dashboard/")
    with page.expect_navigation():  # picked with the mouse: the dashboard follows at once
        page.click("#indicator")
        page.select_option("#indicator", "households")
    assert page.url.endswith("indicator=households")
    page.locator(".leaflet-container").wait_for()


def test_add_member_numbers_each_new_form(live_server, page_for, make_user):
    page = page_for(make_user(Role.VILLAGE_OPERATOR, "3201011002"))
    page.goto(f"{live_server.url}/registry/households/new/")
    total = page.locator("#id_m-TOTAL_FORMS")
    before = int(total.input_value())
    for added in (before, before + 1):
        page.click("#add-member")
        page.locator(f"#id_m-{added}-full_name").wait_for()
    assert int(total.input_value()) == before + 2
