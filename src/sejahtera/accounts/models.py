from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    VILLAGE_OPERATOR = "village_operator", _("Village operator")
    DISTRICT_OFFICE = "district_office", _("District/city social office")
    PROVINCIAL_OFFICE = "provincial_office", _("Provincial social office")
    MINISTRY_ANALYST = "ministry_analyst", _("Ministry analyst")
    SOCIAL_WORKER = "social_worker", _("Social worker (pendamping)")
    SUPERVISOR = "supervisor", _("Supervisor")
    PARTNER_AGENCY = "partner_agency", _("Partner agency")
    AUDITOR = "auditor", _("Auditor")
    ADMINISTRATOR = "administrator", _("Administrator")


# The level of region each role is scoped to; None = the whole country.
ROLE_SCOPE_LEVEL: dict[str, str | None] = {
    Role.VILLAGE_OPERATOR: "village",
    Role.DISTRICT_OFFICE: "regency",
    Role.PROVINCIAL_OFFICE: "province",
    Role.MINISTRY_ANALYST: None,
    Role.SOCIAL_WORKER: "regency",
    Role.SUPERVISOR: "regency",
    Role.PARTNER_AGENCY: None,
    Role.AUDITOR: None,
    Role.ADMINISTRATOR: None,
}


class User(AbstractUser):
    """A person who works in Sejahtera: a role and the region their access is limited to."""

    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    region = models.ForeignKey(
        "registry.Region",
        verbose_name=_("region scope"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        help_text=_("Empty means the whole country."),
    )
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def region_prefix(self) -> str:
        """Region codes this user may see start with this prefix ('' = everything)."""
        return self.region_id or ""
