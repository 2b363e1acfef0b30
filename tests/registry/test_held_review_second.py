"""Held records and merges as a payments auditor sees them (issue #11): nobody is paid twice or
not at all, nothing is sent in a held or merged record's name, no failed import leaves a
second record unheld, and a citizen reads what they receive. Each test began as a defect of a
second attacker's review; the docstring says what went wrong.
"""

from __future__ import annotations

import pytest
from django.db.models import Q

from sejahtera.grievances import selectors as grievance_selectors
from sejahtera.programmes import cycles, disbursement, services
from sejahtera.programmes.models import DecreeLine, Entitlement, Payment
from sejahtera.registry.models import DuplicateCandidate, Person
from sejahtera.registry.services import importing
from sejahtera.registry.services.deduplication import ReviewRefused, merge_pair, unmerge

from .test_held_review import (  # noqa: F401 (_files: a fixture)
    JULY,
    KARADENAN,
    PONDOK_RAJEG,
    SITI_NIK,
    _files,
    current_run,
    decree_of,
    hold,
    member,
    pair_of,
    pbi_decision,
    pbi_enrolment,
    siti_sent_again,
)
from .test_importing import run_import

pytestmark = pytest.mark.django_db

OTHER_NIK = "3201014508900002"


def test_a_merged_records_enrolment_does_not_take_the_nik_away_from_the_person_kept(
    household_factory, office, manager
):
    """Underpayment (cycles.ENTITLEMENTS / SECOND_NIK). Siti has two records holding her NIK,
    each enrolled in PBI-JK (the older record's enrolment first). The office merges the older
    record into the newer: its enrolment cannot move (the kept record has its own), it stays
    open with the merged record. The next cycle ranks the NIK's enrolments by id only: the
    merged record's line was first (and held), so the kept record's line was second and held as
    duplicate_nik: nobody was paid for Siti. The merged record's line is held as *merged*."""
    siti = household_factory(KARADENAN, [member("Siti Aminah", SITI_NIK)]).members.get()
    kept = household_factory(PONDOK_RAJEG, [member("Siti Aminah", SITI_NIK)]).members.get()
    decree = decree_of(current_run(), manager)
    pbi_enrolment(siti, decree)
    kept_enrolment = pbi_enrolment(kept, decree)
    merge_pair(office, pair_of(siti, kept).pk, survivor_id=kept.pk, note="one KTP")

    cycle = cycles.open_cycle(manager, "PBI_JK", JULY)
    line = Entitlement.objects.get(cycle=cycle, enrolment=kept_enrolment)
    assert (line.status, line.reason) == ("payable", "")
    merged_line = Entitlement.objects.get(cycle=cycle, person=siti)
    assert (merged_line.status, merged_line.reason, merged_line.amount) == ("held", "merged", 0)
    assert Entitlement.objects.filter(cycle=cycle, nik=SITI_NIK, status="payable").count() == 1


def test_a_record_held_again_after_its_cycle_opened_is_not_sent_to_the_channel(
    household_factory, office, manager
):
    """Held record paid (disbursement.TO_ISSUE / RECIPIENT). The first review made the *cycle*
    hold a held record's line, but a line made payable while the record was one is still sent:
    the import's second record of Siti is kept by a merge (released), the July cycle gives it
    the moved enrolment's payable line, then the merge is undone (the record is held again).
    Building the batches sends that line, naming the held record: RECIPIENT reads the person's
    own row without the merged/held filter it applies to household heads, and TO_ISSUE checks
    only the enrolment's status."""
    siti = household_factory(KARADENAN, [member("Siti Aminah", SITI_NIK)]).members.get()
    home = household_factory(PONDOK_RAJEG, [member("Siti Aminah", SITI_NIK)])
    hold(home)
    held = Person.all_objects.get(household=home)
    pbi_enrolment(siti, decree_of(current_run(), manager))
    merge = merge_pair(office, pair_of(siti, held).pk, survivor_id=held.pk, note="newer is right")
    cycle = cycles.open_cycle(manager, "PBI_JK", JULY)
    assert Entitlement.objects.filter(cycle=cycle, person=held, status="payable").exists()
    unmerge(office, merge.pk, note="two women after all")
    held.refresh_from_db()
    assert held.held_for_review

    disbursement.build_batches(manager, cycle)
    assert not Payment.objects.filter(person=held).exists()


def test_a_merged_records_payable_line_is_not_sent_in_its_name(household_factory, office, manager):
    """Merged record paid (same gap as above). The July cycle is open with Siti's payable line;
    the office then merges her record into the one kept (another NIK: the kept record's is the
    right one). The batch built afterwards pays the merged record, by its NIK and name."""
    siti = household_factory(KARADENAN, [member("Siti Aminah", SITI_NIK)]).members.get()
    kept = household_factory(PONDOK_RAJEG, [member("Hj. Siti Aminah", OTHER_NIK)]).members.get()
    pbi_enrolment(siti, decree_of(current_run(), manager))
    cycle = cycles.open_cycle(manager, "PBI_JK", JULY)
    merge_pair(office, pair_of(siti, kept).pk, survivor_id=kept.pk, note="wrong NIK on the KK")

    disbursement.build_batches(manager, cycle)
    assert not Payment.objects.filter(recipient_nik=SITI_NIK).exists()


def test_an_import_that_fails_while_writing_still_holds_its_second_records(
    household_factory, tmp_path, monkeypatch
):
    """Fail-open (importing.import_registry). The first review moved the hold into a
    ``finally`` around the linkage check only. A failure *while writing* (a later batch, a
    database error, the worker killed) happens after an earlier batch committed the second
    record of Siti and its shared-NIK pair: the hold never runs, and re-running the same files
    holds nothing (the record is updated; its source_import stays the failed run's)."""
    household_factory(KARADENAN, [member("Siti Aminah", SITI_NIK)])
    rows = siti_sent_again()
    flush = importing.RegistryImport._flush_persons

    def flush_then_fail(self, batch):
        flush(self, batch)
        raise OSError("could not write to the database: connection lost")

    monkeypatch.setattr(importing.RegistryImport, "_flush_persons", flush_then_fail)
    with pytest.raises(OSError, match="connection lost"):
        run_import(tmp_path, *rows)
    monkeypatch.undo()
    written = Person.all_objects.get(external_id="P-NEW")
    assert DuplicateCandidate.objects.filter(
        Q(person=written) | Q(other=written), status=DuplicateCandidate.Status.OPEN
    ).exists(), "the shared NIK's pair was recorded with the batch"
    retry = tmp_path / "retry"
    retry.mkdir()
    run_import(retry, *rows)
    assert Person.all_objects.get(external_id="P-NEW").held_for_review


def test_the_public_status_check_shows_the_programme_a_merge_moved(
    household_factory, office, manager
):
    """Wrong answer to a citizen (grievances.selectors.citizen_status). 8411bb2 keeps an
    enrolment's household when a merge moves it to the kept record. The status page lists the
    programmes of the asker's *household*: the kept record, enrolled in PBI-JK now, is told
    it has no programme (and the merged record's old household is told it has one)."""
    siti = household_factory(KARADENAN, [member("Siti Aminah", SITI_NIK)]).members.get()
    kept = household_factory(PONDOK_RAJEG, [member("Hj. Siti Aminah", OTHER_NIK)]).members.get()
    pbi_enrolment(siti, decree_of(current_run(), manager))
    merge_pair(office, pair_of(siti, kept).pk, survivor_id=kept.pk, note="same person")

    status = grievance_selectors.citizen_status(OTHER_NIK, "Hj. Siti Aminah", path="/layanan/")
    assert status is not None
    assert [a.programme for a in status.assistance] == ["PBI_JK"]


def test_a_beneficiary_keeps_their_place_when_an_import_holds_a_second_record_of_them(
    household_factory, manager
):
    """Was a defect (the innocent side lost aid): every open pair held *both* persons in the
    next decree, so a second record an import sends of an enrolled beneficiary ended the
    beneficiary's enrolment until the pair was reviewed. The held record is the one waiting."""
    siti = household_factory(KARADENAN, [member("Siti Aminah", SITI_NIK)]).members.get()
    run = current_run()
    pbi_decision(run, siti)
    pbi_enrolment(siti, decree_of(run, manager))
    again = household_factory(PONDOK_RAJEG, [member("Siti Aminah", SITI_NIK)])
    hold(again)
    held = Person.all_objects.get(household=again)
    assert held.held_for_review
    pbi_decision(run, held)
    decree = services.prepare_decree(manager, "PBI_JK", JULY, run)
    lines = dict(DecreeLine.objects.filter(decree=decree).values_list("subject", "change"))
    assert lines == {f"P{siti.pk}": "continuing", f"P{held.pk}": "held"}


def test_two_registered_records_of_one_person_both_wait_for_their_review(
    household_factory, manager
):
    """Between two records of the registry nobody knows which is right: both wait."""
    siti = household_factory(KARADENAN, [member("Siti Aminah", SITI_NIK)]).members.get()
    other = household_factory(PONDOK_RAJEG, [member("Siti Aminah", SITI_NIK)]).members.get()
    assert pair_of(siti, other).status == DuplicateCandidate.Status.OPEN
    run = current_run()
    for record in (siti, other):
        pbi_decision(run, record)
    pbi_enrolment(siti, decree_of(run, manager))
    decree = services.prepare_decree(manager, "PBI_JK", JULY, run)
    lines = dict(DecreeLine.objects.filter(decree=decree).values_list("subject", "change"))
    assert lines == {f"P{siti.pk}": "leaving", f"P{other.pk}": "held"}


def test_merges_are_undone_last_first(household_factory, office):
    """Was a defect (rows restored to the wrong record): undoing a merge whose record kept was
    merged again since put back rows that had moved on. The later merge is undone first."""
    siti = household_factory(KARADENAN, [member("Siti Aminah", SITI_NIK)]).members.get()
    again = household_factory(PONDOK_RAJEG, [member("Hj. Siti Aminah")]).members.get()
    third = household_factory(PONDOK_RAJEG, [member("Siti A.")]).members.get()
    first = merge_pair(office, pair_of(siti, again).pk, survivor_id=again.pk, note="one KTP")
    second = merge_pair(office, pair_of(again, third).pk, survivor_id=third.pk, note="one KTP")
    with pytest.raises(ReviewRefused):
        unmerge(office, first.pk, note="out of order")
    unmerge(office, second.pk, note="two women")
    unmerge(office, first.pk, note="three women")
    assert Person.objects.filter(pk__in=[siti.pk, again.pk, third.pk]).count() == 3
