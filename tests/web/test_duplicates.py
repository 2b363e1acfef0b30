"""The review queue of possible duplicates: who sees it, what a pair page shows, and a verdict
recorded from the page."""

import pytest

from sejahtera.accounts import access
from sejahtera.accounts.models import ROLE_SCOPE_LEVEL, Role, SensitiveAccess
from sejahtera.registry.models import DuplicateCandidate

pytestmark = pytest.mark.django_db
HOME = {"village": "3201011002", "regency": "3201", "province": "32"}
ELSEWHERE = {"village": "1101012001", "regency": "1101", "province": "11"}


@pytest.fixture
def pair(linked_pair):
    return linked_pair


def user_of(make_user, role, regions=HOME):
    level = ROLE_SCOPE_LEVEL[role]
    return make_user(role, regions[level] if level else None)


@pytest.mark.parametrize("role", list(Role))
def test_the_queue_opens_to_the_offices_and_administrators_only(client, make_user, pair, role):
    client.force_login(user_of(make_user, role))
    allowed = role in access.DUPLICATE_REVIEWERS
    assert client.get("/registry/duplicates/").status_code == (200 if allowed else 403)
    assert client.get(f"/registry/duplicates/{pair.pk}/").status_code == (200 if allowed else 403)
    response = client.post(
        f"/registry/duplicates/{pair.pk}/", {"verdict": "same", "note": "seen the KTP"}
    )
    assert response.status_code == (302 if allowed else 403)
    pair.refresh_from_db()
    assert (pair.status == DuplicateCandidate.Status.SAME_PERSON) == allowed


@pytest.mark.parametrize("role", sorted(access.DUPLICATE_REVIEWERS - {Role.ADMINISTRATOR}))
def test_an_office_elsewhere_neither_sees_nor_reviews_the_pair(client, make_user, pair, role):
    client.force_login(user_of(make_user, role, ELSEWHERE))
    assert client.get("/registry/duplicates/").context["rows"] == []
    assert client.get(f"/registry/duplicates/{pair.pk}/").status_code == 404
    response = client.post(f"/registry/duplicates/{pair.pk}/", {"verdict": "same", "note": "x"})
    assert response.status_code == 404
    pair.refresh_from_db()
    assert pair.status == DuplicateCandidate.Status.OPEN


def test_the_pair_page_shows_both_records_and_the_evidence_in_indonesian(client, make_user, pair):
    office = make_user(Role.DISTRICT_OFFICE, "3201")
    client.force_login(office)
    queue = client.get("/registry/duplicates/", HTTP_ACCEPT_LANGUAGE="id").content.decode()
    assert "Hj. Siti Aminah" in queue
    assert "0,999" in queue or "0.999" in queue
    page = client.get(f"/registry/duplicates/{pair.pk}/", HTTP_ACCEPT_LANGUAGE="id")
    text = page.content.decode()
    assert "Siti Aminah" in text
    assert "Hj. Siti Aminah" in text
    assert "nama sama" in text  # "same name"
    assert "tidak ada pada salah satu" in text  # a NIK missing on one side
    evidence = {row.label: row.verdict for row in page.context["evidence"]}
    assert evidence["NIK"] == "missing"
    assert evidence["Nama lengkap"] == "agree"
    logged = SensitiveAccess.objects.filter(user=office, entity="person").last()
    assert set(logged.record_ids) == {pair.person_id, pair.other_id}


def test_a_review_without_a_reason_is_refused_on_the_page(client, make_user, pair):
    client.force_login(make_user(Role.DISTRICT_OFFICE, "3201"))
    response = client.post(f"/registry/duplicates/{pair.pk}/", {"verdict": "different"})
    assert response.status_code == 400
    pair.refresh_from_db()
    assert pair.status == DuplicateCandidate.Status.OPEN
    client.post(f"/registry/duplicates/{pair.pk}/", {"verdict": "different", "note": "twins"})
    pair.refresh_from_db()
    assert (pair.status, pair.review_note) == (DuplicateCandidate.Status.DIFFERENT_PERSONS, "twins")
    reviewed = client.get("/registry/duplicates/?status=different_persons").context["rows"]
    assert [c for c, _, _ in reviewed] == [pair]


def test_bulk_confirmation_is_for_administrators(client, make_user, pair):
    client.force_login(make_user(Role.PROVINCIAL_OFFICE, "32"))
    assert client.get("/registry/duplicates/").context["bulk_form"] is None
    body = {"threshold": "0.99", "note": "sampled 50 pairs"}
    assert client.post("/registry/duplicates/confirm/", body).status_code == 403
    client.force_login(make_user(Role.ADMINISTRATOR))
    assert client.post("/registry/duplicates/confirm/", body).status_code == 302
    pair.refresh_from_db()
    assert pair.status == DuplicateCandidate.Status.SAME_PERSON


def test_an_office_merges_the_pair_from_its_page_and_undoes_it(client, make_user, pair):
    client.force_login(make_user(Role.DISTRICT_OFFICE, "3201"))
    page = client.get(f"/registry/duplicates/{pair.pk}/", HTTP_ACCEPT_LANGUAGE="id")
    assert page.context["merge_form"] is not None
    assert "Gabungkan" in page.content.decode()
    url = f"/registry/duplicates/{pair.pk}/merge/"
    assert client.post(url, {"survivor": pair.person_id}).status_code == 302  # no reason
    assert not pair.other.merged_into_id
    client.post(url, {"survivor": pair.person_id, "note": "same KTP"})
    pair.other.refresh_from_db()
    assert pair.other.merged_into_id == pair.person_id
    page = client.get(f"/registry/duplicates/{pair.pk}/")
    assert page.context["merge"].survivor_id == pair.person_id
    assert page.context["merge_form"] is None
    client.post(f"/registry/duplicates/{pair.pk}/unmerge/", {"note": "two sisters"})
    pair.other.refresh_from_db()
    assert pair.other.merged_into_id is None
    assert client.get(f"/registry/duplicates/{pair.pk}/").context["merge"] is None


@pytest.mark.parametrize("action", ["merge", "unmerge"])
def test_merging_follows_the_review_rules(client, make_user, pair, action):
    body = {"survivor": pair.person_id, "note": "x"}
    client.force_login(make_user(Role.SOCIAL_WORKER, "3201"))
    assert client.post(f"/registry/duplicates/{pair.pk}/{action}/", body).status_code == 403
    client.force_login(make_user(Role.DISTRICT_OFFICE, "3273"))
    assert client.post(f"/registry/duplicates/{pair.pk}/{action}/", body).status_code == 404
    pair.other.refresh_from_db()
    assert pair.other.merged_into_id is None


def test_a_pair_page_shows_the_other_pairs_of_its_persons(
    client, make_user, pair, household_factory
):
    third = household_factory(
        "3201011003",
        [
            {
                "full_name": "Siti Aminah",
                "sex": "P",
                "birth_date": "1980-05-04",
                "relationship": "head",
            }
        ],
    ).members.get()
    other = DuplicateCandidate.objects.create(
        person=pair.other,
        other=third,
        reason=DuplicateCandidate.Reason.LINKAGE,
        match_probability=0.95,
    )
    client.force_login(make_user(Role.DISTRICT_OFFICE, "3201"))
    group = client.get(f"/registry/duplicates/{pair.pk}/").context["group"]
    assert [candidate for candidate, _, _ in group] == [other]
    assert [c for c, _, _ in client.get(f"/registry/duplicates/{other.pk}/").context["group"]] == [
        pair
    ]


def test_the_pair_page_marks_the_record_an_import_holds(client, make_user, pair):
    """The second record an import held is no record of the registry until reviewed: the
    pair page is where the office sees it, marked as held."""
    pair.other.held_for_review = True
    pair.other.save(update_fields=["held_for_review"])
    client.force_login(make_user(Role.DISTRICT_OFFICE, "3201"))
    page = client.get(f"/registry/duplicates/{pair.pk}/", HTTP_ACCEPT_LANGUAGE="id")
    assert page.content.decode().count("data-held") == 1
    assert "ditahan untuk ditinjau" in page.content.decode()


def test_the_household_page_says_a_member_is_held_and_shows_no_more_of_them(
    client, make_user, pair
):
    pair.other.held_for_review = True
    pair.other.save(update_fields=["held_for_review"])
    client.force_login(make_user(Role.DISTRICT_OFFICE, "3201"))
    page = client.get(f"/registry/households/{pair.other.household_id}/")
    assert page.context["held_members"] == 1
    assert pair.other.pk not in [m.pk for m in page.context["members"]]
    assert 'id="held"' in page.content.decode()
