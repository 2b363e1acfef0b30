"""Demo cases: families in every stage of the journey for demo_social_worker under
demo_supervisor, with referrals to the demo partner agency. Runs through the services, so the
timeline, guards and follow-ups are what real work would produce."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from sejahtera.accounts.models import User
from sejahtera.cases import services
from sejahtera.cases.graduation import case_track, journey_settings
from sejahtera.cases.models import Case, MinimumWage
from sejahtera.cases.wages import load_minimum_wages, minimum_wage
from sejahtera.domain.cases import GraduationType, Stage, age_on
from sejahtera.domain.empowerment import Track
from sejahtera.registry.models import Household
from sejahtera.registry.services.demo import ensure_demo_users

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
    (S.PROTECTION, S.EMPOWERMENT, S.GRADUATED, S.TERMINATED),
    (S.PROTECTION, S.EMPOWERMENT, S.GRADUATED, S.TERMINATED),
)
DEMO_CASES = 36
STEP_DAYS = 30
EMPOWERMENT_DAYS = 230  # six whole months: long enough for a track's criteria to be met


def ensure_demo_cases(*, echo: Callable[[str], None], today: date | None = None) -> int:
    """Create the demo cases once (idempotent); returns how many were created."""
    if not MinimumWage.objects.exists():
        echo(f"Loaded {load_minimum_wages().loaded} official minimum wages")
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
        # families alternate between the two empowerment tracks
        track = (Track.BUSINESS, Track.EMPLOYMENT)[index % 2]
        # days before each step: a family stays in empowerment long enough to graduate
        gaps = [EMPOWERMENT_DAYS if before is S.EMPOWERMENT else STEP_DAYS for before in path]
        gaps = [STEP_DAYS, *gaps][: len(path)]
        day = today - timedelta(days=sum(gaps) + STEP_DAYS + index)
        case = services.open_case(
            actor=worker,
            household=household,
            social_worker=worker,
            supervisor=supervisor,
            today=day,
        )
        for stage, gap in zip(path, gaps, strict=True):
            day += timedelta(days=gap)
            _work_the_track(case, worker, until=day)
            try:
                _step(case, stage, worker, supervisor, partner, day, track)
            except services.TransitionRefused:
                break  # e.g. no member of productive age: the family stays where it is
        _work_the_track(case, worker, until=today)
        if path == (S.PROTECTION,):
            _keep_pkh_commitments(case, worker, today)
        created += 1
    echo(f"Created {created} demo cases for {worker.username}")
    return created


def _keep_pkh_commitments(case: Case, worker: User, today: date) -> None:
    """Four months of a PKH obligation of the family's youngest member: school attendance for
    a pupil, health visits for a young child; the last three months unmet, so the case page
    shows repeated non-compliance to cite."""
    youngest = case.household.members.filter(deceased_date__isnull=True).order_by("-birth_date")
    member = youngest.first()
    if member is None:
        return
    age = age_on(member.birth_date, today)
    if age > 21:
        return  # no child: the family has no school or health obligation of a child
    obligation, values = ("school", (92, 70, 64, 58)) if age >= 6 else ("health", (1, 0, 0, 0))
    for back, value in zip((4, 3, 2, 1), values, strict=True):
        services.record_conditionality(
            actor=worker,
            case=case,
            person=member,
            obligation=obligation,
            month=_month(today, -back),
            value=value,
            today=today,
        )


def _month(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _work_the_track(case: Case, worker: User, *, until: date) -> None:
    """A family in empowerment works its track month by month until ``until``: capital, then
    income that rises above the minimum wage in the second month, with mentoring every month
    (business); or a certified training, then a job above the wage from the third month
    (employment)."""
    case.refresh_from_db()
    track = case_track(case)
    if case.stage != S.EMPOWERMENT or track is None:
        return
    since = case.stage_since
    wage = minimum_wage(case.region_code, since.year, journey_settings().default_minimum_wage)
    above = wage.amount + 250_000
    months = [m for m in range(1, 13) if _month(since, m + 1) <= until]
    if track is Track.BUSINESS:
        services.record_empowerment(
            actor=worker,
            case=case,
            given_on=since,
            capital_items=[{"item": "gerobak dan peralatan dagang", "value": 2_500_000}],
        )
        for month in months:
            services.record_income(
                actor=worker,
                case=case,
                month=_month(since, month),
                amount=above if month >= 2 else wage.amount // 2,
            )
            if month >= 2:
                services.record_empowerment(
                    actor=worker, case=case, given_on=_month(since, month), mentoring_sessions=2
                )
        return
    certified = len(months) >= 2
    services.record_training(
        actor=worker,
        case=case,
        course="Tata boga (memasak)",
        provider="Balai Latihan Kerja",
        started_on=since,
        ended_on=since + timedelta(days=55) if certified else None,
        certificate=f"BLK-{case.pk:05d}" if certified else "",
    )
    if len(months) >= 3:
        services.record_placement(
            actor=worker,
            case=case,
            employer="Rumah Makan Sederhana",
            started_on=_month(since, 3),
            monthly_wage=above,
        )
        for month in months[2:]:
            services.record_income(
                actor=worker, case=case, month=_month(since, month), amount=above
            )


def _step(
    case: Case,
    stage: Stage,
    worker: User,
    supervisor: User,
    partner: User,
    day: date,
    track: Track,
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
        goals = {
            Track.BUSINESS: "usaha warung makan dengan penghasilan di atas upah minimum",
            Track.EMPLOYMENT: "bekerja sebagai juru masak dengan upah di atas upah minimum",
        }[track]
        services.write_plan(
            actor=worker, case=case, kind="empowerment", track=track, goals=goals, today=day
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
            programme="KUR_MIKRO",
            consent_method="signed",
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
    if stage is S.REHABILITATION:
        _rehabilitate(case, worker, day)


# a family's social functioning before ATENSI services and three weeks into them
BEFORE = {
    "self_care": 3,
    "family_role": 2,
    "social_participation": 2,
    "economic_activity": 1,
    "emotional_stability": 2,
}
DURING = {**BEFORE, "family_role": 3, "social_participation": 3, "emotional_stability": 3}


def _rehabilitate(case: Case, worker: User, day: date) -> None:
    """ATENSI as the practice steps go: engagement, assessment with a baseline score, a plan,
    the intervention (a family-support service), and a second score three weeks in."""
    services.mark_atensi_step(actor=worker, case=case, step="engagement", on=day)
    services.mark_atensi_step(actor=worker, case=case, step="assessment", on=day)
    services.record_functioning(
        actor=worker, case=case, assessed_on=day, phase="before", scores=BEFORE
    )
    services.write_plan(
        actor=worker,
        case=case,
        kind="rehabilitation",
        goals="keluarga kembali menjalankan peran dan ikut kegiatan warga",
        actions="dukungan keluarga mingguan, terapi psikososial",
        today=day,
    )
    services.mark_atensi_step(actor=worker, case=case, step="plan", on=day)
    services.record_service(
        actor=worker,
        case=case,
        component="family_support",
        provider_type="family",
        started_on=day,
        frequency="mingguan",
    )
    services.mark_atensi_step(actor=worker, case=case, step="intervention", on=day)
    later = day + timedelta(days=21)
    services.record_functioning(
        actor=worker, case=case, assessed_on=later, phase="during", scores=DURING
    )
