"""The registry's data-quality rules: each finds its planted case and nothing else, within the
reader's region, and its list downloads as a logged CSV."""

from __future__ import annotations

from datetime import date

import pytest

from sejahtera.accounts.models import SensitiveAccess
from sejahtera.cases import services
from sejahtera.domain import quality
from sejahtera.registry.models import Person, ReferenceList, ReferenceListEntry
from sejahtera.targeting.models import Decision, TargetingRun

pytestmark = pytest.mark.django_db
BOGOR_VILLAGE, BANDUNG_VILLAGE = "3201011002", "3273011001"


def member(name, birth, relationship, sex="P"):
    return {"full_name": name, "sex": sex, "birth_date": birth, "relationship": relationship}


@pytest.fixture
def planted(household_factory, make_user):
    """One household (or person, or case) of Kabupaten Bogor breaking each rule, a clean one,
    and a Bandung household sharing a NIK with Bogor."""
    household_factory(
        BOGOR_VILLAGE,
        members=[member("Bersih", "1980-01-01", "head"), member("Anak", "2010-01-01", "child")],
    )

    def one(*members):
        return household_factory(BOGOR_VILLAGE, members=list(members))

    inconsistent = one(member("Salah NIK", "1985-03-03", "head"))
    Person.objects.filter(household=inconsistent).update(nik_warnings="NIK_SEX_MISMATCH")
    shared_here = one(member("Dua Rumah", "1975-05-05", "head"))
    shared_there = household_factory(
        BANDUNG_VILLAGE, members=[member("Dua Rumah", "1975-05-05", "head")]
    )
    Person.objects.filter(household__in=[shared_here, shared_there]).update(nik="3201014505750001")
    twice = one(member("Kembar", "1970-01-01", "head"), member("Kembar B", "1972-01-01", "spouse"))
    Person.objects.filter(household=twice).update(nik="3201014101700001")
    headless = one(member("Tanpa Kepala", "1980-01-01", "head"))
    Person.objects.filter(household=headless).update(relationship="other")
    two_heads = one(
        member("Kepala A", "1980-01-01", "head"), member("Kepala B", "1981-01-01", "spouse")
    )
    Person.objects.filter(household=two_heads).update(relationship="head")
    one(member("Ibu Muda", "2000-01-01", "head"), member("Anak Muda", "2008-06-01", "child"))
    one(member("Suami", "1990-01-01", "head", "L"), member("Istri", "2015-01-01", "spouse"))
    dead = one(member("Almarhum", "1950-01-01", "head"))
    Person.objects.filter(household=dead).update(deceased_date=date(2026, 1, 1))
    run = TargetingRun.objects.create(as_of=date(2026, 3, 1), rules_text="", status="completed")
    Decision.objects.create(
        run=run,
        household=dead,
        person=dead.members.get(),
        region_code=BOGOR_VILLAGE,
        programme="PBI_JK",
        eligible=True,
    )
    on_death_list = one(member("Tercatat Wafat", "1960-02-02", "head"))
    Person.objects.filter(household=on_death_list).update(nik="3201014202600001")
    officer = one(member("Pegawai Negeri", "1982-03-03", "head"))
    Person.objects.filter(household=officer).update(nik="3201014303820001")
    deaths = ReferenceList.objects.create(kind=ReferenceList.Kind.DEATHS, source_name="d.csv")
    civil = ReferenceList.objects.create(
        kind=ReferenceList.Kind.CIVIL_SERVANTS, source_name="c.csv"
    )
    ReferenceListEntry.objects.bulk_create(
        [
            ReferenceListEntry(reference_list=deaths, nik="3201014202600001"),
            # already recorded as dead in the registry: nothing to correct
            ReferenceListEntry(reference_list=deaths, nik="3201014101500001"),
            ReferenceListEntry(reference_list=civil, nik="3201014303820001"),
        ]
    )
    Person.objects.filter(household=dead).update(nik="3201014101500001")
    worker = make_user("social_worker", "3201")
    services.open_case(
        actor=worker, household=dead, social_worker=worker, supervisor=None, today=date(2025, 12, 1)
    )
    return {"dead": dead, "shared_here": shared_here, "shared_there": shared_there}


EXPECTED = {
    "QUALITY_NIK_INCONSISTENT": 1,
    "QUALITY_NIK_IN_TWO_HOUSEHOLDS": 1,  # the Bandung one is not the Bogor office's
    "QUALITY_NIK_TWICE_IN_HOUSEHOLD": 2,
    "QUALITY_NO_HEAD": 2,  # the headless household, and the dead man's (no living head)
    "QUALITY_ON_DEATH_LIST": 1,
    "QUALITY_CIVIL_SERVANT": 1,
    "QUALITY_SEVERAL_HEADS": 1,
    "QUALITY_PARENT_TOO_YOUNG": 1,
    "QUALITY_SPOUSE_UNDER_16": 1,
    "QUALITY_DECEASED_WITH_DECISION": 1,
    "QUALITY_OPEN_CASE_NO_LIVING_MEMBER": 1,
}


def test_each_rule_finds_its_planted_case_and_nothing_else(client, planted, make_user):
    client.force_login(make_user("district_office", "320101"))
    page = client.get("/registry/quality/", HTTP_ACCEPT_LANGUAGE="id")
    counts = {row["rule"].code: row["count"] for row in page.context["rows"]}
    assert counts == EXPECTED
    assert set(counts) == {rule.code for rule in quality.RULES}
    assert "Satu NIK di dua rumah tangga" in page.content.decode()


def test_the_counts_by_region_add_up_to_the_rules(client, planted, make_user):
    client.force_login(make_user("district_office", "3201"))  # Kabupaten Bogor: its districts
    page = client.get("/registry/quality/")
    codes = [row["rule"].code for row in page.context["rows"]]
    assert page.context["areas"] == [
        {"code": "320101", "name": "Cibinong", "counts": [EXPECTED[code] for code in codes]}
    ]
    client.force_login(make_user("ministry_analyst"))  # the whole country: its provinces
    areas = client.get("/registry/quality/").context["areas"]
    assert [(a["code"], a["name"]) for a in areas] == [("32", "Jawa Barat")]


def test_another_region_sees_its_own_records_only(client, planted, make_user):
    client.force_login(make_user("district_office", "327301"))  # Bandung
    counts = {r["rule"].code: r["count"] for r in client.get("/registry/quality/").context["rows"]}
    assert counts["QUALITY_NIK_IN_TWO_HOUSEHOLDS"] == 1  # its own half of the shared NIK
    assert sum(counts.values()) == 1


def test_a_rule_downloads_as_a_logged_csv(client, planted, make_user):
    office = make_user("district_office", "320101")
    client.force_login(office)
    response = client.get("/registry/quality/QUALITY_NIK_IN_TWO_HOUSEHOLDS.csv")
    lines = b"".join(response.streaming_content).decode().splitlines()
    here = planted["shared_here"]
    person = here.members.get()
    assert lines == [
        "household_id,person_id,full_name,nik,village_code",
        f"{here.external_id},{person.pk},Dua Rumah,3201014505750001,{BOGOR_VILLAGE}",
    ]
    read = SensitiveAccess.objects.get(user=office)
    assert (read.entity, read.record_ids) == ("person", [person.pk])
    assert client.get("/registry/quality/QUALITY_BOGUS.csv").status_code == 404


def test_the_case_rule_is_for_those_who_read_cases(client, planted, make_user):
    analyst = make_user("ministry_analyst")
    client.force_login(analyst)
    codes = {r["rule"].code for r in client.get("/registry/quality/").context["rows"]}
    assert "QUALITY_OPEN_CASE_NO_LIVING_MEMBER" not in codes
    assert client.get("/registry/quality/QUALITY_OPEN_CASE_NO_LIVING_MEMBER.csv").status_code == 403
    client.force_login(make_user("partner_agency", organisation="Kementerian UMKM"))
    assert client.get("/registry/quality/").status_code == 403
