"""Background tasks (django-tasks): imports started from the web or the API run here."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from sejahtera.registry.models import ImportRun
from sejahtera.registry.services.importing import ImportAborted, import_registry
from sejahtera.registry.services.statistics import refresh_figures


@task()
def run_import(run_id: int) -> None:
    run = ImportRun.objects.select_related("created_by").get(pk=run_id)

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
    except ImportAborted as aborted:
        ImportRun.objects.filter(pk=run_id).update(
            status=ImportRun.Status.FAILED, error=str(aborted), finished_at=timezone.now()
        )
        return
    refresh_figures()
