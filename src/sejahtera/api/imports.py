"""Import endpoints (scope ``imports``): submit a households and a persons file, follow the
import."""

from __future__ import annotations

import hashlib
from typing import Any

from django.http import Http404, HttpRequest
from django.urls import reverse
from ninja import File, Path, Router, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile

from sejahtera.accounts.models import ApiToken
from sejahtera.api import schemas
from sejahtera.api.common import KEYED_PROBLEMS, PROBLEMS, RecordId, once_per_key, token_user
from sejahtera.registry.models import ImportRun
from sejahtera.registry.services.uploads import UploadRejected, import_runs_for, start_import

router = Router(tags=["imports"])


def _import_out(request: HttpRequest, run: ImportRun) -> schemas.ImportOut:
    report = None
    if run.report_file and run.status in (ImportRun.Status.COMPLETED, ImportRun.Status.FAILED):
        report = request.build_absolute_uri(reverse("web:import-report", args=[run.pk]))
    return schemas.ImportOut(
        id=run.pk,
        status=run.status,
        progress=run.progress,
        summary=run.summary,
        error=run.error,
        report_url=report,
    )


@router.post("/imports", response={202: schemas.ImportOut, **KEYED_PROBLEMS})
def submit_import(
    request: HttpRequest,
    households: File[UploadedFile],
    persons: File[UploadedFile | None] = None,
) -> Status[schemas.ImportOut]:
    user = token_user(request, ApiToken.Scope.IMPORTS)

    def write() -> Status[schemas.ImportOut]:
        try:
            run = start_import(user, households, persons)
        except UploadRejected as rejected:
            raise HttpError(422, str(rejected)) from None
        return Status(202, _import_out(request, run))

    def reread(first: dict[str, Any]) -> schemas.ImportOut:
        run = import_runs_for(user).filter(pk=first["id"]).first()
        if run is None:
            raise Http404
        return _import_out(request, run)

    content = [_digest(upload) for upload in (households, persons)]
    return once_per_key(request, user, write, reread, content)  # type: ignore[return-value]


def _digest(upload: UploadedFile | None) -> str:
    """A file's name and content, read in chunks (an import may be larger than memory)."""
    if upload is None:
        return ""
    digest = hashlib.sha256((upload.name or "").encode() + b"\0")
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


@router.get("/imports/{run_pk}", response={200: schemas.ImportOut, **PROBLEMS})
def import_status(request: HttpRequest, run_pk: Path[RecordId]) -> schemas.ImportOut:
    user = token_user(request, ApiToken.Scope.IMPORTS)
    run = import_runs_for(user).filter(pk=run_pk).first()
    if run is None:
        raise Http404
    return _import_out(request, run)
