"""Targeting in a real browser: a what-if run of rules with a new programme and its budget."""

from datetime import date

import pytest

from sejahtera.accounts.models import Role
from sejahtera.targeting.services import default_rules_text, run_targeting_for_registry

VILLAGE = "3201011002"
NEW_PROGRAMME = """
[programmes.MODAL_IBU]
name = "Modal usaha ibu"
unit = "person"
sex = "P"
min_age = 18
max_decile = 10
one_off_amount = 2_000_000
"""

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_analyst_simulates_a_new_programme_with_a_budget(
    page_for, shoot, make_user, household_factory, live_server
):
    for i in range(3):
        household_factory(
            VILLAGE,
            members=[
                {
                    "full_name": f"Ibu {i}",
                    "sex": "P",
                    "birth_date": "1985-03-10",
                    "relationship": "head",
                },
                {
                    "full_name": f"Anak {i}",
                    "sex": "L",
                    "birth_date": "2020-01-01",
                    "relationship": "child",
                },
            ],
        )
    run_targeting_for_registry(date(2026, 7, 1))
    page = page_for(make_user(Role.MINISTRY_ANALYST), language="en")
    page.goto(f"{live_server.url}/targeting/what-if/")
    assert page.locator("#budget_MODAL_IBU").count() == 0

    page.fill("#id_as_of", "2026-07-01")
    page.fill("#id_rules_text", default_rules_text() + NEW_PROGRAMME)
    page.dispatch_event("#id_rules_text", "input")
    page.locator("#budget_MODAL_IBU").wait_for()  # drawn from the rules being edited
    page.fill("#budget_MODAL_IBU", "4.000.000")
    shoot(page, "targeting-what-if-new-programme")
    page.click("button.primary[type=submit]")
    page.wait_for_url("**/compare/", timeout=60_000)
    assert "MODAL_IBU" in page.content()
    shoot(page, "targeting-what-if-compare")
