"""The worked example of docs/targeting.md is what the engine decides."""

from datetime import date
from pathlib import Path

from targeting_builders import household, person

DOC = Path(__file__).resolve().parents[2] / "docs" / "targeting.md"


def test_worked_example(run):
    households = [
        household(
            "H-EX",
            house_ownership="own",
            floor_area_m2="36",
            floor_type="earth",
            wall_type="bamboo",
            roof_type="metal",
            drinking_water="unprotected_well",
            lighting="pln_meter",
            electricity_va="450",
            cooking_fuel="wood",
            toilet="shared",
            assets="smartphone",
        )
    ]
    persons = [
        person("P-1", "H-EX", "1985-03-10", sex="P", relationship="head",
               education="primary", employment="informal", monthly_income_idr="900000"),
        person("P-2", "H-EX", "2011-01-20", sex="P", school_enrolled="senior"),
        person("P-3", "H-EX", "2017-05-02", school_enrolled="primary"),
        person("P-4", "H-EX", "2022-02-14", sex="P", school_enrolled="early"),
        person("P-5", "H-EX", "1954-02-28", sex="P", relationship="parent",
               monthly_income_idr="0", disability="physical", disability_severity="severe"),
        person("P-6", "H-EX", "1983-08-01", relationship="spouse", deceased_date="2024-09-15"),
    ]  # fmt: skip
    as_of = date(2026, 7, 1)
    pinned = run(households, persons, as_of=as_of, deciles={"H-EX": 2})
    doc = DOC.read_text(encoding="utf-8")
    score = run(households, persons, as_of=as_of).household("H-EX")["welfare_score"]
    assert f"Rp{score:,}" in doc
    pkh = pinned.decision("H-EX", "PKH")
    assert pkh["components"] == ["EARLY_CHILD", "SEVERE_DISABILITY", "SENIOR", "PRIMARY"]
    assert (pkh["yearly_amount"], pkh["per_stage_amount"]) == (8_300_000, 2_075_000)
    assert "Rp8,300,000" in doc
    assert "Rp2,075,000" in doc
    assert pinned.household("H-EX")["pbi_jk_monthly_amount"] == 210_000
    assert pinned.clusters("P-1") == ["BERPENDAPATAN_RENDAH", "PEREMPUAN_RENTAN"]
    assert pinned.clusters("P-5") == ["DISABILITAS"]
    assert pinned.decision("P-1", "ATENSI")["reasons"] == [
        "clusters PEREMPUAN_RENTAN",
        "assessment required",
    ]
    assert pinned.decision("P-6", "PBI_JK")["reasons"] == ["deceased 2024-09-15 ≤ as_of"]
    assert pinned.decision("P-1", "PENA")["eligible"] is True
    for reason in pinned.person("P-1")["cluster_reasons"]:
        assert reason.split(": ", 1)[1] in doc.replace("\n  ", " ")
