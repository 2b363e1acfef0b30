"""Access matrix of the targeting and case-management API (``api/targeting.py``, ``api/cases.py``).

For every endpoint, with a valid request so that only access decides the answer:

- every role of ``Role``: the roles of the endpoint's access set (derived from the role sets of
  ``accounts.access`` that the handler and its service require) succeed, every other role gets
  403 and changes nothing;
- a user of an allowed role scoped to another province (a partner agency: another organisation)
  gets 404 for a record outside their scope and changes nothing; lists leave the record out,
  and a run's figures are limited to the user's region;
- a token of an allowed user that lacks the endpoint's scope gets 403 and changes nothing.

The matrix lists the endpoints itself, so a last test checks that it lists every operation of
the two routers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from tests.targeting.conftest import AS_OF, POOR, child, head

from sejahtera.accounts import access
from sejahtera.accounts.models import ROLE_SCOPE_LEVEL, ApiToken, Role, User
from sejahtera.accounts.tokens import create_token
from sejahtera.api.api import api
from sejahtera.cases import services
from sejahtera.cases.models import Case, CaseEvent, CasePlan, FollowUp
from sejahtera.domain.cases import GraduationType, Stage
from sejahtera.domain.rehabilitation import DOMAINS
from sejahtera.registry.models import Household
from sejahtera.targeting.models import Decision, TargetingRun
from sejahtera.targeting.services import run_targeting_for_registry

pytestmark = pytest.mark.django_db
TODAY = date(2026, 3, 2)
PARTNER = "Kementerian UMKM"  # the agency of the catalogue's KUR_MIKRO
# The user's region by the level of region the role is scoped to: the family's (Bogor, West
# Java) and another province's (Aceh).
HOME = {"village": "3201011002", "regency": "3201", "province": "32"}
ELSEWHERE = {"village": "1101012001", "regency": "1101", "province": "11"}
CASES, TARGETING = ApiToken.Scope.CASES, ApiToken.Scope.TARGETING


# -- the world every request is made in --------------------------------------------------------


@dataclass
class World:
    """A poor Bogor family with a case in empowerment carried by ``worker`` under
    ``supervisor``: assessed, with an empowerment plan, a referral sent to ``PARTNER``, a
    pending graduation proposal and an aftercare visit due. ``run`` is a completed targeting
    run, made only for the endpoints that read one."""

    family: Household
    worker: User
    supervisor: User
    case: Case
    referral_pk: int
    proposal_pk: int
    follow_up_pk: int
    make_user: Callable[..., User]
    household_factory: Callable[..., Household]
    run: TargetingRun | None = None

    def user(self, role: str, regions: dict[str, str] = HOME) -> User:
        """The user of ``role`` who would be entitled to the family's records: the case's
        worker and supervisor, the partner the referral went to, offices of the family's
        region, national roles."""
        if role == Role.SOCIAL_WORKER and regions is HOME:
            return self.worker
        if role == Role.SUPERVISOR and regions is HOME:
            return self.supervisor
        level = ROLE_SCOPE_LEVEL[role]
        organisation = PARTNER if regions is HOME else "Another Foundation"
        return self.make_user(role, regions[level] if level else None, organisation=organisation)

    def version(self) -> int:
        self.case.refresh_from_db()
        return self.case.version


@pytest.fixture
def world(make_user, household_factory) -> World:
    family = household_factory(
        HOME["village"],
        members=[head("Siti Aminah"), child("Ani")],
        **POOR,
    )
    worker = make_user(Role.SOCIAL_WORKER, HOME["regency"])
    supervisor = make_user(Role.SUPERVISOR, HOME["regency"])
    case = services.open_case(
        actor=worker, household=family, social_worker=worker, supervisor=supervisor, today=TODAY
    )
    services.record_assessment(
        actor=worker,
        case=case,
        members=[services.MemberAssessment(None, (), {"work": "sells snacks"})],
        today=TODAY,
    )
    services.write_plan(
        actor=worker,
        case=case,
        kind=CasePlan.Kind.EMPOWERMENT,
        track="business",
        goals="a food stall",
        today=TODAY,
    )
    for stage in (Stage.PROTECTION, Stage.EMPOWERMENT):
        case.refresh_from_db()
        services.move_case(
            case=case,
            to_stage=stage,
            actor=worker,
            reason="",
            expected_version=case.version,
            today=TODAY,
        )
    referral = services.send_referral(
        actor=worker,
        case=case,
        programme="KUR_MIKRO",
        consent_method="signed",
        today=TODAY,
    )
    proposal = services.propose_graduation(
        actor=worker, case=case, type=GraduationType.MANDIRI, signed_statement=True, today=TODAY
    )
    follow_up = FollowUp.objects.create(case=case, due_on=TODAY)
    case.refresh_from_db()
    return World(
        family=family,
        worker=worker,
        supervisor=supervisor,
        case=case,
        referral_pk=referral.pk,
        proposal_pk=proposal.pk,
        follow_up_pk=follow_up.pk,
        make_user=make_user,
        household_factory=household_factory,
    )


# -- the endpoints -----------------------------------------------------------------------------


def _items(answer: dict[str, Any]) -> set[int]:
    return {item["id"] for item in answer["items"]}


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # placeholders: case, household, referral, proposal, follow_up, run
    scope: str
    allowed: frozenset[str]
    success: int
    body: Callable[[World], dict[str, Any]] | None = None
    # what a user outside the record's region gets: "hidden" (404), "unlisted" (200 without
    # the record), "limited" (200, figures of their own region only); None: nothing regional
    outside: str | None = "hidden"
    # what a successful answer must show of the family's records
    shows: Callable[[World, dict[str, Any]], bool] | None = None
    # the targeting run the request names or lists: "any" (a completed run, its results
    # unread), "results" (a run of the engine on the registry, whose figures are read)
    run: str | None = None
    # the empowerment track the family must be on (the world's plan is on "business")
    track: str | None = None

    @property
    def name(self) -> str:
        return f"{self.method.upper()} {self.path}"


def _open_case_body(world: World) -> dict[str, Any]:
    """A neighbour without a case, for the family's worker and supervisor."""
    neighbour = world.household_factory(HOME["village"], members=[head("Dewi")], **POOR)
    return {
        "household": neighbour.pk,
        "social_worker": world.worker.username,
        "supervisor": world.supervisor.username,
    }


def _transfer_body(world: World) -> dict[str, Any]:
    other = world.make_user(Role.SOCIAL_WORKER, HOME["regency"])
    return {
        "social_worker": other.username,
        "supervisor": world.supervisor.username,
        "reason": "the worker moved to another district",
        "expected_version": world.version(),
    }


def _assessment_body(world: World) -> dict[str, Any]:
    head_pk = world.family.members.get(relationship="head").pk
    return {
        "members": [
            {"person_id": None, "conditions": {"risks": "debts"}},
            {"person_id": head_pk, "clusters": ["BERPENDAPATAN_RENDAH"]},
        ]
    }


# Who may call each endpoint, from the role sets its handler and service require. Every case
# endpoint first finds the case through ``access.case_filter`` (CASE_READERS); the service then
# requires its own set of the actor.
RECORD_WRITERS = access.CASE_READERS & access.CASE_WORKERS
ENDPOINTS = [
    # targeting: runs are read by TARGETING_READERS and started by TARGETING_RUNNERS; a
    # household's decisions need the household (REGISTRY_READERS) and TARGETING_READERS
    Endpoint(
        "get",
        "/targeting/runs",
        TARGETING,
        access.TARGETING_READERS,
        200,
        outside=None,
        shows=lambda w, answer: w.run.pk in _items(answer),
        run="any",
    ),
    Endpoint(
        "get",
        "/targeting/runs/{run}",
        TARGETING,
        access.TARGETING_READERS,
        200,
        outside="limited",
        shows=lambda w, answer: (
            answer["id"] == w.run.pk and any(p["decided"] for p in answer["programmes"])
        ),
        run="results",
    ),
    Endpoint(
        "post",
        "/targeting/runs",
        TARGETING,
        access.TARGETING_RUNNERS,
        202,
        body=lambda w: {"as_of": AS_OF.isoformat()},
        outside=None,
    ),
    Endpoint(
        "get",
        "/targeting/households/{household}",
        TARGETING,
        access.REGISTRY_READERS & access.TARGETING_READERS,
        200,
        shows=lambda w, answer: (
            answer["household_id"] == w.family.external_id
            and answer["run"]["id"] == w.run.pk
            and bool(answer["decisions"])
        ),
        run="results",
    ),
    # cases
    Endpoint(
        "get",
        "/cases",
        CASES,
        access.CASE_READERS,
        200,
        outside="unlisted",
        shows=lambda w, answer: w.case.pk in _items(answer),
    ),
    Endpoint(
        "get",
        "/cases/{case}",
        CASES,
        access.CASE_READERS,
        200,
        shows=lambda w, answer: answer["id"] == w.case.pk,
    ),
    Endpoint(
        "get",
        "/cases/{case}/partner-programmes",
        CASES,
        access.CASE_READERS,
        200,
        # the family is on the business track: KUR fits, Prakerja (employment) does not
        shows=lambda w, answer: (
            {(p["code"], p["fits"]) for p in answer} >= {("KUR_MIKRO", True), ("PRAKERJA", False)}
        ),
    ),
    Endpoint(
        "post",
        "/cases",
        CASES,
        access.REGISTRY_READERS & access.CASE_OPENERS,
        201,
        body=_open_case_body,
    ),
    Endpoint(
        "post",
        "/cases/{case}/moves",
        CASES,
        RECORD_WRITERS,
        200,
        body=lambda w: {"to_stage": "protection", "expected_version": w.version()},
    ),
    Endpoint(
        "post",
        "/cases/{case}/assessments",
        CASES,
        # a cluster found on a person is recorded as a manual cluster membership
        RECORD_WRITERS & access.SPECIFIC_DATA_READERS,
        201,
        body=_assessment_body,
    ),
    Endpoint(
        "post",
        "/cases/{case}/plans",
        CASES,
        RECORD_WRITERS,
        201,
        body=lambda w: {"kind": "rehabilitation", "goals": "therapy for the child"},
    ),
    Endpoint(
        "post",
        "/cases/{case}/services",
        CASES,
        RECORD_WRITERS,
        201,
        body=lambda w: {
            "component": "care",
            "provider_type": "family",
            "started_on": TODAY.isoformat(),
        },
    ),
    Endpoint(
        "post",
        "/cases/{case}/functioning",
        CASES,
        RECORD_WRITERS,
        201,
        body=lambda w: {
            "assessed_on": TODAY.isoformat(),
            "phase": "before",
            "scores": dict.fromkeys(DOMAINS, 3),
        },
    ),
    Endpoint(
        "post",
        "/cases/{case}/conditionality",
        CASES,
        RECORD_WRITERS,
        201,
        body=lambda w: {
            "person_id": w.family.members.get(full_name="Ani").pk,  # born 2022
            "obligation": "health",
            "month": TODAY.isoformat(),
            "value": 1,
        },
    ),
    Endpoint(
        "post",
        "/cases/{case}/atensi-steps",
        CASES,
        RECORD_WRITERS,
        201,
        body=lambda w: {"step": "engagement", "on": TODAY.isoformat()},
    ),
    Endpoint(
        "post",
        "/cases/{case}/trainings",
        CASES,
        RECORD_WRITERS,
        201,
        body=lambda w: {
            "course": "catering",
            "provider": "BLK Bogor",
            "started_on": TODAY.isoformat(),
        },
        track="employment",
    ),
    Endpoint(
        "post",
        "/cases/{case}/placements",
        CASES,
        RECORD_WRITERS,
        201,
        body=lambda w: {
            "employer": "PT Roti",
            "started_on": TODAY.isoformat(),
            "monthly_wage": 5_000_000,
        },
        track="employment",
    ),
    Endpoint(
        "post",
        "/cases/{case}/empowerment",
        CASES,
        RECORD_WRITERS,
        201,
        body=lambda w: {
            "given_on": TODAY.isoformat(),
            "capital_items": [{"item": "food cart", "value": 1_500_000}],
            "training": "bookkeeping",
            "mentoring_sessions": 2,
        },
    ),
    Endpoint(
        "post",
        "/cases/{case}/incomes",
        CASES,
        RECORD_WRITERS,
        201,
        body=lambda w: {"month": "2026-02-01", "amount": 2_500_000},
    ),
    Endpoint(
        "post",
        "/cases/{case}/graduation",
        CASES,
        RECORD_WRITERS,
        201,
        body=lambda w: {"type": "mandiri", "signed_statement": True},
    ),
    Endpoint(
        "post",
        "/cases/{case}/graduation/{proposal}/decision",
        CASES,
        access.CASE_READERS & access.GRADUATION_APPROVERS,
        201,
        body=lambda w: {
            "approve": False,
            "reason": "income not yet stable",
            "expected_version": w.version(),
        },
    ),
    Endpoint(
        "post",
        "/cases/{case}/enrolment-requests",
        CASES,
        RECORD_WRITERS,
        201,
        body=lambda w: {"programme": "PKH", "action": "enrol", "reason": "a child at school"},
    ),
    Endpoint(
        "post",
        "/cases/{case}/referrals",
        CASES,
        RECORD_WRITERS,
        201,
        body=lambda w: {"programme": "JKN_PBI", "consent_method": "signed"},
    ),
    Endpoint(
        "post",
        "/cases/{case}/referrals/{referral}/revoke",
        CASES,
        RECORD_WRITERS,
        201,
        body=lambda w: {"notes": "the family withdrew its consent"},
    ),
    Endpoint(
        "post",
        "/cases/{case}/follow-ups/{follow_up}/done",
        CASES,
        RECORD_WRITERS,
        201,
        body=lambda w: {"notes": "visited; the stall is running"},
    ),
    Endpoint(
        "post",
        "/cases/{case}/transfer",
        CASES,
        # services.assign_case: access.require(actor, CASE_ASSIGNERS)
        access.CASE_READERS & access.CASE_ASSIGNERS,
        201,
        body=_transfer_body,
    ),
    # partner agencies: the referrals sent to their organisation
    Endpoint(
        "get",
        "/referrals",
        CASES,
        access.REFERRAL_PARTNERS,
        200,
        outside="unlisted",
        shows=lambda w, answer: w.referral_pk in _items(answer),
    ),
    Endpoint(
        "post",
        "/referrals/{referral}",
        CASES,
        access.REFERRAL_PARTNERS,
        200,
        body=lambda w: {"status": "accepted"},
        shows=lambda w, answer: answer["id"] == w.referral_pk and answer["status"] == "accepted",
    ),
]
BY_NAME = {endpoint.name: endpoint for endpoint in ENDPOINTS}


# -- calling -----------------------------------------------------------------------------------


def _prepare(world: World, endpoint: Endpoint, *, read: bool) -> None:
    """Give ``world`` the run the endpoint needs: the engine runs only when the answer will
    show its results (``read``); a refused request never gets that far. A family switches
    track by a new empowerment plan."""
    if endpoint.track is not None:
        services.write_plan(
            actor=world.worker,
            case=world.case,
            kind=CasePlan.Kind.EMPOWERMENT,
            track=endpoint.track,
            goals="a job as a cook",
            today=TODAY,
        )
    if endpoint.run == "results" and read:
        world.run = run_targeting_for_registry(AS_OF)
    elif endpoint.run is not None:
        world.run = TargetingRun.objects.create(
            as_of=AS_OF, rules_text="", status=TargetingRun.Status.COMPLETED
        )


def _footprint() -> tuple[int, int, int]:
    """What any write of these endpoints adds to: every change to a case is an event."""
    return CaseEvent.objects.count(), Case.objects.count(), TargetingRun.objects.count()


def _call(client, world: World, endpoint: Endpoint, user: User, scopes: list[str]):
    _token, secret = create_token(user, "matrix", scopes)
    path = "/api/v1" + endpoint.path.format(
        case=world.case.pk,
        household=world.family.pk,
        referral=world.referral_pk,
        proposal=world.proposal_pk,
        follow_up=world.follow_up_pk,
        run=world.run.pk if world.run else 0,
    )
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    if endpoint.method == "get":
        return client.get(path, **auth)
    body = json.dumps(endpoint.body(world) if endpoint.body else {})
    return client.post(path, body, content_type="application/json", **auth)


def _every_scope() -> list[str]:
    return list(ApiToken.Scope.values)


# -- the matrix --------------------------------------------------------------------------------

ROLE_CASES = [
    pytest.param(endpoint.name, role, id=f"{endpoint.name} | {role}")
    for endpoint in ENDPOINTS
    for role in Role.values
]


@pytest.mark.parametrize(("name", "role"), ROLE_CASES)
def test_each_role_is_allowed_or_refused(client, world, name, role):
    endpoint = BY_NAME[name]
    _prepare(world, endpoint, read=role in endpoint.allowed)
    before = _footprint()
    response = _call(client, world, endpoint, world.user(role), _every_scope())
    if role in endpoint.allowed:
        assert response.status_code == endpoint.success, response.content
        if endpoint.shows is not None:
            assert endpoint.shows(world, response.json()), response.json()
    else:
        assert response.status_code == 403, response.content
        assert response["Content-Type"] == "application/problem+json"
        assert _footprint() == before


def _elsewhere_roles(endpoint: Endpoint) -> list[str]:
    """The allowed roles that can be scoped elsewhere: a region, or an organisation."""
    return sorted(
        role
        for role in endpoint.allowed
        if ROLE_SCOPE_LEVEL[role] is not None or role in access.REFERRAL_PARTNERS
    )


REGION_CASES = [
    pytest.param(endpoint.name, role, id=f"{endpoint.name} | {role} elsewhere")
    for endpoint in ENDPOINTS
    if endpoint.outside is not None
    for role in _elsewhere_roles(endpoint)
]


@pytest.mark.parametrize(("name", "role"), REGION_CASES)
def test_records_outside_the_users_scope_stay_hidden(client, world, name, role):
    endpoint = BY_NAME[name]
    _prepare(world, endpoint, read=endpoint.outside == "limited")
    user = world.user(role, ELSEWHERE)
    before = _footprint()
    response = _call(client, world, endpoint, user, _every_scope())
    if endpoint.outside == "hidden":
        assert response.status_code == 404, response.content
        assert response["Content-Type"] == "application/problem+json"
    elif endpoint.outside == "unlisted":
        assert response.status_code == 200, response.content
        assert response.json()["count"] == 0
    else:  # "limited": what was run is not regional, the figures shown are
        assert response.status_code == 200, response.content
        answer = response.json()
        assert answer["id"] == world.run.pk
        assert answer["region"] == access.region_prefix(user)
        assert answer["programmes"]
        # the run decided on the family, in the user's sight only outside their region
        assert Decision.objects.filter(run=world.run, household=world.family).exists()
        assert not any(p["decided"] or p["eligible"] for p in answer["programmes"])
        assert not any(c["persons"] for c in answer["clusters"])
    assert _footprint() == before


def _allowed_user_role(endpoint: Endpoint) -> str:
    return Role.ADMINISTRATOR if Role.ADMINISTRATOR in endpoint.allowed else min(endpoint.allowed)


@pytest.mark.parametrize("name", [e.name for e in ENDPOINTS])
def test_a_token_without_the_endpoints_scope_is_refused(client, world, name):
    endpoint = BY_NAME[name]
    _prepare(world, endpoint, read=False)
    user = world.user(_allowed_user_role(endpoint))
    other_scopes = [scope for scope in _every_scope() if scope != endpoint.scope]
    before = _footprint()
    response = _call(client, world, endpoint, user, other_scopes)
    assert response.status_code == 403, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert _footprint() == before


def _shape(path: str) -> str:
    return re.sub(r"\{\w+\}", "{}", path)


def test_the_matrix_lists_every_targeting_and_case_endpoint():
    served = {
        (method, _shape(path.removeprefix("/api/v1")))
        for path, operations in api.get_openapi_schema()["paths"].items()
        for method, operation in operations.items()
        if {"targeting", "cases"} & set(operation.get("tags", ()))
    }
    assert len(served) == len(ENDPOINTS)
    assert {(e.method, _shape(e.path)) for e in ENDPOINTS} == served
