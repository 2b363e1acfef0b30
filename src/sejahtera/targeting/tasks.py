"""Background tasks (django-tasks): targeting runs started from the web or the API."""

from __future__ import annotations

import contextlib
from datetime import date
from typing import Any

from django_tasks import task

from sejahtera.accounts import access
from sejahtera.accounts.models import User
from sejahtera.targeting.models import TargetingRun
from sejahtera.targeting.services import TargetingFailed, create_run, execute_run


@task()
def run_targeting_task(run_id: int) -> None:
    run = TargetingRun.objects.get(pk=run_id)
    # A failure is recorded on the run (status failed, error) for the page to show.
    with contextlib.suppress(TargetingFailed):
        execute_run(run)


def start_run(
    actor: User,
    as_of: date,
    *,
    engine: str = "duckdb",
    rules_text: str | None = None,
    simulation: bool = False,
    base_run: TargetingRun | None = None,
    limits: dict[str, Any] | None = None,
) -> TargetingRun:
    """Queue a run in the background (web page, API); analysts and administrators only."""
    access.require(actor, access.TARGETING_RUNNERS)
    run = create_run(
        as_of,
        engine=engine,
        rules_text=rules_text,
        actor=actor,
        simulation=simulation,
        base_run=base_run,
        limits=limits,
    )
    run_targeting_task.enqueue(run.pk)
    run.refresh_from_db()
    return run
