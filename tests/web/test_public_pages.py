"""The public pages: the status page ("cek bansos") tells whoever knows a NIK and its name only
the household's registration, its current programmes and what that NIK filed — and one answer,
word for word, for an unknown NIK and for a wrong name; a sum guards each lookup (each answer
good once) and the lookups are limited per client and per NIK; a family proposed there and a
complaint filed there get a tracking number that, with the NIK, shows their status."""

import re
import secrets

import pytest
from django.core import signing
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from sejahtera.domain.participation import ProposalStage
from sejahtera.grievances.models import Complaint, Proposal
from sejahtera.web.public_guard import SALT

pytestmark = pytest.mark.django_db
VILLAGE = "3201011002"
HEAD_NIK = "3201014508900001"  # the household factory's head, Siti Aminah
ANSWER = re.compile(r'<section class="card" id="status-answer".*?</section>', re.S)


@pytest.fixture(autouse=True)
def fresh_counts():
    """Each test counts its own requests."""
    cache.clear()


def solved(answer_offset: int = 0) -> dict[str, str]:
    """A challenge as the page would carry it, answered (wrongly by ``answer_offset``)."""
    token = signing.dumps({"sum": 7, "nonce": secrets.token_hex(8)}, salt=SALT)
    return {"challenge": token, "answer": str(7 + answer_offset)}


def status_answer(client, nik: str, name: str) -> str:
    response = client.post("/layanan/cek-bansos/", {"nik": nik, "name": name, **solved()})
    assert response.status_code == 200
    found = ANSWER.search(response.content.decode())
    assert found, "no answer on the page"
    return found.group(0)


@pytest.fixture
def family(household_factory):
    return household_factory(
        VILLAGE,
        members=[
            {
                "full_name": "Siti Aminah",
                "sex": "P",
                "birth_date": "1990-08-05",
                "relationship": "head",
                "nik": HEAD_NIK,
            },
            {
                "full_name": "Rahmat Hidayat",
                "sex": "L",
                "birth_date": "2012-01-01",
                "relationship": "child",
                "hiv": "true",
            },
        ],
        address="Jl. Kenanga 9",
    )


def test_the_public_pages_open_without_signing_in(client):
    for url in ("/layanan/", "/layanan/cek-bansos/", "/layanan/usul/", "/layanan/pengaduan/"):
        assert client.get(url).status_code == 200, url
    assert client.get("/layanan/lacak/").status_code == 200


def test_a_known_nik_and_name_shows_registration_and_nothing_else(client, family):
    answer = status_answer(client, "3201 0145 0890 0001", "  siti  AMINAH ")
    assert 'data-registered="yes"' in answer
    for private in ("Rahmat", "Kenanga", family.external_id, "HIV", HEAD_NIK):
        assert private not in answer


def test_the_answer_says_how_each_programme_stands_but_never_its_amount(client, family, enrol):
    enrol(family, "PKH")
    answer = status_answer(client, HEAD_NIK, "Siti Aminah")
    assert 'data-programme="PKH" data-state="enrolled"' in answer
    assert "belum ada periode pembayaran" in answer.lower()
    for amount in ("937", "3.750", "3,750"):
        assert amount not in answer


def test_a_name_typed_without_the_ktps_dots_and_commas_is_found(client, household_factory):
    """Was a defect: "Hj Siti Aminah S.Pd" did not find the KTP's "Hj. Siti Aminah, S.Pd."
    (case and spaces were forgiven, dots and commas not)."""
    household_factory(
        VILLAGE,
        members=[{"full_name": "Hj. Siti Aminah, S.Pd.", "sex": "P", "birth_date": "1970-08-05",
                  "relationship": "head", "nik": HEAD_NIK}],
    )  # fmt: skip
    assert 'data-registered="yes"' in status_answer(client, HEAD_NIK, "Hj Siti Aminah S.Pd")
    assert 'data-registered="yes"' not in status_answer(client, HEAD_NIK, "Hj Siti Aminah")


def test_an_unknown_nik_and_a_wrong_name_get_the_same_answer(client, family):
    unknown = status_answer(client, "3201010101010001", "Siti Aminah")
    wrong_name = status_answer(client, HEAD_NIK, "Siti Aminar")
    assert unknown == wrong_name
    assert 'id="no-match"' in unknown


def test_a_wrong_or_spent_sum_gets_no_answer(client, family):
    wrong = client.post(
        "/layanan/cek-bansos/", {"nik": HEAD_NIK, "name": "Siti Aminah", **solved(1)}
    )
    assert not ANSWER.search(wrong.content.decode())
    assert 'role="alert"' in wrong.content.decode()
    once = solved()
    client.post("/layanan/cek-bansos/", {"nik": HEAD_NIK, "name": "Siti Aminah", **once})
    again = client.post("/layanan/cek-bansos/", {"nik": HEAD_NIK, "name": "Siti Aminah", **once})
    assert not ANSWER.search(again.content.decode())


def test_lookups_of_one_nik_are_limited_whoever_asks(client, family, settings):
    settings.SEJAHTERA_PUBLIC_NIK_RATE = "3/hour"
    codes = [
        client.post(
            "/layanan/cek-bansos/",
            {"nik": HEAD_NIK, "name": "x", **solved()},
            REMOTE_ADDR=f"10.0.0.{i}",
        ).status_code
        for i in range(5)
    ]
    assert codes == [200, 200, 200, 429, 429]
    other = client.post(
        "/layanan/cek-bansos/", {"nik": "3201010101010001", "name": "x", **solved()}
    )
    assert other.status_code == 200


def test_lookups_from_one_client_are_limited_whatever_the_nik(client, settings):
    settings.SEJAHTERA_PUBLIC_RATE = "2/hour"
    codes = [
        client.post(
            "/layanan/cek-bansos/", {"nik": f"320101010101000{i}", "name": "x", **solved()}
        ).status_code
        for i in range(4)
    ]
    assert codes == [200, 200, 429, 429]


def test_a_limited_complaint_keeps_what_was_typed(client, settings):
    """Someone typing a long complaint on a shared connection (a village hall's) meets the
    limit: the page says nothing was sent and gives the text back, with a new sum."""
    settings.SEJAHTERA_PUBLIC_RATE = "1/hour"
    client.get("/layanan/pengaduan/")
    client.post("/layanan/cek-bansos/", {"nik": "3201010101010001", "name": "x", **solved()})
    text = "Bantuan BPNT keluarga kami tidak cair sejak Maret, padahal nama masih terdaftar."
    response = client.post(
        "/layanan/pengaduan/",
        {"village": VILLAGE, "category": "aid_not_received", "description": text,
         "name": "Dewi Lestari", "nik": "3201016007850002", **solved()},
    )  # fmt: skip
    assert response.status_code == 429
    page = response.content.decode()
    assert text in page
    assert "tidak ada yang dikirim" in page.lower()
    assert not Complaint.objects.exists()


def proposal_form(**overrides: str) -> dict[str, str]:
    form = {
        "village": VILLAGE,
        "name": "Dewi Lestari",
        "nik": "3201016007850002",
        "phone": "081234567890",
        "description": "Suami meninggal, tiga anak kecil",
        "h-address": "Jl. Mawar 2",
        "h-rt": "001",
        "h-rw": "002",
        "m-TOTAL_FORMS": "4",
        "m-INITIAL_FORMS": "0",
        "m-MIN_NUM_FORMS": "0",
        "m-MAX_NUM_FORMS": "4",
        "m-0-full_name": "Dewi Lestari",
        "m-0-nik": "3201016007850002",
        "m-0-sex": "P",
        "m-0-birth_date": "1985-07-20",
        "m-0-relationship": "head",
        **solved(),
    }
    return form | overrides


def test_a_family_proposed_on_the_public_page_gets_a_tracking_number(client):
    response = client.post("/layanan/usul/", proposal_form())
    assert response.status_code == 200
    proposal = Proposal.objects.get()
    assert proposal.tracking_number in response.content.decode()
    assert (proposal.stage, proposal.channel, proposal.village_id) == (
        ProposalStage.SUBMITTED,
        "public",
        VILLAGE,
    )
    assert proposal.household_cells["address"] == "Jl. Mawar 2"
    assert [m["full_name"] for m in proposal.member_cells] == ["Dewi Lestari"]


def test_a_proposal_with_a_bad_member_says_which_field_and_keeps_nothing(client):
    response = client.post("/layanan/usul/", proposal_form(**{"m-0-birth_date": "2099-01-01"}))
    assert response.status_code == 400
    assert 'id="id_m-0-birth_date_error"' in response.content.decode()
    assert not Proposal.objects.exists()


def test_a_proposal_sent_back_asks_for_its_photo_again(client):
    """What was typed comes back; a file cannot, and the page says so beside the photo."""
    photo = SimpleUploadedFile("rumah.jpg", b"\xff\xd8\xff\xe0 jpeg", content_type="image/jpeg")
    form = proposal_form(**{"m-0-birth_date": "2099-01-01"}) | {"photo": photo}
    page = client.post("/layanan/usul/", form).content.decode()
    assert 'id="photo-again"' in page
    assert "Pilih foto lagi" in page
    assert 'value="Dewi Lestari"' in page
    assert (
        'id="photo-again"'
        not in client.post(
            "/layanan/usul/", proposal_form(**{"m-0-birth_date": "2099-01-01"})
        ).content.decode()
    )


def test_a_proposal_needs_a_village(client):
    response = client.post("/layanan/usul/", proposal_form(village=""))
    assert response.status_code == 400
    assert 'id="region-village-error"' in response.content.decode()


def test_a_public_complaint_is_routed_and_followed_by_its_number_and_nik(client):
    response = client.post(
        "/layanan/pengaduan/",
        {
            "village": VILLAGE,
            "category": "aid_not_received",
            "description": "BPNT bulan ini belum masuk",
            "name": "Dewi Lestari",
            "nik": "3201016007850002",
            **solved(),
        },
    )
    assert response.status_code == 200
    complaint = Complaint.objects.get()
    assert (complaint.level, complaint.office_region_code, complaint.channel) == (
        "regency",
        "3201",
        "public",
    )
    number = complaint.tracking_number
    asked = {"number": number.lower(), "nik": "3201016007850002", "name": "Dewi Lestari"}
    found = client.post("/layanan/lacak/", asked | solved())
    assert f'data-tracking="{number}"' in found.content.decode()
    for wrong in ({"nik": "3201016007850003"}, {"name": "Dewi"}):
        answer = client.post("/layanan/lacak/", asked | wrong | solved()).content.decode()
        assert 'id="no-match"' in answer
        assert "data-tracking" not in answer


def test_the_status_page_lists_what_the_nik_filed_even_before_registration(client):
    client.post("/layanan/usul/", proposal_form())
    answer = status_answer(client, "3201016007850002", "Dewi Lestari")
    assert 'data-registered="no"' in answer
    assert Proposal.objects.get().tracking_number in answer


def test_the_region_lists_open_level_by_level(client):
    regencies = client.get("/layanan/wilayah/", {"parent": "32"}).content.decode()
    assert 'value="3201"' in regencies
    assert 'value="3201011002"' not in regencies
    assert (
        client.get("/layanan/wilayah/", {"parent": "x' OR 1"}).content.decode().count("<option")
        == 1
    )


def test_the_sum_is_asked_in_indonesian_by_default(client):
    page = client.get("/layanan/cek-bansos/").content.decode()
    assert "Berapa" in page


def test_a_nik_held_by_two_records_answers_for_the_name_given(client, family, household_factory):
    household_factory(
        "3201011003",
        members=[
            {
                "full_name": "Dewi Tetangga",
                "sex": "P",
                "birth_date": "1975-01-01",
                "relationship": "head",
                "nik": HEAD_NIK,
            }
        ],
    )
    assert 'data-registered="yes"' in status_answer(client, HEAD_NIK, "Dewi Tetangga")
    assert 'data-registered="yes"' in status_answer(client, HEAD_NIK, "Siti Aminah")


def test_a_person_asks_to_correct_their_own_data_and_only_theirs(client, family):
    form = {
        "nik": HEAD_NIK,
        "name": "Siti Aminah",
        "description": "Tempat lahir salah",
        "birth_place": "Bogor",
    }
    asked = client.post("/layanan/koreksi/", {**form, **solved()})
    assert asked.status_code == 200
    from sejahtera.grievances.models import CorrectionRequest

    request = CorrectionRequest.objects.get()
    assert request.tracking_number in asked.content.decode()
    assert (request.person.full_name, request.cells) == ("Siti Aminah", {"birth_place": "Bogor"})
    stranger = client.post("/layanan/koreksi/", {**form, "name": "Orang Lain", **solved()})
    assert stranger.status_code == 400
    assert 'id="no-match"' in stranger.content.decode()
    assert CorrectionRequest.objects.count() == 1


def test_unsolved_posts_never_lock_a_citizen_out(client, family, settings):
    settings.SEJAHTERA_PUBLIC_NIK_RATE = "2/hour"
    for _ in range(4):
        client.post("/layanan/cek-bansos/", {"nik": HEAD_NIK, "name": "x", **solved(1)})
    answer = status_answer(client, HEAD_NIK, "Siti Aminah")
    assert 'data-registered="yes"' in answer


def test_the_limit_holds_its_whole_window_and_forgets_ended_ones(monkeypatch):
    from sejahtera.accounts.models import RequestCount
    from sejahtera.web import public_guard

    clock = [7200.0]
    monkeypatch.setattr(public_guard.time, "time", lambda: clock[0])
    assert [public_guard.allow("nik", HEAD_NIK, "2/hour") for _ in range(3)] == [True, True, False]
    clock[0] += 3000  # a long pause in the same hour: still counted
    assert public_guard.allow("nik", HEAD_NIK, "2/hour") is False
    clock[0] = 7200.0 + 3600 * 2  # two hours on: a new window, and the old one is gone
    assert public_guard.allow("nik", HEAD_NIK, "2/hour") is True
    assert RequestCount.objects.count() == 1
    assert HEAD_NIK not in RequestCount.objects.get().key


def test_an_ipv6_client_is_one_client_across_its_network(rf):
    from sejahtera.web.public_guard import client_address

    first = rf.get("/", REMOTE_ADDR="2001:db8:1:2::10")
    second = rf.get("/", REMOTE_ADDR="2001:db8:1:2:ffff::1")
    assert client_address(first) == client_address(second) == "2001:db8:1:2::/64"
    assert client_address(rf.get("/", REMOTE_ADDR="10.0.0.7")) == "10.0.0.7"


def test_a_correction_request_never_tells_what_else_the_record_holds(client, household_factory):
    """Asking that a pregnant woman's sex be L, or a birth date after a death, gets the same
    answer as any request: what the rest of the record holds is for the review."""
    from sejahtera.grievances.models import CorrectionRequest

    household_factory(
        VILLAGE,
        members=[
            {
                "full_name": "Siti Aminah",
                "sex": "P",
                "birth_date": "1990-08-05",
                "relationship": "head",
                "nik": HEAD_NIK,
                "pregnant": "true",
                "deceased_date": "2026-01-01",
            }
        ],
    )
    for asked in ({"sex": "L"}, {"birth_date": "2026-02-01"}):
        response = client.post(
            "/layanan/koreksi/",
            {"nik": HEAD_NIK, "name": "Siti Aminah", "description": "salah", **asked, **solved()},
        )
        assert response.status_code == 200, asked
    assert CorrectionRequest.objects.count() == 2


def test_the_same_form_posted_twice_files_once_and_answers_the_same(client):
    """A double tap, or a resend after the answer was lost on a weak connection: the second
    post of the same solved form shows the first tracking number, not an error."""
    form = proposal_form()
    first = client.post("/layanan/usul/", form).content.decode()
    again = client.post("/layanan/usul/", form)
    number = Proposal.objects.get().tracking_number
    assert f">{number}<" in first
    assert again.status_code == 200
    assert f">{number}<" in again.content.decode()

    complaint = {
        "village": VILLAGE,
        "category": "aid_not_received",
        "description": "BPNT bulan ini belum masuk",
        "name": "Dewi Lestari",
        "nik": "3201016007850002",
        **solved(),
    }
    answers = [client.post("/layanan/pengaduan/", complaint) for _ in range(2)]
    number = Complaint.objects.get().tracking_number
    assert all(f">{number}<" in a.content.decode() for a in answers)
    # a spent sum that filed nothing is still refused
    refused = client.post("/layanan/pengaduan/", complaint | {"category": "no-such-category"})
    assert refused.status_code == 400
    assert Complaint.objects.count() == 1


def test_the_region_lists_open_without_javascript_to_the_region_chosen(client):
    """Was a defect: without JavaScript the lists below the province never filled. A GET of
    the lists chosen so far opens the next; lists chosen out of order stop where they part."""
    page = client.get("/layanan/pengaduan/").content.decode()
    assert 'form="region-pick"' in page
    assert "Tampilkan daftar berikutnya" in page
    regencies = client.get("/layanan/pengaduan/", {"parent": "32"}).context["region_lists"]
    assert [chosen for _, _, chosen in regencies] == ["32", "", "", ""]
    assert "3201" in {r.code for r in regencies[1][1]}
    down = {"parent": ["32", "3201", "320101"]}
    villages = client.get("/layanan/usul/", down).context["region_lists"]
    assert [chosen for _, _, chosen in villages] == ["32", "3201", "320101", ""]
    assert "3201011002" in {r.code for r in villages[3][1]}
    parted = client.get("/layanan/usul/", {"parent": ["31", "3201"]}).context["region_lists"]
    assert [chosen for _, _, chosen in parted] == ["31", "", "", ""]
    assert not parted[2][1].exists()
    # hostile values open nothing and fail nothing
    for hostile in ({"parent": ["3' OR 1=1--"]}, {"parent": ["9" * 5000]}, {"village": "99"}):
        answer = client.get("/layanan/pengaduan/", hostile)
        assert answer.status_code == 200
        assert [chosen for _, _, chosen in answer.context["region_lists"]] == ["", "", "", ""]
