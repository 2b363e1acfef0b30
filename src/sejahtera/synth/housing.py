"""Housing conditions and assets, drawn with probabilities that rise or fall with the
household's permanent welfare index (and with urban/rural, island and occupation).

Each categorical column is a multinomial logit over the format's values (see ``ChoiceModel``);
each asset a logit. Coefficients were tuned so that a proxy-means regression on these columns
explains roughly half of the variance of log consumption per capita, as real PMTs do.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sejahtera.domain.registry_format import (
    ASSETS,
    COOKING_FUEL,
    DRINKING_WATER,
    FLOOR_TYPES,
    HOUSE_OWNERSHIP,
    LIGHTING,
    ROOF_TYPES,
    TOILET,
    WALL_TYPES,
)
from sejahtera.synth.sampling import ChoiceModel, Features, LogitModel

FLOOR = ChoiceModel(
    FLOOR_TYPES,  # ceramic, wood, cement, earth, other
    intercept=(0.0, -1.5, 0.6, -2.0, -4.0),
    effects={
        "welfare": (1.5, -0.3, 0.0, -1.3, 0.0),
        "urban": (1.0, -0.5, 0.0, -0.8, 0.0),
        "outer": (-0.3, 1.5, 0.0, 0.0, 0.0),
        "papua": (-0.5, 1.0, -0.5, 0.8, 0.0),
    },
)
WALL = ChoiceModel(
    WALL_TYPES,  # brick, wood, bamboo, other
    intercept=(1.5, -0.5, -1.2, -3.0),
    effects={
        "welfare": (1.1, -0.3, -0.9, 0.0),
        "urban": (1.0, -0.3, -0.8, 0.0),
        "outer": (0.0, 1.5, 0.0, 0.0),
        "papua": (-1.0, 1.0, 0.0, 0.5),
    },
)
ROOF = ChoiceModel(
    ROOF_TYPES,  # tile, metal, asbestos, thatch, other
    intercept=(1.0, 0.3, -0.3, -3.0, -4.0),
    effects={
        "welfare": (0.4, 0.1, -0.2, -1.0, 0.0),
        "outer": (-2.5, 1.5, 0.0, 0.5, 0.0),
        "papua": (0.0, 0.0, 0.0, 2.5, 0.0),
    },
)
WATER = ChoiceModel(
    DRINKING_WATER,  # piped, bottled, protected_well, unprotected_well, river, rain, other
    intercept=(-0.3, 0.0, 0.6, -0.6, -2.0, -2.5, -3.5),
    effects={
        "welfare": (0.4, 1.3, 0.0, -0.8, -1.0, -0.5, 0.0),
        "urban": (0.8, 1.2, -0.2, -1.0, -1.5, -1.0, 0.0),
        "papua": (0.0, -1.0, 0.0, 0.5, 1.5, 1.5, 0.0),
    },
)
LIGHT = ChoiceModel(
    LIGHTING,  # pln_meter, pln_no_meter, non_pln, none
    intercept=(2.5, 0.0, -1.5, -5.0),
    effects={
        "welfare": (0.7, -0.5, -0.8, -1.0),
        "urban": (0.5, 0.0, -2.0, -1.0),
        "papua": (0.0, 0.0, 2.0, 1.0),
        "remote": (-1.0, 0.0, 2.0, 1.5),
    },
)
COOKING = ChoiceModel(
    COOKING_FUEL,  # lpg_3kg, lpg_large, electric, kerosene, wood, charcoal, none
    intercept=(2.0, -2.0, -3.5, -3.5, 0.0, -3.0, -5.0),
    effects={
        "welfare": (0.0, 1.5, 1.2, -0.2, -1.3, -0.3, 0.0),
        "urban": (0.5, 0.5, 0.5, 0.0, -2.0, 0.0, 0.0),
        "papua": (-1.5, -1.0, 0.0, 1.0, 2.0, 0.0, 0.0),
        "no_power": (0.0, 0.0, -10.0, 0.0, 0.0, 0.0, 0.0),
    },
)
TOILETS = ChoiceModel(
    TOILET,  # private, shared, public, none
    intercept=(1.8, -0.3, -1.5, -1.8),
    effects={
        "welfare": (1.0, -0.3, -0.5, -1.2),
        "urban": (0.3, 0.3, 0.3, -1.0),
        "papua": (0.0, 0.0, 0.0, 1.0),
    },
)
OWNERSHIP = ChoiceModel(
    HOUSE_OWNERSHIP,  # own, rent, free, official, other
    intercept=(2.0, -0.8, -1.0, -4.0, -4.0),
    effects={
        "welfare": (0.1, 0.3, -0.3, 0.0, 0.0),
        "urban": (-0.3, 1.3, 0.0, 0.0, 0.0),
        "civil_servant": (0.0, 0.0, 0.0, 3.0, 0.0),
    },
)
ASSET_MODELS: dict[str, LogitModel] = {
    "motorcycle": LogitModel(1.2, {"welfare": 1.0, "papua": -1.5}),
    "car": LogitModel(-2.8, {"welfare": 1.4}),
    "refrigerator": LogitModel(0.2, {"welfare": 1.3, "papua": -1.5, "no_power": -5.0}),
    "tv": LogitModel(1.8, {"welfare": 1.0, "no_power": -4.0}),
    "ac": LogitModel(-3.6, {"welfare": 1.5, "urban": 1.2, "no_power": -6.0}),
    "smartphone": LogitModel(1.6, {"welfare": 1.0, "working_age": 1.0}),
    "gold": LogitModel(-1.5, {"welfare": 0.8}),
    "land": LogitModel(-0.7, {"welfare": 0.5, "urban": -1.7}),
    "livestock": LogitModel(-0.4, {"urban": -2.5, "papua": 1.0}),
    "boat": LogitModel(-7.0, {"fisher": 6.7, "welfare": 0.3}),
}
assert tuple(ASSET_MODELS) == ASSETS
# Electricity tiers of a PLN meter, chosen by an ordered draw on welfare.
VA_TIERS = np.array([450, 900, 1300, 2200, 3500, 5500])
VA_CUTS = np.array([-1.0, 0.3, 1.3, 2.2, 3.0])
PLN_METER, PLN_NO_METER = LIGHTING.index("pln_meter"), LIGHTING.index("pln_no_meter")


@dataclass(frozen=True)
class Housing:
    ownership: np.ndarray  # indices into the format's value lists
    floor_area_m2: np.ndarray
    floor: np.ndarray
    wall: np.ndarray
    roof: np.ndarray
    water: np.ndarray
    lighting: np.ndarray
    electricity_va: np.ndarray  # 0 = none
    cooking: np.ndarray
    toilet: np.ndarray
    assets: np.ndarray  # bit i set = ASSETS[i] owned


def draw_housing(features: Features, size: np.ndarray, rng: np.random.Generator) -> Housing:
    """``features``: welfare, urban, outer, papua, remote, civil_servant, fisher, working_age."""
    n = len(size)
    welfare = features["welfare"]
    lighting = LIGHT.draw(rng, features, n)
    tier = np.searchsorted(VA_CUTS, welfare + rng.normal(0.0, 0.8, n))
    va = np.where(lighting == PLN_METER, VA_TIERS[tier], 0)
    va = np.where(lighting == PLN_NO_METER, np.where(rng.random(n) < 0.7, 450, 900), va)
    with_power = {**features, "no_power": (va == 0).astype(np.float64)}
    area = np.exp(
        3.9
        + 0.25 * welfare
        + 0.18 * np.log(size)
        - 0.1 * features["urban"]
        + rng.normal(0.0, 0.35, n)
    )
    owned = np.column_stack([m.draw(rng, with_power, n) for m in ASSET_MODELS.values()])
    return Housing(
        ownership=OWNERSHIP.draw(rng, features, n),
        floor_area_m2=np.maximum(np.rint(area), 6).astype(np.int64),
        floor=FLOOR.draw(rng, features, n),
        wall=WALL.draw(rng, features, n),
        roof=ROOF.draw(rng, features, n),
        water=WATER.draw(rng, features, n),
        lighting=lighting,
        electricity_va=va.astype(np.int64),
        cooking=COOKING.draw(rng, with_power, n),
        toilet=TOILETS.draw(rng, features, n),
        assets=owned.astype(np.int64) @ (1 << np.arange(len(ASSETS))),
    )


def asset_lists() -> list[str]:
    """The assets cell for every bit pattern: entry ``mask`` lists the assets whose bit is set,
    in the format's order, separated by ';'."""
    return [
        ";".join(name for bit, name in enumerate(ASSETS) if mask >> bit & 1)
        for mask in range(1 << len(ASSETS))
    ]
