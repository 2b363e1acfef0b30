"""The Kemendagri region catalog: sizes, code arithmetic and look-ups."""

import csv

import pytest

from sejahtera.domain.regions import (
    CODE_LENGTHS,
    Region,
    RegionCatalog,
    RegionLevel,
    data_dir,
    default_catalog,
    iter_regions,
    level_of,
    parent_code,
)

CATALOG = default_catalog()

FORMER_CODES = {
    "6404": "6501",
    "6405": "6502",
    "6406": "6503",
    "6410": "6504",
    "6473": "6571",
    "9101": "9301",
    "9102": "9501",
    "9104": "9401",
    "9107": "9402",
    "9108": "9403",
    "9109": "9404",
    "9112": "9502",
    "9113": "9503",
    "9114": "9504",
    "9116": "9302",
    "9117": "9303",
    "9118": "9304",
    "9121": "9505",
    "9122": "9506",
    "9123": "9507",
    "9124": "9508",
    "9125": "9405",
    "9126": "9406",
    "9127": "9407",
    "9128": "9408",
    "9201": "9601",
    "9204": "9602",
    "9205": "9603",
    "9209": "9604",
    "9210": "9605",
    "9271": "9671",
}


# --- catalog sizes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "count"),
    [
        (RegionLevel.PROVINCE, 38),
        (RegionLevel.REGENCY, 514),
        (RegionLevel.DISTRICT, 7285),
        (RegionLevel.VILLAGE, 83762),
    ],
)
def test_catalog_sizes_per_level(level, count):
    assert len(CATALOG.regions(level)) == count
    assert sum(1 for _ in iter_regions(level)) == count


def test_catalog_total_size():
    assert len(CATALOG) == 38 + 514 + 7285 + 83762
    assert len(CATALOG.regions()) == len(CATALOG)


def test_regency_split_kabupaten_and_kota():
    suffixes = [int(r.code[2:]) for r in CATALOG.regions(RegionLevel.REGENCY)]
    assert sum(1 for s in suffixes if 1 <= s <= 69) == 416
    assert sum(1 for s in suffixes if 71 <= s <= 99) == 98


def test_village_split_desa_and_kelurahan():
    kinds = [r.code[6] for r in CATALOG.regions(RegionLevel.VILLAGE)]
    assert kinds.count("1") == 8496
    assert kinds.count("2") + kinds.count("3") == 75266
    assert kinds.count("3") == 14


@pytest.mark.parametrize("level", list(RegionLevel))
def test_every_code_has_its_level_length_and_an_existing_parent(level):
    for region in CATALOG.regions(level):
        assert region.level is level
        assert len(region.code) == CODE_LENGTHS[level]
        assert region.code.isdigit()
        assert region.name
        if level is not RegionLevel.PROVINCE:
            assert region.parent_code in CATALOG, region


def test_every_province_has_regencies_and_every_regency_has_districts():
    for province in CATALOG.regions(RegionLevel.PROVINCE):
        assert CATALOG.children(province.code), province
    for regency in CATALOG.regions(RegionLevel.REGENCY):
        assert CATALOG.children(regency.code), regency


# --- level_of / parent_code ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "level"),
    [
        ("31", RegionLevel.PROVINCE),
        ("3171", RegionLevel.REGENCY),
        ("317101", RegionLevel.DISTRICT),
        ("3171011001", RegionLevel.VILLAGE),
        # level_of looks at the length only, not at membership.
        ("99", RegionLevel.PROVINCE),
    ],
)
def test_level_of(code, level):
    assert level_of(code) is level


@pytest.mark.parametrize("code", ["", "3", "317", "31710", "3171011", "317101100", "31710110011"])
def test_level_of_rejects_other_lengths(code):
    with pytest.raises(ValueError, match="not a region code"):
        level_of(code)


@pytest.mark.parametrize(
    ("code", "parent"),
    [
        ("31", None),
        ("3171", "31"),
        ("317101", "3171"),
        ("3171011001", "317101"),
    ],
)
def test_parent_code(code, parent):
    assert parent_code(code) == parent


def test_parent_code_rejects_bad_length():
    with pytest.raises(ValueError, match="not a region code"):
        parent_code("3171011")


def test_region_parent_code_property():
    assert Region("3171011001", "Gambir", RegionLevel.VILLAGE).parent_code == "317101"
    assert Region("31", "DKI", RegionLevel.PROVINCE).parent_code is None


# --- membership and names -----------------------------------------------------------------------


def test_membership_and_get():
    assert "31" in CATALOG
    assert "3171" in CATALOG
    assert "317101" in CATALOG
    assert "3171011001" in CATALOG
    assert "00" not in CATALOG
    assert "3199" not in CATALOG
    assert 31 not in CATALOG  # codes are strings
    region = CATALOG.get("3171011001")
    assert region == Region("3171011001", "Gambir", RegionLevel.VILLAGE)
    assert CATALOG.get("3171019999") is None


def test_names():
    assert CATALOG.name("11") == "Aceh"
    assert CATALOG.name("3171") == "Kota Administrasi Jakarta Pusat"
    assert CATALOG.name("317101") == "Gambir"
    assert CATALOG.name("1101012001") == "Keude Bakongan"
    # A quoted name with a comma survives the CSV reader.
    assert CATALOG.name("1207281007") == "Lubuk Pakam I,II"
    assert CATALOG.name("9999") is None


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("3171011001", True),  # kelurahan
        ("1101012001", True),  # desa
        ("3171019999", False),  # right length, not in the list
        ("317101", False),  # a district
        ("3171", False),
        ("31", False),
        ("", False),
    ],
)
def test_is_village(code, expected):
    assert CATALOG.is_village(code) is expected


# --- former regency codes -----------------------------------------------------------------------


def test_former_codes_match_the_shipped_file():
    with (data_dir() / "regencies_former.csv").open(encoding="utf-8", newline="") as handle:
        rows = {row["former_code"]: row["current_code"] for row in csv.DictReader(handle)}
    assert rows == FORMER_CODES


@pytest.mark.parametrize(("former", "current"), sorted(FORMER_CODES.items()))
def test_current_regency_follows_former_codes(former, current):
    assert former not in CATALOG
    assert current in CATALOG
    assert CATALOG.is_former_regency(former)
    assert CATALOG.current_regency(former) == current
    assert not CATALOG.is_former_regency(current)


@pytest.mark.parametrize("code", ["3171", "1101", "6501", "9301", "9171"])
def test_current_regency_of_a_current_code_is_itself(code):
    assert CATALOG.current_regency(code) == code
    assert not CATALOG.is_former_regency(code)


@pytest.mark.parametrize("code", ["3199", "0000", "31", "317101", "3171011001", ""])
def test_current_regency_of_unknown_or_non_regency_codes_is_none(code):
    assert CATALOG.current_regency(code) is None


# --- children -----------------------------------------------------------------------------------


def test_children_of_a_province_are_its_regencies():
    children = CATALOG.children("31")
    assert sorted(r.code for r in children) == ["3101", "3171", "3172", "3173", "3174", "3175"]
    assert all(r.level is RegionLevel.REGENCY for r in children)


def test_children_of_a_regency_are_its_districts():
    children = CATALOG.children("3171")
    assert children
    assert all(r.level is RegionLevel.DISTRICT and r.code.startswith("3171") for r in children)
    assert "317101" in {r.code for r in children}
    assert len(children) == sum(
        1 for r in CATALOG.regions(RegionLevel.DISTRICT) if r.parent_code == "3171"
    )


def test_children_of_a_district_are_its_villages():
    children = CATALOG.children("317101")
    assert {r.name for r in children} >= {"Gambir", "Cideng", "Petojo Utara"}
    assert all(r.level is RegionLevel.VILLAGE and r.parent_code == "317101" for r in children)


@pytest.mark.parametrize("code", ["3171011001", "", "3", "99", "9101"])
def test_children_of_villages_bad_codes_and_former_codes_are_empty(code):
    assert CATALOG.children(code) == []


def test_province_children_cover_all_regencies():
    total = sum(len(CATALOG.children(p.code)) for p in CATALOG.regions(RegionLevel.PROVINCE))
    assert total == 514


# --- a hand-built catalog -----------------------------------------------------------------------


def test_catalog_from_explicit_regions():
    catalog = RegionCatalog(
        {
            "11": Region("11", "P", RegionLevel.PROVINCE),
            "1101": Region("1101", "R", RegionLevel.REGENCY),
        },
        {"1199": "1101"},
    )
    assert len(catalog) == 2
    assert catalog.current_regency("1199") == "1101"
    assert catalog.current_regency("1101") == "1101"
    assert [r.code for r in catalog.children("11")] == ["1101"]
    assert catalog.regions(RegionLevel.VILLAGE) == []


def test_default_catalog_is_cached():
    assert default_catalog() is CATALOG
