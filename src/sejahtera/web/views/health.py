"""Liveness and readiness for an orchestrator or load balancer: no login, and nothing in the
answer but the state of each dependency."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max


@never_cache
@require_GET
def live(request: HttpRequest) -> HttpResponse:
    """The process answers (restart it if not)."""
    return HttpResponse("ok", content_type="text/plain")


@never_cache
@require_GET
def ready(request: HttpRequest) -> JsonResponse:
    """The database answers, every migration is applied and the task worker keeps up (no
    task waits longer than ``SEJAHTERA_WORKER_STALL_MINUTES``): 200, else 503 and which."""
    try:
        connection.ensure_connection()
    except DatabaseError:
        return JsonResponse({"database": "unreachable"}, status=503)
    checks = {"database": "ok", "migrations": _migrations(), "worker": _worker()}
    healthy = all(state == "ok" for state in checks.values())
    return JsonResponse(checks, status=200 if healthy else 503)


def _migrations() -> str:
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return "pending" if pending else "ok"


def _worker() -> str:
    waited = timezone.now() - timedelta(minutes=settings.SEJAHTERA_WORKER_STALL_MINUTES)
    # A task runs as soon as possible (``run_after`` is the backend's "no date") or after a
    # given time: either way, one that should have started before ``waited`` is late.
    late = Q(run_after=get_date_max(), enqueued_at__lt=waited) | Q(run_after__lt=waited)
    stalled = DBTaskResult.objects.filter(late, status=TaskResultStatus.READY)
    return "stalled" if stalled.exists() else "ok"
