"""Programme rules: PKH components step by step, SEMBAKO, PBI_JK, ATENSI, PENA, conventions."""

from datetime import date

from targeting_builders import born_aged, household, person, rules_with

H = [household("H1")]


def pkh(run, persons, decile=3, **kwargs):
    out = run(H, persons, deciles={"H1": decile}, **kwargs)
    return out, out.decision("H1", "PKH")


# -- PKH components -----------------------------------------------------------------------


def test_early_child_is_age_0_to_6_inclusive(run):
    for age, expected in [(0, ["EARLY_CHILD"]), (6, ["EARLY_CHILD"]), (7, [])]:
        _, decision = pkh(run, [person("C", "H1", born_aged(age))])
        assert decision["components"] == expected, age
    # one day before the 7th birthday the child is still 6
    _, decision = pkh(run, [person("C", "H1", born_aged(7, days_before_birthday=1))])
    assert decision["components"] == ["EARLY_CHILD"]


def test_newborn_on_as_of_counts_and_unborn_does_not(run):
    _, decision = pkh(run, [person("C", "H1", "2026-07-01")])
    assert decision["components"] == ["EARLY_CHILD"]
    out, decision = pkh(run, [person("A", "H1", born_aged(30)), person("C", "H1", "2026-07-02")])
    assert decision["eligible"] is False
    assert out.person("C")["status"] == "not_yet_born"


def test_school_components_are_age_6_to_21(run):
    cases = [
        (5, "primary", ["EARLY_CHILD"]),
        (6, "primary", ["EARLY_CHILD"]),  # 6 is still early childhood, which pays more
        (7, "primary", ["PRIMARY"]),
        (13, "junior", ["JUNIOR"]),
        (21, "senior", ["SENIOR"]),
        (22, "senior", []),
        (10, "none", []),
        (10, "", []),
    ]
    for age, school, expected in cases:
        _, decision = pkh(run, [person("C", "H1", born_aged(age), school_enrolled=school)])
        assert decision["components"] == expected, (age, school)

    def without_early_child(data):
        del data["programmes"]["PKH"]["components"][1]

    rules = rules_with(without_early_child)
    for age, expected in [(5, []), (6, ["PRIMARY"])]:
        persons = [person("C", "H1", born_aged(age), school_enrolled="primary")]
        _, decision = pkh(run, persons, rules=rules)
        assert decision["components"] == expected, age


def test_elderly_from_70_not_69(run):
    _, decision = pkh(run, [person("E", "H1", born_aged(70))])
    assert decision["components"] == ["ELDERLY"]
    assert decision["reasons"] == ["decile 3 ≤ 4", "ELDERLY E (age 70 ≥ 70)"]
    _, decision = pkh(run, [person("E", "H1", born_aged(70, days_before_birthday=1))])
    assert decision["components"] == []
    assert decision["eligible"] is False
    assert "no member qualifies for a PKH component" in decision["reasons"]


def test_elderly_age_is_a_setting(run):
    def sixty(data):
        data["programmes"]["PKH"]["components"][6]["min_age"] = 60

    _, decision = pkh(run, [person("E", "H1", born_aged(65))], rules=rules_with(sixty))
    assert decision["components"] == ["ELDERLY"]


def test_pregnant_component_and_empty_pregnant_is_false(run):
    _, decision = pkh(run, [person("M", "H1", born_aged(25), sex="P", pregnant="true")])
    assert decision["components"] == ["PREGNANT"]
    assert decision["yearly_amount"] == 3_000_000
    assert decision["per_stage_amount"] == 750_000
    _, decision = pkh(run, [person("M", "H1", born_aged(25), sex="P", pregnant="")])
    assert decision["components"] == []


def test_severely_disabled_70_year_old_counts_as_severe_disability(run):
    _, decision = pkh(run, [person("E", "H1", born_aged(70), disability_severity="severe")])
    assert decision["components"] == ["SEVERE_DISABILITY"]
    assert decision["yearly_amount"] == 2_400_000


def test_no_fallback_when_capped_out(run):
    # two severely disabled elderly: SEVERE_DISABILITY cap 1, the second does not fall back
    persons = [
        person("E1", "H1", born_aged(75), disability_severity="severe"),
        person("E2", "H1", born_aged(80), disability_severity="severe"),
    ]
    _, decision = pkh(run, persons)
    assert decision["components"] == ["SEVERE_DISABILITY"]
    assert decision["yearly_amount"] == 2_400_000
    assert (
        "SEVERE_DISABILITY E2 (disability severe) not counted: cap 1 reached"
        in (decision["reasons"])
    )


def test_caps_2_2_1_1(run):
    persons = [
        *[person(f"M{i}", "H1", born_aged(25), sex="P", pregnant="true") for i in range(3)],
        *[person(f"C{i}", "H1", born_aged(2)) for i in range(3)],
        *[person(f"E{i}", "H1", born_aged(75)) for i in range(2)],
        *[person(f"D{i}", "H1", born_aged(40), disability_severity="severe") for i in range(2)],
    ]

    def unlimited(data):
        data["programmes"]["PKH"]["max_components"] = 100

    _, decision = pkh(run, persons, rules=rules_with(unlimited))
    assert sorted(decision["components"]) == sorted(
        ["PREGNANT"] * 2 + ["EARLY_CHILD"] * 2 + ["SEVERE_DISABILITY", "ELDERLY"]
    )
    assert decision["yearly_amount"] == 4 * 3_000_000 + 2 * 2_400_000


def test_at_most_4_components_highest_first_with_table_order_ties(run):
    persons = [
        person("S1", "H1", born_aged(16), school_enrolled="senior"),  # 2,000,000
        person("P1", "H1", born_aged(8), school_enrolled="primary"),  # 900,000
        person("E1", "H1", born_aged(75)),  # ELDERLY 2,400,000 (after SEVERE_DISABILITY)
        person("D1", "H1", born_aged(40), disability_severity="severe"),  # 2,400,000
        person("C1", "H1", born_aged(3)),  # 3,000,000
        person("J1", "H1", born_aged(13), school_enrolled="junior"),  # 1,500,000
    ]
    _, decision = pkh(run, persons)
    assert decision["components"] == ["EARLY_CHILD", "SEVERE_DISABILITY", "ELDERLY", "SENIOR"]
    assert decision["yearly_amount"] == 3_000_000 + 2_400_000 + 2_400_000 + 2_000_000
    assert decision["per_stage_amount"] == decision["yearly_amount"] // 4
    assert (
        "JUNIOR J1 (school junior, age 13 in 6–21) not counted: at most 4 components"
        in (decision["reasons"])
    )


def test_max_components_ties_follow_table_order(run):
    persons = [
        person("A", "H1", born_aged(2)),
        person("B", "H1", born_aged(3)),
        person("M1", "H1", born_aged(25), sex="P", pregnant="true"),
        person("M2", "H1", born_aged(26), sex="P", pregnant="true"),
        person("E", "H1", born_aged(80)),
    ]

    def three(data):
        data["programmes"]["PKH"]["max_components"] = 3

    _, decision = pkh(run, persons, rules=rules_with(three))
    # 4 members at 3,000,000: PREGNANT comes first in the table, then EARLY_CHILD
    assert decision["components"] == ["PREGNANT", "PREGNANT", "EARLY_CHILD"]


def test_deceased_members_are_excluded_from_components(run):
    persons = [
        person("A", "H1", born_aged(30)),
        person("C", "H1", born_aged(2), deceased_date="2026-07-01"),
    ]
    _, decision = pkh(run, persons)
    assert decision["components"] == []
    assert decision["eligible"] is False


def test_pkh_needs_decile_4_or_lower(run):
    persons = [person("C", "H1", born_aged(2))]
    _, decision = pkh(run, persons, decile=4)
    assert decision["eligible"] is True
    _, decision = pkh(run, persons, decile=5)
    assert decision["eligible"] is False
    assert decision["components"] == []
    assert decision["yearly_amount"] == 0
    assert decision["reasons"][0] == "decile 5 > 4"


def test_beyond_the_decile_components_are_not_counted_but_their_absence_is_told(run):
    # Counting a refused household's components changes nothing it receives and cost most
    # of the PKH stage; that no member qualifies is still said (an objection's reviewer
    # reads it: turning the decision around would pay nothing).
    _, child = pkh(run, [person("C", "H1", born_aged(2))], decile=5)
    assert child["reasons"] == ["decile 5 > 4"]
    _, adult = pkh(run, [person("A", "H1", born_aged(40))], decile=5)
    assert adult["reasons"] == ["decile 5 > 4", "no member qualifies for a PKH component"]
    # Not in the deciles file: refused on that, nothing counted either.
    out = run([*H, household("H2")], [person("C", "H1", born_aged(2))], deciles={"H2": 3})
    assert out.decision("H1", "PKH")["reasons"] == [
        "no national decile: household not in the deciles file"
    ]


def test_household_without_living_members_gets_nothing(run):
    persons = [person("C", "H1", born_aged(2), deceased_date="2020-01-01")]
    out = run(H, persons, deciles={"H1": 1})
    for programme in ("PKH", "SEMBAKO"):
        decision = out.decision("H1", programme)
        assert decision["eligible"] is False
        assert decision["reasons"] == ["no living member"]
    assert out.household("H1")["national_decile"] is None
    assert out.household("H1")["living_members"] == 0


def test_household_without_any_person_row(run):
    out = run([household("H1"), household("H2")], [person("A", "H2", born_aged(30))])
    assert out.decision("H1", "SEMBAKO")["reasons"] == ["no living member"]
    assert out.household("H2")["national_decile"] is not None


# -- SEMBAKO, PBI_JK ----------------------------------------------------------------------


def test_sembako(run):
    persons = [person("A", "H1", born_aged(30))]
    yes = run(H, persons, deciles={"H1": 4}).decision("H1", "SEMBAKO")
    assert (yes["eligible"], yes["monthly_amount"], yes["yearly_amount"]) == (
        True,
        200_000,
        2_400_000,
    )
    no = run(H, persons, deciles={"H1": 5}).decision("H1", "SEMBAKO")
    assert (no["eligible"], no["monthly_amount"], no["reasons"]) == (False, 0, ["decile 5 > 4"])


def test_pbi_jk_for_living_members_up_to_decile_5(run):
    persons = [
        person("A", "H1", born_aged(30)),
        person("B", "H1", born_aged(3)),
        person("D", "H1", born_aged(80), deceased_date="2026-06-30"),
    ]
    out = run(H, persons, deciles={"H1": 5})
    assert out.decision("A", "PBI_JK")["monthly_amount"] == 42_000
    assert out.decision("A", "PBI_JK")["reasons"] == ["decile 5 ≤ 5"]
    assert out.decision("D", "PBI_JK")["eligible"] is False
    assert out.decision("D", "PBI_JK")["reasons"] == ["deceased 2026-06-30 ≤ as_of"]
    assert out.household("H1")["pbi_jk_persons"] == 2
    assert out.household("H1")["pbi_jk_monthly_amount"] == 84_000
    out = run(H, persons, deciles={"H1": 6})
    assert out.decision("A", "PBI_JK")["eligible"] is False
    assert out.decision("A", "PBI_JK")["reasons"] == ["decile 6 > 5"]


# -- ATENSI, PENA -------------------------------------------------------------------------


def test_atensi_any_cluster_but_low_income_and_poor(run):
    persons = [
        person("A", "H1", born_aged(30), disability="physical"),
        person("B", "H1", born_aged(30), monthly_income_idr="500000", employment="farmer"),
        person("C", "H1", born_aged(30)),
    ]
    out = run(H, persons, deciles={"H1": 1})
    assert out.decision("A", "ATENSI")["eligible"] is True
    assert out.decision("A", "ATENSI")["reasons"] == [
        "clusters DISABILITAS",
        "assessment required",
    ]
    assert out.decision("B", "ATENSI")["eligible"] is False
    assert out.decision("B", "ATENSI")["reasons"] == [
        "only clusters not counted for ATENSI: BERPENDAPATAN_RENDAH, FAKIR_MISKIN"
    ]
    out = run(H, persons, deciles={"H1": 7})
    assert out.decision("C", "ATENSI")["reasons"] == ["in no cluster"]


def test_pena_age_band_decile_and_employment(run):
    persons = [
        person("A", "H1", born_aged(20), employment="informal"),
        person("B", "H1", born_aged(45)),
        person("C", "H1", born_aged(46)),
        person("D", "H1", born_aged(19)),
        person("E", "H1", born_aged(30), employment="civil_servant"),
        person("F", "H1", born_aged(30), employment="private_employee"),
    ]
    out = run(H, persons, deciles={"H1": 4})
    assert out.decision("A", "PENA")["eligible"] is True
    assert out.decision("A", "PENA")["one_off_amount"] == 6_000_000
    assert out.decision("A", "PENA")["reasons"] == [
        "age 20 in 20–45",
        "decile 4 ≤ 4",
        "employment informal",
    ]
    assert out.decision("B", "PENA")["eligible"] is True
    assert "employment unknown (not excluded)" in out.decision("B", "PENA")["reasons"]
    assert out.decision("C", "PENA")["eligible"] is False
    assert out.decision("D", "PENA")["eligible"] is False
    assert out.decision("E", "PENA")["reasons"][-1] == "employment civil_servant excluded"
    assert out.decision("F", "PENA")["eligible"] is False
    assert run(H, persons, deciles={"H1": 5}).decision("A", "PENA")["eligible"] is False


# -- conventions --------------------------------------------------------------------------


def test_29_february_birthday_counts_on_1_march_in_non_leap_years(run):
    persons = [person("E", "H1", "1956-02-29")]
    for as_of, age in [
        (date(2026, 2, 28), 69),
        (date(2026, 3, 1), 70),
        (date(2024, 2, 28), 67),
        (date(2024, 2, 29), 68),
    ]:
        out = run(H, persons, deciles={"H1": 2}, as_of=as_of)
        assert out.person("E")["age"] == age, as_of
        assert (out.decision("H1", "PKH")["components"] == ["ELDERLY"]) is (age >= 70)


def test_deceased_on_as_of_is_deceased_and_the_day_after_is_alive(run):
    persons = [
        person("A", "H1", born_aged(30), deceased_date="2026-07-01"),
        person("B", "H1", born_aged(30), deceased_date="2026-07-02"),
    ]
    out = run(H, persons, deciles={"H1": 2})
    assert out.person("A")["status"] == "deceased"
    assert out.decision("A", "PBI_JK")["eligible"] is False
    assert out.person("B")["status"] == "member"
    assert out.decision("B", "PBI_JK")["eligible"] is True


def test_every_subject_gets_every_decision(run):
    persons = [person("A", "H1", born_aged(30)), person("B", "H1", "not-a-date")]
    out = run(H, persons, deciles={"H1": 8})
    programmes = [
        (r["subject_id"], r["programme"]) for r in out.result.read("decisions").to_pylist()
    ]
    assert programmes == [
        ("A", "PBI_JK"),
        ("A", "ATENSI"),
        ("A", "PENA"),
        ("B", "PBI_JK"),
        ("B", "ATENSI"),
        ("B", "PENA"),
        ("H1", "PKH"),
        ("H1", "SEMBAKO"),
    ]
    assert out.decision("B", "PENA")["reasons"] == [
        "not a member: birth_date missing or not a date"
    ]
    assert all(r["reasons"] for r in out.result.read("decisions").to_pylist())
