"""The synthetic population: determinism, format, validity, identifiers, rates and realism."""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sejahtera.domain.identifiers import encode_kk, encode_nik, parse_kk, parse_nik
from sejahtera.domain.registry_format import (
    ASSETS,
    HOUSEHOLD_COLUMN_NAMES,
    PERSON_COLUMN_NAMES,
    TRUE_WORDS,
    HouseholdValidator,
    PersonValidator,
)
from sejahtera.synth import DEFAULT_REGENCIES, Population, SynthConfig, generate, write
from sejahtera.synth.defects import BIRTH_DATE_CHANGES
from sejahtera.synth.identifiers import kk_numbers, nik_numbers
from sejahtera.synth.names import NAME_VARIANTS, name_variant, typo
from sejahtera.synth.sampling import ranks_within_groups

AS_OF = date(2026, 11, 30)
CONFIG = SynthConfig(persons=12_000, seed=7, as_of=AS_OF)
IMPORTER_CODES = {"HOUSEHOLD_UNKNOWN", "HOUSEHOLD_REJECTED"}  # not raised by the validators


@pytest.fixture(scope="module")
def population() -> Population:
    return generate(CONFIG)


@pytest.fixture(scope="module")
def out_dir(population: Population, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("synth")
    write(population, path)
    return path


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def households(out_dir: Path) -> list[dict[str, str]]:
    return read_rows(out_dir / "households.csv")


@pytest.fixture(scope="module")
def persons(out_dir: Path) -> list[dict[str, str]]:
    return read_rows(out_dir / "persons.csv")


@pytest.fixture(scope="module")
def truth(out_dir: Path) -> dict[str, list[dict[str, str]]]:
    return {
        name: read_rows(out_dir / "truth" / f"{name}.csv")
        for name in ("households", "duplicates", "invalid_rows")
    }


@pytest.fixture(scope="module")
def expected_errors(truth: dict[str, list[dict[str, str]]]) -> dict[tuple[str, str], str]:
    return {(r["file"], r["row_id"]): r["expected_error_code"] for r in truth["invalid_rows"]}


@pytest.fixture(scope="module")
def clean_persons(
    persons: list[dict[str, str]],
    truth: dict[str, list[dict[str, str]]],
    expected_errors: dict[tuple[str, str], str],
) -> list[dict[str, str]]:
    """Real people (no duplicate copies) whose rows carry no injected defect."""
    copies = {r["person_id"] for r in truth["duplicates"]}
    return [
        p
        for p in persons
        if p["person_id"] not in copies and ("persons.csv", p["person_id"]) not in expected_errors
    ]


def birth(person: dict[str, str]) -> date:
    return date.fromisoformat(person["birth_date"])


def age(person: dict[str, str]) -> int:
    born = birth(person)
    return AS_OF.year - born.year - ((AS_OF.month, AS_OF.day) < (born.month, born.day))


def is_true(cell: str) -> bool:
    return cell.lower() in TRUE_WORDS


# --- determinism and files ------------------------------------------------------------------


def file_bytes(path: Path) -> dict[str, bytes]:
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*.csv"))}


def test_same_seed_gives_identical_files_and_another_seed_different(tmp_path: Path) -> None:
    small = SynthConfig(persons=3_000, seed=11, as_of=AS_OF)
    for name, config in (("a", small), ("b", small), ("c", SynthConfig(3_000, seed=12))):
        write(generate(config), tmp_path / name)
    first, second, other = (file_bytes(tmp_path / n) for n in ("a", "b", "c"))
    assert first == second
    assert len(first) == 5
    assert first["households.csv"] != other["households.csv"]
    assert first["persons.csv"] != other["persons.csv"]


def test_files_are_utf8_csv_with_lf_and_the_format_columns(out_dir: Path) -> None:
    for name, columns in (
        ("households.csv", HOUSEHOLD_COLUMN_NAMES),
        ("persons.csv", PERSON_COLUMN_NAMES),
    ):
        raw = (out_dir / name).read_bytes()
        assert b"\r" not in raw
        text = raw.decode("utf-8")
        assert text.endswith("\n")
        assert tuple(next(csv.reader([text.split("\n", 1)[0]]))) == columns


def test_tables_hold_strings_in_format_order(population: Population) -> None:
    assert tuple(population.households.column_names) == HOUSEHOLD_COLUMN_NAMES
    assert tuple(population.persons.column_names) == PERSON_COLUMN_NAMES
    for table in (population.households, population.persons):
        assert all(column.type == pa.string() for column in table.columns)
        assert all(column.null_count == 0 for column in table.columns)  # unknown is ''


def test_write_reports_the_counts(
    out_dir: Path, population: Population, truth: dict[str, list[dict[str, str]]]
) -> None:
    counts = population.counts()
    assert counts["households"] == len(read_rows(out_dir / "households.csv"))
    assert counts["persons"] == len(read_rows(out_dir / "persons.csv"))
    assert counts["duplicates"] == len(truth["duplicates"])
    by_file = Counter(
        r["file"] for r in truth["invalid_rows"] if r["expected_error_code"] != "HOUSEHOLD_REJECTED"
    )
    assert counts["invalid_households"] == by_file["households.csv"]
    assert counts["invalid_persons"] == by_file["persons.csv"]


def test_progress_reports_increasing_fractions_up_to_one() -> None:
    seen: list[tuple[str, float]] = []
    generate(SynthConfig(persons=500, seed=1), progress=lambda stage, f: seen.append((stage, f)))
    fractions = [f for _, f in seen]
    assert fractions == sorted(fractions)
    assert fractions[0] == 0.0
    assert fractions[-1] == 1.0


def test_config_rejects_unknown_regencies_and_bad_rates() -> None:
    with pytest.raises(ValueError, match="9999"):
        generate(SynthConfig(persons=10, regencies=("9999",)))
    with pytest.raises(ValueError, match="invalid_rate"):
        SynthConfig(persons=10, invalid_rate=1.5)


def test_other_regencies_work() -> None:
    config = SynthConfig(persons=1_500, seed=3, regencies=("5303", "3171", "6501"))
    households = generate(config).households
    regions = {code[:4] for code in households["region_code"].to_pylist() if len(code) == 10}
    assert regions <= {"5303", "3171", "6501"}
    assert len(regions) >= 2


# --- validity -------------------------------------------------------------------------------


def validate(
    rows: list[dict[str, str]], validator: HouseholdValidator | PersonValidator
) -> Iterator[tuple[dict[str, str], list[str]]]:
    for row in rows:
        result = validator.validate(row)
        yield row, [f.code for f in result.findings if f.is_error]


def test_households_validate_exactly_as_recorded(
    households: list[dict[str, str]], expected_errors: dict[tuple[str, str], str]
) -> None:
    checked: Counter[str | None] = Counter()
    for row, errors in validate(households, HouseholdValidator(today=AS_OF)):
        expected = expected_errors.get(("households.csv", row["household_id"]))
        assert errors == ([expected] if expected else []), row
        checked[expected] += 1
    assert checked[None] > 0.98 * len(households)


def test_persons_validate_exactly_as_recorded(
    persons: list[dict[str, str]], expected_errors: dict[tuple[str, str], str]
) -> None:
    codes: Counter[str | None] = Counter()
    for row, errors in validate(persons, PersonValidator(today=AS_OF)):
        expected = expected_errors.get(("persons.csv", row["person_id"]))
        if expected is None or expected in IMPORTER_CODES:
            assert errors == [], row
        else:
            assert errors == [expected], row
        codes[expected] += 1
    assert {"NIK_LENGTH", "DATE_INVALID", "VALUE_NOT_ALLOWED", "HOUSEHOLD_UNKNOWN"} <= set(codes)


def test_importer_level_defects_are_consistent(
    households: list[dict[str, str]],
    persons: list[dict[str, str]],
    truth: dict[str, list[dict[str, str]]],
) -> None:
    household_ids = {h["household_id"] for h in households}
    rejected = {r["row_id"] for r in truth["invalid_rows"] if r["file"] == "households.csv"}
    expected = {(r["row_id"], r["expected_error_code"]) for r in truth["invalid_rows"]}
    for person in persons:
        if (person["person_id"], "HOUSEHOLD_UNKNOWN") in expected:
            assert person["household_id"] not in household_ids
        else:
            assert person["household_id"] in household_ids
            in_rejected = person["household_id"] in rejected
            assert in_rejected == ((person["person_id"], "HOUSEHOLD_REJECTED") in expected)


def test_invalid_rows_point_at_the_right_lines(
    out_dir: Path, truth: dict[str, list[dict[str, str]]]
) -> None:
    files = {name: read_rows(out_dir / name) for name in ("households.csv", "persons.csv")}
    for record in truth["invalid_rows"]:
        row = files[record["file"]][int(record["line"]) - 2]
        key = "household_id" if record["file"] == "households.csv" else "person_id"
        assert row[key] == record["row_id"]
        if record["expected_error_code"] != "HOUSEHOLD_REJECTED":
            assert row[record["column"]] == record["value"]


# --- identifiers ----------------------------------------------------------------------------


def test_niks_are_unique_valid_and_encode_birth_date_and_sex(
    clean_persons: list[dict[str, str]],
) -> None:
    niks = [p["nik"] for p in clean_persons if p["nik"]]
    assert len(niks) == len(set(niks))
    former = 0
    for person in clean_persons:
        if not person["nik"]:
            continue
        nik, born = person["nik"], birth(person)
        parsed = parse_nik(nik, sex=person["sex"], birth_date=born, today=AS_OF)
        assert parsed.errors == []
        assert {f.code for f in parsed.warnings} <= {"NIK_REGION_FORMER"}
        former += bool(parsed.warnings)
        assert encode_nik(nik[:6], born, person["sex"], int(nik[12:])) == nik
    assert 0 < former < 0.1 * len(niks)


def test_most_niks_come_from_the_household_district(
    clean_persons: list[dict[str, str]], households: list[dict[str, str]]
) -> None:
    region = {h["household_id"]: h["region_code"] for h in households}
    with_nik = [p for p in clean_persons if p["nik"] and p["household_id"] in region]
    home = sum(p["nik"][:6] == region[p["household_id"]][:6] for p in with_nik)
    assert 0.7 < home / len(with_nik) < 0.9


def test_kk_numbers_are_valid_and_issued_in_the_household_district(
    households: list[dict[str, str]], expected_errors: dict[tuple[str, str], str]
) -> None:
    clean = [h for h in households if ("households.csv", h["household_id"]) not in expected_errors]
    with_kk = [h for h in clean if h["kk_number"]]
    assert 0.9 < len(with_kk) / len(clean) < 0.99
    assert len({h["kk_number"] for h in with_kk}) == len(with_kk)
    for household in with_kk:
        parsed = parse_kk(household["kk_number"], today=AS_OF)
        assert parsed.is_valid
        assert household["kk_number"][:6] == household["region_code"][:6]
        assert parsed.date is not None
        assert parsed.date < AS_OF


@given(
    born=st.dates(min_value=date(1901, 1, 1), max_value=AS_OF),
    female=st.booleans(),
    district=st.sampled_from([110101, 320101, 357801, 910201, 950140]),
)
@settings(max_examples=200, deadline=None)
def test_vectorised_nik_equals_encode_nik(born: date, female: bool, district: int) -> None:
    nik = nik_numbers(
        np.array([district], dtype=np.int64),
        np.array([born], dtype="datetime64[D]"),
        np.array([female]),
        np.array([True]),
        np.random.default_rng(0),
    )
    assert str(nik[0]) == encode_nik(str(district), born, "P" if female else "L", 1)


@given(head_days=st.integers(min_value=18 * 366, max_value=100 * 365), seed=st.integers(0, 99))
@settings(max_examples=100, deadline=None)
def test_vectorised_kk_equals_encode_kk(head_days: int, seed: int) -> None:
    kk, issued = kk_numbers(
        np.array([320101], dtype=np.int64),
        np.array([head_days]),
        np.array([True]),
        AS_OF,
        np.random.default_rng(seed),
    )
    issue_date = issued[0].astype(date)
    assert issue_date < AS_OF
    assert str(kk[0]) == encode_kk("320101", issue_date, 1)


@given(st.lists(st.integers(0, 5), max_size=60), st.integers(0, 1000))
def test_ranks_within_groups_number_each_group_from_zero(keys: list[int], seed: int) -> None:
    array = np.array(keys, dtype=np.int64)
    ranks = ranks_within_groups(array, np.random.default_rng(seed))
    for key in set(keys):
        assert sorted(ranks[array == key].tolist()) == list(range(keys.count(key)))


@given(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyzAEIOU '", min_size=1, max_size=30),
    st.lists(st.floats(0.0, 0.999), min_size=3, max_size=3),
)
def test_typo_changes_a_name_slightly(name: str, draws: list[float]) -> None:
    changed = typo(name, np.array(draws))
    assert changed
    assert changed != name
    assert abs(len(changed) - len(name)) <= 1
    assert sum(a != b for a, b in zip(changed, name, strict=False)) <= 2 or len(changed) != len(
        name
    )


@given(
    st.lists(
        st.sampled_from(["Agus", "Siti", "Budi", "Cahyo", "Nyoman", "Ujang"]),
        min_size=1,
        max_size=3,
    ).map(" ".join),
    st.lists(st.floats(0.0, 0.999), min_size=4, max_size=4),
)
def test_a_name_variant_always_changes_the_name(name: str, draws: list[float]) -> None:
    changed, kind = name_variant(name, np.array(draws))
    assert changed != name
    assert kind in NAME_VARIANTS
    if kind in ("order", "capitals"):
        assert sorted(changed.lower().split()) == sorted(name.lower().split())


def test_no_two_members_of_a_household_share_a_whole_name(
    persons: list[dict[str, str]], truth: dict[str, list[dict[str, str]]]
) -> None:
    copies = {row["person_id"] for row in truth["duplicates"]}
    names = Counter(
        (p["household_id"], p["full_name"]) for p in persons if p["person_id"] not in copies
    )
    assert max(names.values()) == 1


# --- duplicates -----------------------------------------------------------------------------


def test_duplicates_copy_real_people_with_small_changes(
    persons: list[dict[str, str]], truth: dict[str, list[dict[str, str]]]
) -> None:
    by_id = {p["person_id"]: p for p in persons}
    copies = truth["duplicates"]
    assert len(copies) == round(CONFIG.duplicate_rate * CONFIG.persons)
    originals = {c["original_person_id"] for c in copies}
    assert not originals & {c["person_id"] for c in copies}
    changes: Counter[str] = Counter()
    for record in copies:
        copy, original = by_id[record["person_id"]], by_id[record["original_person_id"]]
        changed = set(filter(None, record["changes"].split(";")))
        changes.update(changed)
        assert copy["sex"] == original["sex"]
        name_changes = {c.removeprefix("name_") for c in changed if c.startswith("name_")}
        assert name_changes <= set(NAME_VARIANTS)
        assert (copy["full_name"] != original["full_name"]) == bool(name_changes)
        assert (copy["household_id"] != original["household_id"]) == ("household" in changed)
        birth_changes = changed & set(BIRTH_DATE_CHANGES)
        assert (copy["birth_date"] != original["birth_date"]) == bool(birth_changes)
        if "birth_date_swap" in changed:
            assert copy["birth_date"][5:7] == original["birth_date"][8:10]
            assert copy["birth_date"][8:10] == original["birth_date"][5:7]
        if "birth_date_digit" in changed:
            assert copy["birth_date"][:9] == original["birth_date"][:9]
        if "nik_digit" in changed:
            assert sum(a != b for a, b in zip(copy["nik"], original["nik"], strict=True)) == 1
        elif "nik_missing" in changed:
            assert copy["nik"] == "" != original["nik"]
        else:
            assert copy["nik"] == original["nik"]
    assert {"nik_digit", "nik_missing", "name_typo", "household", "birth_date_shift"} <= set(
        changes
    )


# --- rates and consistency ------------------------------------------------------------------


def test_defect_rates(population: Population, truth: dict[str, list[dict[str, str]]]) -> None:
    counts = population.counts()
    assert counts["invalid_households"] == round(CONFIG.invalid_rate * counts["households"])
    assert counts["invalid_persons"] == round(CONFIG.invalid_rate * counts["persons"])
    assert counts["persons"] == CONFIG.persons + counts["duplicates"]


def test_household_sizes(truth: dict[str, list[dict[str, str]]]) -> None:
    sizes = np.array([int(h["members"]) for h in truth["households"]])
    assert sizes.sum() == CONFIG.persons
    assert 3.5 < sizes.mean() < 4.1
    assert 0.07 < (sizes == 1).mean() < 0.13
    assert sizes.max() >= 8


def test_age_structure_and_sex_split(clean_persons: list[dict[str, str]]) -> None:
    ages = np.array([age(p) for p in clean_persons])
    assert 0.20 < (ages < 15).mean() < 0.32
    assert 0.03 < (ages >= 65).mean() < 0.10
    female = np.mean([p["sex"] == "P" for p in clean_persons])
    assert 0.47 < female < 0.53


def test_share_without_nik(clean_persons: list[dict[str, str]]) -> None:
    missing = np.mean([p["nik"] == "" for p in clean_persons])
    assert 0.015 < missing < 0.05


def test_relationships_fit_ages_and_sexes(clean_persons: list[dict[str, str]]) -> None:
    households: dict[str, list[dict[str, str]]] = {}
    for person in clean_persons:
        households.setdefault(person["household_id"], []).append(person)
    kinds: Counter[str] = Counter()
    for members in households.values():
        heads = [m for m in members if m["relationship"] == "head"]
        if len(heads) != 1:
            continue  # the head's row may carry an injected defect
        head = heads[0]
        assert age(head) >= 18
        spouses = [m for m in members if m["relationship"] == "spouse"]
        for spouse in spouses:
            assert spouse["sex"] != head["sex"]
            assert head["marital_status"] in ("married", "")
        parents = [head, *spouses]
        for member in members:
            kinds[member["relationship"]] += 1
            if member["relationship"] == "child":
                for parent in parents:
                    assert 15 <= age(parent) - age(member) <= 45, (parent, member)
            elif member["relationship"] == "grandchild":
                assert age(head) - age(member) >= 30
            elif member["relationship"] == "parent":
                assert age(member) - age(head) >= 15
    assert set(kinds) == {
        "head",
        "spouse",
        "child",
        "grandchild",
        "parent",
        "in_law",
        "other_relative",
        "other",
    }


# Ages (inclusive) at which each enrolment level may be reported.
ENROLMENT_AGES = {"early": (4, 6), "primary": (6, 12), "junior": (13, 15), "senior": (16, 18)}
ENROLMENT_AGES["higher"] = (19, 23)
# Youngest age at which each education level can have been completed.
EDUCATION_MIN_AGE = {"primary": 13, "junior": 16, "senior": 19, "diploma": 21}
EDUCATION_MIN_AGE["bachelor_plus"] = 22


def test_schooling_and_education_fit_age(clean_persons: list[dict[str, str]]) -> None:
    enrolled_by_age: dict[int, list[bool]] = {}
    for person in clean_persons:
        years, enrolled = age(person), person["school_enrolled"]
        if enrolled not in ("", "none"):
            low, high = ENROLMENT_AGES[enrolled]
            assert low <= years <= high, person
            assert person["employment"] in ("student", "none", ""), person
        if person["education"] in EDUCATION_MIN_AGE:
            assert years >= EDUCATION_MIN_AGE[person["education"]], person
        if enrolled:
            enrolled_by_age.setdefault(years, []).append(enrolled != "none")
    assert np.mean(enrolled_by_age[9]) > 0.9
    assert 0.4 < np.mean(enrolled_by_age[17]) < 0.9
    assert np.mean(enrolled_by_age[30]) < 0.05


def test_dropout_is_more_common_in_poor_households(
    clean_persons: list[dict[str, str]], truth: dict[str, list[dict[str, str]]]
) -> None:
    poor = {h["household_id"] for h in truth["households"] if h["true_decile"] in ("1", "2", "3")}
    rich = {h["household_id"] for h in truth["households"] if int(h["true_decile"]) >= 8}
    teens = [p for p in clean_persons if 13 <= age(p) <= 18 and p["school_enrolled"]]

    def dropout(group: set[str]) -> float:
        return float(
            np.mean([p["school_enrolled"] == "none" for p in teens if p["household_id"] in group])
        )

    assert dropout(poor) > dropout(rich) + 0.05


def test_pregnancy_only_in_living_women_of_childbearing_age(
    clean_persons: list[dict[str, str]],
) -> None:
    pregnant = [p for p in clean_persons if is_true(p["pregnant"])]
    for person in pregnant:
        assert person["sex"] == "P"
        assert 15 <= age(person) <= 49
        assert person["deceased_date"] == ""
    women = [p for p in clean_persons if p["sex"] == "P" and 15 <= age(p) <= 49]
    assert 0.01 < len(pregnant) / len(women) < 0.05


def test_conditions_are_plausible(clean_persons: list[dict[str, str]]) -> None:
    def share(column: str) -> float:
        return float(np.mean([is_true(p[column]) for p in clean_persons]))

    for person in clean_persons:
        if is_true(person["child_in_conflict_with_law"]):
            assert 12 <= age(person) < 18
        if person["inmate_status"] in ("inmate", "former_inmate"):
            assert age(person) >= 18
        if person["disaster_event"]:
            assert person["disaster_victim"].lower() not in ("false", "0", "tidak")
        if person["disability"] == "none":
            assert person["disability_severity"] in ("none", "")
    assert 0.001 < share("disaster_victim") < 0.08
    assert 0.02 < share("chronic_illness") < 0.12
    assert share("neglected") > 0
    assert share("orphan") > 0
    assert share("hiv") < 0.01
    disabled = np.mean([p["disability"] not in ("none", "") for p in clean_persons])
    assert 0.01 < disabled < 0.08
    events = {p["disaster_event"] for p in clean_persons} - {""}
    assert events
    assert all(event.split()[-1] in ("2025", "2026") for event in events)


def test_deaths_are_recent_and_after_birth(clean_persons: list[dict[str, str]]) -> None:
    dead = [p for p in clean_persons if p["deceased_date"]]
    assert 0.002 < len(dead) / len(clean_persons) < 0.01
    for person in dead:
        died = date.fromisoformat(person["deceased_date"])
        assert birth(person) <= died < AS_OF
        assert (AS_OF - died).days <= 730


def test_incomes_for_earners(clean_persons: list[dict[str, str]]) -> None:
    earners = [
        p for p in clean_persons if p["employment"] in ("farmer", "laborer", "private_employee")
    ]
    known = [int(p["monthly_income_idr"]) for p in earners if p["monthly_income_idr"]]
    assert len(known) > 0.85 * len(earners)
    assert all(value > 0 for value in known)
    assert 1_000_000 < np.median(known) < 6_000_000
    children = [p for p in clean_persons if age(p) < 15]
    assert all(p["monthly_income_idr"] == "" for p in children)


# --- welfare realism ------------------------------------------------------------------------


def housing_design(households: list[dict[str, str]]) -> np.ndarray:
    """A small proxy-means design: a few housing dummies and the assets."""
    columns = [
        [1.0] * len(households),
        [h["floor_type"] == "ceramic" for h in households],
        [h["floor_type"] == "earth" for h in households],
        [h["wall_type"] == "brick" for h in households],
        [h["drinking_water"] == "bottled" for h in households],
        [h["cooking_fuel"] == "wood" for h in households],
        [h["toilet"] == "private" for h in households],
    ]
    for asset in ASSETS:
        columns.append([asset in h["assets"].split(";") for h in households])
    return np.array(columns, dtype=np.float64).T


def test_proxy_means_regression_has_realistic_fit(
    households: list[dict[str, str]], truth: dict[str, list[dict[str, str]]]
) -> None:
    log_consumption = np.log(
        [float(t["true_per_capita_consumption_idr"]) for t in truth["households"]]
    )
    design = housing_design(households)
    beta, *_ = np.linalg.lstsq(design, log_consumption, rcond=None)
    residual = log_consumption - design @ beta
    r_squared = 1 - residual.var() / log_consumption.var()
    assert 0.3 < r_squared < 0.8


def test_consumption_levels_are_plausible(truth: dict[str, list[dict[str, str]]]) -> None:
    per_capita = np.array(
        [float(t["true_per_capita_consumption_idr"]) for t in truth["households"]]
    )
    people = np.array([float(t["living_members"]) for t in truth["households"]])
    assert 800_000 < np.median(per_capita) < 1_800_000
    poor = people[per_capita < 600_000].sum() / people.sum()
    assert 0.05 < poor < 0.25
    deciles: Counter[str] = Counter()
    for record, weight in zip(truth["households"], people, strict=True):
        deciles[record["true_decile"]] += weight
    assert set(deciles) == {str(d) for d in range(1, 11)}
    assert max(deciles.values()) / min(deciles.values()) < 1.5


def test_observed_expenditure_share_and_level(
    households: list[dict[str, str]],
    truth: dict[str, list[dict[str, str]]],
    expected_errors: dict[tuple[str, str], str],
) -> None:
    observed = [h["monthly_expenditure_idr"] != "" for h in households]
    assert abs(np.mean(observed) - CONFIG.calibration_share) < 0.005
    ratios = []
    for household, record in zip(households, truth["households"], strict=True):
        value = household["monthly_expenditure_idr"]
        if value and ("households.csv", household["household_id"]) not in expected_errors:
            total = float(record["true_per_capita_consumption_idr"]) * int(record["living_members"])
            ratios.append(int(value) / total)
    assert 0.9 < np.median(ratios) < 1.1


def test_default_regencies_are_varied() -> None:
    assert len(DEFAULT_REGENCIES) == 4
    assert any(int(code[2:]) >= 71 for code in DEFAULT_REGENCIES)  # a kota
    assert any(code[:2] in ("53", "91", "92", "93", "94", "95", "96") for code in DEFAULT_REGENCIES)
