"""Starting an import from uploaded files (web page and API): save the files, queue the run;
following the runs, marking dead ones failed; purging old uploads."""

from __future__ import annotations

import os
import shutil
import uuid
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from sejahtera.accounts import access
from sejahtera.accounts.models import Role, User
from sejahtera.registry.models import ImportRun
from sejahtera.registry.sources import SUPPORTED_SUFFIXES
from sejahtera.registry.tasks import run_import


class UploadRejected(Exception):
    """The upload cannot be imported (wrong file type)."""


def _save(upload: UploadedFile, folder: Path, kind: str) -> Path:
    name = Path(upload.name or "upload")
    suffix = name.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise UploadRejected(
            f"{name.name}: unsupported file type; use {', '.join(SUPPORTED_SUFFIXES)}"
        )
    limit = settings.SEJAHTERA_MAX_UPLOAD_MB
    if (upload.size or 0) > limit * 2**20:
        raise UploadRejected(
            f"{name.name}: {(upload.size or 0) // 2**20:,} MB, more than the {limit:,} MB an "
            "upload may be; split the file"
        )
    # A folder per kind: the two files of one import may bear the same name.
    (folder / kind).mkdir(mode=0o700)
    path = folder / kind / f"{name.stem[:60]}{suffix}"
    # Registry files hold personal data: readable by the service's own user only.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    return path


def uploads_root() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports" / "uploads"


def start_import(
    actor: User, households: UploadedFile, persons: UploadedFile | None = None
) -> ImportRun:
    """Save the uploaded files and queue their import as a background task."""
    access.require(actor, access.REGISTRY_IMPORTERS)
    folder = uploads_root() / uuid.uuid4().hex
    folder.mkdir(parents=True, mode=0o700)
    households_path = _save(households, folder, "households")
    persons_path = _save(persons, folder, "persons") if persons is not None else None
    run = ImportRun.objects.create(
        created_by=actor,
        status=ImportRun.Status.QUEUED,
        households_file=str(households_path),
        persons_file=str(persons_path or ""),
        heartbeat_at=timezone.now(),
    )
    run_import.enqueue(run.pk)
    run.refresh_from_db()
    return run


def import_runs_for(user: User) -> QuerySet[ImportRun]:
    """The imports the user may follow: their own and those of the offices below their region
    (a provincial office follows its districts'; an administrator, all). Runs that died are
    marked failed first, so nobody waits on a run that will never finish."""
    access.require(user, access.REGISTRY_IMPORTERS)
    expire_stale_runs(timezone.now())
    runs = ImportRun.objects.select_related("created_by")
    prefix = access.region_prefix(user)
    if user.role == Role.ADMINISTRATOR or not prefix:
        return runs if user.role == Role.ADMINISTRATOR else runs.filter(created_by=user)
    # Offices below this one's region (a colleague in the same office keeps theirs).
    below = Q(created_by__region__code__startswith=prefix) & ~Q(created_by__region__code=prefix)
    return runs.filter(Q(created_by=user) | below)


def purge_uploads(older_than: timedelta, now: datetime) -> int:
    """Delete the uploaded files of imports that ended (or were created) longer ago than
    ``older_than``; returns how many runs' files went. The runs and their reports stay."""
    cutoff = now - older_than
    ended = ImportRun.objects.filter(
        Q(finished_at__lt=cutoff) | Q(finished_at__isnull=True, started_at__lt=cutoff),
        households_file__startswith=str(uploads_root()),
    ).exclude(status__in=[ImportRun.Status.QUEUED, ImportRun.Status.RUNNING])
    purged = 0
    root = uploads_root()
    for run in ended.iterator():
        # The run's own folder (its files are in a folder per kind, or were in it directly).
        folder = root / Path(run.households_file).relative_to(root).parts[0]
        if folder.is_dir():
            shutil.rmtree(folder)
            purged += 1
    return purged


def expire_stale_runs(now: datetime) -> int:
    """Mark failed the imports that stay queued or running without a sign of life for longer
    than the setting (a killed process, a worker that never came); returns how many."""
    cutoff = now - timedelta(minutes=settings.SEJAHTERA_IMPORT_STALE_MINUTES)
    stale = ImportRun.objects.filter(
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, started_at__lt=cutoff),
        status__in=[ImportRun.Status.QUEUED, ImportRun.Status.RUNNING],
    )
    return stale.update(
        status=ImportRun.Status.FAILED,
        finished_at=now,
        error=gettext(
            "The import stopped without finishing (its process ended). Run the same import "
            "again to finish it: what was imported is kept and nothing is duplicated."
        ),
    )
