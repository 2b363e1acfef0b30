"""Configuration of a synthetic population run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

# A rural Java kabupaten, a big kota, a coastal kabupaten in Sulawesi and a highland regency of
# Papua Pegunungan (whose NIKs may still carry the former Papua code 9102).
DEFAULT_REGENCIES: tuple[str, ...] = (
    "3201",  # Kabupaten Bogor, Jawa Barat
    "3578",  # Kota Surabaya, Jawa Timur
    "7302",  # Kabupaten Bulukumba, Sulawesi Selatan
    "9501",  # Kabupaten Jayawijaya, Papua Pegunungan
)


@dataclass(frozen=True)
class SynthConfig:
    """What to generate. Same config, same files, byte for byte."""

    persons: int
    seed: int = 0
    regencies: tuple[str, ...] = DEFAULT_REGENCIES  # 4-digit regency/city codes
    as_of: date = date(2026, 11, 30)  # reference date for ages; nothing happens after it
    duplicate_rate: float = 0.01  # extra person rows copying a real person, per real person
    invalid_rate: float = 0.005  # share of rows of each file given one deliberate defect
    calibration_share: float = 0.1  # share of households with monthly_expenditure_idr observed

    def __post_init__(self) -> None:
        if self.persons < 1:
            raise ValueError(f"persons must be at least 1, got {self.persons}")
        if not self.regencies:
            raise ValueError("at least one regency code is needed")
        for name in ("duplicate_rate", "invalid_rate", "calibration_share"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {value}")
        # Accept a list from callers but keep the dataclass hashable.
        object.__setattr__(self, "regencies", tuple(self.regencies))
