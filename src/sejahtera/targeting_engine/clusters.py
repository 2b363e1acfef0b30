"""The 12 PAS clusters: each rule's condition and reasons, manual memberships, and the
per-person list."""

from __future__ import annotations

from sejahtera.domain.targeting.rules import CLUSTER_CODES, ClusterRule, Rules
from sejahtera.targeting_engine.facts import any_of, decile_reason
from sejahtera.targeting_engine.sql import (
    CLUSTER_SEPARATOR,
    LIST_SEPARATOR,
    SEPARATOR,
    as_str,
    joined,
    text,
    texts,
)


def _cluster(rule: ClusterRule) -> tuple[str, str]:
    """(condition, reason text when the condition holds) of one cluster over ``m``."""
    age = as_str("m.age")
    code = rule.code
    if code == "ANAK_RENTAN":
        assert rule.age_below is not None
        flags, flag_reasons = any_of(rule.any_of)
        return (
            f"m.age < {rule.age_below} AND {flags}",
            joined(f"'age ' || {age} || ' < {rule.age_below}'", flag_reasons),
        )
    if code == "LANSIA_TELANTAR":
        assert rule.min_age is not None
        assert rule.alone_income_below is not None
        flags, flag_reasons = any_of(rule.any_of)
        alone = (
            f"(m.living_members = 1 AND m.monthly_income_idr < {rule.alone_income_below} "
            f"AND m.national_decile <= {rule.alone_max_decile})"
        )
        alone_reason = (
            f"CASE WHEN {alone} THEN 'lives alone{SEPARATOR}income ' "
            f"|| {as_str('m.monthly_income_idr')} || ' < {rule.alone_income_below}{SEPARATOR}' "
            f"|| {decile_reason(rule.alone_max_decile or 10)} END"
        )
        return (
            f"m.age >= {rule.min_age} AND ({flags} OR {alone})",
            joined(f"'age ' || {age} || ' ≥ {rule.min_age}'", flag_reasons, alone_reason),
        )
    if code == "BERPENDAPATAN_RENDAH":
        flags, flag_reasons = any_of(rule.any_of)
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
            joined(f"'age ' || {age} || ' ≥ {rule.min_age}'", flag_reasons, income_reason),
        )
    if code == "PEREMPUAN_RENTAN":
        assert rule.sex is not None
        assert rule.max_decile is not None
        return (
            f"m.sex = {text(rule.sex)} AND m.age >= {rule.min_age} AND m.relationship = 'head' "
            f"AND NOT m.has_living_spouse AND m.national_decile <= {rule.max_decile}",
            joined(
                f"'sex {rule.sex}'",
                f"'age ' || {age} || ' ≥ {rule.min_age}'",
                "'household head'",
                "'no spouse in the household'",
                decile_reason(rule.max_decile),
            ),
        )
    if code == "FAKIR_MISKIN":
        assert rule.max_decile is not None
        return f"m.national_decile <= {rule.max_decile}", decile_reason(rule.max_decile)
    flags, flag_reasons = any_of(rule.any_of)
    return flags, joined(flag_reasons)


def manual_clusters() -> str:
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


def member_clusters(rules: Rules, manual: bool = False) -> str:
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


def person_clusters() -> str:
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
