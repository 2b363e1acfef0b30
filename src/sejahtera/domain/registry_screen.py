"""A vectorised screen for the bulk import: the rows a validator would accept without a finding.

:class:`RowScreen` looks at a whole batch of cells at once (Arrow compute, in C) and clears the
rows that :class:`~sejahtera.domain.registry_format.RowValidator` would accept with no finding at
all, neither error nor warning, and computes their typed values. It is deliberately narrower
than the validator: only the plain shape of each kind is cleared (ASCII-bounded text, exact enum
spellings, ``YYYY-MM-DD`` dates with a day every month has, a limited number of digits, ...).
Every row it does not clear goes through the validator unchanged, which reports and explains.
A row it clears must be one the validator accepts silently with the same values
(``tests/domain/test_registry_screen.py`` checks that property).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from sejahtera.domain import registry_format as fmt
from sejahtera.domain.identifiers import FEMALE_DAY_OFFSET, Sex

# Printable ASCII at both ends (so strip() changes nothing) and no control character
# anywhere (the validator refuses them).
PLAIN_TEXT = r"^[!-~](?:[^\x00-\x08\x0b-\x1f\x7f]*[!-~])?$"
# Up to 10 digits (the largest allowed number has 10); longer numbers go to the validator.
INTEGER_SHAPE = r"^[0-9]{1,10}$"
# At most 15 significant digits, so comparing as float64 is exact at the bounds used here.
POSITIVE_SHAPE = r"^[0-9]{1,9}(?:\.[0-9]{1,6})?$"
COORDINATE_SHAPE = r"^-?[0-9]{1,3}(?:\.[0-9]{1,6})?$"
IDENTIFIER_SHAPE = r"^[0-9]{16}$"
DECIMAL_TYPE = pa.decimal128(18, 6)
# Days of each month in a year that is not a leap year.
MONTH_DAYS = pa.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], pa.int64())


# A row check sees the typed values and the texts of the cells (both by column name).
RowCheck = Callable[[dict[str, pa.Array], dict[str, pa.Array]], pa.Array]


@dataclass(frozen=True)
class Screened:
    """``cleared[i]``: row i needs no validator; ``values[name][i]``: its typed value then."""

    cleared: pa.BooleanArray
    values: dict[str, pa.Array]


def _matches(text: pa.Array, pattern: str) -> pa.Array:
    return pc.match_substring_regex(text, pattern)


def _number(text: pa.Array, start: int, stop: int) -> pa.Array:
    return pc.cast(pc.utf8_slice_codeunits(text, start, stop), pa.int64())


def _between(values: pa.Array, low: float, high: pa.Array | float) -> pa.Array:
    return pc.and_(pc.greater_equal(values, low), pc.less_equal(values, high))


def _divisible(values: pa.Array, divisor: int) -> pa.Array:
    return pc.equal(pc.multiply(pc.divide(values, divisor), divisor), values)


def _real_day(day: pa.Array, month: pa.Array, year: pa.Array | None = None) -> pa.Array:
    """Day and month name a real date in ``year``; without a year, in every year."""
    month_ok = _between(month, 1, 12)
    days = pc.take(MONTH_DAYS, pc.if_else(month_ok, month, 0))
    if year is not None:
        leap = pc.and_(
            _divisible(year, 4), pc.or_(pc.invert(_divisible(year, 100)), _divisible(year, 400))
        )
        days = pc.add(days, pc.if_else(pc.and_(leap, pc.equal(month, 2)), 1, 0))
    return pc.and_(month_ok, _between(day, 1, days))


def _as_text(values: pa.Array, shape: pa.Array) -> pa.Array:
    """The cells that have the shape (others null), so that casts see only well-formed text."""
    return pc.if_else(shape, values, pa.scalar(None, pa.string()))


class RowScreen:
    """Screens batches for one validator (same columns, region list and today)."""

    def __init__(self, validator: fmt.RowValidator) -> None:
        self.columns = validator.columns
        self.today = validator.today
        catalog = validator.catalog
        codes = [region.code for region in catalog.regions()]
        self._villages = pa.array([c for c in codes if catalog.is_village(c)], pa.string())
        self._provinces = pa.array([c for c in codes if len(c) == 2], pa.string())
        self._regencies = pa.array(
            [c for c in codes if catalog.current_regency(c) == c], pa.string()
        )
        self._row_check: RowCheck | None = {
            fmt.HouseholdValidator: self._household_ok,
            fmt.PersonValidator: self._person_ok,
        }.get(type(validator))

    def screen(self, cells: Mapping[str, pa.Array]) -> Screened:
        """Screen one batch: ``cells[name]`` holds the column's raw text (null: no cell)."""
        length = len(next(iter(cells.values())))
        cleared = pa.array([True] * length)
        values: dict[str, pa.Array] = {}
        texts: dict[str, pa.Array] = {}
        for column in self.columns:
            raw = cells.get(column.name)
            if raw is None:  # a column the file lacks reads as empty, as in the validator
                raw = pa.repeat(pa.scalar("", pa.string()), length)
            text = pc.fill_null(raw, "")
            texts[column.name] = text
            empty = pc.equal(text, "")
            ok, value = self._cell(column, text)
            values[column.name] = pc.if_else(empty, pa.scalar(None, value.type), value)
            cleared = pc.and_(cleared, pc.if_else(empty, not column.required, ok))
        if self._row_check is not None:
            cleared = pc.and_(cleared, self._row_check(values, texts))
        return Screened(pc.fill_null(cleared, False), values)

    # -- cells -----------------------------------------------------------------------------

    def _cell(self, column: fmt.Column, text: pa.Array) -> tuple[pa.Array, pa.Array]:
        """Whether each non-empty cell is cleared, and its typed value if so."""
        kind = column.kind
        if kind is fmt.Kind.ENUM:
            return pc.is_in(text, pa.array(column.choices, pa.string())), text
        if kind is fmt.Kind.ENUM_SET:
            return self._enum_set(column, text), text
        if kind is fmt.Kind.BOOL:
            words = pc.ascii_lower(text)
            known = pc.is_in(words, pa.array(sorted(fmt.TRUE_WORDS | fmt.FALSE_WORDS)))
            ok = pc.and_(pc.string_is_ascii(text), known)
            return ok, pc.is_in(words, pa.array(sorted(fmt.TRUE_WORDS)))
        if kind is fmt.Kind.DATE:
            return self._date(text)
        if kind is fmt.Kind.INTEGER:
            shape = _matches(text, INTEGER_SHAPE)
            number = pc.cast(_as_text(text, shape), pa.int64())
            return pc.and_(shape, pc.less_equal(number, fmt.WHOLE_NUMBER_MAX)), number
        if kind is fmt.Kind.POSITIVE_NUMBER:
            shape = _matches(text, POSITIVE_SHAPE)
            number = pc.cast(_as_text(text, shape), DECIMAL_TYPE)
            return pc.and_(shape, pc.greater(pc.cast(number, pa.float64()), 0)), number
        if kind in (fmt.Kind.LATITUDE, fmt.Kind.LONGITUDE):
            # The range is the household's Indonesia check (a warning outside), done per row.
            shape = _matches(text, COORDINATE_SHAPE)
            return shape, pc.cast(_as_text(text, shape), DECIMAL_TYPE)
        ok = _matches(text, PLAIN_TEXT)
        if column.max_length:
            ok = pc.and_(ok, pc.less_equal(pc.utf8_length(text), column.max_length))
        if kind is fmt.Kind.VILLAGE_CODE:
            ok = pc.and_(ok, pc.is_in(text, self._villages))
        return ok, text

    def _enum_set(self, column: fmt.Column, text: pa.Array) -> pa.Array:
        # Already canonical: known items, each once, in the listed order, ';' between.
        items = "".join(f"(?:{choice}(?:;|$))?" for choice in column.choices)
        return pc.and_(_matches(text, f"^{items}$"), pc.invert(pc.ends_with(text, ";")))

    def _date(self, text: pa.Array) -> tuple[pa.Array, pa.Array]:
        shape = _matches(text, fmt.DATE_SHAPE)
        checked = _as_text(text, shape)
        year, month, day = _number(checked, 0, 4), _number(checked, 5, 7), _number(checked, 8, 10)
        earliest = fmt.EARLIEST_DATE.year  # the first of January of that year
        ok = pc.and_(pc.greater_equal(year, earliest), _real_day(day, month, year))
        return ok, pc.cast(_as_text(text, ok), pa.date32())

    # -- identifiers -----------------------------------------------------------------------

    def _identifier(self, number: pa.Array) -> tuple[pa.Array, pa.Array]:
        """A NIK or KK of known province and current regency, serial not 0000; its digits."""
        shape = _matches(number, IDENTIFIER_SHAPE)
        digits = _as_text(number, shape)
        ok = pc.and_(
            pc.and_(shape, pc.is_in(pc.utf8_slice_codeunits(digits, 0, 2), self._provinces)),
            pc.and_(
                pc.is_in(pc.utf8_slice_codeunits(digits, 0, 4), self._regencies),
                pc.not_equal(pc.utf8_slice_codeunits(digits, 12, 16), "0000"),
            ),
        )
        return ok, digits

    def _absent_or(self, value: pa.Array, ok: pa.Array) -> pa.Array:
        return pc.fill_null(pc.or_kleene(pc.is_null(value), ok), False)

    # -- rows ------------------------------------------------------------------------------

    def _household_ok(self, values: dict[str, pa.Array], texts: dict[str, pa.Array]) -> pa.Array:
        kk = values["kk_number"]
        ok, digits = self._identifier(kk)
        # With no stated date, any real day and month is a real date in some century.
        ok = pc.and_(ok, _real_day(_number(digits, 6, 8), _number(digits, 8, 10)))
        latitude, longitude = values["latitude"], values["longitude"]
        inside = pc.and_(
            _between(pc.cast(latitude, pa.float64()), *fmt.INDONESIA_LATITUDE),
            _between(pc.cast(longitude, pa.float64()), *fmt.INDONESIA_LONGITUDE),
        )
        neither = pc.and_(pc.is_null(latitude), pc.is_null(longitude))
        return pc.and_(self._absent_or(kk, ok), pc.fill_null(pc.or_kleene(neither, inside), False))

    def _person_ok(self, values: dict[str, pa.Array], texts: dict[str, pa.Array]) -> pa.Array:
        today = pa.scalar(self.today, pa.date32())
        birth, deceased = values["birth_date"], values["deceased_date"]
        dates_ok = pc.and_(
            pc.less_equal(birth, today),
            self._absent_or(
                deceased,
                pc.and_(pc.less_equal(deceased, today), pc.greater_equal(deceased, birth)),
            ),
        )
        sex = values["sex"]
        male = pc.equal(sex, str(Sex.MALE))
        not_pregnant_man = pc.invert(pc.and_(pc.fill_null(values["pregnant"], False), male))
        severity = values["disability_severity"]
        consistent_disability = pc.or_(
            pc.fill_null(pc.not_equal(values["disability"], "none"), True),
            self._absent_or(severity, pc.equal(severity, "none")),
        )
        return pc.fill_null(
            pc.and_(
                pc.and_(dates_ok, not_pregnant_man),
                pc.and_(
                    consistent_disability, self._absent_or(values["nik"], self._nik(values, texts))
                ),
            ),
            False,
        )

    def _nik(self, values: dict[str, pa.Array], texts: dict[str, pa.Array]) -> pa.Array:
        """The NIK encodes exactly the stated sex and birth date (else the validator warns)."""
        ok, digits = self._identifier(values["nik"])
        birth = _as_text(texts["birth_date"], pc.is_valid(values["birth_date"]))
        female = pc.equal(values["sex"], str(Sex.FEMALE))
        day = pc.add(_number(birth, 8, 10), pc.if_else(female, FEMALE_DAY_OFFSET, 0))
        same_date = pc.and_(
            pc.equal(_number(digits, 6, 8), day),
            pc.and_(
                pc.equal(_number(digits, 8, 10), _number(birth, 5, 7)),
                pc.equal(_number(digits, 10, 12), _number(birth, 2, 4)),
            ),
        )
        return pc.and_(ok, same_date)
