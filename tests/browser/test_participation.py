"""Getting a family into the data, in a real browser and in Indonesian: a citizen proposes a
family on the public page at phone width (the region lists open level by level, a sum to
solve), the village operator records the visit and the village deliberation with its minutes,
the regency's social office validates, the regent approves, the ministry decides, and the
family is in the registry with the proposal's number in its history; the citizen then finds
the household registered on the status page. Screenshots: artifacts/screenshots/
participation-*.png."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from sejahtera.accounts.models import Role
from sejahtera.grievances.models import Proposal
from sejahtera.registry.models import ChangeRecord

pytestmark = pytest.mark.django_db(transaction=True)
PHONE = {"width": 390, "height": 844}
VILLAGE = "3201011002"
NIK = "3201015507880004"  # a woman born on 15 July 1988, in Cibinong
NAME = "Sri Wahyuni"


def solve(page) -> None:
    """Answer the page's sum ("Berapa 3 + 4?")."""
    label = page.locator(".challenge label").inner_text()
    left, right = (int(n) for n in re.findall(r"\d+", label)[:2])
    page.fill(".challenge input[type=number]", str(left + right))


def choose_village(page) -> None:
    for level, code in (("province", "32"), ("regency", "3201"), ("district", "320101")):
        page.select_option(f"#region-{level}", code)
        following = {"province": "regency", "regency": "district", "district": "village"}[level]
        nxt = {"province": "3201", "regency": "320101", "district": VILLAGE}[level]
        page.wait_for_selector(f"#region-{following} option[value='{nxt}']", state="attached")
    page.select_option("#region-village", VILLAGE)


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def forward_ticked(page, live_server, shot: str, shoot) -> None:
    page.goto(f"{live_server.url}/proposals/")
    page.check(f"input[name=proposal][aria-label='{Proposal.objects.get().tracking_number}']")
    shoot(page, shot)
    with page.expect_navigation():
        page.click("#forward")


def test_a_family_proposed_by_a_citizen_reaches_the_registry(
    new_page, page_for, shoot, live_server, make_user, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    staff = {
        "village": make_user(Role.VILLAGE_OPERATOR, VILLAGE, first_name="Operator"),
        "office": make_user(Role.DISTRICT_OFFICE, "3201"),
        "regent": make_user(Role.REGENT, "3201"),
        "ministry": make_user(Role.MINISTRY_ANALYST),
    }

    citizen = new_page(PHONE)
    citizen.goto(f"{live_server.url}/layanan/")
    shoot(citizen, "participation-01-public-services-phone")
    citizen.click("a[href='/layanan/usul/']")
    choose_village(citizen)
    citizen.fill("#id_h-address", "Jl. Flamboyan 12")
    citizen.fill("#id_m-0-full_name", NAME)
    citizen.fill("#id_m-0-nik", NIK)
    citizen.select_option("#id_m-0-sex", "P")
    citizen.fill("#id_m-0-birth_date", "1988-07-15")
    citizen.select_option("#id_m-0-relationship", "head")
    citizen.fill("#id_m-1-full_name", "Dimas")
    citizen.select_option("#id_m-1-sex", "L")
    citizen.fill("#id_m-1-birth_date", "2016-02-01")
    citizen.select_option("#id_m-1-relationship", "child")
    citizen.fill("#id_name", NAME)
    citizen.fill("#id_nik", NIK)
    citizen.fill("#id_description", "Suami meninggal, bekerja serabutan, anak masih sekolah")
    solve(citizen)
    assert fits_the_screen(citizen)
    shoot(citizen, "participation-02-proposal-form-phone")
    citizen.click("button.primary[type=submit]")
    number = citizen.locator("#tracking-number").inner_text()
    assert number == Proposal.objects.get().tracking_number
    shoot(citizen, "participation-03-tracking-number-phone")

    village = page_for(staff["village"])
    village.goto(f"{live_server.url}/proposals/")
    village.click(f"a:text('{number}')")
    village.fill("#id_visited_on", date.today().isoformat())
    shoot(village, "participation-04-village-visit")
    with village.expect_navigation():
        village.click("form[action$='/visit/'] button.primary")
    assert Proposal.objects.get().stage == "verified"

    village.goto(f"{live_server.url}/proposals/deliberation/")
    village.fill("#id_held_on", date.today().isoformat())
    village.fill("#id_participants", "Kepala desa, BPD, ketua RT 03, tokoh agama")
    village.set_input_files(
        "#id_minutes",
        {"name": "berita-acara.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 musdes"},
    )
    shoot(village, "participation-05-village-deliberation")
    with village.expect_navigation():
        village.click("button.primary[type=submit]")
    assert Proposal.objects.get().stage == "deliberated"

    for who, stage in (("office", "validated"), ("regent", "approved"), ("ministry", "decided")):
        page = page_for(staff[who])
        forward_ticked(page, live_server, f"participation-06-{who}", shoot)
        assert Proposal.objects.get().stage == stage, who

    ministry = page
    ministry.goto(f"{live_server.url}/proposals/{Proposal.objects.get().pk}/")
    ministry.click("#result-household")
    ministry.wait_for_url(re.compile(r"/registry/households/\d+/$"))
    assert number in ministry.locator(".proposal-number").first.inner_text()
    shoot(ministry, "participation-07-registered-household")
    assert ChangeRecord.objects.filter(proposal=number, entity="person").count() == 2

    citizen.goto(f"{live_server.url}/layanan/cek-bansos/")
    citizen.fill("#id_nik", NIK)
    citizen.fill("#id_name", NAME.upper())
    solve(citizen)
    with citizen.expect_navigation():
        citizen.click("button.primary[type=submit]")
    answer = citizen.locator("#status-answer")
    expect(answer.locator("[data-registered=yes]")).to_have_count(1)
    assert number in answer.inner_text()
    shoot(citizen, "participation-08-status-phone")
    assert fits_the_screen(citizen)
