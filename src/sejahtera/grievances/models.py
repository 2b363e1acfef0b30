"""Citizens' participation (issue #12): proposals (usulan) with the village deliberations that
carry them, objections (sanggah) to a listed beneficiary, and complaints (pengaduan). The
workflows' states and guards are in ``sejahtera.domain.participation``."""

from enum import StrEnum

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sejahtera.domain.participation import (
    ComplaintCategory,
    ComplaintStatus,
    CorrectionStatus,
    Level,
    ObjectionStatus,
    ProposalKind,
    ProposalStage,
)
from sejahtera.registry.models import ChangeRecord, Household, Person, Region
from sejahtera.sealing import Purpose, SealedSpecificCells


def _choices(values: type[StrEnum]) -> list[tuple[str, str]]:
    return [(value.value, value.value) for value in values]


class Channel(models.TextChoices):
    PUBLIC = "public", _("Public page")
    OFFICE = "office", _("Entered by staff")


class Deliberation(models.Model):
    """A village deliberation (musyawarah desa): when, who took part, the minutes, and (on
    each proposal's steps) what it decided."""

    village = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    held_on = models.DateField(_("held on"))
    participants = models.TextField(_("participants"))
    minutes_upload = models.CharField(max_length=255)  # a file under the evidence root
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("village deliberation")
        verbose_name_plural = _("village deliberations")

    def __str__(self) -> str:
        return f"musdes {self.village_id} {self.held_on:%Y-%m-%d}"


class Proposal(models.Model):
    """A new household, or a change to one, put forward by a citizen or a village operator.
    The change is kept as registry-format cells and written to the registry only when the
    ministry decides it."""

    tracking_number = models.CharField(  # noqa: DJ001 (given right after the row is made)
        _("tracking number"), max_length=24, unique=True, null=True
    )
    kind = models.CharField(_("kind"), max_length=16, choices=_choices(ProposalKind))
    village = models.ForeignKey(
        Region, verbose_name=_("village"), on_delete=models.PROTECT, related_name="+"
    )
    household = models.ForeignKey(  # the household a change is about (none for a new one)
        Household, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    person = models.ForeignKey(  # the member a change is about (died, left, condition)
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # registry-format cells: the new household's, or the household fields that change
    household_cells = models.JSONField(default=dict, blank=True)
    # the new members' cells, or for a change to one member the fields that change; the
    # specific ones sealed (sejahtera.sealing)
    member_cells = SealedSpecificCells(default=list, blank=True, purpose=Purpose.PROPOSAL)
    to_household = models.ForeignKey(  # where a leaving member goes
        Household, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # the versions of the household and member it was proposed against ({"household": 3})
    base_versions = models.JSONField(default=dict, blank=True)
    description = models.TextField(_("description"), blank=True)
    proposer_name = models.CharField(_("proposer's name"), max_length=200)
    proposer_nik = models.CharField("NIK", max_length=16, blank=True)
    proposer_phone = models.CharField(_("phone"), max_length=20, blank=True)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_on = models.DateField(_("submitted on"))
    photo_upload = models.CharField(max_length=255, blank=True)  # under the evidence root
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    stage = models.CharField(
        _("stage"), max_length=12, choices=_choices(ProposalStage), default=ProposalStage.SUBMITTED
    )
    visited_on = models.DateField(_("verification visit"), null=True, blank=True)
    deliberation = models.ForeignKey(
        Deliberation, on_delete=models.PROTECT, null=True, blank=True, related_name="proposals"
    )
    # the household the decided proposal registered or changed
    result_household = models.ForeignKey(
        Household, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-submitted_on", "-id"]
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        indexes = [models.Index(fields=["stage", "village"])]

    def __str__(self) -> str:
        return self.tracking_number or f"proposal {self.pk}"


class ProposalStep(models.Model):
    """One move of a proposal: the history its proposer follows by tracking number."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="steps")
    from_stage = models.CharField(max_length=12, choices=_choices(ProposalStage), blank=True)
    to_stage = models.CharField(max_length=12, choices=_choices(ProposalStage))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    on = models.DateField()
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["on", "id"]

    def __str__(self) -> str:
        return f"{self.proposal_id}: {self.from_stage} → {self.to_stage}"


class Objection(models.Model):
    """A resident's objection to a listed beneficiary household of their own village."""

    # given right after the row is made (its serial is the row's id); never empty after that
    tracking_number = models.CharField(  # noqa: DJ001
        _("tracking number"), max_length=24, unique=True, null=True
    )
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    objector_name = models.CharField(_("objector's name"), max_length=200)
    objector_nik = models.CharField("NIK", max_length=16, blank=True)
    objector_village = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("reason"))
    photo_upload = models.CharField(max_length=255, blank=True)  # under the evidence root
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    filed_on = models.DateField(_("filed on"))
    # staff who entered it for the resident (at the village office); none from the public page
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    deadline = models.DateField(_("verify by"))
    status = models.CharField(
        max_length=10,
        choices=_choices(ObjectionStatus),
        default=ObjectionStatus.FILED,
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    verified_on = models.DateField(null=True, blank=True)
    note = models.TextField(_("what the verification found"), blank=True)
    lapsed_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-filed_on", "-id"]
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        indexes = [models.Index(fields=["status", "deadline"])]

    def __str__(self) -> str:
        return self.tracking_number or f"objection {self.pk}"


class Complaint(models.Model):
    """A complaint (pengaduan), routed to the office that handles it by region and category,
    with a service-level deadline; escalated one level up each time the deadline passes."""

    tracking_number = models.CharField(  # noqa: DJ001 (given right after the row is made)
        _("tracking number"), max_length=24, unique=True, null=True
    )
    category = models.CharField(_("category"), max_length=20, choices=_choices(ComplaintCategory))
    region = models.ForeignKey(  # where the matter is (a village, or a wider region)
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    description = models.TextField(_("what happened"))
    complainant_name = models.CharField(_("complainant's name"), max_length=200)
    complainant_nik = models.CharField("NIK", max_length=16, blank=True)
    complainant_phone = models.CharField(_("phone"), max_length=20, blank=True)
    # a misconduct complaint never reaches the staff member it names
    named_staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    channel = models.CharField(max_length=8, choices=Channel.choices)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    received_on = models.DateField(_("received on"))
    level = models.CharField(_("handled at"), max_length=10, choices=_choices(Level))
    office_region_code = models.CharField(max_length=10, blank=True)  # "" = the ministry
    due_on = models.DateField(_("due on"))
    escalations = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(
        max_length=10, choices=_choices(ComplaintStatus), default=ComplaintStatus.OPEN
    )
    outcome = models.TextField(_("outcome"), blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-received_on", "-id"]
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        indexes = [
            models.Index(fields=["status", "due_on"]),
            models.Index(fields=["level", "office_region_code"]),
        ]

    def __str__(self) -> str:
        return self.tracking_number or f"complaint {self.pk}"


class ComplaintEscalation(models.Model):
    """A missed deadline: the complaint went from one office to the next level's."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="history")
    on = models.DateField()
    from_level = models.CharField(max_length=10, choices=_choices(Level))
    to_level = models.CharField(max_length=10, choices=_choices(Level))
    missed_due_on = models.DateField()

    class Meta:
        ordering = ["on", "id"]

    def __str__(self) -> str:
        return f"{self.complaint_id}: {self.from_level} → {self.to_level}"


class CorrectionRequest(models.Model):
    """A person's request to correct their own data (UU 27/2022), reviewed by the regency's
    social office; an accepted one corrects the record, and ``change`` is that correction in
    the record's history."""

    tracking_number = models.CharField(  # noqa: DJ001 (given right after the row is made)
        _("tracking number"), max_length=24, unique=True, null=True
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    requester_name = models.CharField(_("requester's name"), max_length=200)
    requester_nik = models.CharField("NIK", max_length=16, blank=True)
    description = models.TextField(_("what is wrong"))
    cells = models.JSONField(default=dict, blank=True)  # the corrected values asked for
    channel = models.CharField(max_length=8, choices=Channel.choices)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    received_on = models.DateField(_("received on"))
    status = models.CharField(
        max_length=10, choices=_choices(CorrectionStatus), default=CorrectionStatus.REQUESTED
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_on = models.DateField(null=True, blank=True)
    note = models.TextField(_("what the review found"), blank=True)
    change = models.ForeignKey(
        ChangeRecord, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-received_on", "-id"]
        verbose_name = _("correction request")
        verbose_name_plural = _("correction requests")

    def __str__(self) -> str:
        return self.tracking_number or f"correction {self.pk}"
