"""Linkage over the registry fills the review queue; reviews are recorded once, with a reason,
by an office of the pair's region."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation

from sejahtera.accounts.models import Role
from sejahtera.linkage import link_persons
from sejahtera.linkage.model import Training
from sejahtera.registry import selectors
from sejahtera.registry.models import DuplicateCandidate, ImportRun, Person
from sejahtera.registry.services.deduplication import (
    ReviewRefused,
    confirm_above,
    hold_imported_duplicates,
    link_registry,
    merge_pair,
    review_duplicate,
    unmerge,
)
from sejahtera.registry.services.importing import import_registry
from sejahtera.synth import SynthConfig, generate, write

KARADENAN, PONDOK_RAJEG = "3201011002", "3201011001"  # two villages of Cibinong, Bogor
WANAHERANG = "3201022001"  # Gunungputri, Bogor: another district
BANDUNG = "3273011001"  # a village of Kota Bandung: another regency


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    """A model trained on a synthetic population: a test registry is too small to train on."""
    folder = tmp_path_factory.mktemp("model")
    write(generate(SynthConfig(persons=4_000, seed=3, as_of=date(2026, 12, 1))), folder)
    result = link_persons(
        folder / "households.csv",
        folder / "persons.csv",
        folder / "out",
        training=Training(u_max_pairs=1e6),
    )
    return result.model


def member(name, nik="", birth="1980-05-04", sex="P", relationship="head"):
    return {
        "full_name": name,
        "nik": nik,
        "sex": sex,
        "birth_date": birth,
        "relationship": relationship,
    }


@pytest.fixture(scope="module")
def background(tmp_path_factory):
    """A synthetic population of Kabupaten Bogor without duplicates: the people among whom
    a registry's duplicates are found (how common a name is counts)."""
    folder = tmp_path_factory.mktemp("bogor")
    config = SynthConfig(
        persons=800,
        seed=9,
        regencies=("3201",),
        duplicate_rate=0.0,
        invalid_rate=0.0,
        as_of=date(2026, 12, 1),
    )
    write(generate(config), folder)
    return folder


@pytest.fixture(autouse=True)
def _own_media(settings, tmp_path):
    """The models a run keeps go to this test's folder: another test's import must not find
    them."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def registry(household_factory, background):
    """Siti Aminah registered twice (the second time as "Hj. Siti Aminah", without a NIK, in a
    neighbouring village) among the people of a synthetic Bogor and others not alike."""
    import_registry(
        households_path=background / "households.csv",
        persons_path=background / "persons.csv",
        report_path=background / "report.csv",
    )
    first = household_factory(KARADENAN, [member("Siti Aminah", "3201014405800001")])
    again = household_factory(
        PONDOK_RAJEG,
        [
            member("Budi Santoso", "3201010101750001", "1975-01-01", "L"),
            member("Hj. Siti Aminah", relationship="other_relative"),
        ],
    )
    household_factory(KARADENAN, [member("Agus Salim", "3201011203850001", "1985-03-12", "L")])
    household_factory(WANAHERANG, [member("Dewi Lestari", "3201024107920001", "1992-07-01")])
    return first.members.get(), again.members.get(full_name="Hj. Siti Aminah")


def test_a_registry_run_records_the_probable_match_with_its_evidence(registry, model):
    siti, hajjah = registry
    summary = link_registry(model=model)
    assert summary.persons == 805
    assert summary.model_path.exists()
    assert DuplicateCandidate.objects.count() == summary.pairs == summary.new
    pair = DuplicateCandidate.objects.get(person=siti, other=hajjah)
    assert pair.reason == DuplicateCandidate.Reason.LINKAGE
    assert pair.status == DuplicateCandidate.Status.OPEN
    assert pair.match_probability >= 0.9
    assert pair.model_version == summary.model_version
    assert pair.evidence["name"] == 6  # the top level: "same name" once the title is gone
    assert pair.evidence["nik"] == -1  # missing on one side
    # A second run finds the same pairs: nothing new, one row each.
    assert link_registry(model=model).new == 0
    assert DuplicateCandidate.objects.count() == summary.pairs


def test_a_shared_nik_pair_is_scored_in_place(registry, household_factory, model):
    a = household_factory(KARADENAN, [member("Rina Wati", "3201014405800009")])
    b = household_factory(PONDOK_RAJEG, [member("Rina Wati", "3201014405800009")])
    recorded = DuplicateCandidate.objects.get()
    assert recorded.reason == DuplicateCandidate.Reason.SAME_NIK
    link_registry(model=model)
    recorded.refresh_from_db()
    assert {recorded.person, recorded.other} == {a.members.get(), b.members.get()}
    assert recorded.reason == DuplicateCandidate.Reason.SAME_NIK
    assert recorded.match_probability > 0.99
    assert recorded.evidence["nik"] == 1


def test_an_office_reviews_the_pairs_of_its_region_once_with_a_reason(registry, model, make_user):
    link_registry(model=model)
    pair = DuplicateCandidate.objects.get(person=registry[0])
    office = make_user(Role.DISTRICT_OFFICE, "3201")
    with translation.override("en"), pytest.raises(ReviewRefused, match="reason"):
        review_duplicate(office, pair.pk, same_person=True, note="  ")
    reviewed = review_duplicate(office, pair.pk, same_person=True, note="Same KTP seen")
    assert reviewed.status == DuplicateCandidate.Status.SAME_PERSON
    assert (reviewed.reviewed_by, reviewed.review_note) == (office, "Same KTP seen")
    with translation.override("en"), pytest.raises(ReviewRefused, match="already"):
        review_duplicate(office, pair.pk, same_person=False, note="changed my mind")
    elsewhere = make_user(Role.DISTRICT_OFFICE, "3273")
    assert pair not in selectors.review_queue(elsewhere, DuplicateCandidate.Status.SAME_PERSON)
    with pytest.raises(DuplicateCandidate.DoesNotExist):
        review_duplicate(elsewhere, pair.pk, same_person=False, note="x")
    with pytest.raises(PermissionDenied):
        review_duplicate(make_user(Role.SOCIAL_WORKER, "3201"), pair.pk, same_person=1, note="x")


def test_a_pair_across_two_regencies_goes_to_the_province(household_factory, make_user):
    a = household_factory(KARADENAN, [member("Rina Wati", "3201014405800009")])
    b = household_factory(BANDUNG, [member("Rina Wati", "3201014405800009")])
    assert {a.members.get(), b.members.get()} == {
        DuplicateCandidate.objects.get().person,
        DuplicateCandidate.objects.get().other,
    }
    assert not selectors.review_queue(make_user(Role.DISTRICT_OFFICE, "3201"))
    assert not selectors.review_queue(make_user(Role.DISTRICT_OFFICE, "3273"))
    assert selectors.review_queue(make_user(Role.PROVINCIAL_OFFICE, "32")).count() == 1


def test_only_administrators_confirm_in_bulk_above_a_probability(registry, model, make_user):
    link_registry(model=model)
    with pytest.raises(PermissionDenied):
        confirm_above(make_user(Role.DISTRICT_OFFICE, "3201"), 0.9, "sampled")
    admin = make_user(Role.ADMINISTRATOR)
    with pytest.raises(ReviewRefused):
        confirm_above(admin, 0.95, "")
    pair = DuplicateCandidate.objects.get(person=registry[0])
    below = DuplicateCandidate.objects.filter(match_probability__lt=pair.match_probability)
    assert confirm_above(admin, pair.match_probability, "checked a sample of 50") >= 1
    pair.refresh_from_db()
    assert pair.status == DuplicateCandidate.Status.SAME_PERSON
    assert pair.reviewed_by == admin
    assert all(c.status == DuplicateCandidate.Status.OPEN for c in below)


def test_an_import_flags_a_person_already_registered_under_another_id(
    registry, model, background, tmp_path, settings
):
    """A person of the registry sent again by another office: a new id, no NIK, the name in
    capitals, filed in a new household of the same village."""
    settings.SEJAHTERA_LINKAGE_MODEL = str(model)
    with (background / "persons.csv").open(encoding="utf-8") as handle:
        people = list(csv.DictReader(handle))
    names = Counter(p["full_name"] for p in people)
    again = next(
        p for p in people if p["nik"] and names[p["full_name"]] == 1 and " " in p["full_name"]
    )
    with (background / "households.csv").open(encoding="utf-8") as handle:
        village = next(
            h["region_code"]
            for h in csv.DictReader(handle)
            if h["household_id"] == again["household_id"]
        )
    (tmp_path / "households.csv").write_text(
        f"household_id,region_code\nNEW-H1,{village}\n", encoding="utf-8"
    )
    (tmp_path / "persons.csv").write_text(
        "person_id,household_id,nik,full_name,sex,birth_date,relationship\n"
        f"NEW-P1,NEW-H1,,{again['full_name'].upper()},{again['sex']},{again['birth_date']},head\n"
        "NEW-P2,NEW-H1,,Bambang Wijaya Kusuma,L,1979-02-11,spouse\n",
        encoding="utf-8",
    )
    summary = import_registry(
        households_path=tmp_path / "households.csv",
        persons_path=tmp_path / "persons.csv",
        report_path=tmp_path / "report.csv",
    )
    flagged = _rows(tmp_path / "report.csv", "PERSON_POSSIBLE_DUPLICATE")
    assert [row["record_id"] for row in flagged] == ["NEW-P1"]
    assert again["person_id"] in flagged[0]["message"]
    assert summary.possible_duplicates == 1
    # Held before anyone works with it: the second record is no record of the registry yet.
    held = [r["record_id"] for r in _rows(tmp_path / "report.csv", "PERSON_HELD_FOR_REVIEW")]
    assert held == ["NEW-P1"]
    assert summary.held_for_review == 1
    assert not Person.objects.filter(external_id="NEW-P1").exists()
    assert Person.objects.filter(external_id="NEW-P2").exists()
    pair = DuplicateCandidate.objects.get(other=Person.all_objects.get(external_id="NEW-P1"))
    assert pair.person.external_id == again["person_id"]
    assert pair.reason == DuplicateCandidate.Reason.LINKAGE
    # Without a model (no linkage run yet) an import checks nothing more than before.
    settings.SEJAHTERA_LINKAGE_MODEL = ""
    again = import_registry(
        households_path=tmp_path / "households.csv",
        persons_path=tmp_path / "persons.csv",
        report_path=tmp_path / "again.csv",
    )
    assert again.possible_duplicates == 0


def _rows(report, code):
    with report.open(encoding="utf-8") as handle:
        return [row for row in csv.DictReader(handle) if row["code"] == code]


def test_a_held_person_is_released_when_the_pair_is_two_persons(household_factory, make_user):
    siti, again = _held_pair(household_factory)
    office = make_user(Role.DISTRICT_OFFICE, "3201")
    pair = DuplicateCandidate.objects.get()
    review_duplicate(office, pair.pk, same_person=False, note="twins, two KTPs")
    again.refresh_from_db()
    assert not again.held_for_review
    assert Person.objects.filter(pk=again.pk).exists()
    siti.refresh_from_db()
    assert not siti.held_for_review


def test_a_held_person_kept_by_a_merge_is_held_again_by_its_unmerge(household_factory, make_user):
    siti, again = _held_pair(household_factory)
    office = make_user(Role.DISTRICT_OFFICE, "3201")
    pair = DuplicateCandidate.objects.get()
    merge = merge_pair(office, pair.pk, survivor_id=again.pk, note="the newer record is right")
    again.refresh_from_db()
    assert not again.held_for_review
    assert merge.survivor_was_held
    assert list(Person.objects.filter(pk__in=[siti.pk, again.pk])) == [again]
    unmerge(office, merge.pk, note="two sisters after all")
    again.refresh_from_db()
    assert again.held_for_review
    assert list(Person.objects.filter(pk__in=[siti.pk, again.pk])) == [siti]


def _held_pair(household_factory):
    """Siti Aminah registered, then imported again under another id with her NIK: the new
    record is held."""
    siti = household_factory(KARADENAN, [member("Siti Aminah", "3201014405800001")]).members.get()
    run = ImportRun.objects.create(households_file="h.csv")
    again = household_factory(PONDOK_RAJEG, [member("Siti Aminah", "3201014405800001")])
    again.members.update(source_import=run)
    second = again.members.get()
    assert DuplicateCandidate.objects.filter(person=siti, other=second).exists()
    assert hold_imported_duplicates(run) == [second.external_id]
    return siti, second


def test_an_import_whose_check_cannot_run_keeps_its_rows_and_says_so(
    household_factory, tmp_path, settings
):
    household_factory(KARADENAN, [member("Siti Aminah", "3201014405800001")])
    settings.SEJAHTERA_LINKAGE_MODEL = str(tmp_path / "gone.json")
    (tmp_path / "households.csv").write_text(
        "household_id,region_code\nNEW-H1,3201011003\n", encoding="utf-8"
    )
    (tmp_path / "persons.csv").write_text(
        "person_id,household_id,full_name,sex,birth_date,relationship\n"
        "NEW-P1,NEW-H1,Siti Aminah,P,1980-05-04,head\n",
        encoding="utf-8",
    )
    summary = import_registry(
        households_path=tmp_path / "households.csv",
        persons_path=tmp_path / "persons.csv",
        report_path=tmp_path / "report.csv",
    )
    assert summary.persons.created == 1
    assert any("not checked" in warning for warning in summary.file_warnings)
