"""Demo cases: families in every stage of the journey for demo_social_worker under
demo_supervisor, with referrals to the demo partner agency. Runs through the services, so the
timeline, guards and follow-ups are what real work would produce."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from sejahtera.accounts.models import User
from sejahtera.accounts.services import DEMO_PARTNER_ORGANISATION, ensure_demo_users
from sejahtera.cases import services
from sejahtera.cases.models import Case
from sejahtera.domain.cases import GraduationType, Stage
from sejahtera.registry.models import Household

S = Stage
# Each demo family's path after registration (repeated to fill the caseload).
PATHS: tuple[tuple[Stage, ...], ...] = (
    (),
    (S.ASSESSED,),
    (S.PROTECTION,),
    (S.ASSESSED, S.REHABILITATION),
    (S.PROTECTION, S.EMPOWERMENT),
    (S.PROTECTION, S.GRADUATED),
    (S.PROTECTION, S.GRADUATED, S.MONITORING),
    (S.PROTECTION, S.TERMINATED),
    (S.PROTECTION, S.CLOSED),
    (S.PROTECTION, S.GRADUATED, S.MONITORING, S.PROTECTION),
    (S.ASSESSED, S.REHABILITATION, S.EMPOWERMENT),
    (S.PROTECTION, S.REHABILITATION),
)
DEMO_CASES = 36


def ensure_demo_cases(*, echo: Callable[[str], None], today: date | None = None) -> int:
    """Create the demo cases once (idempotent); returns how many were created."""
    if Case.objects.exists():
        return 0
    users = {u.role: u.username for u in ensure_demo_users()}
    worker = User.objects.get(username=users["social_worker"])
    supervisor = User.objects.get(username=users["supervisor"])
    partner = User.objects.get(username=users["partner_agency"])
    households = Household.objects.filter(village__code__startswith=worker.region_id or "")
    today = today or date.today()
    created = 0
    for index, household in enumerate(households.order_by("id")[:DEMO_CASES]):
        path = PATHS[index % len(PATHS)]
        start = today - timedelta(days=30 * (len(path) + 1) + index)
        case = services.open_case(
            actor=worker,
            household=household,
            social_worker=worker,
            supervisor=supervisor,
            today=start,
        )
        for step, stage in enumerate(path, start=1):
            try:
                _step(case, stage, worker, supervisor, partner, start + timedelta(days=30 * step))
            except services.TransitionRefused:
                break  # e.g. no member of productive age: the family stays where it is
        created += 1
    echo(f"Created {created} demo cases for {worker.username}")
    return created


def _step(
    case: Case, stage: Stage, worker: User, supervisor: User, partner: User, day: date
) -> None:
    if stage in (S.ASSESSED, S.REHABILITATION) and not case.assessments.exists():
        head = case.household.members.filter(relationship="head").first()
        services.record_assessment(
            actor=worker,
            case=case,
            members=[services.MemberAssessment(head, (), {"work": "informal"})],
            today=day,
        )
    if stage is S.EMPOWERMENT:
        services.write_plan(
            actor=worker, case=case, kind="empowerment", goals="a small food stall", today=day
        )
    if stage is S.GRADUATED:
        request = services.propose_graduation(
            actor=worker,
            case=case,
            type=GraduationType.MANDIRI,
            signed_statement=True,
            today=day,
        )
        case.refresh_from_db()
        services.decide_graduation(
            actor=supervisor,
            request=request,
            approve=True,
            reason="income above UMK",
            expected_version=case.version,
            today=day,
        )
        return
    if stage is S.TERMINATED:
        referral = services.send_referral(
            actor=worker,
            case=case,
            organisation=DEMO_PARTNER_ORGANISATION,
            programme="KUR business loan",
            consent_recorded=True,
            today=day,
        )
        services.update_referral(actor=partner, referral=referral, status="accepted", today=day)
    case.refresh_from_db()
    reason = "moved to another province" if stage is S.CLOSED else ""
    if case.stage == S.MONITORING:
        reason = "business lost in the flood"
    early_termination = stage is S.TERMINATED and case.stage != S.GRADUATED
    services.move_case(
        case=case,
        to_stage=stage,
        # leaving for another agency before graduating is the supervisor's decision
        actor=supervisor if early_termination else worker,
        reason=reason,
        expected_version=case.version,
        today=day,
        termination_reason="specialised_service" if early_termination else "",
    )
