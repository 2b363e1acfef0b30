"""Programmes an administrator defines in the rules file from the built-in building blocks."""

from targeting_builders import born_aged, household, person, rules_with


def with_programmes(**programmes):
    def change(data):
        data["programmes"].update(programmes)

    return rules_with(change)


ELDERLY_ALLOWANCE = with_programmes(
    LANSIA_MANDIRI={
        "name": "Bantuan lansia mandiri",
        "unit": "person",
        "min_age": 60,
        "max_decile": 3,
        "excluded_employment": ["civil_servant"],
        "monthly_amount": 300_000,
    }
)


def test_a_person_programme_decides_every_person_with_its_reasons(run):
    persons = [
        person("OLD", "H1", born_aged(60)),
        person("YOUNG", "H1", born_aged(60, days_before_birthday=1)),  # 59 until tomorrow
        person("PNS", "H1", born_aged(65), employment="civil_servant"),
        person("DEAD", "H1", born_aged(70), deceased_date="2026-06-30"),
    ]
    out = run([household("H1")], persons, deciles={"H1": 3}, rules=ELDERLY_ALLOWANCE)

    old = out.decision("OLD", "LANSIA_MANDIRI")
    assert old["eligible"] is True
    assert old["subject_type"] == "person"
    assert (old["monthly_amount"], old["yearly_amount"]) == (300_000, 3_600_000)
    assert old["one_off_amount"] is None
    assert old["reasons"] == ["age 60 ≥ 60", "decile 3 ≤ 3", "employment unknown (not excluded)"]

    young = out.decision("YOUNG", "LANSIA_MANDIRI")
    assert young["eligible"] is False
    assert (young["monthly_amount"], young["yearly_amount"]) == (0, 0)
    assert young["reasons"][0] == "age 59 < 60"
    assert out.decision("PNS", "LANSIA_MANDIRI")["reasons"][-1] == (
        "employment civil_servant excluded"
    )
    dead = out.decision("DEAD", "LANSIA_MANDIRI")
    assert dead["eligible"] is False
    assert dead["reasons"] == ["deceased 2026-06-30 ≤ as_of"]


def test_the_decile_cut_off_of_a_new_programme_includes_its_bound(run):
    persons = [person("OLD", "H1", born_aged(70))]
    for decile, eligible in [(3, True), (4, False)]:
        out = run([household("H1")], persons, deciles={"H1": decile}, rules=ELDERLY_ALLOWANCE)
        assert out.decision("OLD", "LANSIA_MANDIRI")["eligible"] is eligible, decile


def test_clusters_flags_sex_and_employment_are_building_blocks(run):
    rules = with_programmes(
        MODAL_PEREMPUAN={
            "name": "Modal usaha perempuan",
            "unit": "person",
            "sex": "P",
            "max_age": 55,
            "clusters": ["KORBAN_KEKERASAN", "PEREMPUAN_RENTAN"],
            "employment": ["informal", "none"],
            "one_off_amount": 2_500_000,
        },
        REHAB_NAPZA={
            "name": "Rehabilitasi NAPZA",
            "unit": "person",
            "any_of": ["drug_user"],
        },
    )
    persons = [
        person("W", "H1", born_aged(30), sex="P", violence_victim="true", employment="informal"),
        person("M", "H1", born_aged(30), violence_victim="true", employment="informal"),
        person("N", "H1", born_aged(30), sex="P", employment="informal"),
        person("D", "H1", born_aged(25), drug_user="ya"),
    ]
    out = run([household("H1")], persons, deciles={"H1": 6}, rules=rules)

    woman = out.decision("W", "MODAL_PEREMPUAN")
    assert woman["eligible"] is True
    assert woman["one_off_amount"] == 2_500_000
    assert woman["monthly_amount"] is None
    assert woman["reasons"] == [
        "age 30 ≤ 55",
        "sex P",
        "clusters KORBAN_KEKERASAN",
        "employment informal",
    ]
    man = out.decision("M", "MODAL_PEREMPUAN")
    assert (man["eligible"], man["reasons"][1]) == (False, "sex L is not P")
    not_in_cluster = out.decision("N", "MODAL_PEREMPUAN")
    assert (not_in_cluster["eligible"], not_in_cluster["reasons"][2]) == (False, "in no cluster")

    napza = out.decision("D", "REHAB_NAPZA")
    assert (napza["eligible"], napza["reasons"]) == (True, ["drug_user"])
    assert out.decision("W", "REHAB_NAPZA")["reasons"] == ["none of: drug_user"]
    assert all(
        out.decision(p, "REHAB_NAPZA")[column] is None
        for p in "WMND"
        for column in ("monthly_amount", "yearly_amount", "per_stage_amount", "one_off_amount")
    )


def test_excluded_clusters_alone_mean_any_other_cluster(run):
    rules = with_programmes(
        PENDAMPINGAN={
            "name": "Pendampingan",
            "unit": "person",
            "excluded_clusters": ["FAKIR_MISKIN", "BERPENDAPATAN_RENDAH"],
        }
    )
    persons = [
        person("POOR", "H1", born_aged(40)),
        person("DISABLED", "H1", born_aged(40), disability="physical"),
    ]
    out = run([household("H1")], persons, deciles={"H1": 1}, rules=rules)
    poor = out.decision("POOR", "PENDAMPINGAN")
    assert poor["eligible"] is False
    assert poor["reasons"] == ["only clusters not counted for PENDAMPINGAN: FAKIR_MISKIN"]
    disabled = out.decision("DISABLED", "PENDAMPINGAN")
    assert (disabled["eligible"], disabled["reasons"]) == (True, ["clusters DISABILITAS"])


ELDERLY_TOP_UP = with_programmes(
    PKH_LANSIA={
        "name": "PKH lansia",
        "unit": "household",
        "max_decile": 2,
        "stages_per_year": 4,
        "max_components": 1,
        "monthly_amount": 50_000,
        "components": [
            {"code": "LANSIA_60", "min_age": 60, "yearly_amount": 1_200_000},
            {
                "code": "DISABILITAS_BERAT",
                "disability_severity": "severe",
                "yearly_amount": 800_000,
            },
        ],
    }
)


def test_a_household_programme_with_components_keeps_them_the_pkh_way(run):
    persons = [
        person("A", "H1", born_aged(61), relationship="head"),
        person("B", "H1", born_aged(64), relationship="spouse"),
        person("C", "H1", born_aged(30), disability_severity="severe"),
    ]
    out = run([household("H1")], persons, deciles={"H1": 2}, rules=ELDERLY_TOP_UP)
    decision = out.decision("H1", "PKH_LANSIA")
    assert decision["eligible"] is True
    assert decision["subject_type"] == "household"
    assert decision["components"] == ["LANSIA_60"]  # at most one component
    # one component a year, plus the monthly part for 12 months, in four stages
    assert decision["yearly_amount"] == 1_200_000 + 12 * 50_000
    assert decision["per_stage_amount"] == 450_000
    assert decision["monthly_amount"] == 50_000
    assert decision["reasons"][0] == "decile 2 ≤ 2"
    assert "LANSIA_60 B (age 64 ≥ 60) not counted: at most 1 components" in decision["reasons"]
    assert (
        "DISABILITAS_BERAT C (disability severe) not counted: at most 1 components"
        in (decision["reasons"])
    )
    # the built-in programmes are decided as before, beside it
    assert out.decision("H1", "PKH")["components"] == ["SEVERE_DISABILITY"]


def test_a_household_programme_needs_a_component_and_the_decile(run):
    young = [person("Y", "H1", born_aged(30), relationship="head")]
    out = run([household("H1")], young, deciles={"H1": 1}, rules=ELDERLY_TOP_UP)
    decision = out.decision("H1", "PKH_LANSIA")
    assert decision["eligible"] is False
    assert decision["components"] == []
    assert (decision["yearly_amount"], decision["per_stage_amount"]) == (0, 0)
    assert decision["reasons"] == [
        "decile 1 ≤ 2",
        "no member qualifies for a PKH_LANSIA component",
    ]
    old = [person("O", "H1", born_aged(75), relationship="head")]
    out = run([household("H1")], old, deciles={"H1": 3}, rules=ELDERLY_TOP_UP)
    assert out.decision("H1", "PKH_LANSIA")["reasons"][0] == "decile 3 > 2"


def test_a_flat_household_programme_and_a_household_without_living_members(run):
    rules = with_programmes(
        BANTUAN_PANGAN={
            "name": "Bantuan pangan",
            "unit": "household",
            "max_decile": 1,
            "monthly_amount": 100_000,
        }
    )
    persons = [
        person("A", "H1", born_aged(40), relationship="head"),
        person("D", "H2", born_aged(80), relationship="head", deceased_date="2026-01-01"),
    ]
    households = [household("H1"), household("H2")]
    out = run(households, persons, deciles={"H1": 1, "H2": 1}, rules=rules)
    paid = out.decision("H1", "BANTUAN_PANGAN")
    assert (paid["eligible"], paid["monthly_amount"], paid["yearly_amount"]) == (
        True,
        100_000,
        1_200_000,
    )
    assert paid["per_stage_amount"] is None
    empty = out.decision("H2", "BANTUAN_PANGAN")
    assert (empty["eligible"], empty["reasons"]) == (False, ["no living member"])
