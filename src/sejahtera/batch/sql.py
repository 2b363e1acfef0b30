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
    CustomProgramme,
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


def _flag_condition(flag: str, alias: str = "m") -> str:
    if flag == "disability":
        return f"{alias}.disability <> 'none'"
    if flag in ("inmate", "former_inmate"):
        return f"{alias}.inmate_status = {text(flag)}"
    return f"{alias}.{flag}"


def _flag_reason(flag: str, alias: str = "m") -> str:
    if flag == "disability":
        return f"'disability ' || {alias}.disability"
    if flag in ("inmate", "former_inmate"):
        return f"'inmate_status {flag}'"
    return text(flag)


def _any_of(flags: tuple[str, ...], alias: str = "m") -> tuple[str, str]:
    """(any flag holds, the flags that hold as comma-separated reasons)."""
    condition = "(" + " OR ".join(_flag_condition(f, alias) for f in flags) + ")"
    reasons = ", ".join(
        f"CASE WHEN {_flag_condition(f, alias)} THEN {_flag_reason(f, alias)} END" for f in flags
    )
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


def _manual_clusters() -> str:
    """A social worker's memberships (``manual_clusters_input``: person_id, cluster, reason),
    one row per person, a flag and a reason per cluster."""
    columns = []
    for code in CLUSTER_CODES:
        name = code.lower()
        columns.append(f"MAX(CASE WHEN cluster = '{code}' THEN 1 ELSE 0 END) = 1 AS in_{name}")
        columns.append(f"MAX(CASE WHEN cluster = '{code}' THEN reason END) AS why_{name}")
    body = ",\n    ".join(columns)
    return f"""
SELECT
    person_id,
    {body}
FROM (SELECT person_id, TRIM(cluster) AS cluster, TRIM(reason) AS reason
      FROM manual_clusters_input) AS manual
GROUP BY person_id"""


def _member_clusters(rules: Rules, manual: bool = False) -> str:
    """Each living member's clusters by the rules, and (``manual``) by a social worker's
    assessment: a cluster either gives counts, with the reasons of both."""
    columns = []
    for code in CLUSTER_CODES:
        rule = rules.clusters[code]
        condition, reason = _cluster(rule) if rule.enabled else ("FALSE", "NULL")
        name = code.lower()
        by_rule = f"COALESCE({condition}, FALSE)"
        if manual:
            by_hand = f"COALESCE(h.in_{name}, FALSE)"
            columns.append(f"{by_rule} OR {by_hand} AS in_{name}")
            columns.append(
                f"concat_ws('{SEPARATOR}', CASE WHEN {by_rule} THEN {reason} END, "
                f"CASE WHEN {by_hand} THEN 'manual: ' || h.why_{name} END) AS why_{name}"
            )
        else:
            columns.append(f"{by_rule} AS in_{name}")
            columns.append(f"{reason} AS why_{name}")
    body = ",\n    ".join(columns)
    join = "LEFT JOIN manual_clusters AS h ON h.person_id = m.person_id" if manual else ""
    return f"""
SELECT
    m.person_id,
    {body}
FROM (
    SELECT p.*, d.national_decile, d.living_members, d.has_living_spouse
    FROM living_members AS p
    JOIN household_deciles AS d ON d.household_id = p.household_id
) AS m
{join}"""


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
        f"WHEN NOT kept THEN ' not counted: at most {max_components} components' "
        if max_components is not None
        else ""
    )
    reason = (
        "component || ' ' || person_id || ' (' || facts || ')' || CASE "
        "WHEN NOT within_cap THEN ' not counted: cap ' || "
        f"{as_str('cap')} || ' reached' {too_many}ELSE '' END"
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
FROM {kept}
GROUP BY household_id"""


def _component_stages(
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


def _household_decile_reason(limit: int, external: bool) -> str:
    no_decile = (
        "'no national decile: household not in the deciles file'"
        if external
        else "'no national decile'"
    )
    return (
        f"CASE WHEN h.living_members = 0 THEN NULL "
        f"WHEN h.national_decile IS NULL THEN {no_decile} "
        f"WHEN h.national_decile <= {limit} "
        f"THEN 'decile ' || {as_str('h.national_decile')} || ' ≤ {limit}' "
        f"ELSE 'decile ' || {as_str('h.national_decile')} || ' > {limit}' END"
    )


NO_LIVING_MEMBER = "CASE WHEN h.living_members = 0 THEN 'no living member' END"


def _component_reason(alias: str, programme: str) -> str:
    return (
        "CASE WHEN h.living_members = 0 THEN NULL "
        f"WHEN {alias}.household_id IS NULL "
        f"THEN 'no member qualifies for a {programme} component' "
        f"ELSE {alias}.component_reasons END"
    )


def _custom_household_columns(programme: CustomProgramme, external: bool) -> tuple[str, str]:
    """(select columns, joins) of a new household programme in ``household_programmes``."""
    name = programme.code.lower()
    conditions = ["h.living_members > 0"]
    reasons = [NO_LIVING_MEMBER]
    if programme.max_decile is not None:
        conditions.append(f"h.national_decile <= {programme.max_decile}")
        reasons.append(_household_decile_reason(programme.max_decile, external))
    join = ""
    components = "CAST(NULL AS VARCHAR)"
    amount = "0"
    if programme.components:
        alias = f"k_{name}"
        join = (
            f"\nLEFT JOIN programme_{name}_households AS {alias} "
            f"ON {alias}.household_id = h.household_id"
        )
        conditions.append(f"COALESCE({alias}.kept_components, 0) > 0")
        reasons.append(_component_reason(alias, programme.code))
        components = f"{alias}.components"
        amount = f"COALESCE({alias}.components_amount, 0)"
    columns = (
        f"COALESCE({' AND '.join(conditions)}, FALSE) AS {name}_eligible,\n    "
        f"{components} AS {name}_components,\n    "
        f"{amount} AS {name}_amount,\n    "
        f"{_reasons(*reasons)} AS {name}_reasons"
    )
    return columns, join


def _household_programmes(rules: Rules, external: bool) -> str:
    """PKH, SEMBAKO and the new household programmes for every household: eligibility,
    components and reasons."""
    pkh, sembako = rules.pkh, rules.sembako
    pkh_ok = (
        f"h.living_members > 0 AND h.national_decile <= {pkh.max_decile} "
        "AND COALESCE(k.kept_components, 0) > 0"
    )
    sembako_ok = f"h.living_members > 0 AND h.national_decile <= {sembako.max_decile}"
    custom = [_custom_household_columns(p, external) for p in rules.custom if p.unit == "household"]
    custom_columns = "".join(f",\n    {columns}" for columns, _ in custom)
    custom_joins = "".join(join for _, join in custom)
    pkh_reasons = _reasons(
        NO_LIVING_MEMBER,
        _household_decile_reason(pkh.max_decile, external),
        _component_reason("k", "PKH"),
    )
    sembako_reasons = _reasons(
        NO_LIVING_MEMBER, _household_decile_reason(sembako.max_decile, external)
    )
    return f"""
SELECT
    h.household_id,
    COALESCE({pkh_ok}, FALSE) AS pkh_eligible,
    k.components AS pkh_components,
    COALESCE(k.components_amount, 0) AS pkh_amount,
    {pkh_reasons} AS pkh_reasons,
    COALESCE({sembako_ok}, FALSE) AS sembako_eligible,
    {sembako_reasons} AS sembako_reasons{custom_columns}
FROM household_deciles AS h
LEFT JOIN pkh_households AS k ON k.household_id = h.household_id{custom_joins}"""


def _paid(eligible: str, amount: str) -> str:
    return f"CASE WHEN {eligible} THEN {amount} ELSE 0 END"


def _custom_amounts(programme: CustomProgramme) -> dict[str, str]:
    """The amount columns of a new programme's decisions (absent: NULL, not applicable)."""
    eligible = f"{programme.code.lower()}_eligible"
    monthly, once = programme.monthly_amount, programme.one_off_amount
    amounts: dict[str, str] = {}
    if monthly is not None:
        amounts["monthly_amount"] = _paid(eligible, number(monthly))
    yearly = []
    if programme.components:
        yearly.append(f"{programme.code.lower()}_amount")
    if monthly is not None:
        yearly.append(number(12 * monthly))
    if yearly:
        amounts["yearly_amount"] = _paid(eligible, " + ".join(yearly))
        if programme.stages_per_year is not None:
            amounts["per_stage_amount"] = _paid(
                eligible, f"({' + '.join(yearly)}) // {programme.stages_per_year}"
            )
    if once is not None:
        amounts["one_off_amount"] = _paid(eligible, number(once))
    return amounts


def _custom_decisions(rules: Rules, unit: str) -> list[str]:
    source = f"{unit}_programmes"
    subject = f"{unit}_id"
    return [
        _decision_rows(
            source,
            unit,
            subject,
            p.code,
            components=(
                f"CASE WHEN {p.code.lower()}_eligible THEN {p.code.lower()}_components END"
                if unit == "household"
                else "CAST(NULL AS VARCHAR)"
            ),
            **_custom_amounts(p),
        )
        for p in rules.custom
        if p.unit == unit
    ]


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
                yearly_amount=_paid("pkh_eligible", "pkh_amount"),
                per_stage_amount=_paid("pkh_eligible", f"pkh_amount // {pkh.stages_per_year}"),
            ),
            _decision_rows(
                "household_programmes",
                "household",
                "household_id",
                "SEMBAKO",
                monthly_amount=_paid("sembako_eligible", number(sembako.monthly_amount)),
                yearly_amount=_paid("sembako_eligible", number(12 * sembako.monthly_amount)),
            ),
            *_custom_decisions(rules, "household"),
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


# Person conditions: (condition over p = persons_with_deciles and c = person_clusters, the
# reason text whether it holds or not). The built-in and the new programmes share them.


def _age_condition(min_age: int | None, max_age: int | None) -> tuple[str, str]:
    age = as_str("p.age")
    if min_age is not None and max_age is not None:
        held, failed = f"in {min_age}–{max_age}", f"outside {min_age}–{max_age}"
        condition = f"p.age BETWEEN {min_age} AND {max_age}"
    elif min_age is not None:
        held, failed = f"≥ {min_age}", f"< {min_age}"
        condition = f"p.age >= {min_age}"
    else:
        held, failed = f"≤ {max_age}", f"> {max_age}"
        condition = f"p.age <= {max_age}"
    return condition, (
        f"CASE WHEN {condition} THEN 'age ' || {age} || ' {held}' "
        f"ELSE 'age ' || {age} || ' {failed}' END"
    )


def _person_decile_condition(max_decile: int) -> tuple[str, str]:
    return (
        f"p.national_decile <= {max_decile}",
        _decile_reason(max_decile, "p.national_decile"),
    )


def _sex_condition(sex: str) -> tuple[str, str]:
    condition = f"p.sex = {text(sex)}"
    return condition, (
        f"CASE WHEN {condition} THEN 'sex {sex}' "
        f"ELSE 'sex ' || COALESCE(p.sex, 'unknown') || ' is not {sex}' END"
    )


def _flags_condition(flags: tuple[str, ...]) -> tuple[str, str]:
    condition, reasons = _any_of(flags, "p")
    return condition, (
        f"CASE WHEN {condition} THEN concat_ws(', ', {reasons}) "
        f"ELSE 'none of: {', '.join(flags)}' END"
    )


def _clusters_condition(counted: tuple[str, ...], programme: str) -> tuple[str, str]:
    """In at least one of the ``counted`` clusters (by the rules of this run)."""
    if not counted:
        return "FALSE", f"'no cluster is counted for {programme}'"
    condition = "(" + " OR ".join(f"c.in_{c.lower()}" for c in counted) + ")"
    codes = ", ".join(f"CASE WHEN c.in_{c.lower()} THEN '{c}' END" for c in counted)
    return condition, (
        f"CASE WHEN {condition} THEN 'clusters ' || concat_ws(', ', {codes}) "
        "WHEN c.clusters IS NULL THEN 'in no cluster' "
        f"ELSE 'only clusters not counted for {programme}: ' "
        f"|| REPLACE(c.clusters, '{LIST_SEPARATOR}', ', ') END"
    )


def _employment_condition(jobs: tuple[str, ...]) -> tuple[str, str]:
    condition = f"p.employment IN ({texts(jobs)})"
    return condition, (
        f"CASE WHEN {condition} THEN 'employment ' || p.employment "
        "WHEN p.employment IS NULL THEN 'employment unknown' "
        f"ELSE 'employment ' || p.employment || ' not in {', '.join(jobs)}' END"
    )


def _employment_not_condition(jobs: tuple[str, ...]) -> tuple[str, str]:
    excluded = texts(jobs) if jobs else "''"
    return f"(p.employment IS NULL OR p.employment NOT IN ({excluded}))", (
        f"CASE WHEN p.employment IN ({excluded}) "
        "THEN 'employment ' || p.employment || ' excluded' "
        "WHEN p.employment IS NULL THEN 'employment unknown (not excluded)' "
        "ELSE 'employment ' || p.employment END"
    )


def _custom_person_conditions(programme: CustomProgramme) -> list[tuple[str, str]]:
    conditions = []
    if programme.min_age is not None or programme.max_age is not None:
        conditions.append(_age_condition(programme.min_age, programme.max_age))
    if programme.sex is not None:
        conditions.append(_sex_condition(programme.sex))
    if programme.max_decile is not None:
        conditions.append(_person_decile_condition(programme.max_decile))
    if programme.clusters or programme.excluded_clusters:
        conditions.append(_clusters_condition(programme.counted_clusters, programme.code))
    if programme.any_of:
        conditions.append(_flags_condition(programme.any_of))
    if programme.employment:
        conditions.append(_employment_condition(programme.employment))
    if programme.excluded_employment:
        conditions.append(_employment_not_condition(programme.excluded_employment))
    return conditions


def _person_programmes(rules: Rules) -> str:
    """PBI_JK, ATENSI, PENA and the new person programmes for every person row: eligibility
    and reasons. Persons who are not members (deceased, born after as_of, …) are eligible for
    nothing, with that reason."""
    pbi, atensi, pena = rules.pbi_jk, rules.atensi, rules.pena
    counted = tuple(c for c in CLUSTER_CODES if c not in atensi.excluded_clusters)
    in_counted, counted_reason = _clusters_condition(counted, "ATENSI")
    atensi_reason = (
        f"CASE WHEN {in_counted} THEN {counted_reason} || '{SEPARATOR}assessment required' "
        f"ELSE {counted_reason} END"
        if counted
        else f"'every cluster is excluded ({', '.join(atensi.excluded_clusters)})'"
    )
    programmes: list[tuple[str, list[tuple[str, str]]]] = [
        ("pbi_jk", [_person_decile_condition(pbi.max_decile)]),
        ("atensi", [(in_counted, atensi_reason)]),
        (
            "pena",
            [
                _age_condition(pena.min_age, pena.max_age),
                _person_decile_condition(pena.max_decile),
                _employment_not_condition(pena.excluded_employment),
            ],
        ),
        *(
            (p.code.lower(), _custom_person_conditions(p))
            for p in rules.custom
            if p.unit == "person"
        ),
    ]
    member = "p.status = 'member'"
    columns = []
    for name, conditions in programmes:
        holds = " AND ".join(f"({condition})" for condition, _ in conditions)
        reasons = _reasons(*(reason for _, reason in conditions))
        columns.append(
            f"COALESCE({member} AND {holds}, FALSE) AS {name}_eligible,\n    "
            f"CASE WHEN {member} THEN {reasons} ELSE {_person_status_reason()} END "
            f"AS {name}_reasons"
        )
    body = ",\n    ".join(columns)
    return f"""
SELECT
    p.person_id,
    p.household_id,
    {body}
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
                monthly_amount=_paid(
                    "pbi_jk_eligible", number(rules.pbi_jk.monthly_amount_per_person)
                ),
            ),
            _decision_rows(source, "person", "person_id", "ATENSI"),
            _decision_rows(
                source,
                "person",
                "person_id",
                "PENA",
                one_off_amount=_paid("pena_eligible", number(rules.pena.max_capital_amount)),
            ),
            *_custom_decisions(rules, "person"),
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


def build_plan(
    rules: Rules, as_of: date, *, external_deciles: bool = False, manual_clusters: bool = False
) -> list[Stage]:
    """Every stage of a targeting run, in the order they must run. The last three are the
    outputs: ``household_results``, ``person_results`` and ``decisions``. ``manual_clusters``:
    the run reads ``manual_clusters_input`` (memberships recorded by social workers)."""
    model = rules.pmt_model
    manual = [Stage("manual_clusters", _manual_clusters())] if manual_clusters else []
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
        *manual,
        Stage("member_clusters", _member_clusters(rules, manual_clusters)),
        Stage("person_clusters", _person_clusters(), materialize=True),
        *_component_stages("pkh", rules.pkh.components, rules.pkh.max_components),
        *(
            stage
            for p in rules.custom
            if p.components
            for stage in _component_stages(
                f"programme_{p.code.lower()}", p.components, p.max_components
            )
        ),
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
