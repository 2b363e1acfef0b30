"""The statement of an approved graduation, as a PDF a family can be handed."""

from __future__ import annotations

import io

import pypdf
import pytest

from sejahtera.accounts.models import SensitiveAccess
from sejahtera.cases import services
from sejahtera.domain.cases import GraduationType, Stage

from .conftest import TODAY

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    assert response["Content-Type"] == "application/pdf"
    pages = pypdf.PdfReader(io.BytesIO(response.content)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())  # lines unwrapped


@pytest.fixture
def approved(case, move, worker, supervisor):
    move(case, Stage.PROTECTION)
    request = services.propose_graduation(
        actor=worker, case=case, type=GraduationType.MANDIRI, signed_statement=True, today=TODAY
    )
    case.refresh_from_db()
    services.decide_graduation(
        actor=supervisor, request=request, approve=True, expected_version=case.version, today=TODAY
    )
    return request


def test_the_letter_states_the_graduation_in_the_ministrys_layout(
    client, case, approved, worker, supervisor
):
    supervisor.first_name, supervisor.last_name = "Dewi", "Kartika"
    supervisor.save()
    client.force_login(worker)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    letter_url = f"/cases/{case.pk}/graduations/{approved.pk}/letter.pdf"
    assert letter_url in page

    text = text_of(client.get(letter_url))
    assert "DINAS SOSIAL KABUPATEN BOGOR" in text
    assert "SURAT KETERANGAN GRADUASI" in text
    assert f"Nomor: {approved.pk}/GRAD/III/2026" in text
    assert "Siti Aminah" in text
    assert "3201014508900001" in text
    assert "Graduasi mandiri: keluarga menyatakan" in text
    assert "Bogor, 2 Maret 2026" in text
    assert "a.n. Kepala Dinas Sosial Kabupaten Bogor" in text
    assert "Dewi Kartika" in text  # the supervisor who approved signs
    assert SensitiveAccess.objects.filter(user=worker, entity="case", record_ids=[case.pk]).exists()


def test_only_an_approved_graduation_has_a_letter(client, case, move, worker):
    move(case, Stage.PROTECTION)
    pending = services.propose_graduation(
        actor=worker, case=case, type=GraduationType.MANDIRI, signed_statement=True, today=TODAY
    )
    client.force_login(worker)
    assert client.get(f"/cases/{case.pk}/graduations/{pending.pk}/letter.pdf").status_code == 404


def test_nobody_outside_the_case_gets_its_letter(client, case, approved, make_user):
    for outsider in (make_user("social_worker", "3201"), make_user("district_office", "3273")):
        client.force_login(outsider)
        assert (
            client.get(f"/cases/{case.pk}/graduations/{approved.pk}/letter.pdf").status_code == 404
        )
