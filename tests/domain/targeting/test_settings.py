import tomllib

from sejahtera.domain.targeting.rules import DEFAULT_RULES_PATH
from sejahtera.domain.targeting.settings import SettingKind, setting_kind, tunable_settings


def default_settings():
    return {s.path: s for s in tunable_settings(tomllib.loads(DEFAULT_RULES_PATH.read_text()))}


def test_every_programme_number_of_the_defaults_is_tunable():
    settings = default_settings()
    assert settings[("programmes", "PKH", "max_decile")].value == 4
    assert settings[("programmes", "SEMBAKO", "monthly_amount")].value == 200_000
    assert settings[("programmes", "PENA", "max_capital_amount")].kind is SettingKind.AMOUNT
    elderly = settings[("programmes", "PKH", "components", 6, "min_age")]
    assert (elderly.component, elderly.value, elderly.kind) == ("ELDERLY", 70, SettingKind.AGE)
    assert settings[("programmes", "PKH", "components", 0, "cap")].bounds == (1, 1000)


def test_only_numbers_are_offered():
    settings = default_settings()
    assert ("programmes", "ATENSI", "excluded_clusters") not in settings
    assert not any(s.key == "pregnant" for s in settings.values())  # a boolean
    assert not any(s.path[0] == "clusters" for s in settings.values())


def test_a_key_names_what_its_number_means():
    assert setting_kind("alone_max_decile") is SettingKind.DECILE
    assert setting_kind("stages_per_year") is SettingKind.STAGES
    assert setting_kind("alone_income_below") is SettingKind.AMOUNT


def test_a_malformed_document_offers_nothing_rather_than_failing():
    assert tunable_settings({"programmes": ["not", "a", "table"]}) == []
    assert tunable_settings({"programmes": {"PKH": 3, "SEMBAKO": {"components": "x"}}}) == []
