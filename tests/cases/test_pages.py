"""Case pages: my work, the case page (moves, refusals), records, team approvals, partners."""

from __future__ import annotations

from datetime import date

import pytest

from sejahtera.accounts.models import Notification, SensitiveAccess
from sejahtera.cases import services
from sejahtera.cases.models import Case, GraduationRequest
from sejahtera.domain.cases import GraduationType, Stage

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def test_social_workers_land_on_my_work_with_their_cases(client, case, worker):
    client.force_login(worker)
    assert client.get("/").url == "/cases/"
    page = client.get("/cases/", **EN)
    assert f'data-case="{case.pk}"' in page.content.decode()


def test_the_case_page_shows_a_refused_guard_then_moves(client, case, worker):
    client.force_login(worker)
    page = client.get(f"/cases/{case.pk}/", **EN)
    assert page.status_code == 200
    assert {c[0] for c in page.context["form"].fields["to_stage"].choices} == {
        "assessed",
        "protection",
        "closed",
    }
    refused = client.post(
        f"/cases/{case.pk}/", {"to_stage": "closed", "reason": "", "version": case.version}, **EN
    )
    assert refused.status_code == 422
    assert refused.context["refused"] == ["give the reason for this step"]
    moved = client.post(
        f"/cases/{case.pk}/", {"to_stage": "protection", "version": case.version}, **EN
    )
    assert moved.status_code == 302
    assert Case.objects.get(pk=case.pk).stage == Stage.PROTECTION
    stale = client.post(f"/cases/{case.pk}/", {"to_stage": "closed", "reason": "x", "version": 1})
    assert stale.status_code == 422
    assert Case.objects.get(pk=case.pk).stage == Stage.PROTECTION


def test_the_case_page_says_what_each_next_step_still_needs(client, case, worker, move):
    """Before anyone tries a move and is refused: empowerment needs its plan first."""
    move(case, Stage.PROTECTION)
    client.force_login(worker)
    page = client.get(f"/cases/{case.pk}/", **EN)
    needs = dict(page.context["next_moves"])
    assert needs["Empowerment"] == ["write an empowerment plan (goals and actions) first"]
    assert needs["Rehabilitation"] == ["record an assessment of the family first"]
    assert needs["Closed"] == ["give the reason for this step"]
    body = page.content.decode()
    assert '<li data-ready="no"><strong>Empowerment</strong>: still needs write' in body
    services.record_assessment(
        actor=worker,
        case=case,
        members=[services.MemberAssessment(None, (), {"work": "sells snacks"})],
        today=date.today(),
    )
    ready = client.get(f"/cases/{case.pk}/", **EN).content.decode()
    assert '<li data-ready="yes"><strong>Rehabilitation</strong>: ready' in ready


def test_record_forms_save_through_the_services(client, case, worker):
    client.force_login(worker)
    head = case.household.members.get(relationship="head")
    response = client.post(
        f"/cases/{case.pk}/assessment/",
        {"person": head.pk, "clusters": ["PEREMPUAN_RENTAN"], "work": "vendor"},
    )
    assert response.status_code == 302
    assert case.assessments.get().conditions == {"work": "vendor"}
    client.post(f"/cases/{case.pk}/income/", {"month": "2026-01-01", "amount": "100"})
    assert case.incomes.get().amount == 100
    refused = client.post(
        f"/cases/{case.pk}/referral/",
        {"programme": "KUR_MIKRO"},
        **EN,  # no consent
    )
    assert refused.context["refused"]
    assert client.get(f"/cases/{case.pk}/bogus/").status_code == 404


def test_a_case_page_read_is_logged(client, case, worker):
    client.force_login(worker)
    assert client.get(f"/cases/{case.pk}/").status_code == 200
    read = SensitiveAccess.objects.get()
    assert (read.user, read.entity, read.record_ids) == (worker, "case", [case.pk])
    assert read.path == f"/cases/{case.pk}/"


def test_other_workers_get_404(client, case, make_user):
    client.force_login(make_user("social_worker", "3201"))
    assert client.get(f"/cases/{case.pk}/").status_code == 404


def test_the_supervisor_approves_a_graduation(client, case, move, worker, supervisor):
    move(case, Stage.PROTECTION)
    grad = services.propose_graduation(
        actor=worker, case=case, type=GraduationType.PAKSA, evidence="verified", today=date.today()
    )
    client.force_login(supervisor)
    team = client.get("/cases/team/", **EN)
    assert f'data-graduation="{grad.pk}"' in team.content.decode()
    case.refresh_from_db()
    decide = f"/cases/graduations/{grad.pk}/decide/"
    confirm = client.post(decide, {"decision": "approve", "version": case.version}, **EN)
    assert confirm.status_code == 200
    assert "Confirm the graduation" in confirm.content.decode()
    assert GraduationRequest.objects.get().status == "pending"
    done = client.post(
        decide, {"decision": "approve", "version": case.version, "confirmed": "yes"}, **EN
    )
    assert done.status_code == 302
    assert GraduationRequest.objects.get().status == "approved"
    assert Case.objects.get(pk=case.pk).stage == Stage.GRADUATED
    client.force_login(worker)
    assert 'data-unread="1"' in client.get("/cases/", **EN).content.decode()
    inbox = client.get("/account/notifications/", **EN).content.decode()
    assert "The graduation of Siti Aminah" in inbox
    assert f'href="/cases/{case.pk}/"' in inbox
    assert 'data-unread="1"' in client.get("/cases/", **EN).content.decode()
    # the page, once shown, marks what it showed read (the browser test sees it happen)
    newest = Notification.objects.get().pk
    assert f'hx-vals=\'{{"up_to": "{newest}"}}\'' in inbox
    client.post("/account/notifications/read/", {"up_to": newest})
    assert 'data-unread="0"' in client.get("/cases/", **EN).content.decode()


def test_a_rejected_graduation_tells_the_worker_why(client, case, move, worker, supervisor):
    move(case, Stage.PROTECTION)
    grad = services.propose_graduation(
        actor=worker, case=case, type=GraduationType.PAKSA, evidence="verified", today=date.today()
    )
    client.force_login(supervisor)
    case.refresh_from_db()
    client.post(
        f"/cases/graduations/{grad.pk}/decide/",
        {"decision": "reject", "version": case.version, "reason": "income unsteady"},
    )
    assert GraduationRequest.objects.get().status == "rejected"
    client.force_login(worker)
    inbox = client.get("/account/notifications/", **EN).content.decode()
    assert "was rejected: income unsteady" in inbox
    # nobody else reads it
    client.force_login(supervisor)
    assert "Siti Aminah" not in client.get("/account/notifications/", **EN).content.decode()


def test_partners_see_their_referrals_and_accept_them(client, case, worker, make_user):
    partner = make_user("partner_agency", organisation="Kementerian UMKM")
    referral = services.send_referral(
        actor=worker,
        case=case,
        programme="KUR_MIKRO",
        consent_method="signed",
        today=date.today(),
    )
    client.force_login(partner)
    page = client.get("/partner/", **EN)
    assert [r["name"] for r in page.context["referrals"]] == ["Siti Aminah"]
    assert "3201014508900001" not in page.content.decode()  # no NIK
    client.post("/partner/", {"referral": referral.pk, "status": "accepted"})
    referral.refresh_from_db()
    assert referral.status == "accepted"
    client.force_login(make_user("partner_agency", organisation="Other"))
    assert client.get("/partner/").context["referrals"] == []


def test_the_household_page_links_its_case(client, case, worker):
    client.force_login(worker)
    page = client.get(f"/registry/households/{case.household_id}/")
    assert page.context["household_case"] == case


def test_report_counts_stages_with_csv(client, case, make_user):
    client.force_login(make_user("district_office", "3201"))
    page = client.get("/cases/report/")
    [stages] = [t for t in page.context["tables"] if t["name"] == "stages"]
    assert {"key": "registered", "cells": ["Terdaftar", "1"]} in stages["rows"]
    csv = b"".join(client.get("/cases/report.csv").streaming_content).decode()
    assert "registered,1" in csv


def test_the_partner_page_names_the_agency_the_date_the_worker_and_the_address(
    client, case, worker, make_user
):
    case.household.address, case.household.rt, case.household.rw = "Jl. Kenari 3", "002", "005"
    case.household.save()
    worker.first_name, worker.last_name = "Ani", "Pendamping"
    worker.save()
    partner = make_user("partner_agency", organisation="Kementerian UMKM")
    referral = services.send_referral(
        actor=worker,
        case=case,
        programme="KUR_MIKRO",
        consent_method="signed",
        today=date(2026, 11, 20),
    )
    client.force_login(partner)
    page = client.get("/partner/").content.decode()
    assert "Rujukan ke Kementerian UMKM" in page
    assert "20 November 2026" in page
    assert "Ani Pendamping" in page
    assert "Jl. Kenari 3, RT 002/RW 005" in page
    assert "Terkirim" in page
    refused = client.post(
        "/partner/", {"referral": referral.pk, "status": "rejected", "outcome": " "}, **EN
    )
    assert refused.status_code == 302
    referral.refresh_from_db()
    assert referral.status == "sent"
    assert "give the reason for rejecting" in client.get("/partner/", **EN).content.decode()
    client.post("/partner/", {"referral": referral.pk, "status": "rejected", "outcome": "quota"})
    referral.refresh_from_db()
    assert (referral.status, referral.outcome) == ("rejected", "quota")


def test_the_move_form_offers_the_reasons_to_terminate_before_graduation(client, case, worker):
    client.force_login(worker)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert 'name="termination_reason"' in page
    assert "membutuhkan perawatan jangka panjang" in page  # listed in Indonesian
