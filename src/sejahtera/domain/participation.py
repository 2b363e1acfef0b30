"""Getting everyone into the data (issue #12): proposals (usulan), objections (sanggah) and
complaints (pengaduan) — their workflows as tables, their guards over plain facts, deadlines,
routing and tracking numbers. No Django: the apps gather the facts and map roles to actors.

A proposal puts a new household or a change to one forward. It is verified by the village
(a visit), carried by the village deliberation (musyawarah desa), validated by the regency's
social office, approved by the regent (bupati or wali kota) and decided by the ministry; each
of them may reject it with a reason, and the proposer may withdraw it until the deliberation.
Only a decided proposal changes the registry.

An objection to a listed beneficiary comes from a resident of the same village; the regency's
social office confirms or dismisses it within a deadline, after which it lapses by itself.

A complaint is routed by category and region, has a service-level deadline per category and
is escalated one level up (regency → province → ministry) each time a deadline passes.
Complaints about staff go to the level above the office concerned.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from sejahtera.domain.findings import Finding, error, gettext_noop


class Actor(StrEnum):
    PROPOSER = "proposer"  # who put the proposal forward (a citizen or a village operator)
    VILLAGE = "village"  # the village operator, for the village and its deliberation
    REGENCY_OFFICE = "regency_office"  # the regency or city social office (Dinas Sosial)
    REGENT = "regent"  # the district head: bupati or wali kota
    MINISTRY = "ministry"
    SYSTEM = "system"  # the scheduled task (deadlines)


# -- proposals ---------------------------------------------------------------------------------


class ProposalStage(StrEnum):
    SUBMITTED = "submitted"
    VERIFIED = "verified"  # the village visited the household
    DELIBERATED = "deliberated"  # the village deliberation carried it
    VALIDATED = "validated"  # the regency's social office
    APPROVED = "approved"  # the regent
    DECIDED = "decided"  # the ministry: the registry is changed
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class ProposalKind(StrEnum):
    NEW_HOUSEHOLD = "new_household"
    MOVED = "moved"
    DIED = "died"
    BIRTH = "birth"
    NEW_MEMBER = "new_member"
    MEMBER_LEFT = "member_left"
    CONDITION = "condition"  # a changed condition: disability, disaster, illness, …


@dataclass(frozen=True)
class ProposalShape:
    """What a proposal names and carries, as the service layer sees it."""

    household: bool  # names a registered household
    person: bool  # names one of its members
    household_cells: bool  # carries household fields
    members: int  # how many member records it carries
    to_household: bool  # names the household a leaving member goes to


# kind → (names a household, names a member, household fields, members at least); None: may
_SHAPES: Mapping[ProposalKind, tuple[bool, bool | None, bool | None, int]] = {
    ProposalKind.NEW_HOUSEHOLD: (False, False, True, 1),
    ProposalKind.MOVED: (True, False, True, 0),
    ProposalKind.DIED: (True, True, False, 1),
    ProposalKind.BIRTH: (True, False, False, 1),
    ProposalKind.NEW_MEMBER: (True, False, False, 1),
    ProposalKind.MEMBER_LEFT: (True, True, False, 0),
    ProposalKind.CONDITION: (True, None, None, 0),
}
SHAPE_WRONG = "PROPOSAL_SHAPE_WRONG"


def proposal_shape(kind: ProposalKind, shape: ProposalShape) -> list[Finding]:
    """Why a proposal of ``kind`` cannot be made of what it carries: a new household brings
    its fields and members; a death names the member and the date; a birth or a new member
    brings the member; a leaving member names where they go; a changed condition changes
    household fields or one member's."""
    household, person, cells, members = _SHAPES[kind]
    wrong = (
        shape.household != household
        or (person is not None and shape.person != person)
        or (cells is not None and shape.household_cells != cells)
        or shape.members < members
        or shape.to_household != (kind is ProposalKind.MEMBER_LEFT)
        or (shape.person and shape.members > 1)
        or (kind is ProposalKind.CONDITION and not (shape.household_cells or shape.members))
        or (kind is ProposalKind.CONDITION and shape.members and not shape.person)
    )
    if not wrong:
        return []
    return [
        error(
            SHAPE_WRONG,
            gettext_noop("a proposal of kind {kind} does not carry this change"),
            kind=str(kind),
        )
    ]


# The columns a change may carry, by kind (household's, member's); None: a whole new record.
# A condition is what makes a cluster or the welfare score, never who a person is.
CONDITION_MEMBER_COLUMNS = frozenset(
    {
        "disability",
        "disability_severity",
        "chronic_illness",
        "pregnant",
        "neglected",
        "orphan",
        "disaster_victim",
        "disaster_event",
        "employment",
        "monthly_income_idr",
    }
)
CONDITION_HOUSEHOLD_COLUMNS = frozenset(
    {
        "house_ownership",
        "floor_area_m2",
        "floor_type",
        "wall_type",
        "roof_type",
        "drinking_water",
        "lighting",
        "electricity_va",
        "cooking_fuel",
        "toilet",
        "assets",
        "monthly_expenditure_idr",
    }
)
_COLUMNS: Mapping[ProposalKind, tuple[frozenset[str] | None, frozenset[str] | None]] = {
    ProposalKind.NEW_HOUSEHOLD: (None, None),
    ProposalKind.MOVED: (frozenset({"address", "rt", "rw", "latitude", "longitude"}), frozenset()),
    ProposalKind.DIED: (frozenset(), frozenset({"deceased_date"})),
    ProposalKind.BIRTH: (frozenset(), None),
    ProposalKind.NEW_MEMBER: (frozenset(), None),
    ProposalKind.MEMBER_LEFT: (frozenset(), frozenset()),
    ProposalKind.CONDITION: (CONDITION_HOUSEHOLD_COLUMNS, CONDITION_MEMBER_COLUMNS),
}
COLUMNS_NOT_ALLOWED = "PROPOSAL_COLUMNS_NOT_ALLOWED"


def proposal_columns(
    kind: ProposalKind, household_columns: set[str], member_columns: set[str]
) -> list[Finding]:
    """Why a change of ``kind`` may not carry these columns: a death changes the date of
    death alone, a move the address, a condition what makes a cluster."""
    household, member = _COLUMNS[kind]
    extra = (household_columns - household if household is not None else set()) | (
        member_columns - member if member is not None else set()
    )
    if not extra:
        return []
    return [
        error(
            COLUMNS_NOT_ALLOWED,
            gettext_noop("a proposal of kind {kind} cannot change {columns}"),
            kind=str(kind),
            columns=", ".join(sorted(extra)),
        )
    ]


P = ProposalStage
# stage → the stages it may go to next, and who moves it there
PROPOSAL_STEPS: Mapping[ProposalStage, Mapping[ProposalStage, Actor]] = {
    P.SUBMITTED: {
        P.VERIFIED: Actor.VILLAGE,
        P.REJECTED: Actor.VILLAGE,
        P.WITHDRAWN: Actor.PROPOSER,
    },
    P.VERIFIED: {
        P.DELIBERATED: Actor.VILLAGE,
        P.REJECTED: Actor.VILLAGE,
        P.WITHDRAWN: Actor.PROPOSER,
    },
    P.DELIBERATED: {P.VALIDATED: Actor.REGENCY_OFFICE, P.REJECTED: Actor.REGENCY_OFFICE},
    P.VALIDATED: {P.APPROVED: Actor.REGENT, P.REJECTED: Actor.REGENT},
    P.APPROVED: {P.DECIDED: Actor.MINISTRY, P.REJECTED: Actor.MINISTRY},
}
PROPOSAL_ENDS = frozenset({P.DECIDED, P.REJECTED, P.WITHDRAWN})


@dataclass(frozen=True)
class ProposalFacts:
    """What the service layer knows when a proposal is moved."""

    reason: str = ""  # why it is rejected or withdrawn
    visited_on: date | None = None  # the village's verification visit
    deliberation_minutes: bool = False  # the deliberation's minutes are uploaded
    deliberation_carried: bool | None = None  # the deliberation's decision on this proposal
    registry_findings: tuple[Finding, ...] = ()  # the registry's validators on the change
    today: date | None = None  # when the step is taken (a visit cannot be in the future)
    took_earlier_step: bool = False  # the actor took an earlier step of this proposal


STEP_NOT_ALLOWED = "PROPOSAL_STEP_NOT_ALLOWED"
NOT_YOUR_STEP = "PROPOSAL_NOT_YOUR_STEP"
REASON_MISSING = "PROPOSAL_REASON_MISSING"
VISIT_MISSING = "PROPOSAL_VISIT_MISSING"
MINUTES_MISSING = "PROPOSAL_DELIBERATION_MINUTES_MISSING"
NOT_CARRIED = "PROPOSAL_NOT_CARRIED_BY_DELIBERATION"
REGISTRY_INVALID = "PROPOSAL_CHANGE_INVALID"
SAME_PERSON = "PROPOSAL_SAME_PERSON_TWICE"


def proposal_step(
    from_stage: ProposalStage, to_stage: ProposalStage, actor: Actor, facts: ProposalFacts
) -> list[Finding]:
    """Why ``actor`` may not move a proposal from one stage to another (empty: it may)."""
    owner = PROPOSAL_STEPS.get(from_stage, {}).get(to_stage)
    if owner is None:
        return [
            error(
                STEP_NOT_ALLOWED,
                gettext_noop("a proposal cannot go from {from_stage} to {to_stage}"),
                from_stage=str(from_stage),
                to_stage=str(to_stage),
            )
        ]
    if owner is not actor:
        return [
            error(
                NOT_YOUR_STEP,
                gettext_noop("this step belongs to the {owner}"),
                owner=str(owner),
            )
        ]
    return [finding for guard in _PROPOSAL_GUARDS.get(to_stage, ()) for finding in guard(facts)]


def _reason(facts: ProposalFacts) -> list[Finding]:
    if facts.reason.strip():
        return []
    return [error(REASON_MISSING, gettext_noop("give the reason"), "reason")]


def _visit(facts: ProposalFacts) -> list[Finding]:
    if facts.visited_on is None:
        return [error(VISIT_MISSING, gettext_noop("record the date of the verification visit"))]
    if facts.today is not None and facts.visited_on > facts.today:
        return [
            error(VISIT_MISSING, gettext_noop("the visit cannot be in the future"), "visited_on")
        ]
    return []


def _deliberation(facts: ProposalFacts) -> list[Finding]:
    findings = []
    if not facts.deliberation_minutes:
        findings.append(
            error(MINUTES_MISSING, gettext_noop("upload the minutes of the village deliberation"))
        )
    if facts.deliberation_carried is not True:
        findings.append(
            error(NOT_CARRIED, gettext_noop("the village deliberation did not carry this proposal"))
        )
    return findings


def _registry(facts: ProposalFacts) -> list[Finding]:
    if not any(finding.is_error for finding in facts.registry_findings):
        return []
    return [error(REGISTRY_INVALID, gettext_noop("the change does not pass the registry's checks"))]


def _four_eyes(facts: ProposalFacts) -> list[Finding]:
    """The regency, the regent and the ministry are three people, none of whom took an
    earlier step (an administrator holds every role, but takes one step of a proposal)."""
    if not facts.took_earlier_step:
        return []
    return [
        error(
            SAME_PERSON,
            gettext_noop(
                "you took an earlier step of this proposal: another person takes this one"
            ),
        )
    ]


_PROPOSAL_GUARDS = {
    P.VERIFIED: (_visit,),
    P.DELIBERATED: (_deliberation,),
    P.VALIDATED: (_four_eyes,),
    P.APPROVED: (_four_eyes,),
    P.DECIDED: (_four_eyes, _registry),
    P.REJECTED: (_reason,),
    P.WITHDRAWN: (_reason,),
}


# -- objections --------------------------------------------------------------------------------


class ObjectionStatus(StrEnum):
    FILED = "filed"
    CONFIRMED = "confirmed"  # the household goes to review with the finding
    DISMISSED = "dismissed"
    LAPSED = "lapsed"  # not verified in time


OBJECTION_STEPS: Mapping[ObjectionStatus, Mapping[ObjectionStatus, Actor]] = {
    ObjectionStatus.FILED: {
        ObjectionStatus.CONFIRMED: Actor.REGENCY_OFFICE,
        ObjectionStatus.DISMISSED: Actor.REGENCY_OFFICE,
        ObjectionStatus.LAPSED: Actor.SYSTEM,
    },
}
OBJECTION_DAYS = 14  # the default; an office's setting may differ

NOT_SAME_VILLAGE = "OBJECTION_NOT_SAME_VILLAGE"
OBJECTION_LATE = "OBJECTION_VERIFICATION_LATE"
OBJECTION_NOT_DUE = "OBJECTION_NOT_YET_DUE"
OBJECTION_STEP_NOT_ALLOWED = "OBJECTION_STEP_NOT_ALLOWED"
OBJECTION_SAME_PERSON = "OBJECTION_SAME_PERSON"


def objection_deadline(filed_on: date, days: int = OBJECTION_DAYS) -> date:
    """The last day the regency's office may verify an objection."""
    return filed_on + timedelta(days=days)


def objection_filing(objector_village: str, household_village: str, reason: str) -> list[Finding]:
    """Why an objection may not be filed: a resident objects to a beneficiary of their own
    village, and says why."""
    findings = []
    if objector_village != household_village:
        findings.append(
            error(
                NOT_SAME_VILLAGE,
                gettext_noop("only a resident of the same village may object to a beneficiary"),
            )
        )
    if not reason.strip():
        findings.append(error(REASON_MISSING, gettext_noop("give the reason"), "reason"))
    return findings


def objection_step(
    from_status: ObjectionStatus,
    to_status: ObjectionStatus,
    actor: Actor,
    *,
    filed_on: date,
    today: date,
    days: int = OBJECTION_DAYS,
    note: str = "",
    took_it_in: bool = False,
) -> list[Finding]:
    """Why ``actor`` may not move an objection: the office verifies until the deadline (with a
    note of what it found), the scheduled task lapses it only after. Whoever took it in does
    not confirm it (``took_it_in``): confirming holds the family's aid, so two people do."""
    owner = OBJECTION_STEPS.get(from_status, {}).get(to_status)
    if owner is None or owner is not actor:
        return [
            error(
                OBJECTION_STEP_NOT_ALLOWED,
                gettext_noop(
                    "an objection cannot be moved from {from_status} to {to_status} by {actor}"
                ),
                from_status=str(from_status),
                to_status=str(to_status),
                actor=str(actor),
            )
        ]
    deadline = objection_deadline(filed_on, days)
    if to_status is ObjectionStatus.LAPSED:
        if today <= deadline:
            return [
                error(
                    OBJECTION_NOT_DUE,
                    gettext_noop("the objection may be verified until {deadline}"),
                    deadline=deadline.isoformat(),
                )
            ]
        return []
    if today > deadline:
        return [
            error(
                OBJECTION_LATE,
                gettext_noop("the deadline {deadline} has passed: the objection lapsed"),
                deadline=deadline.isoformat(),
            )
        ]
    if to_status is ObjectionStatus.CONFIRMED and took_it_in:
        return [
            error(
                OBJECTION_SAME_PERSON,
                gettext_noop("whoever took in the objection does not confirm it: another does"),
            )
        ]
    if not note.strip():
        return [error(REASON_MISSING, gettext_noop("say what the verification found"), "note")]
    return []


# -- complaints --------------------------------------------------------------------------------


class ComplaintCategory(StrEnum):
    AID_NOT_RECEIVED = "aid_not_received"
    WRONG_AMOUNT = "wrong_amount"
    DATA_ERROR = "data_error"
    STAFF_MISCONDUCT = "staff_misconduct"
    SERVICE_QUALITY = "service_quality"
    OTHER = "other"


class Level(StrEnum):
    REGENCY = "regency"
    PROVINCE = "province"
    MINISTRY = "ministry"


LEVEL_ORDER = (Level.REGENCY, Level.PROVINCE, Level.MINISTRY)
# the length of a region code at each level ("" for the ministry: the whole country)
LEVEL_CODE_LENGTH = {Level.REGENCY: 4, Level.PROVINCE: 2, Level.MINISTRY: 0}


@dataclass(frozen=True)
class ComplaintSettings:
    """Days to resolve a complaint, per category (service-level deadlines)."""

    days: Mapping[ComplaintCategory, int] = field(
        default_factory=lambda: {
            ComplaintCategory.AID_NOT_RECEIVED: 14,
            ComplaintCategory.WRONG_AMOUNT: 14,
            ComplaintCategory.DATA_ERROR: 30,
            ComplaintCategory.STAFF_MISCONDUCT: 30,
            ComplaintCategory.SERVICE_QUALITY: 14,
            ComplaintCategory.OTHER: 30,
        }
    )


@dataclass(frozen=True)
class Route:
    level: Level
    region_code: str  # the office's region ("" for the ministry)
    due_on: date


def route(
    category: ComplaintCategory,
    region_code: str,
    received_on: date,
    settings: ComplaintSettings | None = None,
    staff_level: Level | None = None,
) -> Route:
    """The office that handles a new complaint about a household of ``region_code``: the
    regency's; for a complaint about staff, or one that names a staff member of
    ``staff_level`` whatever its category, the level above the staff's office (never the
    office whose staff it names; about the ministry's own staff, the ministry, where the
    auditors read it too)."""
    level = Level.REGENCY
    if staff_level is not None or category is ComplaintCategory.STAFF_MISCONDUCT:
        named = staff_level or Level.REGENCY
        level = LEVEL_ORDER[min(LEVEL_ORDER.index(named) + 1, len(LEVEL_ORDER) - 1)]
    # A complaint about a whole province has no regency office to go to: its province's.
    level = max(level, _level_of(region_code), key=LEVEL_ORDER.index)
    return _at(level, region_code, received_on, category, settings)


def _level_of(region_code: str) -> Level:
    """The lowest level whose offices a region of ``region_code`` falls under."""
    return next(level for level in LEVEL_ORDER if len(region_code) >= LEVEL_CODE_LENGTH[level])


def escalate(
    current: Route,
    category: ComplaintCategory,
    region_code: str,
    today: date,
    settings: ComplaintSettings | None = None,
) -> Route | None:
    """The next level once the deadline has passed (``None``: not yet due, or already at the
    ministry)."""
    index = LEVEL_ORDER.index(current.level)
    if today <= current.due_on or index == len(LEVEL_ORDER) - 1:
        return None
    return _at(LEVEL_ORDER[index + 1], region_code, today, category, settings)


def _at(
    level: Level,
    region_code: str,
    start: date,
    category: ComplaintCategory,
    settings: ComplaintSettings | None,
) -> Route:
    days = (settings or ComplaintSettings()).days[category]
    return Route(level, region_code[: LEVEL_CODE_LENGTH[level]], start + timedelta(days=days))


class ComplaintStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"  # the outcome is told to the complainant


OUTCOME_MISSING = "COMPLAINT_OUTCOME_MISSING"
COMPLAINT_CLOSED = "COMPLAINT_ALREADY_RESOLVED"


def complaint_resolution(status: ComplaintStatus, outcome: str) -> list[Finding]:
    """Why a complaint may not be resolved: it is open, and the outcome the complainant will
    be told is written."""
    if status is not ComplaintStatus.OPEN:
        return [error(COMPLAINT_CLOSED, gettext_noop("the complaint is already resolved"))]
    if not outcome.strip():
        return [
            error(OUTCOME_MISSING, gettext_noop("write the outcome for the complainant"), "outcome")
        ]
    return []


# -- correction requests (UU 27/2022: the data subject's right to correction) ------------------


class CorrectionStatus(StrEnum):
    REQUESTED = "requested"
    ACCEPTED = "accepted"  # the record is corrected
    REJECTED = "rejected"


# what a person may ask to correct about themselves; anything else goes in the description
CORRECTABLE = ("full_name", "sex", "birth_date", "birth_place")
CORRECTION_CLOSED = "CORRECTION_ALREADY_REVIEWED"
NOTE_MISSING = "CORRECTION_NOTE_MISSING"


def correction_review(status: CorrectionStatus, note: str) -> list[Finding]:
    """Why a correction request may not be reviewed now: once only, saying what was checked
    (the documents seen, or why it is refused)."""
    if status is not CorrectionStatus.REQUESTED:
        return [error(CORRECTION_CLOSED, gettext_noop("the request is already reviewed"))]
    if not note.strip():
        return [error(NOTE_MISSING, gettext_noop("say what you checked"), "note")]
    return []


# -- objections to an automated decision (UU 27/2022, art. 10) --------------------------------


def decision_review_request(
    *,
    in_current_run: bool,
    limited: bool,
    pending: bool,
    standing: bool,
    reviewed: bool,
    requester_name: str,
    grounds: str,
    requester_known: bool = True,
    subject_deceased: bool = False,
) -> list[Finding]:
    """Why an objection to a targeting decision cannot be taken in: only the current run's
    decisions are reviewed, one review at a time, and a place a quota or the budget cut is a
    waiting-list place, not an assessment of the person. Who objects is the person decided
    about or, for a household's decision, one of its members (``requester_known``): their NIK
    follows the outcome on the public page."""
    findings = []
    if subject_deceased:
        findings.append(
            error("REVIEW_SUBJECT_DECEASED", gettext_noop("the person decided about has died"))
        )
    if not requester_known:
        findings.append(
            error(
                "REQUESTER_NOT_SUBJECT",
                gettext_noop(
                    "the NIK is not of the person decided about, nor of a member of their household"
                ),
                "requester_nik",
            )
        )
    if not in_current_run:
        findings.append(
            error(
                "REVIEW_OLD_DECISION",
                gettext_noop("only a decision of the current targeting run can be reviewed"),
            )
        )
    if limited:
        findings.append(_left_out_by_a_limit())
    if pending:
        findings.append(
            error("REVIEW_PENDING", gettext_noop("this decision is already awaiting a reviewer"))
        )
    if standing:
        findings.append(
            error(
                "REVIEW_STANDING",
                gettext_noop("a reviewer's verdict already decides this until the facts change"),
            )
        )
    elif reviewed and not pending:
        findings.append(
            error(
                "REVIEW_DONE",
                gettext_noop("this decision was reviewed; the next targeting run decides again"),
            )
        )
    if not requester_name.strip():
        findings.append(
            error("REQUESTER_MISSING", gettext_noop("say who objects"), "requester_name")
        )
    if not grounds.strip():
        findings.append(
            error("GROUNDS_MISSING", gettext_noop("say why the decision is wrong"), "grounds")
        )
    return findings


def _left_out_by_a_limit() -> Finding:
    return error(
        "REVIEW_LIMITED",
        gettext_noop(
            "a quota or the budget left this subject out, not the rules: it waits for a freed place"
        ),
    )


def decision_review_intake(*, received: bool) -> list[Finding]:
    """Why an objection filed on the public page cannot be taken in: only once. Taking it in
    (the person's identity checked by an office) makes it a staff member's, so that another
    person reviews it."""
    if not received:
        return [error("REVIEW_TAKEN_IN", gettext_noop("the objection is already taken in"))]
    return []


def decision_review_verdict(
    *,
    still_open: bool,
    took_it_in: bool,
    note: str,
    overturn: bool = False,
    facts_changed: bool = False,
    nothing_to_pay: bool = False,
    limited: bool = False,
) -> list[Finding]:
    """Why a reviewer may not decide now: once only, after an office took the objection in,
    never on one they took in themselves, and with the reasons the person will read. A
    decision is overturned only on the facts it was objected to (changed since, the next run
    decides on the new ones), not into one that pays nothing (a household with no member the
    programme pays for), and not when a quota left the subject out (filed on the public page,
    which does not refuse it: the refusal would tell that the rules found them eligible)."""
    if not still_open:
        return [error("REVIEW_NOT_OPEN", gettext_noop("the review is decided or not yet taken in"))]
    findings = []
    if overturn and limited:
        findings.append(_left_out_by_a_limit())
    if overturn and facts_changed:
        findings.append(
            error(
                "REVIEW_FACTS_CHANGED",
                gettext_noop(
                    "the household's data changed after the objection: the next targeting run "
                    "decides on them (uphold, saying so, or wait for it)"
                ),
            )
        )
    if overturn and nothing_to_pay:
        findings.append(
            error(
                "REVIEW_NOTHING_TO_PAY",
                gettext_noop("no member is one the programme pays for: eligible would pay nothing"),
            )
        )
    if took_it_in:
        findings.append(
            error(SAME_PERSON, gettext_noop("whoever took in the objection cannot review it"))
        )
    if not note.strip():
        findings.append(
            error("REVIEW_NOTE_MISSING", gettext_noop("give the reasons of your verdict"), "note")
        )
    return findings


# -- tracking numbers --------------------------------------------------------------------------

TRACKING_PREFIXES = {
    "proposal": "USL",
    "objection": "SGH",
    "complaint": "ADU",
    "correction": "KOR",
    "decision_review": "TIN",  # tinjauan: a person reviews an automated decision
}
# Damm's quasigroup: one check digit that catches every single-digit error and every swap of
# two adjacent digits, the mistakes people make reading a number out over the phone.
_DAMM = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)


def _damm(digits: str) -> int:
    interim = 0
    for digit in digits:
        interim = _DAMM[interim][int(digit)]
    return interim


def tracking_number(kind: str, year: int, serial: int) -> str:
    """ "USL-2026-0001234-5": the kind, the year, a serial and a check digit."""
    body = f"{year:04d}{serial:07d}"
    return f"{TRACKING_PREFIXES[kind]}-{year:04d}-{serial:07d}-{_damm(body)}"


def parse_tracking_number(text: str) -> tuple[str, int, int] | None:
    """(kind, year, serial) of a tracking number as a person types it (any case, spaces or
    dashes anywhere), or ``None`` if it is not one or its check digit is wrong."""
    compact = "".join(ch for ch in text.upper() if ch.isalnum())
    kinds = {prefix: kind for kind, prefix in TRACKING_PREFIXES.items()}
    prefix, digits = compact[:3], compact[3:]
    # isdigit() alone takes "²" and "①", which int() refuses
    if prefix not in kinds or len(digits) != 12 or not (digits.isascii() and digits.isdigit()):
        return None
    if _damm(digits[:11]) != int(digits[11]):
        return None
    return kinds[prefix], int(digits[:4]), int(digits[4:11])
