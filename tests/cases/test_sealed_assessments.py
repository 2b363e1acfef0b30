"""What a social worker writes of a member's health, disability or risks is sealed at rest
(issue #15, decision 0020): the raw table holds none of it."""

import pytest
from django.db import connection

from sejahtera.cases import services
from sejahtera.cases.models import Assessment
from sejahtera.sealing import is_sealed

from .conftest import TODAY

pytestmark = pytest.mark.django_db
NOTES = {"health": "Positif HIV sejak 2019, minum ARV", "risks": "Pernah memakai sabu"}


def assert_holds_no_notes(raw):
    # whole phrases: a short word like "HIV" turns up in random ciphertext about once in a thousand
    for note in NOTES.values():
        assert note not in raw


def test_assessment_notes_are_sealed_in_the_table_and_read_back_whole(case, worker):
    head = case.household.members.get(relationship="head")
    services.record_assessment(
        actor=worker,
        case=case,
        members=[services.MemberAssessment(head, ("NAPZA_HIV",), NOTES)],
        today=TODAY,
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT CAST(conditions AS text) FROM cases_assessment")
        ((raw,),) = cursor.fetchall()
    assert_holds_no_notes(raw)
    assert is_sealed(raw.strip('"'))
    assert Assessment.objects.get().conditions == NOTES


def test_the_answer_kept_for_a_repeated_write_is_sealed_too(case, worker, api_post):
    # the API keeps a write's answer for its Idempotency-Key; the answer repeats the notes
    head = case.household.members.get(relationship="head")
    body = {"members": [{"person_id": head.pk, "clusters": [], "conditions": NOTES}]}
    path = f"/api/v1/cases/{case.pk}/assessments"
    first = api_post(worker, path, body, "assess-once")
    assert first.status_code == 201, first.content
    with connection.cursor() as cursor:
        cursor.execute("SELECT CAST(body AS text) FROM accounts_submissionkey")
        ((raw,),) = cursor.fetchall()
    assert_holds_no_notes(raw)
    again = api_post(worker, path, body, "assess-once")
    assert again.json() == first.json()
    assert Assessment.objects.count() == 1
