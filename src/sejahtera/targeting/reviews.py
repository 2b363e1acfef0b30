"""Objections to an automated decision (UU 27/2022, art. 10): a person asks that a targeting
decision about them be reviewed by a person, who reads its reasons and upholds it or turns it
around.

An overturned decision becomes an input of every later run (``standing_verdicts``), deciding
that subject and programme in place of the rules, until the facts the reviewer judged change:
the household or one of its members edited, a member added or gone. The run that first sees the
change ends the verdict (``lapsed_in_run``) and the rules decide again, so a verdict never
outlives the facts it was given on. The guards are ``domain.participation``'s."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from sejahtera.accounts import access
from sejahtera.accounts.models import User
from sejahtera.domain.findings import StepRefused
from sejahtera.domain.participation import (
    decision_review_request,
    decision_review_verdict,
    tracking_number,
)
from sejahtera.registry import privacy
from sejahtera.registry.models import Household, Person
from sejahtera.targeting.models import Decision, DecisionReview
from sejahtera.targeting.selectors import latest_run, rules_of, subject_of

Status = DecisionReview.Status


@transaction.atomic
def request_review(
    *,
    actor: User | None,
    decision: Decision,
    requester_name: str,
    requester_nik: str,
    grounds: str,
) -> DecisionReview:
    """Take in a person's objection to a decision of the current run: by staff, for a
    household in their region, or (``actor`` None) from the person on the public page. It waits
    for a reviewer of the regency's social office."""
    if actor is not None:
        access.require(actor, access.DECISION_REVIEW_TAKERS)
        access.require_region(actor, decision.region_code)
        revealing = decision.programme in rules_of(decision.run).revealing_programmes
        if revealing and not privacy.may_read_specific(actor):
            raise PermissionDenied  # as on the household page, where it is not shown
    subject = subject_of(decision)
    # Serialise requests for the same subject: two clerks clicking at once make one review.
    Household.objects.select_for_update().filter(pk=decision.household_id).first()
    reviews = DecisionReview.objects.filter(subject=subject, programme=decision.programme)
    current = latest_run()
    findings = decision_review_request(
        in_current_run=current is not None and current.pk == decision.run_id,
        limited=bool(decision.limited_by),
        pending=reviews.filter(status=Status.OPEN).exists(),
        standing=reviews.filter(status=Status.OVERTURNED, lapsed_in_run__isnull=True).exists(),
        reviewed=reviews.filter(decision=decision).exists(),
        requester_name=requester_name,
        grounds=grounds,
    )
    if findings:
        raise StepRefused(findings)
    review = DecisionReview.objects.create(
        subject=subject,
        household_id=decision.household_id,
        person_id=decision.person_id,
        programme=decision.programme,
        decision=decision,
        run_id_decided=decision.run_id,
        eligible_by_rules=decision.eligible,
        reasons_by_rules=decision.reasons,
        requester_name=requester_name.strip(),
        requester_nik=requester_nik.strip(),
        grounds=grounds.strip(),
        filed_by=actor,
    )
    review.tracking_number = tracking_number("decision_review", timezone.now().year, review.pk)
    review.save(update_fields=["tracking_number"])
    return review


@transaction.atomic
def decide_review(
    *, actor: User, review: DecisionReview, overturn: bool, note: str
) -> DecisionReview:
    """The reviewer upholds the automated decision or turns it around, with reasons the person
    reads; never the one who took the objection in. Overturned, the verdict holds from the next
    run until the facts change."""
    access.require(actor, access.DECISION_REVIEWERS)
    access.require_region(actor, review.household.village_id)
    locked = DecisionReview.objects.select_for_update().get(pk=review.pk)
    findings = decision_review_verdict(
        still_open=locked.status == Status.OPEN,
        took_it_in=locked.filed_by_id == actor.pk,
        note=note,
    )
    if findings:
        raise StepRefused(findings)
    locked.status = Status.OVERTURNED if overturn else Status.UPHELD
    locked.reviewed_by, locked.reviewed_at, locked.review_note = actor, timezone.now(), note.strip()
    locked.facts = facts_digests([locked.household_id])[locked.household_id]
    locked.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note", "facts"])
    return locked


def facts_digests(households: list[int]) -> dict[int, str]:
    """A digest of what the registry holds on each household and its members (their record
    versions, which every edit raises, and who the members are)."""
    versions: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for household, person, version in (
        Person.objects.filter(household__in=households)
        .order_by("household", "pk")
        .values_list("household", "pk", "version")
    ):
        versions[household].append((person, version))
    digests = {}
    for household, version in Household.objects.filter(pk__in=households).values_list(
        "pk", "version"
    ):
        content = json.dumps([version, versions[household]])
        digests[household] = hashlib.sha256(content.encode()).hexdigest()
    return digests


@dataclass(frozen=True)
class StandingVerdicts:
    """What the next run reads: the verdicts whose facts still hold (as the engine's
    ``overrides`` rows), and those whose facts changed since the review."""

    rows: list[tuple[str, str, str, str, str]]
    lapsed: list[int]


def standing_verdicts() -> StandingVerdicts:
    standing = list(
        DecisionReview.objects.filter(status=Status.OVERTURNED, lapsed_in_run__isnull=True)
        .order_by("pk")
        .only(
            "pk",
            "household_id",
            "person_id",
            "programme",
            "eligible_by_rules",
            "facts",
            "tracking_number",
        )
    )
    digests = facts_digests(sorted({r.household_id for r in standing}))
    rows, lapsed = [], []
    for review in standing:
        if digests.get(review.household_id) != review.facts:
            lapsed.append(review.pk)
            continue
        unit, subject = (
            ("person", review.person_id) if review.person_id else ("household", review.household_id)
        )
        verdict = "not_eligible" if review.eligible_by_rules else "eligible"
        rows.append((unit, str(subject), review.programme, verdict, review.tracking_number or ""))
    return StandingVerdicts(rows, lapsed)


# -- reading ---------------------------------------------------------------------------------


def reviews_for(user: User) -> QuerySet[DecisionReview]:
    """The reviews of households in the user's region, for the roles that take or decide
    them."""
    access.require(user, access.DECISION_REVIEW_READERS)
    return reviews_in_scope(user).select_related("household", "person", "filed_by", "reviewed_by")


def reviews_in_scope(user: User) -> QuerySet[DecisionReview]:
    """The reviews of households in the user's region; those of the programmes that reveal a
    vulnerable cluster only for roles that may read specific data. The caller checks the
    role (the pages, the participation figures)."""
    reviews = DecisionReview.objects.filter(
        household__village__code__startswith=access.region_prefix(user)
    )
    if not privacy.may_read_specific(user):
        run = latest_run()
        revealing = rules_of(run).revealing_programmes if run else ("ATENSI",)
        reviews = reviews.exclude(programme__in=revealing)
    return reviews


def decision_to_review(user: User, pk: int) -> Decision:
    """A decision of a household in the user's region that the user may object to on a
    person's behalf (DoesNotExist otherwise: the page answers 404)."""
    access.require(user, access.DECISION_REVIEW_TAKERS)
    decision = Decision.objects.select_related("run", "household", "person").get(
        pk=pk, region_code__startswith=access.region_prefix(user)
    )
    revealing = decision.programme in rules_of(decision.run).revealing_programmes
    if revealing and not privacy.may_read_specific(user):
        raise Decision.DoesNotExist
    return decision


def current_decision_of(person: Person, programme: str) -> Decision | None:
    """The current run's decision of ``programme`` about the person: their own, or their
    household's for a household programme."""
    run = latest_run()
    if run is None:
        return None
    if programme in rules_of(run).household_programmes:
        found = Decision.objects.filter(household=person.household_id, person__isnull=True)
    else:
        found = Decision.objects.filter(person=person)
    return found.filter(run=run, programme=programme).select_related("run").first()
