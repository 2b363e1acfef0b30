from hypothesis import given
from hypothesis import strategies as st

from sejahtera.domain.delivery import HOUSEHOLD_SUBJECT, PERSON_SUBJECT, unit_subject

ids = st.integers(min_value=1, max_value=10**12)


def test_a_unit_is_named_by_its_person_else_its_household():
    assert unit_subject(12, 345) == "P345"
    assert unit_subject(12) == "H12"


@given(ids, st.none() | ids)
def test_a_subject_reads_back_as_its_prefix_and_id(household_id, person_id):
    subject = unit_subject(household_id, person_id)
    prefix, key = subject[0], int(subject[1:])
    if person_id is None:
        assert (prefix, key) == (HOUSEHOLD_SUBJECT, household_id)
    else:
        assert (prefix, key) == (PERSON_SUBJECT, person_id)
