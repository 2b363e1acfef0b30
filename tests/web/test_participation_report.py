"""The participation figures: proposals and objections by region one level below the reader's
scope and by stage, open proposals by days waiting, the objections' lapse rate, complaints'
resolution time by category and handling level; each table as CSV and XLSX; counts of the
reader's region only."""

import csv
import io
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook

from sejahtera.accounts.models import Role
from sejahtera.domain.participation import ComplaintCategory, ProposalKind
from sejahtera.grievances import complaints, objections, proposals
from sejahtera.grievances.proposals import ProposedChange
from sejahtera.grievances.reports import REPORTS
from sejahtera.registry.models import Region
from sejahtera.targeting.models import Decision
from sejahtera.targeting.reviews import request_review
from sejahtera.targeting.services import run_targeting_for_registry

pytestmark = pytest.mark.django_db
BOGOR, BANDUNG = "3201011002", "3273011001"
TODAY = date(2026, 6, 1)


@pytest.fixture
def participation(household_factory, make_user):
    """Two proposals in Bogor (one waiting 20 days), one in Bandung; in Bogor an objection
    lapsed and one confirmed; complaints resolved in 4 days and one overdue; an objection to
    an automated decision waiting for review."""
    for village, days in ((BOGOR, 20), (BOGOR, 2), (BANDUNG, 5)):
        proposals.submit_proposal(
            change=ProposedChange(
                kind=ProposalKind.NEW_HOUSEHOLD,
                village=Region.objects.get(code=village),
                household_cells={"address": "Jl. 1"},
                member_cells=[
                    {
                        "full_name": "A",
                        "sex": "L",
                        "birth_date": "1980-01-01",
                        "relationship": "head",
                    }
                ],
            ),
            proposer_name="Warga",
            submitted_on=TODAY - timedelta(days=days),
        )
    household = household_factory(BOGOR)
    office = make_user(Role.DISTRICT_OFFICE, "3201")
    for days in (30, 3):
        objection = objections.file_objection(
            household=household,
            objector_name="Tetangga",
            objector_village=household.village,
            reason="mampu",
            filed_on=TODAY - timedelta(days=days),
        )
    objections.verify_objection(
        actor=office, objection=objection, confirmed=True, note="terbukti", today=TODAY
    )
    objections.lapse_overdue(TODAY)
    for days in (10, 20):
        complaint = complaints.file_complaint(
            category=ComplaintCategory.AID_NOT_RECEIVED,
            region=Region.objects.get(code=BOGOR),
            description="belum diterima",
            complainant_name="Warga",
            received_on=TODAY - timedelta(days=days),
        )
    complaints.resolve(office, complaint, outcome="dicairkan", today=TODAY - timedelta(days=16))
    decided = run_targeting_for_registry(TODAY).pk
    request_review(
        actor=make_user(Role.VILLAGE_OPERATOR, BOGOR),
        decision=Decision.objects.get(run=decided, household=household, programme="PKH"),
        requester_name="Siti Aminah",
        requester_nik="",
        grounds="anak sekolah",
    )
    return office


def test_the_figures_count_the_readers_region_one_level_down(participation, make_user):
    province = make_user(Role.PROVINCIAL_OFFICE, "32")
    by_region = REPORTS["proposals"](province, TODAY).dicts()
    assert [(r["region_code"], r["submitted"], r["total"]) for r in by_region] == [
        ("3201", 2, 2),
        ("3273", 1, 1),
    ]
    assert [r["region_code"] for r in REPORTS["proposals"](participation, TODAY).dicts()] == [
        "320101"
    ]
    ageing = {r["stage"]: r for r in REPORTS["ageing"](participation, TODAY).dicts()}
    assert (ageing["submitted"]["0-7"], ageing["submitted"]["15-30"]) == (1, 1)
    (bogor,) = REPORTS["objections"](participation, TODAY).dicts()
    assert (bogor["lapsed"], bogor["confirmed"], bogor["lapse_rate"]) == (1, 1, 0.5)
    (aid,) = REPORTS["complaints"](participation, TODAY).dicts()
    assert (aid["received"], aid["resolved"], aid["overdue"], aid["median_days_to_resolve"]) == (
        2,
        1,
        0,
        4,
    )


def test_the_page_and_its_exports(client, participation):
    client.force_login(participation)
    page = client.get("/participation/report/")
    assert page.status_code == 200
    for name in REPORTS:
        assert f'id="report-{name}"' in page.content.decode()
    rows = list(
        csv.reader(
            io.StringIO(
                b"".join(
                    client.get("/participation/report/objections.csv").streaming_content
                ).decode()
            )
        )
    )
    assert rows[0][:2] == ["region_code", "region"]
    workbook = load_workbook(
        io.BytesIO(client.get("/participation/report/complaints.xlsx").content)
    )
    assert workbook.active.cell(2, 1).value == "aid_not_received"
    assert client.get("/participation/report/nothing.csv").status_code == 404


@pytest.mark.parametrize(
    ("role", "region", "status"),
    [
        (Role.VILLAGE_OPERATOR, BOGOR, 200),
        (Role.REGENT, "3201", 200),
        (Role.MINISTRY_ANALYST, None, 200),
        (Role.AUDITOR, None, 200),
        (Role.SOCIAL_WORKER, "3201", 403),
        (Role.PARTNER_AGENCY, None, 403),
        (Role.PROGRAMME_MANAGER, None, 403),
    ],
)
def test_who_reads_the_figures(client, make_user, role, region, status):
    client.force_login(make_user(role, region))
    assert client.get("/participation/report/").status_code == status
    assert client.get("/participation/report/proposals.csv").status_code == status


def test_complaints_about_staff_are_not_even_counted_below_the_supervising_level(make_user):
    complaints.file_complaint(
        category=ComplaintCategory.STAFF_MISCONDUCT,
        region=Region.objects.get(code=BOGOR),
        description="meminta uang",
        complainant_name="Warga",
        received_on=TODAY,
    )
    operator = make_user(Role.VILLAGE_OPERATOR, BOGOR)
    province = make_user(Role.PROVINCIAL_OFFICE, "32")
    assert REPORTS["complaints"](operator, TODAY).rows == []
    assert [r["category"] for r in REPORTS["complaints"](province, TODAY).dicts()] == [
        "staff_misconduct"
    ]
