"""Rehabilitation (ATENSI): social functioning scored 1–5 in five domains, before, during and
after services, and the change from the first measurement to the latest."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sejahtera.domain.findings import Severity
from sejahtera.domain.rehabilitation import (
    DOMAIN_HINTS,
    DOMAINS,
    HIGHEST,
    LOWEST,
    SCALE,
    SCORES_INVALID,
    Measurement,
    Phase,
    PracticeStep,
    change,
    score_problems,
    total,
)

ALL_THREES = dict.fromkeys(DOMAINS, 3)


def codes(findings):
    return [f.code for f in findings]


def scores(**overrides) -> dict[str, object]:
    """Every domain scored 3, except those given."""
    return {**ALL_THREES, **overrides}


def measured(on: date, phase: Phase = Phase.DURING, **overrides) -> Measurement:
    return Measurement(on, phase, scores(**overrides))


# -- the instrument ----------------------------------------------------------------------------


def test_the_codes_and_the_scale_are_the_ones_the_forms_use():
    assert SCORES_INVALID == "CASE_FUNCTIONING_SCORES_INVALID"
    assert (LOWEST, HIGHEST) == (1, 5)


def test_the_scale_covers_one_to_five_with_words_for_each():
    assert list(SCALE) == [1, 2, 3, 4, 5]
    assert all(SCALE[score].startswith(f"{score} — ") for score in SCALE)


def test_every_domain_has_a_hint_and_every_hint_a_domain():
    assert list(DOMAINS) == [
        "self_care",
        "family_role",
        "social_participation",
        "economic_activity",
        "emotional_stability",
    ]
    assert list(DOMAIN_HINTS) == list(DOMAINS)
    assert all(DOMAINS.values())
    assert all(DOMAIN_HINTS.values())


def test_the_phases_are_before_during_and_after():
    assert [str(phase) for phase in Phase] == ["before", "during", "after"]
    assert Phase("during") is Phase.DURING


def test_the_eight_atensi_practice_steps_are_in_order():
    assert [str(step) for step in PracticeStep] == [
        "engagement",
        "assessment",
        "plan",
        "intervention",
        "resocialisation",
        "referral",
        "termination",
        "aftercare",
    ]
    assert PracticeStep("resocialisation") is PracticeStep.RESOCIALISATION


# -- score problems ----------------------------------------------------------------------------


@pytest.mark.parametrize("score", [1, 2, 3, 4, 5])
def test_every_domain_scored_with_a_whole_number_from_one_to_five_is_fine(score):
    assert score_problems(dict.fromkeys(DOMAINS, score)) == []


def test_mixed_valid_scores_are_fine():
    assert score_problems(dict(zip(DOMAINS, [1, 2, 3, 4, 5], strict=True))) == []


@pytest.mark.parametrize("domain", list(DOMAINS))
def test_a_missing_domain_is_refused_in_its_column(domain):
    incomplete = {d: 3 for d in DOMAINS if d != domain}
    findings = score_problems(incomplete)
    assert codes(findings) == [SCORES_INVALID]
    [finding] = findings
    assert finding.column == domain
    assert finding.severity is Severity.ERROR
    assert finding.message == f"score {domain} from 1 to 5"


@pytest.mark.parametrize(
    "value",
    [0, 6, -1, 3.0, 2.5, True, False, "3", None],
    ids=["zero", "six", "negative", "float", "fraction", "true", "false", "string", "none"],
)
@pytest.mark.parametrize("domain", ["self_care", "emotional_stability"])
def test_a_score_that_is_not_a_whole_number_from_one_to_five_is_refused(domain, value):
    findings = score_problems(scores(**{domain: value}))
    assert codes(findings) == [SCORES_INVALID]
    [finding] = findings
    assert finding.column == domain
    assert finding.params == {"domain": domain, "lowest": 1, "highest": 5}


def test_a_domain_the_instrument_does_not_have_is_reported():
    findings = score_problems(scores(spiritual_life=3))
    assert codes(findings) == [SCORES_INVALID]
    [finding] = findings
    assert finding.column == "spiritual_life"
    assert finding.message == "spiritual_life is not a domain of the instrument"


def test_every_problem_is_reported_not_only_the_first():
    bad = {"self_care": 0, "family_role": "4", "economic_activity": 5, "hobbies": 2}
    findings = score_problems(bad)
    assert codes(findings) == [SCORES_INVALID] * 5
    assert [f.column for f in findings] == [
        "self_care",
        "family_role",
        "social_participation",  # missing
        "emotional_stability",  # missing
        "hobbies",  # not a domain
    ]
    assert all(f.is_error for f in findings)


def test_nothing_scored_reports_every_domain():
    findings = score_problems({})
    assert [f.column for f in findings] == list(DOMAINS)


# -- total -------------------------------------------------------------------------------------


def test_the_total_is_the_sum_of_the_five_domains():
    assert total(dict(zip(DOMAINS, [1, 2, 3, 4, 5], strict=True))) == 15


@pytest.mark.parametrize(("score", "expected"), [(1, 5), (3, 15), (5, 25)])
def test_the_total_runs_from_five_to_twenty_five(score, expected):
    assert total(dict.fromkeys(DOMAINS, score)) == expected


# -- change ------------------------------------------------------------------------------------


def test_no_change_without_two_measurements():
    assert change([]) is None
    assert change([measured(date(2025, 1, 10))]) is None


def test_the_change_runs_from_the_first_measurement_to_the_latest():
    before = measured(date(2025, 1, 10), Phase.BEFORE, self_care=2, economic_activity=1)
    after = measured(date(2025, 6, 10), Phase.AFTER, self_care=4, family_role=2)
    result = change([before, after])
    assert result is not None
    assert result.first is before
    assert result.latest is after
    assert result.by_domain == {
        "self_care": 2,
        "family_role": -1,
        "social_participation": 0,
        "economic_activity": 2,
        "emotional_stability": 0,
    }
    assert result.total == 3
    assert result.total == total(after.scores) - total(before.scores)
    assert result.improved


def test_first_and_latest_are_by_date_not_by_the_order_recorded():
    january = measured(date(2025, 1, 10), Phase.BEFORE, self_care=1)
    march = measured(date(2025, 3, 10), Phase.DURING, self_care=2)
    june = measured(date(2025, 6, 10), Phase.AFTER, self_care=5)
    for order in ([june, january, march], [march, june, january], [june, march, january]):
        result = change(order)
        assert result is not None
        assert result.first is january
        assert result.latest is june
        assert result.by_domain["self_care"] == 4


def test_the_date_outranks_the_phase():
    # an "after" on an earlier date is still the first measurement
    early_after = measured(date(2025, 1, 10), Phase.AFTER, self_care=5)
    late_before = measured(date(2025, 2, 10), Phase.BEFORE, self_care=1)
    result = change([late_before, early_after])
    assert result is not None
    assert result.first is early_after
    assert result.latest is late_before
    assert result.total == -4


def test_on_the_same_date_before_comes_before_during_before_after():
    day = date(2025, 4, 1)
    before = measured(day, Phase.BEFORE, self_care=1)
    during = measured(day, Phase.DURING, self_care=3)
    after = measured(day, Phase.AFTER, self_care=5)
    for order in ([after, during, before], [during, after, before], [before, after, during]):
        result = change(order)
        assert result is not None
        assert result.first is before
        assert result.latest is after
    result = change([during, before])
    assert result is not None
    assert (result.first, result.latest) == (before, during)
    result = change([after, during])
    assert result is not None
    assert (result.first, result.latest) == (during, after)


@pytest.mark.parametrize(
    ("latest_score", "total_change", "improved"),
    [(4, 1, True), (3, 0, False), (2, -1, False)],
)
def test_improved_only_when_the_total_rose(latest_score, total_change, improved):
    first = measured(date(2025, 1, 10), Phase.BEFORE)
    latest = measured(date(2025, 6, 10), Phase.AFTER, family_role=latest_score)
    result = change([first, latest])
    assert result is not None
    assert result.total == total_change
    assert result.improved is improved


def test_gains_and_losses_that_cancel_out_are_not_an_improvement():
    first = measured(date(2025, 1, 10), Phase.BEFORE)
    latest = measured(date(2025, 6, 10), Phase.AFTER, self_care=5, emotional_stability=1)
    result = change([first, latest])
    assert result is not None
    assert result.by_domain["self_care"] == 2
    assert result.by_domain["emotional_stability"] == -2
    assert result.total == 0
    assert not result.improved


# -- property ----------------------------------------------------------------------------------

valid_scores = st.fixed_dictionaries({d: st.integers(LOWEST, HIGHEST) for d in DOMAINS})
measurements = st.lists(
    st.builds(
        Measurement,
        on=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)),
        phase=st.sampled_from(Phase),
        scores=valid_scores,
    ),
    min_size=2,
    max_size=6,
    # two measurements of the same day and phase would leave "first" and "latest" undefined
    unique_by=lambda m: (m.on, m.phase),
)
PHASE_ORDER = {Phase.BEFORE: 0, Phase.DURING: 1, Phase.AFTER: 2}


@given(measurements)
def test_the_total_change_is_latest_minus_first_and_the_sum_of_the_domains(sample):
    def key(m: Measurement):
        return (m.on, PHASE_ORDER[m.phase])

    first = latest = sample[0]
    for m in sample[1:]:
        if key(m) < key(first):
            first = m
        if key(m) > key(latest):
            latest = m

    result = change(sample)
    assert result is not None
    assert result.first is first
    assert result.latest is latest
    assert result.total == total(latest.scores) - total(first.scores)
    assert sum(result.by_domain.values()) == result.total
    assert set(result.by_domain) == set(DOMAINS)
    assert result.improved is (result.total > 0)
