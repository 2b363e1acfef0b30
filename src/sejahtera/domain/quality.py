"""Deterministic data-quality rules of the registry, free of Django: each with a stable code,
what it finds, and why it matters to a social registry (the old registry's public failures were
shared NIKs, people registered twice, households without a head and the dead still served).

The registry counts each rule by region and lists its rows (``sejahtera.registry.quality``); the
probabilistic search for duplicates under different NIKs is a separate matter (Splink).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sejahtera.domain.findings import gettext_noop

PARENT_MIN_GAP_YEARS = 12  # a child's parent (head or spouse) is at least this much older
SPOUSE_MIN_AGE = 16


class Subject(StrEnum):
    PERSON = "person"
    HOUSEHOLD = "household"
    CASE = "case"


@dataclass(frozen=True)
class Rule:
    code: str
    subject: Subject
    title: str
    why: str


RULES: tuple[Rule, ...] = (
    Rule(
        "QUALITY_NIK_INCONSISTENT",
        Subject.PERSON,
        gettext_noop("NIK inconsistent with sex or birth date"),
        gettext_noop("the NIK encodes another sex or birth date than the one recorded"),
    ),
    Rule(
        "QUALITY_NIK_IN_TWO_HOUSEHOLDS",
        Subject.PERSON,
        gettext_noop("One NIK in two households"),
        gettext_noop("the same person may be registered twice, and served twice"),
    ),
    Rule(
        "QUALITY_NIK_TWICE_IN_HOUSEHOLD",
        Subject.PERSON,
        gettext_noop("One NIK twice in a household"),
        gettext_noop("two members of one household carry the same NIK"),
    ),
    Rule(
        "QUALITY_NO_HEAD",
        Subject.HOUSEHOLD,
        gettext_noop("Household without a living head"),
        gettext_noop("every household has one head of household"),
    ),
    Rule(
        "QUALITY_SEVERAL_HEADS",
        Subject.HOUSEHOLD,
        gettext_noop("Household with several heads"),
        gettext_noop("every household has one head of household"),
    ),
    Rule(
        "QUALITY_PARENT_TOO_YOUNG",
        Subject.PERSON,
        gettext_noop("Child less than 12 years younger than a parent"),
        gettext_noop("a birth date or a relationship is probably wrong"),
    ),
    Rule(
        "QUALITY_SPOUSE_UNDER_16",
        Subject.PERSON,
        gettext_noop("Spouse under 16"),
        gettext_noop("a birth date or a relationship is probably wrong, or a child marriage"),
    ),
    Rule(
        "QUALITY_ON_DEATH_LIST",
        Subject.PERSON,
        gettext_noop("Living in the registry, dead by Dukcapil"),
        gettext_noop("Dukcapil's death list holds the NIK: aid must not go to the dead"),
    ),
    Rule(
        "QUALITY_CIVIL_SERVANT",
        Subject.PERSON,
        gettext_noop("On the list of civil servants, armed forces and police"),
        gettext_noop("a civil servant, soldier or police officer is not a poor household's member"),
    ),
    Rule(
        "QUALITY_DECEASED_WITH_DECISION",
        Subject.PERSON,
        gettext_noop("Deceased person eligible in the current targeting run"),
        gettext_noop("aid must not go to the dead"),
    ),
    Rule(
        "QUALITY_OPEN_CASE_NO_LIVING_MEMBER",
        Subject.CASE,
        gettext_noop("Open case of a household with no living member"),
        gettext_noop("a case is open for nobody"),
    ),
)
BY_CODE = {rule.code: rule for rule in RULES}
