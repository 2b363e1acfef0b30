"""The journey's transition table (every pair), its guards and graduation proposals."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sejahtera.domain import cases as c
from sejahtera.domain.cases import CaseFacts, Graduation, GraduationType, Stage

S = Stage
ALLOWED = {
    (S.REGISTERED, S.ASSESSED),
    (S.REGISTERED, S.PROTECTION),
    (S.REGISTERED, S.CLOSED),
    (S.ASSESSED, S.PROTECTION),
    (S.ASSESSED, S.REHABILITATION),
    (S.ASSESSED, S.EMPOWERMENT),
    (S.ASSESSED, S.TERMINATED),
    (S.ASSESSED, S.CLOSED),
    (S.PROTECTION, S.REHABILITATION),
    (S.PROTECTION, S.EMPOWERMENT),
    (S.PROTECTION, S.GRADUATED),
    (S.PROTECTION, S.TERMINATED),
    (S.PROTECTION, S.CLOSED),
    (S.REHABILITATION, S.PROTECTION),
    (S.REHABILITATION, S.EMPOWERMENT),
    (S.REHABILITATION, S.GRADUATED),
    (S.REHABILITATION, S.TERMINATED),
    (S.REHABILITATION, S.CLOSED),
    (S.EMPOWERMENT, S.PROTECTION),
    (S.EMPOWERMENT, S.REHABILITATION),
    (S.EMPOWERMENT, S.GRADUATED),
    (S.EMPOWERMENT, S.TERMINATED),
    (S.EMPOWERMENT, S.CLOSED),
    (S.GRADUATED, S.TERMINATED),
    (S.GRADUATED, S.MONITORING),
    (S.GRADUATED, S.CLOSED),
    (S.TERMINATED, S.MONITORING),
    (S.TERMINATED, S.CLOSED),
    (S.MONITORING, S.PROTECTION),
    (S.MONITORING, S.CLOSED),
    (S.CLOSED, S.PROTECTION),
}
ALL_PAIRS = [(a, b) for a in Stage for b in Stage]
FORBIDDEN = [pair for pair in ALL_PAIRS if pair not in ALLOWED]

# Facts that satisfy every guard: allowed moves then pass, forbidden ones still fail.
ALL_MET = CaseFacts(
    has_assessment=True,
    member_ages=(35,),
    has_empowerment_plan=True,
    graduation=Graduation(GraduationType.ALAMI, pkh_components_left=0, supervisor_approved=True),
    has_accepted_referral=True,
    reason="family moved away",
    termination_reason="long_term_care",
    by_supervisor=True,
)


def codes(findings):
    return [f.code for f in findings]


def test_the_table_is_exactly_the_documented_one():
    table = {(a, b) for a, targets in c.TRANSITIONS.items() for b in targets}
    assert table == ALLOWED


@pytest.mark.parametrize(("from_stage", "to_stage"), sorted(ALLOWED))
def test_allowed_move_passes_when_every_guard_is_met(from_stage, to_stage):
    assert c.check_transition(from_stage, to_stage, ALL_MET) == []
    assert to_stage in c.allowed_targets(from_stage)


@pytest.mark.parametrize(("from_stage", "to_stage"), FORBIDDEN)
def test_forbidden_move_is_refused_whatever_the_facts(from_stage, to_stage):
    findings = c.check_transition(from_stage, to_stage, ALL_MET)
    assert codes(findings) == [c.NOT_ALLOWED]
    assert findings[0].params == {"from_stage": from_stage, "to_stage": to_stage}
    assert to_stage not in c.allowed_targets(from_stage)


def test_no_stage_moves_to_itself():
    assert all(stage not in c.TRANSITIONS[stage] for stage in Stage)


GUARDED = {
    S.ASSESSED: [c.ASSESSMENT_MISSING],
    S.REHABILITATION: [c.ASSESSMENT_MISSING],
    S.EMPOWERMENT: [c.NO_PRODUCTIVE_MEMBER, c.PLAN_MISSING],
    S.GRADUATED: [c.GRADUATION_TYPE_MISSING, c.APPROVAL_MISSING],
    S.TERMINATED: [c.REFERRAL_NOT_ACCEPTED],
    S.CLOSED: [c.REASON_MISSING],
}


@pytest.mark.parametrize(("from_stage", "to_stage"), sorted(ALLOWED))
def test_with_no_facts_each_move_fails_exactly_its_targets_guards(from_stage, to_stage):
    expected = list(GUARDED.get(to_stage, []))
    if c.is_reentry(from_stage, to_stage):
        expected.append(c.REASON_MISSING)
    if to_stage is S.TERMINATED and from_stage is not S.GRADUATED:
        expected += [c.TERMINATION_REASON_MISSING, c.TERMINATION_NOT_BY_SUPERVISOR]
    assert codes(c.check_transition(from_stage, to_stage, CaseFacts())) == expected


def test_protection_needs_nothing_so_a_disaster_victim_is_served_at_once():
    assert c.check_transition(S.REGISTERED, S.PROTECTION, CaseFacts()) == []


@pytest.mark.parametrize(
    ("ages", "ok"),
    [
        ((), False),
        ((17,), False),
        ((18,), True),
        ((59,), True),
        ((60, 70, 5), False),
        ((8, 40), True),
    ],
)
def test_empowerment_needs_a_member_of_productive_age(ages, ok):
    facts = CaseFacts(member_ages=ages, has_empowerment_plan=True)
    assert (c.check_transition(S.PROTECTION, S.EMPOWERMENT, facts) == []) is ok


def test_productive_age_is_a_setting_and_named_in_the_message():
    settings = c.JourneySettings(productive_age_min=20, productive_age_max=45)
    facts = CaseFacts(member_ages=(50,), has_empowerment_plan=True)
    [finding] = c.check_transition(S.PROTECTION, S.EMPOWERMENT, facts, settings)
    assert finding.code == c.NO_PRODUCTIVE_MEMBER
    assert finding.message == "empowerment needs a member of productive age (20–45)"


def test_empowerment_needs_a_plan():
    facts = CaseFacts(member_ages=(30,))
    assert codes(c.check_transition(S.PROTECTION, S.EMPOWERMENT, facts)) == [c.PLAN_MISSING]


def _graduate(**graduation):
    facts = CaseFacts(graduation=Graduation(**graduation))
    return codes(c.check_transition(S.EMPOWERMENT, S.GRADUATED, facts))


@pytest.mark.parametrize(
    ("graduation", "expected"),
    [
        ({"type": GraduationType.MANDIRI, "signed_statement": True}, []),
        ({"type": GraduationType.MANDIRI}, [c.STATEMENT_MISSING]),
        ({"type": GraduationType.ALAMI, "pkh_components_left": 0}, []),
        ({"type": GraduationType.ALAMI, "pkh_components_left": 2}, [c.COMPONENTS_LEFT]),
        ({"type": GraduationType.ALAMI}, [c.COMPONENTS_LEFT]),
        ({"type": GraduationType.PAKSA, "evidence": "3 months absent from FDS"}, []),
        ({"type": GraduationType.PAKSA, "evidence": "  "}, [c.EVIDENCE_MISSING]),
        ({}, [c.GRADUATION_TYPE_MISSING]),
    ],
)
def test_graduation_types_need_their_evidence(graduation, expected):
    assert _graduate(**graduation, supervisor_approved=True) == expected


def test_graduation_always_needs_the_supervisors_approval():
    assert _graduate(type=GraduationType.MANDIRI, signed_statement=True) == [c.APPROVAL_MISSING]


def test_alami_message_says_how_many_components_are_left():
    facts = CaseFacts(
        graduation=Graduation(GraduationType.ALAMI, pkh_components_left=2, supervisor_approved=True)
    )
    [finding] = c.check_transition(S.PROTECTION, S.GRADUATED, facts)
    assert "(2 left)" in finding.message


def test_termination_needs_an_accepted_referral():
    assert codes(c.check_transition(S.GRADUATED, S.TERMINATED, CaseFacts())) == [
        c.REFERRAL_NOT_ACCEPTED
    ]
    facts = CaseFacts(has_accepted_referral=True)
    assert c.check_transition(S.GRADUATED, S.TERMINATED, facts) == []


@pytest.mark.parametrize("reason", ["", "   "])
def test_closing_needs_a_reason(reason):
    facts = CaseFacts(reason=reason)
    assert codes(c.check_transition(S.PROTECTION, S.CLOSED, facts)) == [c.REASON_MISSING]


def test_reentry_back_to_protection_needs_a_reason_but_a_setback_in_service_does_not():
    assert c.is_reentry(S.MONITORING, S.PROTECTION)
    assert not c.is_reentry(S.EMPOWERMENT, S.PROTECTION)
    assert codes(c.check_transition(S.MONITORING, S.PROTECTION, CaseFacts())) == [c.REASON_MISSING]
    assert c.check_transition(S.EMPOWERMENT, S.PROTECTION, CaseFacts()) == []


def test_every_message_template_formats():
    for from_stage, to_stage in ALL_PAIRS:
        for finding in c.check_transition(from_stage, to_stage, CaseFacts()):
            assert finding.message
            assert "{" not in finding.message


@given(
    st.sampled_from(list(Stage)),
    st.sampled_from(list(Stage)),
    st.builds(
        CaseFacts,
        has_assessment=st.booleans(),
        member_ages=st.lists(st.integers(0, 100), max_size=5).map(tuple),
        has_empowerment_plan=st.booleans(),
        has_accepted_referral=st.booleans(),
        reason=st.text(max_size=5),
    ),
)
def test_forbidden_pairs_never_pass_and_more_facts_never_hurt(from_stage, to_stage, facts):
    findings = c.check_transition(from_stage, to_stage, facts)
    if (from_stage, to_stage) not in ALLOWED:
        assert codes(findings) == [c.NOT_ALLOWED]
    else:
        assert set(codes(findings)) >= set(codes(c.check_transition(from_stage, to_stage, ALL_MET)))
        assert c.NOT_ALLOWED not in codes(findings)


def test_age_on_counts_birthdays():
    assert c.age_on(date(2000, 6, 15), date(2018, 6, 14)) == 17
    assert c.age_on(date(2000, 6, 15), date(2018, 6, 15)) == 18


# -- graduation proposals ---------------------------------------------------------------------


def incomes(*amounts, start=date(2025, 1, 1)):
    return [
        c.MonthlyIncome(
            date(start.year + (start.month - 1 + i) // 12, (start.month - 1 + i) % 12 + 1, 1), a
        )
        for i, a in enumerate(amounts)
    ]


WAGE = 3_000_000


def test_four_consecutive_months_above_the_wage_make_a_candidate():
    proposal = c.graduation_proposal(
        incomes=incomes(1, WAGE + 1, WAGE + 1, WAGE + 1, WAGE + 1),
        minimum_wage=WAGE,
        decile=3,
        pkh_components=2,
    )
    assert proposal.candidate
    assert proposal.suggested_type is GraduationType.MANDIRI
    assert [r.code for r in proposal.reasons] == ["GRAD_INCOME_ABOVE_UMK"]
    assert proposal.reasons[0].params["months"] == 4


@pytest.mark.parametrize(
    "amounts",
    [
        (WAGE + 1, WAGE + 1, WAGE + 1),  # three months only
        (WAGE + 1, WAGE + 1, WAGE, WAGE + 1, WAGE + 1),  # equal to the wage breaks the run
        (WAGE + 1, WAGE + 1, WAGE + 1, WAGE + 1, 100),  # the latest month counts
    ],
)
def test_income_runs_that_do_not_count(amounts):
    proposal = c.graduation_proposal(
        incomes=incomes(*amounts), minimum_wage=WAGE, decile=None, pkh_components=None
    )
    assert not proposal.candidate
    assert proposal.suggested_type is None


def test_a_missing_month_breaks_the_run():
    records = incomes(WAGE + 1, WAGE + 1) + incomes(WAGE + 1, WAGE + 1, start=date(2025, 4, 1))
    assert c.months_above_wage(records, WAGE) == 2
    assert c.months_above_wage([], WAGE) == 0


def test_decile_above_cutoff_and_no_components_are_reasons():
    proposal = c.graduation_proposal(incomes=[], minimum_wage=WAGE, decile=6, pkh_components=0)
    assert [r.code for r in proposal.reasons] == [
        "GRAD_DECILE_ABOVE_CUTOFF",
        "GRAD_NO_PKH_COMPONENT",
    ]
    assert proposal.suggested_type is GraduationType.ALAMI
    at_cutoff = c.graduation_proposal(incomes=[], minimum_wage=WAGE, decile=4, pkh_components=1)
    assert not at_cutoff.candidate


@given(st.lists(st.integers(0, 10_000_000), max_size=24))
def test_months_above_wage_never_exceeds_the_records(amounts):
    run = c.months_above_wage(incomes(*amounts), WAGE)
    assert 0 <= run <= len(amounts)
    if run:
        assert all(a > WAGE for a in amounts[-run:])


def test_follow_ups_at_3_6_12_months_keep_the_day_or_the_months_end():
    assert c.follow_up_dates(date(2025, 1, 15)) == [
        date(2025, 4, 15),
        date(2025, 7, 15),
        date(2026, 1, 15),
    ]
    assert c.follow_up_dates(date(2025, 11, 30))[0] == date(2026, 2, 28)


def test_settings_from_a_mapping_ignore_unknown_keys():
    settings = c.JourneySettings.from_mapping({"follow_up_months": [1, 2], "bogus": 1})
    assert settings.follow_up_months == (1, 2)


@pytest.mark.parametrize("from_stage", [S.ASSESSED, *c.SERVICE_STAGES])
def test_terminating_before_graduation_is_the_supervisors_step_for_a_listed_reason(from_stage):
    facts = CaseFacts(has_accepted_referral=True, termination_reason="moved_away")
    assert codes(c.check_transition(from_stage, S.TERMINATED, facts)) == [
        c.TERMINATION_NOT_BY_SUPERVISOR
    ]
    unlisted = CaseFacts(has_accepted_referral=True, by_supervisor=True, termination_reason="x")
    [finding] = c.check_transition(from_stage, S.TERMINATED, unlisted)
    assert finding.code == c.TERMINATION_REASON_MISSING
    assert "long_term_care" not in finding.message  # a code means nothing on the case page
    decided = CaseFacts(
        has_accepted_referral=True, by_supervisor=True, termination_reason="moved_away"
    )
    assert c.check_transition(from_stage, S.TERMINATED, decided) == []


def test_after_graduation_an_accepted_referral_is_enough_to_terminate():
    facts = CaseFacts(has_accepted_referral=True)  # a social worker, no reason from the list
    assert c.check_transition(S.GRADUATED, S.TERMINATED, facts) == []


# -- referrals ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("from_status", "to_status", "who"),
    [
        ("sent", "accepted", c.ReferralActor.PARTNER),
        ("sent", "rejected", c.ReferralActor.PARTNER),
        ("sent", "revoked", c.ReferralActor.WORKER),
        ("accepted", "completed", c.ReferralActor.PARTNER),
        ("accepted", "revoked", c.ReferralActor.WORKER),
    ],
)
def test_each_referral_step_has_the_one_who_takes_it(from_status, to_status, who):
    assert c.referral_step(from_status, to_status, "a reason") == (who, [])


@pytest.mark.parametrize(
    ("from_status", "to_status"),
    [
        ("sent", "completed"),
        ("rejected", "accepted"),
        ("revoked", "sent"),
        ("completed", "revoked"),
    ],
)
def test_a_referral_does_not_go_back_or_skip(from_status, to_status):
    who, problems = c.referral_step(from_status, to_status, "")
    assert who is None
    assert [p.code for p in problems] == ["REFERRAL_STEP_NOT_ALLOWED"]


def test_rejecting_a_referral_says_why():
    who, problems = c.referral_step("sent", "rejected", "  ")
    assert who is c.ReferralActor.PARTNER
    assert [p.code for p in problems] == [c.REASON_MISSING]


def test_work_done_is_not_dated_on_a_day_still_to_come():
    today = date(2026, 7, 1)
    assert c.dates_problems(today, on=today, given_on=None) == []
    findings = c.dates_problems(today, on=date(9999, 12, 31))
    assert [(f.code, f.column, f.params["date"]) for f in findings] == [
        (c.DATE_TO_COME, "on", "9999-12-31")
    ]


def test_a_span_does_not_end_before_it_starts():
    start = date(2026, 3, 1)
    assert c.span_problems(start, None) == []
    assert c.span_problems(start, start) == []
    assert codes(c.span_problems(start, date(2025, 1, 1))) == [c.DATES_REVERSED]


def test_only_a_move_to_terminated_before_graduating_is_an_early_termination():
    assert c.is_early_termination(S.EMPOWERMENT, S.TERMINATED)
    assert not c.is_early_termination(S.GRADUATED, S.TERMINATED)
    assert not c.is_early_termination(S.EMPOWERMENT, S.PROTECTION)
