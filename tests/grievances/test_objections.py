"""Objections (sanggah): only a resident of the same village files one, with a tracking number
and a deadline; the regency's office of the household verifies it before the deadline (a
confirmed one holds the household's enrolments for review); after the deadline it lapses by
the scheduled command alone, recorded, with the clock injected."""

from datetime import date

import pytest
from click.testing import CliRunner
from django.core.exceptions import PermissionDenied

from sejahtera.accounts.models import AuditEntry, Role
from sejahtera.cli import main
from sejahtera.domain import participation
from sejahtera.domain.findings import StepRefused
from sejahtera.domain.participation import ObjectionStatus
from sejahtera.grievances.models import Objection
from sejahtera.grievances.objections import file_objection, lapse_overdue, verify_objection
from sejahtera.registry.models import Region

pytestmark = pytest.mark.django_db
BOGOR_VILLAGE, OTHER_VILLAGE = "3201011002", "3201011003"
FILED = date(2026, 3, 2)


@pytest.fixture
def objection(household_factory):
    household = household_factory(BOGOR_VILLAGE)
    return file_objection(
        household=household,
        objector_name="Warga Desa",
        objector_village=Region.objects.get(code=BOGOR_VILLAGE),
        reason="Keluarga ini punya mobil dan toko",
        filed_on=FILED,
    )


def test_a_filed_objection_has_a_tracking_number_and_a_deadline(objection):
    assert participation.parse_tracking_number(objection.tracking_number) == (
        "objection",
        2026,
        objection.pk,
    )
    assert objection.deadline == date(2026, 3, 16)
    assert objection.status == ObjectionStatus.FILED


def test_only_a_resident_of_the_village_objects(household_factory):
    household = household_factory(BOGOR_VILLAGE)
    with pytest.raises(StepRefused) as refused:
        file_objection(
            household=household,
            objector_name="Orang Lain",
            objector_village=Region.objects.get(code=OTHER_VILLAGE),
            reason="x",
            filed_on=FILED,
        )
    assert [f.code for f in refused.value.findings] == [participation.NOT_SAME_VILLAGE]
    assert not Objection.objects.exists()


def test_the_office_confirms_in_time_and_the_enrolments_are_held(objection, make_user):
    office = make_user(Role.DISTRICT_OFFICE, "3201")
    confirmed = verify_objection(
        actor=office, objection=objection, confirmed=True, note="terbukti mampu", today=FILED
    )
    assert (confirmed.status, confirmed.verified_by, confirmed.verified_on) == (
        ObjectionStatus.CONFIRMED,
        office,
        FILED,
    )


def _verified_objection_to_an_enrolled_household(office, *, confirmed: bool):
    """A Bogor household enrolled by the programme tests' decrees, objected to by a neighbour
    and verified by the regency's office; returns the household."""
    from sejahtera.programmes.models import Enrolment

    household = Enrolment.objects.filter(region_code__startswith="3201").first().household
    objection = file_objection(
        household=household,
        objector_name="Tetangga",
        objector_village=household.village,
        reason="Rumahnya bertingkat dua",
        filed_on=FILED,
    )
    verify_objection(
        actor=office, objection=objection, confirmed=confirmed, note="diperiksa", today=FILED
    )
    return household


def test_a_confirmed_objection_holds_the_households_enrolments(enrolled, make_user):
    from sejahtera.programmes.models import Enrolment

    active_before = Enrolment.objects.filter(status=Enrolment.Status.ACTIVE).count()
    office = make_user(Role.DISTRICT_OFFICE, "3201")
    household = _verified_objection_to_an_enrolled_household(office, confirmed=True)
    held = Enrolment.objects.filter(household=household)
    assert set(held.values_list("status", "suspension")) == {
        (Enrolment.Status.SUSPENDED, "objection_review")
    }
    still_active = Enrolment.objects.filter(status=Enrolment.Status.ACTIVE).count()
    assert still_active == active_before - held.count(), "no other household is touched"


def test_the_next_targeting_run_carries_a_confirmed_objections_finding(enrolled, make_user, client):
    from sejahtera.registry.models import HouseholdReview
    from sejahtera.targeting.services import run_targeting_for_registry

    office = make_user(Role.DISTRICT_OFFICE, "3201")
    confirmed = _verified_objection_to_an_enrolled_household(office, confirmed=True)
    review = HouseholdReview.objects.get()
    assert (review.household, review.finding, review.carried_in_run) == (
        confirmed,
        "diperiksa",
        None,
    )
    run = run_targeting_for_registry(date(2026, 4, 1))
    review.refresh_from_db()
    assert review.carried_in_run == run.pk
    client.force_login(office)
    page = client.get(f"/targeting/runs/{run.pk}/").content.decode()
    assert f'data-review="{review.reference}"' in page
    later = run_targeting_for_registry(date(2026, 5, 1))
    assert HouseholdReview.objects.get().carried_in_run == run.pk  # carried once, by the next run
    assert "data-review" not in client.get(f"/targeting/runs/{later.pk}/").content.decode()


def test_a_dismissed_objection_holds_nothing(enrolled, make_user):
    from sejahtera.programmes.models import Enrolment

    office = make_user(Role.DISTRICT_OFFICE, "3201")
    household = _verified_objection_to_an_enrolled_household(office, confirmed=False)
    statuses = set(Enrolment.objects.filter(household=household).values_list("status", flat=True))
    assert statuses == {Enrolment.Status.ACTIVE}
    assert not household.reviews.exists()


def test_an_office_of_another_regency_or_role_may_not_verify(objection, make_user):
    for user in (make_user(Role.DISTRICT_OFFICE, "3273"), make_user(Role.SOCIAL_WORKER, "3201")):
        with pytest.raises(PermissionDenied):
            verify_objection(
                actor=user, objection=objection, confirmed=False, note="x", today=FILED
            )


def test_who_took_an_objection_in_does_not_confirm_it(household_factory, make_user):
    """Confirming holds the family's aid: the office clerk who took the objection in may
    dismiss it, but a colleague confirms it."""
    clerk, colleague = (
        make_user(Role.DISTRICT_OFFICE, "3201"),
        make_user(Role.DISTRICT_OFFICE, "3201"),
    )
    objection = file_objection(
        household=household_factory(BOGOR_VILLAGE),
        objector_name="Warga Desa",
        objector_village=Region.objects.get(code=BOGOR_VILLAGE),
        reason="Keluarga ini punya mobil",
        filed_on=FILED,
        filed_by=clerk,
    )
    with pytest.raises(StepRefused) as refused:
        verify_objection(actor=clerk, objection=objection, confirmed=True, note="x", today=FILED)
    assert [f.code for f in refused.value.findings] == [participation.OBJECTION_SAME_PERSON]
    confirmed = verify_objection(
        actor=colleague, objection=objection, confirmed=True, note="mobil ada", today=FILED
    )
    assert confirmed.status == ObjectionStatus.CONFIRMED


def test_after_the_deadline_it_cannot_be_verified_and_lapses_by_the_command_alone(
    objection, make_user
):
    office = make_user(Role.DISTRICT_OFFICE, "3201")
    with pytest.raises(StepRefused) as late:
        verify_objection(
            actor=office, objection=objection, confirmed=True, note="x", today=date(2026, 3, 17)
        )
    assert [f.code for f in late.value.findings] == [participation.OBJECTION_LATE]
    assert lapse_overdue(date(2026, 3, 16)) == []  # the deadline day itself is still in time
    assert [o.pk for o in lapse_overdue(date(2026, 3, 17))] == [objection.pk]
    objection.refresh_from_db()
    assert (objection.status, objection.lapsed_on) == (ObjectionStatus.LAPSED, date(2026, 3, 17))
    entry = AuditEntry.objects.get(entity="objection_lapsed")
    assert entry.record_ids == [objection.pk]
    assert lapse_overdue(date(2026, 4, 1)) == []  # a lapsed objection lapses once


def test_the_daily_command(objection):
    Objection.objects.filter(pk=objection.pk).update(deadline=date(2020, 1, 1))
    result = CliRunner().invoke(main, ["objections", "lapse"])
    assert result.exit_code == 0, result.output
    assert "1 objections lapsed" in result.output
    assert AuditEntry.objects.filter(action="command", entity="objections lapse").exists()
