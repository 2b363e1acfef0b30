"""What the REST API refuses, from an attacker's and a careless integrator's side: each body
gets a 4xx with a clear message and nothing stored (never a 500, never a silent drop). The
first groups were found taking the input (each fixed with its test here); the last group
records attacks the API withstood already. What needs PostgreSQL to show its effect (a value
longer than a column) says so; run it with ``pytest -m database`` against PostgreSQL.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from tests.programmes.conftest import JULY
from tests.targeting.conftest import AS_OF, POOR, child, head, population  # noqa: F401

from sejahtera.accounts.models import Role
from sejahtera.cases import services
from sejahtera.cases.models import (
    Assessment,
    Case,
    CaseEvent,
    CasePlan,
    ConditionalityRecord,
    EmpowermentRecord,
    FunctioningAssessment,
    IncomeRecord,
    JobPlacement,
    Referral,
    ServiceRecord,
    TrainingRecord,
)
from sejahtera.domain.cases import Stage
from sejahtera.domain.rehabilitation import DOMAINS
from sejahtera.programmes.models import Cycle, Decree
from sejahtera.targeting.models import ManualClusterMembership, TargetingRun
from sejahtera.targeting.services import run_targeting_for_registry

pytestmark = pytest.mark.django_db
BOGOR = "3201"
BOGOR_VILLAGE = "3201011002"
BANDUNG_VILLAGE = "3273011001"
TODAY = date.today()
FAR_FUTURE = "9999-12-31"


def _problem(answer, status: int = 422) -> dict:
    """The answer is a problem+json of ``status`` (not a 500, not a 201)."""
    assert answer.status_code == status, (answer.status_code, answer.content[:500])
    assert answer["Content-Type"] == "application/problem+json"
    return answer.json()


def _mentions(problem: dict, *words: str) -> bool:
    text = " ".join(
        [problem.get("title", ""), problem.get("detail", "")]
        + [f"{e['field']} {e['code']} {e['message']}" for e in problem.get("errors", [])]
    ).lower()
    return all(w.lower() in text for w in words)


class World:
    """A poor Bogor family (Siti, her son Ani) with a case in empowerment on ``track``,
    carried by ``worker`` under ``supervisor``, assessed, with an empowerment plan."""

    def __init__(self, make_user, household_factory, api, track: str = "business"):
        self.family = household_factory(
            BOGOR_VILLAGE, members=[head("Siti Aminah"), child("Ani")], **POOR
        )
        self.mother = self.family.members.get(relationship="head")
        self.son = self.family.members.get(relationship="child")
        self.worker = make_user(Role.SOCIAL_WORKER, BOGOR)
        self.supervisor = make_user(Role.SUPERVISOR, BOGOR)
        case = services.open_case(
            actor=self.worker,
            household=self.family,
            social_worker=self.worker,
            supervisor=self.supervisor,
            today=TODAY,
        )
        services.record_assessment(
            actor=self.worker,
            case=case,
            members=[services.MemberAssessment(None, (), {"work": "sells snacks"})],
            today=TODAY,
        )
        services.write_plan(
            actor=self.worker,
            case=case,
            kind=CasePlan.Kind.EMPOWERMENT,
            track=track,
            goals="a food stall",
            today=TODAY,
        )
        for stage in (Stage.PROTECTION, Stage.EMPOWERMENT):
            case.refresh_from_db()
            services.move_case(
                case=case,
                to_stage=stage,
                actor=self.worker,
                reason="",
                expected_version=case.version,
                today=TODAY,
            )
        case.refresh_from_db()
        self.case = case
        self.call = api(self.worker)
        self.make_user = make_user
        self.household_factory = household_factory

    def post(self, record: str, body: dict):
        return self.call("post", f"/cases/{self.case.pk}/{record}", body)

    def version(self) -> int:
        self.case.refresh_from_db()
        return self.case.version


@pytest.fixture
def world(make_user, household_factory, api) -> World:
    return World(make_user, household_factory, api)


@pytest.fixture
def employment_world(make_user, household_factory, api) -> World:
    return World(make_user, household_factory, api, track="employment")


# == case records ====================================================================


@pytest.mark.parametrize("who", ["member", "family"])
@pytest.mark.parametrize("cluster", ["NOT_A_CLUSTER", "disabilitas", "", "PKH"])
def test_an_assessment_names_only_the_twelve_clusters(world, who, cluster):
    """``MemberAssessmentIn.clusters`` is ``list[str]``: any string (a typo, lower case, a
    programme's code, empty) is stored on the assessment and, for a member, as a manual cluster
    membership that every targeting run counts. The web form offers the 12 codes only."""
    person_id = world.mother.pk if who == "member" else None
    answer = world.post(
        "assessments", {"members": [{"person_id": person_id, "clusters": [cluster]}]}
    )
    problem = _problem(answer)
    assert _mentions(problem, "cluster")
    assert not ManualClusterMembership.objects.exists()
    assert Assessment.objects.filter(case=world.case).count() == 1  # the fixture's own


def test_an_assessment_cluster_longer_than_its_column_is_a_422_not_a_500(world, client):
    """On PostgreSQL a 40-character "cluster" overflows ManualClusterMembership.cluster
    (varchar 24): a DataError, a 500 (on SQLite it is stored)."""
    client.raise_request_exception = False
    body = {"members": [{"person_id": world.mother.pk, "clusters": ["X" * 40]}]}
    problem = _problem(world.post("assessments", body))
    assert _mentions(problem, "cluster")
    assert not ManualClusterMembership.objects.exists()


def test_an_assessment_names_a_cluster_once(world):
    """The same cluster twice in one member's list makes two manual memberships (the count of
    a cluster's persons, and the ``manual`` count of a run's figures, go up by two)."""
    body = {"members": [{"person_id": world.mother.pk, "clusters": ["DISABILITAS"] * 2}]}
    answer = world.post("assessments", body)
    assert answer.status_code in (201, 422), answer.content
    assert ManualClusterMembership.objects.filter(person=world.mother).count() <= 1


def test_an_assessment_topic_that_is_not_one_is_refused_not_dropped(world):
    """``conditions`` is ``dict[str, str]``: a topic that is not one of ASSESSMENT_TOPICS (a
    typo: "helth", "Health", "education_level") is silently dropped by the service, the 201
    says nothing, and what the social worker wrote is lost."""
    body = {"members": [{"person_id": None, "conditions": {"helth": "diabetes, no insulin"}}]}
    problem = _problem(world.post("assessments", body))
    assert _mentions(problem, "helth")
    assert Assessment.objects.filter(case=world.case).count() == 1


def test_an_assessment_finding_is_bounded_like_every_other_text(world):
    """A topic's text has no length bound (every other free text of the case API has 2000):
    half a megabyte is sealed and stored, and shown on the case page and every GET."""
    body = {"members": [{"person_id": None, "conditions": {"health": "x" * 500_000}}]}
    problem = _problem(world.post("assessments", body))
    assert _mentions(problem, "conditions")
    assert Assessment.objects.filter(case=world.case).count() == 1


def test_an_assessment_lists_a_member_once(world):
    """The same member twice in one assessment: two assessments of one person on one day,
    whose findings may contradict each other."""
    member = {"person_id": world.mother.pk, "conditions": {"health": "well"}}
    other = {"person_id": world.mother.pk, "conditions": {"health": "bedridden"}}
    problem = _problem(world.post("assessments", {"members": [member, other]}))
    assert _mentions(problem, "person")
    assert Assessment.objects.filter(case=world.case).count() == 1


def test_a_service_does_not_end_before_it_starts(world):
    """A training that ends before it starts is refused (CASE_DATES_REVERSED); an ATENSI
    service is not: it is stored and dated on the timeline by its start."""
    body = {
        "component": ServiceRecord.Component.values[0],
        "provider_type": ServiceRecord.Provider.values[0],
        "started_on": "2026-03-01",
        "ended_on": "2025-01-01",
    }
    problem = _problem(world.post("services", body))
    assert _mentions(problem, "CASE_DATES_REVERSED") or _mentions(problem, "ended")
    assert not ServiceRecord.objects.exists()


def test_an_income_is_not_recorded_for_a_month_to_come(world):
    """Incomes for months that have not come are taken and count for graduation: the latest
    income is the future month's, and four future months above the wage meet
    GRAD_INCOME_KEPT (conditionality refuses a month to come; income does not)."""
    month = (TODAY.replace(day=1) + timedelta(days=400)).replace(day=1)
    problem = _problem(world.post("incomes", {"month": month.isoformat(), "amount": 9_000_000}))
    assert _mentions(problem, "month")
    assert not IncomeRecord.objects.exists()


@pytest.mark.parametrize(
    ("record", "body"),
    [
        ("functioning", lambda w: {"assessed_on": FAR_FUTURE, "phase": "before",
                                   "scores": dict.fromkeys(DOMAINS, 3)}),
        ("atensi-steps", lambda w: {"step": "engagement", "on": FAR_FUTURE}),
        ("empowerment", lambda w: {"given_on": FAR_FUTURE,
                                   "capital_items": [{"item": "cart", "value": 1_000_000}]}),
        ("services", lambda w: {"component": ServiceRecord.Component.values[0],
                                "provider_type": ServiceRecord.Provider.values[0],
                                "started_on": FAR_FUTURE}),
    ],
)  # fmt: skip
def test_a_record_of_work_done_is_not_dated_in_the_year_9999(world, record, body):
    """What a social worker did (scored, took a step, gave capital, served) is dated by the
    body with no bound: 9999-12-31 is stored and put on the case's timeline (its last entry
    for ever; the functioning report's "change over time" reads it as the latest)."""
    events = CaseEvent.objects.filter(case=world.case).count()
    problem = _problem(world.post(record, body(world)))
    assert _mentions(problem, "9999") or _mentions(problem, "date") or _mentions(problem, "_on")
    assert CaseEvent.objects.filter(case=world.case).count() == events
    assert not FunctioningAssessment.objects.exists()
    assert not EmpowermentRecord.objects.exists()
    assert not ServiceRecord.objects.exists()


def test_a_plan_does_not_target_a_day_before_it_is_written(world):
    """A plan's target date may be decades past (1900-01-01): a plan overdue the day it is
    written."""
    body = {"kind": "rehabilitation", "goals": "therapy", "target_date": "1900-01-01"}
    problem = _problem(world.post("plans", body))
    assert _mentions(problem, "target")
    assert CasePlan.objects.filter(case=world.case).count() == 1


def test_a_move_names_no_evidence_file_it_does_not_carry(world):
    """The web's move form takes an evidence *file* (checked, stored, linked); the API's
    ``evidence_file`` is a free string: the timeline shows "(signed_statement.pdf)" as the
    step's evidence though no file exists — or any text, up to 255 characters."""
    body = {
        "to_stage": "protection",
        "expected_version": world.version(),
        "reason": "back to protection",
        "evidence_file": "../../signed_statement.pdf",
    }
    answer = world.post("moves", body)
    problem = _problem(answer)
    assert _mentions(problem, "evidence_file")
    assert not CaseEvent.objects.filter(case=world.case, evidence_file__gt="").exists()


def test_a_termination_reason_is_refused_on_a_move_that_is_no_termination(world):
    """``termination_reason`` on a move to protection is taken without a word (and kept in
    the move's facts): the integrator believes the family was terminated for that reason."""
    from sejahtera.domain.cases import EARLY_TERMINATION_REASONS

    reason = next(iter(EARLY_TERMINATION_REASONS))
    body = {"to_stage": "protection", "expected_version": world.version(),
            "reason": "re-entry", "termination_reason": reason}  # fmt: skip
    problem = _problem(world.post("moves", body))
    assert _mentions(problem, "termination")
    world.case.refresh_from_db()
    assert world.case.stage == Stage.EMPOWERMENT


# == registry ========================================================================


def test_a_nik_check_with_an_unreadable_birth_date_says_so(api, make_user):
    """GET /nik/{nik}?birth_date=05-08-1990 (the Indonesian order) silently drops the date:
    the check answers valid, without the warning the stated date would give, and the
    integrator believes the NIK agrees with the birth date."""
    call = api(make_user(Role.VILLAGE_OPERATOR, BOGOR_VILLAGE))
    stated = call("get", "/nik/3201014508900001", birth_date="1991-01-01")
    assert stated.status_code == 200
    assert stated.json()["warnings"], "a birth date the NIK does not encode warns"
    problem = _problem(call("get", "/nik/3201014508900001", birth_date="01-01-1991"))
    assert _mentions(problem, "birth_date")


def test_a_household_keeps_exactly_one_head_when_a_member_is_added(api, make_user, siti_family):
    """POST /households (and the import) refuse a household without exactly one head
    (HEAD_COUNT); POST /households/{id}/members takes a second head, and PUT /persons/{id}
    turns the only head into a child: a household of two heads, or none."""
    call = api(make_user(Role.DISTRICT_OFFICE, BOGOR))
    path = f"/households/{siti_family.pk}/members"
    problem = _problem(call("post", path, head("Second Head", nik="3201014508900002")))
    assert _mentions(problem, "HEAD_COUNT")
    assert siti_family.members.count() == 1
    mother = siti_family.members.get()
    body = {"version": mother.version, "person": {**head("Siti Aminah"), "relationship": "child"}}
    problem = _problem(call("put", f"/persons/{mother.pk}", body))
    assert _mentions(problem, "HEAD_COUNT")
    assert siti_family.members.filter(relationship="head").count() == 1


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("monthly_income_idr", str(10**20)),  # above bigint: a 500 on SQLite and PostgreSQL
        ("electricity_va", str(3 * 10**9)),  # above integer: a 500 on PostgreSQL
    ],
)
def test_a_number_too_large_for_its_column_is_a_422_not_a_500(
    api, make_user, siti_family, client, column, value
):
    """The format's INTEGER columns are parsed with no upper bound: a value larger than the
    column (bigint monthly_income_idr, integer electricity_va) reaches the database and the
    answer is a 500, not a field error."""
    client.raise_request_exception = False
    call = api(make_user(Role.DISTRICT_OFFICE, BOGOR))
    if column == "monthly_income_idr":
        answer = call("post", f"/households/{siti_family.pk}/members",
                      child("Ani", **{column: value}))  # fmt: skip
    else:
        from sejahtera.registry.services import records

        cells = {
            k: v for k, v in records.household_cells(siti_family).items() if k != "household_id"
        }
        body = {"version": siti_family.version, "household": {**cells, column: value}}
        answer = call("put", f"/households/{siti_family.pk}", body)
    problem = _problem(answer)
    assert [e["field"].rsplit(".", 1)[-1] for e in problem["errors"]] == [column]
    siti_family.refresh_from_db()
    assert (siti_family.members.count(), siti_family.version) == (1, 1)


def test_a_birth_date_in_year_1_is_refused(api, make_user, siti_family):
    """A birth date in the future is refused (DATE_IN_FUTURE); 0001-01-01 is taken: a member
    2025 years old, an elder (LANSIA) for every targeting run."""
    call = api(make_user(Role.DISTRICT_OFFICE, BOGOR))
    problem = _problem(call("post", f"/households/{siti_family.pk}/members",
                            child("Ancient", born="0001-01-01")))  # fmt: skip
    assert _mentions(problem, "birth_date")
    assert siti_family.members.count() == 1


# == withstood =================================================================================


@pytest.fixture
def siti_family(household_factory):
    return household_factory(BOGOR_VILLAGE, members=[head("Siti Aminah")], **POOR)


def test_a_member_of_another_family_is_a_404_on_every_record(world):
    """A person id of another household (here of another regency) in any member field is
    answered as an id of nothing, and nothing is written."""
    other = world.household_factory(BANDUNG_VILLAGE, members=[head("Rina", nik="3273014508900001")])
    rina = other.members.get()
    events = CaseEvent.objects.filter(case=world.case).count()
    answers = [
        world.post("assessments", {"members": [{"person_id": rina.pk,
                                                "clusters": ["DISABILITAS"]}]}),
        world.post("functioning", {"person_id": rina.pk, "assessed_on": TODAY.isoformat(),
                                   "phase": "before", "scores": dict.fromkeys(DOMAINS, 3)}),
        world.post("conditionality", {"person_id": rina.pk, "obligation": "health",
                                      "month": "2026-01-01", "value": 1}),
        world.post("referrals", {"programme": "KUR_MIKRO", "person_id": rina.pk,
                                 "consent_method": "signed"}),
        world.post("referrals", {"programme": "KUR_MIKRO", "consent_method": "signed",
                                 "consent_by": "guardian", "consent_giver_id": rina.pk}),
    ]  # fmt: skip
    assert [a.status_code for a in answers] == [404] * len(answers)
    assert CaseEvent.objects.filter(case=world.case).count() == events
    assert not ManualClusterMembership.objects.exists()
    assert not ConditionalityRecord.objects.exists()
    assert not Referral.objects.exists()


def test_a_referral_names_a_programme_of_the_catalogue(world):
    problem = _problem(world.post("referrals", {"programme": "NOPE", "consent_method": "signed"}))
    assert _mentions(problem, "REFERRAL_PROGRAMME_UNKNOWN")
    assert not Referral.objects.exists()


def test_an_enrolment_request_names_a_programme_of_the_rules(world):
    body = {"programme": "BLT_DESA", "action": "enrol", "reason": "needs it"}
    problem = _problem(world.post("enrolment-requests", body))
    assert _mentions(problem, "BLT_DESA")


def test_an_enrolment_request_the_decree_maker_could_only_refuse_is_refused(world, enrol):
    """As on the case's form: suspending what the family does not receive, or enrolling it in
    what it receives already, waits for nobody."""
    suspend = {"programme": "SEMBAKO", "action": "suspend", "reason": "moved"}
    assert _mentions(_problem(world.post("enrolment-requests", suspend)), "CASE_NOT_ENROLLED")
    enrol(world.family, "SEMBAKO")
    enrol = {"programme": "SEMBAKO", "action": "enrol", "reason": "poor"}
    assert _mentions(_problem(world.post("enrolment-requests", enrol)), "CASE_ALREADY_ENROLLED")
    assert world.post("enrolment-requests", suspend).status_code == 201
    assert _mentions(_problem(world.post("enrolment-requests", suspend)), "CASE_REQUEST_PENDING")


@pytest.mark.parametrize(
    ("record", "body"),
    [
        ("incomes", {"month": "2026-01-01", "amount": -1}),
        ("incomes", {"month": "2026-01-01", "amount": 10**13}),
        ("placements", {"employer": "PT", "started_on": "2026-01-01", "monthly_wage": -5}),
        ("empowerment", {"given_on": "2026-01-01",
                         "capital_items": [{"item": "cart", "value": -1_000_000}]}),
        ("empowerment", {"given_on": "2026-01-01", "mentoring_sessions": -1}),
        ("empowerment", {"given_on": "2026-01-01", "mentoring_sessions": 2**40}),
        ("conditionality", {"person_id": 1, "obligation": "school", "month": "2026-01-01",
                            "value": 101}),
        ("functioning", {"assessed_on": "2026-01-01", "phase": "before",
                         "scores": {**dict.fromkeys(DOMAINS, 3), "mood": 9}}),
        ("functioning", {"assessed_on": "2026-01-01", "phase": "sometime",
                         "scores": dict.fromkeys(DOMAINS, 3)}),
        ("atensi-steps", {"step": "party", "on": "2026-01-01"}),
        ("plans", {"kind": "empowerment", "track": "", "goals": "x"}),
        ("plans", {"kind": "rehabilitation", "track": "business", "goals": "x"}),
        ("plans", {"kind": "holiday", "goals": "x"}),
        ("services", {"component": "spa", "provider_type": "x", "started_on": "2026-01-01"}),
        ("graduation", {"type": "bebas"}),
        ("moves", {"to_stage": "protection", "expected_version": 2**40}),
        ("moves", {"to_stage": "protection", "expected_version": 1,
                   "termination_reason": "bored"}),
        ("assessments", {"members": []}),
        ("assessments", {"members": [{"person_id": None, "clusters": ["DISABILITAS"] * 13}]}),
        ("assessments", {"members": [{"person_id": 2**63}]}),
    ],
)  # fmt: skip
def test_a_value_out_of_its_range_or_set_is_a_422(world, record, body):
    events = CaseEvent.objects.filter(case=world.case).count()
    _problem(world.post(record, body))
    assert CaseEvent.objects.filter(case=world.case).count() == events


def test_capital_above_the_pena_maximum_is_refused(world):
    items = [{"item": f"cart {i}", "value": 10**12} for i in range(20)]
    problem = _problem(
        world.post("empowerment", {"given_on": "2026-01-01", "capital_items": items})
    )
    assert _mentions(problem, "CASE_PENA_CAPITAL_ABOVE_MAXIMUM")
    assert not EmpowermentRecord.objects.exists()


def test_a_training_ends_after_it_starts(employment_world):
    body = {"course": "sewing", "provider": "BLK", "started_on": "2026-03-01",
            "ended_on": "2026-01-01"}  # fmt: skip
    problem = _problem(employment_world.post("trainings", body))
    assert _mentions(problem, "CASE_DATES_REVERSED")
    assert not TrainingRecord.objects.exists()


def test_a_placement_on_the_business_track_is_refused(world):
    body = {"employer": "PT Maju", "started_on": "2026-01-01", "monthly_wage": 4_000_000}
    _problem(world.post("placements", body))
    assert not JobPlacement.objects.exists()


def test_conditionality_for_a_month_to_come_is_refused(world):
    month = (TODAY.replace(day=1) + timedelta(days=62)).replace(day=1)
    body = {"person_id": world.son.pk, "obligation": "health", "month": month.isoformat(),
            "value": 1}  # fmt: skip
    _problem(world.post("conditionality", body))
    assert not ConditionalityRecord.objects.exists()


def test_a_transfer_to_a_user_who_is_no_social_worker_of_the_region_is_refused(world, api):
    admin = world.make_user(Role.DISTRICT_OFFICE, BOGOR)
    bandung_worker = world.make_user(Role.SOCIAL_WORKER, "3273")
    call = api(admin)
    for name in (bandung_worker.username, world.supervisor.username, "nobody-at-all", "x" * 150):
        body = {"social_worker": name, "reason": "moved", "expected_version": world.version()}
        problem = _problem(call("post", f"/cases/{world.case.pk}/transfer", body))
        assert _mentions(problem, "CASE_NOT_A_SOCIAL_WORKER"), name
    world.case.refresh_from_db()
    assert world.case.social_worker == world.worker


def test_limits_of_an_unknown_programme_or_a_negative_budget_are_refused(api, make_user):
    call = api(make_user(Role.MINISTRY_ANALYST))
    for limits in (
        {"BLT": {"budget": 1}},
        {"PKH": {"budget": -1}},
        {"PKH": {"budget": True}},
        {"PKH": {"quotas": {"32X1": 1}}},
        {"PKH": {"quotas": {"3201": -1}}},
        {"PKH": {"ceiling": 1}},
    ):
        answer = call("post", "/targeting/runs", {"as_of": AS_OF.isoformat(), "limits": limits})
        _problem(answer)
    assert not TargetingRun.objects.exists()


def test_a_cycle_of_a_programme_without_a_calendar_or_mid_month_is_refused(api, manager):
    call = api(manager)
    for body in (
        {"programme": "NOPE", "period_start": "2026-07-01"},
        {"programme": "PKH", "period_start": "2026-07-15"},
        {"programme": "pkh", "period_start": "2026-07-01"},
    ):
        _problem(call("post", "/cycles", body))
    assert not Cycle.objects.exists()


def test_a_decree_of_a_programme_the_run_does_not_decide_is_refused(
    api,
    manager,
    population,  # noqa: F811
):
    run = run_targeting_for_registry(AS_OF)
    body = {"programme": "BLT_DESA", "period_start": JULY.isoformat(), "run": run.pk}
    problem = _problem(api(manager)("post", "/decrees", body))
    assert _mentions(problem, "BLT_DESA")
    assert not Decree.objects.exists()


def test_a_stale_or_huge_version_on_a_registry_update_is_a_409_or_422(api, make_user, siti_family):
    call = api(make_user(Role.DISTRICT_OFFICE, BOGOR))
    for version in (2**40, 2**63, 2**70):
        answer = call(
            "put",
            f"/households/{siti_family.pk}",
            {"version": version, "household": {"region_code": BOGOR_VILLAGE}},
        )
        assert answer.status_code in (409, 422), (version, answer.status_code)
    siti_family.refresh_from_db()
    assert siti_family.version == 1


def test_an_unknown_case_id_larger_than_a_bigint_is_a_422(world):
    for path in (f"/cases/{2**63}", f"/cases/{2**70}"):
        assert world.call("get", path).status_code == 422
    assert world.call("get", f"/cases/{2**63 - 1}").status_code == 404


def test_the_case_counts_do_not_change_on_refusals(world):
    """Sanity: the world holds one case, one assessment and one plan."""
    assert Case.objects.count() == 1
    assert connection.vendor in ("sqlite", "postgresql")
