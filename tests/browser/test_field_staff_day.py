"""A usability review in a real browser, in Indonesian, of three users' working day:

1. a social worker (pendamping) carrying cases from registration through protection,
2. a regency social office (Dinas Sosial kabupaten/kota) working its queues,
3. a village operator registering and proposing families on a phone (360 × 740).

A test whose docstring says "Was a defect" holds the fix of what the user met before and what
they expected instead; the others walk flows that worked from the start.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from sejahtera.accounts.models import Role
from sejahtera.cases import services as cases
from sejahtera.cases.models import EnrolmentRequest
from sejahtera.domain.participation import ComplaintCategory
from sejahtera.grievances import complaints
from sejahtera.grievances.models import Proposal
from sejahtera.programmes.models import Enrolment
from sejahtera.registry.models import Household, Person, Region

from ..programmes.conftest import enrolled, sembako  # noqa: F401 (fixtures)
from ..targeting.conftest import population  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 360, "height": 740}
BOGOR = "3201"
VILLAGE = "3201011002"  # Karadenan, Cibinong, Kabupaten Bogor


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def option_texts(page, selector: str) -> list[str]:
    return page.locator(f"{selector} option").all_inner_texts()


def fill_member(page, index: int, *, name, sex, born, relationship, nik="") -> None:
    if index > 0 and page.locator(f"#id_m-{index}-full_name").count() == 0:
        page.click("button:has-text('Tambah anggota')")
        page.wait_for_selector(f"#id_m-{index}-full_name")
    if nik:
        page.fill(f"#id_m-{index}-nik", nik)
    page.fill(f"#id_m-{index}-full_name", name)
    page.select_option(f"#id_m-{index}-sex", sex)
    page.fill(f"#id_m-{index}-birth_date", born)
    page.select_option(f"#id_m-{index}-relationship", relationship)


def propose_three_member_family(page, live_server) -> str:
    """The village operator, on *Usulan → Masukkan usulan*, proposes a family of three; the
    tracking number the page then shows."""
    page.goto(f"{live_server.url}/proposals/")
    with page.expect_navigation():
        page.click("a[href='/proposals/new/']")
    # the operator's own village is chosen already
    assert page.input_value("#region-village") == VILLAGE
    page.fill("#id_h-address", "Kp. Karadenan RT 02")
    fill_member(page, 0, name="Sumarni", sex="P", born="1980-07-04", relationship="head",
                nik="3201014407800001")  # fmt: skip
    fill_member(page, 1, name="Adi", sex="L", born="2005-09-09", relationship="child",
                nik="3201010909050001")  # fmt: skip
    fill_member(page, 2, name="Sinta", sex="P", born="2012-01-20", relationship="child")
    page.fill("#id_name", "Operator Karadenan")
    page.fill("#id_description", "Janda dengan dua anak, rumah bambu, bekerja serabutan")
    assert fits_the_screen(page)
    with page.expect_navigation():
        page.click("main form button.primary[type=submit]")
    return Proposal.objects.get().tracking_number


# --- 3. The village operator on a phone ----------------------------------------------------


def test_operator_registers_a_family_of_three_and_corrects_a_member_on_a_phone(
    page_for, live_server, make_user
):
    """Works today: registering a family of three at 360 px, then correcting a member's name,
    each with a confirmation, and no page wider than the screen."""
    operator = make_user(Role.VILLAGE_OPERATOR, VILLAGE)
    page = page_for(operator, viewport=PHONE)
    page.goto(f"{live_server.url}/registry/households/new/")
    page.select_option("#id_region_code", VILLAGE)
    page.fill("#id_address", "Kp. Karadenan RT 01")
    fill_member(page, 0, name="Joko Susilo", sex="L", born="1985-05-15", relationship="head",
                nik="3201011505850001")  # fmt: skip
    fill_member(page, 1, name="Rina Wati", sex="P", born="1988-08-12", relationship="spouse",
                nik="3201015208880001")  # fmt: skip
    fill_member(page, 2, name="Bayu", sex="L", born="2015-03-01", relationship="child")
    assert fits_the_screen(page)
    with page.expect_navigation():
        page.click("main button[type=submit]:has-text('Daftarkan rumah tangga')")
    assert re.search(r"/registry/households/\d+/$", page.url)
    expect(page.locator("ul.messages")).to_contain_text("Rumah tangga terdaftar")
    assert fits_the_screen(page)

    bayu = Person.objects.get(full_name="Bayu")
    page.goto(f"{live_server.url}/registry/persons/{bayu.pk}/edit/")
    page.fill("#id_full_name", "Bayu Saputra")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    expect(page.locator("ul.messages")).to_contain_text("Individu disimpan")
    assert Person.objects.get(pk=bayu.pk).full_name == "Bayu Saputra"
    assert fits_the_screen(page)


def test_a_future_birth_date_is_explained_in_plain_indonesian(page_for, live_server, make_user):
    """Was a defect. The operator types a child's birth date in the future by mistake. The error
    summary says "Anggota 3 · Tanggal lahir: birth_date 2030-03-01 berada di masa depan": the
    database column name and an ISO date on an Indonesian page. Expected: "Tanggal lahir
    1 Maret 2030 berada di masa depan" — the field's label and the date as every other date
    on the page. (What was typed is kept, which works.)"""
    operator = make_user(Role.VILLAGE_OPERATOR, VILLAGE)
    page = page_for(operator, viewport=PHONE)
    page.goto(f"{live_server.url}/registry/households/new/")
    page.select_option("#id_region_code", VILLAGE)
    fill_member(page, 0, name="Joko Susilo", sex="L", born="1985-05-15", relationship="head")
    fill_member(page, 1, name="Rina Wati", sex="P", born="1988-08-12", relationship="spouse")
    fill_member(page, 2, name="Bayu", sex="L", born="2030-03-01", relationship="child")
    with page.expect_navigation():
        page.click("main button[type=submit]:has-text('Daftarkan rumah tangga')")
    summary = page.locator("main").inner_text()
    assert "belum tiba" in summary
    assert page.input_value("#id_m-2-full_name") == "Bayu"  # kept
    assert "birth_date" not in summary


def test_operator_proposes_a_family_of_three_on_a_phone(page_for, live_server, make_user):
    """Works today: *Usulan → Masukkan usulan* at 360 px, three members, a tracking number."""
    operator = make_user(Role.VILLAGE_OPERATOR, VILLAGE)
    page = page_for(operator, viewport=PHONE)
    number = propose_three_member_family(page, live_server)
    expect(page.locator("ul.messages")).to_contain_text(number)
    assert len(Proposal.objects.get().member_cells) == 3
    assert fits_the_screen(page)


def test_a_proposal_does_not_call_its_intake_channel_a_payment_distributor(
    page_for, live_server, make_user
):
    """Was a defect. On the proposal's page the way it came in ("Dimasukkan petugas" / the public
    page) is labelled "Penyalur" — the word for a payment distributor (BRI, PT Pos…), because
    the msgid "Channel" is shared with the delivery pages. An operator reads "Penyalur:
    Dimasukkan petugas" and wonders which bank is involved. Expected: "Saluran" or "Diterima
    melalui"."""
    operator = make_user(Role.VILLAGE_OPERATOR, VILLAGE)
    page = page_for(operator, viewport=PHONE)
    propose_three_member_family(page, live_server)
    assert re.search(r"/proposals/\d+/$", page.url)
    labels = page.locator("main dt").all_inner_texts()
    assert "Penyalur" not in labels


def test_change_proposal_kinds_follow_the_users_language(page_for, live_server, make_user,
                                                       household_factory):  # fmt: skip
    """Was a defect. On a household's page, *Usulkan perubahan (usul)*: "Apa yang berubah?" offers
    "Moved house, A member died, A birth, A new member, A member left, A changed condition" —
    in English on an Indonesian page (seen on the demo server). The labels are turned into
    strings when the form module is first imported (labels.participation_label() returns
    str() of a lazy translation; participation_forms.py builds the choices with it), so they
    stay in whatever language was active at that moment, for every user afterwards. Here an
    Indonesian and an English operator open the same form: one of them gets the other's
    language. Expected: choices built lazily (gettext_lazy values or a callable)."""
    family = household_factory(VILLAGE)
    seen = {}
    for language, expected in (("id", "Pindah rumah"), ("en", "Moved house")):
        operator = make_user(Role.VILLAGE_OPERATOR, VILLAGE)
        page = page_for(operator, viewport=PHONE, language=language)
        page.goto(f"{live_server.url}/registry/households/{family.pk}/propose/")
        seen[language] = page.locator("main form").first.locator("option").all_inner_texts()
        seen[language + "-expected"] = expected
    assert seen["id-expected"] in seen["id"], seen["id"]
    assert seen["en-expected"] in seen["en"], seen["en"]


# --- 2. The regency's social office --------------------------------------------------------


def test_complaint_categories_follow_the_users_language(new_page, page_for, live_server,
                                                        make_user):  # fmt: skip
    """Was a defect. A citizen filing a complaint on the public page (*Layanan publik → Ajukan
    pengaduan*), and the office taking one in at the counter (*Pengaduan → Terima
    pengaduan*), choose "Tentang apa pengaduan ini?" among "Aid not received, Wrong amount,
    Data error, Staff misconduct, Service quality, Other": English, on the page every citizen
    uses (seen on the demo server). The list of complaints shows the same categories in
    Indonesian ("Bantuan tidak diterima"), so the words exist: ComplaintForm's choices are
    built with labels.participation_label(), which freezes the lazy translation at import,
    in whatever language was active then. Here an Indonesian citizen, an Indonesian office
    and an English-speaking office open the form: one of them reads the wrong language.
    Expected: choices built lazily (participation_forms.py ComplaintForm.category)."""
    citizen = new_page(PHONE)
    citizen.goto(f"{live_server.url}/layanan/pengaduan/")
    public = option_texts(citizen, "#id_category")
    office = page_for(make_user(Role.DISTRICT_OFFICE, BOGOR))
    office.goto(f"{live_server.url}/complaints/new/")
    counter = option_texts(office, "#id_category")
    english = page_for(make_user(Role.DISTRICT_OFFICE, BOGOR), language="en")
    english.goto(f"{live_server.url}/complaints/new/")
    in_english = option_texts(english, "#id_category")
    assert "Bantuan tidak diterima" in public, public
    assert "Bantuan tidak diterima" in counter, counter
    assert "Aid not received" in in_english, in_english


def test_cycle_page_counts_only_the_offices_region(
    page_for,
    live_server,
    make_user,
    sembako,  # noqa: F811 (a fixture)
):
    """Was a defect (a wrong count). The SEMBAKO cycle pays families in Kabupaten Bogor and in Kota
    Bandung. The Bogor office opens *Siklus penyaluran* and the cycle: the headline says
    "Dapat dibayarkan" with the count and rupiah of the whole cycle (both regencies), while
    the table just below, "Menurut wilayah", gives Bogor alone a smaller number; the cycle
    list shows the national count too. An office reading "its" cycle reports the wrong
    number of beneficiaries and the wrong amount. Expected: an office sees the totals of its
    region (selectors.cycle_regions summed, or cycle.totals filtered by the user's region) in
    the headline and the list (views/programmes.py cycle_list, cycle_detail; templates
    programmes/cycle.html, cycles.html)."""
    cycle = sembako
    in_bogor = Enrolment.objects.filter(programme="SEMBAKO", region_code__startswith=BOGOR)
    elsewhere = Enrolment.objects.filter(programme="SEMBAKO").exclude(region_code__startswith=BOGOR)
    assert in_bogor.exists()
    assert elsewhere.exists()
    office = page_for(make_user(Role.DISTRICT_OFFICE, BOGOR))
    office.goto(f"{live_server.url}/programmes/cycles/{cycle.pk}/")
    headline = int(office.locator("[data-status=payable] .value").inner_text())
    rows = office.locator("tr[data-region]")
    by_region = sum(int(rows.nth(i).locator("td").nth(1).inner_text()) for i in range(rows.count()))
    assert by_region == in_bogor.count()
    assert headline == by_region, f"headline {headline} payable, the office's region {by_region}"


def test_district_office_lands_on_its_work_queues(page_for, live_server, make_user):
    """Was a defect (a dead end). A complaint about aid not received waits for the Bogor office,
    with a 14-day deadline. The office logs in and lands on the dashboard: figures of people,
    clusters and deciles, and nothing about the complaints, objections, proposals, corrections
    or decision reviews waiting for it, or their deadlines; the office must open five menu
    items one by one every morning to find its work. Expected: the home page (or the
    dashboard's top) lists each queue with its count and nearest deadline, each linked to the
    list (views/home.py ROLE_HOMES, views/dashboard.py, templates/web/dashboard.html)."""
    complaints.file_complaint(
        category=ComplaintCategory.AID_NOT_RECEIVED,
        region=Region.objects.get(code=VILLAGE),
        description="BPNT bulan lalu belum masuk ke KKS",
        complainant_name="Ibu Warsih",
        received_on=date.today(),
    )
    office = page_for(make_user(Role.DISTRICT_OFFICE, BOGOR))
    landing = office.url
    expect(office.locator("main h1")).to_have_count(1)
    queue_links = office.locator("main a[href^='/complaints/']")
    assert queue_links.count() > 0, f"{landing} shows no complaint waiting for the office"


def test_office_suspends_and_resumes_an_enrolment(
    page_for,
    live_server,
    make_user,
    enrolled,  # noqa: F811 (a fixture)
):
    """Works today: *Kepesertaan*, filter to PKH, suspend one with a reason (confirmed by a
    message), find it under *Ditangguhkan* and resume it."""
    office = page_for(make_user(Role.DISTRICT_OFFICE, BOGOR))
    office.goto(f"{live_server.url}/programmes/enrolments/?programme=SEMBAKO&status=active")
    row = office.locator("main tbody tr").first
    row.locator("select").select_option("moved")
    with office.expect_navigation():
        row.locator("button").first.click()
    expect(office.locator("ul.messages")).to_contain_text("Kepesertaan ditangguhkan")
    office.goto(f"{live_server.url}/programmes/enrolments/?status=suspended")
    expect(office.locator("main tbody tr")).to_have_count(1)
    with office.expect_navigation():
        office.click("main tbody tr button:has-text('Lanjutkan')")
    expect(office.locator("ul.messages")).to_contain_text("Kepesertaan dilanjutkan")
    assert not Enrolment.objects.filter(status="suspended").exists()


# --- 1. The social worker ----------------------------------------------------------------


def test_termination_reasons_are_not_shown_as_codes(page_for, live_server, make_user,
                                                    household_factory, served_case):  # fmt: skip
    """Was a defect. A family in protection: under *Langkah berikutnya* the social worker reads
    "Terminasi (dirujuk): masih perlu … keluarga yang belum graduasi hanya dapat diterminasi
    dengan alasan dari daftar (long_term_care, specialised_service, moved_away,
    family_request) …" — four English codes, where the form just below offers the same reasons
    in Indonesian ("membutuhkan perawatan jangka panjang…"). Expected: the condition names the
    reasons by their labels, or just "pilih alasan terminasi dari daftar" (the message's
    {reasons} in domain/cases.py / the case page's condition list)."""
    worker = make_user(Role.SOCIAL_WORKER, BOGOR)
    supervisor = make_user(Role.SUPERVISOR, BOGOR)
    case = served_case(household_factory(VILLAGE), worker, supervisor)
    page = page_for(worker)
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    steps = page.locator("main").inner_text()
    assert "Terminasi (dirujuk)" in steps
    assert not re.search(r"long_term_care|specialised_service|moved_away|family_request", steps)


def test_a_case_not_yet_assessed_is_not_suggested_for_graduation(
    page_for,
    live_server,
    make_user,
    population,  # noqa: F811 (a fixture)
):
    """Was a defect (misleading). A social worker opens a brand-new case (stage *Terdaftar*, nothing
    assessed, nothing served) of a family the latest targeting run places in a high decile.
    The case page greets them with a "Calon graduasi — Jenis yang disarankan: alami" card,
    although a registered case cannot graduate (the step is not even offered) and nobody has
    met the family yet. Expected: the graduation suggestion only for a case in a service stage
    (protection, rehabilitation, empowerment), as docs/journey.md describes it ("a family
    looks ready"); the card belongs after assessment (cases/graduation.py suggestion or
    templates/web/cases/_graduation_check.html)."""
    from sejahtera.targeting.services import run_targeting_for_registry

    run_targeting_for_registry(date.today())
    well_off = population["rich"][0]
    worker = make_user(Role.SOCIAL_WORKER, BOGOR)
    supervisor = make_user(Role.SUPERVISOR, BOGOR)
    case = cases.open_case(actor=worker, household=well_off, social_worker=worker,
                           supervisor=supervisor, today=date.today())  # fmt: skip
    page = page_for(worker)
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    assert page.locator("h1 [data-stage]").get_attribute("data-stage") == "registered"
    expect(page.locator("[data-graduation-candidate]")).to_have_count(0)


def test_enrolment_is_not_requested_for_a_programme_the_family_already_receives(
    page_for,
    live_server,
    make_user,
    served_case,
    enrolled,  # noqa: F811 (a fixture)
):
    """Was a defect (needless work). The family's case page lists, under *Bantuan yang diterima*,
    SEMBAKO "Aktif". The social worker, from *Minta kepesertaan atau penangguhan*, asks to
    enrol it in SEMBAKO: "Tersimpan." and a request "Menunggu" that the decree maker must
    open and refuse later. Expected: the form refuses at once ("keluarga ini sudah menjadi
    peserta SEMBAKO sejak …"), or offers only the programmes the family does not receive, and
    likewise refuses a second pending request for the same programme
    (cases/services.request_enrolment; the form in views/cases.py)."""
    enrolment = Enrolment.objects.filter(
        programme="SEMBAKO", status="active", region_code__startswith=BOGOR
    ).first()
    family = Household.objects.get(pk=enrolment.household_id)
    worker = make_user(Role.SOCIAL_WORKER, BOGOR)
    case = served_case(family, worker, make_user(Role.SUPERVISOR, BOGOR))
    page = page_for(worker)
    page.goto(f"{live_server.url}/cases/{case.pk}/enrolment/")
    page.select_option("#id_programme", "SEMBAKO")
    page.select_option("#id_action", "enrol")
    page.fill("#id_reason", "keluarga sangat miskin")
    with page.expect_navigation():
        page.click("form.card button.primary")
    assert not EnrolmentRequest.objects.filter(case=case, programme="SEMBAKO").exists(), (
        "a request to enrol a family already enrolled was accepted: "
        + page.locator("ul.messages").inner_text()
    )


def test_social_worker_records_an_assessment_and_a_refused_step_keeps_what_was_typed(
    page_for, live_server, make_user, household_factory
):
    """Works today: an assessment from the case page, then a step refused for a missing
    condition keeps the chosen stage, the reason and the evidence typed."""
    family = household_factory(VILLAGE)
    worker = make_user(Role.SOCIAL_WORKER, BOGOR)
    supervisor = make_user(Role.SUPERVISOR, BOGOR)
    case = cases.open_case(
        actor=worker, household=family, social_worker=worker, supervisor=supervisor,
        today=date.today(),
    )  # fmt: skip
    page = page_for(worker)
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    page.select_option("#id_to_stage", "assessed")
    page.fill("#id_reason", "sudah dikunjungi dua kali")
    page.fill("#id_evidence", "foto kunjungan")
    with page.expect_navigation():
        page.click("#move button.primary")
    assert page.locator("li.refused").count() > 0
    assert page.input_value("#id_reason") == "sudah dikunjungi dua kali"
    assert page.input_value("#id_evidence") == "foto kunjungan"

    page.click("a[data-record=assessment]")
    page.select_option("#id_person", str(family.members.get().pk))
    page.check("input[value=PEREMPUAN_RENTAN]")
    page.fill("#id_work", "berjualan gorengan")
    with page.expect_navigation():
        page.click("form.card button.primary")
    page.select_option("#id_to_stage", "assessed")
    with page.expect_navigation():
        page.click("#move button.primary")
    assert page.locator("h1 [data-stage]").get_attribute("data-stage") == "assessed"
