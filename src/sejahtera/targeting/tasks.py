"""Background tasks (django-tasks): targeting runs started from the web or the API."""

from __future__ import annotations

import contextlib
from datetime import date
from typing import Any

from django.utils.translation import gettext_noop
from django_tasks import task

from sejahtera.accounts import access
from sejahtera.accounts.models import User
from sejahtera.domain.findings import Refused
from sejahtera.targeting.models import TargetingRun
from sejahtera.targeting.rules import default_rules_text
from sejahtera.targeting.services import TargetingFailed, create_run, execute_run


class RulesNotInForce(Refused):
    """A real run asked for with rules other than those in force."""


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
    """Queue a run in the background (web page, API); analysts and administrators only. Rules
    of one's own are for simulations: a run that decrees may follow uses the rules in force,
    which only an administrator changes (each version kept)."""
    access.require(actor, access.TARGETING_RUNNERS)
    if not simulation and rules_text is not None and rules_text != default_rules_text():
        raise RulesNotInForce(
            gettext_noop(
                "Rules of your own are for simulations; a real run uses the rules in force."
            )
        )
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
