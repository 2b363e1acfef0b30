"""Regional quotas and a yearly budget ceiling per programme.

When more subjects are eligible than a quota or the budget allows, the poorest go first: the
eligible decisions are ranked by the household's welfare score (lowest first; equal scores by
household, then person id) and taken in that order until a limit is reached. Everyone after
that point is decided "not eligible" with the limit in the reasons, and everyone taken gets
their rank in the reasons, so both can be explained. The ranking is strict: once the budget
is spent, a richer household with a cheaper benefit does not jump the queue.

Limits are stored on the run (``TargetingRun.limits``), not in the rules file, because the
engine's rules loader accepts only the rules it knows. A limit may name any programme the run's
rules decide, built-in or new:

    {"PKH": {"budget": 5_000_000_000, "quotas": {"3201": 1200, "3273": 800}}}
"""

from __future__ import annotations

import tomllib
from collections import defaultdict
from typing import Any

from django.db.models import F, OuterRef, Subquery

from sejahtera.domain.findings import Refused, gettext_noop
from sejahtera.domain.targeting.reasons import token
from sejahtera.registry.models import Region
from sejahtera.targeting.models import Decision, HouseholdResult, TargetingRun

REGION_CODE_LENGTHS = (2, 4, 6, 10)


class LimitsInvalid(Refused):
    """Limits that cannot apply, in words rendered in the reader's language at the edge."""


def parse_limits_text(text: str) -> dict[str, Any]:
    """Limits written as TOML, one table per programme (checked against a run's rules later):

    [PKH]
    budget = 5_000_000_000
    quotas = { "3201" = 1200, "3273" = 800 }
    """
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as invalid:
        raise LimitsInvalid(
            gettext_noop("the limits are not TOML: {detail}"), detail=str(invalid)
        ) from None


def merged_limits(base: dict[str, Any], budgets: dict[str, int]) -> dict[str, Any]:
    """``base`` limits with the ``budgets`` typed beside them taking precedence."""
    merged = {programme: dict(settings) for programme, settings in base.items()}
    for programme, budget in budgets.items():
        merged.setdefault(programme, {})["budget"] = budget
    return merged


def check_limits(limits: dict[str, Any], programmes: tuple[str, ...]) -> dict[str, Any]:
    """The limits in canonical form (``programmes``: those the run's rules decide; a quota's
    region is one of the official regions); LimitsInvalid naming the first problem."""
    clean: dict[str, Any] = {}
    for programme, settings in limits.items():
        if programme not in programmes:
            raise LimitsInvalid(gettext_noop("{field}: unknown programme"), field=programme)
        if not isinstance(settings, dict) or set(settings) - {"budget", "quotas"}:
            raise LimitsInvalid(
                gettext_noop("{field}: only 'budget' and 'quotas' may be set"), field=programme
            )
        entry: dict[str, Any] = {}
        budget = settings.get("budget")
        if budget is not None:
            if not isinstance(budget, int) or isinstance(budget, bool) or budget < 0:
                raise LimitsInvalid(
                    gettext_noop("{field}: must be whole rupiah ≥ 0"), field=f"{programme}.budget"
                )
            entry["budget"] = budget
        quotas = settings.get("quotas") or {}
        if not isinstance(quotas, dict):
            raise LimitsInvalid(
                gettext_noop("{field}: must map region codes to numbers"),
                field=f"{programme}.quotas",
            )
        for code, quota in quotas.items():
            if not (str(code).isdigit() and len(str(code)) in REGION_CODE_LENGTHS):
                raise LimitsInvalid(
                    gettext_noop("{field}: not a region code"), field=f"{programme}.quotas.{code}"
                )
            if not isinstance(quota, int) or isinstance(quota, bool) or quota < 0:
                raise LimitsInvalid(
                    gettext_noop("{field}: must be a whole number ≥ 0"),
                    field=f"{programme}.quotas.{code}",
                )
        if quotas:
            entry["quotas"] = {str(k): v for k, v in quotas.items()}
            # A quota of a code no region has (a typo, a former code) would limit nobody.
            known = set(
                Region.objects.filter(code__in=entry["quotas"]).values_list("code", flat=True)
            )
            for code in entry["quotas"]:
                if code not in known:
                    raise LimitsInvalid(
                        gettext_noop("{field}: no region has this code"),
                        field=f"{programme}.quotas.{code}",
                    )
        if entry:
            clean[programme] = entry
    return clean


def apply_limits(run: TargetingRun) -> None:
    for programme, settings in run.limits.items():
        _apply(run, programme, settings.get("budget"), settings.get("quotas", {}))


def _apply(run: TargetingRun, programme: str, budget: int | None, quotas: dict[str, int]) -> None:
    score = HouseholdResult.objects.filter(run=run, household=OuterRef("household")).values(
        "welfare_score"
    )[:1]
    decisions = list(
        Decision.objects.filter(run=run, programme=programme, eligible=True)
        .annotate(score=Subquery(score))
        .order_by(F("score").asc(nulls_last=True), "household_id", "person_id")
    )
    used: dict[str, int] = defaultdict(int)
    spent = 0
    budget_out = False
    for rank, decision in enumerate(decisions, start=1):
        regions = [code for code in quotas if decision.region_code.startswith(code)]
        full = [code for code in regions if used[code] >= quotas[code]]
        if full:
            code = full[0]
            _limit(decision, Decision.Limit.QUOTA)
            decision.reasons.append(token("QUOTA_REACHED", code, quotas[code], rank))
            continue
        if budget is not None and (budget_out or spent + decision.yearly_cost > budget):
            budget_out = True
            _limit(decision, Decision.Limit.BUDGET)
            decision.reasons.append(token("BUDGET_REACHED", budget, spent, rank))
            continue
        for code in regions:
            used[code] += 1
        spent += decision.yearly_cost
        decision.reasons.append(token("RANK_WITHIN_LIMITS", rank))
    Decision.objects.bulk_update(
        decisions, ["eligible", "limited_by", "yearly_cost", "reasons"], batch_size=2000
    )


def _limit(decision: Decision, limit: str) -> None:
    decision.eligible = False
    decision.limited_by = limit
    decision.yearly_cost = 0
