"""Programme delivery: the decree (penetapan) that fixes a programme's beneficiaries from a
targeting run, and the enrolments it creates, changes and ends.

A subject is a household (PKH, SEMBAKO) or a person (PBI-JK, ATENSI, PENA); its key
("H<household id>" / "P<person id>", ``domain.delivery``) lets set-based SQL match decisions,
decree lines and enrolments without NULL-unsafe comparisons.
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sejahtera.domain.delivery import Change, Reason
from sejahtera.domain.disbursement import Channel, Entry, reference
from sejahtera.registry.models import Household, Person
from sejahtera.targeting.models import Decision, TargetingRun

USER = settings.AUTH_USER_MODEL


def _choices(values: type[StrEnum]) -> list[tuple[str, str]]:
    return [(str(v), str(v)) for v in values]


def _copied_key(to: type[models.Model], **options: Any) -> Any:
    """A key copied from the row a record comes from (a decree line, an enrolment, an
    entitlement): checked there, where it is constrained and PROTECT keeps it, not once more
    per record at commit (decision 0013)."""
    options.setdefault("on_delete", models.PROTECT)
    return models.ForeignKey(to, related_name="+", db_constraint=False, **options)


def _checked_key(to: type[models.Model] | str, **options: Any) -> Any:
    """A key of a table written a million rows at a time: the database checks it once per
    statement (a trigger, migration 0009), not once per row at commit (decision 0022)."""
    options.setdefault("on_delete", models.PROTECT)
    options.setdefault("related_name", "+")
    return models.ForeignKey(to, db_constraint=False, **options)


class Amounts(models.Model):
    """What a subject receives, as its decision says (whole rupiah)."""

    monthly_amount = models.BigIntegerField(null=True, blank=True)
    per_stage_amount = models.BigIntegerField(null=True, blank=True)
    yearly_amount = models.BigIntegerField(null=True, blank=True)

    class Meta:
        abstract = True


class Decree(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    programme = models.CharField(_("programme"), max_length=20)
    period_start = models.DateField(_("period starts"))
    run = models.ForeignKey(TargetingRun, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    prepared_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    prepared_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.TextField(blank=True)
    # The programme's decree in force when this draft was prepared: the enrolments this draft
    # changes are the ones it left. Approval refuses a draft once another decree has been
    # approved since (compared by id under the programme's lock, not by clock times).
    follows = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Who changed the draft after it was prepared (accepted a family's request onto it), by
    # user id: like its preparer, none of them approves it.
    amended_by = models.JSONField(default=list, blank=True)
    # {"new": n, "continuing": n, ...} and the yearly cost after the decree.
    totals = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-prepared_at"]
        verbose_name = _("decree")
        verbose_name_plural = _("decrees")
        constraints = [
            # One decree in force per programme and period.
            models.UniqueConstraint(
                fields=["programme", "period_start"],
                condition=Q(status="approved"),
                name="one_approved_decree_per_programme_period",
            )
        ]

    def __str__(self) -> str:
        return f"Decree #{self.pk} {self.programme} from {self.period_start} ({self.status})"


class DecreeLine(Amounts):
    decree = _checked_key(Decree, on_delete=models.CASCADE, related_name="lines")
    subject = models.CharField(max_length=24)
    # The decision's household and person (or, for a leaving line, the enrolment's).
    household = _copied_key(Household)
    person = _copied_key(Person, null=True, blank=True)
    region_code = models.CharField(max_length=10)
    change = models.CharField(max_length=12, choices=_choices(Change))
    reason = models.CharField(max_length=20, choices=_choices(Reason), blank=True)
    previous_yearly_amount = models.BigIntegerField(null=True, blank=True)
    rank = models.PositiveIntegerField(null=True, blank=True)  # waiting: 1 = the poorest
    decision = _checked_key(Decision, on_delete=models.SET_NULL, null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["decree", "subject"], name="one_line_per_subject")
        ]
        indexes = [
            models.Index(fields=["decree", "change"]),
            models.Index(fields=["decree", "region_code"]),
        ]

    def __str__(self) -> str:
        return f"{self.subject} {self.change} in decree {self.decree_id}"


class Enrolment(Amounts):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        ENDED = "ended", _("Ended")

    programme = models.CharField(_("programme"), max_length=20)
    subject = models.CharField(max_length=24)
    # The household, person and decision are the decree line's (the start decree keeps its
    # lines, and they keep these): checked there, not once more per enrolment at commit.
    household = _copied_key(Household)
    person = _copied_key(Person, null=True, blank=True)
    region_code = models.CharField(max_length=10)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    start_decree = _checked_key(Decree)
    end_decree = _checked_key(Decree, null=True, blank=True)
    end_reason = models.CharField(max_length=20, choices=_choices(Reason), blank=True)
    suspension = models.CharField(max_length=20, blank=True)  # why, while suspended
    suspended_on = models.DateField(null=True, blank=True)  # since when, while suspended
    decision = _copied_key(Decision, on_delete=models.SET_NULL, null=True, blank=True)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            # Never two open enrolments of one subject in one programme: the database says so.
            models.UniqueConstraint(
                fields=["programme", "subject"],
                condition=Q(ended_on__isnull=True),
                name="one_open_enrolment_per_subject",
            )
        ]
        indexes = [models.Index(fields=["programme", "region_code"])]

    def __str__(self) -> str:
        return f"{self.subject} in {self.programme} ({self.status})"


class Cycle(models.Model):
    """One payment period of a programme (a PKH stage, two SEMBAKO months, a PBI-JK month)."""

    programme = models.CharField(_("programme"), max_length=20)
    period_start = models.DateField(_("period starts"))
    period_end = models.DateField(_("period ends"))  # the first day after it
    opened_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(auto_now_add=True)
    totals = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-period_start"]
        verbose_name = _("payment cycle")
        verbose_name_plural = _("payment cycles")
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "period_start"], name="one_cycle_per_programme_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.programme} cycle from {self.period_start}"

    @property
    def last_day(self) -> date:
        """The cycle's last day (``period_end`` is the first day after it)."""
        return self.period_end - timedelta(days=1)


class Entitlement(models.Model):
    """What one enrolled unit is owed in one cycle. The database allows one line per unit and
    cycle, and one payable line per NIK and cycle: never twice, whatever the code does."""

    class Status(models.TextChoices):
        PAYABLE = "payable", _("Payable")
        SUSPENDED = "suspended", _("Suspended")
        HELD = "held", _("Held for review")

    # The cycle leads both unique constraints: it needs no index of its own.
    cycle = _checked_key(Cycle, related_name="entitlements", db_index=False)
    enrolment = _checked_key(Enrolment)
    subject = models.CharField(max_length=24)
    # The enrolment's household and person, checked through it (as on Payment).
    household = _copied_key(Household)
    person = _copied_key(Person, null=True, blank=True, db_index=False)
    nik = models.CharField(max_length=16, null=True, blank=True)  # noqa: DJ001 (person units)
    region_code = models.CharField(max_length=10)
    amount = models.BigIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices)
    reason = models.CharField(max_length=20, blank=True)

    class Meta:
        verbose_name = _("entitlement")
        verbose_name_plural = _("entitlements")
        constraints = [
            models.UniqueConstraint(fields=["cycle", "subject"], name="one_entitlement_per_unit"),
            models.UniqueConstraint(
                fields=["cycle", "nik"],
                condition=Q(status="payable", nik__isnull=False),
                name="one_payable_entitlement_per_nik",
            ),
        ]
        indexes = [models.Index(fields=["cycle", "region_code"])]

    def __str__(self) -> str:
        return f"{self.subject} {self.amount} in cycle {self.cycle_id} ({self.status})"


# -- disbursement -----------------------------------------------------------------------------


class PaymentAccount(models.Model):
    """A family's KKS account at a state bank (Himbara). A family without one is paid in cash
    by PT Pos."""

    household = models.OneToOneField(
        Household, on_delete=models.CASCADE, related_name="payment_account"
    )
    channel = models.CharField(max_length=10, choices=_choices(Channel))
    account_number = models.CharField(max_length=20)
    opened_on = models.DateField()

    def __str__(self) -> str:
        return f"{self.channel} account of household {self.household_id}"


class Batch(models.Model):
    """The payable lines of one cycle sent to one channel at once, as a file whose SHA-256 is
    kept: the file sent is the file recorded."""

    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="batches")
    channel = models.CharField(max_length=10, choices=_choices(Channel))
    sequence = models.PositiveIntegerField()  # 1, 2, … per cycle and channel (re-issues)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    file_name = models.CharField(max_length=100)
    sha256 = models.CharField(max_length=64)
    lines = models.PositiveIntegerField(default=0)
    amount = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["cycle", "channel", "sequence"]
        verbose_name = _("disbursement batch")
        verbose_name_plural = _("disbursement batches")
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "channel", "sequence"], name="one_batch_per_sequence"
            )
        ]

    def __str__(self) -> str:
        return self.file_name


class ResultImport(models.Model):
    """A channel's result file for a batch. The same file (by SHA-256) is taken once."""

    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="results")
    file_name = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    imported_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    imported_at = models.DateTimeField(auto_now_add=True)
    # Rows per verdict: applied, rejected (unreadable), and each mismatch.
    counts = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-imported_at"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "sha256"], name="one_import_per_file")
        ]

    def __str__(self) -> str:
        return f"{self.file_name} for batch {self.batch_id}"


# A payment that is money on its way or in hand; a failed or returned one may be sent again.
LIVE = ("issued", "paid")
NOT_LIVE = ("failed", "returned")


class Payment(models.Model):
    """One entitlement sent to a channel. A failed or returned payment may be sent again (a
    new payment, the next attempt); the database holds at most one *live* (issued or paid)
    payment per entitlement: never paid twice.

    ``live`` says issued or paid, as a column of its own that a check keeps equal to the
    status: the unique index of live payments reads it, and no index reads the status. A
    result file turning issued into paid then changes no indexed value, so PostgreSQL writes
    each settled payment in place on its page (a HOT update, hence the free space the table
    keeps on its pages, migration 0010) instead of a new entry in every index."""

    class Status(models.TextChoices):
        ISSUED = "issued", _("Issued")
        PAID = "paid", _("Paid")
        FAILED = "failed", _("Failed")
        RETURNED = "returned", _("Returned")

    # Indexes: only those a query uses (each one slows a national batch's writes); the batch
    # and the entitlement are the first columns of the composite ones below.
    batch = _checked_key(Batch, related_name="payments", db_index=False)
    entitlement = _checked_key(Entitlement, db_index=False)
    attempt = models.PositiveSmallIntegerField(default=1)
    # Copies of the entitlement's keys, for reading without a join. The database checks them
    # through the entitlement (its own keys are constrained), not once more per payment: a
    # national batch would pay twice for the same check at commit.
    subject = models.CharField(max_length=24)
    household = _copied_key(Household)
    person = _copied_key(Person, null=True, blank=True, db_index=False)
    region_code = models.CharField(max_length=10)
    account_number = models.CharField(max_length=20, blank=True)
    # Whom the channel pays, as the registry said when the line was sent (the batch file).
    recipient_nik = models.CharField(max_length=16, blank=True)
    recipient_name = models.CharField(max_length=200, blank=True)
    amount = models.BigIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ISSUED)
    live = models.BooleanField(default=True)
    reason = models.CharField(max_length=200, blank=True)
    paid_on = models.DateField(null=True, blank=True)
    # The import that settled it (its result lines are read by their own index).
    result = _checked_key(ResultImport, null=True, blank=True, db_index=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["entitlement"],
                condition=Q(live=True),
                name="one_live_payment_per_entitlement",
            ),
            models.UniqueConstraint(
                fields=["entitlement", "attempt"], name="one_payment_per_attempt"
            ),
            models.CheckConstraint(
                condition=Q(live=True, status__in=LIVE) | Q(live=False, status__in=NOT_LIVE),
                name="payment_live_while_issued_or_paid",
            ),
        ]
        indexes = [models.Index(fields=["batch"], name="payment_batch")]

    def __str__(self) -> str:
        return f"{reference(self.pk)} {self.amount} ({self.status})"


class ResultLine(models.Model):
    """One row of a result file as it came, and what became of it: applied, rejected with the
    field and why (the registry import's report columns), or a mismatch."""

    result = _checked_key(
        ResultImport, on_delete=models.CASCADE, related_name="rows", db_index=False
    )  # first column of the (result, verdict) index
    line = models.PositiveIntegerField()
    reference = models.CharField(max_length=40, blank=True)
    # The payment its reference names (no foreign key: a reference may name no payment).
    payment_number = models.BigIntegerField(null=True, blank=True)
    account_number = models.CharField(max_length=40, blank=True)
    amount = models.BigIntegerField(null=True, blank=True)
    outcome = models.CharField(max_length=20, blank=True)
    reason = models.CharField(max_length=200, blank=True)
    paid_on = models.DateField(null=True, blank=True)
    verdict = models.CharField(max_length=20, default="")  # "applied", "rejected" or a Mismatch
    column = models.CharField(max_length=20, blank=True)
    message = models.CharField(max_length=300, blank=True)

    class Meta:
        indexes = [models.Index(fields=["result", "verdict"])]

    def __str__(self) -> str:
        return f"line {self.line} of result {self.result_id}: {self.verdict}"


class LedgerEntry(models.Model):
    """What happened to a unit's money, one row per event, never changed: entitled (a cycle
    opened), issued or re-issued (in a batch), paid, failed, returned (the channel's result).
    Each event is unique per entitlement, attempt and kind: a step replayed writes nothing,
    and the database refuses a second event."""

    # Read by household (the composite index) and by entitlement (the unique one): the other
    # keys carry no index of their own, which would only slow a national cycle's writes. The
    # household, person and cycle are the entitlement's, checked through it (as on Payment).
    subject = models.CharField(max_length=24)
    household = _copied_key(Household, db_index=False)
    person = _copied_key(Person, null=True, blank=True, db_index=False)
    cycle = _copied_key(Cycle, db_index=False)
    entitlement = _checked_key(Entitlement, db_index=False)
    payment = _checked_key(Payment, null=True, blank=True, db_index=False)
    attempt = models.PositiveSmallIntegerField(default=0)  # 0: the entitlement itself
    kind = models.CharField(max_length=10, choices=_choices(Entry))
    amount = models.BigIntegerField()
    recorded_at = models.DateTimeField()

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        constraints = [
            models.UniqueConstraint(
                fields=["entitlement", "attempt", "kind"], name="one_ledger_event"
            )
        ]
        indexes = [models.Index(fields=["household", "recorded_at"])]

    def __str__(self) -> str:
        return f"{self.subject} {self.kind} {self.amount}"


class DeliveryJob(models.Model):
    """A long delivery step run in the background (opening a national cycle, building its
    batches), with its progress for the page that waits on it."""

    class Kind(models.TextChoices):
        OPEN_CYCLE = "open_cycle", _("Open a cycle")
        BUILD_BATCHES = "build_batches", _("Build batches")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Completed")
        FAILED = "failed", _("Failed")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    programme = models.CharField(max_length=20)
    period_start = models.DateField()
    cycle = models.ForeignKey(
        Cycle, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.JSONField(default=dict, blank=True)  # {"stage": …, "done": n, "total": n}
    error = models.TextField(blank=True)
    outcome = models.JSONField(default=dict, blank=True)  # batches built: {"batches", "lines"}
    started_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.kind} {self.programme} {self.period_start} ({self.status})"


class ClusterCoverage(models.Model):
    """Who of the 12 clusters is served, per district: the persons the current run places in a
    cluster, how many a programme of that run finds eligible and how many are enrolled. The
    dashboard reads these; ``programmes.coverage.refresh_cluster_coverage`` rebuilds them after
    a targeting run and after a decree (counting them on every page view would scan every
    cluster membership of the country)."""

    run = models.ForeignKey(TargetingRun, on_delete=models.CASCADE, related_name="+")
    district_code = models.CharField(max_length=6)
    # A cluster code, or "" for the persons in any cluster (each person once).
    cluster = models.CharField(max_length=24, blank=True)
    persons = models.PositiveIntegerField()
    eligible_persons = models.PositiveIntegerField()
    enrolled_persons = models.PositiveIntegerField()
    refreshed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["district_code", "cluster"], name="one_coverage_per_district_cluster"
            )
        ]

    def __str__(self) -> str:
        return f"{self.district_code} {self.cluster or 'any'}: {self.enrolled_persons}"
