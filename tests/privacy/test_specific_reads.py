"""Reads of specific personal data (UU 27/2022) that a review found leaking, and what it checked
and found to hold: health, HIV, disability, drug use, violence, criminal records and children's
data are read by role and region, each read is logged, and a masked person is never revealed —
not even through an amount, a programme's name, a requester's name or a browser's cache.
Each docstring says what leaked to whom before the fix (docs/privacy.md, decisions 8 and 10)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from tests.targeting.conftest import AS_OF, BANDUNG_VILLAGE, POOR, RICH, head

from sejahtera.accounts.models import ApiToken, Role, SensitiveAccess
from sejahtera.accounts.tokens import create_token
from sejahtera.targeting.models import Decision
from sejahtera.targeting.rules import default_rules_text
from sejahtera.targeting.services import run_targeting_for_registry

pytestmark = pytest.mark.django_db
BOGOR = "3201011002"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _api(client, user, path, scopes=tuple(ApiToken.Scope)):
    _token, secret = create_token(user, "review", list(scopes))
    return client.get(f"/api/v1{path}", HTTP_AUTHORIZATION=f"Bearer {secret}")


@pytest.fixture
def disabled_adult(household_factory):
    """Wati (40), who lives alone in a poor Bogor house and has a severe physical disability,
    among well-off Bandung households: the poorest decile, PKH eligible by her disability
    alone (no child, no one pregnant, no one aged 70)."""
    wati = household_factory(
        BOGOR,
        members=[
            head("Wati Difabel", "1986-01-10", disability="physical", disability_severity="severe")
        ],
        **POOR,
    )
    for i in range(7):
        household_factory(BANDUNG_VILLAGE, members=[head(f"Rudi {i}", sex="L")], **RICH)
    return wati


# -- the PKH amount gives the withheld component back ------------------------------------------


def test_a_pkh_amount_is_withheld_from_an_analyst_with_its_components(
    client, make_user, disabled_adult
):
    """Was a defect: an analyst read a household's targeting with "clusters, components and reasons
    withheld" (they are specific data), yet the PKH row showed its amount: Rp 2,400,000 a year is
    exactly the SEVERE_DISABILITY component. The household page shows the analyst only one member,
    an adult of 40 (so no child, pregnancy or 70-year-old component is possible), and so tells a
    role that may not read health data that she is severely disabled — the very fact its member row
    masks. The same holds for the API (`/targeting/households/{id}`), where `components` is [] but
    `yearly_amount`/`per_stage_amount` are filled. UU 27/2022 art. 4 makes disability specific data;
    docs/privacy.md §2 promises analysts see it masked and work with aggregates."""
    run_targeting_for_registry(AS_OF)
    pkh = Decision.objects.get(household=disabled_adult, programme="PKH")
    assert pkh.eligible  # the fact at stake: eligible by her disability alone
    assert pkh.components == ["SEVERE_DISABILITY"]
    analyst = make_user(Role.MINISTRY_ANALYST)

    client.force_login(analyst)
    page = client.get(f"/registry/households/{disabled_adult.pk}/", **EN).content.decode()
    assert "withheld for your role" in page
    pkh_row = re.search(r'<tr data-programme="PKH".*?</tr>', page, re.S).group(0)
    assert "withheld" in pkh_row
    assert "Rp\u00a0" not in pkh_row
    assert "2,400,000" not in pkh_row

    body = _api(client, analyst, f"/targeting/households/{disabled_adult.pk}").json()
    shown = next(d for d in body["decisions"] if d["programme"] == "PKH")
    assert body["withheld"] is True
    assert shown["components"] == []
    assert shown["yearly_amount"] is None, shown
    assert shown["per_stage_amount"] is None, shown


# -- a programme defined on a disability component is not treated as revealing -----------------

DISABILITY_PROGRAMME = """
[programmes.BANTU_DIFABEL]
name = "Bantuan keluarga penyandang disabilitas berat"
unit = "household"
max_decile = 5
components = [{ code = "DIFABEL_BERAT", disability_severity = "severe", yearly_amount = 1_200_000 }]
"""


def test_a_custom_programme_decided_on_disability_is_withheld_from_an_analyst(
    client, make_user, disabled_adult
):
    """Was a defect. An administrator defines a household programme from PKH's building blocks whose
    only component is a severe disability (README: "define new programmes from the same building
    blocks"). Its eligibility *is* a member's disability, yet `CustomProgramme.
    reveals_vulnerability` looks only at `clusters`, `excluded_clusters` and `any_of`, so the
    programme is not among `revealing_programmes`: an analyst reads "BANTU_DIFABEL: eligible" on the
    household page (and the API, the diff, enrolments and decrees), and its counts are never
    suppressed as small cells. A role that may not read health data learns who is severely disabled,
    per household. ATENSI, decided on clusters, is withheld for exactly this reason (decision 10,
    `decisions_shown_to`)."""
    text = default_rules_text().rstrip() + "\n" + DISABILITY_PROGRAMME
    run = run_targeting_for_registry(AS_OF, rules_text=text)
    decision = Decision.objects.get(run=run, household=disabled_adult, programme="BANTU_DIFABEL")
    assert decision.eligible  # eligible by her disability alone
    client.force_login(make_user(Role.MINISTRY_ANALYST))
    page = client.get(f"/registry/households/{disabled_adult.pk}/", **EN).content.decode()
    assert 'data-programme="BANTU_DIFABEL"' not in page


# -- a child who asks for a correction is named to the auditor by "Asked by" --------------------


def _years_ago(years: int, days: int = 0) -> str:
    today = date.today()
    born = today.replace(year=today.year - years, day=min(today.day, 28))
    return date.fromordinal(born.toordinal() - days).isoformat()


def test_a_childs_own_correction_request_does_not_name_her_to_an_auditor(
    client, make_user, household_factory
):
    """Was a defect. A 17-year-old has her KTP (and so a NIK) and asks on the public page that her
    birth place be corrected: the public page files it only when the name she gives *is* her
    registered name (`person_by_identity`), and keeps it as `requester_name`. An auditor
    (CORRECTION_READERS, no reader of specific data) opens /corrections/<pk>/: the record's rows are
    masked as a child's, but "Asked by" prints `requester_name` — her full name — in plain text. A
    child's identity is specific data (UU 27/2022 art. 4(2)(e)); decision 10 promises that what a
    page shows of a person masks what the member list masks."""
    from sejahtera.grievances.corrections import request_correction

    family = household_factory(
        BOGOR,
        members=[
            head("Ibu Ratna", "1980-02-02", nik="3201014202800001"),
            {"full_name": "Putri Remaja", "sex": "P", "birth_date": _years_ago(17, 30),
             "relationship": "child"},
        ],
    )  # fmt: skip
    child = family.members.get(full_name="Putri Remaja")
    correction = request_correction(
        person=child,
        requester_name="Putri Remaja",  # as the public page files it: her registered name
        requester_nik="",
        description="tempat lahir salah",
        cells={"birth_place": "Bogor"},
        received_on=date.today(),
    )
    client.force_login(make_user(Role.AUDITOR))
    household = client.get(f"/registry/households/{family.pk}/").content.decode()
    assert "Putri Remaja" not in household  # masked where the registry shows her
    page = client.get(f"/corrections/{correction.pk}/")
    assert page.status_code == 200
    assert "Putri Remaja" not in page.content.decode(), "the child's name, as 'Asked by'"


# -- pages with specific data may be kept by the browser or a proxy ------------------------------


@pytest.mark.parametrize(
    "url",
    ["/registry/households/{pk}/", "/registry/export.csv?q=Wati", "/registry/?q=Wati"],
)
def test_pages_with_specific_data_forbid_caching(client, make_user, disabled_adult, url):
    """Was a defect. The household page of a district office shows a member's disability (HIV, drug
    use…) and the registry export carries every specific column, yet neither response says `Cache-
    Control: no-store` (nor even `private`): a browser on a shared village-office computer keeps
    them in its disk cache after logout (the Back button shows them to the next user), and a caching
    proxy may store them. The personal-data copy already sends `private, no-store`
    (web/views/privacy.py); the pages and exports that show the same data do not. UU 27/2022 art.
    35–39 require securing personal data against unauthorised access; docs/privacy.md §4 lists the
    measures."""
    client.force_login(make_user(Role.DISTRICT_OFFICE, "3201"))
    response = client.get(url.format(pk=disabled_adult.pk))
    assert response.status_code == 200
    assert "no-store" in response.get("Cache-Control", ""), response.get("Cache-Control")


# -- checked, and holds -------------------------------------------------------------------------


def test_holds_a_proposal_naming_a_registered_nik_answers_as_any_other(client, household_factory):
    """Checked: the public *usul mandiri* page checks a proposed family by the registry's rules
    only, never against the registry itself, so proposing a member under a NIK that is
    registered answers exactly as under one that is not (a tracking number): the page cannot
    be used to learn whether a NIK exists."""
    from django.core.cache import cache
    from tests.web.test_public_pages import proposal_form

    household_factory(BOGOR, members=[head("Siti Terdaftar", "1985-07-20", nik="3201016007850002")])
    answers = []
    for nik in ("3201016007850002", "3201016007850009"):  # registered, and not
        cache.clear()
        response = client.post("/layanan/usul/", proposal_form(**{"m-0-nik": nik, "nik": nik}))
        answers.append((response.status_code, 'id="tracking-number"' in response.content.decode()))
    assert answers[0] == answers[1] == (200, True)


def test_holds_a_district_office_reads_decisions_whole_and_the_read_is_logged(
    client, make_user, disabled_adult
):
    """Checked: a reader of specific data (the regency's office) reads the household's
    decisions with components and reasons through the API, and that read is in the audit
    trail under the household's id; an analyst's withheld read is not logged as one."""
    run_targeting_for_registry(AS_OF)
    office = make_user(Role.DISTRICT_OFFICE, "3201")
    body = _api(client, office, f"/targeting/households/{disabled_adult.pk}").json()
    pkh = next(d for d in body["decisions"] if d["programme"] == "PKH")
    assert pkh["components"] == ["SEVERE_DISABILITY"]
    reads = SensitiveAccess.objects.filter(entity="household")
    assert [e.record_ids for e in reads] == [[disabled_adult.pk]]
