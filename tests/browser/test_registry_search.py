"""Registry search in a real browser on the embedded database: a misspelt name is found as it
is typed, the closest name first, and the list sorts by a column heading.
Screenshots: artifacts/screenshots/registry-search-*.png."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from sejahtera.accounts.models import Role

pytestmark = pytest.mark.django_db(transaction=True)
HEADS = [
    ("Siti Aminah", "3201014508800001"),
    ("Siti Aminah Putri", "3201014508800002"),
    ("Budi Santoso", "3201010508800003"),
]


def listed_names(page) -> list[str]:
    return page.locator("#person-results tbody td:first-child").all_inner_texts()


def test_a_misspelt_name_is_found_as_it_is_typed(
    page_for, shoot, live_server, make_user, household_factory
):
    for name, nik in HEADS:
        household_factory(
            members=[
                {
                    "full_name": name,
                    "sex": "P",
                    "birth_date": "1980-08-05",
                    "relationship": "head",
                    "nik": nik,
                }
            ]
        )
    office = make_user(Role.DISTRICT_OFFICE, "3201")

    page = page_for(office)
    page.goto(f"{live_server.url}/registry/")
    page.fill("#q", "siti aminh")  # htmx searches as the user stops typing
    expect(page.locator("#person-results tbody tr")).to_have_count(2)
    assert listed_names(page) == ["Siti Aminah", "Siti Aminah Putri"]
    assert "q=siti%20aminh" in page.url  # the address keeps the search
    shoot(page, "registry-search-01-typo")

    page.fill("#q", "")
    expect(page.locator("#person-results tbody tr")).to_have_count(3)
    with page.expect_navigation():
        page.click("#person-results th a:has-text('Nama')")
    assert listed_names(page) == ["Budi Santoso", "Siti Aminah", "Siti Aminah Putri"]
    with page.expect_navigation():
        page.click("#person-results th a:has-text('Nama')")
    assert listed_names(page) == ["Siti Aminah Putri", "Siti Aminah", "Budi Santoso"]
    shoot(page, "registry-search-02-sorted")

    phone = page_for(office, viewport={"width": 390, "height": 844})
    phone.goto(f"{live_server.url}/registry/?q=Sity+Aminah")
    expect(phone.locator("#person-results tbody tr")).to_have_count(2)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    shoot(phone, "registry-search-03-phone")
