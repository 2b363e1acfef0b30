"""Synthetic population generator for the registry (format v1), with ground truth.

The model, in the order it is drawn (all vectorised, one numpy PCG64 stream per seed):

1. Geography: the villages of the chosen regencies, with a welfare effect (province, kota or
   kelurahan, remote community, village noise), coastal and remote-indigenous villages, and one
   or two named disasters per regency striking most villages of one district.
2. Households: Susenas-like sizes (mean ≈ 3.8, 10 % singles), placed in villages by density,
   then members by relationship with ages drawn relative to the head (``households``).
3. People: marital status, disability, school enrolment (stage by age, drop-out more likely in
   poor households), highest education, employment by age/sex/place/education (``people``).
4. Welfare: log per-capita consumption from region, a household socioeconomic latent, the
   head's education, earners, civil servants and size, plus noise (``welfare``); incomes for
   earners share it; survey expenditure is observed for ``calibration_share`` of households.
5. Housing and assets drawn from the permanent part of welfare (``housing``), so a proxy-means
   test reaches a realistic R² of about one half.
6. Vulnerability conditions and recent deaths (``conditions``), NIK and KK numbers
   (``identifiers``), names and addresses (``names``).
7. Defects (``defects``): duplicate person rows and rows with one invalid cell, recorded in
   the truth tables with what changed and the error code expected.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sejahtera.domain.registry_format import (
    COOKING_FUEL,
    DISABILITY,
    DISABILITY_SEVERITY,
    DRINKING_WATER,
    EDUCATION,
    EMPLOYMENT,
    FLOOR_TYPES,
    HOUSE_OWNERSHIP,
    HOUSEHOLD_COLUMN_NAMES,
    INMATE_STATUS,
    LIGHTING,
    MARITAL_STATUS,
    PERSON_COLUMN_NAMES,
    RELATIONSHIPS,
    ROOF_TYPES,
    SCHOOL_ENROLLED,
    TOILET,
    WALL_TYPES,
)
from sejahtera.domain.targeting.pmt import person_weighted_deciles
from sejahtera.synth.calendar import date_parts, days_before, whole_years
from sejahtera.synth.conditions import (
    Conditions,
    Situations,
    deceased_days_before,
    head_widowed_alone,
    household_situations,
    person_conditions,
)
from sejahtera.synth.config import SynthConfig
from sejahtera.synth.defects import (
    Injected,
    draw_duplicates,
    household_defects,
    inject,
    person_defects,
)
from sejahtera.synth.geography import Geography, load_geography, region_tables
from sejahtera.synth.households import (
    HEAD,
    SPOUSE,
    Members,
    assign_villages,
    draw_members,
    draw_sizes,
)
from sejahtera.synth.housing import Housing, asset_lists, draw_housing
from sejahtera.synth.identifiers import (
    as_text,
    kk_numbers,
    nik_numbers,
    registration_districts,
)
from sejahtera.synth.names import addresses, birth_places, full_names
from sejahtera.synth.output import Population
from sejahtera.synth.people import (
    EMPLOYMENT_INDEX,
    disability,
    education,
    employment,
    marital_status,
    schooling,
)
from sejahtera.synth.sampling import (
    Features,
    concat,
    digits,
    fixed_point,
    labels,
    segment_any,
    segment_sum,
)
from sejahtera.synth.tables import (
    Columns,
    boolean_column,
    date_column,
    enum_column,
    integer_column,
    table,
)
from sejahtera.synth.welfare import (
    POVERTY_LINE_IDR,
    Welfare,
    household_consumption,
    monthly_incomes,
    observed_expenditure,
)

Progress = Callable[[str, float], None]
REGIONAL_ADVANTAGE = 2.0  # how strongly the regional welfare effect shifts schooling and jobs
ENUM_UNKNOWN_RATE = 0.01
HOUSING_UNKNOWN_RATE = 0.02
COORDINATES_SHARE = 0.75
HOUSEHOLDS_FILE, PERSONS_FILE = "households.csv", "persons.csv"


@dataclass(frozen=True)
class World:
    """Everything drawn, before it becomes text. Household arrays have one row per household,
    person arrays one row per real person (households' members contiguous)."""

    geography: Geography
    village: np.ndarray
    sizes: np.ndarray
    situations: Situations
    welfare: Welfare
    living: np.ndarray
    expenditure: np.ndarray
    housing: Housing
    kk: np.ndarray
    members: Members
    birth: np.ndarray
    age: np.ndarray
    marital: np.ndarray
    enrolled: np.ndarray
    education: np.ndarray
    employment: np.ndarray
    disability: np.ndarray
    severity: np.ndarray
    income: np.ndarray
    deceased_days: np.ndarray
    conditions: Conditions
    nik: np.ndarray
    registration_district: np.ndarray


def generate(config: SynthConfig, progress: Progress | None = None) -> Population:
    """Draw a population for ``config``; the same config always gives the same population."""
    report: Progress = progress or (lambda _stage, _fraction: None)
    rng = np.random.Generator(np.random.PCG64(config.seed))
    report("regions", 0.0)
    geography = load_geography(config.regencies, rng, config.as_of)
    report("households", 0.05)
    world = draw_world(config, geography, rng, report)
    report("tables", 0.6)
    households = household_columns(world, rng)
    persons = person_columns(world, config, rng)
    report("defects", 0.8)
    population = add_defects(world, config, households, persons, rng)
    report("done", 1.0)
    return population


def draw_world(
    config: SynthConfig, geography: Geography, rng: np.random.Generator, report: Progress
) -> World:
    sizes = draw_sizes(config.persons, rng)
    n_households = len(sizes)
    village = assign_villages(geography.weight, n_households, rng)
    members = draw_members(sizes, rng)
    hh = members.household
    birth = days_before(config.as_of, members.age_days)
    age = whole_years(birth, config.as_of)
    has_spouse = segment_any(members.relationship == SPOUSE, hh, n_households)
    situations = household_situations(geography, village, rng)
    region_effect = geography.welfare_effect[village]
    latent = rng.normal(0.0, 1.0, n_households)
    advantage = (latent + REGIONAL_ADVANTAGE * region_effect)[hh]

    report("people", 0.15)
    marital = marital_status(members, age, has_spouse, rng)
    kind, severity = disability(age, rng)
    enrolled = schooling(age, advantage, severity, rng)
    level = education(age, enrolled, advantage, rng)
    job = employment(
        age,
        members.female,
        enrolled,
        level,
        severity,
        advantage,
        rural=~geography.urban[village][hh],
        coastal=geography.coastal[village][hh],
        rng=rng,
    )
    deceased = deceased_days_before(members, age, sizes, rng)
    alive = deceased == 0

    report("welfare", 0.3)
    heads = members.relationship == HEAD
    welfare = household_consumption(
        region_effect=region_effect,
        latent=latent,
        head_education=level[heads],
        job=job,
        alive=alive,
        household=hh,
        disaster=situations.disaster_event >= 0,
        rng=rng,
    )
    living = segment_sum(alive, hh, n_households).astype(np.int64)
    income = monthly_incomes(
        job=job,
        age=age,
        alive=alive,
        household=hh,
        living_size=living,
        per_capita_idr=welfare.per_capita_idr,
        rng=rng,
    )
    expenditure = observed_expenditure(
        welfare.per_capita_idr, living, config.calibration_share, rng
    )
    housing = draw_housing(_housing_features(geography, village, welfare, job, age, hh), sizes, rng)

    report("conditions", 0.4)
    poor = welfare.per_capita_idr < POVERTY_LINE_IDR
    province = geography.province[village]
    conditions = person_conditions(
        members=members,
        age=age,
        marital=marital,
        alive=alive,
        poor=poor,
        lives_alone=living == 1,
        head_without_spouse_widowed=head_widowed_alone(members, marital, has_spouse),
        urban=geography.urban[village],
        papua=geography.papua[village],
        trafficking_area=np.isin(province, ["52", "53"]),
        rng=rng,
    )

    report("identifiers", 0.5)
    nik, registration = _person_numbers(
        geography, village, members, age, birth, conditions.street, situations.remote, rng
    )
    street_household = segment_any(conditions.street, hh, n_households)
    no_kk = 0.03 + 0.3 * street_household + 0.2 * situations.remote
    kk, _issued = kk_numbers(
        geography.district_code[village],
        members.age_days[heads],
        rng.random(n_households) >= no_kk,
        config.as_of,
        rng,
    )
    return World(
        geography=geography,
        village=village,
        sizes=sizes,
        situations=situations,
        welfare=welfare,
        living=living,
        expenditure=expenditure,
        housing=housing,
        kk=kk,
        members=members,
        birth=birth,
        age=age,
        marital=marital,
        enrolled=enrolled,
        education=level,
        employment=job,
        disability=kind,
        severity=severity,
        income=income,
        deceased_days=deceased,
        conditions=conditions,
        nik=nik,
        registration_district=registration,
    )


def _person_numbers(
    geography: Geography,
    village: np.ndarray,
    members: Members,
    age: np.ndarray,
    birth: np.ndarray,
    street: np.ndarray,
    remote_household: np.ndarray,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """(NIK numbers, district of first registration). About 3 % have no NIK yet: more among
    infants, street people and remote indigenous communities."""
    hh = members.household
    no_nik = (
        np.select([age < 1, age < 5], [0.35, 0.06], default=0.012)
        + 0.4 * street
        + 0.25 * remote_household[hh]
    )
    registration = registration_districts(
        geography.district_code[village][hh],
        geography.regency_index[village][hh],
        geography,
        date_parts(birth)[2],
        rng,
    )
    has_nik = rng.random(len(hh)) >= no_nik
    return nik_numbers(registration, birth, members.female, has_nik, rng), registration


def _housing_features(
    geography: Geography,
    village: np.ndarray,
    welfare: Welfare,
    job: np.ndarray,
    age: np.ndarray,
    household: np.ndarray,
) -> Features:
    n = len(village)

    def any_member(flags: np.ndarray) -> np.ndarray:
        return segment_any(flags, household, n).astype(np.float64)

    return {
        "welfare": welfare.index,
        "urban": geography.urban[village].astype(np.float64),
        "outer": (~geography.java_bali[village]).astype(np.float64),
        "papua": geography.papua[village].astype(np.float64),
        "remote": geography.remote[village].astype(np.float64),
        "civil_servant": any_member(job == EMPLOYMENT_INDEX["civil_servant"]),
        "fisher": any_member(job == EMPLOYMENT_INDEX["fisher"]),
        "working_age": any_member((age >= 15) & (age <= 50)),
    }


def household_ids(count: int) -> pa.Array:
    return concat("H", digits(np.arange(1, count + 1), _id_width(count)))


def _id_width(count: int) -> int:
    return max(6, len(str(count)))


def household_columns(world: World, rng: np.random.Generator) -> Columns:
    geography, village, housing = world.geography, world.village, world.housing
    n = len(village)
    with_coordinates = rng.random(n) < COORDINATES_SHARE
    latitude = geography.latitude[village] + rng.normal(0.0, 0.004, n)
    longitude = geography.longitude[village] + rng.normal(0.0, 0.004, n)

    def housing_enum(vocabulary: tuple[str, ...], index: np.ndarray) -> pa.Array:
        return enum_column(rng, vocabulary, index, HOUSING_UNKNOWN_RATE)

    def blank_some(values: pa.Array, rate: float) -> pa.Array:
        return pc.if_else(pa.array(rng.random(n) < rate), "", values)

    return {
        "household_id": household_ids(n),
        "kk_number": as_text(world.kk),
        "region_code": pa.array(geography.village_code[village]),
        "address": blank_some(
            addresses(geography.urban[village], geography.village_name[village], rng), 0.03
        ),
        "rt": blank_some(digits(rng.integers(1, 16, n), 3), 0.05),
        "rw": blank_some(digits(rng.integers(1, 11, n), 3), 0.05),
        "latitude": pc.if_else(pa.array(with_coordinates), fixed_point(latitude, 6), ""),
        "longitude": pc.if_else(pa.array(with_coordinates), fixed_point(longitude, 6), ""),
        "house_ownership": housing_enum(HOUSE_OWNERSHIP, housing.ownership),
        "floor_area_m2": integer_column(
            housing.floor_area_m2, rng.random(n) >= HOUSING_UNKNOWN_RATE
        ),
        "floor_type": housing_enum(FLOOR_TYPES, housing.floor),
        "wall_type": housing_enum(WALL_TYPES, housing.wall),
        "roof_type": housing_enum(ROOF_TYPES, housing.roof),
        "drinking_water": housing_enum(DRINKING_WATER, housing.water),
        "lighting": housing_enum(LIGHTING, housing.lighting),
        "electricity_va": integer_column(
            housing.electricity_va, rng.random(n) >= HOUSING_UNKNOWN_RATE
        ),
        "cooking_fuel": housing_enum(COOKING_FUEL, housing.cooking),
        "toilet": housing_enum(TOILET, housing.toilet),
        "assets": labels(asset_lists(), housing.assets),
        "monthly_expenditure_idr": integer_column(world.expenditure),
    }


def person_columns(world: World, config: SynthConfig, rng: np.random.Generator) -> Columns:
    members, conditions = world.members, world.conditions
    n = len(members)
    hh = members.household
    event = world.situations.disaster_event[hh]
    victim = event >= 0
    event_names = (*world.geography.event_names, "")
    severity = np.where(world.disability == 0, 0, world.severity)
    # Severity is unknown for some disabled people and often left blank for everyone else.
    severity_unknown = np.where(world.disability == 0, 0.1, 0.03)
    deceased = days_before(config.as_of, world.deceased_days)

    def enum(vocabulary: tuple[str, ...], index: np.ndarray) -> pa.Array:
        return enum_column(rng, vocabulary, index, ENUM_UNKNOWN_RATE)

    def flag(values: np.ndarray) -> pa.Array:
        return boolean_column(rng, values)

    return {
        "household_id": pc.take(household_ids(len(world.sizes)), pa.array(hh)),
        "nik": as_text(world.nik),
        "full_name": full_names(members.female, members.household, rng),
        "sex": labels(("L", "P"), members.female.astype(np.int8)),
        "birth_date": date_column(world.birth),
        "birth_place": birth_places(world.registration_district, rng),
        "relationship": labels(RELATIONSHIPS, members.relationship),
        "marital_status": enum(MARITAL_STATUS, world.marital),
        "education": enum(EDUCATION, world.education),
        "school_enrolled": enum(SCHOOL_ENROLLED, world.enrolled),
        "employment": enum(EMPLOYMENT, world.employment),
        "monthly_income_idr": integer_column(world.income),
        "disability": enum_column(rng, DISABILITY, world.disability, 0.015),
        "disability_severity": labels(
            (*DISABILITY_SEVERITY, ""),
            np.where(rng.random(n) < severity_unknown, len(DISABILITY_SEVERITY), severity),
        ),
        "chronic_illness": flag(conditions.chronic_illness),
        "pregnant": flag(conditions.pregnant),
        "neglected": flag(conditions.neglected),
        "orphan": flag(conditions.orphan),
        "street_situation": flag(conditions.street),
        "child_in_conflict_with_law": flag(conditions.conflict_with_law),
        "disaster_victim": flag(victim),
        "disaster_event": labels(event_names, np.where(victim, event, len(event_names) - 1)),
        "remote_indigenous": flag(world.situations.remote[hh]),
        "inmate_status": enum_column(rng, INMATE_STATUS, conditions.inmate, 0.015),
        "violence_victim": flag(conditions.violence_victim),
        "trafficking_victim": flag(conditions.trafficking_victim),
        "drug_user": flag(conditions.drug_user),
        "hiv": flag(conditions.hiv),
        "social_problem": flag(conditions.social_problem),
        "deceased_date": date_column(deceased, known=world.deceased_days > 0),
    }


def add_defects(
    world: World,
    config: SynthConfig,
    households: Columns,
    persons: Columns,
    rng: np.random.Generator,
) -> Population:
    """Inject invalid households, then duplicates, then invalid persons, and record them."""
    n_households = len(world.sizes)
    bad_households = np.sort(
        rng.choice(n_households, size=round(config.invalid_rate * n_households), replace=False)
    )
    household_problems = inject(
        households, bad_households, household_defects(region_tables().village_codes), rng
    )
    valid_household = np.ones(n_households, dtype=bool)
    valid_household[bad_households] = False

    rows = with_duplicates(world, config, persons, households["household_id"], valid_household, rng)
    person_problems = _inject_invalid_persons(rows, config, valid_household, n_households, rng)

    households_table = table(households, HOUSEHOLD_COLUMN_NAMES)
    return Population(
        households=households_table,
        persons=table(rows.columns, PERSON_COLUMN_NAMES),
        truth_households=truth_households(world, households_table["household_id"]),
        truth_duplicates=pa.table(
            {
                "person_id": pc.take(rows.person_id, pa.array(rows.copy_rows)),
                "original_person_id": pc.take(rows.person_id, pa.array(rows.original_rows)),
                "changes": pa.array(rows.changes, type=pa.string()),
            }
        ),
        truth_invalid_rows=_invalid_rows(
            household_problems,
            person_problems,
            households_table["household_id"],
            rows.person_id,
            ~valid_household[rows.household],
        ),
    )


@dataclass(frozen=True)
class PersonRows:
    """The rows of persons.csv: real people and their copies, ordered by household (copies
    after the members) and numbered."""

    columns: Columns
    person_id: pa.Array
    household: np.ndarray  # household index of each row
    copy_rows: np.ndarray  # row of each duplicate copy
    original_rows: np.ndarray  # row of the person each copy duplicates
    changes: list[str]


def with_duplicates(
    world: World,
    config: SynthConfig,
    persons: Columns,
    household_ids: pa.Array,
    valid_household: np.ndarray,
    rng: np.random.Generator,
) -> PersonRows:
    hh = world.members.household
    duplicates = draw_duplicates(
        persons,
        count=round(config.duplicate_rate * len(hh)),
        eligible=valid_household[hh],
        household=hh,
        is_head=world.members.relationship == HEAD,
        nik=world.nik,
        birth=world.birth,
        valid_household=valid_household,
        household_ids=household_ids,
        rng=rng,
    )
    n_real, n_copies = len(hh), len(duplicates.original)
    copy_rank = np.iinfo(np.int32).max - n_copies + np.arange(n_copies)
    household = np.r_[hh, duplicates.household]
    order = np.lexsort((np.r_[world.members.rank.astype(np.int64), copy_rank], household))
    row_of = np.empty(len(order), dtype=np.int64)
    row_of[order] = np.arange(len(order))  # file row of each real person, then of each copy
    columns = {
        name: pc.take(pa.concat_arrays([column, duplicates.columns[name]]), pa.array(order))
        for name, column in persons.items()
    }
    n_rows = len(order)
    person_id = concat("P", digits(np.arange(1, n_rows + 1), max(7, len(str(n_rows)))))
    return PersonRows(
        columns={"person_id": person_id, **columns},
        person_id=person_id,
        household=household[order],
        copy_rows=row_of[n_real:],
        original_rows=row_of[duplicates.original],
        changes=duplicates.changes,
    )


def _inject_invalid_persons(
    rows: PersonRows,
    config: SynthConfig,
    valid_household: np.ndarray,
    n_households: int,
    rng: np.random.Generator,
) -> list[Injected]:
    """Defects go to rows that are neither a copy nor copied, in a valid household, so that
    each row's truth stays unambiguous."""
    n_rows = len(rows.household)
    untouchable = np.zeros(n_rows, dtype=bool)
    untouchable[rows.copy_rows] = True
    untouchable[rows.original_rows] = True
    eligible = np.flatnonzero(~untouchable & valid_household[rows.household])
    count = min(len(eligible), round(config.invalid_rate * n_rows))
    bad_rows = np.sort(rng.choice(eligible, size=count, replace=False))
    width = _id_width(n_households)
    unknown_ids = (f"H{number:0{width}d}" for number in itertools.count(n_households + 1))
    province_codes = {code[:2] for code in region_tables().regency_code.tolist()}
    missing_provinces = [f"{i:02d}" for i in range(100) if f"{i:02d}" not in province_codes]
    defects = person_defects(missing_provinces, lambda: next(unknown_ids))
    return inject(rows.columns, bad_rows, defects, rng)


def _invalid_rows(
    household_problems: list[Injected],
    person_problems: list[Injected],
    household_id: pa.ChunkedArray,
    person_id: pa.Array,
    rejected: np.ndarray,
) -> pa.Table:
    """One row per expected error; ``line`` counts the header as line 1."""
    rows = [
        (HOUSEHOLDS_FILE, p.row + 2, household_id[p.row].as_py(), p.column, p.code, p.value)
        for p in household_problems
    ]
    rows += [
        (PERSONS_FILE, p.row + 2, person_id[p.row].as_py(), p.column, p.code, p.value)
        for p in person_problems
    ]
    member_rows = np.flatnonzero(rejected)
    ids = pc.take(person_id, pa.array(member_rows)).to_pylist()
    rows += [
        (PERSONS_FILE, int(row) + 2, pid, "household_id", "HOUSEHOLD_REJECTED", "")
        for row, pid in zip(member_rows, ids, strict=True)
    ]
    rows.sort(key=lambda r: (r[0] != HOUSEHOLDS_FILE, r[1]))
    names = ("file", "line", "row_id", "column", "expected_error_code", "value")
    return pa.table(
        {
            name: pa.array([r[i] for r in rows], type=pa.int64() if name == "line" else pa.string())
            for i, name in enumerate(names)
        }
    )


def truth_households(world: World, household_id: pa.ChunkedArray) -> pa.Table:
    geography, village, welfare = world.geography, world.village, world.welfare
    per_capita = welfare.per_capita_idr
    event_names = (*geography.event_names, "")
    event = world.situations.disaster_event
    return pa.table(
        {
            "household_id": household_id,
            "region_code": pa.array(geography.village_code[village]),
            "regency_code": pa.array(
                [geography.regencies[i] for i in geography.regency_index[village]]
            ),
            "urban": pa.array(geography.urban[village]),
            "members": pa.array(world.sizes.astype(np.int64)),
            "living_members": pa.array(world.living),
            "true_per_capita_consumption_idr": pa.array(per_capita),
            "true_log_per_capita_consumption": pa.array(np.round(welfare.log_per_capita, 6)),
            "below_poverty_line": pa.array(per_capita < POVERTY_LINE_IDR),
            # The engine's cut (a household's decile is its middle person's): true and estimated
            # deciles differ only where the estimate does.
            "true_decile": pa.array(
                person_weighted_deciles(per_capita, world.living, household_id.to_numpy())
            ),
            "remote_indigenous": pa.array(world.situations.remote),
            "disaster_event": labels(
                event_names, np.where(event >= 0, event, len(event_names) - 1)
            ),
        }
    )
