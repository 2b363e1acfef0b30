"""Names, birth places and addresses from fixed pools (Faker's id_ID lists, read once).

Faker is used only as a source of word lists: no Faker call per row, and no Faker randomness,
so the numpy generator alone decides every choice.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from faker.providers.address.id_ID import Provider as AddressProvider
from faker.providers.person.id_ID import Provider as PersonProvider

from sejahtera.synth.geography import region_tables, short_regency_name
from sejahtera.synth.sampling import concat, digits, labels

# Shares of name forms: a single name ("Suharti"), a given name and a family-style name
# ("Agus Budiman"), or two given names ("Dewi Lestari").
SINGLE_NAME, WITH_SURNAME, TWO_GIVEN_NAMES = 0, 1, 2
NAME_FORM_SHARES = (0.25, 0.45, 0.30)
ROMAN = ("I", "II", "III", "IV", "V")
MAX_NAME_REDRAWS = 5


@dataclass(frozen=True)
class NamePools:
    given: tuple[str, ...]  # male given names, then female ones
    male_given: int  # how many of ``given`` are male
    male_surnames: tuple[str, ...]
    female_surnames: tuple[str, ...]
    streets: tuple[str, ...]
    cities: tuple[str, ...]


@cache
def name_pools() -> NamePools:
    male = tuple(dict.fromkeys(PersonProvider.first_names_male))
    female = tuple(dict.fromkeys(PersonProvider.first_names_female))
    return NamePools(
        given=male + female,
        male_given=len(male),
        male_surnames=tuple(dict.fromkeys(PersonProvider.last_names_male)),
        female_surnames=tuple(dict.fromkeys(PersonProvider.last_names_female)),
        streets=tuple(AddressProvider.streets),
        cities=tuple(AddressProvider.cities),
    )


def full_names(female: np.ndarray, household: np.ndarray, rng: np.random.Generator) -> pa.Array:
    """A name for each person; two members of one household rarely share a whole name (a
    parent and a child, two siblings), so a later member who would gets another given name."""
    pools = name_pools()
    n = len(female)
    n_male, n_female = pools.male_given, len(pools.given) - pools.male_given

    def given_name() -> np.ndarray:
        return np.where(female, n_male + rng.integers(0, n_female, n), rng.integers(0, n_male, n))

    first = given_name()
    # Second part: '' (single name), then ' ' + surname (male, female), then ' ' + given name.
    second_pool = (
        "",
        *(" " + s for s in pools.male_surnames),
        *(" " + s for s in pools.female_surnames),
        *(" " + g for g in pools.given),
    )
    n_msur, n_fsur = len(pools.male_surnames), len(pools.female_surnames)
    surname = np.where(
        female, 1 + n_msur + rng.integers(0, n_fsur, n), 1 + rng.integers(0, n_msur, n)
    )
    second_given = 1 + n_msur + n_fsur + given_name()
    form = rng.choice(3, size=n, p=NAME_FORM_SHARES)
    second = np.choose(form, [np.zeros(n, dtype=np.int64), surname, second_given])
    for _ in range(MAX_NAME_REDRAWS):
        # Two identical given names ("Agus Agus") are rare: fall back to the single name.
        second = np.where(second == 1 + n_msur + n_fsur + first, 0, second)
        again = _repeated_in_household(household, first * len(second_pool) + second)
        if not again.any():
            break
        first[again] = given_name()[again]
    return concat(labels(pools.given, first), labels(second_pool, second))


def _repeated_in_household(household: np.ndarray, name: np.ndarray) -> np.ndarray:
    """Rows whose name (a code) an earlier member of the same household already has."""
    order = np.lexsort((np.arange(len(name)), name, household))
    same = (household[order][1:] == household[order][:-1]) & (name[order][1:] == name[order][:-1])
    repeated = np.zeros(len(name), dtype=bool)
    repeated[order[1:][same]] = True
    return repeated


def birth_places(
    registration_district: np.ndarray, rng: np.random.Generator, unknown_rate: float = 0.05
) -> pa.Array:
    """Mostly the regency where the NIK was issued (named as today), sometimes a city
    elsewhere, sometimes unknown."""
    tables = region_tables()
    names = [short_regency_name(name) for name in tables.regency_name]
    number_of = {code: i for i, code in enumerate(tables.regency_code.tolist())}
    for current, (former, _) in tables.former_by_current.items():
        number_of[former] = number_of[current]
    codes = np.array(sorted(int(code) for code in number_of), dtype=np.int64)
    index = np.array([number_of[f"{code:04d}"] for code in codes])
    regency = registration_district // 100
    place = index[np.searchsorted(codes, regency)]
    n = len(regency)
    cities = name_pools().cities
    draw = rng.random(n)
    vocabulary = (*names, *cities, "")
    choice = np.select(
        [draw < unknown_rate, draw < unknown_rate + 0.08],
        [len(vocabulary) - 1, len(names) + rng.integers(0, len(cities), n)],
        default=place,
    )
    return labels(vocabulary, choice)


def addresses(urban: np.ndarray, village_name: np.ndarray, rng: np.random.Generator) -> pa.Array:
    """'Jl. Cihampelas No. 12' in town, 'Dusun Sukamaju II' in the countryside."""
    n = len(urban)
    streets = name_pools().streets
    street = labels(
        ("Jl. ", "Gg. ", "Dusun "),
        np.where(urban, (rng.random(n) < 0.3).astype(np.int8), 2),
    )
    town = concat(
        street,
        labels(streets, rng.integers(0, len(streets), n)),
        " No. ",
        digits(rng.integers(1, 200, n)),
    )
    village = concat(street, pa.array(village_name), " ", labels(ROMAN, rng.integers(0, 5, n)))
    return pc.if_else(pa.array(urban), town, village)


# How a second registration writes the same person's name, and how often: a typo, the spelling
# before 1972 ("Djoko" for "Joko"), a title or honorific added ("H.", "Drs."), a part left out,
# the parts in another order, all in capitals.
NAME_VARIANTS = ("typo", "old_spelling", "title", "part_dropped", "order", "capitals")
NAME_VARIANT_SHARES = np.array([0.5, 0.15, 0.1, 0.1, 0.1, 0.05])
TITLES = ("H. ", "Hj. ", "Drs. ", "Ir. ", "Dr. ")
# The newer spellings and the older ones they replaced, each tried in turn.
OLD_SPELLINGS = (("u", "oe"), ("j", "dj"), ("c", "tj"), ("sy", "sj"), ("ny", "nj"), ("kh", "ch"))


def name_variant(name: str, draws: np.ndarray) -> tuple[str, str]:
    """The name as a second registration writes it, and which variant (``NAME_VARIANTS``).
    ``draws`` are four uniform numbers; a variant that cannot apply (a one-part name cannot
    lose a part) falls back to a typo, so the name always changes."""
    kind = NAME_VARIANTS[
        min(int(np.searchsorted(np.cumsum(NAME_VARIANT_SHARES), draws[3], side="right")), 5)
    ]
    parts = name.split()
    changed = name
    if kind == "old_spelling":
        start = int(draws[0] * len(OLD_SPELLINGS))
        for new, old in OLD_SPELLINGS[start:] + OLD_SPELLINGS[:start]:
            changed = name.replace(new, old).replace(new.capitalize(), old.capitalize())
            if changed != name:
                break
    elif kind == "title":
        changed = TITLES[int(draws[0] * len(TITLES))] + name
    elif kind == "part_dropped" and len(parts) > 1:
        changed = " ".join(parts[:-1])
    elif kind == "order" and len(parts) > 1:
        changed = " ".join(reversed(parts))
    elif kind == "capitals":
        changed = name.upper()
    if changed == name:
        return typo(name, draws[:3]), "typo"
    return changed, kind


def typo(name: str, draws: np.ndarray) -> str:
    """A small misspelling that always changes the name: swap two neighbours, drop or double a
    letter, or change a vowel. ``draws`` are three uniform numbers choosing the kind and place."""
    letters = [i for i, c in enumerate(name) if c.isalpha()]
    if len(letters) < 3:
        return name + (name[-1] if name else "a")
    first_kind = int(draws[0] * 4)
    at = letters[1 + int(draws[1] * (len(letters) - 2))]  # never the first letter
    for kind in (first_kind, *range(4)):
        changed = _misspell(name, kind, at, letters, draws[2])
        if changed != name:
            return changed
    return name + name[-1]


def _misspell(name: str, kind: int, at: int, letters: list[int], draw: float) -> str:
    if kind == 0:
        if not name[at - 1].isalpha():
            return name  # not across a space: let the caller try another kind
        return name[: at - 1] + name[at] + name[at - 1] + name[at + 1 :]
    if kind == 1:
        return name[:at] + name[at + 1 :]
    if kind == 2:
        return name[:at] + name[at] + name[at:]
    vowels = [i for i in letters if name[i].lower() in "aeiou"] or letters
    at = vowels[int(draw * len(vowels))]
    swaps = {"a": "e", "e": "i", "i": "y", "o": "u", "u": "o"}
    replacement = swaps.get(name[at].lower(), "a")
    if name[at].isupper():
        replacement = replacement.upper()
    return name[:at] + replacement + name[at + 1 :]
