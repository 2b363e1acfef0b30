"""Targeting runs and their results: deciles per household, clusters per person, decisions.

A run is a snapshot of the registry at a reference date ranked and decided by one version of
the rules (stored verbatim). Runs are never overwritten: a new run is a new set of rows, so a
decision can always be explained later. Results keep the region code the household had when the
run took its snapshot, so figures by region do not move when a household moves afterwards.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sejahtera.domain.targeting.rules import CLUSTER_CODES
from sejahtera.registry.models import Household, Person


def _choices(values: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(v, v) for v in values]


class TargetingRun(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        COMPLETED = "completed", _("Completed")
        FAILED = "failed", _("Failed")

    class Engine(models.TextChoices):
        DUCKDB = "duckdb", "DuckDB"
        SPARK = "spark", "Spark"

    as_of = models.DateField(_("reference date"))
    rules_version = models.CharField(_("rules version"), max_length=100, blank=True)
    rules_text = models.TextField(_("rules used"))
    engine = models.CharField(max_length=10, choices=Engine.choices, default=Engine.DUCKDB)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    # A what-if run: computed from the registry like any other, but never the current run.
    is_simulation = models.BooleanField(_("simulation"), default=False)
    base_run = models.ForeignKey(
        "self",
        verbose_name=_("compared with"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="simulations",
    )
    # {programme: {"budget": rupiah a year, "quotas": {region code: subjects}}}
    limits = models.JSONField(default=dict, blank=True)
    # Official deciles (DTSEN) pinned from a file instead of the PMT ranking: the file's name
    # as given and the SHA-256 of the copy kept beside the run (targeting.services).
    deciles_file = models.CharField(_("official deciles"), max_length=200, blank=True)
    deciles_sha256 = models.CharField(max_length=64, blank=True)
    households = models.PositiveIntegerField(default=0)
    persons = models.PositiveIntegerField(default=0)
    # Counts per programme and cluster, the PMT's fit statistics; see services.summarise.
    summary = models.JSONField(default=dict, blank=True)
    # {"stage": engine stage, "done": n, "total": n}, updated while the run goes.
    progress = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("targeting run")
        verbose_name_plural = _("targeting runs")

    def __str__(self) -> str:
        kind = "what-if" if self.is_simulation else "run"
        return f"Targeting {kind} #{self.pk} as of {self.as_of} ({self.status})"


class HouseholdResult(models.Model):
    run = models.ForeignKey(TargetingRun, on_delete=models.CASCADE, related_name="+")
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="+")
    region_code = models.CharField(max_length=10)
    living_members = models.PositiveIntegerField(default=0)
    welfare_score = models.BigIntegerField(null=True, blank=True)
    national_decile = models.PositiveSmallIntegerField(null=True, blank=True)
    province_decile = models.PositiveSmallIntegerField(null=True, blank=True)
    regency_decile = models.PositiveSmallIntegerField(null=True, blank=True)
    decile_source = models.CharField(max_length=10, blank=True)
    # Predicted consumption per person below the rules' extreme-poverty line.
    extreme_poor = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("household result")
        verbose_name_plural = _("household results")
        constraints = [
            models.UniqueConstraint(fields=["run", "household"], name="unique_household_result")
        ]
        indexes = [models.Index(fields=["run", "region_code"])]

    def __str__(self) -> str:
        return f"run {self.run_id} household {self.household_id}: decile {self.national_decile}"


class PersonCluster(models.Model):
    """A person in a cluster by the rules of a run, with the facts that put them there."""

    run = models.ForeignKey(TargetingRun, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="+")
    region_code = models.CharField(max_length=10)
    cluster = models.CharField(max_length=24, choices=_choices(CLUSTER_CODES))
    reason = models.TextField(blank=True)

    class Meta:
        verbose_name = _("person cluster")
        verbose_name_plural = _("person clusters")
        indexes = [
            models.Index(fields=["run", "cluster"]),
            models.Index(fields=["run", "household"]),
        ]

    def __str__(self) -> str:
        return f"run {self.run_id} person {self.person_id}: {self.cluster}"


class Decision(models.Model):
    """One programme decision for a household (PKH, SEMBAKO) or a person (PBI_JK, ATENSI,
    PENA), eligible or not, always with its reasons."""

    class Limit(models.TextChoices):
        NONE = "", _("None")
        QUOTA = "quota", _("Regional quota")
        BUDGET = "budget", _("Budget ceiling")

    run = models.ForeignKey(TargetingRun, on_delete=models.CASCADE, related_name="+")
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    region_code = models.CharField(max_length=10)
    national_decile = models.PositiveSmallIntegerField(null=True, blank=True)
    # A built-in programme code or one the run's rules define (docs/targeting.md).
    programme = models.CharField(max_length=20)
    eligible = models.BooleanField()
    components = models.JSONField(default=list, blank=True)
    monthly_amount = models.BigIntegerField(null=True, blank=True)
    yearly_amount = models.BigIntegerField(null=True, blank=True)
    per_stage_amount = models.BigIntegerField(null=True, blank=True)
    one_off_amount = models.BigIntegerField(null=True, blank=True)
    # What the decision costs in a year, in rupiah, when eligible: its yearly amount (else 12
    # monthly ones) plus any one-off amount: PKH and SEMBAKO their yearly amount, PBI_JK 12
    # monthly contributions, PENA its maximum one-off capital, ATENSI 0.
    yearly_cost = models.BigIntegerField(default=0)
    # Eligible by the rules but left out by a quota or the budget (then eligible is False).
    limited_by = models.CharField(max_length=10, choices=Limit.choices, blank=True, default="")
    reasons = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        indexes = [
            models.Index(fields=["run", "programme", "eligible"]),
            models.Index(fields=["run", "household"]),
            models.Index(fields=["run", "person"]),
        ]

    def __str__(self) -> str:
        subject = f"person {self.person_id}" if self.person_id else f"household {self.household_id}"
        verdict = "eligible" if self.eligible else "not eligible"
        return f"run {self.run_id} {subject} {self.programme}: {verdict}"


class ProgrammeFigure(models.Model):
    """A completed run's decisions counted per district and programme. Written once, when the
    run completes (a run never changes after), so that pages sum a few thousand rows instead of
    counting millions of decisions."""

    run = models.ForeignKey(TargetingRun, on_delete=models.CASCADE, related_name="+")
    district_code = models.CharField(max_length=6)
    programme = models.CharField(max_length=20)
    decided = models.PositiveIntegerField()
    eligible = models.PositiveIntegerField()
    limited = models.PositiveIntegerField()  # left out by a quota or the budget
    yearly_cost = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["run", "district_code"])]

    def __str__(self) -> str:
        return f"run {self.run_id} {self.district_code} {self.programme}: {self.eligible}"


class ManualClusterMembership(models.Model):
    """A social worker's assessment that a person is in a cluster. Every run in its validity
    counts it beside the rules' own (reason "manual: …"); runs never change or remove it."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    cluster = models.CharField(_("cluster"), max_length=24, choices=_choices(CLUSTER_CODES))
    reason = models.TextField(_("reason"))
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["person", "cluster", "-valid_from"]
        verbose_name = _("manual cluster membership")
        verbose_name_plural = _("manual cluster memberships")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_until__isnull=True)
                | models.Q(valid_until__gte=models.F("valid_from")),
                name="manual_cluster_dates_in_order",
            )
        ]

    def __str__(self) -> str:
        return f"person {self.person_id}: {self.cluster} (manual, from {self.valid_from})"


class RulesVersion(models.Model):
    """A rules file an administrator put in force. The newest active one is what runs use;
    without any, the rules shipped with Sejahtera apply. Versions are never edited, only
    added (a run keeps the exact text it used anyway)."""

    text = models.TextField(_("rules (TOML)"))
    version = models.CharField(_("rules version"), max_length=50, editable=False)
    effective_from = models.DateField(_("effective from"), editable=False)
    active = models.BooleanField(_("in force"), default=True)
    note = models.CharField(_("what changed and why"), max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("rules version")
        verbose_name_plural = _("rules versions")

    def __str__(self) -> str:
        return f"{self.version} ({self.effective_from})"


class DecisionReview(models.Model):
    """A person's objection to an automated decision about them (UU 27/2022, art. 10),
    decided by a person who reads the decision's reasons.

    Overturned, the reviewer's verdict decides that subject and programme in every later run
    (with the reason "by human review"), until the facts it was judged on change: the first
    run that finds the household or a member edited since records itself in
    ``lapsed_in_run``, and the rules decide again. Upheld, the automated decision stands."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("Filed on the public page: awaiting an office")
        OPEN = "open", _("Awaiting review")
        UPHELD = "upheld", _("Automated decision upheld")
        OVERTURNED = "overturned", _("Overturned by the reviewer")

    tracking_number = models.CharField(max_length=24, unique=True, null=True, blank=True)
    # "H<household id>" or "P<person id>", as a decree names subjects: one open review and one
    # standing verdict per subject and programme.
    subject = models.CharField(max_length=24)
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    programme = models.CharField(max_length=20)
    decision = models.ForeignKey(
        Decision, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The automated decision as it was objected to, kept should its run be deleted.
    run_id_decided = models.BigIntegerField()
    eligible_by_rules = models.BooleanField()
    reasons_by_rules = models.JSONField(default=list)
    # Who objects (the person decided about, or for a household decision one of its members),
    # as they gave it: the public tracking page asks for this NIK and name.
    requester_name = models.CharField(_("requester's name"), max_length=200)
    requester_nik = models.CharField(_("requester's NIK"), max_length=16, blank=True)
    # where the office reaches them to check it is them (optional, as on a complaint)
    requester_phone = models.CharField(_("requester's phone"), max_length=20, blank=True)
    grounds = models.TextField(_("grounds"))
    # the staff member who took it in; None: the person filed it on the public page
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    filed_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(_("reviewer's reasons"), blank=True)
    # A digest of what the engine reads of the household and its members when the objection
    # was made: the verdict holds while it is unchanged.
    facts = models.CharField(max_length=64, blank=True)
    lapsed_in_run = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-filed_at", "-id"]
        verbose_name = _("decision review")
        verbose_name_plural = _("decision reviews")
        constraints = [
            models.UniqueConstraint(
                fields=["subject", "programme"],
                condition=models.Q(status__in=["received", "open"]),
                name="one_open_review_per_decision",
            ),
            models.UniqueConstraint(
                fields=["subject", "programme"],
                condition=models.Q(status="overturned", lapsed_in_run__isnull=True),
                name="one_standing_verdict_per_decision",
            ),
        ]

    def __str__(self) -> str:
        return f"review {self.tracking_number} of {self.subject} {self.programme}: {self.status}"

    @property
    def verdict_eligible(self) -> bool | None:
        """The reviewer's verdict (None while open; the rules' own when upheld)."""
        if self.status in (self.Status.RECEIVED, self.Status.OPEN):
            return None
        overturned = self.status == self.Status.OVERTURNED
        return self.eligible_by_rules != overturned
