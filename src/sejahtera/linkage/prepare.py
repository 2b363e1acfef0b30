"""The person rows as the matcher compares them: one SQL query, DuckDB dialect (Spark gets it
transpiled), over the registry-format inputs ``persons_input`` and ``households_input``.

Names are compared after what varies between two registrations of one person without making
them two people is taken out: case and punctuation, degrees after a comma ("Agus, S.Pd."),
titles and honorifics ("H.", "Hj.", "Drs."), and the old spellings of the same sounds
("Soeharto" and "Suharto", "Djoko" and "Joko"). Their parts are kept sorted as well, for a
name registered in another order, and as a list, for a part left out.
"""

from sejahtera.domain.names import HONORIFICS, SPELLING_VARIANTS
from sejahtera.targeting_engine.sql import text

HONORIFIC_WORDS = text(r"\b(" + "|".join(HONORIFICS) + r")\b")


def normalised_name(column: str) -> str:
    name = f"regexp_replace(lower({column}), ',.*$', '')"  # degrees follow a comma
    name = f"regexp_replace({name}, '[^a-z]+', ' ', 'g')"
    name = f"regexp_replace({name}, {HONORIFIC_WORDS}, ' ', 'g')"
    for old, new in SPELLING_VARIANTS:
        name = f"replace({name}, {text(old)}, {text(new)})"
    return f"NULLIF(trim(regexp_replace({name}, ' +', ' ', 'g')), '')"


def matching_rows() -> str:
    """One row per person: the columns the comparisons and blocking rules read."""
    return f"""
WITH person AS (
    SELECT
        trim(p.person_id) AS person_id,
        {normalised_name("p.full_name")} AS name,
        NULLIF(trim(p.nik), '') AS nik,
        lower(trim(p.sex)) AS sex,
        NULLIF(trim(p.birth_date), '') AS birth_date,
        NULLIF({normalised_name("p.birth_place")}, '') AS birth_place,
        NULLIF(trim(h.kk_number), '') AS kk_number,
        NULLIF(trim(h.region_code), '') AS village
    FROM persons_input AS p
    LEFT JOIN households_input AS h ON trim(h.household_id) = trim(p.household_id)
)
SELECT
    person_id,
    name,
    array_to_string(list_sort(string_split(name, ' ')), ' ') AS name_sorted,
    string_split(name, ' ') AS name_parts,
    substr(name, 1, 3) AS name_start,
    nik,
    sex,
    birth_date,
    substr(birth_date, 1, 4) AS birth_year,
    substr(birth_date, 6, 2) AS birth_month,
    substr(birth_date, 9, 2) AS birth_day,
    birth_place,
    kk_number,
    village,
    substr(village, 1, 6) AS district
FROM person
"""
