"""Targeting endpoints: runs, a run's figures (within the token user's region), a household's
current decisions, and starting a run (analysts and administrators, scope ``targeting``)."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from django.http import Http404, HttpRequest
from ninja import Path, Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import Field

from sejahtera.accounts import access
from sejahtera.accounts.models import ApiToken
from sejahtera.api.common import (
    KEYED_PROBLEMS,
    PROBLEMS,
    PageQuery,
    RecordId,
    once_per_key,
    page_of,
    token_user,
)
from sejahtera.domain.targeting.rules import RulesError
from sejahtera.domain.targeting.runs import RunRefused
from sejahtera.i18n import render_reasons, render_refusal
from sejahtera.registry import privacy
from sejahtera.registry import selectors as registry_selectors
from sejahtera.registry.models import Household
from sejahtera.targeting import selectors, tasks
from sejahtera.targeting.limits import LimitsInvalid
from sejahtera.targeting.models import Decision, TargetingRun

router = Router(tags=["targeting"])
SCOPE = ApiToken.Scope.TARGETING


class RunOut(Schema):
    id: int
    as_of: date
    rules_version: str
    engine: str
    status: str
    is_simulation: bool
    base_run: int | None
    households: int
    persons: int
    progress: dict[str, Any]
    error: str


SMALL_CELL_NOTE = (
    "null: fewer than five, withheld from roles that may not read specific data (a small count "
    "of a specific cluster, or of a programme that reveals one, points at someone)."
)


class ProgrammeCount(Schema):
    programme: str
    decided: int | None = Field(description=SMALL_CELL_NOTE)
    eligible: int | None = Field(description=SMALL_CELL_NOTE)
    limited: int | None = Field(description=SMALL_CELL_NOTE)
    yearly_cost: int | None = Field(description="null when its counts are withheld.")


class ClusterCount(Schema):
    cluster: str
    persons: int | None = Field(description=SMALL_CELL_NOTE)
    manual: int | None = Field(description=SMALL_CELL_NOTE)


class ExtremePovertyCount(Schema):
    households: int = Field(description="Below the rules' extreme-poverty line.")
    persons: int = Field(description="Their living members.")


class RunDetail(RunOut):
    region: str = Field(description="Region code prefix the counts are limited to ('' = all).")
    programmes: list[ProgrammeCount]
    clusters: list[ClusterCount]
    extreme_poor: ExtremePovertyCount


class RunPage(Schema):
    count: int
    page: int
    page_size: int
    next_page: int | None
    items: list[RunOut]


AMOUNT_WITHHELD = (
    "Null when it is none, or withheld: a PKH amount (or any summed from components) is "
    "withheld with the components from roles that may not read specific personal data."
)


class DecisionOut(Schema):
    programme: str
    person_id: str | None = Field(description="Source id; null for a household programme.")
    eligible: bool
    components: list[str]
    monthly_amount: int | None = Field(description=AMOUNT_WITHHELD)
    yearly_amount: int | None = Field(description=AMOUNT_WITHHELD)
    per_stage_amount: int | None = Field(description=AMOUNT_WITHHELD)
    one_off_amount: int | None = Field(description=AMOUNT_WITHHELD)
    limited_by: str
    reasons: list[str] = Field(
        description="Why, in words in the language of Accept-Language (Bahasa Indonesia by "
        "default, or English). Empty when withheld (specific personal data)."
    )
    reason_codes: list[str] = Field(
        description="The same reasons as stable codes with their parameters, "
        "CODE:param:… (docs/targeting.md lists them). Empty when withheld."
    )


class HouseholdDecisions(Schema):
    run: RunOut | None
    household_id: str
    national_decile: int | None
    decisions: list[DecisionOut]
    withheld: bool


class RunCreate(Schema):
    as_of: date
    engine: Literal["duckdb", "spark"] = "duckdb"
    rules_text: str | None = Field(
        None,
        max_length=200_000,
        description="Rules TOML, for a simulation only (a real run uses the rules in force, "
        "which an administrator sets); the rules in force when absent.",
    )
    simulation: bool = False
    limits: dict[str, dict[str, Any]] | None = Field(
        None,
        description="Quotas and budget ceilings per programme, applied poorest first: "
        '{"PKH": {"budget": 5000000000, "quotas": {"3201": 1200}}}.',
    )


def _run_out(run: TargetingRun) -> RunOut:
    return RunOut(
        id=run.pk,
        as_of=run.as_of,
        rules_version=run.rules_version,
        engine=run.engine,
        status=run.status,
        is_simulation=run.is_simulation,
        base_run=run.base_run_id,
        households=run.households,
        persons=run.persons,
        progress=run.progress,
        error=run.error,
    )


@router.get("/targeting/runs", response={200: RunPage, **PROBLEMS})
def list_runs(request: HttpRequest, filters: Query[PageQuery]) -> dict[str, Any]:
    user = token_user(request, SCOPE, PageQuery)
    runs = selectors.runs_for(user)
    start, end = filters.bounds()
    return page_of(filters, runs.count(), [_run_out(r) for r in runs[start:end]])


@router.get("/targeting/runs/{run_pk}", response={200: RunDetail, **PROBLEMS})
def get_run(request: HttpRequest, run_pk: Path[RecordId]) -> RunDetail:
    user = token_user(request, SCOPE)
    try:
        run = selectors.run_for(user, run_pk)
    except TargetingRun.DoesNotExist:
        raise Http404 from None
    figures = (
        selectors.run_figures(user, run)
        if run.status == TargetingRun.Status.COMPLETED
        else {"programmes": [], "clusters": [], "extreme_poor": {"households": 0, "persons": 0}}
    )
    return RunDetail(
        **_run_out(run).model_dump(),
        region=access.region_prefix(user),
        programmes=[ProgrammeCount(**r) for r in figures["programmes"]],
        clusters=[ClusterCount(**r) for r in figures["clusters"]],
        extreme_poor=ExtremePovertyCount(**figures["extreme_poor"]),
    )


@router.post("/targeting/runs", response={202: RunOut, **KEYED_PROBLEMS})
def start_run(request: HttpRequest, body: RunCreate) -> Status[RunOut]:
    user = token_user(request, SCOPE)
    access.require(user, access.TARGETING_RUNNERS)

    def write() -> Status[RunOut]:
        try:
            run = tasks.start_run(
                user,
                body.as_of,
                engine=body.engine,
                rules_text=body.rules_text,
                simulation=body.simulation,
                base_run=selectors.latest_run() if body.simulation else None,
                limits=body.limits,
            )
        except RulesError as invalid:
            raise HttpError(422, str(invalid)) from None
        except (RunRefused, LimitsInvalid, tasks.RulesNotInForce) as invalid:
            raise HttpError(422, render_refusal(invalid)) from None
        return Status(202, _run_out(run))

    def reread(first: dict[str, Any]) -> RunOut:
        try:
            return _run_out(selectors.run_for(user, first["id"]))
        except TargetingRun.DoesNotExist:
            raise Http404 from None

    return once_per_key(request, user, write, reread)  # type: ignore[return-value]


def _amounts(decision: Decision, *, withheld: bool) -> dict[str, int | None]:
    fields = ("monthly_amount", "yearly_amount", "per_stage_amount", "one_off_amount")
    return {name: None if withheld else getattr(decision, name) for name in fields}


@router.get("/targeting/households/{household_pk}", response={200: HouseholdDecisions, **PROBLEMS})
def household_decisions(request: HttpRequest, household_pk: Path[RecordId]) -> HouseholdDecisions:
    """The current run's decisions for a household (reasons withheld from roles that may not
    read specific personal data, and ATENSI or any programme decided on clusters or person flags,
    which reveals a vulnerable cluster)."""
    user = token_user(request, SCOPE)
    try:
        household = registry_selectors.household_for(user, household_pk)
    except Household.DoesNotExist:
        raise Http404 from None
    run, decisions = selectors.latest_decisions(user, household)
    if privacy.may_read_specific(user):  # components and reasons reveal specific data
        access.log_sensitive_read(user, "household", [household.pk], request.path)
    decile = None
    amounts_withheld: frozenset[str] = frozenset()
    if run is not None:
        amounts_withheld = selectors.amounts_withheld_from(user, run)
        result = selectors.household_result(run, household)
        decile = result.national_decile if result else None
    return HouseholdDecisions(
        run=_run_out(run) if run else None,
        household_id=household.external_id,
        national_decile=decile,
        withheld=not privacy.may_read_specific(user),
        decisions=[
            DecisionOut(
                programme=d.programme,
                person_id=d.person.external_id if d.person else None,
                eligible=d.eligible,
                components=selectors.grounds_shown_to(user, d.components),
                **_amounts(d, withheld=d.programme in amounts_withheld),
                limited_by=d.limited_by,
                reasons=render_reasons(selectors.grounds_shown_to(user, d.reasons)),
                reason_codes=selectors.grounds_shown_to(user, d.reasons),
            )
            for d in decisions
        ],
    )
