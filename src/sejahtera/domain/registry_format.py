"""Registry exchange format v1: the columns of households.csv and persons.csv and how a row is
validated. The same rules serve the bulk import, the API and the web forms.

Parsing is strict where ambiguity would corrupt data (dates exactly ``YYYY-MM-DD``, enum values
exactly as listed) and lenient where spreadsheets differ harmlessly (booleans in any case).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from sejahtera.domain.findings import Finding, error, gettext_noop, warning
from sejahtera.domain.identifiers import Sex, parse_kk, parse_nik
from sejahtera.domain.regions import RegionCatalog, default_catalog

FORMAT_VERSION = 1
# Control characters a cell may not hold. A line feed and a tab may (an address on two
# lines); a bare carriage return may not: a spreadsheet starts a new row at it, and
# PostgreSQL's COPY refuses it.
CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")

HOUSE_OWNERSHIP = ("own", "rent", "free", "official", "other")
FLOOR_TYPES = ("ceramic", "wood", "cement", "earth", "other")
WALL_TYPES = ("brick", "wood", "bamboo", "other")
ROOF_TYPES = ("tile", "metal", "asbestos", "thatch", "other")
DRINKING_WATER = (
    "piped",
    "bottled",
    "protected_well",
    "unprotected_well",
    "river",
    "rain",
    "other",
)
LIGHTING = ("pln_meter", "pln_no_meter", "non_pln", "none")
COOKING_FUEL = ("lpg_3kg", "lpg_large", "electric", "kerosene", "wood", "charcoal", "none")
TOILET = ("private", "shared", "public", "none")
ASSETS = (
    "motorcycle",
    "car",
    "refrigerator",
    "tv",
    "ac",
    "smartphone",
    "gold",
    "land",
    "livestock",
    "boat",
)
SEXES = tuple(s.value for s in Sex)
RELATIONSHIPS = (
    "head",
    "spouse",
    "child",
    "grandchild",
    "parent",
    "in_law",
    "other_relative",
    "other",
)
MARITAL_STATUS = ("single", "married", "divorced", "widowed")
EDUCATION = ("none", "primary", "junior", "senior", "diploma", "bachelor_plus")
SCHOOL_ENROLLED = ("none", "early", "primary", "junior", "senior", "higher")
EMPLOYMENT = (
    "none",
    "farmer",
    "fisher",
    "laborer",
    "informal",
    "private_employee",
    "civil_servant",
    "entrepreneur",
    "retired",
    "student",
    "other",
)
# Employment that earns an income (everything but none, retired and student).
EARNING_EMPLOYMENT = tuple(e for e in EMPLOYMENT if e not in ("none", "retired", "student"))
DISABILITY = ("none", "physical", "intellectual", "mental", "sensory", "multiple")
DISABILITY_SEVERITY = ("none", "mild", "moderate", "severe")
INMATE_STATUS = ("none", "inmate", "former_inmate")

# A flag is read from any of these words and written as TRUE_TEXT or FALSE_TEXT.
TRUE_WORDS = frozenset({"true", "1", "ya"})
FALSE_WORDS = frozenset({"false", "0", "tidak"})
TRUE_TEXT, FALSE_TEXT = "true", "false"
# The shapes of dates and numbers as regular expressions, for the code that checks whole
# columns at once (the import's Arrow screen, the welfare model, the targeting engine's SQL).
DATE_SHAPE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
# Nobody living was born before it, and no record of the registry is older: an earlier date is
# a typing slip (0001-01-01, 1087 for 1987) that would make a member a thousand years old.
EARLIEST_DATE = date(1900, 1, 1)
# The largest a PostgreSQL integer column holds (electricity_va): no count, watts or rupiah a
# month of a family in the registry comes near it, and a larger cell must be a field's error,
# not the database's.
WHOLE_NUMBER_MAX = 2_147_483_647
DIGITS_SHAPE = r"^[0-9]+$"
PLAIN_DECIMAL_SHAPE = r"^[0-9]+([.][0-9]+)?$"  # what the welfare model reads as a number
# Indonesia's extent with a margin: coordinates outside it are kept but flagged.
INDONESIA_LATITUDE = (-11.5, 6.5)
INDONESIA_LONGITUDE = (94.5, 141.5)


class Kind(StrEnum):
    ID = "id"
    TEXT = "text"
    ENUM = "enum"
    ENUM_SET = "enum_set"
    BOOL = "bool"
    DATE = "date"
    INTEGER = "integer"
    POSITIVE_NUMBER = "positive_number"
    LATITUDE = "latitude"
    LONGITUDE = "longitude"
    VILLAGE_CODE = "village_code"
    NIK = "nik"
    KK = "kk"


# The kinds a typed file (the registry's own snapshot) holds as values, not text: its dates,
# numbers and flags were validated when they were stored, so an engine takes them as they are.
TYPED_KINDS = frozenset(
    {Kind.DATE, Kind.BOOL, Kind.INTEGER, Kind.POSITIVE_NUMBER, Kind.LATITUDE, Kind.LONGITUDE}
)


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    kind: Kind
    required: bool = False
    choices: tuple[str, ...] = ()
    max_length: int = 0
    # Specific personal data under UU 27/2022: restricted access, audited reads.
    specific: bool = False


HOUSEHOLD_COLUMNS: tuple[Column, ...] = (
    Column("household_id", Kind.ID, required=True, max_length=64),
    Column("kk_number", Kind.KK),
    Column("region_code", Kind.VILLAGE_CODE, required=True),
    Column("address", Kind.TEXT, max_length=500),
    Column("rt", Kind.TEXT, max_length=10),
    Column("rw", Kind.TEXT, max_length=10),
    Column("latitude", Kind.LATITUDE),
    Column("longitude", Kind.LONGITUDE),
    Column("house_ownership", Kind.ENUM, choices=HOUSE_OWNERSHIP),
    Column("floor_area_m2", Kind.POSITIVE_NUMBER),
    Column("floor_type", Kind.ENUM, choices=FLOOR_TYPES),
    Column("wall_type", Kind.ENUM, choices=WALL_TYPES),
    Column("roof_type", Kind.ENUM, choices=ROOF_TYPES),
    Column("drinking_water", Kind.ENUM, choices=DRINKING_WATER),
    Column("lighting", Kind.ENUM, choices=LIGHTING),
    Column("electricity_va", Kind.INTEGER),
    Column("cooking_fuel", Kind.ENUM, choices=COOKING_FUEL),
    Column("toilet", Kind.ENUM, choices=TOILET),
    Column("assets", Kind.ENUM_SET, choices=ASSETS),
    Column("monthly_expenditure_idr", Kind.INTEGER),
)

PERSON_COLUMNS: tuple[Column, ...] = (
    Column("person_id", Kind.ID, required=True, max_length=64),
    Column("household_id", Kind.ID, required=True, max_length=64),
    Column("nik", Kind.NIK),
    Column("full_name", Kind.TEXT, required=True, max_length=200),
    Column("sex", Kind.ENUM, required=True, choices=SEXES),
    Column("birth_date", Kind.DATE, required=True),
    Column("birth_place", Kind.TEXT, max_length=100),
    Column("relationship", Kind.ENUM, required=True, choices=RELATIONSHIPS),
    Column("marital_status", Kind.ENUM, choices=MARITAL_STATUS),
    Column("education", Kind.ENUM, choices=EDUCATION),
    Column("school_enrolled", Kind.ENUM, choices=SCHOOL_ENROLLED),
    Column("employment", Kind.ENUM, choices=EMPLOYMENT),
    Column("monthly_income_idr", Kind.INTEGER),
    Column("disability", Kind.ENUM, choices=DISABILITY, specific=True),
    Column("disability_severity", Kind.ENUM, choices=DISABILITY_SEVERITY, specific=True),
    Column("chronic_illness", Kind.BOOL, specific=True),
    Column("pregnant", Kind.BOOL, specific=True),
    Column("neglected", Kind.BOOL),
    Column("orphan", Kind.BOOL),
    Column("street_situation", Kind.BOOL),
    Column("child_in_conflict_with_law", Kind.BOOL, specific=True),
    Column("disaster_victim", Kind.BOOL),
    Column("disaster_event", Kind.TEXT, max_length=200),
    Column("remote_indigenous", Kind.BOOL),
    Column("inmate_status", Kind.ENUM, choices=INMATE_STATUS, specific=True),
    Column("violence_victim", Kind.BOOL, specific=True),
    Column("trafficking_victim", Kind.BOOL, specific=True),
    Column("drug_user", Kind.BOOL, specific=True),
    Column("hiv", Kind.BOOL, specific=True),
    Column("social_problem", Kind.BOOL, specific=True),
    Column("deceased_date", Kind.DATE),
)

HOUSEHOLD_COLUMN_NAMES = tuple(c.name for c in HOUSEHOLD_COLUMNS)
PERSON_COLUMN_NAMES = tuple(c.name for c in PERSON_COLUMNS)
SPECIFIC_PERSON_FIELDS = frozenset(c.name for c in PERSON_COLUMNS if c.specific)
# Every field of a person under 18 is specific personal data too.
CHILD_AGE_LIMIT = 18


class ValueProblem(Exception):
    """Raised by a column parser; carries the finding to report."""

    def __init__(self, code: str, template: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.template = template
        self.params = params


def _not_allowed(column: Column, value: str) -> ValueProblem:
    return ValueProblem(
        "VALUE_NOT_ALLOWED",
        gettext_noop("{value!r} is not allowed in {column}; expected one of: {allowed}"),
        value=value,
        column=column.name,
        allowed=", ".join(column.choices),
    )


def as_text(value: Any) -> str | None:
    """A value as the format writes it (None stays None: an empty cell): a stored record's, or
    a spreadsheet's or Parquet file's cell (a date typed as a midnight datetime, a whole number
    typed as a float)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return TRUE_TEXT if value else FALSE_TEXT
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def parse_bool(value: str) -> bool:
    word = value.lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueProblem(
        "BOOLEAN_INVALID",
        gettext_noop("{value!r} is not a boolean; use true/false, 1/0 or ya/tidak"),
        value=value,
    )


def parse_date(value: str) -> date:
    # fromisoformat also takes 20240101 and week dates; the format asks for exactly YYYY-MM-DD.
    if len(value) != 10 or value[4] != "-" or value[7] != "-":
        raise ValueProblem(
            "DATE_INVALID",
            gettext_noop("{value!r} is not a date in the form YYYY-MM-DD"),
            value=value,
        )
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        raise ValueProblem(
            "DATE_INVALID", gettext_noop("{value!r} is not a real date"), value=value
        ) from None
    if parsed < EARLIEST_DATE:
        raise ValueProblem(
            "DATE_TOO_EARLY",
            gettext_noop("{value} is before {earliest}"),
            value=value,
            earliest=EARLIEST_DATE.isoformat(),
        )
    return parsed


def parse_integer(value: str) -> int:
    if not value.isascii() or not value.isdigit():
        raise ValueProblem(
            "NUMBER_INVALID",
            gettext_noop("{value!r} is not a whole number ≥ 0 (digits only, no separators)"),
            value=value,
        )
    # Compared by length first: int() of thousands of digits is slow, or refused.
    if len(value.lstrip("0")) > len(str(WHOLE_NUMBER_MAX)) or int(value) > WHOLE_NUMBER_MAX:
        raise ValueProblem(
            "NUMBER_OUT_OF_RANGE",
            gettext_noop("{value} is larger than {maximum}"),
            value=value,
            maximum=WHOLE_NUMBER_MAX,
        )
    return int(value)


def parse_decimal(value: str) -> Decimal:
    try:
        # Decimal() also takes "1_000" and non-ASCII digits; spreadsheets never mean those.
        number = Decimal(value) if value.isascii() and "_" not in value else Decimal("NaN")
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite():
        raise ValueProblem(
            "NUMBER_INVALID",
            gettext_noop("{value!r} is not a number (use a dot for decimals)"),
            value=value,
        )
    return number


def _range_checked(value: str, low: Decimal, high: Decimal) -> Decimal:
    number = parse_decimal(value)
    if not low <= number <= high:
        raise ValueProblem(
            "NUMBER_OUT_OF_RANGE",
            gettext_noop("{value} is outside {low}..{high}"),
            value=value,
            low=low,
            high=high,
        )
    return number


def _positive(value: str) -> Decimal:
    number = parse_decimal(value)
    if number <= 0:
        raise ValueProblem(
            "NUMBER_OUT_OF_RANGE", gettext_noop("{value} must be greater than 0"), value=value
        )
    return number


def _make_parser(column: Column) -> Callable[[str], Any]:
    """A function from a non-empty, stripped cell to its typed value (or ValueProblem)."""
    if column.kind in (Kind.ID, Kind.TEXT, Kind.VILLAGE_CODE, Kind.NIK, Kind.KK):
        limit = column.max_length

        def text(value: str) -> str:
            if limit and len(value) > limit:
                raise ValueProblem(
                    "TEXT_TOO_LONG",
                    gettext_noop("text has {length} characters, at most {limit} allowed"),
                    length=len(value),
                    limit=limit,
                )
            return value

        return text
    if column.kind is Kind.ENUM:
        allowed = frozenset(column.choices)

        def enum(value: str) -> str:
            if value not in allowed:
                raise _not_allowed(column, value)
            return value

        return enum
    if column.kind is Kind.ENUM_SET:
        order = {choice: i for i, choice in enumerate(column.choices)}

        def enum_set(value: str) -> str:
            items = {item.strip() for item in value.split(";") if item.strip()}
            unknown = sorted(items - order.keys())
            if unknown:
                raise _not_allowed(column, ";".join(unknown))
            return ";".join(sorted(items, key=order.__getitem__))

        return enum_set
    if column.kind is Kind.BOOL:
        return parse_bool
    if column.kind is Kind.DATE:
        return parse_date
    if column.kind is Kind.INTEGER:
        return parse_integer
    if column.kind is Kind.POSITIVE_NUMBER:
        return _positive
    if column.kind is Kind.LATITUDE:
        return lambda value: _range_checked(value, Decimal(-90), Decimal(90))
    if column.kind is Kind.LONGITUDE:
        return lambda value: _range_checked(value, Decimal(-180), Decimal(180))
    raise AssertionError(f"no parser for {column.kind}")  # pragma: no cover


_MISSING = object()


def _fast_lookup(column: Column) -> dict[str, Any] | None:
    """For enums and booleans, the accepted cells mapped to their values: a dict look-up is
    much faster than a parser call, and the parser still handles (and explains) the rest."""
    if column.kind is Kind.ENUM:
        return {choice: choice for choice in column.choices}
    if column.kind is Kind.BOOL:
        words = [(word, True) for word in TRUE_WORDS] + [(word, False) for word in FALSE_WORDS]
        return {spelling: value for word, value in words for spelling in (word, word.upper())}
    return None


@dataclass(slots=True)
class RowResult:
    values: dict[str, Any]
    findings: list[Finding]

    @property
    def is_valid(self) -> bool:
        return not any(f.is_error for f in self.findings)


class RowValidator:
    """Validates one file's rows. Build one per import; it precompiles the column parsers."""

    def __init__(
        self,
        columns: tuple[Column, ...],
        *,
        catalog: RegionCatalog | None = None,
        today: date | None = None,
    ) -> None:
        self.columns = columns
        self.catalog = catalog or default_catalog()
        self.today = today or date.today()
        self._plan = [(c.name, c.required, _fast_lookup(c), _make_parser(c)) for c in columns]

    def validate(self, row: Mapping[str, str | None]) -> RowResult:
        values: dict[str, Any] = {}
        findings: list[Finding] = []
        for name, required, lookup, parser in self._plan:
            raw = row.get(name)
            cell = raw.strip() if raw else ""
            if not cell:
                values[name] = None
                if required:
                    findings.append(
                        error(
                            "REQUIRED_MISSING",
                            gettext_noop("{column} is required"),
                            name,
                            column=name,
                        )
                    )
                continue
            if CONTROL_CHARACTER.search(cell):
                values[name] = None
                findings.append(
                    error(
                        "TEXT_CONTROL_CHARACTER",
                        gettext_noop(
                            "{column} contains a control character (a carriage return, NUL, …)"
                        ),
                        name,
                        column=name,
                    )
                )
                continue
            if lookup is not None:
                value = lookup.get(cell, _MISSING)
                if value is not _MISSING:
                    values[name] = value
                    continue
            try:
                values[name] = parser(cell)
            except ValueProblem as problem:
                values[name] = None
                findings.append(error(problem.code, problem.template, name, **problem.params))
        self.check_row(values, findings)
        return RowResult(values, findings)

    def check_row(self, values: dict[str, Any], findings: list[Finding]) -> None:
        """Checks that need more than one cell or the region list; subclasses add theirs."""


class HouseholdValidator(RowValidator):
    def __init__(self, *, catalog: RegionCatalog | None = None, today: date | None = None):
        super().__init__(HOUSEHOLD_COLUMNS, catalog=catalog, today=today)

    def check_row(self, values: dict[str, Any], findings: list[Finding]) -> None:
        region = values["region_code"]
        if region is not None and not self.catalog.is_village(region):
            findings.append(
                error(
                    "REGION_UNKNOWN",
                    gettext_noop("region_code {code} is not a village code in the official list"),
                    "region_code",
                    code=region,
                )
            )
        if values["kk_number"] is not None:
            parsed = parse_kk(values["kk_number"], today=self.today, catalog=self.catalog)
            # parse_kk reports under "kk"; the format's column is kk_number.
            findings.extend(replace(f, column="kk_number") for f in parsed.findings)
        latitude, longitude = values["latitude"], values["longitude"]
        unparsable = any(f.column in ("latitude", "longitude") for f in findings)
        if unparsable:
            pass  # already reported; "given together" would only repeat it
        elif (latitude is None) != (longitude is None):
            findings.append(
                error(
                    "COORDINATES_INCOMPLETE",
                    gettext_noop("latitude and longitude must be given together"),
                    "latitude" if latitude is None else "longitude",
                )
            )
        elif latitude is not None and not (
            INDONESIA_LATITUDE[0] <= latitude <= INDONESIA_LATITUDE[1]
            and INDONESIA_LONGITUDE[0] <= longitude <= INDONESIA_LONGITUDE[1]
        ):
            findings.append(
                warning(
                    "COORDINATES_OUTSIDE_INDONESIA",
                    gettext_noop("coordinates {lat}, {lng} lie outside Indonesia"),
                    "latitude",
                    lat=latitude,
                    lng=longitude,
                )
            )


class PersonValidator(RowValidator):
    def __init__(self, *, catalog: RegionCatalog | None = None, today: date | None = None):
        super().__init__(PERSON_COLUMNS, catalog=catalog, today=today)

    def check_row(self, values: dict[str, Any], findings: list[Finding]) -> None:
        birth_date = values["birth_date"]
        if birth_date is not None and birth_date > self.today:
            findings.append(
                error(
                    "DATE_IN_FUTURE",
                    gettext_noop("{value} is a date still to come"),
                    "birth_date",
                    value=birth_date.isoformat(),
                )
            )
        deceased = values["deceased_date"]
        if deceased is not None:
            if deceased > self.today:
                findings.append(
                    error(
                        "DATE_IN_FUTURE",
                        gettext_noop("{value} is a date still to come"),
                        "deceased_date",
                        value=deceased.isoformat(),
                    )
                )
            if birth_date is not None and deceased < birth_date:
                findings.append(
                    error(
                        "VALUE_INCONSISTENT",
                        gettext_noop("deceased_date {deceased} is before birth_date {birth}"),
                        "deceased_date",
                        deceased=deceased.isoformat(),
                        birth=birth_date.isoformat(),
                    )
                )
        if values["pregnant"] and values["sex"] == Sex.MALE:
            findings.append(
                error(
                    "VALUE_INCONSISTENT",
                    gettext_noop("pregnant is true for a person of sex L"),
                    "pregnant",
                )
            )
        severity = values["disability_severity"]
        if values["disability"] == "none" and severity not in (None, "none"):
            findings.append(
                error(
                    "VALUE_INCONSISTENT",
                    gettext_noop("disability_severity is {severity} but disability is none"),
                    "disability_severity",
                    severity=severity,
                )
            )
        if values["nik"] is not None:
            parsed = parse_nik(
                values["nik"],
                sex=values["sex"],
                birth_date=birth_date,
                today=self.today,
                catalog=self.catalog,
            )
            findings.extend(parsed.findings)


def unknown_columns(header: list[str], columns: tuple[Column, ...]) -> list[str]:
    known = {c.name for c in columns}
    return [name for name in header if name not in known]


def missing_required_columns(header: list[str], columns: tuple[Column, ...]) -> list[str]:
    present = set(header)
    return [c.name for c in columns if c.required and c.name not in present]
