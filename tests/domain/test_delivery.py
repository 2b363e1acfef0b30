import pytest
from hypothesis import given
from hypothesis import strategies as st

from sejahtera.domain.delivery import (
    FourEyesViolation,
    Waiting,
    fill_freed_places,
    freed_places,
    place_region,
    require_second_person,
)

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
