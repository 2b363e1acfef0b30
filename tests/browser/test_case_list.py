"""The case list in a real browser, in Indonesian: filtered by stage, searched by a NIK typed
with spaces, sorted by a column heading. Screenshots: artifacts/screenshots/case-list-*.png."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from sejahtera.accounts.models import Role
from sejahtera.cases import services
from sejahtera.domain.cases import Stage

pytestmark = pytest.mark.django_db(transaction=True)
FAMILIES = [
    ("3201011002", "Siti Aminah", "P", "1990-08-05", "3201014508900001"),
    ("3201011001", "Agus Salim", "L", "1970-02-03", "3201010302700002"),
    ("3201011002", "Bambang Wijaya", "L", "1985-06-07", "3201010706850003"),
]


def listed_families(page) -> list[str]:
    return page.locator("#case-list tbody tr[data-case] td:nth-child(2)").all_inner_texts()


def test_an_office_filters_searches_and_sorts_its_cases(
    page_for, shoot, live_server, make_user, household_factory
):
    worker = make_user(Role.SOCIAL_WORKER, "3201")
    office = make_user(Role.DISTRICT_OFFICE, "3201")
    cases = []
    for village, name, sex, birth, nik in FAMILIES:
        family = household_factory(
            village,
            members=[
                {
                    "full_name": name,
                    "sex": sex,
                    "birth_date": birth,
                    "relationship": "head",
                    "nik": nik,
                }
            ],
        )
        cases.append(
            services.open_case(
                actor=worker,
                household=family,
                social_worker=worker,
                supervisor=None,
                today=date.today() - timedelta(days=10 * len(cases)),
            )
        )
    services.move_case(
        case=cases[1],
        to_stage=Stage.PROTECTION,
        actor=worker,
        reason="",
        expected_version=cases[1].version,
        today=date.today(),
    )

    page = page_for(office)
    page.goto(f"{live_server.url}/cases/")
    assert page.locator("h1").inner_text() == "Kasus di wilayah saya"
    assert sorted(listed_families(page)) == ["Agus Salim", "Bambang Wijaya", "Siti Aminah"]
    shoot(page, "case-list-01-all")

    page.select_option("#case-stage", "protection")
    with page.expect_navigation():
        page.click("form.filters button.primary")
    assert listed_families(page) == ["Agus Salim"]
    assert "Perlindungan" in page.locator("#case-list tbody").inner_text()

    page.goto(f"{live_server.url}/cases/")
    page.fill("#case-q", "3201 0107 0685 0003")
    with page.expect_navigation():
        page.click("form.filters button.primary")
    assert listed_families(page) == ["Bambang Wijaya"]

    page.goto(f"{live_server.url}/cases/")
    with page.expect_navigation():
        page.click("#case-list th a:has-text('Keluarga')")
    assert listed_families(page) == ["Agus Salim", "Bambang Wijaya", "Siti Aminah"]
    with page.expect_navigation():
        page.click("#case-list th a:has-text('Keluarga')")
    assert listed_families(page) == ["Siti Aminah", "Bambang Wijaya", "Agus Salim"]
    expect(page.locator("#case-list th[aria-sort=descending]")).to_have_count(1)
    shoot(page, "case-list-02-sorted")

    phone = page_for(office, viewport={"width": 390, "height": 844})
    phone.goto(f"{live_server.url}/cases/")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    shoot(phone, "case-list-03-phone")
