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


class SensitiveAccess(models.Model):
    """One read of specific personal data (UU 27/2022): who saw which records, when, where."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    accessed_at = models.DateTimeField(_("accessed at"), auto_now_add=True)
    entity = models.CharField(max_length=20)
    record_ids = models.JSONField(default=list)
    path = models.CharField(max_length=300)

    class Meta:
        ordering = ["-accessed_at"]
        verbose_name = _("sensitive data access")
        verbose_name_plural = _("sensitive data accesses")
        indexes = [models.Index(fields=["user", "accessed_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.entity} {self.record_ids} at {self.accessed_at}"


class ApiToken(models.Model):
    """A bearer token for the REST API. Only a hash is stored; the token is shown once.

    A token acts as its user (same role and region) but only within its scopes, so a partner
    system can be given read access without write access.
    """

    class Scope(models.TextChoices):
        REGISTRY_READ = "registry:read", _("Read the registry")
        REGISTRY_WRITE = "registry:write", _("Register and edit households and persons")
        IMPORTS = "imports", _("Submit imports")
        TARGETING = "targeting", _("Read and start targeting runs")
        CASES = "cases", _("Case management and referrals")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"
