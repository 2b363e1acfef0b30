"""NIK and KK numbers: parsing, validation findings, century resolution and encoding."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sejahtera.domain.findings import Severity
from sejahtera.domain.identifiers import (
    FEMALE_DAY_OFFSET,
    NUMBER_LENGTH,
    IdentifierKind,
    ParsedIdentifier,
    Sex,
    encode_kk,
    encode_nik,
    parse_kk,
    parse_nik,
    resolve_century,
)
from sejahtera.domain.regions import Region, RegionCatalog, RegionLevel, default_catalog

TODAY = date(2025, 6, 15)
CATALOG = default_catalog()
DISTRICTS = sorted(r.code for r in CATALOG.regions(RegionLevel.DISTRICT))
FORMER_REGENCIES = {
    "6404": "6501",
    "6473": "6571",
    "9101": "9301",
    "9102": "9501",
    "9201": "9601",
    "9271": "9671",
}
ALL_FORMER = sorted(
    code
    for code in (f"{p}{r:02d}" for p in ("64", "91", "92") for r in range(100))
    if CATALOG.is_former_regency(code)
)


def nik(ddmmyy: str, *, region: str = "317101", serial: str = "0001") -> str:
    return f"{region}{ddmmyy}{serial}"


def codes(parsed: ParsedIdentifier) -> list[str]:
    return [f.code for f in parsed.findings]


# --- a valid NIK and its parts ------------------------------------------------------------------


def test_valid_male_nik_parts():
    parsed = parse_nik("3171011708870042", today=TODAY)
    assert parsed.kind is IdentifierKind.NIK
    assert parsed.value == "3171011708870042"
    assert parsed.province_code == "31"
    assert parsed.regency_code == "3171"
    assert parsed.district_code == "317101"
    assert parsed.current_regency_code == "3171"
    assert parsed.date == date(1987, 8, 17)
    assert parsed.sex is Sex.MALE
    assert parsed.serial == "0042"
    assert parsed.findings == ()
    assert parsed.errors == []
    assert parsed.warnings == []
    assert parsed.is_valid


def test_valid_female_nik_has_forty_added_to_the_day():
    parsed = parse_nik("3171015708870001", today=TODAY)
    assert parsed.sex is Sex.FEMALE
    assert parsed.date == date(1987, 8, 17)
    assert parsed.is_valid


@pytest.mark.parametrize(
    ("dd", "sex", "day"),
    [
        ("01", Sex.MALE, 1),
        ("31", Sex.MALE, 31),
        ("41", Sex.FEMALE, 1),
        ("71", Sex.FEMALE, 31),
    ],
)
def test_day_boundaries_for_each_sex(dd, sex, day):
    parsed = parse_nik(nik(f"{dd}0190"), today=TODAY)
    assert parsed.is_valid, parsed.findings
    assert parsed.sex is sex
    assert parsed.date == date(1990, 1, day)


def test_nik_as_dict_shape():
    assert parse_nik("3171015708870001", today=TODAY).as_dict() == {
        "kind": "NIK",
        "value": "3171015708870001",
        "valid": True,
        "province_code": "31",
        "regency_code": "3171",
        "current_regency_code": "3171",
        "district_code": "317101",
        "birth_date": "1987-08-17",
        "serial": "0001",
        "errors": [],
        "warnings": [],
        "sex": "P",
    }


def test_nik_as_dict_with_errors_and_warnings():
    parsed = parse_nik("9101013208870000", sex="P", today=TODAY)
    result = parsed.as_dict()
    assert result["valid"] is False
    assert result["birth_date"] is None
    assert result["sex"] == "L"
    assert result["current_regency_code"] == "9301"
    assert [e["code"] for e in result["errors"]] == ["NIK_BIRTHDATE_INVALID", "NIK_SERIAL_ZERO"]
    assert [w["code"] for w in result["warnings"]] == ["NIK_REGION_FORMER", "NIK_SEX_MISMATCH"]
    assert all(e["severity"] == "error" and e["column"] == "nik" for e in result["errors"])
    assert all(w["severity"] == "warning" for w in result["warnings"])


def test_as_dict_of_an_unparsable_nik():
    assert parse_nik("12ab", today=TODAY).as_dict() == {
        "kind": "NIK",
        "value": "12ab",
        "valid": False,
        "province_code": None,
        "regency_code": None,
        "current_regency_code": None,
        "district_code": None,
        "birth_date": None,
        "serial": None,
        "errors": [
            {
                "code": "NIK_NOT_DIGITS",
                "severity": "error",
                "column": "nik",
                "message": "NIK must contain digits only, got '12ab'",
            }
        ],
        "warnings": [],
        "sex": None,
    }


def test_surrounding_whitespace_is_stripped():
    parsed = parse_nik("  3171015708870001\n", today=TODAY)
    assert parsed.is_valid
    assert parsed.value == "3171015708870001"


# --- NIK errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "",
        "   ",
        "31710157088700a1",
        "3171-0157-0887-0001",
        "3171 0157 0887 0001",
        "+317101570887001",
        "-317101570887001",
        "3171015708870001.0",
        "３１７１０１５７０８８７０００１",  # full-width digits
        "٣١٧١٠١٥٧٠٨٨٧٠٠٠١",  # Arabic-Indic digits
        "²171015708870001",  # a superscript passes str.isdigit()
    ],
)
def test_nik_not_digits(value):
    parsed = parse_nik(value, today=TODAY)
    assert codes(parsed) == ["NIK_NOT_DIGITS"]
    finding = parsed.findings[0]
    assert finding.severity is Severity.ERROR
    assert finding.column == "nik"
    assert repr(value.strip()) in finding.message
    assert not parsed.is_valid
    assert parsed.province_code is None
    assert parsed.date is None
    assert parsed.sex is None
    assert parsed.serial is None


@pytest.mark.parametrize("value", ["3", "317101570887001", "31710157088700011", "0" * 32])
def test_nik_length(value):
    parsed = parse_nik(value, today=TODAY)
    assert codes(parsed) == ["NIK_LENGTH"]
    assert parsed.findings[0].params["length"] == len(value)
    assert parsed.findings[0].message == f"NIK must have 16 digits, this one has {len(value)}"
    assert parsed.findings[0].column == "nik"
    assert parsed.district_code is None


@pytest.mark.parametrize("province", ["00", "10", "20", "30", "37", "41", "90", "97", "99"])
def test_nik_province_unknown(province):
    parsed = parse_nik(nik("170887", region=f"{province}0101"), today=TODAY)
    assert codes(parsed) == ["NIK_PROVINCE_UNKNOWN"]
    assert parsed.findings[0].params["code"] == province
    assert parsed.findings[0].message == f"NIK province code {province} does not exist"
    # The other parts are still read.
    assert parsed.province_code == province
    assert parsed.current_regency_code is None
    assert parsed.date == date(1987, 8, 17)
    assert parsed.sex is Sex.MALE
    assert not parsed.is_valid


@pytest.mark.parametrize("regency", ["3100", "3170", "3176", "3199", "1199", "9129", "6499"])
def test_nik_region_unknown(regency):
    parsed = parse_nik(nik("170887", region=f"{regency}01"), today=TODAY)
    assert codes(parsed) == ["NIK_REGION_UNKNOWN"]
    assert parsed.findings[0].params["code"] == regency
    assert parsed.current_regency_code is None
    assert parsed.regency_code == regency
    assert not parsed.is_valid


@pytest.mark.parametrize(
    "ddmmyy",
    [
        "000187",  # day 0
        "320187",  # day 32
        "400187",  # day 40: male, not a day
        "720187",  # 72 - 40 = day 32
        "990187",
        "010087",  # month 0
        "011387",  # month 13
        "310487",  # 31 April
        "710487",  # 31 April, female
        "300287",  # 30 February
        "290287",  # 1987 and 1887 are not leap years
        "290225",  # 2025 and 1925 are not leap years
        "690225",  # the same for a woman
    ],
)
def test_nik_birthdate_invalid(ddmmyy):
    parsed = parse_nik(nik(ddmmyy), today=TODAY)
    assert codes(parsed) == ["NIK_BIRTHDATE_INVALID"]
    assert parsed.findings[0].params["digits"] == ddmmyy
    assert parsed.findings[0].message == f"NIK date part {ddmmyy} is not a real date"
    assert parsed.date is None
    assert not parsed.is_valid


def test_nik_serial_zero():
    parsed = parse_nik(nik("170887", serial="0000"), today=TODAY)
    assert codes(parsed) == ["NIK_SERIAL_ZERO"]
    assert parsed.serial == "0000"
    assert parsed.date == date(1987, 8, 17)
    assert not parsed.is_valid


@pytest.mark.parametrize("serial", ["0001", "0010", "1000", "9999"])
def test_nik_serials_from_one_are_valid(serial):
    parsed = parse_nik(nik("170887", serial=serial), today=TODAY)
    assert parsed.is_valid
    assert parsed.serial == serial


def test_several_errors_are_all_reported():
    parsed = parse_nik("0099000000000000", today=TODAY)
    assert codes(parsed) == ["NIK_PROVINCE_UNKNOWN", "NIK_BIRTHDATE_INVALID", "NIK_SERIAL_ZERO"]
    assert len(parsed.errors) == 3


@pytest.mark.parametrize("district", ["317100", "317199", "317150", "110199"])
def test_district_digits_are_not_checked(district):
    assert district not in CATALOG
    parsed = parse_nik(nik("170887", region=district), today=TODAY)
    assert parsed.is_valid
    assert parsed.findings == ()
    assert parsed.district_code == district


# --- NIK warnings -------------------------------------------------------------------------------


@pytest.mark.parametrize("stated", ["L", Sex.MALE])
def test_nik_sex_mismatch_stated_male_for_female_nik(stated):
    parsed = parse_nik("3171015708870001", sex=stated, today=TODAY)
    assert codes(parsed) == ["NIK_SEX_MISMATCH"]
    finding = parsed.findings[0]
    assert finding.severity is Severity.WARNING
    assert finding.column == "nik"
    assert finding.params == {"encoded": "P", "stated": "L"}
    assert finding.message == "NIK encodes sex P but the stated sex is L"
    assert parsed.is_valid
    assert parsed.sex is Sex.FEMALE


def test_nik_sex_mismatch_stated_female_for_male_nik():
    parsed = parse_nik("3171011708870001", sex="P", today=TODAY)
    assert codes(parsed) == ["NIK_SEX_MISMATCH"]
    assert parsed.findings[0].params == {"encoded": "L", "stated": "P"}
    assert parsed.is_valid


@pytest.mark.parametrize(("value", "sex"), [("3171011708870001", "L"), ("3171015708870001", "P")])
def test_matching_sex_gives_no_warning(value, sex):
    assert parse_nik(value, sex=sex, today=TODAY).findings == ()


def test_empty_stated_sex_is_not_compared():
    assert parse_nik("3171015708870001", sex="", today=TODAY).findings == ()
    assert parse_nik("3171015708870001", sex=None, today=TODAY).findings == ()


def test_nik_birthdate_mismatch():
    parsed = parse_nik("3171011708870001", birth_date=date(1987, 8, 18), today=TODAY)
    assert codes(parsed) == ["NIK_BIRTHDATE_MISMATCH"]
    finding = parsed.findings[0]
    assert finding.severity is Severity.WARNING
    assert finding.column == "nik"
    assert finding.params == {"encoded": "1987-08-17", "stated": "1987-08-18"}
    assert finding.message == "NIK encodes birth date 1987-08-17 but the stated date is 1987-08-18"
    assert parsed.date == date(1987, 8, 17)
    assert parsed.is_valid


def test_matching_birth_date_gives_no_warning():
    parsed = parse_nik("3171011708870001", birth_date=date(1987, 8, 17), sex="L", today=TODAY)
    assert parsed.findings == ()


def test_both_mismatches_are_reported():
    parsed = parse_nik("3171011708870001", sex="P", birth_date=date(1988, 8, 17), today=TODAY)
    assert codes(parsed) == ["NIK_SEX_MISMATCH", "NIK_BIRTHDATE_MISMATCH"]
    assert parsed.is_valid


def test_no_birthdate_mismatch_when_the_nik_date_is_invalid():
    parsed = parse_nik(nik("320187"), birth_date=date(1987, 1, 1), today=TODAY)
    assert codes(parsed) == ["NIK_BIRTHDATE_INVALID"]


@pytest.mark.parametrize(("former", "current"), sorted(FORMER_REGENCIES.items()))
def test_nik_region_former(former, current):
    parsed = parse_nik(nik("170887", region=f"{former}01"), today=TODAY)
    assert codes(parsed) == ["NIK_REGION_FORMER"]
    finding = parsed.findings[0]
    assert finding.severity is Severity.WARNING
    assert finding.column == "nik"
    assert finding.params == {"kind": "NIK", "code": former, "current": current}
    assert finding.message == f"NIK carries the former regency code {former}, today {current}"
    assert parsed.is_valid
    assert parsed.province_code == former[:2]
    assert parsed.regency_code == former
    assert parsed.current_regency_code == current
    assert parsed.district_code == f"{former}01"


def test_every_former_code_in_the_list_is_accepted_with_a_warning():
    assert len(ALL_FORMER) == 31
    for former in ALL_FORMER:
        parsed = parse_nik(nik("170887", region=f"{former}05"), today=TODAY)
        assert codes(parsed) == ["NIK_REGION_FORMER"], former
        assert parsed.current_regency_code == CATALOG.current_regency(former)


@pytest.mark.parametrize("current", ["9301", "9501", "6501", "9601"])
def test_new_codes_after_a_split_give_no_warning(current):
    parsed = parse_nik(nik("170887", region=f"{current}01"), today=TODAY)
    assert parsed.findings == ()
    assert parsed.current_regency_code == current


# --- century resolution -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ddmmyy", "expected"),
    [
        ("170887", date(1987, 8, 17)),
        ("010100", date(2000, 1, 1)),
        ("311299", date(1999, 12, 31)),
        ("010125", date(2025, 1, 1)),  # this year, in the past
        ("150625", date(2025, 6, 15)),  # today itself is in the past
        ("160625", date(1925, 6, 16)),  # tomorrow in 2025 → 1925
        ("311225", date(1925, 12, 31)),
        ("010126", date(1926, 1, 1)),  # YY greater than today's two-digit year → 19YY
        ("010130", date(1930, 1, 1)),
        ("290200", date(2000, 2, 29)),  # 2000 is a leap year
        ("690200", date(2000, 2, 29)),  # the same for a woman
        ("290224", date(2024, 2, 29)),
        ("290228", date(1928, 2, 29)),  # 2028 is in the future, 1928 a leap year
        ("290204", date(2004, 2, 29)),
    ],
)
def test_century_without_stated_date_is_the_most_recent_past(ddmmyy, expected):
    parsed = parse_nik(nik(ddmmyy), today=TODAY)
    assert parsed.is_valid, parsed.findings
    assert parsed.date == expected


def test_feb_29_of_year_00_is_invalid_before_2000():
    # 2000-02-29 is still in the future and 1900 was not a leap year.
    parsed = parse_nik(nik("290200"), today=date(1999, 6, 1))
    assert codes(parsed) == ["NIK_BIRTHDATE_INVALID"]
    assert parse_nik(nik("290200"), today=date(2000, 2, 29)).date == date(2000, 2, 29)
    assert parse_nik(nik("280200"), today=date(1999, 6, 1)).date == date(1900, 2, 28)


def test_century_depends_on_today():
    assert parse_nik(nik("010150"), today=date(2049, 12, 31)).date == date(1950, 1, 1)
    assert parse_nik(nik("010150"), today=date(2050, 1, 1)).date == date(2050, 1, 1)
    assert parse_nik(nik("010199"), today=date(2099, 1, 1)).date == date(2099, 1, 1)
    assert parse_nik(nik("010199"), today=date(2098, 12, 31)).date == date(1999, 1, 1)


@pytest.mark.parametrize(
    ("ddmmyy", "stated", "expected"),
    [
        # A 99-year-old: without the stated date this would be 2025.
        ("100125", date(1925, 1, 10), date(1925, 1, 10)),
        ("160625", date(1925, 6, 16), date(1925, 6, 16)),
        ("010130", date(1930, 1, 1), date(1930, 1, 1)),
        ("170887", date(1887, 8, 17), date(1887, 8, 17)),
        ("290200", date(2000, 2, 29), date(2000, 2, 29)),
    ],
)
def test_stated_birth_date_gives_the_century(ddmmyy, stated, expected):
    parsed = parse_nik(nik(ddmmyy), birth_date=stated, today=TODAY)
    assert parsed.date == expected
    assert parsed.findings == ()


def test_with_a_stated_date_the_nearest_real_date_is_read():
    # The NIK says 01-01-(19)30 or (20)30; 2030 is in the future, so 1930 is read and reported
    # as a mismatch against the stated 2001.
    parsed = parse_nik(nik("010130"), birth_date=date(2001, 1, 1), today=TODAY)
    assert parsed.date == date(1930, 1, 1)
    assert codes(parsed) == ["NIK_BIRTHDATE_MISMATCH"]
    assert parsed.findings[0].params == {"encoded": "1930-01-01", "stated": "2001-01-01"}
    # 2005 is nearer to the stated 1999 than 1905.
    parsed = parse_nik(nik("010105"), birth_date=date(1999, 1, 1), today=TODAY)
    assert parsed.date == date(2005, 1, 1)
    # Across a century boundary the nearest wins: 2000-01-01, not 1900-01-01.
    parsed = parse_nik(nik("010100"), birth_date=date(1999, 12, 31), today=TODAY)
    assert parsed.findings[0].params == {"encoded": "2000-01-01", "stated": "1999-12-31"}


def test_resolve_century_with_near():
    assert resolve_century(1, 1, 30, near=date(2001, 1, 1), today=TODAY) == date(1930, 1, 1)
    assert resolve_century(1, 1, 30, near=date(1999, 1, 1), today=TODAY) == date(1930, 1, 1)
    assert resolve_century(1, 1, 30, near=date(1850, 1, 1), today=TODAY) == date(1830, 1, 1)
    # 1900-02-29 does not exist, nor 1800-02-29: 2000-02-29 is the only real date.
    assert resolve_century(29, 2, 0, near=date(1999, 1, 1), today=TODAY) == date(2000, 2, 29)
    assert resolve_century(29, 2, 25, near=date(1999, 1, 1), today=TODAY) is None


def test_resolve_century_without_near():
    assert resolve_century(29, 2, 0, near=None, today=TODAY) == date(2000, 2, 29)
    assert resolve_century(29, 2, 28, near=None, today=TODAY) == date(1928, 2, 29)
    assert resolve_century(29, 2, 29, near=None, today=TODAY) is None
    assert resolve_century(31, 4, 10, near=None, today=TODAY) is None
    assert resolve_century(0, 1, 10, near=None, today=TODAY) is None
    assert resolve_century(15, 6, 25, near=None, today=TODAY) == TODAY
    assert resolve_century(16, 6, 25, near=None, today=TODAY) == date(1925, 6, 16)


def test_default_today_is_the_real_date():
    assert parse_nik("3171011708870001").date == date(1987, 8, 17)
    assert parse_kk("3171011708870001").date == date(1987, 8, 17)
    yy = date.today().year % 100
    next_year = f"{(yy + 1) % 100:02d}"
    assert parse_nik(nik(f"0101{next_year}")).date.year < date.today().year


def test_explicit_catalog_is_used():
    tiny = RegionCatalog(
        {
            "11": Region("11", "P", RegionLevel.PROVINCE),
            "1101": Region("1101", "R", RegionLevel.REGENCY),
        },
        {"1190": "1101"},
    )
    assert parse_nik("1101011708870001", today=TODAY, catalog=tiny).is_valid
    assert codes(parse_nik("3171011708870001", today=TODAY, catalog=tiny)) == [
        "NIK_PROVINCE_UNKNOWN"
    ]
    assert codes(parse_nik("1190011708870001", today=TODAY, catalog=tiny)) == ["NIK_REGION_FORMER"]
    assert codes(parse_kk("1102011708870001", today=TODAY, catalog=tiny)) == ["KK_REGION_UNKNOWN"]


# --- KK -----------------------------------------------------------------------------------------


def test_valid_kk_parts_and_as_dict():
    parsed = parse_kk("3171011508870042", today=TODAY)
    assert parsed.kind is IdentifierKind.KK
    assert parsed.is_valid
    assert parsed.findings == ()
    assert parsed.sex is None
    assert parsed.as_dict() == {
        "kind": "KK",
        "value": "3171011508870042",
        "valid": True,
        "province_code": "31",
        "regency_code": "3171",
        "current_regency_code": "3171",
        "district_code": "317101",
        "issue_date": "1987-08-15",
        "serial": "0042",
        "errors": [],
        "warnings": [],
    }


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", "KK_NOT_DIGITS"),
        ("3171O11508870001", "KK_NOT_DIGITS"),
        ("3171.01.150887.0001", "KK_NOT_DIGITS"),
        ("３１７１０１１５０８８７０００１", "KK_NOT_DIGITS"),
        ("317101150887001", "KK_LENGTH"),
        ("31710115088700011", "KK_LENGTH"),
        ("0001011508870001", "KK_PROVINCE_UNKNOWN"),
        ("9901011508870001", "KK_PROVINCE_UNKNOWN"),
        ("3199011508870001", "KK_REGION_UNKNOWN"),
        ("3171010001870001", "KK_DATE_INVALID"),  # day 0
        ("3171013201870001", "KK_DATE_INVALID"),  # day 32
        ("3171014101870001", "KK_DATE_INVALID"),  # no +40 in a KK
        ("3171015508870001", "KK_DATE_INVALID"),
        ("3171010113870001", "KK_DATE_INVALID"),  # month 13
        ("3171013104870001", "KK_DATE_INVALID"),  # 31 April
        ("3171012902250001", "KK_DATE_INVALID"),  # 2025/1925 not leap
        ("3171011508870000", "KK_SERIAL_ZERO"),
    ],
)
def test_kk_errors(value, code):
    parsed = parse_kk(value, today=TODAY)
    assert codes(parsed) == [code]
    assert parsed.findings[0].severity is Severity.ERROR
    assert parsed.findings[0].column == "kk"
    assert parsed.findings[0].message.startswith("KK ")
    assert not parsed.is_valid


def test_kk_date_invalid_message():
    parsed = parse_kk("3171013201870001", today=TODAY)
    assert parsed.findings[0].message == "KK date part 320187 is not a real date"
    assert parsed.date is None


def test_kk_region_former():
    parsed = parse_kk("9101011508870001", today=TODAY)
    assert codes(parsed) == ["KK_REGION_FORMER"]
    finding = parsed.findings[0]
    assert finding.severity is Severity.WARNING
    assert finding.params == {"kind": "KK", "code": "9101", "current": "9301"}
    assert finding.message == "KK carries the former regency code 9101, today 9301"
    assert parsed.current_regency_code == "9301"
    assert parsed.is_valid


def test_kk_date_century_is_the_most_recent_past():
    assert parse_kk("3171010101000001", today=TODAY).date == date(2000, 1, 1)
    assert parse_kk("3171011506250001", today=TODAY).date == date(2025, 6, 15)
    assert parse_kk("3171011606250001", today=TODAY).date == date(1925, 6, 16)
    assert parse_kk("3171012902000001", today=TODAY).date == date(2000, 2, 29)


def test_kk_district_digits_are_not_checked():
    assert parse_kk("3171991508870001", today=TODAY).is_valid


# --- encoding -----------------------------------------------------------------------------------


def test_encode_nik():
    assert encode_nik("317101", date(1987, 8, 17), Sex.FEMALE, 1) == "3171015708870001"
    assert encode_nik("317101", date(1987, 8, 17), "L", 1) == "3171011708870001"
    assert encode_nik("317101", date(2000, 2, 29), "P", 9999) == "3171016902009999"
    assert encode_nik("110101", date(2005, 1, 3), "L", 42) == "1101010301050042"


def test_encode_kk():
    assert encode_kk("317101", date(1987, 8, 15), 1) == "3171011508870001"
    assert encode_kk("317101", date(2003, 12, 31), 9999) == "3171013112039999"


@pytest.mark.parametrize("district", ["31710", "3171011", "31710a", ""])
def test_encode_rejects_bad_district(district):
    with pytest.raises(ValueError, match="district code"):
        encode_nik(district, date(1987, 8, 17), "L", 1)
    with pytest.raises(ValueError, match="district code"):
        encode_kk(district, date(1987, 8, 17), 1)


@pytest.mark.parametrize("serial", [0, -1, 10000])
def test_encode_rejects_bad_serial(serial):
    with pytest.raises(ValueError, match="serial"):
        encode_nik("317101", date(1987, 8, 17), "L", serial)
    with pytest.raises(ValueError, match="serial"):
        encode_kk("317101", date(1987, 8, 17), serial)


def test_constants():
    assert NUMBER_LENGTH == 16
    assert FEMALE_DAY_OFFSET == 40
    assert Sex("L") is Sex.MALE
    assert Sex("P") is Sex.FEMALE


# --- properties ---------------------------------------------------------------------------------

OTHER_TODAYS = [
    TODAY,
    date(2024, 2, 29),
    date(2000, 2, 29),
    date(2000, 1, 1),
    date(1999, 12, 31),
    date(2025, 12, 31),
    date(2099, 3, 1),
]


def _hundred_years_before(today: date) -> date:
    """The latest date that is no longer within the last 100 years (an exclusive bound)."""
    try:
        return today.replace(year=today.year - 100)
    except ValueError:  # 29 February in a year whose year-100 is not a leap year
        return date(today.year - 100, 2, 28)


@st.composite
def today_and_recent_date(draw):
    today = draw(st.sampled_from(OTHER_TODAYS))
    earliest = _hundred_years_before(today) + timedelta(days=1)
    return today, draw(st.dates(min_value=earliest, max_value=today))


@settings(max_examples=300, deadline=None)
@given(
    district=st.sampled_from(DISTRICTS),
    when=st.dates(min_value=date(1925, 6, 16), max_value=TODAY),
    sex=st.sampled_from(Sex),
    serial=st.integers(1, 9999),
)
def test_nik_round_trip(district, when, sex, serial):
    value = encode_nik(district, when, sex, serial)
    assert len(value) == 16
    parsed = parse_nik(value, today=TODAY)
    assert parsed.findings == ()
    assert parsed.date == when
    assert parsed.sex is sex
    assert parsed.serial == f"{serial:04d}"
    assert parsed.district_code == district
    assert parsed.regency_code == district[:4]
    assert parsed.current_regency_code == district[:4]
    assert parsed.province_code == district[:2]
    # Stating what the NIK encodes never gives a warning.
    assert parse_nik(value, sex=sex, birth_date=when, today=TODAY).findings == ()


@settings(max_examples=200, deadline=None)
@given(
    pair=today_and_recent_date(),
    sex=st.sampled_from(Sex),
    serial=st.integers(1, 9999),
)
def test_nik_round_trip_for_other_todays(pair, sex, serial):
    today, when = pair
    parsed = parse_nik(encode_nik("317101", when, sex, serial), today=today)
    assert parsed.findings == ()
    assert parsed.date == when


@settings(max_examples=200, deadline=None)
@given(
    when=st.dates(min_value=date(100, 1, 1), max_value=date(9899, 12, 31)),
    sex=st.sampled_from(Sex),
)
def test_nik_round_trip_with_stated_date_in_any_century(when, sex):
    parsed = parse_nik(encode_nik("317101", when, sex, 7), sex=sex, birth_date=when, today=TODAY)
    assert parsed.findings == ()
    assert parsed.date == when


@settings(max_examples=300, deadline=None)
@given(
    district=st.sampled_from(DISTRICTS),
    when=st.dates(min_value=date(1925, 6, 16), max_value=TODAY),
    serial=st.integers(1, 9999),
)
def test_kk_round_trip(district, when, serial):
    value = encode_kk(district, when, serial)
    parsed = parse_kk(value, today=TODAY)
    assert parsed.findings == ()
    assert parsed.date == when
    assert parsed.sex is None
    assert parsed.serial == f"{serial:04d}"
    assert parsed.district_code == district
    assert parsed.current_regency_code == district[:4]


@settings(max_examples=100, deadline=None)
@given(
    former=st.sampled_from(ALL_FORMER),
    district=st.integers(0, 99),
    when=st.dates(min_value=date(1925, 6, 16), max_value=TODAY),
    sex=st.sampled_from(Sex),
    serial=st.integers(1, 9999),
)
def test_former_region_round_trip(former, district, when, sex, serial):
    code = f"{former}{district:02d}"
    parsed = parse_nik(encode_nik(code, when, sex, serial), today=TODAY)
    assert codes(parsed) == ["NIK_REGION_FORMER"]
    assert parsed.is_valid
    assert parsed.date == when
    assert parsed.sex is sex
    assert parsed.current_regency_code == CATALOG.current_regency(former)
    kk = parse_kk(encode_kk(code, when, serial), today=TODAY)
    assert codes(kk) == ["KK_REGION_FORMER"]
    assert kk.date == when


def _is_sixteen_ascii_digits(text: str) -> bool:
    stripped = text.strip()
    return stripped.isascii() and stripped.isdigit() and len(stripped) == 16


@settings(max_examples=300, deadline=None)
@given(text=st.text())
def test_parse_never_raises_on_arbitrary_text(text):
    for parse, prefix in ((parse_nik, "NIK"), (parse_kk, "KK")):
        parsed = parse(text, today=TODAY)
        assert isinstance(parsed, ParsedIdentifier)
        assert parsed.value == text.strip()
        for finding in parsed.findings:
            assert finding.message  # every template formats with its params
            assert finding.code.startswith(f"{prefix}_")
        parsed.as_dict()
        if not _is_sixteen_ascii_digits(text):
            assert not parsed.is_valid
            assert len(parsed.errors) == 1
            assert parsed.errors[0].code in {f"{prefix}_NOT_DIGITS", f"{prefix}_LENGTH"}


NIK_CODES = {
    "NIK_PROVINCE_UNKNOWN",
    "NIK_REGION_UNKNOWN",
    "NIK_REGION_FORMER",
    "NIK_BIRTHDATE_INVALID",
    "NIK_SERIAL_ZERO",
    "NIK_SEX_MISMATCH",
    "NIK_BIRTHDATE_MISMATCH",
}


@settings(max_examples=300, deadline=None)
@given(
    digits=st.text(alphabet="0123456789", min_size=16, max_size=16),
    stated_sex=st.sampled_from([None, "L", "P"]),
    stated_date=st.none() | st.dates(),
)
def test_any_sixteen_digits_parse_consistently(digits, stated_sex, stated_date):
    parsed = parse_nik(digits, sex=stated_sex, birth_date=stated_date, today=TODAY)
    assert {f.code for f in parsed.findings} <= NIK_CODES
    assert parsed.province_code == digits[:2]
    assert parsed.regency_code == digits[:4]
    assert parsed.district_code == digits[:6]
    assert parsed.serial == digits[12:]
    assert parsed.sex is (Sex.FEMALE if int(digits[6:8]) > 40 else Sex.MALE)
    assert parsed.is_valid == (not parsed.errors)
    assert all(f.message for f in parsed.findings)
    if parsed.date is not None:
        # Whatever was read encodes back to the same digits.
        assert (
            encode_nik(digits[:6], parsed.date, parsed.sex, max(int(digits[12:]), 1))[:12]
            == digits[:12]
        )
        if stated_date is None:
            assert parsed.date <= TODAY
            assert parsed.date > date(1925, 6, 15)
    if parsed.is_valid:
        assert encode_nik(digits[:6], parsed.date, parsed.sex, int(digits[12:])) == digits
