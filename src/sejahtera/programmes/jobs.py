"""Long delivery steps in the background: opening a national cycle and building its batches
run as tasks (django-tasks), recording their progress on a ``DeliveryJob`` for the page that
waits on it. Whatever can be refused is refused before the job is queued."""

from __future__ import annotations

import logging
from datetime import date

from django.utils import timezone
from django_tasks import task

from sejahtera.accounts.models import User
from sejahtera.domain.findings import Refused
from sejahtera.i18n import render_refusal
from sejahtera.programmes import cycles, disbursement
from sejahtera.programmes.models import Cycle, DeliveryJob

logger = logging.getLogger(__name__)


def start_open_cycle(actor: User, programme: str, period_start: date) -> DeliveryJob:
    """Queue the opening of a cycle (PermissionDenied, CycleRefused: nothing is queued)."""
    cycles.check_cycle(actor, programme, period_start)
    return _queue(actor, DeliveryJob.Kind.OPEN_CYCLE, programme, period_start, None)


def start_build_batches(actor: User, cycle: Cycle) -> DeliveryJob:
    """Queue the building of a cycle's batches (PermissionDenied: nothing is queued)."""
    disbursement.require_manager(actor, cycle.programme)
    return _queue(actor, DeliveryJob.Kind.BUILD_BATCHES, cycle.programme, cycle.period_start, cycle)


def _queue(
    actor: User, kind: str, programme: str, period_start: date, cycle: Cycle | None
) -> DeliveryJob:
    job = DeliveryJob.objects.create(
        kind=kind, programme=programme, period_start=period_start, cycle=cycle, started_by=actor
    )
    run_delivery_job.enqueue(job.pk)
    job.refresh_from_db()
    return job


@task()
def run_delivery_job(job_id: int) -> None:
    job = DeliveryJob.objects.select_related("started_by", "cycle").get(pk=job_id)
    if job.status != DeliveryJob.Status.QUEUED:
        return

    def record(stage: str, done: int, total: int) -> None:
        DeliveryJob.objects.filter(pk=job_id).update(
            progress={"stage": stage, "done": done, "total": total}
        )

    DeliveryJob.objects.filter(pk=job_id).update(status=DeliveryJob.Status.RUNNING)
    outcome = {}
    try:
        if job.kind == DeliveryJob.Kind.OPEN_CYCLE:
            job.cycle = cycles.open_cycle(job.started_by, job.programme, job.period_start, record)
        else:
            assert job.cycle is not None
            built = disbursement.build_batches(job.started_by, job.cycle, record)
            outcome = {"batches": len(built), "lines": sum(b.lines for b in built)}
    except Exception as failure:  # the page must say so; the job never stays "running"
        logger.exception("delivery job %s failed", job_id)
        error = render_refusal(failure) if isinstance(failure, Refused) else str(failure)
        DeliveryJob.objects.filter(pk=job_id).update(
            status=DeliveryJob.Status.FAILED, error=error, finished_at=timezone.now()
        )
        return
    DeliveryJob.objects.filter(pk=job_id).update(
        status=DeliveryJob.Status.DONE,
        cycle=job.cycle,
        outcome=outcome,
        finished_at=timezone.now(),
    )
