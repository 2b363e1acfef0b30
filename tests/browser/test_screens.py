"""Every main page at desktop and phone width, in Indonesian: nothing runs off the side of a
phone (wide tables scroll inside their own box). Screenshots for people to look at:
artifacts/screenshots/screen-<page>-<width>.png."""

from __future__ import annotations

import re
from datetime import date

import pytest

from sejahtera.accounts.models import Role
from sejahtera.registry.services.statistics import refresh_figures
from sejahtera.targeting.services import run_targeting_for_registry

pytestmark = pytest.mark.django_db(transaction=True)
PHONE = {"width": 390, "height": 844}
MONTHS = "Januari|Februari|Maret|April|Mei|Juni|Juli|Agustus|September|Oktober|November|Desember"
RUPIAH = r"Rp\u00a0\d{1,3}(\.\d{3})+"  # "Rp 1.250.000"
DATE = rf"\d{{1,2}} ({MONTHS}) \d{{4}}"  # "5 Agustus 1985"
# What a page must show the Indonesian way.
EXPECTED = {
    "household": [r"Rp\u00a01\.250\.000", "5 Agustus 1985"],
    "case": [DATE, RUPIAH],
    "run": [DATE, RUPIAH],
    "registry": ["5 Agustus 1985"],
}
FAMILIES = [
    ("Siti Aminah", "P", "1985-08-05", "3201014508850001"),
    ("Agus Salim", "L", "1970-02-03", "3201010302700002"),
    ("Dewi Lestari", "P", "1992-11-20", "3201016011920003"),
]


@pytest.fixture
def world(make_user, household_factory, served_case):
    worker = make_user(Role.SOCIAL_WORKER, "3201", first_name="Rudi", last_name="Hartono")
    supervisor = make_user(Role.SUPERVISOR, "3201", first_name="Dewi", last_name="Kartika")
    households = []
    for name, sex, born, nik in FAMILIES:
        head = {
            "full_name": name,
            "sex": sex,
            "birth_date": born,
            "relationship": "head",
            "nik": nik,
        }
        child = {
            "full_name": f"Anak {name.split()[0]}",
            "sex": "L",
            "birth_date": "2016-04-01",
            "relationship": "child",
            "school_enrolled": "primary",
        }
        households.append(
            household_factory(
                "3201011002",
                members=[head, child],
                address="Jl. Melati 7",
                monthly_expenditure_idr="1250000",
                kk_number=f"32010101012000{len(households) + 10}",
            )
        )
    case = served_case(households[0], worker, supervisor)
    run = run_targeting_for_registry(date.today())
    refresh_figures()
    return {
        "worker": worker,
        "supervisor": supervisor,
        "household": households[0],
        "case": case,
        "run": run,
    }


def pages(world, make_user):
    household, case, run = world["household"], world["case"], world["run"]
    office = make_user(Role.DISTRICT_OFFICE, "3201", first_name="Rina", last_name="Wati")
    analyst = make_user(Role.MINISTRY_ANALYST, first_name="Budi", last_name="Analis")
    partner = make_user(Role.PARTNER_AGENCY, organisation="Kementerian UMKM")
    return [
        ("dashboard", analyst, "/dashboard/"),
        ("dashboard-regency", office, "/dashboard/?region=3201"),
        ("registry", office, "/registry/?q=siti"),
        ("household", office, f"/registry/households/{household.pk}/"),
        ("register", office, "/registry/households/new/"),
        ("imports", office, "/imports/"),
        ("targeting", analyst, "/targeting/"),
        ("run", analyst, f"/targeting/runs/{run.pk}/"),
        ("what-if", analyst, "/targeting/what-if/"),
        ("audit", analyst, f"/targeting/runs/{run.pk}/audit/"),
        ("cases", office, "/cases/"),
        ("case", world["worker"], f"/cases/{case.pk}/"),
        ("team", world["supervisor"], "/cases/team/"),
        ("journey-report", office, "/cases/report/"),
        ("partner", partner, "/partner/"),
        ("notifications", world["worker"], "/account/notifications/"),
    ]


def test_main_pages_fit_a_phone_and_are_photographed(
    page_for, shoot, live_server, make_user, world
):
    overflowing = []
    logged_in = {}  # one browser page per user and width
    for name, user, path in pages(world, make_user):
        for label, viewport in (("desktop", None), ("phone", PHONE)):
            if (user.pk, label) not in logged_in:
                logged_in[user.pk, label] = page_for(user, viewport=viewport)
            page = logged_in[user.pk, label]
            page.goto(f"{live_server.url}{path}")
            page.wait_for_load_state("networkidle")
            assert page.locator("h1").count() == 1, (name, page.url)
            text = page.locator("main").inner_text()
            assert [e for e in EXPECTED.get(name, []) if not re.search(e, text)] == [], name
            if viewport and page.evaluate("document.documentElement.scrollWidth") > PHONE["width"]:
                overflowing.append(name)
            shoot(page, f"screen-{name}-{label}")
    assert overflowing == []
