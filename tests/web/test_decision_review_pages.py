"""Objections to an automated decision on the web: taken in from the decision on the household
page, decided by another person of the social office on the review page, followed by the
person on the public tracking page and in their copy of their data."""

import json
from datetime import date

import pytest
from tests.web.test_public_pages import solved

from sejahtera.accounts.models import AuditEntry, Role
from sejahtera.targeting.models import Decision, DecisionReview
from sejahtera.targeting.services import run_targeting_for_registry

pytestmark = pytest.mark.django_db
VILLAGE = "3201011002"
NIK = "3201014508900001"  # the household factory's head, Siti Aminah


@pytest.fixture
def decided(household_factory):
    household = household_factory(VILLAGE)
    run = run_targeting_for_registry(date(2026, 7, 1))
    return Decision.objects.get(run=run, household=household, programme="SEMBAKO")


@pytest.fixture
def staff(make_user):
    return {
        "clerk": make_user(Role.VILLAGE_OPERATOR, VILLAGE),
        "office": make_user(Role.DISTRICT_OFFICE, "3201"),
    }


def object_to(client, decision, **fields):
    form = {"requester_name": "Siti Aminah", "requester_nik": NIK, "grounds": "Suami sakit"}
    return client.post(f"/targeting/decisions/{decision.pk}/object/", form | fields, follow=True)


def test_an_objection_taken_in_and_overturned(client, decided, staff):
    client.force_login(staff["clerk"])
    household_page = client.get(f"/registry/households/{decided.household_id}/").content.decode()
    assert f"/targeting/decisions/{decided.pk}/object/" in household_page
    form = client.get(f"/targeting/decisions/{decided.pk}/object/")
    assert "SEMBAKO" in form.content.decode()
    # the reasons tell of the household's members: the read is theirs, in their copies
    members = list(decided.household.members.values_list("pk", flat=True))
    assert AuditEntry.objects.filter(entity="person_decision", record_ids=members).exists()

    answer = object_to(client, decided)
    review = DecisionReview.objects.get()
    assert answer.redirect_chain[-1][0] == f"/decision-reviews/{review.pk}/"
    assert review.tracking_number in answer.content.decode()
    # the clerk reads it but does not decide it
    assert 'name="verdict"' not in answer.content.decode()
    household_page = client.get(f"/registry/households/{decided.household_id}/").content.decode()
    assert 'data-review="open"' in household_page
    assert f"/targeting/decisions/{decided.pk}/object/" not in household_page

    client.force_login(staff["office"])
    waiting = client.get("/decision-reviews/").content.decode()
    assert review.tracking_number in waiting
    client.post(
        f"/decision-reviews/{review.pk}/",
        {"verdict": "overturned", "note": "Dikunjungi: suami sakit, tidak bekerja"},
    )
    review.refresh_from_db()
    assert review.status == DecisionReview.Status.OVERTURNED
    assert review.reviewed_by == staff["office"]

    # the person follows it by its number and their NIK
    client.logout()
    found = client.post(
        "/layanan/lacak/",
        {"number": review.tracking_number, "nik": NIK, "name": "Siti Aminah", **solved()},
    ).content.decode()
    assert f'data-tracking="{review.tracking_number}"' in found
    assert "Dikunjungi: suami sakit" in found


def test_a_refused_objection_says_why(client, decided, staff):
    client.force_login(staff["clerk"])
    answer = object_to(client, decided, grounds="  ")
    assert answer.status_code == 400
    assert DecisionReview.objects.count() == 0
    object_to(client, decided)
    again = client.post(
        f"/targeting/decisions/{decided.pk}/object/",
        {"requester_name": "Siti", "grounds": "lagi"},
    )
    assert again.status_code == 400
    assert "menunggu peninjau" in again.content.decode()
    assert DecisionReview.objects.count() == 1


def test_whoever_took_it_in_cannot_decide_it(client, decided, make_user):
    admin = make_user(Role.ADMINISTRATOR)
    client.force_login(admin)
    object_to(client, decided)
    review = DecisionReview.objects.get()
    answer = client.post(f"/decision-reviews/{review.pk}/", {"verdict": "upheld", "note": "x"})
    assert "yang menerima keberatan tidak dapat meninjaunya" in answer.content.decode()
    review.refresh_from_db()
    assert review.status == DecisionReview.Status.OPEN


@pytest.mark.parametrize(
    ("role", "region", "status"),
    [
        (Role.MINISTRY_ANALYST, None, 403),
        (Role.AUDITOR, None, 403),
        (Role.PARTNER_AGENCY, None, 403),
        (Role.VILLAGE_OPERATOR, "3273011001", 404),
        (Role.DISTRICT_OFFICE, "3273", 404),
    ],
)
def test_who_may_not_see_them(client, decided, staff, make_user, role, region, status):
    client.force_login(staff["clerk"])
    object_to(client, decided)
    review = DecisionReview.objects.get()
    client.force_login(make_user(role, region))
    assert client.get(f"/decision-reviews/{review.pk}/").status_code == status
    assert client.post(f"/targeting/decisions/{decided.pk}/object/").status_code == status
    if status == 403:
        assert client.get("/decision-reviews/").status_code == 403
    else:
        assert review.tracking_number not in client.get("/decision-reviews/").content.decode()


def test_the_persons_copy_of_their_data_holds_the_objection(client, decided, staff):
    client.force_login(staff["clerk"])
    object_to(client, decided)
    person = decided.household.members.get()
    client.force_login(staff["office"])
    data = json.loads(client.get(f"/registry/persons/{person.pk}/personal-data.json").content)
    [review] = data["targeting"]["reviews"]
    assert review["programme"] == "SEMBAKO"
    assert review["requester_nik"] == NIK
    assert review["status"] == "open"
    assert "facts" not in review


def test_a_person_objects_on_the_public_page(client, decided, staff):
    form = {
        "nik": NIK,
        "name": "siti aminah",
        "programme": "SEMBAKO",
        "grounds": "Suami sakit, tidak bekerja",
    }
    page = client.get("/layanan/keberatan/").content.decode()
    assert 'value="SEMBAKO"' in page
    filed = client.post("/layanan/keberatan/", form | solved())
    review = DecisionReview.objects.get()
    assert (review.filed_by, review.requester_nik, review.decision) == (None, NIK, decided)
    assert f">{review.tracking_number}<" in filed.content.decode()
    # one answer for a wrong name and for a NIK with no such decision
    for wrong in ({"name": "Siti Lain"}, {"nik": "3201014508900009"}):
        answer = client.post("/layanan/keberatan/", form | wrong | solved())
        assert answer.status_code == 400
        assert 'id="no-match"' in answer.content.decode()
    # already under review: the same one answer, telling nothing of the decision
    again = client.post("/layanan/keberatan/", form | solved())
    assert again.status_code == 400
    assert 'id="no-match"' in again.content.decode()
    assert DecisionReview.objects.count() == 1
    # an office takes it in (checking who filed it); another person reviews it
    client.force_login(staff["clerk"])
    household_page = client.get(f"/registry/households/{decided.household_id}/").content.decode()
    assert 'data-review="received"' in household_page
    assert f"/targeting/decisions/{decided.pk}/object/" not in household_page
    page = client.get(f"/decision-reviews/{review.pk}/").content.decode()
    assert 'name="take_in"' in page
    assert 'name="verdict"' not in page
    client.post(f"/decision-reviews/{review.pk}/", {"take_in": "1"})
    review.refresh_from_db()
    assert (review.status, review.filed_by) == (DecisionReview.Status.OPEN, staff["clerk"])
    client.force_login(staff["office"])
    client.post(f"/decision-reviews/{review.pk}/", {"verdict": "upheld", "note": "Data benar"})
    review.refresh_from_db()
    assert review.status == DecisionReview.Status.UPHELD


def test_the_office_is_told_how_to_reach_whoever_objected(client, decided, staff):
    """Was a defect: the office was to check "by phone" who filed an objection that asked for
    no phone, and the person was not told that anyone would check."""
    form = {"nik": NIK, "name": "Siti Aminah", "programme": "SEMBAKO", "grounds": "Suami sakit"}
    filed = client.post("/layanan/keberatan/", form | {"phone": " 0812-3456-7890 "} | solved())
    assert 'id="next-step"' in filed.content.decode()
    assert "menelepon nomor" in filed.content.decode()
    review = DecisionReview.objects.get()
    assert review.requester_phone == "0812-3456-7890"
    client.force_login(staff["clerk"])
    page = client.get(f"/decision-reviews/{review.pk}/").content.decode()
    assert '<span id="requester-phone">0812-3456-7890</span>' in page
    assert "lewat telepon atau di kantor" in page
    # without a phone the office is told to wait for the person at the office
    DecisionReview.objects.filter(pk=review.pk).update(requester_phone="")
    page = client.get(f"/decision-reviews/{review.pk}/").content.decode()
    assert 'id="requester-phone"' not in page
    assert "datang ke kantor" in page


@pytest.mark.parametrize("junk", ["tidak ada", "-", "0812", "0812345678901234"])
def test_a_phone_the_office_could_not_call_is_refused(client, decided, junk):
    """Was a defect (found by a review): "tidak ada" or a dash in the optional phone was kept
    as the number the office is told to call."""
    form = {"nik": NIK, "name": "Siti Aminah", "programme": "SEMBAKO", "grounds": "Suami sakit"}
    answer = client.post("/layanan/keberatan/", form | {"phone": junk} | solved())
    assert answer.status_code == 400
    assert "Tulis nomor telepon dengan angka" in answer.content.decode()
    assert not DecisionReview.objects.exists()


def test_an_objection_page_before_any_decision_says_so(client, db):
    """Was a defect: before the first targeting run the form offered no programme and
    answered every objection with "this field is required"."""
    page = client.get("/layanan/keberatan/")
    assert 'id="nothing-decided"' in page.content.decode()
    assert 'name="grounds"' not in page.content.decode()
    form = {"nik": NIK, "name": "Siti Aminah", "programme": "SEMBAKO", "grounds": "x"}
    answer = client.post("/layanan/keberatan/", form | solved())
    assert answer.status_code == 200
    assert 'id="nothing-decided"' in answer.content.decode()
    assert DecisionReview.objects.count() == 0


def test_the_public_objection_counts_lookups_per_nik(client, decided, settings):
    settings.SEJAHTERA_PUBLIC_NIK_RATE = "1/hour"
    form = {"nik": NIK, "name": "Orang Lain", "programme": "SEMBAKO", "grounds": "x"}
    assert client.post("/layanan/keberatan/", form | solved()).status_code == 400
    assert client.post("/layanan/keberatan/", form | solved()).status_code == 429


def test_a_members_copy_leaves_out_what_another_member_told(client, household_factory, staff):
    spouse_nik = "3201010201880001"
    household = household_factory(
        VILLAGE,
        members=[
            {"full_name": "Siti Aminah", "sex": "P", "birth_date": "1990-08-05",
             "relationship": "head", "nik": NIK},
            {"full_name": "Budi Santoso", "sex": "L", "birth_date": "1988-01-02",
             "relationship": "spouse", "nik": spouse_nik},
        ],
    )  # fmt: skip
    run = run_targeting_for_registry(date(2026, 7, 1))
    decision = Decision.objects.get(run=run, household=household, programme="SEMBAKO")
    client.force_login(staff["clerk"])
    object_to(
        client,
        decision,
        grounds="Saya sakit berat dan tidak bisa bekerja",
        requester_phone="0812000111",
    )
    client.force_login(staff["office"])
    for nik, told in ((NIK, True), (spouse_nik, False)):
        person = household.members.get(nik=nik)
        data = client.get(f"/registry/persons/{person.pk}/personal-data.json").json()
        [review] = data["targeting"]["reviews"]
        assert review["status"] == "open"
        assert ("sakit berat" in review["grounds"]) is told
        assert (review["requester_phone"] == "0812000111") is told


def test_a_decision_of_a_household_that_moved_away_is_not_found(client, decided, staff, make_user):
    from sejahtera.registry.services.records import household_cells, update_household

    household = decided.household
    update_household(
        actor=make_user(Role.ADMINISTRATOR),
        household=household,
        cells=household_cells(household) | {"region_code": "3273011001"},
        expected_version=household.version,
    )
    client.force_login(staff["clerk"])
    assert client.get(f"/targeting/decisions/{decided.pk}/object/").status_code == 404
    run_targeting_for_registry(date(2026, 8, 1))
    client.force_login(make_user(Role.DISTRICT_OFFICE, "3273"))
    # a decision of an earlier run is not the current one: not found either
    assert client.get(f"/targeting/decisions/{decided.pk}/object/").status_code == 404
