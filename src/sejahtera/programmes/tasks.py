"""Background tasks (django-tasks) of programme delivery that no page waits on."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from sejahtera.programmes.coverage import refresh_cluster_coverage


@task()
def refresh_coverage() -> None:
    """The dashboard's cluster coverage, after a targeting run or a decree changed it."""
    refresh_cluster_coverage()


def refresh_coverage_after_run(sender: Any, **kwargs: Any) -> None:
    """Receiver of ``targeting.signals.run_completed``."""
    refresh_coverage.enqueue()
