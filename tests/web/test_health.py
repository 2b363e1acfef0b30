"""/healthz and /readyz answer anyone, and say only whether each dependency is ready."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

from sejahtera.web.views import health

pytestmark = pytest.mark.django_db


def test_the_process_is_live_without_a_login(client):
    response = client.get("/healthz")
    assert (response.status_code, response.content) == (200, b"ok")
    assert "no-cache" in response["Cache-Control"]


def test_ready_when_the_database_answers_migrations_are_applied_and_no_task_waits(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "migrations": "ok", "worker": "ok"}


def test_not_ready_while_a_task_waits_for_a_worker(client, settings):
    settings.SEJAHTERA_WORKER_STALL_MINUTES = 10
    task = DBTaskResult.objects.create(
        task_path="sejahtera.programmes.jobs.run_delivery_job",
        args_kwargs={"args": [], "kwargs": {}},
        queue_name="default",
        backend_name="default",
        priority=0,
        run_after=get_date_max(),  # as soon as possible
    )
    assert client.get("/readyz").json()["worker"] == "ok"  # just queued
    long_ago = timezone.now() - timedelta(minutes=11)
    DBTaskResult.objects.filter(pk=task.pk).update(enqueued_at=long_ago)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["worker"] == "stalled"


def test_not_ready_with_a_migration_pending(client, monkeypatch):
    monkeypatch.setattr(health.MigrationExecutor, "migration_plan", lambda self, targets: ["x"])
    response = client.get("/readyz")
    assert (response.status_code, response.json()["migrations"]) == (503, "pending")


def test_only_get(client):
    assert client.post("/readyz").status_code == 405
