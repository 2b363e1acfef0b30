"""The latent household welfare: log monthly consumption per capita, and the money it implies.

    log c = log(Rp 1.35 M) + region + 0.25·z + 0.035·(head's years of schooling − 9)
            + 0.35·(earner share − 0.35) + 0.12·[civil servant] + 0.06·[private employee]
            − 0.28·log(size / 3.8) + u_permanent + u_transitory

``z`` is the household's standard-normal socioeconomic latent (it also drives schooling and
jobs); ``region`` the province, kota/kelurahan, remote-village and village effects. Housing and
assets reflect the *permanent* part only (everything but the transitory shock of sd 0.3), which
is what caps a proxy-means test's R² at a realistic level.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sejahtera.synth.people import EDUCATION_YEARS, EMPLOYMENT_INDEX, earns
from sejahtera.synth.sampling import segment_any, segment_sum

MEDIAN_PER_CAPITA_IDR = 1_350_000
BASE_LOG_CONSUMPTION = float(np.log(MEDIAN_PER_CAPITA_IDR))
POVERTY_LINE_IDR = 600_000  # per capita per month
WELFARE_SCALE = 0.5  # log units per standard unit of the welfare index the housing models see
TRANSITORY_SD = 0.3
DISASTER_SHOCK = -0.10
JOB_EARNING_WEIGHT = {
    "farmer": 0.8,
    "fisher": 0.9,
    "laborer": 1.0,
    "informal": 0.8,
    "private_employee": 1.3,
    "civil_servant": 1.6,
    "entrepreneur": 1.4,
    "other": 0.8,
}
INCOME_ROUNDING_IDR = 50_000
EXPENDITURE_ROUNDING_IDR = 1_000


@dataclass(frozen=True)
class Welfare:
    permanent: np.ndarray  # log per-capita consumption without the transitory shock
    log_per_capita: np.ndarray
    per_capita_idr: np.ndarray  # whole rupiah

    @property
    def index(self) -> np.ndarray:
        """Standardised permanent welfare around the national median, for the housing models."""
        return (self.permanent - BASE_LOG_CONSUMPTION) / WELFARE_SCALE


def household_consumption(
    *,
    region_effect: np.ndarray,
    latent: np.ndarray,
    head_education: np.ndarray,
    job: np.ndarray,
    alive: np.ndarray,
    household: np.ndarray,
    disaster: np.ndarray,
    rng: np.random.Generator,
) -> Welfare:
    n_households = len(region_effect)
    living = segment_sum(alive, household, n_households)
    size = np.maximum(living, 1.0)
    earners = segment_sum(earns(job) & alive, household, n_households)
    civil_servant = segment_any(job == EMPLOYMENT_INDEX["civil_servant"], household, n_households)
    private = segment_any(job == EMPLOYMENT_INDEX["private_employee"], household, n_households)
    permanent = (
        BASE_LOG_CONSUMPTION
        + region_effect
        + 0.25 * latent
        + 0.035 * (EDUCATION_YEARS[head_education] - 9)
        + 0.35 * (earners / size - 0.35)
        + 0.12 * civil_servant
        + 0.06 * private
        - 0.28 * np.log(size / 3.8)
        + rng.normal(0.0, 0.2, n_households)
    )
    log_per_capita = (
        permanent
        + rng.normal(0.0, TRANSITORY_SD, n_households)
        + np.where(disaster, DISASTER_SHOCK, 0.0)
    )
    per_capita = np.rint(np.exp(log_per_capita)).astype(np.int64)
    return Welfare(permanent, log_per_capita, per_capita)


def monthly_incomes(
    *,
    job: np.ndarray,
    age: np.ndarray,
    alive: np.ndarray,
    household: np.ndarray,
    living_size: np.ndarray,
    per_capita_idr: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Income per person in whole rupiah (rounded as people state it); -1 = unknown.

    Earners share the household's consumption (plus some saving) in proportion to the pay of
    their kind of job; some retirees draw a pension; other adults state 0; children and the
    dead nothing."""
    n = len(job)
    weight_by_job = np.zeros(len(EMPLOYMENT_INDEX))
    for name, weight in JOB_EARNING_WEIGHT.items():
        weight_by_job[EMPLOYMENT_INDEX[name]] = weight
    weight = weight_by_job[job] * rng.lognormal(0.0, 0.35, n) * alive
    total_weight = segment_sum(weight, household, len(living_size))
    household_income = per_capita_idr * living_size * rng.lognormal(0.05, 0.25, len(living_size))
    share = np.divide(
        weight,
        total_weight[household],
        out=np.zeros(n),
        where=total_weight[household] > 0,
    )
    earned = household_income[household] * share
    retired = job == EMPLOYMENT_INDEX["retired"]
    pension = np.where(
        rng.random(n) < 0.5, per_capita_idr[household] * rng.uniform(0.5, 1.5, n), 0.0
    )
    income = np.where(retired, pension, earned)
    rounded = np.rint(income / INCOME_ROUNDING_IDR).astype(np.int64) * INCOME_ROUNDING_IDR
    rounded = np.where(earns(job), np.maximum(rounded, INCOME_ROUNDING_IDR), rounded)
    unknown = (age < 15) | ~alive | (rng.random(n) < 0.06)
    return np.where(unknown, -1, rounded)


def observed_expenditure(
    per_capita_idr: np.ndarray,
    living_size: np.ndarray,
    share: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """Survey-measured monthly household consumption for a sample of households; -1 = none."""
    n = len(per_capita_idr)
    measured = per_capita_idr * living_size * rng.lognormal(0.0, 0.15, n)
    rounded = np.rint(measured / EXPENDITURE_ROUNDING_IDR).astype(np.int64)
    observed = np.zeros(n, dtype=bool)
    observed[rng.choice(n, size=round(share * n), replace=False)] = True
    return np.where(observed, rounded * EXPENDITURE_ROUNDING_IDR, -1)
