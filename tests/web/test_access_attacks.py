"""The web app from an attacker's side: pages, downloads and public forms never show a
signed-in user (or anyone, on the public pages) what the permission model
(``accounts.access``) and the privacy rules (``registry.privacy``) keep from them. The first
six were defects found by a review, now fixed."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from tests.web.test_access_matrix_privacy import registered, runs  # noqa: F401 (fixtures)

from sejahtera.accounts.models import Role
from sejahtera.registry.privacy import MASK

pytestmark = pytest.mark.django_db
BOGOR_VILLAGE = "3201011002"
BANDUNG_VILLAGE = "3273011001"
CHILD_NAME = "Putri Kecil"
CHILD_NIK = "3201014203150001"


def member(name, birth, relationship, sex="P", nik=""):
    cells = {"full_name": name, "sex": sex, "birth_date": birth, "relationship": relationship}
    return cells | ({"nik": nik} if nik else {})


def _csv_rows(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.status_code
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


# -- 1. data-quality CSV: a child's name and NIK masked ------------------------------------


@pytest.fixture
def young_parent_family(household_factory):
    """A Bogor family breaking QUALITY_PARENT_TOO_YOUNG: its head born 2004, a child 2015
    (listed by the rule) — and a second family whose 'spouse' is 11 (QUALITY_SPOUSE_UNDER_16)."""
    household_factory(
        BOGOR_VILLAGE,
        members=[
            member("Ibu Muda", "2004-01-01", "head"),
            member(CHILD_NAME, "2015-03-02", "child", nik=CHILD_NIK),
        ],
    )
    household_factory(
        BOGOR_VILLAGE,
        members=[
            member("Suami", "1990-01-01", "head", sex="L"),
            member("Istri Anak", "2015-01-01", "spouse"),
        ],
    )


@pytest.mark.parametrize("role", [Role.MINISTRY_ANALYST, Role.AUDITOR, Role.PROGRAMME_MANAGER])
@pytest.mark.parametrize("rule", ["QUALITY_PARENT_TOO_YOUNG", "QUALITY_SPOUSE_UNDER_16"])
def test_quality_csv_masks_a_childs_identity_like_the_search_does(
    client, make_user, young_parent_family, role, rule
):
    """/registry/quality/<rule>.csv: two rules list children by construction; a ministry
    analyst, auditor or programme manager — for whom a child's name and NIK are masked on the
    household page and never matched by the search — downloads them masked too."""
    client.force_login(make_user(role))
    # the same reader's search does not even find the child
    search = client.get("/registry/", {"q": CHILD_NAME})
    assert search.status_code == 200
    assert list(search.context["rows"]) == []
    rows = _csv_rows(client.get(f"/registry/quality/{rule}.csv"))
    assert rows, "the rule lists its person"
    names = {row["full_name"] for row in rows}
    niks = {row["nik"] for row in rows}
    assert not names & {CHILD_NAME, "Istri Anak"}, names
    assert CHILD_NIK not in niks


# -- 2. a proposal's page masks a child's identity ------------------------------------------


@pytest.fixture
def proposed_family():
    """A new family proposed for Karadenan (Bogor): a mother and her daughter of ten."""
    from sejahtera.domain.participation import ProposalKind
    from sejahtera.grievances import proposals
    from sejahtera.grievances.proposals import ProposedChange
    from sejahtera.registry.models import Region

    return proposals.submit_proposal(
        change=ProposedChange(
            kind=ProposalKind.NEW_HOUSEHOLD,
            village=Region.objects.get(code=BOGOR_VILLAGE),
            household_cells={"address": "Jl. Melati 3"},
            member_cells=[
                member("Ibu Sari", "1985-07-01", "head", nik="3201014107850001"),
                member(CHILD_NAME, "2015-03-02", "child", nik=CHILD_NIK),
            ],
        ),
        proposer_name="Warga",
        proposer_nik="3201016007850002",
        submitted_on=date.today(),
    )


@pytest.mark.parametrize(
    ("role", "region"),
    [(Role.REGENT, "3201"), (Role.MINISTRY_ANALYST, None), (Role.AUDITOR, None)],
)
def test_proposal_page_masks_a_childs_identity_for_roles_that_may_not_read_it(
    client, make_user, proposed_family, role, region
):
    """/proposals/<pk>/ masks, for roles outside SPECIFIC_DATA_READERS (the regent, the
    ministry, auditors), the proposed members' specific columns and a child's name, NIK and
    birth date, as ``privacy.hidden_columns`` does everywhere else."""
    client.force_login(make_user(role, region))
    page = client.get(f"/proposals/{proposed_family.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Ibu Sari" in text  # the adult is shown, as on the household page
    assert CHILD_NAME not in text
    assert CHILD_NIK not in text


# -- 3. the targeting diff page is a logged read ---------------------------------------------


def test_targeting_diff_page_logs_the_specific_data_it_shows(client, make_user, runs):  # noqa: F811
    """/targeting/runs/<pk>/diff/ lists, for readers of specific data, each household
    entering or leaving a programme with reasons that name the members' vulnerable clusters
    (NAPZA_HIV, KORBAN_KEKERASAN): a logged read of those households, as its CSV is."""
    from sejahtera.accounts.models import SensitiveAccess

    office = make_user(Role.DISTRICT_OFFICE, "3201")
    client.force_login(office)
    run, base, family = runs["run"], runs["base"], runs["family"].pk

    # the CSV of the list is logged as an export of the households it names
    _csv_rows(client.get(f"/targeting/runs/{run.pk}/diff.csv?base={base.pk}"))
    exported = SensitiveAccess.objects.filter(user=office)
    assert any(family in entry.record_ids for entry in exported)
    last = exported.order_by("-id").first().id

    page = client.get(f"/targeting/runs/{run.pk}/diff/?base={base.pk}")
    assert page.status_code == 200
    assert "NAPZA_HIV" in page.content.decode()  # a member's drug use / HIV, by household
    read = SensitiveAccess.objects.filter(user=office, id__gt=last)
    assert any(family in entry.record_ids for entry in read), "the page read is not logged"


# -- 4. the public status page tells no member's cluster programme -------------------------


def _solved() -> dict[str, str]:
    import secrets

    from django.core import signing

    from sejahtera.web.public_guard import SALT

    token = signing.dumps({"sum": 7, "nonce": secrets.token_hex(8)}, salt=SALT)
    return {"challenge": token, "answer": "7"}


def test_public_status_never_tells_another_members_cluster_programme(
    client, household_factory, make_user
):
    """/layanan/cek-bansos/ (no sign-in) lists the household's programmes and the asker's
    own, never another member's: ATENSI enrols a person *because* of a vulnerable cluster
    (drug use, HIV, violence, disability), and anyone who knows the wife's NIK and KTP name —
    printed on the family card — would learn the husband's specific data."""
    from django.core.cache import cache

    from sejahtera.programmes.models import Decree, Enrolment
    from sejahtera.targeting.models import TargetingRun
    from sejahtera.targeting.rules import default_rules_text

    cache.clear()
    family = household_factory(
        BOGOR_VILLAGE,
        members=[
            member("Budi Suami", "1980-01-01", "head", sex="L", nik="3201010101800001"),
            member("Wati Istri", "1982-02-02", "spouse", nik="3201014202820001"),
        ],
    )
    husband = family.members.get(full_name="Budi Suami")
    run = TargetingRun.objects.create(
        as_of=date(2026, 1, 1), rules_text=default_rules_text(), status="completed"
    )
    decree = Decree.objects.create(
        programme="ATENSI", period_start=date(2026, 1, 1), run=run,
        prepared_by=make_user(Role.PROGRAMME_MANAGER),
    )  # fmt: skip
    Enrolment.objects.create(
        programme="ATENSI", subject=f"P{husband.pk}", household=family, person=husband,
        region_code=BOGOR_VILLAGE, started_on=date(2026, 1, 1), monthly_amount=100_000,
        yearly_amount=1_200_000, start_decree=decree,
    )  # fmt: skip
    response = client.post(
        "/layanan/cek-bansos/", {"nik": "3201014202820001", "name": "Wati Istri", **_solved()}
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert 'data-registered="yes"' in text
    assert "ATENSI" not in text


# -- 5. the personal-data copy holds the cases its maker may read --------------------------


@pytest.mark.parametrize(
    ("role", "region", "case_page"),
    [
        (Role.VILLAGE_OPERATOR, BOGOR_VILLAGE, 403),  # no part in case management at all
        (Role.SOCIAL_WORKER, "3201", 404),  # a colleague's case: not theirs to read
    ],
)
def test_subject_access_copy_gives_no_case_file_the_user_may_not_read(
    client, make_user, world, role, region, case_page
):
    """/registry/persons/<pk>/personal-data.json (and .pdf), open to every reader of specific
    data in the person's region, holds only the cases its maker may read
    (``access.case_filter``): a village operator (403 on /cases/<pk>/) and a social worker who
    does not carry the case (404) get no case file through the person's copy of their data."""
    client.force_login(make_user(role, region))
    case = world["pk"]["case"]
    assert client.get(f"/cases/{case}/").status_code == case_page
    assert client.get(f"/cases/{case}/file.pdf").status_code == case_page
    response = client.get(f"/registry/persons/{world['pk']['person']}/personal-data.json")
    assert response.status_code in (200, 403, 404)
    if response.status_code == 200:
        cases = response.json()["cases"]
        assert [c["id"] for c in cases if c.get("timeline")] == [], "the case file leaks"


def test_correction_page_masks_a_childs_identity_for_auditors(client, make_user, household_factory):
    """/corrections/<pk>/ is open to auditors (CORRECTION_READERS), who are no readers of
    specific data: a child's current name and the corrected one are masked for them, as on
    the household page."""
    from sejahtera.grievances.corrections import request_correction

    family = household_factory(
        BOGOR_VILLAGE,
        members=[
            member("Ibu Sari", "1985-07-01", "head", nik="3201014107850001"),
            member(CHILD_NAME, "2015-03-02", "child", nik=CHILD_NIK),
        ],
    )
    child = family.members.get(full_name=CHILD_NAME)
    correction = request_correction(
        person=child, requester_name="Ibu Sari", description="nama salah eja",
        cells={"full_name": "Putri Kcl"}, received_on=date.today(),
    )  # fmt: skip
    client.force_login(make_user(Role.AUDITOR))
    household = client.get(f"/registry/households/{family.pk}/").content.decode()
    assert CHILD_NAME not in household
    assert MASK in household
    page = client.get(f"/corrections/{correction.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert CHILD_NAME not in text, "the child's current name"
    assert "Putri Kcl" not in text, "the child's name as corrected"


# -- attacks the app withstood ------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["/registry/export.csv?q=HYPERLINK", "/registry/quality/QUALITY_NIK_INCONSISTENT.csv"],
)
def test_downloads_neutralise_a_formula_in_a_stored_name(client, make_user, household_factory, url):
    """Passes. A name stored as a spreadsheet formula leaves every download as text."""
    from sejahtera.registry.models import Person

    family = household_factory(
        BOGOR_VILLAGE, members=[member("Ani", "1985-03-03", "head", nik="3201014303850001")]
    )
    Person.objects.filter(household=family).update(
        full_name='=HYPERLINK("http://evil.example","x")', nik_warnings="NIK_SEX_MISMATCH"
    )
    client.force_login(make_user(Role.DISTRICT_OFFICE, "3201"))
    rows = _csv_rows(client.get(url))
    names = [row["full_name"] for row in rows]
    assert names
    assert all(name.startswith("'=") for name in names), names


def test_public_lookups_are_limited_per_nik_whatever_the_client(client, household_factory):
    """Passes. The status check answers 429 once one NIK was looked up too often, even from
    new addresses (a walk of NIK/name pairs from many clients stops at the NIK's limit)."""
    from django.core.cache import cache

    cache.clear()
    household_factory(BOGOR_VILLAGE)
    statuses = [
        client.post(
            "/layanan/cek-bansos/",
            {"nik": "3201014508900001", "name": f"Nama {i}", **_solved()},
            REMOTE_ADDR=f"10.0.0.{i}",
        ).status_code
        for i in range(8)
    ]
    assert statuses[0] == 200, statuses
    assert statuses[-1] == 429, statuses
