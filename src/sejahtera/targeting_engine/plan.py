"""The plan of a targeting run: its stages in order, from the input views to the outputs.

``build_plan`` returns the stages of one targeting run, in order: each stage is a named
``SELECT`` over the input views and the earlier stages. DuckDB runs them as written; for Spark
each is transpiled with sqlglot (``to_spark``).

Input views (every column a string; absent optional columns are NULL):
``households_input``, ``persons_input`` (registry format v1) and, when external deciles are
given, ``deciles_input`` (household_id, national_decile).
"""

from __future__ import annotations

from datetime import date

import sqlglot

from sejahtera.domain.targeting.rules import Rules
from sejahtera.targeting_engine import (
    clusters,
    components,
    deciles,
    inputs,
    programmes,
    welfare,
)
from sejahtera.targeting_engine.sql import Stage, number


def _person_results() -> str:
    return """
SELECT
    p.person_id,
    p.household_id,
    p.status,
    CASE WHEN p.birth_date IS NOT NULL THEN p.age END AS age,
    p.national_decile,
    c.clusters,
    c.cluster_reasons
FROM persons_with_deciles AS p
LEFT JOIN person_clusters AS c ON c.person_id = p.person_id"""


def _extreme_poor(rules: Rules) -> str:
    """Below the rules' extreme-poverty line (predicted consumption per person a month)."""
    if rules.extreme_poverty is None:
        return "FALSE"
    return (
        "COALESCE(d.living_members > 0 "
        f"AND d.welfare_score < {number(rules.extreme_poverty.line)}, FALSE)"
    )


def _household_results(rules: Rules) -> str:
    return f"""
SELECT
    d.household_id,
    d.province_code,
    d.regency_code,
    d.living_members,
    CASE WHEN d.living_members > 0 THEN d.log_welfare_score END AS log_welfare_score,
    CASE WHEN d.living_members > 0 THEN d.welfare_score END AS welfare_score,
    d.national_decile,
    d.province_decile,
    d.regency_decile,
    d.decile_source,
    {_extreme_poor(rules)} AS extreme_poor,
    COALESCE(b.eligible_persons, 0) AS pbi_jk_persons,
    COALESCE(b.eligible_persons, 0) * {rules.pbi_jk.monthly_amount_per_person}
        AS pbi_jk_monthly_amount
FROM household_deciles AS d
LEFT JOIN (
    SELECT household_id, SUM(CASE WHEN pbi_jk_eligible THEN 1 ELSE 0 END) AS eligible_persons
    FROM person_programmes
    GROUP BY household_id
) AS b ON b.household_id = d.household_id"""


def build_plan(
    rules: Rules,
    as_of: date,
    *,
    external_deciles: bool = False,
    manual_clusters: bool = False,
    reviewed: bool = False,
    typed_households: bool = False,
    typed_persons: bool = False,
) -> list[Stage]:
    """Every stage of a targeting run, in the order they must run. The last three are the
    outputs: ``household_results``, ``person_results`` and ``decisions``. ``manual_clusters``:
    the run reads ``manual_clusters_input`` (memberships recorded by social workers);
    ``reviewed``: ``decision_overrides_input`` (a reviewer's verdicts on objections);
    ``typed_households``/``typed_persons``: that input holds its dates, numbers and flags as
    values (the registry's snapshot), not as format v1 text."""
    model = rules.pmt_model
    manual = [Stage("manual_clusters", clusters.manual_clusters())] if manual_clusters else []
    overrides = (
        [
            Stage(
                "household_overrides",
                programmes.decision_overrides("household", rules.household_programmes),
            ),
            Stage(
                "person_overrides", programmes.decision_overrides("person", rules.person_programmes)
            ),
        ]
        if reviewed
        else []
    )
    return [
        Stage("households_parsed", inputs.households_parsed(typed_households), materialize=True),
        Stage("persons_parsed", inputs.persons_parsed(typed_persons)),
        Stage("persons_at_as_of", inputs.persons_at_as_of(as_of), materialize=True),
        Stage("living_members", "\nSELECT * FROM persons_at_as_of WHERE status = 'member'"),
        Stage("household_composition", inputs.household_composition()),
        Stage("household_features", welfare.household_features(model)),
        Stage("welfare_scores", welfare.welfare_scores(model), materialize=True),
        Stage("household_deciles", deciles.household_deciles(external_deciles), materialize=True),
        Stage("persons_with_deciles", inputs.persons_with_deciles(), materialize=True),
        *manual,
        Stage("member_clusters", clusters.member_clusters(rules, manual_clusters)),
        Stage("person_clusters", clusters.person_clusters(), materialize=True),
        *overrides,
        *components.component_stages(
            "pkh",
            "pkh",
            rules.pkh.components,
            rules.pkh.max_components,
            rules.pkh.max_decile,
            reviewed,
        ),
        *(
            stage
            for p in rules.custom
            if p.components
            for stage in components.component_stages(
                f"programme_{p.code.lower()}",
                p.code.lower(),
                p.components,
                p.max_components,
                p.max_decile,
                reviewed,
            )
        ),
        Stage(
            "household_programmes",
            programmes.household_programmes(rules, external_deciles, reviewed),
            materialize=True,
        ),
        Stage("household_decisions", programmes.household_decisions(rules)),
        Stage("person_programmes", programmes.person_programmes(rules, reviewed), materialize=True),
        Stage("person_decisions", programmes.person_decisions(rules)),
        Stage("household_results", _household_results(rules)),
        Stage("person_results", _person_results()),
        Stage(
            "decisions",
            "\nSELECT * FROM household_decisions\nUNION ALL\nSELECT * FROM person_decisions",
        ),
    ]


OUTPUTS = ("household_results", "person_results", "decisions")


def to_spark(sql: str) -> str:
    """Transpile one stage from DuckDB to Spark SQL."""
    return str(sqlglot.transpile(sql, read="duckdb", write="spark")[0])


def script(
    rules: Rules, as_of: date, *, external_deciles: bool = False, dialect: str = "duckdb"
) -> str:
    """The whole run as one readable SQL script of views (for review and documentation)."""
    parts = []
    for stage in build_plan(rules, as_of, external_deciles=external_deciles):
        sql = stage.sql if dialect == "duckdb" else "\n" + to_spark(stage.sql)
        parts.append(f"CREATE OR REPLACE TEMP VIEW {stage.name} AS{sql};")
    return "\n\n".join(parts) + "\n"
