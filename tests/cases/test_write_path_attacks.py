"""The write paths of the registry and of case management from an attacker's side: a village
operator or district office writing outside its region (by ids, by moving a household, by
extra fields, by stale or replayed versions, by retries), a social worker or supervisor acting
on a case that is not theirs or taking a step the journey keeps for someone else, and whether
each write lands in the change history, the case timeline and the audit trail."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sejahtera.accounts.models import ApiToken, AuditEntry, Notification, Role
from sejahtera.accounts.tokens import create_token
from sejahtera.cases import services
from sejahtera.cases.models import (
    Case,
    CaseEvent,
    CasePlan,
    FollowUp,
    GraduationRequest,
    Referral,
)
from sejahtera.domain.cases import GraduationType, Stage
from sejahtera.registry.models import ChangeRecord, Household, Person
from sejahtera.registry.services import records

pytestmark = pytest.mark.django_db

BOGOR = "3201"
BOGOR_VILLAGE = "3201011002"  # Karadenan, Cibinong
NEIGHBOUR_VILLAGE = "3201011001"  # Pondok Rajeg, Cibinong (same district)
BANDUNG = "3273"
BANDUNG_VILLAGE = "3273011001"
ALL_SCOPES = [s.value for s in ApiToken.Scope]
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def head(name: str, nik: str = "", **cells: str) -> dict[str, str]:
    return {
        "full_name": name,
        "sex": "P",
        "birth_date": "1980-05-04",
        "relationship": "head",
        "nik": nik,
        **cells,
    }


@pytest.fixture
def api(client):
    """api(user) → call(method, path, body=None, key=None)."""

    def as_user(user):
        _token, secret = create_token(user, "attack", ALL_SCOPES)

        def call(method, path, body=None, key=None):
            headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
            if key:
                headers["HTTP_IDEMPOTENCY_KEY"] = key
            if body is None:
                return getattr(client, method)(f"/api/v1{path}", **headers)
            return getattr(client, method)(
                f"/api/v1{path}", json.dumps(body), content_type="application/json", **headers
            )

        return call

    return as_user


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def household_body(household: Household, **changes: str) -> dict[str, str]:
    cells = {k: v or None for k, v in records.household_cells(household).items()}
    cells.pop("household_id")
    return {**cells, **changes}


def person_body(person: Person, **changes: str) -> dict[str, str | None]:
    cells = {k: v or None for k, v in records.person_cells(person).items()}
    cells.pop("household_id")
    cells.pop("person_id")
    return {**cells, **changes}


def person_form(person: Person, **changes: str) -> dict[str, str]:
    """The person edit page's fields, as the browser would send them."""
    data = {name: value for name, value in person_body(person).items() if value is not None}
    return {**data, **changes}


# -- registry: households and persons outside the writer's region ------------------------------


def test_an_operator_cannot_edit_a_household_of_the_next_village(api, make_user, household_factory):
    """A village operator PUTs a household of the neighbouring village (same district) by its
    id: not found, and nothing about it changes or is written to its history."""
    theirs = household_factory(NEIGHBOUR_VILLAGE, members=[head("Rina")], address="Jl. Asli")
    call = api(make_user(Role.VILLAGE_OPERATOR, BOGOR_VILLAGE))
    body = {"version": theirs.version, "household": household_body(theirs, address="Jl. Palsu")}
    answer = call("put", f"/households/{theirs.pk}", body)
    assert answer.status_code == 404
    theirs.refresh_from_db()
    assert (theirs.address, theirs.version) == ("Jl. Asli", 1)
    assert not ChangeRecord.objects.filter(
        entity="household", record_id=theirs.pk, action=ChangeRecord.Action.UPDATED
    ).exists()


def test_an_office_cannot_move_its_household_out_of_its_regency(api, make_user, served_case):
    """A district office of Bogor moves one of its households (with an open case) to a village
    of Bandung: refused with REGION_OUTSIDE_SCOPE; the household, its version and its case's
    region stay."""
    family = records.register_household(
        actor=make_user(Role.ADMINISTRATOR),
        household={"region_code": BOGOR_VILLAGE},
        members=[head("Siti")],
    )
    case = served_case(
        family, make_user(Role.SOCIAL_WORKER, BOGOR), make_user(Role.SUPERVISOR, BOGOR)
    )
    call = api(make_user(Role.DISTRICT_OFFICE, BOGOR))
    body = {
        "version": family.version,
        "household": household_body(family, region_code=BANDUNG_VILLAGE),
    }
    answer = call("put", f"/households/{family.pk}", body)
    assert answer.status_code == 422
    assert [e["code"] for e in answer.json()["errors"]] == ["REGION_OUTSIDE_SCOPE"]
    family.refresh_from_db()
    case.refresh_from_db()
    assert (family.village_id, family.version) == (BOGOR_VILLAGE, 1)
    assert case.region_code == BOGOR_VILLAGE


def test_an_office_cannot_pull_a_household_into_its_regency(api, make_user, household_factory):
    """A district office of Bogor PUTs a Bandung household with a Bogor village as its region
    (moving it into its own region), and adds a member to it: not found, nothing changes."""
    bandung = household_factory(BANDUNG_VILLAGE, members=[head("Rina")])
    call = api(make_user(Role.DISTRICT_OFFICE, BOGOR))
    body = {"version": 1, "household": household_body(bandung, region_code=BOGOR_VILLAGE)}
    assert call("put", f"/households/{bandung.pk}", body).status_code == 404
    member = {**head("Anak"), "relationship": "child", "birth_date": "2015-01-01"}
    assert call("post", f"/households/{bandung.pk}/members", member).status_code == 404
    bandung.refresh_from_db()
    assert bandung.village_id == BANDUNG_VILLAGE
    assert bandung.members.count() == 1


def test_the_edit_page_offers_and_accepts_only_the_operators_village(
    client, make_user, household_factory
):
    """A village operator posts the household edit page with another village's code as its
    region (a forged choice): the form refuses it and the household stays."""
    family = household_factory(BOGOR_VILLAGE, members=[head("Siti")])
    client.force_login(make_user(Role.VILLAGE_OPERATOR, BOGOR_VILLAGE))
    data = {k: v for k, v in household_body(family).items() if v}
    data |= {"region_code": NEIGHBOUR_VILLAGE, "version": str(family.version)}
    answer = client.post(f"/registry/households/{family.pk}/edit/", data)
    assert answer.status_code == 200  # the form again, with its error
    family.refresh_from_db()
    assert (family.village_id, family.version) == (BOGOR_VILLAGE, 1)


def test_extra_fields_on_the_person_page_are_not_written(client, make_user, household_factory):
    """A village operator's person edit page carries forged fields beside the form's: another
    household's id, a version far ahead, anonymised_on, held_for_review, merged_into, is_staff.
    Only the form's cells are written (one change record, by the operator); the person stays in
    their household and the operator's account is unchanged."""
    family = household_factory(BOGOR_VILLAGE, members=[head("Siti", "3201014405800001")])
    other = household_factory(BOGOR_VILLAGE, members=[head("Rina")])
    person = family.members.get()
    operator = make_user(Role.VILLAGE_OPERATOR, BOGOR_VILLAGE)
    client.force_login(operator)
    forged = {
        "version": str(person.version),
        "household_id": str(other.pk),
        "household": str(other.pk),
        "anonymised_on": "2020-01-01",
        "held_for_review": "on",
        "merged_into": str(other.members.get().pk),
        "is_staff": "on",
        "role": Role.ADMINISTRATOR,
        "external_id": "SJ-P-FORGED",
    }
    answer = client.post(
        f"/registry/persons/{person.pk}/edit/", person_form(person, full_name="Siti A.") | forged
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    person = Person.all_objects.get(pk=person.pk)
    assert person.full_name == "Siti A."
    assert person.household_id == family.pk
    assert person.anonymised_on is None
    assert person.held_for_review is False
    assert person.merged_into_id is None
    assert person.external_id != "SJ-P-FORGED"
    assert person.version == 2
    operator.refresh_from_db()
    assert (operator.is_staff, operator.role) == (False, Role.VILLAGE_OPERATOR)
    change = ChangeRecord.objects.get(
        entity="person", record_id=person.pk, action=ChangeRecord.Action.UPDATED
    )
    assert change.actor == operator
    assert change.changes["full_name"] == ["Siti", "Siti A."]
    system = {"household_id", "anonymised_on", "held_for_review", "merged_into", "external_id"}
    assert not set(change.changes) & system


def test_a_name_corrected_on_the_page_leaves_unknown_specific_data_unknown(
    client, make_user, household_factory
):
    """A village operator corrects only a person's name on the person page; nothing was known
    of their HIV status, drug use or being a victim of violence (empty cells). The edit must
    not record them as "no" (decision 0002: empty means unknown; forms map an empty input to
    NULL): the person's specific data stay unknown and the change history names the name
    only."""
    family = household_factory(BOGOR_VILLAGE, members=[head("Siti")])
    person = family.members.get()
    assert (person.hiv, person.drug_user, person.violence_victim) == (None, None, None)
    client.force_login(make_user(Role.VILLAGE_OPERATOR, BOGOR_VILLAGE))
    data = person_form(person, full_name="Siti Aminah") | {"version": str(person.version)}
    assert client.post(f"/registry/persons/{person.pk}/edit/", data).status_code == 302
    person.refresh_from_db()
    assert person.full_name == "Siti Aminah"
    assert (person.hiv, person.drug_user, person.violence_victim) == (None, None, None)
    change = ChangeRecord.objects.get(
        entity="person", record_id=person.pk, action=ChangeRecord.Action.UPDATED
    )
    assert set(change.changes) == {"full_name"}


def test_an_api_person_edit_refuses_system_fields(api, make_user, household_factory):
    """PUT /persons/{id} with a household_id cell (moving the member to a household of another
    village) or an anonymised_on cell: refused as unknown columns, nothing written."""
    family = household_factory(BOGOR_VILLAGE, members=[head("Siti")])
    elsewhere = household_factory(NEIGHBOUR_VILLAGE, members=[head("Rina")])
    person = family.members.get()
    call = api(make_user(Role.DISTRICT_OFFICE, BOGOR))
    for extra in ({"household_id": elsewhere.external_id}, {"anonymised_on": "2020-01-01"}):
        body = {"version": person.version, "person": person_body(person) | extra}
        assert call("put", f"/persons/{person.pk}", body).status_code == 422
    person.refresh_from_db()
    assert (person.household_id, person.anonymised_on, person.version) == (family.pk, None, 1)


def test_a_stale_or_replayed_version_changes_nothing(api, make_user, household_factory):
    """Two offices edit the same person from version 1; the second (and a replay of the first)
    is a 409 and the first edit stays, with one change record."""
    family = household_factory(BOGOR_VILLAGE, members=[head("Siti")])
    person = family.members.get()
    first = api(make_user(Role.DISTRICT_OFFICE, BOGOR))
    second = api(make_user(Role.VILLAGE_OPERATOR, BOGOR_VILLAGE))
    body = {"version": 1, "person": person_body(person, birth_place="Bogor")}
    assert first("put", f"/persons/{person.pk}", body).status_code == 200
    stale = {"version": 1, "person": person_body(person, birth_place="Jakarta")}
    assert second("put", f"/persons/{person.pk}", stale).status_code == 409
    assert first("put", f"/persons/{person.pk}", stale).status_code == 409
    person.refresh_from_db()
    assert (person.birth_place, person.version) == ("Bogor", 2)
    assert ChangeRecord.objects.filter(entity="person", record_id=person.pk).count() == 2


def test_a_stale_household_page_changes_nothing(client, make_user, household_factory):
    """The household edit page posted with the version it was read at, after someone else
    saved: the page says so, the other's edit stays."""
    family = household_factory(BOGOR_VILLAGE, members=[head("Siti")], address="Jl. Satu")
    records.update_household(
        actor=make_user(Role.DISTRICT_OFFICE, BOGOR),
        household=family,
        cells=household_body(family, address="Jl. Dua"),
        expected_version=1,
    )
    client.force_login(make_user(Role.VILLAGE_OPERATOR, BOGOR_VILLAGE))
    data = {k: v for k, v in household_body(family).items() if v}
    data |= {"address": "Jl. Tiga", "version": "1"}
    answer = client.post(f"/registry/households/{family.pk}/edit/", data)
    assert answer.status_code == 200
    family.refresh_from_db()
    assert (family.address, family.version) == ("Jl. Dua", 2)


def test_a_retried_add_member_adds_one_member(api, make_user, household_factory):
    """POST /households/{id}/members retried with the same Idempotency-Key (a timeout, a double
    tap in a field app) adds the member once and answers the retry with the same member."""
    family = household_factory(BOGOR_VILLAGE, members=[head("Siti")])
    call = api(make_user(Role.VILLAGE_OPERATOR, BOGOR_VILLAGE))
    member = {**head("Budi"), "sex": "L", "relationship": "child", "birth_date": "2015-01-01"}
    first = call("post", f"/households/{family.pk}/members", member, key="member-1")
    assert first.status_code == 201
    retry = call("post", f"/households/{family.pk}/members", member, key="member-1")
    assert retry.status_code == 201
    assert retry.json()["id"] == first.json()["id"]
    assert family.members.filter(full_name="Budi").count() == 1


def test_a_refused_move_out_of_the_region_is_in_the_audit_trail(api, make_user, household_factory):
    """A village operator tries, through the API, to move a household of their village to a
    village of another regency (422 REGION_OUTSIDE_SCOPE): the attempt is an entry of the audit
    trail, as every change request and every refusal is (docs/privacy.md, section 3)."""
    family = household_factory(BOGOR_VILLAGE, members=[head("Siti")])
    operator = make_user(Role.VILLAGE_OPERATOR, BOGOR_VILLAGE)
    body = {"version": 1, "household": household_body(family, region_code=BANDUNG_VILLAGE)}
    answer = api(operator)("put", f"/households/{family.pk}", body)
    assert answer.status_code == 422
    assert AuditEntry.objects.filter(user=operator, path=f"/api/v1/households/{family.pk}").exists()


def test_a_registry_edit_is_in_the_history_and_the_trail_without_its_values(
    api, make_user, household_factory
):
    """An edit that records a death: the change history has the old and new value and the
    actor; the audit trail names the fields sent, never their values."""
    family = household_factory(
        BOGOR_VILLAGE,
        members=[head("Siti"), {**head("Budi"), "sex": "L", "relationship": "spouse"}],
    )
    person = family.members.get(full_name="Budi")
    office = make_user(Role.DISTRICT_OFFICE, BOGOR)
    body = {"version": 1, "person": person_body(person, deceased_date="2026-01-15")}
    assert api(office)("put", f"/persons/{person.pk}", body).status_code == 200
    change = ChangeRecord.objects.get(
        entity="person", record_id=person.pk, action=ChangeRecord.Action.UPDATED
    )
    assert change.actor == office
    assert change.changes == {"deceased_date": [None, "2026-01-15"]}
    entry = AuditEntry.objects.get(
        user=office, action=AuditEntry.Action.WRITE, path=f"/api/v1/persons/{person.pk}"
    )
    assert sorted(entry.fields) == ["person", "version"]
    assert "2026-01-15" not in json.dumps([entry.fields, entry.record_ids, entry.entity])


# -- cases: a social worker or supervisor acting on a case that is not theirs --------------------


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
    """A case of the worker (under the supervisor) and one of another worker and supervisor, in
    the same regency, both in protection."""
    mine = served_case(
        household_factory(BOGOR_VILLAGE, members=[head("Siti")]), team["worker"], team["supervisor"]
    )
    theirs = served_case(
        household_factory(BOGOR_VILLAGE, members=[head("Rina")]),
        team["other_worker"],
        team["other_supervisor"],
    )
    return mine, theirs


def test_a_worker_cannot_write_on_another_workers_case(api, team, two_cases):
    """A social worker of the same regency posts a plan, a move and a graduation proposal on
    another worker's case by its id: not found each time, nothing on its timeline."""
    _mine, theirs = two_cases
    call = api(team["worker"])
    events = theirs.events.count()
    plan = {"kind": CasePlan.Kind.REHABILITATION, "goals": "x"}
    assert call("post", f"/cases/{theirs.pk}/plans", plan).status_code == 404
    move = {"to_stage": "closed", "reason": "x", "expected_version": theirs.version}
    assert call("post", f"/cases/{theirs.pk}/moves", move).status_code == 404
    grad = {"type": "mandiri", "signed_statement": True}
    assert call("post", f"/cases/{theirs.pk}/graduation", grad).status_code == 404
    theirs.refresh_from_db()
    assert theirs.stage == Stage.PROTECTION
    assert theirs.events.count() == events
    assert not theirs.plans.exists()
    assert not theirs.graduations.exists()


def test_another_cases_follow_up_and_referral_ids_are_not_reached_through_ones_own_case(
    api, team, two_cases
):
    """Under their own case's URL, a social worker names a follow-up visit and a referral of
    another worker's case: not found, the visit stays due and the referral stays sent (its
    consent not withdrawn)."""
    mine, theirs = two_cases
    visit = FollowUp.objects.create(case=theirs, due_on=date.today() + timedelta(days=30))
    referral = Referral.objects.create(
        case=theirs,
        person=theirs.household.members.get(),
        programme_code="KUR",
        organisation="BRI",
        programme="KUR Mikro",
        consent_recorded=True,
        sent_by=team["other_worker"],
        sent_on=date.today(),
    )
    call = api(team["worker"])
    done = call("post", f"/cases/{mine.pk}/follow-ups/{visit.pk}/done", {"notes": "fine"})
    assert done.status_code == 404
    revoked = call("post", f"/cases/{mine.pk}/referrals/{referral.pk}/revoke", {"notes": "no"})
    assert revoked.status_code == 404
    visit.refresh_from_db()
    referral.refresh_from_db()
    assert (visit.done_on, visit.notes) == (None, "")
    assert referral.status == Referral.Status.SENT


def test_the_follow_up_form_refuses_another_cases_visit(client, team, two_cases):
    """The follow-up page of one's own case posted with another case's visit id (a forged
    choice): refused by the form, the visit stays due."""
    mine, theirs = two_cases
    FollowUp.objects.create(case=mine, due_on=date.today() + timedelta(days=30))
    visit = FollowUp.objects.create(case=theirs, due_on=date.today() + timedelta(days=30))
    client.force_login(team["worker"])
    answer = client.post(
        f"/cases/{mine.pk}/follow-up/", {"follow_up": str(visit.pk), "notes": "forged"}
    )
    assert answer.status_code == 200
    visit.refresh_from_db()
    assert visit.done_on is None


def test_evidence_is_uploaded_and_read_only_on_ones_own_case(client, team, two_cases):
    """Another worker's evidence file, asked for under the worker's own case or under its own
    case: not found; an upload on a case not theirs stores nothing."""
    mine, theirs = two_cases
    client.force_login(team["other_worker"])
    upload = SimpleUploadedFile("surat.pdf", PDF)
    closed = client.post(
        f"/cases/{theirs.pk}/",
        {
            "to_stage": "closed",
            "reason": "moved",
            "version": theirs.version,
            "evidence_file": upload,
        },
    )
    assert closed.status_code == 302
    event = CaseEvent.objects.get(case=theirs, to_stage=Stage.CLOSED)
    client.force_login(team["worker"])
    assert client.get(f"/cases/{theirs.pk}/evidence/{event.pk}/").status_code == 404
    assert client.get(f"/cases/{mine.pk}/evidence/{event.pk}/").status_code == 404
    forged = client.post(
        f"/cases/{theirs.pk}/",
        {
            "to_stage": "protection",
            "reason": "x",
            "version": theirs.version + 1,
            "evidence_file": SimpleUploadedFile("x.pdf", PDF),
        },
    )
    assert forged.status_code == 404
    assert CaseEvent.objects.filter(case=theirs).exclude(evidence_upload="").count() == 1


def test_another_teams_supervisor_cannot_decide_a_graduation(api, client, team, two_cases):
    """A supervisor of the same regency decides a graduation proposal of another team, by the
    API and by the web form: not found, the proposal stays pending."""
    mine, _theirs = two_cases
    proposal = services.propose_graduation(
        actor=team["worker"],
        case=mine,
        type=GraduationType.MANDIRI,
        signed_statement=True,
        today=date.today(),
    )
    body = {"approve": True, "reason": "ok", "expected_version": mine.version}
    path = f"/cases/{mine.pk}/graduation/{proposal.pk}/decision"
    assert api(team["other_supervisor"])("post", path, body).status_code == 404
    client.force_login(team["other_supervisor"])
    web = client.post(
        f"/cases/graduations/{proposal.pk}/decide/",
        {"decision": "approve", "confirmed": "yes", "version": mine.version},
    )
    assert web.status_code == 404
    proposal.refresh_from_db()
    mine.refresh_from_db()
    assert proposal.status == GraduationRequest.Status.PENDING
    assert mine.stage == Stage.PROTECTION


def test_a_supervisor_cannot_approve_a_graduation_they_proposed(api, team, two_cases):
    """The case's supervisor proposes the family's graduation themselves (mandiri, a signed
    statement ticked) and approves it: graduation ends the family's assistance and is proposed
    by one and decided by another (docs/journey.md), so the approval is refused and the case
    stays in protection."""
    mine, _theirs = two_cases
    call = api(team["supervisor"])
    proposed = call(
        "post", f"/cases/{mine.pk}/graduation", {"type": "mandiri", "signed_statement": True}
    )
    assert proposed.status_code == 201, proposed.content
    proposal = GraduationRequest.objects.get(case=mine)
    assert proposal.proposed_by == team["supervisor"]
    mine.refresh_from_db()
    body = {"approve": True, "reason": "ok", "expected_version": mine.version}
    decided = call("post", f"/cases/{mine.pk}/graduation/{proposal.pk}/decision", body)
    assert decided.status_code == 422
    proposal.refresh_from_db()
    mine.refresh_from_db()
    assert proposal.status == GraduationRequest.Status.PENDING
    assert mine.stage == Stage.PROTECTION


def test_a_case_whose_family_moved_away_is_out_of_reach_of_the_old_team(
    api, make_user, team, two_cases
):
    """The family moves to another regency (the edit moves its case's region with it): the
    social worker and the supervisor of the old regency, who no longer cover the family's
    region and whose registry no longer shows the household, neither read the case (its
    assessments, timeline) nor write on it or decide its graduation."""
    mine, _theirs = two_cases
    services.propose_graduation(
        actor=team["worker"],
        case=mine,
        type=GraduationType.MANDIRI,
        signed_statement=True,
        today=date.today(),
    )
    family = mine.household
    records.update_household(
        actor=make_user(Role.ADMINISTRATOR),
        household=family,
        cells=household_body(family, region_code=BANDUNG_VILLAGE),
        expected_version=family.version,
    )
    mine.refresh_from_db()
    assert mine.region_code == BANDUNG_VILLAGE
    worker, supervisor = api(team["worker"]), api(team["supervisor"])
    plan = {"kind": CasePlan.Kind.REHABILITATION, "goals": "x"}
    proposal = mine.graduations.get()
    body = {"approve": True, "reason": "ok", "expected_version": mine.version}
    answers = {
        "household": worker("get", f"/households/{family.pk}").status_code,
        "case": worker("get", f"/cases/{mine.pk}").status_code,
        "plan": worker("post", f"/cases/{mine.pk}/plans", plan).status_code,
        "decision": supervisor(
            "post", f"/cases/{mine.pk}/graduation/{proposal.pk}/decision", body
        ).status_code,
    }
    assert answers == {"household": 404, "case": 404, "plan": 404, "decision": 404}
    mine.refresh_from_db()
    assert mine.stage == Stage.PROTECTION
    assert not mine.plans.exists()


# -- cases: the journey's guards, versions and history ----------------------------------------


def test_stages_are_not_skipped_and_termination_reasons_not_forged(api, team, two_cases):
    """A social worker moves their case from protection straight to graduated (no approved
    proposal), terminates it with a reason not on the list, and terminates it with a listed
    reason (the supervisor's step): each refused, the case stays in protection."""
    mine, _theirs = two_cases
    call = api(team["worker"])
    path = f"/cases/{mine.pk}/moves"
    graduated = call("post", path, {"to_stage": "graduated", "expected_version": mine.version})
    assert graduated.status_code == 422
    assert "CASE_SUPERVISOR_APPROVAL_MISSING" in {e["code"] for e in graduated.json()["errors"]}
    forged = {"to_stage": "terminated", "expected_version": mine.version, "termination_reason": "x"}
    assert call("post", path, forged).status_code == 422
    listed = forged | {"termination_reason": "moved_away"}
    refused = call("post", path, listed)
    assert refused.status_code == 422
    assert "CASE_TERMINATION_NEEDS_SUPERVISOR" in {e["code"] for e in refused.json()["errors"]}
    mine.refresh_from_db()
    assert mine.stage == Stage.PROTECTION


def test_the_move_page_refuses_a_forged_stage_and_termination_reason(client, team, two_cases):
    """The case page's move form posted with a stage the table does not offer (graduated from
    registered is not; here monitoring from protection) and with a termination reason outside
    the list: the form refuses both, the case stays."""
    mine, _theirs = two_cases
    client.force_login(team["supervisor"])
    for forged in (
        {"to_stage": "monitoring", "reason": "x"},
        {"to_stage": "terminated", "termination_reason": "bribe", "reason": "x"},
    ):
        answer = client.post(f"/cases/{mine.pk}/", forged | {"version": mine.version})
        assert answer.status_code == 200
    mine.refresh_from_db()
    assert mine.stage == Stage.PROTECTION
    assert mine.version == 2


def test_a_replayed_move_is_a_conflict(api, team, two_cases):
    """A move sent again with the version it was made from (a replay) is a 409; the case
    moved once, with one event."""
    mine, _theirs = two_cases
    call = api(team["worker"])
    body = {"to_stage": "rehabilitation", "reason": "x", "expected_version": mine.version}
    services.record_assessment(
        actor=team["worker"],
        case=mine,
        members=[services.MemberAssessment(None, (), {"risks": "x"})],
        today=date.today(),
    )
    assert call("post", f"/cases/{mine.pk}/moves", body).status_code == 200
    assert call("post", f"/cases/{mine.pk}/moves", body).status_code == 409
    assert mine.events.filter(to_stage=Stage.REHABILITATION).count() == 1


def test_a_completed_visit_is_not_completed_again(api, team, two_cases):
    """A follow-up visit done and recorded is posted as done again through the API with other
    findings: refused with the reason (the page offers only visits still due), and what the
    visit found stays as it was recorded."""
    mine, _theirs = two_cases
    visit = FollowUp.objects.create(case=mine, due_on=date.today() + timedelta(days=30))
    call = api(team["worker"])
    path = f"/cases/{mine.pk}/follow-ups/{visit.pk}/done"
    assert call("post", path, {"notes": "family doing well"}).status_code == 201
    again = call("post", path, {"notes": "family never visited"})
    assert again.status_code == 422
    assert [e["code"] for e in again.json()["errors"]] == ["CASE_FOLLOW_UP_DONE"]
    visit.refresh_from_db()
    assert visit.notes == "family doing well"


def test_a_graduation_decision_reaches_only_the_worker_and_is_on_the_timeline(api, team, two_cases):
    """A rejected proposal: one notification, to the case's own worker; the rejection and its
    reason are on the case's timeline; the decision request is a write in the audit trail."""
    mine, _theirs = two_cases
    proposal = services.propose_graduation(
        actor=team["worker"],
        case=mine,
        type=GraduationType.MANDIRI,
        signed_statement=True,
        today=date.today(),
    )
    body = {"approve": False, "reason": "income not yet stable", "expected_version": mine.version}
    path = f"/cases/{mine.pk}/graduation/{proposal.pk}/decision"
    assert api(team["supervisor"])("post", path, body).status_code == 201
    assert list(Notification.objects.values_list("user", flat=True)) == [team["worker"].pk]
    event = mine.events.get(kind=CaseEvent.Kind.GRADUATION_REJECTED)
    assert (event.actor, event.reason) == (team["supervisor"], "income not yet stable")
    assert AuditEntry.objects.filter(
        user=team["supervisor"], action=AuditEntry.Action.WRITE, path=f"/api/v1{path}"
    ).exists()


def test_a_case_record_is_on_the_timeline_and_a_write_in_the_trail(api, team, two_cases):
    """A plan posted through the API: an event of the case's timeline by the worker, and an
    audit entry naming the fields sent, not what the plan says."""
    mine, _theirs = two_cases
    plan = {"kind": CasePlan.Kind.REHABILITATION, "goals": "methadone programme"}
    assert api(team["worker"])("post", f"/cases/{mine.pk}/plans", plan).status_code == 201
    assert mine.events.filter(kind=CaseEvent.Kind.PLAN, actor=team["worker"]).count() == 1
    entry = AuditEntry.objects.get(
        user=team["worker"], action=AuditEntry.Action.WRITE, path=f"/api/v1/cases/{mine.pk}/plans"
    )
    assert sorted(entry.fields) == ["goals", "kind"]
    assert "methadone" not in json.dumps(entry.fields)


def test_an_office_may_read_but_not_write_case_records(api, make_user, two_cases):
    """A district office of the regency posts a plan and a move on a case of its region (it
    reads cases, it does not carry them): forbidden, nothing written."""
    mine, _theirs = two_cases
    call = api(make_user(Role.DISTRICT_OFFICE, BOGOR))
    assert call("get", f"/cases/{mine.pk}").status_code == 200
    plan = {"kind": CasePlan.Kind.REHABILITATION, "goals": "x"}
    assert call("post", f"/cases/{mine.pk}/plans", plan).status_code == 403
    move = {"to_stage": "closed", "reason": "x", "expected_version": mine.version}
    assert call("post", f"/cases/{mine.pk}/moves", move).status_code == 403
    mine.refresh_from_db()
    assert mine.stage == Stage.PROTECTION
    assert not Case.objects.filter(plans__isnull=False).exists()
