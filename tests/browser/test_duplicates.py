"""The review queue of possible duplicates in a real browser: a regency office opens the queue,
reads the evidence of a pair, merges the two records and undoes it.
Screenshots: artifacts/screenshots/duplicates-*.png."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from sejahtera.accounts.models import Role
from sejahtera.registry.models import Person

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_office_reviews_merges_and_unmerges_a_pair(
    page_for, shoot, live_server, make_user, linked_pair
):
    pair = linked_pair
    siti, hajjah = pair.person, pair.other
    page = page_for(make_user(Role.DISTRICT_OFFICE, "3201"))
    page.goto(f"{live_server.url}/registry/")
    page.click("[data-duplicates-link]")
    expect(page.locator("#duplicate-pairs tbody tr")).to_have_count(1)
    shoot(page, "duplicates-01-queue")

    page.click(f"[data-pair='{pair.pk}'] a")
    assert (
        page.locator("#evidence li[data-verdict=agree]")
        .first.inner_text()
        .startswith("Nama lengkap")
    )
    assert "tidak ada pada salah satu data" in page.locator("#evidence").inner_text()
    expect(page.locator("#pair tr.differs").nth(1)).to_be_attached()  # the name and the NIK
    shoot(page, "duplicates-02-evidence")

    page.check(f"#merge-form input[value='{siti.pk}']")
    page.fill("#merge-form textarea, #merge-form input[name=note]", "KTP yang sama di lapangan")
    with page.expect_navigation():
        page.click("#merge-form button[type=submit]")
    assert page.confirmations == [
        "Gabungkan kedua data menjadi satu? Penggabungan dapat dibatalkan di halaman ini."
    ]
    assert page.locator("#merged").is_visible()
    assert Person.all_objects.get(pk=hajjah.pk).merged_into_id == siti.pk
    shoot(page, "duplicates-03-merged")

    page.fill("#merged input[name=note]", "Ternyata dua orang bersaudara")
    with page.expect_navigation():
        page.click("#merged button[type=submit]")
    assert page.locator("#merge-form").is_visible()
    assert Person.all_objects.get(pk=hajjah.pk).merged_into_id is None
    shoot(page, "duplicates-04-unmerged")
