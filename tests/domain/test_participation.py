"""Proposals, objections and complaints as tables (issue #12): every allowed and every forbidden
step, each by its owner only, with its guards; objections lapse only after their deadline;
complaints go to the right office and up a level when late; tracking numbers catch typos."""

from datetime import date
from itertools import product

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sejahtera.domain import participation as p
from sejahtera.domain.findings import Finding, Severity, error
from sejahtera.domain.participation import (
    SAME_PERSON,
    Actor,
    ObjectionStatus,
    ProposalStage,
    decision_review_intake,
    decision_review_request,
    decision_review_verdict,
)

READY = p.ProposalFacts(
    reason="tidak memenuhi syarat",
    visited_on=date(2026, 3, 2),
    deliberation_minutes=True,
    deliberation_carried=True,
)
ALL_STEPS = list(product(ProposalStage, ProposalStage))


@pytest.mark.parametrize(("source", "target"), ALL_STEPS)
def test_every_proposal_step_is_allowed_exactly_as_the_table_says(source, target):
    owner = p.PROPOSAL_STEPS.get(source, {}).get(target)
    findings = p.proposal_step(source, target, owner or Actor.MINISTRY, READY)
    codes = [f.code for f in findings]
    assert (codes == []) is (owner is not None)
    if owner is None:
        assert codes == [p.STEP_NOT_ALLOWED]


@pytest.mark.parametrize(
    ("source", "target", "owner"),
    [(s, t, a) for s, steps in p.PROPOSAL_STEPS.items() for t, a in steps.items()],
)
def test_each_step_belongs_to_its_owner_alone(source, target, owner):
    for actor in Actor:
        findings = p.proposal_step(source, target, actor, READY)
        assert (findings == []) is (actor is owner), actor


def test_the_flow_from_proposal_to_decision():
    flow = [
        (ProposalStage.SUBMITTED, ProposalStage.VERIFIED, Actor.VILLAGE),
        (ProposalStage.VERIFIED, ProposalStage.DELIBERATED, Actor.VILLAGE),
        (ProposalStage.DELIBERATED, ProposalStage.VALIDATED, Actor.REGENCY_OFFICE),
        (ProposalStage.VALIDATED, ProposalStage.APPROVED, Actor.REGENT),
        (ProposalStage.APPROVED, ProposalStage.DECIDED, Actor.MINISTRY),
    ]
    for source, target, actor in flow:
        assert p.proposal_step(source, target, actor, READY) == []
    assert set(p.PROPOSAL_STEPS) | p.PROPOSAL_ENDS == set(ProposalStage)
    assert not p.PROPOSAL_ENDS & set(p.PROPOSAL_STEPS), "an end has no step out"


@pytest.mark.parametrize(
    ("target", "facts", "codes"),
    [
        (ProposalStage.VERIFIED, p.ProposalFacts(), [p.VISIT_MISSING]),
        (ProposalStage.DELIBERATED, p.ProposalFacts(), [p.MINUTES_MISSING, p.NOT_CARRIED]),
        (
            ProposalStage.DELIBERATED,
            p.ProposalFacts(deliberation_minutes=True, deliberation_carried=False),
            [p.NOT_CARRIED],
        ),
        (ProposalStage.REJECTED, p.ProposalFacts(reason="  "), [p.REASON_MISSING]),
    ],
)
def test_the_guards_of_the_village_steps(target, facts, codes):
    source = (
        ProposalStage.SUBMITTED
        if target is not ProposalStage.DELIBERATED
        else ProposalStage.VERIFIED
    )
    actor = p.PROPOSAL_STEPS[source][target]
    assert [f.code for f in p.proposal_step(source, target, actor, facts)] == codes


def test_only_a_change_the_registry_accepts_is_decided():
    invalid = p.ProposalFacts(registry_findings=(error("NIK_PROVINCE_UNKNOWN", "x"),))
    findings = p.proposal_step(
        ProposalStage.APPROVED, ProposalStage.DECIDED, Actor.MINISTRY, invalid
    )
    assert [f.code for f in findings] == [p.REGISTRY_INVALID]
    warning_only = p.ProposalFacts(
        registry_findings=(Finding("NIK_SEX_MISMATCH", "x", Severity.WARNING),)
    )
    assert (
        p.proposal_step(ProposalStage.APPROVED, ProposalStage.DECIDED, Actor.MINISTRY, warning_only)
        == []
    )


FILED = date(2026, 3, 1)
DEADLINE = date(2026, 3, 15)
LATE = date(2026, 3, 16)
OFFICE = Actor.REGENCY_OFFICE


@pytest.mark.parametrize(
    ("target", "actor", "today", "note", "codes"),
    [
        (ObjectionStatus.CONFIRMED, OFFICE, DEADLINE, "benar mampu", []),
        (ObjectionStatus.DISMISSED, OFFICE, FILED, "tidak terbukti", []),
        (ObjectionStatus.CONFIRMED, OFFICE, LATE, "x", [p.OBJECTION_LATE]),
        (ObjectionStatus.CONFIRMED, OFFICE, FILED, "", [p.REASON_MISSING]),
        (ObjectionStatus.LAPSED, Actor.SYSTEM, DEADLINE, "", [p.OBJECTION_NOT_DUE]),
        (ObjectionStatus.LAPSED, Actor.SYSTEM, LATE, "", []),
        (ObjectionStatus.LAPSED, OFFICE, LATE, "", [p.OBJECTION_STEP_NOT_ALLOWED]),
        (ObjectionStatus.CONFIRMED, Actor.VILLAGE, FILED, "x", [p.OBJECTION_STEP_NOT_ALLOWED]),
    ],
)  # fmt: skip
def test_an_objection_is_verified_in_time_or_lapses_after(target, actor, today, note, codes):
    findings = p.objection_step(
        ObjectionStatus.FILED, target, actor, filed_on=FILED, today=today, note=note
    )
    assert [f.code for f in findings] == codes


@pytest.mark.parametrize("source", [s for s in ObjectionStatus if s is not ObjectionStatus.FILED])
def test_a_verified_or_lapsed_objection_moves_no_more(source):
    for target, actor in product(ObjectionStatus, Actor):
        findings = p.objection_step(source, target, actor, filed_on=FILED, today=FILED, note="x")
        assert [f.code for f in findings] == [p.OBJECTION_STEP_NOT_ALLOWED]


def test_only_a_resident_of_the_village_objects_and_says_why():
    assert p.objection_filing("3201011002", "3201011002", "punya mobil") == []
    codes = [f.code for f in p.objection_filing("3201011003", "3201011002", "")]
    assert codes == [p.NOT_SAME_VILLAGE, p.REASON_MISSING]


def test_a_complaint_goes_to_the_regency_and_one_about_staff_above_it():
    category = p.ComplaintCategory
    assert p.route(category.AID_NOT_RECEIVED, "3201011002", FILED) == p.Route(
        p.Level.REGENCY, "3201", date(2026, 3, 15)
    )
    assert p.route(category.STAFF_MISCONDUCT, "3201011002", FILED) == p.Route(
        p.Level.PROVINCE, "32", date(2026, 3, 31)
    )
    # any complaint that names a regency's officer goes above their office
    named = p.route(category.AID_NOT_RECEIVED, "3201011002", FILED, staff_level=p.Level.REGENCY)
    assert named.level is p.Level.PROVINCE


def test_a_complaint_about_a_whole_province_goes_to_its_province_office():
    """A regency office "32" does not exist: nobody would ever have read it."""
    category = p.ComplaintCategory
    assert p.route(category.AID_NOT_RECEIVED, "32", FILED) == p.Route(
        p.Level.PROVINCE, "32", date(2026, 3, 15)
    )
    assert p.route(category.STAFF_MISCONDUCT, "32", FILED).level is p.Level.PROVINCE
    named = p.route(category.AID_NOT_RECEIVED, "32", FILED, staff_level=p.Level.PROVINCE)
    assert named == p.Route(p.Level.MINISTRY, "", date(2026, 3, 15))


def test_a_late_complaint_goes_up_a_level_until_the_ministry():
    category = p.ComplaintCategory.WRONG_AMOUNT
    regency = p.route(category, "3201011002", FILED)
    assert p.escalate(regency, category, "3201011002", regency.due_on) is None  # not yet late
    province = p.escalate(regency, category, "3201011002", date(2026, 3, 16))
    assert province == p.Route(p.Level.PROVINCE, "32", date(2026, 3, 30))
    ministry = p.escalate(province, category, "3201011002", date(2026, 3, 31))
    assert ministry == p.Route(p.Level.MINISTRY, "", date(2026, 4, 14))
    assert p.escalate(ministry, category, "3201011002", date(2027, 1, 1)) is None


def test_a_tracking_number_reads_back():
    number = p.tracking_number("proposal", 2026, 1234)
    assert number.startswith("USL-2026-0001234-")
    assert p.parse_tracking_number(number) == ("proposal", 2026, 1234)
    assert p.parse_tracking_number(number.lower().replace("-", " ")) == ("proposal", 2026, 1234)
    assert p.parse_tracking_number("XYZ-2026-0001234-0") is None


@given(
    prefix=st.sampled_from(sorted(p.TRACKING_PREFIXES.values())),
    digits=st.text(st.characters(categories=["Nd", "No"]), min_size=12, max_size=12),
)
def test_any_digits_read_as_a_tracking_number_or_none(prefix, digits):
    """What a citizen types never raises, superscript, circled or Arabic-Indic digits
    included (``isdigit`` takes them, ``int`` does not take all)."""
    parsed = p.parse_tracking_number(prefix + digits)
    assert parsed is None or digits.isascii()


@given(
    kind=st.sampled_from(sorted(p.TRACKING_PREFIXES)),
    year=st.integers(2020, 2099),
    serial=st.integers(0, 9_999_999),
    position=st.integers(0, 10),
    data=st.data(),
)
def test_one_wrong_digit_or_two_swapped_never_pass(kind, year, serial, position, data):
    number = p.tracking_number(kind, year, serial)
    prefix, digits = number[:4], number[4:].replace("-", "")
    wrong = data.draw(st.integers(0, 9).filter(lambda d: d != int(digits[position])))
    typo = digits[:position] + str(wrong) + digits[position + 1 :]
    assert p.parse_tracking_number(prefix + typo) is None
    if digits[position] != digits[position + 1]:
        swapped = (
            digits[:position] + digits[position + 1] + digits[position] + digits[position + 2 :]
        )
        assert p.parse_tracking_number(prefix + swapped) is None


SHAPES = {
    "new household": p.ProposalShape(False, False, True, 2, False),
    "household fields": p.ProposalShape(True, False, True, 0, False),
    "one member's fields": p.ProposalShape(True, True, False, 1, False),
    "a member": p.ProposalShape(True, False, False, 1, False),
    "members": p.ProposalShape(True, False, False, 2, False),
    "a member and where to": p.ProposalShape(True, True, False, 0, True),
    "nothing": p.ProposalShape(True, False, False, 0, False),
}
K = p.ProposalKind
FITS = {
    K.NEW_HOUSEHOLD: {"new household"},
    K.MOVED: {"household fields"},
    K.DIED: {"one member's fields"},
    K.BIRTH: {"a member", "members"},
    K.NEW_MEMBER: {"a member", "members"},
    K.MEMBER_LEFT: {"a member and where to"},
    K.CONDITION: {"household fields", "one member's fields"},
}


@pytest.mark.parametrize(("kind", "shape"), list(product(K, SHAPES)))
def test_each_kind_of_proposal_carries_its_own_change(kind, shape):
    findings = p.proposal_shape(kind, SHAPES[shape])
    assert (findings == []) is (shape in FITS[kind])
    assert [f.code for f in findings] in ([], [p.SHAPE_WRONG])


def test_a_complaint_is_resolved_once_with_the_outcome_written():
    open_ = p.ComplaintStatus.OPEN
    assert p.complaint_resolution(open_, "dana dicairkan") == []
    assert [f.code for f in p.complaint_resolution(open_, " ")] == [p.OUTCOME_MISSING]
    assert [f.code for f in p.complaint_resolution(p.ComplaintStatus.RESOLVED, "x")] == [
        p.COMPLAINT_CLOSED
    ]


def test_each_kind_changes_only_its_own_columns():
    assert p.proposal_columns(p.ProposalKind.DIED, set(), {"deceased_date"}) == []
    assert p.proposal_columns(p.ProposalKind.NEW_HOUSEHOLD, {"kk_number"}, {"nik"}) == []
    assert p.proposal_columns(p.ProposalKind.CONDITION, {"roof_type"}, {"disability"}) == []
    for kind, household, member in (
        (p.ProposalKind.DIED, set(), {"deceased_date", "full_name"}),
        (p.ProposalKind.MOVED, {"kk_number"}, set()),
        (p.ProposalKind.CONDITION, set(), {"nik"}),
        (p.ProposalKind.MEMBER_LEFT, set(), {"full_name"}),
    ):
        assert [f.code for f in p.proposal_columns(kind, household, member)] == [
            p.COLUMNS_NOT_ALLOWED
        ], kind


# -- objections to an automated decision -------------------------------------------------------

REQUEST = {
    "in_current_run": True,
    "limited": False,
    "pending": False,
    "standing": False,
    "reviewed": False,
    "requester_name": "Siti",
    "grounds": "penghasilan turun",
}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({}, []),
        ({"in_current_run": False}, ["REVIEW_OLD_DECISION"]),
        ({"limited": True}, ["REVIEW_LIMITED"]),
        ({"pending": True, "reviewed": True}, ["REVIEW_PENDING"]),
        ({"standing": True, "reviewed": True}, ["REVIEW_STANDING"]),
        ({"reviewed": True}, ["REVIEW_DONE"]),
        ({"requester_known": False}, ["REQUESTER_NOT_SUBJECT"]),
        ({"subject_deceased": True}, ["REVIEW_SUBJECT_DECEASED"]),
        ({"requester_name": " ", "grounds": ""}, ["REQUESTER_MISSING", "GROUNDS_MISSING"]),
    ],
)
def test_which_objections_to_a_decision_are_taken(change, expected):
    assert [f.code for f in decision_review_request(**(REQUEST | change))] == expected


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        ({}, []),
        ({"still_open": False}, ["REVIEW_NOT_OPEN"]),
        ({"took_it_in": True}, [SAME_PERSON]),
        ({"note": " "}, ["REVIEW_NOTE_MISSING"]),
        ({"facts_changed": True}, []),  # upholding stays possible
        ({"facts_changed": True, "overturn": True}, ["REVIEW_FACTS_CHANGED"]),
        ({"nothing_to_pay": True, "overturn": True}, ["REVIEW_NOTHING_TO_PAY"]),
        ({"limited": True}, []),  # a quota cut filed on the public page is upheld
        ({"limited": True, "overturn": True}, ["REVIEW_LIMITED"]),
    ],
)
def test_when_a_reviewer_decides(facts, expected):
    verdict = {"still_open": True, "took_it_in": False, "note": "dikunjungi"} | facts
    assert [f.code for f in decision_review_verdict(**verdict)] == expected


def test_a_public_objection_is_taken_in_once():
    assert decision_review_intake(received=True) == []
    assert [f.code for f in decision_review_intake(received=False)] == ["REVIEW_TAKEN_IN"]
