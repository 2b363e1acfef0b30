"""Name search forgives small typos and lists the closest names first, on SQLite and PostgreSQL."""

import pytest

from sejahtera.accounts.models import Role
from sejahtera.registry.models import Person
from sejahtera.registry.selectors import PersonSearch, search_persons

pytestmark = pytest.mark.django_db


def adult(name: str, nik: str, relationship: str = "head") -> dict[str, str]:
    return {
        "full_name": name,
        "sex": "P",
        "birth_date": "1980-08-05",
        "relationship": relationship,
        "nik": nik,
    }


@pytest.fixture
def analyst(make_user):
    return make_user(Role.MINISTRY_ANALYST)


@pytest.fixture
def names(household_factory):
    household_factory(members=[adult("Siti Aminah", "3201014508800001")])
    household_factory(members=[adult("Aminah Lubis", "3201014508800002")])
    household_factory(members=[adult("Siti Aminah Putri", "3201014508800003")])
    household_factory(members=[adult("Budi Santoso", "3201010508800004")])


def found(user, query, **criteria):
    return [p.full_name for p in search_persons(user, PersonSearch(query=query, **criteria))]


@pytest.mark.usefixtures("names")
@pytest.mark.parametrize("typed", ["Siti Aminh", "sity aminah", "SITI AMINAH", "Aminah"])
def test_a_misspelt_name_is_found(analyst, typed):
    assert "Siti Aminah" in found(analyst, typed)
    assert "Budi Santoso" not in found(analyst, typed)


@pytest.mark.usefixtures("names")
def test_the_closest_names_come_first(analyst):
    assert found(analyst, "Siti Aminah") == ["Siti Aminah", "Siti Aminah Putri"]
    assert found(analyst, "Aminah") == ["Aminah Lubis", "Siti Aminah", "Siti Aminah Putri"]


@pytest.mark.usefixtures("names")
def test_part_of_a_name_is_still_found(analyst):
    assert found(analyst, "sant") == ["Budi Santoso"]


def test_the_index_follows_renames_and_removals(analyst, household_factory):
    household = household_factory(members=[adult("Dewi Lestari", "3201014508800005")])
    person = household.members.get()
    person.full_name = "Rina Wulandari"
    person.save()
    assert found(analyst, "Rina Wulandri") == ["Rina Wulandari"]
    assert found(analyst, "Dewi Lestari") == []
    Person.objects.filter(pk=person.pk).delete()
    assert found(analyst, "Rina Wulandari") == []


@pytest.mark.usefixtures("names")
@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("name", ["Aminah Lubis", "Budi Santoso", "Siti Aminah", "Siti Aminah Putri"]),
        ("-name", ["Siti Aminah Putri", "Siti Aminah", "Budi Santoso", "Aminah Lubis"]),
    ],
)
def test_results_sort_by_a_column(analyst, sort, expected):
    assert found(analyst, "", sort=sort) == expected


def test_masked_children_sort_last_in_record_order(analyst, household_factory):
    child = {**adult("Ahmad Kecil", "3201010508150006", "child"), "birth_date": "2015-08-05"}
    household_factory(members=[adult("Zainal Abidin", "3201010508800007"), child])
    by_name = [p.pk for p in search_persons(analyst, PersonSearch(sort="name"))]
    by_name_reversed = [p.pk for p in search_persons(analyst, PersonSearch(sort="-name"))]
    child_id = Person.objects.get(full_name="Ahmad Kecil").pk
    assert by_name[-1] == child_id == by_name_reversed[-1]
