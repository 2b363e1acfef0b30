"""Who may do what, and where. Every view, API handler and selector asks here.

Access is by role (what kind of work) and by region (the user's region code is a prefix of every
region code they may see). Only the national roles may work without a region; a user of a
region-scoped role who has no region has no access at all (access fails closed).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q

from sejahtera.accounts import audit
from sejahtera.accounts.models import (
    ROLE_SCOPE_LEVEL,
    WHOLE_COUNTRY_ROLES,
    AuditEntry,
    Role,
    User,
)

REGISTRY_READERS = frozenset(
    {
        Role.VILLAGE_OPERATOR,
        Role.DISTRICT_OFFICE,
        Role.PROVINCIAL_OFFICE,
        Role.MINISTRY_ANALYST,
        Role.PROGRAMME_MANAGER,
        Role.SOCIAL_WORKER,
        Role.SUPERVISOR,
        Role.AUDITOR,
        Role.ADMINISTRATOR,
    }
)
REGISTRY_EDITORS = frozenset(
    {Role.VILLAGE_OPERATOR, Role.DISTRICT_OFFICE, Role.PROVINCIAL_OFFICE, Role.ADMINISTRATOR}
)
REGISTRY_IMPORTERS = frozenset({Role.DISTRICT_OFFICE, Role.PROVINCIAL_OFFICE, Role.ADMINISTRATOR})
DASHBOARD_READERS = REGISTRY_READERS
# Possible duplicates are reviewed by the offices, each the pairs wholly within its region (a
# pair across two regencies goes to the province), and by administrators; only administrators
# confirm in bulk above a match probability.
DUPLICATE_REVIEWERS = frozenset({Role.DISTRICT_OFFICE, Role.PROVINCIAL_OFFICE, Role.ADMINISTRATOR})
DUPLICATE_BULK_CONFIRMERS = frozenset({Role.ADMINISTRATOR})
# Other agencies' national lists (deaths, civil servants) are imported by administrators.
REFERENCE_LIST_IMPORTERS = frozenset({Role.ADMINISTRATOR})
# Django's admin knows neither regions nor masking (accounts/admin_site.py).
ADMIN_SITE_USERS = frozenset({Role.ADMINISTRATOR})
# Roles that read the whole country, decide on money or administer the system sign in with a
# second factor (an authenticator app); anyone else may choose to.
TWO_FACTOR_ROLES = frozenset(
    {Role.ADMINISTRATOR, Role.MINISTRY_ANALYST, Role.AUDITOR, Role.PROGRAMME_MANAGER}
)
# Objections (sanggah) to a listed beneficiary are verified by the regency's social office
# of the household (provincial offices and administrators too).
OBJECTION_VERIFIERS = frozenset({Role.DISTRICT_OFFICE, Role.PROVINCIAL_OFFICE, Role.ADMINISTRATOR})
# The village office takes an objection in for a resident; auditors read them all.
OBJECTION_TAKERS = OBJECTION_VERIFIERS | {Role.VILLAGE_OPERATOR}
OBJECTION_READERS = OBJECTION_TAKERS | {Role.AUDITOR}
# Proposals (usulan) are moved by the role that owns each step: the village operator visits
# and records the deliberation, the regency's social office validates, the regent (bupati or
# wali kota) approves and the ministry decides, which writes the change to the registry.
# Administrators may take any step.
PROPOSAL_VILLAGE = frozenset({Role.VILLAGE_OPERATOR, Role.ADMINISTRATOR})
PROPOSAL_VALIDATORS = frozenset({Role.DISTRICT_OFFICE, Role.ADMINISTRATOR})
PROPOSAL_APPROVERS = frozenset({Role.REGENT, Role.ADMINISTRATOR})
PROPOSAL_DECIDERS = frozenset({Role.MINISTRY_ANALYST, Role.ADMINISTRATOR})
PROPOSAL_READERS = (
    PROPOSAL_VILLAGE
    | PROPOSAL_VALIDATORS
    | PROPOSAL_APPROVERS
    | PROPOSAL_DECIDERS
    | {Role.PROVINCIAL_OFFICE, Role.AUDITOR}
)
# Complaints (pengaduan) are handled by the office they are routed to (regency, province or
# ministry); village operators and offices take them in for citizens; auditors read them all.
COMPLAINT_TAKERS = frozenset(
    {Role.VILLAGE_OPERATOR, Role.DISTRICT_OFFICE, Role.PROVINCIAL_OFFICE, Role.ADMINISTRATOR}
)
COMPLAINT_HANDLERS = frozenset(
    {Role.DISTRICT_OFFICE, Role.PROVINCIAL_OFFICE, Role.MINISTRY_ANALYST, Role.ADMINISTRATOR}
)
COMPLAINT_READERS = COMPLAINT_HANDLERS | {Role.AUDITOR}
# Complaints about staff are read by the supervising levels and auditors alone.
MISCONDUCT_READERS = frozenset({Role.PROVINCIAL_OFFICE, Role.MINISTRY_ANALYST, Role.AUDITOR})
# A person's request to correct their data is reviewed by the regency's (or the province's)
# social office of the person's household; auditors read them.
CORRECTION_REVIEWERS = frozenset({Role.DISTRICT_OFFICE, Role.PROVINCIAL_OFFICE, Role.ADMINISTRATOR})
CORRECTION_READERS = CORRECTION_REVIEWERS | {Role.AUDITOR}
# The figures of participation (no person in them), each within the reader's region.
# Objections to an automated targeting decision: taken in where people are met, decided by the
# social offices (never by whoever took it in).
DECISION_REVIEWERS = frozenset({Role.DISTRICT_OFFICE, Role.PROVINCIAL_OFFICE, Role.ADMINISTRATOR})
DECISION_REVIEW_TAKERS = DECISION_REVIEWERS | {Role.VILLAGE_OPERATOR, Role.SOCIAL_WORKER}
DECISION_REVIEW_READERS = DECISION_REVIEW_TAKERS

PARTICIPATION_REPORT_READERS = PROPOSAL_READERS | COMPLAINT_READERS | {Role.VILLAGE_OPERATOR}
# The audit trail is searched and exported by auditors and administrators.
AUDIT_READERS = frozenset({Role.AUDITOR, Role.ADMINISTRATOR})
# Targeting results are read like the registry (each within their region); runs and what-if
# simulations are started by the ministry's analysts and by administrators.
TARGETING_READERS = REGISTRY_READERS
TARGETING_RUNNERS = frozenset({Role.MINISTRY_ANALYST, Role.ADMINISTRATOR})
# Who may read specific personal data (health, disability, criminal records, children's data)
# of individuals; others see those fields masked. Every such read is logged.
SPECIFIC_DATA_READERS = frozenset(
    {
        Role.VILLAGE_OPERATOR,
        Role.DISTRICT_OFFICE,
        Role.PROVINCIAL_OFFICE,
        Role.SOCIAL_WORKER,
        Role.SUPERVISOR,
        Role.ADMINISTRATOR,
    }
)

# Case management (the journey): social workers see their own cases, supervisors their team's,
# district and provincial offices every case in their region; partner agencies see only the
# referrals sent to their organisation, with the minimum data.
CASE_READERS = frozenset(
    {
        Role.SOCIAL_WORKER,
        Role.SUPERVISOR,
        Role.DISTRICT_OFFICE,
        Role.PROVINCIAL_OFFICE,
        Role.ADMINISTRATOR,
    }
)
CASE_WORKERS = frozenset({Role.SOCIAL_WORKER, Role.SUPERVISOR, Role.ADMINISTRATOR})
CASE_OPENERS = CASE_WORKERS | {Role.DISTRICT_OFFICE}
# PKH conditionality: the social worker records a month on a case it carries
# (CASE_WORKERS); offices import the schools' and health posts' lists for their region.
CONDITIONALITY_IMPORTERS = frozenset(
    {Role.DISTRICT_OFFICE, Role.PROVINCIAL_OFFICE, Role.ADMINISTRATOR}
)
GRADUATION_APPROVERS = frozenset({Role.SUPERVISOR, Role.ADMINISTRATOR})
# The ministry's programme managers prepare and approve programme decrees (two different
# people, decision 12), open cycles, send batches and import the channels' results.
DECREE_MAKERS = frozenset({Role.PROGRAMME_MANAGER, Role.ADMINISTRATOR})
# Who reads decrees and enrolments: offices their region's lines, the ministry (analysts too)
# and auditors all.
DELIVERY_READERS = DECREE_MAKERS | {
    Role.MINISTRY_ANALYST,
    Role.DISTRICT_OFFICE,
    Role.PROVINCIAL_OFFICE,
    Role.AUDITOR,
}
# Who reads a delivery line's amount even where it tells of a component (PKH's severe
# disability): those who pay it and those who check the payments (docs/privacy.md §7).
DELIVERY_AMOUNT_READERS = DECREE_MAKERS | {Role.AUDITOR}
# Who suspends and resumes enrolments (offices within their region).
ENROLMENT_KEEPERS = DECREE_MAKERS | {Role.DISTRICT_OFFICE, Role.PROVINCIAL_OFFICE}
# Who may be assigned to a case: it is carried by a social worker under a supervisor, both of
# whose regions cover the family's.
CASE_CARRIERS = frozenset({Role.SOCIAL_WORKER})
CASE_SUPERVISORS = frozenset({Role.SUPERVISOR})
# Who transfers a case to another social worker (and supervisor): the team's supervisor, the
# district office and administrators.
CASE_ASSIGNERS = GRADUATION_APPROVERS | {Role.DISTRICT_OFFICE}
REFERRAL_PARTNERS = frozenset({Role.PARTNER_AGENCY})
# Counts of cases per stage and graduation rates of a region (no family in them): the
# dashboard's journey figures, for the ministry as well as for those who carry the cases.
JOURNEY_FIGURE_READERS = CASE_READERS | {
    Role.MINISTRY_ANALYST,
    Role.PROGRAMME_MANAGER,
    Role.AUDITOR,
}


def badly_scoped(user: User) -> bool:
    """A region-scoped role without a region (never read as "the whole country"), or a role
    that decides for the whole country with one (it would approve, pay and send files of
    regions it cannot read): such an account may do nothing."""
    if user.role in WHOLE_COUNTRY_ROLES:
        return bool(user.region_id)
    return ROLE_SCOPE_LEVEL.get(user.role) is not None and not user.region_id


def has_role(user: User, roles: frozenset[str]) -> bool:
    return bool(
        user.is_authenticated and user.is_active and user.role in roles and not badly_scoped(user)
    )


def region_prefix(user: User) -> str:
    """Region codes the user may see start with this ('' = all of Indonesia)."""
    if badly_scoped(user):
        raise PermissionDenied
    return user.region_id or ""


def scoped_region(user: User, region_code: str) -> str:
    """``region_code`` if the user's scope covers it, else the user's whole scope: a figure
    asked for outside the scope shows the scope, never the region asked for."""
    scope = region_prefix(user)
    return region_code if region_code.startswith(scope) else scope


def covers(user: User, region_code: str) -> bool:
    return not badly_scoped(user) and region_code.startswith(user.region_id or "")


def require(user: User, roles: frozenset[str]) -> None:
    if not has_role(user, roles):
        raise PermissionDenied


def require_region(user: User, region_code: str) -> None:
    if not covers(user, region_code):
        raise PermissionDenied


def may_carry_case(user: User, region_code: str) -> bool:
    return has_role(user, CASE_CARRIERS) and covers(user, region_code)


def may_supervise_case(user: User, region_code: str) -> bool:
    return has_role(user, CASE_SUPERVISORS) and covers(user, region_code)


def log_sensitive_read(user: User, entity: str, record_ids: list[int], path: str) -> None:
    """An entry in the audit trail for a read of specific data (an export, when ``entity``
    names one: ``person_export``, …), with the ids it showed."""
    if record_ids:
        action = AuditEntry.Action.EXPORT if entity.endswith("_export") else AuditEntry.Action.READ
        audit.record(user=user, action=action, entity=entity, record_ids=record_ids, path=path)


def case_filter(user: User) -> Q:
    """The cases (as a filter on ``Case``) the user may see."""
    require(user, CASE_READERS)
    prefix = region_prefix(user)
    within = Q(region_code__startswith=prefix) if prefix else Q()
    # A team's cases within its region: a family that moved away is the new region's office's
    # to reassign, no longer its old team's.
    if user.role == Role.SOCIAL_WORKER:
        return Q(social_worker=user) & within
    if user.role == Role.SUPERVISOR:
        return Q(supervisor=user) & within
    return within


def referral_filter(user: User) -> Q:
    """The referrals (a filter on ``Referral``) a partner agency may see: its organisation's."""
    require(user, REFERRAL_PARTNERS)
    if not user.organisation:
        return Q(pk__in=[])
    return Q(organisation=user.organisation)
