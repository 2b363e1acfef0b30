"""The what-if form's fields for every number of the rules, written back into the TOML."""

from __future__ import annotations

from datetime import date

import pytest

from sejahtera.domain.targeting.rules import RulesError
from sejahtera.targeting import selectors
from sejahtera.targeting.rules import default_rules_text, rules_with_settings
from sejahtera.targeting.services import run_targeting_for_registry

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 7, 1)


def test_a_changed_number_is_written_back_and_comments_stay():
    text = rules_with_settings(
        default_rules_text(),
        {
            ("programmes", "SEMBAKO", "monthly_amount"): 250_000,
            ("programmes", "PKH", "components", 6, "min_age"): 65,
        },
    )
    assert "monthly_amount = 250000" in text
    assert "min_age = 65  # 60 in the 2018 rule" in text  # the value changes, its note stays
    assert text.count("\n#") == default_rules_text().count("\n#")  # the explanations are kept


def test_a_number_whose_place_is_gone_is_an_error():
    with pytest.raises(RulesError, match=r"programmes\.NEW\.max_decile"):
        rules_with_settings(default_rules_text(), {("programmes", "NEW", "max_decile"): 3})


def test_the_form_offers_each_number_with_its_value(client, analyst, population):
    run_targeting_for_registry(AS_OF)
    client.force_login(analyst)
    page = client.get("/targeting/what-if/").content.decode()
    assert "<legend>SEMBAKO</legend>" in page
    assert 'name="setting-programmes.SEMBAKO.monthly_amount" value="200.000"' in page
    assert "Jumlah per bulan (Rp)" in page
    assert "ELDERLY: Usia termuda" in page  # a PKH component's own numbers, named by its code
    assert '<option value="4" selected>4</option>' in page  # a decile is a choice of 1–10


def test_a_simulation_runs_with_the_numbers_changed_in_the_form(client, analyst, population):
    current = run_targeting_for_registry(AS_OF)
    client.force_login(analyst)
    response = client.post(
        "/targeting/what-if/",
        {
            "as_of": AS_OF.isoformat(),
            "base_run": current.pk,
            "rules_text": current.rules_text,
            "setting-programmes.SEMBAKO.monthly_amount": "Rp 250.000",
            "setting-programmes.SEMBAKO.max_decile": "4",  # unchanged
        },
    )
    assert response.status_code == 302
    simulation = selectors.runs_for(analyst).filter(is_simulation=True).get()
    assert "monthly_amount = 250000" in simulation.rules_text
    assert simulation.rules_text.count("max_decile = 4") == current.rules_text.count(
        "max_decile = 4"
    )


def test_numbers_that_contradict_each_other_are_refused_with_the_key(client, analyst, population):
    current = run_targeting_for_registry(AS_OF)
    client.force_login(analyst)
    page = client.post(
        "/targeting/what-if/",
        {
            "as_of": AS_OF.isoformat(),
            "base_run": current.pk,
            "rules_text": current.rules_text,
            "setting-programmes.PENA.min_age": "50",
        },
    ).content.decode()
    assert "programmes.PENA.max_age: must be ≥ min_age (50)" in page
    assert not selectors.runs_for(analyst).filter(is_simulation=True).exists()
    too_high = client.post(
        "/targeting/what-if/",
        {
            "as_of": AS_OF.isoformat(),
            "base_run": current.pk,
            "rules_text": current.rules_text,
            "setting-programmes.PKH.max_decile": "11",
        },
    )
    assert too_high.context["form"].errors["setting-programmes.PKH.max_decile"]
