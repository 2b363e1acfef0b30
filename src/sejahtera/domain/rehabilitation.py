"""Rehabilitation that is measured (ATENSI, Permensos 7/2021), free of Django.

A social worker scores a person's (or the family's) **social functioning** with one instrument,
domain by domain, before ATENSI services start, during them and after them; the change between
the first and the latest score is what the case page and the journey report show. Each domain is
scored 1–5, from "cannot perform this role without constant help" to "performs it
independently"; the total is the sum (5–25).

The **practice steps** of ATENSI (engagement, assessment, plan, intervention,
re-socialisation, referral, termination, aftercare) are marked on the case's timeline as the
social worker takes them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from sejahtera.domain.findings import Finding, error, gettext_noop

# The domains of social functioning the instrument scores, in the order it asks them, and
# what each covers.
DOMAINS: Mapping[str, str] = {
    "self_care": gettext_noop("Self-care"),
    "family_role": gettext_noop("Family role"),
    "social_participation": gettext_noop("Social participation"),
    "economic_activity": gettext_noop("Economic activity"),
    "emotional_stability": gettext_noop("Emotional stability"),
}
DOMAIN_HINTS: Mapping[str, str] = {
    "self_care": gettext_noop("eating, hygiene, health, daily routine"),
    "family_role": gettext_noop("care, parenting, relations in the family"),
    "social_participation": gettext_noop("neighbours, community activities, worship"),
    "economic_activity": gettext_noop("work or business, managing money"),
    "emotional_stability": gettext_noop("coping with stress and conflict"),
}
LOWEST, HIGHEST = 1, 5
# What each score means, the same for every domain.
SCALE: Mapping[int, str] = {
    1: gettext_noop("1 — cannot perform it without constant help"),
    2: gettext_noop("2 — performs it with much help"),
    3: gettext_noop("3 — performs it with some help"),
    4: gettext_noop("4 — performs it with little help"),
    5: gettext_noop("5 — performs it independently"),
}


class Phase(StrEnum):
    BEFORE = "before"  # the baseline, before ATENSI services start
    DURING = "during"
    AFTER = "after"  # at the end of services or in aftercare


class PracticeStep(StrEnum):
    ENGAGEMENT = "engagement"
    ASSESSMENT = "assessment"
    PLAN = "plan"
    INTERVENTION = "intervention"
    RESOCIALISATION = "resocialisation"
    REFERRAL = "referral"
    TERMINATION = "termination"
    AFTERCARE = "aftercare"


SCORES_INVALID = "CASE_FUNCTIONING_SCORES_INVALID"


def score_problems(scores: Mapping[str, object]) -> list[Finding]:
    """Every domain scored, each a whole number 1–5, and nothing else."""
    findings = []
    for domain in DOMAINS:
        value = scores.get(domain)
        if not isinstance(value, int) or isinstance(value, bool) or not LOWEST <= value <= HIGHEST:
            findings.append(
                error(
                    SCORES_INVALID,
                    gettext_noop("score {domain} from {lowest} to {highest}"),
                    domain,
                    domain=domain,
                    lowest=LOWEST,
                    highest=HIGHEST,
                )
            )
    for domain in scores:
        if domain not in DOMAINS:
            findings.append(
                error(
                    SCORES_INVALID,
                    gettext_noop("{domain} is not a domain of the instrument"),
                    domain,
                    domain=domain,
                )
            )
    return findings


def total(scores: Mapping[str, int]) -> int:
    return sum(scores[domain] for domain in DOMAINS)


@dataclass(frozen=True)
class Measurement:
    on: date
    phase: Phase
    scores: Mapping[str, int]


@dataclass(frozen=True)
class Change:
    """From the first measurement to the latest: per domain and in total."""

    first: Measurement
    latest: Measurement
    by_domain: Mapping[str, int]
    total: int

    @property
    def improved(self) -> bool:
        return self.total > 0


def change(measurements: Sequence[Measurement]) -> Change | None:
    """The change between the first and the latest measurement (by date; None with fewer
    than two)."""
    if len(measurements) < 2:
        return None
    ordered = sorted(measurements, key=lambda m: (m.on, list(Phase).index(m.phase)))
    first, latest = ordered[0], ordered[-1]
    by_domain = {d: latest.scores[d] - first.scores[d] for d in DOMAINS}
    return Change(first, latest, by_domain, sum(by_domain.values()))
