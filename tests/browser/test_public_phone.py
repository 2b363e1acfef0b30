"""The public (citizen) pages as a citizen walks them: on a 360×740 phone, in Bahasa
Indonesia, with no account. Each test holds the fix of a defect a review found: what the
citizen did, what they met, and what they expected."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from sejahtera.accounts.models import Role

pytestmark = pytest.mark.django_db(transaction=True)
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
PHONE = {"width": 360, "height": 740}
VILLAGE = "3201011002"  # Karadenan, Cibinong, Bogor
HEAD_NIK = "3201014508900001"  # the household factory's head, Siti Aminah
PROPOSER_NIK = "3201016007850002"  # Dewi Lestari, a neighbour
FAMILY_NIK = "3201015507880004"  # Sri Wahyuni, the family proposed


def solve(page) -> None:
    """Answer the page's sum ("Berapa 3 + 4?")."""
    label = page.locator(".challenge label").inner_text()
    left, right = (int(n) for n in re.findall(r"\d+", label)[:2])
    page.fill(".challenge input[type=number]", str(left + right))


def send(page) -> None:
    solve(page)
    with page.expect_navigation():
        page.click("main button.primary[type=submit]")


def choose_village(page) -> None:
    for level, code, following, shown in (
        ("province", "32", "regency", "3201"),
        ("regency", "3201", "district", "320101"),
        ("district", "320101", "village", VILLAGE),
    ):
        page.select_option(f"#region-{level}", code)
        page.wait_for_selector(f"#region-{following} option[value='{shown}']", state="attached")
    page.select_option("#region-village", VILLAGE)


def fill_proposal(page, live_server, **fields: str) -> None:
    """Dewi Lestari proposes Sri Wahyuni's family (mother and son); ``fields`` (by element
    id) change what she types, ``relationship`` the head's relationship."""
    page.goto(f"{live_server.url}/layanan/usul/")
    choose_village(page)
    typed = {
        "id_h-address": "Jl. Flamboyan 12",
        "id_m-0-full_name": "Sri Wahyuni",
        "id_m-0-nik": FAMILY_NIK,
        "id_m-0-birth_date": "1988-07-15",
        "id_name": "Dewi Lestari",
        "id_nik": PROPOSER_NIK,
        "id_description": "Suami meninggal, bekerja serabutan, anak masih sekolah",
    } | {k: v for k, v in fields.items() if k.startswith("id_")}
    for element, value in typed.items():
        page.fill(f"#{element}", value)
    page.select_option("#id_m-0-sex", "P")
    page.select_option("#id_m-0-relationship", fields.get("relationship", "head"))


def summary(page) -> str:
    return page.locator("#error-summary").inner_text()


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def lookup(page, live_server, number: str, nik: str, name: str) -> str:
    page.goto(f"{live_server.url}/layanan/lacak/")
    page.fill("#id_number", number)
    page.fill("#id_nik", nik)
    page.fill("#id_name", name)
    send(page)
    return page.locator("#track-answer").inner_text()


def status_answer(page, live_server, nik: str, name: str) -> str:
    page.goto(f"{live_server.url}/layanan/cek-bansos/")
    page.fill("#id_nik", nik)
    page.fill("#id_name", name)
    send(page)
    return page.locator("#status-answer").inner_text()


def object_to(page, live_server, programme: str) -> str:
    """Siti Aminah objects, on the public page, to the decision about her for a programme;
    the page she gets back."""
    page.goto(f"{live_server.url}/layanan/keberatan/")
    page.fill("#id_nik", HEAD_NIK)
    page.fill("#id_name", "Siti Aminah")
    page.select_option("#id_programme", programme)
    page.fill("#id_grounds", "Suami sakit sejak Agustus, tidak ada penghasilan tetap")
    send(page)
    return page.locator("main").inner_text()


def dewis_complaint():
    """Dewi Lestari's complaint that her BPNT did not arrive, taken in at the village."""
    from sejahtera.domain.participation import ComplaintCategory
    from sejahtera.grievances import complaints
    from sejahtera.registry.models import Region

    return complaints.file_complaint(
        category=ComplaintCategory.AID_NOT_RECEIVED, region=Region.objects.get(code=VILLAGE),
        description="BPNT belum masuk", complainant_name="Dewi Lestari",
        complainant_nik=PROPOSER_NIK, complainant_phone="", received_on=date.today(),
        received_by=None,
    )  # fmt: skip


@pytest.fixture
def decided(household_factory):
    """Siti Aminah's household, decided by a targeting run of today."""
    from sejahtera.targeting.services import run_targeting_for_registry

    household = household_factory(VILLAGE)
    run_targeting_for_registry(date.today())
    return household


def test_the_way_home_from_a_public_page_is_the_public_services(new_page, live_server):
    """Was a defect. A citizen on "Cek status" tapped "Sejahtera", the name at the top of every
    page, to get back to the start (as on any site); she landed on "Masuk ke Sejahtera", the
    staff's user name and password, with no link back to the public services. A mistyped
    address (/layanan/cek/) gives "Halaman tidak ditemukan … di luar wilayah Anda" and one
    link, "Kembali ke beranda Anda", to the same login. She expected the public services, or at
    least a way back to them."""
    page = new_page(PHONE)
    page.goto(f"{live_server.url}/layanan/cek-bansos/")
    with page.expect_navigation():
        page.click("header a.brand")
    reached = [page.url]
    page.goto(f"{live_server.url}/layanan/cek/")
    with page.expect_navigation():
        page.locator("main a").first.click()
    reached.append(page.url)
    for url in reached:
        page.goto(url)
        home = urlsplit(page.url).path.startswith("/layanan/")
        assert home or page.locator("main a[href='/layanan/']").count(), (url, page.title())


def test_each_objection_followed_says_which_programme_it_is_about(new_page, live_server, decided):
    """Was a defect. Siti Aminah objected to two decisions about her, Sembako and PKH. On
    "Cek status" both came back as "TIN-… · Tinjauan atas keputusan otomatis" with the same
    status and date: nothing says which is Sembako and which PKH, so when one is upheld and
    the other overturned she cannot tell which aid she won. She expected the programme named
    on each."""
    page = new_page(PHONE)
    for programme in ("SEMBAKO", "PKH"):
        object_to(page, live_server, programme)
        assert page.locator("#tracking-number").count() == 1, programme
    status_answer(page, live_server, HEAD_NIK, "Siti Aminah")
    items = page.locator("li[data-tracking^='TIN-']").all_inner_texts()
    assert len(items) == 2
    assert any("sembako" in item.lower() for item in items), items
    assert any("pkh" in item.lower() for item in items), items


def test_an_overturned_objection_is_told_in_words_a_citizen_understands(
    new_page, live_server, decided, make_user
):
    """Was a defect. Siti Aminah objected to the Sembako decision about her and the office
    agreed with her. "Lacak" told her: "Tinjauan atas keputusan otomatis · Dibatalkan: putusan
    peninjau berlaku mulai penargetan berikutnya". "Dibatalkan" beside her request reads as
    "cancelled" — her objection thrown out — when she won; and "penargetan berikutnya" (the
    next targeting run) is the system's word, with no date. She expected to read that her
    objection was granted and from when it applies, in plain words."""
    from sejahtera.targeting import reviews
    from sejahtera.targeting.models import DecisionReview

    page = new_page(PHONE)
    object_to(page, live_server, "SEMBAKO")
    number = page.locator("#tracking-number").inner_text()
    review = reviews.take_in(
        actor=make_user(Role.VILLAGE_OPERATOR, VILLAGE), review=DecisionReview.objects.get()
    )
    reviews.decide_review(
        actor=make_user(Role.DISTRICT_OFFICE, "3201"), review=review, overturn=True,
        note="Dikunjungi 5 Desember: suami sakit, tidak bekerja",
    )  # fmt: skip
    status = page.locator("li[data-tracking] strong")
    lookup(page, live_server, number, HEAD_NIK, "Siti Aminah")
    told = status.inner_text()
    assert not told.startswith("Dibatalkan"), told
    assert "penargetan" not in told.lower(), told


def test_a_long_answer_from_the_office_stays_within_the_phone_screen(
    new_page, live_server, make_user
):
    """Was a defect. Dewi Lestari followed her complaint by its number; the office had
    answered with a link to the schedule ("Silakan lihat https://kemensos.go.id/pengumuman/…").
    The unbroken address ran past the right edge of her 360-pixel screen: the page scrolled
    sideways and the end of the answer was cut off. She expected the answer to wrap within the
    screen, as every other text does."""
    from sejahtera.grievances import complaints

    complaint = dewis_complaint()
    complaints.resolve(
        make_user(Role.DISTRICT_OFFICE, "3201"), complaint, today=date.today(),
        outcome="Silakan lihat https://kemensos.go.id/pengumuman/"
        "penyaluran-bansos-tahap-keempat-2026-kabupaten-bogor-jawa-barat untuk jadwalnya",
    )  # fmt: skip
    page = new_page(PHONE)
    answer = lookup(page, live_server, complaint.tracking_number, PROPOSER_NIK, "Dewi Lestari")
    assert "kemensos.go.id" in answer
    assert fits_the_screen(page), page.evaluate("document.documentElement.scrollWidth")


def test_a_form_sent_after_its_cookie_was_lost_says_so_in_plain_indonesian(
    new_page, live_server, csp_violations
):
    """Was a defect. Dewi Lestari wrote her complaint in the morning; by the time she sent it her
    phone's browser had cleared its cookies (a cleaner app, the data saver, a full memory).
    She got Django's bare error page: "Terlarang (403) · Verifikasi CSRF gagal, Permintaan
    dibatalkan … untuk request 'same-origin' … Informasi lebih lanjut tersedia dengan
    DEBUG=True" — programmers' words, half English, in a page marked as English, with no link
    back and her complaint gone. (Its inline style also breaks the Content-Security-Policy.)
    She expected the page's own look, in Indonesian, saying to open the form again and send it
    once more."""
    page = new_page(PHONE)
    page.goto(f"{live_server.url}/layanan/pengaduan/")
    page.fill("#id_description", "BPNT bulan ini belum masuk ke rekening kami")
    page.context.clear_cookies()
    solve(page)
    with page.expect_navigation():
        page.click("main button.primary[type=submit]")
    shown = page.locator("body").inner_text()
    csp_violations.clear()  # the page's own defect, told in the docstring
    assert page.evaluate("document.documentElement.lang") == "id"
    for jargon in ("CSRF", "DEBUG", "request", "same-origin"):
        assert jargon not in shown, shown
    assert page.locator("a[href^='/layanan/']").count() > 0, shown


def test_following_a_number_that_matches_nothing_says_what_to_do(new_page, live_server):
    """Was a defect. Dewi Lestari followed her complaint with its number and typed her name as
    "Dewi L." (she had written "Dewi Lestari" when filing). The answer: "Tidak ada yang cocok
    dengan nomor pelacakan, NIK, dan nama ini." — no word of what to do next (the status page's
    answer at least says to check against the KTP or ask the village office), and "nomor
    pelacakan" where the page, the field and the paper she wrote it on say "nomor lacak". She
    expected to be told to check the number, the NIK and the name exactly as given when filing,
    or whom to ask."""
    complaint = dewis_complaint()
    page = new_page(PHONE)
    answer = lookup(page, live_server, complaint.tracking_number, PROPOSER_NIK, "Dewi L.")
    assert page.locator("#no-match").count() == 1
    assert "pelacakan" not in answer, answer
    assert re.search(r"periksa|kantor|tanyakan", answer, re.IGNORECASE), answer


def test_a_neighbour_who_proposed_a_family_does_not_read_what_the_office_found_about_it(
    new_page, live_server, make_user
):
    """Was a defect. Dewi Lestari proposed her neighbour Sri Wahyuni's family on the public page.
    The village office visited and rejected it, writing why: "Suami Sri ternyata PNS golongan
    III dan keluarga memiliki mobil". Following her tracking number, Dewi read that reason
    word for word — facts about another family, its income and assets, told to a neighbour.
    An objection (sanggah) about another family tells its objector only the verdict, for this
    very reason. She expected "Ditolak", and the family's details kept from her."""
    from sejahtera.grievances import proposals
    from sejahtera.grievances.models import Proposal

    page = new_page(PHONE)
    fill_proposal(page, live_server)
    send(page)
    number = page.locator("#tracking-number").inner_text()
    reason = "Suami Sri ternyata PNS golongan III dan keluarga memiliki mobil"
    proposals.reject(
        make_user(Role.VILLAGE_OPERATOR, VILLAGE), Proposal.objects.get(), reason=reason,
        today=date.today(),
    )  # fmt: skip
    answer = lookup(page, live_server, number, PROPOSER_NIK, "Dewi Lestari")
    assert "Ditolak" in answer
    assert "PNS" not in answer, answer
    assert "mobil" not in answer, answer


def test_an_error_about_a_date_writes_the_date_as_people_do(new_page, live_server):
    """Was a defect. A neighbour proposing a family typed the son's birth date with the phone's
    date picker and slipped a year ahead (2030); the page came back with "Anggota 2 · Tanggal
    lahir: 2030-02-01 adalah tanggal yang belum tiba" — the date in the database's ISO form,
    which she never typed nor saw (the picker shows 01/02/2030). "1850-01-01 sebelum
    1900-01-01" for an old date, and the same on "Perbaiki data saya". She expected the date as
    Indonesians write it (1 Feb 2030), or no date at all: "belum tiba"."""
    page = new_page(PHONE)
    fill_proposal(page, live_server)
    page.fill("#id_m-1-full_name", "Dimas")
    page.select_option("#id_m-1-sex", "L")
    page.fill("#id_m-1-birth_date", "2030-02-01")
    page.select_option("#id_m-1-relationship", "child")
    send(page)
    told = summary(page)
    assert "Tanggal lahir" in told
    assert not ISO_DATE.search(told), told


def test_a_complaint_tells_by_when_it_will_be_answered(new_page, live_server):
    """Was a defect. Dewi Lestari complained that her aid had not arrived. The page promised
    "kantor yang bertanggung jawab menjawab dalam batas waktunya, atau pengaduan naik satu
    tingkat", but neither the page with her tracking number nor "Lacak" ever tells her that
    deadline: only "Sedang ditangani sejak …" — the same words after the deadline has passed
    and the complaint has gone up to the province. She expected to read by when an answer is
    due, so as to know when to ask again."""
    from django.template.defaultfilters import date as date_filter
    from django.utils import translation

    from sejahtera.grievances.models import Complaint

    page = new_page(PHONE)
    page.goto(f"{live_server.url}/layanan/pengaduan/")
    choose_village(page)
    page.select_option("#id_category", "aid_not_received")
    page.fill("#id_description", "BPNT bulan ini belum masuk ke rekening kami")
    page.fill("#id_name", "Dewi Lestari")
    page.fill("#id_nik", PROPOSER_NIK)
    send(page)
    filed = page.locator("main").inner_text()
    complaint = Complaint.objects.get()
    followed = lookup(page, live_server, complaint.tracking_number, PROPOSER_NIK, "Dewi Lestari")
    with translation.override("id"):
        due = date_filter(complaint.due_on, "j M Y")
    assert due in filed or due in followed, (due, followed)


def test_a_head_of_family_not_marked_head_is_told_at_that_field(new_page, live_server):
    """Was a defect. A neighbour proposing Sri Wahyuni's family chose "Anak" in "Hubungan
    dengan kepala rumah tangga" for the head of the family (Sri is her father's child, after
    all). The page came back with "Alamat: rumah tangga harus memiliki tepat satu kepala, yang
    ini memiliki 0" — under "Alamat", the address, with no link, while the address was right and
    the field to change is the relationship of "Kepala keluarga". She expected the summary to
    lead her to that field."""
    page = new_page(PHONE)
    fill_proposal(page, live_server, relationship="child")
    send(page)
    told = summary(page)
    assert "kepala" in told.lower(), told
    assert page.locator("#error-summary a[href='#id_m-0-relationship']").count() == 1, told


def test_the_phone_location_button_fills_the_place_beside_it_and_says_so(new_page, live_server):
    """Was a defect. Dewi Lestari, proposing a family from its doorstep, pressed "Pakai lokasi
    ponsel ini" at the foot of "Tentang Anda": nothing on the screen changed (the latitude and
    longitude it filled were at the top of that section), and when her phone refused the
    permission nothing said so. She expected the place beside the button, and a word either
    way."""
    page = new_page(PHONE)
    page.goto(f"{live_server.url}/layanan/usul/")
    place = page.locator("fieldset:has(button[data-geolocate])")
    assert place.locator("#id_latitude").count() == 1
    assert place.locator("#id_longitude").count() == 1
    assert place.locator("#id_h-address").count() == 1  # the family's address, not "about you"
    status = place.locator("[data-geolocate-status]")
    page.click("button[data-geolocate]")
    expect(status).to_contain_text("tidak memberi lokasinya")
    assert page.input_value("#id_latitude") == ""

    page.context.grant_permissions(["geolocation"], origin=live_server.url)
    page.context.set_geolocation({"latitude": -6.4812, "longitude": 106.8541})
    page.click("button[data-geolocate]")
    expect(status).to_contain_text("terisi")
    expect(page.locator("#id_latitude")).to_have_value("-6.481200")
    expect(page.locator("#id_longitude")).to_have_value("106.854100")


def test_the_family_village_is_not_called_part_of_about_you(new_page, live_server):
    """Was a defect. Sent without a village, the proposal's summary said "Tentang Anda ·
    Desa/kelurahan": the village is where the family lives, asked at the top of the page."""
    page = new_page(PHONE)
    page.goto(f"{live_server.url}/layanan/usul/")
    send(page)
    told = summary(page)
    assert "Di mana keluarga ini tinggal? · Desa/kelurahan" in told, told
    assert "Tentang Anda · Desa" not in told
    assert "Tentang Anda · Nama Anda" in told
    assert page.locator("#error-summary a[href='#region-village']").count() == 1


def test_a_complaint_is_filed_from_a_phone_without_javascript(browser, live_server):
    """Was a defect. On a phone browser without JavaScript (a data saver, an old phone), the
    region lists below the province never filled, so Dewi Lestari could choose no village and
    could file neither a complaint nor a proposal. She expected a button to show the next
    list."""
    from sejahtera.grievances.models import Complaint

    context = browser.new_context(viewport=PHONE, locale="id-ID", java_script_enabled=False)
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(f"{live_server.url}/layanan/pengaduan/")
        for level, code in (("province", "32"), ("regency", "3201"), ("district", "320101")):
            page.select_option(f"#region-{level}", code)
            with page.expect_navigation():
                page.click("text=Tampilkan daftar berikutnya")
        page.select_option("#region-village", VILLAGE)
        page.select_option("#id_category", "aid_not_received")
        page.fill("#id_description", "BPNT bulan ini belum masuk ke rekening kami")
        page.fill("#id_name", "Dewi Lestari")
        page.fill("#id_nik", PROPOSER_NIK)
        send(page)
        complaint = Complaint.objects.get()
        assert complaint.region_id == VILLAGE
        assert complaint.tracking_number in page.locator("main").inner_text()
    finally:
        context.close()
