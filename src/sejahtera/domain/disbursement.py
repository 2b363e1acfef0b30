"""Disbursement rules, free of Django: which channel pays a unit, how each channel's file is
laid out, what a channel's result file may say, and the words of the ledger and of
reconciliation.

A payment line is known to the channel by its *reference* ("SJT" and ten digits of the
payment's id): the channel returns it in its result file, so every result row finds the one
line it answers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import NamedTuple

from sejahtera.domain.findings import Finding, error, gettext_noop


class Channel(StrEnum):
    """Who pays: the state banks (Himbara) onto the family's KKS account, PT Pos in cash, and
    BPJS Kesehatan, which receives PBI-JK premiums (no cash to the family)."""

    BRI = "BRI"
    BNI = "BNI"
    MANDIRI = "MANDIRI"
    BSI = "BSI"
    POS = "POS"
    BPJS = "BPJS"


BANKS = (Channel.BRI, Channel.BNI, Channel.MANDIRI, Channel.BSI)
# Programmes whose money goes to an insurer, not to the family; every other unit is paid by
# the bank of its KKS account, else by PT Pos (cash at the post office, or at home for the
# elderly and disabled). The batches apply this rule in SQL (programmes.disbursement).
PREMIUM_PROGRAMMES = {"PBI_JK": Channel.BPJS}


# -- export layouts ---------------------------------------------------------------------------

# What a batch file may hold, per line.
FIELDS = ("reference", "account", "nik", "name", "amount", "region", "period")


class LayoutError(ValueError):
    pass


@dataclass(frozen=True)
class Layout:
    """One channel's batch file: delimited text with these columns, in this order."""

    columns: tuple[str, ...]
    delimiter: str = ","
    header: bool = True

    def __post_init__(self) -> None:
        unknown = [c for c in self.columns if c not in FIELDS]
        if unknown:
            raise LayoutError(f"unknown column(s) {', '.join(unknown)}; known: {', '.join(FIELDS)}")
        if "reference" not in self.columns or "amount" not in self.columns:
            raise LayoutError("a batch file needs the reference and the amount")
        if len(self.delimiter) != 1:
            raise LayoutError("the delimiter is one character")


# The defaults; ``SEJAHTERA_CHANNEL_LAYOUTS`` overrides any of them with the same keys.
DEFAULT_LAYOUTS = {
    Channel.BRI: Layout(("reference", "account", "name", "amount", "period"), delimiter="|"),
    Channel.BNI: Layout(("reference", "account", "name", "nik", "amount"), delimiter=";"),
    Channel.MANDIRI: Layout(("account", "name", "amount", "reference", "period")),
    Channel.BSI: Layout(("reference", "account", "name", "amount", "period"), delimiter=";"),
    Channel.POS: Layout(("reference", "nik", "name", "region", "amount", "period")),
    Channel.BPJS: Layout(("reference", "nik", "name", "amount", "period")),
}


def layouts(overrides: Mapping[str, Mapping[str, object]]) -> dict[Channel, Layout]:
    """The defaults with a setting's overrides, each checked (LayoutError names the channel)."""
    chosen = dict(DEFAULT_LAYOUTS)
    for name, spec in overrides.items():
        try:
            channel = Channel(name)
            chosen[channel] = Layout(
                columns=tuple(spec["columns"]),  # type: ignore[arg-type]
                delimiter=str(spec.get("delimiter", ",")),
                header=bool(spec.get("header", True)),
            )
        except (ValueError, KeyError, TypeError) as problem:
            raise LayoutError(f"channel {name}: {problem}") from problem
    return chosen


REFERENCE = re.compile(r"SJT([0-9]{10})")
# Whole rupiah, ASCII digits, small enough for the database's 64-bit integers.
AMOUNT = re.compile(r"[0-9]{1,15}")


def reference(payment_id: int) -> str:
    return f"SJT{payment_id:010d}"


def manifest(files: Iterable[tuple[str, str]]) -> str:
    """``sha256sum``'s format (digest, two spaces, name): ``sha256sum -c`` checks it."""
    return "".join(f"{digest}  {name}\n" for name, digest in files)


# -- result files -----------------------------------------------------------------------------


class Outcome(StrEnum):
    PAID = "paid"
    FAILED = "failed"  # not paid (closed account, not collected, ...): may be re-issued
    RETURNED = "returned"  # paid out, then given back (the family moved away, ...)


OUTCOMES = frozenset(o.value for o in Outcome)
NEEDING_A_REASON = frozenset({Outcome.FAILED.value, Outcome.RETURNED.value})
REQUIRED_COLUMNS = ("reference", "amount", "status")


class ResultRow(NamedTuple):
    """A tuple, not a dataclass: a national result file makes a million of them."""

    line: int  # in the file, the header being line 1
    reference: str
    payment_id: int | None
    account: str
    amount: int | None
    outcome: str
    reason: str
    paid_on: date | None
    findings: tuple[Finding, ...] = ()

    @property
    def rejected(self) -> bool:
        return bool(self.findings) and any(f.is_error for f in self.findings)


def read_result_row(line: int, cells: Mapping[str, str | None]) -> ResultRow:
    """One row of a channel's result file (its cells by column), with what is wrong
    in it, field by field."""
    get = cells.get  # a million rows a file: no helper call per cell
    findings: list[Finding] = []
    ref = (get("reference") or "").strip()
    match = REFERENCE.fullmatch(ref)
    if not match:
        findings.append(
            error(
                "bad_reference",
                gettext_noop("“{value}” is not a payment reference (SJT and ten digits)"),
                "reference",
                value=ref,
            )
        )
    amount: int | None = None
    raw_amount = (get("amount") or "").strip()
    if AMOUNT.fullmatch(raw_amount):
        amount = int(raw_amount)
    else:
        findings.append(
            error(
                "bad_amount",
                gettext_noop("“{value}” is not an amount in whole rupiah"),
                "amount",
                value=raw_amount,
            )
        )
    outcome = (get("status") or "").strip().lower()
    if outcome not in OUTCOMES:
        findings.append(
            error(
                "bad_status",
                gettext_noop("“{value}” is not a result: paid, failed or returned"),
                "status",
                value=outcome,
            )
        )
    reason = (get("reason") or "").strip()
    if outcome in NEEDING_A_REASON and not reason:
        findings.append(
            error("reason_missing", gettext_noop("A failed or returned line says why"), "reason")
        )
    paid_on = None
    raw_date = (get("paid_on") or "").strip()
    if raw_date:
        try:
            paid_on = date.fromisoformat(raw_date)
        except ValueError:
            findings.append(
                error(
                    "bad_date",
                    gettext_noop("“{value}” is not a date (YYYY-MM-DD)"),
                    "paid_on",
                    value=raw_date,
                )
            )
    return ResultRow(
        line=line,
        reference=ref,
        payment_id=int(match.group(1)) if match else None,
        account=(get("account") or "").strip(),
        amount=amount,
        outcome=outcome,
        reason=reason,
        paid_on=paid_on,
        findings=tuple(findings),
    )


def repeated_reference(row: ResultRow, first_line: int) -> Finding:
    return error(
        "repeated_reference",
        gettext_noop("The reference is already on line {first}: one result per payment"),
        "reference",
        first=first_line,
    )


# -- ledger and reconciliation ----------------------------------------------------------------


class Entry(StrEnum):
    """What happened to a unit's money, in the append-only ledger."""

    ENTITLED = "entitled"
    ISSUED = "issued"
    REISSUED = "reissued"
    PAID = "paid"
    FAILED = "failed"
    RETURNED = "returned"


class Mismatch(StrEnum):
    """What reconciliation lists: a result that does not agree with what was issued."""

    MISSING = "missing"  # issued, no result yet
    EXTRA = "extra"  # a result for no line of the batch
    WRONG_AMOUNT = "wrong_amount"
    WRONG_ACCOUNT = "wrong_account"
    PAID_TO_SUSPENDED = "paid_to_suspended"  # the unit was suspended or ended meanwhile
    ALREADY_REPORTED = "already_reported"  # another result file settled the line differently


@dataclass(frozen=True, slots=True)
class Sent:
    """What a batch holds for a reference, as a result row is judged against it."""

    account: str
    amount: int
    status: str  # issued, paid, failed, returned
    settled: bool  # a result file settled it already


APPLIED = "applied"
UNCHANGED = "unchanged"
REJECTED = "rejected"


def verdict(row: ResultRow, sent: Sent | None) -> str:
    """What becomes of a result row: rejected (unreadable), a mismatch (changes nothing),
    unchanged (the same result again), or applied (it settles the line). A paid line may
    still come back returned; any other second result disagrees with the first."""
    if row.rejected:
        return REJECTED
    if sent is None:
        return Mismatch.EXTRA
    if row.account and row.account != sent.account:
        return Mismatch.WRONG_ACCOUNT
    if row.amount != sent.amount:
        return Mismatch.WRONG_AMOUNT
    if sent.settled and sent.status == row.outcome:
        return UNCHANGED
    if sent.status != "issued" and not (sent.status == "paid" and row.outcome == "returned"):
        return Mismatch.ALREADY_REPORTED
    return APPLIED


def masked_account(number: str) -> str:
    """A bank account as those who check but do not pay read it: its last four digits."""
    return f"••••{number[-4:]}" if len(number) > 4 else "••••" if number else ""
