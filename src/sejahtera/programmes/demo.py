"""The demo's delivery: approved SEMBAKO and PKH decrees from the current run, their first
payment cycles, KKS accounts for most families, the SEMBAKO cycle sent to the channels and
settled by synthetic result files (a few failures, a return, one line missing and one amount
disputed), then the failed lines sent again — so that `make run` has a paid cycle and a
reconciliation to look at."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta

from sejahtera.accounts.models import User
from sejahtera.domain.disbursement import BANKS, reference
from sejahtera.programmes import cycles, disbursement, services
from sejahtera.programmes.models import Batch, Decree, Enrolment, PaymentAccount
from sejahtera.targeting.selectors import latest_run

DEMO_PROGRAMMES = ("SEMBAKO", "PKH")
# Of every hundred families: this many hold a KKS account (the rest are paid by PT Pos).
WITH_ACCOUNT = 80


def ensure_demo_delivery(*, echo: Callable[[str], None], today: date | None = None) -> None:
    """Prepared by the demo programme manager, approved by the demo administrator (four eyes);
    reused when it exists."""
    run = latest_run()
    if run is None or Decree.objects.exists():
        return
    manager = User.objects.get(username="demo_programme_manager")
    administrator = User.objects.get(username="demo_administrator")
    start = (today or date.today()).replace(day=1)
    quarter = start.replace(month=(start.month - 1) // 3 * 3 + 1)
    rng = random.Random(2027)
    opened = {}
    for programme in DEMO_PROGRAMMES:
        decree = services.approve_decree(
            administrator, services.prepare_decree(manager, programme, start, run)
        )
        cycle = cycles.open_cycle(manager, programme, quarter if programme == "PKH" else start)
        opened[programme] = cycle
        echo(
            f"Decree #{decree.pk} {programme}: {decree.totals['enrolled']} enrolled; cycle from "
            f"{cycle.period_start}: {cycle.totals.get('payable', {}).get('lines', 0)} payable"
        )
    _open_accounts(rng, start)
    sembako = opened["SEMBAKO"]
    for batch in disbursement.build_batches(manager, sembako):
        content = _channel_result(batch, rng, sembako.period_start + timedelta(days=20))
        result = disbursement.import_result(manager, batch, f"result-{batch.file_name}", content)
        echo(f"Batch {batch.file_name}: {batch.lines} lines; result {result.counts}")
    again = disbursement.build_batches(manager, sembako)
    echo(f"Sent again: {sum(b.lines for b in again)} failed or returned lines")


def _open_accounts(rng: random.Random, opened_on: date) -> None:
    """Synthetic KKS accounts at the state banks for most enrolled families."""
    households = (
        Enrolment.objects.filter(person__isnull=True)
        .values_list("household_id", flat=True)
        .distinct()
        .order_by("household_id")
    )
    accounts = [
        PaymentAccount(
            household_id=household,
            channel=str(rng.choice(BANKS)),
            account_number=f"{rng.randrange(10**14, 10**15)}",
            opened_on=opened_on,
        )
        for household in households
        if rng.randrange(100) < WITH_ACCOUNT
    ]
    PaymentAccount.objects.bulk_create(accounts, ignore_conflicts=True)


def _channel_result(batch: Batch, rng: random.Random, paid_on: date) -> bytes:
    """What a channel might send back: mostly paid, some failed or returned, one line left
    out and one amount that does not agree."""
    lines = ["reference,account,amount,status,reason,paid_on"]
    payments = list(batch.payments.order_by("id"))
    for i, payment in enumerate(payments):
        amount, status, reason = payment.amount, "paid", ""
        draw = rng.randrange(100)
        if i == 0 and len(payments) > 10:
            continue  # missing from the result
        if i == 1 and len(payments) > 10:
            amount -= 50_000
        elif draw < 4:
            status, reason = "failed", "rekening tidak aktif"
        elif draw < 5:
            status, reason = "returned", "penerima pindah domisili"
        lines.append(
            f"{reference(payment.pk)},{payment.account_number},{amount},{status},{reason},"
            f"{paid_on.isoformat() if status == 'paid' else ''}"
        )
    return ("\n".join(lines) + "\n").encode()
