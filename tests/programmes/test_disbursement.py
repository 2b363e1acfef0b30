"""Disbursement: batches per channel with their files and manifest, result files settling the
lines, the append-only ledger, and reconciliation — each step replayable without effect."""

from __future__ import annotations

import hashlib
import threading
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import translation

from sejahtera.accounts.models import Role
from sejahtera.domain.delivery import Suspension
from sejahtera.domain.disbursement import reference
from sejahtera.programmes import cycles, disbursement, reconciliation
from sejahtera.programmes.models import (
    Batch,
    Enrolment,
    LedgerEntry,
    Payment,
    ResultImport,
)
from sejahtera.registry.models import Person

from .conftest import JULY

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def result_file(payments, outcome="paid", override=None) -> bytes:
    lines = ["reference,account,amount,status,reason,paid_on"]
    for p in payments:
        row = {
            "reference": reference(p.pk),
            "account": p.account_number,
            "amount": p.amount,
            "status": outcome,
            "reason": "" if outcome == "paid" else "rekening ditutup",
            "paid_on": "2026-07-20",
        } | (override or {}).get(p.pk, {})
        lines.append(",".join(str(v) for v in row.values()))
    return ("\n".join(lines) + "\n").encode()


def ledger(kind=None):
    entries = LedgerEntry.objects.all()
    return entries.filter(kind=kind) if kind else entries


def test_batches_go_to_each_familys_channel_as_files_with_a_manifest(manager, sembako, settings):
    batches = {b.channel: b for b in disbursement.build_batches(manager, sembako)}
    assert set(batches) == {"BRI", "POS"}
    payable = sembako.totals["payable"]
    assert sum(b.lines for b in batches.values()) == payable["lines"]
    assert sum(b.amount for b in batches.values()) == payable["amount"]
    assert batches["BRI"].lines == 2
    assert all(p.account_number.startswith("0021010") for p in batches["BRI"].payments.all())
    assert not batches["POS"].payments.exclude(account_number="").exists()
    folder = disbursement.batch_directory(sembako)
    bri = (folder / batches["BRI"].file_name).read_bytes()
    assert hashlib.sha256(bri).hexdigest() == batches["BRI"].sha256
    header, first = bri.decode().splitlines()[:2]
    assert header == "reference|account|name|amount|period"
    assert first.startswith("SJT")
    assert first.endswith("|400000|2026-07")
    manifest = (folder / "SHA256SUMS").read_text().splitlines()
    assert f"{batches['BRI'].sha256}  {batches['BRI'].file_name}" in manifest
    assert ledger("issued").count() == payable["lines"]


def test_building_again_changes_nothing(manager, sembako):
    first = disbursement.build_batches(manager, sembako)
    entries, files = ledger().count(), {b.file_name: b.sha256 for b in first}
    assert disbursement.build_batches(manager, sembako) == []
    assert ledger().count() == entries
    assert {b.file_name: b.sha256 for b in Batch.objects.all()} == files
    for batch in first:
        assert (
            disbursement.batch_file(batch)
            == (disbursement.batch_directory(sembako) / batch.file_name).read_bytes()
        )


def test_a_channels_layout_is_a_setting(manager, sembako, settings):
    settings.SEJAHTERA_CHANNEL_LAYOUTS = {
        "POS": {"columns": ["name", "amount", "reference"], "delimiter": ";", "header": False}
    }
    pos = next(b for b in disbursement.build_batches(manager, sembako) if b.channel == "POS")
    first = disbursement.batch_file(pos).decode().splitlines()[0]
    name, amount, ref = first.split(";")
    assert name.startswith("Siti")
    assert amount == "400000"
    assert ref.startswith("SJT")


def test_a_lost_file_is_written_again_from_the_database_and_checked(manager, sembako):
    batch = disbursement.build_batches(manager, sembako)[0]
    path = disbursement.batch_directory(sembako) / batch.file_name
    kept = path.read_bytes()
    path.unlink()
    assert disbursement.batch_file(batch) == kept


def test_an_altered_file_is_refused(manager, sembako):
    batch = disbursement.build_batches(manager, sembako)[0]
    path = disbursement.batch_directory(sembako) / batch.file_name
    path.write_bytes(path.read_bytes().replace(b"400000", b"900000", 1))
    with pytest.raises(disbursement.DisbursementRefused, match="SHA-256"):
        disbursement.batch_file(batch)


def test_a_death_recorded_after_the_cycle_opened_is_not_sent(manager, sembako):
    enrolment = Enrolment.objects.filter(programme="SEMBAKO").last()
    enrolment.household.members.update(deceased_date=date(2026, 6, 20))
    disbursement.build_batches(manager, sembako)
    assert not Payment.objects.filter(household=enrolment.household).exists()
    enrolment.refresh_from_db()
    assert enrolment.suspension == Suspension.DECEASED


def test_a_result_file_settles_its_lines_once(manager, sembako):
    batch = next(b for b in disbursement.build_batches(manager, sembako) if b.channel == "BRI")
    content = result_file(batch.payments.all())
    result = disbursement.import_result(manager, batch, "bri-result.csv", content)
    assert result.counts == {"applied": 2}
    assert set(batch.payments.values_list("status", flat=True)) == {"paid"}
    assert ledger("paid").count() == 2
    entries = ledger().count()
    again = disbursement.import_result(manager, batch, "bri-result (1).csv", content)
    assert again.pk == result.pk
    # The same results in another file: confirmed, nothing new.
    other = disbursement.import_result(manager, batch, "bri-result-2.csv", content + b"\n")
    assert other.counts == {"unchanged": 2}
    assert ledger().count() == entries
    report = reconciliation.batch_reconciliation(manager, batch, path="/")
    assert report.statuses == {"paid": {"lines": 2, "amount": 800_000}}
    assert report.mismatch_counts == {}


def test_missing_extra_and_mismatched_lines_are_each_reported(manager, sembako):
    batch = next(b for b in disbursement.build_batches(manager, sembako) if b.channel == "POS")
    payments = list(batch.payments.order_by("id"))
    assert len(payments) >= 5
    wrong_amount, wrong_account, missing = payments[1], payments[2], payments[3]
    content = result_file(
        [p for p in payments if p != missing],
        override={
            wrong_amount.pk: {"amount": 300_000},
            wrong_account.pk: {"account": "9999999999"},
        },
    )
    content += b"SJT9999999999,,400000,paid,,2026-07-20\n"  # extra: no such line
    content += f"{reference(payments[0].pk)},,lots,paid,,\n".encode()  # unreadable amount
    content += f"{reference(payments[4].pk)},,400000,failed,,\n".encode()  # no reason, repeated
    with translation.override("en"):
        result = disbursement.import_result(manager, batch, "pos.csv", content)
    assert result.counts["extra"] == 1
    assert result.counts["wrong_amount"] == 1
    assert result.counts["wrong_account"] == 1
    assert result.counts["rejected"] == 2
    errors = {row.line: (row.column, row.message) for row in result.rows.filter(verdict="rejected")}
    last = len(payments) + 2  # the header, every line but the missing one, the extra
    assert errors[last] == ("amount", "“lots” is not an amount in whole rupiah")
    assert errors[last + 1][0] == "reason"
    wrong_amount.refresh_from_db()
    assert wrong_amount.status == "issued"  # a disputed line is not settled
    report = reconciliation.batch_reconciliation(manager, batch, path="/")
    assert report.mismatch_counts == {
        "missing": 3,  # the omitted line and the two disputed ones, still issued
        "extra": 1,
        "wrong_amount": 1,
        "wrong_account": 1,
    }
    listed = {(m["verdict"], m["payment"].pk if m["payment"] else None) for m in report.mismatches}
    assert ("missing", missing.pk) in listed
    assert ("wrong_amount", wrong_amount.pk) in listed
    assert ("extra", None) in listed


def test_a_result_header_is_read_loosely_and_a_blank_line_skipped(manager, sembako):
    batch = disbursement.build_batches(manager, sembako)[0]
    payments = list(batch.payments.order_by("id"))
    _header, first, *rest = result_file(payments).decode().splitlines()
    lines = [" Reference ,ACCOUNT,Amount,Status,reason,Paid_On", first, "", *rest]
    lines.append(f"{reference(payments[0].pk)},,lots,paid,,")  # the file's last line
    result = disbursement.import_result(manager, batch, "x.csv", "\n".join(lines).encode())
    assert result.counts == {"applied": len(payments), "rejected": 1}
    assert result.rows.get(verdict="rejected").line == len(lines)


def test_a_file_that_is_not_csv_is_refused_with_its_line(manager, sembako):
    batch = disbursement.build_batches(manager, sembako)[0]
    huge = b'"' + b"x" * 200_000 + b'"'  # beyond any field the csv module reads
    content = b"reference,amount,status\nSJT0000000001,1,paid\n" + huge + b",1,paid\n"
    with pytest.raises(disbursement.DisbursementRefused, match="3"):
        disbursement.import_result(manager, batch, "x.csv", content)
    assert not ResultImport.objects.exists()


def test_a_name_never_reaches_a_spreadsheet_as_a_formula(manager, sembako):
    enrolment = Enrolment.objects.filter(programme="SEMBAKO").first()
    enrolment.household.members.filter(relationship="head").update(full_name="=HYPERLINK(1)")
    batches = disbursement.build_batches(manager, sembako)
    text = "".join(disbursement.batch_file(b).decode() for b in batches)
    assert "'=HYPERLINK(1)" in text
    assert ",=HYPERLINK" not in text


def test_a_file_without_the_needed_columns_writes_nothing(manager, sembako):
    batch = disbursement.build_batches(manager, sembako)[0]
    with pytest.raises(disbursement.DisbursementRefused, match="status"):
        disbursement.import_result(manager, batch, "x.csv", b"reference;amount\nSJT0000000001;1\n")
    assert not ResultImport.objects.exists()


def test_failed_and_returned_lines_are_reissued_in_a_later_batch(manager, sembako):
    first = next(b for b in disbursement.build_batches(manager, sembako) if b.channel == "BRI")
    failed, returned, *paid = first.payments.order_by("id")
    disbursement.import_result(manager, first, "1.csv", result_file([failed], "failed"))
    disbursement.import_result(manager, first, "2.csv", result_file([returned, *paid]))
    disbursement.import_result(manager, first, "3.csv", result_file([returned], "returned"))
    second = disbursement.build_batches(manager, sembako)
    assert [(b.channel, b.sequence, b.lines) for b in second] == [("BRI", 2, 2)]
    again = {p.entitlement_id: p.attempt for p in second[0].payments.all()}
    assert again == {failed.entitlement_id: 2, returned.entitlement_id: 2}
    history = list(
        ledger()
        .filter(entitlement_id=returned.entitlement_id)
        .order_by("id")
        .values_list("kind", flat=True)
    )
    assert history == ["entitled", "issued", "paid", "returned", "reissued"]


def test_the_database_refuses_a_second_live_payment(manager, sembako):
    payment = disbursement.build_batches(manager, sembako)[0].payments.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(
            batch=payment.batch,
            entitlement=payment.entitlement,
            attempt=2,
            subject=payment.subject,
            household=payment.household,
            region_code=payment.region_code,
            amount=payment.amount,
        )


def test_the_ledger_is_append_only(manager, sembako):
    with pytest.raises(DatabaseError), transaction.atomic():
        ledger().update(amount=1)


def test_a_payment_to_a_unit_suspended_meanwhile_is_flagged(manager, sembako, make_user):
    batch = next(b for b in disbursement.build_batches(manager, sembako) if b.channel == "BRI")
    payment = batch.payments.first()
    enrolment = Enrolment.objects.get(pk=payment.entitlement.enrolment_id)
    office = make_user(Role.DISTRICT_OFFICE, enrolment.region_code[:4])
    cycles.suspend(office, enrolment, Suspension.MOVED)
    result = disbursement.import_result(manager, batch, "bri.csv", result_file([payment]))
    assert result.counts == {"paid_to_suspended": 1}
    payment.refresh_from_db()
    assert payment.status == "paid"  # the money went out: the ledger says so
    report = reconciliation.batch_reconciliation(manager, batch, path="/")
    assert report.mismatch_counts["paid_to_suspended"] == 1


def test_offices_read_their_region_and_cannot_send_money(manager, sembako, make_user):
    batch = next(b for b in disbursement.build_batches(manager, sembako) if b.channel == "POS")
    bandung = make_user(Role.DISTRICT_OFFICE, "3273")
    with pytest.raises(PermissionDenied):
        disbursement.build_batches(bandung, sembako)
    with pytest.raises(PermissionDenied):
        disbursement.import_result(bandung, batch, "x.csv", result_file(batch.payments.all()))
    report = reconciliation.cycle_reconciliation(bandung, sembako, path="/")
    issued = report.statuses["issued"]["lines"]
    sent = Payment.objects.filter(batch__cycle=sembako)
    assert 0 < issued == sent.filter(region_code__startswith="3273").count() < sent.count()
    assert {r["code"] for r in report.regions} == {"3273"}


def test_a_cycle_reconciliation_counts_what_is_not_yet_sent(manager, sembako):
    assert reconciliation.cycle_reconciliation(manager, sembako, path="/").not_issued == {
        "lines": sembako.totals["payable"]["lines"],
        "amount": sembako.totals["payable"]["amount"],
    }
    disbursement.build_batches(manager, sembako)
    assert reconciliation.cycle_reconciliation(manager, sembako, path="/").not_issued == {
        "lines": 0,
        "amount": 0,
    }


def test_premiums_go_to_the_insurer(manager, enrolled):
    cycle = cycles.open_cycle(manager, "PBI_JK", JULY)
    [batch] = disbursement.build_batches(manager, cycle)
    assert batch.channel == "BPJS"
    assert batch.lines == cycle.totals["payable"]["lines"]


def test_a_person_is_paid_under_their_own_name_and_nik_never_the_heads(manager, enrolled):
    """A person-level line names the person; a person without a NIK is sent without one,
    not with the NIK of the head of their household."""
    cycle = cycles.open_cycle(manager, "PBI_JK", JULY)
    member = (
        Enrolment.objects.filter(programme="PBI_JK", ended_on=None)
        .exclude(person__relationship="head")
        .first()
    )
    Person.objects.filter(pk=member.person_id).update(nik=None)
    [batch] = disbursement.build_batches(manager, cycle)
    payments = {p.person_id: p for p in batch.payments.all()}
    person = Person.objects.get(pk=member.person_id)
    assert (payments[person.pk].recipient_nik, payments[person.pk].recipient_name) == (
        "",
        person.full_name,
    )
    for person_id, payment in payments.items():
        if person_id != person.pk:
            assert payment.recipient_nik == (Person.objects.get(pk=person_id).nik or "")


@pytest.mark.database
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrency needs PostgreSQL")
def test_two_people_building_and_importing_at_once_have_one_effect(manager, sembako):
    def twice(step):
        errors = []

        def work():
            try:
                step()
            except Exception as problem:
                errors.append(problem)
            finally:
                connection.close()

        threads = [threading.Thread(target=work) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []

    twice(lambda: disbursement.build_batches(manager, sembako))
    assert Batch.objects.count() == 2
    issued = ledger("issued").count()
    assert issued == sembako.totals["payable"]["lines"]
    batch = Batch.objects.get(channel="BRI")
    content = result_file(batch.payments.all())
    twice(lambda: disbursement.import_result(manager, batch, "bri.csv", content))
    assert ResultImport.objects.count() == 1
    assert ledger("paid").count() == 2
