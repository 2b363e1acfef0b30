"""An objection to an automated decision, in a real browser and in Indonesian: a person objects
to a decision about their household on the public page at phone width, the village office takes
it in, the regency's social office reads the decision's reasons and overturns it, and the
person follows the outcome by its number. Screenshots: artifacts/screenshots/
decision-review-*.png."""

from __future__ import annotations

from datetime import date

import pytest
from tests.browser.test_participation import PHONE, VILLAGE, fits_the_screen, solve

from sejahtera.accounts.models import Role
from sejahtera.targeting.models import DecisionReview
from sejahtera.targeting.services import run_targeting_for_registry

pytestmark = pytest.mark.django_db(transaction=True)
NIK = "3201014508900001"  # the household factory's head, Siti Aminah
NAME = "Siti Aminah"


def test_a_person_objects_and_a_reviewer_overturns(
    new_page, page_for, shoot, live_server, make_user, household_factory
):
    household_factory(VILLAGE)
    run_targeting_for_registry(date.today())
    clerk = make_user(Role.VILLAGE_OPERATOR, VILLAGE)
    office = make_user(Role.DISTRICT_OFFICE, "3201")

    person = new_page(PHONE)
    person.goto(f"{live_server.url}/layanan/")
    person.click("a[href='/layanan/keberatan/']")
    person.fill("#id_nik", NIK)
    person.fill("#id_name", NAME)
    person.select_option("#id_programme", "SEMBAKO")
    person.fill("#id_grounds", "Suami sakit sejak Agustus, tidak ada penghasilan tetap")
    solve(person)
    assert fits_the_screen(person)
    shoot(person, "decision-review-01-public-objection-phone")
    with person.expect_navigation():
        person.click("button.primary[type=submit]")
    number = person.locator("#tracking-number").inner_text()
    review = DecisionReview.objects.get()
    assert number == review.tracking_number

    village = page_for(clerk)
    village.goto(f"{live_server.url}/decision-reviews/?status=received")
    village.click(f"a:text('{number}')")
    shoot(village, "decision-review-02-take-in")
    with village.expect_navigation():
        village.click("button[name=take_in]")

    reviewer = page_for(office)
    reviewer.goto(f"{live_server.url}/decision-reviews/")
    reviewer.click(f"a:text('{number}')")
    assert "tidak layak" in reviewer.locator("#by-rules").inner_text()
    reviewer.check("input[name=verdict][value=overturned]")
    reviewer.fill("#id_note", "Dikunjungi 5 Desember: suami sakit, tidak bekerja")
    shoot(reviewer, "decision-review-03-verdict")
    with reviewer.expect_navigation():
        reviewer.click("button.primary[type=submit]")
    review.refresh_from_db()
    assert review.status == DecisionReview.Status.OVERTURNED

    person.goto(f"{live_server.url}/layanan/lacak/")
    person.fill("#id_number", number)
    person.fill("#id_nik", NIK)
    person.fill("#id_name", NAME)
    solve(person)
    person.click("button.primary[type=submit]")
    answer = person.locator("#track-answer").inner_text()
    assert "Dikunjungi 5 Desember" in answer
    shoot(person, "decision-review-04-outcome-phone")
    assert fits_the_screen(person)
