"""What a social worker writes of a member's health, disability or risks is sealed at rest
(issue #15, decision 0020): the raw table holds none of it."""

import pytest
from django.db import connection

from sejahtera.cases import services
from sejahtera.cases.models import Assessment
from sejahtera.registry.sealing import is_sealed

from .conftest import TODAY

pytestmark = pytest.mark.django_db
NOTES = {"health": "Positif HIV sejak 2019, minum ARV", "risks": "Pernah memakai sabu"}


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
    assert "HIV" not in raw
    assert "sabu" not in raw
    assert is_sealed(raw.strip('"'))
    assert Assessment.objects.get().conditions == NOTES
