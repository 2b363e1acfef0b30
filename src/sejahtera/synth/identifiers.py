"""NIK and KK numbers built with integer arithmetic (16 digits fit in an int64).

A NIK is district (6) · DD (+40 for women) · MM · YY · serial (4); a KK is district · DDMMYY of
issue · serial. Serials count from 0001 within each (district, date) so that no two real people
share a number. ``sejahtera.domain.identifiers.encode_nik``/``encode_kk`` are the reference;
the tests check that both agree.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sejahtera.domain.identifiers import FEMALE_DAY_OFFSET
from sejahtera.synth.calendar import date_parts, days_before
from sejahtera.synth.geography import Geography, region_tables
from sejahtera.synth.sampling import ranks_within_groups

NONE = 0  # no number
SERIAL_DIGITS = 10**4
DATE_DIGITS = 10**6
HOME_DISTRICT_SHARE = 0.80
SAME_REGENCY_SHARE = 0.08  # the rest: first registered anywhere in the country
FORMER_CODE_SHARE = 0.35  # of people registered before their province was split
KK_MAX_AGE_DAYS = 20 * 365


def date_number(dates: np.ndarray, *, female: np.ndarray | None = None) -> np.ndarray:
    """DDMMYY as an integer, with 40 added to the day for women when ``female`` is given."""
    day, month, year = date_parts(dates)
    if female is not None:
        day = day + FEMALE_DAY_OFFSET * female
    return (day * 100 + month) * 100 + year % 100


def with_serials(prefix: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """prefix · serial, serials from 1 within each prefix (ten digits of district and date)."""
    serial = ranks_within_groups(prefix, rng) + 1
    if serial.size and serial.max() >= SERIAL_DIGITS:
        raise ValueError("more than 9999 people share a district and a date")
    return prefix * SERIAL_DIGITS + serial


def registration_districts(
    home_district: np.ndarray,
    regency_index: np.ndarray,
    geography: Geography,
    birth_year: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """The district (6 digits) where each person's NIK was first issued: mostly where the
    household lives, sometimes elsewhere in the regency or the country; those registered in a
    regency before its province was split may carry the former regency code."""
    n = len(home_district)
    draw = rng.random(n)
    same_regency = np.empty(n, dtype=np.int64)
    for index in range(len(geography.regencies)):
        mine = regency_index == index
        districts = np.unique(geography.district_code[geography.regency_index == index])
        same_regency[mine] = districts[rng.integers(0, len(districts), int(mine.sum()))]
    country = region_tables().district_code.astype(np.int64)
    anywhere = country[rng.integers(0, len(country), n)]
    district = np.select(
        [draw < HOME_DISTRICT_SHARE, draw < HOME_DISTRICT_SHARE + SAME_REGENCY_SHARE],
        [home_district, same_regency],
        default=anywhere,
    )
    return _maybe_former(district, birth_year, rng)


def _maybe_former(
    district: np.ndarray, birth_year: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    regency = district // 100
    former_code = np.zeros_like(regency)
    moved_in = np.zeros_like(regency)
    for current, (former, year) in region_tables().former_by_current.items():
        here = regency == int(current)
        former_code[here] = int(former)
        moved_in[here] = year
    # Registered (at birth or at 17) well before the split.
    eligible = (former_code > 0) & (birth_year < moved_in - 5)
    use_former = eligible & (rng.random(len(district)) < FORMER_CODE_SHARE)
    return np.where(use_former, former_code * 100 + district % 100, district)


def nik_numbers(
    district: np.ndarray,
    birth: np.ndarray,
    female: np.ndarray,
    has_nik: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """int64 NIKs (``NONE`` where ``has_nik`` is false)."""
    prefix = district * DATE_DIGITS + date_number(birth, female=female)
    nik = np.full(len(district), NONE, dtype=np.int64)
    nik[has_nik] = with_serials(prefix[has_nik], rng)
    return nik


def kk_numbers(
    district: np.ndarray,
    head_age_days: np.ndarray,
    has_kk: np.ndarray,
    as_of: date,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """(int64 KK numbers with ``NONE`` where missing, issue dates). A card is issued on a past
    day after the head turned 17, within the last twenty years."""
    n = len(district)
    adult_days = np.clip(head_age_days - 17 * 365, 1, KK_MAX_AGE_DAYS)
    issued = days_before(as_of, 1 + (rng.random(n) * adult_days).astype(np.int64))
    prefix = district * DATE_DIGITS + date_number(issued)
    kk = np.full(n, NONE, dtype=np.int64)
    kk[has_kk] = with_serials(prefix[has_kk], rng)
    return kk, issued


def as_text(numbers: np.ndarray) -> pa.Array:
    """16-digit strings, '' for ``NONE``. District codes start with 1–9, so no padding."""
    text = pa.array(numbers).cast(pa.string())
    return pc.if_else(pa.array(numbers == NONE), "", text)
