"""Objections to an automated decision (UU 27/2022, art. 10): a person asks that a targeting
decision about them be reviewed by a person, who reads its reasons and upholds it or turns it
around.

An objection filed on the public page is first taken in by an office (``take_in``: whoever
checked the person's identity); whoever took an objection in never reviews it.

An overturned decision becomes an input of every later run (``standing_verdicts``), deciding
that subject and programme in place of the rules, until the facts the objection was made on
change — a value the engine reads of the household or a member, a member added or gone — or
``SEJAHTERA_VERDICT_DAYS`` pass. The run that first sees it ends the verdict (``lapsed_in_run``)
and the rules decide again, so a verdict never outlives the facts it was given on. The guards
are ``domain.participation``'s."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.crypto import salted_hmac

from sejahtera.accounts import access
from sejahtera.accounts.models import User
from sejahtera.domain.delivery import unit_subject
from sejahtera.domain.findings import StepRefused
from sejahtera.domain.participation import (
    decision_review_intake,
    decision_review_request,
    decision_review_verdict,
    tracking_number,
)
from sejahtera.domain.registry_format import as_text
from sejahtera.registry import privacy
from sejahtera.registry.fields import person_values
from sejahtera.registry.models import Household, Person
from sejahtera.registry.services.snapshot import HOUSEHOLD_SNAPSHOT, PERSON_SNAPSHOT
from sejahtera.targeting.models import Decision, DecisionReview
from sejahtera.targeting.selectors import latest_run, rules_of

Status = DecisionReview.Status
NO_COMPONENT = "NO_COMPONENT"  # the reason: no member is one the programme pays for


@transaction.atomic
def request_review(
    *,
    actor: User | None,
    decision: Decision,
    requester_name: str,
    requester_nik: str,
    grounds: str,
    requester_phone: str = "",
) -> DecisionReview:
    """A person's objection to a decision of the current run: taken in by staff for a
    household in their region (it waits for a reviewer), or (``actor`` None) filed on the
    public page (it waits for an office to take it in: ``take_in``)."""
    household = Household.objects.select_for_update().get(pk=decision.household_id)
    if actor is not None:
        access.require(actor, access.DECISION_REVIEW_TAKERS)
        access.require_region(actor, household.village_id)
        revealing = decision.programme in rules_of(decision.run).revealing_programmes
        if revealing and not privacy.may_read_specific(actor):
            raise PermissionDenied  # as on the household page, where it is not shown
    subject = unit_subject(decision.household_id, decision.person_id)
    # The household row is locked above: two clerks clicking at once make one review.
    reviews = DecisionReview.objects.filter(subject=subject, programme=decision.programme)
    current = latest_run()
    nik = requester_nik.strip()
    dead = Person.objects.filter(pk=decision.person_id or 0, deceased_date__isnull=False)
    findings = decision_review_request(
        in_current_run=current is not None and current.pk == decision.run_id,
        # Not refused on the public page: the answer would tell whoever knows a NIK and a name
        # that the rules found the person eligible (for ATENSI: in a vulnerable cluster). The
        # reviewer upholds it, saying why.
        limited=actor is not None and bool(decision.limited_by),
        pending=reviews.filter(status__in=[Status.RECEIVED, Status.OPEN]).exists(),
        standing=reviews.filter(status=Status.OVERTURNED, lapsed_in_run__isnull=True).exists(),
        reviewed=reviews.filter(decision=decision).exists(),
        requester_name=requester_name,
        grounds=grounds,
        # the person, or a member for them (a parent for a child) or for the household
        requester_known=not nik or household.members.filter(nik=nik).exists(),
        subject_deceased=decision.person_id is not None and dead.exists(),
    )
    if findings:
        raise StepRefused(findings)
    try:
        with transaction.atomic():
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
                requester_nik=nik,
                requester_phone=requester_phone.strip(),
                grounds=grounds.strip(),
                filed_by=actor,
                status=Status.OPEN if actor is not None else Status.RECEIVED,
                facts=facts_digests([decision.household_id])[decision.household_id],
            )
    except IntegrityError:  # a concurrent objection won (SQLite takes no row lock)
        pending = decision_review_request(
            in_current_run=True, limited=False, pending=True, standing=False, reviewed=False,
            requester_name=requester_name, grounds=grounds,
        )  # fmt: skip
        raise StepRefused(pending) from None
    review.tracking_number = tracking_number("decision_review", timezone.now().year, review.pk)
    review.save(update_fields=["tracking_number"])
    return review


@transaction.atomic
def take_in(*, actor: User, review: DecisionReview) -> DecisionReview:
    """An office takes in an objection filed on the public page, having checked who filed it:
    it becomes that staff member's, so that another person reviews it."""
    access.require(actor, access.DECISION_REVIEW_TAKERS)
    access.require_region(actor, review.household.village_id)
    locked = DecisionReview.objects.select_for_update().get(pk=review.pk)
    if findings := decision_review_intake(received=locked.status == Status.RECEIVED):
        raise StepRefused(findings)
    locked.status, locked.filed_by = Status.OPEN, actor
    locked.save(update_fields=["status", "filed_by"])
    return locked


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
        overturn=overturn,
        facts_changed=facts_digests([locked.household_id])[locked.household_id] != locked.facts,
        nothing_to_pay=not locked.eligible_by_rules
        and any(r.startswith(NO_COMPONENT) for r in locked.reasons_by_rules),
        limited=locked.decision is not None and bool(locked.decision.limited_by),
    )
    if findings:
        raise StepRefused(findings)
    locked.status = Status.OVERTURNED if overturn else Status.UPHELD
    locked.reviewed_by, locked.reviewed_at, locked.review_note = actor, timezone.now(), note.strip()
    locked.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note"])
    return locked


# What the engine reads of a household and its members, less what only names them (an edit of
# a name or an address does not change a decision, nor end a verdict).
IDENTITY_ONLY = frozenset({"household_id", "person_id", "full_name", "nik", "kk_number",
                           "address", "rt", "rw", "birth_place"})  # fmt: skip
HOUSEHOLD_FACTS = [f for c, f in HOUSEHOLD_SNAPSHOT.items() if c not in IDENTITY_ONLY]
PERSON_FACTS = [f for c, f in PERSON_SNAPSHOT.items() if c not in IDENTITY_ONLY]


def facts_digests(households: list[int]) -> dict[int, str]:
    """A digest of the facts the engine decides on for each household: its own and its
    members' values (an edit undone leaves it as it was). Keyed by the secret key: the facts
    hold specific data, which an unkeyed digest kept in the database would let anyone holding
    a dump recover by trying the few values each can take (decision 0020)."""
    return {
        household: salted_hmac(FACTS_SALT, content, algorithm="sha256").hexdigest()
        for household, content in facts_contents(households).items()
    }


FACTS_SALT = "sejahtera.targeting.reviews.facts"


def facts_contents(households: list[int]) -> dict[int, str]:
    """The facts ``facts_digests`` digests, as one text per household."""
    members: dict[int, list[list[str | None]]] = defaultdict(list)
    persons = Person.objects.filter(household__in=households).order_by("household", "pk")
    for row in person_values(persons, ["household", "pk", *PERSON_FACTS]):
        members[row[0]].append([as_text(v) for v in row[1:]])
    return {
        row[0]: json.dumps([[as_text(v) for v in row[1:]], members[row[0]]])
        for row in Household.objects.filter(pk__in=households).values_list("pk", *HOUSEHOLD_FACTS)
    }


@dataclass(frozen=True)
class StandingVerdicts:
    """What the next run reads: the verdicts whose facts still hold (as the engine's
    ``overrides`` rows), and those whose facts changed since the review."""

    rows: list[tuple[str, str, str, str, str]]
    lapsed: list[int]


def standing_verdicts(as_of: date) -> StandingVerdicts:
    """Every overturned decision whose facts still hold and that is not older, on the run's
    day, than ``SEJAHTERA_VERDICT_DAYS`` (ages and circumstances move on without an edit)."""
    oldest = as_of - timedelta(days=settings.SEJAHTERA_VERDICT_DAYS)
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
            "reviewed_at",
        )
    )
    digests = facts_digests(sorted({r.household_id for r in standing}))
    rows, lapsed = [], []
    for review in standing:
        too_old = review.reviewed_at is not None and review.reviewed_at.date() < oldest
        if too_old or digests.get(review.household_id) != review.facts:
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
    """A decision of the current run about a household now in the user's region, that the
    user may object to on a person's behalf (DoesNotExist otherwise: the page answers 404)."""
    access.require(user, access.DECISION_REVIEW_TAKERS)
    current = latest_run()
    decision = Decision.objects.select_related("run", "household", "person").get(
        # the household's region now (it may have moved since the run), the current run only
        pk=pk,
        run=current.pk if current else 0,
        household__village__code__startswith=access.region_prefix(user),
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
