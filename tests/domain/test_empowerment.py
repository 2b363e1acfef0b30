"""Empowerment (PENA): plans choose a track, records belong to a track, and each track's
graduation criteria read the case's evidence against the minimum wage."""

from __future__ import annotations

from datetime import date

import pytest

from sejahtera.domain.cases import JourneySettings, MonthlyIncome
from sejahtera.domain.empowerment import (
    TRACK_MISMATCH,
    TRACK_MISSING,
    Placement,
    Track,
    TrackEvidence,
    Training,
    graduation_criteria,
    plan_problems,
    record_problems,
)
from sejahtera.domain.wages import MinimumWage, WageKind

WAGE = MinimumWage(
    amount=4_877_211, kind=WageKind.UMK, region_code="3201", year=2025, instrument="Kepgub test"
)
ABOVE = 5_000_000
BELOW = 4_000_000


def codes(findings):
    return [f.code for f in findings]


def month(n: int, year: int = 2025) -> date:
    """The first day of month ``n`` of ``year`` (n may run past 12 into the next years)."""
    extra, index = divmod(n - 1, 12)
    return date(year + extra, index + 1, 1)


def incomes(first: int, *amounts: int) -> list[MonthlyIncome]:
    """One income a month from month ``first`` of 2025 on."""
    return [MonthlyIncome(month(first + i), amount) for i, amount in enumerate(amounts)]


def by_code(criteria):
    return {criterion.code: criterion for criterion in criteria}


# -- plans -------------------------------------------------------------------------------------


@pytest.mark.parametrize("track", ["", "usaha", "BUSINESS", "rehabilitation", " business"])
def test_an_empowerment_plan_without_a_valid_track_is_refused(track):
    findings = plan_problems("empowerment", track)
    assert codes(findings) == [TRACK_MISSING]
    assert findings[0].column == "track"
    assert findings[0].message


@pytest.mark.parametrize("track", ["business", "employment", Track.BUSINESS, Track.EMPLOYMENT])
def test_an_empowerment_plan_with_a_track_is_fine(track):
    assert plan_problems("empowerment", track) == []


@pytest.mark.parametrize("track", ["business", "employment", "anything"])
def test_a_rehabilitation_plan_has_no_track(track):
    findings = plan_problems("rehabilitation", track)
    assert codes(findings) == [TRACK_MISMATCH]
    assert findings[0].column == "track"


@pytest.mark.parametrize("kind", ["rehabilitation", "protection", "other"])
def test_a_plan_of_another_kind_without_a_track_is_fine(kind):
    assert plan_problems(kind, "") == []


# -- records -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("record", "track"),
    [
        ("empowerment", Track.BUSINESS),
        ("training", Track.EMPLOYMENT),
        ("placement", Track.EMPLOYMENT),
    ],
)
def test_a_track_keeps_its_own_records(record, track):
    assert record_problems(record, track) == []


@pytest.mark.parametrize(
    ("record", "track"),
    [
        ("training", Track.BUSINESS),
        ("placement", Track.BUSINESS),
        ("empowerment", Track.EMPLOYMENT),
    ],
)
def test_a_record_of_the_other_track_is_refused(record, track):
    findings = record_problems(record, track)
    assert codes(findings) == [TRACK_MISMATCH]
    assert "other empowerment track" in findings[0].message


@pytest.mark.parametrize("record", ["empowerment", "training", "placement"])
def test_a_track_bound_record_is_refused_before_a_track_is_chosen(record):
    findings = record_problems(record, None)
    assert codes(findings) == [TRACK_MISSING]


@pytest.mark.parametrize("record", ["income", "assessment", "plan", "service", "graduation"])
@pytest.mark.parametrize("track", [Track.BUSINESS, Track.EMPLOYMENT, None])
def test_records_of_no_track_are_always_fine(record, track):
    assert record_problems(record, track) == []


# -- business track ----------------------------------------------------------------------------

BUSINESS_CODES = ("GRAD_INCOME_ABOVE_WAGE", "GRAD_MENTORING_AFTER_RISE")


def business(income_list=(), mentoring=()) -> TrackEvidence:
    return TrackEvidence(Track.BUSINESS, incomes=income_list, mentoring_months=mentoring)


def test_business_without_income_meets_nothing():
    criteria = graduation_criteria(business(), WAGE)
    assert tuple(c.code for c in criteria) == BUSINESS_CODES
    income, mentoring = criteria
    assert not income.met
    assert income.finding.message == "no monthly income recorded yet"
    assert not mentoring.met
    assert mentoring.finding.params == {"needed": 4}


def test_business_graduates_after_four_months_of_mentoring_once_income_rose():
    # below in Jan and Feb, above from March (the rise) on; mentored April to July
    evidence = business(
        incomes(1, BELOW, BELOW, ABOVE, ABOVE, ABOVE, ABOVE, ABOVE),
        [month(4), month(5), month(6), month(7)],
    )
    income, mentoring = graduation_criteria(evidence, WAGE)
    assert income.met
    assert income.finding.params == {
        "amount": ABOVE,
        "month": "2025-07",
        "wage": 4_877_211,
    }
    assert mentoring.met
    assert mentoring.finding.params == {"months": 4, "needed": 4}


def test_business_mentoring_in_only_three_months_after_the_rise_is_missing():
    evidence = business(incomes(3, ABOVE, ABOVE, ABOVE, ABOVE), [month(4), month(5), month(6)])
    income, mentoring = graduation_criteria(evidence, WAGE)
    assert income.met
    assert not mentoring.met
    assert mentoring.finding.params == {"months": 3, "needed": 4}
    assert mentoring.finding.message == (
        "mentored in 3 months after income rose above the wage (4 needed)"
    )


def test_business_mentoring_in_the_rise_month_or_before_does_not_count():
    evidence = business(
        incomes(1, BELOW, BELOW, ABOVE, ABOVE, ABOVE, ABOVE),
        [month(1), month(2), month(3), month(4), month(5), month(6)],
    )
    _, mentoring = graduation_criteria(evidence, WAGE)
    assert not mentoring.met
    assert mentoring.finding.params["months"] == 3  # April, May, June


def test_business_mentoring_sessions_count_once_a_month():
    sessions = [date(2025, 4, 2), date(2025, 4, 20), month(5), month(5), month(6), month(7)]
    evidence = business(incomes(3, ABOVE, ABOVE, ABOVE, ABOVE, ABOVE), sessions)
    _, mentoring = graduation_criteria(evidence, WAGE)
    assert mentoring.met
    assert mentoring.finding.params["months"] == 4


def test_business_a_month_below_the_wage_breaks_the_run_and_moves_the_rise_later():
    # above in March, below in April, above again from May: the rise is May
    evidence = business(
        incomes(3, ABOVE, BELOW, ABOVE, ABOVE, ABOVE),
        [month(4), month(5), month(6), month(7), month(8)],
    )
    income, mentoring = graduation_criteria(evidence, WAGE)
    assert income.met
    assert not mentoring.met
    assert mentoring.finding.params == {"months": 3, "needed": 4}  # June, July, August


def test_business_a_month_without_income_also_breaks_the_run():
    # above in March, nothing in April, above again from May: the rise is May
    evidence = business(
        [MonthlyIncome(month(3), ABOVE), *incomes(5, ABOVE, ABOVE)],
        [month(4), month(5), month(6), month(7)],
    )
    _, mentoring = graduation_criteria(evidence, WAGE)
    assert mentoring.finding.params == {"months": 2, "needed": 4}  # June, July


def test_business_latest_income_below_the_wage_meets_neither_criterion():
    evidence = business(
        incomes(1, ABOVE, ABOVE, ABOVE, ABOVE, BELOW),
        [month(2), month(3), month(4), month(5)],
    )
    income, mentoring = graduation_criteria(evidence, WAGE)
    assert not income.met
    assert income.finding.params["amount"] == BELOW
    assert income.finding.params["month"] == "2025-05"
    assert not mentoring.met
    assert mentoring.finding.params == {"needed": 4}


def test_business_income_equal_to_the_wage_is_not_above_it():
    evidence = business(incomes(1, WAGE.amount), [month(2), month(3), month(4), month(5)])
    income, mentoring = graduation_criteria(evidence, WAGE)
    assert not income.met
    assert not mentoring.met


def test_business_the_latest_income_is_judged_whatever_the_order_recorded():
    evidence = business(list(reversed(incomes(1, BELOW, ABOVE))))
    income, _ = graduation_criteria(evidence, WAGE)
    assert income.met
    assert income.finding.params["month"] == "2025-02"


def test_business_the_rise_may_be_in_the_previous_year():
    evidence = business(
        incomes(11, ABOVE, ABOVE, ABOVE),  # November 2025 to January 2026
        [month(12), month(13), month(14), month(15)],
    )
    income, mentoring = graduation_criteria(evidence, WAGE)
    assert income.met
    assert income.finding.params["month"] == "2026-01"
    assert mentoring.met


@pytest.mark.parametrize(("needed", "met"), [(2, True), (3, True), (4, False), (6, False)])
def test_business_mentoring_months_are_a_setting(needed, met):
    settings = JourneySettings(graduation_mentoring_months=needed)
    evidence = business(incomes(3, ABOVE, ABOVE), [month(4), month(5), month(6)])
    _, mentoring = graduation_criteria(evidence, WAGE, settings)
    assert mentoring.met is met
    assert mentoring.finding.params == {"months": 3, "needed": needed}


# -- employment track --------------------------------------------------------------------------

EMPLOYMENT_CODES = ("GRAD_TRAINING_CERTIFIED", "GRAD_PLACED_ABOVE_WAGE", "GRAD_INCOME_KEPT")
CERTIFIED = Training("Welding level 1", date(2025, 2, 28), "BNSP-123/2025")


def employment(trainings=(), placements=(), income_list=()) -> TrackEvidence:
    return TrackEvidence(
        Track.EMPLOYMENT, incomes=income_list, trainings=trainings, placements=placements
    )


def test_employment_without_records_meets_nothing():
    criteria = graduation_criteria(employment(), WAGE)
    assert tuple(c.code for c in criteria) == EMPLOYMENT_CODES
    assert [c.met for c in criteria] == [False, False, False]
    assert criteria[2].finding.params == {"months": 0, "needed": 4}
    assert all(c.finding.message for c in criteria)


def test_employment_evidence_is_not_read_as_business():
    criteria = graduation_criteria(employment(income_list=incomes(1, ABOVE)), WAGE)
    assert "GRAD_MENTORING_AFTER_RISE" not in by_code(criteria)


@pytest.mark.parametrize(
    "training",
    [
        Training("Welding level 1", None, "BNSP-123/2025"),  # not finished
        Training("Welding level 1", date(2025, 2, 28), ""),  # no certificate
        Training("Welding level 1", date(2025, 2, 28), "   "),
    ],
)
def test_employment_training_counts_only_finished_and_certified(training):
    criterion = by_code(graduation_criteria(employment([training]), WAGE))
    assert not criterion["GRAD_TRAINING_CERTIFIED"].met


def test_employment_a_certified_training_is_met_and_named():
    trainings = [Training("Sewing", None, "X-1"), CERTIFIED]
    criterion = by_code(graduation_criteria(employment(trainings), WAGE))["GRAD_TRAINING_CERTIFIED"]
    assert criterion.met
    assert criterion.finding.params == {
        "course": "Welding level 1",
        "certificate": "BNSP-123/2025",
    }


@pytest.mark.parametrize(
    ("monthly_wage", "met"),
    [(WAGE.amount - 1, False), (WAGE.amount, False), (WAGE.amount + 1, True)],
)
def test_employment_placement_must_pay_strictly_above_the_wage(monthly_wage, met):
    placement = Placement("PT Maju", date(2025, 3, 1), monthly_wage)
    criterion = by_code(graduation_criteria(employment(placements=[placement]), WAGE))
    placed = criterion["GRAD_PLACED_ABOVE_WAGE"]
    assert placed.met is met
    assert placed.finding.params == {
        "employer": "PT Maju",
        "amount": monthly_wage,
        "wage": 4_877_211,
    }


@pytest.mark.parametrize(("order"), [1, -1])
def test_employment_the_latest_placement_is_the_one_judged(order):
    old = Placement("PT Lama", date(2024, 6, 1), 6_000_000)
    new = Placement("CV Baru", date(2025, 3, 1), 3_500_000)
    placements = [old, new][::order]
    placed = by_code(graduation_criteria(employment(placements=placements), WAGE))[
        "GRAD_PLACED_ABOVE_WAGE"
    ]
    assert not placed.met
    assert placed.finding.params["employer"] == "CV Baru"


@pytest.mark.parametrize(
    ("amounts", "months", "met"),
    [
        ((ABOVE, ABOVE, ABOVE, ABOVE), 4, True),
        ((BELOW, ABOVE, ABOVE, ABOVE, ABOVE), 4, True),
        ((ABOVE, ABOVE, ABOVE), 3, False),
        ((ABOVE, ABOVE, BELOW, ABOVE, ABOVE), 2, False),
        ((ABOVE, ABOVE, ABOVE, ABOVE, WAGE.amount), 0, False),
    ],
)
def test_employment_income_must_stay_above_the_wage_for_consecutive_months(amounts, months, met):
    kept = by_code(graduation_criteria(employment(income_list=incomes(1, *amounts)), WAGE))[
        "GRAD_INCOME_KEPT"
    ]
    assert kept.met is met
    assert kept.finding.params == {"months": months, "needed": 4}


@pytest.mark.parametrize(("needed", "met"), [(2, True), (3, True), (4, False)])
def test_employment_income_months_are_a_setting(needed, met):
    settings = JourneySettings(graduation_income_months=needed)
    evidence = employment(income_list=incomes(1, ABOVE, ABOVE, ABOVE))
    kept = by_code(graduation_criteria(evidence, WAGE, settings))["GRAD_INCOME_KEPT"]
    assert kept.met is met
    assert kept.finding.params == {"months": 3, "needed": needed}


def test_employment_with_every_piece_of_evidence_meets_every_criterion():
    evidence = employment(
        [CERTIFIED],
        [Placement("PT Maju", date(2025, 3, 1), ABOVE)],
        incomes(3, ABOVE, ABOVE, ABOVE, ABOVE),
    )
    criteria = graduation_criteria(evidence, WAGE)
    assert all(c.met for c in criteria)
    assert all(c.finding.message for c in criteria)
