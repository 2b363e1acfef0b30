"""Extreme poverty: a household whose predicted consumption per person is below the rules'
line is marked, on both engines' SQL (one plan)."""

from targeting_builders import born_aged, household, person, rules_with


def _line(value):
    def change(data):
        data["welfare"]["extreme_poverty"]["line"] = value

    return rules_with(change)


def _families():
    households = [household("H1"), household("H2"), household("EMPTY")]
    persons = [
        person("A", "H1", born_aged(40), relationship="head"),
        person("B", "H2", born_aged(35), relationship="head"),
        person("C", "EMPTY", born_aged(80), relationship="head", deceased_date="2020-01-01"),
    ]
    return households, persons


def test_below_the_line_is_extreme_poverty_at_the_line_is_not(run):
    households, persons = _families()
    score = run(households, persons).household("H1")["welfare_score"]
    at_line = run(households, persons, rules=_line(score))
    above = run(households, persons, rules=_line(score + 1))
    assert at_line.household("H1")["extreme_poor"] is False
    assert above.household("H1")["extreme_poor"] is True


def test_a_household_with_no_living_member_is_not_marked(run):
    households, persons = _families()
    everyone = run(households, persons, rules=_line(100_000_000))
    assert everyone.household("H2")["extreme_poor"] is True
    assert everyone.household("EMPTY")["extreme_poor"] is False


def test_rules_without_a_line_mark_nobody(run):
    households, persons = _families()

    def no_line(data):
        del data["welfare"]["extreme_poverty"]

    out = run(households, persons, rules=rules_with(no_line))
    assert [out.household(h)["extreme_poor"] for h in ("H1", "H2", "EMPTY")] == [False] * 3
