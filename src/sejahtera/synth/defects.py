"""Deliberate data-quality problems: duplicate person rows and rows with one invalid cell.

Duplicates copy a real person (same NIK, one digit off or none, the name written another way,
sometimes a mistyped birth date or another household): the kind of double registration a
registry must catch. Invalid rows each carry exactly one defect, and the error code the
validators (or, for an unknown household, the importer) are expected to report.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sejahtera.synth.calendar import date_parts, from_parts
from sejahtera.synth.names import name_variant
from sejahtera.synth.tables import Columns

Corrupt = Callable[[str, np.random.Generator], str]

NIK_SAME, NIK_DIGIT, NIK_DROPPED = 0, 1, 2
NIK_CHANGE_SHARES = (0.7, 0.2, 0.1)
NAME_CHANGE_SHARE = 0.5
BIRTH_DATE_CHANGE_SHARE = 0.1
# How a birth date is mistyped: a few days off, one digit of the day wrong, day and month
# swapped (where the day could be a month).
BIRTH_DATE_CHANGES = ("birth_date_shift", "birth_date_digit", "birth_date_swap")
BIRTH_DATE_CHANGE_SHARES = (0.4, 0.3, 0.3)
OTHER_HOUSEHOLD_SHARE = 0.65
# Digits that may change without making a NIK invalid: the district (never checked) and the
# serial. Positions count from the left.
NIK_SAFE_DIGITS = np.array([4, 5, 12, 13, 14, 15])


@dataclass(frozen=True)
class Duplicates:
    original: np.ndarray  # row (among the real persons) that was copied
    household: np.ndarray  # household index of the copy
    changes: list[str]  # per copy: ';'-separated list of what differs, '' = exact copy
    columns: Columns  # the copies, with the person columns except person_id


def draw_duplicates(
    columns: Columns,
    *,
    count: int,
    eligible: np.ndarray,
    household: np.ndarray,
    is_head: np.ndarray,
    nik: np.ndarray,
    birth: np.ndarray,
    valid_household: np.ndarray,
    household_ids: pa.Array,
    rng: np.random.Generator,
) -> Duplicates:
    candidates = np.flatnonzero(eligible)
    original = np.sort(rng.choice(candidates, size=min(count, len(candidates)), replace=False))
    n = len(original)
    copy = {name: pc.take(column, pa.array(original)) for name, column in columns.items()}
    changes: list[list[str]] = [[] for _ in range(n)]

    def note(mask: np.ndarray, what: str) -> None:
        for i in np.flatnonzero(mask):
            changes[i].append(what)

    # NIK: mostly the same number, sometimes one digit off, sometimes left out.
    new_nik, nik_kind = _changed_niks(nik[original], nik, rng)
    copy["nik"] = pc.if_else(pa.array(new_nik == 0), "", pa.array(new_nik).cast(pa.string()))
    note(nik_kind == NIK_DIGIT, "nik_digit")
    note(nik_kind == NIK_DROPPED, "nik_missing")

    renamed = rng.random(n) < NAME_CHANGE_SHARE
    names = copy["full_name"].to_pylist()
    draws = rng.random((n, 4))
    for i in np.flatnonzero(renamed):
        names[i], kind = name_variant(names[i], draws[i])
        changes[i].append(f"name_{kind}")
    copy["full_name"] = pa.array(names, type=pa.string())

    new_birth, birth_change = _changed_birth_dates(birth[original], rng)
    copy["birth_date"] = pa.array(new_birth).cast(pa.string())
    for code, what in enumerate(BIRTH_DATE_CHANGES):
        note(birth_change == code, what)

    target = _target_households(household[original], valid_household, rng)
    moved = target != household[original]
    copy["household_id"] = pc.take(household_ids, pa.array(target))
    note(moved, "household")
    # A copy never becomes a second head, and in another household it is filed as a relative.
    relabel = moved | is_head[original]
    relative = pc.equal(copy["relationship"], "other_relative").to_numpy(zero_copy_only=False)
    copy["relationship"] = pc.if_else(pa.array(relabel), "other_relative", copy["relationship"])
    note(relabel & ~relative, "relationship")
    return Duplicates(original, target, [";".join(c) for c in changes], copy)


def _changed_niks(
    original: np.ndarray, existing: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    n = len(original)
    kind = rng.choice(3, size=n, p=NIK_CHANGE_SHARES)
    kind = np.where(original == 0, NIK_SAME, kind)
    place = 10 ** (15 - NIK_SAFE_DIGITS[rng.integers(0, len(NIK_SAFE_DIGITS), n)])
    old_digit = original // place % 10
    new_digit = (old_digit + rng.integers(1, 10, n)) % 10
    changed = original + (new_digit - old_digit) * place
    # Keep the number valid (serial ≥ 1) and distinct from everyone else's.
    clash = (changed % 10_000 == 0) | np.isin(changed, existing)
    kind = np.where((kind == NIK_DIGIT) & clash, NIK_SAME, kind)
    nik = np.select([kind == NIK_DIGIT, kind == NIK_DROPPED], [changed, 0], default=original)
    return nik, kind


def _changed_birth_dates(
    birth: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Some birth dates mistyped; the kind of each change (-1: unchanged)."""
    n = len(birth)
    kind = np.where(
        rng.random(n) < BIRTH_DATE_CHANGE_SHARE,
        rng.choice(len(BIRTH_DATE_CHANGES), size=n, p=BIRTH_DATE_CHANGE_SHARES),
        -1,
    )
    day, month, year = date_parts(birth)
    # One digit of the day: its units typed as another digit, staying a day of every month.
    new_units = (day % 10 + rng.integers(1, 10, n)) % 10
    typed_day = day // 10 * 10 + new_units
    kind = np.where((kind == 1) & ((typed_day < 1) | (typed_day > 28)), 0, kind)
    kind = np.where((kind == 2) & ((day > 12) | (day == month)), 0, kind)
    shifted = birth - rng.integers(1, 4, n).astype("timedelta64[D]")
    new_day = np.select([kind == 1, kind == 2], [typed_day, month], day)
    new_month = np.where(kind == 2, day, month)
    retyped = from_parts(new_day, new_month, year)
    return np.select([kind == 0, kind > 0], [shifted, retyped], birth), kind


def _target_households(
    home: np.ndarray, valid_household: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """The household a copy is filed in: its own, or a nearby valid one (ids run by village)."""
    n = len(home)
    nearby = np.clip(home + rng.integers(-30, 31, n), 0, len(valid_household) - 1)
    move = (rng.random(n) < OTHER_HOUSEHOLD_SHARE) & valid_household[nearby]
    return np.where(move, nearby, home)


@dataclass(frozen=True)
class Defect:
    code: str  # the error code expected from validation or import
    column: str
    weight: float
    corrupt: Corrupt
    applies: Callable[[str], bool] = bool  # by default: only to a non-empty cell


@dataclass(frozen=True)
class Injected:
    row: int
    column: str
    code: str
    value: str


def inject(
    columns: Columns, rows: np.ndarray, defects: Sequence[Defect], rng: np.random.Generator
) -> list[Injected]:
    """Give each of ``rows`` one defect (chosen by weight among those that apply to it) and
    write the corrupted cells into ``columns`` in place."""
    used = sorted({d.column for d in defects})
    values = {name: pc.take(columns[name], pa.array(rows)).to_pylist() for name in used}
    injected: list[Injected] = []
    for i, row in enumerate(rows.tolist()):
        applicable = [d for d in defects if d.applies(values[d.column][i])]
        weights = np.array([d.weight for d in applicable])
        defect = applicable[rng.choice(len(applicable), p=weights / weights.sum())]
        value = defect.corrupt(values[defect.column][i], rng)
        injected.append(Injected(row, defect.column, defect.code, value))
    for name in used:
        mine = [item for item in injected if item.column == name]
        if not mine:
            continue
        mask = np.zeros(len(columns[name]), dtype=bool)
        mask[[item.row for item in mine]] = True
        replacements = [item.value for item in sorted(mine, key=lambda item: item.row)]
        columns[name] = pc.replace_with_mask(
            columns[name], pa.array(mask), pa.array(replacements, type=pa.string())
        )
    return injected


def _always(_: str) -> bool:
    return True


def _pick(options: Sequence[str]) -> Corrupt:
    return lambda _value, rng: options[int(rng.integers(len(options)))]


def _reformat_date(value: str, _rng: np.random.Generator) -> str:
    year, month, day = value.split("-")
    return f"{day}/{month}/{year}"  # as a spreadsheet in Indonesian locale writes it


def _with_dots(value: str, _rng: np.random.Generator) -> str:
    return f"{int(value):,}".replace(",", ".")  # 1.500.000


def _letter_o(value: str, rng: np.random.Generator) -> str:
    if rng.random() < 0.3:
        return "'" + value  # Excel's text prefix kept in the export
    at = value.find("0", 6)
    at = at if at >= 0 else 12
    return value[:at] + "O" + value[at + 1 :]


def person_defects(
    unknown_provinces: Sequence[str], next_household_id: Callable[[], str]
) -> list[Defect]:
    def unknown_province(value: str, rng: np.random.Generator) -> str:
        return unknown_provinces[int(rng.integers(len(unknown_provinces)))] + value[2:]

    def impossible_month(value: str, rng: np.random.Generator) -> str:
        return value[:8] + ("13" if rng.random() < 0.5 else "00") + value[10:]

    return [
        Defect("NIK_LENGTH", "nik", 2.0, lambda v, _: v[:-1]),
        Defect("NIK_NOT_DIGITS", "nik", 1.5, _letter_o),
        Defect("NIK_PROVINCE_UNKNOWN", "nik", 1.0, unknown_province),
        Defect("NIK_BIRTHDATE_INVALID", "nik", 1.0, impossible_month),
        Defect("NIK_SERIAL_ZERO", "nik", 1.0, lambda v, _: v[:12] + "0000"),
        Defect("DATE_INVALID", "birth_date", 2.0, _reformat_date),
        Defect(
            "VALUE_NOT_ALLOWED",
            "employment",
            1.5,
            _pick(("Farmer", "Petani", "PNS", "Buruh", "Wiraswasta", "Tidak Bekerja")),
        ),
        Defect("VALUE_NOT_ALLOWED", "sex", 0.75, _pick(("Laki-laki", "Perempuan", "M", "F"))),
        Defect(
            "VALUE_NOT_ALLOWED",
            "relationship",
            0.75,
            _pick(("Kepala Keluarga", "Istri", "Anak", "Head")),
        ),
        Defect("REQUIRED_MISSING", "full_name", 1.5, _pick(("",))),
        Defect("REQUIRED_MISSING", "relationship", 0.5, _pick(("",))),
        Defect("HOUSEHOLD_UNKNOWN", "household_id", 2.0, lambda _v, _r: next_household_id()),
        Defect(
            "NUMBER_INVALID",
            "monthly_income_idr",
            1.0,
            _with_dots,
            applies=lambda v: v.isdigit() and int(v) >= 1000,
        ),
        Defect("BOOLEAN_INVALID", "chronic_illness", 0.5, _pick(("Y", "-", "yes", "N"))),
    ]


def household_defects(village_codes: frozenset[str]) -> list[Defect]:
    def unknown_village(value: str, rng: np.random.Generator) -> str:
        while True:
            code = f"{value[:6]}9{int(rng.integers(1000)):03d}"
            if code not in village_codes:
                return code

    def spaced(value: str, _rng: np.random.Generator) -> str:
        return " ".join(value[i : i + 4] for i in range(0, 16, 4))

    return [
        Defect("REGION_UNKNOWN", "region_code", 3.0, unknown_village),
        Defect("REQUIRED_MISSING", "region_code", 2.0, _pick(("",))),
        Defect("KK_LENGTH", "kk_number", 2.0, lambda v, _: v[:-1]),
        Defect("KK_NOT_DIGITS", "kk_number", 1.0, spaced),
        Defect("VALUE_NOT_ALLOWED", "floor_type", 1.0, _pick(("Keramik", "Tanah", "Semen"))),
        Defect("VALUE_NOT_ALLOWED", "house_ownership", 1.0, _pick(("Milik Sendiri", "Sewa"))),
        Defect("VALUE_NOT_ALLOWED", "lighting", 0.5, _pick(("PLN", "listrik"))),
        Defect(
            "VALUE_NOT_ALLOWED",
            "assets",
            0.5,
            lambda v, _: (v + ";" if v else "") + "laptop",
            applies=_always,
        ),
        Defect("NUMBER_INVALID", "electricity_va", 0.5, lambda v, _: v + " VA"),
        Defect(
            "NUMBER_INVALID",
            "monthly_expenditure_idr",
            0.5,
            _with_dots,
            applies=lambda v: v.isdigit() and int(v) >= 1000,
        ),
    ]
