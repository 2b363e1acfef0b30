"""Household sizes, where households live and who lives in them (relationship, sex, age).

Each household is built from counts of each kind of member: a head, maybe a spouse, children,
sometimes a child's spouse (in-law) with grandchildren, a parent of the head, another relative or
a non-relative. Ages are drawn relative to the head so that the family tree is plausible: a
child is 17–37 years younger than the younger parent (so at most 45 years younger than the other),
grandchildren appear only under heads of 48 or more, a parent is 20–38 years older than the head.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sejahtera.domain.registry_format import RELATIONSHIPS

HEAD, SPOUSE, CHILD, GRANDCHILD, PARENT, IN_LAW, OTHER_RELATIVE, OTHER = (
    RELATIONSHIPS.index(name)
    for name in (
        "head",
        "spouse",
        "child",
        "grandchild",
        "parent",
        "in_law",
        "other_relative",
        "other",
    )
)
# Susenas-like: mean about 3.8, singles 10 %, a long tail of large families.
SIZE_PROBABILITIES = (0.10, 0.16, 0.21, 0.215, 0.16, 0.085, 0.04, 0.015, 0.008, 0.004, 0.002, 0.001)
DAYS_PER_YEAR = 365.2425
FEMALE_SHARE_AT_BIRTH = 0.497


@dataclass(frozen=True)
class Members:
    """One row per real person, grouped by household (rows of a household are contiguous)."""

    household: np.ndarray  # int32 household index
    rank: np.ndarray  # position within the household, head first
    relationship: np.ndarray  # index into RELATIONSHIPS
    female: np.ndarray
    age_days: np.ndarray  # age at as_of in days (≥ 1)

    def __len__(self) -> int:
        return len(self.household)


def draw_sizes(persons: int, rng: np.random.Generator) -> np.ndarray:
    """Household sizes adding up to exactly ``persons``."""
    p = np.asarray(SIZE_PROBABILITIES)
    mean = float(np.arange(1, len(p) + 1) @ (p / p.sum()))
    sizes = 1 + rng.choice(len(p), size=int(persons / mean * 1.1) + 20, p=p / p.sum())
    total = np.cumsum(sizes)
    while total[-1] < persons:  # vanishingly rare; keep drawing rather than fail
        sizes = np.r_[sizes, 1 + rng.choice(len(p), size=len(sizes), p=p / p.sum())]
        total = np.cumsum(sizes)
    count = int(np.searchsorted(total, persons)) + 1
    sizes = sizes[:count].copy()
    sizes[-1] -= total[count - 1] - persons
    return sizes.astype(np.int32)


def assign_villages(weights: np.ndarray, households: int, rng: np.random.Generator) -> np.ndarray:
    """A village index per household, sorted so that household ids run village by village."""
    villages = rng.choice(len(weights), size=households, p=weights / weights.sum())
    return np.sort(villages).astype(np.int32)


def draw_members(sizes: np.ndarray, rng: np.random.Generator) -> Members:
    n_households = len(sizes)
    counts = _member_counts(sizes, rng)
    head_age = _head_ages(sizes, counts, rng)
    head_female = _head_female(sizes, counts["spouse"], head_age, rng)
    spouse_age = _spouse_ages(head_age, head_female, rng)
    younger_parent = np.where(counts["spouse"] > 0, np.minimum(head_age, spouse_age), head_age)
    _split_offspring(counts, head_age, rng)

    household = np.repeat(np.arange(n_households, dtype=np.int32), sizes)
    starts = np.cumsum(sizes) - sizes
    rank = np.arange(len(household)) - starts[household]
    relationship = _relationships(counts, household, rank)
    n = len(household)

    def per_person(values: np.ndarray) -> np.ndarray:
        return values[household]

    head_age_p, younger_p = per_person(head_age), per_person(younger_parent)
    child_gap = rng.uniform(17.0, np.maximum(17.0, np.minimum(37.0, younger_p)))
    age = np.select(
        [
            relationship == HEAD,
            relationship == SPOUSE,
            relationship == CHILD,
            relationship == IN_LAW,
            relationship == GRANDCHILD,
            relationship == PARENT,
            relationship == OTHER_RELATIVE,
        ],
        [
            head_age_p,
            per_person(spouse_age),
            younger_p - child_gap,
            rng.uniform(18.0, np.maximum(18.0, younger_p - 17.0)),
            rng.uniform(0.0, np.clip(younger_p - 36.0, 0.0, 17.0)),
            np.minimum(head_age_p + rng.uniform(20.0, 38.0, n), 99.5),
            rng.uniform(1.0, 75.0, n),
        ],
        default=rng.uniform(15.0, 60.0, n),  # other: lodgers, domestic workers
    )
    female = _member_sex(relationship, household, counts, per_person(head_female), rng)
    age_days = np.maximum(1, (age * DAYS_PER_YEAR).astype(np.int32))
    return Members(household, rank.astype(np.int16), relationship.astype(np.int8), female, age_days)


def _member_counts(sizes: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """How many members of each kind; what is left over are the head's offspring."""
    n = len(sizes)
    spouse = (sizes >= 2) & (rng.random(n) < np.where(sizes == 2, 0.72, 0.86))
    free = sizes - 1 - spouse
    one_parent = (free >= 1) & (rng.random(n) < 0.09)
    parents = one_parent.astype(np.int32) + (one_parent & (free >= 2) & (rng.random(n) < 0.3))
    free = free - parents
    other_relative = (free >= 1) & (rng.random(n) < 0.07)
    free = free - other_relative
    other = (free >= 1) & (rng.random(n) < 0.012)
    free = free - other
    return {
        "spouse": spouse.astype(np.int32),
        "parent": parents.astype(np.int32),
        "other_relative": other_relative.astype(np.int32),
        "other": other.astype(np.int32),
        "offspring": free.astype(np.int32),
    }


def _head_ages(
    sizes: np.ndarray, counts: dict[str, np.ndarray], rng: np.random.Generator
) -> np.ndarray:
    n = len(sizes)
    offspring = counts["offspring"]
    age = rng.normal(39.0 + 2.0 * np.minimum(offspring, 6) - 5.0 * (counts["parent"] > 0), 11.0)
    # Couples without children: newly-weds or empty nests.
    couple_only = (counts["spouse"] > 0) & (offspring == 0) & (sizes == 2)
    age = np.where(
        couple_only,
        np.where(rng.random(n) < 0.3, rng.uniform(20.0, 35.0, n), rng.uniform(50.0, 85.0, n)),
        age,
    )
    # People living alone: young workers, the middle-aged, and many elderly.
    alone_kind = rng.choice(3, size=n, p=[0.35, 0.25, 0.4])
    alone_age = np.choose(
        alone_kind,
        [rng.uniform(19.0, 36.0, n), rng.uniform(36.0, 60.0, n), rng.uniform(60.0, 92.0, n)],
    )
    age = np.where(sizes == 1, alone_age, age)
    upper = np.where(counts["parent"] > 0, 60.0, 92.0)
    return _folded(age, 19.0, upper)


def _folded(age: np.ndarray, low: float, high: float | np.ndarray = np.inf) -> np.ndarray:
    """Ages outside [low, high] mirrored back inside. Clipping would give everyone past a
    bound the same birth date: hundreds of strangers born on one day, which a deduplication
    would rightly find suspicious."""
    age = np.where(age < low, 2 * low - age, age)
    age = np.where(age > high, 2 * high - age, age)
    return np.clip(age, low, high)


def _head_female(
    sizes: np.ndarray, spouse: np.ndarray, head_age: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    p = np.where(
        spouse > 0,
        0.04,
        np.where(sizes == 1, np.where(head_age >= 60, 0.65, 0.45), 0.6),
    )
    return rng.random(len(sizes)) < p


def _spouse_ages(
    head_age: np.ndarray, head_female: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    n = len(head_age)
    wife = head_age - np.clip(rng.normal(4.0, 3.5, n), -5.0, 8.0)
    husband = head_age + np.clip(rng.normal(3.0, 3.5, n), -5.0, 8.0)
    return _folded(np.where(head_female, husband, wife), 17.0)


def _split_offspring(
    counts: dict[str, np.ndarray], head_age: np.ndarray, rng: np.random.Generator
) -> None:
    """Split the offspring into children, a child's spouse and grandchildren (in place)."""
    n = len(head_age)
    offspring = counts["offspring"]
    extended = (offspring >= 3) & (head_age >= 48) & (rng.random(n) < 0.4)
    in_law = extended & (rng.random(n) < 0.6)
    room = np.maximum(offspring - in_law - 1, 1)
    grandchildren = np.where(extended, rng.integers(1, room + 1), 0)
    # Grandparents raising grandchildren alone (skipped generation).
    skipped = ~extended & (offspring >= 1) & (head_age >= 50) & (rng.random(n) < 0.05)
    grandchildren = np.where(skipped, offspring, grandchildren)
    counts["in_law"] = in_law.astype(np.int32)
    counts["grandchild"] = grandchildren.astype(np.int32)
    counts["child"] = (offspring - in_law - grandchildren).astype(np.int32)


def _relationships(
    counts: dict[str, np.ndarray], household: np.ndarray, rank: np.ndarray
) -> np.ndarray:
    """Members in family-card order: head, spouse, children, in-law, grandchildren, parents,
    other relatives, others."""
    order = [
        (SPOUSE, "spouse"),
        (CHILD, "child"),
        (IN_LAW, "in_law"),
        (GRANDCHILD, "grandchild"),
        (PARENT, "parent"),
        (OTHER_RELATIVE, "other_relative"),
    ]
    relationship = np.full(len(household), OTHER, dtype=np.int8)
    bound = np.ones(len(counts["spouse"]), dtype=np.int32)
    relationship[rank == 0] = HEAD
    assigned = rank == 0
    for code, kind in order:
        lower = bound
        bound = bound + counts[kind]
        mine = ~assigned & (rank >= lower[household]) & (rank < bound[household])
        relationship[mine] = code
        assigned |= mine
    return relationship


def _member_sex(
    relationship: np.ndarray,
    household: np.ndarray,
    counts: dict[str, np.ndarray],
    head_female: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    n = len(relationship)
    draw = rng.random(n)
    # Of two parents the first is the father; a lone parent is usually a widowed mother.
    first_parent = np.zeros(n, dtype=bool)
    is_parent = relationship == PARENT
    first_parent[is_parent] = np.r_[True, household[is_parent][1:] != household[is_parent][:-1]]
    two_parents = counts["parent"][household] == 2
    parent_female = np.where(two_parents, ~first_parent, draw < 0.7)
    return np.select(
        [
            relationship == HEAD,
            relationship == SPOUSE,
            is_parent,
            relationship == IN_LAW,
            relationship == OTHER_RELATIVE,
            relationship == OTHER,
        ],
        [head_female, ~head_female, parent_female, draw < 0.6, draw < 0.5, draw < 0.55],
        default=draw < FEMALE_SHARE_AT_BIRTH,
    )
