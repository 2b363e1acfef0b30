"""The catalogue of records a social worker keeps on a case, written once.

Each action has its kind (the word the page and the API use, and the key of the domain's
``RECORD_STAGES``), its title and the service that writes it. The web's record form and the
API's record endpoints both go through :func:`perform`: a channel only turns its own input (a
form, a JSON body) into the service's keyword arguments, so adding a record means one line
here, a form and an endpoint, and both channels meet the same guards.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from sejahtera.accounts.models import User
from sejahtera.cases import services
from sejahtera.cases.models import Case, FollowUp, Referral

# (actor, case, today, the service's own arguments) → the record written
Write = Callable[[User, Case, date, dict[str, Any]], models.Model]


@dataclass(frozen=True)
class CaseAction:
    kind: str
    title: Promise
    write: Write


def _dated(service: Callable[..., Any]) -> Write:
    """A service on the case that is told the day (it dates the record or its event)."""
    return lambda actor, case, today, arguments: service(
        actor=actor, case=case, today=today, **arguments
    )


def _undated(service: Callable[..., Any]) -> Write:
    """A service on the case whose arguments carry their own dates."""
    return lambda actor, case, today, arguments: service(actor=actor, case=case, **arguments)


def _assessment(actor: User, case: Case, today: date, arguments: dict[str, Any]) -> Any:
    return services.record_assessment(actor=actor, case=case, today=today, **arguments)[0]


def _of_the_case(case: Case, record: FollowUp | Referral) -> None:
    # the channels look the visit or referral up within the case; this keeps it so
    if record.case_id != case.pk:
        raise PermissionDenied


def _follow_up(actor: User, case: Case, today: date, arguments: dict[str, Any]) -> Any:
    _of_the_case(case, arguments["follow_up"])
    return services.complete_follow_up(actor=actor, today=today, **arguments)


def _revoke_referral(actor: User, case: Case, today: date, arguments: dict[str, Any]) -> Any:
    _of_the_case(case, arguments["referral"])
    return services.update_referral(
        actor=actor, status=Referral.Status.REVOKED, today=today, **arguments
    )


# in the order the case page offers them
ACTIONS: dict[str, CaseAction] = {
    action.kind: action
    for action in (
        CaseAction("assessment", _("Assessment"), _assessment),
        CaseAction("plan", _("Plan"), _dated(services.write_plan)),
        CaseAction(
            "functioning", _("Social functioning score"), _undated(services.record_functioning)
        ),
        CaseAction("atensi-step", _("ATENSI practice step"), _undated(services.mark_atensi_step)),
        CaseAction(
            "conditionality",
            _("PKH conditionality (school, health)"),
            _dated(services.record_conditionality),
        ),
        CaseAction("service", _("ATENSI service"), _undated(services.record_service)),
        CaseAction("income", _("Monthly income"), _undated(services.record_income)),
        CaseAction("referral", _("Referral"), _dated(services.send_referral)),
        CaseAction(
            "enrolment",
            _("Request enrolment or suspension"),
            _dated(services.request_enrolment),
        ),
        CaseAction(
            "empowerment",
            _("Capital and mentoring (PENA)"),
            _undated(services.record_empowerment),
        ),
        CaseAction("training", _("Skills training"), _undated(services.record_training)),
        CaseAction("placement", _("Job placement"), _undated(services.record_placement)),
        CaseAction("transfer", _("Transfer the case"), _dated(services.assign_case)),
        CaseAction("follow-up", _("Follow-up visit done"), _follow_up),
        CaseAction("revoke-referral", _("Revoke a referral"), _revoke_referral),
        CaseAction("graduation", _("Propose graduation"), _dated(services.propose_graduation)),
    )
}


def perform(
    kind: str, *, actor: User, case: Case, today: date, arguments: dict[str, Any]
) -> models.Model:
    """Write a record of ``kind`` on the case. Each service checks who acts, then the stage
    table (``domain.cases.RECORD_STAGES``), then its own rules (``TransitionRefused``)."""
    return ACTIONS[kind].write(actor, case, today, arguments)
