"""Every programme's eligibility, amounts and reasons, and the decision rows."""

from __future__ import annotations

from dataclasses import dataclass

from sejahtera.domain.targeting.reasons import LIST_SEPARATOR as LIST
from sejahtera.domain.targeting.rules import CLUSTER_CODES, CustomProgramme, Rules
from sejahtera.targeting_engine.facts import any_of, decile_reason, flags_held
from sejahtera.targeting_engine.sql import (
    LIST_SEPARATOR,
    as_str,
    joined,
    number,
    reason,
    text,
    texts,
)

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
    missing = reason("DECILE_NOT_IN_FILE") if external else reason("DECILE_MISSING")
    return (
        f"CASE WHEN h.living_members = 0 THEN NULL "
        f"WHEN h.national_decile IS NULL THEN {missing} "
        f"ELSE {decile_reason(limit, 'h.national_decile')} END"
    )


NO_LIVING_MEMBER = f"CASE WHEN h.living_members = 0 THEN {reason('NO_LIVING_MEMBER')} END"


def _component_reason(alias: str, programme: str) -> str:
    return (
        "CASE WHEN h.living_members = 0 THEN NULL "
        f"WHEN {alias}.household_id IS NULL THEN {reason('NO_COMPONENT', text(programme))} "
        f"ELSE {alias}.component_reasons END"
    )


@dataclass(frozen=True)
class _HouseholdProgramme:
    """One household programme's columns in ``household_programmes`` (SQL over ``h``, the
    household's deciles, and ``join``'s table): eligible by the rules, its reasons, and for a
    component programme its components and their yearly amount."""

    name: str
    eligible: str
    reasons: str
    components: str | None = None
    amount: str | None = None
    join: str = ""


def _custom_household_programme(programme: CustomProgramme, external: bool) -> _HouseholdProgramme:
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
    return _HouseholdProgramme(
        name, " AND ".join(conditions), joined(*reasons), components, amount, join
    )


# -- a reviewer's verdict on an automated decision ----------------------------------------------

VERDICTS = ("eligible", "not_eligible")


def decision_overrides(subject_type: str, codes: tuple[str, ...]) -> str:
    """A reviewer's verdicts (``decision_overrides_input``: subject_type, subject_id,
    programme, verdict, reference) on one kind of subject, one row per subject with a verdict
    and a reference per programme (``o.pkh_verdict``, ``o.pkh_reference``, …)."""
    column = "household_id" if subject_type == "household" else "person_id"
    columns = []
    for code in codes:
        name = code.lower()
        columns.append(f"MAX(CASE WHEN programme = '{code}' THEN verdict END) AS {name}_verdict")
        columns.append(
            f"MAX(CASE WHEN programme = '{code}' THEN reference END) AS {name}_reference"
        )
    body = ",\n    ".join(columns)
    return f"""
SELECT
    subject_id AS {column},
    {body}
FROM (SELECT TRIM(subject_id) AS subject_id, TRIM(programme) AS programme,
             TRIM(verdict) AS verdict, TRIM(reference) AS reference
      FROM decision_overrides_input
      WHERE TRIM(subject_type) = '{subject_type}') AS verdicts
GROUP BY subject_id"""


def _decided(name: str, by_rules: str, reasons: str, subject: str, reviewed: bool) -> str:
    """The ``{name}_eligible`` and ``{name}_reasons`` columns: the rules' verdict, unless a
    reviewer decided otherwise on a person's objection (``reviewed``: the run reads
    ``decision_overrides_input``); a reviewer decides only for a living ``subject``."""
    if not reviewed:
        return f"COALESCE({by_rules}, FALSE) AS {name}_eligible,\n    {reasons} AS {name}_reasons"
    verdict, reference = f"o.{name}_verdict", f"o.{name}_reference"
    review = (
        f"CASE WHEN NOT ({subject}) THEN NULL "
        f"WHEN {verdict} = 'eligible' THEN {reason('REVIEWED_ELIGIBLE', reference)} "
        f"WHEN {verdict} = 'not_eligible' THEN {reason('REVIEWED_NOT_ELIGIBLE', reference)} END"
    )
    return (
        f"CASE WHEN ({subject}) AND {verdict} IS NOT NULL THEN {verdict} = 'eligible' "
        f"ELSE COALESCE({by_rules}, FALSE) END AS {name}_eligible,\n    "
        f"{joined(reasons, review)} AS {name}_reasons"
    )


def household_programmes(rules: Rules, external: bool, reviewed: bool = False) -> str:
    """PKH, SEMBAKO and the new household programmes for every household: eligibility,
    components and reasons (``reviewed``: with a reviewer's verdicts, ``household_overrides``)."""
    pkh, sembako = rules.pkh, rules.sembako
    programmes = [
        _HouseholdProgramme(
            "pkh",
            f"h.living_members > 0 AND h.national_decile <= {pkh.max_decile} "
            "AND COALESCE(k.kept_components, 0) > 0",
            joined(
                NO_LIVING_MEMBER,
                _household_decile_reason(pkh.max_decile, external),
                _component_reason("k", "PKH"),
            ),
            "k.components",
            "COALESCE(k.components_amount, 0)",
            "\nLEFT JOIN pkh_households AS k ON k.household_id = h.household_id",
        ),
        _HouseholdProgramme(
            "sembako",
            f"h.living_members > 0 AND h.national_decile <= {sembako.max_decile}",
            joined(NO_LIVING_MEMBER, _household_decile_reason(sembako.max_decile, external)),
        ),
        *(_custom_household_programme(p, external) for p in rules.custom if p.unit == "household"),
    ]
    columns = []
    for p in programmes:
        columns.append(_decided(p.name, p.eligible, p.reasons, "h.living_members > 0", reviewed))
        if p.components is not None:
            columns.append(f"{p.components} AS {p.name}_components")
            columns.append(f"{p.amount} AS {p.name}_amount")
    joins = "".join(p.join for p in programmes)
    if reviewed:
        joins += "\nLEFT JOIN household_overrides AS o ON o.household_id = h.household_id"
    body = ",\n    ".join(columns)
    return f"""
SELECT
    h.household_id,
    {body}
FROM household_deciles AS h{joins}"""


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


def household_decisions(rules: Rules) -> str:
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
        f"WHEN 'invalid_birth_date' THEN {reason('NOT_MEMBER_BIRTH_DATE')} "
        f"WHEN 'household_unknown' THEN {reason('NOT_MEMBER_HOUSEHOLD', 'p.household_id')} "
        f"WHEN 'not_yet_born' THEN {reason('NOT_YET_BORN', as_str('p.birth_date'))} "
        f"WHEN 'deceased' THEN {reason('DECEASED', as_str('p.deceased_date'))} END"
    )


# Person conditions: (condition over p = persons_with_deciles and c = person_clusters, the
# reason whether it holds or not). The built-in and the new programmes share them.


def _age_condition(min_age: int | None, max_age: int | None) -> tuple[str, str]:
    age = as_str("p.age")
    if min_age is not None and max_age is not None:
        condition = f"p.age BETWEEN {min_age} AND {max_age}"
        held = reason("AGE_IN", age, min_age, max_age)
        failed = reason("AGE_OUTSIDE", age, min_age, max_age)
    elif min_age is not None:
        condition = f"p.age >= {min_age}"
        held, failed = reason("AGE_AT_LEAST", age, min_age), reason("AGE_BELOW", age, min_age)
    else:
        assert max_age is not None
        condition = f"p.age <= {max_age}"
        held, failed = reason("AGE_AT_MOST", age, max_age), reason("AGE_ABOVE", age, max_age)
    return condition, f"CASE WHEN {condition} THEN {held} ELSE {failed} END"


def _person_decile_condition(max_decile: int) -> tuple[str, str]:
    return (
        f"p.national_decile <= {max_decile}",
        decile_reason(max_decile, "p.national_decile"),
    )


def _sex_condition(sex: str) -> tuple[str, str]:
    condition = f"p.sex = {text(sex)}"
    actual = "COALESCE(p.sex, 'unknown')"
    return condition, (
        f"CASE WHEN {condition} THEN {reason('SEX', text(sex))} "
        f"ELSE {reason('SEX_NOT', text(sex), actual)} END"
    )


def _flags_condition(flags: tuple[str, ...]) -> tuple[str, str]:
    condition = any_of(flags, "p")[0]
    return condition, (
        f"CASE WHEN {condition} THEN {flags_held(flags, 'p')} "
        f"ELSE {reason('NONE_OF', text(LIST.join(flags)))} END"
    )


def _clusters_condition(counted: tuple[str, ...], programme: str) -> tuple[str, str]:
    """In at least one of the ``counted`` clusters (by the rules of this run)."""
    if not counted:
        return "FALSE", reason("NO_CLUSTER_COUNTED", text(programme))
    condition = "(" + " OR ".join(f"c.in_{c.lower()}" for c in counted) + ")"
    codes = ", ".join(f"CASE WHEN c.in_{c.lower()} THEN '{c}' END" for c in counted)
    held = f"concat_ws('{LIST}', {codes})"
    others = f"REPLACE(c.clusters, '{LIST_SEPARATOR}', '{LIST}')"
    return condition, (
        f"CASE WHEN {condition} THEN {reason('CLUSTERS', held)} "
        f"WHEN c.clusters IS NULL THEN {reason('IN_NO_CLUSTER')} "
        f"ELSE {reason('ONLY_UNCOUNTED_CLUSTERS', text(programme), others)} END"
    )


def _employment_condition(jobs: tuple[str, ...]) -> tuple[str, str]:
    condition = f"p.employment IN ({texts(jobs)})"
    return condition, (
        f"CASE WHEN {condition} THEN {reason('EMPLOYMENT', 'p.employment')} "
        f"WHEN p.employment IS NULL THEN {reason('EMPLOYMENT_UNKNOWN')} "
        f"ELSE {reason('EMPLOYMENT_NOT_IN', text(LIST.join(jobs)), 'p.employment')} END"
    )


def _employment_not_condition(jobs: tuple[str, ...]) -> tuple[str, str]:
    excluded = texts(jobs) if jobs else "''"
    return f"(p.employment IS NULL OR p.employment NOT IN ({excluded}))", (
        f"CASE WHEN p.employment IN ({excluded}) "
        f"THEN {reason('EMPLOYMENT_EXCLUDED', 'p.employment')} "
        f"WHEN p.employment IS NULL THEN {reason('EMPLOYMENT_UNKNOWN_NOT_EXCLUDED')} "
        f"ELSE {reason('EMPLOYMENT', 'p.employment')} END"
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


def person_programmes(rules: Rules, reviewed: bool = False) -> str:
    """PBI_JK, ATENSI, PENA and the new person programmes for every person row: eligibility
    and reasons (``reviewed``: with a reviewer's verdicts, ``person_overrides``). Persons who
    are not members (deceased, born after as_of, …) are eligible for nothing, with that
    reason."""
    pbi, atensi, pena = rules.pbi_jk, rules.atensi, rules.pena
    counted = tuple(c for c in CLUSTER_CODES if c not in atensi.excluded_clusters)
    in_counted, counted_reason = _clusters_condition(counted, "ATENSI")
    atensi_reason = (
        f"CASE WHEN {in_counted} "
        f"THEN {joined(counted_reason, reason('ASSESSMENT_REQUIRED'))} "
        f"ELSE {counted_reason} END"
        if counted
        else reason("ALL_CLUSTERS_EXCLUDED", text(LIST.join(atensi.excluded_clusters)))
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
        reasons = joined(*(reason for _, reason in conditions))
        columns.append(
            _decided(
                name,
                f"{member} AND {holds}",
                f"CASE WHEN {member} THEN {reasons} ELSE {_person_status_reason()} END",
                member,
                reviewed,
            )
        )
    body = ",\n    ".join(columns)
    review = "\nLEFT JOIN person_overrides AS o ON o.person_id = p.person_id" if reviewed else ""
    return f"""
SELECT
    p.person_id,
    p.household_id,
    {body}
FROM persons_with_deciles AS p
LEFT JOIN person_clusters AS c ON c.person_id = p.person_id{review}"""


def person_decisions(rules: Rules) -> str:
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
