"""Proposals (usulan): made by a citizen or a village operator and checked by the registry's
rules at once; each step taken only by the role that owns it, within its region; batch steps
refuse one proposal and move the rest; only the ministry's decision writes the registry, and
the household's history names the proposal."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from sejahtera.accounts.models import Role
from sejahtera.domain import participation
from sejahtera.domain.findings import StepRefused
from sejahtera.domain.participation import ProposalKind, ProposalStage
from sejahtera.grievances import proposals
from sejahtera.grievances.models import Proposal, ProposalStep
from sejahtera.grievances.proposals import ProposedChange
from sejahtera.registry.models import ChangeRecord, Household, Person, Region
from sejahtera.registry.services.records import RecordInvalid

pytestmark = pytest.mark.django_db
VILLAGE = "3201011002"  # Karadenan, Cibinong, Kabupaten Bogor
TODAY = date(2026, 3, 2)
NEW_FAMILY = {
    "household_cells": {"address": "Jl. Melati 3", "rt": "002", "rw": "004"},
    "member_cells": [
        {
            "full_name": "Budi Santoso",
            "sex": "L",
            "birth_date": "1980-01-15",
            "relationship": "head",
            "nik": "3201011501800003",
        },
        {
            "full_name": "Ani Santoso",
            "sex": "P",
            "birth_date": "2015-06-01",
            "relationship": "child",
        },
    ],
}


def minutes() -> SimpleUploadedFile:
    return SimpleUploadedFile("berita-acara.pdf", b"%PDF-1.4 minutes of the musdes")


@pytest.fixture
def staff(make_user):
    """The owner of every step, for the village in Bogor."""
    return {
        "village": make_user(Role.VILLAGE_OPERATOR, VILLAGE),
        "office": make_user(Role.DISTRICT_OFFICE, "3201"),
        "regent": make_user(Role.REGENT, "3201"),
        "ministry": make_user(Role.MINISTRY_ANALYST),
    }


def propose(kind=ProposalKind.NEW_HOUSEHOLD, **change) -> Proposal:
    fields = NEW_FAMILY if kind is ProposalKind.NEW_HOUSEHOLD and not change else change
    return proposals.submit_proposal(
        change=ProposedChange(kind=kind, village=Region.objects.get(code=VILLAGE), **fields),
        proposer_name="Warga Karadenan",
        proposer_nik="3201016007850002",
        submitted_on=TODAY,
    )


def carry_to(stage: ProposalStage, proposal: Proposal, staff) -> Proposal:
    """Take a proposal through each step up to ``stage``, each by its owner."""
    order = [ProposalStage.VERIFIED, ProposalStage.DELIBERATED, ProposalStage.VALIDATED]
    order += [ProposalStage.APPROVED, ProposalStage.DECIDED]
    for step in order[: order.index(stage) + 1]:
        if step is ProposalStage.VERIFIED:
            proposals.verify(staff["village"], proposal, visited_on=TODAY, today=TODAY)
        elif step is ProposalStage.DELIBERATED:
            _, outcome = proposals.record_deliberation(
                staff["village"],
                village=proposal.village,
                held_on=TODAY,
                participants="Kepala desa, BPD, tokoh masyarakat",
                minutes=minutes(),
                carried={proposal.pk: True},
                today=TODAY,
            )
            assert not outcome.refused
        else:
            owner = {
                ProposalStage.VALIDATED: "office",
                ProposalStage.APPROVED: "regent",
                ProposalStage.DECIDED: "ministry",
            }[step]
            outcome = proposals.move_many(staff[owner], [proposal], step, today=TODAY)
            assert not outcome.refused, outcome.refused
    return Proposal.objects.get(pk=proposal.pk)


def test_a_public_proposal_has_a_tracking_number_and_its_first_step():
    proposal = propose()
    assert participation.parse_tracking_number(proposal.tracking_number) == (
        "proposal",
        2026,
        proposal.pk,
    )
    assert (proposal.stage, proposal.channel, proposal.submitted_by) == (
        "submitted",
        "public",
        None,
    )
    assert [s.to_stage for s in proposal.steps.all()] == [ProposalStage.SUBMITTED]


def test_a_proposal_the_registry_would_refuse_is_refused_when_made_saying_which_field():
    bad = {**NEW_FAMILY["member_cells"][0], "birth_date": "2099-01-01"}
    with pytest.raises(RecordInvalid) as invalid:
        propose(household_cells=NEW_FAMILY["household_cells"], member_cells=[bad])
    assert [f.column for f in invalid.value.members[0]] == ["birth_date"]
    assert not Proposal.objects.exists()


def test_a_proposal_must_carry_what_its_kind_needs(household_factory):
    household = household_factory(VILLAGE)
    with pytest.raises(StepRefused) as refused:
        propose(ProposalKind.DIED, household=household)  # which member died?
    assert [f.code for f in refused.value.findings] == [participation.SHAPE_WRONG]


def test_a_proposal_names_a_household_of_its_own_village(household_factory):
    elsewhere = household_factory("3201011003")
    with pytest.raises(StepRefused) as refused:
        propose(ProposalKind.MOVED, household=elsewhere, household_cells={"address": "Jl. Baru"})
    assert [f.code for f in refused.value.findings] == [proposals.NOT_IN_VILLAGE]


def test_a_village_operator_enters_proposals_for_their_own_village_only(make_user):
    other = make_user(Role.VILLAGE_OPERATOR, "3201011003")
    with pytest.raises(PermissionDenied):
        proposals.submit_proposal(
            change=ProposedChange(
                kind=ProposalKind.NEW_HOUSEHOLD,
                village=Region.objects.get(code=VILLAGE),
                **NEW_FAMILY,
            ),
            proposer_name="Operator",
            submitted_on=TODAY,
            submitted_by=other,
        )


def test_the_whole_flow_registers_the_family_and_its_history_names_the_proposal(staff):
    proposal = carry_to(ProposalStage.DECIDED, propose(), staff)
    household = proposal.result_household
    assert household.village_id == VILLAGE
    assert sorted(household.members.values_list("full_name", flat=True)) == [
        "Ani Santoso",
        "Budi Santoso",
    ]
    history = ChangeRecord.objects.filter(proposal=proposal.tracking_number)
    assert {(r.entity, r.action) for r in history} == {
        ("household", "created"),
        ("person", "created"),
    }
    assert history.count() == 3
    assert [s.to_stage for s in proposal.steps.all()] == [
        "submitted",
        "verified",
        "deliberated",
        "validated",
        "approved",
        "decided",
    ]


def test_nothing_reaches_the_registry_before_the_ministry_decides(staff):
    before = Household.objects.count()
    carry_to(ProposalStage.APPROVED, propose(), staff)
    assert Household.objects.count() == before


OWNERS = {
    ProposalStage.VERIFIED: "village",
    ProposalStage.VALIDATED: "office",
    ProposalStage.APPROVED: "regent",
    ProposalStage.DECIDED: "ministry",
}
BEFORE = {
    ProposalStage.VERIFIED: None,
    ProposalStage.VALIDATED: ProposalStage.DELIBERATED,
    ProposalStage.APPROVED: ProposalStage.VALIDATED,
    ProposalStage.DECIDED: ProposalStage.APPROVED,
}


def take(user, proposal: Proposal, step: ProposalStage) -> bool:
    """Whether ``user`` could take the step (the visit has its own service, with its date)."""
    if step is not ProposalStage.VERIFIED:
        return bool(proposals.move_many(user, [proposal], step, today=TODAY).moved)
    try:
        proposals.verify(user, proposal, visited_on=TODAY, today=TODAY)
    except PermissionDenied:
        return False
    return True


@pytest.mark.parametrize("step", list(OWNERS))
@pytest.mark.parametrize("who", ["village", "office", "regent", "ministry", "province", "worker"])
def test_each_step_is_taken_by_its_owner_alone(staff, make_user, step, who):
    staff = staff | {
        "province": make_user(Role.PROVINCIAL_OFFICE, "32"),
        "worker": make_user(Role.SOCIAL_WORKER, "3201"),
    }
    proposal = propose()
    if BEFORE[step] is not None:
        proposal = carry_to(BEFORE[step], proposal, staff)
    owner = who == OWNERS[step]
    assert take(staff[who], proposal, step) is owner
    expected = step if owner else (BEFORE[step] or ProposalStage.SUBMITTED)
    assert Proposal.objects.get(pk=proposal.pk).stage == expected


def test_an_office_of_another_regency_cannot_validate(staff, make_user):
    proposal = carry_to(ProposalStage.DELIBERATED, propose(), staff)
    outcome = proposals.move_many(
        make_user(Role.DISTRICT_OFFICE, "3204"), [proposal], ProposalStage.VALIDATED, today=TODAY
    )
    assert list(outcome.refused) == [proposal.tracking_number]
    assert Proposal.objects.get(pk=proposal.pk).stage == ProposalStage.DELIBERATED


def test_a_rejection_needs_a_reason_and_is_kept_in_the_history(staff):
    proposal = propose()
    with pytest.raises(StepRefused):
        proposals.reject(staff["village"], proposal, reason=" ", today=TODAY)
    proposals.reject(staff["village"], proposal, reason="sudah terdaftar", today=TODAY)
    last = ProposalStep.objects.filter(proposal=proposal).last()
    assert (last.to_stage, last.reason) == ("rejected", "sudah terdaftar")


def test_the_deliberation_carries_some_and_rejects_the_rest_in_one_go(staff):
    carried, dropped = propose(), propose()
    for proposal in (carried, dropped):
        proposals.verify(staff["village"], proposal, visited_on=TODAY, today=TODAY)
    deliberation, outcome = proposals.record_deliberation(
        staff["village"],
        village=carried.village,
        held_on=TODAY,
        participants="Kepala desa, BPD",
        minutes=minutes(),
        carried={carried.pk: True, dropped.pk: False, 999999: True},
        today=TODAY,
    )
    assert {p.pk: p.stage for p in outcome.moved} == {
        carried.pk: "deliberated",
        dropped.pk: "rejected",
    }
    assert list(outcome.refused) == ["999999"]
    assert Proposal.objects.get(pk=dropped.pk).steps.last().reason == str(
        proposals.NOT_CARRIED_REASON
    )
    assert Proposal.objects.get(pk=carried.pk).deliberation == deliberation


def test_a_deliberation_needs_its_minutes_as_a_document(staff):
    proposal = propose()
    proposals.verify(staff["village"], proposal, visited_on=TODAY, today=TODAY)
    with pytest.raises(StepRefused):
        proposals.record_deliberation(
            staff["village"],
            village=proposal.village,
            held_on=TODAY,
            participants="Kepala desa",
            minutes=SimpleUploadedFile("minutes.exe", b"MZ..."),
            carried={proposal.pk: True},
            today=TODAY,
        )
    assert Proposal.objects.get(pk=proposal.pk).stage == ProposalStage.VERIFIED


def test_a_batch_decision_refuses_the_one_the_registry_no_longer_accepts(staff):
    good, stale = propose(), propose()
    for proposal in (good, stale):
        carry_to(ProposalStage.APPROVED, proposal, staff)
    # the registry's rules have moved on since: a field the format no longer takes
    Proposal.objects.filter(pk=stale.pk).update(
        member_cells=[{**NEW_FAMILY["member_cells"][0], "sex": "X"}]
    )
    outcome = proposals.move_many(
        staff["ministry"],
        Proposal.objects.filter(pk__in=[good.pk, stale.pk]),
        "decided",
        today=TODAY,
    )
    assert [p.pk for p in outcome.moved] == [good.pk]
    assert outcome.refused[stale.tracking_number][0].code == participation.REGISTRY_INVALID
    assert not ChangeRecord.objects.filter(proposal=stale.tracking_number).exists()


def test_deciding_twice_registers_the_family_once(staff):
    proposal = carry_to(ProposalStage.DECIDED, propose(), staff)
    again = proposals.move_many(staff["ministry"], [proposal], "decided", today=TODAY)
    assert [f.code for f in again.refused[proposal.tracking_number]] == [
        participation.STEP_NOT_ALLOWED
    ]
    assert (
        ChangeRecord.objects.filter(proposal=proposal.tracking_number, entity="household").count()
        == 1
    )


def test_a_death_a_birth_and_a_member_leaving_change_the_household(staff, household_factory):
    household = household_factory(VILLAGE)
    other = household_factory(VILLAGE, members=NEW_FAMILY["member_cells"])
    head = household.members.get()
    died = propose(
        ProposalKind.DIED,
        household=household,
        person=head,
        member_cells=[{"deceased_date": "2026-02-20"}],
    )
    born = propose(
        ProposalKind.BIRTH,
        household=household,
        member_cells=[
            {"full_name": "Bayi", "sex": "L", "birth_date": "2026-02-01", "relationship": "child"}
        ],
    )
    left = propose(
        ProposalKind.MEMBER_LEFT,
        household=other,
        person=other.members.get(full_name="Ani Santoso"),
        to_household=household,
    )
    for proposal in (died, born, left):
        carry_to(ProposalStage.DECIDED, proposal, staff)
    head.refresh_from_db()
    assert head.deceased_date == date(2026, 2, 20)
    assert sorted(household.members.values_list("full_name", flat=True)) == [
        "Ani Santoso",
        "Bayi",
        "Siti Aminah",
    ]
    moved = Person.objects.get(full_name="Ani Santoso")
    record = ChangeRecord.objects.get(proposal=left.tracking_number)
    assert record.changes == {"household_id": [other.pk, household.pk]}
    assert moved.household == household


def test_the_proposer_withdraws_with_the_nik_they_gave_before_the_deliberation(staff):
    proposal = propose()
    with pytest.raises(PermissionDenied):
        proposals.withdraw(proposal, proposer_nik="3201010000000000", reason="salah", today=TODAY)
    proposals.withdraw(
        proposal, proposer_nik="3201016007850002", reason="sudah pindah", today=TODAY
    )
    assert Proposal.objects.get(pk=proposal.pk).stage == ProposalStage.WITHDRAWN
    late = carry_to(ProposalStage.DELIBERATED, propose(), staff)
    with pytest.raises(StepRefused):
        proposals.withdraw(late, proposer_nik="3201016007850002", reason="x", today=TODAY)


def test_a_change_carries_only_what_its_kind_may_change(household_factory):
    household = household_factory(VILLAGE)
    head = household.members.get()
    with pytest.raises(StepRefused) as refused:
        propose(
            ProposalKind.DIED,
            household=household,
            person=head,
            member_cells=[{"deceased_date": "2026-02-01", "nik": "3201010101010001"}],
        )
    assert [f.code for f in refused.value.findings] == [participation.COLUMNS_NOT_ALLOWED]


def test_a_change_to_a_record_edited_since_is_refused_not_written_over(staff, household_factory):
    household = household_factory(VILLAGE)
    proposal = carry_to(
        ProposalStage.APPROVED,
        propose(ProposalKind.MOVED, household=household, household_cells={"address": "Jl. Baru"}),
        staff,
    )
    Household.objects.filter(pk=household.pk).update(version=household.version + 1)
    outcome = proposals.move_many(staff["ministry"], [proposal], "decided", today=TODAY)
    assert [f.code for f in outcome.refused[proposal.tracking_number]] == [
        "PROPOSAL_RECORD_CHANGED"
    ]


def test_a_new_family_whose_nik_is_registered_meanwhile_is_refused(staff, household_factory):
    proposal = carry_to(ProposalStage.APPROVED, propose(), staff)
    household_factory("3201011003", members=[NEW_FAMILY["member_cells"][0]])
    outcome = proposals.move_many(staff["ministry"], [proposal], "decided", today=TODAY)
    assert [f.code for f in outcome.refused[proposal.tracking_number]] == [
        "PROPOSAL_NIK_REGISTERED"
    ]


def test_the_head_or_the_last_member_never_leaves(staff, household_factory):
    household = household_factory(VILLAGE)
    other = household_factory(VILLAGE, members=[NEW_FAMILY["member_cells"][0]])
    left = carry_to(
        ProposalStage.APPROVED,
        propose(
            ProposalKind.MEMBER_LEFT,
            household=household,
            person=household.members.get(),
            to_household=other,
        ),
        staff,
    )
    outcome = proposals.move_many(staff["ministry"], [left], "decided", today=TODAY)
    codes = [f.code for f in outcome.refused[left.tracking_number]]
    assert codes == [participation.REGISTRY_INVALID, "MEMBER_MOVE_REFUSED"]


def test_a_visit_or_a_deliberation_cannot_be_in_the_future(staff):
    from datetime import timedelta

    proposal = propose()
    with pytest.raises(StepRefused):
        proposals.verify(
            staff["village"], proposal, visited_on=TODAY + timedelta(days=1), today=TODAY
        )
    proposals.verify(staff["village"], proposal, visited_on=TODAY, today=TODAY)
    with pytest.raises(StepRefused):
        proposals.record_deliberation(
            staff["village"],
            village=proposal.village,
            held_on=TODAY + timedelta(days=1),
            participants="BPD",
            minutes=minutes(),
            carried={proposal.pk: True},
            today=TODAY,
        )


def test_an_administrator_takes_one_step_of_a_proposal_beyond_the_village(staff, make_user):
    administrator, other = make_user(Role.ADMINISTRATOR), make_user(Role.ADMINISTRATOR)
    proposal = propose()
    proposals.verify(administrator, proposal, visited_on=TODAY, today=TODAY)
    _, outcome = proposals.record_deliberation(
        administrator,
        village=proposal.village,
        held_on=TODAY,
        participants="BPD",
        minutes=minutes(),
        carried={proposal.pk: True},
        today=TODAY,
    )
    assert not outcome.refused  # the village's two steps are one office's
    again = proposals.move_many(administrator, [proposal], "validated", today=TODAY)
    assert [f.code for f in again.refused[proposal.tracking_number]] == [participation.SAME_PERSON]
    assert proposals.move_many(other, [proposal], "validated", today=TODAY).moved
    assert proposals.move_many(other, [proposal], "approved", today=TODAY).refused


def test_a_proposed_members_specific_values_are_sealed_in_the_table():
    disabled = {**NEW_FAMILY["member_cells"][1], "disability": "physical"}
    proposal = propose(
        household_cells=NEW_FAMILY["household_cells"],
        member_cells=[NEW_FAMILY["member_cells"][0], disabled],
    )
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT CAST(member_cells AS text) FROM grievances_proposal WHERE id = %s",
            [proposal.pk],
        )
        ((raw,),) = cursor.fetchall()
    assert "physical" not in raw
    assert "Ani Santoso" in raw
    assert Proposal.objects.get(pk=proposal.pk).member_cells[1]["disability"] == "physical"
