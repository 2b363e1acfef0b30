"""The household page offers each member's copy of their own data to those who may read
specific data; the copy comes as JSON and as a PDF, and outside the region it is not found."""

import io
import json

import pytest
from pypdf import PdfReader

from sejahtera.accounts.models import AuditEntry, Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(household_factory):
    return household_factory().members.get()


def test_the_page_offers_the_copy_to_readers_of_specific_data(client, make_user, member):
    client.force_login(make_user(Role.DISTRICT_OFFICE, "3201"))
    page = client.get(f"/registry/households/{member.household_id}/").content.decode()
    assert f"/registry/persons/{member.pk}/personal-data.pdf" in page
    client.force_login(make_user(Role.MINISTRY_ANALYST))
    page = client.get(f"/registry/households/{member.household_id}/").content.decode()
    assert "personal-data" not in page


def test_json_and_pdf(client, make_user, member):
    client.force_login(make_user(Role.DISTRICT_OFFICE, "3201"))
    response = client.get(f"/registry/persons/{member.pk}/personal-data.json")
    assert response["Cache-Control"] == "private, no-store"
    data = json.loads(response.content)
    assert data["format"] == "sejahtera-subject-access/1"
    assert data["person"]["nik"] == member.nik
    pdf = client.get(f"/registry/persons/{member.pk}/personal-data.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "SALINAN DATA PRIBADI" in text.upper()
    assert member.full_name in text
    assert "Tanggal lahir : 5 Agustus 1990" in text  # labels and dates the Indonesian way
    assert "Riwayat perubahan data" in text
    assert AuditEntry.objects.filter(entity="subject_access").count() == 2


def test_outside_the_region_or_role_it_is_not_given(client, make_user, member):
    client.force_login(make_user(Role.DISTRICT_OFFICE, "3273"))
    assert client.get(f"/registry/persons/{member.pk}/personal-data.json").status_code == 404
    client.force_login(make_user(Role.MINISTRY_ANALYST))
    assert client.get(f"/registry/persons/{member.pk}/personal-data.json").status_code == 403
    client.force_login(make_user(Role.DISTRICT_OFFICE, "3201"))
    assert client.get(f"/registry/persons/{member.pk}/personal-data.xml").status_code == 404
