"""PKH conditionality rules: a month met or not, and repeated non-compliance."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sejahtera.domain.conditionality import (
    ConditionalitySettings,
    MonthRecord,
    Obligation,
    met,
    repeated_breaches,
    value_problems,
)

SCHOOL, HEALTH = Obligation.SCHOOL, Obligation.HEALTH


def month(index: int) -> date:
    """Month ``index`` counted from January 2025."""
    return date(2025 + index // 12, index % 12 + 1, 1)


def school(person: int, index: int, attendance: int) -> MonthRecord:
    return MonthRecord(person, SCHOOL, month(index), attendance)


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        (school(1, 0, 85), True),
        (school(1, 0, 84), False),
        (MonthRecord(1, HEALTH, month(0), 1), True),
        (MonthRecord(1, HEALTH, month(0), 0), False),
    ],
)
def test_a_month_is_met_at_the_threshold(record, expected):
    assert met(record) is expected


def test_the_thresholds_are_settings():
    strict = ConditionalitySettings(school_attendance_percent=90, health_visits_a_month=2)
    assert not met(school(1, 0, 85), strict)
    assert not met(MonthRecord(1, HEALTH, month(0), 1), strict)


@pytest.mark.parametrize(
    ("obligation", "value", "code"),
    [
        ("school", 101, "PKH_VALUE_INVALID"),
        ("school", -1, "PKH_VALUE_INVALID"),
        ("health", 32, "PKH_VALUE_INVALID"),
        ("health", True, "PKH_VALUE_INVALID"),
        ("school", "90", "PKH_VALUE_INVALID"),
        ("religion", 1, "PKH_OBLIGATION_UNKNOWN"),
    ],
)
def test_a_value_out_of_range_is_refused(obligation, value, code):
    assert [f.code for f in value_problems(obligation, value)] == [code]


def test_values_in_range_are_fine():
    assert value_problems("school", 0) == value_problems("health", 31) == []


def test_three_unmet_months_in_a_row_are_repeated_non_compliance():
    [breach] = repeated_breaches([school(7, i, a) for i, a in enumerate((90, 80, 70, 60))])
    assert (breach.person_id, breach.obligation) == (7, SCHOOL)
    assert breach.months == (month(1), month(2), month(3))
    finding = breach.finding("Budi")
    assert finding.code == "PKH_NONCOMPLIANCE_REPEATED"
    assert finding.message == (
        "Budi: school attendance below the PKH threshold in 3 consecutive months "
        "(2025-02 to 2025-04)"
    )


def test_a_met_month_or_a_month_without_a_record_ends_a_run():
    met_between = [school(1, i, a) for i, a in enumerate((70, 70, 90, 70, 70))]
    assert repeated_breaches(met_between) == []
    gap = [school(1, 0, 70), school(1, 1, 70), school(1, 3, 70)]
    assert repeated_breaches(gap) == []


def test_persons_and_obligations_are_judged_apart():
    records = [school(1, i, 70) for i in range(2)] + [school(2, 2, 70)]
    records += [MonthRecord(1, HEALTH, month(2), 0)]
    assert repeated_breaches(records) == []


def test_the_number_of_months_is_a_setting():
    records = [school(1, i, 70) for i in range(2)]
    [breach] = repeated_breaches(records, ConditionalitySettings(repeated_months=2))
    assert len(breach.months) == 2


@given(st.lists(st.integers(0, 100), min_size=1, max_size=24))
def test_a_breach_is_exactly_a_long_enough_run_of_unmet_months(attendance):
    breaches = repeated_breaches([school(1, i, a) for i, a in enumerate(attendance)])
    runs, run = [], []
    for i, a in enumerate(attendance):
        if a < 85:
            run.append(month(i))
        else:
            runs.append(run)
            run = []
    runs.append(run)
    assert [b.months for b in breaches] == [tuple(r) for r in runs if len(r) >= 3]
