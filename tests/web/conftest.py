"""What the web tests share: one of every record a URL can name, and the web app's URLs."""

from datetime import date

import pytest
from django.urls import URLPattern

from sejahtera.accounts.models import Role

VILLAGE = "3201011002"


@pytest.fixture
def world(household_factory, make_user, served_case):
    """One of everything a URL can name: a household with members, a case, a targeting run,
    an import run, an API token and a graduation request."""
    from sejahtera.accounts.tokens import create_token
    from sejahtera.registry.models import ImportRun
    from sejahtera.targeting.services import run_targeting_for_registry

    household = household_factory(VILLAGE)
    # a stored value that hostile input could leave behind before the registry refused it: a
    # control character in a name
    household_factory(
        VILLAGE,
        members=[
            {"full_name": "Ani", "sex": "P", "birth_date": "1990-01-01", "relationship": "head"}
        ],
    ).members.update(full_name="Ani\x01")
    worker = make_user(Role.SOCIAL_WORKER, "3201")
    supervisor = make_user(Role.SUPERVISOR, "3201")
    admin = make_user(Role.ADMINISTRATOR, is_staff=True, is_superuser=True)
    case = served_case(household, worker, supervisor, today=date(2026, 3, 2))
    run = run_targeting_for_registry(date(2026, 3, 1))
    imported = ImportRun.objects.create(created_by=admin, households_file="h.csv")
    token, _secret = create_token(admin, "t", ["registry:read"])
    grievance = participation_records(household, admin)
    grievance |= decision_review_records(household, run, make_user(Role.VILLAGE_OPERATOR, VILLAGE))
    return {
        "pk": {
            "household": household.pk,
            "person": household.members.first().pk,
            "case": case.pk,
            "run": run.pk,
            "import": imported.pk,
            "token": token.pk,
        }
        | grievance,
        "users": {
            Role.ADMINISTRATOR: admin,
            Role.SOCIAL_WORKER: worker,
            Role.DISTRICT_OFFICE: make_user(Role.DISTRICT_OFFICE, "3201"),
            Role.MINISTRY_ANALYST: make_user(Role.MINISTRY_ANALYST),
        },
    }


def page_patterns(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLPattern):
            yield entry
        elif not str(entry.pattern).startswith(("admin", "api", "static", "i18n")):
            yield from page_patterns(entry.url_patterns)


def participation_records(household, admin) -> dict[str, int]:
    """A proposal with its deliberation, an objection and a complaint, in the household's
    village."""
    from sejahtera.domain.participation import ComplaintCategory, ProposalKind
    from sejahtera.grievances.complaints import file_complaint
    from sejahtera.grievances.corrections import request_correction
    from sejahtera.grievances.models import Deliberation, Proposal
    from sejahtera.grievances.objections import file_objection
    from sejahtera.grievances.proposals import ProposedChange, submit_proposal

    today = date(2026, 3, 2)
    proposal = submit_proposal(
        change=ProposedChange(
            kind=ProposalKind.MOVED,
            village=household.village,
            household=household,
            household_cells={"address": "Jl. Baru 1"},
        ),
        proposer_name="Warga",
        proposer_nik="3201016007850002",
        submitted_on=today,
    )
    deliberation = Deliberation.objects.create(
        village=household.village,
        held_on=today,
        participants="BPD",
        recorded_by=admin,
    )
    Proposal.objects.filter(pk=proposal.pk).update(deliberation=deliberation)
    objection = file_objection(
        household=household,
        objector_name="Tetangga",
        objector_village=household.village,
        reason="punya mobil",
        filed_on=today,
    )
    complaint = file_complaint(
        category=ComplaintCategory.AID_NOT_RECEIVED,
        region=household.village,
        description="belum diterima",
        complainant_name="Warga",
        received_on=today,
    )
    correction = request_correction(
        person=household.members.first(),
        requester_name="Warga",
        description="nama salah",
        cells={"birth_place": "Bogor"},
        received_on=today,
    )
    return {
        "correction": correction.pk,
        "proposal": proposal.pk,
        "deliberation": deliberation.pk,
        "objection": objection.pk,
        "complaint": complaint.pk,
    }


def decision_review_records(household, run, clerk) -> dict[str, int]:
    """A decision of the household and a person's objection to it."""
    from sejahtera.targeting.models import Decision
    from sejahtera.targeting.reviews import request_review

    decision = Decision.objects.get(run=run, household=household, programme="SEMBAKO")
    review = request_review(
        actor=clerk,
        decision=decision,
        requester_name="Siti Aminah",
        requester_nik="3201014508900001",
        grounds="penghasilan turun",
    )
    return {"decision": decision.pk, "decision_review": review.pk}


def record_key(name: str) -> str:
    for part, key in (
        ("decision-review-new", "decision"),
        ("decision-review", "decision_review"),
        ("objection-new", "household"),
        ("proposal", "proposal"),
        ("deliberation", "deliberation"),
        ("objection", "objection"),
        ("complaint", "complaint"),
        ("correction", "correction"),
        ("household", "household"),
        ("case-open", "household"),
        ("person", "person"),
        ("case", "case"),
        ("graduation", "case"),
        ("targeting", "run"),
        ("import", "import"),
        ("token", "token"),
    ):
        if part in name:
            return key
    return "household"
