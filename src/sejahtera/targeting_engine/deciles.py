"""Person-weighted deciles of the welfare score (national, province, regency), or external ones."""

from __future__ import annotations


def _decile(partition: str) -> str:
    """Person-weighted decile: the decile the household's middle person falls in, after
    sorting by welfare score then household_id (a deterministic tie-break)."""
    over = f"PARTITION BY {partition} " if partition else ""
    before = (
        f"COALESCE(SUM(living_members) OVER ({over}ORDER BY welfare_score, household_id "
        "ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)"
    )
    total = f"SUM(living_members) OVER ({over.strip()})"
    return f"LEAST(10, (20 * {before} + 10 * living_members) // (2 * {total}) + 1)"


def household_deciles(external: bool) -> str:
    if external:
        return """
SELECT
    s.*,
    CASE WHEN s.living_members > 0 THEN CAST(TRIM(d.national_decile) AS INTEGER) END
        AS national_decile,
    CAST(NULL AS INTEGER) AS province_decile,
    CAST(NULL AS INTEGER) AS regency_decile,
    CASE WHEN s.living_members > 0 AND d.household_id IS NOT NULL THEN 'external' END
        AS decile_source
FROM welfare_scores AS s
LEFT JOIN deciles_input AS d ON TRIM(d.household_id) = s.household_id"""
    return f"""
SELECT
    s.*,
    r.national_decile,
    r.province_decile,
    r.regency_decile,
    CASE WHEN r.household_id IS NOT NULL THEN 'pmt' END AS decile_source
FROM welfare_scores AS s
LEFT JOIN (
    SELECT
        household_id,
        {_decile("")} AS national_decile,
        {_decile("province_code")} AS province_decile,
        {_decile("regency_code")} AS regency_decile
    FROM welfare_scores
    WHERE living_members > 0
) AS r ON r.household_id = s.household_id"""
