"""Evidence files on a case's steps: uploaded, checked by content and size, stored privately,
read back only by those who may see the case."""

from __future__ import annotations

import stat

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sejahtera.cases.models import Case, CaseEvent
from sejahtera.domain.cases import Stage

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def close(client, case, upload):
    return client.post(
        f"/cases/{case.pk}/",
        {
            "to_stage": "closed",
            "reason": "moved away",
            "version": case.version,
            "evidence_file": upload,
        },
        **EN,
    )


def test_an_uploaded_pdf_is_kept_privately_and_read_back(client, case, worker, make_user):
    client.force_login(worker)
    moved = close(client, case, SimpleUploadedFile("surat pindah.pdf", PDF))
    assert moved.status_code == 302
    event = CaseEvent.objects.get(case=case, to_stage=Stage.CLOSED)
    assert event.evidence_file == "surat pindah.pdf"
    from sejahtera.cases import evidence

    stored = evidence.path(event.evidence_upload)
    assert stored.read_bytes() == PDF
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    page = client.get(f"/cases/{case.pk}/").content.decode()
    link = f"/cases/{case.pk}/evidence/{event.pk}/"
    assert link in page
    download = client.get(link)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert "surat pindah.pdf" in download["Content-Disposition"]
    client.force_login(make_user("social_worker", "3201"))
    assert client.get(link).status_code == 404


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("letter.pdf", b"<html><script>alert(1)</script>", "must be a PDF, JPEG or PNG"),
        ("run.exe", b"MZ\x90\x00", "must be a PDF, JPEG or PNG"),
        ("big.pdf", PDF + b"0" * (2 * 2**20), "larger than 1 MB"),
    ],
)
def test_a_bad_file_is_refused_and_the_case_stays(
    client, case, worker, settings, name, content, message
):
    settings.SEJAHTERA_MAX_EVIDENCE_MB = 1
    client.force_login(worker)
    refused = close(client, case, SimpleUploadedFile(name, content))
    assert refused.status_code == 422
    assert message in refused.content.decode()
    assert Case.objects.get(pk=case.pk).stage == Stage.REGISTERED
    assert not list((settings.MEDIA_ROOT).glob("evidence/**/*.*"))
