"""Disbursement: a cycle's payable entitlements become batches per payment channel, written as
files with a SHA-256 manifest; each channel's result file comes back and settles the lines.

Never twice, by the database: at most one live (issued or paid) payment per entitlement, one
ledger event per entitlement, attempt and kind, one import per result file (by its SHA-256).
Building the batches of a cycle again, or importing the same file again, adds nothing; two
people doing either at the same moment wait for each other (the cycle's or the batch's row is
locked) and the second finds nothing left to do. Every step is one set-based statement per
table, whatever the size of the cycle.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterator
from operator import itemgetter
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Max, Sum
from django.utils.translation import gettext

from sejahtera.accounts import access
from sejahtera.accounts.models import User
from sejahtera.domain import disbursement as rules
from sejahtera.domain.disbursement import Channel, Layout, reference
from sejahtera.domain.findings import Refused
from sejahtera.domain.tables import read_table
from sejahtera.i18n import render_refusal
from sejahtera.programmes import ledger
from sejahtera.programmes.cycles import Progress, no_progress, suspend_the_dead
from sejahtera.programmes.models import Batch, Cycle, Payment, ResultImport, ResultLine
from sejahtera.programmes.selectors import hidden_programmes
from sejahtera.registry.services.bulk import analyse, insert, without_jit
from sejahtera.registry.services.exports import safe_cell

# The channel of an entitlement ``t`` whose household's KKS account is ``a`` (the rule of
# ``domain.disbursement.PREMIUM_PROGRAMMES``, as SQL: a million lines in one statement).
CHANNEL = (
    "CASE WHEN c.programme IN ({premium}) THEN '{insurer}' ELSE COALESCE(a.channel, 'POS') END"
)

# Entitlements still to send: payable, the unit still active, its person (if any) still a
# record of the registry (held for review or merged since the cycle opened: not sent), and no
# payment issued or paid; a failed or returned payment is sent again as the next attempt. What
# was sent before is read once, grouped, never probed per line in the table being filled: on a
# table the planner believes empty, each probe would be a scan of everything the statement has
# inserted so far.
SOURCES = """
FROM programmes_entitlement t
JOIN programmes_cycle c ON c.id = t.cycle_id
JOIN programmes_enrolment e ON e.id = t.enrolment_id
LEFT JOIN programmes_paymentaccount a ON a.household_id = t.household_id
LEFT JOIN (
  SELECT q.entitlement_id, COUNT(*) AS attempts,
    SUM(CASE WHEN q.status IN ('issued', 'paid') THEN 1 ELSE 0 END) AS live
  FROM programmes_payment q JOIN programmes_batch qb ON qb.id = q.batch_id
  WHERE qb.cycle_id = %(cycle)s GROUP BY q.entitlement_id
) sent ON sent.entitlement_id = t.id
"""
TO_ISSUE = """
WHERE t.cycle_id = %(cycle)s AND t.status = 'payable' AND e.status = 'active'
  AND COALESCE(sent.live, 0) = 0
  AND NOT EXISTS (SELECT 1 FROM registry_person p WHERE p.id = t.person_id
                  AND (p.held_for_review OR p.merged_into_id IS NOT NULL))
"""
# Whom a line pays: the person of a person-level programme, else the household head (a record
# of the registry: not one held for review or merged). Index look-ups, each a scalar subquery:
# a join could make the database read every person of the country once per batch. "ORDER BY
# x.id + 0": ordered by the bare key, PostgreSQL, knowing how few people are heads, walks the
# primary key from the lowest id for every line (minutes for a batch) instead of reading the
# household's few members.
RECIPIENT = """COALESCE(t.person_id, (
  SELECT x.id FROM registry_person x WHERE x.household_id = t.household_id
    AND x.relationship = 'head' AND x.merged_into_id IS NULL AND NOT x.held_for_review
  ORDER BY x.id + 0 LIMIT 1))"""
# Every line into its channel's new batch, in one statement, with whom it pays as it stands
# today: the batch file is written from the payments alone, the same file whenever asked. The
# lines are materialised so that each recipient is found once, not once per column read.
ISSUE = f"""
INSERT INTO programmes_payment (batch_id, entitlement_id, attempt, subject, household_id,
  person_id, region_code, account_number, recipient_nik, recipient_name, amount, status, live,
  reason)
WITH lines AS MATERIALIZED (
  SELECT t.id, 1 + COALESCE(sent.attempts, 0) AS attempt, t.subject, t.household_id,
    t.person_id, t.region_code, t.amount, a.account_number, {{channel}} AS channel,
    {RECIPIENT} AS recipient_id
  {{sources}}
  {{to_issue}}
)
SELECT b.id, l.id, l.attempt, l.subject, l.household_id, l.person_id, l.region_code,
  CASE WHEN b.channel IN ('POS', 'BPJS') THEN '' ELSE l.account_number END,
  COALESCE((SELECT x.nik FROM registry_person x WHERE x.id = l.recipient_id), ''),
  COALESCE((SELECT x.full_name FROM registry_person x WHERE x.id = l.recipient_id), ''),
  l.amount, 'issued', TRUE, ''
FROM lines l JOIN programmes_batch b ON b.channel = l.channel AND b.id IN ({{batches}})
"""
# In the order of ``domain.disbursement.FIELDS``.
FILE_ROWS = """
SELECT id, account_number, recipient_nik, recipient_name, amount, region_code
FROM programmes_payment WHERE batch_id = %s ORDER BY id
"""


class DisbursementRefused(ValueError):
    """A step that cannot be taken, in words for the person who tried."""


def channel_layouts() -> dict[Channel, Layout]:
    return rules.layouts(getattr(settings, "SEJAHTERA_CHANNEL_LAYOUTS", {}))


def batch_directory(cycle: Cycle) -> Path:
    return Path(settings.MEDIA_ROOT) / "disbursement" / f"cycle-{cycle.pk}"


def require_manager(actor: User, programme: str) -> None:
    access.require(actor, access.DECREE_MAKERS)
    if programme in hidden_programmes(actor):
        raise PermissionDenied


def build_batches(actor: User, cycle: Cycle, progress: Progress | None = None) -> list[Batch]:
    """A new batch per channel for every payable line not yet sent (and every failed or
    returned one, as its next attempt), each written as a file; nothing when nothing is left.
    A unit suspended since the cycle opened (a death recorded meanwhile) is not sent."""
    require_manager(actor, cycle.programme)
    premium = ", ".join(f"'{p}'" for p in rules.PREMIUM_PROGRAMMES)
    channel = CHANNEL.format(premium=premium or "''", insurer=Channel.BPJS)
    report = progress or no_progress
    with transaction.atomic():
        without_jit()
        Cycle.objects.select_for_update().get(pk=cycle.pk)
        report("suspend", 0, 3)
        suspend_the_dead(cycle.programme, cycle.period_start)
        # A batch for every channel, filled in one statement; those left empty are dropped.
        last = dict(
            Batch.objects.filter(cycle=cycle)
            .values_list("channel")
            .annotate(n=Max("sequence"))
            .order_by()
        )
        candidates = [
            Batch.objects.create(
                cycle=cycle,
                channel=name,
                sequence=last.get(name, 0) + 1,
                created_by=actor,
                file_name=(
                    f"{cycle.programme}-{cycle.period_start:%Y-%m}-{name}-"
                    f"{last.get(name, 0) + 1}.csv"
                ),
            )
            for name in Channel
        ]
        report("issue", 1, 3)
        with connection.cursor() as cursor:
            batches = ", ".join(str(int(b.pk)) for b in candidates)
            sql = ISSUE.format(sources=SOURCES, channel=channel, batches=batches, to_issue=TO_ISSUE)
            cursor.execute(sql, {"cycle": cycle.pk})
        totals = {
            row["batch"]: row
            for row in Payment.objects.filter(batch__in=candidates)
            .values("batch")
            .annotate(n=Count("id"), amount=Sum("amount"))
            .order_by()
        }
        built = [b for b in candidates if b.pk in totals]
        Batch.objects.filter(pk__in=[b.pk for b in candidates if b.pk not in totals]).delete()
        if not built:
            report("done", 1, 1)
            return []
        analyse("programmes_payment")
        steps = 3 + len(built)
        report("ledger", 2, steps)
        ledger.record_issued([b.pk for b in built])
        for done, batch in enumerate(built, start=3):
            report("files", done, steps)
            batch.lines, batch.amount = totals[batch.pk]["n"], totals[batch.pk]["amount"] or 0
            _write_file(batch)
        _write_manifest(cycle)
    report("done", steps, steps)
    return built


def _write_file(batch: Batch) -> None:
    digest = hashlib.sha256()
    path = batch_directory(batch.cycle) / batch.file_name
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with path.open("wb") as out:
        for chunk in _file_chunks(batch):
            digest.update(chunk)
            out.write(chunk)
    batch.sha256 = digest.hexdigest()
    batch.save(update_fields=["lines", "amount", "sha256"])


def _file_chunks(batch: Batch) -> Iterator[bytes]:
    layout = channel_layouts()[Channel(batch.channel)]
    period = f"{batch.cycle.period_start:%Y-%m}"
    pick = itemgetter(*(rules.FIELDS.index(column) for column in layout.columns))
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=layout.delimiter, lineterminator="\n")
    if layout.header:
        writer.writerow(layout.columns)
    # A server-side cursor on PostgreSQL: a national batch is never held in memory at once.
    with connection.chunked_cursor() as cursor:
        cursor.execute(FILE_ROWS, [batch.pk])
        while rows := cursor.fetchmany(10_000):
            # Operators open these files in spreadsheets too: text from outside (an account
            # number, a NIK, a name) is never a formula.
            writer.writerows(
                pick((reference(pk), safe_cell(account), safe_cell(nik), safe_cell(name), amount,
                      region, period))
                for pk, account, nik, name, amount, region in rows
            )  # fmt: skip
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode()


def _write_manifest(cycle: Cycle) -> None:
    batches = Batch.objects.filter(cycle=cycle).order_by("channel", "sequence")
    if batches:
        text = rules.manifest((b.file_name, b.sha256) for b in batches)
        (batch_directory(cycle) / "SHA256SUMS").write_text(text)


def batch_file(batch: Batch) -> bytes:
    """The batch's file as it was sent: the file kept, checked against the SHA-256 recorded
    (written again from the payments if it is gone, and checked just the same)."""
    path = batch_directory(batch.cycle) / batch.file_name
    content = path.read_bytes() if path.exists() else b"".join(_file_chunks(batch))
    if hashlib.sha256(content).hexdigest() != batch.sha256:
        raise DisbursementRefused(
            gettext("The file of batch %(name)s no longer matches its SHA-256: it was altered.")
            % {"name": batch.file_name}
        )
    return content


# -- result files -----------------------------------------------------------------------------

RESULT_COLUMNS = (
    "result_id", "line", "reference", "payment_number", "account_number", "amount", "outcome",
    "reason", "paid_on", "verdict", "column", "message",
)  # fmt: skip
APPLY = """
UPDATE programmes_payment SET status = r.outcome, live = r.outcome = 'paid', reason = r.reason,
  paid_on = COALESCE(r.paid_on, programmes_payment.paid_on), result_id = %(result)s
FROM programmes_resultline r
WHERE r.result_id = %(result)s AND r.verdict = 'applied'
  AND r.payment_number = programmes_payment.id AND programmes_payment.batch_id = %(batch)s
"""
PAID_TO_SUSPENDED = """
UPDATE programmes_resultline SET verdict = 'paid_to_suspended'
WHERE result_id = %(result)s AND verdict = 'applied' AND outcome = 'paid' AND EXISTS (
  SELECT 1 FROM programmes_payment p
  JOIN programmes_entitlement t ON t.id = p.entitlement_id
  JOIN programmes_enrolment e ON e.id = t.enrolment_id
  WHERE p.id = programmes_resultline.payment_number AND e.status <> 'active')
"""


def import_result(actor: User, batch: Batch, file_name: str, content: bytes) -> ResultImport:
    """Take a channel's result file for ``batch``: unreadable rows are rejected with the
    field and why, rows that disagree with the batch are mismatches, the rest settle their
    payment and go to the ledger. The same file again returns its first import."""
    require_manager(actor, batch.cycle.programme)
    if len(content) > settings.SEJAHTERA_MAX_UPLOAD_MB * 1024 * 1024:
        raise DisbursementRefused(
            gettext("The file is larger than %(mb)d MB.") % {"mb": settings.SEJAHTERA_MAX_UPLOAD_MB}
        )
    digest = hashlib.sha256(content).hexdigest()
    earlier = ResultImport.objects.filter(batch=batch, sha256=digest).first()
    if earlier:
        return earlier
    rows = _read_rows(content)
    with transaction.atomic():
        without_jit()
        Batch.objects.select_for_update().get(pk=batch.pk)
        try:
            with transaction.atomic():
                result = ResultImport.objects.create(
                    batch=batch, file_name=file_name[:200], sha256=digest, imported_by=actor
                )
        except IntegrityError:  # the same file, imported a moment ago by someone else
            return ResultImport.objects.get(batch=batch, sha256=digest)
        # Judged against the batch as it is under the lock: only an import of this batch
        # changes its payments, and imports of one batch wait for each other.
        sent = {
            pk: rules.Sent(account, amount, status, settled is not None)
            for pk, account, amount, status, settled in Payment.objects.filter(
                batch=batch
            ).values_list("id", "account_number", "amount", "status", "result_id")
        }
        lines = [
            _line_values(result.pk, row, rules.verdict(row, sent.get(row.payment_id or 0)))
            for row in rows
        ]
        insert(ResultLine, RESULT_COLUMNS, lines)
        analyse("programmes_resultline")
        _settle(result, batch)
    return result


def _read_rows(content: bytes) -> list[rules.ResultRow]:
    try:
        table = read_table(content, rules.REQUIRED_COLUMNS)
    except Refused as refused:
        raise DisbursementRefused(render_refusal(refused)) from None
    rows: list[rules.ResultRow] = []
    seen: dict[str, int] = {}
    for number, cells in table.rows:
        row = rules.read_result_row(number, cells)
        if row.reference in seen and not row.rejected:
            repeated = rules.repeated_reference(row, seen[row.reference])
            row = row._replace(findings=(repeated,))
        seen.setdefault(row.reference, number)
        rows.append(row)
    if not rows:
        raise DisbursementRefused(gettext("The file has no rows; nothing was imported."))
    return rows


def _line_values(result_id: int, row: rules.ResultRow, verdict: str) -> tuple[Any, ...]:
    errors = [f for f in row.findings if f.is_error] if row.findings else []
    message = "; ".join(gettext(f.template).format(**f.params) for f in errors)
    return (
        result_id, row.line, row.reference[:40], row.payment_id, row.account[:40], row.amount,
        row.outcome[:20], row.reason[:200], row.paid_on, verdict,
        errors[0].column if errors else "", message[:300],
    )  # fmt: skip


def _settle(result: ResultImport, batch: Batch) -> None:
    params = {"result": result.pk, "batch": batch.pk}
    with connection.cursor() as cursor:
        cursor.execute(APPLY, params)
        cursor.execute(PAID_TO_SUSPENDED, params)
    ledger.record_results(result.pk, batch.pk)
    counts = ResultLine.objects.filter(result=result).values_list("verdict").annotate(n=Count("id"))
    result.counts = dict(counts.order_by())
    result.save(update_fields=["counts"])
