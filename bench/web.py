"""Benchmark: dashboard and registry search server time with a national-scale registry.

    python bench/web.py [--persons 1000000] [--postgres URL] [--repeat 20]

Builds a fresh PostgreSQL database ``sejahtera_bench_web`` (server of ``--postgres`` /
``DATABASE_URL``), imports a synthetic population, refreshes the dashboard figures, then renders
pages through Django's test client as a logged-in user and prints the median and 95th percentile
server time of each. Goal (issue #3): the dashboard in ≤ 300 ms with 1 M persons.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import populate_registry, recreate_postgres_database

GOAL_MS = 300


def timed(client, path: str, repeat: int) -> tuple[float, float]:
    """Median and 95th percentile milliseconds of GET ``path`` (after one warm-up)."""
    client.get(path)
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(path)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    samples.sort()
    return statistics.median(samples), samples[int(0.95 * (len(samples) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument(
        "--postgres",
        default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/sejahtera"),
    )
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument(
        "--reuse", action="store_true", help="time the pages of the previous run's database"
    )
    args = parser.parse_args()

    base = args.postgres.rsplit("/", 1)[0]
    url = (
        f"{base}/sejahtera_bench_web"
        if args.reuse
        else recreate_postgres_database(args.postgres, "sejahtera_bench_web")
    )
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "sejahtera.config.settings"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from sejahtera.accounts.models import User

    settings.ALLOWED_HOSTS = ["testserver"]
    call_command("migrate", verbosity=0)
    if args.reuse:
        User.objects.filter(username__startswith="bench-").delete()
    else:
        populate_registry(args.persons)
    time_pages(args.repeat)


def time_pages(repeat: int) -> None:
    from django.test import Client

    from sejahtera.accounts.models import Role, User
    from sejahtera.registry.models import Person

    analyst = User.objects.create_user("bench-analyst", role=Role.MINISTRY_ANALYST)
    sample = Person.objects.exclude(nik=None).select_related("household").order_by("id")[1000]
    regency = sample.household.village_id[:4]
    office = User.objects.create_user("bench-office", role=Role.DISTRICT_OFFICE, region_id=regency)
    client = Client()
    print(f"persons: {Person.objects.count():,}; cores: {os.cpu_count()}")
    print(f"{'page':<52} {'median ms':>10} {'p95 ms':>8}")
    pages = [
        (analyst, "/dashboard/", "dashboard, national"),
        (analyst, "/dashboard/regions.json", "dashboard map figures, national"),
        (analyst, f"/dashboard/?region={regency}", "dashboard, one regency"),
        (office, "/registry/", "registry list, first page (regency office)"),
        (analyst, f"/registry/?q={sample.nik}", "search by NIK (national)"),
        (
            analyst,
            f"/registry/?q={sample.full_name.split()[0].lower()}",
            "search by name (national)",
        ),
        (
            office,
            f"/registry/?q={sample.full_name[:-1].lower()}",
            "search, name with a typo (regency)",
        ),
        (analyst, f"/registry/households/{sample.household_id}/", "household page"),
    ]
    for user, path, label in pages:
        client.force_login(user)
        median, p95 = timed(client, path, repeat)
        verdict = f"  (goal <= {GOAL_MS} ms)" if label.startswith("dashboard, national") else ""
        print(f"{label:<52} {median:>10.1f} {p95:>8.1f}{verdict}")


if __name__ == "__main__":
    main()
