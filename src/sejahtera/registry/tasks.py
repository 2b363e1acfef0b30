"""Background tasks (django-tasks): imports started from the web or the API run here."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext
from django_tasks import task

from sejahtera.registry.models import ImportRun
from sejahtera.registry.services.importing import ImportAborted, import_registry
from sejahtera.registry.services.statistics import refresh_figures

logger = logging.getLogger(__name__)


@task()
def run_import(run_id: int) -> None:
    run = ImportRun.objects.select_related("created_by").get(pk=run_id)
    if run.status != ImportRun.Status.QUEUED:
        return  # given up on meanwhile (expire_stale_runs): the user runs it again

    def record_progress(stage: str, done: int, total: int) -> None:
        ImportRun.objects.filter(pk=run_id).update(
            progress={"stage": stage, "done": done, "total": total}
        )

    try:
        import_registry(
            households_path=run.households_file,
            persons_path=run.persons_file or None,
            actor=run.created_by,
            run=run,
            progress=record_progress,
        )
    except Exception as failure:  # whatever it was, the run must say so, never stay queued
        if not isinstance(failure, ImportAborted | PermissionDenied):
            logger.exception("import run %s failed", run_id)
        message = str(failure) if isinstance(failure, ImportAborted) else _failure_text(failure)
        ImportRun.objects.filter(pk=run_id).exclude(status=ImportRun.Status.COMPLETED).update(
            status=ImportRun.Status.FAILED, error=message, finished_at=timezone.now()
        )
        return
    refresh_figures()


def _failure_text(failure: Exception) -> str:
    if isinstance(failure, PermissionDenied):
        return gettext("You may no longer import (your role or region changed).")
    return gettext(
        "The import failed unexpectedly (%(kind)s). Rows saved before it stopped are kept: "
        "run it again to finish it; if it fails again, tell an administrator."
    ) % {"kind": type(failure).__name__}
