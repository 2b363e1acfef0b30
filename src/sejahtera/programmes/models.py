"""Programme delivery: the decree (penetapan) that fixes a programme's beneficiaries from a
targeting run, and the enrolments it creates, changes and ends.

A subject is a household (PKH, SEMBAKO) or a person (PBI-JK, ATENSI, PENA); its key
("H<household id>" / "P<person id>", ``domain.delivery``) lets set-based SQL match decisions,
decree lines and enrolments without NULL-unsafe comparisons.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sejahtera.domain.delivery import Change, Reason
from sejahtera.registry.models import Household, Person
from sejahtera.targeting.models import Decision, TargetingRun

USER = settings.AUTH_USER_MODEL


def _choices(values: type[Change] | type[Reason]) -> list[tuple[str, str]]:
    return [(str(v), str(v)) for v in values]


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
    decree = models.ForeignKey(Decree, on_delete=models.CASCADE, related_name="lines")
    subject = models.CharField(max_length=24)
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    region_code = models.CharField(max_length=10)
    change = models.CharField(max_length=12, choices=_choices(Change))
    reason = models.CharField(max_length=20, choices=_choices(Reason), blank=True)
    previous_yearly_amount = models.BigIntegerField(null=True, blank=True)
    rank = models.PositiveIntegerField(null=True, blank=True)  # waiting: 1 = the poorest
    decision = models.ForeignKey(
        Decision, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

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
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    region_code = models.CharField(max_length=10)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    start_decree = models.ForeignKey(Decree, on_delete=models.PROTECT, related_name="+")
    end_decree = models.ForeignKey(
        Decree, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    end_reason = models.CharField(max_length=20, choices=_choices(Reason), blank=True)
    suspension = models.CharField(max_length=20, blank=True)  # why, while suspended
    decision = models.ForeignKey(
        Decision, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

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
        indexes = [
            models.Index(fields=["programme", "region_code"]),
            models.Index(fields=["household"]),
        ]

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


class Entitlement(models.Model):
    """What one enrolled unit is owed in one cycle. The database allows one line per unit and
    cycle, and one payable line per NIK and cycle: never twice, whatever the code does."""

    class Status(models.TextChoices):
        PAYABLE = "payable", _("Payable")
        SUSPENDED = "suspended", _("Suspended")
        HELD = "held", _("Held for review")

    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="entitlements")
    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="+")
    subject = models.CharField(max_length=24)
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
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
