"""Objections to an automated decision: taken in, reviewed by another person, and an overturned
decision deciding later runs until the facts change."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from sejahtera.accounts.models import Role
from sejahtera.domain.findings import StepRefused
from sejahtera.domain.participation import parse_tracking_number
from sejahtera.registry.models import Person
from sejahtera.registry.services.records import household_cells, update_household
from sejahtera.targeting.models import Decision, DecisionReview
from sejahtera.targeting.reviews import decide_review, request_review, reviews_for, take_in
from sejahtera.targeting.services import run_targeting_for_registry

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 7, 1)
BOGOR_VILLAGE = "3201011002"


@pytest.fixture
def staff(make_user):
    return {
        "clerk": make_user(Role.VILLAGE_OPERATOR, BOGOR_VILLAGE),
        "office": make_user(Role.DISTRICT_OFFICE, "3201"),
        "other_office": make_user(Role.DISTRICT_OFFICE, "3273"),
    }


def sembako(run, household) -> Decision:
    return Decision.objects.get(run=run, household=household, programme="SEMBAKO")


def objection(staff, decision, **kwargs) -> DecisionReview:
    fields = {
        "requester_name": "Rudi 0",
        "requester_nik": "",
        "grounds": "Mobil itu milik majikan; saya sopir, gaji tidak cukup",
    } | kwargs
    return request_review(actor=staff["clerk"], decision=decision, **fields)


def test_an_overturned_decision_decides_later_runs_until_the_facts_change(population, staff):
    rich = population["rich"][0]
    first = run_targeting_for_registry(AS_OF)
    assert not sembako(first, rich).eligible

    review = objection(staff, sembako(first, rich))
    assert review.status == DecisionReview.Status.OPEN
    assert parse_tracking_number(review.tracking_number)[0] == "decision_review"
    assert review.reasons_by_rules == sembako(first, rich).reasons
    decided = decide_review(
        actor=staff["office"], review=review, overturn=True, note="Dikunjungi: mobil majikan"
    )
    assert decided.status == DecisionReview.Status.OVERTURNED
    assert decided.verdict_eligible is True

    second = run_targeting_for_registry(AS_OF)
    reviewed = sembako(second, rich)
    assert reviewed.eligible
    assert reviewed.monthly_amount == 200_000
    assert reviewed.reasons[-1] == f"REVIEWED_ELIGIBLE:{review.tracking_number}"
    # A what-if run reads the verdict too, and ends nothing.
    update_household(
        actor=staff["office"],
        household=rich,
        cells=household_cells(rich) | {"floor_area_m2": "180"},
        expected_version=rich.version,
    )
    what_if = run_targeting_for_registry(AS_OF, simulation=True)
    assert not sembako(what_if, rich).eligible
    review.refresh_from_db()
    assert review.lapsed_in_run is None

    # The household was edited since the review: the next run ends the verdict.
    third = run_targeting_for_registry(AS_OF)
    assert not sembako(third, rich).eligible
    review.refresh_from_db()
    assert review.lapsed_in_run == third.pk
    # The facts changed, so the person may object again.
    assert objection(staff, sembako(third, rich)).status == DecisionReview.Status.OPEN


def test_an_upheld_decision_stands(population, staff):
    rich = population["rich"][1]
    first = run_targeting_for_registry(AS_OF)
    review = objection(staff, sembako(first, rich))
    decide_review(actor=staff["office"], review=review, overturn=False, note="Data benar")
    review.refresh_from_db()
    assert review.verdict_eligible is False
    assert not sembako(run_targeting_for_registry(AS_OF), rich).eligible


def test_what_cannot_be_reviewed_is_refused_with_the_reason(population, staff):
    rich = population["rich"][2]
    first = run_targeting_for_registry(AS_OF)
    decision = sembako(first, rich)
    with pytest.raises(StepRefused) as refused:
        objection(staff, decision, grounds=" ", requester_name="")
    assert {f.column for f in refused.value.findings} == {"grounds", "requester_name"}

    objection(staff, decision)
    with pytest.raises(StepRefused, match="already awaiting a reviewer"):
        objection(staff, decision)

    run_targeting_for_registry(AS_OF)
    with pytest.raises(StepRefused, match="current targeting run"):
        objection(staff, sembako(first, population["rich"][3]))

    poor = population["poor"][0]
    limited = Decision.objects.get(run=first, household=poor, programme="SEMBAKO")
    Decision.objects.filter(pk=limited.pk).update(eligible=False, limited_by="quota")
    limited.refresh_from_db()
    with pytest.raises(StepRefused):
        objection(staff, limited)


def test_the_reviewer_is_another_person_in_the_region(population, staff, make_user):
    first = run_targeting_for_registry(AS_OF)
    admin = make_user(Role.ADMINISTRATOR)
    review = request_review(
        actor=admin,
        decision=sembako(first, population["rich"][4]),
        requester_name="Rudi 4",
        requester_nik="",
        grounds="Penghasilan turun",
    )
    with pytest.raises(StepRefused, match="took in the objection"):
        decide_review(actor=admin, review=review, overturn=True, note="ok")
    with pytest.raises(PermissionDenied):
        decide_review(actor=staff["other_office"], review=review, overturn=True, note="ok")
    with pytest.raises(PermissionDenied):
        decide_review(actor=staff["clerk"], review=review, overturn=True, note="ok")
    with pytest.raises(StepRefused, match="reasons of your verdict"):
        decide_review(actor=staff["office"], review=review, overturn=True, note=" ")
    decided = decide_review(actor=staff["office"], review=review, overturn=True, note="Dicek")
    with pytest.raises(StepRefused, match="decided or not yet taken in"):
        decide_review(actor=staff["office"], review=review, overturn=False, note="lagi")
    # one standing verdict per decision, whatever a caller does
    with pytest.raises(StepRefused, match="until the facts change"):
        objection(staff, sembako(first, population["rich"][4]))
    with pytest.raises(IntegrityError), transaction.atomic():
        DecisionReview.objects.create(
            **{
                f.attname: getattr(decided, f.attname)
                for f in DecisionReview._meta.concrete_fields
                if f.attname not in ("id", "tracking_number")
            }
        )


def test_only_staff_of_the_region_take_and_read_objections(population, staff, make_user):
    first = run_targeting_for_registry(AS_OF)
    decision = sembako(first, population["rich"][5])
    for outsider in (
        make_user(Role.VILLAGE_OPERATOR, "3273011001"),
        make_user(Role.MINISTRY_ANALYST),
        make_user(Role.AUDITOR),
    ):
        with pytest.raises(PermissionDenied):
            objection({"clerk": outsider}, decision)
    review = objection(staff, decision)
    assert list(reviews_for(staff["office"])) == [review]
    assert list(reviews_for(staff["other_office"])) == []
    with pytest.raises(PermissionDenied):
        reviews_for(make_user(Role.MINISTRY_ANALYST))


def test_the_participation_report_counts_outcomes_per_programme(population, staff, make_user):
    from sejahtera.grievances.reports import decision_reviews_by_programme

    first = run_targeting_for_registry(AS_OF)
    for i, overturn in enumerate((True, False, None)):
        review = objection(staff, sembako(first, population["rich"][i]))
        if overturn is not None:
            decide_review(actor=staff["office"], review=review, overturn=overturn, note="Dicek")
    table = decision_reviews_by_programme(make_user(Role.MINISTRY_ANALYST), AS_OF)
    assert table.columns == (
        "programme",
        "received",
        "open",
        "upheld",
        "overturned",
        "overturn_rate",
        "median_days_to_review",
    )
    assert table.rows == [("SEMBAKO", 0, 1, 1, 1, 0.5, 0)]
    elsewhere = make_user(Role.DISTRICT_OFFICE, "3273")
    assert decision_reviews_by_programme(elsewhere, AS_OF).rows == []


def test_the_figures_hide_atensi_objections_from_roles_without_specific_data(
    population, staff, make_user
):
    from sejahtera.grievances.reports import decision_reviews_by_programme

    first = run_targeting_for_registry(AS_OF)
    poor = population["poor"][0]
    atensi = Decision.objects.filter(run=first, household=poor, programme="ATENSI").first()
    request_review(
        actor=staff["clerk"], decision=atensi, requester_name="Siti 0", requester_nik="",
        grounds="tidak butuh",
    )  # fmt: skip
    office_rows = decision_reviews_by_programme(staff["office"], AS_OF).rows
    analyst_rows = decision_reviews_by_programme(make_user(Role.MINISTRY_ANALYST), AS_OF).rows
    assert [row[0] for row in office_rows] == ["ATENSI"]
    assert analyst_rows == []


def test_a_verdict_is_given_on_the_facts_objected_to(population, staff):
    """Edited after the objection, the household is decided by the next run on its new
    facts: the reviewer may uphold, not overturn. A name, or an edit undone, changes nothing
    the engine decides on."""
    rich = population["rich"][0]
    first = run_targeting_for_registry(AS_OF)
    review = objection(staff, sembako(first, rich))
    cells = household_cells(rich)
    bigger = cells | {"floor_area_m2": "400"}
    update_household(
        actor=staff["office"], household=rich, cells=bigger, expected_version=rich.version
    )
    with pytest.raises(StepRefused, match="changed after the objection"):
        decide_review(actor=staff["office"], review=review, overturn=True, note="Dicek")
    rich.refresh_from_db()
    update_household(actor=staff["office"], household=rich, cells=cells | {"address": "Jl. Lain"},
                     expected_version=rich.version)  # fmt: skip
    decided = decide_review(actor=staff["office"], review=review, overturn=True, note="Dicek")
    assert decided.status == DecisionReview.Status.OVERTURNED
    assert sembako(run_targeting_for_registry(AS_OF), rich).eligible


def test_a_verdict_ends_when_it_grows_old(population, staff, settings):
    settings.SEJAHTERA_VERDICT_DAYS = 30
    rich = population["rich"][1]
    first = run_targeting_for_registry(AS_OF)
    review = objection(staff, sembako(first, rich))
    decide_review(actor=staff["office"], review=review, overturn=True, note="Dicek")
    later = run_targeting_for_registry(date.today() + timedelta(days=31))
    review.refresh_from_db()
    assert review.lapsed_in_run == later.pk
    assert not sembako(later, rich).eligible


def test_who_may_object_and_for_whom(population, staff, make_user):
    first = run_targeting_for_registry(AS_OF)
    rich = population["rich"][2]
    with pytest.raises(StepRefused) as refused:
        objection(staff, sembako(first, rich), requester_nik="3201016007850002")
    assert [f.code for f in refused.value.findings] == ["REQUESTER_NOT_SUBJECT"]
    head = rich.members.get(relationship="head")
    assert objection(staff, sembako(first, rich), requester_nik=head.nik or "").pk
    # a person who died is not objected for
    poor = population["poor"][0]
    child = poor.members.exclude(relationship="head").first()
    Person.objects.filter(pk=child.pk).update(deceased_date=date(2026, 6, 1))
    pbi = Decision.objects.get(run=first, person=child, programme="PBI_JK")
    with pytest.raises(StepRefused, match="has died"):
        objection(staff, pbi, requester_nik="")


def test_no_overturn_into_a_decision_that_pays_nothing(population, staff):
    first = run_targeting_for_registry(AS_OF)
    rich = population["rich"][3]  # one civil servant, no member PKH pays for
    pkh = Decision.objects.get(run=first, household=rich, programme="PKH")
    review = objection(staff, pkh, requester_nik="")
    with pytest.raises(StepRefused, match="pay nothing"):
        decide_review(actor=staff["office"], review=review, overturn=True, note="Dicek")


def test_a_public_objection_is_taken_in_before_anyone_reviews_it(population, staff):
    first = run_targeting_for_registry(AS_OF)
    review = request_review(
        actor=None, decision=sembako(first, population["rich"][4]), requester_name="Rudi 4",
        requester_nik="", grounds="Penghasilan turun",
    )  # fmt: skip
    assert review.status == DecisionReview.Status.RECEIVED
    with pytest.raises(StepRefused, match="not yet taken in"):
        decide_review(actor=staff["office"], review=review, overturn=True, note="Dicek")
    taken = take_in(actor=staff["office"], review=review)
    assert (taken.status, taken.filed_by) == (DecisionReview.Status.OPEN, staff["office"])
    # the office that took it in does not decide it: another person does
    with pytest.raises(StepRefused, match="took in the objection"):
        decide_review(actor=staff["office"], review=taken, overturn=True, note="Dicek")
    with pytest.raises(StepRefused, match="already taken in"):
        take_in(actor=staff["clerk"], review=taken)


def test_a_public_objection_to_a_quota_cut_is_filed_and_upheld(population, staff, make_user):
    """The public page files an objection to a place a quota cut (refusing it would tell whoever
    knows a NIK and a name that the rules found the person eligible); the reviewer upholds it,
    and may not overturn it."""
    first = run_targeting_for_registry(AS_OF)
    limited = sembako(first, population["poor"][0])
    Decision.objects.filter(pk=limited.pk).update(eligible=False, limited_by="quota")
    limited.refresh_from_db()
    review = request_review(
        actor=None, decision=limited, requester_name="Rudi 0", requester_nik="",
        grounds="Kami miskin",
    )  # fmt: skip
    taken = take_in(actor=staff["office"], review=review)
    reviewer = make_user(Role.DISTRICT_OFFICE, "3201")
    with pytest.raises(StepRefused, match="quota or the budget"):
        decide_review(actor=reviewer, review=taken, overturn=True, note="Dicek")
    upheld = decide_review(actor=reviewer, review=taken, overturn=False, note="Menunggu kuota")
    assert upheld.status == DecisionReview.Status.UPHELD


def test_the_facts_digest_is_keyed_and_old_plain_digests_are_carried_over(population, staff):
    # the facts hold specific data: an unkeyed digest in a dump could be matched by trying
    # values (decision 0020)
    import hashlib
    import importlib

    from django.utils.crypto import salted_hmac

    from sejahtera.targeting.reviews import FACTS_SALT, facts_contents, facts_digests

    rich = population["rich"][0]
    review = objection(staff, sembako(run_targeting_for_registry(AS_OF), rich))
    content = facts_contents([rich.pk])[rich.pk]
    plain = hashlib.sha256(content.encode()).hexdigest()
    assert review.facts not in ("", plain)
    assert review.facts == salted_hmac(FACTS_SALT, content, algorithm="sha256").hexdigest()
    other_key = salted_hmac(FACTS_SALT, content, secret="another", algorithm="sha256")
    assert other_key.hexdigest() != review.facts

    # migration 0008 turns a digest of unchanged facts into the keyed one, and no other
    migration = importlib.import_module("sejahtera.targeting.migrations.0008_facts_digests_keyed")
    DecisionReview.objects.filter(pk=review.pk).update(facts=plain)
    stale = objection(staff, sembako(run_targeting_for_registry(AS_OF), population["rich"][1]))
    DecisionReview.objects.filter(pk=stale.pk).update(facts="0" * 64)
    from django.apps import apps

    migration._redigest(migration._plain, migration._keyed)(apps, None)
    assert DecisionReview.objects.get(pk=review.pk).facts == facts_digests([rich.pk])[rich.pk]
    assert DecisionReview.objects.get(pk=stale.pk).facts == "0" * 64
