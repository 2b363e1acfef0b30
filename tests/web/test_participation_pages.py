"""The staff's pages for proposals, objections and complaints: each office finds what waits
for its step, takes it one at a time or ticks a list; the village records its deliberation
with the minutes; a decided proposal's family is in the registry and its history names the
proposal. Objections are taken in from the household page and verified by the office;
complaints are resolved by the office they are routed to and hidden from the staff named."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sejahtera.accounts.models import Role
from sejahtera.domain.participation import ComplaintCategory, ProposalKind, ProposalStage
from sejahtera.grievances import complaints, proposals
from sejahtera.grievances.models import Objection, Proposal
from sejahtera.grievances.proposals import ProposedChange
from sejahtera.registry.models import ChangeRecord, Region

pytestmark = pytest.mark.django_db
VILLAGE = "3201011002"
FAMILY = [
    {
        "full_name": "Budi Santoso",
        "sex": "L",
        "birth_date": "1980-01-15",
        "relationship": "head",
        "nik": "3201011501800003",
    }
]


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def staff(make_user):
    return {
        "village": make_user(Role.VILLAGE_OPERATOR, VILLAGE),
        "office": make_user(Role.DISTRICT_OFFICE, "3201"),
        "regent": make_user(Role.REGENT, "3201"),
        "ministry": make_user(Role.MINISTRY_ANALYST),
    }


def propose() -> Proposal:
    return proposals.submit_proposal(
        change=ProposedChange(
            kind=ProposalKind.NEW_HOUSEHOLD,
            village=Region.objects.get(code=VILLAGE),
            household_cells={"address": "Jl. Melati 3"},
            member_cells=FAMILY,
        ),
        proposer_name="Warga",
        proposer_nik="3201016007850002",
        submitted_on=date.today(),
    )


def test_a_proposal_goes_from_the_village_to_the_registry_through_the_pages(client, staff):
    proposal = propose()
    client.force_login(staff["village"])
    waiting = client.get("/proposals/").content.decode()
    assert f'data-proposal="{proposal.tracking_number}"' in waiting
    visited = client.post(
        f"/proposals/{proposal.pk}/visit/", {"visited_on": date.today().isoformat()}
    )
    assert visited.status_code == 302
    page = client.get(f"/proposals/deliberation/?region={VILLAGE}").content.decode()
    assert proposal.tracking_number in page
    recorded = client.post(
        f"/proposals/deliberation/?region={VILLAGE}",
        {
            "village": VILLAGE,
            "held_on": date.today().isoformat(),
            "participants": "Kepala desa, BPD, tokoh masyarakat",
            "minutes": SimpleUploadedFile("berita-acara.pdf", b"%PDF-1.4 musdes"),
            "discussed": [proposal.pk],
            "carried": [proposal.pk],
        },
    )
    assert recorded.status_code == 302, recorded.content.decode()[:2000]
    for who, stage in (("office", "validated"), ("regent", "approved"), ("ministry", "decided")):
        client.force_login(staff[who])
        listed = client.get("/proposals/?stage=" + Proposal.objects.get().stage)
        assert f'value="{proposal.pk}"' in listed.content.decode()
        client.post(
            "/proposals/batch/",
            {"proposal": [proposal.pk], "action": "forward", "to_stage": stage},
        )
        assert Proposal.objects.get().stage == stage, who
    household = Proposal.objects.get().result_household
    client.force_login(staff["office"])
    history = client.get(f"/registry/households/{household.pk}/").content.decode()
    assert proposal.tracking_number in history
    assert ChangeRecord.objects.filter(proposal=proposal.tracking_number).count() == 2


def test_a_role_cannot_take_another_roles_step_from_the_list(client, staff):
    proposal = propose()
    client.force_login(staff["regent"])
    client.post(
        "/proposals/batch/",
        {"proposal": [proposal.pk], "action": "forward", "to_stage": "validated"},
    )
    client.post("/proposals/batch/", {"proposal": [proposal.pk], "action": "reject", "reason": "x"})
    assert Proposal.objects.get().stage == ProposalStage.SUBMITTED


def test_a_list_rejection_needs_a_reason(client, staff):
    proposal = propose()
    client.force_login(staff["village"])
    response = client.post(
        "/proposals/batch/",
        {"proposal": [proposal.pk], "action": "reject", "reason": ""},
        follow=True,
    )
    assert Proposal.objects.get().stage == ProposalStage.SUBMITTED
    assert proposal.tracking_number in response.content.decode()


def test_the_list_names_whom_each_proposal_is_about(client, staff, household_factory):
    """A new family by its proposed head, a change by the member it concerns; a child is
    masked for a role that sees children masked."""
    new_family = propose()
    child = {**FAMILY[0], "full_name": "Anak Yatim", "birth_date": "2015-05-05", "nik": ""}
    orphan = proposals.submit_proposal(
        change=ProposedChange(
            kind=ProposalKind.NEW_HOUSEHOLD,
            village=Region.objects.get(code=VILLAGE),
            household_cells={"address": "Jl. Mawar 1"},
            member_cells=[child],
        ),
        proposer_name="Warga",
        proposer_nik="3201016007850002",
        submitted_on=date.today(),
    )
    siti = household_factory(VILLAGE).members.get()
    death = proposals.submit_proposal(
        change=ProposedChange(
            kind=ProposalKind.DIED,
            village=Region.objects.get(code=VILLAGE),
            household=siti.household,
            person=siti,
            member_cells=[{"deceased_date": "2026-11-30"}],
        ),
        proposer_name="Warga",
        proposer_nik="3201016007850002",
        submitted_on=date.today(),
    )
    client.force_login(staff["office"])
    # the office's own tab lists what waits for it; its "All" tab, everything of its region
    waiting = client.get("/proposals/?stage=waiting").content.decode()
    assert 'href="?stage=waiting" aria-current="page"' in waiting
    assert f'data-proposal="{new_family.tracking_number}"' not in waiting  # the village's step
    page = client.get("/proposals/?stage=").content.decode()
    assert 'href="?stage=" aria-current="page"' in page

    def about(proposal):
        row = page.split(f'data-proposal="{proposal.tracking_number}"')[1].split("</tr>")[0]
        return row.split("<td data-about>")[1].split("</td>")[0]

    assert about(new_family) == "Budi Santoso"
    assert about(death) == "Siti Aminah"
    assert about(orphan) == "Anak Yatim"
    client.force_login(staff["ministry"])  # sees children masked
    masked = client.get("/proposals/?stage=").content.decode()
    assert f'data-proposal="{orphan.tracking_number}"' in masked
    assert "Anak Yatim" not in masked


def test_a_list_action_with_nothing_ticked_says_so(client, staff):
    proposal = propose()
    client.force_login(staff["village"])
    for action in ({"action": "forward", "to_stage": "validated"}, {"action": "reject"}):
        response = client.post("/proposals/batch/", {**action, "reason": "x"}, follow=True)
        assert "Centang minimal satu usulan." in response.content.decode()
    assert Proposal.objects.get(pk=proposal.pk).stage == ProposalStage.SUBMITTED
    Proposal.objects.filter(pk=proposal.pk).update(stage=ProposalStage.DELIBERATED)
    client.force_login(staff["office"])
    page = client.get("/proposals/?stage=deliberated").content.decode()
    assert 'data-confirm="Tolak usulan yang dicentang, dengan alasan di atas?"' in page


def test_a_village_operator_enters_a_proposal_with_a_photo(client, staff):
    client.force_login(staff["village"])
    response = client.post(
        "/proposals/new/",
        {
            "village": VILLAGE,
            "name": "Operator Desa",
            "nik": "",
            "description": "Rumah tidak layak huni",
            "photo": SimpleUploadedFile("rumah.jpg", b"\xff\xd8\xff\xe0 jpeg"),
            "h-address": "Jl. Melati 3",
            "m-TOTAL_FORMS": "4",
            "m-INITIAL_FORMS": "0",
            "m-0-full_name": "Budi Santoso",
            "m-0-sex": "L",
            "m-0-birth_date": "1980-01-15",
            "m-0-relationship": "head",
        },
    )
    proposal = Proposal.objects.get()
    assert response.status_code == 302
    assert (proposal.channel, proposal.submitted_by) == ("office", staff["village"])
    photo = client.get(f"/proposals/{proposal.pk}/photo/")
    assert photo.status_code == 200
    assert b"".join(photo.streaming_content).startswith(b"\xff\xd8\xff")


def test_an_objection_is_taken_in_on_the_household_page_and_verified_by_the_office(
    client, staff, household_factory
):
    household = household_factory(VILLAGE)
    client.force_login(staff["village"])
    assert "object/" in client.get(f"/registry/households/{household.pk}/").content.decode()
    filed = client.post(
        f"/registry/households/{household.pk}/object/",
        {"objector_name": "Tetangga", "objector_nik": "", "reason": "Punya mobil baru"},
    )
    assert filed.status_code == 302
    objection = Objection.objects.get()
    assert objection.filed_by == staff["village"]
    assert (
        client.post(
            f"/objections/{objection.pk}/", {"verdict": "confirmed", "note": "x"}
        ).status_code
        == 403
    )
    client.force_login(staff["office"])
    listed = client.get("/objections/").content.decode()
    assert objection.tracking_number in listed
    named = f"<td>Siti Aminah · {household.external_id}</td>"  # the family by its head
    assert named in listed
    verification = client.get(f"/objections/{objection.pk}/").content.decode()
    assert f"Siti Aminah · {household.external_id}</a>" in verification
    assert 'data-confirm="Catat verifikasi ini? Sanggahan yang terbukti menahan' in verification
    client.post(f"/objections/{objection.pk}/", {"verdict": "dismissed", "note": "Mobil sewaan"})
    objection.refresh_from_db()
    assert (objection.status, objection.verified_by) == ("dismissed", staff["office"])


def test_a_complaint_is_resolved_on_its_page_and_hidden_from_the_staff_named(
    client, staff, make_user
):
    village = Region.objects.get(code=VILLAGE)
    complaint = complaints.file_complaint(
        category=ComplaintCategory.AID_NOT_RECEIVED,
        region=village,
        description="Belum diterima",
        complainant_name="Warga",
        received_on=date.today(),
    )
    province = make_user(Role.PROVINCIAL_OFFICE, "32")
    about_province = complaints.file_complaint(
        category=ComplaintCategory.STAFF_MISCONDUCT,
        region=village,
        description="Petugas meminta uang",
        complainant_name="Warga",
        received_on=date.today(),
        named_staff=province,
    )
    client.force_login(staff["office"])
    assert client.get(f"/complaints/{about_province.pk}/").status_code == 404
    to_resolve = client.get(f"/complaints/{complaint.pk}/").content.decode()
    assert 'data-confirm="Selesaikan pengaduan ini?' in to_resolve
    resolved = client.post(f"/complaints/{complaint.pk}/", {"outcome": "Dana dicairkan"})
    assert resolved.status_code == 302
    complaint.refresh_from_db()
    assert complaint.outcome == "Dana dicairkan"
    client.force_login(province)
    assert client.get(f"/complaints/{about_province.pk}/").status_code == 404
    assert about_province.tracking_number not in client.get("/complaints/").content.decode()


def test_the_regent_lands_on_the_proposals_waiting_for_approval(client, staff):
    client.force_login(staff["regent"])
    assert client.get("/").url == "/proposals/"
    page = client.get("/proposals/").content.decode()
    assert 'href="?stage=waiting" aria-current="page"' in page


SCOPES = {
    Role.VILLAGE_OPERATOR: VILLAGE,
    Role.DISTRICT_OFFICE: "3201",
    Role.PROVINCIAL_OFFICE: "32",
    Role.REGENT: "3201",
    Role.SOCIAL_WORKER: "3201",
    Role.SUPERVISOR: "3201",
}
V, D, P, R, M = (
    "village_operator",
    "district_office",
    "provincial_office",
    "regent",
    "ministry_analyst",
)
A, AD = "auditor", "administrator"
# page → the roles that open it (every other role is refused with 403)
OPENED_BY = {
    "/proposals/": {V, D, P, R, M, A, AD},
    "/proposals/new/": {V, AD},
    "/proposals/deliberation/": {V, AD},
    "/objections/": {V, D, P, A, AD},
    "/complaints/": {V, D, P, M, A, AD},
    "/complaints/new/": {V, D, P, AD},
    "/corrections/": {D, P, A, AD},
}


@pytest.mark.parametrize("role", list(Role))
def test_each_role_opens_its_own_participation_pages_only(client, make_user, role):
    client.force_login(make_user(role, SCOPES.get(role)))
    answers = {page: client.get(page).status_code for page in OPENED_BY}
    assert answers == {page: 200 if role in roles else 403 for page, roles in OPENED_BY.items()}


def test_a_list_step_never_sends_the_browser_to_another_site(client, staff):
    proposal = propose()
    client.force_login(staff["village"])
    for back in ("https://evil.example/", "//evil.example/", "/\\evil.example/"):
        response = client.post(
            "/proposals/batch/",
            {"proposal": [proposal.pk], "action": "reject", "reason": "", "back": back},
        )
        assert response.url == "/proposals/", back


def _change_form(kind: str, **fields) -> dict[str, str]:
    return {"kind": kind, "description": "Surat keterangan dari RT", **fields}


def test_a_village_operator_proposes_each_kind_of_change_from_the_household_page(
    client, staff, household_factory
):
    household = household_factory(VILLAGE, address="Jl. Lama 1")
    other = household_factory(VILLAGE, members=FAMILY)
    head = household.members.get()
    client.force_login(staff["village"])
    assert "propose/" in client.get(f"/registry/households/{household.pk}/").content.decode()
    url = f"/registry/households/{household.pk}/propose/"
    sent = [
        _change_form("moved", **{"h-address": "Jl. Baru 2"}),
        _change_form("died", member=str(head.pk), deceased_date="2026-01-02"),
        _change_form(
            "birth",
            **{
                "n-full_name": "Bayi",
                "n-sex": "L",
                "n-birth_date": "2026-01-01",
                "n-relationship": "child",
            },
        ),
        _change_form("member_left", member=str(head.pk), to_household=other.external_id),
        _change_form("condition", member=str(head.pk), **{"c-disability": "physical"}),
    ]
    for form in sent:
        assert client.post(url, form).status_code == 302, form["kind"]
    made = {p.kind: p for p in Proposal.objects.all()}
    assert made["moved"].household_cells == {"address": "Jl. Baru 2"}
    assert made["died"].member_cells == [{"deceased_date": "2026-01-02"}]
    assert made["birth"].member_cells[0]["full_name"] == "Bayi"
    assert made["member_left"].to_household == other
    assert made["condition"].member_cells == [{"disability": "physical"}]
    assert {p.submitted_by for p in made.values()} == {staff["village"]}


def test_a_change_without_its_facts_is_refused_and_says_why(client, staff, household_factory):
    household = household_factory(VILLAGE)
    client.force_login(staff["village"])
    url = f"/registry/households/{household.pk}/propose/"
    died = client.post(url, _change_form("died"))  # which member, when?
    assert died.status_code == 400
    assert 'role="alert"' in died.content.decode()
    elsewhere = client.post(
        url,
        _change_form(
            "member_left", member=str(household.members.get().pk), to_household="SJ-H-NOPE"
        ),
    )
    assert elsewhere.status_code == 400
    assert not Proposal.objects.exists()


def test_the_office_reviews_a_correction_on_its_page(client, staff, household_factory):
    from sejahtera.grievances.corrections import request_correction

    person = household_factory(VILLAGE).members.get()
    request = request_correction(
        person=person,
        requester_name=person.full_name,
        description="Nama salah",
        cells={"full_name": "Siti Aminah Lubis"},
        received_on=date.today(),
    )
    client.force_login(staff["office"])
    assert request.tracking_number in client.get("/corrections/").content.decode()
    page = client.get(f"/corrections/{request.pk}/").content.decode()
    assert "Siti Aminah Lubis" in page
    client.post(f"/corrections/{request.pk}/", {"verdict": "accepted", "note": "Sesuai KTP"})
    person.refresh_from_db()
    assert person.full_name == "Siti Aminah Lubis"


def test_an_office_names_the_staff_a_complaint_is_about(client, staff, make_user):
    from sejahtera.grievances.models import Complaint

    officer = make_user(Role.PROVINCIAL_OFFICE, "32")
    client.force_login(staff["office"])
    response = client.post(
        "/complaints/new/",
        {
            "village": VILLAGE,
            "category": "staff_misconduct",
            "description": "Meminta uang",
            "name": "Warga",
            "nik": "",
            "named_staff": officer.username,
        },
    )
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert (complaint.named_staff, complaint.level) == (officer, "ministry")
    client.force_login(officer)
    assert client.get(f"/complaints/{complaint.pk}/").status_code == 404


def test_the_objection_list_names_families_in_the_same_queries_however_many(
    client, staff, household_factory, django_assert_max_num_queries
):
    """Each family named by its head cost two queries a row (up to 200 rows)."""
    from sejahtera.grievances.objections import file_objection
    from sejahtera.registry.models import Region

    village = Region.objects.get(code=VILLAGE)
    for _ in range(6):
        file_objection(
            household=household_factory(VILLAGE),
            objector_name="Warga",
            objector_village=village,
            reason="Punya mobil",
            filed_on=date.today(),
        )
    client.force_login(staff["office"])
    with django_assert_max_num_queries(20):
        listed = client.get("/objections/").content.decode()
    assert listed.count("<td>Siti Aminah · ") == 6


def test_a_double_click_enters_one_proposal_one_objection_one_complaint(
    client, staff, household_factory, one_time_key
):
    from sejahtera.grievances.models import Complaint

    household = household_factory(VILLAGE)
    client.force_login(staff["village"])
    forms = {
        f"/registry/households/{household.pk}/propose/": _change_form(
            "moved", **{"h-address": "Jl. Baru 2"}
        ),
        f"/registry/households/{household.pk}/object/": {
            "objector_name": "Tetangga",
            "objector_nik": "",
            "reason": "Punya mobil",
        },
        "/complaints/new/": {
            "village": VILLAGE,
            "category": "service_quality",
            "description": "Antrean lama",
            "name": "Warga",
            "nik": "",
        },
    }
    for url, form in forms.items():
        key = {"submission_key": one_time_key(client.get(url).content.decode())}
        first = client.post(url, {**form, **key})
        again = client.post(url, {**form, **key})
        assert first.status_code == again.status_code == 302, url
        assert first.url == again.url, url
    assert (Proposal.objects.count(), Objection.objects.count(), Complaint.objects.count()) == (
        1,
        1,
        1,
    )


def test_a_proposed_condition_is_masked_for_the_roles_that_may_not_read_specific_data(
    client, staff, household_factory
):
    household = household_factory(VILLAGE)
    proposal = proposals.submit_proposal(
        change=ProposedChange(
            kind=ProposalKind.CONDITION,
            village=household.village,
            household=household,
            person=household.members.get(),
            member_cells=[{"disability": "mental"}],
        ),
        proposer_name="Operator",
        submitted_on=date.today(),
    )
    for who, shown in (("village", True), ("regent", False), ("ministry", False)):
        client.force_login(staff[who])
        page = client.get(f"/proposals/{proposal.pk}/").content.decode()
        assert ("•••" not in page) is shown, who
