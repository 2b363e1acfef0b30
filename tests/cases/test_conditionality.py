"""PKH conditionality: school attendance and health visits recorded month by month by the
social worker or imported from a list, repeated non-compliance shown on the case page and
cited — by its records — by a paksa graduation or a suspension of PKH."""

from __future__ import annotations

import csv
from datetime import date

import pytest
from click.testing import CliRunner
from django.core.exceptions import PermissionDenied

from sejahtera.cases import services
from sejahtera.cases.conditionality import import_months
from sejahtera.cases.models import Case, ConditionalityRecord
from sejahtera.cli import main
from sejahtera.domain.cases import GraduationType, Stage

from .conftest import TODAY

pytestmark = pytest.mark.django_db


def codes(refused):
    return [f.code for f in refused.value.findings]


@pytest.fixture
def pupil(case):
    return case.household.members.get(full_name="Budi")  # born 2015: of school age


def _months(case, worker, pupil, attendance):
    for month, value in zip((10, 11, 12), attendance, strict=True):
        services.record_conditionality(
            actor=worker,
            case=case,
            person=pupil,
            obligation="school",
            month=date(2025, month, 1),
            value=value,
        )


def test_a_month_is_recorded_checked_and_corrected(case, worker, pupil, make_user):
    _months(case, worker, pupil, (90, 70, 60))
    assert ConditionalityRecord.objects.count() == 3
    services.record_conditionality(
        actor=worker,
        case=case,
        person=pupil,
        obligation="school",
        month=date(2025, 12, 20),
        value=95,
    )  # December again: corrected, not a second row
    assert ConditionalityRecord.objects.get(month=date(2025, 12, 1)).value == 95
    assert case.events.filter(kind="pkh_condition").count() == 4
    with pytest.raises(services.TransitionRefused) as refused:
        services.record_conditionality(
            actor=worker, case=case, person=pupil, obligation="school", month=TODAY, value=140
        )
    assert codes(refused) == ["PKH_VALUE_INVALID"]
    stranger = make_user("social_worker", "3201")
    with pytest.raises(PermissionDenied):
        services.record_conditionality(
            actor=stranger, case=case, person=pupil, obligation="school", month=TODAY, value=90
        )


def test_repeated_non_compliance_shows_and_a_paksa_graduation_cites_it(client, case, worker, pupil):
    Case.objects.filter(pk=case.pk).update(stage=Stage.PROTECTION)
    case.refresh_from_db()
    with pytest.raises(services.TransitionRefused) as refused:
        services.propose_graduation(
            actor=worker, case=case, type=GraduationType.PAKSA, cite_noncompliance=True, today=TODAY
        )
    assert codes(refused) == ["CASE_NO_REPEATED_NONCOMPLIANCE"]
    _months(case, worker, pupil, (70, 60, 50))
    client.force_login(worker)
    page = client.get(f"/cases/{case.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert page.count('data-met="no"') >= 3
    assert (
        "Budi: school attendance below the PKH threshold in 3 consecutive months "
        "(2025-10 to 2025-12)" in page
    )
    request = services.propose_graduation(
        actor=worker, case=case, type=GraduationType.PAKSA, cite_noncompliance=True, today=TODAY
    )
    assert "3 consecutive months" in request.evidence
    facts = case.events.get(kind="grad_proposed").facts
    assert facts["noncompliance"] == [
        {
            "person": pupil.pk,
            "obligation": "school",
            "months": ["2025-10-01", "2025-11-01", "2025-12-01"],
        }
    ]


def test_a_pkh_suspension_cites_the_records(api_post, case, worker, pupil):
    Case.objects.filter(pk=case.pk).update(stage=Stage.PROTECTION)
    _months(case, worker, pupil, (80, 80, 80))
    base = f"/api/v1/cases/{case.pk}/enrolment-requests"
    body = {"programme": "PKH", "action": "suspend", "cite_noncompliance": True}
    answer = api_post(worker, base, body, "s-1")
    assert answer.status_code == 201, answer.content
    assert "tingkat kehadiran sekolah" in case.enrolment_requests.get().reason
    wrong = {"programme": "SEMBAKO", "action": "suspend", "cite_noncompliance": True}
    refused = api_post(worker, base, wrong, "s-2")
    assert {e["code"] for e in refused.json()["errors"]} == {"CASE_NONCOMPLIANCE_NOT_PKH"}


def _list(path, rows):
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(("nik", "month", "obligation", "value"))
        writer.writerows(rows)
    return path


def test_a_list_is_imported_row_by_row_within_the_offices_region(
    tmp_path, case, make_user, household_factory
):
    office = make_user("district_office", "320101")
    elsewhere = household_factory(
        "3273011001",
        members=[
            {
                "full_name": "Tono",
                "sex": "L",
                "birth_date": "2014-02-02",
                "relationship": "head",
                "nik": "3273010202140001",
            }
        ],
    )
    assert elsewhere.pk
    path = _list(
        tmp_path / "sekolah.csv",
        [
            ("3201014508900001", "2026-01", "health", "1"),
            ("3201014508900001", "2026-13", "school", "90"),
            ("3273010202140001", "2026-01", "school", "90"),  # another regency's pupil
            ("3201014508900001", "2026-02", "school", "110"),
        ],
    )
    report = import_months(actor=office, path=path)
    assert report.saved == 1
    assert [(line, f.column, f.code) for line, f in report.rejected] == [
        (3, "month", "PKH_MONTH_INVALID"),
        (4, "nik", "PKH_PERSON_UNKNOWN"),
        (5, "value", "PKH_VALUE_INVALID"),
    ]
    saved = ConditionalityRecord.objects.get()
    assert (saved.source, saved.value, saved.month) == ("import", 1, date(2026, 1, 1))
    # the same list again changes nothing
    assert import_months(actor=office, path=path).saved == 1
    assert ConditionalityRecord.objects.count() == 1
    result = CliRunner().invoke(
        main, ["conditionality", "import", str(path), "--as-user", office.username]
    )
    assert result.exit_code == 1
    assert "line 4, nik: PKH_PERSON_UNKNOWN" in result.output
    assert "1 months saved, 3 problems" in result.output
