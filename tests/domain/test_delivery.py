from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sejahtera.domain.delivery import (
    EARLIEST_PERIOD,
    CycleRefused,
    FourEyesViolation,
    Waiting,
    check_decree_start,
    check_period_start,
    fill_freed_places,
    freed_places,
    latest_period_start,
    place_region,
    require_second_person,
)
from sejahtera.domain.findings import Refused

BOGOR, BANDUNG = "3201011002", "3273011001"


def test_the_preparer_cannot_approve():
    with pytest.raises(FourEyesViolation):
        require_second_person(7, 7)
    require_second_person(7, 8)


def test_a_place_belongs_to_the_narrowest_quota_region_else_the_regency():
    assert place_region(BOGOR, ["32", "3201"]) == "3201"
    assert place_region(BOGOR, ["32"]) == "32"
    assert place_region(BANDUNG, []) == "3273"


def test_freed_places_go_to_the_poorest_waiting_families_of_the_same_region():
    waiting = [
        Waiting("H3", BOGOR, rank=3),
        Waiting("H1", BOGOR, rank=1),
        Waiting("H2", BANDUNG, rank=2),
        Waiting("H4", BOGOR, rank=4),
    ]
    freed = freed_places([BOGOR, BOGOR], [])
    assert freed == {"3201": 2}
    assert fill_freed_places(freed, waiting, []) == ["H1", "H3"]


@given(
    st.dictionaries(st.sampled_from(["3201", "3273", "1101"]), st.integers(0, 5)),
    st.lists(
        st.tuples(st.sampled_from([BOGOR, BANDUNG, "1101012001"]), st.integers(1, 99)),
        unique_by=lambda t: t[1],
    ),
)
def test_no_region_takes_more_than_it_freed(freed, entries):
    waiting = [Waiting(f"H{rank}", region, rank) for region, rank in entries]
    chosen = fill_freed_places(freed, waiting, [])
    by_subject = {w.subject: w for w in waiting}
    for region, places in freed.items():
        taken = [s for s in chosen if by_subject[s].region_code.startswith(region)]
        assert len(taken) <= places
        # the poorest of the region, in order
        region_ranks = sorted(w.rank for w in waiting if w.region_code.startswith(region))
        assert [by_subject[s].rank for s in taken] == region_ranks[: len(taken)]


class DecreeRefused(Refused):
    pass


TODAY = date(2026, 12, 7)


def test_a_period_starts_at_most_a_year_ahead_of_the_current_month():
    assert latest_period_start(TODAY) == date(2027, 12, 1)
    assert latest_period_start(date(2026, 1, 31)) == date(2027, 1, 1)
    for start in (EARLIEST_PERIOD, date(2026, 7, 1), date(2027, 12, 1)):
        check_period_start(start, TODAY, CycleRefused)


@pytest.mark.parametrize(
    "start", [date(1, 1, 1), date(1999, 12, 1), date(2028, 1, 1), date(9999, 10, 1)]
)
def test_a_period_long_ago_or_far_ahead_is_refused_naming_it(start):
    """Far ahead, a cycle's end may be past the last date (9999-10-01 + three months)."""
    with pytest.raises(CycleRefused, match=start.isoformat()) as refused:
        check_period_start(start, TODAY, CycleRefused)
    assert refused.value.params == {
        "earliest": "2000-01-01",
        "latest": "2027-12-01",
        "date": start.isoformat(),
    }


@pytest.mark.parametrize(
    ("start", "why"),
    [
        (date(2026, 7, 15), "first of a month"),
        (date(9999, 12, 31), "first of a month"),
        (date(9999, 12, 1), "from 2000-01-01 to 2027-12-01"),
        (date(1, 1, 1), "from 2000-01-01 to 2027-12-01"),
    ],
)
def test_a_decree_starts_on_the_first_of_a_month_within_the_bounds(start, why):
    """Its enrolments start that day, as a cycle does; 2026-07-15 was taken before."""
    with pytest.raises(DecreeRefused, match=why) as refused:
        check_decree_start(start, TODAY, DecreeRefused)
    assert refused.value.params["date"] == start.isoformat()
    check_decree_start(date(2027, 1, 1), TODAY, DecreeRefused)
