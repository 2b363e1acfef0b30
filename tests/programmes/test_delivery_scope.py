"""Programme delivery (decrees, enrolments, cycles, batches, result files, reconciliation)
from the side of an attacker holding a legitimate low-privilege account: a regency office, a
ministry analyst, a programme manager. Each test holds the fix of a defect a review found:
what the attacker did, what they saw, and what they get instead (docs/privacy.md,
docs/delivery.md).

Accepted and not tested here: delivery pages show each family's PKH amount to programme
managers and auditors (docs/privacy.md §7)."""

from __future__ import annotations

import re
from datetime import date

import pytest

from sejahtera.accounts.models import ApiToken, Role
from sejahtera.accounts.tokens import create_token
from sejahtera.domain.disbursement import reference
from sejahtera.programmes import disbursement, services
from sejahtera.programmes.models import Batch, Decree, Enrolment, Payment
from sejahtera.targeting.services import run_targeting_for_registry
from sejahtera.web.templatetags.sejahtera import rupiah

from ..targeting.conftest import (  # noqa: F401 (a fixture)
    BANDUNG_VILLAGE,
    POOR,
    RICH,
    head,
    population,
)
from .conftest import JULY, enrolled, sembako  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
BOGOR_VILLAGE = "3201011002"


@pytest.fixture(autouse=True)
def _files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _api(client, user):
    """call(path, **query) → a GET of /api/v1{path} with a token of ``user`` (every scope)."""
    _token, secret = create_token(user, "review", list(ApiToken.Scope))

    def call(path, **query):
        return client.get(
            f"/api/v1{path}", data=query or None, HTTP_AUTHORIZATION=f"Bearer {secret}"
        )

    return call


def _row(page: str, pattern: str) -> str:
    """The table row that starts with ``pattern`` ('' when the page has none)."""
    found = re.search(pattern + r".*?</tr>", page, re.S)
    return found.group(0) if found else ""


# -- national figures reaching a regional office -----------------------------------------------


@pytest.fixture
def sent(manager, sembako):  # noqa: F811 (a fixture)
    """The July SEMBAKO cycle sent: a BRI batch of two Bogor families and a POS batch of four
    Bogor families and one of Kota Bandung."""
    disbursement.build_batches(manager, sembako)
    return sembako


def test_the_batch_page_counts_the_offices_region_only(client, make_user, sent):
    """Was a defect.
    Kota Bandung's office (3273) opens the POS batch of the July
    SEMBAKO cycle, which pays one Bandung family and four of Kabupaten Bogor. The batch page's
    facts read "Lines 5 · Rp 2,000,000": the whole file, Bogor's families included. It should
    read the lines and amount of its own region (1 · Rp 400,000), as the reconciliation on the
    same page and the cycle's totals already do."""
    batch = Batch.objects.get(cycle=sent, channel="POS")
    ours = Payment.objects.filter(batch=batch, region_code__startswith="3273")
    assert 0 < ours.count() < batch.lines  # the file pays other regions too
    client.force_login(make_user(Role.DISTRICT_OFFICE, "3273"))
    page = client.get(f"/programmes/batches/{batch.pk}/", **EN).content.decode()
    facts = re.search(r'<dl class="facts card">.*?</dl>', page, re.S).group(0)
    assert f"<dd>{batch.lines} · {rupiah(batch.amount)}</dd>" not in facts, "national file totals"


def test_the_cycle_page_and_the_api_count_batches_in_the_offices_region(client, make_user, sent):
    """Was a defect.
    The known batch-page leak has two other doors that a fix of the batch page leaves open.
    Kota Bandung's office opens the July SEMBAKO cycle page, whose *Disbursement batches* table
    lists every batch with its lines and amount (BRI: 2 · Rp 800,000, all Kabupaten Bogor's;
    POS: 5 · Rp 2,000,000), and asks GET /cycles/{id}/batches and GET /batches/{id} with its
    token: the same national `lines` and `amount`. The cycle's own totals on that page are
    already the office's region only (`cycle_totals_for`); the batch rows should be too — 0
    lines for BRI, 1 · Rp 400,000 for POS."""
    bri = Batch.objects.get(cycle=sent, channel="BRI")
    assert not Payment.objects.filter(batch=bri, region_code__startswith="3273").exists()
    office = make_user(Role.DISTRICT_OFFICE, "3273")
    client.force_login(office)
    page = client.get(f"/programmes/cycles/{sent.pk}/", **EN).content.decode()
    row = _row(page, r'<tr data-batch="BRI-1">')
    assert f'data-label="Lines">{bri.lines}</td>' not in row, "Bogor's file totals on the page"
    assert rupiah(bri.amount) not in row
    call = _api(client, office)
    listed = {b["channel"]: b for b in call(f"/cycles/{sent.pk}/batches").json()}
    assert listed.get("BRI", {}).get("lines", 0) == 0, listed
    detail = call(f"/batches/{bri.pk}")
    assert detail.status_code == 404 or detail.json().get("amount") == 0, detail.json()


def test_result_files_count_the_offices_region_only(client, make_user, manager, sent):
    """Was a defect.
    The BRI batch of the July SEMBAKO cycle pays two Kabupaten Bogor families only; the
    manager imports the bank's result file (one paid, one not mentioned). Kota Bandung's office
    opens that batch page: the reconciliation correctly shows it nothing (no line of its
    region), but the *Result files* table prints the file's verdict counts ("settled: 1") —
    figures about Bogor's payments. An office should read the counts of its own region's lines
    only (here none), as the reconciliation and the rejected rows (`result_errors`) do."""
    batch = Batch.objects.get(cycle=sent, channel="BRI")
    first, _second = Payment.objects.filter(batch=batch).order_by("pk")
    content = "reference,account,amount,status,reason,paid_on\n"
    content += f"{reference(first.pk)},{first.account_number},{first.amount},paid,,2026-07-20\n"
    disbursement.import_result(manager, batch, "bri.csv", content.encode())
    client.force_login(make_user(Role.DISTRICT_OFFICE, "3273"))
    page = client.get(f"/programmes/batches/{batch.pk}/", **EN).content.decode()
    results = re.search(r"<tr data-result=.*?</tr>", page, re.S)
    counted = [int(n) for n in re.findall(r": (\d+)", results.group(0))] if results else []
    assert not any(counted), f"Bogor's result counts shown to Bandung: {results.group(0)}"


def test_decree_pages_count_enrolled_and_cost_in_the_offices_region(
    client,
    make_user,
    enrolled,  # noqa: F811 (a fixture)
):
    """Was a defect.
    Kota Bandung's office (3273) opens *Penetapan*: the list's columns *Enrolled* and *Yearly
    cost*, and the decree page's fact *Enrolled after the decree* ("7 · Rp 16,800,000 a
    year"), are `Decree.totals` — the whole country's SEMBAKO beneficiaries and cost, of which
    Bandung has 1 family and Rp 2,400,000. The same page's change counts and region table are
    already limited to the office's region (`decree_change_counts`, `decree_regions`); the
    enrolled count and cost should be the office's region's too."""
    decree = Decree.objects.get(programme="SEMBAKO")
    ours = decree.lines.filter(region_code__startswith="3273", change__in=["new"]).count()
    assert 0 < ours < decree.totals["enrolled"]
    client.force_login(make_user(Role.DISTRICT_OFFICE, "3273"))
    listed = _row(client.get("/programmes/decrees/", **EN).content.decode(),
                  rf'<tr data-decree="{decree.pk}">')  # fmt: skip
    page = client.get(f"/programmes/decrees/{decree.pk}/", **EN).content.decode()
    national_cost = rupiah(decree.totals["yearly_cost"])
    assert national_cost not in listed, "the country's yearly cost in the decree list"
    assert f'data-label="Enrolled">{decree.totals["enrolled"]}</td>' not in listed
    assert f"{decree.totals['enrolled']} · {national_cost}" not in page, "national totals"


def test_the_decree_api_counts_totals_in_the_callers_region(
    client,
    make_user,
    enrolled,  # noqa: F811 (a fixture)
):
    """Was a defect.
    Kota Bandung's office asks GET /decrees and GET /decrees/{id} with its token: `totals`
    holds the whole country's count per change (`by_change.new`: 7), `enrolled` and
    `yearly_cost` of the SEMBAKO decree, while GET /decrees/{id}/lines of the same token gives
    it only Bandung's line. `totals` should count the caller's region (as `CycleOut.totals`
    says it does for cycles: "within the caller's region")."""
    decree = Decree.objects.get(programme="SEMBAKO")
    call = _api(client, make_user(Role.DISTRICT_OFFICE, "3273"))
    lines = call(f"/decrees/{decree.pk}/lines").json()["count"]
    assert lines < decree.totals["enrolled"]
    detail = call(f"/decrees/{decree.pk}").json()["totals"]
    listed = next(d for d in call("/decrees").json()["items"] if d["id"] == decree.pk)["totals"]
    for totals in (detail, listed):
        assert totals.get("enrolled") == lines, totals
        assert totals.get("by_change", {}).get("new") == lines, totals


# -- a PKH amount that tells of a disability, read by an analyst --------------------------------


@pytest.fixture
def wati_decreed(household_factory, manager, approver):
    """Wati (40) lives alone in a poor Bogor house with a severe physical disability, among
    well-off Bandung households: PKH enrols her household by that disability alone (no child,
    no pregnancy, no one aged 70): Rp 2,400,000 a year, the SEVERE_DISABILITY component."""
    wati = household_factory(
        BOGOR_VILLAGE,
        members=[
            head("Wati Difabel", "1986-01-10", disability="physical", disability_severity="severe")
        ],
        **POOR,
    )
    for i in range(7):
        household_factory(BANDUNG_VILLAGE, members=[head(f"Rudi {i}", sex="L")], **RICH)
    run = run_targeting_for_registry(JULY)
    decree = services.approve_decree(approver, services.prepare_decree(manager, "PKH", JULY, run))
    line = decree.lines.get(household=wati)
    assert line.yearly_amount == 2_400_000  # the severe-disability component, alone
    return wati, decree


def test_an_analyst_reads_no_disability_pkh_amount_on_the_decree_page_and_annex(
    client, make_user, wati_decreed
):
    """Was a defect.
    A ministry analyst (no reader of specific data) opens the approved PKH decree and its
    Kabupaten Bogor annex (CSV): Wati's line reads "Rp 2,400,000" a year, which is exactly
    the severe-disability component — the household page masks her disability and withholds
    this very amount from the analyst ("withheld"), and docs/privacy.md §7 accepts delivery
    pages showing it to programme managers and auditors only. The analyst should see the
    amount withheld on the decree lines and annex, as on the household page."""
    wati, decree = wati_decreed
    client.force_login(make_user(Role.MINISTRY_ANALYST))
    household = client.get(f"/registry/households/{wati.pk}/", **EN).content.decode()
    assert "withheld" in _row(household, r'<tr data-enrolment="PKH"')  # as it should be
    page = client.get(f"/programmes/decrees/{decree.pk}/", **EN).content.decode()
    line = _row(page, rf'<tr data-subject="H{wati.pk}"')
    assert "2,400,000" not in line, "her disability component on the decree page"
    annex = client.get(f"/programmes/decrees/{decree.pk}/annex.csv", {"regency": "3201"})
    text = b"".join(annex.streaming_content).decode()
    assert "2400000" not in text, "her disability component in the annex"


def test_an_analyst_reads_no_disability_pkh_amount_through_the_delivery_api(
    client, make_user, wati_decreed
):
    """Was a defect.
    The same analyst asks the API with a `delivery` token: GET /decrees/{id}/lines gives
    Wati's household `yearly_amount` 2400000 and `per_stage_amount` 600000, GET
    /enrolments?programme=PKH her enrolment's `per_stage_amount` 600000 — her severe
    disability, which GET /targeting/households/{id} withholds from the same analyst
    (`yearly_amount`/`per_stage_amount` null). The delivery API should withhold it too."""
    wati, decree = wati_decreed
    call = _api(client, make_user(Role.MINISTRY_ANALYST))
    lines = call(f"/decrees/{decree.pk}/lines").json()["items"]
    line = next(item for item in lines if item["household"] == wati.pk)
    assert line.get("yearly_amount") is None, line
    assert line.get("per_stage_amount") is None, line
    enrolments = call("/enrolments", programme="PKH").json()["items"]
    enrolment = next(item for item in enrolments if item["household"] == wati.pk)
    assert enrolment.get("per_stage_amount") is None, enrolment


# -- a family that moved away ------------------------------------------------------------------


def test_an_office_does_not_read_where_a_family_moved_to(
    client,
    make_user,
    enrolled,  # noqa: F811 (a fixture)
):
    """Was a defect.
    A SEMBAKO family of Kabupaten Bogor moves to Sukarasa in Kota Bandung (a provincial
    office's edit). Its enrolment keeps Bogor's region until the next decree, so Bogor's
    office still lists it under *Enrolments*. Bogor's office can no longer open the household
    (404, it is Bandung's now), yet the enrolment row names the family's head and prints its
    new village, "Sukarasa", joined live from the registry (`household__village`): the old
    office learns where the family went. It should read the village the enrolment was decreed
    in (its `region_code`, in Bogor), never the family's current address in another region."""
    from sejahtera.registry.services.records import household_cells, update_household

    enrolment = Enrolment.objects.filter(programme="SEMBAKO", region_code__startswith="3201")[0]
    family = enrolment.household
    update_household(
        actor=make_user(Role.PROVINCIAL_OFFICE, "32"),
        household=family,
        cells=household_cells(family) | {"region_code": BANDUNG_VILLAGE},
        expected_version=family.version,
    )
    family.refresh_from_db()
    new_village = family.village.name
    client.force_login(make_user(Role.DISTRICT_OFFICE, "3201"))
    assert client.get(f"/registry/households/{family.pk}/").status_code == 404
    page = client.get("/programmes/enrolments/", **EN).content.decode()
    row = _row(page, rf'<tr data-enrolment="{enrolment.pk}"')
    assert new_village not in row, f"Bandung's village of the family shown to Bogor: {row}"


# -- a cited PKH suspension on the decree page ---------------------------------------------------


def test_a_cited_pkh_suspension_masks_the_child_for_the_programme_manager(
    client, make_user, household_factory, served_case, enrol
):
    """Was a defect.
    A social worker asks to suspend a family's PKH citing the records of repeated
    non-compliance: the request's reason is written by the system as "Budi Santoso: school
    attendance below the PKH threshold in 3 consecutive months …". A programme manager opens
    a draft PKH decree, whose *Requests from social workers* section prints that reason: the
    full name of an 11-year-old child, whom every other page masks for a programme manager (a
    child's identity is specific data, docs/privacy.md §2; with a health obligation the same
    text tells of a woman's pregnancy). The manager should read the request with the child's
    name masked, as `subject_names` masks it on the decree lines."""
    from sejahtera.cases import services as cases
    from sejahtera.registry.models import Person

    family = household_factory(
        BOGOR_VILLAGE,
        members=[
            {"full_name": "Siti Aminah", "sex": "P", "birth_date": "1990-08-05",
             "relationship": "head", "nik": "3201014508900001"},
            {"full_name": "Budi Santoso", "sex": "L", "birth_date": "2015-01-01",
             "relationship": "child", "school_enrolled": "primary"},
        ],
    )  # fmt: skip
    enrolment = enrol(family, "PKH")
    worker = make_user(Role.SOCIAL_WORKER, "3201")
    today = date.today()
    case = served_case(family, worker, make_user(Role.SUPERVISOR, "3201"), today)
    child = Person.objects.get(household=family, full_name="Budi Santoso")
    for back in (3, 2, 1):
        index = today.year * 12 + today.month - 1 - back
        cases.record_conditionality(
            actor=worker, case=case, person=child, obligation="school",
            month=date(index // 12, index % 12 + 1, 1), value=50, today=today,
        )  # fmt: skip
    request = cases.request_enrolment(
        actor=worker, case=case, programme="PKH", action="suspend", reason="",
        today=today, cite_noncompliance=True,
    )  # fmt: skip
    assert "Budi Santoso" in request.reason
    draft = enrolment.start_decree  # a PKH draft, prepared by another programme manager
    assert draft.status == Decree.Status.DRAFT
    client.force_login(make_user(Role.PROGRAMME_MANAGER))
    page = client.get(f"/programmes/decrees/{draft.pk}/", **EN).content.decode()
    assert f'data-request="{request.pk}"' in page
    assert "Budi Santoso" not in page, "a child's name shown to a programme manager"


def test_an_analyst_reads_no_disability_pkh_amount_in_the_reconciliation(
    client, make_user, manager, wati_decreed
):
    """Was a defect.
    Wati's PKH stage is paid by PT Pos (she has no bank account); the post office's result
    file says nothing of her line, so the reconciliation lists it as *missing* with the
    amount sent. A ministry analyst opens the POS batch (page and GET
    /batches/{id}/reconciliation): her line names her and reads Rp 600,000 — a quarter of
    Rp 2,400,000, the severe-disability component the household page withholds from the
    analyst. Reconciliation already masks account numbers for the analyst; the amount of a
    component programme should be withheld for a role without specific data as well (only
    programme managers and auditors are accepted to read it, docs/privacy.md §7)."""
    from sejahtera.programmes import cycles

    wati, _decree = wati_decreed
    cycle = cycles.open_cycle(manager, "PKH", JULY)
    [batch] = disbursement.build_batches(manager, cycle)
    payment = Payment.objects.get(batch=batch, household=wati)
    assert payment.amount == 600_000  # one stage of the severe-disability component
    silent = "reference,account,amount,status,reason,paid_on\nSJT0000999999,,1,paid,,2026-07-20\n"
    disbursement.import_result(manager, batch, "pos.csv", silent.encode())
    analyst = make_user(Role.MINISTRY_ANALYST)
    report = _api(client, analyst)(f"/batches/{batch.pk}/reconciliation").json()
    missing = next(m for m in report["mismatches"] if m["household"] == wati.pk)
    assert missing.get("amount_sent") is None, missing
    client.force_login(analyst)
    page = client.get(f"/programmes/batches/{batch.pk}/", **EN).content.decode()
    row = _row(page, r'<tr data-mismatch="missing"')
    assert "600,000" not in row, f"her disability component in the reconciliation: {row}"


def test_an_analyst_reads_no_disability_pkh_amount_in_a_small_regions_cost(
    client, make_user, wati_decreed
):
    """Was a defect.
    The decree's table by region, drilled down to Wati's village, gave the analyst that
    village's yearly cost: one family's, Rp 2,400,000, her severe-disability component. A cost
    over fewer than five families of a component programme is withheld from a role without
    specific data, as a small count is; the programme manager who pays it still reads it."""
    wati, decree = wati_decreed
    village = wati.village_id
    client.force_login(make_user(Role.MINISTRY_ANALYST))
    for parent, code in (("", village[:2]), (village[:6], village)):
        page = client.get(f"/programmes/decrees/{decree.pk}/", {"region": parent}, **EN)
        row = _row(page.content.decode(), rf'<tr data-region="{code}">')
        assert row, code
        assert "2,400,000" not in row, row
    client.force_login(make_user(Role.PROGRAMME_MANAGER))
    page = client.get(f"/programmes/decrees/{decree.pk}/", {"region": village[:6]}, **EN)
    assert "2,400,000" in _row(page.content.decode(), rf'<tr data-region="{village}">')
