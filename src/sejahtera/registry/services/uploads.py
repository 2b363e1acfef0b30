"""Starting an import from uploaded files (web page and API): save the files, queue the run."""

from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from sejahtera.accounts import access
from sejahtera.accounts.models import User
from sejahtera.registry.models import ImportRun
from sejahtera.registry.sources import SUPPORTED_SUFFIXES


class UploadRejected(Exception):
    """The upload cannot be imported (wrong file type)."""


def _save(upload: UploadedFile, folder: Path) -> Path:
    name = Path(upload.name or "upload")
    suffix = name.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise UploadRejected(
            f"{name.name}: unsupported file type; use {', '.join(SUPPORTED_SUFFIXES)}"
        )
    path = folder / f"{name.stem[:60]}{suffix}"
    with path.open("wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    return path


def start_import(
    actor: User, households: UploadedFile, persons: UploadedFile | None = None
) -> ImportRun:
    """Save the uploaded files and queue their import as a background task."""
    from sejahtera.registry.tasks import run_import

    access.require(actor, access.REGISTRY_IMPORTERS)
    folder = Path(settings.MEDIA_ROOT) / "imports" / "uploads" / uuid.uuid4().hex
    folder.mkdir(parents=True)
    households_path = _save(households, folder)
    persons_path = _save(persons, folder) if persons is not None else None
    run = ImportRun.objects.create(
        created_by=actor,
        status=ImportRun.Status.QUEUED,
        households_file=str(households_path),
        persons_file=str(persons_path or ""),
    )
    run_import.enqueue(run.pk)
    run.refresh_from_db()
    return run
