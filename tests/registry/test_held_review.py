"""Records an import holds for review and merges, as an attacker and delivery see them
(issue #11): a held or merged record is read or paid by nothing, a hold is neither kept
forever nor lost, and a merge or unmerge never breaks delivery. Each test began as a defect
an attacker's review found; the docstrings say what went wrong before.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db.models import Q
from django.utils import timezone

from sejahtera.accounts.models import Role
from sejahtera.programmes import cycles, disbursement, services
from sejahtera.programmes.models import Decree, DecreeLine, Enrolment, Entitlement, Payment
from sejahtera.registry.models import (
    ChangeRecord,
    DuplicateCandidate,
    ImportRun,
    Person,
)
from sejahtera.registry.services import importing
from sejahtera.registry.services.deduplication import (
    ReviewRefused,
    hold_imported_duplicates,
    merge_pair,
    review_duplicate,
    unmerge,
)
from sejahtera.registry.services.records import add_member
from sejahtera.targeting.models import Decision, HouseholdResult, TargetingRun
from sejahtera.targeting.rules import default_rules_text

from .test_importing import household, person, run_import

pytestmark = pytest.mark.django_db

KARADENAN, PONDOK_RAJEG = "3201011002", "3201011001"  # both Cibinong, Bogor
BANDUNG = "3273011001"
JULY = date(2026, 7, 1)
SITI_NIK = "3201014508900001"  # female, born 1990-08-05


def member(name, nik="", relationship="head", sex="P", birth_date="1990-08-05"):
    return {"full_name": name, "nik": nik, "sex": sex, "birth_date": birth_date,
            "relationship": relationship}  # fmt: skip


@pytest.fixture(autouse=True)
def _files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def pair_of(a: Person, b: Person, reason=DuplicateCandidate.Reason.LINKAGE) -> DuplicateCandidate:
    low, high = sorted([a, b], key=lambda p: p.pk)
    found = DuplicateCandidate.objects.filter(person=low, other=high).first()
    return found or DuplicateCandidate.objects.create(
        person=low, other=high, reason=reason, match_probability=0.99
    )


def hold(*households) -> ImportRun:
    """Mark the households' members as created by one import, and hold them as the import does."""
    run = ImportRun.objects.create(households_file="h.csv")
    for home in households:
        Person.all_objects.filter(household=home).update(source_import=run)
    hold_imported_duplicates(run)
    return run


def siti_sent_again() -> tuple[list[dict], list[dict]]:
    """Import rows: a new household of Pondok Rajeg whose head is Siti again, with her NIK."""
    return (
        [household("H-NEW", region_code=PONDOK_RAJEG)],
        [person("P-NEW", "H-NEW", full_name="Siti Aminah", sex="P", birth_date="1990-08-05",
                nik=SITI_NIK)],
    )  # fmt: skip


def current_run(**extra) -> TargetingRun:
    return TargetingRun.objects.create(
        as_of=JULY,
        rules_text=default_rules_text(),
        status="completed",
        finished_at=timezone.now(),
        **extra,
    )


def decree_of(run: TargetingRun, user) -> Decree:
    return Decree.objects.create(
        programme="PBI_JK", period_start=date(2026, 1, 1), run=run, prepared_by=user
    )


def pbi_enrolment(p: Person, decree: Decree, started_on=date(2026, 1, 1)) -> Enrolment:
    return Enrolment.objects.create(
        programme="PBI_JK",
        subject=f"P{p.pk}",
        household_id=p.household_id,
        person=p,
        region_code=p.household.village_id,
        started_on=started_on,
        monthly_amount=42_000,
        yearly_amount=504_000,
        start_decree=decree,
    )


def pbi_decision(run, p: Person, *, eligible=True, limited_by="") -> Decision:
    return Decision.objects.create(
        run=run,
        household_id=p.household_id,
        person=p,
        region_code=p.household.village_id,
        programme="PBI_JK",
        eligible=eligible,
        limited_by=limited_by,
        monthly_amount=42_000,
        yearly_amount=504_000,
        yearly_cost=504_000,
    )


# -- release and hold ---------------------------------------------------------------------------


def test_a_held_record_is_read_by_no_registry_query(household_factory):
    """the default manager, a household's members and the name index's search leave a
    held record out."""
    siti = household_factory(KARADENAN, [member("Siti Aminah", SITI_NIK)]).members.get()
    home = household_factory(PONDOK_RAJEG, [member("Siti Aminah", SITI_NIK)])
    hold(home)
    held = Person.all_objects.get(household=home)
    assert held.held_for_review
    assert list(Person.objects.filter(nik=SITI_NIK)) == [siti]
    assert not home.members.exists()


def test_a_held_record_whose_partner_is_merged_elsewhere_is_paired_with_the_record_kept(
    household_factory, office
):
    """Was a defect (held forever). Siti is registered twice (Karadenan, Pondok Rajeg) and an import
    sends her a third time (held, paired with the Karadenan record by NIK). The office merges
    the two registered records, keeping Pondok Rajeg's. The held record's only pair now names a
    merged record: merge_pair refuses it ("already merged"), no pair names the kept record, so
    the only way out is a false "different persons" verdict."""
    siti = household_factory(KARADENAN, [member("Siti Aminah", SITI_NIK)]).members.get()
    again = household_factory(PONDOK_RAJEG, [member("Hj. Siti Aminah")]).members.get()
    third = household_factory(KARADENAN, [member("Siti Aminah", SITI_NIK)])
    hold(third)
    held = Person.all_objects.get(household=third)
    assert held.held_for_review
    merge_pair(office, pair_of(siti, again).pk, survivor_id=again.pk, note="one KTP")

    with pytest.raises(ReviewRefused):
        merge_pair(office, pair_of(siti, held).pk, survivor_id=held.pk, note="same person")
    # What a fix must give: an open pair of the held record with a record of the registry.
    partners = DuplicateCandidate.objects.filter(
        Q(person=held) | Q(other=held), status=DuplicateCandidate.Status.OPEN
    ).values_list("person", "other")
    assert any(Person.objects.filter(pk__in=ids).exclude(pk=held.pk).exists() for ids in partners)


def test_merging_two_held_records_keeps_the_person_held_while_paired_with_the_registered(
    household_factory, office
):
    """Was a defect (released wrongly). One import sends Siti twice; both records are held (each is
    paired with the registered Siti by NIK). Merging the two new records releases the kept one
    although its pair with the registered Siti is still open: the second record of someone
    registered is a record again, what holding is for."""
    siti = household_factory(KARADENAN, [member("Siti Aminah", SITI_NIK)]).members.get()
    first = household_factory(PONDOK_RAJEG, [member("Siti Aminah", SITI_NIK)])
    second = household_factory(PONDOK_RAJEG, [member("Siti Aminah", SITI_NIK)])
    hold(first, second)
    one, two = (Person.all_objects.get(household=h) for h in (first, second))
    assert one.held_for_review
    assert two.held_for_review
    merge_pair(office, pair_of(one, two).pk, survivor_id=two.pk, note="sent twice")
    assert DuplicateCandidate.objects.get(
        person=siti, other=two, status=DuplicateCandidate.Status.OPEN
    )
    two.refresh_from_db()
    assert two.held_for_review, "still paired, open, with the registered Siti"


def test_an_unmerge_brings_back_a_merged_record_held_as_it_was(household_factory, office):
    """Was a defect (released wrongly). A held record paired with two registered ones is merged into
    the first; its other pair is then reviewed as two persons, and _release_cleared (which
    reads all_objects, merged records included) clears the merged record's hold. An unmerge
    reopens the first pair but does not hold the record again (only the *survivor's* hold is
    remembered): it is a record while its pair is open."""
    siti = household_factory(KARADENAN, [member("Siti Aminah", SITI_NIK)]).members.get()
    other = household_factory(PONDOK_RAJEG, [member("Siti Aminah", SITI_NIK)]).members.get()
    third = household_factory(KARADENAN, [member("Siti Aminah", SITI_NIK)])
    hold(third)
    held = Person.all_objects.get(household=third)
    assert held.held_for_review
    merge = merge_pair(office, pair_of(siti, held).pk, survivor_id=siti.pk, note="same KTP")
    review_duplicate(office, pair_of(other, held).pk, same_person=False, note="not her")
    unmerge(office, merge.pk, note="two women after all")
    assert DuplicateCandidate.objects.get(person=siti, other=held).status == "open"
    held.refresh_from_db()
    assert held.held_for_review, "its pair with Siti is open again"


def test_an_import_that_fails_after_writing_still_holds_its_second_records(
    household_factory, tmp_path, monkeypatch
):
    """Was a defect (fail-open). The rows are committed batch by batch; the hold runs after the
    linkage check. Any error there that is not a LinkageError (DuckDB out of memory, a killed
    worker) fails the run with the second record written and unheld, and running the same
    files again holds nothing either (the record is updated, its source_import is the failed
    run's)."""
    household_factory(KARADENAN, [member("Siti Aminah", SITI_NIK)])
    rows = siti_sent_again()

    def broken(run, **kwargs):
        raise MemoryError("duckdb: out of memory")

    monkeypatch.setattr(importing, "check_imported_persons", broken)
    with pytest.raises(MemoryError):
        run_import(tmp_path, *rows)
    monkeypatch.undo()
    retry = tmp_path / "retry"
    retry.mkdir()
    run_import(retry, *rows)
    assert Person.all_objects.get(external_id="P-NEW").held_for_review


def test_a_held_record_is_within_an_importers_scope_check(household_factory, tmp_path, make_user):
    """Was a defect (scope bypass; merged records too, before the change). ``_existing_outside``
    reads ``Person._default_manager``: a held record of Bogor is "not registered" to an office
    of Bandung, whose import then moves it into a Bandung household and renames it (the
    upsert's ON CONFLICT finds it). The pair then spans two regencies: Bogor's office can no
    longer review it, and the record stays held. (A registered Bandung person rides along in
    the batch: on SQLite a batch of held rows alone crashes instead, see below.)"""
    household_factory(KARADENAN, [member("Siti Aminah", SITI_NIK)])
    siti_again = person(
        "P-NEW", "H-NEW", full_name="Siti Aminah", sex="P", birth_date="1990-08-05", nik=SITI_NIK
    )
    bandung = [household("H-BDG", region_code=BANDUNG)]
    (tmp_path / "one").mkdir()
    run_import(
        tmp_path / "one",
        [household("H-NEW", region_code=PONDOK_RAJEG), *bandung],
        [siti_again, person("P-BDG", "H-BDG")],
    )
    assert Person.all_objects.get(external_id="P-NEW").held_for_review

    (tmp_path / "two").mkdir()
    _summary, report = run_import(
        tmp_path / "two",
        bandung,
        [person("P-BDG", "H-BDG"), {**siti_again, "household_id": "H-BDG", "full_name": "Taken"}],
        actor=make_user(Role.DISTRICT_OFFICE, "3273"),
    )
    moved = Person.all_objects.select_related("household").get(external_id="P-NEW")
    assert (moved.household.village_id, moved.full_name) == (PONDOK_RAJEG, "Siti Aminah")
    assert any(r["code"] == "REGION_OUTSIDE_SCOPE" for r in report)


def test_reimporting_a_file_of_held_records_updates_them(household_factory, tmp_path):
    """Was a defect on SQLite only (PostgreSQL's raw-SQL lookup sees the held row). ``_rows_by_key``
    reads the default manager there, so the held row is not "existing": re-importing the same
    file (a corrected name) sends every row to ``_merge`` with an empty ``existing``, and
    ``pa.array([])`` (type null) makes ``pc.is_in`` raise ArrowTypeError: the import fails."""
    household_factory(KARADENAN, [member("Siti Aminah", SITI_NIK)])
    siti_again = person(
        "P-NEW", "H-NEW", full_name="Siti Aminah", sex="P", birth_date="1990-08-05", nik=SITI_NIK
    )
    homes = [household("H-NEW", region_code=PONDOK_RAJEG)]
    (tmp_path / "one").mkdir()
    run_import(tmp_path / "one", homes, [siti_again])
    (tmp_path / "two").mkdir()
    run_import(tmp_path / "two", homes, [{**siti_again, "full_name": "Siti Aminah S"}])
    assert Person.all_objects.get(external_id="P-NEW").full_name == "Siti Aminah S"


def test_a_reimported_held_record_is_counted_updated_with_its_history(household_factory, tmp_path):
    """Was a defect on SQLite only. With a registered row beside it in the batch, the held row is
    taken for a new one: counted as *created*, updated by the upsert's ON CONFLICT with no
    change record (the audit trail misses the edit)."""
    household_factory(KARADENAN, [member("Siti Aminah", SITI_NIK)])
    siti_again = person(
        "P-NEW", "H-NEW", full_name="Siti Aminah", sex="P", birth_date="1990-08-05", nik=SITI_NIK
    )
    homes = [household("H-NEW", region_code=PONDOK_RAJEG)]
    husband = person("P-HUSBAND", "H-NEW", relationship="spouse")
    (tmp_path / "one").mkdir()
    run_import(tmp_path / "one", homes, [siti_again, husband])
    (tmp_path / "two").mkdir()
    summary, _ = run_import(
        tmp_path / "two", homes, [{**siti_again, "full_name": "Siti Aminah S"}, husband]
    )
    held = Person.all_objects.get(external_id="P-NEW")
    assert held.full_name == "Siti Aminah S"
    assert (summary.persons.created, summary.persons.updated) == (0, 1)
    assert ChangeRecord.objects.filter(entity="person", record_id=held.pk).exists()


def test_a_form_registration_is_paired_with_a_held_holder_of_its_nik(household_factory, office):
    """A NIK a held record holds is paired with a person the forms or the API add; the held
    record stays held while that pair is open, and is released once it is reviewed too."""
    siti = household_factory(KARADENAN, [member("Siti Aminah", SITI_NIK)]).members.get()
    third = household_factory(PONDOK_RAJEG, [member("Siti Aminah", SITI_NIK)])
    hold(third)
    held = Person.all_objects.get(household=third)
    home = household_factory(KARADENAN, [member("Budi", relationship="head", sex="L")])
    added = add_member(
        actor=office,
        household=home,
        cells=member("Siti A.", SITI_NIK, relationship="spouse"),
    )
    review_duplicate(office, pair_of(siti, held).pk, same_person=False, note="two women")
    held.refresh_from_db()
    assert held.held_for_review
    review_duplicate(office, pair_of(held, added).pk, same_person=False, note="three women")
    held.refresh_from_db()
    assert not held.held_for_review


# -- delivery reading a held or merged record ---------------------------------------------------


def test_a_payment_never_names_a_held_household_head(household_factory, manager, tmp_path):
    """Was a defect (leak into payments). A family's new KK comes in an import: the head is a second
    record of Siti (held), the husband is new (a record). The household is decided and enrolled
    on the husband's account of it; the payment's recipient, read by raw SQL over
    registry_person (disbursement.RECIPIENT), is the held Siti: her name and NIK go to the bank,
    though she may be paid as the registered Siti in her own household too."""
    household_factory(KARADENAN, [member("Siti Aminah", SITI_NIK)])
    home = household_factory(
        PONDOK_RAJEG,
        [
            member("Siti Aminah", SITI_NIK),
            member("Budi Santoso", relationship="spouse", sex="L", birth_date="1988-02-01"),
        ],
    )
    hold(home)
    held = Person.all_objects.get(household=home, relationship="head")
    assert held.held_for_review
    assert list(home.members.values_list("full_name", flat=True)) == ["Budi Santoso"]
    decree = Decree.objects.create(
        programme="SEMBAKO", period_start=JULY, run=current_run(), prepared_by=manager
    )
    Enrolment.objects.create(
        programme="SEMBAKO", subject=f"H{home.pk}", household=home, region_code=PONDOK_RAJEG,
        started_on=JULY, monthly_amount=200_000, start_decree=decree,
    )  # fmt: skip
    cycle = cycles.open_cycle(manager, "SEMBAKO", JULY)
    disbursement.build_batches(manager, cycle)
    payment = Payment.objects.get()
    assert (payment.recipient_nik, payment.recipient_name) != (SITI_NIK, "Siti Aminah")


def test_reopening_a_cycle_after_a_merge_pays_the_moved_enrolment_once(
    household_factory, office, manager
):
    """Was a defect (double payment). The July PBI-JK cycle is open: Siti's enrolment has its line
    under P<siti>. A merge moves the open enrolment to the kept record (subject P<kept>).
    Opening the cycle again (what picks up enrolments a later decree made) inserts a second
    payable line for the *same enrolment*: the unique key is (cycle, subject), and the NIK
    check does not see it when the kept record has no NIK (a linkage pair)."""
    siti = household_factory(KARADENAN, [member("Siti Aminah", SITI_NIK)]).members.get()
    kept = household_factory(PONDOK_RAJEG, [member("Hj. Siti Aminah")]).members.get()
    enrolment = pbi_enrolment(siti, decree_of(current_run(), manager))
    cycle = cycles.open_cycle(manager, "PBI_JK", JULY)
    assert Entitlement.objects.filter(cycle=cycle, enrolment=enrolment).count() == 1
    merge_pair(office, pair_of(siti, kept).pk, survivor_id=kept.pk, note="same person")
    enrolment.refresh_from_db()
    assert enrolment.subject == f"P{kept.pk}"
    cycles.open_cycle(manager, "PBI_JK", JULY)
    payable = Entitlement.objects.filter(cycle=cycle, enrolment=enrolment, status="payable")
    assert payable.count() == 1


def test_a_decree_never_enrols_a_merged_record_whose_decision_stayed(
    household_factory, office, manager
):
    """Was a defect (merged record enrolled; pre-existing, not fixed by the change). Both records of
    Siti were decided eligible for PBI-JK in the current run. The merge keeps the kept record's
    decision and leaves the merged record's (the kept one "has the like of it"); the decree's
    SQL reads every decision of the run, so it enrols the hidden merged record beside the
    kept one: one person, two enrolments (payable twice when the NIKs differ)."""
    siti = household_factory(KARADENAN, [member("Siti Aminah", SITI_NIK)]).members.get()
    kept = household_factory(PONDOK_RAJEG, [member("Hj. Siti Aminah")]).members.get()
    run = current_run()
    pbi_decision(run, siti)
    pbi_decision(run, kept)
    merge_pair(office, pair_of(siti, kept).pk, survivor_id=kept.pk, note="same person")
    decree = services.prepare_decree(manager, "PBI_JK", JULY, run)
    new = set(
        DecreeLine.objects.filter(decree=decree, change="new").values_list("subject", flat=True)
    )
    assert f"P{siti.pk}" not in new


def test_an_unmerge_after_a_later_decree_restores_the_enrolment(
    household_factory, office, manager, approver
):
    """Was a defect (unmerge impossible). The merge moved Siti's open enrolment to the kept record;
    a decree from the current run (where her own decision stayed, see above) enrols her merged
    record anew. The unmerge restores the moved enrolment to subject P<siti> next to the new
    open one: the one-open-enrolment constraint refuses it and the whole unmerge fails."""
    siti = household_factory(KARADENAN, [member("Siti Aminah", SITI_NIK)]).members.get()
    kept = household_factory(PONDOK_RAJEG, [member("Hj. Siti Aminah")]).members.get()
    run = current_run()
    pbi_enrolment(siti, decree_of(run, manager))
    pbi_decision(run, siti)
    pbi_decision(run, kept)
    merge = merge_pair(office, pair_of(siti, kept).pk, survivor_id=kept.pk, note="same person")
    services.approve_decree(approver, services.prepare_decree(manager, "PBI_JK", JULY, run))
    unmerge(office, merge.pk, note="two women after all")  # was an IntegrityError
    assert Enrolment.objects.filter(subject=f"P{siti.pk}", ended_on=None).count() == 1


def test_a_record_held_again_by_an_unmerge_is_not_paid(household_factory, office, manager):
    """Was a defect (held record paid). A held record kept by a merge becomes a record; a decree
    enrols it. The unmerge holds it again (survivor_was_held) but its enrolment stays open and
    the next cycle owes the held record a payable line."""
    household_factory(KARADENAN, [member("Siti Aminah", SITI_NIK)])
    home = household_factory(PONDOK_RAJEG, [member("Siti Aminah", SITI_NIK)])
    hold(home)
    held = Person.all_objects.get(household=home)
    siti = Person.objects.get(nik=SITI_NIK)
    merge = merge_pair(office, pair_of(siti, held).pk, survivor_id=held.pk, note="newer is right")
    pbi_enrolment(held, decree_of(current_run(), manager), started_on=JULY)  # a later decree
    unmerge(office, merge.pk, note="two women after all")
    held.refresh_from_db()
    assert held.held_for_review
    cycle = cycles.open_cycle(manager, "PBI_JK", JULY)
    assert not Entitlement.objects.filter(cycle=cycle, person=held, status="payable").exists()


def test_a_moved_waiting_decision_stays_on_the_waiting_list(household_factory, office, manager):
    """Was a defect (lost place). Siti waits for PBI-JK in the current run (cut by the quota). The
    import's second record of her is kept by the merge: her decision moves to the kept
    record's household, which the run never saw (no HouseholdResult), and the decree's WAITING
    statement joins targeting_householdresult on it: she is no longer on the waiting list."""
    siti = household_factory(KARADENAN, [member("Siti Aminah", SITI_NIK)]).members.get()
    home = household_factory(PONDOK_RAJEG, [member("Siti Aminah", SITI_NIK)])
    hold(home)
    held = Person.all_objects.get(household=home)
    run = current_run()
    HouseholdResult.objects.create(
        run=run, household_id=siti.household_id, region_code=KARADENAN, welfare_score=100
    )
    pbi_decision(run, siti, eligible=False, limited_by="quota")
    before = services.prepare_decree(manager, "PBI_JK", JULY, run)
    assert DecreeLine.objects.filter(decree=before, change__in=["waiting", "held"]).count() == 1
    merge_pair(office, pair_of(siti, held).pk, survivor_id=held.pk, note="newer is right")
    after = services.prepare_decree(manager, "PBI_JK", JULY, run)
    assert DecreeLine.objects.filter(decree=after, subject=f"P{held.pk}").exists()


def test_an_unmerge_gives_each_moved_row_its_values_back(household_factory, office, manager):
    """decision and enrolment rewritten under the kept record's subject, and restored
    exactly by the unmerge (no other change in between)."""
    siti = household_factory(KARADENAN, [member("Siti Aminah", SITI_NIK)]).members.get()
    kept = household_factory(PONDOK_RAJEG, [member("Hj. Siti Aminah")]).members.get()
    run = current_run()
    decision = pbi_decision(run, siti)
    enrolment = pbi_enrolment(siti, decree_of(run, manager))
    before = (
        Decision.objects.filter(pk=decision.pk).values().get(),
        Enrolment.objects.filter(pk=enrolment.pk).values().get(),
    )
    merge = merge_pair(office, pair_of(siti, kept).pk, survivor_id=kept.pk, note="same person")
    assert Enrolment.objects.get(pk=enrolment.pk).subject == f"P{kept.pk}"
    assert Decision.objects.get(pk=decision.pk).person_id == kept.pk
    unmerge(office, merge.pk, note="two women")
    after = (
        Decision.objects.filter(pk=decision.pk).values().get(),
        Enrolment.objects.filter(pk=enrolment.pk).values().get(),
    )
    assert after == before


def test_a_merge_moves_no_decision_of_a_run_still_going(household_factory, office):
    """Shows the limit of ``latest_run()``: a run that started before the merge and
    completes after it keeps the merged record's decision (it is not the latest at merge
    time); only a decree-side filter on merged/held persons would catch it."""
    siti = household_factory(KARADENAN, [member("Siti Aminah", SITI_NIK)]).members.get()
    kept = household_factory(PONDOK_RAJEG, [member("Hj. Siti Aminah")]).members.get()
    going = TargetingRun.objects.create(as_of=JULY, rules_text="", status="running")
    decision = pbi_decision(going, siti)
    merge_pair(office, pair_of(siti, kept).pk, survivor_id=kept.pk, note="same person")
    TargetingRun.objects.filter(pk=going.pk).update(
        status="completed", finished_at=timezone.now() + timedelta(seconds=1)
    )
    assert Decision.objects.get(pk=decision.pk).person_id == siti.pk
