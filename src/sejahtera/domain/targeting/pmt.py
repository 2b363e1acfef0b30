"""Proxy-means test (PMT): a household's welfare score predicted from what the registry holds.

The score is predicted monthly consumption per capita. The model is linear in log per-capita
consumption over household and member characteristics of registry format v1 (housing, assets,
utilities, household size and composition, the head's age, sex, education and job, members'
work and income, regency), fitted on the households whose ``monthly_expenditure_idr`` is known.
``calibrate`` fits several candidate models (``CANDIDATES``: least squares on the first
registry features or on every column, ridge, quantile regression at the cut-off), measures
each by cross-validation, keeps the one that leaves out the fewest poor people, and reports
them all (``model.comparison``)::

    model = calibrate(households, persons, holdout_share=0.2, seed=1, as_of=date(2026, 11, 30))
    model.method, model.r2, model.n, model.inclusion_error, model.exclusion_error
    Path("model.json").write_text(model.to_json())

The features are declared once (``FEATURES``, data: a kind plus a column/value) and computed
here with numpy for calibration; the targeting engine (``sejahtera.targeting_engine``) generates
the same features as SQL from the same declarations, and a test checks both give the same scores.
Pure Python + numpy + pyarrow, no Django.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sejahtera.domain.registry_format import (
    ASSETS,
    COOKING_FUEL,
    DATE_SHAPE,
    DRINKING_WATER,
    EARNING_EMPLOYMENT,
    EDUCATION,
    EMPLOYMENT,
    FLOOR_TYPES,
    HOUSE_OWNERSHIP,
    LIGHTING,
    PLAIN_DECIMAL_SHAPE,
    ROOF_TYPES,
    TOILET,
    WALL_TYPES,
)

MODEL_FORMAT = "sejahtera-pmt/1"
CHILD_AGE_BELOW = 15  # share of children: members younger than this
ELDERLY_MIN_AGE = 60  # share of elderly: members this old or older
EARNING_JOBS: tuple[str, ...] = EARNING_EMPLOYMENT
# Household columns used as categories; the first value of each list is the reference.
HOUSEHOLD_CATEGORIES: dict[str, tuple[str, ...]] = {
    "house_ownership": HOUSE_OWNERSHIP,
    "floor_type": FLOOR_TYPES,
    "wall_type": WALL_TYPES,
    "roof_type": ROOF_TYPES,
    "drinking_water": DRINKING_WATER,
    "lighting": LIGHTING,
    "cooking_fuel": COOKING_FUEL,
    "toilet": TOILET,
}
HEAD_CATEGORIES: dict[str, tuple[str, ...]] = {
    "education": EDUCATION,
    "employment": EMPLOYMENT,
}
# electricity_va buckets (inclusive upper bounds); 0 (no connection) is the reference.
ELECTRICITY_BUCKETS: tuple[tuple[str, int, int], ...] = (
    ("450", 1, 450),
    ("900", 451, 900),
    ("1300", 901, 1300),
    ("2200+", 1301, 10**9),
)
DECIMAL_RE = re.compile(PLAIN_DECIMAL_SHAPE.removesuffix("$") + r"\Z")


class PmtModelError(ValueError):
    """A model file that cannot be used."""


@dataclass(frozen=True)
class Feature:
    """One regressor. ``kind`` says how it is computed (both here and in the batch SQL):

    category / category_missing   household ``column`` = ``value`` / empty or not a listed value
    electricity / electricity_missing   electricity_va in [low, high] / empty or not a number
    log_floor_area_per_capita / floor_area_missing
    asset          ``value`` is among the household's assets
    urban          the village code's 7th digit is 1 (kelurahan)
    log_size       ln(living members)
    share          share of living members that are children / elderly / earners (``value``)
    head_female    the head is a woman
    head_category / head_category_missing   head's ``column`` = ``value`` / unknown or no head
    head_age / head_age_squared / head_age_missing   the head's age (squared / 100), 0 when no head
    any_employment some living member has employment ``value``
    log_income_per_capita / income_missing   ln(living members' stated incomes / size) / none > 0
    regency        the village is in regency ``value`` (one per regency of the fitting sample)
    """

    name: str
    kind: str
    column: str = ""
    value: str = ""
    low: int = 0
    high: int = 0


def _build_features() -> tuple[Feature, ...]:
    features: list[Feature] = []
    for column, values in HOUSEHOLD_CATEGORIES.items():
        for value in values[1:]:
            features.append(Feature(f"{column}={value}", "category", column, value))
        features.append(Feature(f"{column}=missing", "category_missing", column))
    for label, low, high in ELECTRICITY_BUCKETS:
        features.append(Feature(f"electricity_va={label}", "electricity", low=low, high=high))
    features.append(Feature("electricity_va=missing", "electricity_missing"))
    features.append(Feature("log_floor_area_per_capita", "log_floor_area_per_capita"))
    features.append(Feature("floor_area=missing", "floor_area_missing"))
    features.extend(Feature(f"asset={asset}", "asset", value=asset) for asset in ASSETS)
    features.append(Feature("urban", "urban"))
    features.append(Feature("log_size", "log_size"))
    for share in ("children", "elderly", "earners"):
        features.append(Feature(f"share_{share}", "share", value=share))
    features.append(Feature("head_female", "head_female"))
    for column, values in HEAD_CATEGORIES.items():
        for value in values[1:]:
            features.append(Feature(f"head_{column}={value}", "head_category", column, value))
        features.append(Feature(f"head_{column}=missing", "head_category_missing", column))
    for job in ("civil_servant", "private_employee"):
        features.append(Feature(f"any_{job}", "any_employment", "employment", job))
    features.append(Feature("head_age", "head_age"))
    features.append(Feature("head_age_squared", "head_age_squared"))
    features.append(Feature("head_age=missing", "head_age_missing"))
    features.append(Feature("log_income_per_capita", "log_income_per_capita"))
    features.append(Feature("income=missing", "income_missing"))
    return tuple(features)


# Every fixed feature; regency dummies are added per fitting sample (``regency_features``).
FEATURES: tuple[Feature, ...] = _build_features()
FEATURES_BY_NAME: dict[str, Feature] = {f.name: f for f in FEATURES}
# The kinds added after the first shipped model (which has none of them).
LATER_KINDS = frozenset(
    {
        "head_age",
        "head_age_squared",
        "head_age_missing",
        "log_income_per_capita",
        "income_missing",
        "regency",
    }
)
FIRST_FEATURES: tuple[Feature, ...] = tuple(f for f in FEATURES if f.kind not in LATER_KINDS)
REGENCY_FEATURE = re.compile(r"regency=([0-9]{4})\Z")


def feature_named(name: str) -> Feature | None:
    """The feature a model's coefficient names (a fixed one, or a regency dummy)."""
    if name in FEATURES_BY_NAME:
        return FEATURES_BY_NAME[name]
    match = REGENCY_FEATURE.match(name)
    return Feature(name, "regency", "region_code", match.group(1)) if match else None


def regency_features(codes: Sequence[str]) -> tuple[Feature, ...]:
    """Dummies for the regencies among ``codes`` but the first (the reference)."""
    present = sorted({c[:4] for c in codes if isinstance(c, str) and len(c) >= 4})
    return tuple(Feature(f"regency={code}", "regency", "region_code", code) for code in present[1:])


# -- the model --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PmtModel:
    """A fitted model: log(per-capita consumption) = intercept + Σ coefficient·feature."""

    intercept: float
    coefficients: dict[str, float]  # feature name → coefficient, in FEATURES order
    r2: float  # on the fitting sample
    n: int  # households the model was fitted on
    r2_holdout: float | None = None
    n_holdout: int = 0
    cutoff_decile: int = 4
    inclusion_error: float | None = None  # holdout: predicted poor who are not poor
    exclusion_error: float | None = None  # holdout: poor not predicted poor
    as_of: date | None = None  # reference date for ages
    seed: int = 0
    holdout_share: float = 0.0
    description: str = ""
    synthetic: bool = False
    sample_household_ids: tuple[str, ...] = ()
    holdout_household_ids: tuple[str, ...] = ()
    method: str = "ols_first"  # the candidate calibration chose (CANDIDATES)
    # Every candidate's figures: name, features, cv_exclusion_error, r2_holdout,
    # inclusion_error, exclusion_error (holdout).
    comparison: tuple[dict[str, Any], ...] = ()
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def features(self) -> tuple[Feature, ...]:
        return tuple(_feature(name) for name in self.coefficients)

    def predict_log(self, matrix: np.ndarray) -> np.ndarray:
        """Log per-capita consumption for a feature matrix in ``features`` order."""
        beta = np.array(list(self.coefficients.values()), dtype=float)
        return self.intercept + matrix @ beta

    def summary(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "r2": round(self.r2, 4),
            "r2_holdout": None if self.r2_holdout is None else round(self.r2_holdout, 4),
            "n": self.n,
            "n_holdout": self.n_holdout,
            "cutoff_decile": self.cutoff_decile,
            "inclusion_error": _round(self.inclusion_error),
            "exclusion_error": _round(self.exclusion_error),
            "comparison": list(self.comparison),
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": MODEL_FORMAT,
            "description": self.description,
            "synthetic": self.synthetic,
            "target": "log monthly consumption per capita (IDR)",
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "seed": self.seed,
            "holdout_share": self.holdout_share,
            "method": self.method,
            "comparison": list(self.comparison),
            "r2": self.r2,
            "r2_holdout": self.r2_holdout,
            "n": self.n,
            "n_holdout": self.n_holdout,
            "cutoff_decile": self.cutoff_decile,
            "inclusion_error": self.inclusion_error,
            "exclusion_error": self.exclusion_error,
            "intercept": self.intercept,
            "coefficients": self.coefficients,
            "sample_household_ids": list(self.sample_household_ids),
            "holdout_household_ids": list(self.holdout_household_ids),
        }

    def to_json(self) -> str:
        """Indented JSON, with the (long) sample id lists each on one line."""
        data = self.to_dict()
        ids = {key: data.pop(key) for key in ("sample_household_ids", "holdout_household_ids")}
        text = json.dumps(data, indent=1, ensure_ascii=False)
        lines = [f' "{key}": {json.dumps(value, ensure_ascii=False)}' for key, value in ids.items()]
        return text[:-2] + ",\n" + ",\n".join(lines) + "\n}\n"


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _feature(name: str) -> Feature:
    feature = feature_named(name)
    if feature is None:
        raise PmtModelError(f"unknown feature: {name}")
    return feature


def model_from_dict(data: Any) -> PmtModel:
    """Validate and build a model from its JSON form."""
    if not isinstance(data, dict):
        raise PmtModelError("the model must be a JSON object")
    if data.get("format") != MODEL_FORMAT:
        raise PmtModelError(f"format must be {MODEL_FORMAT!r}, got {data.get('format')!r}")
    coefficients = data.get("coefficients")
    if not isinstance(coefficients, dict) or not coefficients:
        raise PmtModelError("coefficients must be a non-empty object of feature → number")
    unknown = [name for name in coefficients if feature_named(name) is None]
    if unknown:
        raise PmtModelError(f"unknown features: {', '.join(unknown)}")
    for name, value in [("intercept", data.get("intercept")), *coefficients.items()]:
        if isinstance(value, bool) or not isinstance(value, int | float) or not np.isfinite(value):
            raise PmtModelError(f"{name} must be a finite number, got {value!r}")
    as_of = data.get("as_of")
    try:
        as_of_date = date.fromisoformat(as_of) if as_of else None
    except (TypeError, ValueError):
        raise PmtModelError(f"as_of must be YYYY-MM-DD, got {as_of!r}") from None
    fixed = [f.name for f in FEATURES if f.name in coefficients]
    regencies = sorted(name for name in coefficients if name not in FEATURES_BY_NAME)
    ordered = {name: float(coefficients[name]) for name in fixed + regencies}
    return PmtModel(
        intercept=float(data["intercept"]),
        coefficients=ordered,
        r2=float(data.get("r2") or 0.0),
        n=int(data.get("n") or 0),
        r2_holdout=data.get("r2_holdout"),
        n_holdout=int(data.get("n_holdout") or 0),
        cutoff_decile=int(data.get("cutoff_decile") or 4),
        inclusion_error=data.get("inclusion_error"),
        exclusion_error=data.get("exclusion_error"),
        as_of=as_of_date,
        seed=int(data.get("seed") or 0),
        holdout_share=float(data.get("holdout_share") or 0.0),
        description=str(data.get("description") or ""),
        synthetic=bool(data.get("synthetic")),
        sample_household_ids=tuple(data.get("sample_household_ids") or ()),
        holdout_household_ids=tuple(data.get("holdout_household_ids") or ()),
        method=str(data.get("method") or "ols_first"),
        comparison=tuple(data.get("comparison") or ()),
    )


def load_model(path: Path | str) -> PmtModel:
    text = Path(path).read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PmtModelError(f"not valid JSON: {exc}") from None
    return model_from_dict(data)


# -- household facts and features (numpy) -----------------------------------------------------


@dataclass(frozen=True)
class HouseholdFacts:
    """What the features need, one entry per household row (in input order)."""

    household_id: np.ndarray  # str objects
    columns: dict[str, np.ndarray]  # household columns, str objects; None = empty
    living: np.ndarray  # living members at as_of
    children: np.ndarray
    elderly: np.ndarray
    earners: np.ndarray
    head: dict[str, np.ndarray]  # head's sex/education/employment (None when unknown)
    head_age: np.ndarray  # float, NaN when there is no living head
    income: np.ndarray  # sum of the living members' stated monthly incomes (0 when none)
    any_employment: dict[str, np.ndarray]  # bool per job in FEATURES


def _strings(table: pa.Table, name: str) -> pa.Array:
    if name not in table.column_names:
        return pa.nulls(table.num_rows, pa.string())
    column = pc.cast(table[name], pa.string()).combine_chunks()
    trimmed = pc.utf8_trim_whitespace(column)
    return pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed)


def _objects(array: pa.Array) -> np.ndarray:
    return np.array(array.to_pylist(), dtype=object)


def _dates(array: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(valid, yyyymmdd as int) for strict YYYY-MM-DD strings."""
    shaped = pc.fill_null(pc.match_substring_regex(array, DATE_SHAPE), False)
    parsed = pc.strptime(
        pc.if_else(shaped, array, pa.scalar(None, pa.string())),
        format="%Y-%m-%d",
        unit="s",
        error_is_null=True,
    )
    valid = pc.is_valid(parsed).to_numpy(zero_copy_only=False)
    ymd = pc.add(
        pc.add(pc.multiply(pc.year(parsed), 10_000), pc.multiply(pc.month(parsed), 100)),
        pc.day(parsed),
    )
    return valid, pc.fill_null(ymd, 0).to_numpy(zero_copy_only=False).astype(np.int64)


def ages_at(birth_ymd: np.ndarray, as_of: date) -> np.ndarray:
    """Whole years at ``as_of``. Comparing (month, day) pairs makes a 29 February birthday
    count from 1 March in non-leap years."""
    as_of_md = as_of.month * 100 + as_of.day
    return as_of.year - birth_ymd // 10_000 - ((birth_ymd % 10_000) > as_of_md)


def household_facts(households: pa.Table, persons: pa.Table, as_of: date) -> HouseholdFacts:
    household_ids = _objects(_strings(households, "household_id"))
    index = {hid: i for i, hid in enumerate(household_ids)}
    n = len(household_ids)
    columns = {
        name: _objects(_strings(households, name))
        for name in (*HOUSEHOLD_CATEGORIES, "electricity_va", "floor_area_m2", "assets")
    }
    columns["region_code"] = _objects(_strings(households, "region_code"))

    person_household = _objects(_strings(persons, "household_id"))
    slot = np.array([index.get(h, -1) for h in person_household], dtype=np.int64)
    born_valid, born = _dates(_strings(persons, "birth_date"))
    dead_valid, died = _dates(_strings(persons, "deceased_date"))
    as_of_ymd = as_of.year * 10_000 + as_of.month * 100 + as_of.day
    living = born_valid & (born <= as_of_ymd) & ~(dead_valid & (died <= as_of_ymd)) & (slot >= 0)
    age = ages_at(born, as_of)
    employment = _objects(_strings(persons, "employment"))
    relationship = _objects(_strings(persons, "relationship"))
    person_ids = _objects(_strings(persons, "person_id"))

    def count(mask: np.ndarray) -> np.ndarray:
        return np.bincount(slot[mask & living], minlength=n).astype(float)

    earners = np.isin(employment, EARNING_JOBS)
    head: dict[str, np.ndarray] = {
        key: np.full(n, None, dtype=object) for key in ("sex", *HEAD_CATEGORIES)
    }
    head_values = {
        "sex": _objects(_strings(persons, "sex")),
        **{key: _objects(_strings(persons, key)) for key in HEAD_CATEGORIES},
    }
    head_age = np.full(n, np.nan)
    is_head = np.flatnonzero(living & (relationship == "head"))
    # The head is the living member marked head; with several, the smallest person_id.
    for i in sorted(is_head, key=lambda i: person_ids[i], reverse=True):
        for key, values in head_values.items():
            head[key][slot[i]] = values[i]
        head_age[slot[i]] = age[i]
    income = _integers(_objects(_strings(persons, "monthly_income_idr")))
    stated = living & np.isfinite(income)
    any_employment = {
        f.value: count(employment == f.value) > 0 for f in FEATURES if f.kind == "any_employment"
    }
    return HouseholdFacts(
        household_id=household_ids,
        columns=columns,
        living=count(np.ones(len(slot), dtype=bool)),
        children=count(age < CHILD_AGE_BELOW),
        elderly=count(age >= ELDERLY_MIN_AGE),
        earners=count(earners),
        head=head,
        head_age=head_age,
        income=np.bincount(slot[stated], weights=income[stated], minlength=n),
        any_employment=any_employment,
    )


def _integers(values: np.ndarray) -> np.ndarray:
    """Whole numbers as float; NaN when empty or not digits."""
    return np.array(
        [float(v) if isinstance(v, str) and v.isascii() and v.isdigit() else np.nan for v in values]
    )


def _numbers(values: np.ndarray) -> np.ndarray:
    """Plain decimals (digits, optional dot and digits) as float; NaN otherwise."""
    return np.array(
        [float(v) if isinstance(v, str) and DECIMAL_RE.match(v) else np.nan for v in values]
    )


def feature_matrix(facts: HouseholdFacts, features: Sequence[Feature] = FEATURES) -> np.ndarray:
    """One row per household, one column per feature (in the given order)."""
    size = np.maximum(facts.living, 1.0)
    electricity = _integers(facts.columns["electricity_va"])
    area = _numbers(facts.columns["floor_area_m2"])
    area_ok = np.isfinite(area) & (area > 0)
    # Same matching as the SQL: spaces removed, then ";asset;" inside ";list;".
    assets = [
        f";{v.replace(' ', '')};" if isinstance(v, str) else ";;" for v in facts.columns["assets"]
    ]
    region = facts.columns["region_code"]
    shares = {"children": facts.children, "elderly": facts.elderly, "earners": facts.earners}
    out = np.zeros((len(size), len(features)))
    for j, f in enumerate(features):
        if f.kind == "category":
            col = facts.columns[f.column] == f.value
        elif f.kind == "category_missing":
            col = ~np.isin(facts.columns[f.column], HOUSEHOLD_CATEGORIES[f.column])
        elif f.kind == "electricity":
            col = (electricity >= f.low) & (electricity <= f.high)
        elif f.kind == "electricity_missing":
            col = np.isnan(electricity)
        elif f.kind == "log_floor_area_per_capita":
            col = np.where(area_ok, np.log(np.where(area_ok, area, 1.0) / size), 0.0)
        elif f.kind == "floor_area_missing":
            col = ~area_ok
        elif f.kind == "asset":
            col = np.array([f";{f.value};" in a for a in assets])
        elif f.kind == "urban":
            col = np.array([isinstance(r, str) and r[6:7] == "1" for r in region])
        elif f.kind == "log_size":
            col = np.log(size)
        elif f.kind == "share":
            col = shares[f.value] / size
        elif f.kind == "head_female":
            col = facts.head["sex"] == "P"
        elif f.kind == "head_category":
            col = facts.head[f.column] == f.value
        elif f.kind == "head_category_missing":
            col = ~np.isin(facts.head[f.column], HEAD_CATEGORIES[f.column])
        elif f.kind == "any_employment":
            col = facts.any_employment[f.value]
        elif f.kind == "head_age":
            col = np.nan_to_num(facts.head_age)
        elif f.kind == "head_age_squared":
            col = np.nan_to_num(facts.head_age) ** 2 / 100
        elif f.kind == "head_age_missing":
            col = np.isnan(facts.head_age)
        elif f.kind == "log_income_per_capita":
            earning = facts.income > 0
            col = np.where(earning, np.log(np.where(earning, facts.income, 1.0) / size), 0.0)
        elif f.kind == "income_missing":
            col = ~(facts.income > 0)
        elif f.kind == "regency":
            col = np.array([isinstance(r, str) and r[:4] == f.value for r in region])
        else:  # pragma: no cover - FEATURES only uses the kinds above
            raise ValueError(f"unknown feature kind {f.kind}")
        out[:, j] = col
    return out


def predict(
    model: PmtModel, households: pa.Table, persons: pa.Table, as_of: date
) -> tuple[np.ndarray, np.ndarray]:
    """(household ids, predicted log per-capita consumption) in household row order."""
    facts = household_facts(households, persons, as_of)
    return facts.household_id, model.predict_log(feature_matrix(facts, model.features))


# -- calibration ------------------------------------------------------------------------------


def person_weighted_deciles(score: np.ndarray, weight: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Deciles 1–10 (1 lowest score), each holding ~10 % of the weight: a household's decile is
    the one its middle person falls in, after sorting by score then id. Same rule as the batch
    engine."""
    order = np.lexsort((ids.astype(str), score))
    w = weight[order].astype(np.int64)
    before = np.cumsum(w) - w
    total = max(int(w.sum()), 1)
    deciles = np.empty(len(score), dtype=np.int64)
    deciles[order] = np.minimum((20 * before + 10 * w) // (2 * total) + 1, 10)
    return deciles


# The candidate models calibration compares. Each is linear in its features, so a household's
# score is always explained by its coefficients.
CANDIDATES: dict[str, str] = {
    "ols_first": "least squares, the first shipped features",
    "ols_all": "least squares, every registry column",
    "ridge_all": "ridge regression, every registry column (penalty by cross-validation)",
    "quantile_all": "quantile regression at the cut-off, every registry column",
}
CV_FOLDS = 5
RIDGE_PENALTIES = (0.1, 1.0, 10.0, 100.0)  # per standardised column, times the sample size / 1000
QUANTILE_ITERATIONS = 60


Fit = tuple[float, np.ndarray]  # intercept, coefficients


@dataclass(frozen=True)
class Measured:
    """One candidate's figures: cross-validated on the fitting sample, then on the holdout."""

    name: str
    features: int
    cv_exclusion_error: float | None
    r2_holdout: float | None
    inclusion_error: float | None
    exclusion_error: float | None


def calibrate(
    households: pa.Table,
    persons: pa.Table,
    holdout_share: float = 0.2,
    seed: int = 0,
    *,
    as_of: date | None = None,
    cutoff_decile: int = 4,
    description: str = "",
    synthetic: bool = False,
) -> PmtModel:
    """Fit the PMT on households with a known ``monthly_expenditure_idr`` and living members.

    A random ``holdout_share`` of them (``seed``) is held back. On the rest every candidate of
    ``CANDIDATES`` is measured by ``CV_FOLDS``-fold cross-validation (the exclusion error at the
    ``cutoff_decile``: person-weighted deciles of true vs predicted consumption, decile ≤ cut-off
    counts as poor), and the one with the lowest is refitted on them all and kept. The held-back
    part then measures every candidate's R² and inclusion and exclusion error, all reported in
    ``comparison``. Ages are taken at ``as_of`` (default: today)."""
    if not 0.0 <= holdout_share < 1.0:
        raise ValueError(f"holdout_share must be in [0, 1), got {holdout_share}")
    as_of = as_of or date.today()
    facts = household_facts(households, persons, as_of)
    expenditure = _integers(_objects(_strings(households, "monthly_expenditure_idr")))
    usable = np.flatnonzero((expenditure > 0) & (facts.living > 0))
    n_holdout = round(holdout_share * len(usable))
    all_features = FEATURES + regency_features(list(facts.columns["region_code"][usable]))
    min_fit = 2 * (len(all_features) + 1)
    if len(usable) - n_holdout < min_fit:
        raise ValueError(
            f"{len(usable)} households have monthly_expenditure_idr and living members, "
            f"{len(usable) - n_holdout} of them left for fitting after the holdout; "
            f"calibration needs at least {min_fit} (two per coefficient)"
        )
    rng = np.random.default_rng(seed)
    shuffled = rng.permutation(usable)
    holdout, fit = np.sort(shuffled[:n_holdout]), np.sort(shuffled[n_holdout:])
    folds = np.array_split(rng.permutation(len(fit)), CV_FOLDS)
    target = np.log(expenditure / np.maximum(facts.living, 1.0))
    full = feature_matrix(facts, all_features)
    first = np.array([all_features.index(f) for f in FIRST_FEATURES])
    every = np.arange(len(all_features))
    candidates: dict[str, tuple[np.ndarray, Callable[[np.ndarray, np.ndarray], Fit]]] = {
        "ols_first": (first, _least_squares),
        "ols_all": (every, _least_squares),
        "ridge_all": (every, _ridge),
        "quantile_all": (every, lambda x, y: _quantile(x, y, cutoff_decile / 10)),
    }

    def errors(columns: np.ndarray, fitted: Fit, rows: np.ndarray) -> tuple[float | None, ...]:
        intercept, beta = fitted
        predicted = intercept + full[np.ix_(rows, columns)] @ beta
        return (
            _r2(target[rows], predicted),
            *_targeting_errors(target[rows], predicted, facts, rows, cutoff_decile),
        )

    comparison: list[Measured] = []
    fits: dict[str, Fit] = {}
    for name, (columns, fitter) in candidates.items():
        cv_errors = []
        for k, test in enumerate(folds):
            train = np.concatenate([f for j, f in enumerate(folds) if j != k])
            fitted = fitter(full[np.ix_(fit[train], columns)], target[fit[train]])
            cv_errors.append(errors(columns, fitted, fit[test])[2])
        fits[name] = fitter(full[np.ix_(fit, columns)], target[fit])
        r2_holdout, inclusion, exclusion = (
            errors(columns, fits[name], holdout) if len(holdout) >= 10 else (None, None, None)
        )
        comparison.append(
            Measured(
                name,
                len(columns),
                _round(_mean(cv_errors)),
                _round(r2_holdout),
                _round(inclusion),
                _round(exclusion),
            )
        )
    best = min(comparison, key=lambda c: (c.cv_exclusion_error or 1.0, c.features))
    method = best.name
    columns = candidates[method][0]
    intercept, beta = fits[method]
    return PmtModel(
        intercept=intercept,
        coefficients={all_features[j].name: float(b) for j, b in zip(columns, beta, strict=True)},
        r2=_r2(target[fit], intercept + full[np.ix_(fit, columns)] @ beta),
        n=len(fit),
        r2_holdout=best.r2_holdout,
        n_holdout=len(holdout),
        cutoff_decile=cutoff_decile,
        inclusion_error=best.inclusion_error,
        exclusion_error=best.exclusion_error,
        as_of=as_of,
        seed=seed,
        holdout_share=holdout_share,
        description=description,
        synthetic=synthetic,
        sample_household_ids=tuple(str(h) for h in facts.household_id[fit]),
        holdout_household_ids=tuple(str(h) for h in facts.household_id[holdout]),
        method=method,
        comparison=tuple(asdict(c) for c in comparison),
    )


def _targeting_errors(
    actual: np.ndarray, predicted: np.ndarray, facts: HouseholdFacts, rows: np.ndarray, cutoff: int
) -> tuple[float | None, float | None]:
    """(inclusion, exclusion) error at the cut-off, person-weighted."""
    weight = facts.living[rows]
    ids = facts.household_id[rows]
    poor = person_weighted_deciles(actual, weight, ids) <= cutoff
    predicted_poor = person_weighted_deciles(predicted, weight, ids) <= cutoff
    included, truly_poor = float(weight[predicted_poor].sum()), float(weight[poor].sum())
    return (
        float(weight[predicted_poor & ~poor].sum()) / included if included else None,
        float(weight[poor & ~predicted_poor].sum()) / truly_poor if truly_poor else None,
    )


def _mean(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) / len(known) if known else None


def _least_squares(x: np.ndarray, y: np.ndarray) -> Fit:
    design = np.column_stack([np.ones(len(x)), x])
    beta, *_ = np.linalg.lstsq(design, y, rcond=None)
    return float(beta[0]), beta[1:]


def _standardised(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(z, mean, scale): constant columns keep scale 1 (their coefficient comes out 0)."""
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    return (x - mean) / scale, mean, scale


def _ridge_fit(z: np.ndarray, y: np.ndarray, penalty: float) -> np.ndarray:
    gram = z.T @ z + penalty * len(z) / 1000 * np.eye(z.shape[1])
    return np.linalg.solve(gram, z.T @ (y - y.mean()))


def _ridge(x: np.ndarray, y: np.ndarray) -> Fit:
    """Ridge on standardised columns; the penalty that predicts best in an inner 5-fold
    split (squared error), then back to the columns' own scale."""
    z, mean, scale = _standardised(x)
    folds = np.array_split(np.arange(len(z)), CV_FOLDS)

    def inner_error(penalty: float) -> float:
        total = 0.0
        for k, test in enumerate(folds):
            train = np.concatenate([f for j, f in enumerate(folds) if j != k])
            beta = _ridge_fit(z[train], y[train], penalty)
            residual = y[test] - (y[train].mean() + z[test] @ beta)
            total += float(residual @ residual)
        return total

    penalty = min(RIDGE_PENALTIES, key=inner_error)
    beta = _ridge_fit(z, y, penalty) / scale
    return float(y.mean() - mean @ beta), beta


def _quantile(x: np.ndarray, y: np.ndarray, quantile: float) -> Fit:
    """Linear quantile regression (the ``quantile``-th conditional quantile) by iteratively
    reweighted least squares from the least-squares fit, until the coefficients settle."""
    design = np.column_stack([np.ones(len(x)), x])
    beta, *_ = np.linalg.lstsq(design, y, rcond=None)
    ridge = 1e-8 * np.eye(design.shape[1])  # keeps constant columns solvable
    for _ in range(QUANTILE_ITERATIONS):
        residual = y - design @ beta
        weight = np.where(residual > 0, quantile, 1 - quantile) / np.maximum(np.abs(residual), 1e-4)
        weighted = design * weight[:, None]
        updated = np.linalg.solve(design.T @ weighted + ridge, weighted.T @ y)
        settled = np.max(np.abs(updated - beta)) < 1e-6
        beta = updated
        if settled:
            break
    return float(beta[0]), beta[1:]


def _r2(actual: np.ndarray, predicted: np.ndarray) -> float:
    total = float(((actual - actual.mean()) ** 2).sum())
    return 1.0 - float(((actual - predicted) ** 2).sum()) / total if total else 0.0
