"""A small registry for targeting tests: poor and well-off households in two regencies."""

from __future__ import annotations

from datetime import date

import pytest

BOGOR_VILLAGE = "3201011002"
BANDUNG_VILLAGE = "3273011001"
AS_OF = date(2026, 7, 1)

POOR = {
    "house_ownership": "own",
    "floor_area_m2": "30",
    "floor_type": "earth",
    "wall_type": "bamboo",
    "roof_type": "thatch",
    "drinking_water": "river",
    "lighting": "non_pln",
    "cooking_fuel": "wood",
    "toilet": "none",
    "assets": "",
}
RICH = {
    "house_ownership": "own",
    "floor_area_m2": "200",
    "floor_type": "ceramic",
    "wall_type": "brick",
    "roof_type": "tile",
    "drinking_water": "bottled",
    "lighting": "pln_meter",
    "electricity_va": "2200",
    "cooking_fuel": "lpg_large",
    "toilet": "private",
    "assets": "car;refrigerator;tv;ac;smartphone",
}


def head(name: str, born: str = "1985-03-10", **cells: str) -> dict[str, str]:
    return {
        "full_name": name,
        "sex": "P",
        "birth_date": born,
        "relationship": "head",
        "marital_status": "widowed",
        "employment": "informal",
        "monthly_income_idr": "900000",
        **cells,
    }


def child(name: str, born: str = "2022-02-14", **cells: str) -> dict[str, str]:
    return {"full_name": name, "sex": "L", "birth_date": born, "relationship": "child", **cells}


@pytest.fixture
def population(household_factory):
    """24 households: 16 poor (12 in Bogor, 4 in Bandung) and 8 well-off (civil servants
    with a car). Returns {"poor": [...], "rich": [...]} of Household objects."""
    poor, rich = [], []
    for i in range(16):
        village = BOGOR_VILLAGE if i < 12 else BANDUNG_VILLAGE
        members = [head(f"Siti {i}"), child(f"Ani {i}")]
        if i % 4 == 0:
            members.append(
                child(f"Budi {i}", "2015-05-02", disability="physical", school_enrolled="primary")
            )
        poor.append(household_factory(village, members=members, **POOR))
    for i in range(8):
        members = [
            head(f"Rudi {i}", sex="L", employment="civil_servant", monthly_income_idr="9000000"),
        ]
        rich.append(household_factory(BOGOR_VILLAGE, members=members, **RICH))
    return {"poor": poor, "rich": rich}


@pytest.fixture
def analyst(make_user):
    from sejahtera.accounts.models import Role

    return make_user(Role.MINISTRY_ANALYST)
