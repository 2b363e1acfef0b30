"""The admin site, the downloads, the uploads and the audit trail from an attacker's side:
who reaches the admin and what it shows and changes outside the permission model
(``accounts.access``) and the audit trail; whether a download leaks, is unlogged or carries a
formula; whether an upload can break the server or escape its folder; and what the audit
trail itself tells its readers."""

from __future__ import annotations

import csv
import io
import urllib.parse
from email.message import Message
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sejahtera.accounts.access import log_sensitive_read
from sejahtera.accounts.models import AuditEntry, Role, SensitiveAccess
from sejahtera.domain.registry_format import HOUSEHOLD_COLUMN_NAMES, PERSON_COLUMN_NAMES
from sejahtera.registry.models import (
    ChangeRecord,
    DuplicateCandidate,
    Household,
    ImportRun,
    Person,
)
from sejahtera.registry.services.records import person_cells, update_person

pytestmark = pytest.mark.django_db
BOGOR_VILLAGE = "3201011002"  # Karadenan, Cibinong, Kabupaten Bogor
BANDUNG_VILLAGE = "3273011001"  # Kota Bandung
CHILD_NAME = "Putri Kecil"
CHILD_NIK = "3201014203150001"  # a girl born on 2 March 2015
MOTHER_NIK = "3201014107850001"
BANDUNG_NAME = "Pak Bandung"


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    """Uploads, reports and evidence of these tests in a folder of their own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def member(name, birth, relationship, sex="P", nik=""):
    cells = {"full_name": name, "sex": sex, "birth_date": birth, "relationship": relationship}
    return cells | ({"nik": nik} if nik else {})


@pytest.fixture
def families(household_factory):
    """A Bogor mother (recorded with HIV) and her daughter of eleven; a Bandung family."""
    bogor = household_factory(
        BOGOR_VILLAGE,
        members=[
            member("Ibu Sari", "1985-07-01", "head", nik=MOTHER_NIK),
            member(CHILD_NAME, "2015-03-02", "child", nik=CHILD_NIK),
        ],
    )
    mother = bogor.members.get(relationship="head")
    bandung = household_factory(
        BANDUNG_VILLAGE,
        members=[member(BANDUNG_NAME, "1970-01-01", "head", sex="L", nik="3273010101700001")],
    )
    return {
        "bogor": bogor,
        "bandung": bandung,
        "mother": mother,
        "child": bogor.members.get(relationship="child"),
    }


def _with_hiv(person: Person, actor) -> ChangeRecord:
    """The person's HIV status recorded by ``actor``: a change record holding it."""
    cells = {**person_cells(person), "hiv": "true"}
    update_person(actor=actor, person=person, cells=cells, expected_version=person.version)
    return ChangeRecord.objects.filter(entity="person", record_id=person.pk).latest("id")


def _csv_rows(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.status_code
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


def _logged_ids(user) -> set[int]:
    return {i for entry in SensitiveAccess.objects.filter(user=user) for i in entry.record_ids}


# -- 1. the admin site -----------------------------------------------------------------------


@pytest.fixture
def admin_client(client, make_user):
    admin = make_user(Role.ADMINISTRATOR, is_staff=True, is_superuser=True)
    client.force_login(admin)
    client.admin = admin
    return client


def test_the_admin_is_closed_to_a_staff_user_who_is_no_administrator(client, make_user, families):
    """/admin/registry/person/: a Bogor village operator whose account was given the staff
    flag and Django's "view person" permission (as a helpdesk might, to let them look a
    record up) must not reach the admin, which knows no region: it would list every person
    in Indonesia (here a Bandung head of household), searchable by name, unmasked and
    unlogged, and without the second factor the administrator role requires."""
    from django.contrib.auth.models import Permission

    operator = make_user(Role.VILLAGE_OPERATOR, BOGOR_VILLAGE, is_staff=True)
    operator.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_person", "view_household"])
    )
    client.force_login(operator)
    response = client.get("/admin/registry/person/", {"q": "Bandung"})
    assert BANDUNG_NAME not in response.content.decode()
    assert response.status_code != 200, "the admin serves a region-scoped role"


@pytest.mark.parametrize(
    "page", ["person", "household", "change_record", "person_list", "duplicate_list"]
)
def test_what_an_administrator_reads_in_the_admin_is_in_the_audit_trail(
    admin_client, make_user, families, page
):
    """/admin/registry/person/<pk>/change/, the household's page with its member inline, the
    person list searched by name and /admin/registry/changerecord/<pk>/change/ show a child's
    name and NIK and (the change record) an adult's HIV status, opened from its seal. Every
    read of specific data is an entry in the audit trail, whichever door it came through."""
    office = make_user(Role.DISTRICT_OFFICE, "3201")
    change = _with_hiv(families["mother"], office)
    child, mother = families["child"], families["mother"]
    DuplicateCandidate.objects.create(person=mother, other=child, reason="same_nik")
    url, shown, subject = {
        "person": (f"/admin/registry/person/{child.pk}/change/", CHILD_NAME, child.pk),
        "household": (
            f"/admin/registry/household/{families['bogor'].pk}/change/",
            CHILD_NIK,
            child.pk,
        ),
        "change_record": (f"/admin/registry/changerecord/{change.pk}/change/", "hiv", mother.pk),
        "person_list": (f"/admin/registry/person/?q={CHILD_NAME}", CHILD_NAME, child.pk),
        "duplicate_list": ("/admin/registry/duplicatecandidate/", CHILD_NAME, child.pk),
    }[page]
    response = admin_client.get(url)
    assert response.status_code == 200
    assert shown in response.content.decode()
    assert subject in _logged_ids(admin_client.admin), "the admin's read is not logged"


def test_the_admin_does_not_edit_registry_records(admin_client, families):
    """POST /admin/registry/person/<pk>/change/ with a new name: every change of a registry
    record has a change record (who, when, old and new value) and a new version, which the
    household page, the person's data copy and the optimistic locking rely on. The admin's
    form would write the model directly; it shows registry records read-only instead."""
    mother = families["mother"]
    history = ChangeRecord.objects.filter(entity="person", record_id=mother.pk).count()
    page = admin_client.get(f"/admin/registry/person/{mother.pk}/change/")
    assert page.status_code == 200
    assert not page.context["has_change_permission"]
    response = admin_client.post(
        f"/admin/registry/person/{mother.pk}/change/",
        {"full_name": "Nama Diganti Admin", "_save": "Save"},
    )
    assert response.status_code == 403
    mother.refresh_from_db()
    assert mother.full_name == "Ibu Sari"
    assert ChangeRecord.objects.filter(entity="person", record_id=mother.pk).count() == history


def test_an_import_run_cannot_be_deleted_from_the_admin(admin_client, families):
    """POST /admin/registry/importrun/<pk>/delete/: an import run is the provenance of the
    records it created (a created record has no change record of its own: its
    ``source_import`` tells who and when). Deleting it from the admin sets that to NULL on
    every record and so erases who created them."""
    run = ImportRun.objects.create(created_by=admin_client.admin, households_file="h.csv")
    Household.objects.filter(pk=families["bogor"].pk).update(source_import=run)
    admin_client.post(f"/admin/registry/importrun/{run.pk}/delete/", {"post": "yes"})
    assert ImportRun.objects.filter(pk=run.pk).exists(), "the import run was deleted"
    assert Household.objects.get(pk=families["bogor"].pk).source_import_id == run.pk


@pytest.mark.parametrize("model", ["auditentry", "sensitiveaccess", "changerecord"])
def test_the_admin_adds_nothing_to_the_trail(admin_client, model):
    """Withstood. /admin/<app>/<model>/add/ of the audit trail and the change history is
    refused (a forged entry would be as bad as a removed one)."""
    app = "registry" if model == "changerecord" else "accounts"
    assert admin_client.get(f"/admin/{app}/{model}/add/").status_code == 403
    before = AuditEntry.objects.count()
    admin_client.post(f"/admin/{app}/{model}/add/", {"entity": "person", "path": "/x"})
    assert AuditEntry.objects.filter(path="/x").count() == 0
    assert AuditEntry.objects.count() >= before


# -- 2. downloads ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        '=HYPERLINK("http://evil.example","x")',
        "+1+cmd|' /C calc'!A0",
        "-1+cmd|' /C calc'!A0",
        "@SUM(1+1)*cmd|' /C calc'!A0",
        "\t=1+1",
    ],
)
def test_the_registry_xlsx_export_neutralises_every_formula_trigger(
    client, make_user, families, name
):
    """Withstood. /registry/export.xlsx (and .csv) of a person whose stored name starts with
    =, +, -, @ or a tab: the cell is text, never a formula."""
    from openpyxl import load_workbook

    Person.objects.filter(pk=families["mother"].pk).update(full_name=name)
    client.force_login(make_user(Role.DISTRICT_OFFICE, "3201"))
    rows = _csv_rows(client.get("/registry/export.csv", {"q": MOTHER_NIK}))
    assert [row["full_name"] for row in rows] == ["'" + name]
    response = client.get("/registry/export.xlsx", {"q": MOTHER_NIK})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    column = header.index("full_name")
    cells = [row[column] for row in sheet.iter_rows(min_row=2)]
    assert [c.data_type for c in cells] == ["s"]
    assert str(cells[0].value).startswith("'")


def _as_a_spreadsheet_reads(body: str) -> list[list[str]]:
    """The rows a spreadsheet makes of a CSV: a carriage return outside quotes ends a row
    (LibreOffice and Excel take CR, LF and CRLF alike), one inside quotes stays in its cell."""
    return list(csv.reader(io.StringIO(body, newline=None)))


def _formulas(rows: list[list[str]]) -> list[str]:
    triggers = ("=", "+", "-", "@")
    return [cell for row in rows for cell in row if cell.startswith(triggers) and cell[1:2]]


def test_a_carriage_return_in_an_imported_name_starts_no_formula_row(client, make_user, families):
    """A Bogor district office imports (POST /imports/) a person named
    "Budi<CR>=cmd|' /C calc'!A0" (a quoted cell of the persons CSV): the row is refused with
    its reason, the good row of the same file is kept. A name stored with a carriage return
    before this check (set here behind the application's back) is exported so that a
    spreadsheet, which ends a row at a bare CR outside quotes, reads no formula row."""
    client.force_login(make_user(Role.DISTRICT_OFFICE, "3201"))
    name = "Budi\r=cmd|' /C calc'!A0"
    households = _upload(
        "households.csv", HOUSEHOLD_COLUMN_NAMES, [_household("H-CR"), _household("H-OK")]
    )
    persons = _upload(
        "persons.csv",
        PERSON_COLUMN_NAMES,
        [_person("P-CR", "H-CR", full_name=name), _person("P-OK", "H-OK")],
    )
    client.post("/imports/", {"households": households, "persons": persons})
    assert not Person.objects.filter(external_id="P-CR").exists()
    assert Person.objects.filter(external_id="P-OK").exists()
    run = ImportRun.objects.latest("pk")
    assert "TEXT_CONTROL_CHARACTER" in Path(run.report_file).read_text()

    Person.objects.filter(pk=families["mother"].pk).update(full_name=name)
    response = client.get("/registry/export.csv", {"q": MOTHER_NIK})
    body = b"".join(response.streaming_content).decode()
    assert _formulas(_as_a_spreadsheet_reads(body)) == []


def test_a_form_field_name_starts_no_formula_row_in_the_audit_export(client, make_user):
    """A village operator POSTs the registration form (/registry/households/new/) with an
    extra field named "x<CR>=cmd|' /C calc'!A0": the audit trail records the names of the
    fields sent, and the auditor's /audit/export.csv writes them unquoted, so the auditor's
    spreadsheet reads a new row starting with the operator's formula."""
    client.force_login(make_user(Role.VILLAGE_OPERATOR, BOGOR_VILLAGE))
    hostile = "x\r=cmd|' /C calc'!A0"
    response = client.post("/registry/households/new/", {hostile: "1"})
    assert response.status_code < 400
    assert any(hostile in entry.fields for entry in AuditEntry.objects.all())
    client.force_login(make_user(Role.AUDITOR))
    export = client.get("/audit/export.csv")
    body = b"".join(export.streaming_content).decode()
    assert _formulas(_as_a_spreadsheet_reads(body)) == []


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_registry_export_stays_in_the_region_and_masks_a_child(
    client, make_user, families, fmt
):
    """Withstood. /registry/export.<fmt>?region=3273 by a Bogor district office finds nothing
    (never Bandung); its own export is logged with the ids it held; a ministry analyst's
    export has the child masked."""
    office = make_user(Role.DISTRICT_OFFICE, "3201")
    client.force_login(office)
    outside = client.get(f"/registry/export.{fmt}", {"region": "3273"})
    body = b"".join(outside.streaming_content) if outside.streaming else outside.content
    if fmt == "csv":
        assert BANDUNG_NAME.encode() not in body
        assert body.count(b"\n") == 1  # the header alone
    own = client.get(f"/registry/export.{fmt}")
    if own.streaming:
        b"".join(own.streaming_content)
    assert {families["mother"].pk, families["child"].pk} <= _logged_ids(office)
    client.force_login(make_user(Role.MINISTRY_ANALYST))
    rows = _csv_rows(client.get("/registry/export.csv"))
    assert CHILD_NAME not in {r["full_name"] for r in rows}
    assert CHILD_NIK not in {r["nik"] for r in rows}


def test_an_evidence_file_name_cannot_add_a_download_parameter(client, world):
    """Withstood. /cases/<pk>/evidence/<event>/: the name the browser sent is the download's
    name; quotes and a second ``filename`` in it stay inside the one parameter."""
    from sejahtera.cases.models import CaseEvent

    worker = world["users"][Role.SOCIAL_WORKER]
    case_pk = world["pk"]["case"]
    client.force_login(worker)
    from sejahtera.cases.models import Case

    case = Case.objects.get(pk=case_pk)
    pdf = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
    response = client.post(
        f"/cases/{case_pk}/",
        {
            "to_stage": "closed",
            "reason": "pindah",
            "version": case.version,
            "evidence_file": SimpleUploadedFile("surat.pdf", pdf),
        },
    )
    assert response.status_code == 302, response.status_code
    event = CaseEvent.objects.exclude(evidence_upload="").get(case_id=case_pk)
    hostile = 'a.pdf"; filename="evil.html'
    CaseEvent.objects.filter(pk=event.pk).update(evidence_file=hostile)
    download = client.get(f"/cases/{case_pk}/evidence/{event.pk}/")
    assert download.status_code == 200
    header = Message()
    header["Content-Disposition"] = download["Content-Disposition"]
    assert header.get_filename() == hostile
    assert [name for name, _ in header.get_params(header="Content-Disposition")] == [
        "attachment",
        "filename",
    ]


# -- 3. uploads --------------------------------------------------------------------------------


def _upload(name: str, columns, rows) -> SimpleUploadedFile:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, restval="")
    writer.writeheader()
    writer.writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode())


def _household(household_id: str, region: str = BOGOR_VILLAGE) -> dict[str, str]:
    return {"household_id": household_id, "region_code": region}


def _person(person_id: str, household_id: str, **cells: str) -> dict[str, str]:
    return {
        "person_id": person_id,
        "household_id": household_id,
        "full_name": f"Warga {person_id}",
        "sex": "L",
        "birth_date": "1980-01-15",
        "relationship": "head",
        **cells,
    }


def test_two_files_of_the_same_name_are_no_server_error(client, make_user):
    """POST /imports/ as a Bogor district office with households and persons both named
    data.csv (as two exports saved in two folders are): the upload is imported or refused
    with a message, never a server error (both are saved as one name, the second with
    O_EXCL)."""
    client.raise_request_exception = False
    client.force_login(make_user(Role.DISTRICT_OFFICE, "3201"))
    households = _upload("data.csv", HOUSEHOLD_COLUMN_NAMES, [_household("H-1")])
    persons = _upload("data.csv", PERSON_COLUMN_NAMES, [_person("P-1", "H-1")])
    response = client.post("/imports/", {"households": households, "persons": persons})
    assert response.status_code in (200, 302), response.status_code


def test_a_hostile_row_is_echoed_as_text_in_the_report_and_on_the_page(client, make_user):
    """Withstood. A rejected row whose id is a formula and whose cells are HTML: the report
    CSV (/imports/<pk>/report.csv) has the id as text, the import page escapes it."""
    client.force_login(make_user(Role.DISTRICT_OFFICE, "3201"))
    formula = '=HYPERLINK("http://evil.example","x")'
    script = "<script>alert(1)</script>"
    households = _upload(
        "households.csv",
        HOUSEHOLD_COLUMN_NAMES,
        [_household(formula, region="0000000000"), _household(script, region=script)],
    )
    client.post("/imports/", {"households": households})
    run = ImportRun.objects.latest("pk")
    assert run.summary["households"]["rejected"] == 2
    report = client.get(f"/imports/{run.pk}/report.csv")
    text = b"".join(report.streaming_content).decode()
    ids = {row["record_id"] for row in csv.DictReader(io.StringIO(text))}
    assert "'" + formula in ids
    assert formula not in ids
    assert all(
        not cell.startswith(("=", "+", "-", "@")) for cell in text.replace("\n", ",").split(",")
    )
    page = client.get(f"/imports/{run.pk}/").content.decode()
    assert script not in page


def test_a_file_name_with_a_path_stays_in_the_upload_folder(client, make_user, private_media):
    """Withstood. An upload named ../../../../etc/households.csv is saved inside the run's
    own folder under media/imports/uploads/."""
    from pathlib import Path

    client.force_login(make_user(Role.DISTRICT_OFFICE, "3201"))
    households = _upload("../../../../etc/households.csv", HOUSEHOLD_COLUMN_NAMES, [])
    client.post("/imports/", {"households": households})
    run = ImportRun.objects.latest("pk")
    stored = Path(run.households_file).resolve()
    assert stored.is_relative_to((private_media / "imports" / "uploads").resolve())


@pytest.mark.parametrize("encoding", ["utf-16", "latin-1"])
def test_a_file_in_another_encoding_fails_its_run_with_a_message(client, make_user, encoding):
    """Withstood. A households CSV in UTF-16 or Latin-1 (Excel's "Unicode text", an old
    export) fails its run with a message; nothing is written."""
    client.force_login(make_user(Role.DISTRICT_OFFICE, "3201"))
    text = ",".join(HOUSEHOLD_COLUMN_NAMES) + "\nH-É," + BOGOR_VILLAGE + "\n"
    upload = SimpleUploadedFile("households.csv", text.encode(encoding))
    response = client.post("/imports/", {"households": upload})
    assert response.status_code in (200, 302)
    run = ImportRun.objects.latest("pk")
    assert run.status == ImportRun.Status.FAILED
    assert run.error
    assert not Household.objects.filter(external_id="H-É").exists()


def test_a_zip_bomb_workbook_is_refused_before_it_is_parsed(client, make_user):
    """Withstood. households.xlsx whose sheet is megabytes of one repeated character
    (compressed hundreds of times) fails its run before openpyxl reads it."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(HOUSEHOLD_COLUMN_NAMES))
    for i in range(300):
        sheet.append([f"H-{i}", BOGOR_VILLAGE, "", "a" * 30_000])
    buffer = io.BytesIO()
    workbook.save(buffer)
    client.force_login(make_user(Role.DISTRICT_OFFICE, "3201"))
    upload = SimpleUploadedFile("households.xlsx", buffer.getvalue())
    client.post("/imports/", {"households": upload}, HTTP_ACCEPT_LANGUAGE="en")
    run = ImportRun.objects.latest("pk")
    assert run.status == ImportRun.Status.FAILED
    assert "compressed" in run.error or "unpacks" in run.error
    assert not Household.objects.exists()


def test_a_parquet_file_that_unpacks_past_the_limit_is_refused(client, make_user, settings):
    """households.parquet of a few kilobytes whose one cell unpacks to 20 MB (a decompression
    bomb, like the XLSX one, through the third format the import takes): refused before it
    is read, as a workbook over SEJAHTERA_XLSX_MAX_UNPACKED_MB (here 1 MB) is."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    settings.SEJAHTERA_XLSX_MAX_UNPACKED_MB = 1
    columns = {name: [""] for name in HOUSEHOLD_COLUMN_NAMES}
    columns |= {"household_id": ["H-BOMB"], "region_code": [BOGOR_VILLAGE]}
    columns["address"] = ["a" * 20 * 2**20]
    buffer = io.BytesIO()
    pq.write_table(pa.table(columns), buffer, compression="zstd")
    assert len(buffer.getvalue()) < 2**20
    client.force_login(make_user(Role.DISTRICT_OFFICE, "3201"))
    upload = SimpleUploadedFile("households.parquet", buffer.getvalue())
    client.post("/imports/", {"households": upload}, HTTP_ACCEPT_LANGUAGE="en")
    run = ImportRun.objects.latest("pk")
    assert run.status == ImportRun.Status.FAILED, "the parquet file was unpacked in full"


# -- 4. the audit trail ------------------------------------------------------------------------


@pytest.mark.parametrize("query", [CHILD_NIK, CHILD_NAME])
def test_the_audit_trail_does_not_tell_an_auditor_a_childs_identity(
    client, make_user, families, query
):
    """/audit/ and /audit/export.csv as an auditor (who sees a child masked on every page and
    is never matched a child by the search), after a Bogor district office exported
    /registry/export.csv?q=<the child's NIK or name>: the export's entry keeps the whole
    address with its query, so the auditor reads the child's NIK or name next to the child's
    record id."""
    office = make_user(Role.DISTRICT_OFFICE, "3201")
    client.force_login(office)
    _csv_rows(client.get("/registry/export.csv", {"q": query}))
    assert families["child"].pk in _logged_ids(office)
    client.force_login(make_user(Role.AUDITOR))
    page = client.get("/audit/")
    assert page.status_code == 200
    assert query not in urllib.parse.unquote_plus(page.content.decode())
    export = b"".join(client.get("/audit/export.csv").streaming_content).decode()
    assert query not in urllib.parse.unquote_plus(export)


def test_an_auditor_with_a_region_reads_only_that_regions_trail(client, make_user):
    """/audit/ as an auditor whose account is scoped to Kabupaten Bogor (3201), which every
    registry page honours for them (``access.region_prefix``): the reads of a Bandung office
    (paths and record ids of Bandung persons) are outside that scope."""
    bandung_office = make_user(Role.DISTRICT_OFFICE, "3273")
    log_sensitive_read(bandung_office, "person", [8], "/registry/households/8/")
    auditor = make_user(Role.AUDITOR, "3201")
    client.force_login(auditor)
    page = client.get("/audit/", {"username": bandung_office.username})
    assert page.status_code == 200
    assert page.context["entries"] == []
    bogor_office = make_user(Role.DISTRICT_OFFICE, "3201")
    log_sensitive_read(bogor_office, "person", [9], "/registry/")
    seen = client.get("/audit/", {"username": bogor_office.username}).context["entries"]
    assert [entry.record_ids for entry in seen] == [[9]]  # Bogor's own office


def test_the_audit_trail_export_is_itself_logged_and_closed_to_offices(client, make_user):
    """Withstood. /audit/export.csv: a district office is refused; an auditor's export is an
    entry of the trail."""
    office = make_user(Role.DISTRICT_OFFICE, "3201")
    client.force_login(office)
    assert client.get("/audit/export.csv").status_code == 403
    assert client.get("/audit/").status_code == 403
    auditor = make_user(Role.AUDITOR)
    client.force_login(auditor)
    _csv_rows(client.get("/audit/export.csv"))
    assert AuditEntry.objects.filter(user=auditor, entity="audit_trail").exists()
