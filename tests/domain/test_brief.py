"""The domain core against the domain brief (shared/DOMAIN.md), the contracts
(shared/spec/*.md) and docs/delivery.md, docs/journey.md, docs/targeting.md: each test says
which line it keeps. What needs the database is in the apps' own tests."""

from __future__ import annotations

from datetime import date

import pytest

from sejahtera.domain import cases as journey
from sejahtera.domain.cases import (
    CaseFacts,
    Graduation,
    GraduationType,
    MonthlyIncome,
    Stage,
    age_on,
    check_transition,
    follow_up_dates,
    graduation_proposal,
    months_above_wage,
)
from sejahtera.domain.conditionality import MonthRecord, Obligation, repeated_breaches
from sejahtera.domain.delivery import (
    DEFAULT_CALENDARS,
    FourEyesViolation,
    Waiting,
    cycle_end,
    entitlement,
    fill_freed_places,
    freed_places,
    require_second_person,
)
from sejahtera.domain.identifiers import Sex, encode_nik, parse_kk, parse_nik

TODAY = date(2026, 7, 1)


# -- identifiers (DOMAIN.md "Identifiers"; registry-format.md "Validation") --------------------


def test_nik_female_day_plus_40_and_former_regency_code_is_accepted():
    # DOMAIN.md: "birth date DDMMYY with 40 added to the day for women"; registry-format.md:
    # the region part is checked against current codes "and the former codes that NIKs issued
    # before a province split still carry".
    parsed = parse_nik("9101015203850001", today=TODAY)  # Merauke's former code 9101
    assert parsed.is_valid, parsed.errors
    assert parsed.sex is Sex.FEMALE
    assert parsed.date == date(1985, 3, 12)
    assert parsed.current_regency_code == "9301"


def test_nik_29_february_and_century_from_the_most_recent_past_date():
    # registry-format.md: "The century of the birth date comes from the stated birth date when
    # given, else the most recent past date." 29-02-00 exists in 2000 (leap), not in 1900.
    parsed = parse_nik("3201016902000001", today=TODAY)
    assert parsed.is_valid
    assert parsed.date == date(2000, 2, 29)
    assert parsed.sex is Sex.FEMALE
    # 29-02-05 is no real date in any century
    assert not parse_nik("3201012902050001", today=TODAY).is_valid
    # day 32..40 is neither a man's nor a woman's day
    assert not parse_nik("3201013501900001", today=TODAY).is_valid


def test_nik_disagreeing_with_stated_sex_or_date_is_a_warning_not_an_error():
    # registry-format.md: "A NIK that parses but disagrees with the stated sex or birth date is
    # a warning, not a rejection"
    parsed = parse_nik("3201011203850001", sex="P", birth_date=date(1985, 3, 13), today=TODAY)
    assert parsed.is_valid
    assert {w.code for w in parsed.warnings} == {"NIK_SEX_MISMATCH", "NIK_BIRTHDATE_MISMATCH"}


def test_kk_has_no_female_offset_and_a_city_code_is_a_region():
    # DOMAIN.md: "KK (family card, 16 digits): issuing region (6) + registration date + serial";
    # regencies 01–69, cities 71–99 (3273 = Kota Bandung).
    kk = parse_kk("3273011503200001", today=TODAY)
    assert kk.is_valid
    assert kk.date == date(2020, 3, 15)
    assert kk.sex is None
    assert not parse_kk("3273015503200001", today=TODAY).is_valid  # day 55 is no date on a KK


def test_encode_nik_round_trips_for_women():
    nik = encode_nik("320101", date(1990, 8, 5), "P", 1)
    assert nik == "3201014508900001"
    assert parse_nik(nik, today=TODAY).date == date(1990, 8, 5)


# -- ages and leap days (targeting-defaults.md "Conventions") ---------------------------------


@pytest.mark.parametrize(
    ("day", "age"),
    [
        (date(2027, 2, 28), 18),
        (date(2027, 3, 1), 19),
        (date(2028, 2, 28), 19),
        (date(2028, 2, 29), 20),
    ],
)
def test_29_february_birthday_counts_on_1_march_in_non_leap_years_in_the_journey(day, age):
    # targeting-defaults.md: "Someone born on 29 February reaches a new age on 1 March in
    # non-leap years." The journey's own age (productive age for empowerment) must agree.
    assert age_on(date(2008, 2, 29), day) == age


def test_productive_age_band_includes_both_ends_on_the_birthday():
    # docs/journey.md: "`empowerment` needs a living member of productive age (setting,
    # default 18–59)"; targeting-defaults.md: age ranges include both ends.
    plan = CaseFacts(has_empowerment_plan=True, member_ages=(age_on(date(2008, 7, 1), TODAY),))
    assert check_transition(Stage.PROTECTION, Stage.EMPOWERMENT, plan) == []
    sixty = CaseFacts(has_empowerment_plan=True, member_ages=(age_on(date(1966, 7, 1), TODAY),))
    assert [f.code for f in check_transition(Stage.PROTECTION, Stage.EMPOWERMENT, sixty)] == [
        journey.NO_PRODUCTIVE_MEMBER
    ]


# -- the case state machine (docs/journey.md "Allowed steps") ---------------------------------


JOURNEY_TABLE = {
    "registered": {"assessed", "protection", "closed"},
    "assessed": {"protection", "rehabilitation", "empowerment", "terminated", "closed"},
    "protection": {"rehabilitation", "empowerment", "graduated", "terminated", "closed"},
    "rehabilitation": {"protection", "empowerment", "graduated", "terminated", "closed"},
    "empowerment": {"protection", "rehabilitation", "graduated", "terminated", "closed"},
    "graduated": {"terminated", "monitoring", "closed"},
    "terminated": {"monitoring", "closed"},
    "monitoring": {"protection", "closed"},
    "closed": {"protection"},
}


@pytest.mark.parametrize("from_stage", list(Stage))
def test_transition_table_is_exactly_the_documented_one(from_stage):
    # docs/journey.md, table "Allowed steps and their conditions"
    allowed = {str(s) for s in journey.allowed_targets(from_stage)}
    assert allowed == JOURNEY_TABLE[str(from_stage)]
    for to_stage in Stage:
        refused = check_transition(from_stage, to_stage, CaseFacts())
        codes = [f.code for f in refused]
        if str(to_stage) not in JOURNEY_TABLE[str(from_stage)]:
            assert codes == [journey.NOT_ALLOWED]
        else:
            assert journey.NOT_ALLOWED not in codes


def test_reentry_and_closing_need_a_reason():
    # docs/journey.md: "CASE_REASON_MISSING | closing and re-entry need a reason"
    for from_stage in (Stage.MONITORING, Stage.CLOSED):
        assert [f.code for f in check_transition(from_stage, Stage.PROTECTION, CaseFacts())] == [
            journey.REASON_MISSING
        ]
        assert check_transition(from_stage, Stage.PROTECTION, CaseFacts(reason="fell back")) == []


def test_termination_before_graduation_needs_reason_supervisor_and_accepted_referral():
    # docs/journey.md: CASE_REFERRAL_NOT_ACCEPTED, CASE_TERMINATION_REASON_MISSING,
    # CASE_TERMINATION_NEEDS_SUPERVISOR
    codes = {f.code for f in check_transition(Stage.PROTECTION, Stage.TERMINATED, CaseFacts())}
    assert codes == {
        journey.REFERRAL_NOT_ACCEPTED,
        journey.TERMINATION_REASON_MISSING,
        journey.TERMINATION_NOT_BY_SUPERVISOR,
    }
    after = check_transition(
        Stage.GRADUATED, Stage.TERMINATED, CaseFacts(has_accepted_referral=True)
    )
    assert after == []  # after graduation only the accepted referral is needed


def test_alami_graduation_with_unknown_components_is_refused():
    # docs/journey.md: "*alami* needs the latest targeting run to find no qualifying PKH
    # component" — no run (unknown) is not "none found".
    facts = CaseFacts(graduation=Graduation(GraduationType.ALAMI, supervisor_approved=True))
    assert [f.code for f in check_transition(Stage.PROTECTION, Stage.GRADUATED, facts)] == [
        journey.COMPONENTS_LEFT
    ]


def test_income_run_above_the_wage_spans_a_year_end_and_is_strictly_above():
    # docs/journey.md: "income above the minimum wage for 4 consecutive recorded months";
    # '"Above" is strictly above: a job paying exactly the UMK does not count.'
    incomes = [
        MonthlyIncome(date(y, m, 1), 3_100_000)
        for y, m in [(2025, 11), (2025, 12), (2026, 1), (2026, 2)]
    ]
    assert months_above_wage(incomes, 3_000_000) == 4
    assert (
        months_above_wage([*incomes[:3], MonthlyIncome(date(2026, 2, 1), 3_000_000)], 3_000_000)
        == 0
    )
    proposal = graduation_proposal(
        incomes=incomes, minimum_wage=3_000_000, decile=4, pkh_components=None
    )
    assert proposal.candidate  # income criterion alone; decile 4 is not above the cut-off 4


def test_follow_up_visits_keep_the_day_or_the_months_last_day_in_leap_years():
    # docs/journey.md: "visits 3, 6 and 12 months after graduation or termination"
    assert follow_up_dates(date(2027, 8, 31)) == [
        date(2027, 11, 30),
        date(2028, 2, 29),
        date(2028, 8, 31),
    ]
    assert follow_up_dates(date(2026, 11, 30))[0] == date(2027, 2, 28)


def test_repeated_noncompliance_runs_across_a_year_end():
    # docs/journey.md: "the same obligation unmet in 3 consecutive months is repeated
    # non-compliance"
    records = [
        MonthRecord(1, Obligation.SCHOOL, date(y, m, 1), 50)
        for y, m in [(2025, 11), (2025, 12), (2026, 1)]
    ]
    [breach] = repeated_breaches(records)
    assert breach.months == (date(2025, 11, 1), date(2025, 12, 1), date(2026, 1, 1))
    # 85 % is met (a month is met at 85 % attendance)
    records[1] = MonthRecord(1, Obligation.SCHOOL, date(2025, 12, 1), 85)
    assert repeated_breaches(records) == []


# -- delivery: calendars, amounts, waiting list, four eyes (docs/delivery.md) ------------------


@pytest.mark.parametrize(
    ("programme", "start", "end"),
    [
        ("PKH", date(2026, 10, 1), date(2027, 1, 1)),
        ("PKH", date(2026, 11, 1), date(2027, 2, 1)),  # a stage spanning the year end
        ("SEMBAKO", date(2026, 12, 1), date(2027, 2, 1)),
        ("PBI_JK", date(2026, 12, 1), date(2027, 1, 1)),
    ],
)
def test_cycles_span_year_ends(programme, start, end):
    # docs/delivery.md: PKH 3 months, SEMBAKO 2 months, PBI-JK 1 month
    assert cycle_end(start, DEFAULT_CALENDARS[programme]) == end


def test_one_cycle_pays_the_documented_amounts():
    # DOMAIN.md: PKH in 4 quarterly stages; Sembako Rp200,000 a month paid every 2 months;
    # PBI-JK about Rp42,000 per person per month.
    assert entitlement(DEFAULT_CALENDARS["SEMBAKO"], 200_000, None) == 400_000
    assert entitlement(DEFAULT_CALENDARS["PBI_JK"], 42_000, None) == 42_000
    assert entitlement(DEFAULT_CALENDARS["PKH"], None, 3_000_000 // 4) == 750_000


def test_freed_places_go_to_the_poorest_waiting_family_of_the_same_region():
    # docs/delivery.md: "gives each of those places to the first waiting family of the same
    # region (the quota's region, else the regency)"
    waiting = [
        Waiting("H1", "3273011001", 1),  # poorest, but Bandung
        Waiting("H3", "3201011002", 3),
        Waiting("H2", "3201020001", 2),  # Bogor, poorer than H3
    ]
    freed = freed_places(["3201011002"], quota_regions=["3201", "3273"])
    assert fill_freed_places(freed, waiting, ["3201", "3273"]) == ["H2"]
    # without quotas the regency is the place's region
    assert fill_freed_places(freed_places(["3201011002"], []), waiting, []) == ["H2"]


def test_four_eyes_on_decrees():
    # docs/delivery.md: "Someone other than the preparer approves the draft ... so is anyone
    # who changed it since"
    with pytest.raises(FourEyesViolation):
        require_second_person(1, 1)
    with pytest.raises(FourEyesViolation):
        require_second_person(1, 2, amended_by=[2])
    require_second_person(1, 2, amended_by=[3])
