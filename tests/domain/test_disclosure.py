"""Small cells: a count of one to four of a sensitive row is withheld, and what would give it
back with it; nothing else changes."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from sejahtera.domain.disclosure import SMALL_CELL, is_small, shown, suppress

counts = st.integers(min_value=0, max_value=10_000)


@given(counts)
def test_only_one_to_four_is_a_small_cell(count):
    assert is_small(count) == (0 < count < SMALL_CELL)
    assert shown(count) == (None if is_small(count) else count)
    assert shown(None) is None


@given(st.lists(st.tuples(st.sampled_from(["NAPZA_HIV", "LANSIA"]), counts, counts), max_size=6))
def test_a_sensitive_row_loses_its_small_counts_and_their_share(rows):
    table = [{"cluster": c, "persons": p, "enrolled": e, "percent": 100} for c, p, e in rows]
    suppress(
        table,
        key="cluster",
        sensitive={"NAPZA_HIV"},
        counts=("persons", "enrolled"),
        derived=("percent",),
    )
    for (cluster, persons, enrolled), row in zip(rows, table, strict=True):
        if cluster != "NAPZA_HIV":
            assert row == {
                "cluster": cluster,
                "persons": persons,
                "enrolled": enrolled,
                "percent": 100,
            }
            continue
        assert row["persons"] == shown(persons)
        assert row["enrolled"] == shown(enrolled)
        hidden = is_small(persons) or is_small(enrolled)
        assert row["percent"] == (None if hidden else 100)
