"""The production deployment (issue #15) against PostgreSQL, as the container image runs it
(Docker itself may be absent): the Dockerfile's server and compose.yaml's worker answer ready,
serve hashed and compressed static files and log JSON lines with the request id and no NIK; a
database dump restores to an identical registry."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import psycopg
import pytest
import yaml
from django.db import connection

pytestmark = [
    pytest.mark.database,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="production runs on PostgreSQL"),
]
NIK = "3201014508900001"
ROOT = Path(__file__).resolve().parents[2]


def _image_command(port: int) -> list[str]:
    """The Dockerfile's CMD, on a port of the test's own."""
    cmd = re.search(r"^CMD (\[.*\])$", (ROOT / "Dockerfile").read_text(), re.MULTILINE)
    assert cmd, "the Dockerfile has a CMD"
    command = json.loads(cmd[1])
    command[command.index("--host") + 1] = f"127.0.0.1:{port}"
    return command


def _compose_command(service: str) -> list[str]:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())["services"][service]["command"]


def _url_of(database: str) -> str:
    settings = connection.settings_dict
    return f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{database}"


@pytest.fixture
def empty_database(worker_id):
    """A database of its own, dropped afterwards (the test database is the suite's)."""
    name = f"sejahtera_deploy_{worker_id}"
    with psycopg.connect(_url_of("postgres"), autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {name}")
    yield name
    with psycopg.connect(_url_of("postgres"), autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _server_env(tmp_path, database: str) -> dict[str, str]:
    # As a server's environment: without what the test settings and browser tests set.
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_SETTINGS_MODULE"}
    }
    return env | {
        "SEJAHTERA_HOME": str(tmp_path),
        "DATABASE_URL": _url_of(database),
        "SEJAHTERA_WEB_WORKERS": "2",
        "SEJAHTERA_LOG_LEVEL": "INFO",
    }


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def _wait_until_ready(base: str, processes: list[subprocess.Popen]) -> dict:
    deadline = time.monotonic() + 120  # the first start collects the static files
    while time.monotonic() < deadline:
        assert all(process.poll() is None for process in processes), "a process stopped"
        try:
            status, _, body = _get(f"{base}/readyz")
        except OSError:
            time.sleep(0.5)
            continue
        if status == 200:
            return json.loads(body)
        time.sleep(0.5)
    raise AssertionError("not ready within 120 s")


def _start(command: list[str], env: dict[str, str]) -> subprocess.Popen:
    command = [sys.executable, "-m", *command] if command[0] == "sejahtera" else command
    return subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True
    )


@pytest.mark.slow
def test_the_image_server_is_ready_and_logs_json(tmp_path, empty_database):
    env = _server_env(tmp_path, empty_database) | {"SEJAHTERA_PRODUCTION": "1"}
    subprocess.run(
        [sys.executable, "-m", *_compose_command("migrate")], env=env, check=True, timeout=300
    )
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    processes = [_start(_image_command(port), env), _start(_compose_command("worker"), env)]
    try:
        assert _wait_until_ready(base, processes) == {
            "database": "ok",
            "migrations": "ok",
            "worker": "ok",
        }
        status, headers, page = _get(f"{base}/login/")
        assert status == 200
        assert headers["Server"].startswith("gunicorn")
        stylesheet = re.search(rb'href="(/static/sejahtera/app\.[0-9a-f]{12}\.css)"', page)
        assert stylesheet, "the page links the hashed name"
        status, headers, _ = _get(base + stylesheet[1].decode(), **{"Accept-Encoding": "br"})
        assert (status, headers["Content-Encoding"]) == (200, "br")
        assert "immutable" in headers["Cache-Control"]
        status, headers, _ = _get(f"{base}/api/v1/nik/{NIK}", **{"X-Request-ID": "probe-42"})
        assert (status, headers["X-Request-ID"]) == (401, "probe-42")
    finally:
        for process in processes:
            os.killpg(process.pid, signal.SIGTERM)
        server_log = processes[0].communicate(timeout=60)[0].decode()
        worker_log = processes[1].communicate(timeout=60)[0].decode()
    assert processes[0].returncode == 128 + signal.SIGTERM
    assert NIK not in server_log
    lines = [json.loads(line) for line in server_log.splitlines() if line.startswith("{")]
    assert any(line["logger"] == "gunicorn.error" for line in lines)
    probe = [line for line in lines if line.get("request_id") == "probe-42"]
    assert {
        "logger": "sejahtera.request",
        "method": "GET",
        "path": "/api/v1/nik/{nik}",
        "status": 401,
    }.items() <= probe[0].items()
    worker_lines = [json.loads(line) for line in worker_log.splitlines()]
    assert "django_tasks_db" in {line["logger"] for line in worker_lines}


REGISTRY_TABLES = ["registry_household", "registry_person", "registry_changerecord"]


def _rows(database: str) -> dict[str, list[tuple]]:
    with psycopg.connect(_url_of(database)) as db:
        return {
            table: db.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()
            for table in REGISTRY_TABLES
        }


@pytest.mark.django_db(transaction=True)
def test_a_dump_restores_to_an_identical_registry(household_factory, tmp_path, empty_database):
    """The backup and restore of docs/operations.md, step by step."""
    household_factory()
    household_factory(
        members=[
            {
                "full_name": "Budi Santoso",
                "sex": "L",
                "birth_date": "1975-01-02",
                "relationship": "head",
            }
        ]
    )
    source = connection.settings_dict["NAME"]
    dump = tmp_path / "sejahtera.dump"
    subprocess.run(
        ["pg_dump", "--format=custom", f"--file={dump}", "--dbname", _url_of(source)],
        check=True,
        timeout=300,
    )
    target = _url_of(empty_database)
    subprocess.run(
        ["pg_restore", "--no-owner", "--exit-on-error", "--dbname", target, str(dump)],
        check=True,
        timeout=300,
    )
    restored = _rows(empty_database)
    assert len(restored["registry_person"]) == 2
    assert restored == _rows(source)
