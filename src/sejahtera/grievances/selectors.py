"""What each user may read of proposals and objections, and the one answer the public status
page ("cek bansos") gives a citizen. Complaints are read through
``complaints.visible_complaints``, which also keeps a complaint from the staff it names."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, Min, Model, QuerySet
from django.utils import timezone

from sejahtera.accounts import access, audit
from sejahtera.accounts.models import AuditEntry, User
from sejahtera.domain.participation import (
    PROPOSAL_STEPS,
    ComplaintStatus,
    ProposalStage,
    tracking_number,
)
from sejahtera.grievances.complaints import visible_complaints
from sejahtera.grievances.corrections import corrections_for
from sejahtera.grievances.models import Complaint, CorrectionRequest, Objection, Proposal
from sejahtera.grievances.proposals import ACTOR_ROLES
from sejahtera.programmes.selectors import Assistance, citizen_assistance, revealing_programmes
from sejahtera.registry.models import DuplicateCandidate, Person
from sejahtera.registry.selectors import duplicate_candidates_for
from sejahtera.targeting.models import DecisionReview
from sejahtera.targeting.reviews import reviews_for


def proposals_for(user: User) -> QuerySet[Proposal]:
    if not access.has_role(user, access.PROPOSAL_READERS):
        return Proposal.objects.none()
    prefix = access.region_prefix(user)
    return Proposal.objects.filter(village__code__startswith=prefix).select_related("village")


def stages_awaiting(user: User) -> list[ProposalStage]:
    """The stages whose next step is the user's to take (within their region)."""
    return [
        stage
        for stage, steps in PROPOSAL_STEPS.items()
        if any(
            access.has_role(user, ACTOR_ROLES[owner])
            for owner in steps.values()
            if owner in ACTOR_ROLES
        )
    ]


def objections_for(user: User) -> QuerySet[Objection]:
    if not access.has_role(user, access.OBJECTION_READERS):
        return Objection.objects.none()
    prefix = access.region_prefix(user)
    return Objection.objects.filter(household__village__code__startswith=prefix).select_related(
        "household__village", "objector_village"
    )


@dataclass(frozen=True)
class Queue:
    """Work waiting for a user: how many, and the nearest deadline (None when none is set)."""

    kind: str  # complaints, objections, proposals, corrections, decision_reviews, duplicates
    count: int
    due: date | None = None


def waiting_for(user: User) -> list[Queue]:
    """What waits for ``user``'s next step, queue by queue, within their region (only the
    queues of their role, only those not empty): the office's morning list."""
    queues: list[Queue] = []

    def add(kind: str, waiting: QuerySet[Any], deadline: str | None = None) -> None:
        figures = waiting.aggregate(n=Count("pk"), **({"due": Min(deadline)} if deadline else {}))
        if figures["n"]:
            queues.append(Queue(kind, figures["n"], figures.get("due")))

    if access.has_role(user, access.COMPLAINT_HANDLERS):
        add("complaints", visible_complaints(user).filter(status="open"), "due_on")
    if access.has_role(user, access.OBJECTION_VERIFIERS):
        add("objections", objections_for(user).filter(status="filed"), "deadline")
    if stages := stages_awaiting(user):
        add("proposals", proposals_for(user).filter(stage__in=stages))
    if access.has_role(user, access.CORRECTION_REVIEWERS):
        add("corrections", corrections_for(user).filter(status="requested"))
    if access.has_role(user, access.DECISION_REVIEWERS):
        add("decision_reviews", reviews_for(user).filter(status__in=["received", "open"]))
    if access.has_role(user, access.DUPLICATE_REVIEWERS):
        open_pairs = duplicate_candidates_for(user).filter(status=DuplicateCandidate.Status.OPEN)
        add("duplicates", open_pairs)
    return queues


@dataclass(frozen=True)
class Tracked:
    """One of the citizen's own proposals, objections or complaints, as they may see it."""

    tracking_number: str
    what: str  # the kind of proposal, "objection" or the complaint's category
    status: str
    since: date
    note: str  # a rejection's reason, a verification's finding or a complaint's outcome
    about: str = ""  # the programme an objection to a decision is about (none that reveals)
    due: date | None = None  # by when an open complaint is answered (or goes a level up)


@dataclass(frozen=True)
class CitizenStatus:
    registered: bool
    assistance: list[Assistance] = field(default_factory=list)
    tracked: list[Tracked] = field(default_factory=list)


def _same_name(left: str, right: str) -> bool:
    """The same name however it is cased, spaced or punctuated: "Hj Siti Aminah S.Pd" is the
    KTP's "Hj. Siti Aminah, S.Pd." (the NIK must match as well)."""
    return _letters(left) == _letters(right)


def _letters(name: str) -> str:
    return "".join(c for c in name if c.isalnum()).casefold()


def person_by_identity(nik: str, name: str) -> Person | None:
    """The registered person with this NIK and this name as on the KTP (a NIK may be held by
    two records, a duplicate under review: the one with this name)."""
    holders = Person.objects.filter(nik=nik, anonymised_on__isnull=True).select_related("household")
    return next((p for p in holders if _same_name(p.full_name, name)), None)


def citizen_status(nik: str, name: str, *, path: str) -> CitizenStatus | None:
    """What the status page tells whoever knows a NIK and the name on its KTP: whether the
    household is registered, its current programmes and how their latest cycle stands (the
    household's and the person's own, never another member's: ATENSI would tell of their
    cluster), and the status of what that NIK filed. ``None`` — the one answer for an
    unknown NIK and for a name that does not match. An answer naming a programme that tells
    of a cluster is a read of specific data, logged (no user; the client's address) at
    ``path``."""
    person = person_by_identity(nik, name)
    known = person is not None
    tracked = _tracked(nik, name)
    if not known and not tracked:
        return None
    assistance: list[Assistance] = []
    if known and person is not None:
        # The person's own too: a merge moves an enrolment to the record kept, in the
        # household it was decreed in.
        assistance = citizen_assistance(person.household_id, person.pk)
        if {a.programme for a in assistance} & revealing_programmes():
            audit.record(
                user=None,
                action=AuditEntry.Action.READ,
                entity="person",
                record_ids=[person.pk],
                path=path,
            )
    return CitizenStatus(registered=known, assistance=assistance, tracked=tracked)


@dataclass(frozen=True)
class _Trackable:
    """What a citizen files and follows: its model, whose ``<filer>_nik`` and
    ``<filer>_name`` say who filed it, and how they see it."""

    model: type[Model]
    filer: str
    seen: Callable[[Any], Tracked]
    prefetch: tuple[str, ...] = ()

    def filed_by(self, nik: str) -> QuerySet[Any]:
        found = self.model._default_manager.filter(**{f"{self.filer}_nik": nik})
        return found.prefetch_related(*self.prefetch)

    def by_name(self, record: Any, name: str) -> bool:
        return _same_name(getattr(record, f"{self.filer}_name"), name)


def _proposal_seen(proposal: Proposal) -> Tracked:
    last = list(proposal.steps.all())[-1]
    # What the village found on its visit is about the family: a neighbour who proposed it
    # hears the stage (as an objector hears the verdict); the family's own member the reason.
    member = any(cells.get("nik") == proposal.proposer_nik for cells in proposal.member_cells)
    told = member or proposal.stage == ProposalStage.WITHDRAWN
    return Tracked(proposal.tracking_number or "", proposal.kind, proposal.stage, last.on,
                   last.reason if told else "")  # fmt: skip


def _objection_seen(objection: Objection) -> Tracked:
    since = objection.verified_on or objection.lapsed_on or objection.filed_on
    # what the verification found is about another family: the objector hears the verdict
    return Tracked(objection.tracking_number or "", "objection", objection.status, since, "")


def _complaint_seen(complaint: Complaint) -> Tracked:
    since = complaint.resolved_on or complaint.received_on
    due = complaint.due_on if complaint.status == ComplaintStatus.OPEN else None
    return Tracked(complaint.tracking_number or "", complaint.category, complaint.status, since,
                   complaint.outcome, due=due)  # fmt: skip


def _correction_seen(correction: CorrectionRequest) -> Tracked:
    since = correction.reviewed_on or correction.received_on
    return Tracked(correction.tracking_number or "", "correction", correction.status, since,
                   correction.note)  # fmt: skip


def _review_seen(review: DecisionReview) -> Tracked:
    since = timezone.localdate(review.reviewed_at or review.filed_at)
    # which aid each objection is about; not ATENSI's like, which tell of a vulnerable cluster
    about = "" if review.programme in revealing_programmes() else review.programme
    return Tracked(review.tracking_number or "", "decision_review", review.status, since,
                   review.review_note, about)  # fmt: skip


# by the kinds of ``domain.participation.TRACKING_PREFIXES``, in the order a person sees them
TRACKABLE: dict[str, _Trackable] = {
    "proposal": _Trackable(Proposal, "proposer", _proposal_seen, ("steps",)),
    "objection": _Trackable(Objection, "objector", _objection_seen),
    "complaint": _Trackable(Complaint, "complainant", _complaint_seen),
    "correction": _Trackable(CorrectionRequest, "requester", _correction_seen),
    "decision_review": _Trackable(DecisionReview, "requester", _review_seen),
}


def tracked_by_number(kind: str, year: int, serial: int, *, nik: str, name: str) -> Tracked | None:
    """The status of one proposal, objection, complaint, correction or decision review, for
    whoever gives its tracking number and the NIK and name given when filing (``None`` for any
    mismatch: one answer). Numbers are sequential: the name keeps whoever knows a NIK from
    trying them."""
    trackable = TRACKABLE[kind]
    record = trackable.filed_by(nik).filter(pk=serial).first() if nik else None
    if record is None or record.tracking_number != tracking_number(kind, year, serial):
        return None
    return trackable.seen(record) if trackable.by_name(record, name) else None


def _tracked(nik: str, name: str) -> list[Tracked]:
    return [
        trackable.seen(record)
        for trackable in TRACKABLE.values()
        for record in trackable.filed_by(nik)
        if trackable.by_name(record, name)
    ]
