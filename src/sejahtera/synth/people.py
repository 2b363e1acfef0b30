"""Person attributes that shape household welfare: marital status, schooling, education,
disability and employment.

A household's socioeconomic ``advantage`` (a standard-normal latent plus the regional welfare
effect) drives education, school drop-out and the kind of job adults hold, so poorer households
drop out of school earlier and hold fewer formal jobs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sejahtera.domain.registry_format import (
    DISABILITY,
    DISABILITY_SEVERITY,
    EARNING_EMPLOYMENT,
    EDUCATION,
    EMPLOYMENT,
    MARITAL_STATUS,
    SCHOOL_ENROLLED,
)
from sejahtera.synth.households import (
    CHILD,
    GRANDCHILD,
    HEAD,
    IN_LAW,
    PARENT,
    SPOUSE,
    Members,
)
from sejahtera.synth.sampling import ChoiceModel, sigmoid

MARRIED, WIDOWED = MARITAL_STATUS.index("married"), MARITAL_STATUS.index("widowed")
NOT_ENROLLED, EARLY, PRIMARY, JUNIOR, SENIOR, HIGHER = range(len(SCHOOL_ENROLLED))
# Education levels (highest completed) share the order none < primary < ... < bachelor_plus.
EDU_NONE, EDU_PRIMARY, EDU_JUNIOR, EDU_SENIOR, EDU_DIPLOMA, EDU_BACHELOR = range(len(EDUCATION))
EDUCATION_YEARS = np.array([0, 6, 9, 12, 15, 16])
EMPLOYMENT_INDEX = {name: i for i, name in enumerate(EMPLOYMENT)}
EARNING_JOBS = EARNING_EMPLOYMENT
NO_DISABILITY = DISABILITY.index("none")
SEVERITY_MODERATE = DISABILITY_SEVERITY.index("moderate")


@dataclass(frozen=True)
class Person:
    """Person-level attributes as index arrays into the format's value lists."""

    age: np.ndarray  # whole years at as_of
    marital: np.ndarray
    enrolled: np.ndarray
    education: np.ndarray
    employment: np.ndarray
    disability: np.ndarray
    severity: np.ndarray  # 0 = none


def draw_rows(rng: np.random.Generator, probabilities: np.ndarray) -> np.ndarray:
    """One categorical draw per row of a (rows × categories) probability matrix."""
    cumulative = np.cumsum(probabilities, axis=1)
    cumulative /= cumulative[:, -1:]
    return (rng.random(len(probabilities))[:, None] > cumulative).sum(axis=1).astype(np.int8)


# Probabilities of (single, married, divorced, widowed) for kinds of people.
MARITAL_PROFILES: dict[str, tuple[float, float, float, float]] = {
    "married": (0.0, 1.0, 0.0, 0.0),
    "single": (1.0, 0.0, 0.0, 0.0),
    "young_head_alone": (0.80, 0.00, 0.15, 0.05),
    "middle_head_alone": (0.25, 0.00, 0.40, 0.35),
    "old_head_alone": (0.05, 0.00, 0.15, 0.80),
    "lone_parent_of_head": (0.00, 0.05, 0.15, 0.80),
    "young_adult_child": (0.90, 0.10, 0.00, 0.00),
    "adult_child": (0.55, 0.38, 0.05, 0.02),
    "adult_other": (0.40, 0.40, 0.08, 0.12),
    "old_other": (0.05, 0.30, 0.05, 0.60),
}


def marital_status(
    members: Members, age: np.ndarray, has_spouse: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Married couples are married; others by relationship and age (first rule that fits)."""
    rel, hh = members.relationship, members.household
    parents = np.bincount(hh[rel == PARENT], minlength=len(has_spouse))[hh]
    rules = [
        (((rel == HEAD) | (rel == SPOUSE)) & has_spouse[hh], "married"),
        ((rel == HEAD) & (age < 25), "young_head_alone"),
        ((rel == HEAD) & (age < 60), "middle_head_alone"),
        (rel == HEAD, "old_head_alone"),
        ((rel == IN_LAW) | ((rel == PARENT) & (parents == 2)), "married"),
        (rel == PARENT, "lone_parent_of_head"),
        ((age < 17) | (rel == GRANDCHILD), "single"),
        ((rel == CHILD) & (age < 22), "young_adult_child"),
        (rel == CHILD, "adult_child"),
        (age < 60, "adult_other"),
    ]
    names = list(MARITAL_PROFILES)
    profile = np.select(
        [condition for condition, _ in rules],
        [names.index(name) for _, name in rules],
        default=names.index("old_other"),
    )
    return draw_rows(rng, np.array(list(MARITAL_PROFILES.values()))[profile])


def disability(age: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Type (index into DISABILITY) and severity (index into DISABILITY_SEVERITY)."""
    n = len(age)
    disabled = rng.random(n) < sigmoid(-4.6 + 0.04 * age)
    kind = 1 + rng.choice(5, size=n, p=[0.38, 0.10, 0.13, 0.27, 0.12])
    kind = np.where(disabled, kind, NO_DISABILITY).astype(np.int8)
    multiple = kind == DISABILITY.index("multiple")
    severity = np.where(
        multiple,
        1 + rng.choice(3, size=n, p=[0.2, 0.4, 0.4]),
        1 + rng.choice(3, size=n, p=[0.5, 0.36, 0.14]),
    )
    return kind, np.where(disabled, severity, 0).astype(np.int8)


def schooling(
    age: np.ndarray,
    advantage: np.ndarray,
    severity: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Current enrolment: the stage expected at each age, dropped out more often when poor."""
    n = len(age)
    stage = np.select(
        [age < 4, age <= 6, age <= 12, age <= 15, age <= 18, age <= 23],
        [NOT_ENROLLED, EARLY, PRIMARY, JUNIOR, SENIOR, HIGHER],
        default=NOT_ENROLLED,
    )
    # Some six-year-olds have already started primary school.
    stage = np.where((age == 6) & (rng.random(n) < 0.3), PRIMARY, stage)
    early_logit = np.select([age == 4, age == 5], [-0.85, 0.2], default=1.1)
    logit = np.choose(
        stage,
        [
            np.full(n, -np.inf),
            early_logit + 0.3 * advantage,
            4.0 + 0.6 * advantage,
            2.4 + 0.9 * advantage,
            1.0 + 1.0 * advantage,
            -1.6 + 1.0 * advantage - 0.3 * np.maximum(age - 20, 0),
        ],
    )
    logit = logit - 1.5 * (severity >= SEVERITY_MODERATE)
    enrolled = rng.random(n) < sigmoid(logit)
    return np.where(enrolled, stage, NOT_ENROLLED).astype(np.int8)


def education(
    age: np.ndarray, enrolled: np.ndarray, advantage: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Highest completed level, consistent with age and with current enrolment."""
    n = len(age)
    # Adults: an ordered draw whose mean falls for older cohorts.
    score = -0.035 * np.maximum(age - 25, 0) + 0.55 * advantage + rng.normal(0.0, 0.85, n)
    adult = np.searchsorted(np.array([-1.9, -0.85, -0.3, 1.0, 1.15]), score)
    highest_for_age = np.select(
        [age < 13, age < 16, age < 19, age < 21, age < 22],
        [EDU_NONE, EDU_PRIMARY, EDU_JUNIOR, EDU_SENIOR, EDU_DIPLOMA],
        default=EDU_BACHELOR,
    )
    # Drop-outs of school age mostly completed the level before the one they left.
    dropout = np.maximum(highest_for_age - (rng.random(n) < 0.3), EDU_NONE)
    in_school = np.choose(
        enrolled,
        [
            np.zeros(n, dtype=np.int64),
            np.full(n, EDU_NONE),
            np.full(n, EDU_NONE),
            np.full(n, EDU_PRIMARY),
            np.full(n, EDU_JUNIOR),
            np.where((age >= 22) & (rng.random(n) < 0.2), EDU_DIPLOMA, EDU_SENIOR),
        ],
    )
    level = np.where(
        enrolled != NOT_ENROLLED,
        in_school,
        np.where(age < 19, dropout, np.minimum(adult, highest_for_age)),
    )
    return level.astype(np.int8)


EMPLOYMENT_MODEL = ChoiceModel(
    categories=EMPLOYMENT,
    # none, farmer, fisher, laborer, informal, private, civil, entrepreneur, retired, student, other
    intercept=(0.0, -0.6, -4.0, -0.3, -0.1, 0.1, -2.8, -0.8, -6.0, 0.0, -2.5),
    effects={
        "female": (1.3, -0.6, -1.5, -1.0, 0.2, -0.2, 0.0, -0.2, -0.5, 0.0, 0.0),
        "rural": (0.0, 1.6, 0.0, 0.0, -0.2, -0.8, -0.2, -0.2, 0.0, 0.0, 0.0),
        "coastal": (0.0, -0.3, 3.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0),
        "education": (0.0, -0.15, -0.2, -0.2, 0.0, 0.45, 0.8, 0.1, 0.4, 0.0, 0.0),
        "advantage": (0.0, -0.2, -0.2, -0.3, 0.0, 0.3, 0.3, 0.4, 0.3, 0.0, 0.0),
        "age_60": (1.2, 0.4, 0.0, -0.5, 0.0, -2.0, -4.0, 0.0, 4.0, 0.0, 0.0),
        "age_70": (1.5, 0.0, 0.0, -1.0, -0.3, 0.0, 0.0, -0.5, 0.5, 0.0, 0.0),
        "teen": (0.8, 0.0, 0.0, 0.3, 0.0, -0.5, -4.0, -1.0, 0.0, 0.0, 0.0),
        "impaired": (2.0, -0.5, -0.5, -0.5, 0.0, -0.5, -0.5, 0.0, 0.0, 0.0, 0.0),
    },
)


def employment(
    age: np.ndarray,
    female: np.ndarray,
    enrolled: np.ndarray,
    education_level: np.ndarray,
    severity: np.ndarray,
    advantage: np.ndarray,
    rural: np.ndarray,
    coastal: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    n = len(age)
    features = {
        "female": female.astype(np.float64),
        "rural": rural.astype(np.float64),
        "coastal": coastal.astype(np.float64),
        "education": education_level - 2.0,
        "advantage": advantage,
        "age_60": (age >= 60).astype(np.float64),
        "age_70": (age >= 70).astype(np.float64),
        "teen": (age < 20).astype(np.float64),
        "impaired": (severity >= SEVERITY_MODERATE).astype(np.float64),
    }
    adult = EMPLOYMENT_MODEL.draw(
        rng,
        features,
        n,
        forbidden={"student": np.ones(n, dtype=bool), "retired": age < 50},
    )
    # Child labour: some out-of-school children of 10–14 work on farms or in the street economy.
    child_job = np.array([EMPLOYMENT_INDEX[j] for j in ("farmer", "informal", "laborer")])
    child = np.where(
        rng.random(n) < 0.15, child_job[rng.integers(0, 3, n)], EMPLOYMENT_INDEX["none"]
    )
    job = np.select(
        [(enrolled >= PRIMARY) & (age >= 6), age < 10, age < 15],
        [EMPLOYMENT_INDEX["student"], EMPLOYMENT_INDEX["none"], child],
        default=adult,
    )
    return job.astype(np.int8)


def earns(job: np.ndarray) -> np.ndarray:
    return np.isin(job, [EMPLOYMENT_INDEX[j] for j in EARNING_JOBS])
