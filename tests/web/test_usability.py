"""Pages as an Indonesian office worker meets them: error pages in Bahasa Indonesia leading back
home, API documentation that works offline, date pickers that hold their date, a complete menu."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import translation

from sejahtera.accounts.models import Role

pytestmark = pytest.mark.django_db


def test_403_404_and_400_pages_are_indonesian_with_a_way_back(client, make_user):
    client.force_login(make_user(Role.PARTNER_AGENCY, organisation="Bank BRI"))
    forbidden = client.get("/registry/")
    assert forbidden.status_code == 403
    assert "Anda tidak boleh membuka halaman ini" in forbidden.content.decode()
    missing = client.get("/tidak-ada/")
    assert missing.status_code == 404
    assert "Halaman tidak ditemukan" in missing.content.decode()
    client.force_login(make_user(Role.MINISTRY_ANALYST))
    bad = client.get("/dashboard/", {"region": "3"})
    assert bad.status_code == 400
    assert "Permintaan tidak dapat dibaca" in bad.content.decode()
    for page in (forbidden, missing, bad):
        assert 'href="/"' in page.content.decode()


def test_the_500_page_needs_nothing_but_itself():
    with translation.override("id"):
        page = render_to_string("500.html")
    assert "Terjadi kesalahan" in page
    assert 'href="/"' in page


def test_the_500_page_gives_the_code_that_finds_the_error_in_the_logs(rf):
    from sejahtera.config import urls
    from sejahtera.config.logging import current_request_id
    from sejahtera.web.views.errors import server_error

    assert urls.handler500 == "sejahtera.web.views.errors.server_error"
    token = current_request_id.set("req-500-probe")
    try:
        response = server_error(rf.get("/"))
    finally:
        current_request_id.reset(token)
    assert response.status_code == 500
    assert "<code data-request-id>req-500-probe</code>" in response.content.decode()


def test_the_api_documentation_loads_nothing_from_the_internet(client):
    page = client.get("/api/docs").content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sources
    assert not [s for s in sources if s.startswith(("http:", "https:", "//"))]
    assert finders.find("ninja/swagger-ui-bundle.js")


def test_date_pickers_hold_an_iso_date_in_indonesian(client, make_user):
    client.force_login(make_user(Role.MINISTRY_ANALYST))
    page = client.get("/targeting/", HTTP_ACCEPT_LANGUAGE="id").content.decode()
    picker = re.search(r'<input type="date" name="as_of" value="([^"]*)"', page)
    assert picker
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", picker[1])


@pytest.mark.parametrize(
    ("role", "region", "shown"),
    [
        (Role.DISTRICT_OFFICE, "3201", True),
        (Role.SOCIAL_WORKER, "3201", True),
        (Role.MINISTRY_ANALYST, None, False),
    ],
)
def test_the_journey_report_is_in_the_menu_of_who_may_read_it(
    client, make_user, role, region, shown
):
    client.force_login(make_user(role, region))
    page = client.get("/", follow=True).content.decode()
    assert ('href="/cases/report/"' in page) is shown


@pytest.mark.parametrize(
    ("language", "text"),
    [("id", "Rp\u00a04.200.000"), ("en", "Rp\u00a04,200,000")],
)
def test_money_is_written_the_way_the_language_writes_it(language, text):
    from decimal import Decimal

    from sejahtera.web.templatetags.sejahtera import rupiah

    with translation.override(language):
        assert rupiah(4_200_000) == text
        assert rupiah(Decimal("4200000.40")) == text
        assert rupiah(None) == "–"


def test_the_run_page_shows_costs_in_rupiah(client, make_user, household_factory):
    from datetime import date

    from sejahtera.targeting.services import run_targeting_for_registry

    household_factory("3201011002")
    run = run_targeting_for_registry(date(2026, 3, 1))
    client.force_login(make_user(Role.MINISTRY_ANALYST))
    page = client.get(f"/targeting/runs/{run.pk}/", HTTP_ACCEPT_LANGUAGE="id").content.decode()
    costs = re.findall(r"Rp\u00a0[0-9.]+", page)
    assert costs
    assert not re.search(r"Rp ?\d{4,}", page)  # never a raw "Rp94500000"


def test_pages_carry_a_favicon_of_their_own(client):
    page = client.get("/login/").content.decode()
    icon = re.search(r'<link rel="icon" href="/static/([^"]+)"', page)
    assert icon
    assert finders.find(icon[1])


def test_a_region_filter_outside_the_users_area_says_so(client, make_user, household_factory):
    household_factory("3201011002")
    client.force_login(make_user(Role.DISTRICT_OFFICE, "3201"))
    outside = client.get("/registry/", {"region": "11"}, HTTP_ACCEPT_LANGUAGE="en")
    assert "Region 11 is outside your area (3201)" in outside.content.decode()
    assert outside.context["rows"] == []
    wider = client.get("/registry/", {"region": "32"}, HTTP_ACCEPT_LANGUAGE="en")
    assert "outside your area" not in wider.content.decode()
    assert len(wider.context["rows"]) == 1  # the whole of the office's own area
