"""Validation findings: a stable code, a severity and a plain-words message.

The message template is English; the presentation layer may translate the template (it is marked
with ``gettext_noop`` so Django's ``makemessages`` extracts it) and format it with ``params``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


def gettext_noop(message: str) -> str:
    """Mark a string for translation without translating it (the domain core has no Django)."""
    return message


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    template: str
    severity: Severity = Severity.ERROR
    column: str = ""
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def message(self) -> str:
        return self.template.format(**self.params)

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def as_dict(self) -> dict[str, str]:
        return {
            "code": self.code,
            "severity": str(self.severity),
            "column": self.column,
            "message": self.message,
        }


class StepRefused(Exception):
    """A workflow step refused by its guards; ``findings`` say which failed and why."""

    def __init__(self, findings: Sequence[Finding]) -> None:
        super().__init__("; ".join(f.message for f in findings))
        self.findings = list(findings)


class Refused(ValueError):
    """A step refused, in words: an English template (marked with ``gettext_noop``) and its
    parameters, rendered in the user's language at the edge (``sejahtera.i18n``)."""

    def __init__(self, template: str, /, **params: Any) -> None:
        self.template, self.params = template, params
        super().__init__(template.format(**params))


def error(code: str, template: str, column: str = "", /, **params: Any) -> Finding:
    return Finding(code, template, Severity.ERROR, column, params)


def warning(code: str, template: str, column: str = "", /, **params: Any) -> Finding:
    return Finding(code, template, Severity.WARNING, column, params)
