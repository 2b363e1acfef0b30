"""Correction requests (UU 27/2022): a person asks that their name, sex, birth date or birth
place be corrected; the registry's rules check the values when asked; the regency's office of
the person reviews it once, with a note; accepted, the record is corrected as the office's edit
(in its history), rejected, nothing changes; the person follows it by tracking number."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied

from sejahtera.accounts.models import Role
from sejahtera.domain import participation
from sejahtera.domain.findings import StepRefused
from sejahtera.grievances.corrections import request_correction, review_correction
from sejahtera.grievances.selectors import tracked_by_number
from sejahtera.registry.models import ChangeRecord
from sejahtera.registry.services.records import RecordInvalid

pytestmark = pytest.mark.django_db
VILLAGE = "3201011002"
TODAY = date(2026, 3, 2)
NIK = "3201014508900001"


@pytest.fixture
def person(household_factory):
    return household_factory(VILLAGE).members.get()


def ask(person, **cells):
    return request_correction(
        person=person,
        requester_name="Siti Aminah",
        requester_nik=NIK,
        description="Nama saya tertulis salah",
        cells=cells or {"full_name": "Siti Aminah Lubis"},
        received_on=TODAY,
    )


def test_a_request_gets_a_tracking_number_and_keeps_only_what_a_person_may_correct(person):
    request = ask(person, full_name="Siti Aminah Lubis", hiv="true", birth_place="")
    assert participation.parse_tracking_number(request.tracking_number)[0] == "correction"
    assert request.cells == {"full_name": "Siti Aminah Lubis"}
    found = tracked_by_number("correction", 2026, request.pk, nik=NIK, name=" siti  AMINAH")
    assert found.status == "requested"
    assert tracked_by_number("correction", 2026, request.pk, nik="3201010000000000",
                             name="Siti Aminah") is None  # fmt: skip
    # the NIK alone does not open it: tracking numbers are sequential
    assert tracked_by_number("correction", 2026, request.pk, nik=NIK, name="Siti") is None


def test_a_value_the_registry_refuses_is_refused_when_asked(person):
    with pytest.raises(RecordInvalid) as invalid:
        ask(person, birth_date="2099-01-01")
    assert [f.column for f in invalid.value.members[0]] == ["birth_date"]


def test_an_accepted_request_corrects_the_record_as_the_offices_edit(person, make_user):
    office = make_user(Role.DISTRICT_OFFICE, "3201")
    done = review_correction(office, ask(person), accepted=True, note="Sesuai KTP", today=TODAY)
    person.refresh_from_db()
    assert person.full_name == "Siti Aminah Lubis"
    assert done.change.actor == office
    assert done.change.changes == {"full_name": ["Siti Aminah", "Siti Aminah Lubis"]}
    with pytest.raises(StepRefused):  # reviewed once
        review_correction(office, done, accepted=False, note="x", today=TODAY)


def test_a_rejection_changes_nothing_and_says_why(person, make_user):
    office = make_user(Role.DISTRICT_OFFICE, "3201")
    request = ask(person)
    with pytest.raises(StepRefused) as refused:
        review_correction(office, request, accepted=False, note=" ", today=TODAY)
    assert [f.code for f in refused.value.findings] == [participation.NOTE_MISSING]
    done = review_correction(
        office, request, accepted=False, note="KTP belum diperbarui", today=TODAY
    )
    person.refresh_from_db()
    assert (done.status, person.full_name) == ("rejected", "Siti Aminah")
    assert not ChangeRecord.objects.filter(action="updated").exists()


def test_only_the_persons_office_reviews(person, make_user):
    request = ask(person)
    for user in (
        make_user(Role.DISTRICT_OFFICE, "3273"),
        make_user(Role.VILLAGE_OPERATOR, VILLAGE),
        make_user(Role.AUDITOR),
    ):
        with pytest.raises(PermissionDenied):
            review_correction(user, request, accepted=True, note="x", today=TODAY)
