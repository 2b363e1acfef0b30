"""The villages households live in, with the village-level facts the model draws on.

Everything comes from the official region lists shipped with the package; the random parts
(regency and village welfare effects, coastal and remote villages, disasters) are drawn from the
run's generator so they change with the seed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import cache

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from sejahtera.domain.regions import data_dir

# Log-consumption effect of the province, from the ranking of provincial poverty rates.
PROVINCE_WELFARE_EFFECT: dict[str, float] = {
    "11": -0.10, "12": -0.02, "13": 0.00, "14": 0.02, "15": -0.02, "16": -0.08, "17": -0.10,
    "18": -0.08, "19": 0.05, "21": 0.15, "31": 0.35, "32": 0.00, "33": -0.05, "34": -0.05,
    "35": -0.03, "36": 0.05, "51": 0.15, "52": -0.15, "53": -0.35, "61": -0.02, "62": 0.05,
    "63": 0.05, "64": 0.10, "65": 0.05, "71": 0.00, "72": -0.08, "73": -0.03, "74": -0.08,
    "75": -0.12, "76": -0.08, "81": -0.22, "82": -0.15, "91": -0.35, "92": -0.30, "93": -0.30,
    "94": -0.40, "95": -0.45, "96": -0.25,
}  # fmt: skip
JAVA_BALI = frozenset({"31", "32", "33", "34", "35", "36", "51"})
PAPUA = frozenset({"91", "92", "93", "94", "95", "96"})
LANDLOCKED = frozenset({"95"})  # Papua Pegunungan
CITY_WELFARE_EFFECT = 0.25
KELURAHAN_WELFARE_EFFECT = 0.10  # urban villages inside a kabupaten
REMOTE_WELFARE_EFFECT = -0.30

# Approximate centres of the default regencies; others fall back to their province's centroid.
REGENCY_CENTRES: dict[str, tuple[float, float]] = {
    "3201": (-6.55, 106.80),
    "3578": (-7.27, 112.74),
    "7302": (-5.42, 120.15),
    "9501": (-4.08, 138.95),
}
DISASTER_KINDS = (
    "Banjir",
    "Tanah Longsor",
    "Gempa Bumi",
    "Kebakaran Permukiman",
    "Angin Puting Beliung",
    "Kekeringan",
)
DISASTER_HIT_SHARE = 0.6  # villages of the struck district that the event reaches


@dataclass(frozen=True)
class RegionTables:
    """The official lists as numpy arrays (codes as strings)."""

    regency_code: np.ndarray
    regency_name: np.ndarray
    district_code: np.ndarray
    district_name: np.ndarray
    village_code: np.ndarray
    village_name: np.ndarray
    former_by_current: dict[str, tuple[str, int]]  # current regency -> (former code, year)
    province_centroid: dict[str, tuple[float, float]]

    @property
    def village_codes(self) -> frozenset[str]:
        return frozenset(self.village_code.tolist())


def _read(name: str) -> pa.Table:
    path = data_dir() / name
    with open(path, "rb") as handle:
        header = handle.readline().decode().strip().split(",")
    options = pacsv.ConvertOptions(column_types=dict.fromkeys(header, pa.string()))
    return pacsv.read_csv(path, convert_options=options)


@cache
def region_tables() -> RegionTables:
    regencies = _read("regencies.csv")
    districts = _read("districts.csv")
    villages = _read("villages.csv")
    former = _read("regencies_former.csv").to_pylist()
    with open(data_dir() / "provinces.geojson", encoding="utf-8") as handle:
        features = json.load(handle)["features"]
    return RegionTables(
        regency_code=regencies["code"].to_numpy(),
        regency_name=regencies["name"].to_numpy(),
        district_code=districts["code"].to_numpy(),
        district_name=districts["name"].to_numpy(),
        village_code=villages["code"].to_numpy(),
        village_name=villages["name"].to_numpy(),
        former_by_current={
            row["current_code"]: (row["former_code"], int(row["moved_in_year"])) for row in former
        },
        province_centroid={
            f["properties"]["code"]: (
                f["properties"]["centroid_lat"],
                f["properties"]["centroid_lng"],
            )
            for f in features
        },
    )


def short_regency_name(name: str) -> str:
    """'Kabupaten Bogor' -> 'Bogor', 'Kota Administrasi Jakarta Utara' -> 'Jakarta Utara'."""
    for prefix in ("Kabupaten Administrasi ", "Kota Administrasi ", "Kabupaten ", "Kota "):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def is_city(regency_code: str) -> bool:
    return int(regency_code[2:]) >= 71


@dataclass(frozen=True)
class Geography:
    """The villages of the chosen regencies (one row each) and their drawn attributes."""

    regencies: tuple[str, ...]
    village_code: np.ndarray  # str
    village_name: np.ndarray  # str
    district_code: np.ndarray  # int64, 6 digits
    regency_index: np.ndarray  # into ``regencies``
    province: np.ndarray  # str, 2 digits
    urban: np.ndarray
    city: np.ndarray  # village lies in a kota
    java_bali: np.ndarray
    papua: np.ndarray
    coastal: np.ndarray
    remote: np.ndarray  # a Komunitas Adat Terpencil lives here
    welfare_effect: np.ndarray  # log per-capita consumption shift
    weight: np.ndarray  # relative number of households
    latitude: np.ndarray
    longitude: np.ndarray
    event: np.ndarray  # index into ``event_names`` or -1
    event_names: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.village_code)


def load_geography(regencies: tuple[str, ...], rng: np.random.Generator, as_of: date) -> Geography:
    tables = region_tables()
    known = set(tables.regency_code.tolist())
    unknown = [code for code in regencies if code not in known]
    if unknown:
        raise ValueError(f"unknown regency codes: {', '.join(unknown)}")
    if len(set(regencies)) != len(regencies):
        raise ValueError("regency codes must be distinct")

    village_regency = np.array([code[:4] for code in tables.village_code])
    chosen = np.isin(village_regency, np.array(regencies))
    codes = tables.village_code[chosen]
    position = {code: i for i, code in enumerate(regencies)}
    regency_index = np.array([position[code[:4]] for code in codes], dtype=np.int32)
    n = len(codes)

    province = np.array([code[:2] for code in codes])
    city = np.array([is_city(regencies[i]) for i in regency_index])
    urban = city | (np.array([code[6] for code in codes]) == "1")
    java_bali = np.isin(province, list(JAVA_BALI))
    papua = np.isin(province, list(PAPUA))
    landlocked = np.isin(province, list(LANDLOCKED))

    coastal_p = np.select([landlocked, city, java_bali], [0.0, 0.2, 0.12], default=0.3)
    coastal = rng.random(n) < coastal_p
    remote_p = np.select(
        [urban, papua, np.isin(province, ["53", "81", "82"]), java_bali],
        [0.0, 0.3, 0.1, 0.003],
        default=0.04,
    )
    remote = rng.random(n) < remote_p

    regency_effect = np.array(
        [PROVINCE_WELFARE_EFFECT.get(code[:2], 0.0) for code in regencies]
    ) + rng.normal(0.0, 0.08, len(regencies))
    welfare_effect = (
        regency_effect[regency_index]
        + np.where(city, CITY_WELFARE_EFFECT, np.where(urban, KELURAHAN_WELFARE_EFFECT, 0.0))
        + np.where(remote, REMOTE_WELFARE_EFFECT, 0.0)
        + rng.normal(0.0, 0.12, n)
    )
    density = np.select([city, urban, java_bali, papua], [4.0, 2.5, 2.0, 0.35], default=1.0)
    weight = density * rng.lognormal(0.0, 0.4, n)

    latitude, longitude = _village_centres(tables, regencies, regency_index, city, rng)
    event, event_names = _disasters(tables, regencies, codes, regency_index, papua, rng, as_of)
    return Geography(
        regencies=regencies,
        village_code=codes,
        village_name=tables.village_name[chosen],
        district_code=np.array([int(code[:6]) for code in codes], dtype=np.int64),
        regency_index=regency_index,
        province=province,
        urban=urban,
        city=city,
        java_bali=java_bali,
        papua=papua,
        coastal=coastal,
        remote=remote,
        welfare_effect=welfare_effect,
        weight=weight,
        latitude=latitude,
        longitude=longitude,
        event=event,
        event_names=event_names,
    )


def _village_centres(
    tables: RegionTables,
    regencies: tuple[str, ...],
    regency_index: np.ndarray,
    city: np.ndarray,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    centres = np.array(
        [REGENCY_CENTRES.get(code) or tables.province_centroid[code[:2]] for code in regencies]
    )
    spread = np.where(city, 0.05, 0.2)
    n = len(regency_index)
    latitude = centres[regency_index, 0] + rng.normal(0.0, 1.0, n) * spread
    longitude = centres[regency_index, 1] + rng.normal(0.0, 1.0, n) * spread
    return latitude, longitude


def _disasters(
    tables: RegionTables,
    regencies: tuple[str, ...],
    village_codes: np.ndarray,
    regency_index: np.ndarray,
    papua: np.ndarray,
    rng: np.random.Generator,
    as_of: date,
) -> tuple[np.ndarray, tuple[str, ...]]:
    """One or two named events per regency, each striking most villages of one district."""
    names = dict(zip(tables.regency_code.tolist(), tables.regency_name.tolist(), strict=True))
    village_district = np.array([code[:6] for code in village_codes])
    event = np.full(len(village_codes), -1, dtype=np.int32)
    event_names: list[str] = []
    for index, regency in enumerate(regencies):
        districts = np.unique(village_district[regency_index == index])
        for _ in range(1 + int(rng.random() < 0.5)):
            in_papua = bool(papua[regency_index == index][0])
            kinds = (*DISASTER_KINDS, "Banjir Bandang") if in_papua else DISASTER_KINDS
            kind = kinds[rng.integers(len(kinds))]
            year = as_of.year - int(rng.integers(2))
            name = f"{kind} {short_regency_name(names[regency])} {year}"
            struck = districts[rng.integers(len(districts))]
            hit = (
                (village_district == struck)
                & (event < 0)
                & (rng.random(len(village_codes)) < DISASTER_HIT_SHARE)
            )
            if name in event_names or not hit.any():
                continue
            event[hit] = len(event_names)
            event_names.append(name)
    return event, tuple(event_names)
