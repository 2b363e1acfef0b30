"""The registry: regions, households, persons, their change history and import runs.

Field names follow registry exchange format v1 (see docs/data-format.md), except the source
system's ids, stored as ``external_id``, and ``region_code``, stored as the ``village`` foreign
key. An unknown value is NULL (never an empty string) so that "unknown" and "none" stay distinct
for targeting.
"""

from __future__ import annotations

from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from sejahtera.domain import registry_format as fmt
from sejahtera.domain.regions import RegionLevel
from sejahtera.sealing import Purpose, SealedPersonData, SealedSpecificCells, SpecificAttribute


def _choices(values: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(v, v) for v in values]


class Region(models.Model):
    """One level of the Kemendagri hierarchy; a child's code starts with its parent's."""

    code = models.CharField(_("code"), max_length=10, primary_key=True)
    name = models.CharField(_("name"), max_length=120)
    level = models.CharField(_("level"), max_length=10, choices=_choices(tuple(RegionLevel)))
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        indexes = [models.Index(fields=["level", "name"])]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ImportRun(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        COMPLETED = "completed", _("Completed")
        FAILED = "failed", _("Failed")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.RUNNING)
    households_file = models.CharField(max_length=500)
    persons_file = models.CharField(max_length=500, blank=True)
    report_file = models.CharField(max_length=500, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    # {"stage": file name, "done": rows, "total": rows}, updated while the import runs.
    progress = models.JSONField(default=dict, blank=True)
    # When the run last showed life (queued, started, a batch written): a run that stays
    # queued or running without it is dead (a killed process, a worker that never came).
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("import run")
        verbose_name_plural = _("import runs")

    def __str__(self) -> str:
        return f"Import #{self.pk} ({self.status})"

    @property
    def file_names(self) -> str:
        """The uploaded files' own names (never the server's folders), for the pages."""
        files = (self.households_file, self.persons_file)
        return ", ".join(PurePath(f).name for f in files if f)


class RegistryRecord(models.Model):
    """What households and persons share: the source id, provenance and a version counter."""

    external_id = models.CharField(_("source id"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))
    source_import = models.ForeignKey(
        ImportRun,
        verbose_name=_("created by import"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        # Import runs are never deleted; a constraint check per imported row costs more than
        # it protects (docs/decisions/0003-batch-import.md).
        db_constraint=False,
    )
    # Incremented on every change; the basis of optimistic locking for edits.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        abstract = True


class Household(RegistryRecord):
    kk_number = models.CharField(_("KK number"), max_length=16, null=True, blank=True)  # noqa: DJ001
    village = models.ForeignKey(
        Region, verbose_name=_("village"), on_delete=models.PROTECT, related_name="households"
    )
    address = models.CharField(_("address"), max_length=500, null=True, blank=True)  # noqa: DJ001
    rt = models.CharField("RT", max_length=10, null=True, blank=True)  # noqa: DJ001
    rw = models.CharField("RW", max_length=10, null=True, blank=True)  # noqa: DJ001
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    house_ownership = models.CharField(  # noqa: DJ001
        max_length=16, choices=_choices(fmt.HOUSE_OWNERSHIP), null=True, blank=True
    )
    floor_area_m2 = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)
    floor_type = models.CharField(  # noqa: DJ001
        max_length=16, choices=_choices(fmt.FLOOR_TYPES), null=True, blank=True
    )
    wall_type = models.CharField(  # noqa: DJ001
        max_length=16, choices=_choices(fmt.WALL_TYPES), null=True, blank=True
    )
    roof_type = models.CharField(  # noqa: DJ001
        max_length=16, choices=_choices(fmt.ROOF_TYPES), null=True, blank=True
    )
    drinking_water = models.CharField(  # noqa: DJ001
        max_length=20, choices=_choices(fmt.DRINKING_WATER), null=True, blank=True
    )
    lighting = models.CharField(  # noqa: DJ001
        max_length=16, choices=_choices(fmt.LIGHTING), null=True, blank=True
    )
    electricity_va = models.PositiveIntegerField(null=True, blank=True)
    cooking_fuel = models.CharField(  # noqa: DJ001
        max_length=16, choices=_choices(fmt.COOKING_FUEL), null=True, blank=True
    )
    toilet = models.CharField(  # noqa: DJ001
        max_length=16, choices=_choices(fmt.TOILET), null=True, blank=True
    )
    # ';'-separated, in the canonical order of the format (e.g. "motorcycle;tv").
    assets = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001
    monthly_expenditure_idr = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        indexes = [models.Index(fields=["kk_number"])]

    def __str__(self) -> str:
        return self.external_id


class CurrentPersonManager(models.Manager["Person"]):
    """Persons who are records of the registry: one merged into another (a duplicate,
    ``PersonMerge``) is kept, recoverable, and one an import found already registered is held
    until its pair is reviewed; neither is read by a page, run or export."""

    def get_queryset(self) -> models.QuerySet[Person]:
        return super().get_queryset().filter(merged_into__isnull=True, held_for_review=False)


class Person(RegistryRecord):
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="members")
    nik = models.CharField("NIK", max_length=16, null=True, blank=True, db_index=True)  # noqa: DJ001
    # Warning codes the NIK raised (e.g. NIK_SEX_MISMATCH), ';'-separated, kept for review.
    nik_warnings = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001
    full_name = models.CharField(_("full name"), max_length=200)
    sex = models.CharField(_("sex"), max_length=1, choices=_choices(fmt.SEXES))
    birth_date = models.DateField(_("birth date"))
    birth_place = models.CharField(max_length=100, null=True, blank=True)  # noqa: DJ001
    relationship = models.CharField(max_length=16, choices=_choices(fmt.RELATIONSHIPS))
    marital_status = models.CharField(  # noqa: DJ001
        max_length=10, choices=_choices(fmt.MARITAL_STATUS), null=True, blank=True
    )
    education = models.CharField(  # noqa: DJ001
        max_length=16, choices=_choices(fmt.EDUCATION), null=True, blank=True
    )
    school_enrolled = models.CharField(  # noqa: DJ001
        max_length=10, choices=_choices(fmt.SCHOOL_ENROLLED), null=True, blank=True
    )
    employment = models.CharField(  # noqa: DJ001
        max_length=20, choices=_choices(fmt.EMPLOYMENT), null=True, blank=True
    )
    monthly_income_idr = models.BigIntegerField(null=True, blank=True)
    neglected = models.BooleanField(null=True, blank=True)
    orphan = models.BooleanField(null=True, blank=True)
    street_situation = models.BooleanField(null=True, blank=True)
    disaster_victim = models.BooleanField(null=True, blank=True)
    disaster_event = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001
    remote_indigenous = models.BooleanField(null=True, blank=True)
    # The specific fields (UU 27/2022) as one sealed value; each is an attribute below.
    specific_data = SealedPersonData(null=True, blank=True, editable=False)
    disability = SpecificAttribute()
    disability_severity = SpecificAttribute()
    chronic_illness = SpecificAttribute()
    pregnant = SpecificAttribute()
    child_in_conflict_with_law = SpecificAttribute()
    inmate_status = SpecificAttribute()
    violence_victim = SpecificAttribute()
    trafficking_victim = SpecificAttribute()
    drug_user = SpecificAttribute()
    hiv = SpecificAttribute()
    social_problem = SpecificAttribute()
    deceased_date = models.DateField(null=True, blank=True)
    # When the retention period ended and the record was anonymised (privacy.retention).
    anonymised_on = models.DateField(null=True, blank=True)
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # A new record an import found to be a person already registered: kept, not yet a record
    # of the registry, until its pair is reviewed (deduplication.hold_imported_duplicates).
    held_for_review = models.BooleanField(default=False, db_default=False, editable=False)

    objects = CurrentPersonManager()
    all_objects = models.Manager()  # noqa: DJ012 (ruff takes the custom manager for a field)

    class Meta:
        # Related objects reach a merged person too (a case record, a pair under review).
        base_manager_name = "all_objects"
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        # The dead are few, and every decree and payment cycle looks for them
        # (programmes.selectors.deceased_by): a tiny index instead of a scan of everyone.
        indexes = [
            models.Index(
                fields=["deceased_date"],
                condition=models.Q(deceased_date__isnull=False),
                name="person_deceased",
            ),
            # As few, and looked for by every decree (programmes.services._overrides).
            models.Index(
                fields=["held_for_review"],
                condition=models.Q(held_for_review=True),
                name="person_held",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.external_id} {self.full_name}"


class ChangeRecord(models.Model):
    """One change to a household or person: who, when, and each field's old and new value.

    A record created by an import has no "created" change row: its ``source_import`` and
    ``created_at`` tell who and when (docs/decisions/0004-change-history.md).
    """

    class Action(models.TextChoices):
        CREATED = "created", _("Created")
        UPDATED = "updated", _("Updated")

    class Entity(models.TextChoices):
        HOUSEHOLD = "household", _("Household")
        PERSON = "person", _("Person")

    entity = models.CharField(max_length=10, choices=Entity.choices)
    record_id = models.BigIntegerField()
    action = models.CharField(max_length=10, choices=Action.choices)
    changed_at = models.DateTimeField()
    # PROTECT: the history is never rewritten, so a user or import run it names stays (users
    # are deactivated, not deleted).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True
    )
    import_run = models.ForeignKey(ImportRun, on_delete=models.PROTECT, null=True, blank=True)
    # {field: [old, new]} with values as the exchange format writes them; a specific field's
    # pair sealed (sejahtera.sealing).
    changes = SealedSpecificCells(default=dict, purpose=Purpose.HISTORY)
    # the tracking number of the decided proposal (usulan) that made the change
    proposal = models.CharField(_("proposal"), max_length=24, blank=True)

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("change record")
        verbose_name_plural = _("change records")
        indexes = [models.Index(fields=["entity", "record_id"])]

    def __str__(self) -> str:
        return f"{self.entity} {self.record_id} {self.action} at {self.changed_at:%Y-%m-%d %H:%M}"


class HouseholdReview(models.Model):
    """A household the next targeting run looks at again, with what was found: a confirmed
    objection (sanggah), for instance. The first completed run after it was opened carries it
    (``carried_in_run``: that run's id; the targeting app sits above the registry)."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="reviews")
    source = models.CharField(max_length=20)  # "objection"
    reference = models.CharField(max_length=24)  # the tracking number it came from
    finding = models.TextField()
    opened_on = models.DateField()
    carried_in_run = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("household review")
        verbose_name_plural = _("household reviews")
        indexes = [models.Index(fields=["carried_in_run"])]

    def __str__(self) -> str:
        return f"review of household {self.household_id} ({self.reference})"


class DuplicateCandidate(models.Model):
    """Two persons that may be the same human being, kept for a person to review.

    Found by a shared NIK (the import, the forms and the API) or by record linkage
    (``sejahtera dedupe run``), which adds its match probability and the evidence: the level
    of each comparison (``sejahtera.linkage.model.LEVEL_WORDS``). One row per pair: linkage
    scores a shared-NIK pair in place."""

    class Reason(models.TextChoices):
        SAME_NIK = "same_nik", _("Same NIK")
        LINKAGE = "linkage", _("Probable match")

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("duplicate review", "Open")
        SAME_PERSON = "same_person", _("Same person")
        DIFFERENT_PERSONS = "different_persons", _("Different persons")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    other = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=20, choices=Reason.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    detected_at = models.DateTimeField(auto_now_add=True)
    import_run = models.ForeignKey(ImportRun, on_delete=models.SET_NULL, null=True, blank=True)
    match_probability = models.FloatField(null=True, blank=True)
    evidence = models.JSONField(default=dict, blank=True)  # comparison → level
    model_version = models.CharField(max_length=12, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True)

    class Meta:
        verbose_name = _("possible duplicate")
        verbose_name_plural = _("possible duplicates")
        constraints = [
            models.UniqueConstraint(fields=["person", "other", "reason"], name="unique_candidate"),
            models.CheckConstraint(
                condition=models.Q(person__lt=models.F("other")), name="ordered_pair"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} ~ {self.other_id} ({self.reason}, {self.status})"


class PersonMerge(models.Model):
    """Two records of one person made one: ``merged`` is kept, hidden, and what was about the
    person moves to ``survivor`` (``moves`` lists each row, so an unmerge puts back exactly
    those). Rows a run or a payment made for the merged record stay with it."""

    candidate = models.ForeignKey(DuplicateCandidate, on_delete=models.PROTECT, related_name="+")
    survivor = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    merged = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    moves = models.JSONField(default=list)  # [{"table": "app.model", "field": …, "ids": […]}]
    kept = models.JSONField(default=list)  # rows left with the merged record: the same shape
    # The kept record was an import's held one: the merge made it a record, an unmerge holds
    # it again.
    survivor_was_held = models.BooleanField(default=False)
    note = models.TextField()
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    merged_at = models.DateTimeField(auto_now_add=True)
    unmerged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    unmerged_at = models.DateTimeField(null=True, blank=True)
    unmerge_note = models.TextField(blank=True)

    class Meta:
        verbose_name = _("merge of two persons")
        verbose_name_plural = _("merges of two persons")
        constraints = [
            # One live merge per merged record: merging it again needs an unmerge first.
            models.UniqueConstraint(
                fields=["merged"],
                condition=models.Q(unmerged_at__isnull=True),
                name="one_live_merge_per_person",
            )
        ]

    def __str__(self) -> str:
        return f"{self.merged_id} → {self.survivor_id}"


class ReferenceList(models.Model):
    """A NIK-keyed list another agency keeps, imported to check the registry against, as the
    audits that exposed the old registry did: the civil registry's deaths (Dukcapil), and civil
    servants, soldiers and police officers (not eligible for social assistance)."""

    class Kind(models.TextChoices):
        DEATHS = "deaths", _("Deaths recorded by Dukcapil")
        CIVIL_SERVANTS = "civil_servants", _("Civil servants, armed forces and police")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    source_name = models.CharField(max_length=200)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    imported_at = models.DateTimeField(auto_now_add=True)
    rows = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("reference list")
        verbose_name_plural = _("reference lists")

    def __str__(self) -> str:
        return f"{self.kind} {self.source_name} ({self.rows})"


class ReferenceListEntry(models.Model):
    reference_list = models.ForeignKey(
        ReferenceList, on_delete=models.CASCADE, related_name="entries"
    )
    nik = models.CharField(max_length=16, db_index=True)
    event_date = models.DateField(null=True, blank=True)  # the date of death, on a death list

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["reference_list", "nik"], name="one_entry_per_nik")
        ]

    def __str__(self) -> str:
        return self.nik


class DistrictPersonFigure(models.Model):
    """Pre-aggregated person counts per district × sex × age group, for fast dashboards.

    Rebuilt by ``registry.services.statistics.refresh_figures`` after imports; pages show when.
    """

    district_code = models.CharField(max_length=6, db_index=True)
    sex = models.CharField(max_length=1)
    age_group = models.CharField(max_length=8)
    persons = models.PositiveIntegerField(default=0)
    without_nik = models.PositiveIntegerField(default=0)
    nik_warnings = models.PositiveIntegerField(default=0)
    deceased = models.PositiveIntegerField(default=0)
    refreshed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("district person figure")
        verbose_name_plural = _("district person figures")

    def __str__(self) -> str:
        return f"{self.district_code} {self.sex} {self.age_group}: {self.persons}"


class DistrictHouseholdFigure(models.Model):
    district_code = models.CharField(max_length=6, unique=True)
    households = models.PositiveIntegerField(default=0)
    possible_duplicates = models.PositiveIntegerField(default=0)
    refreshed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("district household figure")
        verbose_name_plural = _("district household figures")

    def __str__(self) -> str:
        return f"{self.district_code}: {self.households}"
