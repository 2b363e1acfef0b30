"""Enrolment requests from cases, answered on a decree draft; the case's timeline shows it."""

from __future__ import annotations

from datetime import date

import pytest

from sejahtera.cases.models import CaseEvent, EnrolmentRequest
from sejahtera.programmes import requests, services
from sejahtera.programmes.models import DecreeLine, Enrolment
from sejahtera.targeting.models import Decision
from sejahtera.targeting.services import run_targeting_for_registry

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 7, 1)
TODAY = date(2026, 7, 5)


def test_an_accepted_request_joins_the_draft_and_is_enrolled_on_approval(
    client, ask, manager, approver, population
):
    run = run_targeting_for_registry(AS_OF)
    # A family the run decided with an amount but a limit left out (as a quota would).
    decision = Decision.objects.filter(run=run, programme="SEMBAKO", eligible=True).first()
    Decision.objects.filter(pk=decision.pk).update(eligible=False, limited_by="quota")
    request = ask(decision.household, EnrolmentRequest.Action.ENROL)
    draft = services.prepare_decree(manager, "SEMBAKO", AS_OF, run)
    assert list(requests.pending_requests(draft)) == [request]
    client.force_login(manager)
    assert (
        f'data-request="{request.pk}"'
        in client.get(f"/programmes/decrees/{draft.pk}/").content.decode()
    )

    client.post(f"/programmes/decrees/{draft.pk}/requests/{request.pk}/", {"answer": "accept"})
    line = DecreeLine.objects.get(decree=draft, subject=f"H{decision.household_id}")
    assert (line.change, line.reason, line.monthly_amount) == ("new", "requested", 200_000)
    services.approve_decree(approver, draft)
    assert Enrolment.objects.filter(subject=f"H{decision.household_id}", ended_on=None).exists()
    request.refresh_from_db()
    assert request.status == "accepted"
    event = CaseEvent.objects.get(case=request.case, kind="enrol_decided")
    assert "accepted" in event.reason
    client.force_login(request.requested_by)
    assert (
        'data-request-status="accepted"'
        in client.get(f"/cases/{request.case_id}/").content.decode()
    )


@pytest.mark.parametrize("closed", ["rejected", "withdrawn"])
def test_requests_accepted_onto_a_draft_never_approved_wait_for_the_next(
    closed, ask, manager, approver, population
):
    """The family was never enrolled: its request must not stay "accepted" for ever."""
    run = run_targeting_for_registry(AS_OF)
    decision = Decision.objects.filter(run=run, programme="SEMBAKO", eligible=True).first()
    Decision.objects.filter(pk=decision.pk).update(eligible=False, limited_by="quota")
    request = ask(decision.household, EnrolmentRequest.Action.ENROL)
    refused = ask(population["rich"][0], EnrolmentRequest.Action.ENROL)
    draft = services.prepare_decree(manager, "SEMBAKO", AS_OF, run)
    requests.answer_request(manager, draft, request, accept=True, note="", today=TODAY)
    requests.answer_request(manager, draft, refused, accept=False, note="mobil", today=TODAY)
    if closed == "rejected":
        services.reject_decree(approver, draft, "wrong run")
    else:
        services.withdraw_decree(manager, draft)

    request.refresh_from_db()
    refused.refresh_from_db()
    assert (request.status, request.decided_by, request.outcome) == ("pending", None, "")
    assert refused.status == "refused"  # a refusal stands
    event = CaseEvent.objects.get(case=request.case, kind="enrol_waiting")
    assert f"#{draft.pk} {closed}" in event.reason
    following = services.prepare_decree(manager, "SEMBAKO", date(2026, 10, 1), run)
    assert list(requests.pending_requests(following)) == [request]


def test_a_refusal_needs_a_reason_and_reaches_the_case(ask, manager, population):
    run = run_targeting_for_registry(AS_OF)
    request = ask(population["rich"][0], EnrolmentRequest.Action.ENROL)
    draft = services.prepare_decree(manager, "SEMBAKO", AS_OF, run)
    with pytest.raises(services.DecreeRefused, match="reason"):
        requests.answer_request(manager, draft, request, accept=False, note=" ", today=TODAY)
    with pytest.raises(services.DecreeRefused, match="no SEMBAKO amount"):
        requests.answer_request(manager, draft, request, accept=True, note="", today=TODAY)
    requests.answer_request(manager, draft, request, accept=False, note="car owner", today=TODAY)
    request.refresh_from_db()
    assert (request.status, request.outcome) == ("refused", "car owner")
    assert "car owner" in CaseEvent.objects.get(case=request.case, kind="enrol_decided").reason


def test_an_accepted_suspension_suspends_the_enrolment(ask, manager, approver, population):
    run = run_targeting_for_registry(AS_OF)
    services.approve_decree(approver, services.prepare_decree(manager, "SEMBAKO", AS_OF, run))
    enrolment = Enrolment.objects.filter(region_code__startswith="3201").first()
    request = ask(enrolment.household, EnrolmentRequest.Action.SUSPEND)
    draft = services.prepare_decree(manager, "SEMBAKO", date(2026, 9, 1), run)
    requests.answer_request(manager, draft, request, accept=True, note="", today=TODAY)
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.suspension) == ("suspended", "case_request")
