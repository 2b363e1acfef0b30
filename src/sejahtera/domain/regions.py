"""The official Kemendagri region hierarchy (province → regency → district → village).

Codes are digit strings: province 2, regency/city 4, district 6, village 10. A child's code
starts with its parent's. The lists ship in ``sejahtera/data/regions`` (see its README for the
source and licence).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources
from pathlib import Path


class RegionLevel(StrEnum):
    PROVINCE = "province"
    REGENCY = "regency"
    DISTRICT = "district"
    VILLAGE = "village"


CODE_LENGTHS: dict[RegionLevel, int] = {
    RegionLevel.PROVINCE: 2,
    RegionLevel.REGENCY: 4,
    RegionLevel.DISTRICT: 6,
    RegionLevel.VILLAGE: 10,
}
_LEVEL_BY_LENGTH = {length: level for level, length in CODE_LENGTHS.items()}
_FILES = {
    RegionLevel.PROVINCE: "provinces.csv",
    RegionLevel.REGENCY: "regencies.csv",
    RegionLevel.DISTRICT: "districts.csv",
    RegionLevel.VILLAGE: "villages.csv",
}


def level_of(code: str) -> RegionLevel:
    """The level a code belongs to, from its length."""
    try:
        return _LEVEL_BY_LENGTH[len(code)]
    except KeyError:
        raise ValueError(f"not a region code: {code!r}") from None


def parent_code(code: str) -> str | None:
    """The code of the enclosing region (None for a province)."""
    level = level_of(code)
    if level is RegionLevel.PROVINCE:
        return None
    levels = list(CODE_LENGTHS)
    return code[: CODE_LENGTHS[levels[levels.index(level) - 1]]]


@dataclass(frozen=True, slots=True)
class Region:
    code: str
    name: str
    level: RegionLevel

    @property
    def parent_code(self) -> str | None:
        return parent_code(self.code)


def data_dir() -> Path:
    return Path(str(resources.files("sejahtera") / "data" / "regions"))


def _read_csv(name: str) -> Iterator[dict[str, str]]:
    with (data_dir() / name).open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def iter_regions(level: RegionLevel) -> Iterator[Region]:
    for row in _read_csv(_FILES[level]):
        yield Region(row["code"], row["name"], level)


class RegionCatalog:
    """Fast membership and name look-ups over the official lists, plus former regency codes."""

    def __init__(self, regions: dict[str, Region], former_regencies: dict[str, str]) -> None:
        self._regions = regions
        self._former_regencies = former_regencies

    @classmethod
    def from_package(cls) -> RegionCatalog:
        regions = {r.code: r for level in RegionLevel for r in iter_regions(level)}
        former = {
            row["former_code"]: row["current_code"] for row in _read_csv("regencies_former.csv")
        }
        return cls(regions, former)

    def __contains__(self, code: object) -> bool:
        return code in self._regions

    def __len__(self) -> int:
        return len(self._regions)

    def get(self, code: str) -> Region | None:
        return self._regions.get(code)

    def name(self, code: str) -> str | None:
        region = self._regions.get(code)
        return region.name if region else None

    def is_village(self, code: str) -> bool:
        return len(code) == 10 and code in self._regions

    def current_regency(self, code: str) -> str | None:
        """Today's code for a regency code, following a province split if it is a former code."""
        if len(code) == 4 and code in self._regions:
            return code
        return self._former_regencies.get(code)

    def is_former_regency(self, code: str) -> bool:
        return code in self._former_regencies

    def regions(self, level: RegionLevel | None = None) -> list[Region]:
        return [r for r in self._regions.values() if level is None or r.level is level]

    def children(self, code: str) -> list[Region]:
        child_length = {2: 4, 4: 6, 6: 10}.get(len(code))
        return [
            r
            for r in self._regions.values()
            if child_length and len(r.code) == child_length and r.code.startswith(code)
        ]


@cache
def default_catalog() -> RegionCatalog:
    return RegionCatalog.from_package()
