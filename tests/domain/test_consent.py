"""Who may consent to sharing a person's data: the person, or for a child or a person whose
disability calls for it, a named adult parent or guardian."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sejahtera.domain.consent import (
    ADULT_AGE,
    GivenBy,
    Guarded,
    Method,
    Subject,
    consent_problems,
    guarded,
)

ADULT = Subject(35, "none", "none")
CHILD = Subject(11, "none", "none")
GUARDED_ADULT = Subject(30, "intellectual", "severe")


def codes(subject, given_by, giver_name="", giver=None, method=Method.SIGNED, **kwargs):
    found = consent_problems(
        subject, given_by=given_by, giver_name=giver_name, giver=giver, method=method, **kwargs
    )
    return [f.code for f in found]


def adult(age):
    return Subject(age, "none", "none")


@pytest.mark.parametrize(
    ("subject", "given_by", "giver_name", "giver", "expected"),
    [
        (ADULT, GivenBy.SELF, "", None, []),
        (ADULT, GivenBy.PARENT, "Ibu", adult(60), ["CONSENT_NOT_OWN"]),
        (Subject(35, "intellectual", "mild"), GivenBy.SELF, "", None, []),
        (Subject(35, "physical", "severe"), GivenBy.SELF, "", None, []),
        (CHILD, GivenBy.SELF, "", None, ["CONSENT_GUARDIAN_NEEDED"]),
        (CHILD, GivenBy.PARENT, "", adult(40), ["CONSENT_GIVER_NAME_MISSING"]),
        (CHILD, GivenBy.PARENT, "Siti Aminah", adult(40), []),
        (CHILD, GivenBy.GUARDIAN, "Pak RT, wali", None, []),
        (CHILD, GivenBy.GUARDIAN, "Kakak", adult(16), ["CONSENT_GIVER_UNFIT"]),
        (CHILD, GivenBy.PARENT, "Ayah", Subject(40, "mental", "severe"), ["CONSENT_GIVER_UNFIT"]),
        (
            CHILD,
            GivenBy.PARENT,
            "Ayah",
            Subject(40, "none", "none", deceased=True),
            ["CONSENT_GIVER_UNFIT"],
        ),
        (
            Subject(40, "none", "none", deceased=True),
            GivenBy.SELF,
            "",
            None,
            ["CONSENT_SUBJECT_DECEASED"],
        ),
        (Subject(None, None, None), GivenBy.SELF, "", None, ["CONSENT_GUARDIAN_NEEDED"]),
        (GUARDED_ADULT, GivenBy.SELF, "", None, ["CONSENT_GUARDIAN_NEEDED"]),
        (GUARDED_ADULT, GivenBy.GUARDIAN, "Adik, wali", adult(28), []),
        (Subject(40, "mental", "moderate"), GivenBy.SELF, "", None, ["CONSENT_GUARDIAN_NEEDED"]),
        (ADULT, "neighbour", "", None, ["CONSENT_GIVER_UNKNOWN"]),
    ],
)
def test_who_may_consent(subject, given_by, giver_name, giver, expected):
    assert codes(subject, given_by, giver_name, giver) == expected


def test_no_one_is_their_own_guardian():
    assert codes(GUARDED_ADULT, GivenBy.GUARDIAN, "Siti", GUARDED_ADULT, giver_is_subject=True) == [
        "CONSENT_GIVER_UNFIT"
    ]


def test_consent_is_recorded_with_how_it_was_given():
    assert codes(ADULT, GivenBy.SELF, method="") == ["CONSENT_MISSING"]
    assert codes(ADULT, GivenBy.SELF, method="nodded") == ["CONSENT_MISSING"]
    for method in Method:
        assert codes(ADULT, GivenBy.SELF, method=method) == []


def test_the_guardian_message_says_why():
    [child] = consent_problems(
        CHILD, given_by=GivenBy.SELF, giver_name="", giver=None, method=Method.SIGNED
    )
    [disabled] = consent_problems(
        GUARDED_ADULT, given_by=GivenBy.SELF, giver_name="", giver=None, method=Method.SIGNED
    )
    assert "child" in child.message
    assert "disability" in disabled.message


@given(age=st.integers(min_value=0, max_value=120))
def test_every_child_and_no_capable_adult_is_guarded(age):
    expected = Guarded.CHILD if age < ADULT_AGE else None
    assert guarded(Subject(age, "none", "none")) is expected
