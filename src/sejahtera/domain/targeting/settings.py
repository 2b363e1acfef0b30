"""The numbers of a rules file a person may tune without editing TOML: decile cut-offs, ages,
amounts, caps and stages of each programme (the what-if form draws its fields from these).

What a number means follows from its key, as the rules loader reads it: ``max_decile`` is a
decile, ``min_age`` an age, ``cap`` a count, any other number whole rupiah.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

MAX_AGE = 150
MAX_AMOUNT = 10**12  # whole rupiah; anything larger is a typo
MAX_COUNT = 1000


class SettingKind(StrEnum):
    DECILE = "decile"
    AGE = "age"
    COUNT = "count"
    STAGES = "stages"
    AMOUNT = "amount"


KINDS_BY_KEY = {
    "max_decile": SettingKind.DECILE,
    "alone_max_decile": SettingKind.DECILE,
    "age_below": SettingKind.AGE,
    "min_age": SettingKind.AGE,
    "max_age": SettingKind.AGE,
    "max_components": SettingKind.COUNT,
    "cap": SettingKind.COUNT,
    "stages_per_year": SettingKind.STAGES,
}
BOUNDS = {
    SettingKind.DECILE: (1, 10),
    SettingKind.AGE: (0, MAX_AGE),
    SettingKind.COUNT: (1, MAX_COUNT),
    SettingKind.STAGES: (1, 12),
    SettingKind.AMOUNT: (0, MAX_AMOUNT),
}

SettingPath = tuple[str | int, ...]


def setting_kind(key: str) -> SettingKind:
    return KINDS_BY_KEY.get(key, SettingKind.AMOUNT)


@dataclass(frozen=True)
class TunableSetting:
    path: SettingPath  # ("programmes", "PKH", "components", 0, "yearly_amount")
    programme: str
    component: str  # the PKH component's code, or ""
    key: str
    value: int

    @property
    def kind(self) -> SettingKind:
        return setting_kind(self.key)

    @property
    def bounds(self) -> tuple[int, int]:
        return BOUNDS[self.kind]


def _numbers(table: Mapping[str, Any]) -> list[tuple[str, int]]:
    return [
        (key, value)
        for key, value in table.items()
        if isinstance(value, int) and not isinstance(value, bool)
    ]


def tunable_settings(document: Mapping[str, Any]) -> list[TunableSetting]:
    """Every number of every programme of a parsed rules file, components included, in the
    file's order."""
    settings = []
    programmes = document.get("programmes", {})
    for code, body in programmes.items() if isinstance(programmes, Mapping) else ():
        if not isinstance(body, Mapping):
            continue
        for key, value in _numbers(body):
            settings.append(TunableSetting(("programmes", code, key), code, "", key, value))
        components = body.get("components", [])
        for index, component in enumerate(components if isinstance(components, list) else []):
            if isinstance(component, Mapping):
                name = str(component.get("code", index))
                for key, value in _numbers(component):
                    path = ("programmes", code, "components", index, key)
                    settings.append(TunableSetting(path, code, name, key, value))
    return settings
