"""Benchmark: programme delivery on PostgreSQL — prepare and approve a decree, open a cycle,
build its disbursement batches, import the channels' result files.

    python bench/delivery.py [--persons 3000000] [--programme SEMBAKO] [--postgres URL]
                             [--reuse] [--slow SECONDS] [--profile]

Builds a fresh database ``sejahtera_bench_delivery``, imports a synthetic population and runs
the targeting once (DuckDB) — or, with ``--reuse``, copies the population and run kept by an
earlier run of the same size (database ``sejahtera_bench_delivery_<persons>``) — then times
each delivery step and, in the same run, a ``COPY`` of the same rows into an empty table with
the same columns and indexes: the baseline the step is compared with. Goal (issue #10): each
step ≤ 60 s on 2 cores and ≤ 2× that COPY, with 1,000,000 enrolled households (SEMBAKO
enrols deciles 1–4: about 2.5 M households).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import AS_OF, postgres_database_exists, recreate_postgres_database, synthesise

PERIOD = date(2027, 1, 1)
PROFILE = False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=3_000_000)
    parser.add_argument("--programme", default="SEMBAKO")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/sejahtera"),
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="start from the population and targeting run kept by an earlier run of this size",
    )
    parser.add_argument(
        "--slow",
        type=float,
        metavar="SECONDS",
        help="print every SQL statement of the steps that takes longer than this",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="print where each step spends its time in Python (cProfile, cumulative)",
    )
    args = parser.parse_args()
    global PROFILE
    PROFILE = args.profile
    kept = f"sejahtera_bench_delivery_{args.persons}"
    reuse = args.reuse and postgres_database_exists(args.postgres, kept)
    os.environ["DATABASE_URL"] = recreate_postgres_database(
        args.postgres, "sejahtera_bench_delivery", template=kept if reuse else None
    )
    os.environ["DJANGO_SETTINGS_MODULE"] = "sejahtera.config.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    call_command("migrate", verbosity=0)
    if not reuse:
        populate(args.persons)
        connections.close_all()  # a database is copied only while nobody is connected to it
        recreate_postgres_database(args.postgres, kept, template="sejahtera_bench_delivery")
    from sejahtera.targeting.models import TargetingRun

    run = TargetingRun.objects.latest("pk")
    if args.slow is None:
        time_steps(run, args.programme)
    else:
        with connections["default"].execute_wrapper(SlowStatements(args.slow)):
            time_steps(run, args.programme)


class SlowStatements:
    """A database execute wrapper that prints the statements slower than ``limit`` seconds."""

    def __init__(self, limit: float) -> None:
        self.limit = limit

    def __call__(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            seconds = time.perf_counter() - started
            if seconds > self.limit:
                print(f"    {seconds:6.2f} s  {' '.join(sql.split())[:150]}")


def populate(persons: int) -> None:
    from sejahtera.registry.services.importing import import_registry
    from sejahtera.registry.services.regions import load_regions
    from sejahtera.targeting.services import run_targeting_for_registry

    load_regions()
    with tempfile.TemporaryDirectory(prefix="sejahtera-bench-delivery-") as tmp:
        data = Path(tmp)
        synthesise(persons, 5, data)
        started = time.perf_counter()
        import_registry(
            households_path=data / "households.csv",
            persons_path=data / "persons.csv",
            report_path=data / "report.csv",
        )
        print(f"setup: import {persons:,} persons in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    run_targeting_for_registry(date.fromisoformat(AS_OF))
    print(f"setup: targeting run in {time.perf_counter() - started:.1f} s")
    # A registry in service has long been analysed by autovacuum; a copied database never is
    # (its activity counters start at zero).
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def timed(step: Callable[[], Any]) -> tuple[Any, float]:
    profile = cProfile.Profile() if PROFILE else None
    started = time.perf_counter()
    if profile:
        profile.enable()
    result = step()
    seconds = time.perf_counter() - started
    if profile:
        profile.disable()
        pstats.Stats(profile).sort_stats("cumulative").print_stats(18)
    return result, seconds


def copy_baseline(table: str, columns: list[str], query: str, params: list[Any]) -> float:
    """Seconds to COPY the rows of ``query`` into an empty table like ``table`` (same columns
    and indexes): what writing those rows costs at the least. The best of three copies: one
    copy varies by up to 40 % from run to run on a shared machine."""
    from django.db import connection

    if not columns:  # the rows of the whole table
        fields = _model(table)._meta.concrete_fields
        columns = [f'"{f.column}"' for f in fields if f.column != "id"]
        query = f"SELECT {', '.join(columns)} FROM {table} WHERE {query}"
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        rows = cursor.fetchall()
        timings = []
        for _ in range(3):
            cursor.execute(
                f"DROP TABLE IF EXISTS bench_copy; "
                f"CREATE TABLE bench_copy (LIKE {table} INCLUDING ALL)"
            )
            started = time.perf_counter()
            with cursor.cursor.copy(f"COPY bench_copy ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            timings.append(time.perf_counter() - started)
        cursor.execute("DROP TABLE bench_copy")
    return min(timings)


def _model(table: str) -> Any:
    from django.apps import apps

    return next(m for m in apps.get_models() if m._meta.db_table == table)


def report(step: str, rows: int, seconds: float, baseline: float) -> None:
    print(
        f"{step:<28} {rows:>10,} rows {seconds:>8.1f} s {rows / max(seconds, 1e-9):>10,.0f} rows/s "
        f"COPY {baseline:>6.1f} s  ratio {seconds / max(baseline, 1e-9):>5.2f}×"
    )


def time_steps(run: Any, programme: str) -> None:
    from sejahtera.accounts.models import Role, User
    from sejahtera.programmes import cycles, services
    from sejahtera.programmes.models import DecreeLine, Enrolment, Entitlement

    preparer = User.objects.create_user("bench-preparer", role=Role.PROGRAMME_MANAGER)
    approver = User.objects.create_user("bench-approver", role=Role.ADMINISTRATOR)
    print(f"cores: {os.cpu_count()}; programme {programme}")

    decree, seconds = timed(lambda: services.prepare_decree(preparer, programme, PERIOD, run))
    lines = DecreeLine.objects.filter(decree=decree).count()
    columns = [
        "decree_id",
        "subject",
        "household_id",
        "person_id",
        "region_code",
        "change",
        "reason",
        "monthly_amount",
        "per_stage_amount",
        "yearly_amount",
        "rank",
    ]
    baseline = copy_baseline(
        "programmes_decreeline",
        columns,
        f"SELECT {', '.join(columns)} FROM programmes_decreeline WHERE decree_id = %s",
        [decree.pk],
    )
    report("prepare decree", lines, seconds, baseline)

    _, seconds = timed(lambda: services.approve_decree(approver, decree))
    enrolled = Enrolment.objects.filter(programme=programme).count()
    columns = [
        "programme",
        "subject",
        "household_id",
        "person_id",
        "region_code",
        "status",
        "started_on",
        "start_decree_id",
        "end_reason",
        "suspension",
        "monthly_amount",
    ]
    baseline = copy_baseline(
        "programmes_enrolment",
        columns,
        f"SELECT {', '.join(columns)} FROM programmes_enrolment WHERE programme = %s",
        [programme],
    )
    report("approve decree (enrol)", enrolled, seconds, baseline)

    cycle, seconds = timed(lambda: cycles.open_cycle(preparer, programme, PERIOD))
    entitled = Entitlement.objects.filter(cycle=cycle).count()
    columns = [
        "cycle_id",
        "enrolment_id",
        "subject",
        "household_id",
        "person_id",
        "nik",
        "region_code",
        "amount",
        "status",
        "reason",
    ]
    baseline = copy_baseline(
        "programmes_entitlement",
        columns,
        f"SELECT {', '.join(columns)} FROM programmes_entitlement WHERE cycle_id = %s",
        [cycle.pk],
    )
    baseline += copy_baseline(
        "programmes_ledgerentry", [], "cycle_id = %s AND kind = 'entitled'", [cycle.pk]
    )
    report("open cycle (+ ledger)", entitled, seconds, baseline)

    _, seconds = timed(lambda: cycles.open_cycle(preparer, programme, PERIOD))
    print(f"{'open the cycle again':<28} {'':>10} {'':>5} {seconds:>8.1f} s (adds nothing)")
    disburse(preparer, cycle)


def disburse(manager: Any, cycle: Any) -> None:
    """Build the cycle's batches (KKS accounts for four families in five, the rest PT Pos) and
    import a result file for each: every line paid but one in fifty failed."""
    from django.db import connection

    from sejahtera.domain.disbursement import reference
    from sejahtera.programmes import disbursement
    from sejahtera.programmes.models import Payment

    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO programmes_paymentaccount (household_id, channel, account_number,
            opened_on)
            SELECT DISTINCT household_id,
              (ARRAY['BRI', 'BNI', 'MANDIRI', 'BSI'])[1 + household_id %% 4],
              LPAD(household_id::text, 15, '0'), %s
            FROM programmes_enrolment WHERE household_id %% 5 <> 0""",
            [PERIOD],
        )
    batches, seconds = timed(lambda: disbursement.build_batches(manager, cycle))
    issued = sum(b.lines for b in batches)
    baseline = copy_baseline(
        "programmes_payment",
        [],
        "batch_id IN (SELECT id FROM programmes_batch WHERE cycle_id = %s)",
        [cycle.pk],
    )
    baseline += copy_baseline(
        "programmes_ledgerentry", [], "cycle_id = %s AND kind = 'issued'", [cycle.pk]
    )
    report(f"build {len(batches)} batches (+ files)", issued, seconds, baseline)

    files = []
    for batch in batches:
        lines = ["reference,account,amount,status,reason,paid_on"]
        for pk, account, amount in (
            Payment.objects.filter(batch=batch)
            .values_list("pk", "account_number", "amount")
            .iterator(chunk_size=50_000)
        ):
            failed = pk % 50 == 0
            lines.append(
                f"{reference(pk)},{account},{amount},{'failed' if failed else 'paid'},"
                f"{'rekening tidak aktif' if failed else ''},{'' if failed else '2027-01-20'}"
            )
        files.append((batch, ("\n".join(lines) + "\n").encode()))
    _, seconds = timed(
        lambda: [
            disbursement.import_result(manager, batch, f"result-{batch.file_name}", content)
            for batch, content in files
        ]
    )
    baseline = copy_baseline(
        "programmes_resultline",
        [],
        "result_id IN (SELECT r.id FROM programmes_resultimport r "
        "JOIN programmes_batch b ON b.id = r.batch_id WHERE b.cycle_id = %s)",
        [cycle.pk],
    )
    baseline += copy_baseline(
        "programmes_ledgerentry", [], "cycle_id = %s AND kind IN ('paid', 'failed')", [cycle.pk]
    )
    report("import result files", issued, seconds, baseline)
    started = time.perf_counter()
    for batch, content in files:
        disbursement.import_result(manager, batch, f"again-{batch.file_name}", content)
    seconds = time.perf_counter() - started
    print(f"{'the same files again':<28} {'':>10} {'':>5} {seconds:>8.1f} s (adds nothing)")


if __name__ == "__main__":
    main()
