"""What was recorded on a case can be read — on the case page by every office that may see
the case, in the API's case detail, and as a PDF case file for the family's folder."""

from __future__ import annotations

import io
from datetime import date

import pypdf
import pytest
from django.utils import translation

from sejahtera.accounts.models import ApiToken, SensitiveAccess
from sejahtera.accounts.tokens import create_token
from sejahtera.cases import services
from sejahtera.cases.models import Case
from sejahtera.domain.cases import Stage
from sejahtera.labels import cluster_label

from .conftest import BOGOR, TODAY

pytestmark = pytest.mark.django_db


@pytest.fixture
def recorded(case, worker, assess, on_track):
    """A family in empowerment with an assessment, a plan, an ATENSI service and PENA capital."""
    head = case.household.members.get(relationship="head")
    services.record_assessment(
        actor=worker,
        case=case,
        members=[
            services.MemberAssessment(
                head,
                ("PEREMPUAN_RENTAN",),
                {"health": "hypertension, treated", "work": "sells snacks at the market"},
            )
        ],
        today=TODAY,
    )
    services.record_service(
        actor=worker,
        case=case,
        component="family_support",
        provider_type="family",
        started_on=TODAY,
        outcome="the family agreed a budget",
    )
    on_track(case, "business")
    Case.objects.filter(pk=case.pk).update(stage=Stage.EMPOWERMENT)
    case.refresh_from_db()
    services.record_empowerment(
        actor=worker,
        case=case,
        given_on=TODAY,
        capital_form="in_kind",
        capital_items=[{"item": "gerobak bakso", "value": 3_000_000}],
        mentoring_sessions=2,
    )
    services.record_income(actor=worker, case=case, month=date(2026, 2, 1), amount=2_100_000)
    return case


def test_the_case_page_shows_what_was_recorded_to_every_office_that_sees_the_case(
    client, recorded, make_user
):
    district = make_user("district_office", "320101")
    client.force_login(district)
    page = client.get(f"/cases/{recorded.pk}/", HTTP_ACCEPT_LANGUAGE="id").content.decode()
    assert 'data-condition="health">hypertension, treated' in page
    assert "Kesehatan" in page  # the topic, in words
    with translation.override("id"):
        assert cluster_label("PEREMPUAN_RENTAN") in page  # the cluster, in words
    assert "the family agreed a budget" in page
    assert "gerobak bakso" in page
    assert "earn above the minimum wage" in page  # the plan's goals
    assert 'data-record="' not in page  # an office reads; it keeps no records
    assert SensitiveAccess.objects.filter(user=district, entity="case").exists()


def test_the_api_case_detail_carries_the_records(client, recorded, worker):
    _token, secret = create_token(worker, "t", [ApiToken.Scope.CASES])
    detail = client.get(
        f"/api/v1/cases/{recorded.pk}", HTTP_AUTHORIZATION=f"Bearer {secret}"
    ).json()
    records = detail["records"]
    [assessment] = records["assessments"]
    assert assessment["conditions"] == {
        "health": "hypertension, treated",
        "work": "sells snacks at the market",
    }
    assert assessment["clusters"] == ["PEREMPUAN_RENTAN"]
    assert records["plans"][0]["track"] == "business"
    assert records["services"][0]["outcome"] == "the family agreed a budget"
    assert records["empowerment"][0]["capital_items"] == [
        {"item": "gerobak bakso", "value": 3_000_000}
    ]
    assert records["incomes"] == [{"month": "2026-02-01", "amount": 2_100_000}]
    assert records["trainings"] == records["placements"] == records["referrals"] == []


def text_of(response) -> str:
    assert response["Content-Type"] == "application/pdf"
    pages = pypdf.PdfReader(io.BytesIO(response.content)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


def test_the_case_file_prints_for_the_familys_folder(client, recorded, worker, make_user):
    client.force_login(worker)
    page = client.get(f"/cases/{recorded.pk}/").content.decode()
    assert f'href="/cases/{recorded.pk}/file.pdf"' in page
    text = text_of(client.get(f"/cases/{recorded.pk}/file.pdf"))
    assert "BERKAS KASUS" in text
    assert "DINAS SOSIAL KABUPATEN BOGOR" in text
    assert "Siti Aminah" in text
    assert "hypertension, treated" in text
    assert "gerobak bakso" in text
    assert "Kriteria jalur usaha" in text
    assert "Pemberdayaan" in text  # the stage, in words
    assert SensitiveAccess.objects.filter(
        user=worker, entity="case", path=f"/cases/{recorded.pk}/file.pdf"
    ).exists()
    for outsider in (make_user("social_worker", BOGOR), make_user("district_office", "3273")):
        client.force_login(outsider)
        assert client.get(f"/cases/{recorded.pk}/file.pdf").status_code == 404
