"""The payment ledger: what happened to each unit's money, one row per event, appended by the
step that caused it in one set-based statement, never changed (the database refuses updates).

Each statement reads back exactly the rows its step just wrote (their step holds the lock of
their cycle or batch), so a step replayed, which writes nothing, appends nothing. An event is
unique per entitlement, attempt and kind in the database too.
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.utils import timezone

COLUMNS = (
    "subject, household_id, person_id, cycle_id, entitlement_id, payment_id, attempt, kind, "
    "amount, recorded_at"
)
ENTITLED = f"""
INSERT INTO programmes_ledgerentry ({COLUMNS})
SELECT t.subject, t.household_id, t.person_id, t.cycle_id, t.id, NULL, 0, 'entitled',
  t.amount, %(now)s
FROM programmes_entitlement t
WHERE t.id > %(after)s AND t.cycle_id = %(cycle)s AND t.status = 'payable'
"""
PAYMENTS = f"""
INSERT INTO programmes_ledgerentry ({COLUMNS})
SELECT p.subject, p.household_id, p.person_id, b.cycle_id, p.entitlement_id, p.id, p.attempt,
  {{kind}}, p.amount, %(now)s
FROM programmes_payment p JOIN programmes_batch b ON b.id = p.batch_id
WHERE {{where}}
"""


def _append(sql: str, **params: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, {**params, "now": timezone.now()})


def last_id(cursor: Any, table: str) -> int:
    """The highest id in ``table``: the rows a statement writes next come after it."""
    cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
    return int(cursor.fetchone()[0])


def record_entitled(cycle_id: int, written_after: int) -> None:
    """Every payable line just written in the cycle (ids after ``written_after``)."""
    _append(ENTITLED, cycle=cycle_id, after=written_after)


def record_issued(batch_ids: list[int]) -> None:
    """Every payment of the batches just built: issued, or re-issued for a later attempt."""
    kind = "CASE WHEN p.attempt > 1 THEN 'reissued' ELSE 'issued' END"
    batches = ", ".join(str(int(pk)) for pk in batch_ids)
    _append(PAYMENTS.format(kind=kind, where=f"p.batch_id IN ({batches})"))


def record_results(result_id: int, batch_id: int) -> None:
    """Every payment of ``batch_id`` that its result file ``result_id`` settled: paid, failed
    or returned (a paid line returned later has both)."""
    where = (
        "p.batch_id = %(batch)s AND p.id IN (SELECT r.payment_number FROM programmes_resultline r"
        " WHERE r.result_id = %(result)s AND r.verdict IN ('applied', 'paid_to_suspended'))"
    )
    _append(PAYMENTS.format(kind="p.status", where=where), result=result_id, batch=batch_id)
