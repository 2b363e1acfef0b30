"""Documents in a real browser: the household card and a graduation statement are linked
from their pages, arrive as PDFs and read in Indonesian (text extracted and checked); the
household page prints without its controls."""

from __future__ import annotations

import io
from datetime import date
from urllib.parse import urljoin

import pypdf
import pytest

from sejahtera.accounts.models import Role
from sejahtera.cases import services
from sejahtera.domain.cases import GraduationType

pytestmark = pytest.mark.django_db(transaction=True)
HEAD = {
    "full_name": "Siti Aminah",
    "sex": "P",
    "birth_date": "1990-08-05",
    "relationship": "head",
    "nik": "3201014508900001",
}


def pdf_text(page, selector: str) -> str:
    """The PDF behind a link of the page, fetched with the page's session."""
    href = page.locator(selector).get_attribute("href")
    response = page.request.get(urljoin(page.url, href))
    assert response.headers["content-type"] == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(response.body()))
    return " ".join(" ".join(p.extract_text() for p in reader.pages).split())


def test_the_card_and_the_graduation_statement_come_as_pdfs(
    page_for, shoot, live_server, make_user, household_factory, served_case
):
    worker = make_user(Role.SOCIAL_WORKER, "3201")
    supervisor = make_user(Role.SUPERVISOR, "3201", first_name="Dewi", last_name="Kartika")
    family = household_factory("3201011002", members=[HEAD], kk_number="3201010101200001")
    case = served_case(family, worker, supervisor)
    request = services.propose_graduation(
        actor=worker,
        case=case,
        type=GraduationType.MANDIRI,
        signed_statement=True,
        today=date.today(),
    )
    case.refresh_from_db()  # the proposal counted as a change
    services.decide_graduation(
        actor=supervisor,
        request=request,
        approve=True,
        expected_version=case.version,
        today=date.today(),
    )

    page = page_for(make_user(Role.DISTRICT_OFFICE, "3201"))
    page.goto(f"{live_server.url}/registry/households/{family.pk}/")
    card = pdf_text(page, "#household-card")
    assert "KARTU RUMAH TANGGA" in card
    assert "Siti Aminah 3201014508900001 Kepala rumah tangga" in card
    page.emulate_media(media="print")
    assert not page.locator("header.top").is_visible()
    assert not page.locator("#household-card").is_visible()
    shoot(page, "household-print")

    page = page_for(worker)
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    letter = pdf_text(page, "#graduation-letters a[data-letter]")
    assert "SURAT KETERANGAN GRADUASI" in letter
    assert "a.n. Kepala Dinas Sosial Kabupaten Bogor" in letter
    assert "Dewi Kartika" in letter
