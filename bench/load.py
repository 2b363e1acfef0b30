"""Benchmark: the production server under load (issue #15).

    python bench/load.py [--persons 1000000] [--postgres URL] [--users 2,4,8,16] [--seconds 30]
                         [--reuse]

Builds PostgreSQL database ``sejahtera_bench_load`` (server of ``--postgres`` /
``DATABASE_URL``) with a synthetic population (``--reuse`` keeps the previous run's), starts
``sejahtera serve --production --without-worker`` on a loopback port, and runs Locust headless
against it (bench/locustfile.py) at each number of concurrent users, each for ``--seconds``:
a regency office's API token reading households by id and persons by NIK (each read of
specific data is an audit entry), and an analyst's session searching the registry by name and
opening the national dashboard. Prints requests/s and p50/p95/p99 per endpoint at each step and
the highest rate at which the id and NIK reads keep p99 ≤ 100 ms without errors. Locust runs
on the same two cores as the server and the database: the rates are the whole box's.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import populate_registry, recreate_postgres_database

HERE = Path(__file__).resolve().parent
DATABASE = "sejahtera_bench_load"
ID_READS = ("API household by id", "API person by NIK")
GOAL_P99_MS = 100


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument(
        "--postgres",
        default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/sejahtera"),
    )
    parser.add_argument("--users", default="2,4,8,16", help="concurrent users at each step")
    parser.add_argument("--seconds", type=int, default=30, help="length of each step")
    parser.add_argument("--reuse", action="store_true", help="the previous run's database")
    args = parser.parse_args()

    base = args.postgres.rsplit("/", 1)[0]
    url = (
        f"{base}/{DATABASE}" if args.reuse else recreate_postgres_database(args.postgres, DATABASE)
    )
    home = Path(tempfile.gettempdir()) / "sejahtera-bench-load"
    env = os.environ | {
        "DATABASE_URL": url,
        "SEJAHTERA_HOME": str(home),
        "DJANGO_SETTINGS_MODULE": "sejahtera.config.settings",
        "SEJAHTERA_API_RATE": "100000000/m",  # the benchmark measures the box, not the limit
    }
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if not args.reuse:
        populate_registry(args.persons)
    sample = home / "sample.json"
    sample.write_text(json.dumps(prepare_clients()))
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "sejahtera", "serve", "--production", "--without-worker",
         "--host", f"127.0.0.1:{port}"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        _wait_ready(port)
        steps = [run_step(port, users, args.seconds, sample, env) for users in _users(args.users)]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
    report(steps)


def prepare_clients() -> dict[str, object]:
    """A regency office with an API token, an analyst with a verified session (as after the
    second factor), and 2,000 of the office's households, NIKs and names."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.db.models import Count
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from sejahtera.accounts.models import ApiToken, Role, User
    from sejahtera.accounts.tokens import create_token
    from sejahtera.registry.models import Household, Person

    User.objects.filter(username__startswith="bench-").delete()
    regency = (
        Household.objects.values("village__parent__parent_id")
        .annotate(n=Count("id"))
        .order_by("-n")[0]["village__parent__parent_id"]
    )
    office = User.objects.create_user("bench-office", role=Role.DISTRICT_OFFICE, region_id=regency)
    _token, secret = create_token(office, "load", [ApiToken.Scope.REGISTRY_READ])
    analyst = User.objects.create_user("bench-analyst", role=Role.MINISTRY_ANALYST)
    device = TOTPDevice.objects.create(user=analyst, name="bench", confirmed=True)
    session = SessionStore()
    session.update(
        {
            SESSION_KEY: str(analyst.pk),
            BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
            HASH_SESSION_KEY: analyst.get_session_auth_hash(),
            DEVICE_ID_SESSION_KEY: device.persistent_id,
        }
    )
    session.create()
    persons = Person.objects.filter(household__village__code__startswith=regency).exclude(nik=None)
    picked = list(persons.order_by("?").values("household_id", "nik", "full_name")[:2000])
    return {
        "token": secret,
        "session": session.session_key,
        "households": [p["household_id"] for p in picked],
        "niks": [p["nik"] for p in picked],
        "names": [p["full_name"].split()[0].lower() for p in picked],
    }


def run_step(port: int, users: int, seconds: int, sample: Path, env: dict) -> dict:
    with tempfile.TemporaryDirectory(prefix="sejahtera-locust-") as tmp:
        prefix = Path(tmp) / "step"
        subprocess.run(
            [sys.executable, "-m", "locust", "-f", str(HERE / "locustfile.py"), "--headless",
             "--users", str(users), "--spawn-rate", str(users), "--run-time", f"{seconds}s",
             "--host", f"http://127.0.0.1:{port}", "--csv", str(prefix), "--only-summary"],
            env=env | {"SEJAHTERA_LOAD_SAMPLE": str(sample)},
            check=False, capture_output=True, timeout=seconds + 120,
        )  # fmt: skip
        with open(f"{prefix}_stats.csv", newline="") as file:
            rows = {row["Name"]: row for row in csv.DictReader(file)}
    return {"users": users, "rows": rows}


def report(steps: list[dict]) -> None:
    columns = ("req/s", "fail", "p50", "p95", "p99")
    print(
        f"\n{'users':>5}  {'endpoint':<22} "
        + " ".join(f"{c:>{8 if c == 'req/s' else 5}}" for c in columns)
    )
    best = None
    for step in steps:
        for name, row in step["rows"].items():
            print(
                f"{step['users']:>5}  {name:<22} {float(row['Requests/s']):>8.1f} "
                f"{row['Failure Count']:>5} {row['50%']:>5} {row['95%']:>5} {row['99%']:>5}"
            )
        total = step["rows"]["Aggregated"]
        reads = [step["rows"][name] for name in ID_READS if name in step["rows"]]
        healthy = int(total["Failure Count"]) == 0 and all(
            float(r["99%"]) <= GOAL_P99_MS for r in reads
        )
        if healthy and (best is None or float(total["Requests/s"]) > best[1]):
            best = (step["users"], float(total["Requests/s"]))
    print(
        f"\nhighest rate with id/NIK reads at p99 <= {GOAL_P99_MS} ms and no errors: "
        + (f"{best[1]:.0f} requests/s at {best[0]} users" if best else "none of the steps")
    )


def _users(spec: str) -> list[int]:
    return [int(n) for n in spec.split(",") if n.strip()]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_ready(port: int) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5):
                return
        except OSError:
            time.sleep(1)
    raise SystemExit("the server did not start")


if __name__ == "__main__":
    main()
