from typing import ClassVar

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sejahtera.accounts import scopes
from sejahtera.domain.regions import CODE_LENGTHS, RegionLevel
from sejahtera.sealing import Purpose, SealedJSONField


class Role(models.TextChoices):
    VILLAGE_OPERATOR = "village_operator", _("Village operator")
    DISTRICT_OFFICE = "district_office", _("Regency/city social office")
    REGENT = "regent", _("Regent (bupati or wali kota)")
    PROVINCIAL_OFFICE = "provincial_office", _("Provincial social office")
    MINISTRY_ANALYST = "ministry_analyst", _("Ministry analyst")
    PROGRAMME_MANAGER = "programme_manager", _("Programme manager")
    SOCIAL_WORKER = "social_worker", _("Social worker (pendamping)")
    SUPERVISOR = "supervisor", _("Supervisor")
    PARTNER_AGENCY = "partner_agency", _("Partner agency")
    AUDITOR = "auditor", _("Auditor")
    ADMINISTRATOR = "administrator", _("Administrator")


# The level of region each role is scoped to; None = the whole country.
ROLE_SCOPE_LEVEL: dict[str, str | None] = {
    Role.VILLAGE_OPERATOR: "village",
    Role.DISTRICT_OFFICE: "regency",
    Role.REGENT: "regency",
    Role.PROVINCIAL_OFFICE: "province",
    Role.MINISTRY_ANALYST: None,
    Role.PROGRAMME_MANAGER: None,
    Role.SOCIAL_WORKER: "regency",
    Role.SUPERVISOR: "regency",
    Role.PARTNER_AGENCY: None,
    Role.AUDITOR: None,
    Role.ADMINISTRATOR: None,
}

# Roles that decide for the whole country (decrees, payments, the system): never scoped to a
# region, where they would decide on what they cannot read.
WHOLE_COUNTRY_ROLES = frozenset({Role.PROGRAMME_MANAGER, Role.ADMINISTRATOR})

SCOPE_LEVEL_NAMES = {
    RegionLevel.PROVINCE: _("province"),
    RegionLevel.REGENCY: _("regency or city"),
    RegionLevel.DISTRICT: _("district"),
    RegionLevel.VILLAGE: _("village"),
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
        help_text=_("Required for regional roles; empty means the whole country."),
    )
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        """The person's name where a page or a document names a user; the login name if none."""
        return self.get_full_name() or self.username

    def clean(self) -> None:
        """A region-scoped role needs a region at its level or below (a village operator a
        village, a district office a regency or a part of it); only the national roles may be
        left without one, and those that decide for the whole country must be.
        ``accounts.access`` refuses such a user everything in any case."""
        super().clean()
        if self.role in WHOLE_COUNTRY_ROLES and self.region_id:
            raise ValidationError(
                {"region": _("A %(role)s acts for the whole country: leave the region empty.")
                 % {"role": self.get_role_display()}}
            )  # fmt: skip
        level = ROLE_SCOPE_LEVEL.get(self.role)
        if level is None:
            return
        required = {"role": self.get_role_display(), "level": SCOPE_LEVEL_NAMES[RegionLevel(level)]}
        if not self.region_id:
            raise ValidationError(
                {"region": _("A %(role)s must have a region scope (a %(level)s).") % required}
            )
        if len(self.region_id) < CODE_LENGTHS[RegionLevel(level)]:
            raise ValidationError(
                {"region": _("A %(role)s is scoped to a %(level)s or smaller.") % required}
            )


class AuditEntry(models.Model):
    """One entry of the audit trail: a read of specific personal data (UU 27/2022), a change
    made through a page or the API, a login, or a command run. Append-only (PostgreSQL refuses
    UPDATE and DELETE) and chained: each entry's digest covers its content and the previous
    entry's digest, keyed by a secret outside the database (``accounts.audit``), so that
    ``sejahtera audit verify`` finds a changed, removed or inserted entry."""

    class Action(models.TextChoices):
        READ = "read", _("read specific data")
        WRITE = "write", _("change submitted")
        EXPORT = "export", _("export")
        LOGIN = "login", _("login")
        LOGIN_FAILED = "login_failed", _("failed login")
        DENIED = "denied", _("refused or not found")
        COMMAND = "command", _("command")

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", null=True)
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    action = models.CharField(_("action"), max_length=20, choices=Action, default=Action.READ)
    # What was read or changed: a kind of record ("person", "case", a page's name) and its ids.
    entity = models.CharField(_("record kind"), max_length=80)
    record_ids = models.JSONField(_("record ids"), default=list)
    # Which fields a change submitted (names, never values; the values are in the change
    # history of the registry and the cases).
    fields = models.JSONField(_("fields"), default=list)
    purpose = models.CharField(_("purpose"), max_length=40, blank=True)
    path = models.CharField(_("where"), max_length=300)
    # A change's answer: a redirect or 2xx carried it out, 200 may also be a form shown
    # again with errors.
    status = models.PositiveSmallIntegerField(_("answer"), null=True)
    client_address = models.CharField(_("from address"), max_length=45, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    previous_digest = models.CharField(max_length=64)
    digest = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")
        indexes = [models.Index(fields=["user", "at"]), models.Index(fields=["entity", "at"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.user_id} {self.action} {self.entity} {self.record_ids}"


class SensitiveReads(models.Manager["SensitiveAccess"]):
    def get_queryset(self) -> "models.QuerySet[SensitiveAccess]":
        reads = [AuditEntry.Action.READ, AuditEntry.Action.EXPORT]
        return super().get_queryset().filter(action__in=reads)


class SensitiveAccess(AuditEntry):
    """The audit trail's reads of specific personal data (exports included): who saw which
    records, when, where."""

    objects: ClassVar[SensitiveReads] = SensitiveReads()

    class Meta:
        proxy = True
        verbose_name = _("sensitive data access")
        verbose_name_plural = _("sensitive data accesses")


class ApiToken(models.Model):
    """A bearer token for the REST API. Only a hash is stored; the token is shown once.

    A token acts as its user (same role and region) but only within its scopes, so a partner
    system can be given read access without write access. It keeps the role and region its
    user had when it was made and stops working when either changes: a token made before a
    promotion never carries the new powers (nor skips the second factor they need).
    """

    class Scope(models.TextChoices):
        REGISTRY_READ = scopes.REGISTRY_READ, _("Read the registry")
        REGISTRY_WRITE = scopes.REGISTRY_WRITE, _("Register and edit households and persons")
        IMPORTS = scopes.IMPORTS, _("Submit imports")
        TARGETING = scopes.TARGETING, _("Read and start targeting runs")
        CASES = scopes.CASES, _("Case management and referrals")
        DELIVERY = scopes.DELIVERY, _("Programme delivery: decrees and payment cycles")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=list)
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    region = models.ForeignKey(
        "registry.Region",
        verbose_name=_("region scope"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(_("valid until"))
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"


class SubmissionKey(models.Model):
    """A key a client sent with a write (an API ``Idempotency-Key`` or a form's one-time
    token), and what the write answered: the same key again gets that answer, never a second
    record (see ``accounts.idempotency``)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    # What the key was used for (method, path and body): the same key may not do anything else.
    fingerprint = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField(null=True)
    # the answer's body, sealed: it may repeat a member's specific data (sejahtera.sealing)
    body = SealedJSONField(null=True, purpose=Purpose.ANSWER)
    location = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="one_answer_per_submission_key")
        ]
        indexes = [models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"


class Notification(models.Model):
    """Something a user should know about their work (e.g. a graduation decided), shown in
    their own list. The text is rendered in the reader's language from ``kind`` and
    ``params`` (a case's notification carries ``case``: the page links to it), so it is stored
    as a code, not as words."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=40)
    params = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user_id}"


class RequestCount(models.Model):
    """Requests counted per client or NIK in a fixed window: the public pages' limits. A
    table of its own, not the cache, so that the count is atomic and the window is exact
    whatever the cache backend does with timeouts."""

    key = models.CharField(max_length=80)  # a keyed hash: never a NIK or an address
    window = models.BigIntegerField()  # the window's number: its start, in window lengths
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "window"], name="unique_request_window")
        ]
        indexes = [models.Index(fields=["expires_at"])]

    def __str__(self) -> str:
        return f"{self.key} #{self.window}: {self.count}"
