"""The registry's vulnerability conditions (the raw facts behind the 12 PAS clusters) and
deaths not yet removed from the registry.

Rates are plausible orders of magnitude, not official statistics: each condition is rare,
concentrated where it occurs in life (pregnancy in married women of 18–34, neglect among poor
children and elderly living alone, HIV in Papua, ...). Disasters and remote indigenous
communities are drawn per village and household (see ``household_situations``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sejahtera.synth.geography import Geography
from sejahtera.synth.households import CHILD, GRANDCHILD, HEAD, OTHER_RELATIVE, Members
from sejahtera.synth.people import MARRIED, WIDOWED
from sejahtera.synth.sampling import sigmoid

DECEASED_SHARE = 0.005
DECEASED_WINDOW_DAYS = 730  # deaths of the last two years still on the register
NO_INMATE, INMATE, FORMER_INMATE = 0, 1, 2
DISASTER_HOUSEHOLD_SHARE = 0.7  # households of a struck village that the event hit
REMOTE_HOUSEHOLD_SHARE = 0.9  # households of a remote village that belong to the community


@dataclass(frozen=True)
class Situations:
    """Household-level situations drawn before welfare (they shift it)."""

    disaster_event: np.ndarray  # index into Geography.event_names, -1 = none
    remote: np.ndarray


@dataclass(frozen=True)
class Conditions:
    chronic_illness: np.ndarray
    pregnant: np.ndarray
    neglected: np.ndarray
    orphan: np.ndarray
    street: np.ndarray
    conflict_with_law: np.ndarray
    violence_victim: np.ndarray
    trafficking_victim: np.ndarray
    drug_user: np.ndarray
    hiv: np.ndarray
    social_problem: np.ndarray
    inmate: np.ndarray  # NO_INMATE, INMATE, FORMER_INMATE


def household_situations(
    geography: Geography, village: np.ndarray, rng: np.random.Generator
) -> Situations:
    n = len(village)
    struck = geography.event[village]
    hit = (struck >= 0) & (rng.random(n) < DISASTER_HOUSEHOLD_SHARE)
    remote = geography.remote[village] & (rng.random(n) < REMOTE_HOUSEHOLD_SHARE)
    return Situations(np.where(hit, struck, -1), remote)


def deceased_days_before(
    members: Members, age: np.ndarray, sizes: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Days between death and as_of (0 = alive). Mortality follows age (infant deaths, then a
    Gompertz curve), scaled to ``DECEASED_SHARE``; nobody who lives alone is dead, so every
    household keeps a living member."""
    hazard = np.where(age < 1, 0.02, 0.0008) + 0.0005 * np.exp(0.085 * (age - 30))
    hazard = np.where(sizes[members.household] > 1, hazard, 0.0)
    probability = np.minimum(hazard * DECEASED_SHARE / hazard.mean(), 0.9)
    dead = rng.random(len(age)) < probability
    # Keep one living member in every household: revive the head when all died.
    household_alive = np.bincount(members.household[~dead], minlength=len(sizes))
    dead &= ~((household_alive[members.household] == 0) & (members.rank == 0))
    window = np.minimum(DECEASED_WINDOW_DAYS, members.age_days)
    days = 1 + (rng.random(len(age)) * window).astype(np.int32)
    return np.where(dead, np.minimum(days, members.age_days), 0)


def person_conditions(
    *,
    members: Members,
    age: np.ndarray,
    marital: np.ndarray,
    alive: np.ndarray,
    poor: np.ndarray,  # per household: consumption below the poverty line
    lives_alone: np.ndarray,  # per household
    head_without_spouse_widowed: np.ndarray,  # per household
    urban: np.ndarray,  # per household
    papua: np.ndarray,  # per household
    trafficking_area: np.ndarray,  # per household (NTT, NTB: migrant-worker recruitment)
    rng: np.random.Generator,
) -> Conditions:
    n = len(age)
    hh = members.household
    female, rel = members.female, members.relationship
    child, adult, elderly = age < 18, age >= 18, age >= 60
    poor_p, urban_p = poor[hh], urban[hh]

    def draw(probability: np.ndarray | float) -> np.ndarray:
        return rng.random(n) < probability

    fertile = female & alive & (age >= 15) & (age <= 49)
    pregnancy = np.select(
        [marital != MARRIED, age < 18, age <= 34, age <= 44],
        [0.002, 0.03, 0.065, 0.03],
        default=0.005,
    )
    pregnant = fertile & draw(pregnancy)

    neglect = np.where(
        child,
        0.004 + 0.02 * poor_p,
        np.where(elderly, 0.02 + 0.08 * lives_alone[hh] + 0.05 * poor_p, 0.0),
    )
    orphaned = np.select(
        [
            ~child,
            (rel == CHILD) & head_without_spouse_widowed[hh],
            rel == GRANDCHILD,
            rel == OTHER_RELATIVE,
        ],
        [0.0, 0.35, 0.15, 0.3],
        default=0.005,
    )
    # Homeless or scavenging families in town; a few street children and beggars elsewhere.
    street_household = urban_p & poor_p & (rng.random(len(poor))[hh] < 0.06)
    street = street_household | ((age >= 7) & draw(0.001))

    male = ~female
    violence = np.select([child, female], [0.004, 0.006], default=0.001)
    trafficking = (
        female & (age >= 15) & (age <= 35) & draw(np.where(trafficking_area[hh], 0.004, 0.0008))
    )
    drug = (age >= 15) & (age <= 45) & draw(np.where(male, np.where(urban_p, 0.006, 0.003), 0.0005))
    hiv = (age >= 15) & (age <= 55) & draw(np.where(papua[hh], 0.015, 0.0015))
    inmate_draw = rng.random(n)
    scale = np.where(male, 1.0, 0.1) * (adult & (age <= 60))
    inmate = np.select(
        [inmate_draw < 0.0015 * scale, inmate_draw < 0.0055 * scale],
        [INMATE, FORMER_INMATE],
        default=NO_INMATE,
    ).astype(np.int8)
    return Conditions(
        chronic_illness=draw(sigmoid(-5.0 + 0.05 * age)),
        pregnant=pregnant,
        neglected=draw(neglect),
        orphan=draw(orphaned),
        street=street,
        conflict_with_law=(age >= 12) & child & draw(np.where(male, 0.004, 0.0005)),
        violence_victim=draw(violence),
        trafficking_victim=trafficking,
        drug_user=drug,
        hiv=hiv,
        social_problem=adult & draw(0.004 + 0.004 * poor_p),
        inmate=inmate,
    )


def head_widowed_alone(members: Members, marital: np.ndarray, has_spouse: np.ndarray) -> np.ndarray:
    """Per household: the head is widowed and lives without a spouse (children are half-orphans)."""
    heads = members.relationship == HEAD
    widowed = np.zeros(len(has_spouse), dtype=bool)
    widowed[members.household[heads]] = marital[heads] == WIDOWED
    return widowed & ~has_spouse
