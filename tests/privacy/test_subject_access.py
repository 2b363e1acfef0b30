"""A data subject's copy of their data: everything held about the person (registry, history,
targeting with reasons, case records, programmes, who read it) and nothing about another
member; only readers of specific data in the person's region may make it, and making it is an
entry in the audit trail."""

import json
from datetime import date

import pytest
from django.core.serializers.json import DjangoJSONEncoder

from sejahtera.accounts.access import log_sensitive_read
from sejahtera.accounts.models import AuditEntry, Role
from sejahtera.cases.models import FunctioningAssessment
from sejahtera.privacy.subject_access import subject_data
from sejahtera.registry.models import Person
from sejahtera.registry.services.records import person_cells, update_person
from sejahtera.targeting.services import run_targeting_for_registry

pytestmark = pytest.mark.django_db
SCORES = {"self_care": 3, "family_role": 2, "social_participation": 2, "economic_activity": 1}
SUBJECT_NIK, OTHER_NIK = "3201014508850001", "3201010302800002"


@pytest.fixture
def family(household_factory, make_user, served_case):
    """Siti (the subject) and her husband Budi, whose HIV is recorded; a case with a
    functioning score of each; a targeting run; reads of each."""
    household = household_factory(
        members=[
            {"full_name": "Siti Aminah", "sex": "P", "birth_date": "1985-08-05",
             "relationship": "head", "nik": SUBJECT_NIK},
            {"full_name": "Budi Rahasia", "sex": "L", "birth_date": "1980-02-03",
             "relationship": "spouse", "nik": OTHER_NIK, "hiv": "true"},
        ],
        monthly_expenditure_idr="900000",
    )  # fmt: skip
    siti = household.members.get(full_name="Siti Aminah")
    budi = household.members.get(full_name="Budi Rahasia")
    office = make_user(Role.DISTRICT_OFFICE, "3201")
    update_person(
        actor=office,
        person=siti,
        cells={**person_cells(siti), "disability": "physical"},
        expected_version=siti.version,
    )
    worker = make_user(Role.SOCIAL_WORKER, "3201")
    case = served_case(household, worker, make_user(Role.SUPERVISOR, "3201"))
    for person, notes in ((siti, "Siti membaik"), (budi, "Budi: terapi ARV")):
        FunctioningAssessment.objects.create(
            case=case, person=person, assessed_on=date(2026, 1, 5), phase="before",
            scores=SCORES, total=8, notes=notes, assessed_by=worker,
        )  # fmt: skip
    run_targeting_for_registry(as_of=date(2026, 1, 1), actor=office)
    log_sensitive_read(worker, "person", [siti.pk], f"/registry/persons/{siti.pk}/")
    log_sensitive_read(worker, "person", [budi.pk], f"/registry/persons/{budi.pk}/")
    return {"siti": siti, "budi": budi, "office": office, "case": case}


def test_the_copy_holds_the_subjects_data(family):
    siti = family["siti"]
    data = subject_data(family["office"], siti.pk)
    assert data["person"]["full_name"] == "Siti Aminah"
    assert data["person"]["disability"] == "physical"
    assert data["household"]["members"] == 2
    assert any(c.get("changes", {}).get("disability") for c in data["history"])
    assert data["targeting"]["results"], "the household's decile and score"
    decisions = data["targeting"]["decisions"]
    assert decisions
    assert all(d["reason_text"] for d in decisions)
    (case,) = data["cases"]
    assert [f["notes"] for f in case["functioning"]] == ["Siti membaik"]
    assert case["timeline"], "the family's journey"
    assert [r["by_role"] for r in data["reads"]] == [Role.SOCIAL_WORKER]
    assert json.dumps(data, cls=DjangoJSONEncoder)  # portable as JSON


def test_nothing_about_another_member(family):
    text = json.dumps(subject_data(family["office"], family["siti"].pk), cls=DjangoJSONEncoder)
    for trace in ("Budi", OTHER_NIK, "ARV"):
        assert trace not in text
    assert f'"person_id": {family["budi"].pk}' not in text
    assert family["office"].username not in text  # staff by role only


def test_only_readers_of_specific_data_in_the_region(family, make_user):
    siti = family["siti"]
    with pytest.raises(Person.DoesNotExist):
        subject_data(make_user(Role.DISTRICT_OFFICE, "3273"), siti.pk)
    from django.core.exceptions import PermissionDenied

    for role in (Role.MINISTRY_ANALYST, Role.AUDITOR, Role.PARTNER_AGENCY):
        with pytest.raises(PermissionDenied):
            subject_data(make_user(role), siti.pk)


def test_making_the_copy_is_an_audit_entry(family):
    subject_data(family["office"], family["siti"].pk)
    entry = AuditEntry.objects.get(entity="subject_access")
    assert (entry.user, entry.action, entry.record_ids) == (
        family["office"],
        "export",
        [family["siti"].pk],
    )


def test_a_household_decision_keeps_only_what_tells_of_no_member(family):
    from sejahtera.targeting.models import Decision

    decision = Decision.objects.filter(household=family["siti"].household_id, person=None).first()
    Decision.objects.filter(pk=decision.pk).update(
        reasons=["DECILE_WITHIN:2:4", "CLUSTERS:NAPZA_HIV", "DISABILITY:mental"],
        components=[{"component": "disability_severe", "count": 1}],
    )
    (shown,) = [
        d
        for d in subject_data(family["office"], family["siti"].pk)["targeting"]["decisions"]
        if d["id"] == decision.pk
    ]
    assert (shown["reasons"], shown["components"], shown["withheld"]) == (
        ["DECILE_WITHIN:2:4"],
        [],
        2,
    )
    assert shown["reason_text"] == ["desil 2 ≤ 4"]


def test_a_household_payment_to_another_member_does_not_name_him():
    from sejahtera.privacy.subject_access import _recipient_own

    rows = [
        {
            "recipient_nik": OTHER_NIK,
            "recipient_name": "Budi",
            "account_number": "123",
            "amount": 1,
        },
        {
            "recipient_nik": SUBJECT_NIK,
            "recipient_name": "Siti",
            "account_number": "9",
            "amount": 2,
        },
    ]
    shown = _recipient_own(rows, SUBJECT_NIK)
    assert shown[0] == dict.fromkeys(["recipient_nik", "recipient_name", "account_number"]) | {
        "amount": 1
    }
    assert shown[1]["recipient_name"] == "Siti"
