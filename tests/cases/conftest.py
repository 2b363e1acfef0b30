"""A family with a case, a social worker under a supervisor, in Kabupaten Bogor."""

from __future__ import annotations

from datetime import date

import pytest

BOGOR = "3201"
BOGOR_VILLAGE = "3201011002"
TODAY = date(2026, 3, 2)


@pytest.fixture
def worker(make_user):
    return make_user("social_worker", BOGOR)


@pytest.fixture
def supervisor(make_user):
    return make_user("supervisor", BOGOR)


@pytest.fixture
def family(household_factory):
    return household_factory(
        BOGOR_VILLAGE,
        members=[
            {
                "full_name": "Siti Aminah",
                "sex": "P",
                "birth_date": "1990-08-05",
                "relationship": "head",
                "nik": "3201014508900001",
            },
            {"full_name": "Budi", "sex": "L", "birth_date": "2015-01-01", "relationship": "child"},
        ],
    )


@pytest.fixture
def case(family, worker, supervisor):
    from sejahtera.cases import services

    return services.open_case(
        actor=worker, household=family, social_worker=worker, supervisor=supervisor, today=TODAY
    )


@pytest.fixture
def move(worker):
    """move(case, stage, actor=worker, reason='…') with the case's current version."""
    from sejahtera.cases import services

    def run(case, stage, actor=None, reason="", **extra):
        case.refresh_from_db()
        return services.move_case(
            case=case,
            to_stage=stage,
            actor=actor or worker,
            reason=reason,
            expected_version=case.version,
            today=extra.pop("today", TODAY),
            **extra,
        )

    return run


@pytest.fixture
def assess(worker):
    from sejahtera.cases import services

    def run(case, clusters=()):
        head = case.household.members.get(relationship="head")
        return services.record_assessment(
            actor=worker,
            case=case,
            members=[services.MemberAssessment(head, tuple(clusters), {"work": "sells snacks"})],
            today=TODAY,
        )

    return run


@pytest.fixture
def on_track(worker):
    """Put a case on an empowerment track (an empowerment plan that chooses it)."""
    from sejahtera.cases import services

    def run(case, track="business"):
        return services.write_plan(
            actor=worker,
            case=case,
            kind="empowerment",
            track=track,
            goals="earn above the minimum wage",
            today=TODAY,
        )

    return run
