"""A reviewer's verdict on a person's objection decides in place of the rules, with its reason."""

import pytest
from targeting_builders import born_aged, household, person

from sejahtera.targeting_engine import InputError

H = [household("H1")]
FAMILY = [
    person("A", "H1", born_aged(35), relationship="head"),
    person("C", "H1", born_aged(3)),
]


def test_a_reviewer_turns_a_decision_around_and_the_amounts_follow(run):
    by_rules = run(H, FAMILY, deciles={"H1": 6}, overrides=[])
    assert by_rules.decision("H1", "PKH")["eligible"] is False
    assert by_rules.decision("H1", "PKH")["yearly_amount"] == 0

    verdicts = [
        ("household", "H1", "PKH", "eligible", "TKO-1"),
        ("person", "A", "PBI_JK", "eligible", "TKO-2"),
    ]
    reviewed = run(H, FAMILY, deciles={"H1": 6}, overrides=verdicts)
    pkh = reviewed.decision("H1", "PKH")
    assert pkh["eligible"] is True
    assert pkh["components"] == ["EARLY_CHILD"]
    assert pkh["yearly_amount"] == 3_000_000  # the child's component, as the rules pay it
    # The rules' own reasons stay beside the reviewer's, so both can be read.
    assert pkh["reasons"] == [
        "decile 6 > 4",
        "EARLY_CHILD C (age 3 in 0–6)",
        "eligible by human review TKO-1",
    ]
    assert reviewed.decision("A", "PBI_JK")["eligible"] is True
    assert reviewed.decision("A", "PBI_JK")["monthly_amount"] == 42_000
    assert reviewed.decision("C", "PBI_JK")["eligible"] is False
    assert reviewed.household("H1")["pbi_jk_persons"] == 1
    # A verdict decides only its own programme and subject.
    assert reviewed.decision("H1", "SEMBAKO") == by_rules.decision("H1", "SEMBAKO")


def test_a_reviewer_can_find_an_eligible_subject_not_eligible(run):
    verdicts = [("household", "H1", "SEMBAKO", "not_eligible", "TKO-3")]
    reviewed = run(H, FAMILY, deciles={"H1": 2}, overrides=verdicts)
    sembako = reviewed.decision("H1", "SEMBAKO")
    assert sembako["eligible"] is False
    assert sembako["monthly_amount"] == 0
    assert sembako["reasons"] == ["decile 2 ≤ 4", "not eligible by human review TKO-3"]
    assert reviewed.decision("H1", "PKH")["eligible"] is True


def test_a_verdict_does_not_bring_back_the_dead(run):
    persons = [*FAMILY, person("D", "H1", born_aged(60), deceased_date="2026-01-02")]
    verdicts = [("person", "D", "PBI_JK", "eligible", "TKO-4")]
    reviewed = run(H, persons, deciles={"H1": 2}, overrides=verdicts)
    decision = reviewed.decision("D", "PBI_JK")
    assert decision["eligible"] is False
    assert decision["reasons"] == ["deceased 2026-01-02 ≤ as_of"]


@pytest.mark.parametrize(
    ("verdict", "problem"),
    [
        (("household", "H1", "PBI_JK", "eligible", "R"), "household H1 PBI_JK"),
        (("person", "A", "PKH", "eligible", "R"), "person A PKH"),
        (("household", "H1", "PKH", "yes", "R"), "'yes'"),
        (("family", "H1", "PKH", "eligible", "R"), "family H1 PKH"),
    ],
)
def test_a_verdict_the_run_cannot_apply_is_refused(run, verdict, problem):
    with pytest.raises(InputError, match=problem):
        run(H, FAMILY, deciles={"H1": 6}, overrides=[verdict])


def test_two_verdicts_on_one_decision_are_refused(run):
    verdicts = [
        ("household", "H1", "PKH", "eligible", "TKO-1"),
        ("household", "H1", "PKH", "not_eligible", "TKO-2"),
    ]
    with pytest.raises(InputError, match="household H1 PKH twice"):
        run(H, FAMILY, deciles={"H1": 6}, overrides=verdicts)
