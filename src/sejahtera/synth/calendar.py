"""Vectorised date arithmetic on numpy datetime64[D] arrays."""

from __future__ import annotations

from datetime import date

import numpy as np


def day_number(day: date) -> np.datetime64:
    return np.datetime64(day, "D")


def days_before(as_of: date, days: np.ndarray) -> np.ndarray:
    """The dates ``days`` days before ``as_of``."""
    return day_number(as_of) - np.asarray(days).astype("timedelta64[D]")


def date_parts(dates: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(day, month, year) as integer arrays."""
    months = dates.astype("datetime64[M]")
    year = months.astype("datetime64[Y]").astype(np.int64) + 1970
    month = months.astype(np.int64) % 12 + 1
    day = (dates - months.astype("datetime64[D]")).astype(np.int64) + 1
    return day, month, year


def from_parts(day: np.ndarray, month: np.ndarray, year: np.ndarray) -> np.ndarray:
    """The dates of (day, month, year) integer arrays (each a real date)."""
    months = (year - 1970) * 12 + (month - 1)
    return months.astype("datetime64[M]").astype("datetime64[D]") + (day - 1).astype(
        "timedelta64[D]"
    )


def whole_years(birth: np.ndarray, as_of: date) -> np.ndarray:
    """Age in completed years on ``as_of`` (someone born on 29 February turns a year older
    on 1 March in a non-leap year)."""
    day, month, year = date_parts(birth)
    before_birthday = (as_of.month * 100 + as_of.day) < (month * 100 + day)
    return (as_of.year - year - before_birthday).astype(np.int32)
