"""The web app's less-visited doors, from an attacker's side: htmx fragments, list parameters
(filters, search, sort, page numbers), the partner agency's referral page, notifications, the
secondary forms of a case (record forms with forged choices, evidence uploads) and the printable
documents (case file, graduation letter, evidence files).

Each test is one attack. It fails when the app gives way and passes when the app withstands
it; the withstood attacks are kept, so that a change that opens one of these doors is caught."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sejahtera.accounts import access, notifications
from sejahtera.accounts.models import Notification, Role, SensitiveAccess
from sejahtera.cases import services
from sejahtera.cases.models import (
    Assessment,
    Case,
    CaseEvent,
    ConditionalityRecord,
    FunctioningAssessment,
    GraduationRequest,
    Referral,
)
from sejahtera.domain.cases import GraduationType, Stage
from sejahtera.registry.models import ImportRun
from sejahtera.registry.services import records
from sejahtera.registry.services.records import person_cells, update_person

pytestmark = pytest.mark.django_db

BOGOR = "3201"
BOGOR_VILLAGE = "3201011002"
BANDUNG = "3273"
BANDUNG_VILLAGE = "3273011001"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
HTMX = {"HTTP_HX_REQUEST": "true"}
HEAD_NIK = "3201014508900001"
CHILD = {
    "full_name": "Budi Kecil",
    "sex": "L",
    "birth_date": "2018-01-01",
    "relationship": "child",
    "nik": "3201010101180003",
}
MNI = "PT Permodalan Nasional Madani (PNM)"  # the agency of the PNM_MEKAAR programme
UMKM = "Kementerian UMKM"  # the agency of the KUR_MIKRO programme


def head(name: str, nik: str = "", **cells: str) -> dict[str, str]:
    return {
        "full_name": name,
        "sex": "P",
        "birth_date": "1980-05-04",
        "relationship": "head",
        "nik": nik,
        **cells,
    }


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def team(make_user):
    return {
        "worker": make_user(Role.SOCIAL_WORKER, BOGOR),
        "supervisor": make_user(Role.SUPERVISOR, BOGOR),
        "other_worker": make_user(Role.SOCIAL_WORKER, BOGOR),
        "other_supervisor": make_user(Role.SUPERVISOR, BOGOR),
    }


@pytest.fixture
def two_cases(household_factory, served_case, team):
    """The worker's case (Siti Aminah, her son Budi Kecil) and another team's (Rina Lestari),
    in the same regency, both in protection."""
    mine = served_case(
        household_factory(
            BOGOR_VILLAGE, members=[head("Siti Aminah", HEAD_NIK, birth_date="1990-08-05"), CHILD]
        ),
        team["worker"],
        team["supervisor"],
    )
    theirs = served_case(
        household_factory(BOGOR_VILLAGE, members=[head("Rina Lestari")]),
        team["other_worker"],
        team["other_supervisor"],
    )
    return mine, theirs


def send(case, worker, programme="PNM_MEKAAR"):
    return services.send_referral(
        actor=worker, case=case, programme=programme, consent_method="signed", today=date.today()
    )


def approved_graduation(case, worker, supervisor) -> GraduationRequest:
    request = services.propose_graduation(
        actor=worker,
        case=case,
        type=GraduationType.MANDIRI,
        signed_statement=True,
        today=date.today(),
    )
    case.refresh_from_db()
    services.decide_graduation(
        actor=supervisor,
        request=request,
        approve=True,
        expected_version=case.version,
        today=date.today(),
    )
    request.refresh_from_db()
    return request


def closed_with_evidence(client, case, worker) -> CaseEvent:
    """The worker closes the case through the case page with a PDF as evidence."""
    client.force_login(worker)
    answer = client.post(
        f"/cases/{case.pk}/",
        {
            "to_stage": "closed",
            "reason": "moved",
            "version": case.version,
            "evidence_file": SimpleUploadedFile("surat.pdf", PDF),
        },
    )
    assert answer.status_code == 302
    return CaseEvent.objects.get(case=case, to_stage=Stage.CLOSED)


# -- the partner agency's page: only its referrals, only what the hand-over needs --------------


def test_a_partner_cannot_accept_another_agencys_referral_by_its_id(
    client, make_user, team, two_cases
):
    """A partner posts 'accepted' (and 'completed') with the id of a referral sent to another
    agency: not found, the referral stays as it was and its case's timeline is unchanged."""
    mine, _theirs = two_cases
    referral = send(mine, team["worker"], "PNM_MEKAAR")
    events = mine.events.count()
    client.force_login(make_user(Role.PARTNER_AGENCY, organisation=UMKM))
    for status in ("accepted", "rejected", "completed"):
        answer = client.post(
            "/partner/", {"referral": referral.pk, "status": status, "outcome": "x"}
        )
        assert answer.status_code == 404
    referral.refresh_from_db()
    assert (referral.status, referral.outcome) == (Referral.Status.SENT, "")
    assert mine.events.count() == events


def test_a_partner_cannot_take_the_workers_step_of_revoking_consent(
    client, make_user, team, two_cases
):
    """A partner posts 'revoked' on a referral sent to its own agency (the social worker's
    step, which withdraws the family's consent): forbidden, the referral stays sent."""
    mine, _theirs = two_cases
    referral = send(mine, team["worker"], "PNM_MEKAAR")
    client.force_login(make_user(Role.PARTNER_AGENCY, organisation=MNI))
    answer = client.post("/partner/", {"referral": referral.pk, "status": "revoked"})
    assert answer.status_code == 403
    referral.refresh_from_db()
    assert referral.status == Referral.Status.SENT
    assert referral.consent.withdrawn_on is None


def test_the_partner_page_shows_no_specific_data_of_the_referred_family(
    client, make_user, team, two_cases
):
    """The referred head is recorded with HIV and drug use and assessed in the NAPZA_HIV
    cluster (with a note on her treatment); her child is in the family. The partner page names
    the head, her address and the programme, and none of: her NIK, birth date, the cluster,
    the assessment, the child."""
    mine, _theirs = two_cases
    siti = mine.household.members.get(relationship="head")
    update_person(
        actor=make_user(Role.DISTRICT_OFFICE, BOGOR),
        person=siti,
        cells={**person_cells(siti), "hiv": "true", "drug_user": "true"},
        expected_version=siti.version,
    )
    services.record_assessment(
        actor=team["worker"],
        case=mine,
        members=[
            services.MemberAssessment(
                siti, ("NAPZA_HIV",), {"health": "antiretroviral therapy at puskesmas"}
            )
        ],
        today=date.today(),
    )
    send(mine, team["worker"], "PNM_MEKAAR")
    client.force_login(make_user(Role.PARTNER_AGENCY, organisation=MNI))
    page = client.get("/partner/", **EN)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Siti Aminah" in html
    for secret in (HEAD_NIK, "1990", "NAPZA", "HIV", "antiretroviral", "Budi Kecil", CHILD["nik"]):
        assert secret not in html, secret


def test_a_partner_opens_no_case_page_record_document_or_evidence_of_its_referral(
    client, make_user, team, two_cases
):
    """A partner whose agency holds a referral of the case asks for the case page, a record
    form, the case file PDF, the graduation letter and the evidence file by URL: each forbidden
    (partners read referrals, never cases), and nothing is logged as read."""
    mine, _theirs = two_cases
    send(mine, team["worker"], "PNM_MEKAAR")
    grad = approved_graduation(mine, team["worker"], team["supervisor"])
    event = CaseEvent.objects.filter(case=mine, to_stage=Stage.GRADUATED).get()
    CaseEvent.objects.filter(pk=event.pk).update(evidence_upload=f"{mine.pk}/x.pdf")
    partner = make_user(Role.PARTNER_AGENCY, organisation=MNI)
    client.force_login(partner)
    answers = {
        url: client.get(url).status_code
        for url in (
            f"/cases/{mine.pk}/",
            f"/cases/{mine.pk}/plan/",
            f"/cases/{mine.pk}/file.pdf",
            f"/cases/{mine.pk}/graduations/{grad.pk}/letter.pdf",
            f"/cases/{mine.pk}/evidence/{event.pk}/",
            "/cases/",
            "/cases/report/",
            "/cases/report/cluster.csv",
        )
    }
    assert set(answers.values()) == {403}, answers
    assert not SensitiveAccess.objects.filter(user=partner).exists()


# -- notifications ------------------------------------------------------------------------------


def test_a_graduation_decided_after_the_family_moved_away_names_it_to_no_one_who_lost_it(
    make_user, team, two_cases
):
    """The family moves to Bandung with a graduation proposal pending: the old Bogor team no
    longer reads its case. An administrator approves the graduation. The notification goes to
    the case's (old) social worker, who may no longer read the family: it must not name it."""
    mine, _theirs = two_cases
    proposal = services.propose_graduation(
        actor=team["worker"],
        case=mine,
        type=GraduationType.MANDIRI,
        signed_statement=True,
        today=date.today(),
    )
    admin = make_user(Role.ADMINISTRATOR)
    family = mine.household
    cells = {k: v or None for k, v in records.household_cells(family).items()}
    cells.pop("household_id")
    records.update_household(
        actor=admin,
        household=family,
        cells={**cells, "region_code": BANDUNG_VILLAGE},
        expected_version=family.version,
    )
    mine.refresh_from_db()
    assert not Case.objects.filter(access.case_filter(team["worker"]), pk=mine.pk).exists()
    services.decide_graduation(
        actor=admin,
        request=proposal,
        approve=True,
        expected_version=mine.version,
        today=date.today(),
    )
    told = [notifications.message(n) for n in Notification.objects.filter(user=team["worker"])]
    assert [text for text in told if "Siti Aminah" in text] == []


def test_a_rejected_graduation_is_told_only_to_the_cases_worker(client, team, two_cases):
    """A supervisor rejects a proposal through the web form: one notification, to the case's
    own worker; the other team's worker and supervisor, and the supervisor, get none."""
    mine, _theirs = two_cases
    proposal = services.propose_graduation(
        actor=team["worker"],
        case=mine,
        type=GraduationType.MANDIRI,
        signed_statement=True,
        today=date.today(),
    )
    mine.refresh_from_db()
    client.force_login(team["supervisor"])
    answer = client.post(
        f"/cases/graduations/{proposal.pk}/decide/",
        {"decision": "reject", "version": mine.version, "reason": "income unsteady"},
    )
    assert answer.status_code == 302
    assert list(Notification.objects.values_list("user", flat=True)) == [team["worker"].pk]


# -- a case's secondary forms: forged choices, another team's case, a reader who may not write --


def test_record_forms_refuse_a_member_of_another_family(client, team, two_cases):
    """On their own case the worker posts the conditionality, assessment and functioning forms
    naming a member of another team's family (a forged choice): each form refuses the choice
    (200, the form again) and nothing is recorded on that person."""
    mine, theirs = two_cases
    rina = theirs.household.members.get()
    client.force_login(team["worker"])
    month = date.today().replace(day=1) if date.today().day > 1 else date.today()
    forged = {
        "conditionality": {
            "person": rina.pk,
            "obligation": "health",
            "month": month.isoformat(),
            "value": "1",
        },
        "assessment": {"person": rina.pk, "clusters": ["NAPZA_HIV"], "health": "forged"},
        "functioning": {
            "person": rina.pk,
            "assessed_on": date.today().isoformat(),
            "phase": "baseline",
            "notes": "forged",
        },
    }
    answers = {kind: client.post(f"/cases/{mine.pk}/{kind}/", data).status_code
               for kind, data in forged.items()}  # fmt: skip
    assert answers == {"conditionality": 200, "assessment": 200, "functioning": 200}
    assert not ConditionalityRecord.objects.filter(person=rina).exists()
    assert not Assessment.objects.exists()
    assert not FunctioningAssessment.objects.exists()


def test_the_revoke_form_refuses_another_cases_referral(client, team, two_cases):
    """The worker's own case has an open referral (so the revoke form is offered); the worker
    posts it with the id of another case's referral: refused, that referral stays sent and its
    family's consent stands."""
    mine, theirs = two_cases
    send(mine, team["worker"])
    other = send(theirs, team["other_worker"])
    client.force_login(team["worker"])
    answer = client.post(
        f"/cases/{mine.pk}/revoke-referral/", {"referral": other.pk, "outcome": "forged"}
    )
    assert answer.status_code == 200
    other.refresh_from_db()
    assert other.status == Referral.Status.SENT
    assert other.consent.withdrawn_on is None


def test_the_referral_form_refuses_a_consent_giver_of_another_family(client, team, two_cases):
    """A referral for the worker's child member, consent 'given' by a member of another
    family (a forged choice): refused, no referral is sent."""
    mine, theirs = two_cases
    budi = mine.household.members.get(relationship="child")
    client.force_login(team["worker"])
    answer = client.post(
        f"/cases/{mine.pk}/referral/",
        {
            "programme": "PNM_MEKAAR",
            "person": budi.pk,
            "consent_method": "signed",
            "consent_by": "parent",
            "consent_giver": theirs.household.members.get().pk,
        },
    )
    assert answer.status_code == 200
    assert not Referral.objects.exists()


def test_the_transfer_form_refuses_a_worker_outside_the_familys_region(
    client, make_user, team, two_cases
):
    """The supervisor transfers their case to a social worker of Bandung (who cannot cover
    a Bogor family): the form refuses the choice, the case keeps its worker."""
    mine, _theirs = two_cases
    outsider = make_user(Role.SOCIAL_WORKER, BANDUNG)
    client.force_login(team["supervisor"])
    answer = client.post(
        f"/cases/{mine.pk}/transfer/",
        {"social_worker": outsider.pk, "reason": "forged", "version": mine.version},
    )
    assert answer.status_code == 200
    mine.refresh_from_db()
    assert mine.social_worker == team["worker"]


def test_a_social_worker_cannot_take_the_supervisors_steps_through_the_forms(
    client, team, two_cases
):
    """The worker posts the transfer form of their own case (handing it to a colleague, the
    supervisor's step) and decides their own graduation proposal: forbidden both times, the
    case keeps its worker and the proposal stays pending."""
    mine, _theirs = two_cases
    proposal = services.propose_graduation(
        actor=team["worker"],
        case=mine,
        type=GraduationType.MANDIRI,
        signed_statement=True,
        today=date.today(),
    )
    mine.refresh_from_db()
    client.force_login(team["worker"])
    transfer = {"social_worker": team["other_worker"].pk, "reason": "x", "version": mine.version}
    assert client.post(f"/cases/{mine.pk}/transfer/", transfer).status_code == 403
    decision = {"decision": "approve", "confirmed": "yes", "version": mine.version}
    assert client.post(f"/cases/graduations/{proposal.pk}/decide/", decision).status_code == 403
    mine.refresh_from_db()
    proposal.refresh_from_db()
    assert (mine.social_worker, mine.stage) == (team["worker"], Stage.PROTECTION)
    assert proposal.status == GraduationRequest.Status.PENDING


def test_national_roles_without_case_rights_get_no_journey_report(client, make_user, two_cases):
    """An analyst, an auditor and a programme manager (they see journey counts on the
    dashboard only) ask the journey report, its cluster table and the case list: forbidden."""
    for role in (Role.MINISTRY_ANALYST, Role.AUDITOR, Role.PROGRAMME_MANAGER):
        client.force_login(make_user(role))
        answers = [
            client.get(url).status_code
            for url in ("/cases/report/", "/cases/report/cluster.csv", "/cases/", "/cases/team/")
        ]
        assert answers == [403, 403, 403, 403], role


def test_another_workers_case_forms_are_not_found(client, team, two_cases):
    """The worker opens and posts record forms of another worker's case of the same regency:
    not found each time, nothing on that case."""
    _mine, theirs = two_cases
    events = theirs.events.count()
    client.force_login(team["worker"])
    for kind in ("plan", "income", "conditionality", "referral", "transfer"):
        assert client.get(f"/cases/{theirs.pk}/{kind}/").status_code == 404
    plan = {"kind": "rehabilitation", "goals": "forged"}
    assert client.post(f"/cases/{theirs.pk}/plan/", plan).status_code == 404
    assert theirs.events.count() == events
    assert not theirs.plans.exists()


def test_a_district_office_cannot_move_a_case_or_leave_evidence_through_the_case_page(
    client, make_user, two_cases, private_media
):
    """A district office reads every case of its regency but carries none: it posts a move to
    'closed' with an evidence file on the case page. Forbidden, the case stays in protection,
    and no file is stored."""
    mine, _theirs = two_cases
    client.force_login(make_user(Role.DISTRICT_OFFICE, BOGOR))
    answer = client.post(
        f"/cases/{mine.pk}/",
        {
            "to_stage": "closed",
            "reason": "forged",
            "version": mine.version,
            "evidence_file": SimpleUploadedFile("surat.pdf", PDF),
        },
    )
    assert answer.status_code == 403
    mine.refresh_from_db()
    assert mine.stage == Stage.PROTECTION
    assert not (private_media / "evidence").exists()


def test_a_district_office_is_offered_no_record_form(client, make_user, two_cases):
    """A district office asks for a record form of a case of its region: forbidden."""
    mine, _theirs = two_cases
    client.force_login(make_user(Role.DISTRICT_OFFICE, BOGOR))
    assert client.get(f"/cases/{mine.pk}/plan/").status_code == 403


# -- documents and evidence: scope and logging ---------------------------------------------------


def test_another_teams_supervisor_gets_no_case_file_letter_or_evidence(client, team, two_cases):
    """A supervisor of the same regency, of another team, asks for the case file PDF, the
    graduation letter and an evidence file of a case not of their team: not found each time,
    and no read is logged for them."""
    mine, _theirs = two_cases
    for stage, upload in (
        (Stage.CLOSED, SimpleUploadedFile("surat.pdf", PDF)),
        (Stage.PROTECTION, None),
    ):
        mine.refresh_from_db()
        services.move_case(
            case=mine,
            to_stage=stage,
            actor=team["worker"],
            reason="moved, then back",
            expected_version=mine.version,
            today=date.today(),
            evidence_upload=upload,
        )
    event = CaseEvent.objects.filter(case=mine).exclude(evidence_upload="").get()
    grad = approved_graduation(mine, team["worker"], team["supervisor"])
    client.force_login(team["other_supervisor"])
    answers = [
        client.get(f"/cases/{mine.pk}/file.pdf").status_code,
        client.get(f"/cases/{mine.pk}/graduations/{grad.pk}/letter.pdf").status_code,
        client.get(f"/cases/{mine.pk}/evidence/{event.pk}/").status_code,
    ]
    assert answers == [404, 404, 404]
    assert not SensitiveAccess.objects.filter(user=team["other_supervisor"]).exists()


def test_a_graduation_letter_of_another_case_is_not_printed_under_ones_own(client, team, two_cases):
    """The worker asks for the letter of another team's approved graduation under their own
    case's URL: not found."""
    mine, theirs = two_cases
    theirs_grad = approved_graduation(theirs, team["other_worker"], team["other_supervisor"])
    client.force_login(team["worker"])
    url = f"/cases/{mine.pk}/graduations/{theirs_grad.pk}/letter.pdf"
    assert client.get(url).status_code == 404


def test_an_evidence_file_read_by_an_office_is_logged_and_sent_as_an_attachment(
    client, make_user, team, two_cases
):
    """The district office of the regency downloads a case's evidence: served as an
    attachment, never cached, and the read is in the audit trail; another regency's office
    gets not found."""
    mine, _theirs = two_cases
    event = closed_with_evidence(client, mine, team["worker"])
    office = make_user(Role.DISTRICT_OFFICE, BOGOR)
    client.force_login(office)
    answer = client.get(f"/cases/{mine.pk}/evidence/{event.pk}/")
    assert answer.status_code == 200
    assert answer["Content-Disposition"].startswith("attachment;")
    assert b"".join(answer.streaming_content) == PDF
    assert SensitiveAccess.objects.filter(
        user=office, entity="case_event", record_ids=[event.pk]
    ).exists()
    client.force_login(make_user(Role.DISTRICT_OFFICE, BANDUNG))
    assert client.get(f"/cases/{mine.pk}/evidence/{event.pk}/").status_code == 404


# -- the case list: filters, search, sort and pages stay within the user's cases -----------------


def test_case_list_filters_and_search_never_reach_another_workers_case(client, team, two_cases):
    """The worker filters the list by the other worker's id, searches the other case's number
    and family name, and asks for a region outside their scope: the other family is never
    named."""
    _mine, theirs = two_cases
    client.force_login(team["worker"])
    for query in (
        f"worker={team['other_worker'].pk}",
        f"q={theirs.pk}",
        "q=Rina",
        "q=Rina&stage=protection&sort=-family",
        f"region={BANDUNG_VILLAGE}",
    ):
        answer = client.get(f"/cases/?{query}")
        assert answer.status_code == 200, query
        assert "Rina Lestari" not in answer.content.decode(), query


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("page=999999999999999999", 200),  # past the last page: the last page
        ("page=0", 200),
        ("page=abc", 400),
        ("page=-1", 400),
        ("page=9999999999999999999", 400),  # past a 64-bit integer
        ("sort=hiv", 400),  # no such column, and no sort on a specific field
        ("sort=family&page=2", 200),
        ("stage=forged", 400),
        ("worker=1%20OR%201", 400),
        ("region=32a1", 200),  # not a code: looked up as a name, and not found
    ],
)
def test_case_list_parameters_are_no_server_error(client, team, two_cases, query, status):
    client.force_login(team["supervisor"])
    assert client.get(f"/cases/?{query}").status_code == status


def test_the_journey_report_of_a_worker_counts_only_their_cases(client, team, two_cases):
    """The worker downloads the cluster funnel and the per-worker graduation table: the
    totals count their one case, and the other worker is not named."""
    _mine, _theirs = two_cases
    client.force_login(team["worker"])
    cluster = b"".join(client.get("/cases/report/cluster.csv").streaming_content).decode()
    rows = [line.split(",") for line in cluster.strip().splitlines()[1:]]
    assert sum(int(row[-1]) for row in rows) == 1
    workers = b"".join(client.get("/cases/report/graduation_worker.csv").streaming_content).decode()
    assert team["other_worker"].username not in workers


def test_a_graduation_is_not_decided_by_a_get(client, team, two_cases):
    """A link (GET) to the decision URL, as an image or a link in a message would send: not
    allowed, the proposal stays pending."""
    mine, _theirs = two_cases
    proposal = services.propose_graduation(
        actor=team["worker"],
        case=mine,
        type=GraduationType.MANDIRI,
        signed_statement=True,
        today=date.today(),
    )
    client.force_login(team["supervisor"])
    url = f"/cases/graduations/{proposal.pk}/decide/?decision=approve&confirmed=yes"
    assert client.get(url).status_code == 405
    proposal.refresh_from_db()
    assert proposal.status == GraduationRequest.Status.PENDING


# -- registry fragments: the htmx search results, the NIK check, the member form ------------------


@pytest.fixture
def family_with_child(household_factory):
    return household_factory(
        BOGOR_VILLAGE,
        members=[head("Siti Aminah", HEAD_NIK, birth_date="1990-08-05"), CHILD],
    )


@pytest.mark.parametrize(
    "query",
    [
        "q=Budi+Kecil",
        "q=Budi&sort=birth_date",
        f"q={CHILD['nik']}",
        f"q={CHILD['nik'][:12]}",
        f"q={CHILD['nik']}&concern=nik_warnings",
    ],
)
def test_the_htmx_search_fragment_never_matches_a_masked_child(
    client, make_user, family_with_child, query
):
    """An analyst (no right to a child's identity) searches the htmx fragment by the child's
    name, NIK and NIK prefix: nobody matches (a match would confirm the masked value)."""
    client.force_login(make_user(Role.MINISTRY_ANALYST))
    answer = client.get(f"/registry/?{query}", **HTMX)
    assert answer.status_code == 200
    assert answer.templates[0].name == "web/registry/_results.html"
    assert answer.context["page"].paginator.count == 0
    assert 'id="person-results"' not in answer.content.decode()


@pytest.mark.parametrize(
    "query",
    ["sort=-birth_date", "sort=birth_date", "sort=name", f"region={BOGOR_VILLAGE}&sort=-name"],
)
def test_the_htmx_search_fragment_masks_a_child_whatever_the_sort(
    client, make_user, family_with_child, query
):
    """The analyst lists the family's village through the fragment, sorted by the masked
    columns: the mother is listed, the child is a masked row last (its place would tell its
    birth date or name), never named, never with its NIK or birth date."""
    client.force_login(make_user(Role.MINISTRY_ANALYST))
    answer = client.get(f"/registry/?{query}", **HTMX)
    assert answer.status_code == 200
    html = answer.content.decode()
    assert "Siti Aminah" in html
    assert [row.person.full_name for row in answer.context["rows"]][-1] == "Budi Kecil"
    for secret in ("Budi Kecil", CHILD["nik"], "2018"):
        assert secret not in html, secret


def test_the_htmx_search_fragment_stays_in_the_users_region(client, make_user, family_with_child):
    """A Bandung office asks the fragment for a Bogor village and searches a Bogor name: no
    Bogor person is shown."""
    client.force_login(make_user(Role.DISTRICT_OFFICE, BANDUNG))
    for query in (f"region={BOGOR_VILLAGE}", "q=Siti+Aminah", f"q={HEAD_NIK}"):
        answer = client.get(f"/registry/?{query}", **HTMX)
        assert answer.status_code == 200
        assert "Siti Aminah" not in answer.content.decode(), query


@pytest.mark.parametrize("page", ["999999999999999999999999", "-5", "abc", "1e9", "0", "2.5"])
def test_the_search_page_number_is_no_server_error(client, make_user, family_with_child, page):
    client.force_login(make_user(Role.DISTRICT_OFFICE, BOGOR))
    assert client.get(f"/registry/?page={page}", **HTMX).status_code == 200


def test_the_nik_check_serves_only_registry_editors(client, make_user):
    """The live NIK check (it parses a NIK, reads no record) refuses the roles without a
    registration form: an analyst, an auditor, a social worker and a partner agency."""
    for role, region in (
        (Role.MINISTRY_ANALYST, None),
        (Role.AUDITOR, None),
        (Role.SOCIAL_WORKER, BOGOR),
        (Role.PARTNER_AGENCY, None),
    ):
        client.force_login(make_user(role, region, organisation="X"))
        assert client.get(f"/registry/nik-check/?nik={HEAD_NIK}").status_code == 403, role


@pytest.mark.parametrize(("index", "status"), [("3", 200), ("-1", 400), ("abc", 400)])
def test_the_member_form_fragment_takes_only_a_whole_index(client, make_user, index, status):
    client.force_login(make_user(Role.VILLAGE_OPERATOR, BOGOR_VILLAGE))
    assert client.get(f"/registry/households/member-form/?index={index}").status_code == status


def test_an_import_status_fragment_of_another_office_is_not_found(client, make_user):
    """The htmx status fragment of an import run by the Bogor office, asked for by the
    Bandung office: not found, as the full page."""
    run = ImportRun.objects.create(
        created_by=make_user(Role.DISTRICT_OFFICE, BOGOR), households_file="h.csv"
    )
    client.force_login(make_user(Role.DISTRICT_OFFICE, BANDUNG))
    assert client.get(f"/imports/{run.pk}/", **HTMX).status_code == 404
    assert client.get(f"/imports/{run.pk}/?page=abc", **HTMX).status_code == 404
