"""Parsing the input views into typed rows, and who is a living member at ``as_of``.

An input of format v1 text is parsed as the import reads it (the shapes and words of
``registry_format``); a typed input (the registry's snapshot) already holds its dates, numbers
and flags as values, validated when they were stored, so they are taken as they are."""

from __future__ import annotations

from datetime import date

from sejahtera.domain.registry_format import (
    DATE_SHAPE,
    DIGITS_SHAPE,
    DISABILITY,
    DISABILITY_SEVERITY,
    INMATE_STATUS,
    PLAIN_DECIMAL_SHAPE,
    TRUE_WORDS,
)
from sejahtera.domain.targeting.pmt import (
    CHILD_AGE_BELOW,
    EARNING_JOBS,
    ELDERLY_MIN_AGE,
    HOUSEHOLD_CATEGORIES,
)
from sejahtera.domain.targeting.rules import BOOLEAN_FLAGS
from sejahtera.targeting_engine.sql import texts

# -- parsing the input ------------------------------------------------------------------------


def _clean(column: str) -> str:
    return f"NULLIF(TRIM({column}), '')"


def _boolean(column: str, typed: bool) -> str:
    if typed:
        return f"COALESCE({column}, FALSE)"
    return f"COALESCE(LOWER(TRIM({column})) IN ({texts(sorted(TRUE_WORDS))}), FALSE)"


def _parsed(column: str, shape: str, sql_type: str, typed: bool) -> str:
    """A value of text matching ``shape`` as ``sql_type`` (else NULL); a typed one as it is,
    unless it is one no text of that shape could be (a negative number)."""
    if typed:
        return column if sql_type == "DATE" else f"CASE WHEN {column} >= 0 THEN {column} END"
    return (
        f"CASE WHEN regexp_matches(TRIM({column}), '{shape}') "
        f"THEN TRY_CAST(TRIM({column}) AS {sql_type}) END"
    )


def _date(column: str, typed: bool) -> str:
    return _parsed(column, DATE_SHAPE, "DATE", typed)


def _integer(column: str, typed: bool) -> str:
    return _parsed(column, DIGITS_SHAPE, "BIGINT", typed)


def households_parsed(typed: bool = False) -> str:
    categories = ",\n    ".join(f"{_clean(column)} AS {column}" for column in HOUSEHOLD_CATEGORIES)
    return f"""
SELECT
    TRIM(household_id) AS household_id,
    {_clean("region_code")} AS region_code,
    NULLIF(SUBSTR(TRIM(region_code), 1, 2), '') AS province_code,
    NULLIF(SUBSTR(TRIM(region_code), 1, 4), '') AS regency_code,
    COALESCE(SUBSTR(TRIM(region_code), 7, 1) = '1', FALSE) AS urban,
    {categories},
    {_integer("electricity_va", typed)} AS electricity_va,
    {_parsed("floor_area_m2", PLAIN_DECIMAL_SHAPE, "DOUBLE", typed)} AS floor_area_m2,
    ';' || REPLACE(COALESCE(assets, ''), ' ', '') || ';' AS asset_list
FROM households_input"""


def persons_parsed(typed: bool = False) -> str:
    booleans = ",\n    ".join(f"{_boolean(flag, typed)} AS {flag}" for flag in BOOLEAN_FLAGS)
    disabilities = texts([d for d in DISABILITY if d != "none"])
    return f"""
SELECT
    TRIM(person_id) AS person_id,
    TRIM(household_id) AS household_id,
    {_clean("sex")} AS sex,
    {_date("birth_date", typed)} AS birth_date,
    {_date("deceased_date", typed)} AS deceased_date,
    {_clean("relationship")} AS relationship,
    {_clean("education")} AS education,
    {_clean("school_enrolled")} AS school_enrolled,
    {_clean("employment")} AS employment,
    {_integer("monthly_income_idr", typed)} AS monthly_income_idr,
    CASE WHEN TRIM(disability) IN ({disabilities}) THEN TRIM(disability)
        ELSE 'none' END AS disability,
    CASE WHEN TRIM(disability_severity) IN ({texts(DISABILITY_SEVERITY)})
        THEN TRIM(disability_severity) ELSE 'none' END AS disability_severity,
    CASE WHEN TRIM(inmate_status) IN ({texts(INMATE_STATUS)})
        THEN TRIM(inmate_status) ELSE 'none' END AS inmate_status,
    {booleans}
FROM persons_input"""


def persons_at_as_of(as_of: date) -> str:
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


def household_composition() -> str:
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
    MIN(CASE WHEN relationship = 'head' THEN person_id END) AS head_person_id,
    SUM(monthly_income_idr) AS income
FROM living_members
GROUP BY household_id"""


def persons_with_deciles() -> str:
    return """
SELECT p.*, d.national_decile
FROM persons_at_as_of AS p
LEFT JOIN household_deciles AS d ON d.household_id = p.household_id AND p.status = 'member'"""
