"""The targeting tests' small registry (poor and well-off households in Bogor and Bandung),
and programmes enrolled from it by the manager and the approver (tests/conftest.py)."""

from datetime import date

import pytest

from sejahtera.accounts.models import Role

from ..targeting.conftest import population  # noqa: F401 (a fixture)

AS_OF = JULY = date(2026, 7, 1)
TODAY = date(2026, 7, 5)


@pytest.fixture
def enrolled(manager, approver, population):  # noqa: F811 (a fixture)
    """SEMBAKO, PKH and PBI-JK enrolled from one run (decrees from July)."""
    from sejahtera.programmes import services
    from sejahtera.targeting.services import run_targeting_for_registry

    run = run_targeting_for_registry(AS_OF)
    for programme in ("SEMBAKO", "PKH", "PBI_JK"):
        services.approve_decree(approver, services.prepare_decree(manager, programme, JULY, run))
    return run


@pytest.fixture
def sembako(enrolled, manager):
    """The SEMBAKO cycle of July (seven families); two in Bogor hold a BRI account."""
    from sejahtera.programmes import cycles
    from sejahtera.programmes.models import Enrolment, PaymentAccount

    bogor_first = Enrolment.objects.filter(programme="SEMBAKO").order_by("region_code", "pk")
    for i, enrolment in enumerate(bogor_first[:2]):
        PaymentAccount.objects.create(
            household=enrolment.household,
            channel="BRI",
            account_number=f"0021010{i:08d}",
            opened_on=date(2025, 1, 1),
        )
    return cycles.open_cycle(manager, "SEMBAKO", JULY)


@pytest.fixture
def ask(make_user, served_case):
    """ask(household, action) → the enrolment request of a social worker's case in protection."""
    from sejahtera.cases import services as cases

    def request(household, action, programme="SEMBAKO"):
        worker = make_user(Role.SOCIAL_WORKER, household.village_id[:4])
        case = served_case(household, worker, None, TODAY)
        return cases.request_enrolment(
            actor=worker,
            case=case,
            programme=programme,
            action=action,
            reason="lost her job",
            today=TODAY,
        )

    return request
