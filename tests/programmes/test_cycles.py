"""Cycles: each enrolled unit's entitlement, computed once, never paid twice."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from sejahtera.accounts.models import Role
from sejahtera.domain.delivery import CycleRefused, EnrolmentKept, Suspension
from sejahtera.programmes import cycles
from sejahtera.programmes.models import Cycle, Enrolment, Entitlement, LedgerEntry
from sejahtera.registry.models import Person

from .conftest import JULY

pytestmark = pytest.mark.django_db
SEPTEMBER = date(2026, 9, 1)


def lines(cycle: Cycle):
    return Entitlement.objects.filter(cycle=cycle)


@pytest.mark.usefixtures("enrolled")
@pytest.mark.parametrize(
    ("programme", "field", "times"),
    [
        ("SEMBAKO", "monthly_amount", 2),
        ("PKH", "per_stage_amount", 1),
        ("PBI_JK", "monthly_amount", 1),
    ],
)
def test_a_cycle_owes_each_unit_its_programmes_amount(manager, programme, field, times):
    cycle = cycles.open_cycle(manager, programme, JULY)
    enrolments = Enrolment.objects.filter(programme=programme, ended_on=None)
    assert lines(cycle).count() == enrolments.count() > 0
    for line in lines(cycle).select_related("enrolment"):
        assert line.status == "payable"
        assert line.amount == getattr(line.enrolment, field) * times > 0
    if programme == "SEMBAKO":
        assert {line.amount for line in lines(cycle)} == {400_000}  # two months of Rp 200.000
        assert cycle.period_end == SEPTEMBER


@pytest.mark.usefixtures("enrolled")
def test_opening_again_adds_nothing(manager):
    first = cycles.open_cycle(manager, "SEMBAKO", JULY)
    count, totals = lines(first).count(), first.totals
    entitled = LedgerEntry.objects.filter(kind="entitled").count()
    assert entitled == totals["payable"]["lines"]
    again = cycles.open_cycle(manager, "SEMBAKO", JULY)
    assert again.pk == first.pk
    assert lines(again).count() == count
    assert again.totals == totals
    assert LedgerEntry.objects.count() == entitled


@pytest.mark.usefixtures("enrolled")
def test_a_suspended_unit_gets_a_zero_line_with_the_reason_until_resumed(manager, make_user):
    enrolment = Enrolment.objects.filter(
        programme="SEMBAKO", region_code__startswith="3201"
    ).first()
    office = make_user(Role.DISTRICT_OFFICE, "3201")
    cycles.suspend(office, enrolment, Suspension.CONDITIONALITY)
    july = cycles.open_cycle(manager, "SEMBAKO", JULY)
    line = lines(july).get(enrolment=enrolment)
    assert (line.status, line.amount, line.reason) == ("suspended", 0, "conditionality")
    cycles.resume(office, enrolment)
    september = cycles.open_cycle(manager, "SEMBAKO", SEPTEMBER)
    assert lines(september).get(enrolment=enrolment).status == "payable"


@pytest.mark.usefixtures("enrolled")
def test_a_suspension_says_since_when_and_a_repeat_changes_nothing(make_user):
    enrolment = Enrolment.objects.filter(programme="SEMBAKO", region_code__startswith="3201")[0]
    office = make_user(Role.DISTRICT_OFFICE, "3201")
    suspended = cycles.suspend(office, enrolment, Suspension.MOVED)
    assert (suspended.status, suspended.suspended_on) == ("suspended", timezone.localdate())
    again = cycles.suspend(office, enrolment, Suspension.MOVED)
    assert (again.suspension, again.suspended_on) == ("moved", suspended.suspended_on)
    resumed = cycles.resume(office, enrolment)
    assert (resumed.status, resumed.suspension, resumed.suspended_on) == ("active", "", None)


@pytest.mark.usefixtures("enrolled")
def test_a_suspension_for_a_death_is_neither_overwritten_nor_resumed_while_recorded(make_user):
    """Was a defect: suspending again with another reason (by the API) replaced "deceased"
    by "moved", which an office could then resume by hand; and a dead family's enrolment
    was resumed by hand while the registry still recorded the death."""
    enrolment = Enrolment.objects.filter(programme="SEMBAKO", region_code__startswith="3201")[0]
    enrolment.household.members.update(deceased_date=date(2026, 6, 1))
    cycles.suspend_the_dead("SEMBAKO", JULY)
    office = make_user(Role.DISTRICT_OFFICE, "3201")
    with pytest.raises(EnrolmentKept):
        cycles.suspend(office, enrolment, Suspension.MOVED)
    with pytest.raises(EnrolmentKept):
        cycles.resume(office, enrolment)
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.suspension) == ("suspended", "deceased")
    assert enrolment.suspended_on == timezone.localdate()
    enrolment.household.members.update(deceased_date=None)  # the registry corrected
    assert cycles.resume(office, enrolment).status == "active"


@pytest.mark.usefixtures("enrolled")
def test_an_office_suspends_only_in_its_region(make_user):
    from django.core.exceptions import PermissionDenied

    enrolment = Enrolment.objects.filter(
        programme="SEMBAKO", region_code__startswith="3201"
    ).first()
    with pytest.raises(PermissionDenied):
        cycles.suspend(make_user(Role.DISTRICT_OFFICE, "3273"), enrolment, Suspension.MOVED)


@pytest.mark.usefixtures("enrolled")
def test_a_death_in_the_registry_suspends_from_the_next_cycle(manager):
    enrolment = Enrolment.objects.filter(programme="SEMBAKO").first()
    enrolment.household.members.update(deceased_date=date(2026, 7, 20))
    july = cycles.open_cycle(manager, "SEMBAKO", JULY)
    assert lines(july).get(enrolment=enrolment).status == "payable"  # alive when July began
    september = cycles.open_cycle(manager, "SEMBAKO", SEPTEMBER)
    line = lines(september).get(enrolment=enrolment)
    assert (line.status, line.amount, line.reason) == ("suspended", 0, "deceased")


@pytest.mark.usefixtures("enrolled")
def test_a_death_on_the_first_day_of_a_cycle_is_not_paid_that_cycle(manager):
    """Deceased on the reference date is deceased (shared/spec/targeting-defaults.md): the
    family would be paid for two months none of its members lived in."""
    enrolment = Enrolment.objects.filter(programme="SEMBAKO").first()
    enrolment.household.members.update(deceased_date=SEPTEMBER)
    assert lines(cycles.open_cycle(manager, "SEMBAKO", JULY)).get(enrolment=enrolment).amount
    september = cycles.open_cycle(manager, "SEMBAKO", SEPTEMBER)
    line = lines(september).get(enrolment=enrolment)
    assert (line.status, line.amount, line.reason) == ("suspended", 0, "deceased")


@pytest.mark.usefixtures("enrolled")
def test_the_database_refuses_a_second_line_behind_the_applications_back(manager):
    cycle = cycles.open_cycle(manager, "SEMBAKO", JULY)
    line = lines(cycle).first()
    line.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        line.save()  # the same unit in the same cycle


@pytest.mark.usefixtures("enrolled")
def test_a_nik_held_by_two_person_records_is_paid_once(manager, settings, tmp_path):
    from sejahtera.programmes import disbursement
    from sejahtera.programmes.models import Payment

    settings.MEDIA_ROOT = tmp_path
    first, second = _enrolments_in_two_households("PBI_JK")
    nik = "3201014508800077"
    Person.objects.filter(pk__in=[first.person_id, second.person_id]).update(nik=nik)
    cycle = cycles.open_cycle(manager, "PBI_JK", JULY)
    held = lines(cycle).filter(nik=nik)
    assert sorted(held.values_list("status", flat=True)) == ["held", "payable"]
    assert held.get(status="held").reason == "duplicate_nik"
    assert held.get(status="held").amount == 0
    disbursement.build_batches(manager, cycle)
    sent = Payment.objects.filter(person_id__in=[first.person_id, second.person_id])
    assert sent.count() == 1


def test_cycles_start_on_the_first_of_a_month_and_do_not_overlap(manager, approver, enrolled):
    with pytest.raises(CycleRefused, match="first of a month"):
        cycles.open_cycle(manager, "SEMBAKO", date(2026, 7, 15))
    cycles.open_cycle(manager, "SEMBAKO", JULY)
    with pytest.raises(CycleRefused, match="overlapping"):
        cycles.open_cycle(manager, "SEMBAKO", date(2026, 8, 1))
    with pytest.raises(CycleRefused, match="pays no cycles"):
        cycles.open_cycle(approver, "ATENSI", JULY)
    with pytest.raises(PermissionDenied):  # its beneficiaries are specific data
        cycles.open_cycle(manager, "ATENSI", JULY)


@pytest.mark.parametrize("start", [date(9999, 10, 1), date(1, 1, 1), date(1999, 12, 1)])
def test_a_cycle_long_ago_or_far_ahead_is_refused_naming_its_date(manager, enrolled, start):
    """From 9999-10-01, a PKH cycle (three months) would end in the year 10000."""
    with pytest.raises(CycleRefused, match=start.isoformat()):
        cycles.open_cycle(manager, "PKH", start)
    assert not Cycle.objects.exists()


def test_a_cycle_is_opened_at_most_a_year_ahead(manager, enrolled):
    today = timezone.localdate()
    latest = date(today.year + 1, today.month, 1)
    after = date(latest.year + latest.month // 12, latest.month % 12 + 1, 1)
    with pytest.raises(CycleRefused, match=after.isoformat()):
        cycles.open_cycle(manager, "SEMBAKO", after)
    assert cycles.open_cycle(manager, "SEMBAKO", latest).period_start == latest


@pytest.mark.django_db(transaction=True)
def test_two_people_opening_one_cycle_at_once_open_it_once(make_user, manager, approver, enrolled):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the race needs PostgreSQL")
    barrier = threading.Barrier(2)
    errors: list[Exception] = []

    def attempt(actor):
        try:
            barrier.wait(timeout=5)
            cycles.open_cycle(actor, "SEMBAKO", JULY)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(user,)) for user in (manager, approver)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    [cycle] = Cycle.objects.filter(programme="SEMBAKO")
    assert (
        lines(cycle).count() == Enrolment.objects.filter(programme="SEMBAKO", ended_on=None).count()
    )


def test_the_error_audit_counts_the_delivery_checks(client, settings, tmp_path, manager, enrolled):
    from sejahtera.domain.disbursement import reference
    from sejahtera.programmes import disbursement
    from sejahtera.programmes.selectors import delivery_checks
    from sejahtera.targeting.models import Decision

    settings.MEDIA_ROOT = tmp_path
    cycle = cycles.open_cycle(manager, "SEMBAKO", JULY)
    [batch] = disbursement.build_batches(manager, cycle)
    paid = batch.payments.first()
    result = (
        f"reference,amount,status,paid_on\n{reference(paid.pk)},{paid.amount},paid,2026-07-20\n"
    )
    disbursement.import_result(manager, batch, "pos.csv", result.encode())
    assert delivery_checks(manager, enrolled) == {
        "eligible_not_enrolled": 0,
        "enrolled_not_eligible": 0,
        "paid_after_death": 0,
        "nik_paid_twice": 0,
    }
    paid.household.members.update(deceased_date=date(2026, 7, 2))  # recorded late
    no_longer = Decision.objects.filter(run=enrolled, programme="SEMBAKO", eligible=True).exclude(
        household=paid.household
    )[0]
    Decision.objects.filter(pk=no_longer.pk).update(eligible=False)
    checks = delivery_checks(manager, enrolled)
    assert checks["paid_after_death"] == 1
    assert checks["enrolled_not_eligible"] == 1
    assert checks["nik_paid_twice"] == 0
    client.force_login(manager)
    page = client.get(f"/targeting/runs/{enrolled.pk}/audit/").content.decode()
    assert 'data-check="paid_after_death"><div class="value">1</div>' in page


@pytest.mark.usefixtures("enrolled")
def test_a_nik_enrolled_after_the_cycle_opened_is_held_not_dropped(manager):
    first, late = _enrolments_in_two_households("PBI_JK")
    nik = "3201014508800078"
    Person.objects.filter(pk=first.person_id).update(nik=nik)
    Enrolment.objects.filter(pk=late.pk).update(started_on=SEPTEMBER)  # not yet enrolled
    cycle = cycles.open_cycle(manager, "PBI_JK", JULY)
    assert not lines(cycle).filter(enrolment=late).exists()
    Person.objects.filter(pk=late.person_id).update(nik=nik)
    Enrolment.objects.filter(pk=late.pk).update(started_on=JULY)  # enrolled by a later decree
    cycles.open_cycle(manager, "PBI_JK", JULY)
    line = lines(cycle).get(enrolment=late)
    assert (line.status, line.amount, line.reason) == ("held", 0, "duplicate_nik")
    assert lines(cycle).get(enrolment=first).status == "payable"


def _enrolments_in_two_households(programme: str) -> tuple[Enrolment, Enrolment]:
    one_per_household: dict[int, Enrolment] = {}
    for enrolment in Enrolment.objects.filter(programme=programme, ended_on=None):
        one_per_household.setdefault(enrolment.household_id, enrolment)
    first, second = list(one_per_household.values())[:2]
    return first, second


@pytest.mark.usefixtures("enrolled")
def test_a_unit_enrolled_twice_within_a_cycle_gets_one_line_from_its_latest_enrolment(manager):
    """An enrolment ended in August and the unit's next one, from August: one line, and
    opening the cycle again, or its enrolments read in another order, changes nothing."""
    ended = Enrolment.objects.filter(programme="SEMBAKO", ended_on=None).first()
    august = date(2026, 8, 1)
    Enrolment.objects.filter(pk=ended.pk).update(ended_on=august, status="ended")
    latest = Enrolment.objects.get(pk=ended.pk)
    latest.pk, latest.started_on, latest.ended_on, latest.status = None, august, None, "active"
    latest.monthly_amount = 250_000
    latest.save()
    cycle = cycles.open_cycle(manager, "SEMBAKO", JULY)
    line = lines(cycle).get(subject=ended.subject)
    assert (line.enrolment_id, line.amount) == (latest.pk, 500_000)
    count = lines(cycle).count()
    cycles.open_cycle(manager, "SEMBAKO", JULY)
    assert lines(cycle).count() == count
    assert LedgerEntry.objects.filter(entitlement=line).count() == 1


@pytest.mark.usefixtures("enrolled")
def test_opening_again_enters_only_the_new_lines_in_the_ledger(manager):
    """A unit enrolled after the opening: opening again writes its line and its one *entitled*
    entry, and every payable line has exactly one."""
    late = Enrolment.objects.filter(programme="SEMBAKO", ended_on=None).order_by("pk").last()
    Enrolment.objects.filter(pk=late.pk).update(started_on=SEPTEMBER)
    cycle = cycles.open_cycle(manager, "SEMBAKO", JULY)
    before = LedgerEntry.objects.filter(cycle=cycle, kind="entitled").count()
    Enrolment.objects.filter(pk=late.pk).update(started_on=JULY)
    cycles.open_cycle(manager, "SEMBAKO", JULY)
    cycles.open_cycle(manager, "SEMBAKO", JULY)
    payable = lines(cycle).filter(status="payable")
    entries = LedgerEntry.objects.filter(cycle=cycle, kind="entitled")
    assert entries.count() == before + 1 == payable.count()
    assert set(entries.values_list("entitlement_id", flat=True)) == set(
        payable.values_list("pk", flat=True)
    )
