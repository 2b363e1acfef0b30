"""Access matrix of the side doors to specific personal data: for every role that reads the
registry, what it learns of a child (whose identity is masked for some roles) and of an adult's
HIV status through search, the change history and duplicate notices."""

import pytest

from sejahtera.accounts import access
from sejahtera.accounts.models import Role
from sejahtera.registry.models import DuplicateCandidate, Person
from sejahtera.registry.services.records import person_cells, update_person
from sejahtera.web.presenters import MASK

pytestmark = pytest.mark.django_db
BOGOR = "3201011002"
ACEH = "1101012001"
CHILD_NIK = "3201014203150001"
REGIONS = {
    Role.VILLAGE_OPERATOR: BOGOR,
    Role.DISTRICT_OFFICE: "3201",
    Role.PROVINCIAL_OFFICE: "32",
    Role.SOCIAL_WORKER: "3201",
    Role.SUPERVISOR: "3201",
}
READERS = sorted(access.REGISTRY_READERS)


@pytest.fixture
def family(household_factory, make_user):
    """A Bogor family: Siti (adult, then recorded with HIV) and Ani (a child) whose NIK is also
    held by Rahmat in Aceh."""
    household = household_factory(
        BOGOR,
        members=[
            {
                "full_name": "Siti Aminah",
                "sex": "P",
                "birth_date": "1990-08-05",
                "relationship": "head",
                "nik": "3201014508900001",
            },
            {
                "full_name": "Ani Kecil",
                "sex": "P",
                "birth_date": "2015-03-02",
                "relationship": "child",
                "nik": CHILD_NIK,
            },
        ],
    )
    household_factory(
        ACEH,
        members=[
            {
                "full_name": "Rahmat Aceh",
                "sex": "L",
                "birth_date": "1980-01-01",
                "relationship": "head",
                "nik": "1101010101800001",
            }
        ],
    )
    siti = household.members.get(full_name="Siti Aminah")
    office = make_user(Role.DISTRICT_OFFICE, "3201")
    cells = {**person_cells(siti), "hiv": "true"}
    update_person(actor=office, person=siti, cells=cells, expected_version=siti.version)
    ani = household.members.get(full_name="Ani Kecil")
    rahmat = Person.objects.get(full_name="Rahmat Aceh")
    DuplicateCandidate.objects.create(
        person=min(ani, rahmat, key=lambda p: p.pk),
        other=max(ani, rahmat, key=lambda p: p.pk),
        reason=DuplicateCandidate.Reason.SAME_NIK,
    )
    return household


def _found(client, query):
    page = client.get("/registry/", {"q": query})
    assert page.status_code == 200
    return [row.person.full_name for row in page.context["rows"]]


@pytest.mark.parametrize("role", READERS)
def test_search_never_matches_a_value_the_user_sees_masked(client, make_user, family, role):
    client.force_login(make_user(role, REGIONS.get(role)))
    reads_specific = role in access.SPECIFIC_DATA_READERS
    for query in (CHILD_NIK, CHILD_NIK[:12], "Ani Kecil", "kecil"):
        assert ("Ani Kecil" in _found(client, query)) is reads_specific, query
    assert "Siti Aminah" in _found(client, "Siti")  # adults are found by everyone
    assert "Siti Aminah" in _found(client, "3201014508900001")


@pytest.mark.parametrize("role", READERS)
def test_history_masks_what_the_member_list_masks(client, make_user, family, role):
    client.force_login(make_user(role, REGIONS.get(role)))
    page = client.get(f"/registry/households/{family.pk}/")
    hiv = [
        field
        for row in page.context["member_history"]
        for field in row.fields
        if "HIV" in field.label
    ]
    assert hiv, "the change of the HIV flag is in the history"
    masked = role not in access.SPECIFIC_DATA_READERS
    assert all((f.after == MASK) is masked for f in hiv)


@pytest.mark.parametrize("role", READERS)
def test_duplicate_notices_name_only_who_the_user_may_see(client, make_user, family, role):
    client.force_login(make_user(role, REGIONS.get(role)))
    notices = client.get(f"/registry/households/{family.pk}/").context["duplicates"]
    assert len(notices) == 1
    national = access.region_prefix(make_user(role, REGIONS.get(role))) == ""
    reads_specific = role in access.SPECIFIC_DATA_READERS
    assert ("Rahmat Aceh" in notices[0]) is national  # only who sees Aceh learns the name
    assert ("Ani Kecil" in notices[0]) is reads_specific  # the child's own name stays masked
