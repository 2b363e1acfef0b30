"""The household card as PDF: the page's masking, the reader's region, a logged read."""

from __future__ import annotations

import io

import pypdf
import pytest

from sejahtera.accounts.models import Role, SensitiveAccess
from sejahtera.web import documents

pytestmark = pytest.mark.django_db
CHILD = {
    "full_name": "Budi Kecil",
    "sex": "L",
    "birth_date": "2018-01-01",
    "relationship": "child",
    "nik": "3201010101180003",
}


def text_of(response) -> str:
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    pages = pypdf.PdfReader(io.BytesIO(response.content)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())  # lines unwrapped


@pytest.fixture
def family(household_factory):
    head = {
        "full_name": "Siti Aminah",
        "sex": "P",
        "birth_date": "1990-08-05",
        "relationship": "head",
        "nik": "3201014508900001",
    }
    return household_factory(
        members=[head, CHILD], kk_number="3201010101200001", address="Jl. Mawar 5"
    )


def test_the_card_lists_the_family_under_the_offices_letterhead(client, make_user, family):
    office = make_user(Role.DISTRICT_OFFICE, "3201", first_name="Rina", last_name="Operator")
    client.force_login(office)
    assert (
        f"/registry/households/{family.pk}/card.pdf"
        in client.get(f"/registry/households/{family.pk}/").content.decode()
    )
    text = text_of(client.get(f"/registry/households/{family.pk}/card.pdf"))
    assert "DINAS SOSIAL KABUPATEN BOGOR" in text
    assert "Pemerintah Provinsi Jawa Barat" in text
    assert "KARTU RUMAH TANGGA" in text
    assert "/KRT/" in text
    assert "3201010101200001" in text
    assert "Jl. Mawar 5" in text
    assert "Siti Aminah" in text
    assert "5 Agustus 1990" in text
    assert "Rina Operator" in text  # who printed it signs
    members = sorted(family.members.values_list("pk", flat=True))
    assert SensitiveAccess.objects.filter(user=office, record_ids=members).exists()


def test_a_child_is_masked_on_the_card_as_on_the_page(client, make_user, family):
    client.force_login(make_user(Role.MINISTRY_ANALYST))
    text = text_of(client.get(f"/registry/households/{family.pk}/card.pdf"))
    assert "Siti Aminah" in text
    assert "Budi Kecil" not in text
    assert CHILD["nik"] not in text


def test_no_card_outside_the_readers_region(client, make_user, family):
    client.force_login(make_user(Role.DISTRICT_OFFICE, "3273"))
    assert client.get(f"/registry/households/{family.pk}/card.pdf").status_code == 404


def test_a_document_fetches_nothing():
    with pytest.raises(documents.FetchRefused):
        documents._refuse("file:///etc/passwd")


def test_letter_numbers_carry_the_month_in_roman_numerals():
    from datetime import date

    assert documents.letter_number(12, "GRAD", date(2026, 12, 5)) == "12/GRAD/XII/2026"
