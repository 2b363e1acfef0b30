"""The unauthenticated surface from an attacker's side: the public pages under /layanan/, their
uploads, sums and request limits, the login and language pages, the health endpoints, the API
without a token and the files on disk. A citizen learns nothing of a person who is not
themselves beyond what the status page is documented to tell (docs/participation.md), changes
nothing of what someone else filed, and leaves nothing behind that runs in an officer's
browser or spreadsheet."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from sejahtera.accounts.models import Role
from sejahtera.domain.participation import tracking_number
from sejahtera.grievances.models import Complaint, Proposal

from .test_public_pages import proposal_form, solved

pytestmark = pytest.mark.django_db
VILLAGE = "3201011002"
HEAD_NIK = "3201014508900001"  # Siti Aminah, the household factory's head
OTHER_NIK = "3201010101800001"  # Budi Santoso, of another household
PROPOSER_NIK = "3201016007850002"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
ANSWER = re.compile(r'<section class="card" id="status-answer".*?</section>', re.S)
TRACKING = re.compile(r'id="tracking-number">([^<]+)<')


@pytest.fixture(autouse=True)
def fresh_counts():
    """Each test counts its own requests and spends its own sums."""
    cache.clear()


def head(name: str, nik: str, sex: str = "P", birth: str = "1990-08-05") -> dict[str, str]:
    return {"full_name": name, "sex": sex, "birth_date": birth, "relationship": "head", "nik": nik}


def complaint_form(**overrides: str) -> dict[str, str]:
    form = {
        "village": VILLAGE,
        "category": "aid_not_received",
        "description": "BPNT bulan ini belum masuk",
        "name": "Dewi Lestari",
        "nik": PROPOSER_NIK,
        **solved(),
    }
    return form | overrides


def status_answer(client, nik: str, name: str) -> str:
    response = client.post("/layanan/cek-bansos/", {"nik": nik, "name": name, **solved()})
    assert response.status_code == 200
    found = ANSWER.search(response.content.decode())
    assert found, "no answer on the page"
    return found.group(0)


def current_run():
    from sejahtera.targeting.models import TargetingRun
    from sejahtera.targeting.rules import default_rules_text

    return TargetingRun.objects.create(
        as_of=date(2026, 1, 1), rules_text=default_rules_text(), status="completed"
    )


# -- findings ---------------------------------------------------------------------------------


@pytest.mark.parametrize("odd_digit", ["²", "①", "³"])
def test_a_tracking_number_with_a_non_decimal_digit_is_a_form_error(odd_digit):
    """/layanan/lacak/ with a tracking number holding a character that str.isdigit()
    accepts but int() refuses (a superscript or circled digit, as a phone keyboard may
    offer): the page must say the number is wrong, not answer with a server error that
    anyone may trigger at will without a sum."""
    client = Client(raise_request_exception=False)
    number = f"USL-2026-000000{odd_digit}-1"
    response = client.post(
        "/layanan/lacak/", {"number": number, "nik": PROPOSER_NIK, "name": "Dewi", **solved()}
    )
    assert response.status_code < 500, response.status_code
    assert "data-tracking" not in response.content.decode()


def test_the_decision_objection_page_never_tells_a_quota_cut_from_any_other_decision(
    client, household_factory
):
    """/layanan/keberatan/ (no sign-in) with a NIK, its KTP name and programme ATENSI. Only a
    person the rules found eligible (that is, in a vulnerable cluster: HIV, drug use, violence,
    disability…) can be cut by a quota; the page refuses such a decision ("unknown", 400) and
    takes an objection to any other decision (200 and a tracking number). Whoever knows a
    neighbour's NIK and name thus learns, on the first try, whether the neighbour is in an
    ATENSI cluster. The docs promise one answer for every refusal; the taken and the refused
    must answer alike too."""
    from sejahtera.targeting.models import Decision

    run = current_run()
    cut = household_factory(VILLAGE, members=[head("Siti Aminah", HEAD_NIK)])
    other = household_factory(
        VILLAGE, members=[head("Budi Santoso", OTHER_NIK, sex="L", birth="1980-01-01")]
    )
    for household, limited in ((cut, "quota"), (other, "")):
        Decision.objects.create(
            run=run, household=household, person=household.members.get(), region_code=VILLAGE,
            programme="ATENSI", eligible=False, limited_by=limited, reasons=[],
        )  # fmt: skip

    def objection(nik: str, name: str):
        form = {"nik": nik, "name": name, "programme": "ATENSI", "grounds": "Saya keberatan"}
        return client.post("/layanan/keberatan/", form | solved())

    quota_cut = objection(HEAD_NIK, "Siti Aminah")
    not_eligible = objection(OTHER_NIK, "Budi Santoso")
    assert quota_cut.status_code == not_eligible.status_code, (
        quota_cut.status_code,
        not_eligible.status_code,
    )
    assert bool(TRACKING.search(quota_cut.content.decode())) == bool(
        TRACKING.search(not_eligible.content.decode())
    )


def test_a_public_status_answer_that_shows_a_revealing_programme_is_in_the_audit_trail(
    client, household_factory, make_user
):
    """/layanan/cek-bansos/ shows the person's own programmes to whoever knows the NIK and
    KTP name, ATENSI among them — a programme that tells of a vulnerable cluster and that
    analysts and auditors never see. A read of specific data is an audit entry
    (docs/privacy.md §3): if the answer names ATENSI, the trail must hold a read of that
    person from that address, or the breach report for the person misses it."""
    from sejahtera.accounts.models import AuditEntry
    from sejahtera.programmes.models import Decree, Enrolment

    family = household_factory(VILLAGE, members=[head("Siti Aminah", HEAD_NIK)])
    person = family.members.get()
    run = current_run()
    decree = Decree.objects.create(
        programme="ATENSI", period_start=date(2026, 1, 1), run=run,
        prepared_by=make_user(Role.PROGRAMME_MANAGER),
    )  # fmt: skip
    Enrolment.objects.create(
        programme="ATENSI", subject=f"P{person.pk}", household=family, person=person,
        region_code=VILLAGE, started_on=date(2026, 1, 1), monthly_amount=100_000,
        yearly_amount=1_200_000, start_decree=decree,
    )  # fmt: skip
    response = client.post(
        "/layanan/cek-bansos/",
        {"nik": HEAD_NIK, "name": "Siti Aminah", **solved()},
        REMOTE_ADDR="203.0.113.9",
    )
    assert response.status_code == 200
    assert "ATENSI" in response.content.decode()
    read = AuditEntry.objects.get(action=AuditEntry.Action.READ, entity="person")
    assert (read.user, read.record_ids, read.client_address) == (None, [person.pk], "203.0.113.9")


@pytest.mark.parametrize(
    ("url", "form"),
    [
        ("/layanan/pengaduan/", complaint_form),
        ("/layanan/usul/", proposal_form),
    ],
)
def test_a_public_description_has_a_bounded_length(client, url, form):
    """A complaint or a proposal filed with a description of 200,000 characters (about the
    most a form post carries): thirty an hour from each address fill the database with text
    that every officer's page then renders whole. The public page must refuse text far
    longer than a description (the objection page stops its grounds at 4,000)."""
    response = client.post(url, form(description="banjir " * 30_000))
    assert response.status_code == 400, response.status_code
    assert not Complaint.objects.exists()
    assert not Proposal.objects.exists()


def test_the_public_proposal_photo_takes_only_the_images_it_asks_for(client):
    """The public form asks for "a photo of the house (JPEG or PNG)", but a PDF passes the
    check and lands on the village operator's desk as a download from an anonymous sender (a
    PDF can carry script, links and forms: phishing the officers). Only the images the page
    asks for are kept from the public page."""
    pdf = SimpleUploadedFile("rumah.pdf", b"%PDF-1.7\n1 0 obj<</OpenAction<</S/JavaScript>>>>")
    response = client.post("/layanan/usul/", proposal_form() | {"photo": pdf})
    assert response.status_code == 400, response.status_code
    assert not Proposal.objects.exists()


# -- attacks the app withstood ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "form"),
    [
        ("/layanan/cek-bansos/", {"nik": HEAD_NIK, "name": "Siti Aminah"}),
        ("/layanan/pengaduan/", complaint_form()),
        ("/layanan/usul/", proposal_form()),
        ("/layanan/lacak/", {"number": "ADU-2026-0000001", "nik": HEAD_NIK, "name": "x"}),
        ("/layanan/koreksi/", {"nik": HEAD_NIK, "name": "x", "description": "salah"}),
        ("/layanan/keberatan/", {"nik": HEAD_NIK, "name": "x", "grounds": "salah"}),
    ],
)
def test_a_public_form_posted_from_another_site_is_refused(url, form):
    """A page on another site posts a public form in a visitor's browser (cross-site request
    forgery: filing complaints or proposals in bulk from visitors' addresses, or spending a
    citizen's NIK limit): without the CSRF token the post is refused and files nothing."""
    client = Client(enforce_csrf_checks=True)
    response = client.post(url, form | solved())
    assert response.status_code == 403
    assert not Complaint.objects.exists()
    assert not Proposal.objects.exists()


def test_complaint_text_is_inert_on_the_officers_pages(client, make_user):
    """A complaint filed on the public page with markup in its description and name (stored
    XSS aimed at the regency officer who reads it): the complaint's page and the list show it
    as text. (Markup in the phone is refused: a phone is digits, PhoneField.)"""
    payloads = {
        "description": "<script>alert(document.cookie)</script>\n<b>tebal</b>",
        "name": '"><img src=x onerror=alert(1)>',
    }
    response = client.post("/layanan/pengaduan/", complaint_form(**payloads))
    assert response.status_code == 200
    complaint = Complaint.objects.get()
    client.force_login(make_user(Role.DISTRICT_OFFICE, "3201"))
    for url in (f"/complaints/{complaint.pk}/", "/complaints/"):
        page = client.get(url)
        assert page.status_code == 200, url
        text = page.content.decode()
        for raw in ("<script>alert", "<img src=x", "<svg onload", "<b>tebal"):
            assert raw not in text, (url, raw)
    detail = client.get(f"/complaints/{complaint.pk}/").content.decode()
    assert "&lt;script&gt;alert(document.cookie)&lt;/script&gt;" in detail


def test_proposal_text_is_inert_on_the_officers_pages(client, make_user):
    """A family proposed on the public page with markup in the proposer's name, the reason and
    the address (stored XSS aimed at the village operator and every office after them): the
    proposal's page and the list show it as text."""
    payloads = {
        "name": '"><img src=x onerror=alert(1)>',
        "description": "<script>alert(1)</script>",
        "h-address": "<iframe src=//evil.example>",
    }
    response = client.post("/layanan/usul/", proposal_form(**payloads))
    assert response.status_code == 200, response.status_code
    proposal = Proposal.objects.get()
    client.force_login(make_user(Role.VILLAGE_OPERATOR, VILLAGE))
    for url in (f"/proposals/{proposal.pk}/", "/proposals/"):
        page = client.get(url)
        assert page.status_code == 200, url
        text = page.content.decode()
        for raw in ("<script>alert", "<img src=x", "<iframe src"):
            assert raw not in text, (url, raw)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("rumah.html", b"<html><script>alert(1)</script></html>"),
        ("rumah.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
        ("rumah.png", b"<html><script>alert(1)</script></html>"),  # a page named as a photo
        ("rumah.png.html", PNG),  # a photo's bytes with a page's name
    ],
)
def test_a_proposal_photo_that_is_no_image_is_refused(client, name, content):
    """The public proposal's photo is checked by its content and its name: a web page or an
    SVG (script that would run where an officer opens it) is refused and nothing is kept."""
    form = proposal_form() | {"photo": SimpleUploadedFile(name, content)}
    response = client.post("/layanan/usul/", form)
    assert response.status_code == 400
    assert not Proposal.objects.exists()


def test_a_proposal_photo_too_large_is_refused(client, settings):
    """A photo larger than SEJAHTERA_MAX_EVIDENCE_MB (filling the server's disk from the
    public page) is refused and nothing is kept."""
    settings.SEJAHTERA_MAX_EVIDENCE_MB = 1
    big = SimpleUploadedFile("rumah.png", PNG + b"\x00" * (2**20 + 1))
    response = client.post("/layanan/usul/", proposal_form() | {"photo": big})
    assert response.status_code == 400
    assert not Proposal.objects.exists()


def test_a_proposal_photo_name_never_chooses_where_it_is_stored(client, make_user):
    """A photo whose name climbs out of the upload folder ("../../…") is stored under a name
    of the server's choosing inside the evidence folder, and an officer downloads it as an
    attachment the browser may not sniff into a page."""
    from sejahtera.cases import evidence

    upload = SimpleUploadedFile("../../../../config/settings.png", PNG, "text/html")
    response = client.post("/layanan/usul/", proposal_form() | {"photo": upload})
    assert response.status_code == 200, response.status_code
    proposal = Proposal.objects.get()
    assert re.fullmatch(rf"proposal-{proposal.pk}/[0-9a-f]{{32}}\.png", proposal.photo_upload)
    assert evidence.path(proposal.photo_upload).is_relative_to(evidence.root().resolve())
    client.force_login(make_user(Role.VILLAGE_OPERATOR, VILLAGE))
    download = client.get(f"/proposals/{proposal.pk}/photo/")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert download["Content-Type"] == "image/png"
    assert download["X-Content-Type-Options"] == "nosniff"


def test_uploaded_files_are_not_served_by_address(client):
    """A proposal's photo lies on disk under media/evidence: no address serves that folder
    (guessing /media/… would skip the access check and the audit entry)."""
    client.post("/layanan/usul/", proposal_form() | {"photo": SimpleUploadedFile("rumah.png", PNG)})
    stored = Proposal.objects.get().photo_upload
    for url in (f"/media/evidence/{stored}", f"/evidence/{stored}", f"/static/../media/{stored}"):
        assert client.get(url).status_code == 404, url


def test_filing_under_someone_elses_nik_tells_nothing_of_them(client, household_factory):
    """Someone who knows a neighbour's NIK but not the KTP name files a complaint under that
    NIK with a made-up name, then checks the status with that NIK and name: the answer is the
    one for a person not registered (nothing of the neighbour), and the neighbour's own
    status check does not list what the stranger filed."""
    household_factory(VILLAGE, members=[head("Siti Aminah", HEAD_NIK)])
    filed = client.post("/layanan/pengaduan/", complaint_form(nik=HEAD_NIK, name="Orang Asing"))
    assert filed.status_code == 200
    number = Complaint.objects.get().tracking_number
    stranger = status_answer(client, HEAD_NIK, "Orang Asing")
    assert 'data-registered="no"' in stranger
    assert 'id="programmes"' not in stranger
    neighbour = status_answer(client, HEAD_NIK, "Siti Aminah")
    assert 'data-registered="yes"' in neighbour
    assert number not in neighbour


def test_a_tracking_number_answers_only_with_the_filers_nik_and_name(client):
    """A tracking number is sequential: someone who tries numbers near their own with their
    own NIK and name, or with the number's NIK and a guessed name, reads nothing of another
    citizen's complaint (its outcome may name a family)."""
    client.post("/layanan/pengaduan/", complaint_form())
    theirs = Complaint.objects.get().tracking_number
    attempts = [
        {"nik": OTHER_NIK, "name": "Dewi Lestari"},
        {"nik": PROPOSER_NIK, "name": "Dewi"},
        {"nik": PROPOSER_NIK, "name": "Dewi Lestari "[:-1] + "x"},
    ]
    for attempt in attempts:
        page = client.post("/layanan/lacak/", {"number": theirs, **attempt, **solved()})
        assert page.status_code == 200
        assert "data-tracking" not in page.content.decode(), attempt


def test_a_spent_sum_with_other_answers_never_shows_what_it_filed(client):
    """The double-submit answer (the same solved form posted again shows its tracking number)
    is keyed by the sum's nonce: someone replaying a captured form with another NIK or name
    gets a refusal, not the earlier filing's number, and files nothing."""
    form = complaint_form()
    first = client.post("/layanan/pengaduan/", form)
    number = Complaint.objects.get().tracking_number
    assert number in first.content.decode()
    for changed in ({"nik": OTHER_NIK}, {"name": "Orang Lain"}, {"description": "lain"}):
        again = client.post("/layanan/pengaduan/", form | changed)
        assert again.status_code == 400, changed
        assert number not in again.content.decode(), changed
    assert Complaint.objects.count() == 1


def test_the_nik_limit_is_one_across_every_page_that_answers_about_a_nik(
    client, household_factory, settings
):
    """Walking one NIK's names across the status page, the tracking page and the correction
    page, from a new address each time, stops at the NIK's one limit: no page is a side door
    with a count of its own."""
    settings.SEJAHTERA_PUBLIC_NIK_RATE = "3/hour"
    household_factory(VILLAGE, members=[head("Siti Aminah", HEAD_NIK)])
    posts = [
        ("/layanan/cek-bansos/", {"name": "Nama 1"}),
        ("/layanan/lacak/", {"name": "Nama 2", "number": tracking_number("complaint", 2026, 1)}),
        ("/layanan/koreksi/", {"name": "Nama 3", "description": "salah"}),
        ("/layanan/cek-bansos/", {"name": "Siti Aminah"}),
        ("/layanan/koreksi/", {"name": "Siti Aminah", "description": "salah"}),
    ]
    codes = [
        client.post(
            url, {"nik": HEAD_NIK, **form, **solved()}, REMOTE_ADDR=f"10.1.0.{i}"
        ).status_code
        for i, (url, form) in enumerate(posts)
    ]
    assert codes[3:] == [429, 429], codes


def test_the_public_pages_change_nothing_of_what_someone_else_filed(client):
    """Without signing in, the staff's addresses that move a proposal or resolve a complaint
    send the browser to the login page and change nothing (a citizen cannot withdraw,
    reject or close another's filing)."""
    client.post("/layanan/usul/", proposal_form())
    client.post("/layanan/pengaduan/", complaint_form())
    proposal, complaint = Proposal.objects.get(), Complaint.objects.get()
    posts = [
        ("/proposals/batch/", {"proposal": proposal.pk, "action": "reject", "reason": "x"}),
        (f"/proposals/{proposal.pk}/", {"action": "withdraw", "reason": "x"}),
        (f"/proposals/{proposal.pk}/visit/", {"visited_on": "2026-01-01"}),
        (f"/complaints/{complaint.pk}/", {"outcome": "selesai"}),
    ]
    for url, form in posts:
        response = client.post(url, form)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/login/"), url
    proposal.refresh_from_db()
    complaint.refresh_from_db()
    assert (proposal.stage, proposal.version) == ("submitted", 1)
    assert (complaint.status, complaint.outcome) == ("open", "")


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/", "/\\evil.example/", "https:evil.example"],
)
def test_the_login_never_sends_the_user_to_another_site(client, make_user, target):
    """A link to /login/?next=<another site> (phishing an officer through the real login):
    once signed in, the officer lands on this site."""
    make_user(Role.DISTRICT_OFFICE, "3201", email="x@example.org")
    from sejahtera.accounts.models import User

    user = User.objects.get()
    response = client.post(
        "/login/", {"username": user.username, "password": "pw-for-tests", "next": target}
    )
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith("/"), location
    assert not location.startswith(("//", "/\\")), location


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/"])
def test_choosing_the_language_never_sends_the_browser_to_another_site(client, target):
    """The language menu's address (/i18n/setlang/) with next=<another site>: the browser
    stays on this site."""
    response = client.post("/i18n/setlang/", {"language": "en", "next": target})
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


def test_the_login_answers_alike_for_an_unknown_user_and_a_wrong_password(client, make_user):
    """Guessing officers' user names on the login page: a wrong password for a real user and
    any password for an unknown one get the same page."""
    from sejahtera.accounts.models import User

    make_user(Role.DISTRICT_OFFICE, "3201")
    real = User.objects.get().username
    token = re.compile(r"[A-Za-z0-9]{64}")  # the CSRF token, in the form and in hx-headers

    def page(username: str) -> tuple[int, str]:
        response = Client().post("/login/", {"username": username, "password": "salah-123"})
        return response.status_code, token.sub("", response.content.decode()).replace(
            username, "{user}"
        )

    assert page(real) == page("tidak-ada-orangnya")


def test_the_health_endpoints_tell_only_the_state_of_each_dependency(client):
    """/healthz and /readyz are open to anyone: they answer with states only, no version,
    path, host or setting an attacker could use."""
    assert client.get("/healthz").content == b"ok"
    ready = client.get("/readyz")
    assert set(ready.json()) <= {"database", "migrations", "worker"}
    assert set(ready.json().values()) <= {"ok", "pending", "stalled", "unreachable"}
    assert client.post("/readyz").status_code == 405


@pytest.mark.parametrize(
    "url", [f"/api/v1/persons?q={HEAD_NIK}", "/api/v1/households", "/api/v1/cases"]
)
@pytest.mark.parametrize("authorization", [None, "Bearer salah", "Basic YWRtaW46YWRtaW4="])
def test_the_api_answers_nothing_without_a_valid_token(
    client, household_factory, url, authorization
):
    """The API without a token, with a made-up one or with a password: 401 and no record."""
    household_factory(VILLAGE, members=[head("Siti Aminah", HEAD_NIK)])
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    response = client.get(url, **headers)
    assert response.status_code == 401
    assert "Siti" not in response.content.decode()


def test_the_public_pages_cannot_be_framed_and_run_no_inline_script(client):
    """A public form inside another site's frame (clickjacking a citizen into filing) or an
    injected inline script: the headers forbid both."""
    response = client.get("/layanan/pengaduan/")
    assert response["X-Frame-Options"] == "DENY"
    policy = response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_request_id_from_outside_is_never_echoed_as_markup_or_a_header(client):
    """X-Request-ID is returned as a header and written to the logs: a value with markup or a
    line break (header or log injection) is replaced by the server's own id."""
    for offered in ("<script>x</script>", "abc\r\nSet-Cookie: a=b", "x" * 65):
        response = client.get("/layanan/", HTTP_X_REQUEST_ID=offered)
        assert response["X-Request-ID"] != offered
        assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])
