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
from sejahtera.registry.models import Person

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
            today=TODAY,
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
        today=TODAY,
    )  # December again: corrected, not a second row
    assert ConditionalityRecord.objects.get(month=date(2025, 12, 1)).value == 95
    assert case.events.filter(kind="pkh_condition").count() == 4
    with pytest.raises(services.TransitionRefused) as refused:
        services.record_conditionality(
            actor=worker,
            case=case,
            person=pupil,
            obligation="school",
            month=TODAY,
            value=140,
            today=TODAY,
        )
    assert codes(refused) == ["PKH_VALUE_INVALID"]
    stranger = make_user("social_worker", "3201")
    with pytest.raises(PermissionDenied):
        services.record_conditionality(
            actor=stranger,
            case=case,
            person=pupil,
            obligation="school",
            month=TODAY,
            value=90,
            today=TODAY,
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


def test_a_pkh_suspension_cites_the_records(api_post, case, worker, pupil, enrol):
    Case.objects.filter(pk=case.pk).update(stage=Stage.PROTECTION)
    enrol(case.household, "PKH")  # a suspension is of what the family receives
    enrol(case.household, "SEMBAKO")
    today = date.today()  # the API's day: the months cited are recent ones
    for back in (3, 2, 1):
        index = today.year * 12 + today.month - 1 - back
        services.record_conditionality(
            actor=worker,
            case=case,
            person=pupil,
            obligation="school",
            month=date(index // 12, index % 12 + 1, 1),
            value=80,
            today=today,
        )
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
    _pregnant(Person.objects.filter(nik="3201014508900001"))  # health visits bind her
    report = import_months(actor=office, path=path, today=TODAY)
    assert report.saved == 1
    assert [(line, f.column, f.code) for line, f in report.rejected] == [
        (3, "month", "PKH_MONTH_INVALID"),
        (4, "nik", "PKH_PERSON_UNKNOWN"),
        (5, "value", "PKH_VALUE_INVALID"),
        (5, "obligation", "PKH_OBLIGATION_NOT_APPLICABLE"),  # she is no pupil
    ]
    saved = ConditionalityRecord.objects.get()
    assert (saved.source, saved.value, saved.month) == ("import", 1, date(2026, 1, 1))
    # on the family's case timeline, as a month the social worker records
    [event] = case.events.filter(kind="pkh_condition")
    assert (event.actor, event.facts["source"], event.facts["met"]) == (office, "import", True)
    # the same list again changes nothing
    assert import_months(actor=office, path=path, today=TODAY).saved == 1
    assert ConditionalityRecord.objects.count() == 1
    assert case.events.filter(kind="pkh_condition").count() == 1
    result = CliRunner().invoke(
        main, ["conditionality", "import", str(path), "--as-user", office.username]
    )
    assert result.exit_code == 1
    assert "line 4, nik: PKH_PERSON_UNKNOWN" in result.output
    assert "1 months saved, 4 problems" in result.output
    operator = make_user("village_operator", "3201011002")
    refused = CliRunner().invoke(
        main, ["conditionality", "import", str(path), "--as-user", operator.username]
    )
    assert refused.exit_code == 2
    assert "may not import" in refused.output


def _record(case, worker, person, obligation, month, value=0):
    return services.record_conditionality(
        actor=worker,
        case=case,
        person=person,
        obligation=obligation,
        month=month,
        value=value,
        today=TODAY,
    )


def test_a_month_to_come_or_an_obligation_that_does_not_bind_is_refused(case, worker, pupil):
    with pytest.raises(services.TransitionRefused) as refused:
        _record(case, worker, pupil, "school", date(2026, 4, 1))
    assert codes(refused) == ["PKH_MONTH_FUTURE"]
    head = case.household.members.get(relationship="head")  # 35, not pregnant
    for obligation in ("school", "health"):
        with pytest.raises(services.TransitionRefused) as refused:
            _record(case, worker, head, obligation, date(2026, 1, 1))
        assert codes(refused) == ["PKH_OBLIGATION_NOT_APPLICABLE"]
    Case.objects.filter(pk=case.pk).update(stage=Stage.CLOSED)
    case.refresh_from_db()
    with pytest.raises(services.TransitionRefused) as refused:
        _record(case, worker, pupil, "school", date(2026, 1, 1), 90)
    assert codes(refused) == ["CASE_RECORD_NOT_IN_STAGE"]
    assert not ConditionalityRecord.objects.exists()


def test_only_recent_non_compliance_is_cited_and_only_for_paksa(case, worker, pupil):
    Case.objects.filter(pk=case.pk).update(stage=Stage.PROTECTION)
    case.refresh_from_db()
    for month in (1, 2, 3):  # long mended: a year and more ago
        _record(case, worker, pupil, "school", date(2024, month, 1), 40)
    with pytest.raises(services.TransitionRefused) as refused:
        services.propose_graduation(
            actor=worker, case=case, type=GraduationType.PAKSA, cite_noncompliance=True, today=TODAY
        )
    assert codes(refused) == ["CASE_NO_REPEATED_NONCOMPLIANCE"]
    _months(case, worker, pupil, (40, 40, 40))
    with pytest.raises(services.TransitionRefused) as refused:
        services.propose_graduation(
            actor=worker,
            case=case,
            type=GraduationType.MANDIRI,
            signed_statement=True,
            cite_noncompliance=True,
            today=TODAY,
        )
    assert codes(refused) == ["CASE_CITATION_ONLY_FOR_PAKSA"]


def test_an_import_refuses_an_ambiguous_nik_a_stray_digit_and_a_social_worker(
    tmp_path, case, worker, make_user, household_factory
):
    office = make_user("district_office", "320101")
    twin = household_factory(
        "3201011002",
        members=[
            {"full_name": "Kembar", "sex": "P", "birth_date": "1990-08-05", "relationship": "head"}
        ],
    )
    Person.objects.filter(household=twin).update(nik="3201014508900001")
    _pregnant(Person.objects.filter(household=twin))
    path = _list(
        tmp_path / "list.csv",
        [
            ("3201014508900001", "2026-01", "health", "1"),
            ("3201014508900001", "2026-01", "health", "²"),
        ],
    )
    report = import_months(actor=office, path=path, today=TODAY)
    assert [(line, f.code) for line, f in report.rejected] == [
        (2, "PKH_NIK_AMBIGUOUS"),
        (3, "PKH_NIK_AMBIGUOUS"),
        (3, "PKH_VALUE_INVALID"),
    ]
    with pytest.raises(PermissionDenied):
        import_months(actor=worker, path=path, today=TODAY)
    assert not ConditionalityRecord.objects.exists()


def _pregnant(persons):
    for person in persons:
        person.pregnant = True
        person.save(update_fields=["specific_data"])
