"""Background tasks (django-tasks): targeting runs started from the web or the API."""

from __future__ import annotations

import contextlib

from django_tasks import task

from sejahtera.targeting.models import TargetingRun
from sejahtera.targeting.services import TargetingFailed, execute_run


@task()
def run_targeting_task(run_id: int) -> None:
    run = TargetingRun.objects.get(pk=run_id)
    # A failure is recorded on the run (status failed, error) for the page to show.
    with contextlib.suppress(TargetingFailed):
        execute_run(run)
