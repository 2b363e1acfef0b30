import copy
import tomllib
from datetime import date
from pathlib import Path

import pytest

from sejahtera.domain.targeting.rules import (
    CLUSTER_CODES,
    COMPONENT_CODES,
    DEFAULT_RULES_PATH,
    RulesError,
    load_rules,
    parse_rules,
    parse_rules_text,
)

DEFAULT = tomllib.loads(DEFAULT_RULES_PATH.read_text(encoding="utf-8"))


def broken(change) -> list[tuple[str, str]]:
    data = copy.deepcopy(DEFAULT)
    change(data)
    with pytest.raises(RulesError) as caught:
        parse_rules(data, base_dir=DEFAULT_RULES_PATH.parent, source="test.toml")
    return caught.value.problems


def test_defaults_match_the_spec():
    rules = load_rules()
    assert rules.version == "2026.1"
    assert rules.effective_from == date(2026, 1, 1)
    assert list(rules.clusters) == list(CLUSTER_CODES)
    assert rules.clusters["ANAK_RENTAN"].age_below == 18
    assert rules.clusters["LANSIA_TELANTAR"].alone_income_below == 500_000
    assert rules.clusters["BERPENDAPATAN_RENDAH"].income_below == 1_500_000
    assert rules.clusters["FAKIR_MISKIN"].max_decile == 1
    assert [c.code for c in rules.pkh.components] == list(COMPONENT_CODES)
    assert [c.yearly_amount for c in rules.pkh.components] == [
        3_000_000,
        3_000_000,
        900_000,
        1_500_000,
        2_000_000,
        2_400_000,
        2_400_000,
    ]
    assert [c.cap for c in rules.pkh.components] == [2, 2, None, None, None, 1, 1]
    assert rules.pkh.components[-1].min_age == 70
    assert (rules.pkh.max_decile, rules.pkh.max_components, rules.pkh.stages_per_year) == (4, 4, 4)
    assert (rules.sembako.max_decile, rules.sembako.monthly_amount) == (4, 200_000)
    assert (rules.pbi_jk.max_decile, rules.pbi_jk.monthly_amount_per_person) == (5, 42_000)
    assert rules.atensi.excluded_clusters == ("BERPENDAPATAN_RENDAH", "FAKIR_MISKIN")
    assert (rules.pena.min_age, rules.pena.max_age, rules.pena.max_decile) == (20, 45, 4)
    assert rules.pmt_model.synthetic is True


def test_unknown_key_is_named_with_its_path():
    problems = broken(lambda d: d["programmes"]["PKH"].update(max_decil=4))
    assert problems[0][0] == "programmes.PKH.max_decil"
    assert problems[0][1].startswith("unknown key")


def test_wrong_type():
    problems = broken(lambda d: d["programmes"]["SEMBAKO"].update(monthly_amount="200000"))
    assert problems == [
        (
            "programmes.SEMBAKO.monthly_amount",
            "must be a whole number (whole rupiah), got '200000'",
        )
    ]


def test_negative_amount():
    def change(data):
        data["programmes"]["PKH"]["components"][2]["yearly_amount"] = -900_000

    assert broken(change) == [
        (
            "programmes.PKH.components[2] (PRIMARY).yearly_amount",
            "must not be negative (whole rupiah), got -900000",
        )
    ]


def test_unknown_component_and_cluster_codes():
    def change(data):
        data["programmes"]["PKH"]["components"][0]["code"] = "PREGNANCY"
        data["clusters"]["LANSIA"] = {"any_of": ["neglected"]}
        data["programmes"]["ATENSI"]["excluded_clusters"] = ["FAKIR"]

    paths = dict(broken(change))
    assert "unknown PKH component 'PREGNANCY'" in paths["programmes.PKH.components[0].code"]
    assert paths["clusters.LANSIA"].startswith("unknown key")
    assert "unknown cluster 'FAKIR'" in paths["programmes.ATENSI.excluded_clusters[0]"]


def test_decile_outside_1_to_10():
    problems = broken(lambda d: d["programmes"]["PBI_JK"].update(max_decile=11))
    assert problems == [
        ("programmes.PBI_JK.max_decile", "must be at most 10 (a decile 1–10), got 11")
    ]
    problems = broken(lambda d: d["clusters"]["FAKIR_MISKIN"].update(max_decile=0))
    assert problems == [
        ("clusters.FAKIR_MISKIN.max_decile", "must be at least 1 (a decile 1–10), got 0")
    ]


def test_missing_cluster_and_keys():
    def change(data):
        del data["clusters"]["NAPZA_HIV"]
        del data["programmes"]["PENA"]["max_age"]
        del data["version"]

    paths = dict(broken(change))
    assert paths == {
        "version": "missing",
        "clusters.NAPZA_HIV": "missing",
        "programmes.PENA.max_age": "missing",
    }


def test_several_problems_are_reported_together():
    def change(data):
        data["clusters"]["ANAK_RENTAN"]["any_of"] = ["orphan", "naughty"]
        data["clusters"]["BERPENDAPATAN_RENDAH"]["employment"] = ["laborer", "Buruh"]
        data["programmes"]["PKH"]["components"][1]["max_age"] = -1
        data["programmes"]["PKH"]["components"][3]["cap"] = 1.5
        data["programmes"]["PKH"]["max_components"] = True

    paths = dict(broken(change))
    assert set(paths) == {
        "clusters.ANAK_RENTAN.any_of[1]",
        "clusters.BERPENDAPATAN_RENDAH.employment[1]",
        "programmes.PKH.components[1] (EARLY_CHILD).max_age",
        "programmes.PKH.components[3] (JUNIOR).cap",
        "programmes.PKH.max_components",
    }
    assert "unknown person flag 'naughty'" in paths["clusters.ANAK_RENTAN.any_of[1]"]


def test_amounts_must_split_into_whole_stages_and_ages_be_ordered():
    def change(data):
        data["programmes"]["PKH"]["components"][2]["yearly_amount"] = 900_001
        data["programmes"]["PENA"]["min_age"] = 50

    paths = dict(broken(change))
    assert (
        "divisible by stages_per_year (4)"
        in paths["programmes.PKH.components[2] (PRIMARY).yearly_amount"]
    )
    assert paths["programmes.PENA.max_age"] == "must be ≥ min_age (50), got 45"


def test_component_needs_a_condition_and_codes_once():
    def change(data):
        data["programmes"]["PKH"]["components"].append(
            {"code": "ELDERLY", "yearly_amount": 1_000_000}
        )

    paths = dict(broken(change))
    assert paths["programmes.PKH.components[7].code"] == "PKH component 'ELDERLY' is listed twice"
    assert paths["programmes.PKH.components[7] (ELDERLY)"].startswith(
        "needs at least one condition"
    )


def test_invalid_toml_and_missing_file(tmp_path: Path):
    with pytest.raises(RulesError, match="is not valid TOML"):
        parse_rules_text("version = ", base_dir=tmp_path)
    with pytest.raises(RulesError, match="cannot be read"):
        load_rules(tmp_path / "nope.toml")


def test_missing_pmt_model_file(tmp_path: Path):
    text = DEFAULT_RULES_PATH.read_text(encoding="utf-8")
    (tmp_path / "rules.toml").write_text(text, encoding="utf-8")
    with pytest.raises(RulesError) as caught:
        load_rules(tmp_path / "rules.toml")
    assert caught.value.problems[0][0] == "welfare.pmt_model"
    assert "cannot read" in caught.value.problems[0][1]
    (tmp_path / "pmt-default.json").write_text('{"format": "other"}', encoding="utf-8")
    with pytest.raises(RulesError, match="not a usable PMT model: format must be"):
        load_rules(tmp_path / "rules.toml")


def test_effective_from_must_be_a_date():
    problems = broken(lambda d: d.update(effective_from="1 Jan 2026"))
    assert problems == [("effective_from", "must be a date YYYY-MM-DD, got '1 Jan 2026'")]


def test_error_message_lists_every_problem():
    data = copy.deepcopy(DEFAULT)
    data["programmes"]["SEMBAKO"]["monthly_amount"] = -1
    with pytest.raises(RulesError) as caught:
        parse_rules(data, source="mine.toml")
    assert str(caught.value) == (
        "rules mine.toml are invalid:\n"
        "  programmes.SEMBAKO.monthly_amount: must not be negative (whole rupiah), got -1"
    )


# -- programmes an administrator defines ------------------------------------------------------


def add_programme(code, **body):
    return lambda data: data["programmes"].update({code: body})


def test_a_new_programme_is_read_with_its_building_blocks():
    data = copy.deepcopy(DEFAULT)
    data["programmes"]["PKH_LANSIA"] = {
        "name": "PKH lansia",
        "unit": "household",
        "max_decile": 2,
        "stages_per_year": 4,
        "components": [{"code": "LANSIA_60", "min_age": 60, "yearly_amount": 1_200_000}],
    }
    data["programmes"]["PENDAMPINGAN"] = {
        "name": "Pendampingan",
        "unit": "person",
        "excluded_clusters": ["FAKIR_MISKIN"],
    }
    rules = parse_rules(data, base_dir=DEFAULT_RULES_PATH.parent)
    assert [p.code for p in rules.custom] == ["PKH_LANSIA", "PENDAMPINGAN"]
    assert rules.programme_codes[-2:] == ("PKH_LANSIA", "PENDAMPINGAN")
    assert rules.household_programmes == ("PKH", "SEMBAKO", "PKH_LANSIA")
    household, person = rules.custom
    assert household.components[0].code == "LANSIA_60"
    assert household.max_components is None
    assert person.counted_clusters == tuple(c for c in CLUSTER_CODES if c != "FAKIR_MISKIN")
    # deciding on clusters reveals them, as ATENSI does; a decile and components do not
    assert rules.revealing_programmes == ("ATENSI", "PENDAMPINGAN")
    assert not household.reveals_vulnerability
    assert rules.component_programmes == ("PKH", "PKH_LANSIA")
    assert load_rules().custom == ()


def test_a_programme_matched_only_by_a_disability_or_a_pregnancy_reveals_it():
    def custom(*components):
        data = copy.deepcopy(DEFAULT)
        data["programmes"]["BANTU"] = {
            "name": "Bantu", "unit": "household", "max_decile": 4, "stages_per_year": 4,
            "components": list(components),
        }  # fmt: skip
        return parse_rules(data, base_dir=DEFAULT_RULES_PATH.parent).custom[0]

    disabled = {"code": "DIFABEL", "disability_severity": "severe", "yearly_amount": 2_400_000}
    pregnant = {"code": "HAMIL", "pregnant": True, "yearly_amount": 3_000_000}
    child = {"code": "BALITA", "max_age": 5, "yearly_amount": 3_000_000}
    assert custom(disabled).reveals_vulnerability
    assert custom(disabled, pregnant).reveals_vulnerability
    # one may be eligible by a small child instead: the amount, withheld, would tell which
    assert not custom(disabled, child).reveals_vulnerability


def test_a_misspelt_built_in_programme_is_not_taken_for_a_new_one():
    problems = dict(broken(lambda data: data["programmes"].update(PKHH={"max_decile": 4})))
    assert problems["programmes.PKHH.unit"].startswith("missing: PKHH is not a built-in programme")
    assert problems["programmes.PKHH.name"] == "missing"
    assert "programmes.pkh lansia" in dict(
        broken(add_programme("pkh lansia", name="x", unit="person", min_age=1))
    )


def test_a_built_in_programme_cannot_be_left_out():
    assert dict(broken(lambda data: data["programmes"].pop("PENA"))) == {
        "programmes.PENA": "missing"
    }


def test_a_new_programme_is_checked_like_the_built_in_ones():
    problems = dict(
        broken(
            add_programme(
                "BANTUAN_X",
                name="x",
                unit="person",
                min_age=50,
                max_age=40,
                clusters=["FAKIR_MISKIN", "LANSIA"],
                excluded_clusters=["FAKIR_MISKIN"],
                sex="X",
                monthly_amount=-1,
                colour="red",
            )
        )
    )
    assert problems["programmes.BANTUAN_X.max_age"] == "must be ≥ min_age (50), got 40"
    assert problems["programmes.BANTUAN_X.clusters[1]"].startswith("unknown cluster 'LANSIA'")
    assert problems["programmes.BANTUAN_X.sex"].startswith("unknown sex 'X'")
    assert problems["programmes.BANTUAN_X.monthly_amount"].startswith("must not be negative")
    assert problems["programmes.BANTUAN_X.colour"].startswith("unknown key (allowed here:")

    both = dict(
        broken(
            add_programme(
                "BANTUAN_Y",
                name="y",
                unit="person",
                clusters=["FAKIR_MISKIN"],
                excluded_clusters=["FAKIR_MISKIN"],
            )
        )
    )
    assert both["programmes.BANTUAN_Y.excluded_clusters"] == "also required: FAKIR_MISKIN"


def test_a_new_programme_needs_a_condition_and_a_valid_unit():
    problems = dict(broken(add_programme("GRATIS", name="Untuk semua", unit="household")))
    assert problems["programmes.GRATIS"] == "needs at least one condition: components, max_decile"
    # an empty exclusion list excludes nothing, so it is no condition either
    problems = dict(broken(add_programme("SEMUA", name="s", unit="person", excluded_employment=[])))
    assert problems["programmes.SEMUA"].startswith("needs at least one condition")
    problems = dict(broken(add_programme("KELUARGA", name="k", unit="family", max_decile=2)))
    assert problems["programmes.KELUARGA.unit"].startswith("unknown unit 'family'")
    # person conditions do not apply to a household unit
    problems = dict(
        broken(add_programme("RUMAH", name="r", unit="household", max_decile=2, min_age=60))
    )
    assert problems["programmes.RUMAH.min_age"].startswith("unknown key")


def test_the_components_of_a_new_programme():
    def components(*items, **extra):
        return add_programme(
            "PKH_PLUS", name="p", unit="household", max_decile=2, components=list(items), **extra
        )

    problems = dict(
        broken(
            components(
                {"code": "lansia", "min_age": 60, "yearly_amount": 1_000_000},
                {"code": "BALITA", "max_age": 5, "yearly_amount": 1_000_001},
                {"code": "BALITA", "max_age": 4, "yearly_amount": 1_000_000},
                {"code": "KOSONG", "yearly_amount": 1_000_000},
                stages_per_year=4,
            )
        )
    )
    assert problems["programmes.PKH_PLUS.components[0].code"].startswith("must be 2–20 capital")
    assert problems["programmes.PKH_PLUS.components[1] (BALITA).yearly_amount"].startswith(
        "must be divisible by stages_per_year (4)"
    )
    assert problems["programmes.PKH_PLUS.components[2].code"] == (
        "PKH_PLUS component 'BALITA' is listed twice"
    )
    assert problems["programmes.PKH_PLUS.components[3] (KOSONG)"].startswith(
        "needs at least one condition"
    )
    problems = dict(
        broken(
            add_programme("PKH_PLUS", name="p", unit="household", max_decile=2, max_components=2)
        )
    )
    assert problems["programmes.PKH_PLUS"] == "max_components and stages_per_year need components"


def test_empty_exclusion_lists_of_the_built_in_programmes_exclude_nothing():
    data = copy.deepcopy(DEFAULT)
    data["programmes"]["ATENSI"]["excluded_clusters"] = []
    data["programmes"]["PENA"]["excluded_employment"] = []
    rules = parse_rules(data, base_dir=DEFAULT_RULES_PATH.parent)
    assert rules.atensi.excluded_clusters == ()
    assert rules.pena.excluded_employment == ()
    assert dict(broken(lambda d: d["programmes"]["PENA"].update(min_age=50, max_age=40))) == {
        "programmes.PENA.max_age": "must be ≥ min_age (50), got 40"
    }


def test_the_extreme_poverty_line_is_a_setting_with_its_source_and_year():
    poverty = load_rules().extreme_poverty
    assert poverty is not None
    assert (poverty.line, poverty.year) == (390_000, 2024)
    assert "USD 2.15" in poverty.source


def test_the_extreme_poverty_line_is_checked():
    def change(data):
        data["welfare"]["extreme_poverty"] = {"line": -5, "year": 1990, "colour": "red"}

    problems = dict(broken(change))
    assert problems["welfare.extreme_poverty.line"].startswith("must be at least 1")
    assert problems["welfare.extreme_poverty.year"].startswith("must be at least 2000")
    assert problems["welfare.extreme_poverty.colour"].startswith("unknown key")
    assert problems["welfare.extreme_poverty.source"] == "missing"


def test_rules_without_an_extreme_poverty_line_mark_nobody():
    data = copy.deepcopy(DEFAULT)
    del data["welfare"]["extreme_poverty"]
    assert parse_rules(data, base_dir=DEFAULT_RULES_PATH.parent).extreme_poverty is None
