from datetime import date, timedelta

from django.db.models import Count

from sejahtera.domain.delivery import Suspension
from sejahtera.domain.disbursement import reference
from sejahtera.programmes import cycles, disbursement
from sejahtera.programmes.models import Enrolment
from sejahtera.programmes.selectors import citizen_assistance, deceased_by
from sejahtera.registry.models import Person

from .conftest import JULY

DAY = date(2026, 9, 1)


def test_the_dead_are_a_person_or_a_household_whose_every_member_died(enrolled):
    person_unit = Enrolment.objects.filter(programme="PBI_JK").order_by("pk").first()
    households = (
        Enrolment.objects.filter(programme="SEMBAKO")
        .exclude(household=person_unit.household_id)
        .annotate(members=Count("household__members"))
        .filter(members__gt=1)
        .order_by("pk")
    )
    emptied, one_left = households[0], households[1]
    Person.objects.filter(pk=person_unit.person_id).update(deceased_date=date(2026, 8, 1))
    emptied.household.members.update(deceased_date=date(2026, 8, 1))
    survivor = one_left.household.members.order_by("pk").last()
    one_left.household.members.exclude(pk=survivor.pk).update(deceased_date=date(2026, 8, 1))
    # dies the day after: deceased on the day itself would count as deceased by then
    one_left.household.members.filter(pk=survivor.pk).update(deceased_date=DAY + timedelta(1))

    dead = set(Enrolment.objects.filter(deceased_by(DAY)).values_list("subject", flat=True))

    assert person_unit.subject in dead
    assert emptied.subject in dead
    assert one_left.subject not in dead  # a member still lived on the day


def citizen_states(household_id, person_id=0):
    return {(a.programme, a.state) for a in citizen_assistance(household_id, person_id)}


def test_a_citizen_reads_how_each_programmes_latest_cycle_stands(
    manager, sembako, settings, tmp_path
):
    """The public status page's answer follows one family's SEMBAKO line from the cycle's
    opening to its result; PKH, enrolled without a cycle yet, says so."""
    settings.MEDIA_ROOT = tmp_path
    both = Enrolment.objects.filter(programme="PKH").values("household_id")
    enrolment = Enrolment.objects.filter(programme="SEMBAKO", household__in=both).first()
    household = enrolment.household_id
    assert citizen_states(household) == {("SEMBAKO", "scheduled"), ("PKH", "enrolled")}
    [assistance] = [a for a in citizen_assistance(household, 0) if a.programme == "SEMBAKO"]
    assert (assistance.period_start, assistance.period_last_day) == (JULY, date(2026, 8, 31))

    [batch] = [
        b for b in disbursement.build_batches(manager, sembako) if b.payments.filter(
            household_id=household).exists()
    ]  # fmt: skip
    assert ("SEMBAKO", "in_payment") in citizen_states(household)
    payment = batch.payments.get(household_id=household)
    result = f"reference,amount,status,reason\n{reference(payment.pk)},{payment.amount},failed,x\n"
    disbursement.import_result(manager, batch, "result.csv", result.encode())
    assert ("SEMBAKO", "not_received") in citizen_states(household)

    cycles.suspend(manager, enrolment, Suspension.FAMILY_REQUEST)
    assert ("SEMBAKO", "on_hold") in citizen_states(household)


def test_a_citizen_reads_a_paid_line_and_only_their_own_person_programmes(
    manager, enrolled, settings, tmp_path
):
    """PBI-JK enrols persons: a member reads their own enrolment, not one per member."""
    settings.MEDIA_ROOT = tmp_path
    insured = Enrolment.objects.filter(programme="PBI_JK").order_by("pk").first()
    household, person = insured.household_id, insured.person_id
    assert Enrolment.objects.filter(programme="PBI_JK", household=household).count() > 1
    cycle = cycles.open_cycle(manager, "PBI_JK", JULY)
    own = [a for a in citizen_assistance(household, person) if a.programme == "PBI_JK"]
    assert [a.state for a in own] == ["scheduled"]

    [batch] = disbursement.build_batches(manager, cycle)
    payment = batch.payments.get(person_id=person)
    result = f"reference,amount,status\n{reference(payment.pk)},{payment.amount},paid\n"
    disbursement.import_result(manager, batch, "premiums.csv", result.encode())
    assert ("PBI_JK", "paid") in citizen_states(household, person)
