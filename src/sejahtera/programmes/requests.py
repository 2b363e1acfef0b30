"""Enrolment requests from cases, answered on a decree draft.

A social worker asks, from a case in protection, to enrol a family in a programme or to
suspend it (``cases.services.request_enrolment``). The programme office answers on the next
draft of that programme: accepting an enrolment adds the family to the draft as new (the
approval enrols it, as any line); accepting a suspension suspends its enrolment now; a refusal
needs a reason. The case's timeline records the answer.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.db.models import QuerySet

from sejahtera.accounts import access
from sejahtera.accounts.models import User
from sejahtera.cases.models import CaseEvent, EnrolmentRequest
from sejahtera.domain.delivery import Change, Reason, Suspension, unit_subject
from sejahtera.domain.findings import Finding, error, gettext_noop
from sejahtera.programmes import cycles
from sejahtera.programmes.models import Decree, DecreeLine, Enrolment
from sejahtera.programmes.services import DecreeRefused, decree_totals
from sejahtera.targeting.models import Decision

HOUSEHOLD_PROGRAMMES = ("PKH", "SEMBAKO")


def pointless_request(household_id: int, programme: str, action: str) -> Finding | None:
    """Why a case's request the decree maker could only refuse is refused at once (the page and
    the API alike): enrolling a family that receives the programme already (its own enrolment:
    a person programme may still enrol another member), or suspending one that receives none."""
    open_states = Enrolment.objects.filter(
        household_id=household_id, programme=programme, ended_on__isnull=True
    )
    if action == EnrolmentRequest.Action.ENROL and open_states.filter(person__isnull=True).exists():
        return error(
            "CASE_ALREADY_ENROLLED",
            gettext_noop("the family already receives {programme}"),
            "programme",
            programme=programme,
        )
    if (
        action == EnrolmentRequest.Action.SUSPEND
        and not open_states.filter(status=Enrolment.Status.ACTIVE).exists()
    ):
        return error(
            "CASE_NOT_ENROLLED",
            gettext_noop("the family receives no {programme} to suspend"),
            "programme",
            programme=programme,
        )
    return None


def requests_of(decree: Decree) -> QuerySet[EnrolmentRequest]:
    """The requests of the decree's programme, answered or not."""
    return EnrolmentRequest.objects.filter(programme=decree.programme).select_related(
        "case__household__village", "requested_by"
    )


def pending_requests(decree: Decree) -> QuerySet[EnrolmentRequest]:
    return requests_of(decree).filter(status=EnrolmentRequest.Status.PENDING)


def answer_request(
    actor: User, decree: Decree, request: EnrolmentRequest, *, accept: bool, note: str, today: date
) -> EnrolmentRequest:
    access.require(actor, access.DECREE_MAKERS)
    if decree.status != Decree.Status.DRAFT or request.programme != decree.programme:
        raise _not_on_a_draft()
    if not accept and not note.strip():
        raise DecreeRefused(gettext_noop("give the reason for refusing the request"))
    with transaction.atomic():
        request = EnrolmentRequest.objects.select_for_update().get(pk=request.pk)
        if request.status != EnrolmentRequest.Status.PENDING:
            raise DecreeRefused(gettext_noop("this request is already answered"))
        if accept and request.action == EnrolmentRequest.Action.ENROL:
            _add_to_draft(actor, decree, request)
        elif accept:
            _suspend(actor, decree.programme, request)
        request.status = (
            EnrolmentRequest.Status.ACCEPTED if accept else EnrolmentRequest.Status.REFUSED
        )
        request.decided_by, request.decided_on, request.outcome = actor, today, note.strip()
        request.save(update_fields=["status", "decided_by", "decided_on", "outcome"])
        CaseEvent.objects.create(
            case=request.case,
            actor=actor,
            kind=CaseEvent.Kind.ENROLMENT_DECIDED,
            on=today,
            reason=f"{request.action} {request.programme}: {request.status}"
            + (f" — {note.strip()}" if note.strip() else ""),
            facts={"request": request.pk, "decree": decree.pk, "status": request.status},
        )
    return request


def _not_on_a_draft() -> DecreeRefused:
    return DecreeRefused(gettext_noop("requests are answered on a draft decree of their programme"))


def _add_to_draft(actor: User, decree: Decree, request: EnrolmentRequest) -> None:
    """The family as a new line of the draft, with the amounts the decree's run gives it (or,
    enrolled and leaving by the run, kept at them). Who adds it does not approve the draft."""
    if decree.programme not in HOUSEHOLD_PROGRAMMES:
        raise DecreeRefused(
            gettext_noop(
                "{programme} enrols persons: enrol the members through the registry's run"
            ),
            programme=decree.programme,
        )
    household = request.case.household
    subject = unit_subject(household.pk)
    decision = (
        Decision.objects.filter(run=decree.run, programme=decree.programme, household=household)
        .filter(person__isnull=True)
        .first()
    )
    amounts = {
        "monthly_amount": decision.monthly_amount if decision else None,
        "per_stage_amount": decision.per_stage_amount if decision else None,
        "yearly_amount": decision.yearly_amount if decision else None,
    }
    if not any(amounts.values()):
        raise DecreeRefused(
            gettext_noop(
                "the run gives this family no {programme} amount: it cannot be enrolled "
                "from this decree"
            ),
            programme=decree.programme,
        )
    # Locked, and a draft still: an approval at the same moment sees this line, or this sees
    # the decree approved.
    decree = Decree.objects.select_for_update().get(pk=decree.pk)
    if decree.status != Decree.Status.DRAFT:
        raise _not_on_a_draft()
    line = DecreeLine.objects.filter(decree=decree, subject=subject).first()
    if line and line.change in (Change.NEW, Change.CONTINUING, Change.CHANGED):
        return  # already in
    # A family enrolled now (its line says leaving) stays, at the run's amounts: a new line
    # would enrol it a second time.
    enrolled = Enrolment.objects.filter(
        programme=decree.programme, subject=subject, ended_on__isnull=True
    ).exists()
    DecreeLine.objects.update_or_create(
        decree=decree,
        subject=subject,
        defaults={
            "household": household,
            "region_code": household.village_id,
            "change": Change.CHANGED if enrolled else Change.NEW,
            "reason": Reason.REQUESTED,
            "decision": decision,
            **amounts,
        },
    )
    decree.totals = decree_totals(decree)
    decree.amended_by = sorted({*decree.amended_by, actor.pk})
    decree.save(update_fields=["totals", "amended_by"])


def _suspend(actor: User, programme: str, request: EnrolmentRequest) -> None:
    enrolment = Enrolment.objects.filter(
        programme=programme, household=request.case.household, ended_on__isnull=True
    ).first()
    if enrolment is None:
        raise DecreeRefused(
            gettext_noop("the family is not enrolled in {programme}"), programme=programme
        )
    if enrolment.status == Enrolment.Status.ACTIVE:  # suspended already: its reason stands
        cycles.suspend(actor, enrolment, Suspension.CASE_REQUEST)
