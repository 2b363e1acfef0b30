"""Targeting reasons: codes with parameters, rendered in words at read time."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sejahtera.domain.targeting.reasons import (
    REASONS,
    render,
    render_cluster_reason,
    render_clusters,
    token,
)


def test_a_token_renders_as_its_english_template():
    assert render(token("DECILE_WITHIN", 3, 4)) == "decile 3 ≤ 4"
    assert render("AGE_IN:7:6:12") == "age 7 in 6–12"
    assert render("NO_LIVING_MEMBER") == "no living member"


def test_the_last_parameter_takes_the_rest_so_it_may_hold_a_colon():
    assert render("MANUAL:visit 2026-06-01: roof gone") == "manual: visit 2026-06-01: roof gone"
    assert render("NOT_MEMBER_HOUSEHOLD:KK:0042") == (
        "not a member: household KK:0042 is not in the households table"
    )


def test_list_parameters_are_shown_as_a_list():
    assert render("NONE_OF:drug_user,hiv") == "none of: drug_user, hiv"
    assert render("EMPLOYMENT_NOT_IN:farmer,fisher:trader") == (
        "employment trader not in farmer, fisher"
    )


def test_a_component_shows_the_facts_that_follow_it():
    assert render("COMPONENT:ELDERLY:P7, AGE_AT_LEAST:70:70") == "ELDERLY P7 (age 70 ≥ 70)"
    assert render("COMPONENT_OVER_CAP:PRIMARY:2:P9, SCHOOL:sd, AGE_IN:8:6:12") == (
        "PRIMARY P9 (school sd, age 8 in 6–12) not counted: cap 2 reached"
    )


def test_flags_that_hold_are_one_reason():
    assert render("FLAG:orphan, DISABILITY:physical") == "orphan, disability physical"


def test_cluster_reasons_keep_their_cluster_and_separators():
    assert render_clusters("ANAK_RENTAN: AGE_BELOW:12:18; FLAG:orphan") == (
        "ANAK_RENTAN: age 12 < 18; orphan"
    )
    assert render_cluster_reason("DISABILITY:mental; MANUAL:seen at home") == (
        "disability mental; manual: seen at home"
    )


@pytest.mark.parametrize(
    "text",
    [
        "decile 3 ≤ 4",  # stored before the codes
        "UNKNOWN_CODE:1",
        "DECILE_WITHIN:3",  # a parameter short
        "NO_LIVING_MEMBER:extra",
        "",
    ],
)
def test_text_that_is_not_a_known_token_is_shown_as_it_is(text):
    assert render(text) == text


def test_the_reader_translates_templates_and_labels_codes():
    translations = {"employment {employment} excluded": "pekerjaan {employment} dikecualikan"}

    def label(value, kind):
        return {"civil_servant": "PNS"}.get(value, value) if kind == "value" else value

    rendered = render("EMPLOYMENT_EXCLUDED:civil_servant", translations.get, label)
    assert rendered == "pekerjaan PNS dikecualikan"


def test_a_token_takes_exactly_its_parameters():
    with pytest.raises(ValueError, match="DECILE_WITHIN takes 2"):
        token("DECILE_WITHIN", 3)


def test_every_template_names_exactly_its_parameters():
    import string

    for code, reason in REASONS.items():
        fields = {f for _, f, _, _ in string.Formatter().parse(reason.template) if f}
        assert fields - {"facts"} == set(reason.params), code


@given(
    code=st.sampled_from(sorted(REASONS)),
    values=st.lists(
        st.text(alphabet=st.characters(blacklist_characters=",:;"), min_size=1), max_size=3
    ),
)
def test_every_code_renders_its_parameters(code, values):
    reason = REASONS[code]
    params = (values + ["x"] * 3)[: len(reason.params)]
    words = render(token(code, *params))
    assert not words.startswith(code + ":") or not reason.params
    for value in params:
        assert value.strip(" ") in words or not value.strip(" ")
