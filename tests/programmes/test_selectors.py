from datetime import date, timedelta

from django.db.models import Count

from sejahtera.programmes.models import Enrolment
from sejahtera.programmes.selectors import deceased_by
from sejahtera.registry.models import Person

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
