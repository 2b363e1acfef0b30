"""Registry exchange format v1: columns, cell parsing and row validation."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sejahtera.domain.findings import Severity
from sejahtera.domain.identifiers import encode_kk, encode_nik
from sejahtera.domain.registry_format import (
    EARLIEST_DATE,
    FORMAT_VERSION,
    HOUSEHOLD_COLUMN_NAMES,
    HOUSEHOLD_COLUMNS,
    PERSON_COLUMN_NAMES,
    PERSON_COLUMNS,
    SPECIFIC_PERSON_FIELDS,
    HouseholdValidator,
    Kind,
    PersonValidator,
    RowResult,
    ValueProblem,
    as_text,
    missing_required_columns,
    parse_bool,
    parse_date,
    parse_decimal,
    parse_integer,
    unknown_columns,
)

TODAY = date(2025, 6, 15)
VILLAGE = "3171011001"  # Gambir, Jakarta Pusat
HOUSEHOLDS = HouseholdValidator(today=TODAY)
PERSONS = PersonValidator(today=TODAY)

# The enumerations exactly as written in the spec (registry-format.md).
SPEC_CHOICES = {
    "house_ownership": ("own", "rent", "free", "official", "other"),
    "floor_type": ("ceramic", "wood", "cement", "earth", "other"),
    "wall_type": ("brick", "wood", "bamboo", "other"),
    "roof_type": ("tile", "metal", "asbestos", "thatch", "other"),
    "drinking_water": (
        "piped",
        "bottled",
        "protected_well",
        "unprotected_well",
        "river",
        "rain",
        "other",
    ),
    "lighting": ("pln_meter", "pln_no_meter", "non_pln", "none"),
    "cooking_fuel": ("lpg_3kg", "lpg_large", "electric", "kerosene", "wood", "charcoal", "none"),
    "toilet": ("private", "shared", "public", "none"),
    "assets": (
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
    ),
    "sex": ("L", "P"),
    "relationship": (
        "head",
        "spouse",
        "child",
        "grandchild",
        "parent",
        "in_law",
        "other_relative",
        "other",
    ),
    "marital_status": ("single", "married", "divorced", "widowed"),
    "education": ("none", "primary", "junior", "senior", "diploma", "bachelor_plus"),
    "school_enrolled": ("none", "early", "primary", "junior", "senior", "higher"),
    "employment": (
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
    ),
    "disability": ("none", "physical", "intellectual", "mental", "sensory", "multiple"),
    "disability_severity": ("none", "mild", "moderate", "severe"),
    "inmate_status": ("none", "inmate", "former_inmate"),
}
SPEC_HOUSEHOLD_COLUMNS = [
    "household_id",
    "kk_number",
    "region_code",
    "address",
    "rt",
    "rw",
    "latitude",
    "longitude",
    "house_ownership",
    "floor_area_m2",
    "floor_type",
    "wall_type",
    "roof_type",
    "drinking_water",
    "lighting",
    "electricity_va",
    "cooking_fuel",
    "toilet",
    "assets",
    "monthly_expenditure_idr",
]
SPEC_PERSON_COLUMNS = [
    "person_id",
    "household_id",
    "nik",
    "full_name",
    "sex",
    "birth_date",
    "birth_place",
    "relationship",
    "marital_status",
    "education",
    "school_enrolled",
    "employment",
    "monthly_income_idr",
    "disability",
    "disability_severity",
    "chronic_illness",
    "pregnant",
    "neglected",
    "orphan",
    "street_situation",
    "child_in_conflict_with_law",
    "disaster_victim",
    "disaster_event",
    "remote_indigenous",
    "inmate_status",
    "violence_victim",
    "trafficking_victim",
    "drug_user",
    "hiv",
    "social_problem",
    "deceased_date",
]
HOUSEHOLD_REQUIRED = ["household_id", "region_code"]
PERSON_REQUIRED = ["person_id", "household_id", "full_name", "sex", "birth_date", "relationship"]
BOOL_COLUMNS = [c.name for c in PERSON_COLUMNS if c.kind is Kind.BOOL]
ENUM_CASES = [
    (validator, column.name, choice)
    for validator, columns in (("household", HOUSEHOLD_COLUMNS), ("person", PERSON_COLUMNS))
    for column in columns
    if column.kind is Kind.ENUM
    for choice in column.choices
]


def household(**cells: str | None) -> dict[str, str | None]:
    return {"household_id": "H-1", "region_code": VILLAGE, **cells}


def person(**cells: str | None) -> dict[str, str | None]:
    return {
        "person_id": "P-1",
        "household_id": "H-1",
        "full_name": "Siti Aminah",
        "sex": "P",
        "birth_date": "1987-08-17",
        "relationship": "head",
        **cells,
    }


def validate(which: str, **cells: str | None) -> RowResult:
    if which == "household":
        return HOUSEHOLDS.validate(household(**cells))
    return PERSONS.validate(person(**cells))


def found(result: RowResult) -> list[tuple[str, str]]:
    return [(f.code, f.column) for f in result.findings]


# --- the column lists match the spec ------------------------------------------------------------


def test_format_version():
    assert FORMAT_VERSION == 1


def test_household_columns_match_the_spec():
    assert list(HOUSEHOLD_COLUMN_NAMES) == SPEC_HOUSEHOLD_COLUMNS
    assert [c.name for c in HOUSEHOLD_COLUMNS if c.required] == HOUSEHOLD_REQUIRED


def test_person_columns_match_the_spec():
    assert list(PERSON_COLUMN_NAMES) == SPEC_PERSON_COLUMNS
    assert [c.name for c in PERSON_COLUMNS if c.required] == PERSON_REQUIRED


def test_enum_choices_match_the_spec():
    columns = {c.name: c for c in HOUSEHOLD_COLUMNS + PERSON_COLUMNS}
    for name, choices in SPEC_CHOICES.items():
        assert columns[name].choices == choices, name
    enum_columns = {c.name for c in columns.values() if c.kind in (Kind.ENUM, Kind.ENUM_SET)}
    assert enum_columns == set(SPEC_CHOICES)


def test_specific_personal_data_fields_match_the_spec():
    assert (
        frozenset(
            {
                "disability",
                "disability_severity",
                "chronic_illness",
                "pregnant",
                "hiv",
                "drug_user",
                "violence_victim",
                "trafficking_victim",
                "inmate_status",
                "child_in_conflict_with_law",
                "social_problem",
            }
        )
        == SPECIFIC_PERSON_FIELDS
    )


def test_boolean_columns_match_the_spec():
    assert BOOL_COLUMNS == [
        "chronic_illness",
        "pregnant",
        "neglected",
        "orphan",
        "street_situation",
        "child_in_conflict_with_law",
        "disaster_victim",
        "remote_indigenous",
        "violence_victim",
        "trafficking_victim",
        "drug_user",
        "hiv",
        "social_problem",
    ]


# --- valid rows ---------------------------------------------------------------------------------


def test_minimal_household_is_valid():
    result = HOUSEHOLDS.validate(household())
    assert result.is_valid
    assert result.findings == []
    assert list(result.values) == SPEC_HOUSEHOLD_COLUMNS
    assert result.values["household_id"] == "H-1"
    assert result.values["region_code"] == VILLAGE
    assert all(result.values[name] is None for name in SPEC_HOUSEHOLD_COLUMNS[3:])
    assert result.values["kk_number"] is None


def test_full_household_values_are_typed():
    result = HOUSEHOLDS.validate(
        household(
            kk_number="3171011508870001",
            address="Jl. Merdeka No. 1",
            rt="001",
            rw="002",
            latitude="-6.1754",
            longitude="106.8272",
            house_ownership="rent",
            floor_area_m2="36.5",
            floor_type="ceramic",
            wall_type="brick",
            roof_type="tile",
            drinking_water="bottled",
            lighting="pln_meter",
            electricity_va="900",
            cooking_fuel="lpg_3kg",
            toilet="private",
            assets="smartphone;motorcycle",
            monthly_expenditure_idr="2500000",
        )
    )
    assert result.findings == []
    assert result.is_valid
    values = result.values
    assert values["kk_number"] == "3171011508870001"
    assert values["rt"] == "001"  # codes keep their leading zeros
    assert values["latitude"] == Decimal("-6.1754")
    assert values["longitude"] == Decimal("106.8272")
    assert values["floor_area_m2"] == Decimal("36.5")
    assert values["electricity_va"] == 900
    assert isinstance(values["electricity_va"], int)
    assert values["monthly_expenditure_idr"] == 2_500_000
    assert values["assets"] == "motorcycle;smartphone"
    assert values["house_ownership"] == "rent"


def test_minimal_person_is_valid():
    result = PERSONS.validate(person())
    assert result.is_valid
    assert result.findings == []
    assert list(result.values) == SPEC_PERSON_COLUMNS
    assert result.values["birth_date"] == date(1987, 8, 17)
    assert result.values["sex"] == "P"
    assert result.values["nik"] is None
    assert result.values["pregnant"] is None


def test_full_person_values_are_typed():
    cells = dict.fromkeys(BOOL_COLUMNS, "false")
    cells.update(
        nik="3171015708870001",
        birth_place="Jakarta",
        marital_status="married",
        education="senior",
        school_enrolled="none",
        employment="informal",
        monthly_income_idr="0",
        disability="physical",
        disability_severity="moderate",
        chronic_illness="YA",
        pregnant="1",
        disaster_victim="true",
        disaster_event="Banjir Jakarta 2020",
        inmate_status="former_inmate",
        deceased_date="2024-02-29",
    )
    result = PERSONS.validate(person(**cells))
    assert result.findings == []
    values = result.values
    assert values["nik"] == "3171015708870001"
    assert values["monthly_income_idr"] == 0
    assert values["chronic_illness"] is True
    assert values["pregnant"] is True
    assert values["disaster_victim"] is True
    assert values["hiv"] is False
    assert values["deceased_date"] == date(2024, 2, 29)
    assert values["disability_severity"] == "moderate"


def test_cells_are_stripped_and_blank_cells_are_unknown():
    result = HOUSEHOLDS.validate(
        household(household_id="  H-9 \t", address="   ", rt=None, floor_type=" wood ")
    )
    assert result.is_valid
    assert result.values["household_id"] == "H-9"
    assert result.values["address"] is None
    assert result.values["rt"] is None
    assert result.values["floor_type"] == "wood"


def test_unknown_keys_in_a_row_are_ignored():
    result = HOUSEHOLDS.validate(household(favourite_colour="blue"))
    assert result.is_valid
    assert "favourite_colour" not in result.values


def test_default_today_and_catalog():
    result = PersonValidator().validate(person(birth_date="2999-01-01"))
    assert ("DATE_IN_FUTURE", "birth_date") in found(result)
    assert HouseholdValidator().validate(household()).is_valid


# --- required columns ---------------------------------------------------------------------------


@pytest.mark.parametrize("column", HOUSEHOLD_REQUIRED)
@pytest.mark.parametrize("blank", [None, "", "   ", "drop"])
def test_household_required_missing(column, blank):
    row = household()
    if blank == "drop":
        del row[column]
    else:
        row[column] = blank
    result = HOUSEHOLDS.validate(row)
    assert found(result) == [("REQUIRED_MISSING", column)]
    assert result.findings[0].message == f"{column} is required"
    assert not result.is_valid
    assert result.values[column] is None


@pytest.mark.parametrize("column", PERSON_REQUIRED)
@pytest.mark.parametrize("blank", [None, "", " \t ", "drop"])
def test_person_required_missing(column, blank):
    row = person()
    if blank == "drop":
        del row[column]
    else:
        row[column] = blank
    result = PERSONS.validate(row)
    assert found(result) == [("REQUIRED_MISSING", column)]
    assert not result.is_valid


def test_every_required_column_missing_is_reported():
    assert found(PERSONS.validate({})) == [("REQUIRED_MISSING", c) for c in PERSON_REQUIRED]
    assert found(HOUSEHOLDS.validate({})) == [("REQUIRED_MISSING", c) for c in HOUSEHOLD_REQUIRED]


@pytest.mark.parametrize(
    "column",
    [c for c in SPEC_PERSON_COLUMNS if c not in PERSON_REQUIRED],
)
def test_optional_person_columns_may_be_empty(column):
    assert PERSONS.validate(person(**{column: ""})).is_valid


# --- region code --------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["3171011001", "1101012001", "1207281007"])
def test_region_code_must_be_a_village(code):
    assert HOUSEHOLDS.validate(household(region_code=code)).findings == []


@pytest.mark.parametrize("code", ["3171019999", "317101", "3171", "31", "0000000000", "abc"])
def test_region_unknown(code):
    result = HOUSEHOLDS.validate(household(region_code=code))
    assert found(result) == [("REGION_UNKNOWN", "region_code")]
    assert code in result.findings[0].message
    assert not result.is_valid


# --- booleans -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("true", True),
        ("TRUE", True),
        ("True", True),
        ("tRuE", True),
        ("1", True),
        ("ya", True),
        ("YA", True),
        ("Ya", True),
        ("false", False),
        ("FALSE", False),
        ("False", False),
        ("0", False),
        ("tidak", False),
        ("TIDAK", False),
        ("Tidak", False),
    ],
)
def test_parse_bool(cell, expected):
    assert parse_bool(cell) is expected


@pytest.mark.parametrize(
    "cell", ["yes", "no", "y", "n", "t", "f", "2", "01", "-1", "benar", "true false", "iya"]
)
def test_parse_bool_rejects(cell):
    with pytest.raises(ValueProblem) as caught:
        parse_bool(cell)
    assert caught.value.code == "BOOLEAN_INVALID"
    assert caught.value.params == {"value": cell}


@pytest.mark.parametrize("column", BOOL_COLUMNS)
def test_every_boolean_column(column):
    assert validate("person", **{column: " Ya "}).values[column] is True
    assert validate("person", **{column: "TIDAK"}).values[column] is False
    assert validate("person", **{column: "1"}).values[column] is True
    assert validate("person", **{column: "0"}).values[column] is False
    result = validate("person", **{column: "yes"})
    assert found(result) == [("BOOLEAN_INVALID", column)]
    assert result.findings[0].message == "'yes' is not a boolean; use true/false, 1/0 or ya/tidak"
    assert result.values[column] is None
    assert not result.is_valid


# --- dates --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("1987-08-17", date(1987, 8, 17)),
        ("2024-02-29", date(2024, 2, 29)),
        ("2000-02-29", date(2000, 2, 29)),
        ("1900-01-01", date(1900, 1, 1)),
    ],
)
def test_parse_date(cell, expected):
    assert parse_date(cell) == expected


BAD_DATES = [
    "15/08/1987",
    "08/15/1987",
    "15-08-1987",
    "2024/01/01",
    "20240101",
    "2024-1-1",
    "1987-8-17",
    "87-08-17",
    "2024-02-30",
    "2023-02-29",
    "1900-02-29",
    "2024-13-01",
    "2024-00-10",
    "2024-04-31",
    "2024-01-00",
    "2024-W01-1",
    "2024-001",
    "2024-01-01T00:00",
    "2024-01-01 00:00:00",
    "+024-01-01",
    "abcd-ef-gh",
    "١٩٨٧-٠٨-١٧",
    "17 Agustus 1987",
]


@pytest.mark.parametrize("cell", BAD_DATES)
def test_parse_date_rejects(cell):
    with pytest.raises(ValueProblem) as caught:
        parse_date(cell)
    assert caught.value.code == "DATE_INVALID"


@pytest.mark.parametrize("column", ["birth_date", "deceased_date"])
@pytest.mark.parametrize("cell", ["15/08/1987", "2024-02-30", "20240101"])
def test_bad_dates_reject_the_row(column, cell):
    result = validate("person", **{column: cell})
    assert found(result) == [("DATE_INVALID", column)]
    assert repr(cell) in result.findings[0].message
    assert result.values[column] is None
    assert not result.is_valid


def test_date_messages():
    assert validate("person", birth_date="15/08/1987").findings[0].message == (
        "'15/08/1987' is not a date in the form YYYY-MM-DD"
    )
    assert validate("person", birth_date="2024-02-30").findings[0].message == (
        "'2024-02-30' is not a real date"
    )


# --- enums --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("which", "column", "choice"), ENUM_CASES)
def test_every_enum_value_is_accepted_exactly(which, column, choice):
    result = validate(which, **{column: choice})
    assert result.findings == [], result.findings
    assert result.values[column] == choice


@pytest.mark.parametrize(("which", "column", "choice"), ENUM_CASES)
def test_enum_values_in_another_case_are_rejected(which, column, choice):
    cell = choice.swapcase()
    result = validate(which, **{column: cell})
    assert (("VALUE_NOT_ALLOWED", column)) in found(result)
    assert result.values[column] is None
    assert not result.is_valid


def test_value_not_allowed_message_lists_the_choices():
    result = validate("person", employment="Farmer")
    assert found(result) == [("VALUE_NOT_ALLOWED", "employment")]
    finding = result.findings[0]
    assert finding.params["value"] == "Farmer"
    assert finding.message == (
        "'Farmer' is not allowed in employment; expected one of: none, farmer, fisher, laborer, "
        "informal, private_employee, civil_servant, entrepreneur, retired, student, other"
    )


@pytest.mark.parametrize(
    ("column", "cell"),
    [
        ("sex", "M"),
        ("sex", "F"),
        ("sex", "l"),
        ("sex", "laki-laki"),
        ("relationship", "wife"),
        ("relationship", "in-law"),
        ("education", "Bachelor_plus"),
        ("inmate_status", "former inmate"),
        ("disability", "blind"),
    ],
)
def test_person_enum_rejects(column, cell):
    assert found(validate("person", **{column: cell})) == [("VALUE_NOT_ALLOWED", column)]


@pytest.mark.parametrize(
    ("column", "cell"),
    [("floor_type", "tanah"), ("lighting", "PLN_METER"), ("cooking_fuel", "lpg 3kg")],
)
def test_household_enum_rejects(column, cell):
    assert found(validate("household", **{column: cell})) == [("VALUE_NOT_ALLOWED", column)]


# --- asset sets ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("car", "car"),
        ("car;motorcycle", "motorcycle;car"),
        (" tv ; car ;; tv ", "car;tv"),
        ("boat;land;gold;car;car", "car;gold;land;boat"),
        (";".join(reversed(SPEC_CHOICES["assets"])), ";".join(SPEC_CHOICES["assets"])),
        ("livestock;", "livestock"),
    ],
)
def test_assets_are_normalised(cell, expected):
    result = validate("household", assets=cell)
    assert result.findings == []
    assert result.values["assets"] == expected


@pytest.mark.parametrize(
    ("cell", "reported"),
    [
        ("Car", "Car"),
        ("car;jet", "jet"),
        ("car;jet;bike", "bike;jet"),
        ("car,tv", "car,tv"),
        ("TV", "TV"),
        ("sepeda motor", "sepeda motor"),
    ],
)
def test_unknown_assets_are_rejected(cell, reported):
    result = validate("household", assets=cell)
    assert found(result) == [("VALUE_NOT_ALLOWED", "assets")]
    assert result.findings[0].params["value"] == reported
    assert result.values["assets"] is None
    assert not result.is_valid


# --- integers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"), [("0", 0), ("450", 450), ("1500000", 1_500_000), ("007", 7)]
)
def test_parse_integer(cell, expected):
    assert parse_integer(cell) == expected


INTEGER_COLUMNS = [
    ("household", "electricity_va"),
    ("household", "monthly_expenditure_idr"),
    ("person", "monthly_income_idr"),
]
BAD_INTEGERS = [
    "1.500.000",
    "1,500,000",
    "1 500 000",
    "1_500_000",
    "-5",
    "+5",
    "1e6",
    "12.0",
    "Rp 1500000",
    "²",
    "١٢",
    "１２",
    "abc",
]


@pytest.mark.parametrize(("which", "column"), INTEGER_COLUMNS)
@pytest.mark.parametrize("cell", BAD_INTEGERS)
def test_integers_are_digits_only(which, column, cell):
    result = validate(which, **{column: cell})
    assert found(result) == [("NUMBER_INVALID", column)]
    assert result.values[column] is None
    assert not result.is_valid


@pytest.mark.parametrize(("which", "column"), INTEGER_COLUMNS)
def test_integer_columns_accept_zero_and_large_values(which, column):
    assert validate(which, **{column: "0"}).values[column] == 0
    assert validate(which, **{column: "125000000"}).values[column] == 125_000_000


# --- positive numbers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("36", Decimal(36)), ("36.5", Decimal("36.5")), ("0.01", Decimal("0.01")), ("1e2", 100)],
)
def test_floor_area_accepts_positive_numbers(cell, expected):
    result = validate("household", floor_area_m2=cell)
    assert result.findings == []
    assert result.values["floor_area_m2"] == expected


@pytest.mark.parametrize("cell", ["0", "0.0", "-1", "-0.5", "-0"])
def test_floor_area_must_be_greater_than_zero(cell):
    result = validate("household", floor_area_m2=cell)
    assert found(result) == [("NUMBER_OUT_OF_RANGE", "floor_area_m2")]
    assert result.findings[0].message == f"{cell} must be greater than 0"


@pytest.mark.parametrize("cell", ["abc", "36,5", "1.500.000", "NaN", "Infinity", "-inf", "sNaN"])
def test_floor_area_rejects_non_numbers(cell):
    assert found(validate("household", floor_area_m2=cell)) == [("NUMBER_INVALID", "floor_area_m2")]


@pytest.mark.parametrize("cell", ["nan", "inf", "1,5", "0x10", "1e999999999999999999999"])
def test_parse_decimal_rejects(cell):
    with pytest.raises(ValueProblem) as caught:
        parse_decimal(cell)
    assert caught.value.code == "NUMBER_INVALID"


# --- coordinates --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lat", "lng"),
    [
        ("-6.1754", "106.8272"),  # Jakarta
        ("5.55", "95.32"),  # Banda Aceh
        ("-8.5", "140.4"),  # Merauke
        ("-11.5", "94.5"),  # the box's corners are inside
        ("6.5", "141.5"),
        ("0", "120"),
    ],
)
def test_coordinates_inside_indonesia(lat, lng):
    result = validate("household", latitude=lat, longitude=lng)
    assert result.findings == []
    assert result.values["latitude"] == Decimal(lat)
    assert result.values["longitude"] == Decimal(lng)


@pytest.mark.parametrize(
    ("lat", "lng"),
    [
        ("48.8566", "2.3522"),  # Paris
        ("6.1754", "-106.8272"),
        ("-11.6", "120"),
        ("6.6", "120"),
        ("0", "94.4"),
        ("0", "141.6"),
        ("90", "180"),
        ("-90", "-180"),
    ],
)
def test_coordinates_outside_indonesia_are_kept_with_a_warning(lat, lng):
    result = validate("household", latitude=lat, longitude=lng)
    assert found(result) == [("COORDINATES_OUTSIDE_INDONESIA", "latitude")]
    assert result.findings[0].severity is Severity.WARNING
    assert result.findings[0].message == f"coordinates {lat}, {lng} lie outside Indonesia"
    assert result.is_valid
    assert result.values["latitude"] == Decimal(lat)


@pytest.mark.parametrize(
    ("column", "cell"),
    [
        ("latitude", "90.0001"),
        ("latitude", "-90.5"),
        ("latitude", "106.8"),
        ("longitude", "180.5"),
        ("longitude", "-181"),
        ("longitude", "1e3"),
    ],
)
def test_coordinates_out_of_range(column, cell):
    other = "longitude" if column == "latitude" else "latitude"
    result = validate("household", **{column: cell, other: "1"})
    assert ("NUMBER_OUT_OF_RANGE", column) in found(result)
    assert not result.is_valid


@pytest.mark.parametrize("column", ["latitude", "longitude"])
@pytest.mark.parametrize("cell", ["-6,17", "6°10′S", "abc", "NaN"])
def test_coordinates_must_be_numbers(column, cell):
    other = "longitude" if column == "latitude" else "latitude"
    result = validate("household", **{column: cell, other: "1"})
    assert ("NUMBER_INVALID", column) in found(result)
    assert not result.is_valid


def test_latitude_without_longitude():
    result = validate("household", latitude="-6.17")
    assert found(result) == [("COORDINATES_INCOMPLETE", "longitude")]
    assert result.findings[0].message == "latitude and longitude must be given together"
    assert not result.is_valid


def test_longitude_without_latitude():
    result = validate("household", longitude="106.8")
    assert found(result) == [("COORDINATES_INCOMPLETE", "latitude")]
    assert not result.is_valid


# --- text length --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("which", "column", "limit"),
    [
        ("household", "household_id", 64),
        ("household", "address", 500),
        ("household", "rt", 10),
        ("household", "rw", 10),
        ("person", "person_id", 64),
        ("person", "household_id", 64),
        ("person", "full_name", 200),
        ("person", "birth_place", 100),
        ("person", "disaster_event", 200),
    ],
)
def test_text_too_long(which, column, limit):
    assert validate(which, **{column: "x" * limit}).findings == []
    result = validate(which, **{column: "é" * (limit + 1)})
    assert found(result) == [("TEXT_TOO_LONG", column)]
    assert result.findings[0].params == {"length": limit + 1, "limit": limit}
    assert result.findings[0].message == (
        f"text has {limit + 1} characters, at most {limit} allowed"
    )
    assert not result.is_valid


def test_length_is_counted_after_stripping():
    assert validate("household", rt="  0000000001  ").findings == []


# --- family card in a household -----------------------------------------------------------------


def test_valid_kk_number():
    result = validate("household", kk_number=encode_kk("317101", date(2010, 5, 4), 12))
    assert result.findings == []


@pytest.mark.parametrize(
    ("cell", "code"),
    [
        ("12345", "KK_LENGTH"),
        ("3171-0115-0887-0001", "KK_NOT_DIGITS"),
        ("0001011508870001", "KK_PROVINCE_UNKNOWN"),
        ("3199011508870001", "KK_REGION_UNKNOWN"),
        ("3171013201870001", "KK_DATE_INVALID"),
        ("3171011508870000", "KK_SERIAL_ZERO"),
    ],
)
def test_bad_kk_rejects_the_household_under_kk_number(cell, code):
    result = validate("household", kk_number=cell)
    assert found(result) == [(code, "kk_number")]
    assert not result.is_valid


def test_former_region_kk_is_a_warning():
    result = validate("household", kk_number="9101011508870001")
    assert found(result) == [("KK_REGION_FORMER", "kk_number")]
    assert result.findings[0].message == "KK carries the former regency code 9101, today 9301"
    assert result.is_valid


# --- persons: cross-field checks ----------------------------------------------------------------


def test_birth_date_today_is_fine_but_tomorrow_is_in_the_future():
    assert validate("person", birth_date="2025-06-15").findings == []
    result = validate("person", birth_date="2025-06-16")
    assert found(result) == [("DATE_IN_FUTURE", "birth_date")]
    assert result.findings[0].message == "2025-06-16 is a date still to come"
    assert not result.is_valid


def test_deceased_date_in_the_future():
    assert validate("person", deceased_date="2025-06-15").findings == []
    result = validate("person", deceased_date="2026-01-01")
    assert found(result) == [("DATE_IN_FUTURE", "deceased_date")]
    assert result.findings[0].message == "2026-01-01 is a date still to come"
    assert not result.is_valid


def test_a_date_before_1900_is_a_typing_slip():
    """0001-01-01 or 1087 for 1987 would make a member a thousand years old: an elder for
    every run."""
    assert validate("person", birth_date="1900-01-01").findings == []
    for slip in ("0001-01-01", "1087-08-17", "1899-12-31"):
        result = validate("person", birth_date=slip)
        assert found(result) == [("DATE_TOO_EARLY", "birth_date")]
        assert result.findings[0].message == f"{slip} is before 1900-01-01"


@pytest.mark.parametrize("cells", ["2147483648", "9" * 19, "1" * 5000])
def test_a_whole_number_larger_than_its_column_is_the_cells_error(cells):
    """Not a database error half way through a batch (electricity_va is an integer column,
    monthly_income_idr a bigint; a number of 5,000 digits is not even read)."""
    assert validate("household", electricity_va="2147483647").findings == []
    assert found(validate("household", electricity_va=cells)) == [
        ("NUMBER_OUT_OF_RANGE", "electricity_va")
    ]
    assert found(validate("person", monthly_income_idr=cells)) == [
        ("NUMBER_OUT_OF_RANGE", "monthly_income_idr")
    ]


def test_deceased_before_birth():
    assert validate("person", deceased_date="1987-08-17").findings == []
    result = validate("person", deceased_date="1987-08-16")
    assert found(result) == [("VALUE_INCONSISTENT", "deceased_date")]
    assert result.findings[0].message == (
        "deceased_date 1987-08-16 is before birth_date 1987-08-17"
    )
    assert not result.is_valid


def test_deceased_check_skipped_when_birth_date_is_invalid():
    result = validate("person", birth_date="17/08/1987", deceased_date="1900-01-01")
    assert found(result) == [("DATE_INVALID", "birth_date")]


def test_birth_and_death_in_the_future_both_reported():
    result = validate("person", birth_date="2030-01-01", deceased_date="2029-01-01")
    assert found(result) == [
        ("DATE_IN_FUTURE", "birth_date"),
        ("DATE_IN_FUTURE", "deceased_date"),
        ("VALUE_INCONSISTENT", "deceased_date"),
    ]


@pytest.mark.parametrize("cell", ["true", "YA", "1"])
def test_pregnant_male_is_inconsistent(cell):
    result = validate("person", sex="L", pregnant=cell)
    assert found(result) == [("VALUE_INCONSISTENT", "pregnant")]
    assert result.findings[0].message == "pregnant is true for a person of sex L"
    assert not result.is_valid


@pytest.mark.parametrize(
    ("sex", "pregnant"), [("L", "false"), ("L", "tidak"), ("L", ""), ("P", "true")]
)
def test_pregnancy_consistent(sex, pregnant):
    assert validate("person", sex=sex, pregnant=pregnant).findings == []


@pytest.mark.parametrize("severity", ["mild", "moderate", "severe"])
def test_severity_with_disability_none_is_inconsistent(severity):
    result = validate("person", disability="none", disability_severity=severity)
    assert found(result) == [("VALUE_INCONSISTENT", "disability_severity")]
    assert result.findings[0].message == (
        f"disability_severity is {severity} but disability is none"
    )
    assert not result.is_valid


@pytest.mark.parametrize(
    ("disability", "severity"),
    [("none", "none"), ("none", ""), ("", "severe"), ("physical", "severe"), ("multiple", "none")],
)
def test_severity_consistent(disability, severity):
    assert validate("person", disability=disability, disability_severity=severity).findings == []


# --- persons: NIK -------------------------------------------------------------------------------


def test_matching_nik_gives_no_findings():
    assert validate("person", nik="3171015708870001").findings == []


def test_nik_sex_mismatch_is_a_warning_only():
    result = validate("person", nik="3171011708870001")  # encodes a man; the row says P
    assert found(result) == [("NIK_SEX_MISMATCH", "nik")]
    assert result.findings[0].severity is Severity.WARNING
    assert result.is_valid
    assert result.values["nik"] == "3171011708870001"


def test_nik_birthdate_mismatch_is_a_warning_only():
    result = validate("person", nik="3171015708880001")
    assert found(result) == [("NIK_BIRTHDATE_MISMATCH", "nik")]
    assert result.findings[0].params == {"encoded": "1988-08-17", "stated": "1987-08-17"}
    assert result.is_valid


def test_nik_former_region_is_a_warning_only():
    result = validate("person", nik="9101015708870001")
    assert found(result) == [("NIK_REGION_FORMER", "nik")]
    assert result.is_valid


def test_all_nik_warnings_together_keep_the_row_valid():
    result = validate("person", nik="9101011708880001")
    assert found(result) == [
        ("NIK_REGION_FORMER", "nik"),
        ("NIK_SEX_MISMATCH", "nik"),
        ("NIK_BIRTHDATE_MISMATCH", "nik"),
    ]
    assert result.is_valid


@pytest.mark.parametrize(
    ("cell", "code"),
    [
        ("317101570887001", "NIK_LENGTH"),
        ("3171O15708870001", "NIK_NOT_DIGITS"),
        ("0001015708870001", "NIK_PROVINCE_UNKNOWN"),
        ("3199015708870001", "NIK_REGION_UNKNOWN"),
        ("3171017208870001", "NIK_BIRTHDATE_INVALID"),
        ("3171015708870000", "NIK_SERIAL_ZERO"),
    ],
)
def test_nik_errors_reject_the_row(cell, code):
    result = validate("person", nik=cell)
    assert found(result) == [(code, "nik")]
    assert not result.is_valid


def test_nik_century_comes_from_the_stated_birth_date():
    # A woman born 10 January 1925: 100125 alone would read as 2025-01-10.
    nik = encode_nik("317101", date(1925, 1, 10), "P", 3)
    assert validate("person", nik=nik, birth_date="1925-01-10").findings == []


def test_nik_with_an_invalid_stated_sex_or_date_is_still_checked():
    result = validate("person", nik="3171011708870001", sex="X", birth_date="17-08-1987")
    assert found(result) == [("VALUE_NOT_ALLOWED", "sex"), ("DATE_INVALID", "birth_date")]
    result = validate("person", nik="3171011708870000", sex="X")
    assert ("NIK_SERIAL_ZERO", "nik") in found(result)


# --- headers ------------------------------------------------------------------------------------


def test_unknown_columns_keep_the_header_order():
    header = ["nik", "Full_Name", "person_id", "remarks", "full_name", "agama"]
    assert unknown_columns(header, PERSON_COLUMNS) == ["Full_Name", "remarks", "agama"]
    assert unknown_columns(SPEC_HOUSEHOLD_COLUMNS, HOUSEHOLD_COLUMNS) == []
    # A person column is unknown in households.csv.
    assert unknown_columns(["household_id", "full_name"], HOUSEHOLD_COLUMNS) == ["full_name"]


def test_missing_required_columns():
    assert missing_required_columns([], PERSON_COLUMNS) == PERSON_REQUIRED
    assert missing_required_columns(SPEC_PERSON_COLUMNS, PERSON_COLUMNS) == []
    assert missing_required_columns(["person_id", "nik", "full_name", "sex"], PERSON_COLUMNS) == [
        "household_id",
        "birth_date",
        "relationship",
    ]
    assert missing_required_columns(["region_code"], HOUSEHOLD_COLUMNS) == ["household_id"]
    # Required columns in a different order or with unknown extras are fine.
    assert missing_required_columns(["x", "region_code", "household_id"], HOUSEHOLD_COLUMNS) == []


# --- properties ---------------------------------------------------------------------------------

CELL = st.one_of(
    st.none(),
    st.text(max_size=12),
    st.sampled_from(
        ["true", "TIDAK", "0", "1987-08-17", "2030-01-01", "-6.2", "106.8", "L", "P", "none"]
    ),
)


def _check_result(result: RowResult, names: list[str]) -> None:
    assert list(result.values) == names
    assert result.is_valid == (not any(f.severity is Severity.ERROR for f in result.findings))
    for finding in result.findings:
        assert finding.message
        assert finding.column in names, finding


@settings(max_examples=150, deadline=None)
@given(row=st.fixed_dictionaries(dict.fromkeys(SPEC_PERSON_COLUMNS, CELL)))
def test_person_validation_never_raises(row):
    _check_result(PERSONS.validate(row), SPEC_PERSON_COLUMNS)


@settings(max_examples=150, deadline=None)
@given(
    row=st.fixed_dictionaries(dict.fromkeys(SPEC_HOUSEHOLD_COLUMNS, CELL)),
    kk=st.none() | st.text(alphabet="0123456789", min_size=16, max_size=16),
)
def test_household_validation_never_raises(row, kk):
    if kk is not None:
        row["kk_number"] = kk
    _check_result(HOUSEHOLDS.validate(row), SPEC_HOUSEHOLD_COLUMNS)


@given(
    st.one_of(
        st.booleans(),
        st.dates(min_value=EARLIEST_DATE),
        st.integers(min_value=0, max_value=10**12),
        st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False),
    )
)
def test_a_value_written_as_the_format_writes_it_reads_back(value):
    text = as_text(value)
    assert text is not None
    assert text == text.strip()
    if isinstance(value, bool):
        assert parse_bool(text) is value
    elif isinstance(value, date):
        assert parse_date(text) == value
    else:
        assert Decimal(text) == value


def test_an_empty_value_stays_empty():
    assert as_text(None) is None
