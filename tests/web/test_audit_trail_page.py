"""Auditors and administrators search and export the audit trail — for example who read or
exported one person's specific data in a time window (what a breach notification needs); no
other role opens it."""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from sejahtera.accounts.access import log_sensitive_read
from sejahtera.accounts.models import AuditEntry, Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def reads(make_user):
    """Two offices read persons 7 and 8; one also exported 7."""
    bogor = make_user(Role.DISTRICT_OFFICE, "3201")
    bandung = make_user(Role.DISTRICT_OFFICE, "3273")
    log_sensitive_read(bogor, "person", [7], "/registry/persons/7/")
    log_sensitive_read(bandung, "person", [8], "/registry/persons/8/")
    log_sensitive_read(bogor, "person_export", [7, 70, 700], "/registry/export.csv")
    return bogor, bandung


@pytest.fixture
def auditor(client, make_user):
    client.force_login(make_user(Role.AUDITOR))
    return client


def _ids(response) -> list[int]:
    return [int(i) for i in re.findall(r'data-entry="(\d+)"', response.content.decode())]


def test_who_read_or_exported_a_person_in_a_window(auditor, reads):
    bogor, _ = reads
    today = timezone.localdate()
    page = auditor.get(
        "/audit/",
        {"entity": "person", "record_id": 7, "since": today - timedelta(days=1), "until": today},
    )
    found = AuditEntry.objects.filter(pk__in=_ids(page))
    assert {(e.user, e.action) for e in found} == {(bogor, "read"), (bogor, "export")}
    assert (
        _ids(
            auditor.get(
                "/audit/", {"entity": "person", "record_id": 7, "until": today - timedelta(days=2)}
            )
        )
        == []
    )


def test_filters_by_user_and_action(auditor, reads):
    _, bandung = reads
    (entry,) = _ids(auditor.get("/audit/", {"username": bandung.username, "action": "read"}))
    assert AuditEntry.objects.get(pk=entry).record_ids == [8]


def test_the_export_holds_the_search_and_is_itself_an_entry(auditor, reads):
    response = auditor.get("/audit/export.csv", {"entity": "person", "record_id": 7})
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [row["action"] for row in rows] == ["export", "read"]
    assert rows[0]["record_ids"] == "7 70 700"
    logged = AuditEntry.objects.get(entity="audit_trail")
    assert (logged.action, logged.path) == (
        "export",
        "/audit/export.csv?entity=person&record_id=7",
    )


def test_older_entries_page_by_page(auditor, make_user):
    office = make_user(Role.DISTRICT_OFFICE, "3201")
    for person in range(60):
        log_sensitive_read(office, "person", [person + 1], "/")
    newest_first = list(AuditEntry.objects.order_by("-id").values_list("id", flat=True))
    first = _ids(auditor.get("/audit/"))
    assert first == newest_first[:50]
    assert _ids(auditor.get("/audit/", {"before": first[-1]})) == newest_first[50:]


@pytest.mark.parametrize("role", [r for r in Role if r not in (Role.AUDITOR, Role.ADMINISTRATOR)])
def test_no_other_role_opens_the_trail(client, make_user, role):
    client.force_login(
        make_user(
            role,
            "3201"
            if role in {Role.DISTRICT_OFFICE, Role.SOCIAL_WORKER, Role.SUPERVISOR}
            else "32"
            if role == Role.PROVINCIAL_OFFICE
            else "3201011002"
            if role == Role.VILLAGE_OPERATOR
            else None,
        )
    )
    assert client.get("/audit/").status_code == 403
    assert client.get("/audit/export.csv").status_code == 403


def test_a_cell_that_would_be_a_formula_is_exported_as_text(auditor, make_user):
    from sejahtera.accounts.models import User

    reader = make_user(Role.DISTRICT_OFFICE, "3201")
    User.objects.filter(pk=reader.pk).update(username='=HYPERLINK("http://x","y")')
    log_sensitive_read(reader, "person", [5], "/registry/persons/5/")
    response = auditor.get("/audit/export.csv", {"record_id": 5})
    (row,) = csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode()))
    assert row["user"].startswith("'=")


@pytest.mark.parametrize(
    ("parameter", "status"),
    [("record_id", 200), ("before", 400)],
)
def test_a_number_too_large_for_the_database_is_no_server_error(auditor, parameter, status):
    huge = {parameter: "99999999999999999999"}
    assert auditor.get("/audit/", huge).status_code == status
    if parameter == "record_id":  # an invalid search finds nothing, in the page and the export
        assert _ids(auditor.get("/audit/", huge)) == []
        assert auditor.get("/audit/export.csv", huge).status_code == 200
