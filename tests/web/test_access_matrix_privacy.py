"""Access matrix of the side doors to specific personal data (issue #9 items 6–9): for every
role that reads the registry and the targeting results, what it learns of a child (whose
identity is masked for some roles) and of an adult recorded with HIV, drug use and violence,
through the targeting diff and audit (pages and CSVs), search (page, export and API), the
household page with its change history, and duplicate notices in the same region and in another
province.

Readers of specific data (``access.SPECIFIC_DATA_READERS``) see all of it; the other roles see
neither the child's name, NIK or details nor anyone's vulnerable clusters, by any of these
paths."""

from __future__ import annotations

import csv
import io

import pytest
from tests.targeting.conftest import AS_OF, BANDUNG_VILLAGE, POOR, RICH, child, head

from sejahtera.accounts import access
from sejahtera.accounts.models import ApiToken, Role, SensitiveAccess
from sejahtera.accounts.tokens import create_token
from sejahtera.registry.models import Person
from sejahtera.registry.privacy import MASK
from sejahtera.registry.services.records import person_cells, update_person
from sejahtera.targeting.services import run_targeting_for_registry

pytestmark = pytest.mark.django_db
BOGOR = "3201011002"
ACEH = "1101012001"
FAMILY_KK = "3201012001150001"
AGUS_NIK = "3201010508900001"
CHILD_NIK = "3201014203150001"  # encodes a girl born on 2 March 2015
CHILD_NAMES = ("Ani Kecil", "Ani Kcil")  # as corrected, and as first registered
VULNERABLE_CLUSTERS = ("NAPZA_HIV", "KORBAN_KEKERASAN")
REGIONS = {
    Role.VILLAGE_OPERATOR: BOGOR,
    Role.DISTRICT_OFFICE: "3201",
    Role.PROVINCIAL_OFFICE: "32",
    Role.SOCIAL_WORKER: "3201",
    Role.SUPERVISOR: "3201",
}
READERS = sorted(access.REGISTRY_READERS | access.TARGETING_READERS)


@pytest.fixture
def registered(household_factory):
    """A poor Bogor family, Agus (an adult) and Ani (a child, her name misspelt); Dewi, a Bogor
    neighbour, holds Ani's NIK too and Rahmat, in Aceh, his. Well-off households elsewhere
    put the two Bogor households in the poorest deciles."""
    family = household_factory(
        BOGOR,
        kk_number=FAMILY_KK,
        members=[
            head("Agus Salim", "1990-08-05", sex="L", nik=AGUS_NIK),
            child("Ani Kcil", "2015-03-02", sex="P", nik=CHILD_NIK),
        ],
        **POOR,
    )
    neighbour = household_factory(
        BOGOR, members=[head("Dewi Tetangga", "1975-01-01", nik=CHILD_NIK)], **POOR
    )
    household_factory(
        ACEH, members=[head("Rahmat Aceh", "1980-01-01", sex="L", nik=AGUS_NIK)], **RICH
    )
    for i in range(7):
        household_factory(BANDUNG_VILLAGE, members=[head(f"Rudi {i}", sex="L")], **RICH)
    return {
        "family": family,
        "neighbour": neighbour,
        "agus": family.members.get(full_name="Agus Salim"),
        "ani": family.members.get(full_name="Ani Kcil"),
    }


def _record_vulnerability(people, office):
    """A district office records his HIV, drug use and violence, corrects Ani's name and
    birth date (her NIK now encodes another one: a NIK warning) and records her drug use."""
    agus, ani = people["agus"], people["ani"]
    flags = {"hiv": "true", "drug_user": "true", "violence_victim": "true"}
    update_person(
        actor=office,
        person=agus,
        cells={**person_cells(agus), **flags},
        expected_version=agus.version,
    )
    corrected = {"full_name": "Ani Kecil", "birth_date": "2015-03-03", "drug_user": "true"}
    update_person(
        actor=office,
        person=ani,
        cells={**person_cells(ani), **corrected},
        expected_version=ani.version,
    )


@pytest.fixture
def recorded(registered, make_user):
    _record_vulnerability(registered, make_user(Role.DISTRICT_OFFICE, "3201"))
    return registered


@pytest.fixture
def runs(registered, make_user):
    """A targeting run before and one after the vulnerability was recorded (Agus and Ani enter
    ATENSI); afterwards both are recorded, wrongly, as civil servants, so the audit flags
    their decisions."""
    base = run_targeting_for_registry(AS_OF)
    _record_vulnerability(registered, make_user(Role.DISTRICT_OFFICE, "3201"))
    run = run_targeting_for_registry(AS_OF)
    Person.objects.filter(pk__in=[registered["agus"].pk, registered["ani"].pk]).update(
        employment="civil_servant"
    )
    return {**registered, "base": base, "run": run}


def _login(client, make_user, role):
    user = make_user(role, REGIONS.get(role))
    client.force_login(user)
    return user


def _csv(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


# -- targeting diff and audit (item 6) ---------------------------------------------------------


@pytest.mark.parametrize("role", READERS)
def test_targeting_diff_names_clusters_only_to_readers_of_specific_data(
    client, make_user, runs, role
):
    _login(client, make_user, role)
    reads_specific = role in access.SPECIFIC_DATA_READERS
    run, base = runs["run"], runs["base"]
    subjects = {runs["agus"].external_id, runs["ani"].external_id}

    rows = _csv(client, f"/targeting/runs/{run.pk}/diff.csv?base={base.pk}")
    atensi = {r["person_id"] for r in rows if (r["programme"], r["change"]) == ("ATENSI", "enters")}
    assert (atensi == subjects) is reads_specific
    assert atensi <= subjects
    reasons = " ".join(r["reasons"] for r in rows)
    for cluster in VULNERABLE_CLUSTERS:
        assert (cluster in reasons) is reads_specific, cluster

    page = client.get(f"/targeting/runs/{run.pk}/diff/?base={base.pk}")
    listed = {c.person_id for c in page.context["changes"]["ATENSI"]}
    assert (listed == subjects) is reads_specific
    for cluster in VULNERABLE_CLUSTERS:
        assert (cluster in page.content.decode()) is reads_specific, cluster


@pytest.mark.parametrize("role", READERS)
def test_targeting_audit_lists_cluster_programmes_only_to_readers_of_specific_data(
    client, make_user, runs, role
):
    user = _login(client, make_user, role)
    reads_specific = role in access.SPECIFIC_DATA_READERS
    run, agus, ani = runs["run"], runs["agus"], runs["ani"]

    rows = _csv(client, f"/targeting/runs/{run.pk}/audit.csv")
    flagged = {(r["flag"], r["programme"], r["person_id"]) for r in rows}
    for person in (agus, ani):
        assert (("CIVIL_SERVANT", "ATENSI", person.external_id) in flagged) is reads_specific
        assert ("CIVIL_SERVANT", "PBI_JK", person.external_id) in flagged  # not specific
    logged = SensitiveAccess.objects.filter(user=user, entity="targeting_export")
    assert runs["family"].pk in {pk for entry in logged for pk in entry.record_ids}

    # The page is figures only: nobody gets a person or household from it.
    page = client.get(f"/targeting/runs/{run.pk}/audit/").content.decode()
    assert page.count('data-flag="CIVIL_SERVANT" data-total="') == 1
    for identifier in (agus.external_id, ani.external_id, runs["family"].external_id):
        assert identifier not in page


# -- search on masked values (item 7) ----------------------------------------------------------


def _found_everywhere(client, user, query):
    """The person ids a search finds on the page, in its CSV export and through the API."""
    page = client.get("/registry/", {"q": query})
    assert page.status_code == 200
    on_page = {row.person.external_id for row in page.context["rows"]}
    exported = {r["person_id"] for r in _csv(client, "/registry/export.csv?q=" + query)}
    _token, secret = create_token(user, "matrix", [ApiToken.Scope.REGISTRY_READ])
    answer = client.get(
        "/api/v1/persons", {"q": query}, HTTP_AUTHORIZATION=f"Bearer {secret}"
    ).json()
    by_api = {item["person_id"] for item in answer["items"]}
    assert on_page == exported == by_api, query
    return on_page


@pytest.mark.parametrize("role", READERS)
def test_search_never_matches_a_value_the_user_sees_masked(client, make_user, recorded, role):
    user = _login(client, make_user, role)
    reads_specific = role in access.SPECIFIC_DATA_READERS
    ani, agus = recorded["ani"].external_id, recorded["agus"].external_id
    for query in (CHILD_NIK, CHILD_NIK[:12], CHILD_NIK[:7], FAMILY_KK, "Ani Kecil", "kecil"):
        assert (ani in _found_everywhere(client, user, query)) is reads_specific, query
    for query in ("Agus", AGUS_NIK, AGUS_NIK[:8], FAMILY_KK):  # adults: found by everyone
        assert agus in _found_everywhere(client, user, query), query


@pytest.mark.parametrize("role", READERS)
def test_search_results_mask_what_the_persons_page_masks(client, make_user, recorded, role):
    user = _login(client, make_user, role)
    ani = recorded["ani"]
    page = client.get("/registry/", {"q": ""})
    (row,) = [r for r in page.context["rows"] if r.person.pk == ani.pk]
    masked = role not in access.SPECIFIC_DATA_READERS
    shown = (row.name, row.nik, row.sex, row.birth_date)
    assert all(value == MASK for value in shown) is masked
    assert (row.nik_warnings == "") is masked  # the NIK's warnings describe the NIK

    _token, secret = create_token(user, "matrix", [ApiToken.Scope.REGISTRY_READ])
    person = client.get(f"/api/v1/persons/{ani.pk}", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert (person.json()["nik_warnings"] == []) is masked
    assert (person.json()["cells"]["nik"] is None) is masked


# -- the household page and its change history (item 8) ---------------------------------------


def _history(page, person):
    return {
        field.label: (field.before, field.after)
        for row in page.context["member_history"]
        if row.record.record_id == person.pk
        for field in row.fields
    }


@pytest.mark.parametrize("role", READERS)
def test_history_masks_what_the_member_list_masks(client, make_user, recorded, role):
    _login(client, make_user, role)
    masked = role not in access.SPECIFIC_DATA_READERS
    page = client.get(f"/registry/households/{recorded['family'].pk}/")

    agus = _history(page, recorded["agus"])
    assert len(agus) == 3  # HIV, drug use, violence
    assert all(values == (MASK, MASK) for values in agus.values()) is masked

    ani = _history(page, recorded["ani"])
    assert len(ani) >= 4  # name, birth date, drug use, the NIK's warnings
    assert all(values == (MASK, MASK) for values in ani.values()) is masked

    content = page.content.decode()
    for secret in (*CHILD_NAMES, CHILD_NIK, "2015-03-03", "NIK_BIRTHDATE_MISMATCH"):
        assert (secret in content) is not masked, secret


@pytest.mark.parametrize("role", READERS)
def test_household_page_names_a_masked_child_nowhere(client, make_user, runs, role):
    """Also not as the subject of her targeting decisions (PBI-JK is not specific)."""
    _login(client, make_user, role)
    page = client.get(f"/registry/households/{runs['family'].pk}/")
    subjects = [m.name for m in page.context["targeting"].members if m.decisions]
    assert subjects
    masked = role not in access.SPECIFIC_DATA_READERS
    assert (MASK in subjects) is masked
    assert ("Ani Kecil" in page.content.decode()) is not masked


# -- duplicate notices (item 9) ----------------------------------------------------------------


@pytest.mark.parametrize("role", READERS)
def test_duplicate_notices_name_only_who_the_user_may_see(client, make_user, recorded, role):
    user = _login(client, make_user, role)
    reads_specific = role in access.SPECIFIC_DATA_READERS
    national = access.region_prefix(user) == ""

    family = client.get(f"/registry/households/{recorded['family'].pk}/").context
    notices = " ".join(family["duplicates"])
    assert len(family["duplicates"]) == 2
    assert ("Rahmat Aceh" in notices) is national  # another province: only if in scope
    assert "Dewi Tetangga" in notices  # the same region, an adult: everyone in scope
    assert ("Ani Kecil" in notices) is reads_specific  # the child's own name stays masked

    neighbour = client.get(f"/registry/households/{recorded['neighbour'].pk}/").context
    (notice,) = neighbour["duplicates"]
    assert ("Ani Kecil" in notice) is reads_specific  # the same region, a masked child
    assert (recorded["family"].external_id in notice) is reads_specific


@pytest.mark.parametrize("role", [r for r in READERS if r in REGIONS])
def test_outside_the_scope_a_notice_names_nobody_there(client, make_user, recorded, role):
    _login(client, make_user, role)
    page = client.get(f"/registry/households/{recorded['family'].pk}/")
    (notice,) = [n for n in page.context["duplicates"] if "Agus Salim" in n]
    rahmat = Person.objects.select_related("household").get(full_name="Rahmat Aceh")
    for secret in ("Rahmat", rahmat.household.external_id, rahmat.external_id, "Aceh"):
        assert secret not in notice
    assert "Dewi Tetangga" not in notice


@pytest.mark.parametrize("role", sorted(set(Role) - access.REGISTRY_READERS))
def test_roles_that_read_neither_registry_nor_targeting_reach_none_of_it(
    client, make_user, runs, role
):
    client.force_login(make_user(role, organisation="Bank BRI"))
    run, base, family = runs["run"], runs["base"], runs["family"]
    for url in (
        f"/targeting/runs/{run.pk}/diff.csv?base={base.pk}",
        f"/targeting/runs/{run.pk}/diff/?base={base.pk}",
        f"/targeting/runs/{run.pk}/audit.csv",
        f"/targeting/runs/{run.pk}/audit/",
        f"/registry/?q={CHILD_NIK}",
        f"/registry/export.csv?q={CHILD_NIK}",
        f"/registry/households/{family.pk}/",
    ):
        assert client.get(url).status_code in (403, 404), url
