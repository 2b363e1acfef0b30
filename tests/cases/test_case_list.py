"""The case list as offices work from it: the family named, the stage in Indonesian, days in
stage and the next step; filters, search, sorting and pages; bad parameters are a clear 400."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from sejahtera.cases import services
from sejahtera.cases.models import FollowUp
from sejahtera.domain.cases import Stage

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ID = {"HTTP_ACCEPT_LANGUAGE": "id"}


@pytest.fixture
def second_case(household_factory, worker, supervisor, make_user):
    """Another family in Bogor, carried by another social worker."""
    other_worker = make_user("social_worker", "3201")
    family = household_factory(
        "3201011001",
        members=[
            {
                "full_name": "Agus Salim",
                "sex": "L",
                "birth_date": "1970-02-03",
                "relationship": "head",
                "nik": "3201010302700002",
            }
        ],
    )
    return services.open_case(
        actor=other_worker,
        household=family,
        social_worker=other_worker,
        supervisor=supervisor,
        today=date.today() - timedelta(days=40),
    )


def listed(page) -> list[int]:
    return [int(pk) for pk in re.findall(r'<tr data-case="(\d+)"', page.content.decode())]


def test_a_district_office_sees_the_cases_in_its_region_by_family(client, make_user, case, move):
    move(case, Stage.PROTECTION, today=date.today() - timedelta(days=12))
    client.force_login(make_user("district_office", "3201"))
    page = client.get("/cases/", **ID).content.decode()
    assert "Kasus di wilayah saya" in page
    row = re.search(rf'<tr data-case="{case.pk}".*?</tr>', page, re.S)[0]
    assert "Siti Aminah" in row
    assert "Karadenan" in row
    assert "Perlindungan" in row
    assert ">12<" in row


def test_a_social_worker_still_sees_my_work(client, worker, case):
    client.force_login(worker)
    assert "Pekerjaan saya" in client.get("/cases/", **ID).content.decode()


def test_filters_narrow_the_list(client, make_user, case, second_case, move):
    move(case, Stage.PROTECTION)
    FollowUp.objects.create(case=second_case, due_on=date.today() - timedelta(days=3))
    client.force_login(make_user("district_office", "3201"))
    assert set(listed(client.get("/cases/"))) == {case.pk, second_case.pk}
    assert listed(client.get("/cases/", {"stage": "protection"})) == [case.pk]
    assert listed(client.get("/cases/", {"worker": second_case.social_worker_id})) == [
        second_case.pk
    ]
    assert listed(client.get("/cases/", {"overdue": "1"})) == [second_case.pk]
    assert listed(client.get("/cases/", {"region": "3201011002"})) == [case.pk]


def test_search_by_name_nik_with_spaces_kk_and_case_number(client, make_user, case, second_case):
    client.force_login(make_user("district_office", "3201"))
    assert listed(client.get("/cases/", {"q": "agus"})) == [second_case.pk]
    assert listed(client.get("/cases/", {"q": "3201 0145 0890 0001"})) == [case.pk]
    assert listed(client.get("/cases/", {"q": str(second_case.pk)})) == [second_case.pk]
    assert listed(client.get("/cases/", {"q": "nobody by this name"})) == []


def test_columns_sort_both_ways(client, make_user, case, second_case):
    client.force_login(make_user("district_office", "3201"))
    assert listed(client.get("/cases/", {"sort": "family"})) == [second_case.pk, case.pk]
    assert listed(client.get("/cases/", {"sort": "-family"})) == [case.pk, second_case.pk]
    # the case opened in March has been in its stage longer than the one opened 40 days ago
    assert listed(client.get("/cases/", {"sort": "days"})) == [second_case.pk, case.pk]
    assert listed(client.get("/cases/", {"sort": "-days"})) == [case.pk, second_case.pk]
    heading = client.get("/cases/", {"sort": "family", "stage": ""}).content.decode()
    assert 'aria-sort="ascending"><a href="?sort=-family' in heading


def test_the_list_pages(client, make_user, case, second_case, monkeypatch):
    from sejahtera.web.views import cases as views

    monkeypatch.setattr(views, "CASES_PER_PAGE", 1)
    client.force_login(make_user("district_office", "3201"))
    first = client.get("/cases/", {"sort": "case"})
    second = client.get("/cases/", {"sort": "case", "page": "2"})
    assert listed(first) + listed(second) == [case.pk, second_case.pk]
    assert "page=2" in first.content.decode()
    assert "sort=case" in first.content.decode()


def test_a_region_outside_the_scope_says_so(client, make_user, case):
    client.force_login(make_user("district_office", "3201"))
    page = client.get("/cases/", {"region": "3273"}, **EN)
    assert listed(page) == []
    assert "outside your area" in page.content.decode()


@pytest.mark.parametrize(
    "query",
    [{"sort": "password"}, {"stage": "heaven"}, {"worker": "x"}, {"region": "321"}],
)
def test_bad_parameters_are_a_400(client, make_user, query):
    client.force_login(make_user("district_office", "3201"))
    assert client.get("/cases/", query).status_code == 400


def test_a_region_is_found_by_its_name(client, make_user, case):
    client.force_login(make_user("district_office", "3201"))
    found = client.get("/cases/", {"region": "Karadenan"}, **EN).content.decode()
    assert f'data-case="{case.pk}"' in found
    elsewhere = client.get("/cases/", {"region": "Pabuaran"}, **EN).content.decode()
    assert f'data-case="{case.pk}"' not in elsewhere


def test_due_visits_and_pending_approvals_name_the_family(client, worker, supervisor, case, move):
    move(case, Stage.PROTECTION)
    FollowUp.objects.create(case=case, due_on=date.today() + timedelta(days=5))
    client.force_login(worker)
    due = client.get("/cases/", **EN).content.decode()
    assert re.search(r'data-follow-up="\d+"><a [^>]*>Siti Aminah</a>', due)
    assert "Follow-up visit by" in due
    services.propose_graduation(
        actor=worker, case=case, type="paksa", evidence="verified", today=date.today()
    )
    client.force_login(supervisor)
    team = client.get("/cases/team/", **EN).content.decode()
    assert re.search(r"data-graduation=\"\d+\">.*?Siti Aminah", team, re.S)
    listing = client.get("/cases/", **EN).content.decode()
    assert "Graduation waits for approval" in listing


@pytest.mark.parametrize(
    ("role", "region", "status", "sees"),
    [
        ("district_office", "3201", 200, True),
        ("provincial_office", "32", 200, True),
        ("district_office", "3273", 200, False),
        ("social_worker", "3201", 200, False),  # not carrying it
        ("supervisor", "3273", 200, False),
        ("administrator", None, 200, True),
        ("ministry_analyst", None, 403, False),
        ("village_operator", "3201011002", 403, False),
        ("partner_agency", None, 403, False),
        ("auditor", None, 403, False),
    ],
)
def test_who_sees_the_case_in_a_list(client, make_user, case, role, region, status, sees):
    client.force_login(make_user(role, region))
    for query in ({}, {"q": "Siti"}, {"q": "3201014508900001"}):
        page = client.get("/cases/", query)
        assert page.status_code == status
        assert (f'data-case="{case.pk}"' in page.content.decode()) is sees


def test_families_in_extreme_poverty_are_marked_and_can_be_listed_alone(
    client, make_user, case, second_case
):
    from sejahtera.targeting.models import HouseholdResult
    from sejahtera.targeting.rules import default_rules_text
    from sejahtera.targeting.services import run_targeting_for_registry

    everyone = default_rules_text().replace("line = 390_000", "line = 100_000_000")
    run = run_targeting_for_registry(date.today(), rules_text=everyone)
    HouseholdResult.objects.filter(run=run, household=second_case.household).update(
        extreme_poor=False
    )
    client.force_login(make_user("district_office", "3201"))
    page = client.get("/cases/", **ID)
    text = page.content.decode()
    assert text.count("data-extreme-poor") == 1
    assert "kemiskinan ekstrem" in text
    assert listed(client.get("/cases/?extreme_poor=1", **ID)) == [case.pk]
    assert sorted(listed(page)) == sorted([case.pk, second_case.pk])
