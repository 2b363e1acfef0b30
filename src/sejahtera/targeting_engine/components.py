"""PKH-style components (PKH and the rules' own component programmes): each member's best
component, the caps, the household's kept components and their reasons."""

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


def _best_components(components: tuple[PkhComponent, ...]) -> str:
    """Step 1: each living member's single best component — the first they qualify for in
    the order highest amount first, ties in table order — in one pass over the members."""
    ranked = sorted(components, key=lambda c: (-c.yearly_amount, c.order))
    conditions = [_component_condition(c) for c in ranked]

    def pick(values: list[str]) -> str:
        whens = " ".join(f"WHEN {i} THEN {value}" for i, value in enumerate(values, start=1))
        return f"CASE best {whens} END"

    best = " ".join(
        f"WHEN {condition} THEN {i}" for i, (condition, _) in enumerate(conditions, start=1)
    )
    caps = [number(c.cap) if c.cap is not None else "CAST(NULL AS INTEGER)" for c in ranked]
    return f"""
SELECT
    household_id,
    person_id,
    {pick([text(c.code) for c in ranked])} AS component,
    {pick([str(c.order) for c in ranked])} AS table_order,
    CAST({pick([number(c.yearly_amount) for c in ranked])} AS BIGINT) AS yearly_amount,
    {pick(caps)} AS cap,
    {pick([facts for _, facts in conditions])} AS facts
FROM (
    SELECT *, CASE {best} END AS best
    FROM living_members
) AS members
WHERE best IS NOT NULL"""


def _kept_components(best: str, max_components: int | None) -> str:
    """Steps 2 and 3 of the spec over the members' best components: each component capped
    (no fallback), then at most max_components kept, highest first."""
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
    ) AS capped
) AS counted"""


def _component_households(kept: str, max_components: int | None) -> str:
    """Per household: the kept components, their yearly sum, and why each counted or not."""
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
GROUP BY household_id"""


def component_stages(
    prefix: str, components: tuple[PkhComponent, ...], max_components: int | None
) -> list[Stage]:
    """``{prefix}_households``: the components of every household with at least one."""
    return [
        Stage(f"{prefix}_best", _best_components(components)),
        Stage(f"{prefix}_components", _kept_components(f"{prefix}_best", max_components)),
        Stage(
            f"{prefix}_households",
            _component_households(f"{prefix}_components", max_components),
            materialize=True,
        ),
    ]
