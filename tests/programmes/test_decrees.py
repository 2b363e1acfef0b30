"""Decrees: a draft is a diff against the current enrolments; a second person approves it and
the enrolments follow in one transaction; graduation frees a place for the next waiting family."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import IntegrityError, transaction

from sejahtera.accounts.models import Role
from sejahtera.cases import services as cases
from sejahtera.domain.cases import GraduationType
from sejahtera.domain.delivery import FourEyesViolation
from sejahtera.programmes import services
from sejahtera.programmes.models import Decree, DecreeLine, Enrolment
from sejahtera.targeting.models import Decision
from sejahtera.targeting.services import run_targeting_for_registry

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 7, 1)
Q3, Q4 = date(2026, 7, 1), date(2026, 10, 1)


def changes(decree: Decree) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in DecreeLine.objects.filter(decree=decree).order_by("subject"):
        found.setdefault(line.change, []).append(line.subject)
    return found


def enrol(manager, approver, run, period=Q3, programme="SEMBAKO") -> Decree:
    draft = services.prepare_decree(manager, programme, period, run)
    return services.approve_decree(approver, draft)


def test_a_first_decree_enrols_everyone_the_run_finds_eligible(manager, approver, population):
    run = run_targeting_for_registry(AS_OF)
    eligible = Decision.objects.filter(run=run, programme="SEMBAKO", eligible=True)
    draft = services.prepare_decree(manager, "SEMBAKO", Q3, run)
    assert draft.totals["by_change"]["new"] == eligible.count() > 0
    assert not Enrolment.objects.exists()  # a draft changes nothing

    services.approve_decree(approver, draft)
    enrolled = Enrolment.objects.filter(programme="SEMBAKO", ended_on=None)
    assert {e.household_id for e in enrolled} == {d.household_id for d in eligible}
    assert {e.monthly_amount for e in enrolled} == {200_000}


def test_the_preparer_cannot_approve_and_a_decree_is_approved_once(manager, approver, population):
    run = run_targeting_for_registry(AS_OF)
    draft = services.prepare_decree(manager, "SEMBAKO", Q3, run)
    with pytest.raises(FourEyesViolation):
        services.approve_decree(manager, draft)
    services.approve_decree(approver, draft)
    with pytest.raises(services.DecreeRefused, match="not a draft"):
        services.approve_decree(approver, draft)
    assert Enrolment.objects.count() == draft.totals["by_change"]["new"]


def test_a_rejection_needs_a_reason_and_enrols_nobody(manager, approver, population):
    draft = services.prepare_decree(manager, "SEMBAKO", Q3, run_targeting_for_registry(AS_OF))
    with pytest.raises(services.DecreeRefused, match="reason"):
        services.reject_decree(approver, draft, "  ")
    services.reject_decree(approver, draft, "budget not yet released")
    draft.refresh_from_db()
    assert draft.status == Decree.Status.REJECTED
    assert not Enrolment.objects.exists()


def test_a_decree_starts_after_the_one_in_force(manager, approver, population):
    """A decree for an earlier period would end its leaving families' enrolments on a day
    before they started."""
    run = run_targeting_for_registry(AS_OF)
    enrol(manager, approver, run, period=Q4)
    for earlier in (Q3, Q4):
        with pytest.raises(services.DecreeRefused, match="2026-10-01"):
            services.prepare_decree(manager, "SEMBAKO", earlier, run)
    assert Decree.objects.count() == 1
    services.prepare_decree(manager, "SEMBAKO", date(2027, 1, 1), run)


@pytest.mark.parametrize(
    "start", [date(2026, 7, 15), date(9999, 12, 31), date(9999, 12, 1), date(1, 1, 1)]
)
def test_a_decree_starts_on_the_first_of_a_month_near_today(manager, population, start):
    """Its enrolments start that day, as cycles do: on the first of a month, not years away."""
    run = run_targeting_for_registry(AS_OF)
    with pytest.raises(services.DecreeRefused, match=start.isoformat()):
        services.prepare_decree(manager, "SEMBAKO", start, run)
    assert not Decree.objects.exists()


def test_only_its_preparer_withdraws_a_draft_and_then_nobody_approves_it(
    client, manager, approver, population
):
    """A draft prepared from the wrong run, or left behind by another approval, is taken back
    by its preparer instead of staying "draft" for ever."""
    draft = services.prepare_decree(manager, "SEMBAKO", Q3, run_targeting_for_registry(AS_OF))
    client.force_login(approver)
    page = client.get(f"/programmes/decrees/{draft.pk}/").content.decode()
    assert 'value="withdraw"' not in page
    client.post(f"/programmes/decrees/{draft.pk}/decide/", {"decision": "withdraw"})
    draft.refresh_from_db()
    assert draft.status == Decree.Status.DRAFT
    with pytest.raises(services.DecreeRefused, match="preparer"):
        services.withdraw_decree(approver, draft)

    client.force_login(manager)
    page = client.get(f"/programmes/decrees/{draft.pk}/").content.decode()
    assert 'value="withdraw"' in page
    assert "data-confirm" in page
    client.post(f"/programmes/decrees/{draft.pk}/decide/", {"decision": "withdraw"})
    draft.refresh_from_db()
    assert (draft.status, draft.decided_by) == (Decree.Status.WITHDRAWN, manager)
    with pytest.raises(services.DecreeRefused, match="not a draft"):
        services.approve_decree(approver, draft)
    with pytest.raises(services.DecreeRefused, match="not a draft"):
        services.withdraw_decree(manager, draft)
    assert not Enrolment.objects.exists()
    assert 'value="withdraw"' not in client.get(f"/programmes/decrees/{draft.pk}/").content.decode()


def test_the_next_decree_is_a_diff_with_reasons(manager, approver, population):
    first_run = run_targeting_for_registry(AS_OF)
    enrol(manager, approver, first_run)
    bogor = Enrolment.objects.filter(region_code__startswith="3201").order_by("household_id")
    leaver, dead = (enrolment.household for enrolment in bogor[:2])
    dead.members.update(deceased_date=date(2026, 8, 1))
    # The new run gives Bandung no place: its families leave by the limit.
    run = run_targeting_for_registry(AS_OF, limits={"SEMBAKO": {"quotas": {"3273": 0}}})
    Decision.objects.filter(run=run, household=leaver, programme="SEMBAKO").update(eligible=False)
    draft = services.prepare_decree(manager, "SEMBAKO", Q4, run)

    lines = {line.subject: line for line in DecreeLine.objects.filter(decree=draft)}
    assert lines[f"H{leaver.pk}"].change == "leaving"
    assert lines[f"H{leaver.pk}"].reason == "not_eligible"
    assert lines[f"H{dead.pk}"].change == "leaving"
    assert lines[f"H{dead.pk}"].reason == "deceased"
    bandung_enrolled = Enrolment.objects.filter(region_code__startswith="3273").count()
    bandung_cut = [line for line in lines.values() if line.reason == "limit"]
    assert len(bandung_cut) == bandung_enrolled > 0
    assert draft.totals["by_change"]["continuing"] > 0

    services.approve_decree(approver, draft)
    ended = Enrolment.objects.get(subject=f"H{dead.pk}")
    assert (ended.status, ended.ended_on, ended.end_reason) == ("ended", Q4, "deceased")
    assert not Enrolment.objects.filter(subject=f"H{leaver.pk}", ended_on=None).exists()


def test_a_graduated_family_frees_its_place_for_the_first_waiting_family(
    manager, approver, make_user, served_case, population
):
    limits = {"SEMBAKO": {"quotas": {"3201": 4}}}
    run = run_targeting_for_registry(AS_OF, limits=limits)
    enrol(manager, approver, run)
    enrolled = set(
        Enrolment.objects.filter(region_code__startswith="3201").values_list(
            "household_id", flat=True
        )
    )
    assert len(enrolled) == 4
    graduate = population["poor"][0]
    assert graduate.pk in enrolled
    _graduate(make_user, served_case, graduate)

    draft = services.prepare_decree(
        manager, "SEMBAKO", Q4, run_targeting_for_registry(AS_OF, limits=limits)
    )
    lines = {line.subject: line for line in DecreeLine.objects.filter(decree=draft)}
    assert (lines[f"H{graduate.pk}"].change, lines[f"H{graduate.pk}"].reason) == (
        "leaving",
        "graduated",
    )
    [promoted] = [line for line in lines.values() if line.reason == "freed_place"]
    assert promoted.change == "new"
    assert promoted.region_code.startswith("3201")
    waiting = sorted(
        (line.rank, line.subject) for line in lines.values() if line.change == "waiting"
    )
    assert all(promoted.rank < rank for rank, _subject in waiting)  # the poorest waiting went first

    services.approve_decree(approver, draft)
    assert Enrolment.objects.filter(region_code__startswith="3201", ended_on=None).count() == 4


def test_the_database_refuses_a_second_open_enrolment(manager, approver, population):
    enrol(manager, approver, run_targeting_for_registry(AS_OF))
    existing = Enrolment.objects.filter(ended_on=None).first()
    existing.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        existing.save()


@pytest.mark.parametrize(
    ("role", "region"), [(Role.DISTRICT_OFFICE, "3201"), (Role.MINISTRY_ANALYST, None)]
)
def test_only_decree_makers_prepare(make_user, population, role, region):
    """Offices read their region; analysts target programmes, managers decree them."""
    from django.core.exceptions import PermissionDenied

    run = run_targeting_for_registry(AS_OF)
    with pytest.raises(PermissionDenied):
        services.prepare_decree(make_user(role, region), "SEMBAKO", Q3, run)


def _graduate(make_user, served_case, household) -> None:
    worker = make_user(Role.SOCIAL_WORKER, "3201")
    supervisor = make_user(Role.SUPERVISOR, "3201")
    today = date(2026, 9, 1)
    case = served_case(household, worker, supervisor, today)
    request = cases.propose_graduation(
        actor=worker, case=case, type=GraduationType.MANDIRI, signed_statement=True, today=today
    )
    case.refresh_from_db()
    cases.decide_graduation(
        actor=supervisor, request=request, approve=True, expected_version=case.version, today=today
    )
