"""Proposals (usulan): made by a citizen on the public page or by a village operator, moved
step by step by the role that owns each step, and — only once the ministry decides — written
to the registry through the registry's own services, each change marked with the proposal's
tracking number.

A proposal keeps its change as registry-format cells and is checked by the registry's
validators when it is made (so a citizen hears at once what is wrong) and again when it is
decided (the registry may have changed in between). Batch steps move each proposal in its own
savepoint: one refused proposal never stops the others."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from sejahtera.accounts import access
from sejahtera.accounts.models import User
from sejahtera.cases import evidence
from sejahtera.domain.findings import Finding, StepRefused, error, gettext_noop
from sejahtera.domain.participation import (
    PROPOSAL_STEPS,
    Actor,
    ProposalFacts,
    ProposalKind,
    ProposalShape,
    ProposalStage,
    proposal_columns,
    proposal_shape,
    proposal_step,
    tracking_number,
)
from sejahtera.grievances.models import Channel, Deliberation, Proposal, ProposalStep
from sejahtera.registry.models import Household, Person, Region
from sejahtera.registry.services import records
from sejahtera.registry.services.records import EditConflict, RecordInvalid

Cells = Mapping[str, str | None]
# who may take the steps each domain actor owns (each within the proposal's village)
ACTOR_ROLES = {
    Actor.VILLAGE: access.PROPOSAL_VILLAGE,
    Actor.REGENCY_OFFICE: access.PROPOSAL_VALIDATORS,
    Actor.REGENT: access.PROPOSAL_APPROVERS,
    Actor.MINISTRY: access.PROPOSAL_DECIDERS,
}
NOT_IN_VILLAGE = "PROPOSAL_HOUSEHOLD_NOT_IN_VILLAGE"
NOT_CARRIED_REASON = gettext_noop("not carried by the village deliberation")


@dataclass(frozen=True)
class ProposedChange:
    """What a proposal asks: a new household (its cells and members) or a change to a
    registered one (the fields that change, new members, or where a member goes)."""

    kind: ProposalKind
    village: Region
    household: Household | None = None
    person: Person | None = None
    household_cells: Cells = field(default_factory=dict)
    member_cells: Sequence[Cells] = ()
    to_household: Household | None = None


@dataclass
class BatchOutcome:
    moved: list[Proposal] = field(default_factory=list)
    refused: dict[str, list[Finding]] = field(default_factory=dict)  # tracking number → why


def may_act(user: User, owner: Actor, village_code: str) -> bool:
    roles = ACTOR_ROLES.get(owner)
    return roles is not None and access.has_role(user, roles) and access.covers(user, village_code)


@transaction.atomic
def submit_proposal(
    *,
    change: ProposedChange,
    proposer_name: str,
    submitted_on: date,
    submitted_by: User | None = None,
    proposer_nik: str = "",
    proposer_phone: str = "",
    description: str = "",
    photo: UploadedFile | None = None,
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
) -> Proposal:
    """A proposal with its tracking number. Staff enter it for their own village; the public
    page enters it with no user. The change is checked against the registry's rules now."""
    if submitted_by is not None:
        access.require(submitted_by, access.PROPOSAL_VILLAGE)
        access.require_region(submitted_by, change.village.code)
    findings = _shape_findings(change)
    if not proposer_name.strip():
        findings.append(error("PROPOSER_NAME_MISSING", gettext_noop("give your name"), "name"))
    if photo is not None:
        findings += evidence.problems(photo, images_only=submitted_by is None)
    if findings:
        raise StepRefused(findings)
    household_cells, member_cells = _registry_cells(change)
    _check_cells(change, household_cells, member_cells, submitted_on)
    proposal = Proposal.objects.create(
        kind=change.kind,
        village=change.village,
        household=change.household,
        person=change.person,
        household_cells=dict(change.household_cells),
        member_cells=[dict(cells) for cells in change.member_cells],
        to_household=change.to_household,
        base_versions=_versions(change),
        description=description,
        proposer_name=proposer_name.strip(),
        proposer_nik=proposer_nik,
        proposer_phone=proposer_phone,
        channel=Channel.PUBLIC if submitted_by is None else Channel.OFFICE,
        submitted_by=submitted_by,
        submitted_on=submitted_on,
        latitude=latitude,
        longitude=longitude,
    )
    # the serial is the row's own number: unique without a counter of its own
    proposal.tracking_number = tracking_number("proposal", submitted_on.year, proposal.pk)
    if photo is not None:
        proposal.photo_upload = evidence.store(f"proposal-{proposal.pk}", photo)
    proposal.save(update_fields=["tracking_number", "photo_upload"])
    ProposalStep.objects.create(
        proposal=proposal, to_stage=ProposalStage.SUBMITTED, by=submitted_by, on=submitted_on
    )
    return proposal


def _shape_findings(change: ProposedChange) -> list[Finding]:
    shape = ProposalShape(
        household=change.household is not None,
        person=change.person is not None,
        household_cells=bool(change.household_cells),
        members=len(change.member_cells),
        to_household=change.to_household is not None,
    )
    findings = proposal_shape(change.kind, shape)
    member_columns = {name for cells in change.member_cells for name in cells}
    findings += proposal_columns(change.kind, set(change.household_cells), member_columns)
    in_village = change.household is None or change.household.village_id == change.village.code
    belongs = change.person is None or change.person.household_id == getattr(
        change.household, "pk", None
    )
    if not (in_village and belongs):
        findings.append(
            error(
                NOT_IN_VILLAGE,
                gettext_noop("the household or member is not registered in this village"),
            )
        )
    return findings


def _versions(change: ProposedChange) -> dict[str, int]:
    """The versions of the records the change was proposed against: decided later, it is
    refused if either changed meanwhile (never written over someone's later edit)."""
    versions = {}
    if change.household is not None:
        versions["household"] = change.household.version
    if change.person is not None:
        versions["person"] = change.person.version
    return versions


def _registered_niks(member_cells: Sequence[Cells]) -> list[Finding]:
    """A new record's NIK that the registry already holds: the person is registered, and
    the change belongs on that record (or the duplicate review), not in a second one."""
    niks = [cells.get("nik") for cells in member_cells if cells.get("nik")]
    taken = sorted(
        {nik for nik in Person.objects.filter(nik__in=niks).values_list("nik", flat=True) if nik}
    )
    return [
        error(
            "PROPOSAL_NIK_REGISTERED",
            gettext_noop("NIK {nik} is already in the registry: change that record instead"),
            nik=nik,
        )
        for nik in taken
    ]


def _registry_cells(change: ProposedChange) -> tuple[dict[str, str | None], list[Cells]]:
    """The whole records the registry would be given: the current cells with the proposed
    ones over them (a new household's region is always the proposal's village)."""
    if change.household is None:
        return dict(change.household_cells) | {"region_code": change.village.code}, list(
            change.member_cells
        )
    household = records.household_cells(change.household) | dict(change.household_cells)
    if change.person is not None:
        person = records.person_cells(change.person)
        return household, [person | dict(cells) for cells in change.member_cells]
    return household, list(change.member_cells)


def _check_cells(
    change: ProposedChange,
    household_cells: Cells,
    member_cells: Sequence[Cells],
    today: date,
) -> None:
    """Raise RecordInvalid with the registry's findings, as a registry form would."""
    if change.kind is ProposalKind.NEW_HOUSEHOLD:
        if invalid := records.check_new_household(household_cells, member_cells, today):
            raise invalid
        return
    household_errors = records.check_household(household_cells, today)
    member_errors = {
        index: errors
        for index, cells in enumerate(member_cells)
        if (errors := records.check_member(cells, today))
    }
    if household_errors or member_errors:
        raise RecordInvalid(household_errors, member_errors)


# -- steps -------------------------------------------------------------------------------------


def _step(
    actor: User,
    proposal: Proposal,
    to_stage: ProposalStage,
    facts: ProposalFacts,
    today: date,
) -> Proposal:
    """Move one (locked) proposal, as the domain's table allows, and record the step."""
    locked = Proposal.objects.select_for_update().get(pk=proposal.pk)
    from_stage, to_stage = ProposalStage(locked.stage), ProposalStage(to_stage)
    owner = PROPOSAL_STEPS.get(from_stage, {}).get(to_stage)
    if (
        owner is not None
        and owner is not Actor.PROPOSER
        and not may_act(actor, owner, locked.village_id)
    ):
        raise PermissionDenied
    # the village's visit and deliberation are one office's; every later step another person's
    # than whoever entered the proposal or took a step of it
    earlier = locked.steps.filter(by=actor)
    if to_stage in (ProposalStage.VALIDATED, ProposalStage.APPROVED, ProposalStage.DECIDED):
        facts = replace(facts, took_earlier_step=earlier.exists())
    findings = proposal_step(from_stage, to_stage, owner or Actor.SYSTEM, facts)
    if findings:
        raise StepRefused(findings)
    if to_stage is ProposalStage.DECIDED:
        locked.result_household = _apply(actor, locked, today)
    locked.stage = to_stage
    locked.version += 1
    if facts.visited_on is not None:
        locked.visited_on = facts.visited_on
    locked.save()
    ProposalStep.objects.create(
        proposal=locked,
        from_stage=from_stage,
        to_stage=to_stage,
        by=actor,
        on=today,
        reason=facts.reason,
    )
    return locked


def _apply(actor: User, proposal: Proposal, today: date) -> Household:
    """Write the decided change to the registry; refused (StepRefused) when the registry's
    checks no longer pass or the record changed under the proposal."""
    number = proposal.tracking_number or ""
    change = _change_of(proposal)
    base = proposal.base_versions
    changed_since = (
        change.household is not None and change.household.version != base.get("household")
    ) or (change.person is not None and change.person.version != base.get("person"))
    if changed_since:
        raise StepRefused(
            [
                error(
                    "PROPOSAL_RECORD_CHANGED",
                    gettext_noop("the record changed since the proposal: propose again"),
                )
            ]
        )
    household_cells, member_cells = _registry_cells(change)
    new_records = [] if change.person is not None else list(change.member_cells)
    if findings := _shape_findings(change) + _registered_niks(new_records):
        raise StepRefused(findings)
    try:
        if change.household is None:
            return records.register_household(
                actor=actor,
                household=household_cells,
                members=member_cells,
                today=today,
                proposal=number,
            )
        household = change.household
        if change.household_cells:
            records.update_household(
                actor=actor,
                household=household,
                cells=household_cells,
                expected_version=household.version,
                today=today,
                proposal=number,
            )
        if change.person is not None and member_cells:
            records.update_person(
                actor=actor,
                person=change.person,
                cells=member_cells[0],
                expected_version=change.person.version,
                today=today,
                proposal=number,
            )
        elif change.person is None:
            for cells in member_cells:
                records.add_member(
                    actor=actor, household=household, cells=cells, today=today, proposal=number
                )
        if change.person is not None and change.to_household is not None:
            change.person.refresh_from_db()
            records.move_member(
                actor=actor,
                person=change.person,
                to_household=change.to_household,
                expected_version=change.person.version,
                proposal=number,
            )
        return household
    except RecordInvalid as invalid:
        found = invalid.household + [f for errors in invalid.members.values() for f in errors]
        # the refusal, then each of the registry's findings in its own words
        raise StepRefused(proposal_step_findings(found) + found) from invalid
    except EditConflict as conflict:
        raise StepRefused(
            [error("PROPOSAL_RECORD_CHANGED", gettext_noop("the record changed; decide again"))]
        ) from conflict


def proposal_step_findings(registry_findings: Iterable[Finding]) -> list[Finding]:
    """The decision's refusal for the registry's findings on the change."""
    facts = ProposalFacts(registry_findings=tuple(registry_findings))
    return proposal_step(ProposalStage.APPROVED, ProposalStage.DECIDED, Actor.MINISTRY, facts)


def _change_of(proposal: Proposal) -> ProposedChange:
    return ProposedChange(
        kind=ProposalKind(proposal.kind),
        village=proposal.village,
        household=proposal.household,
        person=proposal.person,
        household_cells=proposal.household_cells,
        member_cells=proposal.member_cells,
        to_household=proposal.to_household,
    )


@transaction.atomic
def verify(actor: User, proposal: Proposal, *, visited_on: date, today: date) -> Proposal:
    """The village operator visited the household and found the proposal true."""
    facts = ProposalFacts(visited_on=visited_on, today=today)
    return _step(actor, proposal, ProposalStage.VERIFIED, facts, today)


@transaction.atomic
def reject(actor: User, proposal: Proposal, *, reason: str, today: date) -> Proposal:
    """Whoever owns the proposal's current step rejects it, saying why."""
    return _step(actor, proposal, ProposalStage.REJECTED, ProposalFacts(reason=reason), today)


@transaction.atomic
def withdraw(proposal: Proposal, *, proposer_nik: str, reason: str, today: date) -> Proposal:
    """The proposer withdraws it (until the deliberation), proving who they are by the NIK
    they gave."""
    if not proposal.proposer_nik or proposal.proposer_nik != proposer_nik:
        raise PermissionDenied
    locked = Proposal.objects.select_for_update().get(pk=proposal.pk)
    from_stage = ProposalStage(locked.stage)
    findings = proposal_step(
        from_stage, ProposalStage.WITHDRAWN, Actor.PROPOSER, ProposalFacts(reason=reason)
    )
    if findings:
        raise StepRefused(findings)
    locked.stage, locked.version = ProposalStage.WITHDRAWN, locked.version + 1
    locked.save(update_fields=["stage", "version"])
    ProposalStep.objects.create(
        proposal=locked, from_stage=from_stage, to_stage=locked.stage, on=today, reason=reason
    )
    return locked


@transaction.atomic
def record_deliberation(
    actor: User,
    *,
    village: Region,
    held_on: date,
    participants: str,
    minutes: UploadedFile,
    carried: Mapping[int, bool],
    today: date,
) -> tuple[Deliberation, BatchOutcome]:
    """The village deliberation (musyawarah desa) with its minutes and a decision on each
    verified proposal it discussed (proposal id → carried): carried ones go on to the
    regency, the others are rejected with that reason."""
    access.require(actor, access.PROPOSAL_VILLAGE)
    access.require_region(actor, village.code)
    findings = evidence.problems(minutes)
    if not participants.strip():
        findings.append(
            error("DELIBERATION_PARTICIPANTS_MISSING", gettext_noop("list the participants"))
        )
    if held_on > today:
        findings.append(
            error(
                "DELIBERATION_IN_FUTURE", gettext_noop("the deliberation cannot be in the future")
            )
        )
    if not carried:
        findings.append(error("DELIBERATION_EMPTY", gettext_noop("decide at least one proposal")))
    if findings:
        raise StepRefused(findings)
    deliberation = Deliberation.objects.create(
        village=village, held_on=held_on, participants=participants, recorded_by=actor
    )
    deliberation.minutes_upload = evidence.store(f"deliberation-{deliberation.pk}", minutes)
    deliberation.save(update_fields=["minutes_upload"])
    outcome = BatchOutcome()
    found = Proposal.objects.filter(pk__in=list(carried), village=village)
    for missing in set(carried) - {proposal.pk for proposal in found}:
        outcome.refused[str(missing)] = [
            error(NOT_IN_VILLAGE, gettext_noop("no such proposal in this village"))
        ]
    for proposal in found:
        if carried[proposal.pk]:
            facts = ProposalFacts(deliberation_minutes=True, deliberation_carried=True)
            _in_savepoint(outcome, actor, proposal, ProposalStage.DELIBERATED, facts, today)
        else:
            facts = ProposalFacts(reason=str(NOT_CARRIED_REASON))
            _in_savepoint(outcome, actor, proposal, ProposalStage.REJECTED, facts, today)
    Proposal.objects.filter(pk__in=[p.pk for p in outcome.moved]).update(deliberation=deliberation)
    return deliberation, outcome


@transaction.atomic
def move_many(
    actor: User,
    proposals: Iterable[Proposal],
    to_stage: ProposalStage,
    *,
    today: date,
    reason: str = "",
) -> BatchOutcome:
    """Validate, approve, decide or reject a list at once; each in its own savepoint, so a
    refused proposal is reported and the rest go on. Stepping outside one's role or region
    refuses that proposal like any other finding."""
    outcome = BatchOutcome()
    facts = ProposalFacts(reason=reason)
    for proposal in proposals:
        _in_savepoint(outcome, actor, proposal, ProposalStage(to_stage), facts, today)
    return outcome


def _in_savepoint(
    outcome: BatchOutcome,
    actor: User,
    proposal: Proposal,
    to_stage: ProposalStage,
    facts: ProposalFacts,
    today: date,
) -> None:
    number = proposal.tracking_number or str(proposal.pk)
    try:
        with transaction.atomic():
            outcome.moved.append(_step(actor, proposal, to_stage, facts, today))
    except StepRefused as refused:
        outcome.refused[number] = refused.findings
    except PermissionDenied:
        outcome.refused[number] = [
            error("PROPOSAL_NOT_YOUR_STEP", gettext_noop("this step is not yours to take"))
        ]
