"""Two requests at the same moment, or the same request sent twice, never make a second effect
or a corrupt state: the database guarantees it, not only the code.

Each race runs two threads, each with its own connection, started together at a barrier. Where
the window between a check and its write is too short to hit by timing alone, the test makes
both requests meet right after the check (``meet_after``): what two requests *may* do on a busy
server, made to happen every time. A fix that serialises the two (a row lock) only delays the
meeting: the first waits a few seconds for a partner that cannot come, then goes on.

Races need PostgreSQL (SQLite serialises writers); the repeats run on both databases.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.db import connection, connections
from django.test import Client

from sejahtera.accounts.models import Notification, Role
from sejahtera.cases import services
from sejahtera.cases.models import (
    Case,
    CaseEvent,
    ConsentRecord,
    EmpowermentRecord,
    FollowUp,
    GraduationRequest,
    Referral,
)
from sejahtera.domain.cases import GraduationType, Stage
from sejahtera.domain.findings import StepRefused
from sejahtera.registry.models import (
    ChangeRecord,
    DuplicateCandidate,
    HouseholdReview,
    Person,
    PersonMerge,
    Region,
)
from sejahtera.registry.services import records

BOGOR = "3201"
VILLAGE = "3201011002"  # Karadenan, Cibinong
NEIGHBOUR = "3201011001"  # Pondok Rajeg, Cibinong
TODAY = date(2026, 3, 2)
RACE = pytest.mark.django_db(transaction=True)


def needs_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the race needs PostgreSQL")


def race(*steps: Callable[[], Callable[[], Any]]) -> list[Any]:
    """Run each step in its own thread and connection: a step loads what its request loads
    and returns the write; the writes start together. Returns what each write returned, or
    the exception it raised, in the order of the steps."""
    barrier = threading.Barrier(len(steps))
    results: list[Any] = [None] * len(steps)

    def run(index: int, step: Callable[[], Callable[[], Any]]) -> None:
        try:
            write = step()
            barrier.wait(timeout=20)
            results[index] = write()
        except BaseException as exc:  # the outcome under test
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, s)) for i, s in enumerate(steps)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    assert not any(thread.is_alive() for thread in threads), "a request never finished"
    return results


def meet_after(original: Callable[..., Any], parties: int = 2, wait: float = 3.0):
    """``original``, but each caller waits (up to ``wait`` seconds) for the others to reach
    the same point before going on: the interleaving a busy server may make."""
    barrier = threading.Barrier(parties)

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        # broken: the other request waits on a lock, the race is serialised
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=wait)
        return result

    return wrapped


def meet_before(original: Callable[..., Any], parties: int = 2, wait: float = 3.0):
    barrier = threading.Barrier(parties)

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=wait)
        return original(*args, **kwargs)

    return wrapped


def kinds(results: list[Any]) -> list[str]:
    """Each outcome by its type's name (a refusal with its first code), sorted."""
    named = []
    for result in results:
        if isinstance(result, StepRefused):
            named.append(f"refused:{result.findings[0].code}")
        else:
            named.append(type(result).__name__)
    return sorted(named)


# -- the family, its case and the people around it ------------------------------------------


def head(name: str, nik: str = "", **cells: str) -> dict[str, str]:
    return {"full_name": name, "sex": "P", "birth_date": "1990-08-05", "relationship": "head",
            "nik": nik, **cells}  # fmt: skip


@pytest.fixture
def one_time_key():
    """one_time_key(page) → the one-time submission key of the form on a rendered page."""
    import re

    return lambda page: re.search(r'name="submission_key" value="([0-9a-f-]+)"', page)[1]


@pytest.fixture
def api_post(client):
    """api_post(user, path, body, key) → a JSON POST with the user's token and a key."""
    from sejahtera.accounts.models import ApiToken
    from sejahtera.accounts.tokens import create_token

    def post(user, path, body, key):
        _token, secret = create_token(user, "t", list(ApiToken.Scope))
        headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}", "HTTP_IDEMPOTENCY_KEY": key}
        return client.post(path, body, content_type="application/json", **headers)

    return post


@pytest.fixture
def worker(make_user):
    return make_user(Role.SOCIAL_WORKER, BOGOR)


@pytest.fixture
def supervisor(make_user):
    return make_user(Role.SUPERVISOR, BOGOR)


@pytest.fixture
def family(household_factory):
    return household_factory(
        VILLAGE,
        members=[
            head("Siti Aminah", "3201014508900001"),
            {"full_name": "Budi", "sex": "L", "birth_date": "2015-01-01", "relationship": "child"},
        ],
    )


@pytest.fixture
def case(family, worker, supervisor, served_case):
    """The family's case, in protection."""
    return served_case(family, worker, supervisor, TODAY)


def proposal(case, worker) -> GraduationRequest:
    return services.propose_graduation(
        actor=worker, case=case, type=GraduationType.MANDIRI, signed_statement=True, today=TODAY
    )


def decide(actor, request_pk: int, approve: bool) -> Callable[[], Callable[[], Any]]:
    """A supervisor's decision as the page makes it: the proposal and the case's version
    loaded first, then decided."""

    def load() -> Callable[[], Any]:
        request = GraduationRequest.objects.select_related("case").get(pk=request_pk)
        version = request.case.version
        return lambda: services.decide_graduation(
            actor=actor,
            request=request,
            approve=approve,
            reason="" if approve else "income not yet stable",
            expected_version=version,
            today=TODAY,
        )

    return load


# == defects: each test fails while the app is vulnerable ====================================


@RACE
def test_an_approval_and_a_rejection_at_once_decide_a_graduation_once(
    case, worker, supervisor, make_user
):
    """The supervisor approves while the administrator rejects the same proposal: one
    decision stands, and the proposal, the case and its timeline agree on it."""
    needs_postgresql()
    admin = make_user(Role.ADMINISTRATOR)
    request = proposal(case, worker)

    results = race(decide(supervisor, request.pk, True), decide(admin, request.pk, False))

    request.refresh_from_db()
    case.refresh_from_db()
    decided = [r for r in results if isinstance(r, GraduationRequest)]
    assert len(decided) == 1, results
    rejected = case.events.filter(kind=CaseEvent.Kind.GRADUATION_REJECTED).count()
    graduated = case.events.filter(to_stage=Stage.GRADUATED).count()
    assert (request.status, case.stage, rejected, graduated) in {
        (GraduationRequest.Status.APPROVED, Stage.GRADUATED, 0, 1),
        (GraduationRequest.Status.REJECTED, Stage.PROTECTION, 1, 0),
    }
    assert Notification.objects.filter(user=worker, kind__startswith="graduation_").count() == 1


@RACE
def test_a_rejection_clicked_twice_is_recorded_once(case, worker, supervisor, monkeypatch):
    """A double click on "reject": two POSTs, each loading the proposal while it is pending.
    One rejection on the timeline, one notification to the social worker."""
    needs_postgresql()
    request = proposal(case, worker)
    url = f"/cases/graduations/{request.pk}/decide/"
    # both pages have read the proposal as pending before either rejects it
    monkeypatch.setattr(services, "_require_case", meet_after(services._require_case))

    def click() -> Callable[[], Any]:
        browser = Client()
        browser.force_login(supervisor)
        return lambda: browser.post(url, {"decision": "reject", "reason": "not yet"})

    responses = race(click, click)

    assert [r.status_code for r in responses] == [302, 302]
    request.refresh_from_db()
    assert request.status == GraduationRequest.Status.REJECTED
    assert case.events.filter(kind=CaseEvent.Kind.GRADUATION_REJECTED).count() == 1
    assert Notification.objects.filter(user=worker, kind="graduation_rejected").count() == 1


@RACE
def test_two_graduation_proposals_at_once_leave_one_pending(case, worker, monkeypatch):
    """The same proposal sent twice at once (the page and the API, or a retry without a
    key): a new proposal replaces the pending one, so exactly one stays pending for the
    supervisor to decide."""
    needs_postgresql()
    monkeypatch.setattr(services, "graduation_check", meet_after(services.graduation_check))

    def propose(actor) -> Callable[[], Callable[[], Any]]:
        def load() -> Callable[[], Any]:
            mine = Case.objects.get(pk=case.pk)
            return lambda: proposal(mine, actor)

        return load

    results = race(propose(worker), propose(worker))

    assert kinds(results) == ["GraduationRequest", "GraduationRequest"]
    assert case.graduations.count() == 2
    assert case.graduations.filter(status=GraduationRequest.Status.PENDING).count() == 1


@RACE
def test_two_pena_capital_records_at_once_stay_within_the_cap(case, worker, monkeypatch):
    """Two grants of PENA capital recorded at the same moment, each within the cap alone,
    together above it: one is refused, the capital given never exceeds the cap."""
    needs_postgresql()
    services.write_plan(
        actor=worker, case=case, kind="empowerment", track="business", goals="a stall",
        today=TODAY,
    )  # fmt: skip
    Case.objects.filter(pk=case.pk).update(stage=Stage.EMPOWERMENT)
    cap = services.pena_capital_maximum()
    grant = cap // 2 + 1
    monkeypatch.setattr(services, "pena_capital_maximum", meet_after(services.pena_capital_maximum))

    def record(item: str) -> Callable[[], Callable[[], Any]]:
        def load() -> Callable[[], Any]:
            mine = Case.objects.get(pk=case.pk)
            return lambda: services.record_empowerment(
                actor=worker,
                case=mine,
                given_on=TODAY,
                capital_items=[{"item": item, "value": grant}],
            )

        return load

    results = race(record("cart"), record("stove"))

    assert kinds(results) == ["EmpowermentRecord", "refused:CASE_PENA_CAPITAL_ABOVE_MAXIMUM"]
    given = list(
        EmpowermentRecord.objects.filter(case=case).values_list("capital_value", flat=True)
    )
    assert given == [grant]
    assert sum(given) <= cap
    assert case.events.filter(kind=CaseEvent.Kind.EMPOWERMENT).count() == 1


def test_a_nik_registered_again_is_recorded_for_review(household_factory):
    """The safety net the next test needs: a second record of a NIK makes a pair to review
    (and the decree holds both records until it is reviewed)."""
    household_factory(VILLAGE, members=[head("Siti Aminah", "3201014508900009")])
    household_factory(NEIGHBOUR, members=[head("Siti Aminah", "3201014508900009")])
    pair = DuplicateCandidate.objects.get()
    assert pair.reason == DuplicateCandidate.Reason.SAME_NIK


@RACE
def test_the_same_nik_registered_twice_at_once_is_recorded_for_review(make_user, monkeypatch):
    """Two offices register the same person (one NIK) in two households at the same moment.
    Sequentially the second makes a pair for review; at once, each looks for other holders
    before the other has committed, neither finds one, and both records go on unreviewed:
    both families are enrolled and paid as two."""
    needs_postgresql()
    operators = [make_user(Role.VILLAGE_OPERATOR, VILLAGE), make_user(Role.DISTRICT_OFFICE, BOGOR)]
    monkeypatch.setattr(records, "holders_of", meet_before(records.holders_of))

    def register(actor, village: str) -> Callable[[], Callable[[], Any]]:
        return lambda: (
            lambda: records.register_household(
                actor=actor,
                household={"region_code": village},
                members=[head("Siti Aminah", "3201014508900009")],
                today=TODAY,
            )
        )

    results = race(register(operators[0], VILLAGE), register(operators[1], NEIGHBOUR))

    assert kinds(results) == ["Household", "Household"]
    assert Person.objects.filter(nik="3201014508900009").count() == 2
    assert DuplicateCandidate.objects.filter(reason=DuplicateCandidate.Reason.SAME_NIK).count() == 1


@RACE
def test_two_cases_opened_at_once_keep_the_caseload_limit(
    settings, household_factory, worker, supervisor, monkeypatch
):
    """A social worker with room for one more case is given two families at the same
    moment: one case opens, the other is refused."""
    needs_postgresql()
    settings.SEJAHTERA_JOURNEY = {"caseload_limit": 1}
    families = [
        household_factory(VILLAGE, members=[head("Siti Aminah")]),
        household_factory(NEIGHBOUR, members=[head("Ani Lestari")]),
    ]
    monkeypatch.setattr(services, "_check_caseload", meet_after(services._check_caseload))

    def open_for(household) -> Callable[[], Callable[[], Any]]:
        return lambda: (
            lambda: services.open_case(
                actor=supervisor,
                household=household,
                social_worker=worker,
                supervisor=supervisor,
                today=TODAY,
            )
        )

    results = race(open_for(families[0]), open_for(families[1]))

    assert kinds(results) == ["Case", "refused:CASE_CASELOAD_FULL"]
    assert Case.objects.filter(social_worker=worker).count() == 1


# == withstood: each test passes, and keeps the guarantee ====================================


@RACE
def test_two_approvals_at_once_graduate_once(case, worker, supervisor, make_user):
    needs_postgresql()
    admin = make_user(Role.ADMINISTRATOR)
    request = proposal(case, worker)

    results = race(decide(supervisor, request.pk, True), decide(admin, request.pk, True))

    # the second waits for the first, then finds the proposal decided
    assert kinds(results) == ["GraduationRequest", "refused:CASE_GRADUATION_DECIDED"]
    case.refresh_from_db()
    assert case.stage == Stage.GRADUATED
    assert case.events.filter(to_stage=Stage.GRADUATED).count() == 1
    assert case.follow_ups.count() == 3


@RACE
def test_a_referral_accepted_and_revoked_at_once_takes_one_step(case, worker, make_user):
    needs_postgresql()
    partner = make_user(Role.PARTNER_AGENCY, organisation="Kementerian UMKM")
    referral = services.send_referral(
        actor=worker, case=case, programme="KUR_MIKRO", consent_method="signed", today=TODAY
    )

    def step(actor, status: str) -> Callable[[], Callable[[], Any]]:
        def load() -> Callable[[], Any]:
            mine = Referral.objects.get(pk=referral.pk)
            return lambda: services.update_referral(
                actor=actor, referral=mine, status=status, today=TODAY
            )

        return load

    results = race(step(partner, "accepted"), step(worker, "revoked"))

    assert kinds(results) == ["EditConflict", "Referral"]
    referral.refresh_from_db()
    withdrawn = ConsentRecord.objects.filter(referral=referral, withdrawn_on__isnull=False).count()
    assert (referral.status, withdrawn) in {("accepted", 0), ("revoked", 1)}
    steps = case.events.filter(kind=CaseEvent.Kind.REFERRAL, facts__referral=referral.pk)
    assert steps.count() == 2  # sent, then the one step taken


@RACE
def test_a_follow_up_visit_recorded_twice_at_once_is_recorded_once(case, worker):
    needs_postgresql()
    visit = FollowUp.objects.create(case=case, due_on=date(2026, 6, 2))

    def complete(notes: str) -> Callable[[], Callable[[], Any]]:
        def load() -> Callable[[], Any]:
            mine = FollowUp.objects.select_related("case").get(pk=visit.pk)
            return lambda: services.complete_follow_up(
                actor=worker, follow_up=mine, notes=notes, today=TODAY
            )

        return load

    results = race(complete("stall doing well"), complete("visited"))

    assert kinds(results) == ["FollowUp", "refused:CASE_FOLLOW_UP_DONE"]
    assert case.events.filter(kind=CaseEvent.Kind.FOLLOW_UP).count() == 1


@RACE
def test_a_case_transferred_twice_at_once_goes_to_one_worker(case, supervisor, make_user):
    needs_postgresql()
    others = [make_user(Role.SOCIAL_WORKER, BOGOR) for _ in range(2)]
    version = case.version

    def transfer(to) -> Callable[[], Callable[[], Any]]:
        def load() -> Callable[[], Any]:
            mine = Case.objects.get(pk=case.pk)
            return lambda: services.assign_case(
                actor=supervisor, case=mine, social_worker=to, supervisor=supervisor,
                expected_version=version, reason="leave", today=TODAY,
            )  # fmt: skip

        return load

    results = race(transfer(others[0]), transfer(others[1]))

    assert kinds(results) == ["Case", "EditConflict"]
    case.refresh_from_db()
    assert case.version == version + 1
    assert case.social_worker in others
    assert case.events.filter(kind=CaseEvent.Kind.ASSIGNED).count() == 1


@RACE
def test_a_person_edited_twice_at_once_keeps_one_edit(family, make_user):
    needs_postgresql()
    editors = [make_user(Role.VILLAGE_OPERATOR, VILLAGE), make_user(Role.DISTRICT_OFFICE, BOGOR)]
    person = family.members.get(relationship="head")
    version = person.version

    def edit(actor, name: str) -> Callable[[], Callable[[], Any]]:
        def load() -> Callable[[], Any]:
            mine = Person.objects.select_related("household").get(pk=person.pk)
            cells = records.person_cells(mine) | {"full_name": name}
            return lambda: records.update_person(
                actor=actor, person=mine, cells=cells, expected_version=version, today=TODAY
            )

        return load

    results = race(edit(editors[0], "Siti Aminah Putri"), edit(editors[1], "Sity Aminah"))

    assert kinds(results) == ["EditConflict", "int"]
    person.refresh_from_db()
    assert person.version == version + 1
    assert person.full_name in {"Siti Aminah Putri", "Sity Aminah"}
    updates = ChangeRecord.objects.filter(
        entity=ChangeRecord.Entity.PERSON, record_id=person.pk, action=ChangeRecord.Action.UPDATED
    )
    assert updates.count() == 1


@RACE
def test_a_correction_reviewed_twice_at_once_corrects_once(family, make_user):
    needs_postgresql()
    from sejahtera.grievances.corrections import request_correction, review_correction

    person = family.members.get(relationship="head")
    request = request_correction(
        person=person,
        requester_name="Siti Aminah",
        description="my birth date is wrong",
        cells={"birth_date": "1990-08-06"},
        received_on=TODAY,
    )
    offices = [make_user(Role.DISTRICT_OFFICE, BOGOR) for _ in range(2)]

    def review(actor) -> Callable[[], Callable[[], Any]]:
        return lambda: (
            lambda: review_correction(
                actor, request, accepted=True, note="checked the KTP", today=TODAY
            )
        )

    results = race(review(offices[0]), review(offices[1]))

    assert sorted(type(r).__name__ for r in results) == ["CorrectionRequest", "StepRefused"]
    person.refresh_from_db()
    assert person.version == 2
    assert (
        ChangeRecord.objects.filter(record_id=person.pk, action=ChangeRecord.Action.UPDATED).count()
        == 1
    )


@RACE
def test_an_objection_confirmed_twice_at_once_opens_one_review(family, make_user):
    needs_postgresql()
    from sejahtera.grievances.objections import file_objection, verify_objection

    objection = file_objection(
        household=family,
        objector_name="Pak RT",
        objector_village=Region.objects.get(code=VILLAGE),
        reason="they own two cars",
        filed_on=TODAY,
    )
    offices = [make_user(Role.DISTRICT_OFFICE, BOGOR) for _ in range(2)]

    def confirm(actor) -> Callable[[], Callable[[], Any]]:
        return lambda: (
            lambda: verify_objection(
                actor=actor, objection=objection, confirmed=True, note="seen", today=TODAY
            )
        )

    results = race(confirm(offices[0]), confirm(offices[1]))

    assert sorted(type(r).__name__ for r in results) == ["Objection", "StepRefused"]
    assert HouseholdReview.objects.filter(household=family, source="objection").count() == 1


@RACE
def test_a_pair_merged_twice_at_once_makes_one_merge_and_is_undone_once(linked_pair, make_user):
    needs_postgresql()
    from sejahtera.registry.services.deduplication import ReviewRefused, merge_pair, unmerge

    offices = [make_user(Role.DISTRICT_OFFICE, BOGOR) for _ in range(2)]
    survivor = linked_pair.person_id

    def merge(actor) -> Callable[[], Callable[[], Any]]:
        return lambda: (
            lambda: merge_pair(actor, linked_pair.pk, survivor_id=survivor, note="one KTP")
        )

    results = race(merge(offices[0]), merge(offices[1]))

    assert kinds(results) == ["PersonMerge", "ReviewRefused"]
    assert PersonMerge.objects.filter(unmerged_at__isnull=True).count() == 1
    [done] = [r for r in results if isinstance(r, PersonMerge)]

    def undo(actor) -> Callable[[], Callable[[], Any]]:
        return lambda: lambda: unmerge(actor, done.pk, note="two sisters")

    results = race(undo(offices[0]), undo(offices[1]))

    assert kinds(results) == ["PersonMerge", "ReviewRefused"]
    assert isinstance(next(r for r in results if not isinstance(r, PersonMerge)), ReviewRefused)
    assert not Person.all_objects.filter(merged_into__isnull=False).exists()
    linked_pair.refresh_from_db()
    assert linked_pair.status == DuplicateCandidate.Status.OPEN


@RACE
def test_a_referral_sent_twice_at_once_with_one_key_is_sent_once(case, worker):
    """A client retrying its POST while the first is still running, with its
    Idempotency-Key: one referral, one consent, the same answer twice."""
    needs_postgresql()
    from sejahtera.accounts.models import ApiToken
    from sejahtera.accounts.tokens import create_token

    _token, secret = create_token(worker, "t", list(ApiToken.Scope))
    body = {"programme": "KUR_MIKRO", "consent_method": "signed"}

    def send() -> Callable[[], Any]:
        return lambda: Client().post(
            f"/api/v1/cases/{case.pk}/referrals",
            body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {secret}",
            HTTP_IDEMPOTENCY_KEY="referral-1",
        )

    responses = race(send, send)

    assert [r.status_code for r in responses] == [201, 201]
    assert responses[0].json()["id"] == responses[1].json()["id"]
    assert Referral.objects.filter(case=case).count() == 1
    assert ConsentRecord.objects.filter(referral__case=case).count() == 1


@RACE
def test_a_proposal_form_posted_twice_at_once_proposes_once(case, worker, one_time_key):
    """A double click on the graduation form: two POSTs of one rendered form."""
    needs_postgresql()
    browser = Client()
    browser.force_login(worker)
    url = f"/cases/{case.pk}/graduation/"
    page = browser.get(url)
    assert page.status_code == 200
    key = one_time_key(page.content.decode())
    form = {"type": "mandiri", "signed_statement": "on", "submission_key": key}

    def click() -> Callable[[], Any]:
        mine = Client()
        mine.force_login(worker)
        return lambda: mine.post(url, form)

    responses = race(click, click)

    assert [r.status_code for r in responses] == [302, 302]
    assert case.graduations.count() == 1
    assert case.events.filter(kind=CaseEvent.Kind.GRADUATION_PROPOSED).count() == 1


# -- the same request again, one after the other (both databases) ----------------------------


@pytest.mark.django_db
def test_a_rejection_posted_again_is_refused_and_recorded_once(case, worker, supervisor, client):
    request = proposal(case, worker)
    client.force_login(supervisor)
    url = f"/cases/graduations/{request.pk}/decide/"
    for _ in range(2):
        assert client.post(url, {"decision": "reject", "reason": "not yet"}).status_code == 302
    assert case.events.filter(kind=CaseEvent.Kind.GRADUATION_REJECTED).count() == 1
    assert Notification.objects.filter(user=worker, kind="graduation_rejected").count() == 1


@pytest.mark.django_db
def test_an_approval_posted_again_graduates_once(case, worker, supervisor, client):
    request = proposal(case, worker)
    client.force_login(supervisor)
    url = f"/cases/graduations/{request.pk}/decide/"
    version = case.version
    form = {"decision": "approve", "confirmed": "yes", "version": version}
    for _ in range(2):
        assert client.post(url, form).status_code == 302
    case.refresh_from_db()
    assert (case.stage, case.version) == (Stage.GRADUATED, version + 1)
    assert case.events.filter(to_stage=Stage.GRADUATED).count() == 1
    assert case.follow_ups.count() == 3


@pytest.mark.django_db
def test_a_referral_revoked_again_is_refused(case, worker):
    referral = services.send_referral(
        actor=worker, case=case, programme="KUR_MIKRO", consent_method="signed", today=TODAY
    )
    services.update_referral(actor=worker, referral=referral, status="revoked", today=TODAY)
    stale = Referral.objects.get(pk=referral.pk)
    with pytest.raises(services.TransitionRefused):
        services.update_referral(actor=worker, referral=stale, status="revoked", today=TODAY)
    assert case.events.filter(kind=CaseEvent.Kind.REFERRAL).count() == 2


@pytest.mark.django_db
def test_a_referral_retried_with_its_key_is_sent_once(case, worker, api_post):
    body = {"programme": "KUR_MIKRO", "consent_method": "signed"}
    first = api_post(worker, f"/api/v1/cases/{case.pk}/referrals", body, "ref-1")
    again = api_post(worker, f"/api/v1/cases/{case.pk}/referrals", body, "ref-1")
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert Referral.objects.filter(case=case).count() == 1
