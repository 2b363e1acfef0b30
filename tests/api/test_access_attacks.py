"""The REST API's access control from an attacker's side: a case read where its household
is, a retried write answered as a read (checked and logged), a beneficiary list logged, and
filters, ids in bodies and delivery writes that never reach another region."""

from __future__ import annotations

from datetime import date

import pytest
from tests.programmes.conftest import JULY, enrolled  # noqa: F401 (a fixture)
from tests.targeting.conftest import AS_OF, POOR, RICH, head, population  # noqa: F401

from sejahtera.accounts.models import ApiToken, Role, SensitiveAccess
from sejahtera.cases import services as case_services
from sejahtera.cases.models import Case, CasePlan
from sejahtera.programmes import services as delivery
from sejahtera.programmes.models import Decree, DecreeLine, Enrolment
from sejahtera.registry.models import Household
from sejahtera.registry.services import records
from sejahtera.targeting.services import run_targeting_for_registry

pytestmark = pytest.mark.django_db
BOGOR_VILLAGE = "3201011002"
BANDUNG_VILLAGE = "3273011001"
TODAY = date(2026, 3, 2)


def _move_household(household: Household, village: str, actor) -> None:
    cells = records.household_cells(household)
    cells.pop("household_id")
    records.update_household(
        actor=actor,
        household=household,
        cells={**cells, "region_code": village},
        expected_version=household.version,
    )


# -- found by an attacker's review, fixed ---------------------------------------------------


def test_a_case_is_read_where_its_household_now_is(api, make_user, household_factory):
    """When the family moves to another regency, its case (specific data: assessments,
    services, timeline) goes with it: the new district office reads it, the old one, from
    which the registry now hides the household, no longer does."""
    family = household_factory(BOGOR_VILLAGE, members=[head("Siti")], **POOR)
    worker = make_user(Role.SOCIAL_WORKER, "3201")
    case = case_services.open_case(
        actor=worker, household=family, social_worker=worker, supervisor=None, today=TODAY
    )
    _move_household(family, BANDUNG_VILLAGE, make_user(Role.ADMINISTRATOR))

    old_office = api(make_user(Role.DISTRICT_OFFICE, "3201"))
    new_office = api(make_user(Role.DISTRICT_OFFICE, "3273"))
    assert old_office("get", f"/households/{family.pk}").status_code == 404  # registry: gone
    assert new_office("get", f"/households/{family.pk}").status_code == 200

    assert old_office("get", f"/cases/{case.pk}").status_code == 404
    assert case.pk not in {c["id"] for c in old_office("get", "/cases").json()["items"]}
    assert new_office("get", f"/cases/{case.pk}").status_code == 200


def test_a_replayed_registration_is_a_checked_and_logged_read(api, make_user):
    """POST /households retried with its Idempotency-Key creates nothing and answers with the
    household read again under the caller's rights of now: a logged read, and 404 once the
    operator works in another village (never the kept copy with its specific data)."""
    operator = make_user(Role.VILLAGE_OPERATOR, BOGOR_VILLAGE)
    call = api(operator)
    body = {
        "household": {"region_code": BOGOR_VILLAGE},
        "members": [head("Siti", nik="3201014508900001", hiv="true")],
    }
    assert call("post", "/households", body, key="register-1").status_code == 201
    household = Household.objects.get()
    reads = SensitiveAccess.objects.count()
    replay = call("post", "/households", body, key="register-1")
    assert replay.status_code == 201
    assert replay.json()["id"] == household.pk
    assert SensitiveAccess.objects.count() > reads  # a replay is a read, logged as one
    assert Household.objects.count() == 1

    operator.region_id = BANDUNG_VILLAGE  # reassigned to a village of another regency
    operator.save()
    assert call("get", f"/households/{household.pk}").status_code == 401  # the token stopped
    call = api(operator)
    assert call("get", f"/households/{household.pk}").status_code == 404
    replay = call("post", "/households", body, key="register-1")
    assert replay.status_code == 404, "the replay returns a household outside the caller's scope"
    assert Household.objects.count() == 1


def test_a_replayed_case_record_is_a_logged_read(api, make_user, household_factory):
    """A case record written with an Idempotency-Key answers with the whole case (timeline and
    records: specific data, a logged read); sending the key again is such a read too."""
    family = household_factory(BOGOR_VILLAGE, members=[head("Siti")], **POOR)
    worker = make_user(Role.SOCIAL_WORKER, "3201")
    case = case_services.open_case(
        actor=worker, household=family, social_worker=worker, supervisor=None, today=TODAY
    )
    call = api(worker)
    plan = {"kind": CasePlan.Kind.REHABILITATION, "goals": "therapy for HIV"}
    first = call("post", f"/cases/{case.pk}/plans", plan, key="plan-1")
    assert first.status_code == 201, first.content
    reads = SensitiveAccess.objects.filter(entity="case").count()
    replay = call("post", f"/cases/{case.pk}/plans", plan, key="plan-1")
    assert replay.status_code == 201
    assert replay.json()["case"]["records"]["plans"][0]["goals"] == "therapy for HIV"
    assert SensitiveAccess.objects.filter(entity="case").count() > reads


def test_naming_staff_does_not_tell_which_usernames_exist(api, make_user, household_factory):
    """POST /cases and a transfer name their social worker and supervisor by username: a name
    of nobody is refused as the name of someone outside the family's region is, so guessing
    names does not map who has an account elsewhere in the country."""
    family = household_factory(BOGOR_VILLAGE, members=[head("Siti")], **POOR)
    worker = make_user(Role.SOCIAL_WORKER, "3201")
    stranger = make_user(Role.SOCIAL_WORKER, "3273")
    boss = make_user(Role.SUPERVISOR, "3273")
    call = api(worker)

    def answer(path, **body):
        response = call("post", path, {"social_worker": worker.username, **body})
        return response.status_code, [e["code"] for e in response.json().get("errors", [])]

    for field, exists, unknown in [
        ("social_worker", stranger.username, "no-such-worker"),
        ("supervisor", boss.username, "no-such-supervisor"),
    ]:
        assert answer("/cases", household=family.pk, **{field: exists}) == answer(
            "/cases", household=family.pk, **{field: unknown}
        )
    assert not Case.objects.exists()
    case = case_services.open_case(
        actor=worker, household=family, social_worker=worker, supervisor=None, today=TODAY
    )
    transfer = f"/cases/{case.pk}/transfer"
    moved = {"expected_version": case.version, "reason": "cuti"}
    for supervisor in [boss.username, "no-such-supervisor"]:
        assert answer(transfer, **moved, supervisor=supervisor)[0] == 403  # may not transfer
    call = api(make_user(Role.DISTRICT_OFFICE, "3201"))
    known = answer(transfer, **moved, supervisor=boss.username)
    assert known == answer(transfer, **moved, supervisor="no-such-supervisor")
    assert known == (422, ["CASE_NOT_A_SUPERVISOR"])


def test_reading_a_decrees_lines_is_logged(
    api,
    make_user,
    population,  # noqa: F811
):
    """ATENSI beneficiaries are persons in a vulnerable cluster: GET /decrees/{id}/lines is,
    like the web's annex of the same lines, a logged read."""
    run = run_targeting_for_registry(AS_OF)
    maker, second = make_user(Role.ADMINISTRATOR), make_user(Role.ADMINISTRATOR)
    decree = delivery.prepare_decree(maker, "ATENSI", JULY, run)
    delivery.approve_decree(second, decree)
    assert DecreeLine.objects.filter(decree=decree, region_code__startswith="3201").exists()

    office = api(make_user(Role.DISTRICT_OFFICE, "3201"))
    before = SensitiveAccess.objects.count()
    lines = office("get", f"/decrees/{decree.pk}/lines").json()
    assert lines["count"] > 0
    assert all(line["person"] for line in lines["items"])
    assert SensitiveAccess.objects.count() > before


# -- attacks the code withstands ----------------------------------------------------------------


def test_filters_and_search_never_reach_another_region(api, make_user, household_factory):
    bandung = household_factory(BANDUNG_VILLAGE, members=[head("Rina", nik="3273014508900001")])
    household_factory(BOGOR_VILLAGE, members=[head("Siti", nik="3201014508900002")])
    office = api(make_user(Role.DISTRICT_OFFICE, "3201"))
    assert office("get", "/households", region="3273").json()["count"] == 0
    assert office("get", "/households", kk_number=bandung.kk_number or "").status_code == 200
    assert office("get", "/persons", q="Rina").json()["count"] == 0
    assert office("get", "/persons", q="3273014508900001").json()["count"] == 0
    assert office("get", "/persons", q="3273").json()["count"] == 0
    assert office("get", "/persons", region="32").json()["count"] == 1  # own scope only
    assert office("get", "/persons", region="3273").json()["count"] == 1
    for path in (f"/households/{bandung.pk}", f"/targeting/households/{bandung.pk}",
                 f"/persons/{bandung.members.get().pk}"):  # fmt: skip
        answer = office("get", path)
        assert answer.status_code == 404
        assert "3273" not in answer.content.decode()


def test_ids_in_bodies_are_resolved_within_the_region(api, make_user, household_factory):
    """Another region's household id in POST /cases, another family's person in a case record,
    a social worker of another region: refused, nothing written."""
    bandung = household_factory(BANDUNG_VILLAGE, members=[head("Rina")], **POOR)
    family = household_factory(BOGOR_VILLAGE, members=[head("Siti")], **POOR)
    worker = make_user(Role.SOCIAL_WORKER, "3201")
    stranger = make_user(Role.SOCIAL_WORKER, "3273")
    call = api(worker)
    opened = call("post", "/cases", {"household": bandung.pk, "social_worker": worker.username})
    assert opened.status_code == 404
    elsewhere = call("post", "/cases", {"household": family.pk, "social_worker": stranger.username})
    assert elsewhere.status_code == 422
    assert not Case.objects.exists()
    case = case_services.open_case(
        actor=worker, household=family, social_worker=worker, supervisor=None, today=TODAY
    )
    body = {"members": [{"person_id": bandung.members.get().pk, "conditions": {"risks": "x"}}]}
    assert call("post", f"/cases/{case.pk}/assessments", body).status_code == 404
    assert not case.assessments.exists()


def test_delivery_writes_need_a_decree_maker_and_reads_stay_in_region(
    api,
    make_user,
    enrolled,  # noqa: F811
):
    decree = Decree.objects.filter(programme="SEMBAKO").get()
    october = JULY.replace(month=10)  # after the decree in force
    draft = delivery.prepare_decree(make_user(Role.PROGRAMME_MANAGER), "PKH", october, enrolled)
    office = api(make_user(Role.DISTRICT_OFFICE, "3201"))
    assert office("post", f"/decrees/{draft.pk}/approve").status_code == 403
    assert office("post", f"/decrees/{draft.pk}/reject", {"reason": "no"}).status_code == 403
    Decree.objects.get(pk=draft.pk, status=Decree.Status.DRAFT)
    lines = office("get", f"/decrees/{decree.pk}/lines", region="3273").json()
    assert lines["count"] == 0
    assert office("get", "/enrolments", region="3273").json()["count"] == 0
    bandung = Enrolment.objects.filter(region_code__startswith="3273").first()
    suspend = office("post", f"/enrolments/{bandung.pk}/suspend", {"reason": "moved"})
    assert suspend.status_code == 404
    assert Enrolment.objects.get(pk=bandung.pk).status == Enrolment.Status.ACTIVE
    reader = api(make_user(Role.PROGRAMME_MANAGER), scopes=[ApiToken.Scope.REGISTRY_READ])
    assert reader("get", "/decrees").status_code == 403  # a token used beyond its scope
