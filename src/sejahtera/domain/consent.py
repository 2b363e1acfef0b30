"""Consent to share a person's data with a partner agency (UU 27/2022): who may give it, and
how it was given. Free of Django.

A capable adult consents for themselves. A child's data need the consent of a parent or a
guardian (art. 25), and so do the data of a person whose disability keeps them from deciding
alone — an intellectual, mental or multiple disability that is moderate or severe (art. 26:
through their guardian); whoever consents for them is an adult, named on the record. The law
lets no one else consent for a capable adult.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sejahtera.domain.findings import Finding, error, gettext_noop

ADULT_AGE = 18
# A disability that calls for a guardian's consent, when at least this severe.
GUARDED_DISABILITIES = frozenset({"intellectual", "mental", "multiple"})
GUARDED_SEVERITIES = frozenset({"moderate", "severe"})


class GivenBy(StrEnum):
    SELF = "self"
    PARENT = "parent"
    GUARDIAN = "guardian"  # wali, appointed or the family's recognised carer


class Method(StrEnum):
    SIGNED = "signed"  # a signed consent form
    THUMBPRINT = "thumbprint"  # cap jempol, for who cannot sign
    WITNESSED = "witnessed"  # spoken, before a witness named in the case notes


class Guarded(StrEnum):
    """Why someone else consents for the person."""

    CHILD = "child"
    DISABILITY = "disability"


@dataclass(frozen=True)
class Subject:
    """The person whose data are shared, as the registry holds them."""

    age: int | None  # None: birth date unknown
    disability: str | None
    severity: str | None
    deceased: bool = False


def guarded(subject: Subject) -> Guarded | None:
    """Whether (and why) a parent or guardian consents for this person. An unknown age is
    treated as a child's: consent is not assumed."""
    if subject.age is None or subject.age < ADULT_AGE:
        return Guarded.CHILD
    if subject.disability in GUARDED_DISABILITIES and subject.severity in GUARDED_SEVERITIES:
        return Guarded.DISABILITY
    return None


def consent_problems(
    subject: Subject,
    *,
    given_by: str,
    giver_name: str,
    giver: Subject | None,
    giver_is_subject: bool = False,
    method: str,
) -> list[Finding]:
    """Why this consent cannot stand for sharing the subject's data. ``giver``: the parent or
    guardian as the registry holds them (None: a guardian from outside the family)."""
    findings: list[Finding] = []
    if subject.deceased:
        findings.append(
            error(
                "CONSENT_SUBJECT_DECEASED",
                gettext_noop("the person has died: their data are not referred"),
                "person",
            )
        )
    if method not in Method.__members__.values():
        findings.append(
            error(
                "CONSENT_MISSING",
                gettext_noop("record how consent was given before sharing data with a partner"),
                "consent_method",
            )
        )
    if given_by not in GivenBy.__members__.values():
        findings.append(
            error("CONSENT_GIVER_UNKNOWN", gettext_noop("say who consented"), "consent_by")
        )
        return findings
    why = guarded(subject)
    if why is None and given_by != GivenBy.SELF:
        findings.append(
            error(
                "CONSENT_NOT_OWN",
                gettext_noop("an adult who can decide consents for themselves, no one else"),
                "consent_by",
            )
        )
    if why is not None and given_by == GivenBy.SELF:
        findings.append(
            error(
                "CONSENT_GUARDIAN_NEEDED",
                gettext_noop("a child's data need a parent's or guardian's consent")
                if why is Guarded.CHILD
                else gettext_noop(
                    "this person's disability calls for their guardian's consent too"
                ),
                "consent_by",
            )
        )
    if given_by != GivenBy.SELF:
        if not giver_name.strip():
            findings.append(
                error(
                    "CONSENT_GIVER_NAME_MISSING",
                    gettext_noop("name the parent or guardian who consented"),
                    "consent_giver_name",
                )
            )
        if giver_is_subject or (giver is not None and not _may_consent_for_another(giver)):
            findings.append(
                error(
                    "CONSENT_GIVER_UNFIT",
                    gettext_noop(
                        "whoever consents for another person is a living adult who decides "
                        "for themselves, not the person"
                    ),
                    "consent_giver",
                )
            )
    return findings


def _may_consent_for_another(giver: Subject) -> bool:
    return not giver.deceased and guarded(giver) is None
