"""Attacks on the staff side of citizens' participation and on the targeting write paths: an
office acting on another region's items, a complaint about an officer kept in the officer's
own office, four eyes around a proposal, runs rewritten or deleted after the fact, what-if and
run inputs out of bounds, and manual cluster memberships placed outside the worker's region."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from tests.grievances.test_proposals import NEW_FAMILY, minutes

from sejahtera.accounts.models import Role
from sejahtera.domain.participation import ComplaintCategory, Level, ProposalStage
from sejahtera.grievances import complaints, corrections, objections, proposals
from sejahtera.grievances.models import Complaint, CorrectionRequest, Objection, Proposal
from sejahtera.grievances.proposals import ProposedChange
from sejahtera.registry.models import Region
from sejahtera.targeting import services as targeting_services
from sejahtera.targeting.models import ManualClusterMembership, TargetingRun
from sejahtera.targeting.rules import default_rules_text
from sejahtera.targeting.selectors import latest_run

pytestmark = pytest.mark.django_db
VILLAGE = "3201011002"  # Karadenan, Cibinong, Kabupaten Bogor
OTHER_VILLAGE_SAME_DISTRICT = "3201011001"
BANDUNG_VILLAGE = "3273011001"
TODAY = date(2026, 3, 2)


@pytest.fixture
def offices(make_user):
    return {
        "village": make_user(Role.VILLAGE_OPERATOR, VILLAGE),
        "regency": make_user(Role.DISTRICT_OFFICE, "3201"),
        "colleague": make_user(Role.DISTRICT_OFFICE, "3201"),
        "bandung": make_user(Role.DISTRICT_OFFICE, "3273"),
        "province": make_user(Role.PROVINCIAL_OFFICE, "32"),
        "regent": make_user(Role.REGENT, "3201"),
        "ministry": make_user(Role.MINISTRY_ANALYST),
        "worker": make_user(Role.SOCIAL_WORKER, "3201"),
    }


def complain(region: str = VILLAGE, **extra) -> Complaint:
    extra.setdefault("category", ComplaintCategory.AID_NOT_RECEIVED)
    return complaints.file_complaint(
        region=Region.objects.get(code=region),
        description="Bantuan belum diterima",
        complainant_name="Warga",
        complainant_nik="3201016007850002",
        received_on=TODAY,
        **extra,
    )


# -- complaints ----------------------------------------------------------------------------------


def test_a_complaint_naming_an_officer_goes_above_their_office_whatever_its_category(offices):
    """A district officer's colleague takes in a complaint about the officer's service
    (category "service quality", the officer named): the complaint must go above the officer's
    own office, as the staff form promises, not stay with the officer's colleagues."""
    complaint = complain(
        category=ComplaintCategory.SERVICE_QUALITY,
        named_staff=offices["regency"],
        received_by=offices["colleague"],
    )
    assert complaint.level == Level.PROVINCE
    assert not complaints.visible_complaints(offices["colleague"]).filter(pk=complaint.pk).exists()


def test_an_office_cannot_resolve_another_regencys_complaint_by_posting_to_its_page(
    client, offices
):
    """The Bandung office posts an outcome to the page of a Bogor complaint."""
    complaint = complain()
    client.force_login(offices["bandung"])
    response = client.post(reverse("web:complaint", args=[complaint.pk]), {"outcome": "selesai"})
    assert response.status_code == 404
    assert Complaint.objects.get(pk=complaint.pk).status == "open"


def test_the_regency_cannot_resolve_a_complaint_after_it_was_escalated_away(client, offices):
    """The regency misses the deadline; once the complaint is at the province, the regency
    posts an outcome to close it quietly."""
    complaint = complain()
    complaints.escalate_overdue(complaint.due_on + timedelta(days=1))
    client.force_login(offices["regency"])
    response = client.post(reverse("web:complaint", args=[complaint.pk]), {"outcome": "selesai"})
    assert response.status_code == 404
    found = Complaint.objects.get(pk=complaint.pk)
    assert (found.level, found.status) == (Level.PROVINCE, "open")


def test_a_colleague_never_reads_or_resolves_a_misconduct_complaint_about_their_office(
    client, offices
):
    """A misconduct complaint names a district officer; a colleague in the same office opens
    and posts to its page (to read the complainant or close it)."""
    complaint = complain(
        category=ComplaintCategory.STAFF_MISCONDUCT,
        named_staff=offices["regency"],
        received_by=offices["village"],
    )
    for officer in (offices["regency"], offices["colleague"]):
        client.force_login(officer)
        url = reverse("web:complaint", args=[complaint.pk])
        assert client.get(url).status_code == 404
        assert client.post(url, {"outcome": "tidak terbukti"}).status_code == 404
    assert Complaint.objects.get(pk=complaint.pk).status == "open"


def test_the_named_officer_cannot_resolve_their_own_complaint_through_the_service(offices):
    """The province's officer is named in a misconduct complaint (it goes to the ministry); a
    ministry analyst named likewise tries to resolve the one about themselves."""
    about_analyst = complain(
        category=ComplaintCategory.STAFF_MISCONDUCT, named_staff=offices["ministry"]
    )
    with pytest.raises(PermissionDenied):
        complaints.resolve(
            offices["ministry"], about_analyst, outcome="tidak terbukti", today=TODAY
        )
    assert Complaint.objects.get(pk=about_analyst.pk).status == "open"


# -- proposals -----------------------------------------------------------------------------------


def _new_family_by(submitter) -> Proposal:
    return proposals.submit_proposal(
        change=ProposedChange(
            kind="new_household", village=Region.objects.get(code=VILLAGE), **NEW_FAMILY
        ),
        proposer_name="Petugas",
        submitted_on=TODAY,
        submitted_by=submitter,
    )


def _verify_and_deliberate(operator, proposal: Proposal) -> None:
    proposals.verify(operator, proposal, visited_on=TODAY, today=TODAY)
    _, outcome = proposals.record_deliberation(
        operator,
        village=proposal.village,
        held_on=TODAY,
        participants="BPD",
        minutes=minutes(),
        carried={proposal.pk: True},
        today=TODAY,
    )
    assert not outcome.refused


def test_an_administrator_who_entered_a_proposal_cannot_decide_it_into_the_registry(
    make_user, offices
):
    """An administrator enters a family as a proposal, lets the village, the regency and the
    regent take their steps, then decides it into the registry themself."""
    administrator = make_user(Role.ADMINISTRATOR)
    proposal = _new_family_by(administrator)
    _verify_and_deliberate(offices["village"], proposal)
    assert proposals.move_many(offices["regency"], [proposal], "validated", today=TODAY).moved
    assert proposals.move_many(offices["regent"], [proposal], "approved", today=TODAY).moved
    outcome = proposals.move_many(administrator, [proposal], "decided", today=TODAY)
    assert not outcome.moved
    assert Proposal.objects.get(pk=proposal.pk).stage == ProposalStage.APPROVED


def test_a_village_operator_cannot_record_a_deliberation_for_another_village(offices):
    """The operator of one village records a deliberation carrying a neighbouring village's
    verified proposal."""
    proposal = proposals.submit_proposal(
        change=ProposedChange(
            kind="new_household",
            village=Region.objects.get(code=OTHER_VILLAGE_SAME_DISTRICT),
            **NEW_FAMILY,
        ),
        proposer_name="Warga",
        submitted_on=TODAY,
    )
    Proposal.objects.filter(pk=proposal.pk).update(stage=ProposalStage.VERIFIED)
    with pytest.raises(PermissionDenied):
        proposals.record_deliberation(
            offices["village"],
            village=Region.objects.get(code=OTHER_VILLAGE_SAME_DISTRICT),
            held_on=TODAY,
            participants="BPD",
            minutes=minutes(),
            carried={proposal.pk: True},
            today=TODAY,
        )
    assert Proposal.objects.get(pk=proposal.pk).stage == ProposalStage.VERIFIED


def test_a_verified_proposal_cannot_be_visited_again_to_change_its_visit(client, offices):
    """After the visit is recorded, the operator posts another visit date to rewrite it."""
    proposal = _new_family_by(offices["village"])
    proposals.verify(offices["village"], proposal, visited_on=TODAY, today=TODAY)
    client.force_login(offices["village"])
    client.post(
        reverse("web:proposal-visit", args=[proposal.pk]),
        {"visited_on": (TODAY - timedelta(days=30)).isoformat()},
    )
    found = Proposal.objects.get(pk=proposal.pk)
    assert (found.stage, found.visited_on) == (ProposalStage.VERIFIED, TODAY)
    assert found.steps.count() == 2


def test_a_bandung_office_cannot_validate_bogor_proposals_from_the_list(client, offices):
    """The Bandung office ticks a Bogor proposal's id on its own list and validates it."""
    proposal = _new_family_by(offices["village"])
    _verify_and_deliberate(offices["village"], proposal)
    client.force_login(offices["bandung"])
    client.post(
        reverse("web:proposal-batch"),
        {"proposal": [str(proposal.pk)], "to_stage": "validated"},
    )
    assert Proposal.objects.get(pk=proposal.pk).stage == ProposalStage.DELIBERATED


# -- objections and corrections ------------------------------------------------------------------


def test_an_office_cannot_verify_an_objection_of_another_regency(
    client, household_factory, offices
):
    """The Bandung office confirms an objection to a Bogor household (suspending its aid)."""
    household = household_factory(VILLAGE)
    objection = objections.file_objection(
        household=household,
        objector_name="Tetangga",
        objector_village=household.village,
        reason="punya mobil",
        filed_on=TODAY,
    )
    client.force_login(offices["bandung"])
    response = client.post(
        reverse("web:objection", args=[objection.pk]), {"verdict": "confirmed", "note": "benar"}
    )
    assert response.status_code == 404
    with pytest.raises(PermissionDenied):
        objections.verify_objection(
            actor=offices["bandung"], objection=objection, confirmed=True, note="x", today=TODAY
        )
    assert Objection.objects.get(pk=objection.pk).status == "filed"


def test_an_office_cannot_accept_a_correction_of_another_regency(household_factory, offices):
    """The Bandung office accepts a Bogor person's correction, rewriting their birth place."""
    household = household_factory(VILLAGE)
    request = corrections.request_correction(
        person=household.members.get(),
        requester_name="Siti Aminah",
        description="tempat lahir salah",
        cells={"birth_place": "Bandung"},
        received_on=TODAY,
    )
    with pytest.raises(PermissionDenied):
        corrections.review_correction(
            offices["bandung"], request, accepted=True, note="dicek", today=TODAY
        )
    assert CorrectionRequest.objects.get(pk=request.pk).status == "requested"
    assert household.members.get().birth_place != "Bandung"


# -- targeting -----------------------------------------------------------------------------------


def _completed_run(**extra) -> TargetingRun:
    return TargetingRun.objects.create(
        as_of=TODAY,
        rules_text=default_rules_text(),
        rules_version="test",
        status=TargetingRun.Status.COMPLETED,
        **extra,
    )


@pytest.fixture
def analyst(make_user):
    return make_user(Role.MINISTRY_ANALYST)


@pytest.fixture
def admin_client(client, make_user):
    client.force_login(make_user(Role.ADMINISTRATOR, is_staff=True, is_superuser=True))
    return client


def test_an_administrator_cannot_delete_a_targeting_run_in_the_admin(admin_client):
    """An administrator deletes a completed run (its decisions with it) from Django's admin."""
    run = _completed_run()
    admin_client.post(f"/admin/targeting/targetingrun/{run.pk}/delete/", {"post": "yes"})
    assert TargetingRun.objects.filter(pk=run.pk).exists()


def test_an_administrator_cannot_turn_a_what_if_into_the_current_run_in_the_admin(admin_client):
    """An administrator opens a completed what-if in Django's admin and unticks
    "is simulation": the simulation, run on pasted rules, would become the current run."""
    real = _completed_run()
    whatif = _completed_run(is_simulation=True, base_run=real)
    admin_client.post(
        f"/admin/targeting/targetingrun/{whatif.pk}/change/",
        {
            "as_of": TODAY.isoformat(),
            "rules_version": "test",
            "engine": "duckdb",
            "status": "completed",
            "households": "0",
            "persons": "0",
            "error": "",
            "base_run": str(real.pk),
        },
    )
    assert TargetingRun.objects.get(pk=whatif.pk).is_simulation is True
    assert latest_run().pk == real.pk


@pytest.mark.parametrize(
    "role", [Role.DISTRICT_OFFICE, Role.SOCIAL_WORKER, Role.PROVINCIAL_OFFICE, Role.AUDITOR]
)
def test_only_analysts_and_administrators_start_runs_or_what_ifs_on_the_pages(
    client, make_user, role
):
    """An office, a social worker or an auditor posts the run form and the what-if form."""
    region = {Role.AUDITOR: None, Role.PROVINCIAL_OFFICE: "32"}.get(role, "3201")
    client.force_login(make_user(role, region))
    run = client.post(reverse("web:targeting"), {"as_of": "2026-03-01", "engine": "duckdb"})
    whatif = client.post(
        reverse("web:targeting-whatif"),
        {"as_of": "2026-03-01", "rules_text": default_rules_text()},
    )
    assert (run.status_code, whatif.status_code) == (403, 403)
    assert not TargetingRun.objects.exists()


def test_a_pasted_what_if_rules_text_is_held_to_the_rules_file_limit(client, analyst):
    """An analyst pastes rules padded with a comment far beyond the 200 kB an uploaded rules
    file (or the API) may hold."""
    client.force_login(analyst)
    padded = default_rules_text() + "\n# " + "x" * 300_000 + "\n"
    base = _completed_run()
    client.post(
        reverse("web:targeting-whatif"),
        {"as_of": "2026-03-01", "base_run": str(base.pk), "rules_text": padded},
    )
    assert not TargetingRun.objects.filter(is_simulation=True).exists()


@pytest.mark.parametrize(
    "limits",
    [
        {"PKH": {"budget": -1}},
        {"PKH": {"budget": 1.5e9}},
        {"PKH": {"budget": True}},
        {"PKH": {"budget": "5000000000"}},
        {"PKH": {"quotas": {"../../etc": 5}}},
        {"PKH": {"quotas": {"3201": -3}}},
        {"PKH": {"quotas": {"3201": 2.5}}},
        {"PKH": {"quotas": ["3201"]}},
        {"PKH": {"formula": "__import__('os')"}},
        {"NOPE": {"budget": 1}},
        {"PKH": 5},
    ],
)
def test_a_malformed_limit_is_refused_by_the_api_and_no_run_is_queued(api_post, analyst, limits):
    """An analyst sends limits with negative, fractional, boolean, textual or foreign values,
    paths as region codes, unknown keys or programmes."""
    body = {"as_of": "2026-03-01", "limits": limits}
    response = api_post(analyst, "/api/v1/targeting/runs", body, "k-limits")
    assert response.status_code == 422
    assert not TargetingRun.objects.exists()


def test_the_rules_may_not_name_a_pmt_model_outside_the_rules_folder_through_the_api(
    api_post, analyst
):
    """An analyst's pasted rules point the PMT model at a file elsewhere on the server."""
    text = default_rules_text().replace('pmt_model = "', 'pmt_model = "../../../../etc/', 1)
    assert text != default_rules_text()
    body = {"as_of": "2026-03-01", "rules_text": text, "simulation": True}
    response = api_post(analyst, "/api/v1/targeting/runs", body, "k-pmt")
    assert response.status_code == 422
    assert not TargetingRun.objects.exists()


def test_a_social_worker_cannot_place_a_person_of_another_region_in_a_cluster(
    household_factory, offices
):
    """A Bogor social worker records NAPZA_HIV for a person living in Bandung."""
    person = household_factory(BANDUNG_VILLAGE).members.get()
    with pytest.raises(PermissionDenied):
        targeting_services.add_manual_cluster(
            offices["worker"],
            targeting_services.ManualCluster(
                person=person, cluster="NAPZA_HIV", reason="asesmen", valid_from=TODAY
            ),
        )
    assert not ManualClusterMembership.objects.exists()


@pytest.mark.parametrize("role", [Role.MINISTRY_ANALYST, Role.AUDITOR, Role.PROGRAMME_MANAGER])
def test_roles_that_may_not_read_specific_data_cannot_record_a_cluster(
    household_factory, make_user, role
):
    """An analyst, an auditor or a programme manager (whole country) records a cluster."""
    person = household_factory(VILLAGE).members.get()
    with pytest.raises(PermissionDenied):
        targeting_services.add_manual_cluster(
            make_user(role),
            targeting_services.ManualCluster(
                person=person, cluster="NAPZA_HIV", reason="x", valid_from=TODAY
            ),
        )
    assert not ManualClusterMembership.objects.exists()
