"""The 12 PAS clusters: each rule's condition and reasons, manual memberships, and the
per-person list."""

from __future__ import annotations

from collections.abc import Callable

from sejahtera.domain.targeting.rules import CLUSTER_CODES, ClusterRule, Rules
from sejahtera.targeting_engine.facts import any_of, decile_reason
from sejahtera.targeting_engine.sql import (
    CLUSTER_SEPARATOR,
    LIST_SEPARATOR,
    SEPARATOR,
    as_str,
    joined,
    reason,
    text,
    texts,
)

# One definition per cluster that is more than "any of its flags": the rule's parameters in,
# (condition over ``m``, its reasons when it holds) out. ``m`` is a living member with the
# household's national decile, living members and whether a spouse lives there.
Definition = Callable[[ClusterRule], tuple[str, str]]


def _flags(rule: ClusterRule) -> tuple[str, str]:
    condition, reasons = any_of(rule.any_of)
    return condition, joined(*reasons)


def _vulnerable_child(rule: ClusterRule) -> tuple[str, str]:
    assert rule.age_below is not None
    flags, flag_reasons = any_of(rule.any_of)
    return (
        f"m.age < {rule.age_below} AND {flags}",
        joined(reason("AGE_BELOW", as_str("m.age"), rule.age_below), *flag_reasons),
    )


def _old_enough_with_flags_or(rule: ClusterRule, other: str, other_reasons: str) -> tuple[str, str]:
    """At least the rule's minimum age, and any of its flags or ``other`` (a condition over
    ``m`` with its reasons)."""
    assert rule.min_age is not None
    flags, flag_reasons = any_of(rule.any_of)
    return (
        f"m.age >= {rule.min_age} AND ({flags} OR {other})",
        joined(
            reason("AGE_AT_LEAST", as_str("m.age"), rule.min_age),
            *flag_reasons,
            f"CASE WHEN {other} THEN {other_reasons} END",
        ),
    )


def _neglected_elderly(rule: ClusterRule) -> tuple[str, str]:
    assert rule.alone_income_below is not None
    alone = (
        f"(m.living_members = 1 AND m.monthly_income_idr < {rule.alone_income_below} "
        f"AND m.national_decile <= {rule.alone_max_decile})"
    )
    return _old_enough_with_flags_or(
        rule,
        alone,
        joined(
            reason("LIVES_ALONE"),
            reason("INCOME_BELOW", as_str("m.monthly_income_idr"), rule.alone_income_below),
            decile_reason(rule.alone_max_decile or 10),
        ),
    )


def _low_income(rule: ClusterRule) -> tuple[str, str]:
    assert rule.income_above is not None
    assert rule.income_below is not None
    low_income = (
        f"(m.monthly_income_idr > {rule.income_above} "
        f"AND m.monthly_income_idr < {rule.income_below} "
        f"AND m.employment IN ({texts(rule.employment)}))"
    )
    income = as_str("m.monthly_income_idr")
    return _old_enough_with_flags_or(
        rule,
        low_income,
        joined(
            reason("INCOME_BETWEEN", income, rule.income_above, rule.income_below),
            reason("EMPLOYMENT", "m.employment"),
        ),
    )


def _vulnerable_woman(rule: ClusterRule) -> tuple[str, str]:
    assert rule.min_age is not None
    assert rule.sex is not None
    assert rule.max_decile is not None
    return (
        f"m.sex = {text(rule.sex)} AND m.age >= {rule.min_age} AND m.relationship = 'head' "
        f"AND NOT m.has_living_spouse AND m.national_decile <= {rule.max_decile}",
        joined(
            reason("SEX", text(rule.sex)),
            reason("AGE_AT_LEAST", as_str("m.age"), rule.min_age),
            reason("HEAD"),
            reason("NO_SPOUSE"),
            decile_reason(rule.max_decile),
        ),
    )


def _poor(rule: ClusterRule) -> tuple[str, str]:
    assert rule.max_decile is not None
    return f"m.national_decile <= {rule.max_decile}", decile_reason(rule.max_decile)


DEFINITIONS: dict[str, Definition] = {
    "ANAK_RENTAN": _vulnerable_child,
    "LANSIA_TELANTAR": _neglected_elderly,
    "BERPENDAPATAN_RENDAH": _low_income,
    "PEREMPUAN_RENTAN": _vulnerable_woman,
    "FAKIR_MISKIN": _poor,
}


def _cluster(rule: ClusterRule) -> tuple[str, str]:
    """(condition, reasons when the condition holds) of one cluster over ``m``: its own
    definition, else any of its flags."""
    return DEFINITIONS.get(rule.code, _flags)(rule)


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
        condition, reasons = _cluster(rule) if rule.enabled else ("FALSE", "NULL")
        name = code.lower()
        by_rule = f"COALESCE({condition}, FALSE)"
        if manual:
            by_hand = f"COALESCE(h.in_{name}, FALSE)"
            columns.append(f"{by_rule} OR {by_hand} AS in_{name}")
            columns.append(
                f"concat_ws('{SEPARATOR}', CASE WHEN {by_rule} THEN {reasons} END, "
                f"CASE WHEN {by_hand} THEN {reason('MANUAL', f'h.why_{name}')} END) AS why_{name}"
            )
        else:
            # The reasons are built only where the cluster holds: most members are in none.
            columns.append(f"{by_rule} AS in_{name}")
            columns.append(f"CASE WHEN {by_rule} THEN {reasons} END AS why_{name}")
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
    """The members in at least one cluster, with their clusters and the reasons; a person
    absent from it is in none (readers join it with ``LEFT JOIN``)."""
    codes = ", ".join(f"CASE WHEN in_{c.lower()} THEN '{c}' END" for c in CLUSTER_CODES)
    reasons = ", ".join(
        f"CASE WHEN in_{c.lower()} THEN '{c}: ' || why_{c.lower()} END" for c in CLUSTER_CODES
    )
    flags = [f"in_{c.lower()}" for c in CLUSTER_CODES]
    return f"""
SELECT
    person_id,
    {", ".join(flags)},
    concat_ws('{LIST_SEPARATOR}', {codes}) AS clusters,
    concat_ws('{CLUSTER_SEPARATOR}', {reasons}) AS cluster_reasons
FROM member_clusters
WHERE {" OR ".join(flags)}"""
