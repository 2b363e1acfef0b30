"""Evidence files on a case's steps (a signed statement, a photo of a visit), and a
proposal's photo or a village deliberation's minutes: checked by size
and by content (not by the name the browser sends), stored outside every served directory,
readable by the service's own user only, and read back through a view that checks access."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from sejahtera.domain.findings import Finding, error, gettext_noop

# suffix → the bytes such a file starts with
SIGNATURES = {
    ".pdf": b"%PDF-",
    ".jpg": b"\xff\xd8\xff",
    ".jpeg": b"\xff\xd8\xff",
    ".png": b"\x89PNG\r\n\x1a\n",
}
IMAGES = frozenset({".jpg", ".jpeg", ".png"})
CONTENT_TYPES = {".pdf": "application/pdf", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}
REJECTED = "CASE_EVIDENCE_FILE_REJECTED"


def root() -> Path:
    return Path(settings.MEDIA_ROOT) / "evidence"


def problems(upload: UploadedFile, *, images_only: bool = False) -> list[Finding]:
    """Why the file cannot be kept as evidence (nothing when it can). ``images_only``: a photo
    sent from the public page, where no one vouches for a PDF (it can carry links and script)."""
    suffix = Path(upload.name or "").suffix.lower()
    limit = settings.SEJAHTERA_MAX_EVIDENCE_MB
    if (upload.size or 0) > limit * 2**20:
        return [
            error(
                REJECTED,
                gettext_noop("the evidence file is larger than {limit} MB"),
                limit=limit,
            )
        ]
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if suffix not in (IMAGES if images_only else SIGNATURES) or not head.startswith(
        SIGNATURES[suffix]
    ):
        if images_only:  # a page that takes photos only never offers a PDF
            return [error(REJECTED, gettext_noop("the photo must be a JPEG or PNG file"))]
        return [error(REJECTED, gettext_noop("evidence must be a PDF, JPEG or PNG file"))]
    return []


def store(folder: str, upload: UploadedFile) -> str:
    """Save the (checked) file in ``folder`` (a case's id, or a kind of record and its id);
    returns its name relative to ``root()``."""
    (root() / folder).mkdir(parents=True, exist_ok=True, mode=0o700)
    name = f"{folder}/{uuid.uuid4().hex}{Path(upload.name or '').suffix.lower()}"
    descriptor = os.open(root() / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    return name


def path(stored: str) -> Path:
    """The stored file's path; never outside ``root()`` whatever the stored name says."""
    candidate = (root() / stored).resolve()
    if not candidate.is_relative_to(root().resolve()):
        raise FileNotFoundError(stored)
    return candidate


def content_type(stored: str) -> str:
    return CONTENT_TYPES.get(Path(stored).suffix.lower(), "image/png")
