"""Reconciliation, read-side: what a batch or a cycle issued, what the channels say became of
it, by status and region, and every line that does not agree — within the reader's region."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, QuerySet, Sum
from django.utils import timezone

from sejahtera.accounts import access
from sejahtera.accounts.models import User
from sejahtera.domain.disbursement import Mismatch, masked_account
from sejahtera.programmes.models import (
    Batch,
    Cycle,
    Entitlement,
    Payment,
    ResultImport,
    ResultLine,
)
from sejahtera.programmes.selectors import (
    by_regency,
    cycles_for,
    delivery_amounts_withheld_from,
)
from sejahtera.registry.selectors import subject_names

# Result rows that disagree with their batch (a *missing* line has no row: it is a payment
# still issued after its batch's result came back).
RESULT_MISMATCHES = tuple(m.value for m in Mismatch if m is not Mismatch.MISSING)
LISTED = 200


@dataclass
class Reconciliation:
    statuses: dict[str, dict[str, int]]  # status → {"lines": n, "amount": rupiah}
    regions: list[dict[str, Any]]  # per regency: its name and lines/amount per status
    mismatch_counts: dict[str, int]
    mismatches: list[dict[str, Any]] = field(default_factory=list)  # the first LISTED
    not_issued: dict[str, int] = field(default_factory=dict)  # cycles only

    @property
    def mismatch_total(self) -> int:
        return sum(self.mismatch_counts.values())


def batches_for(user: User) -> QuerySet[Batch]:
    return Batch.objects.filter(cycle__in=cycles_for(user)).select_related("cycle", "created_by")


def batch_for(user: User, pk: int) -> Batch:
    """Batch.DoesNotExist when there is none the user may read."""
    return batches_for(user).get(pk=pk)


def batch_totals_for(user: User, batches: Iterable[Batch]) -> dict[int, dict[str, int]]:
    """Each batch's lines and amount (``{"lines", "amount"}``) within the user's region: a
    file pays several regions, and a regency office counts its own families only."""
    batches = list(batches)
    if not access.region_prefix(user):
        return {b.pk: {"lines": b.lines, "amount": b.amount} for b in batches}
    totals = {b.pk: {"lines": 0, "amount": 0} for b in batches}
    rows = (
        _payments(user, batch__in=batches)
        .values("batch_id")
        .annotate(n=Count("id"), amount=Sum("amount"))
        .order_by()
    )
    for row in rows:
        totals[row["batch_id"]] = {"lines": row["n"], "amount": row["amount"] or 0}
    return totals


def result_counts_for(user: User, results: Iterable[ResultImport]) -> dict[int, dict[str, int]]:
    """Each result file's lines per verdict within the user's region: the lines naming a
    payment of the region (a line naming none, an extra, is the sender's to read)."""
    results = list(results)
    if not access.region_prefix(user):
        return {r.pk: r.counts for r in results}
    counts: dict[int, dict[str, int]] = {r.pk: {} for r in results}
    rows = (
        ResultLine.objects.filter(
            result__in=results,
            payment_number__in=_payments(user, batch__in={r.batch_id for r in results}).values(
                "id"
            ),
        )
        .values("result_id", "verdict")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        counts[row["result_id"]][row["verdict"]] = row["n"]
    return counts


def _payments(user: User, **where: Any) -> QuerySet[Payment]:
    return Payment.objects.filter(region_code__startswith=access.region_prefix(user), **where)


def batch_reconciliation(user: User, batch: Batch, *, path: str) -> Reconciliation:
    payments, rows = _payments(user, batch=batch), ResultLine.objects.filter(result__batch=batch)
    return _reconcile(user, batch.cycle.programme, payments, rows, path)


def cycle_reconciliation(user: User, cycle: Cycle, *, path: str) -> Reconciliation:
    cycles_for(user).get(pk=cycle.pk)  # the reader may read the cycle
    payments = _payments(user, batch__cycle=cycle)
    rows = ResultLine.objects.filter(result__batch__cycle=cycle)
    report = _reconcile(user, cycle.programme, payments, rows, path)
    live = Payment.objects.filter(entitlement=OuterRef("pk"), live=True)
    waiting = Entitlement.objects.filter(
        cycle=cycle,
        status=Entitlement.Status.PAYABLE,
        region_code__startswith=access.region_prefix(user),
    ).exclude(Exists(live))
    totals = waiting.aggregate(lines=Count("id"), amount=Sum("amount"))
    report.not_issued = {"lines": totals["lines"], "amount": totals["amount"] or 0}
    return report


def _reconcile(
    user: User, programme: str, payments: QuerySet[Payment], rows: QuerySet[ResultLine], path: str
) -> Reconciliation:
    statuses = {
        row["status"]: {"lines": row["n"], "amount": row["amount"] or 0}
        for row in payments.values("status")
        .annotate(n=Count("id"), amount=Sum("amount"))
        .order_by()
    }
    # A payment still issued once its batch has a result is missing from it.
    missing = payments.filter(status=Payment.Status.ISSUED).filter(
        Exists(ResultLine.objects.filter(result__batch=OuterRef("batch")))
    )
    mismatched = rows.filter(verdict__in=RESULT_MISMATCHES)
    if access.region_prefix(user):
        # Rows naming no payment of the reader's region (extras among them) are not theirs.
        mismatched = mismatched.filter(payment_number__in=payments.values("id"))
    counts = dict(mismatched.values_list("verdict").annotate(n=Count("id")).order_by())
    if missing_count := missing.count():
        counts[Mismatch.MISSING.value] = missing_count
    listed: list[dict[str, Any]] = [
        {"verdict": Mismatch.MISSING.value, "payment": p, "line": None}
        for p in missing.order_by("id")[:LISTED]
    ]
    rows_listed = list(mismatched.select_related("result").order_by("result_id", "line")[:LISTED])
    named = Payment.objects.filter(pk__in=[r.payment_number for r in rows_listed])
    by_number = {p.pk: p for p in named}
    listed += [
        {"verdict": row.verdict, "payment": by_number.get(row.payment_number or 0), "line": row}
        for row in rows_listed
    ]
    listed = _accounts_shown(user, listed[:LISTED], path)
    withheld = programme in delivery_amounts_withheld_from(user)
    for mismatch in listed:
        payment, line = mismatch["payment"], mismatch["line"]
        # one family's PKH payment tells of its components, as its decree line does
        mismatch["amount_sent"] = payment.amount if payment and not withheld else None
        mismatch["amount_reported"] = line.amount if line and not withheld else None
        mismatch["amount_withheld"] = withheld
    return Reconciliation(statuses, by_regency(payments), counts, listed)


def _accounts_shown(user: User, listed: list[dict[str, Any]], path: str) -> list[dict[str, Any]]:
    """Each mismatch with the name of whom it pays (``name``), the account sent and the one
    the channel reported (``account_sent``, ``account_reported``). A bank account is personal
    financial data: those who send the files read it whole, logged; the offices, analysts and
    auditors who check the totals read its last four digits, enough to tell two accounts
    apart."""
    whole = access.has_role(user, access.DECREE_MAKERS)
    show = (lambda number: number) if whole else masked_account
    paid = [m["payment"] for m in listed if m["payment"]]
    # Named as the household page names them (masked for the roles it masks them for).
    names = iter(
        subject_names(user, [(p.household_id, p.person_id) for p in paid], timezone.localdate())
    )
    for mismatch in listed:
        payment, line = mismatch["payment"], mismatch["line"]
        mismatch["name"] = next(names) if payment else ""
        mismatch["account_sent"] = show(payment.account_number) if payment else ""
        mismatch["account_reported"] = show(line.account_number) if line else ""
    if whole:
        shown = [m["payment"].pk for m in listed if m["payment"] and m["account_sent"]]
        access.log_sensitive_read(user, "payment", shown, path)
    return listed


def result_errors(user: User, batch: Batch) -> QuerySet[ResultLine]:
    """The rows of the batch's result files that were rejected, with the field and why (the
    registry import's report columns: file, line, column, message)."""
    rows = ResultLine.objects.filter(result__batch=batch, verdict="rejected")
    if access.region_prefix(user):
        return rows.none()  # an unreadable row names nobody the office may be shown
    return rows.select_related("result").order_by("result_id", "line")
