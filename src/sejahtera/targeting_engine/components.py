"""PKH-style components (PKH and the rules' own component programmes): each member's best
component, the caps, the household's kept components and their reasons.

Components are counted (capped, ranked, summed and explained) only for the households they can
decide: those within the programme's decile, and those a reviewer gave a verdict on. Beyond the
decile a household is refused on its decile; counting its members' components, most of the
country's, cost more than half of the PKH stage and changed nothing it receives. Such a household
is still told when no member qualifies for any component (``NO_COMPONENT``), which an objection's
reviewer relies on: turning its decision around would pay nothing."""

from __future__ import annotations

from sejahtera.domain.targeting.rules import PkhComponent
from sejahtera.targeting_engine.sql import (
    LIST_SEPARATOR,
    SEPARATOR,
    Stage,
    as_str,
    number,
    reason,
    text,
    tokens,
)


def _component_condition(c: PkhComponent) -> tuple[str, str]:
    """(the member qualifies, the facts that make them qualify as one reason's tokens)."""
    conditions, facts = [], []
    age = as_str("age")
    if c.pregnant:
        conditions.append("pregnant")
        facts.append(reason("FLAG", text("pregnant")))
    if c.school_enrolled is not None:
        conditions.append(f"school_enrolled = {text(c.school_enrolled)}")
        facts.append(reason("SCHOOL", text(c.school_enrolled)))
    if c.disability_severity is not None:
        conditions.append(f"disability_severity = {text(c.disability_severity)}")
        facts.append(reason("DISABILITY_SEVERITY", text(c.disability_severity)))
    if c.min_age is not None and c.max_age is not None:
        conditions.append(f"age BETWEEN {c.min_age} AND {c.max_age}")
        facts.append(reason("AGE_IN", age, c.min_age, c.max_age))
    elif c.min_age is not None:
        conditions.append(f"age >= {c.min_age}")
        facts.append(reason("AGE_AT_LEAST", age, c.min_age))
    elif c.max_age is not None:
        conditions.append(f"age <= {c.max_age}")
        facts.append(reason("AGE_AT_MOST", age, c.max_age))
    return " AND ".join(conditions), tokens(*facts)


def _counted(name: str, max_decile: int | None, reviewed: bool) -> str:
    """Whether the components of programme ``name`` are counted for a member's household (SQL
    over ``m.national_decile`` and, when ``reviewed``, ``o``, the household's verdicts):
    within ``max_decile``, or with a reviewer's verdict on the programme."""
    within = (
        "TRUE"
        if max_decile is None
        else f"COALESCE(m.national_decile <= {number(max_decile)}, FALSE)"
    )
    return f"({within} OR o.{name}_verdict IS NOT NULL)" if reviewed else within


def _best_components(components: tuple[PkhComponent, ...], scope: str, reviewed: bool) -> str:
    """Step 1: each living member's single best component — the first they qualify for in
    the order highest amount first, ties in table order — in one pass over the members;
    ``counted``: the household is in ``scope`` (``_counted``)."""
    ranked = sorted(components, key=lambda c: (-c.yearly_amount, c.order))
    conditions = [_component_condition(c) for c in ranked]

    def pick(values: list[str]) -> str:
        whens = " ".join(f"WHEN {i} THEN {value}" for i, value in enumerate(values, start=1))
        return f"CASE best {whens} END"

    best = " ".join(
        f"WHEN {condition} THEN {i}" for i, (condition, _) in enumerate(conditions, start=1)
    )
    caps = [number(c.cap) if c.cap is not None else "CAST(NULL AS INTEGER)" for c in ranked]
    verdicts = (
        "\n    LEFT JOIN household_overrides AS o ON o.household_id = m.household_id"
        if reviewed
        else ""
    )
    return f"""
SELECT
    household_id,
    person_id,
    {pick([text(c.code) for c in ranked])} AS component,
    {pick([str(c.order) for c in ranked])} AS table_order,
    CAST({pick([number(c.yearly_amount) for c in ranked])} AS BIGINT) AS yearly_amount,
    {pick(caps)} AS cap,
    {pick([facts for _, facts in conditions])} AS facts,
    counted
FROM (
    SELECT m.*, CASE {best} END AS best, {scope} AS counted
    FROM persons_with_deciles AS m{verdicts}
    WHERE m.status = 'member'
) AS members
WHERE best IS NOT NULL"""


def _kept_components(best: str, max_components: int | None) -> str:
    """Steps 2 and 3 of the spec over the counted members' best components: each component
    capped (no fallback), then at most max_components kept, highest first."""
    kept = (
        "within_cap"
        if max_components is None
        else f"within_cap AND rank_in_household <= {number(max_components)}"
    )
    return f"""
SELECT
    *,
    {kept} AS kept
FROM (
    SELECT
        *,
        ROW_NUMBER() OVER (
            PARTITION BY household_id, within_cap
            ORDER BY yearly_amount DESC, table_order, person_id
        ) AS rank_in_household
    FROM (
        SELECT
            *,
            cap IS NULL OR ROW_NUMBER() OVER (
                PARTITION BY household_id, component ORDER BY person_id
            ) <= cap AS within_cap
        FROM {best}
        WHERE counted
    ) AS capped
) AS counted"""


def _component_households(best: str, kept: str, max_components: int | None) -> str:
    """Per household with a member who qualifies: the kept components, their yearly sum, and
    why each counted or not — none of these for a household not counted."""
    too_many = (
        "WHEN NOT kept "
        f"THEN {reason('COMPONENT_OVER_MAX', 'component', max_components, 'person_id')} "
        if max_components is not None
        else ""
    )
    counted = (
        f"CASE WHEN NOT within_cap "
        f"THEN {reason('COMPONENT_OVER_CAP', 'component', as_str('cap'), 'person_id')} "
        f"{too_many}ELSE {reason('COMPONENT', 'component', 'person_id')} END"
    )
    why = tokens(counted, "facts")
    order = "NOT within_cap, rank_in_household"
    return f"""
SELECT
    household_id,
    SUM(CASE WHEN kept THEN 1 ELSE 0 END) AS kept_components,
    SUM(CASE WHEN kept THEN yearly_amount ELSE 0 END) AS components_amount,
    STRING_AGG(CASE WHEN kept THEN component END, '{LIST_SEPARATOR}' ORDER BY {order})
        AS components,
    STRING_AGG({why}, '{SEPARATOR}' ORDER BY {order}) AS component_reasons
FROM {kept}
GROUP BY household_id
UNION ALL
SELECT DISTINCT
    household_id,
    0 AS kept_components,
    0 AS components_amount,
    CAST(NULL AS VARCHAR) AS components,
    CAST(NULL AS VARCHAR) AS component_reasons
FROM {best}
WHERE NOT counted"""


def component_stages(
    prefix: str,
    name: str,
    components: tuple[PkhComponent, ...],
    max_components: int | None,
    max_decile: int | None,
    reviewed: bool,
) -> list[Stage]:
    """``{prefix}_households``: every household with a member who qualifies for a component
    of programme ``name``, the components counted where they can decide (``_counted``;
    ``reviewed``: the run reads a reviewer's verdicts, ``household_overrides``)."""
    scope = _counted(name, max_decile, reviewed)
    return [
        Stage(f"{prefix}_best", _best_components(components, scope, reviewed)),
        Stage(f"{prefix}_components", _kept_components(f"{prefix}_best", max_components)),
        Stage(
            f"{prefix}_households",
            _component_households(f"{prefix}_best", f"{prefix}_components", max_components),
            materialize=True,
        ),
    ]
