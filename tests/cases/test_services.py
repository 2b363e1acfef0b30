"""Case services: opening, moves with guards, optimistic locking, graduation, referrals."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection

from sejahtera.accounts import access
from sejahtera.accounts.models import Role
from sejahtera.cases import selectors, services
from sejahtera.cases.graduation import graduation_check
from sejahtera.cases.models import (
    Case,
    CaseEvent,
    FollowUp,
    GraduationRequest,
    MinimumWage,
    Referral,
)
from sejahtera.domain import cases as journey
from sejahtera.domain.cases import GraduationType, Stage
from sejahtera.targeting.models import ManualClusterMembership

from .conftest import TODAY

pytestmark = pytest.mark.django_db


def codes(refused):
    return [f.code for f in refused.value.findings]


def test_opening_a_case_records_the_first_event(case, worker):
    assert case.stage == Stage.REGISTERED
    assert case.region_code == "3201011002"
    [event] = selectors.timeline(case)
    assert (event.kind, event.to_stage, event.actor) == ("opened", "registered", worker)


def test_a_household_has_one_open_case_at_a_time(case, family, worker):
    with pytest.raises(services.TransitionRefused) as refused:
        services.open_case(actor=worker, household=family, social_worker=worker, today=TODAY)
    assert codes(refused) == ["CASE_ALREADY_OPEN"]


def test_the_caseload_limit_holds(settings, family, worker, household_factory):
    settings.SEJAHTERA_JOURNEY = {"caseload_limit": 1}
    services.open_case(actor=worker, household=family, social_worker=worker, today=TODAY)
    other = household_factory(members=[_head("3201014508900002")])
    with pytest.raises(services.TransitionRefused) as refused:
        services.open_case(actor=worker, household=other, social_worker=worker, today=TODAY)
    assert codes(refused) == ["CASE_CASELOAD_FULL"]


def _head(nik):
    return {
        "full_name": "Dewi",
        "sex": "P",
        "birth_date": "1990-08-05",
        "relationship": "head",
        "nik": nik,
    }


def test_rehabilitation_is_refused_without_an_assessment_then_allowed(case, move, assess):
    move(case, Stage.PROTECTION)
    with pytest.raises(services.TransitionRefused) as refused:
        move(case, Stage.REHABILITATION)
    assert codes(refused) == [journey.ASSESSMENT_MISSING]
    assert Case.objects.get(pk=case.pk).version == case.version  # nothing written
    assess(case)
    event = move(case, Stage.REHABILITATION)
    assert (event.from_stage, event.to_stage) == ("protection", "rehabilitation")
    case.refresh_from_db()
    assert case.stage == Stage.REHABILITATION


def test_assessment_clusters_become_manual_memberships(case, assess):
    assess(case, clusters=["PEREMPUAN_RENTAN"])
    membership = ManualClusterMembership.objects.get()
    assert membership.cluster == "PEREMPUAN_RENTAN"
    assert membership.valid_from == TODAY


@pytest.mark.parametrize(
    ("members", "code"),
    [
        ([("head", ("NOT_A_CLUSTER",), {})], "CASE_CLUSTER_UNKNOWN"),
        ([("head", ("PKH",), {})], "CASE_CLUSTER_UNKNOWN"),  # a programme, not a cluster
        ([(None, ("disabilitas",), {})], "CASE_CLUSTER_UNKNOWN"),  # the family's, too
        ([(None, (), {"helth": "diabetes, no insulin"})], "CASE_TOPIC_UNKNOWN"),
        ([("head", (), {"health": "well"}), ("head", (), {"health": "bedridden"})],
         "CASE_MEMBER_TWICE"),
    ],
)  # fmt: skip
def test_an_assessment_is_kept_whole_or_refused_saying_why(case, worker, members, code):
    """A typo in a cluster would be a manual membership no run counts; a topic that is none
    was dropped without a word; one member twice contradicts itself."""
    head = case.household.members.get(relationship="head")
    assessed = [
        services.MemberAssessment(head if who else None, clusters, conditions)
        for who, clusters, conditions in members
    ]
    with pytest.raises(services.TransitionRefused) as refused:
        services.record_assessment(actor=worker, case=case, members=assessed, today=TODAY)
    assert codes(refused) == [code]
    assert not case.assessments.exists()
    assert not ManualClusterMembership.objects.exists()


def test_a_cluster_named_twice_is_one_membership(case, assess):
    assess(case, clusters=["DISABILITAS", "DISABILITAS"])
    assert ManualClusterMembership.objects.get().cluster == "DISABILITAS"
    assert case.assessments.get().clusters == ["DISABILITAS"]


def test_a_forbidden_pair_is_refused(case, move):
    with pytest.raises(services.TransitionRefused) as refused:
        move(case, Stage.GRADUATED)
    assert codes(refused) == [journey.NOT_ALLOWED]


def test_empowerment_needs_a_plan_and_the_event_keeps_the_facts(case, move, worker):
    move(case, Stage.PROTECTION)
    with pytest.raises(services.TransitionRefused) as refused:
        move(case, Stage.EMPOWERMENT)
    assert codes(refused) == [journey.PLAN_MISSING]
    services.write_plan(
        actor=worker,
        case=case,
        kind="empowerment",
        track="business",
        goals="a food stall",
        today=TODAY,
    )
    event = move(case, Stage.EMPOWERMENT)
    assert event.facts["has_empowerment_plan"] is True
    assert event.facts["member_ages"] == [35, 11]


def test_two_moves_from_the_same_version_exactly_one_succeeds(case, worker, supervisor):
    version = case.version
    first = Case.objects.get(pk=case.pk)
    second = Case.objects.get(pk=case.pk)
    services.move_case(
        case=first,
        to_stage=Stage.PROTECTION,
        actor=worker,
        reason="",
        expected_version=version,
        today=TODAY,
    )
    with pytest.raises(services.EditConflict):
        services.move_case(
            case=second,
            to_stage=Stage.CLOSED,
            actor=supervisor,
            reason="duplicate",
            expected_version=version,
            today=TODAY,
        )
    assert Case.objects.get(pk=case.pk).stage == Stage.PROTECTION
    assert CaseEvent.objects.filter(case=case, kind="moved").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_connections_moving_at_once_exactly_one_succeeds(case, worker, supervisor):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the row lock race needs PostgreSQL")
    version = case.version
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt(actor, stage, reason):
        try:
            mine = Case.objects.get(pk=case.pk)
            barrier.wait(timeout=5)
            services.move_case(
                case=mine,
                to_stage=stage,
                actor=actor,
                reason=reason,
                expected_version=version,
                today=TODAY,
            )
            outcomes.append("moved")
        except services.EditConflict:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=attempt, args=(worker, Stage.PROTECTION, "")),
        threading.Thread(target=attempt, args=(supervisor, Stage.CLOSED, "duplicate")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict", "moved"]
    assert Case.objects.get(pk=case.pk).version == version + 1


def test_graduation_needs_the_supervisor_and_then_schedules_follow_ups(
    case, move, worker, supervisor
):
    move(case, Stage.PROTECTION)
    with pytest.raises(services.TransitionRefused) as refused:
        move(case, Stage.GRADUATED)
    assert codes(refused) == [journey.GRADUATION_TYPE_MISSING, journey.APPROVAL_MISSING]
    request = services.propose_graduation(
        actor=worker, case=case, type=GraduationType.MANDIRI, signed_statement=True, today=TODAY
    )
    with pytest.raises(PermissionDenied):  # a worker cannot approve their own proposal
        services.decide_graduation(
            actor=worker, request=request, approve=True, expected_version=case.version, today=TODAY
        )
    case.refresh_from_db()
    services.decide_graduation(
        actor=supervisor, request=request, approve=True, expected_version=case.version, today=TODAY
    )
    case.refresh_from_db()
    assert case.stage == Stage.GRADUATED
    assert list(FollowUp.objects.filter(case=case).values_list("due_on", flat=True)) == [
        date(2026, 6, 2),
        date(2026, 9, 2),
        date(2027, 3, 2),
    ]
    _, [row] = selectors.team(supervisor, TODAY)
    assert (row.worker, row.graduated_this_year, row.target) == (worker, 1, 10)


def test_an_approval_that_fails_another_guard_rolls_back(case, move, worker, supervisor):
    move(case, Stage.PROTECTION)
    request = services.propose_graduation(
        actor=worker, case=case, type=GraduationType.MANDIRI, today=TODAY
    )
    case.refresh_from_db()
    with pytest.raises(services.TransitionRefused) as refused:
        services.decide_graduation(
            actor=supervisor,
            request=request,
            approve=True,
            expected_version=case.version,
            today=TODAY,
        )
    assert codes(refused) == [journey.STATEMENT_MISSING]
    request.refresh_from_db()
    assert request.status == "pending"


def test_referral_lifecycle_allows_termination_and_reentry_keeps_history(
    case, move, worker, supervisor, make_user
):
    partner = make_user("partner_agency", organisation="Kementerian UMKM")
    stranger = make_user("partner_agency", organisation="Other agency")
    move(case, Stage.PROTECTION)
    with pytest.raises(services.TransitionRefused):
        services.send_referral(
            actor=worker,
            case=case,
            programme="KUR_MIKRO",
            consent_method="",
            today=TODAY,
        )
    referral = services.send_referral(
        actor=worker,
        case=case,
        programme="KUR_MIKRO",
        consent_method="signed",
        today=TODAY,
    )
    with pytest.raises(PermissionDenied):
        services.update_referral(actor=stranger, referral=referral, status="accepted", today=TODAY)
    with pytest.raises(services.TransitionRefused):
        services.update_referral(actor=partner, referral=referral, status="completed", today=TODAY)
    services.update_referral(actor=partner, referral=referral, status="accepted", today=TODAY)
    with pytest.raises(services.TransitionRefused) as refused:
        move(case, Stage.TERMINATED)  # before graduating: the supervisor's step, with a reason
    assert codes(refused) == [
        journey.TERMINATION_REASON_MISSING,
        journey.TERMINATION_NOT_BY_SUPERVISOR,
    ]
    move(case, Stage.TERMINATED, actor=supervisor, termination_reason="long_term_care")
    services.update_referral(
        actor=partner, referral=referral, status="completed", outcome="loan granted", today=TODAY
    )
    assert Referral.objects.get().status == "completed"
    move(case, Stage.MONITORING)
    with pytest.raises(services.TransitionRefused) as refused:
        move(case, Stage.PROTECTION)
    assert codes(refused) == [journey.REASON_MISSING]
    event = move(case, Stage.PROTECTION, reason="business failed after the flood")
    assert event.kind == "reentry"
    stages = [e.to_stage for e in selectors.timeline(case) if e.kind in ("moved", "reentry")]
    assert stages == ["protection", "terminated", "monitoring", "protection"]
    assert selectors.reentry_rate(worker) == (1, 1)


def test_partners_see_only_their_referrals_with_minimum_data(case, worker, make_user):
    partner = make_user("partner_agency", organisation="Kementerian UMKM")
    services.send_referral(
        actor=worker,
        case=case,
        programme="KUR_MIKRO",
        consent_method="signed",
        today=TODAY,
    )
    services.send_referral(
        actor=worker,
        case=case,
        programme="PRAKERJA",
        consent_method="signed",
        today=TODAY,
    )
    [referral] = selectors.referrals_for_partner(partner)
    view = selectors.partner_view(referral)
    assert set(view) == {
        "id",
        "name",
        "region_code",
        "region",
        "programme",
        "consent_recorded",
        "consent_by",
        "guardian",
        "status",
        "status_label",
        "sent_on",
        "sent_by",
        "address",
        "outcome",
    }
    assert view["name"] == "Siti Aminah"
    assert selectors.referrals_for_partner(make_user("partner_agency")).count() == 0


def test_who_sees_which_cases(case, worker, supervisor, make_user):
    other_worker = make_user("social_worker", "3201")
    assert list(selectors.cases_for(worker)) == [case]
    assert list(selectors.cases_for(supervisor)) == [case]
    assert list(selectors.cases_for(other_worker)) == []
    assert list(selectors.cases_for(make_user("district_office", "3201"))) == [case]
    assert list(selectors.cases_for(make_user("district_office", "3273"))) == []
    with pytest.raises(PermissionDenied):
        selectors.cases_for(make_user("village_operator", "3201011002"))
    with pytest.raises(PermissionDenied):
        selectors.cases_for(make_user("partner_agency"))


def test_a_worker_cannot_move_someone_elses_case(case, make_user):
    with pytest.raises(PermissionDenied):
        services.move_case(
            case=case,
            to_stage=Stage.PROTECTION,
            actor=make_user("social_worker", "3201"),
            reason="",
            expected_version=case.version,
            today=TODAY,
        )


def test_transfer_to_another_worker(case, supervisor, make_user):
    other = make_user("social_worker", "3201")
    services.assign_case(
        actor=supervisor,
        case=case,
        social_worker=other,
        supervisor=supervisor,
        expected_version=case.version,
        reason="leave",
        today=TODAY,
    )
    assert list(selectors.cases_for(other)) == [case]
    assert case.events.filter(kind="assigned").exists()


def test_pena_capital_is_capped_by_the_rules(case, worker, on_track):
    on_track(case)
    Case.objects.filter(pk=case.pk).update(stage=Stage.EMPOWERMENT)
    case.refresh_from_db()
    services.record_empowerment(
        actor=worker,
        case=case,
        given_on=TODAY,
        capital_items=[{"item": "cart", "value": 4_000_000}],
    )
    with pytest.raises(services.TransitionRefused) as refused:
        services.record_empowerment(
            actor=worker,
            case=case,
            given_on=TODAY,
            capital_items=[{"item": "stove", "value": 2_500_000}],
        )
    assert codes(refused) == ["CASE_PENA_CAPITAL_ABOVE_MAXIMUM"]
    # The refused support wrote nothing, not even on the timeline.
    assert case.empowerment.count() == case.events.filter(kind="empowerment").count() == 1


def test_the_pena_cap_is_that_of_the_rules_in_force(case, worker, on_track):
    from sejahtera.domain.targeting.rules import DEFAULT_RULES_PATH
    from sejahtera.targeting.models import RulesVersion

    text = DEFAULT_RULES_PATH.read_text(encoding="utf-8")
    lower = text.replace("max_capital_amount = 6_000_000", "max_capital_amount = 3_000_000")
    assert lower != text
    RulesVersion.objects.create(
        text=lower, version="2026.9", effective_from=TODAY, note="a lower PENA cap", active=True
    )
    on_track(case)
    Case.objects.filter(pk=case.pk).update(stage=Stage.EMPOWERMENT)
    case.refresh_from_db()
    with pytest.raises(services.TransitionRefused) as refused:
        services.record_empowerment(
            actor=worker,
            case=case,
            given_on=TODAY,
            capital_items=[{"item": "cart", "value": 4_000_000}],
        )
    assert codes(refused) == ["CASE_PENA_CAPITAL_ABOVE_MAXIMUM"]


def test_every_record_is_on_the_timeline(case, worker):
    services.write_plan(
        actor=worker, case=case, kind="rehabilitation", goals="Sekolah lagi", today=TODAY
    )
    assert case.events.filter(kind="plan").count() == 1


@pytest.mark.parametrize(
    ("stage", "allowed"),
    [(Stage.REGISTERED, False), (Stage.PROTECTION, False), (Stage.EMPOWERMENT, True)],
)
def test_pena_support_is_recorded_in_the_empowerment_stage_only(
    case, worker, on_track, stage, allowed
):
    on_track(case)
    Case.objects.filter(pk=case.pk).update(stage=stage)
    case.refresh_from_db()
    if allowed:
        assert services.record_empowerment(actor=worker, case=case, given_on=TODAY).pk
        return
    with pytest.raises(services.TransitionRefused) as refused:
        services.record_empowerment(actor=worker, case=case, given_on=TODAY)
    assert codes(refused) == ["CASE_RECORD_NOT_IN_STAGE"]


def test_atensi_service_needs_an_assessment(case, worker, assess):
    values = {"component": "therapy", "provider_type": "community", "started_on": TODAY}
    with pytest.raises(services.TransitionRefused):
        services.record_service(actor=worker, case=case, **values)
    assess(case)
    assert services.record_service(actor=worker, case=case, **values).pk


def test_income_above_the_regencys_umk_for_four_months_proposes_graduation(case, worker):
    MinimumWage.objects.create(
        region_id="3201", year=2026, amount=4_900_000, kind="UMK", instrument="Kepgub test"
    )
    for month in (1, 2, 3, 4):
        services.record_income(
            actor=worker, case=case, month=date(2026, month, 15), amount=5_000_000
        )
    assert not graduation_check(case, TODAY).proposal.candidate  # registered: not yet served
    type(case).objects.filter(pk=case.pk).update(stage="protection")
    case.refresh_from_db()
    outlook = graduation_check(case, TODAY).proposal
    assert outlook.candidate
    assert outlook.reasons[0].params == {"wage": 4_900_000, "months": 4}
    MinimumWage.objects.filter().update(amount=5_000_000)
    assert not graduation_check(case, TODAY).proposal.candidate


def test_my_work_lists_due_and_overdue_follow_ups(case, worker):
    FollowUp.objects.create(case=case, due_on=date(2026, 2, 1))
    FollowUp.objects.create(case=case, due_on=date(2026, 3, 20))
    FollowUp.objects.create(case=case, due_on=date(2026, 9, 1))
    work = selectors.my_work(worker, TODAY)
    assert [f.due_on for f in work.overdue_follow_ups] == [date(2026, 2, 1)]
    assert [f.due_on for f in work.due_follow_ups] == [date(2026, 3, 20)]
    assert work.by_stage == {"registered": 1}


def test_a_case_moves_with_its_household_by_an_edit_or_an_import(case, family, make_user, tmp_path):
    """The case is read within its household's region: when the family moves to another
    regency, the new district office reads it and the old one no longer does."""
    import csv

    from sejahtera.domain.registry_format import HOUSEHOLD_COLUMN_NAMES
    from sejahtera.registry.services import records
    from sejahtera.registry.services.importing import import_registry

    bandung, sukabumi = "3273011001", "3202011001"
    records.update_household(
        actor=make_user(Role.ADMINISTRATOR),
        household=family,
        cells={**records.household_cells(family), "region_code": bandung},
        expected_version=family.version,
    )
    case.refresh_from_db()
    assert case.region_code == bandung
    assert Case.objects.filter(access.case_filter(make_user(Role.DISTRICT_OFFICE, "3273"))).get()
    assert not Case.objects.filter(access.case_filter(make_user(Role.DISTRICT_OFFICE, "3201")))

    family.refresh_from_db()
    households = tmp_path / "households.csv"
    with households.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=HOUSEHOLD_COLUMN_NAMES, restval="")
        writer.writeheader()
        writer.writerow({**records.household_cells(family), "region_code": sukabumi})
    assert import_registry(households_path=households).households.updated == 1
    case.refresh_from_db()
    assert case.region_code == sukabumi


def test_the_database_keeps_one_pending_graduation_per_case(case, worker, move):
    """A second pending proposal written behind the services' back is refused."""
    from django.db import IntegrityError, transaction

    move(case, Stage.PROTECTION)
    first = services.propose_graduation(
        actor=worker, case=case, type=GraduationType.MANDIRI, signed_statement=True, today=TODAY
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        GraduationRequest.objects.create(
            case=case, type=first.type, proposed_by=worker, proposed_on=TODAY
        )
