"""Case management tables: a family's case, its timeline and the work recorded on it.

The rules (stages, transitions, guards) live in ``sejahtera.domain.cases``; these tables hold
the facts the guards look at and the history of every step.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from sejahtera.domain.cases import GraduationType, Stage
from sejahtera.domain.conditionality import Obligation
from sejahtera.domain.consent import GivenBy as ConsentGivenBy
from sejahtera.domain.consent import Method as ConsentMethod
from sejahtera.domain.empowerment import CapitalForm, Track
from sejahtera.domain.rehabilitation import Phase
from sejahtera.domain.wages import CODE_LENGTH
from sejahtera.registry.models import Household, Person, Region
from sejahtera.sealing import Purpose, SealedJSONField

USER = settings.AUTH_USER_MODEL


def _choices(values: tuple[str, ...] | type[Stage] | type[GraduationType]) -> list[tuple[str, str]]:
    return [(str(v), str(v)) for v in values]


TRACK_CHOICES = [
    (Track.BUSINESS.value, pgettext_lazy("empowerment track", "Business")),
    (Track.EMPLOYMENT.value, pgettext_lazy("empowerment track", "Employment")),
]
PHASE_CHOICES = [
    (Phase.BEFORE.value, _("Before services")),
    (Phase.DURING.value, _("During services")),
    (Phase.AFTER.value, _("After services")),
]
CAPITAL_FORM_CHOICES = [
    (CapitalForm.IN_KIND.value, _("In kind")),
    (CapitalForm.CASH.value, _("Cash")),
]


class CaseRecord(models.Model):
    """What the records on a case share: a readable name in the admin and logs."""

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"


class MinimumWage(models.Model):
    """An official minimum wage: a regency's UMK or a province's UMP for a year, with the
    decree that set it (``sejahtera.domain.wages``; loaded by ``sejahtera wages load``)."""

    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    amount = models.PositiveBigIntegerField(_("monthly amount (Rp)"))
    kind = models.CharField(
        _("kind"), max_length=3, choices=[(k.value, k.value) for k in CODE_LENGTH]
    )
    instrument = models.CharField(_("governor's decision"), max_length=200)
    source_url = models.URLField(_("source"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("minimum wage (UMK/UMP)")
        verbose_name_plural = _("minimum wages (UMK/UMP)")
        constraints = [models.UniqueConstraint(fields=["region", "year"], name="wage_per_year")]

    def __str__(self) -> str:
        return f"{self.kind} {self.region_id} {self.year}: {self.amount}"


class Case(models.Model):
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    # the household's village (kept in step when it moves): region limits without a join
    region_code = models.CharField(max_length=10, db_index=True)
    stage = models.CharField(
        _("stage"), max_length=16, choices=_choices(Stage), default=Stage.REGISTERED
    )
    social_worker = models.ForeignKey(
        USER, verbose_name=_("social worker"), on_delete=models.PROTECT, related_name="+"
    )
    supervisor = models.ForeignKey(
        USER,
        verbose_name=_("supervisor"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    opened_on = models.DateField(_("opened on"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    stage_since = models.DateField(_("in this stage since"))
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-opened_on", "-id"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            models.Index(fields=["social_worker", "stage"]),
            models.Index(fields=["supervisor", "stage"]),
        ]
        constraints = [
            # One open case per household, kept by the database itself: a check in the service
            # alone lets parallel requests through (every stage but closed is open).
            models.UniqueConstraint(
                fields=["household"],
                condition=~models.Q(stage="closed"),
                name="one_open_case_per_household",
            )
        ]

    def __str__(self) -> str:
        return f"case {self.pk} ({self.stage})"


class CaseEvent(CaseRecord):
    """One step on the timeline; moves keep the facts the guards saw."""

    class Kind(models.TextChoices):
        OPENED = "opened", _("Opened")
        MOVED = "moved", _("Moved")
        REENTRY = "reentry", _("Re-entry")
        ASSIGNED = "assigned", _("Assigned")
        ASSESSED = "assessed", _("Assessment recorded")
        GRADUATION_PROPOSED = "grad_proposed", _("Graduation proposed")
        GRADUATION_REJECTED = "grad_rejected", _("Graduation rejected")
        REFERRAL = "referral", _("Referral")
        ENROLMENT = "enrolment", _("Enrolment request")
        ENROLMENT_DECIDED = "enrol_decided", _("Enrolment request decided")
        ENROLMENT_WAITING = "enrol_waiting", _("Enrolment request waiting again")
        PLAN = "plan", _("Plan written")
        SERVICE = "service", _("ATENSI service recorded")
        EMPOWERMENT = "empowerment", _("PENA support recorded")
        TRAINING = "training", _("Skills training recorded")
        PLACEMENT = "placement", _("Job placement recorded")
        FUNCTIONING = "functioning", _("Social functioning measured")
        ATENSI_STEP = "atensi_step", _("ATENSI practice step")
        CONDITIONALITY = "pkh_condition", _("PKH conditionality recorded")
        INCOME = "income", _("Income recorded")
        FOLLOW_UP = "follow_up", _("Follow-up visit done")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    at = models.DateTimeField(auto_now_add=True)
    on = models.DateField(_("date"))
    actor = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    from_stage = models.CharField(max_length=16, blank=True)
    to_stage = models.CharField(max_length=16, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    evidence = models.TextField(_("evidence"), blank=True)
    evidence_file = models.CharField(_("evidence file"), max_length=255, blank=True)
    # an uploaded file's stored name (``cases.evidence``); evidence_file is then its own name
    evidence_upload = models.CharField(max_length=100, blank=True)
    facts = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("case event")
        verbose_name_plural = _("case events")


class Assessment(CaseRecord):
    """A social worker's assessment of one member (or of the family when person is empty)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assessments")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, null=True, blank=True)
    assessed_on = models.DateField(_("assessed on"))
    assessed_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    clusters = models.JSONField(_("clusters"), default=list, blank=True)
    # health, disability, education, work, family_functioning, risks: free text per topic,
    # sealed (sejahtera.sealing): what a social worker writes of health is specific data
    conditions = SealedJSONField(
        _("conditions"), default=dict, blank=True, purpose=Purpose.ASSESSMENT
    )

    class Meta:
        ordering = ["-assessed_on", "id"]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")


class FunctioningAssessment(CaseRecord):
    """A score of social functioning (sejahtera.domain.rehabilitation): each domain 1–5,
    before, during or after ATENSI services."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="functioning")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, null=True, blank=True)
    assessed_on = models.DateField(_("assessed on"))
    phase = models.CharField(
        _("when"),
        max_length=8,
        choices=PHASE_CHOICES,
    )
    scores = models.JSONField(_("scores"))  # domain → 1–5
    total = models.PositiveSmallIntegerField(_("total"))
    notes = models.TextField(_("notes"), blank=True)
    assessed_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["assessed_on", "id"]


class ConditionalityRecord(CaseRecord):
    """A month of one PKH obligation of a family member (sejahtera.domain.conditionality):
    school attendance in percent or health visits, from the social worker or an imported
    list; one row per person, obligation and month (recording it again corrects it)."""

    class Source(models.TextChoices):
        WORKER = "worker", _("Social worker")
        IMPORT = "import", _("Imported list")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    obligation = models.CharField(
        _("obligation"),
        max_length=8,
        choices=[
            (Obligation.SCHOOL.value, _("School attendance")),
            (Obligation.HEALTH.value, _("Health visits")),
        ],
    )
    month = models.DateField(_("month"))  # the first day of the month
    value = models.PositiveSmallIntegerField(_("attendance (%) or visits"))
    source = models.CharField(max_length=8, choices=Source.choices)
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["month", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "obligation", "month"], name="one_condition_a_month"
            )
        ]


class CasePlan(CaseRecord):
    class Kind(models.TextChoices):
        REHABILITATION = "rehabilitation", _("Rehabilitation")
        EMPOWERMENT = "empowerment", _("Empowerment")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="plans")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    # an empowerment plan's track (sejahtera.domain.empowerment); empty for rehabilitation
    track = models.CharField(
        _("track"),
        max_length=12,
        blank=True,
        choices=TRACK_CHOICES,
    )
    goals = models.TextField(_("goals"))
    actions = models.TextField(_("actions"), blank=True)
    target_date = models.DateField(_("target date"), null=True, blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_on = models.DateField()

    class Meta:
        ordering = ["-created_on", "-id"]


class ServiceRecord(CaseRecord):
    """An ATENSI service (Permensos 7/2021)."""

    class Component(models.TextChoices):
        DECENT_LIVING = "decent_living", _("Decent-living support")
        CARE = "care", _("Social care / child upbringing")
        FAMILY_SUPPORT = "family_support", _("Family support")
        THERAPY = "therapy", _("Physical, psychosocial and mental-spiritual therapy")
        VOCATIONAL = "vocational", _("Vocational training / entrepreneurship")
        ASSISTANCE = "assistance", _("Social assistance")
        ACCESSIBILITY = "accessibility", _("Accessibility support (assistive devices)")

    class Provider(models.TextChoices):
        RESIDENTIAL = "residential", _("Residential")
        COMMUNITY = "community", _("Community")
        FAMILY = "family", _("Family")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="services")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, null=True, blank=True)
    component = models.CharField(_("component"), max_length=16, choices=Component.choices)
    provider_type = models.CharField(_("provider"), max_length=12, choices=Provider.choices)
    started_on = models.DateField(_("started on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    frequency = models.CharField(_("frequency"), max_length=100, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-started_on", "-id"]


class EmpowermentRecord(CaseRecord):
    """PENA support on the business track: capital in kind or cash (capped), training and
    business mentoring."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="empowerment")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, null=True, blank=True)
    given_on = models.DateField(_("given on"))
    capital_items = models.JSONField(_("capital in kind"), default=list, blank=True)
    capital_value = models.PositiveBigIntegerField(_("capital value (Rp)"), default=0)
    capital_form = models.CharField(
        _("capital given as"),
        max_length=8,
        default=CapitalForm.IN_KIND,
        choices=CAPITAL_FORM_CHOICES,
    )
    training = models.TextField(_("training"), blank=True)
    mentoring_sessions = models.PositiveSmallIntegerField(_("mentoring sessions"), default=0)
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-given_on", "-id"]


class TrainingRecord(CaseRecord):
    """Skills training on the employment track."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="trainings")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, null=True, blank=True)
    course = models.CharField(_("course"), max_length=200)
    provider = models.CharField(_("training provider"), max_length=200)
    started_on = models.DateField(_("started on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    certificate = models.CharField(_("certificate number"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-started_on", "-id"]


class JobPlacement(CaseRecord):
    """A job found on the employment track."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="placements")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, null=True, blank=True)
    employer = models.CharField(_("employer"), max_length=200)
    started_on = models.DateField(_("started on"))
    monthly_wage = models.PositiveBigIntegerField(_("monthly wage (Rp)"))
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-started_on", "-id"]


class IncomeRecord(CaseRecord):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="incomes")
    month = models.DateField(_("month"))  # the first day of the month
    amount = models.PositiveBigIntegerField(_("income (Rp)"))
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["month"]
        constraints = [models.UniqueConstraint(fields=["case", "month"], name="income_per_month")]


class GraduationRequest(CaseRecord):
    """A proposal to graduate, waiting for (or decided by) a supervisor."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="graduations")
    type = models.CharField(_("graduation type"), max_length=8, choices=_choices(GraduationType))
    signed_statement = models.BooleanField(_("signed statement"), default=False)
    evidence = models.TextField(_("evidence"), blank=True)
    proposed_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    proposed_on = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    decided_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-proposed_on", "-id"]
        constraints = [
            # A new proposal replaces the pending one; the database keeps it so.
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(status="pending"),
                name="one_pending_graduation_per_case",
            )
        ]


class Referral(CaseRecord):
    """A hand-over to a partner agency's programme of the catalogue (termination), with the
    family's consent."""

    class Status(models.TextChoices):
        SENT = "sent", _("Sent")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")
        COMPLETED = "completed", _("Completed")
        REVOKED = "revoked", _("Revoked")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="referrals")
    # The member the programme is for, whose name the partner sees (the head when empty).
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # the catalogue's programme (sejahtera.domain.partners); agency and name are copied, as
    # they read when the family was referred (referrals sent before the catalogue: empty)
    programme_code = models.CharField(_("programme code"), max_length=40, blank=True)
    organisation = models.CharField(_("partner agency"), max_length=200, db_index=True)
    programme = models.CharField(_("programme"), max_length=200)
    consent_recorded = models.BooleanField(_("consent recorded"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SENT)
    sent_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    sent_on = models.DateField()
    decided_on = models.DateField(null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)

    class Meta:
        ordering = ["-sent_on", "-id"]


class ConsentRecord(CaseRecord):
    """The consent that lets a referral share a person's data with the partner agency
    (``sejahtera.domain.consent``): given by the person, or for a child or a person whose
    disability calls for it by a named adult parent or guardian; withdrawn when the family
    withdraws it (the referral is then revoked)."""

    class GivenBy(models.TextChoices):
        SELF = ConsentGivenBy.SELF, _("The person themselves")
        PARENT = ConsentGivenBy.PARENT, _("A parent")
        GUARDIAN = ConsentGivenBy.GUARDIAN, _("A guardian")

    class Method(models.TextChoices):
        SIGNED = ConsentMethod.SIGNED, _("Signed consent form")
        THUMBPRINT = ConsentMethod.THUMBPRINT, _("Thumbprint on the consent form")
        WITNESSED = ConsentMethod.WITNESSED, _("Spoken, before a witness")

    referral = models.OneToOneField(Referral, on_delete=models.CASCADE, related_name="consent")
    subject = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    given_by = models.CharField(_("consent given by"), max_length=10, choices=GivenBy.choices)
    # the parent or guardian, named; a member of the household when the registry holds them
    giver_name = models.CharField(_("name of the parent or guardian"), max_length=200, blank=True)
    giver = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    method = models.CharField(_("how consent was given"), max_length=12, choices=Method.choices)
    given_on = models.DateField(_("given on"))
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)

    class Meta:
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")


class FollowUp(CaseRecord):
    """An aftercare visit (bimbingan lanjut) after graduation or termination."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="follow_ups")
    due_on = models.DateField(_("due on"))
    done_on = models.DateField(_("done on"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["due_on", "id"]


class EnrolmentRequest(CaseRecord):
    """In protection, a social worker asks the programme office to enrol the family in a
    programme, or to suspend it, with a reason (the decision itself is the programme's)."""

    class Action(models.TextChoices):
        ENROL = "enrol", _("Enrol")
        SUSPEND = "suspend", _("Suspend")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        REFUSED = "refused", _("Refused")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="enrolment_requests")
    programme = models.CharField(_("programme"), max_length=20)
    action = models.CharField(_("request"), max_length=8, choices=Action.choices)
    reason = models.TextField(_("reason"))
    requested_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    requested_on = models.DateField(_("requested on"))
    # The programme office's answer, given on a decree draft (programmes.requests).
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_on = models.DateField(null=True, blank=True)
    outcome = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_on", "-id"]
        verbose_name = _("enrolment request")
        verbose_name_plural = _("enrolment requests")
