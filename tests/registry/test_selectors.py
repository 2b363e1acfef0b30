"""Registry selectors that other apps' pages use to name and find things."""

from datetime import date

import pytest

from sejahtera.accounts.models import Role
from sejahtera.registry import selectors

pytestmark = pytest.mark.django_db

TODAY = date(2026, 12, 7)
CHILD_HEAD = {
    "full_name": "Putri Anak Kepala",
    "sex": "P",
    "birth_date": "2010-01-01",
    "relationship": "head",
}
MEMBER = {"full_name": "Bambang", "sex": "L", "birth_date": "1970-01-01", "relationship": "other"}


def test_a_subject_is_named_by_the_person_or_the_head_and_masked_as_on_the_household_page(
    household_factory, make_user
):
    """A child heading a household is masked for a role that sees children masked; a named
    person is named even where the household has another head; a household without a head
    (it cannot be registered so, but a merge may leave one) is a dash."""
    family = household_factory()
    child_headed = household_factory(members=[CHILD_HEAD])
    bambang = household_factory(members=[{**MEMBER, "relationship": "head"}]).members.get()
    subjects = [(family.pk, None), (child_headed.pk, None), (family.pk, bambang.pk)]

    office = make_user(Role.DISTRICT_OFFICE, "3201")
    assert selectors.subject_names(office, subjects, TODAY) == [
        "Siti Aminah",
        "Putri Anak Kepala",
        "Bambang",
    ]
    auditor = make_user(Role.AUDITOR)
    names = selectors.subject_names(auditor, subjects, TODAY)
    assert names[0] == "Siti Aminah"
    assert names[1] != "Putri Anak Kepala"
    family.members.update(relationship="other")
    assert selectors.subject_names(office, [(family.pk, None)], TODAY) == ["–"]


def test_regions_are_found_by_name_within_a_scope():
    assert [r.code for r in selectors.regions_named("karadenan", "3201")] == ["3201011002"]
    assert [r.code for r in selectors.regions_named("Cibinong", "3201")] == [
        "320101",
        "3201011006",
        "3201112008",
    ]
    assert selectors.regions_named("Karadenan", "3273") == []
    # no exact name: the widest regions containing the text first, at most limit + 1
    found = selectors.regions_named("bogor", "", limit=2)
    assert len(found) == 3
    assert [len(r.code) for r in found] == sorted(len(r.code) for r in found)
