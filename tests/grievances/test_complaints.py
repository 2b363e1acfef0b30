"""Complaints (pengaduan): routed to the regency's office (misconduct to the province), read
and resolved only there, never by the staff member named; escalated a level up by the daily
command alone once the deadline passes, with the clock injected; the outcome is kept for the
complainant."""

from datetime import date

import pytest
from click.testing import CliRunner
from django.core.exceptions import PermissionDenied

from sejahtera.accounts.models import AuditEntry, Role
from sejahtera.cli import main
from sejahtera.domain import participation
from sejahtera.domain.findings import StepRefused
from sejahtera.domain.participation import ComplaintCategory, Level
from sejahtera.grievances import complaints
from sejahtera.grievances.models import Complaint
from sejahtera.registry.models import Region

from ..migrating import migrate, migrate_every_app_to_its_latest

pytestmark = pytest.mark.django_db
VILLAGE = "3201011002"
RECEIVED = date(2026, 3, 2)


def complain(category=ComplaintCategory.AID_NOT_RECEIVED, **extra) -> Complaint:
    return complaints.file_complaint(
        category=category,
        region=Region.objects.get(code=VILLAGE),
        description="Bantuan bulan Februari belum diterima",
        complainant_name="Warga Karadenan",
        complainant_nik="3201016007850002",
        received_on=RECEIVED,
        **extra,
    )


@pytest.fixture
def offices(make_user):
    return {
        "regency": make_user(Role.DISTRICT_OFFICE, "3201"),
        "other_regency": make_user(Role.DISTRICT_OFFICE, "3204"),
        "province": make_user(Role.PROVINCIAL_OFFICE, "32"),
        "ministry": make_user(Role.MINISTRY_ANALYST),
        "auditor": make_user(Role.AUDITOR),
        "administrator": make_user(Role.ADMINISTRATOR),
        "worker": make_user(Role.SOCIAL_WORKER, "3201"),
    }


def readers(offices, complaint) -> set[str]:
    return {
        name
        for name, user in offices.items()
        if complaints.visible_complaints(user).filter(pk=complaint.pk).exists()
    }


def test_a_complaint_goes_to_the_regency_with_a_deadline_and_a_tracking_number(offices):
    complaint = complain()
    assert participation.parse_tracking_number(complaint.tracking_number) == (
        "complaint",
        2026,
        complaint.pk,
    )
    assert (complaint.level, complaint.office_region_code, complaint.due_on) == (
        Level.REGENCY,
        "3201",
        date(2026, 3, 16),
    )
    assert readers(offices, complaint) == {"regency", "auditor", "administrator"}


def test_misconduct_goes_above_the_office_and_never_to_the_staff_named(offices):
    about_regency = complain(ComplaintCategory.STAFF_MISCONDUCT, named_staff=offices["regency"])
    assert (about_regency.level, about_regency.office_region_code) == (Level.PROVINCE, "32")
    # administrators never read these; the regency's own office neither
    assert readers(offices, about_regency) == {"province", "auditor"}
    unnamed = complain(ComplaintCategory.STAFF_MISCONDUCT)
    assert readers(offices, unnamed) == {"province", "auditor"}


def test_a_complaint_about_a_whole_province_is_read_by_its_province_office(offices):
    complaint = complaints.file_complaint(
        category=ComplaintCategory.AID_NOT_RECEIVED,
        region=Region.objects.get(code="32"),
        description="Bantuan di provinsi ini terlambat",
        complainant_name="Warga",
        received_on=RECEIVED,
    )
    assert (complaint.level, complaint.office_region_code) == (Level.PROVINCE, "32")
    assert readers(offices, complaint) == {"province", "auditor", "administrator"}
    assert complaints.may_resolve(offices["province"], complaint)


@pytest.mark.django_db(transaction=True)
def test_the_migration_sends_complaints_left_at_a_regency_office_32_to_the_province():
    stuck = complain()
    Complaint.objects.filter(pk=stuck.pk).update(level=Level.REGENCY, office_region_code="32")
    regency = complain()
    migrate([("grievances", "0006_proposal_member_cells_sealed")])
    try:
        migrate([("grievances", "0007_province_complaints_to_the_province")])
    finally:
        migrate_every_app_to_its_latest()
    stuck.refresh_from_db()
    regency.refresh_from_db()
    assert (stuck.level, stuck.office_region_code) == (Level.PROVINCE, "32")
    assert (regency.level, regency.office_region_code) == (Level.REGENCY, "3201")


def test_only_the_handling_office_resolves_and_it_says_the_outcome(offices):
    complaint = complain()
    for name in ("other_regency", "province", "ministry", "auditor", "worker"):
        with pytest.raises(PermissionDenied):
            complaints.resolve(offices[name], complaint, outcome="selesai", today=RECEIVED)
    with pytest.raises(StepRefused) as refused:
        complaints.resolve(offices["regency"], complaint, outcome=" ", today=RECEIVED)
    assert [f.code for f in refused.value.findings] == [participation.OUTCOME_MISSING]
    done = complaints.resolve(
        offices["regency"], complaint, outcome="Dana dicairkan 5 Maret", today=RECEIVED
    )
    assert (done.status, done.outcome, done.resolved_by) == (
        "resolved",
        "Dana dicairkan 5 Maret",
        offices["regency"],
    )
    with pytest.raises(StepRefused):
        complaints.resolve(offices["regency"], complaint, outcome="lagi", today=RECEIVED)


def test_staff_take_complaints_in_for_their_own_region_only(make_user):
    with pytest.raises(PermissionDenied):
        complain(received_by=make_user(Role.VILLAGE_OPERATOR, "3201011003"))
    taken = complain(received_by=make_user(Role.VILLAGE_OPERATOR, VILLAGE))
    assert taken.channel == "office"


def test_a_complaint_without_a_description_is_refused_saying_which_field():
    with pytest.raises(StepRefused) as refused:
        complaints.file_complaint(
            category=ComplaintCategory.OTHER,
            region=Region.objects.get(code=VILLAGE),
            description="  ",
            complainant_name="Warga",
            received_on=RECEIVED,
        )
    assert [f.column for f in refused.value.findings] == ["description"]
    assert not Complaint.objects.exists()


def test_a_late_complaint_climbs_one_level_a_time_by_the_command_alone(offices):
    complaint = complain()
    assert complaints.escalate_overdue(date(2026, 3, 16)) == []  # due that day: still in time
    assert [c.pk for c in complaints.escalate_overdue(date(2026, 3, 17))] == [complaint.pk]
    complaint.refresh_from_db()
    assert (complaint.level, complaint.office_region_code, complaint.escalations) == (
        Level.PROVINCE,
        "32",
        1,
    )
    assert readers(offices, complaint) == {"province", "auditor", "administrator"}
    assert complaints.escalate_overdue(date(2026, 3, 18)) == []  # a new deadline at the province
    complaints.escalate_overdue(date(2026, 4, 1))
    complaints.escalate_overdue(date(2026, 6, 1))  # at the ministry it stays, overdue
    complaint.refresh_from_db()
    assert complaint.level == Level.MINISTRY
    assert [(e.from_level, e.to_level) for e in complaint.history.all()] == [
        ("regency", "province"),
        ("province", "ministry"),
    ]
    assert AuditEntry.objects.filter(entity="complaint_escalated").count() == 2


def test_a_resolved_complaint_never_escalates():
    complaint = complain()
    Complaint.objects.filter(pk=complaint.pk).update(status="resolved")
    assert complaints.escalate_overdue(date(2026, 5, 1)) == []


def test_the_daily_command_escalates_and_says_how_many():
    Complaint.objects.filter(pk=complain().pk).update(due_on=date(2020, 1, 1))
    result = CliRunner().invoke(main, ["complaints", "escalate"])
    assert result.exit_code == 0, result.output
    assert "1 complaints escalated" in result.output


def test_a_complaint_about_a_provincial_or_ministry_officer_goes_to_the_ministry(offices):
    about_province = complain(ComplaintCategory.STAFF_MISCONDUCT, named_staff=offices["province"])
    assert (about_province.level, about_province.office_region_code) == (Level.MINISTRY, "")
    assert readers(offices, about_province) == {"ministry", "auditor"}
    about_ministry = complain(ComplaintCategory.STAFF_MISCONDUCT, named_staff=offices["ministry"])
    assert readers(offices, about_ministry) == {"auditor"}  # the one named never reads it


def test_an_office_finds_its_waiting_complaints_with_the_nearest_deadline(offices, client):
    """The office's dashboard opens on what waits for it: the complaint routed to it, with its
    deadline, linked to the list; not the neighbouring regency's, nor an analyst's."""
    from sejahtera.grievances.selectors import waiting_for

    complaint = complain()
    [queue] = [q for q in waiting_for(offices["regency"]) if q.kind == "complaints"]
    assert (queue.count, queue.due) == (1, complaint.due_on)
    assert not [q for q in waiting_for(offices["other_regency"]) if q.kind == "complaints"]
    assert waiting_for(offices["ministry"]) == []

    client.force_login(offices["regency"])
    page = client.get("/dashboard/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-queue="complaints"' in page
    assert 'href="/complaints/"' in page
    complaints.resolve(offices["regency"], complaint, outcome="paid", today=RECEIVED)
    assert not [q for q in waiting_for(offices["regency"]) if q.kind == "complaints"]
