"""A run's reference date: near today, never in the year 1 or 9999."""

from __future__ import annotations

from datetime import date

import pytest

from sejahtera.domain.targeting.runs import EARLIEST_AS_OF, RunRefused, check_as_of, latest_as_of

TODAY = date(2026, 12, 7)


def test_a_run_is_dated_from_2000_to_a_quarter_ahead():
    assert latest_as_of(TODAY) == date(2027, 3, 9)
    for as_of in (EARLIEST_AS_OF, date(2026, 7, 1), TODAY, date(2027, 1, 1), date(2027, 3, 9)):
        check_as_of(as_of, TODAY)


@pytest.mark.parametrize(
    "as_of", [date(1, 1, 1), date(1999, 12, 31), date(2027, 3, 10), date(9999, 12, 31)]
)
def test_a_run_dated_long_ago_or_far_ahead_is_refused_naming_the_field(as_of):
    with pytest.raises(RunRefused, match=f"as_of: .* not {as_of.isoformat()}") as refused:
        check_as_of(as_of, TODAY)
    assert refused.value.params["field"] == "as_of"
    assert (refused.value.params["earliest"], refused.value.params["latest"]) == (
        "2000-01-01",
        "2027-03-09",
    )
