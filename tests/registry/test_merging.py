"""Merging the two records of one person and undoing it: what moves, what stays, and an
unmerge that puts every row back exactly."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.forms.models import model_to_dict
from django.utils import timezone

from sejahtera.accounts.models import Role
from sejahtera.cases import services as cases
from sejahtera.programmes.models import Decree, Enrolment
from sejahtera.registry.models import (
    ChangeRecord,
    DuplicateCandidate,
    Household,
    Person,
    PersonMerge,
)
from sejahtera.registry.selectors import change_history_of_persons
from sejahtera.registry.services.deduplication import (
    ReviewRefused,
    merge_pair,
    person_links,
    review_duplicate,
    unmerge,
)
from sejahtera.registry.services.records import update_person
from sejahtera.targeting.models import Decision, PersonCluster, TargetingRun
from sejahtera.targeting.selectors import latest_run

pytestmark = pytest.mark.django_db
KARADENAN, PONDOK_RAJEG = "3201011002", "3201011001"
TODAY = date(2026, 12, 1)


def member(name, nik, relationship="head"):
    return {
        "full_name": name,
        "nik": nik,
        "sex": "P",
        "birth_date": "1980-05-04",
        "relationship": relationship,
    }


@pytest.fixture
def world(household_factory, make_user, served_case):
    """Siti registered in two households; the second record has a case with an assessment
    (and so a manual cluster membership), an edit in its history and a decision of a run."""
    kept_home = household_factory(KARADENAN, [member("Siti Aminah", "3201014405800001")])
    other_home = household_factory(
        PONDOK_RAJEG,
        [
            member("Rahmat", "3201010101750001"),
            member("Siti Aminah", "3201014405800002", "other_relative"),
        ],
    )
    kept = kept_home.members.get()
    duplicate = other_home.members.get(full_name="Siti Aminah")
    worker = make_user(Role.SOCIAL_WORKER, "3201")
    case = served_case(other_home, worker, make_user(Role.SUPERVISOR, "3201"), today=TODAY)
    cases.record_assessment(
        actor=worker,
        case=case,
        members=[cases.MemberAssessment(duplicate, ("PEREMPUAN_RENTAN",), {"work": "none"})],
        today=TODAY,
    )
    admin = make_user(Role.ADMINISTRATOR)
    update_person(
        actor=admin,
        person=duplicate,
        cells={
            **member("Siti Aminah", "3201014405800002", "other_relative"),
            "birth_place": "Bogor",
        },
        expected_version=duplicate.version,
    )
    earlier, run = (
        TargetingRun.objects.create(
            as_of=TODAY, rules_text="", status="completed", finished_at=timezone.now() - age
        )
        for age in (timedelta(days=30), timedelta(0))
    )
    for each in (earlier, run):
        Decision.objects.create(
            run=each,
            household=other_home,
            person=duplicate,
            region_code=PONDOK_RAJEG,
            programme="PBI_JK",
            eligible=True,
        )
        PersonCluster.objects.create(
            run=each,
            person=duplicate,
            household=other_home,
            region_code=PONDOK_RAJEG,
            cluster="PEREMPUAN_RENTAN",
        )
    # Kept has her own decision of the current run for ATENSI: the duplicate's stays.
    for person, home in ((kept, kept_home), (duplicate, other_home)):
        Decision.objects.create(
            run=run,
            household=home,
            person=person,
            region_code=home.village_id,
            programme="ATENSI",
            eligible=False,
        )
    decree = Decree.objects.create(
        programme="PBI_JK", period_start=TODAY, run=earlier, prepared_by=admin
    )
    for ended_on in (date(2026, 6, 1), None):
        Enrolment.objects.create(
            programme="PBI_JK",
            subject=f"P{duplicate.pk}",
            household=other_home,
            person=duplicate,
            region_code=PONDOK_RAJEG,
            started_on=date(2026, 1, 1),
            ended_on=ended_on,
            start_decree=decree,
        )
    candidate = DuplicateCandidate.objects.create(
        person=min(kept, duplicate, key=lambda p: p.pk),
        other=max(kept, duplicate, key=lambda p: p.pk),
        reason=DuplicateCandidate.Reason.LINKAGE,
        match_probability=0.97,
    )
    return kept, duplicate, candidate, make_user(Role.DISTRICT_OFFICE, "3201")


def snapshot() -> dict[str, list[dict]]:
    """Every row of every table that holds a person, as it is."""
    tables = {m._meta.label_lower: m for m, _ in person_links()} | {
        "targeting.decision": Decision,
        "targeting.personcluster": PersonCluster,
        "programmes.enrolment": Enrolment,
        "registry.person": Person,
        "registry.changerecord": ChangeRecord,
    }
    return {
        label: [model_to_dict(row) for row in model._base_manager.order_by("pk")]
        for label, model in tables.items()
    }


def test_merge_moves_what_is_about_the_person_and_unmerge_restores_every_row(world):
    kept, duplicate, candidate, office = world
    before = snapshot()
    merge = merge_pair(office, candidate.pk, survivor_id=kept.pk, note="same KTP")

    moved = {m["table"] for m in merge.moves}
    assert {"cases.assessment", "targeting.manualclustermembership"} <= moved
    # The audit trail is append-only: the edit stays where it was made, and shows as the kept
    # person's.
    assert "registry.changerecord" not in moved
    both = ChangeRecord.objects.filter(entity="person", record_id__in=[kept.pk, duplicate.pk])
    assert both.filter(record_id=duplicate.pk).exists()
    assert set(change_history_of_persons([kept.pk])) == set(both)
    assert not merge.kept
    assert not Person.objects.filter(pk=duplicate.pk).exists()  # hidden from every read
    assert Person.all_objects.get(pk=duplicate.pk).merged_into == kept  # and recoverable
    assert list(Household.objects.get(pk=duplicate.household_id).members.all()) == [
        Person.objects.get(full_name="Rahmat")
    ]
    # What is about the person now follows: the current run's decision and cluster, and the
    # open enrolment, under the kept record's subject; earlier runs, ended enrolments and a
    # decision the kept record has its own of stay as the record of their day.
    now = Decision.objects.filter(run=latest_run())
    assert set(now.values_list("programme", "person", "household", "region_code")) == {
        ("PBI_JK", kept.pk, duplicate.household_id, PONDOK_RAJEG),  # as the run scored it
        ("ATENSI", kept.pk, kept.household_id, KARADENAN),
        ("ATENSI", duplicate.pk, duplicate.household_id, PONDOK_RAJEG),
    }
    assert Decision.objects.exclude(run=latest_run()).get().person == duplicate
    assert {c.run_id: c.person for c in PersonCluster.objects.all()} == {
        latest_run().pk: kept,
        Decision.objects.exclude(run=latest_run()).get().run_id: duplicate,
    }
    assert set(Enrolment.objects.values_list("subject", "person", "ended_on")) == {
        (f"P{kept.pk}", kept.pk, None),
        (f"P{duplicate.pk}", duplicate.pk, date(2026, 6, 1)),
    }
    candidate.refresh_from_db()
    assert candidate.status == DuplicateCandidate.Status.SAME_PERSON

    unmerge(office, merge.pk, note="two sisters after all")
    assert snapshot() == before
    candidate.refresh_from_db()
    assert candidate.status == DuplicateCandidate.Status.OPEN
    merge.refresh_from_db()
    assert (merge.unmerged_by, merge.unmerge_note) == (office, "two sisters after all")


def test_merge_refuses_a_pair_reviewed_as_two_persons_and_a_second_merge(world, make_user):
    kept, duplicate, candidate, office = world
    with pytest.raises(ReviewRefused):
        merge_pair(office, candidate.pk, survivor_id=kept.pk, note="  ")
    with pytest.raises(ReviewRefused):
        merge_pair(office, candidate.pk, survivor_id=999_999, note="wrong person")
    merge = merge_pair(office, candidate.pk, survivor_id=duplicate.pk, note="the newer card")
    assert merge.merged == kept
    with pytest.raises(ReviewRefused):
        merge_pair(office, candidate.pk, survivor_id=duplicate.pk, note="again")
    with pytest.raises(ReviewRefused):
        unmerge(office, merge.pk, note="")
    unmerge(office, merge.pk, note="wrong")
    with pytest.raises(ReviewRefused):
        unmerge(office, merge.pk, note="twice")
    review_duplicate(office, candidate.pk, same_person=False, note="sisters")
    with pytest.raises(ReviewRefused):
        merge_pair(office, candidate.pk, survivor_id=kept.pk, note="after all")
    assert PersonMerge.objects.count() == 1


def test_an_office_elsewhere_cannot_merge_or_unmerge(world, make_user):
    kept, _duplicate, candidate, office = world
    elsewhere = make_user(Role.DISTRICT_OFFICE, "3273")
    with pytest.raises(DuplicateCandidate.DoesNotExist):
        merge_pair(elsewhere, candidate.pk, survivor_id=kept.pk, note="x")
    merge = merge_pair(office, candidate.pk, survivor_id=kept.pk, note="same KTP")
    with pytest.raises(PersonMerge.DoesNotExist):
        unmerge(elsewhere, merge.pk, note="x")
