import pytest
from django.core.exceptions import PermissionDenied

from sejahtera.accounts.models import Role
from sejahtera.registry.models import ChangeRecord, Household, Person
from sejahtera.registry.services import records

pytestmark = pytest.mark.django_db
VILLAGE = "3201011002"
HEAD = {
    "full_name": "Budi Santoso",
    "sex": "L",
    "birth_date": "1980-01-15",
    "relationship": "head",
    "nik": "3201011501800001",
}
CHILD = {"full_name": "Ani", "sex": "P", "birth_date": "2015-03-02", "relationship": "child"}


def test_registering_validates_like_the_import_and_records_who_created_it(make_user):
    operator = make_user(Role.VILLAGE_OPERATOR, VILLAGE)
    household = records.register_household(
        actor=operator,
        household={"region_code": VILLAGE, "floor_type": "earth", "assets": "tv;motorcycle"},
        members=[HEAD, CHILD],
    )
    assert household.assets == "motorcycle;tv"
    assert household.external_id.startswith("SJ-H-")
    assert sorted(household.members.values_list("full_name", flat=True)) == ["Ani", "Budi Santoso"]
    created = ChangeRecord.objects.filter(action="created", actor=operator)
    assert created.count() == 3


def test_each_bad_cell_is_reported_on_its_member_and_nothing_is_saved(make_user):
    operator = make_user(Role.VILLAGE_OPERATOR, VILLAGE)
    with pytest.raises(records.RecordInvalid) as caught:
        records.register_household(
            actor=operator,
            household={"region_code": VILLAGE, "floor_type": "Ceramic"},
            members=[HEAD, {**CHILD, "nik": "12345", "birth_date": "15/08/1987"}],
        )
    invalid = caught.value
    assert [f.code for f in invalid.household] == ["VALUE_NOT_ALLOWED"]
    assert sorted(f.code for f in invalid.members[1]) == ["DATE_INVALID", "NIK_LENGTH"]
    assert 0 not in invalid.members
    assert not Household.objects.exists()


def test_a_household_needs_exactly_one_head(make_user):
    operator = make_user(Role.VILLAGE_OPERATOR, VILLAGE)
    with pytest.raises(records.RecordInvalid) as caught:
        records.register_household(
            actor=operator, household={"region_code": VILLAGE}, members=[CHILD]
        )
    assert [f.code for f in caught.value.household] == ["HEAD_COUNT"]


def test_an_operator_cannot_register_outside_their_village(make_user):
    operator = make_user(Role.VILLAGE_OPERATOR, VILLAGE)
    with pytest.raises(records.RecordInvalid) as caught:
        records.register_household(
            actor=operator, household={"region_code": "3273011001"}, members=[HEAD]
        )
    assert [f.code for f in caught.value.household] == ["REGION_OUTSIDE_SCOPE"]


def test_roles_without_editing_rights_cannot_register(make_user):
    for role in (Role.MINISTRY_ANALYST, Role.PARTNER_AGENCY, Role.AUDITOR, Role.SOCIAL_WORKER):
        with pytest.raises(PermissionDenied):
            records.register_household(
                actor=make_user(role), household={"region_code": VILLAGE}, members=[HEAD]
            )


def test_an_edit_records_old_and_new_values_and_bumps_the_version(make_user, household_factory):
    household = household_factory(VILLAGE, floor_type="earth")
    operator = make_user(Role.VILLAGE_OPERATOR, VILLAGE)
    cells = records.household_cells(household) | {"floor_type": "ceramic"}
    changed = records.update_household(
        actor=operator, household=household, cells=cells, expected_version=1
    )
    assert changed == 1
    household.refresh_from_db()
    assert (household.floor_type, household.version) == ("ceramic", 2)
    change = ChangeRecord.objects.get(action="updated", record_id=household.pk)
    assert change.changes == {"floor_type": ["earth", "ceramic"]}
    assert change.actor == operator


def test_two_editors_of_the_same_version_conflict_and_nothing_is_lost(make_user, household_factory):
    household = household_factory(VILLAGE)
    person = household.members.get()
    first, second = (
        make_user(Role.VILLAGE_OPERATOR, VILLAGE),
        make_user(Role.DISTRICT_OFFICE, "3201"),
    )
    stale = Person.objects.get(pk=person.pk)
    records.update_person(
        actor=first,
        person=person,
        cells=records.person_cells(person) | {"employment": "farmer"},
        expected_version=1,
    )
    with pytest.raises(records.EditConflict) as caught:
        records.update_person(
            actor=second,
            person=stale,
            cells=records.person_cells(stale) | {"employment": "fisher"},
            expected_version=1,
        )
    assert caught.value.current_version == 2
    person.refresh_from_db()
    assert person.employment == "farmer"
    assert ChangeRecord.objects.filter(action="updated").count() == 1


def test_saving_unchanged_cells_changes_nothing(make_user, household_factory):
    household = household_factory(VILLAGE)
    operator = make_user(Role.VILLAGE_OPERATOR, VILLAGE)
    assert (
        records.update_household(
            actor=operator,
            household=household,
            cells=records.household_cells(household),
            expected_version=1,
        )
        == 0
    )
    household.refresh_from_db()
    assert household.version == 1


def test_a_member_can_be_added_without_a_nik(make_user, household_factory):
    household = household_factory(VILLAGE)
    operator = make_user(Role.VILLAGE_OPERATOR, VILLAGE)
    person = records.add_member(actor=operator, household=household, cells=CHILD)
    assert person.nik is None
    assert household.members.count() == 2


def test_a_household_keeps_a_head_handed_over_new_head_first(make_user, household_factory):
    """Added or edited one member at a time, a household never gets a second head from
    outside, nor loses its only one; handing over names the new head first."""
    household = household_factory(VILLAGE)  # Siti Aminah, the head
    operator = make_user(Role.VILLAGE_OPERATOR, VILLAGE)
    with pytest.raises(records.RecordInvalid) as second_head:
        records.add_member(actor=operator, household=household, cells=HEAD)
    assert [f.code for f in second_head.value.members[0]] == ["HEAD_COUNT"]
    assert household.members.count() == 1

    siti = household.members.get()
    as_spouse = {**records.person_cells(siti), "relationship": "spouse"}
    with pytest.raises(records.RecordInvalid) as headless:
        records.update_person(actor=operator, person=siti, cells=as_spouse, expected_version=1)
    assert [f.code for f in headless.value.members[0]] == ["HEAD_COUNT"]

    budi = records.add_member(
        actor=operator, household=household, cells={**HEAD, "relationship": "spouse"}
    )
    as_head = {**records.person_cells(budi), "relationship": "head"}
    records.update_person(actor=operator, person=budi, cells=as_head, expected_version=1)
    records.update_person(actor=operator, person=siti, cells=as_spouse, expected_version=1)
    relationships = dict(household.members.values_list("full_name", "relationship"))
    assert relationships == {"Budi Santoso": "head", "Siti Aminah": "spouse"}


def test_a_nik_already_in_the_registry_is_recorded_as_a_possible_duplicate(
    make_user, household_factory
):
    from sejahtera.registry.models import DuplicateCandidate

    first = household_factory(VILLAGE)  # Siti Aminah, NIK 3201014508900001
    operator = make_user(Role.VILLAGE_OPERATOR, VILLAGE)
    twin = {
        **HEAD,
        "full_name": "Siti Aminah",
        "sex": "P",
        "birth_date": "1990-08-05",
        "nik": "3201014508900001",
    }
    second = records.register_household(
        actor=operator, household={"region_code": VILLAGE}, members=[twin]
    )
    candidate = DuplicateCandidate.objects.get()
    assert {candidate.person.household_id, candidate.other.household_id} == {first.pk, second.pk}
    records.add_member(actor=operator, household=second, cells={**CHILD, "nik": "3201014508900001"})
    assert DuplicateCandidate.objects.count() == 3
