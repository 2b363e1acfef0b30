"""A data subject's own data (UU 27/2022: access and portability): everything the system holds
about one person — the registry record and its history, the household's shared facts, the
targeting results and decisions with their reasons, the case records, enrolments and
payments, and who read the person's data — and nothing about anyone else.

A record about the whole family (a household decision, a case's family-level records) is the
person's too; a record about another member is left out. The records of a duplicate merged
into the person are the person's. Staff appear by role, not by name."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import Q, QuerySet
from django.utils import timezone

from sejahtera import i18n
from sejahtera.accounts import access, audit
from sejahtera.accounts.models import AuditEntry, User
from sejahtera.accounts.selectors import naming
from sejahtera.cases import models as case_models
from sejahtera.domain.targeting.reasons import PARAM_SEPARATOR
from sejahtera.programmes.models import Enrolment, Entitlement, Payment
from sejahtera.registry.models import ChangeRecord, Household, Person
from sejahtera.registry.selectors import persons_for
from sejahtera.sealing import SPECIFIC_NAMES, SealedPersonData
from sejahtera.targeting.models import (
    Decision,
    DecisionReview,
    HouseholdResult,
    ManualClusterMembership,
    PersonCluster,
)

FORMAT_VERSION = 1
# A case's records, each listed when it is about the person or the whole family.
CASE_RECORDS: dict[str, type[models.Model]] = {
    "assessments": case_models.Assessment,
    "functioning": case_models.FunctioningAssessment,
    "services": case_models.ServiceRecord,
    "empowerment": case_models.EmpowermentRecord,
    "trainings": case_models.TrainingRecord,
    "placements": case_models.JobPlacement,
}
# What a decision about the whole household may say without telling of any one member.
FAMILY_REASONS = frozenset(
    {
        "DECILE_ABOVE", "DECILE_WITHIN", "DECILE_MISSING", "DECILE_NOT_IN_FILE",
        "BUDGET_REACHED", "QUOTA_REACHED", "RANK_WITHIN_LIMITS", "NO_COMPONENT",
        "NO_LIVING_MEMBER", "NO_SPOUSE", "LIVES_ALONE", "IN_NO_CLUSTER", "NO_CLUSTER_COUNTED",
        "REVIEWED_ELIGIBLE", "REVIEWED_NOT_ELIGIBLE",
    }
)  # fmt: skip
# Kept out of every row: machinery (the edit counter, a payment's liveness, which its status
# says already), not data about the person.
LEFT_OUT = frozenset({"version", "facts", "live"})


def subject_data(user: User, person_id: int) -> dict[str, Any]:
    """The person's data, for a user who may read it (specific data, within their region);
    the export is an entry in the audit trail. ``Person.DoesNotExist`` outside the region."""
    access.require(user, access.SPECIFIC_DATA_READERS)
    person = persons_for(user).select_related("household").get(pk=person_id)
    ids = [person.pk, *Person.all_objects.filter(merged_into=person).values_list("pk", flat=True)]
    household = person.household
    own = Q(person__isnull=True) | Q(person_id__in=ids)
    data = {
        "format": f"sejahtera-subject-access/{FORMAT_VERSION}",
        "generated_at": _plain(timezone.now()),
        "person": _row(person),
        "merged_records": ids[1:],
        "household": {**_row(household), "members": household.members.count()},
        "history": [
            _row(change)
            for change in ChangeRecord.objects.filter(
                Q(entity=ChangeRecord.Entity.PERSON, record_id__in=ids)
                | Q(entity=ChangeRecord.Entity.HOUSEHOLD, record_id=household.pk)
            ).order_by("changed_at", "id")
        ],
        "targeting": {
            "results": _rows(HouseholdResult.objects.filter(household=household)),
            "clusters": [
                {**_row(c), "reason_text": i18n.render_cluster_reason(c.reason)}
                for c in PersonCluster.objects.filter(person_id__in=ids).order_by("run_id")
            ],
            "manual_clusters": _rows(ManualClusterMembership.objects.filter(person_id__in=ids)),
            "decisions": [
                _decision(d)
                for d in Decision.objects.filter(own, household=household).order_by("run_id", "id")
            ],
            "reviews": [
                _review(r, person.nik)
                for r in DecisionReview.objects.filter(
                    Q(person_id__in=ids) | Q(person__isnull=True, household=household)
                ).order_by("pk")
            ],
        },
        "conditionality": _rows(
            case_models.ConditionalityRecord.objects.filter(person_id__in=ids).order_by("month")
        ),
        "cases": [_case(case, ids) for case in _readable_cases(user, household)],
        # consent to share the person's data, or given by the person for a child or a ward
        "consents": [
            {
                **_row(c),
                "programme": c.referral.programme,
                "agency": c.referral.organisation,
                "given_by_label": str(c.get_given_by_display()),
                "method_label": str(c.get_method_display()),
            }
            for c in case_models.ConsentRecord.objects.filter(
                Q(subject_id__in=ids) | Q(giver_id__in=ids)
            )
            .select_related("referral")
            .order_by("given_on", "id")
        ],
        "programmes": {
            "enrolments": _rows(Enrolment.objects.filter(own, household=household)),
            "entitlements": _recipient_own(
                _rows(Entitlement.objects.filter(own, household=household)), person.nik
            ),
            "payments": _recipient_own(
                _rows(Payment.objects.filter(own, household=household)), person.nik
            ),
        },
        "reads": [
            {
                "at": _plain(e.at),
                "action": e.action,
                "by_role": e.user.role if e.user else "",
                "where": e.path,
            }
            for e in _reads_of(ids)
        ],
    }
    audit.record(
        user=user,
        action=AuditEntry.Action.EXPORT,
        entity="subject_access",
        record_ids=[person.pk],
        path=f"subject access of person {person.pk}",
    )
    return data


def _decision(decision: Decision) -> dict[str, Any]:
    """A decision with its reasons in words. One about the whole household keeps only the
    reasons that say nothing of a member (decile, limits, family structure): its components
    and a member's cluster, disability or status are that member's data."""
    row = _row(decision)
    if decision.person_id is None:
        shared = [r for r in decision.reasons if r.split(PARAM_SEPARATOR, 1)[0] in FAMILY_REASONS]
        row |= {
            "reasons": shared,
            "components": [],
            "withheld": len(decision.reasons) - len(shared),
        }
    return row | {"reason_text": i18n.render_reasons(row["reasons"])}


def _review(review: DecisionReview, nik: str | None) -> dict[str, Any]:
    """An objection to a decision about the person or the family, with the decision's reasons
    as ``_decision`` gives them. Of an objection to the family's decision that another member
    made, only what became of it: who objected, their grounds and the reviewer's reasons may
    tell of that member."""
    row = _row(review)
    reasons = review.reasons_by_rules
    if review.person_id is None:
        reasons = [r for r in reasons if r.split(PARAM_SEPARATOR, 1)[0] in FAMILY_REASONS]
    if not nik or review.requester_nik != nik:
        row |= {"requester_name": "", "requester_nik": "", "requester_phone": ""}
        if review.person_id is None:
            row |= {"grounds": "", "review_note": ""}
    return row | {
        "reasons_by_rules": reasons,
        "reason_text": i18n.render_reasons(reasons),
        "verdict_eligible": review.verdict_eligible,
    }


# Who a household's money went to: shown only when it is the person.
RECIPIENT_FIELDS = ("nik", "recipient_nik", "recipient_name", "account_number")


def _recipient_own(rows: list[dict[str, Any]], nik: str | None) -> list[dict[str, Any]]:
    for row in rows:
        recipient = row.get("recipient_nik") or row.get("nik")
        if not nik or recipient != nik:
            row.update({field: None for field in RECIPIENT_FIELDS if field in row})
    return rows


def _readable_cases(user: User, household: Household) -> QuerySet[case_models.Case]:
    """The household's cases the user may read: a copy is no way round the case files'
    own permission (a village operator reads none; a social worker, those they carry). The
    district office of the region, which reads them all, makes a complete copy."""
    cases = case_models.Case.objects.filter(household=household)
    if not access.has_role(user, access.CASE_READERS):
        return cases.none()
    return cases.filter(access.case_filter(user))


def _case(case: case_models.Case, ids: list[int]) -> dict[str, Any]:
    records = {
        name: _rows(
            model._default_manager.filter(Q(person__isnull=True) | Q(person_id__in=ids), case=case)
        )
        for name, model in CASE_RECORDS.items()
    }
    # Events, plans, referrals and graduation are the family's journey.
    family = {
        "timeline": _rows(case.events.order_by("at", "id")),
        "plans": _rows(case.plans.all()),
        "referrals": _rows(case.referrals.all()),
        "graduations": _rows(case.graduations.all()),
    }
    return {**_row(case), **family, **records}


def _reads_of(ids: list[int]) -> QuerySet[AuditEntry]:
    reads = AuditEntry.objects.filter(
        action__in=[AuditEntry.Action.READ, AuditEntry.Action.EXPORT], entity__startswith="person"
    )
    return naming(reads, ids).select_related("user").order_by("id")


def _rows(queryset: models.QuerySet[Any]) -> list[dict[str, Any]]:
    return [_row(instance) for instance in queryset]


def _row(instance: models.Model) -> dict[str, Any]:
    """The instance's own fields; a user named in it by role only."""
    row: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if field.name in LEFT_OUT:
            continue
        if isinstance(field, SealedPersonData):  # each specific field by its own name
            row |= {name: getattr(instance, name) for name in SPECIFIC_NAMES}
            continue
        if field.is_relation and field.related_model is User:
            staff = getattr(instance, field.name)
            row[f"{field.name}_role"] = staff.role if staff else None
            continue
        row[field.attname] = _plain(getattr(instance, field.attname))
    return row


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value
