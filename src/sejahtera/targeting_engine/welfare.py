"""The PMT welfare score of every household: its features, then the model's log-linear score."""

from __future__ import annotations

import re

from sejahtera.domain.targeting.pmt import HEAD_CATEGORIES, HOUSEHOLD_CATEGORIES, Feature, PmtModel
from sejahtera.targeting_engine.sql import real, text, texts


def column_name(feature: Feature) -> str:
    return "f_" + re.sub(r"[^a-z0-9]+", "_", feature.name.lower().replace("+", "_plus")).strip("_")


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
    if k == "head_age":
        return "COALESCE(head.age, 0)"
    if k == "head_age_squared":
        return "COALESCE(CAST(head.age AS DOUBLE) * head.age / 100, 0)"
    if k == "head_age_missing":
        return "head.age IS NULL"
    if k == "log_income_per_capita":
        return (
            "CASE WHEN c.income > 0 "
            "THEN LN(c.income / GREATEST(COALESCE(c.living_members, 0), 1)) ELSE 0 END"
        )
    if k == "income_missing":
        return "COALESCE(c.income, 0) <= 0"
    raise ValueError(f"unknown feature kind {k}")  # pragma: no cover


NUMERIC_FEATURES = frozenset(
    {
        "log_floor_area_per_capita",
        "log_size",
        "share",
        "head_age",
        "head_age_squared",
        "log_income_per_capita",
    }
)


def _feature_value(feature: Feature) -> str:
    """A feature as a DOUBLE: numeric kinds as computed, conditions as 1.0 / 0.0."""
    expression = _feature_sql(feature)
    if feature.kind in NUMERIC_FEATURES:
        return f"CAST({expression} AS DOUBLE)"
    return f"CAST(CASE WHEN {expression} THEN 1 ELSE 0 END AS DOUBLE)"


def _terms(model: PmtModel) -> list[tuple[Feature, float]]:
    """The model's features but its regency dummies, with their coefficients."""
    return [
        (f, coefficient)
        for f, coefficient in zip(model.features, model.coefficients.values(), strict=True)
        if f.kind != "regency"
    ]


def _regency_effect(model: PmtModel) -> str:
    """The regency dummies as one column: each regency's coefficient (a model may have one per
    regency of the country; one CASE costs less than hundreds of columns)."""
    effects = [
        f"WHEN {text(f.value)} THEN {real(coefficient)}"
        for f, coefficient in zip(model.features, model.coefficients.values(), strict=True)
        if f.kind == "regency"
    ]
    if not effects:
        return "CAST(0 AS DOUBLE)"
    return f"CASE h.regency_code {' '.join(effects)} ELSE CAST(0 AS DOUBLE) END"


def household_features(model: PmtModel) -> str:
    columns = ",\n    ".join(
        [f"{_feature_value(f)} AS {column_name(f)}" for f, _ in _terms(model)]
        + [f"{_regency_effect(model)} AS regency_effect"]
    )
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


def welfare_scores(model: PmtModel) -> str:
    terms = "\n        + ".join(
        [f"{real(coefficient)} * {column_name(f)}" for f, coefficient in _terms(model)]
        + ["regency_effect"]
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
