"""The targeting logic as SQL, generated from validated rules (DuckDB dialect).

``build_plan`` returns the stages of one targeting run, in order: each stage is a named
``SELECT`` over the input views and the earlier stages. DuckDB runs them as written; for Spark
each is transpiled with sqlglot (``to_spark``). The only values pasted into the SQL are the
rules' validated numbers and codes, the PMT coefficients (floats) and ``as_of`` (a date): user
data never becomes SQL text.

Input views (every column a string; absent optional columns are NULL):
``households_input``, ``persons_input`` (registry format v1) and, when external deciles are
given, ``deciles_input`` (household_id, national_decile).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import sqlglot

from sejahtera.domain.registry_format import DISABILITY, DISABILITY_SEVERITY, INMATE_STATUS
from sejahtera.domain.targeting.pmt import (
    CHILD_AGE_BELOW,
    EARNING_JOBS,
    ELDERLY_MIN_AGE,
    HEAD_CATEGORIES,
    HOUSEHOLD_CATEGORIES,
    Feature,
    PmtModel,
)
from sejahtera.domain.targeting.rules import (
    BOOLEAN_FLAGS,
    CLUSTER_CODES,
    ClusterRule,
    PkhComponent,
    Rules,
)

DATE_PATTERN = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
INTEGER_PATTERN = "^[0-9]+$"
DECIMAL_PATTERN = "^[0-9]+([.][0-9]+)?$"
TRUE_WORDS = ("true", "1", "ya")
SEPARATOR = "; "  # between the reasons of one decision
LIST_SEPARATOR = ";"  # between codes (clusters, PKH components)
CLUSTER_SEPARATOR = " | "  # between the reasons of different clusters


@dataclass(frozen=True)
class Stage:
    name: str
    sql: str  # a SELECT in DuckDB dialect
    materialize: bool = False  # worth caching: read by several later stages


# -- literals ---------------------------------------------------------------------------------


def text(value: str) -> str:
    """A SQL string literal. Values are validated codes, but quote properly anyway."""
    return "'" + value.replace("'", "''") + "'"


def texts(values: tuple[str, ...] | list[str]) -> str:
    return ", ".join(text(v) for v in values)


def number(value: int) -> str:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected an int, got {value!r}")
    return str(value)


def real(value: float) -> str:
    # Scientific notation is a DOUBLE literal in DuckDB and Spark alike (not a DECIMAL).
    return f"{value:.17e}"


def as_str(expression: str) -> str:
    return f"CAST({expression} AS VARCHAR)"


def column_name(feature: Feature) -> str:
    return "f_" + re.sub(r"[^a-z0-9]+", "_", feature.name.lower().replace("+", "_plus")).strip("_")


# -- parsing the input ------------------------------------------------------------------------


def _clean(column: str) -> str:
    return f"NULLIF(TRIM({column}), '')"


def _boolean(column: str) -> str:
    return f"COALESCE(LOWER(TRIM({column})) IN ({texts(TRUE_WORDS)}), FALSE)"


def _date(column: str) -> str:
    return (
        f"CASE WHEN regexp_matches(TRIM({column}), '{DATE_PATTERN}') "
        f"THEN TRY_CAST(TRIM({column}) AS DATE) END"
    )


def _integer(column: str) -> str:
    return (
        f"CASE WHEN regexp_matches(TRIM({column}), '{INTEGER_PATTERN}') "
        f"THEN TRY_CAST(TRIM({column}) AS BIGINT) END"
    )


def _households_parsed() -> str:
    categories = ",\n    ".join(f"{_clean(column)} AS {column}" for column in HOUSEHOLD_CATEGORIES)
    return f"""
SELECT
    TRIM(household_id) AS household_id,
    {_clean("region_code")} AS region_code,
    NULLIF(SUBSTR(TRIM(region_code), 1, 2), '') AS province_code,
    NULLIF(SUBSTR(TRIM(region_code), 1, 4), '') AS regency_code,
    COALESCE(SUBSTR(TRIM(region_code), 7, 1) = '1', FALSE) AS urban,
    {categories},
    {_integer("electricity_va")} AS electricity_va,
    CASE WHEN regexp_matches(TRIM(floor_area_m2), '{DECIMAL_PATTERN}')
        THEN TRY_CAST(TRIM(floor_area_m2) AS DOUBLE) END AS floor_area_m2,
    ';' || REPLACE(COALESCE(assets, ''), ' ', '') || ';' AS asset_list
FROM households_input"""


def _persons_parsed() -> str:
    booleans = ",\n    ".join(f"{_boolean(flag)} AS {flag}" for flag in BOOLEAN_FLAGS)
    disabilities = texts([d for d in DISABILITY if d != "none"])
    return f"""
SELECT
    TRIM(person_id) AS person_id,
    TRIM(household_id) AS household_id,
    {_clean("sex")} AS sex,
    {_date("birth_date")} AS birth_date,
    {_date("deceased_date")} AS deceased_date,
    {_clean("relationship")} AS relationship,
    {_clean("education")} AS education,
    {_clean("school_enrolled")} AS school_enrolled,
    {_clean("employment")} AS employment,
    {_integer("monthly_income_idr")} AS monthly_income_idr,
    CASE WHEN TRIM(disability) IN ({disabilities}) THEN TRIM(disability)
        ELSE 'none' END AS disability,
    CASE WHEN TRIM(disability_severity) IN ({texts(DISABILITY_SEVERITY)})
        THEN TRIM(disability_severity) ELSE 'none' END AS disability_severity,
    CASE WHEN TRIM(inmate_status) IN ({texts(INMATE_STATUS)})
        THEN TRIM(inmate_status) ELSE 'none' END AS inmate_status,
    {booleans}
FROM persons_input"""


def _persons_at_as_of(as_of: date) -> str:
    """Age in whole years at as_of: comparing month·100 + day makes a 29 February birthday
    count from 1 March in non-leap years. Status decides who is a member."""
    as_of_sql = f"DATE '{as_of.isoformat()}'"
    as_of_md = as_of.month * 100 + as_of.day
    return f"""
SELECT
    p.*,
    {as_of.year} - YEAR(p.birth_date)
        - CASE WHEN MONTH(p.birth_date) * 100 + DAY(p.birth_date) > {as_of_md}
            THEN 1 ELSE 0 END AS age,
    CASE
        WHEN p.birth_date IS NULL THEN 'invalid_birth_date'
        WHEN h.household_id IS NULL THEN 'household_unknown'
        WHEN p.birth_date > {as_of_sql} THEN 'not_yet_born'
        WHEN p.deceased_date <= {as_of_sql} THEN 'deceased'
        ELSE 'member'
    END AS status
FROM persons_parsed AS p
LEFT JOIN households_parsed AS h ON h.household_id = p.household_id"""


def _household_composition() -> str:
    return f"""
SELECT
    household_id,
    COUNT(*) AS living_members,
    SUM(CASE WHEN age < {CHILD_AGE_BELOW} THEN 1 ELSE 0 END) AS children,
    SUM(CASE WHEN age >= {ELDERLY_MIN_AGE} THEN 1 ELSE 0 END) AS elderly,
    SUM(CASE WHEN employment IN ({texts(EARNING_JOBS)}) THEN 1 ELSE 0 END) AS earners,
    MAX(CASE WHEN employment = 'civil_servant' THEN 1 ELSE 0 END) AS any_civil_servant,
    MAX(CASE WHEN employment = 'private_employee' THEN 1 ELSE 0 END) AS any_private_employee,
    MAX(CASE WHEN relationship = 'spouse' THEN 1 ELSE 0 END) AS has_living_spouse,
    MIN(CASE WHEN relationship = 'head' THEN person_id END) AS head_person_id
FROM living_members
GROUP BY household_id"""


def _feature_sql(feature: Feature) -> str:
    k = feature.kind
    if k == "category":
        return f"h.{feature.column} = {text(feature.value)}"
    if k == "category_missing":
        allowed = texts(HOUSEHOLD_CATEGORIES[feature.column])
        return f"h.{feature.column} IS NULL OR h.{feature.column} NOT IN ({allowed})"
    if k == "electricity":
        return f"h.electricity_va BETWEEN {feature.low} AND {feature.high}"
    if k == "electricity_missing":
        return "h.electricity_va IS NULL"
    if k == "log_floor_area_per_capita":
        return (
            "CASE WHEN h.floor_area_m2 > 0 "
            "THEN LN(h.floor_area_m2 / GREATEST(COALESCE(c.living_members, 0), 1)) "
            "ELSE 0 END"
        )
    if k == "floor_area_missing":
        return "h.floor_area_m2 IS NULL OR h.floor_area_m2 <= 0"
    if k == "asset":
        return f"h.asset_list LIKE {text('%;' + feature.value + ';%')}"
    if k == "urban":
        return "h.urban"
    if k == "log_size":
        return "LN(GREATEST(COALESCE(c.living_members, 0), 1))"
    if k == "share":
        return f"COALESCE(c.{feature.value}, 0) / GREATEST(COALESCE(c.living_members, 0), 1)"
    if k == "head_female":
        return "head.sex = 'P'"
    if k == "head_category":
        return f"head.{feature.column} = {text(feature.value)}"
    if k == "head_category_missing":
        allowed = texts(HEAD_CATEGORIES[feature.column])
        return f"head.{feature.column} IS NULL OR head.{feature.column} NOT IN ({allowed})"
    if k == "any_employment":
        return f"COALESCE(c.any_{feature.value}, 0) = 1"
    raise ValueError(f"unknown feature kind {k}")  # pragma: no cover


NUMERIC_FEATURES = frozenset({"log_floor_area_per_capita", "log_size", "share"})


def _feature_value(feature: Feature) -> str:
    """A feature as a DOUBLE: numeric kinds as computed, conditions as 1.0 / 0.0."""
    expression = _feature_sql(feature)
    if feature.kind in NUMERIC_FEATURES:
        return f"CAST({expression} AS DOUBLE)"
    return f"CAST(CASE WHEN {expression} THEN 1 ELSE 0 END AS DOUBLE)"


def _household_features(model: PmtModel) -> str:
    columns = ",\n    ".join(f"{_feature_value(f)} AS {column_name(f)}" for f in model.features)
    return f"""
SELECT
    h.household_id,
    h.province_code,
    h.regency_code,
    COALESCE(c.living_members, 0) AS living_members,
    COALESCE(c.has_living_spouse, 0) = 1 AS has_living_spouse,
    {columns}
FROM households_parsed AS h
LEFT JOIN household_composition AS c ON c.household_id = h.household_id
LEFT JOIN living_members AS head ON head.person_id = c.head_person_id"""


def _welfare_scores(model: PmtModel) -> str:
    terms = "\n        + ".join(
        f"{real(coefficient)} * {column_name(f)}"
        for f, coefficient in zip(model.features, model.coefficients.values(), strict=True)
    )
    return f"""
SELECT
    household_id, province_code, regency_code, living_members, has_living_spouse,
    log_welfare_score,
    CAST(ROUND(EXP(log_welfare_score)) AS BIGINT) AS welfare_score
FROM (
    SELECT
        *,
        {real(model.intercept)}
        + {terms} AS log_welfare_score
    FROM household_features
) AS predicted"""


def _decile(partition: str) -> str:
    """Person-weighted decile: the decile the household's middle person falls in, after
    sorting by welfare score then household_id (a deterministic tie-break)."""
    over = f"PARTITION BY {partition} " if partition else ""
    before = (
        f"COALESCE(SUM(living_members) OVER ({over}ORDER BY welfare_score, household_id "
        "ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)"
    )
    total = f"SUM(living_members) OVER ({over.strip()})"
    return f"LEAST(10, (20 * {before} + 10 * living_members) // (2 * {total}) + 1)"


def _household_deciles(external: bool) -> str:
    if external:
        return """
SELECT
    s.*,
    CASE WHEN s.living_members > 0 THEN CAST(TRIM(d.national_decile) AS INTEGER) END
        AS national_decile,
    CAST(NULL AS INTEGER) AS province_decile,
    CAST(NULL AS INTEGER) AS regency_decile,
    CASE WHEN s.living_members > 0 AND d.household_id IS NOT NULL THEN 'external' END
        AS decile_source
FROM welfare_scores AS s
LEFT JOIN deciles_input AS d ON TRIM(d.household_id) = s.household_id"""
    return f"""
SELECT
    s.*,
    r.national_decile,
    r.province_decile,
    r.regency_decile,
    CASE WHEN r.household_id IS NOT NULL THEN 'pmt' END AS decile_source
FROM welfare_scores AS s
LEFT JOIN (
    SELECT
        household_id,
        {_decile("")} AS national_decile,
        {_decile("province_code")} AS province_decile,
        {_decile("regency_code")} AS regency_decile
    FROM welfare_scores
    WHERE living_members > 0
) AS r ON r.household_id = s.household_id"""


# -- clusters ---------------------------------------------------------------------------------


def _flag_condition(flag: str) -> str:
    if flag == "disability":
        return "m.disability <> 'none'"
    if flag in ("inmate", "former_inmate"):
        return f"m.inmate_status = {text(flag)}"
    return f"m.{flag}"


def _flag_reason(flag: str) -> str:
    if flag == "disability":
        return "'disability ' || m.disability"
    if flag in ("inmate", "former_inmate"):
        return f"'inmate_status {flag}'"
    return text(flag)


def _any_of(flags: tuple[str, ...]) -> tuple[str, str]:
    condition = "(" + " OR ".join(_flag_condition(f) for f in flags) + ")"
    reasons = ", ".join(f"CASE WHEN {_flag_condition(f)} THEN {_flag_reason(f)} END" for f in flags)
    return condition, reasons


def _decile_reason(limit: int, column: str = "m.national_decile") -> str:
    return (
        f"CASE WHEN {column} IS NULL THEN 'no national decile' "
        f"WHEN {column} <= {limit} THEN 'decile ' || {as_str(column)} || ' ≤ {limit}' "
        f"ELSE 'decile ' || {as_str(column)} || ' > {limit}' END"
    )


def _reasons(*parts: str) -> str:
    return f"concat_ws('{SEPARATOR}', {', '.join(parts)})"


def _cluster(rule: ClusterRule) -> tuple[str, str]:
    """(condition, reason text when the condition holds) of one cluster over ``m``."""
    age = as_str("m.age")
    code = rule.code
    if code == "ANAK_RENTAN":
        assert rule.age_below is not None
        flags, flag_reasons = _any_of(rule.any_of)
        return (
            f"m.age < {rule.age_below} AND {flags}",
            _reasons(f"'age ' || {age} || ' < {rule.age_below}'", flag_reasons),
        )
    if code == "LANSIA_TELANTAR":
        assert rule.min_age is not None
        assert rule.alone_income_below is not None
        flags, flag_reasons = _any_of(rule.any_of)
        alone = (
            f"(m.living_members = 1 AND m.monthly_income_idr < {rule.alone_income_below} "
            f"AND m.national_decile <= {rule.alone_max_decile})"
        )
        alone_reason = (
            f"CASE WHEN {alone} THEN 'lives alone{SEPARATOR}income ' "
            f"|| {as_str('m.monthly_income_idr')} || ' < {rule.alone_income_below}{SEPARATOR}' "
            f"|| {_decile_reason(rule.alone_max_decile or 10)} END"
        )
        return (
            f"m.age >= {rule.min_age} AND ({flags} OR {alone})",
            _reasons(f"'age ' || {age} || ' ≥ {rule.min_age}'", flag_reasons, alone_reason),
        )
    if code == "BERPENDAPATAN_RENDAH":
        flags, flag_reasons = _any_of(rule.any_of)
        low_income = (
            f"(m.monthly_income_idr > {rule.income_above} "
            f"AND m.monthly_income_idr < {rule.income_below} "
            f"AND m.employment IN ({texts(rule.employment)}))"
        )
        income_reason = (
            f"CASE WHEN {low_income} THEN 'income {rule.income_above} < ' "
            f"|| {as_str('m.monthly_income_idr')} || ' < {rule.income_below}{SEPARATOR}"
            f"employment ' || m.employment END"
        )
        return (
            f"m.age >= {rule.min_age} AND ({flags} OR {low_income})",
            _reasons(f"'age ' || {age} || ' ≥ {rule.min_age}'", flag_reasons, income_reason),
        )
    if code == "PEREMPUAN_RENTAN":
        assert rule.sex is not None
        assert rule.max_decile is not None
        return (
            f"m.sex = {text(rule.sex)} AND m.age >= {rule.min_age} AND m.relationship = 'head' "
            f"AND NOT m.has_living_spouse AND m.national_decile <= {rule.max_decile}",
            _reasons(
                f"'sex {rule.sex}'",
                f"'age ' || {age} || ' ≥ {rule.min_age}'",
                "'household head'",
                "'no spouse in the household'",
                _decile_reason(rule.max_decile),
            ),
        )
    if code == "FAKIR_MISKIN":
        assert rule.max_decile is not None
        return f"m.national_decile <= {rule.max_decile}", _decile_reason(rule.max_decile)
    flags, flag_reasons = _any_of(rule.any_of)
    return flags, _reasons(flag_reasons)


def _member_clusters(rules: Rules) -> str:
    columns = []
    for code in CLUSTER_CODES:
        rule = rules.clusters[code]
        condition, reason = _cluster(rule) if rule.enabled else ("FALSE", "NULL")
        name = code.lower()
        columns.append(f"COALESCE({condition}, FALSE) AS in_{name}")
        columns.append(f"{reason} AS why_{name}")
    body = ",\n    ".join(columns)
    return f"""
SELECT
    m.person_id,
    {body}
FROM (
    SELECT p.*, d.national_decile, d.living_members, d.has_living_spouse
    FROM living_members AS p
    JOIN household_deciles AS d ON d.household_id = p.household_id
) AS m"""


def _person_clusters() -> str:
    codes = ", ".join(f"CASE WHEN in_{c.lower()} THEN '{c}' END" for c in CLUSTER_CODES)
    reasons = ", ".join(
        f"CASE WHEN in_{c.lower()} THEN '{c}: ' || why_{c.lower()} END" for c in CLUSTER_CODES
    )
    flags = ", ".join(f"in_{c.lower()}" for c in CLUSTER_CODES)
    return f"""
SELECT
    person_id,
    {flags},
    NULLIF(concat_ws('{LIST_SEPARATOR}', {codes}), '') AS clusters,
    NULLIF(concat_ws('{CLUSTER_SEPARATOR}', {reasons}), '') AS cluster_reasons
FROM member_clusters"""


# -- PKH --------------------------------------------------------------------------------------


def _component_condition(c: PkhComponent) -> tuple[str, str]:
    conditions, facts = [], []
    if c.pregnant:
        conditions.append("pregnant")
        facts.append("'pregnant'")
    if c.school_enrolled is not None:
        conditions.append(f"school_enrolled = {text(c.school_enrolled)}")
        facts.append(f"'school {c.school_enrolled}'")
    if c.disability_severity is not None:
        conditions.append(f"disability_severity = {text(c.disability_severity)}")
        facts.append(f"'disability {c.disability_severity}'")
    if c.min_age is not None and c.max_age is not None:
        conditions.append(f"age BETWEEN {c.min_age} AND {c.max_age}")
        facts.append(f"'age ' || {as_str('age')} || ' in {c.min_age}–{c.max_age}'")
    elif c.min_age is not None:
        conditions.append(f"age >= {c.min_age}")
        facts.append(f"'age ' || {as_str('age')} || ' ≥ {c.min_age}'")
    elif c.max_age is not None:
        conditions.append(f"age <= {c.max_age}")
        facts.append(f"'age ' || {as_str('age')} || ' ≤ {c.max_age}'")
    return " AND ".join(conditions), " || ', ' || ".join(facts)


def _pkh_options(rules: Rules) -> str:
    selects = []
    for c in rules.pkh.components:
        condition, facts = _component_condition(c)
        cap = number(c.cap) if c.cap is not None else "CAST(NULL AS INTEGER)"
        selects.append(
            f"""SELECT household_id, person_id, '{c.code}' AS component, {c.order} AS table_order,
    CAST({number(c.yearly_amount)} AS BIGINT) AS yearly_amount, {cap} AS cap,
    {facts} AS facts
FROM living_members WHERE {condition}"""
        )
    return "\n" + "\nUNION ALL\n".join(selects)


def _pkh_components(rules: Rules) -> str:
    """The spec's three steps: each member's single best component (ties: table order), each
    component capped (no fallback), then at most max_components kept, highest first."""
    return f"""
SELECT
    *,
    within_cap AND rank_in_household <= {rules.pkh.max_components} AS kept
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
            cap IS NULL OR rank_in_component <= cap AS within_cap
        FROM (
            SELECT
                *,
                ROW_NUMBER() OVER (
                    PARTITION BY household_id, component ORDER BY person_id
                ) AS rank_in_component
            FROM (
                SELECT
                    *,
                    ROW_NUMBER() OVER (
                        PARTITION BY person_id ORDER BY yearly_amount DESC, table_order
                    ) AS preference
                FROM pkh_options
            ) AS ranked_options
            WHERE preference = 1
        ) AS best_per_member
    ) AS capped
) AS counted"""


def _pkh_households(rules: Rules) -> str:
    limit = rules.pkh.max_components
    reason = (
        "component || ' ' || person_id || ' (' || facts || ')' || CASE "
        "WHEN NOT within_cap THEN ' not counted: cap ' || "
        f"{as_str('cap')} || ' reached' "
        f"WHEN NOT kept THEN ' not counted: at most {limit} components' ELSE '' END"
    )
    order = "NOT within_cap, rank_in_household"
    return f"""
SELECT
    household_id,
    SUM(CASE WHEN kept THEN 1 ELSE 0 END) AS kept_components,
    SUM(CASE WHEN kept THEN yearly_amount ELSE 0 END) AS components_amount,
    STRING_AGG(CASE WHEN kept THEN component END, '{LIST_SEPARATOR}' ORDER BY {order})
        AS components,
    STRING_AGG({reason}, '{SEPARATOR}' ORDER BY {order}) AS component_reasons
FROM pkh_components
GROUP BY household_id"""


# -- decisions --------------------------------------------------------------------------------


AMOUNT_COLUMNS = ("monthly_amount", "yearly_amount", "per_stage_amount", "one_off_amount")


def _decision_rows(
    source: str,
    subject_type: str,
    subject: str,
    programme: str,
    components: str = "CAST(NULL AS VARCHAR)",
    **amounts: str,
) -> str:
    """One programme's decisions, projected from a table of per-subject programme facts."""
    name = programme.lower()
    money = ",\n    ".join(
        f"CAST({amounts.get(column, 'NULL')} AS BIGINT) AS {column}" for column in AMOUNT_COLUMNS
    )
    return f"""
SELECT
    '{subject_type}' AS subject_type,
    {subject} AS subject_id,
    household_id,
    '{programme}' AS programme,
    {name}_eligible AS eligible,
    {components} AS components,
    {money},
    {name}_reasons AS reasons
FROM {source}"""


def _household_programmes(rules: Rules, external: bool) -> str:
    """PKH and SEMBAKO for every household: eligibility, components and reasons."""
    pkh, sembako = rules.pkh, rules.sembako
    no_decile = (
        "'no national decile: household not in the deciles file'"
        if external
        else "'no national decile'"
    )

    def decile_reason(limit: int) -> str:
        return (
            f"CASE WHEN h.living_members = 0 THEN NULL "
            f"WHEN h.national_decile IS NULL THEN {no_decile} "
            f"WHEN h.national_decile <= {limit} "
            f"THEN 'decile ' || {as_str('h.national_decile')} || ' ≤ {limit}' "
            f"ELSE 'decile ' || {as_str('h.national_decile')} || ' > {limit}' END"
        )

    living = "CASE WHEN h.living_members = 0 THEN 'no living member' END"
    component_reason = (
        "CASE WHEN h.living_members = 0 THEN NULL "
        "WHEN k.household_id IS NULL THEN 'no member qualifies for a PKH component' "
        "ELSE k.component_reasons END"
    )
    pkh_ok = (
        f"h.living_members > 0 AND h.national_decile <= {pkh.max_decile} "
        "AND COALESCE(k.kept_components, 0) > 0"
    )
    sembako_ok = f"h.living_members > 0 AND h.national_decile <= {sembako.max_decile}"
    return f"""
SELECT
    h.household_id,
    COALESCE({pkh_ok}, FALSE) AS pkh_eligible,
    k.components AS pkh_components,
    COALESCE(k.components_amount, 0) AS pkh_amount,
    {_reasons(living, decile_reason(pkh.max_decile), component_reason)} AS pkh_reasons,
    COALESCE({sembako_ok}, FALSE) AS sembako_eligible,
    {_reasons(living, decile_reason(sembako.max_decile))} AS sembako_reasons
FROM household_deciles AS h
LEFT JOIN pkh_households AS k ON k.household_id = h.household_id"""


def _household_decisions(rules: Rules) -> str:
    pkh, sembako = rules.pkh, rules.sembako
    return "\nUNION ALL".join(
        [
            _decision_rows(
                "household_programmes",
                "household",
                "household_id",
                "PKH",
                components="CASE WHEN pkh_eligible THEN pkh_components END",
                yearly_amount="CASE WHEN pkh_eligible THEN pkh_amount ELSE 0 END",
                per_stage_amount=(
                    f"CASE WHEN pkh_eligible THEN pkh_amount // {pkh.stages_per_year} ELSE 0 END"
                ),
            ),
            _decision_rows(
                "household_programmes",
                "household",
                "household_id",
                "SEMBAKO",
                monthly_amount=(
                    f"CASE WHEN sembako_eligible THEN {sembako.monthly_amount} ELSE 0 END"
                ),
                yearly_amount=(
                    f"CASE WHEN sembako_eligible THEN {12 * sembako.monthly_amount} ELSE 0 END"
                ),
            ),
        ]
    )


def _person_status_reason() -> str:
    return (
        "CASE p.status "
        "WHEN 'invalid_birth_date' THEN 'not a member: birth_date missing or not a date' "
        "WHEN 'household_unknown' THEN 'not a member: household ' || p.household_id "
        "|| ' is not in the households table' "
        "WHEN 'not_yet_born' THEN 'not a member: born ' || "
        f"{as_str('p.birth_date')} || ' after as_of' "
        f"WHEN 'deceased' THEN 'deceased ' || {as_str('p.deceased_date')} || ' ≤ as_of' END"
    )


def _person_programmes(rules: Rules) -> str:
    """PBI_JK, ATENSI and PENA for every person row: eligibility and reasons. Persons who are
    not members (deceased, born after as_of, …) are eligible for nothing, with that reason."""
    pbi, atensi, pena = rules.pbi_jk, rules.atensi, rules.pena
    counted = [c for c in CLUSTER_CODES if c not in atensi.excluded_clusters]
    in_counted = " OR ".join(f"c.in_{c.lower()}" for c in counted) or "FALSE"
    counted_codes = ", ".join(f"CASE WHEN c.in_{c.lower()} THEN '{c}' END" for c in counted)
    atensi_reason = (
        f"CASE WHEN {in_counted} THEN 'clusters ' || concat_ws(', ', {counted_codes}) "
        f"|| '{SEPARATOR}assessment required' "
        "WHEN c.clusters IS NULL THEN 'in no cluster' "
        "ELSE 'only clusters not counted for ATENSI: ' "
        f"|| REPLACE(c.clusters, '{LIST_SEPARATOR}', ', ') END"
        if counted
        else f"'every cluster is excluded ({', '.join(atensi.excluded_clusters)})'"
    )
    age = as_str("p.age")
    excluded_jobs = texts(pena.excluded_employment) if pena.excluded_employment else "''"
    pena_ok = (
        f"p.age BETWEEN {pena.min_age} AND {pena.max_age} "
        f"AND p.national_decile <= {pena.max_decile} "
        f"AND (p.employment IS NULL OR p.employment NOT IN ({excluded_jobs}))"
    )
    pena_reason = _reasons(
        f"CASE WHEN p.age BETWEEN {pena.min_age} AND {pena.max_age} "
        f"THEN 'age ' || {age} || ' in {pena.min_age}–{pena.max_age}' "
        f"ELSE 'age ' || {age} || ' outside {pena.min_age}–{pena.max_age}' END",
        _decile_reason(pena.max_decile, "p.national_decile"),
        f"CASE WHEN p.employment IN ({excluded_jobs}) "
        "THEN 'employment ' || p.employment || ' excluded' "
        "WHEN p.employment IS NULL THEN 'employment unknown (not excluded)' "
        "ELSE 'employment ' || p.employment END",
    )
    member = "p.status = 'member'"

    def decided(name: str, condition: str, reasons: str) -> str:
        return (
            f"COALESCE({member} AND {condition}, FALSE) AS {name}_eligible,\n    "
            f"CASE WHEN {member} THEN {reasons} ELSE {_person_status_reason()} END "
            f"AS {name}_reasons"
        )

    return f"""
SELECT
    p.person_id,
    p.household_id,
    {
        decided(
            "pbi_jk",
            f"p.national_decile <= {pbi.max_decile}",
            _decile_reason(pbi.max_decile, "p.national_decile"),
        )
    },
    {decided("atensi", f"({in_counted})", atensi_reason)},
    {decided("pena", pena_ok, pena_reason)}
FROM persons_with_deciles AS p
LEFT JOIN person_clusters AS c ON c.person_id = p.person_id"""


def _person_decisions(rules: Rules) -> str:
    source = "person_programmes"
    return "\nUNION ALL".join(
        [
            _decision_rows(
                source,
                "person",
                "person_id",
                "PBI_JK",
                monthly_amount=(
                    f"CASE WHEN pbi_jk_eligible THEN {rules.pbi_jk.monthly_amount_per_person} "
                    "ELSE 0 END"
                ),
            ),
            _decision_rows(source, "person", "person_id", "ATENSI"),
            _decision_rows(
                source,
                "person",
                "person_id",
                "PENA",
                one_off_amount=(
                    f"CASE WHEN pena_eligible THEN {rules.pena.max_capital_amount} ELSE 0 END"
                ),
            ),
        ]
    )


# -- results ----------------------------------------------------------------------------------


def _persons_with_deciles() -> str:
    return """
SELECT p.*, d.national_decile
FROM persons_at_as_of AS p
LEFT JOIN household_deciles AS d ON d.household_id = p.household_id AND p.status = 'member'"""


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
    COALESCE(b.eligible_persons, 0) AS pbi_jk_persons,
    COALESCE(b.eligible_persons, 0) * {rules.pbi_jk.monthly_amount_per_person}
        AS pbi_jk_monthly_amount
FROM household_deciles AS d
LEFT JOIN (
    SELECT household_id, SUM(CASE WHEN pbi_jk_eligible THEN 1 ELSE 0 END) AS eligible_persons
    FROM person_programmes
    GROUP BY household_id
) AS b ON b.household_id = d.household_id"""


def build_plan(rules: Rules, as_of: date, *, external_deciles: bool = False) -> list[Stage]:
    """Every stage of a targeting run, in the order they must run. The last three are the
    outputs: ``household_results``, ``person_results`` and ``decisions``."""
    model = rules.pmt_model
    return [
        Stage("households_parsed", _households_parsed(), materialize=True),
        Stage("persons_parsed", _persons_parsed()),
        Stage("persons_at_as_of", _persons_at_as_of(as_of), materialize=True),
        Stage("living_members", "\nSELECT * FROM persons_at_as_of WHERE status = 'member'"),
        Stage("household_composition", _household_composition()),
        Stage("household_features", _household_features(model)),
        Stage("welfare_scores", _welfare_scores(model), materialize=True),
        Stage("household_deciles", _household_deciles(external_deciles), materialize=True),
        Stage("persons_with_deciles", _persons_with_deciles(), materialize=True),
        Stage("member_clusters", _member_clusters(rules)),
        Stage("person_clusters", _person_clusters(), materialize=True),
        Stage("pkh_options", _pkh_options(rules)),
        Stage("pkh_components", _pkh_components(rules)),
        Stage("pkh_households", _pkh_households(rules), materialize=True),
        Stage(
            "household_programmes",
            _household_programmes(rules, external_deciles),
            materialize=True,
        ),
        Stage("household_decisions", _household_decisions(rules)),
        Stage("person_programmes", _person_programmes(rules), materialize=True),
        Stage("person_decisions", _person_decisions(rules)),
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
