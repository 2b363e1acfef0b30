"""Findings: severity, message formatting and the serialised shape."""

from dataclasses import FrozenInstanceError

import pytest

from sejahtera.domain.findings import Finding, Severity, error, gettext_noop, warning


def test_gettext_noop_returns_its_argument_unchanged():
    assert gettext_noop("{kind} must have 16 digits") == "{kind} must have 16 digits"


def test_error_builds_an_error_finding_with_column_and_params():
    finding = error("NIK_LENGTH", "{kind} has {length} digits", "nik", kind="NIK", length=15)
    assert finding.code == "NIK_LENGTH"
    assert finding.severity is Severity.ERROR
    assert finding.is_error is True
    assert finding.column == "nik"
    assert finding.params == {"kind": "NIK", "length": 15}
    assert finding.message == "NIK has 15 digits"


def test_warning_builds_a_non_error_finding():
    finding = warning("NIK_SEX_MISMATCH", "encoded {encoded}", "nik", encoded="P")
    assert finding.severity is Severity.WARNING
    assert finding.is_error is False
    assert finding.message == "encoded P"


def test_column_may_be_omitted_and_params_may_be_called_column():
    # column is positional-only, so a template parameter may itself be called "column".
    finding = error("REQUIRED_MISSING", "{column} is required", "sex", column="sex")
    assert finding.column == "sex"
    assert finding.message == "sex is required"
    bare = error("X", "plain")
    assert bare.column == ""
    assert bare.params == {}
    assert bare.message == "plain"


def test_message_applies_format_conversions():
    finding = error("DATE_INVALID", "{value!r} is not a date", "birth_date", value="15/08/1987")
    assert finding.message == "'15/08/1987' is not a date"


def test_as_dict_shape():
    finding = warning("NIK_REGION_FORMER", "code {code}", "nik", code="9101")
    assert finding.as_dict() == {
        "code": "NIK_REGION_FORMER",
        "severity": "warning",
        "column": "nik",
        "message": "code 9101",
    }
    assert error("E", "e").as_dict()["severity"] == "error"


def test_severity_values_are_stable_strings():
    assert str(Severity.ERROR) == "error"
    assert str(Severity.WARNING) == "warning"


def test_findings_are_frozen_and_comparable():
    finding = Finding("X", "t")
    with pytest.raises(FrozenInstanceError):
        finding.code = "Y"  # type: ignore[misc]
    assert Finding("X", "t") == Finding("X", "t")
    assert Finding("X", "t") != Finding("X", "t", Severity.WARNING)
    # Each finding gets its own params dict.
    assert Finding("X", "t").params is not Finding("X", "t").params
