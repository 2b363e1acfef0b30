"""Whole cases in a real browser. On the business track, the social worker takes a family from
registration through protection, rehabilitation and empowerment (capital and mentoring) to
graduation, the supervisor approves, a partner agency accepts the referral and the case ends in
aftercare with follow-up visits scheduled. On the employment track, a family trains, finds a
job above the minimum wage, graduates and is handed over to the Ministry of Manpower.

The data is set up with the services (a demo-like family in the social worker's regency); every
step of the journey is clicked through the pages. Screenshots: artifacts/screenshots/case-*.png.
"""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from sejahtera.accounts.models import Role
from sejahtera.cases import services
from sejahtera.cases.models import Case, MinimumWage
from sejahtera.domain.cases import follow_up_dates

VILLAGE = "3201011002"  # Karadenan, Kabupaten Bogor
PARTNER = "Kementerian UMKM"

pytestmark = pytest.mark.django_db(transaction=True)


def _months_before(today: date, count: int) -> list[date]:
    index = today.year * 12 + today.month - 1
    return [date(i // 12, i % 12 + 1, 1) for i in range(index - count, index)]


def stage(page) -> str:
    return page.locator("h1 [data-stage]").get_attribute("data-stage")


def timeline(page) -> list[str]:
    return page.locator("ol.timeline li").evaluate_all("items => items.map(i => i.dataset.event)")


def move(page, to_stage: str, reason: str = "") -> None:
    page.select_option("#id_to_stage", to_stage)
    if reason:
        page.fill("#id_reason", reason)
    with page.expect_navigation():
        page.click("#move button.primary")


def _criteria(page) -> dict[str, str]:
    """The graduation criteria on the case page: code → "yes" (met) or "no"."""
    return dict(
        page.locator("[data-criterion]").evaluate_all(
            "items => items.map(i => [i.dataset.criterion, i.dataset.met])"
        )
    )


def record(page, kind: str, fill) -> None:
    """Open a record form from the case page, fill it, save, and come back to the case."""
    page.click(f"a[data-record={kind}]")
    fill(page)
    with page.expect_navigation():
        page.click("form.card button.primary")
    expect(page.locator("h1 [data-stage]")).to_have_count(1)


def test_a_family_goes_from_registration_to_aftercare(
    page_for, shoot, live_server, make_user, household_factory
):
    today = date.today()
    worker = make_user(Role.SOCIAL_WORKER, "3201", first_name="Ani", last_name="Pendamping")
    supervisor = make_user(Role.SUPERVISOR, "3201", first_name="Budi", last_name="Penyelia")
    partner = make_user(Role.PARTNER_AGENCY, organisation=PARTNER)
    MinimumWage.objects.create(
        region_id="3201", year=today.year, amount=4_800_000, kind="UMK", instrument="Kepgub test"
    )
    family = household_factory(
        VILLAGE,
        members=[
            {
                "full_name": "Siti Aminah",
                "sex": "P",
                "birth_date": "1990-08-05",  # of productive age
                "relationship": "head",
                "nik": "3201014508900001",
            },
            {"full_name": "Budi", "sex": "L", "birth_date": "2015-01-01", "relationship": "child"},
        ],
    )
    case = services.open_case(
        actor=worker, household=family, social_worker=worker, supervisor=supervisor, today=today
    )
    head = family.members.get(relationship="head")

    # the social worker finds the case on My work and opens it
    page = page_for(worker, language="en")
    assert page.url.endswith("/cases/")
    with page.expect_navigation():
        page.click(f"tr[data-case='{case.pk}'] a")
    case_url = page.url
    assert stage(page) == "registered"
    assert timeline(page) == ["opened"]
    shoot(page, "case-01-registered")

    # assessment, then protection
    def assessment(p):
        p.select_option("#id_person", str(head.pk))
        p.check("input[value=PEREMPUAN_RENTAN]")
        p.fill("#id_work", "sells snacks at the market")
        p.fill("#id_family_functioning", "single mother, one child at school")

    record(page, "assessment", assessment)
    assert timeline(page) == ["opened", "assessed"]
    move(page, "protection")
    assert stage(page) == "protection"
    shoot(page, "case-02-protection")

    # rehabilitation with an ATENSI service
    move(page, "rehabilitation")
    assert stage(page) == "rehabilitation"

    def service(p):
        p.select_option("#id_component", "vocational")
        p.select_option("#id_provider_type", "community")
        p.fill("#id_started_on", today.isoformat())
        p.fill("#id_frequency", "weekly")

    record(page, "service", service)
    expect(page.locator("li[data-service=vocational]")).to_have_count(1)
    shoot(page, "case-03-rehabilitation")

    # empowerment is refused without a plan: the page says why
    move(page, "empowerment")
    assert stage(page) == "rehabilitation"
    assert page.locator("li.refused").all_inner_texts() == [
        "write an empowerment plan (goals and actions) first"
    ]
    shoot(page, "case-04-empowerment-refused")
    page.goto(case_url)

    def plan(p):
        p.select_option("#id_kind", "empowerment")
        p.select_option("#id_track", "business")
        p.fill("#id_goals", "a small food stall earning above the UMK")
        p.fill("#id_actions", "capital in cash, bookkeeping training, monthly mentoring")

    record(page, "plan", plan)
    move(page, "empowerment")
    assert stage(page) == "empowerment"
    expect(page.locator("a[data-record=training]")).to_have_count(0)  # the other track's record

    # capital, then income above the regency's UMK (Rp4,800,000) for four months with
    # mentoring in each month after it rose: every criterion of the track is met
    months = _months_before(today, 4)
    for given_on, capital in [(months[0], "2500000"), *((m, "") for m in months[1:]), (today, "")]:

        def support(p, given_on=given_on, capital=capital):
            p.fill("#id_given_on", given_on.isoformat())
            if capital:
                p.select_option("#id_capital_form", "cash")
                p.fill("#id_item", "food stall")
                p.fill("#id_value", capital)
            p.fill("#id_mentoring_sessions", "2")

        record(page, "empowerment", support)
    expect(page.locator("[data-graduation-candidate]")).to_have_count(0)
    assert _criteria(page) == {"GRAD_INCOME_ABOVE_WAGE": "no", "GRAD_MENTORING_AFTER_RISE": "no"}
    for month in months:

        def income(p, month=month):
            p.fill("#id_month", month.isoformat())
            p.fill("#id_amount", "5200000")

        record(page, "income", income)
    expect(page.locator("li[data-income]")).to_have_count(4)
    assert _criteria(page) == {
        "GRAD_INCOME_ABOVE_WAGE": "yes",
        "GRAD_MENTORING_AFTER_RISE": "yes",
    }
    candidate = page.locator("[data-graduation-candidate]")
    assert "mandiri" in candidate.inner_text()
    assert "4 consecutive months" in candidate.inner_text()
    assert "Measured against the UMK" in candidate.inner_text()
    shoot(page, "case-05-empowerment-candidate")

    def graduation(p):
        p.select_option("#id_type", "mandiri")
        p.check("#id_signed_statement")
        p.fill("#id_evidence", "signed statement dated today; income slips")

    record(page, "graduation", graduation)
    assert timeline(page)[-1] == "grad_proposed"
    assert stage(page) == "empowerment"  # until the supervisor decides

    # the supervisor approves on My team: the case graduates
    boss = page_for(supervisor, language="en")
    boss.goto(f"{live_server.url}/cases/team/")
    row = boss.locator(f"tr[data-graduation] a[href$='/cases/{case.pk}/']")
    expect(row).to_have_count(1)
    shoot(boss, "case-06-team-approval")
    with boss.expect_navigation():
        boss.click("tr[data-graduation] button[value=approve]")
    # approving ends the family's assistance: a page shows what is approved, to confirm
    expect(boss.locator("#confirm-graduation")).to_have_count(1)
    shoot(boss, "case-06b-confirm-graduation")
    with boss.expect_navigation():
        boss.click("#confirm-graduation button.primary")
    expect(boss.locator("tr[data-graduation]")).to_have_count(0)
    boss.goto(case_url)
    assert stage(boss) == "graduated"
    # the social worker is told, in their notifications
    page.goto(f"{live_server.url}/account/notifications/")
    expect(page.locator("li[data-notification=graduation_approved]")).to_have_count(1)

    # the social worker refers the family to a partner, with consent
    page.goto(case_url)
    assert stage(page) == "graduated"
    expect(page.locator("#follow-ups li[data-follow-up]")).to_have_count(3)

    def referral(p):
        # the catalogue's programmes the family fits come first: KUR for its business
        assert p.locator("#partner-programmes tr[data-fits=yes]").first.get_attribute(
            "data-programme"
        ) in {"KUR_MIKRO", "UMI", "PNM_MEKAAR", "JKN_PBI"}
        assert p.locator("tr[data-programme=PRAKERJA]").get_attribute("data-fits") == "no"
        shoot(p, "case-06c-referral-suggestions")
        p.select_option("#id_programme", "KUR_MIKRO")
        p.select_option("#id_consent_method", "signed")

    record(page, "referral", referral)
    expect(page.locator("li[data-referral=sent]")).to_have_count(1)
    # termination waits for the partner
    move(page, "terminated")
    assert page.locator("li.refused").all_inner_texts() == [
        "termination needs a referral accepted by a partner agency"
    ]
    page.goto(case_url)

    # the partner agency sees the minimum and accepts
    agency = page_for(partner, language="en")
    agency.goto(f"{live_server.url}/partner/")
    referral_row = agency.locator("tr[data-referral]")
    assert "Siti Aminah" in referral_row.inner_text()
    assert "3201014508900001" not in agency.content()  # never the NIK
    shoot(agency, "case-07-partner")
    with agency.expect_navigation():
        referral_row.locator("button[value=accepted]").click()
    assert "Accepted" in agency.locator("tr[data-referral]").inner_text()

    # hand-over, then aftercare with the follow-up visits scheduled at graduation
    page.goto(case_url)
    expect(page.locator("li[data-referral=accepted]")).to_have_count(1)
    move(page, "terminated")
    assert stage(page) == "terminated"
    move(page, "monitoring")
    assert stage(page) == "monitoring"
    visits = page.locator("#follow-ups li[data-follow-up]").evaluate_all(
        "items => items.map(i => i.dataset.followUp)"
    )
    assert visits == [d.isoformat() for d in follow_up_dates(today)]
    assert timeline(page) == [
        "opened",
        "assessed",
        "moved",  # protection
        "moved",  # rehabilitation
        "service",  # every record is on the timeline too
        "plan",
        "moved",  # empowerment
        "empowerment",  # capital
        "empowerment",  # mentoring, month by month
        "empowerment",
        "empowerment",
        "empowerment",
        "income",
        "income",
        "income",
        "income",
        "grad_proposed",
        "moved",  # graduated (the supervisor)
        "referral",  # sent
        "referral",  # accepted
        "moved",  # terminated
        "moved",  # monitoring
    ]
    assert page.locator("ol.timeline li").nth(17).get_attribute("data-to-stage") == "graduated"
    shoot(page, "case-08-monitoring")
    assert Case.objects.get(pk=case.pk).stage == "monitoring"


def test_a_family_on_the_employment_track_trains_works_graduates_and_is_handed_over(
    page_for, shoot, live_server, make_user, household_factory
):
    today = date.today()
    worker = make_user(Role.SOCIAL_WORKER, "3201", first_name="Ani", last_name="Pendamping")
    supervisor = make_user(Role.SUPERVISOR, "3201", first_name="Budi", last_name="Penyelia")
    manpower = make_user(Role.PARTNER_AGENCY, organisation="Kementerian Ketenagakerjaan")
    MinimumWage.objects.create(
        region_id="3201", year=today.year, amount=4_800_000, kind="UMK", instrument="Kepgub test"
    )
    family = household_factory(
        VILLAGE,
        members=[
            {"full_name": "Rudi", "sex": "L", "birth_date": "1998-02-11", "relationship": "head"}
        ],
    )
    case = services.open_case(
        actor=worker, household=family, social_worker=worker, supervisor=supervisor, today=today
    )
    services.record_assessment(
        actor=worker,
        case=case,
        members=[services.MemberAssessment(None, (), {"work": "day labourer"})],
        today=today,
    )
    case.refresh_from_db()
    services.move_case(
        case=case,
        to_stage="protection",
        actor=worker,
        reason="",
        expected_version=case.version,
        today=today,
    )

    page = page_for(worker, language="en")
    case_url = f"{live_server.url}/cases/{case.pk}/"
    page.goto(case_url)

    def plan(p):
        p.select_option("#id_kind", "empowerment")
        p.select_option("#id_track", "employment")
        p.fill("#id_goals", "a job as a cook paying above the UMK")

    record(page, "plan", plan)
    move(page, "empowerment")
    assert stage(page) == "empowerment"
    expect(page.locator("a[data-record=empowerment]")).to_have_count(0)  # the other track's record
    assert _criteria(page) == {
        "GRAD_TRAINING_CERTIFIED": "no",
        "GRAD_PLACED_ABOVE_WAGE": "no",
        "GRAD_INCOME_KEPT": "no",
    }
    months = _months_before(today, 4)

    def training(p):
        p.fill("#id_course", "Tata boga")
        p.fill("#id_provider", "BLK Cibinong")
        p.fill("#id_started_on", _months_before(months[0], 2)[0].isoformat())
        p.fill("#id_ended_on", _months_before(months[0], 1)[0].isoformat())
        p.fill("#id_certificate", "BLK-2026-0042")

    record(page, "training", training)

    def placement(p):
        p.fill("#id_employer", "Rumah Makan Sederhana")
        p.fill("#id_started_on", months[0].isoformat())
        p.fill("#id_monthly_wage", "5100000")

    record(page, "placement", placement)
    for month in months:

        def income(p, month=month):
            p.fill("#id_month", month.isoformat())
            p.fill("#id_amount", "5100000")

        record(page, "income", income)
    assert set(_criteria(page).values()) == {"yes"}
    assert page.locator("li[data-training]").inner_text().endswith("certificate BLK-2026-0042")
    assert "Rumah Makan Sederhana" in page.locator("li[data-placement]").inner_text()
    shoot(page, "case-09-employment-criteria")

    def graduation(p):
        p.select_option("#id_type", "mandiri")
        p.check("#id_signed_statement")

    record(page, "graduation", graduation)
    boss = page_for(supervisor, language="en")
    boss.goto(f"{live_server.url}/cases/team/")
    with boss.expect_navigation():
        boss.click("tr[data-graduation] button[value=approve]")
    with boss.expect_navigation():
        boss.click("#confirm-graduation button.primary")
    page.goto(case_url)
    assert stage(page) == "graduated"

    def referral(p):
        assert p.locator("tr[data-programme=PBK_BLK]").get_attribute("data-fits") == "yes"
        assert p.locator("tr[data-programme=KUR_MIKRO]").get_attribute("data-fits") == "no"
        p.select_option("#id_programme", "PBK_BLK")
        p.select_option("#id_consent_method", "signed")

    record(page, "referral", referral)
    agency = page_for(manpower, language="en")
    agency.goto(f"{live_server.url}/partner/")
    with agency.expect_navigation():
        agency.locator("tr[data-referral] button[value=accepted]").click()
    page.goto(case_url)
    move(page, "terminated")
    assert stage(page) == "terminated"
    assert timeline(page)[-11:] == [
        "training",
        "placement",
        "income",
        "income",
        "income",
        "income",
        "grad_proposed",
        "moved",  # graduated
        "referral",  # sent
        "referral",  # accepted
        "moved",  # terminated
    ]
    shoot(page, "case-10-employment-terminated")
    assert Case.objects.get(pk=case.pk).stage == "terminated"
