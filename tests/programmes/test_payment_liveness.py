"""A payment's liveness as a column of its own (decision 0023): the unique index of live
payments reads it, the ledger of an import is found through its result lines. Never paid
twice, every ledger event once, whatever the files say; the migration both ways."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import DatabaseError, IntegrityError, connection, transaction

from sejahtera.accounts.models import Role
from sejahtera.domain.delivery import Suspension
from sejahtera.domain.disbursement import reference
from sejahtera.programmes import cycles, disbursement, reconciliation
from sejahtera.programmes.models import Enrolment, LedgerEntry, Payment, ResultImport

from ..migrating import migrate, migrate_every_app_to_its_latest
from .test_disbursement import result_file

pytestmark = pytest.mark.django_db

BEFORE = [("programmes", "0009_keys_checked_per_statement")]
AFTER = [("programmes", "0010_payment_live_settled_in_place")]


@pytest.fixture(autouse=True)
def _files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def rows(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def batches(manager, cycle):
    return {b.channel: b for b in disbursement.build_batches(manager, cycle)}


def entries_after(last_id):
    return set(
        LedgerEntry.objects.filter(id__gt=last_id).values_list("payment_id", "attempt", "kind")
    )


def last_entry():
    return LedgerEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0


def assert_invariants():
    """live == status in (issued, paid); at most one live payment per entitlement; every
    settled payment has exactly the ledger events of its history, each once."""
    for status, live in Payment.objects.values_list("status", "live"):
        assert bool(live) == (status in ("issued", "paid")), (status, live)
    per_entitlement = rows(
        "SELECT entitlement_id, COUNT(*) FROM programmes_payment "
        "WHERE status IN ('issued', 'paid') GROUP BY entitlement_id HAVING COUNT(*) > 1"
    )
    assert per_entitlement == []
    duplicated = rows(
        "SELECT entitlement_id, attempt, kind FROM programmes_ledgerentry "
        "GROUP BY entitlement_id, attempt, kind HAVING COUNT(*) > 1"
    )
    assert duplicated == []
    for p in Payment.objects.all():
        kinds = set(LedgerEntry.objects.filter(payment_id=p.pk).values_list("kind", flat=True))
        issued = "reissued" if p.attempt > 1 else "issued"
        assert issued in kinds, (p.pk, kinds)
        if p.status == "issued":
            assert kinds == {issued}
        elif p.status == "paid":
            assert kinds == {issued, "paid"}
        elif p.status == "failed":
            assert kinds == {issued, "failed"}
        else:  # returned: paid first or returned straight away
            assert kinds in ({issued, "returned"}, {issued, "paid", "returned"})


# -- 1. never paid twice, every ledger event once ---------------------------------------------


def test_paid_then_returned_and_failed_are_reissued_once_with_every_event_once(manager, sembako):
    bri = batches(manager, sembako)["BRI"]
    returned, failed = bri.payments.order_by("id")
    mark = last_entry()
    content = result_file(
        [returned, failed], override={failed.pk: {"status": "failed", "reason": "x"}}
    )
    one = disbursement.import_result(manager, bri, "1.csv", content)
    assert one.counts == {"applied": 2}
    assert entries_after(mark) == {(returned.pk, 1, "paid"), (failed.pk, 1, "failed")}
    mark = last_entry()
    two = disbursement.import_result(manager, bri, "2.csv", result_file([returned], "returned"))
    assert two.counts == {"applied": 1}
    assert entries_after(mark) == {(returned.pk, 1, "returned")}
    # Paid, failed and returned again in other files: nothing changes, nothing is recorded.
    mark = last_entry()
    for name, content in (
        ("3.csv", result_file([returned, failed])),  # already reported
        ("4.csv", result_file([returned], "returned") + b"\n"),  # unchanged
        ("5.csv", result_file([failed], "failed")),  # unchanged
        ("6.csv", result_file([failed])),  # already reported: a failed line is not paid later
    ):
        result = disbursement.import_result(manager, bri, name, content)
        assert "applied" not in result.counts, (name, result.counts)
    assert entries_after(mark) == set()
    again = batches(manager, sembako)
    assert list(again) == ["BRI"]
    second = {p.entitlement_id: p for p in again["BRI"].payments.all()}
    assert {e: p.attempt for e, p in second.items()} == {
        returned.entitlement_id: 2,
        failed.entitlement_id: 2,
    }
    assert batches(manager, sembako) == {}  # a live attempt 2 each: nothing more to send
    mark = last_entry()
    disbursement.import_result(manager, again["BRI"], "7.csv", result_file(second.values()))
    assert entries_after(mark) == {(p.pk, 2, "paid") for p in second.values()}
    # The first batch's file once more, now claiming paid: attempt 1 stays dead.
    result = disbursement.import_result(manager, bri, "8.csv", result_file([failed]) + b"\n")
    assert result.counts == {"already_reported": 1}
    assert batches(manager, sembako) == {}
    assert_invariants()
    history = list(
        LedgerEntry.objects.filter(entitlement_id=returned.entitlement_id)
        .order_by("id")
        .values_list("kind", "attempt")
    )
    assert history == [
        ("entitled", 0), ("issued", 1), ("paid", 1), ("returned", 1), ("reissued", 2),
        ("paid", 2),
    ]  # fmt: skip


def test_a_file_naming_a_payment_of_another_batch_settles_nothing(manager, sembako):
    built = batches(manager, sembako)
    bri, pos = built["BRI"], built["POS"]
    stranger = pos.payments.order_by("id").first()
    mark = last_entry()
    result = disbursement.import_result(
        manager, bri, "bri.csv", result_file([*bri.payments.all(), stranger])
    )
    assert result.counts == {"applied": 2, "extra": 1}
    stranger.refresh_from_db()
    assert (stranger.status, stranger.live, stranger.result_id) == ("issued", True, None)
    assert {pk for pk, _, _ in entries_after(mark)} == set(
        bri.payments.values_list("id", flat=True)
    )
    # Its own batch's file still settles it, once.
    mark = last_entry()
    own = disbursement.import_result(manager, pos, "pos.csv", result_file([stranger], "failed"))
    assert own.counts == {"applied": 1}
    assert entries_after(mark) == {(stranger.pk, 1, "failed")}
    assert_invariants()


def test_every_verdict_in_one_file_records_exactly_what_it_settled(manager, sembako, make_user):
    built = batches(manager, sembako)
    pos = built["POS"]
    paid, failed, returned, wrong, suspended, *rest = pos.payments.order_by("id")
    enrolment = Enrolment.objects.get(pk=suspended.entitlement.enrolment_id)
    office = make_user(Role.DISTRICT_OFFICE, enrolment.region_code[:4])
    cycles.suspend(office, enrolment, Suspension.MOVED)
    content = result_file(
        [paid, failed, returned, wrong, suspended],
        override={
            failed.pk: {"status": "failed", "reason": "x"},
            returned.pk: {"status": "returned", "reason": "x"},
            wrong.pk: {"amount": 1},
        },
    )
    content += f"{reference(built['BRI'].payments.first().pk)},,400000,paid,,\n".encode()
    content += f"{reference(paid.pk)},,400000,failed,x,\n".encode()  # repeated: rejected
    mark = last_entry()
    result = disbursement.import_result(manager, pos, "pos.csv", content)
    assert result.counts == {
        "applied": 3, "paid_to_suspended": 1, "wrong_amount": 1, "extra": 1, "rejected": 1,
    }  # fmt: skip
    assert entries_after(mark) == {
        (paid.pk, 1, "paid"),
        (failed.pk, 1, "failed"),
        (returned.pk, 1, "returned"),
        (suspended.pk, 1, "paid"),
    }
    # The suspended unit's payment is returned later: the ledger keeps paid and adds returned.
    mark = last_entry()
    later = disbursement.import_result(
        manager, pos, "pos-2.csv", result_file([suspended, paid, *rest], "returned")
    )
    assert later.counts == {"applied": 2 + len(rest)}
    assert entries_after(mark) == {(p.pk, 1, "returned") for p in (suspended, paid, *rest)}
    assert_invariants()


def test_the_database_alone_keeps_one_live_payment_and_liveness_with_the_status(manager, sembako):
    bri = batches(manager, sembako)["BRI"]
    failed = bri.payments.order_by("id").first()
    disbursement.import_result(manager, bri, "1.csv", result_file([failed], "failed"))
    [again] = batches(manager, sembako)["BRI"].payments.filter(entitlement=failed.entitlement)
    refused = [
        # the dead attempt brought back to life beside the live one
        "UPDATE programmes_payment SET status = 'issued', live = TRUE WHERE id = %s",
        "UPDATE programmes_payment SET status = 'paid', live = TRUE WHERE id = %s",
        # liveness out of step with the status, either way
        "UPDATE programmes_payment SET live = TRUE WHERE id = %s",
        "UPDATE programmes_payment SET status = 'paid' WHERE id = %s",
    ]
    for sql in refused:
        with pytest.raises(IntegrityError), transaction.atomic():
            _execute(sql, failed.pk)
    with pytest.raises(IntegrityError), transaction.atomic():
        _execute("UPDATE programmes_payment SET live = FALSE WHERE id = %s", again.pk)
    assert_invariants()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="HOT updates are PostgreSQL's")
def test_settling_a_payment_changes_no_indexed_value_and_has_room_on_its_page():
    """A result file writes status, reason, paid_on, result and (for a failed or returned
    line only) live: were any of the first four read by an index, every settled payment would
    be a new entry in every index of the table instead of a HOT update on its page."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'programmes_payment'")
        definitions = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'programmes_payment'")
        options = cursor.fetchone()[0]
    assert len(definitions) == 5
    for settled in ("status", "reason", "paid_on", "result_id"):
        assert not [d for d in definitions if settled in d.split(" USING ")[1]]
    assert options == ["fillfactor=70"]


def _execute(sql, pk):
    with connection.cursor() as cursor:
        cursor.execute(sql, [pk])


# -- 2. the migration, both ways, on a table holding every status ------------------------------


def _every_status(manager, sembako, make_user):
    """issued, paid, failed, returned (after paid and straight away), paid to a suspended
    unit, and attempts 2 for the failed and returned ones."""
    built = batches(manager, sembako)
    pos = built["POS"]
    paid, failed, returned, direct, suspended, *_issued = pos.payments.order_by("id")
    enrolment = Enrolment.objects.get(pk=suspended.entitlement.enrolment_id)
    cycles.suspend(make_user(Role.DISTRICT_OFFICE, enrolment.region_code[:4]), enrolment,
                   Suspension.MOVED)  # fmt: skip
    disbursement.import_result(
        manager,
        pos,
        "1.csv",
        result_file(
            [paid, failed, returned, direct, suspended],
            override={
                failed.pk: {"status": "failed", "reason": "x"},
                direct.pk: {"status": "returned", "reason": "x"},
            },
        ),
    )
    disbursement.import_result(manager, pos, "2.csv", result_file([returned], "returned"))
    disbursement.import_result(
        manager, built["BRI"], "3.csv", result_file(built["BRI"].payments.all())
    )
    batches(manager, sembako)  # attempt 2 of the failed and returned ones
    statuses = set(Payment.objects.values_list("status", flat=True))
    assert statuses == {"issued", "paid", "failed", "returned"}
    return {p.pk: (p.status, p.attempt) for p in Payment.objects.all()}


def _columns(table):
    with connection.cursor() as cursor:
        return {c.name for c in connection.introspection.get_table_description(cursor, table)}


def _constraints(table):
    with connection.cursor() as cursor:
        return connection.introspection.get_constraints(cursor, table)


@pytest.mark.django_db(transaction=True)
def test_the_migration_back_and_forth_over_payments_in_every_status(manager, sembako, make_user):
    before = _every_status(manager, sembako, make_user)
    ledger = list(LedgerEntry.objects.order_by("id").values_list("payment_id", "attempt", "kind"))
    assert_invariants()
    migrate(BEFORE)
    try:
        assert "live" not in _columns("programmes_payment")
        names = _constraints("programmes_payment")
        assert "one_live_payment_per_entitlement" in names
        assert "programmes__batch_i_d094cd_idx" in names
        assert "payment_batch" not in names
        assert "payment_live_while_issued_or_paid" not in names
        if connection.vendor == "postgresql":
            assert rows("SELECT reloptions FROM pg_class WHERE relname = 'programmes_payment'") == [
                (None,)
            ]
        # The status-based unique index is back: a second live attempt is refused.
        dead = next(pk for pk, (status, _) in before.items() if status == "failed")
        with pytest.raises(IntegrityError), transaction.atomic():
            _execute("UPDATE programmes_payment SET status = 'issued' WHERE id = %s", dead)
        migrate(AFTER)
        after = {p.pk: (p.status, p.attempt) for p in Payment.objects.all()}
        assert after == before
        assert set(Payment.objects.values_list("status", "live")) == {
            ("issued", True), ("paid", True), ("failed", False), ("returned", False),
        }  # fmt: skip
        names = _constraints("programmes_payment")
        assert names["one_live_payment_per_entitlement"]["unique"]
        assert names["payment_live_while_issued_or_paid"]["check"]
        assert "programmes__batch_i_d094cd_idx" not in names
        assert "payment_batch" in names
        if connection.vendor == "postgresql":
            assert rows("SELECT reloptions FROM pg_class WHERE relname = 'programmes_payment'") == [
                (["fillfactor=70"],)
            ]
            triggers = {
                name
                for (name,) in rows(
                    "SELECT tgname FROM pg_trigger WHERE tgrelid = 'programmes_payment'::regclass"
                    " AND NOT tgisinternal"
                )
            }
            assert triggers == {"programmes_payment_keys_insert", "programmes_payment_keys_update"}
        # The ledger is untouched and still append-only.
        assert (
            list(LedgerEntry.objects.order_by("id").values_list("payment_id", "attempt", "kind"))
            == ledger
        )
        with pytest.raises(DatabaseError), transaction.atomic():
            LedgerEntry.objects.update(amount=1)
        assert_invariants()
        # Delivery goes on (the code as it is now, on the schema as it is now): the reissued
        # lines settle, nothing is sent a third time.
        migrate_every_app_to_its_latest()
        dead = next(pk for pk, (status, _) in before.items() if status == "failed")
        with pytest.raises(IntegrityError), transaction.atomic():
            _execute("UPDATE programmes_payment SET status = 'issued', live = TRUE WHERE id = %s",
                     dead)  # fmt: skip
        for batch in sembako.batches.filter(sequence=2):
            disbursement.import_result(
                manager, batch, "again.csv", result_file(batch.payments.all())
            )
        assert batches(manager, sembako) == {}
        assert_invariants()
    finally:
        migrate_every_app_to_its_latest()


# -- 3. other readers and writers of payments -------------------------------------------------


def test_a_dump_of_payments_in_every_status_loads_again(manager, sembako, make_user, tmp_path):
    _every_status(manager, sembako, make_user)
    before = set(Payment.objects.values_list("id", "status", "live", "result_id"))
    dump = io.StringIO()
    call_command("dumpdata", "programmes.payment", stdout=dump)
    path = tmp_path / "payments.json"
    path.write_text(dump.getvalue())
    call_command("loaddata", str(path), verbosity=0)
    assert set(Payment.objects.values_list("id", "status", "live", "result_id")) == before


def test_reconciliation_and_subject_access_read_payments_in_every_status(
    manager, sembako, make_user
):
    from sejahtera.privacy.subject_access import subject_data
    from sejahtera.registry.models import Person

    _every_status(manager, sembako, make_user)
    report = reconciliation.cycle_reconciliation(manager, sembako, path="/")
    assert report.not_issued == {"lines": 0, "amount": 0}
    assert set(report.statuses) == {"issued", "paid", "failed", "returned"}
    payment = Payment.objects.filter(status="returned").first()
    head = Person.objects.filter(household_id=payment.household_id, relationship="head").first()
    reader = make_user(Role.ADMINISTRATOR)
    data = subject_data(reader, head.pk)
    shown = {p["id"]: p for p in data["programmes"]["payments"]}
    assert shown[payment.pk]["status"] == "returned"
    assert "live" not in shown[payment.pk]  # machinery: the status says it


def test_the_demo_delivery_writes_payments_the_check_accepts(population, settings):
    """The demo settles its batches with synthetic files (failed and returned lines among
    them) and sends the failed ones again: through the services, every row as the check
    wants it."""
    from sejahtera.programmes.demo import ensure_demo_delivery
    from sejahtera.registry.services.demo import ensure_demo_users
    from sejahtera.targeting.services import run_targeting_for_registry

    from .conftest import JULY

    settings.DEMO = True
    ensure_demo_users()
    run_targeting_for_registry(JULY)
    ensure_demo_delivery(echo=lambda _: None, today=JULY)
    assert Payment.objects.exists()
    assert ResultImport.objects.exists()
    assert_invariants()
