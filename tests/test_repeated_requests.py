"""A form submitted twice (a double click, back and resubmit, two officers at once), and the
services the web forms call, take effect once and lose nothing: found by a review; each
docstring says what a user met before the fix. The last tests record what was checked and
held.

Races run two threads, each with its own connection, on PostgreSQL (``transaction=True``,
marked ``database``); repeats run on both databases through the Django test client.
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection, connections
from django.test import Client

from sejahtera.accounts.models import Role
from sejahtera.registry.models import Household, Person, Region

from .targeting.conftest import population  # noqa: F401 (a fixture)
from .test_concurrent_writes import meet_after as concurrent_meet_after
from .test_concurrent_writes import race as concurrent_race

BOGOR = "3201"
VILLAGE = "3201011002"  # Karadenan, Cibinong
JULY = date(2026, 7, 1)
AUGUST = date(2026, 8, 1)
RACE = pytest.mark.django_db(transaction=True)


def needs_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the race needs PostgreSQL")


def race(*steps: Callable[[], Any]) -> list[Any]:
    """Run each step in its own thread and connection, started together; what each returned
    (or raised), in order."""
    return concurrent_race(*((lambda step=step: step) for step in steps))


def meet_after(original: Callable[..., Any]) -> Callable[..., Any]:
    """``original``, but each caller waits for the other to reach the same point (a fix that
    serialises the two only delays the meeting: the barrier breaks, the first goes on)."""
    return concurrent_meet_after(original, wait=10.0)


def logged_in(user) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


def hidden(page: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', page)[1]


# == registry: two officers at the same household, NIK or person ================================

HOUSE = {
    "house_ownership": "own",
    "floor_area_m2": "30",
    "floor_type": "earth",
    "wall_type": "bamboo",
    "roof_type": "thatch",
}


def household_form(household: Household, version: int, **changed: str) -> dict[str, str]:
    from sejahtera.registry.services.records import household_cells

    cells: dict[str, Any] = {
        k: v for k, v in household_cells(household).items() if k != "household_id"
    }
    cells = {**cells, **changed, "version": str(version)}
    cells["assets"] = [a for a in cells.pop("assets", "").split(";") if a]  # ticked boxes
    return cells


@pytest.mark.django_db
def test_saving_again_after_an_edit_conflict_does_not_overwrite_the_other_officers_edit(
    make_user, household_factory
):
    """Two officers open the same household's edit page. The first saves the floor (earth →
    ceramic). The second saves the wall and is told "Someone else changed this household
    meanwhile". The page they are shown still holds their own (stale) values — floor "earth" —
    but its hidden ``version`` is now the *current* one (the view renders ``record.version``
    of the record it just loaded). The second officer presses Save again, as anyone would: it
    is accepted, and the first officer's floor is silently put back to "earth". The conflict
    detection works exactly once; the lost update it exists to prevent happens one click
    later, with no warning to anyone."""
    household = household_factory(VILLAGE, **HOUSE)
    first = logged_in(make_user(Role.VILLAGE_OPERATOR, VILLAGE))
    second = logged_in(make_user(Role.DISTRICT_OFFICE, BOGOR))
    url = f"/registry/households/{household.pk}/edit/"
    loaded = household.version

    assert (
        first.post(url, household_form(household, loaded, floor_type="ceramic")).status_code == 302
    )
    conflict = second.post(url, household_form(household, loaded, wall_type="brick"))
    assert "mengubah rumah tangga ini" in conflict.content.decode()  # told once

    # "Save" again on the page as it was sent back
    again = household_form(household, int(hidden(conflict.content.decode(), "version")),
                           wall_type="brick")  # fmt: skip
    second.post(url, again)

    household.refresh_from_db()
    assert household.floor_type == "ceramic", "the first officer's edit was overwritten"


@pytest.mark.django_db
def test_an_invalid_edit_corrected_and_saved_does_not_overwrite_a_concurrent_edit(
    make_user, household_factory
):
    """The second officer loaded the page before the first saved, then sends a value the
    registry refuses (a floor area of "-5"). The page comes back with the error — and with
    the hidden ``version`` of the record as it is *now*, after the first officer's save. The
    officer corrects the area and saves: accepted, no conflict reported, and the first
    officer's new floor is replaced by the stale one the second page still held. Bad input
    here turns optimistic locking off for the rest of that form."""
    household = household_factory(VILLAGE, **HOUSE)
    first = logged_in(make_user(Role.VILLAGE_OPERATOR, VILLAGE))
    second = logged_in(make_user(Role.DISTRICT_OFFICE, BOGOR))
    url = f"/registry/households/{household.pk}/edit/"
    loaded = household.version

    assert (
        first.post(url, household_form(household, loaded, floor_type="ceramic")).status_code == 302
    )
    refused = second.post(url, household_form(household, loaded, floor_area_m2="-5"))
    assert refused.status_code == 200  # the form is sent back with the finding
    version_on_page = int(hidden(refused.content.decode(), "version"))

    second.post(url, household_form(household, version_on_page, floor_area_m2="36"))

    household.refresh_from_db()
    assert household.floor_type == "ceramic", "the first officer's edit was overwritten"


@pytest.mark.django_db
def test_editing_a_household_on_its_page_keeps_its_monthly_expenditure(
    make_user, household_factory
):
    """The import records a household's monthly expenditure (and a CONDITION proposal may
    change it): the PMT calibration is fitted on it. The web edit form leaves that column out
    (``HOUSEHOLD_FORM_COLUMNS``), but ``update_household`` replaces *every* format field with
    the cells it is given: an officer who corrects only the roof wipes the expenditure to
    empty, and the change history records it as the officer's edit."""
    household = household_factory(VILLAGE, monthly_expenditure_idr="1500000", **HOUSE)
    assert household.monthly_expenditure_idr == 1_500_000
    officer = logged_in(make_user(Role.VILLAGE_OPERATOR, VILLAGE))
    form = household_form(household, household.version, roof_type="tile")
    form.pop("monthly_expenditure_idr")  # the page has no such field

    response = officer.post(f"/registry/households/{household.pk}/edit/", form)

    assert response.status_code == 302
    household.refresh_from_db()
    assert household.roof_type == "tile"
    assert household.monthly_expenditure_idr == 1_500_000, "the edit erased the expenditure"


@RACE
def test_a_nik_imported_while_an_office_registers_it_is_recorded_for_review(
    make_user, tmp_path, monkeypatch
):
    """A district office uploads its registry file while a village operator registers the
    same person (one NIK) on the web form. A second record of a NIK must become a pair for
    review — the decree holds both records until it is reviewed; without the pair both
    households are enrolled and paid as two. The web path takes a per-NIK advisory lock
    before it looks for other holders (``duplicates.holders_of``, the fix of an earlier race);
    the import's own look-up (``RegistryImport._record_duplicate_niks``, through
    ``_rows_by_key``) takes none, so each transaction sees only its own record: no pair, and
    neither the import report nor the household page warns of the other."""
    needs_postgresql()
    import csv

    from sejahtera.domain.registry_format import HOUSEHOLD_COLUMN_NAMES, PERSON_COLUMN_NAMES
    from sejahtera.registry.models import DuplicateCandidate
    from sejahtera.registry.services import importing, records

    nik = "3201014508900009"
    meeting = threading.Barrier(2)

    def then_meet(original: Callable[..., Any]) -> Callable[..., Any]:
        """Each looks for the NIK's other holders, then waits for the other to have looked
        too before it commits: what two requests on a busy server may do."""

        def wrapped(*args: Any, **kwargs: Any) -> Any:
            result = original(*args, **kwargs)
            with contextlib.suppress(threading.BrokenBarrierError):
                meeting.wait(timeout=10)
            return result

        return wrapped

    monkeypatch.setattr(records, "holders_of", then_meet(records.holders_of))
    monkeypatch.setattr(
        importing.RegistryImport,
        "_record_duplicate_niks",
        then_meet(importing.RegistryImport._record_duplicate_niks),
    )

    def write(name: str, rows: list[dict[str, str]], columns: tuple[str, ...]) -> Any:
        path = tmp_path / name
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns, restval="")
            writer.writeheader()
            writer.writerows(rows)
        return path

    households = write("h.csv", [{"household_id": "H-1", "region_code": VILLAGE}],
                       HOUSEHOLD_COLUMN_NAMES)  # fmt: skip
    persons = write(
        "p.csv",
        [{"person_id": "P-1", "household_id": "H-1", "full_name": "Siti Aminah", "sex": "P",
          "birth_date": "1990-08-05", "relationship": "head", "nik": nik}],
        PERSON_COLUMN_NAMES,
    )  # fmt: skip
    operator = make_user(Role.VILLAGE_OPERATOR, VILLAGE)

    results = race(
        lambda: importing.import_registry(
            households_path=households, persons_path=persons, report_path=tmp_path / "r.csv"
        ),
        lambda: records.register_household(
            actor=operator,
            household={"region_code": VILLAGE},
            members=[
                {
                    "full_name": "Siti Aminah",
                    "sex": "P",
                    "birth_date": "1990-08-05",
                    "relationship": "head",
                    "nik": nik,
                }
            ],
        ),
    )

    assert not any(isinstance(r, Exception) for r in results), results
    assert Person.all_objects.filter(nik=nik).count() == 2
    assert (
        DuplicateCandidate.objects.filter(reason=DuplicateCandidate.Reason.SAME_NIK).count() == 1
    ), "two records of one NIK, no pair to review"


@RACE
def test_a_merge_undone_while_its_kept_record_is_merged_again_claims_no_row_twice(
    linked_pair, household_factory, make_user, monkeypatch
):
    """Two offices review the same person's records. One undoes an earlier merge (B had been
    merged into A); at the same moment the other merges A into a third record D. Undoing is
    refused when the kept record "was merged into another since" — but ``unmerge`` checks that
    with a plain read and locks neither person (``merge_pair`` locks both of its persons
    first), so it does not see the merge in flight: both commit. B's manual cluster membership
    is moved back to B by the unmerge *after* the merge moved it to D, while the merge's record
    (``PersonMerge.moves``) still lists it as moved A → D: the record kept (D) has lost it, and
    undoing the second merge later would hand it to A, a record it never belonged to. The
    outcome is neither of the two orders the offices could have acted in."""
    needs_postgresql()
    from sejahtera.registry.models import DuplicateCandidate, PersonMerge
    from sejahtera.registry.services import deduplication
    from sejahtera.targeting.models import ManualClusterMembership

    a, b = linked_pair.person, linked_pair.other
    row = ManualClusterMembership.objects.create(
        person=b, cluster="DISABILITAS", reason="case assessment", valid_from=date(2026, 1, 1)
    )
    offices = [make_user(Role.DISTRICT_OFFICE, BOGOR) for _ in range(2)]
    first = deduplication.merge_pair(offices[0], linked_pair.pk, survivor_id=a.pk, note="one KTP")
    d = household_factory(
        "3201011003",
        members=[{"full_name": "Siti Aminah", "sex": "P", "birth_date": "1980-05-04",
                  "relationship": "head"}],
    ).members.get()  # fmt: skip
    second_pair = DuplicateCandidate.objects.create(
        person=a, other=d, reason=DuplicateCandidate.Reason.LINKAGE, match_probability=0.99
    )
    row.refresh_from_db()
    assert row.person_id == a.pk

    meeting = threading.Barrier(2)
    unmerge_thread: list[threading.Thread] = []

    def meet() -> None:
        with contextlib.suppress(threading.BrokenBarrierError):
            meeting.wait(timeout=10)

    real_apps = deduplication.apps

    class UnmergeMeets:
        """``apps`` as the unmerge reads it, after its check: it meets the merge once."""

        def get_model(self, *args: Any) -> Any:
            if threading.current_thread() in unmerge_thread:
                unmerge_thread.clear()
                meet()
            return real_apps.get_model(*args)

    original_pairs = deduplication._move_open_pairs

    def merge_meets(*args: Any) -> Any:  # the merge has moved the rows, not committed
        meet()
        return original_pairs(*args)

    monkeypatch.setattr(deduplication, "apps", UnmergeMeets())
    monkeypatch.setattr(deduplication, "_move_open_pairs", merge_meets)

    def undo() -> Any:
        unmerge_thread.append(threading.current_thread())
        return deduplication.unmerge(offices[0], first.pk, note="two sisters after all")

    results = race(
        undo,
        lambda: deduplication.merge_pair(
            offices[1], second_pair.pk, survivor_id=d.pk, note="same KTP"
        ),
    )

    undone, merged = results
    row.refresh_from_db()
    a.refresh_from_db()
    merge_moves = merged.moves if isinstance(merged, PersonMerge) else []
    claimed = any(row.pk in move.get("ids", []) for move in merge_moves)
    unmerge_first = isinstance(undone, PersonMerge) and row.person_id == b.pk and not claimed
    merge_first = isinstance(undone, deduplication.ReviewRefused) and row.person_id == d.pk
    assert unmerge_first or merge_first, (
        f"unmerge: {undone!r}; merge: {merged!r}; the row is with person {row.person_id} "
        f"(B={b.pk}, D={d.pk}) and the second merge lists it as moved: {claimed}"
    )


# == programme delivery ==========================================================================


@pytest.fixture
def enrolled(manager, approver, population):  # noqa: F811 (a fixture)
    """SEMBAKO enrolled from July by a decree (the programmes tests' fixture)."""
    from sejahtera.programmes import services
    from sejahtera.targeting.services import run_targeting_for_registry

    run = run_targeting_for_registry(JULY)
    services.approve_decree(approver, services.prepare_decree(manager, "SEMBAKO", JULY, run))
    return run


@RACE
def test_two_overlapping_cycles_opened_at_once_never_pay_the_shared_month_twice(
    enrolled, manager, approver, monkeypatch
):
    """SEMBAKO pays two months a cycle. Two decree makers open a cycle at the same moment, one
    from July (July–August), the other from August (August–September) — one of them picked
    the wrong month. Opened one after the other, the second is refused ("already has a cycle
    overlapping"). At once, both pass ``check_cycle``'s overlap query (run before the opening's
    transaction, on cycles neither has committed yet), both cycles are created and every
    enrolled family is owed August twice: two payable lines, two batches, two payments. The
    database holds one cycle per (programme, period start), not "no overlapping periods", so
    nothing stops it. This is exactly the double payment the product promises never to make."""
    needs_postgresql()
    from sejahtera.domain.delivery import CycleRefused
    from sejahtera.programmes import cycles
    from sejahtera.programmes.models import Cycle, Entitlement

    monkeypatch.setattr(cycles, "check_cycle", meet_after(cycles.check_cycle))

    results = race(
        lambda: cycles.open_cycle(manager, "SEMBAKO", JULY),
        lambda: cycles.open_cycle(approver, "SEMBAKO", AUGUST),
    )

    opened = [r for r in results if isinstance(r, Cycle)]
    assert len(opened) + sum(isinstance(r, CycleRefused) for r in results) == 2, results
    payable_in_august = Entitlement.objects.filter(
        cycle__programme="SEMBAKO",
        cycle__period_start__lte=AUGUST,
        cycle__period_end__gt=AUGUST,
        status="payable",
    )
    per_family = payable_in_august.values("subject").distinct().count()
    assert payable_in_august.count() == per_family, "August is owed twice to each family"
    assert Cycle.objects.filter(programme="SEMBAKO").count() == 1, (
        "two overlapping SEMBAKO cycles: " + ", ".join(str(c) for c in Cycle.objects.all())
    )


@pytest.mark.django_db
def test_a_decree_prepared_with_a_double_click_is_one_draft(enrolled, manager, client):
    """The *Penetapan* form ("prepare") posted twice — a double click, or back and send again
    after a slow draft — makes two identical drafts of the same programme and period. Only one
    can ever be approved (the other is refused as stale once the first is); the other stays a
    draft that decree makers are shown pending requests on and can accept families onto: those
    requests then read "accepted" but are never enrolled, until someone notices and withdraws
    the orphan. The form carries no one-time key (``submit_once``), unlike registration and
    the case records."""
    from sejahtera.programmes.models import Decree

    client.force_login(manager)
    form = {"programme": "SEMBAKO", "period_start": "2026-09-01", "run": enrolled.pk}
    page = client.get("/programmes/decrees/").content.decode()
    key = re.search(r'name="submission_key" value="([0-9a-f-]+)"', page)
    if key:
        form["submission_key"] = key[1]

    for _ in range(2):
        assert client.post("/programmes/decrees/", form).status_code == 302

    drafts = Decree.objects.filter(programme="SEMBAKO", status=Decree.Status.DRAFT)
    assert drafts.count() == 1, f"{drafts.count()} identical drafts from one form"


@pytest.mark.django_db
def test_an_enrolment_request_answered_with_a_double_click_is_told_it_is_answered(
    enrolled, manager, make_user, served_case
):
    """A social worker asked to suspend a family's SEMBAKO; the decree maker accepts it on the
    next draft and double-clicks. The first POST suspends the enrolment; the second is
    answered **404 Not Found**, because the view looks the request up among the *pending*
    ones before the service can say "this request is already answered" (which it would, under
    its lock). The decree maker's browser shows "page not found" for something that worked.
    The same happens to the second of two decree makers answering at once."""
    from sejahtera.cases import services as cases
    from sejahtera.programmes import services
    from sejahtera.programmes.models import Enrolment

    enrolment = Enrolment.objects.filter(programme="SEMBAKO", region_code__startswith=BOGOR)[0]
    worker = make_user(Role.SOCIAL_WORKER, BOGOR)
    case = served_case(enrolment.household, worker, None, date.today())
    asked = cases.request_enrolment(
        actor=worker, case=case, programme="SEMBAKO", action="suspend",
        reason="moved to Jakarta for work", today=date.today(),
    )  # fmt: skip
    draft = services.prepare_decree(manager, "SEMBAKO", date(2026, 9, 1), enrolled)
    browser = logged_in(manager)
    url = f"/programmes/decrees/{draft.pk}/requests/{asked.pk}/"

    first = browser.post(url, {"answer": "accept", "note": ""})
    again = browser.post(url, {"answer": "accept", "note": ""})

    enrolment.refresh_from_db()
    assert first.status_code == 302
    assert enrolment.status == "suspended"
    assert again.status_code != 404, "the second click of 'accept' is answered 404 Not Found"


# == grievances: decisions on a record's page, posted again ======================================


@pytest.fixture
def objection(household_factory):
    from sejahtera.grievances.objections import file_objection

    household = household_factory(VILLAGE)
    return file_objection(
        household=household,
        objector_name="Pak RT",
        objector_village=Region.objects.get(code=VILLAGE),
        reason="they own two cars",
        filed_on=date.today(),
    )


@pytest.mark.django_db
def test_an_objection_verdict_posted_twice_is_told_it_is_decided(objection, make_user):
    """The office verifies an objection (sanggah) and double-clicks "save" (or goes back and
    sends the page again). The first POST records the verdict. The second is answered
    **403 Forbidden** — the page the browser ends up showing — because ``_act_on`` decides
    ``allowed`` from the objection as it is *now* (no longer "filed") and raises
    PermissionDenied before the service can say "already verified". The officer is told they
    may not do what they just did; they will retry, call support, or assume it failed. The
    same happens on a complaint's outcome, a correction's review and an automated decision's
    verdict (all four go through ``_act_on``), and to the second of two officers at once. The
    graduation and referral pages answer a repeat with a message and a redirect."""
    from sejahtera.registry.models import HouseholdReview

    office = logged_in(make_user(Role.DISTRICT_OFFICE, BOGOR))
    url = f"/objections/{objection.pk}/"
    verdict = {"verdict": "confirmed", "note": "seen the two cars"}

    first = office.post(url, verdict)
    again = office.post(url, verdict)

    assert first.status_code == 302
    assert HouseholdReview.objects.filter(source="objection").count() == 1
    assert again.status_code != 403, "a repeated verdict is answered 403 Forbidden"


@pytest.mark.django_db
def test_a_correction_accepted_while_the_person_is_edited_is_refused_not_a_server_error(
    household_factory, make_user, monkeypatch
):
    """Was a defect: ``review_correction`` read the person unlocked, and an operator's edit
    committing before its write raised ``EditConflict``, which nothing caught: the reviewer
    got a 500. The person is now locked before it is read (an edit in flight is waited for);
    should a conflict still arise, the reviewer is told the record changed meanwhile."""
    from sejahtera.grievances.corrections import request_correction
    from sejahtera.registry.services import records

    family = household_factory(VILLAGE)
    person = family.members.get(relationship="head")
    asked = request_correction(
        person=person,
        requester_name="Siti Aminah",
        description="my birth date is wrong",
        cells={"birth_date": "1990-08-06"},
        received_on=date.today(),
    )
    office = logged_in(make_user(Role.DISTRICT_OFFICE, BOGOR))

    def edited_meanwhile(**kwargs: Any) -> int:
        raise records.EditConflict(current_version=2)

    monkeypatch.setattr(records, "update_person", edited_meanwhile)
    response = office.post(
        f"/corrections/{asked.pk}/", {"verdict": "accepted", "note": "checked the KTP"}
    )
    assert response.status_code == 400
    assert "Data berubah sementara itu" in response.content.decode()
    asked.refresh_from_db()
    assert asked.status == "requested"


@RACE
def test_a_public_complaint_tapped_twice_shows_its_one_tracking_number():
    """A citizen files a complaint on /layanan/pengaduan/ from a phone on a slow connection
    and taps "send" twice. The second request arrives while the first is still writing: the
    sum's nonce is already spent (``cache.add``) but the tracking number is only remembered
    (``ChallengeForm.remember``) after the complaint is written, so ``filed_before`` finds
    nothing and the second answer — the page the phone shows — is a 400 saying "The answer to
    the sum is wrong or too old; solve the new one". The citizen, believing nothing was
    filed, solves the new sum and sends again: a second complaint with another tracking
    number. The sequential double tap is handled (tests/web/test_public_pages.py); the one
    that actually happens on a slow phone is not. The same holds for /layanan/usul/ (a
    proposed family filed twice), /layanan/koreksi/ and /layanan/keberatan/."""
    needs_postgresql()
    import secrets

    from django.core import signing
    from django.core.cache import cache

    from sejahtera.grievances.models import Complaint
    from sejahtera.web.public_guard import SALT
    from sejahtera.web.views import public

    cache.clear()
    writing, second_answered = threading.Event(), threading.Event()
    original = public.file_complaint

    def slow_file_complaint(*args: Any, **kwargs: Any) -> Any:
        writing.set()
        second_answered.wait(timeout=5)  # the server is busy; a fix may make the second wait
        return original(*args, **kwargs)

    public.file_complaint = slow_file_complaint  # restored below
    token = signing.dumps({"sum": 7, "nonce": secrets.token_hex(8)}, salt=SALT)
    form = {
        "village": VILLAGE,
        "category": "aid_not_received",
        "description": "BPNT bulan ini belum masuk",
        "name": "Dewi Lestari",
        "nik": "3201016007850002",
        "challenge": token,
        "answer": "7",
    }
    answers: dict[str, Any] = {}

    def tap(name: str) -> None:
        try:
            answers[name] = Client().post("/layanan/pengaduan/", form)
        finally:
            connections.close_all()

    try:
        first = threading.Thread(target=tap, args=("first",))
        first.start()
        assert writing.wait(timeout=30)
        second = threading.Thread(target=tap, args=("second",))
        second.start()
        second.join(timeout=30)
        second_answered.set()
        first.join(timeout=30)
    finally:
        public.file_complaint = original

    assert answers["first"].status_code == 200
    [complaint] = Complaint.objects.all()
    shown = answers["second"].content.decode()
    assert answers["second"].status_code == 200, (
        f"the second tap is answered {answers['second'].status_code}: solve the sum again"
    )
    assert complaint.tracking_number in shown


# == cases: a record form sent again after going back ============================================


@pytest.fixture
def case(household_factory, make_user, served_case):
    worker = make_user(Role.SOCIAL_WORKER, BOGOR)
    supervisor = make_user(Role.SUPERVISOR, BOGOR)
    return served_case(household_factory(VILLAGE), worker, supervisor, date.today())


@pytest.mark.django_db
def test_a_corrected_record_sent_again_with_the_same_form_is_written(case):
    """A social worker records the family's income for last month as Rp 1.000.000, sees the
    typo while the save is still under way (or after it, going Back to a page the browser
    restores), corrects it to Rp 1.500.000 and presses Save again — what the income form
    invites ("recording the same month again corrects it"). Both posts carry the page's one
    ``submission_key``, and ``submit_once`` fingerprints only the path, not what was posted:
    the second, *different* submission is taken for a replay of the first and answered with
    the first's redirect. Nothing is written and no message says so (the "Saved." message
    belongs to the write that did not run); the case keeps the wrong income, which counts
    towards graduation. The API refuses a key reused with another body (422, ``KeyReused``);
    the web form should do the same, or treat a changed form as a new submission."""
    from sejahtera.cases.models import IncomeRecord

    browser = logged_in(case.social_worker)
    url = f"/cases/{case.pk}/income/"
    key = hidden(browser.get(url).content.decode(), "submission_key")
    month = (date.today().replace(day=1) - timedelta(days=1)).replace(day=1)

    typed = {"month": month.isoformat(), "amount": "1000000", "submission_key": key}
    saved = browser.post(url, typed, follow=True)  # the case page, "Saved."
    assert [str(m) for m in saved.context["messages"]] == ["Tersimpan."]
    corrected = browser.post(url, typed | {"amount": "1500000"}, follow=True)

    told = [str(m) for m in corrected.context["messages"]] if corrected.context else []
    record = IncomeRecord.objects.get(case=case)
    assert record.amount == 1_500_000 or told, (
        f"the corrected income was dropped silently (still Rp {record.amount})"
    )


# == checked, and holding ========================================================================


@pytest.mark.django_db
def test_holds_batches_built_and_a_result_file_imported_twice_send_and_settle_once(
    enrolled, manager, client
):
    """Checked: "Buat batch" posted twice sends each payable line once (the second finds
    nothing left), and the same result file uploaded twice settles once (recognised by its
    SHA-256). Opening the same cycle twice adds nothing (tests/programmes/test_cycles.py)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from sejahtera.domain.disbursement import reference
    from sejahtera.programmes import cycles
    from sejahtera.programmes.models import Batch, LedgerEntry, Payment, ResultImport

    cycle = cycles.open_cycle(manager, "SEMBAKO", JULY)
    client.force_login(manager)
    for _ in range(2):
        assert client.post(f"/programmes/cycles/{cycle.pk}/batches/").status_code == 302
    payments = Payment.objects.filter(batch__cycle=cycle)
    assert payments.count() == payments.values("entitlement").distinct().count() > 0
    batch = Batch.objects.filter(cycle=cycle).first()

    rows = ["reference,account,amount,status,reason,paid_on"] + [
        f"{reference(p.pk)},{p.account_number},{p.amount},paid,,2026-07-20"
        for p in batch.payments.all()
    ]
    content = ("\n".join(rows) + "\n").encode()
    for _ in range(2):
        upload = SimpleUploadedFile("result.csv", content, content_type="text/csv")
        assert client.post(f"/programmes/batches/{batch.pk}/", {"file": upload}).status_code == 302
    assert ResultImport.objects.filter(batch=batch).count() == 1
    assert set(batch.payments.values_list("status", flat=True)) == {"paid"}
    assert LedgerEntry.objects.filter(kind="paid").count() == batch.payments.count()


@pytest.mark.django_db
def test_holds_a_case_move_posted_twice_moves_once(case):
    """Checked: a double click on a case's move is guarded by the case's version: one move,
    one event; the second POST is sent back with the form (the move is no longer offered, or
    "someone else moved this case meanwhile"), not a second step or a 500.
    (Transfers, graduation decisions and referral steps are guarded likewise, and covered in
    tests/test_concurrent_writes.py.)"""
    from sejahtera.cases.models import CaseEvent

    browser = logged_in(case.social_worker)
    form = {"to_stage": "closed", "reason": "the family moved away", "version": case.version}
    responses = [browser.post(f"/cases/{case.pk}/", form) for _ in range(2)]

    case.refresh_from_db()
    assert responses[0].status_code == 302
    assert responses[1].status_code in (200, 422)  # sent back: no such move from "closed"
    assert case.events.filter(kind=CaseEvent.Kind.MOVED, to_stage=case.stage).count() == 1
