"""Programme delivery and partner referrals from an attacker's side: four eyes by every route,
payments and batch files across regions, account numbers and vulnerable clusters read without
a trace, replays, ids guessed in URLs and bodies, and partner agencies reaching past their
referrals."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from django.test import Client

from sejahtera.accounts.models import ApiToken, Role, SensitiveAccess
from sejahtera.accounts.tokens import create_token
from sejahtera.cases import services as case_services
from sejahtera.cases.models import EnrolmentRequest, Referral
from sejahtera.domain.delivery import EnrolmentKept, FourEyesViolation, Suspension
from sejahtera.domain.disbursement import reference
from sejahtera.programmes import cycles, disbursement, requests, services
from sejahtera.programmes.models import (
    Batch,
    Decree,
    DecreeLine,
    Enrolment,
    Payment,
)
from sejahtera.targeting.models import Decision
from sejahtera.targeting.services import run_targeting_for_registry

from ..targeting.conftest import population  # noqa: F401 (a fixture)
from .conftest import JULY, enrolled, sembako  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db
TODAY = date(2026, 7, 5)
SEPTEMBER = date(2026, 9, 1)
BOGOR_VILLAGE = "3201011002"


@pytest.fixture(autouse=True)
def _files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def api(client):
    """api(user, scopes=every scope) → call(method, path, body=None, **query)."""

    def as_user(user, scopes=tuple(ApiToken.Scope)):
        _token, secret = create_token(user, "attack", list(scopes))
        return _caller(client, secret)

    return as_user


def _caller(client, secret):
    def call(method, path, body=None, **query):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
        if body is not None:
            return getattr(client, method)(
                f"/api/v1{path}", json.dumps(body), content_type="application/json", **headers
            )
        return getattr(client, method)(f"/api/v1{path}", data=query or None, **headers)

    return call


def _result_file(rows) -> bytes:
    lines = ["reference,account,amount,status,reason,paid_on"]
    lines += [",".join(str(v) for v in row) for row in rows]
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def bri_batch(manager, sembako):  # noqa: F811 (a fixture)
    """The July SEMBAKO batches built; the BRI one (two Bogor families with an account)
    settled by a file that is silent about its first line and names the second with another
    account: both lines do not match, and name the accounts sent."""
    disbursement.build_batches(manager, sembako)
    batch = Batch.objects.get(cycle=sembako, channel="BRI")
    _first, second = Payment.objects.filter(batch=batch).order_by("pk")
    content = _result_file(
        [(reference(second.pk), "999999999999", second.amount, "paid", "", "2026-07-20")]
    )
    disbursement.import_result(manager, batch, "bri.csv", content)
    return batch


def _waiting_family(run):
    """A family the run decided with an amount but a quota left out (as a limit would)."""
    decision = Decision.objects.filter(run=run, programme="SEMBAKO", eligible=True).first()
    Decision.objects.filter(pk=decision.pk).update(eligible=False, limited_by="quota")
    return decision.household


# -- four eyes -----------------------------------------------------------------------------------


def test_the_approver_cannot_add_a_family_to_a_draft_and_approve_it_alone(
    client,
    ask,
    manager,
    approver,
    population,  # noqa: F811
):
    """The second decree maker accepts a social worker's request on the manager's draft (the
    family joins it as *new*, a line the preparer never saw) and then approves that draft:
    the enrolment would rest on one person's decision. Whoever changed a draft may not be the
    one who approves it."""
    run = run_targeting_for_registry(JULY)
    family = _waiting_family(run)
    request = ask(family, EnrolmentRequest.Action.ENROL)
    draft = services.prepare_decree(manager, "SEMBAKO", JULY, run)

    client.force_login(approver)
    client.post(f"/programmes/decrees/{draft.pk}/requests/{request.pk}/", {"answer": "accept"})
    assert DecreeLine.objects.filter(decree=draft, subject=f"H{family.pk}", change="new").exists()
    client.post(f"/programmes/decrees/{draft.pk}/decide/", {"decision": "approve"})

    draft.refresh_from_db()
    assert draft.status == Decree.Status.DRAFT, "approved by the one who added a line to it"
    assert not Enrolment.objects.filter(subject=f"H{family.pk}").exists()


def test_an_administrator_cannot_approve_their_own_decree_through_a_token_issued_to_another(
    client,
    make_user,
    population,  # noqa: F811
):
    """A staff administrator prepares a decree, then tries to issue in the admin site an API
    token (scope delivery) in the name of another decree maker, to approve the draft with it:
    the decree would read "approved by" a colleague who never saw it. The admin issues no
    token."""
    admin = make_user(Role.ADMINISTRATOR, is_staff=True, is_superuser=True)
    colleague = make_user(Role.PROGRAMME_MANAGER)
    run = run_targeting_for_registry(JULY)
    draft = services.prepare_decree(admin, "SEMBAKO", JULY, run)

    client.force_login(admin)
    issued = client.post(
        "/admin/accounts/apitoken/add/",
        {"user": colleague.pk, "name": "integrasi", "scopes": ["delivery"]},
    )
    assert issued.status_code == 403
    assert not ApiToken.objects.filter(user=colleague).exists()
    draft.refresh_from_db()
    assert draft.status == Decree.Status.DRAFT
    assert not Enrolment.objects.exists()


def test_the_preparer_cannot_decide_by_any_route(client, api, manager, approver, population):  # noqa: F811
    """The preparer approves or rejects their own draft by the web form, by the API (approve
    and reject), with a second token of their own, and after someone else changed the draft
    by answering a request on it: every route is refused and nothing is enrolled."""
    run = run_targeting_for_registry(JULY)
    draft = services.prepare_decree(manager, "SEMBAKO", JULY, run)
    client.force_login(manager)
    client.post(f"/programmes/decrees/{draft.pk}/decide/", {"decision": "approve"})
    client.post(f"/programmes/decrees/{draft.pk}/decide/", {"decision": "reject", "reason": "x"})
    own = api(manager)
    assert own("post", f"/decrees/{draft.pk}/approve").status_code == 403
    assert api(manager)("post", f"/decrees/{draft.pk}/reject", {"reason": "x"}).status_code == 403
    with pytest.raises(FourEyesViolation):
        services.approve_decree(manager, Decree.objects.get(pk=draft.pk))
    draft.refresh_from_db()
    assert draft.status == Decree.Status.DRAFT
    assert not Enrolment.objects.exists()


def test_a_stale_draft_approved_after_a_later_decree_is_refused_cleanly(
    client,
    manager,
    approver,
    population,  # noqa: F811
):
    """Two drafts of one programme are prepared from the same enrolments; the later one is
    approved first. Approving the stale one would enrol families a second time: it is refused
    with the reason (prepare a new draft), not a server error, and nothing changes."""
    run = run_targeting_for_registry(JULY)
    stale = services.prepare_decree(manager, "SEMBAKO", JULY, run)
    services.approve_decree(approver, services.prepare_decree(manager, "SEMBAKO", SEPTEMBER, run))
    enrolled_before = Enrolment.objects.filter(ended_on__isnull=True).count()

    client.raise_request_exception = False
    client.force_login(approver)
    answer = client.post(
        f"/programmes/decrees/{stale.pk}/decide/", {"decision": "approve"}, follow=True
    )
    assert answer.status_code == 200
    assert "susun rancangan baru" in answer.content.decode()
    assert Enrolment.objects.filter(ended_on__isnull=True).count() == enrolled_before
    stale.refresh_from_db()
    assert stale.status == Decree.Status.DRAFT


def test_a_draft_prepared_while_another_decree_was_being_approved_is_refused(
    manager,
    approver,
    population,  # noqa: F811
):
    """The approval stamps its time before it commits: a draft prepared in between read the
    enrolments before that decree, yet carried a later time, and passed a check by clock
    times. Approval compares which decree the draft followed, by id."""
    run = run_targeting_for_registry(JULY)
    first = services.prepare_decree(manager, "SEMBAKO", JULY, run)
    in_between = services.prepare_decree(manager, "SEMBAKO", SEPTEMBER, run)
    assert in_between.follows_id is None
    services.approve_decree(approver, first)
    # the approval's own time, stamped before its commit, earlier than the draft's
    Decree.objects.filter(pk=first.pk).update(decided_at=in_between.prepared_at - timedelta(1))
    open_enrolments = Enrolment.objects.filter(ended_on__isnull=True).count()
    with pytest.raises(services.DecreeRefused):
        services.approve_decree(approver, in_between)
    assert Enrolment.objects.filter(ended_on__isnull=True).count() == open_enrolments
    after = services.prepare_decree(manager, "SEMBAKO", SEPTEMBER, run)
    assert after.follows_id == first.pk
    services.approve_decree(approver, after)


def test_accepting_a_request_for_a_leaving_family_does_not_block_the_decree(
    ask,
    manager,
    approver,
    population,  # noqa: F811
):
    """A decree maker accepts an enrolment request for a family that the draft ends (still
    enrolled, no longer eligible). A *new* line would leave its enrolment open and enrol the
    family a second time, which the database refuses, blocking the whole decree: the line
    turns *changed* instead, and the approval keeps the one enrolment."""
    run = run_targeting_for_registry(JULY)
    services.approve_decree(approver, services.prepare_decree(manager, "SEMBAKO", JULY, run))
    enrolment = Enrolment.objects.filter(programme="SEMBAKO").first()
    Decision.objects.filter(
        run=run, programme="SEMBAKO", household=enrolment.household, person__isnull=True
    ).update(eligible=False, limited_by="")
    request = ask(enrolment.household, EnrolmentRequest.Action.ENROL)
    draft = services.prepare_decree(manager, "SEMBAKO", SEPTEMBER, run)
    assert DecreeLine.objects.get(decree=draft, subject=enrolment.subject).change == "leaving"
    requests.answer_request(manager, draft, request, accept=True, note="", today=TODAY)
    line = DecreeLine.objects.get(decree=draft, subject=enrolment.subject)
    assert (line.change, line.reason) == ("changed", "requested")
    services.approve_decree(approver, draft)
    kept = Enrolment.objects.get(subject=enrolment.subject, ended_on__isnull=True)
    assert kept.pk == enrolment.pk  # the same enrolment goes on, not a second one


def test_a_request_is_answered_only_on_a_draft_of_its_programme_by_a_decree_maker(
    client,
    ask,
    make_user,
    manager,
    approver,
    population,  # noqa: F811
):
    """Ids swapped in the answer URL: a PKH request answered through a SEMBAKO draft, a
    request answered by the district office, and one answered on an approved decree. None
    is answered, and no line joins any decree."""
    run = run_targeting_for_registry(JULY)
    family = _waiting_family(run)
    sembako_request = ask(family, EnrolmentRequest.Action.ENROL)
    pkh = case_services.request_enrolment(
        actor=sembako_request.requested_by,
        case=sembako_request.case,
        programme="PKH",
        action=EnrolmentRequest.Action.ENROL,
        reason="kehilangan pekerjaan",
        today=TODAY,
    )
    draft = services.prepare_decree(manager, "SEMBAKO", JULY, run)
    lines = DecreeLine.objects.filter(decree=draft).count()
    client.force_login(manager)
    answer = {"answer": "accept"}
    assert (
        client.post(f"/programmes/decrees/{draft.pk}/requests/{pkh.pk}/", answer).status_code == 404
    )
    client.force_login(make_user(Role.DISTRICT_OFFICE, family.village_id[:4]))
    url = f"/programmes/decrees/{draft.pk}/requests/{sembako_request.pk}/"
    assert client.post(url, answer).status_code == 403
    services.approve_decree(approver, draft)
    client.force_login(manager)
    client.post(url, answer)
    assert DecreeLine.objects.filter(decree=draft).count() == lines
    for request in (pkh, sembako_request):
        request.refresh_from_db()
        assert request.status == EnrolmentRequest.Status.PENDING


# -- account numbers and batch files -----------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "region"),
    [
        (Role.AUDITOR, None),
        (Role.MINISTRY_ANALYST, None),
        (Role.DISTRICT_OFFICE, "3201"),
        (Role.PROGRAMME_MANAGER, None),
    ],
)
def test_account_numbers_reach_no_reader_of_reconciliation_without_a_trace(
    api, make_user, bri_batch, role, region
):
    """The batch file (account numbers and names) is for decree makers and its download is
    logged. An auditor, an analyst or the regency's office opens the BRI batch's
    reconciliation (API, batch page and cycle page) instead: the lines that do not match name
    the accounts sent and the one the bank reported by their last four digits only. A decree
    maker reads them whole, and that read is in the audit trail."""
    accounts = [
        *Payment.objects.filter(batch=bri_batch).values_list("account_number", flat=True),
        "999999999999",
    ]
    reader = make_user(role, region)
    api_answer = api(reader)("get", f"/batches/{bri_batch.pk}/reconciliation")
    assert api_answer.status_code == 200
    browser = Client()
    browser.force_login(reader)
    bodies = [
        json.dumps(api_answer.json(), ensure_ascii=False),
        browser.get(f"/programmes/batches/{bri_batch.pk}/").content.decode(),
        browser.get(f"/programmes/cycles/{bri_batch.cycle_id}/").content.decode(),
    ]
    if role == Role.PROGRAMME_MANAGER:
        assert all(number in body for number in accounts for body in bodies)
        logged = SensitiveAccess.objects.filter(user=reader, entity="payment")
        assert logged.count() == len(bodies)
    else:
        assert not any(number in body for number in accounts for body in bodies)
        assert all(f"••••{number[-4:]}" in body for number in accounts for body in bodies)


def test_a_decree_maker_scoped_to_a_region_downloads_no_other_regions_accounts(
    client,
    api,
    make_user,
    manager,
    sembako,  # noqa: F811
):
    """An administrator whose account is scoped to Kabupaten Bogor (3201) reads only Bogor's
    lines of decrees and reconciliations, yet downloads the whole POS batch file (names, NIKs
    and amounts of Kota Bandung's families) by web and API."""
    disbursement.build_batches(manager, sembako)
    batch = Batch.objects.get(cycle=sembako, channel="POS")
    bandung = Payment.objects.filter(batch=batch, region_code__startswith="3273")
    assert bandung.exists()
    names = [p.recipient_name for p in bandung]
    scoped = make_user(Role.ADMINISTRATOR, "3201")
    client.force_login(scoped)
    web = client.get(f"/programmes/batches/{batch.pk}/file/")
    through_api = api(scoped)("get", f"/batches/{batch.pk}/file")
    for answer in (web, through_api):
        body = answer.content.decode() if answer.status_code == 200 else ""
        assert not any(name in body for name in names), "another region's recipients"


def test_a_file_named_with_a_path_is_only_a_name(client, manager, sembako, tmp_path):  # noqa: F811
    """A result file uploaded as ``../../../etc/cron.d/x`` and a batch download asked for
    with ``..`` in its path: nothing is written or read outside the cycle's directory, and
    the batch file keeps the name the server gave it."""
    disbursement.build_batches(manager, sembako)
    batch = Batch.objects.get(cycle=sembako, channel="POS")
    payment = Payment.objects.filter(batch=batch).first()
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    content = _result_file([(reference(payment.pk), "", payment.amount, "paid", "", "2026-07-20")])
    disbursement.import_result(manager, batch, "../../../etc/cron.d/x", content)
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before
    client.force_login(manager)
    assert client.get(f"/programmes/batches/{batch.pk}/..%2F..%2Fsettings/").status_code == 404
    download = client.get(f"/programmes/batches/{batch.pk}/file/")
    assert download["Content-Disposition"] == f'attachment; filename="{batch.file_name}"'
    assert "/" not in batch.file_name
    assert ".." not in batch.file_name


def test_batch_ids_of_a_hidden_or_missing_batch_answer_as_if_none_existed(
    client,
    api,
    make_user,
    manager,
    sembako,  # noqa: F811
):
    """Guessed batch and cycle ids: a decree maker asking for ids that do not exist, and an
    office asking for the file of a real batch, learn nothing and download nothing."""
    disbursement.build_batches(manager, sembako)
    real = Batch.objects.order_by("-pk").first()
    client.force_login(manager)
    for path in (f"/programmes/batches/{real.pk + 100}/file/",
                 f"/programmes/batches/{real.pk + 100}/manifest/",
                 f"/programmes/cycles/{sembako.pk + 100}/"):  # fmt: skip
        assert client.get(path).status_code == 404, path
    office = api(make_user(Role.DISTRICT_OFFICE, "3273"))
    assert office("get", f"/batches/{real.pk}/file").status_code == 403
    assert office("get", f"/batches/{real.pk + 100}/file").status_code == 404
    assert not SensitiveAccess.objects.filter(entity="disbursement_batch").exists()


# -- payments never twice ------------------------------------------------------------------------


def test_replayed_builds_and_result_files_pay_nobody_twice(client, api, manager, sembako):  # noqa: F811
    """Building the batches three times (web, API, service), the same result file twice and
    a second file claiming *paid* again for a line that failed: one live payment per
    entitlement at every step, and a failed line is sent again only once."""
    client.force_login(manager)
    client.post(f"/programmes/cycles/{sembako.pk}/batches/")
    assert api(manager)("post", f"/cycles/{sembako.pk}/batches").json() == []
    assert disbursement.build_batches(manager, sembako) == []
    batch = Batch.objects.get(cycle=sembako, channel="POS")
    failed, *paid = Payment.objects.filter(batch=batch).order_by("pk")
    rows = [(reference(p.pk), "", p.amount, "paid", "", "2026-07-20") for p in paid]
    rows.append((reference(failed.pk), "", failed.amount, "failed", "ditolak", ""))
    content = _result_file(rows)
    first = disbursement.import_result(manager, batch, "pos.csv", content)
    assert disbursement.import_result(manager, batch, "pos-again.csv", content) == first
    [again] = disbursement.build_batches(manager, sembako)
    assert again.lines == 1
    late = _result_file([(reference(failed.pk), "", failed.amount, "paid", "", "2026-07-25")])
    disbursement.import_result(manager, batch, "pos-late.csv", late)
    assert disbursement.build_batches(manager, sembako) == []
    live = Payment.objects.filter(live=True).values_list("entitlement", flat=True)
    assert len(live) == len(set(live))
    failed.refresh_from_db()
    assert failed.status == "failed"


def test_resuming_a_family_suspended_by_death_does_not_send_its_payment(
    make_user,
    manager,
    sembako,  # noqa: F811
):
    """An office resumes an enrolment that a recorded death suspended, just before the
    batches are built: the resumption is refused and nothing is sent for the family."""
    from sejahtera.registry.models import Person

    enrolment = Enrolment.objects.filter(programme="SEMBAKO", region_code__startswith="3201")
    enrolment = enrolment.first()
    Person.objects.filter(household=enrolment.household).update(deceased_date=date(2026, 6, 1))
    cycles.suspend_the_dead("SEMBAKO", JULY)
    enrolment.refresh_from_db()
    assert enrolment.suspension == Suspension.DECEASED
    with pytest.raises(EnrolmentKept):
        cycles.resume(make_user(Role.DISTRICT_OFFICE, "3201"), enrolment)
    disbursement.build_batches(manager, sembako)
    assert not Payment.objects.filter(household=enrolment.household).exists()


# -- regions and vulnerable clusters -------------------------------------------------------------


@pytest.fixture
def atensi(make_user, population):  # noqa: F811
    """An approved ATENSI decree (its beneficiaries are persons of a vulnerable cluster)."""
    run = run_targeting_for_registry(JULY)
    maker, second = make_user(Role.ADMINISTRATOR), make_user(Role.ADMINISTRATOR)
    decree = services.prepare_decree(maker, "ATENSI", JULY, run)
    return services.approve_decree(second, decree)


def test_reading_atensi_beneficiaries_on_the_decree_page_is_logged(client, make_user, atensi):
    """The API logs GET /decrees/{id}/lines as an export of the households it lists (ATENSI
    reveals a vulnerable cluster). The district office reads the same lines, household by
    household, on the decree's page: not in the audit trail."""
    lines = DecreeLine.objects.filter(decree=atensi, region_code__startswith="3201")
    office = make_user(Role.DISTRICT_OFFICE, "3201")
    client.force_login(office)
    page = client.get(f"/programmes/decrees/{atensi.pk}/").content.decode()
    assert any(f'data-subject="{line.subject}"' in page for line in lines)
    assert SensitiveAccess.objects.filter(user=office).exists(), "an unlogged read"


def test_listing_atensi_enrolments_is_logged(client, api, make_user, atensi):
    """The district office lists the open ATENSI enrolments of its regency (each a household
    and a person of a vulnerable cluster) on the enrolments page and through GET /enrolments:
    not in the audit trail."""
    enrolments = Enrolment.objects.filter(programme="ATENSI", region_code__startswith="3201")
    office = make_user(Role.DISTRICT_OFFICE, "3201")
    client.force_login(office)
    listed = client.get("/programmes/enrolments/", {"programme": "ATENSI"}).content.decode()
    assert any(f'data-enrolment="{e.pk}"' in listed for e in enrolments)
    after_page = SensitiveAccess.objects.filter(user=office).count()
    items = api(office)("get", "/enrolments", programme="ATENSI").json()["items"]
    assert items
    assert all(item["person"] for item in items)
    after_api = SensitiveAccess.objects.filter(user=office).count()
    assert (after_page, after_api - after_page) >= (1, 1), "unlogged reads"


def test_an_atensi_beneficiary_finds_the_read_of_the_list_in_their_data_copy(
    client, api, make_user, atensi
):
    """Was a defect: the reads of ATENSI's lists were logged under the household's id, and
    a person's copy of their data lists the reads naming the person, so a beneficiary never
    learnt that an office had read them in a list of a vulnerable cluster."""
    office = make_user(Role.DISTRICT_OFFICE, "3201")
    client.force_login(office)
    page = "/programmes/enrolments/"
    listed = client.get(page, {"programme": "ATENSI"}).content.decode()
    enrolment = next(
        e
        for e in Enrolment.objects.filter(programme="ATENSI")
        if f'data-enrolment="{e.pk}"' in listed
    )
    data = client.get(f"/registry/persons/{enrolment.person_id}/personal-data.json").json()
    assert any(read["where"] == page for read in data["reads"]), data["reads"]
    # the API's list and the decree's lines alike
    api(office)("get", "/enrolments", programme="ATENSI")
    client.get(f"/programmes/decrees/{atensi.pk}/")
    logged = SensitiveAccess.objects.filter(user=office, entity="person_beneficiary")
    assert logged.count() == 3
    assert all(enrolment.person_id in entry.record_ids for entry in logged)


def _reads_in_copy(client, office, person_id: int) -> list[str]:
    """Where the reads a person's copy of their data lists were made (made by ``office``)."""
    client.force_login(office)
    data = client.get(f"/registry/persons/{person_id}/personal-data.json").json()
    return [read["where"] for read in data["reads"]]


def test_atensi_lines_exported_reach_the_beneficiarys_copy(client, api, make_user, atensi):
    """Was a defect (found by a review): the ATENSI decree's lines read through
    GET /decrees/{id}/lines, and its annex downloaded as CSV, were logged as an export of
    households only, so the beneficiary's copy of her data never showed that her name went
    out in a list of a vulnerable cluster."""
    office = make_user(Role.DISTRICT_OFFICE, "3201")
    items = api(office)("get", f"/decrees/{atensi.pk}/lines").json()["items"]
    through_api = items[0]["person"]
    assert f"/api/v1/decrees/{atensi.pk}/lines" in _reads_in_copy(client, office, through_api)
    line = DecreeLine.objects.filter(decree=atensi, region_code__startswith="3201").first()
    annex = f"/programmes/decrees/{atensi.pk}/annex.csv"
    client.force_login(office)
    assert client.get(annex, {"regency": "3201"}).status_code == 200
    assert annex in _reads_in_copy(client, office, line.person_id)


def test_the_error_audit_counts_atensi_only_for_whom_may_read_it(make_user, atensi):
    """Was a defect: the targeting error audit's delivery checks counted ATENSI's enrolments
    for an analyst, who reads no specific data and sees ATENSI nowhere else: a regency's
    count of ATENSI beneficiaries no longer eligible told of persons in a vulnerable cluster."""
    from sejahtera.programmes.selectors import delivery_checks

    enrolment = Enrolment.objects.filter(programme="ATENSI").first()
    Decision.objects.filter(
        run=atensi.run, programme="ATENSI", person_id=enrolment.person_id
    ).update(eligible=False)
    office = make_user(Role.DISTRICT_OFFICE, enrolment.region_code[:4])
    analyst = make_user(Role.MINISTRY_ANALYST)
    assert delivery_checks(office, atensi.run)["enrolled_not_eligible"] == 1
    assert delivery_checks(analyst, atensi.run)["enrolled_not_eligible"] == 0


def test_atensi_stays_hidden_from_managers_by_every_id(api, make_user, manager, atensi):
    """A programme manager (no reader of specific data) guesses the ATENSI decree's id and
    its enrolments' ids in the API: lines, approve, enrolment suspend and resume all answer
    as if they did not exist, and listing by programme shows none."""
    call = api(manager)
    assert call("get", f"/decrees/{atensi.pk}").status_code == 404
    assert call("get", f"/decrees/{atensi.pk}/lines").status_code == 404
    assert call("post", f"/decrees/{atensi.pk}/approve").status_code == 404
    assert call("get", "/enrolments", programme="ATENSI").json()["count"] == 0
    enrolment = Enrolment.objects.filter(programme="ATENSI").first()
    body = {"reason": "moved"}
    assert call("post", f"/enrolments/{enrolment.pk}/suspend", body).status_code == 404
    assert call("post", f"/enrolments/{enrolment.pk}/resume").status_code == 404
    enrolment.refresh_from_db()
    assert enrolment.status == "active"


def test_an_office_acts_on_no_other_regions_enrolment_or_reconciliation(
    client, api, make_user, manager, bri_batch
):
    """Kota Bandung's office (3273) names Bogor's enrolment ids in the suspend and resume
    URLs (web and API) and reads the BRI batch, whose lines are all in Bogor: nothing
    changes, and neither the lines, their references nor the mismatches reach it."""
    bogor = Enrolment.objects.filter(programme="SEMBAKO", region_code__startswith="3201").first()
    office = make_user(Role.DISTRICT_OFFICE, "3273")
    client.force_login(office)
    suspend = client.post(f"/programmes/enrolments/{bogor.pk}/suspend/", {"reason": "moved"})
    assert suspend.status_code == 404
    call = api(office)
    assert call("post", f"/enrolments/{bogor.pk}/suspend", {"reason": "moved"}).status_code == 404
    bogor.refresh_from_db()
    assert bogor.status == "active"
    report = call("get", f"/batches/{bri_batch.pk}/reconciliation").json()
    assert report["mismatches"] == []
    assert report["mismatch_counts"] == {}
    assert report["statuses"] == {}
    cycle = call("get", f"/cycles/{bri_batch.cycle_id}/reconciliation").json()
    assert all(r["code"].startswith("3273") for r in cycle["regions"])
    page = client.get(f"/programmes/batches/{bri_batch.pk}/").content.decode()
    for payment in Payment.objects.filter(batch=bri_batch):
        assert reference(payment.pk) not in page


# -- partner agencies ----------------------------------------------------------------------------


@pytest.fixture
def referred(household_factory, make_user):
    """A Bogor family whose head carries specific data (HIV, drug use, a disability, a former
    inmate, a victim of violence), referred to two agencies: KUR Mikro (Kementerian UMKM) and
    Kartu Prakerja."""
    family = household_factory(
        BOGOR_VILLAGE,
        members=[
            {
                "full_name": "Siti Aminah",
                "sex": "P",
                "birth_date": "1990-08-05",
                "relationship": "head",
                "nik": "3201014508900001",
                "hiv": "true",
                "drug_user": "true",
                "violence_victim": "true",
                "chronic_illness": "true",
                "inmate_status": "former_inmate",
                "disability": "physical",
                "disability_severity": "mild",
            }
        ],
    )
    worker = make_user(Role.SOCIAL_WORKER, "3201")
    case = case_services.open_case(
        actor=worker, household=family, social_worker=worker, supervisor=None, today=TODAY
    )
    send = {"actor": worker, "case": case, "consent_method": "signed", "today": TODAY}
    return {
        "case": case,
        "worker": worker,
        "umkm": case_services.send_referral(programme="KUR_MIKRO", **send),
        "prakerja": case_services.send_referral(programme="PRAKERJA", **send),
        "partner": make_user(Role.PARTNER_AGENCY, organisation="Kementerian UMKM"),
    }


def test_a_partner_acts_on_no_referral_of_another_agency(client, api, referred):
    """Kementerian UMKM's user names the Kartu Prakerja referral's id on the partner page and
    in the API (accept, reject, complete): 404 each time, the referral unchanged, and the
    lists hold only its own referral."""
    theirs, partner = referred["prakerja"], referred["partner"]
    client.force_login(partner)
    for status in ("accepted", "rejected", "completed", "revoked"):
        posted = client.post("/partner/", {"referral": theirs.pk, "status": status, "outcome": "x"})
        assert posted.status_code == 404
        answer = api(partner)("post", f"/referrals/{theirs.pk}", {"status": status, "outcome": "x"})
        assert answer.status_code in (404, 422)
    theirs.refresh_from_db()
    assert theirs.status == Referral.Status.SENT
    listed = api(partner)("get", "/referrals").json()["items"]
    assert [r["id"] for r in listed] == [referred["umkm"].pk]
    assert [r["id"] for r in client.get("/partner/").context["referrals"]] == [referred["umkm"].pk]


def test_a_partner_cannot_revoke_reopen_or_skip_its_own_referral(client, api, referred):
    """The agency tries the steps that are not its own on its referral: revoking it (the
    social worker's step, withdrawing the family's consent), completing it before accepting,
    and sending it back to *sent* once accepted."""
    mine, partner = referred["umkm"], referred["partner"]
    client.force_login(partner)
    client.raise_request_exception = False
    client.post("/partner/", {"referral": mine.pk, "status": "revoked"})
    client.post("/partner/", {"referral": mine.pk, "status": "completed", "outcome": "done"})
    mine.refresh_from_db()
    assert mine.status == Referral.Status.SENT
    client.post("/partner/", {"referral": mine.pk, "status": "accepted"})
    client.post("/partner/", {"referral": mine.pk, "status": "sent"})
    client.post("/partner/", {"referral": mine.pk, "status": "revoked"})
    assert api(partner)("post", f"/referrals/{mine.pk}", {"status": "revoked"}).status_code == 422
    mine.refresh_from_db()
    assert mine.status == Referral.Status.ACCEPTED
    assert mine.consent.withdrawn_on is None


def test_a_partner_reads_nothing_of_the_case_beyond_the_hand_over(client, api, referred):
    """The agency reads its referral of a family whose head has HIV, uses drugs, is a former
    inmate and a victim of violence, then tries the case, household and person behind it by
    id (pages and API): none of the specific data, nor the NIK, reaches it."""
    partner, case = referred["partner"], referred["case"]
    head = case.household.members.get()
    client.force_login(partner)
    client.raise_request_exception = False
    bodies = [
        client.get("/partner/").content.decode(),
        api(partner)("get", "/referrals").content.decode(),
    ]
    for path in (f"/cases/{case.pk}/", f"/registry/households/{case.household_id}/",
                 f"/registry/persons/{head.pk}/"):  # fmt: skip
        answer = client.get(path)
        assert answer.status_code in (403, 404), path
        bodies.append(answer.content.decode())
    call = api(partner)
    for path in (f"/cases/{case.pk}", f"/households/{case.household_id}",
                 f"/persons/{head.pk}", f"/cases/{case.pk}/partner-programmes"):  # fmt: skip
        answer = call("get", path)
        assert answer.status_code in (403, 404), path
        bodies.append(answer.content.decode())
    text = "\n".join(bodies).lower()
    assert "siti aminah" in bodies[0].lower()  # the hand-over's own minimum
    for leak in ("3201014508900001", "hiv", "napza", "drug", "inmate", "narapidana",
                 "kekerasan", "violence", "disabilitas", "disability"):  # fmt: skip
        assert leak not in text, leak
