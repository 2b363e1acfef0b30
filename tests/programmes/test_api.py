"""Delivery through the API (scope ``delivery``): prepare, read within the region, approve by
a second user, open a cycle; refusals are problems with a clear status."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from sejahtera.accounts.models import ApiToken, Role
from sejahtera.accounts.tokens import create_token
from sejahtera.programmes.models import Cycle, Decree, Enrolment
from sejahtera.targeting.services import run_targeting_for_registry

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 7, 1)


@pytest.fixture
def api(client):
    def as_user(user, scopes=(ApiToken.Scope.DELIVERY,)):
        _token, secret = create_token(user, "test", list(scopes))

        def call(method, path, body=None, **query):
            kwargs = {"content_type": "application/json", "data": json.dumps(body)} if body else {}
            if query:
                kwargs = {"data": query}
            return getattr(client, method)(
                f"/api/v1{path}", **kwargs, HTTP_AUTHORIZATION=f"Bearer {secret}"
            )

        return call

    return as_user


def test_a_decree_is_prepared_read_approved_and_paid_through_the_api(
    api, make_user, manager, approver, population
):
    run = run_targeting_for_registry(AS_OF)
    preparer = api(manager)
    created = preparer(
        "post", "/decrees", {"programme": "SEMBAKO", "period_start": "2026-07-01", "run": run.pk}
    )
    assert created.status_code == 201, created.content
    decree = created.json()
    assert decree["status"] == "draft"
    assert decree["totals"]["by_change"]["new"] > 0

    assert preparer("post", f"/decrees/{decree['id']}/approve").status_code == 403  # four eyes
    assert api(approver)("post", f"/decrees/{decree['id']}/withdraw").status_code == 409
    approved = api(approver)("post", f"/decrees/{decree['id']}/approve")
    assert approved.json()["status"] == "approved"
    assert api(approver)("post", f"/decrees/{decree['id']}/approve").status_code == 409
    assert Enrolment.objects.count() == decree["totals"]["enrolled"]

    office = api(make_user(Role.DISTRICT_OFFICE, "3273"))
    lines = office("get", f"/decrees/{decree['id']}/lines", page_size=200).json()
    assert lines["count"] > 0
    assert all(line["region_code"].startswith("3273") for line in lines["items"])

    cycle = preparer("post", "/cycles", {"programme": "SEMBAKO", "period_start": "2026-07-01"})
    assert cycle.status_code == 200
    again = preparer("post", "/cycles", {"programme": "SEMBAKO", "period_start": "2026-07-01"})
    assert again.json() == cycle.json()  # a replay changes nothing
    assert cycle.json()["totals"]["payable"]["lines"] == decree["totals"]["enrolled"]


def test_refusals_are_clear(api, manager, population):
    run = run_targeting_for_registry(AS_OF)
    call = api(manager)
    unknown = call(
        "post", "/decrees", {"programme": "NOPE", "period_start": "2026-07-01", "run": run.pk}
    )
    assert unknown.status_code == 422
    assert "tidak memutuskan program NOPE" in unknown.content.decode()  # in Indonesian
    mid_month = call("post", "/cycles", {"programme": "SEMBAKO", "period_start": "2026-07-15"})
    assert mid_month.status_code == 422
    assert api(manager, scopes=(ApiToken.Scope.TARGETING,))("get", "/decrees").status_code == 403


def test_a_period_years_away_or_mid_month_is_a_422(api, manager, population):
    """A cycle from 9999-10-01 would end in the year 10000: refused, not a 500."""
    run = run_targeting_for_registry(AS_OF)
    call = api(manager)
    for start in ("9999-10-01", "0001-01-01"):
        cycle = call("post", "/cycles", {"programme": "PKH", "period_start": start})
        assert (cycle.status_code, cycle["Content-Type"]) == (422, "application/problem+json")
        assert start[:4] in cycle.json()["title"]  # the date as the reader writes it
    for start in ("2026-07-15", "9999-12-31", "0001-01-01"):
        body = {"programme": "SEMBAKO", "period_start": start, "run": run.pk}
        decree = call("post", "/decrees", body)
        assert decree.status_code == 422
        assert start[:4] in decree.json()["title"]
    assert not Cycle.objects.exists()
    assert not Decree.objects.exists()


def test_its_preparer_withdraws_a_draft_through_the_api(api, manager, approver, population):
    run = run_targeting_for_registry(AS_OF)
    body = {"programme": "SEMBAKO", "period_start": "2026-07-01", "run": run.pk}
    decree = api(manager)("post", "/decrees", body).json()
    withdrawn = api(manager)("post", f"/decrees/{decree['id']}/withdraw")
    assert withdrawn.json()["status"] == "withdrawn"
    assert api(approver)("post", f"/decrees/{decree['id']}/approve").status_code == 409


def test_offices_cannot_prepare_or_open(api, make_user, population):
    run = run_targeting_for_registry(AS_OF)
    office = api(make_user(Role.DISTRICT_OFFICE, "3201"))
    body = {"programme": "SEMBAKO", "period_start": "2026-07-01", "run": run.pk}
    assert office("post", "/decrees", body).status_code == 403
    assert (
        office(
            "post", "/cycles", {"programme": "SEMBAKO", "period_start": "2026-07-01"}
        ).status_code
        == 403
    )


@pytest.mark.parametrize(
    ("role", "region"),
    [
        (Role.VILLAGE_OPERATOR, "3201011002"),
        (Role.SOCIAL_WORKER, "3201"),
        (Role.PARTNER_AGENCY, None),
    ],
)
def test_roles_without_delivery_work_are_refused(api, make_user, role, region):
    call = api(make_user(role, region, organisation="Bank BRI"))
    assert call("get", "/decrees").status_code == 403
    assert call("get", "/cycles").status_code == 403


@pytest.fixture
def opened(settings, tmp_path, manager, enrolled):
    from sejahtera.programmes import cycles

    settings.MEDIA_ROOT = tmp_path
    return cycles.open_cycle(manager, "SEMBAKO", AS_OF)


def _upload(client, user, path, content: bytes):
    _token, secret = create_token(user, "upload", [ApiToken.Scope.DELIVERY])
    upload = SimpleUploadedFile("result.csv", content, "text/csv")
    return client.post(f"/api/v1{path}", {"file": upload}, HTTP_AUTHORIZATION=f"Bearer {secret}")


def test_batches_are_built_sent_and_settled_through_the_api(client, api, manager, opened):
    call = api(manager)
    built = call("post", f"/cycles/{opened.pk}/batches")
    assert built.status_code == 200
    [batch] = built.json()
    assert (batch["channel"], batch["lines"]) == ("POS", opened.totals["payable"]["lines"])
    assert call("post", f"/cycles/{opened.pk}/batches").json() == []  # a replay: nothing
    assert call("get", f"/cycles/{opened.pk}/batches").json() == [batch]

    file = call("get", f"/batches/{batch['id']}/file")
    assert file["Digest"] == f"sha-256={batch['sha256']}"
    references = [row.split(",")[0] for row in file.content.decode().splitlines()[1:]]
    rows = ["reference,amount,status,reason"]
    rows += [f"{ref},400000,paid," for ref in references[1:]]
    rows += [f"{references[0]},400000,failed,"]  # a failure without its reason
    content = "\n".join(rows).encode()
    result = _upload(client, manager, f"/batches/{batch['id']}/results", content)
    assert result.status_code == 200, result.content
    body = result.json()
    assert body["counts"] == {"applied": len(references) - 1, "rejected": 1}
    assert body["rejected"] == [
        {
            "line": len(references) + 1,
            "reference": references[0],
            "verdict": "rejected",
            "column": "reason",
            "message": "Baris yang gagal atau dikembalikan harus menyebut alasannya",
        }
    ]
    again = _upload(client, manager, f"/batches/{batch['id']}/results", content)
    assert again.json()["id"] == body["id"]

    report = call("get", f"/batches/{batch['id']}/reconciliation").json()
    assert report["statuses"]["paid"]["lines"] == len(references) - 1
    assert report["mismatch_counts"] == {"missing": 1}
    assert report["mismatches"][0]["reference"] == references[0]
    cycle_report = call("get", f"/cycles/{opened.pk}/reconciliation").json()
    assert cycle_report["not_issued"] == {"lines": 0, "amount": 0}


def test_a_result_file_without_its_columns_is_a_clear_problem(client, api, manager, opened):
    [batch] = api(manager)("post", f"/cycles/{opened.pk}/batches").json()
    refused = _upload(client, manager, f"/batches/{batch['id']}/results", b"ref;amt\n1;2\n")
    assert refused.status_code == 422
    assert "reference, amount, status" in refused.content.decode()


@pytest.mark.parametrize(
    ("role", "region", "reads", "sends"),
    [
        (Role.AUDITOR, None, True, False),
        (Role.MINISTRY_ANALYST, None, True, False),
        (Role.DISTRICT_OFFICE, "3273", True, False),
        (Role.PROVINCIAL_OFFICE, "32", True, False),
        (Role.SUPERVISOR, "3201", False, False),
        (Role.VILLAGE_OPERATOR, "3201011002", False, False),
        (Role.PARTNER_AGENCY, None, False, False),
        (Role.ADMINISTRATOR, None, True, True),
    ],
)
def test_disbursement_endpoints_access_matrix(
    client, api, make_user, manager, opened, role, region, reads, sends
):
    [batch] = api(manager)("post", f"/cycles/{opened.pk}/batches").json()
    user = make_user(role, region, organisation="Bank BRI")
    call = api(user)
    read_paths = [
        f"/cycles/{opened.pk}/batches",
        f"/cycles/{opened.pk}/reconciliation",
        f"/batches/{batch['id']}",
        f"/batches/{batch['id']}/reconciliation",
    ]
    for path in read_paths:
        assert call("get", path).status_code == (200 if reads else 403), path
    expected = 200 if sends else 403
    assert call("get", f"/batches/{batch['id']}/file").status_code == expected
    assert call("post", f"/cycles/{opened.pk}/batches").status_code == expected
    result = _upload(client, user, f"/batches/{batch['id']}/results", b"reference,amount,status\n")
    assert result.status_code == (422 if sends else 403)  # a manager's empty file: no rows


def test_enrolments_are_listed_suspended_and_resumed_through_the_api(api, make_user, enrolled):
    office = api(make_user(Role.DISTRICT_OFFICE, "3273"))
    listed = office("get", "/enrolments", programme="SEMBAKO").json()
    assert listed["count"] > 0
    assert all(e["region_code"].startswith("3273") for e in listed["items"])
    first = listed["items"][0]["id"]
    suspended = office("post", f"/enrolments/{first}/suspend", {"reason": "moved"})
    assert (suspended.json()["status"], suspended.json()["suspension"]) == ("suspended", "moved")
    assert suspended.json()["suspended_on"] == timezone.localdate().isoformat()
    other_reason = office("post", f"/enrolments/{first}/suspend", {"reason": "conditionality"})
    assert other_reason.status_code == 409  # the first reason stands
    assert office("post", f"/enrolments/{first}/suspend", {"reason": "whim"}).status_code == 422
    by_itself = office("post", f"/enrolments/{first}/suspend", {"reason": "deceased"})
    assert by_itself.status_code == 422  # a death is recorded in the registry, not here
    assert office("post", f"/enrolments/{first}/resume").json()["status"] == "active"
    elsewhere = api(make_user(Role.DISTRICT_OFFICE, "3201"))
    assert elsewhere("post", f"/enrolments/{first}/resume").status_code == 404
    auditor = api(make_user(Role.AUDITOR))
    assert auditor("get", "/enrolments").status_code == 200
    assert auditor("post", f"/enrolments/{first}/resume").status_code == 403


def test_a_body_django_cannot_read_is_a_problem_not_a_page(client, manager):
    _token, secret = create_token(manager, "broken", [ApiToken.Scope.DELIVERY])
    broken = client.post(
        "/api/v1/batches/1/results",
        data=b"file=x",
        content_type="multipart/form-data",  # no boundary: Django cannot read it
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert broken.status_code == 400
    assert broken["Content-Type"] == "application/problem+json"
