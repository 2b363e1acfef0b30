import json
from datetime import date

import numpy as np
import pyarrow as pa
import pytest

from sejahtera.domain.targeting.pmt import (
    CANDIDATES,
    FEATURES,
    FIRST_FEATURES,
    Feature,
    PmtModelError,
    ages_at,
    calibrate,
    model_from_dict,
    person_weighted_deciles,
)
from sejahtera.synth import SynthConfig, generate

AS_OF = date(2026, 11, 30)


@pytest.fixture(scope="module")
def population():
    return generate(SynthConfig(persons=40_000, seed=5))


@pytest.fixture(scope="module")
def model(population):
    return calibrate(population.households, population.persons, 0.25, 3, as_of=AS_OF)


def test_calibration_on_synthetic_data_is_realistic(model):
    # A PMT explains roughly half of log consumption in practice.
    assert 0.4 < model.r2 < 0.8
    assert model.r2_holdout is not None
    assert 0.3 < model.r2_holdout < 0.8
    assert model.n > 600
    assert model.n_holdout == pytest.approx(model.n / 3, rel=0.02)
    # errors at the decile-4 cut-off: well below a coin flip, well above zero
    assert model.inclusion_error is not None
    assert model.exclusion_error is not None
    assert 0.1 < model.inclusion_error < 0.45
    assert 0.1 < model.exclusion_error < 0.45
    assert len(model.sample_household_ids) == model.n
    assert not set(model.sample_household_ids) & set(model.holdout_household_ids)


def test_signs_make_sense(model):
    c = model.coefficients
    assert c["asset=car"] > 0
    assert c["asset=ac"] > 0
    assert c["floor_type=earth"] < 0
    assert c["log_floor_area_per_capita"] > 0


def test_calibration_is_reproducible(population, model):
    again = calibrate(population.households, population.persons, 0.25, 3, as_of=AS_OF)
    assert again == model


def test_model_json_round_trip(model):
    data = json.loads(model.to_json())
    assert data["format"] == "sejahtera-pmt/1"
    assert {f.name for f in FIRST_FEATURES} <= set(data["coefficients"])
    assert data["method"] == model.method
    assert [c["name"] for c in data["comparison"]] == list(CANDIDATES)
    assert model_from_dict(data) == model


def test_a_model_of_every_column_keeps_its_regency_dummies(model):
    data = json.loads(model.to_json())
    data["coefficients"] = {f.name: 0.1 for f in FEATURES} | {
        "regency=9501": -0.3,
        "regency=3578": 0.2,
    }
    again = model_from_dict(data)
    assert [f.name for f in again.features][-2:] == ["regency=3578", "regency=9501"]
    assert again.features[-1] == Feature("regency=9501", "regency", "region_code", "9501")
    data["coefficients"]["regency=32"] = 1.0
    with pytest.raises(PmtModelError, match="unknown features: regency=32"):
        model_from_dict(data)


@pytest.fixture(scope="module")
def surveyed():
    """A population with a 30 % survey sample (consumption measured)."""
    return generate(SynthConfig(persons=120_000, seed=11, calibration_share=0.3))


def test_calibration_keeps_the_candidate_that_leaves_out_the_fewest_poor(surveyed):
    model = calibrate(surveyed.households, surveyed.persons, 0.2, 1, as_of=AS_OF)
    by_name = {c["name"]: c for c in model.comparison}
    assert list(by_name) == list(CANDIDATES)
    assert model.method == min(by_name, key=lambda n: by_name[n]["cv_exclusion_error"])
    chosen, every_column = by_name[model.method], by_name["ols_all"]
    # Out of sample, no worse than plain least squares on every registry column …
    assert model.exclusion_error == chosen["exclusion_error"]
    assert chosen["exclusion_error"] <= every_column["exclusion_error"]
    # … which the first shipped features are: income, the head's age and the regency help.
    assert every_column["exclusion_error"] < by_name["ols_first"]["exclusion_error"] - 0.02
    assert {f.kind for f in model.features} >= {"log_income_per_capita", "regency", "head_age"}
    assert model.coefficients["log_income_per_capita"] > 0


def test_model_json_is_validated():
    with pytest.raises(PmtModelError, match="unknown features: shoe_size"):
        model_from_dict(
            {"format": "sejahtera-pmt/1", "intercept": 1.0, "coefficients": {"shoe_size": 1.0}}
        )
    with pytest.raises(PmtModelError, match="must be a finite number"):
        model_from_dict(
            {"format": "sejahtera-pmt/1", "intercept": "x", "coefficients": {"urban": 1.0}}
        )


def test_too_few_households_is_a_clear_error(population):
    households = population.households.slice(0, 100)
    with pytest.raises(ValueError, match="calibration needs at least"):
        calibrate(households, population.persons, 0.2, 1, as_of=AS_OF)


def test_ages_with_29_february():
    birth = np.array([19560229, 19560301, 20000101])
    assert ages_at(birth, date(2026, 2, 28)).tolist() == [69, 69, 26]
    assert ages_at(birth, date(2026, 3, 1)).tolist() == [70, 70, 26]
    assert ages_at(birth, date(2024, 2, 29)).tolist() == [68, 67, 24]


def test_person_weighted_deciles():
    # 10 single-person households: one per decile
    ids = np.array([f"H{i}" for i in range(10)])
    deciles = person_weighted_deciles(np.arange(10.0)[::-1], np.ones(10), ids)
    assert deciles.tolist() == list(range(10, 0, -1))
    # one big poor household holds half the people: its middle person is in decile 3
    deciles = person_weighted_deciles(np.array([1.0, 2.0]), np.array([5, 5]), ids[:2])
    assert deciles.tolist() == [3, 8]


def test_missing_columns_are_unknown():
    households = pa.table({"household_id": ["H1"], "region_code": ["3201011001"]})
    persons = pa.table({"person_id": ["P1"], "household_id": ["H1"], "birth_date": ["2000-01-01"]})
    from sejahtera.domain.targeting.pmt import feature_matrix, household_facts

    matrix = feature_matrix(household_facts(households, persons, AS_OF))
    names = [f.name for f in FEATURES]
    assert matrix[0, names.index("floor_type=missing")] == 1
    assert matrix[0, names.index("head_education=missing")] == 1
    assert matrix[0, names.index("log_size")] == 0
