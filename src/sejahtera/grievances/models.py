"""Citizens' participation (issue #12): objections (sanggah) to a listed beneficiary. The
workflow's states and guards are in ``sejahtera.domain.participation``."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sejahtera.domain.participation import ObjectionStatus
from sejahtera.registry.models import Household, Region


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
        choices=[(s.value, s.value) for s in ObjectionStatus],
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
