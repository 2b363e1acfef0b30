"""Who may be assigned to a case (access matrix: every role, in and out of the family's region,
inactive), through the service, the pages, the API and the admin; and one open case per
household, held by the database under parallel requests."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from sejahtera.accounts.models import ApiToken, Role
from sejahtera.accounts.tokens import create_token
from sejahtera.cases import services
from sejahtera.cases.models import Case, CaseEvent

from .conftest import BOGOR, TODAY

pytestmark = pytest.mark.django_db
OTHER_REGENCY = "3273"  # Kota Bandung


def candidate(make_user, role, where):
    """A user of ``role``: 'in' Bogor, 'out' in Bandung, 'inactive' in Bogor but deactivated."""
    region = {"in": BOGOR, "out": OTHER_REGENCY, "inactive": BOGOR}[where]
    if role in (Role.VILLAGE_OPERATOR,):
        region += "011002" if where != "out" else "011001"
    if role in (Role.PROVINCIAL_OFFICE,):
        region = region[:2]
    if role in (Role.MINISTRY_ANALYST, Role.PARTNER_AGENCY, Role.AUDITOR, Role.ADMINISTRATOR):
        region = None
    extra = {"organisation": "Bank BRI"} if role == Role.PARTNER_AGENCY else {}
    return make_user(role, region, is_active=where != "inactive", **extra)


CASES = [(role, where) for role in Role for where in ("in", "out", "inactive")]


def may_carry(role, where):
    return role == Role.SOCIAL_WORKER and where == "in"


def may_supervise(role, where):
    return role == Role.SUPERVISOR and where == "in"


@pytest.mark.parametrize(("role", "where"), CASES)
def test_who_may_carry_a_case(make_user, family, supervisor, role, where):
    person = candidate(make_user, role, where)
    opener = make_user(Role.DISTRICT_OFFICE, BOGOR)

    def open_():
        return services.open_case(
            actor=opener,
            household=family,
            social_worker=person,
            supervisor=supervisor,
            today=TODAY,
        )

    if may_carry(role, where):
        assert open_().social_worker == person
    else:
        with pytest.raises(services.TransitionRefused) as refused:
            open_()
        assert [f.code for f in refused.value.findings] == ["CASE_NOT_A_SOCIAL_WORKER"]
        assert not Case.objects.exists()


@pytest.mark.parametrize(("role", "where"), CASES)
def test_who_may_supervise_a_case(make_user, family, worker, case, role, where):
    person = candidate(make_user, role, where)
    office = make_user(Role.DISTRICT_OFFICE, BOGOR)
    version = case.version

    def transfer():
        services.assign_case(
            actor=office,
            case=case,
            social_worker=worker,
            supervisor=person,
            expected_version=version,
            reason="team change",
            today=TODAY,
        )

    if may_supervise(role, where):
        transfer()
        assert Case.objects.get(pk=case.pk).supervisor == person
        return
    with pytest.raises(services.TransitionRefused) as refused:
        transfer()
    assert [f.code for f in refused.value.findings] == ["CASE_NOT_A_SUPERVISOR"]
    assert Case.objects.get(pk=case.pk).version == version


def _api(client, user):
    _token, secret = create_token(user, "t", [ApiToken.Scope.CASES])
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}", "content_type": "application/json"}


def test_the_api_refuses_a_supervisor_from_another_regency(client, make_user, family, worker):
    stranger = make_user(Role.SUPERVISOR, OTHER_REGENCY)
    office = make_user(Role.DISTRICT_OFFICE, BOGOR)
    body = {"household": family.pk, "social_worker": worker.username}
    response = client.post(
        "/api/v1/cases", {**body, "supervisor": stranger.username}, **_api(client, office)
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "CASE_NOT_A_SUPERVISOR"
    assert not Case.objects.exists()
    # and so the stranger never gets to read it
    assert client.get("/api/v1/cases", **_api(client, stranger)).json()["items"] == []


def test_the_api_transfer_refuses_a_partner_agency_as_supervisor(client, make_user, case, worker):
    partner = make_user(Role.PARTNER_AGENCY, organisation="Bank BRI")
    response = client.post(
        f"/api/v1/cases/{case.pk}/transfer",
        {
            "social_worker": worker.username,
            "supervisor": partner.username,
            "expected_version": case.version,
            "reason": "x",
        },
        **_api(client, worker),
    )
    assert response.status_code in (403, 422)
    assert Case.objects.get(pk=case.pk).supervisor_id != partner.pk


def test_the_open_case_page_offers_and_accepts_only_valid_people(
    client, make_user, family, worker, supervisor
):
    stranger = make_user(Role.SUPERVISOR, OTHER_REGENCY)
    national = make_user(Role.SUPERVISOR, None)  # a scoped role without a region: no access
    client.force_login(make_user(Role.DISTRICT_OFFICE, BOGOR))
    page = client.get(f"/cases/open/{family.pk}/").content.decode()
    assert supervisor.username in page
    assert stranger.username not in page
    assert national.username not in page
    client.post(
        f"/cases/open/{family.pk}/",
        {"social_worker": worker.pk, "supervisor": stranger.pk},
    )
    assert not Case.objects.exists()


# What the change page's read-only timeline inline posts along.
INLINE = {"events-TOTAL_FORMS": "0", "events-INITIAL_FORMS": "0"}


@pytest.fixture
def admin_client(client, make_user):
    admin = make_user(Role.ADMINISTRATOR, is_staff=True, is_superuser=True)
    client.force_login(admin)
    return client


def test_the_admin_reassigns_through_the_service_onto_the_timeline(
    admin_client, make_user, case, worker
):
    other = make_user(Role.SUPERVISOR, BOGOR)
    url = f"/admin/cases/case/{case.pk}/change/"
    response = admin_client.post(
        url, {"social_worker": worker.pk, "supervisor": other.pk, "reason": "leave", **INLINE}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.supervisor == other
    event = CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.ASSIGNED).get()
    assert event.reason == "leave"


def test_the_admin_refuses_a_supervisor_from_elsewhere(admin_client, make_user, case, worker):
    stranger = make_user(Role.SUPERVISOR, OTHER_REGENCY)
    before = case.supervisor_id
    response = admin_client.post(
        f"/admin/cases/case/{case.pk}/change/",
        {"social_worker": worker.pk, "supervisor": stranger.pk, "reason": "x", **INLINE},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "active supervisor of the family" in response.content.decode()
    assert Case.objects.get(pk=case.pk).supervisor_id == before
    assert admin_client.get("/admin/cases/case/add/").status_code == 403


@pytest.mark.django_db(transaction=True)
def test_parallel_requests_open_one_case_per_household(make_user, family, supervisor):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the race needs PostgreSQL")
    workers = [make_user(Role.SOCIAL_WORKER, BOGOR) for _ in range(6)]
    barrier = threading.Barrier(len(workers))
    outcomes: list[str] = []

    def attempt(worker):
        try:
            barrier.wait(timeout=10)
            services.open_case(
                actor=worker,
                household=family,
                social_worker=worker,
                supervisor=supervisor,
                today=TODAY,
            )
            outcomes.append("opened")
        except services.TransitionRefused as refused:
            outcomes.append(refused.findings[0].code)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["CASE_ALREADY_OPEN"] * 5 + ["opened"]
    assert Case.objects.filter(household=family).count() == 1
