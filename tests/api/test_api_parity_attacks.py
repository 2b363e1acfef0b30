"""The REST API against the web pages and the one permission model, from an attacker's side.

Each test is one attack: it fails while the API is vulnerable to it. The first group found
defects (the API is looser than the web page doing the same thing, or a creating POST retried
with its Idempotency-Key creates twice); the rest are attacks the API withstands, kept so that
they stay withstood. tests/api/test_access_attacks.py and the access matrices cover role and
region per endpoint; these go after what they leave out: roles the web refuses, existence
oracles, filters on masked fields, page sizes, stale or cross-region writes and retries.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from tests.programmes.conftest import JULY
from tests.targeting.conftest import AS_OF, POOR, child, head, population  # noqa: F401

from sejahtera.accounts.models import ApiToken, Role, SensitiveAccess
from sejahtera.cases import services as case_services
from sejahtera.cases.models import CasePlan
from sejahtera.domain.registry_format import HOUSEHOLD_COLUMN_NAMES, PERSON_COLUMN_NAMES
from sejahtera.programmes.models import Decree
from sejahtera.registry.models import Household, ImportRun, Person
from sejahtera.registry.services import records
from sejahtera.targeting.models import Decision, TargetingRun
from sejahtera.targeting.services import run_targeting_for_registry

pytestmark = pytest.mark.django_db
BOGOR = "3201"
BOGOR_VILLAGE = "3201011002"
NEIGHBOUR_VILLAGE = "3201011001"  # Pondok Rajeg, the same district of Bogor
BANDUNG_VILLAGE = "3273011001"
TODAY = date(2026, 3, 2)
ADULT_NIK = "3201014508900001"
CHILD_NIK = "3201010101150003"


@pytest.fixture
def siti(household_factory):
    """A Bogor family: Siti (an adult living with HIV) and her son Budi (a child)."""
    return household_factory(
        BOGOR_VILLAGE,
        members=[
            head("Siti Aminah", born="1990-08-05", nik=ADULT_NIK, hiv="true"),
            child("Budi Kecil", born="2015-01-01", nik=CHILD_NIK),
        ],
        **POOR,
    )


def _reads_of(entity: str, record_id: int) -> int:
    return sum(record_id in e.record_ids for e in SensitiveAccess.objects.filter(entity=entity))


def _csv(name: str, columns: tuple[str, ...], rows: list[dict[str, str]]) -> SimpleUploadedFile:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, restval="")
    writer.writeheader()
    writer.writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode(), content_type="text/csv")


def _import_files() -> dict[str, SimpleUploadedFile]:
    return {
        "households": _csv(
            "households.csv",
            HOUSEHOLD_COLUMN_NAMES,
            [{"household_id": "IMP-H1", "region_code": BOGOR_VILLAGE}],
        ),
        "persons": _csv(
            "persons.csv",
            PERSON_COLUMN_NAMES,
            [
                {
                    "person_id": "IMP-P1",
                    "household_id": "IMP-H1",
                    "full_name": "Dewi Lestari",
                    "sex": "P",
                    "birth_date": "1988-02-02",
                    "relationship": "head",
                }
            ],
        ),
    }


# == defects: the API is looser than the web, or a retried POST creates twice ==================


def test_nik_check_is_refused_to_the_roles_the_web_refuses_it(api, make_user):
    """The web's live NIK check (``web:nik-check``) serves only the registry's editors ("one
    permission model"); GET /nik/{nik} serves any token with registry:read, whatever its
    user's role — an auditor, and even a partner agency, which reads no registry at all."""
    nik = f"/nik/{ADULT_NIK}"
    assert api(make_user(Role.VILLAGE_OPERATOR, BOGOR_VILLAGE))("get", nik).status_code == 200
    auditor = api(make_user(Role.AUDITOR), [ApiToken.Scope.REGISTRY_READ])
    partner = api(make_user(Role.PARTNER_AGENCY, organisation="Yayasan"))
    assert [auditor("get", nik).status_code, partner("get", nik).status_code] == [403, 403]


def test_preparing_a_decree_does_not_tell_who_may_not_which_runs_exist(
    api,
    make_user,
    population,  # noqa: F811
):
    """POST /decrees looks the run up before asking whether the caller may prepare decrees at
    all: a district office (or any token with the delivery scope) gets 422 "run N does not
    exist" for a missing id and 403 for a real one — an oracle of targeting runs for roles the
    web's decree form is refused to."""
    run = run_targeting_for_registry(AS_OF)
    office = api(make_user(Role.DISTRICT_OFFICE, BOGOR))
    body = {"programme": "SEMBAKO", "period_start": JULY.isoformat()}
    real = office("post", "/decrees", {**body, "run": run.pk})
    missing = office("post", "/decrees", {**body, "run": run.pk + 1000})
    assert real.status_code == 403
    assert missing.status_code == 403
    assert str(run.pk + 1000) not in missing.content.decode()
    assert not Decree.objects.exists()


def test_a_retried_decree_preparation_prepares_one_draft(
    api,
    manager,
    population,  # noqa: F811
):
    """A programme manager's POST /decrees retried with its Idempotency-Key (a timeout, a
    proxy retrying) prepares a second draft decree of the same programme and period: two
    drafts of one decree, either of which a second person may approve."""
    run = run_targeting_for_registry(AS_OF)
    call = api(manager)
    body = {"programme": "SEMBAKO", "period_start": JULY.isoformat(), "run": run.pk}
    first = call("post", "/decrees", body, key="decree-1")
    assert first.status_code == 201, first.content
    again = call("post", "/decrees", body, key="decree-1")
    assert again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert Decree.objects.count() == 1


def test_a_retried_targeting_run_starts_one_run(api, make_user, siti):
    """POST /targeting/runs retried with its Idempotency-Key starts the engine on the whole
    registry a second time (hours on the national registry) and lists two runs."""
    call = api(make_user(Role.MINISTRY_ANALYST))
    body = {"as_of": AS_OF.isoformat()}
    first = call("post", "/targeting/runs", body, key="run-1")
    assert first.status_code == 202, first.content
    again = call("post", "/targeting/runs", body, key="run-1")
    assert again.status_code == 202
    assert again.json()["id"] == first.json()["id"]
    assert TargetingRun.objects.count() == 1


def test_a_retried_import_submission_queues_one_import(api, make_user):
    """POST /imports retried with its Idempotency-Key queues (and runs) the same files twice."""
    call = api(make_user(Role.DISTRICT_OFFICE, BOGOR))
    first = call.post_files("/imports", _import_files(), key="import-1")
    assert first.status_code == 202, first.content
    again = call.post_files("/imports", _import_files(), key="import-1")
    assert again.status_code == 202
    assert again.json()["id"] == first.json()["id"]
    assert ImportRun.objects.count() == 1


def test_a_keyed_import_larger_than_a_request_read_in_memory_is_taken(api, make_user, settings):
    """The key's fingerprint reads the files in chunks, not the request body, which Django
    refuses to hold in memory beyond DATA_UPLOAD_MAX_MEMORY_SIZE; other files under the same
    key are another request."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    call = api(make_user(Role.DISTRICT_OFFICE, BOGOR))
    first = call.post_files("/imports", _import_files(), key="big")
    assert first.status_code == 202, first.content
    other = _import_files()
    other["households"] = SimpleUploadedFile("other.csv", b"x" + other["households"].read())
    assert call.post_files("/imports", other, key="big").status_code == 422
    assert ImportRun.objects.count() == 1


# == withstood: filters, sorting and page sizes ================================================


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/persons", {"hiv": "true"}),
        ("/persons", {"drug_user": "true"}),
        ("/persons", {"sort": "hiv"}),
        ("/persons", {"ordering": "-hiv"}),
        ("/persons", {"concern": "nik_warnings"}),
        ("/households", {"members__hiv": "true"}),
        ("/enrolments", {"person__hiv": "true"}),
        ("/cases", {"q": "HIV"}),
        ("/decrees/1/lines", {"reason": "ATENSI"}),
    ],
)
def test_a_filter_or_sort_on_a_masked_field_is_refused(api, make_user, path, query):
    """What the API does not offer as a filter is refused, never ignored nor applied: no count
    of persons with HIV, no order of persons by it, for an auditor who sees it masked."""
    auditor = api(make_user(Role.AUDITOR))
    answer = auditor("get", path, **query)
    assert answer.status_code == 422
    assert answer["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize(
    "path", ["/persons", "/households", "/cases", "/referrals", "/decrees", "/enrolments"]
)
def test_a_page_is_at_most_200_long(api, make_user, path):
    answer = api(make_user(Role.ADMINISTRATOR))("get", path, page_size="201")
    assert answer.status_code == 422
    assert [e["field"] for e in answer.json()["errors"]] == ["page_size"]


def test_a_search_never_confirms_a_masked_childs_nik_or_name(api, make_user, siti):
    """An auditor (masked specific data) searching by a child's NIK, its prefix or name finds
    nothing, though the adult's NIK finds her — with her HIV status withheld, unlogged."""
    auditor = api(make_user(Role.AUDITOR))
    for q in (CHILD_NIK, CHILD_NIK[:12], "Budi Kecil"):
        assert auditor("get", "/persons", q=q).json()["count"] == 0, q
    found = auditor("get", "/persons", q=ADULT_NIK).json()
    assert found["count"] == 1
    assert found["items"][0]["cells"]["hiv"] is None
    assert found["items"][0]["masked"] is True
    assert not SensitiveAccess.objects.exists()


def test_a_childs_record_is_masked_and_a_specific_read_is_logged(api, make_user, siti):
    boy = siti.members.get(full_name="Budi Kecil")
    mother = siti.members.get(full_name="Siti Aminah")
    analyst = api(make_user(Role.MINISTRY_ANALYST))
    shown = analyst("get", f"/persons/{boy.pk}").json()
    assert shown["masked"] is True
    assert {shown["cells"][c] for c in ("nik", "full_name", "birth_date", "sex")} == {None}
    assert CHILD_NIK not in json.dumps(analyst("get", f"/households/{siti.pk}").json())
    assert "Budi Kecil" not in json.dumps(analyst("get", f"/households/{siti.pk}").json())

    office = api(make_user(Role.DISTRICT_OFFICE, BOGOR))
    assert office("get", f"/persons/{mother.pk}").json()["cells"]["hiv"] == "true"
    assert _reads_of("person", mother.pk) == 1


# == withstood: existence oracles and cross-region writes ======================================


def test_an_id_outside_the_region_answers_as_an_id_of_nothing(api, make_user, household_factory):
    """GET, PUT (with a stale version) and POST members on another regency's household answer
    exactly as on an id that does not exist: no 409 with the current version, no 422 naming
    its cells."""
    bandung = household_factory(BANDUNG_VILLAGE, members=[head("Rina", nik="3273014508900001")])
    rina = bandung.members.get()
    missing = Household.objects.order_by("-pk").first().pk + 1000
    office = api(make_user(Role.DISTRICT_OFFICE, BOGOR))
    update = {"version": 1, "household": {"region_code": BOGOR_VILLAGE}}
    member = head("Ani", relationship="child")
    for target in (bandung.pk, missing):
        for method, path, body in [
            ("get", f"/households/{target}", None),
            ("put", f"/households/{target}", update),
            ("post", f"/households/{target}/members", member),
        ]:
            answer = office(method, path, body)
            assert answer.status_code == 404, (method, path)
            assert answer.json() == {
                "type": "about:blank",
                "title": "Not found",
                "status": 404,
                "detail": "",
                "errors": [],
            }
    person_update = {"version": 1, "person": head("Rina Baru")}
    assert office("put", f"/persons/{rina.pk}", person_update).status_code == 404
    rina.refresh_from_db()
    bandung.refresh_from_db()
    assert (rina.full_name, bandung.version, bandung.members.count()) == ("Rina", 1, 1)


def test_a_household_cannot_be_moved_or_registered_out_of_the_region(api, make_user, siti):
    office = api(make_user(Role.DISTRICT_OFFICE, BOGOR))
    cells = records.household_cells(siti)
    cells.pop("household_id")
    moved = office(
        "put",
        f"/households/{siti.pk}",
        {"version": siti.version, "household": {**cells, "region_code": BANDUNG_VILLAGE}},
    )
    assert moved.status_code == 422
    assert [e["code"] for e in moved.json()["errors"]] == ["REGION_OUTSIDE_SCOPE"]
    siti.refresh_from_db()
    assert siti.village_id == BOGOR_VILLAGE

    operator = api(make_user(Role.VILLAGE_OPERATOR, BOGOR_VILLAGE))
    body = {"household": {"region_code": NEIGHBOUR_VILLAGE}, "members": [head("Dewi")]}
    registered = operator("post", "/households", body, key="elsewhere-1")
    assert registered.status_code == 422
    assert [e["code"] for e in registered.json()["errors"]] == ["REGION_OUTSIDE_SCOPE"]
    assert Household.objects.count() == 1


def test_a_village_operator_neither_reads_nor_writes_the_next_village(
    api, make_user, household_factory
):
    neighbour = household_factory(NEIGHBOUR_VILLAGE, members=[head("Dewi")])
    operator = api(make_user(Role.VILLAGE_OPERATOR, BOGOR_VILLAGE))
    assert operator("get", f"/households/{neighbour.pk}").status_code == 404
    assert operator("get", "/persons", q="Dewi").json()["count"] == 0
    assert operator("get", "/households", region="3201011001").json()["count"] == 0
    added = operator("post", f"/households/{neighbour.pk}/members", child("Ani"), key="m-1")
    assert added.status_code == 404
    assert neighbour.members.count() == 1


def test_an_import_is_followed_only_by_whom_the_web_shows_it(api, make_user):
    """A colleague of the same office, and an office of another regency, do not follow an
    import through GET /imports/{id} (the web's import page shows it to neither)."""
    importer = api(make_user(Role.DISTRICT_OFFICE, BOGOR))
    run_id = importer.post_files("/imports", _import_files()).json()["id"]
    for user in (make_user(Role.DISTRICT_OFFICE, BOGOR), make_user(Role.DISTRICT_OFFICE, "3273")):
        assert api(user)("get", f"/imports/{run_id}").status_code == 404
    operator = api(make_user(Role.VILLAGE_OPERATOR, BOGOR_VILLAGE))
    assert operator.post_files("/imports", _import_files()).status_code == 403
    assert ImportRun.objects.count() == 1


# == withstood: token scopes ===================================================================


def test_a_read_only_token_writes_nothing(api, make_user, siti):
    """A registry:read token of an administrator (who may do everything) writes nothing."""
    reader = api(make_user(Role.ADMINISTRATOR), [ApiToken.Scope.REGISTRY_READ])
    mother = siti.members.get(full_name="Siti Aminah")
    body = {"household": {"region_code": BOGOR_VILLAGE}, "members": [head("Dewi")]}
    answers = [
        reader("post", "/households", body, key="ro-1"),
        reader("put", f"/persons/{mother.pk}", {"version": 1, "person": head("X")}),
        reader("post", f"/households/{siti.pk}/members", child("Ani")),
        reader("post", "/cases", {"household": siti.pk, "social_worker": "x"}),
        reader("post", "/targeting/runs", {"as_of": AS_OF.isoformat()}),
        reader.post_files("/imports", _import_files()),
        reader("post", "/cycles", {"programme": "SEMBAKO", "period_start": JULY.isoformat()}),
    ]
    assert [a.status_code for a in answers] == [403] * len(answers)
    assert Household.objects.count() == 1
    assert Person.objects.count() == 2
    assert not TargetingRun.objects.exists()
    assert not ImportRun.objects.exists()


# == withstood: cases ==========================================================================


def test_a_social_worker_of_the_same_regency_does_not_reach_a_colleagues_case(api, make_user, siti):
    """Case access is by carrier, not only by region: another social worker of Bogor gets 404
    on the case, its records and its writes, and does not list it."""
    worker = make_user(Role.SOCIAL_WORKER, BOGOR)
    case = case_services.open_case(
        actor=worker, household=siti, social_worker=worker, supervisor=None, today=TODAY
    )
    colleague = api(make_user(Role.SOCIAL_WORKER, BOGOR))
    assert colleague("get", f"/cases/{case.pk}").status_code == 404
    assert colleague("get", f"/cases/{case.pk}/partner-programmes").status_code == 404
    assert colleague("get", "/cases").json()["count"] == 0
    plan = {"kind": CasePlan.Kind.REHABILITATION, "goals": "therapy for HIV"}
    assert colleague("post", f"/cases/{case.pk}/plans", plan, key="p-1").status_code == 404
    move = {"to_stage": "protection", "expected_version": case.version}
    assert colleague("post", f"/cases/{case.pk}/moves", move).status_code == 404
    assert not case.plans.exists()
    assert _reads_of("case", case.pk) == 0


def test_an_idempotency_key_replays_only_its_own_request(api, make_user, siti):
    """The same key on another case's path (or with another body) is refused, never answered
    with the first case: a key cannot be used to read a case one did not write to."""
    worker = make_user(Role.SOCIAL_WORKER, BOGOR)
    case = case_services.open_case(
        actor=worker, household=siti, social_worker=worker, supervisor=None, today=TODAY
    )
    call = api(worker)
    plan = {"kind": CasePlan.Kind.REHABILITATION, "goals": "therapy for HIV"}
    assert call("post", f"/cases/{case.pk}/plans", plan, key="k").status_code == 201
    other = {**plan, "goals": "something else"}
    reused = call("post", f"/cases/{case.pk}/plans", other, key="k")
    assert reused.status_code == 422
    assert "therapy" not in reused.content.decode()
    assert case.plans.count() == 1
    stranger = api(make_user(Role.SOCIAL_WORKER, BOGOR))
    assert stranger("post", f"/cases/{case.pk}/plans", plan, key="k").status_code == 404


# == withstood: delivery and targeting =========================================================


def test_a_decree_is_prepared_only_from_a_completed_real_run(
    api,
    manager,
    population,  # noqa: F811
):
    """A what-if simulation (or an unfinished run) is no ground for a decree: the web's form
    offers only completed real runs, and the API refuses the others."""
    run_targeting_for_registry(AS_OF)
    simulation = run_targeting_for_registry(AS_OF, simulation=True)
    unfinished = TargetingRun.objects.create(
        as_of=AS_OF, rules_text="", status=TargetingRun.Status.RUNNING
    )
    call = api(manager)
    for run in (simulation, unfinished):
        body = {"programme": "SEMBAKO", "period_start": JULY.isoformat(), "run": run.pk}
        assert call("post", "/decrees", body).status_code == 422
    assert not Decree.objects.exists()


def test_a_households_decisions_withhold_atensi_and_reasons_from_an_analyst(
    api,
    make_user,
    population,  # noqa: F811
):
    """ATENSI (and a decision's reasons and components) reveal a vulnerable cluster: an analyst
    reads a household's decisions without them, unlogged, as on the web's household page;
    a district office reads them whole, logged."""
    run = run_targeting_for_registry(AS_OF)
    atensi = Decision.objects.filter(run=run, programme="ATENSI", eligible=True).first()
    path = f"/targeting/households/{atensi.household_id}"

    decisions = api(make_user(Role.MINISTRY_ANALYST))("get", path).json()
    assert decisions["withheld"] is True
    assert decisions["decisions"]
    assert "ATENSI" not in {d["programme"] for d in decisions["decisions"]}
    assert {(tuple(d["reasons"]), tuple(d["components"])) for d in decisions["decisions"]} == {
        ((), ())
    }
    assert "ATENSI" not in json.dumps(decisions)
    assert not SensitiveAccess.objects.exists()

    whole = api(make_user(Role.DISTRICT_OFFICE, BOGOR))("get", path).json()
    assert "ATENSI" in {d["programme"] for d in whole["decisions"]}
    assert _reads_of("household", atensi.household_id) == 1
