"""Access matrix of the web app's pages (``web/urls.py`` and the login pages).

Every page is asked for (GET) by a user of every role of ``Role``, with records that exist
and lie in the user's region, so that only the role decides the answer. The users: offices
of the region of the world's household (village 3201011002, regency 3201, province 32), the
social worker and the supervisor who carry the world's case, the national roles without a
region, and a partner agency with its organisation.

- The roles of a page's access set get the page. The access set is built from the role sets
  of ``accounts.access`` that the view, and the selectors and services it calls, require. The
  answer is 200 (``PAGE``), a 302 (``REDIRECT``), or a 200 with a file name (``DOWNLOAD``). A
  redirect must lead to a page of the matrix that the role may open.
- Every other role gets 403, never 404 or 500, and the refusal is a ``denied`` entry of the
  audit trail for that user.
- A page that only takes a POST answers a GET with 405, for every role (``post_only``). Its
  POST is tested by the file named beside it.
- A record another office handles answers 404 to a role of the access set (``outside``). Such a
  record is not that role's, and the page does not reveal that it exists.

Some records are not in the ``world`` fixture of ``tests/web/conftest.py``: a graduated case
with its letter and an evidence file, a proposal and an objection with photos, a deliberation
with its minutes, an import by a district's office, a possible duplicate, and a decree with its
cycle, batch and delivery job. The fixtures below make them with the project's services. A
delivery job is read only by the decree maker who started it, so each decree maker asks for
its own job.

Two-step verification is off, as in every web test (``test_settings``). The matrix tests
access, not the second factor, which ``tests/web/test_two_factor.py`` covers.

A role outside a page's access set is refused (403), never told the record is missing (404):
the detail pages of proposals, objections, corrections and complaints check the role before
looking the record up.

The matrix lists the pages itself, so a last test checks that the matrix and
``NOT_IN_MATRIX`` together name every URL pattern of the web app exactly once.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import get_resolver, resolve
from tests.web.conftest import page_patterns

from sejahtera.accounts import access
from sejahtera.accounts.models import AuditEntry, Role, User

pytestmark = pytest.mark.django_db
TODAY = date(2026, 3, 2)
VILLAGE, REGENCY, PROVINCE = "3201011002", "3201", "32"
CIBINONG = "320101"  # a district of the regency
PARTNER = "Kementerian UMKM"
# The region of each regional role: the world's household's village, regency or province.
REGIONS = {
    Role.VILLAGE_OPERATOR: VILLAGE,
    Role.DISTRICT_OFFICE: REGENCY,
    Role.REGENT: REGENCY,
    Role.PROVINCIAL_OFFICE: PROVINCE,
    Role.SOCIAL_WORKER: REGENCY,
    Role.SUPERVISOR: REGENCY,
}
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0 jpeg"

EVERYONE = frozenset(Role.values)
NOBODY: frozenset[str] = frozenset()
PAGE, REDIRECT, DOWNLOAD = "page", "redirect", "download"
SUCCESS = {PAGE: 200, REDIRECT: 302, DOWNLOAD: 200}


@dataclass(frozen=True)
class Page:
    # placeholders: the world's records ({household}, {person}, {case}, {run}, {token},
    # {proposal}, {deliberation}, {objection}, {complaint}, {correction}, {decision},
    # {decision_review}) and this file's (see ``records``)
    path: str
    allowed: frozenset[str]
    answer: str = PAGE  # what an allowed role gets
    refused: int = 403  # what every other role gets
    # roles of ``allowed`` that find the world's record to be another office's (404)
    outside: frozenset[str] = frozenset()
    # a POST-only page: the roles that may post to it (None: the user's own record, tested
    # where ``covered_by`` says)
    posters: frozenset[str] | None = None

    def expected(self, role: str) -> int:
        if role in self.outside:
            return 404
        return SUCCESS[self.answer] if role in self.allowed else self.refused


def post_only(path: str, covered_by: str, posters: frozenset[str] | None = None) -> Page:
    """A page that only takes a POST: a GET is 405 to every role. ``covered_by`` names the
    test file that covers its POST; ``posters``, the roles that may post (every other role is
    refused, 403)."""
    assert covered_by.startswith("tests/")
    return Page(path, NOBODY, refused=405, posters=posters)


# -- the pages ---------------------------------------------------------------------------------

# url name → the path, who may GET it and what they get. Each access set is built from the
# role sets of ``accounts.access`` that the view and its selectors and services require.
PAGES: dict[str, Page] = {
    # every signed-in role has a home to land on (``home.ROLE_HOMES``)
    "home": Page("/", EVERYONE, REDIRECT),
    "health-live": Page("/healthz", EVERYONE),
    "health-ready": Page("/readyz", EVERYONE),
    # where a user without a home lands: "you have no access", 403 to everyone
    "no-access": Page("/no-access/", NOBODY),
    "login": Page("/login/", EVERYONE),
    "logout": post_only("/logout/", "tests/browser/test_two_factor.py"),
    # the public services (no sign-in needed)
    "public": Page("/layanan/", EVERYONE),
    "public-status": Page("/layanan/cek-bansos/", EVERYONE),
    "public-propose": Page("/layanan/usul/", EVERYONE),
    "public-complain": Page("/layanan/pengaduan/", EVERYONE),
    "public-track": Page("/layanan/lacak/", EVERYONE),
    "public-correct": Page("/layanan/koreksi/", EVERYONE),
    "public-object": Page("/layanan/keberatan/", EVERYONE),
    "public-regions": Page("/layanan/wilayah/?parent=32", EVERYONE),
    "provinces-geojson": Page("/dashboard/provinces.geojson", EVERYONE),
    # the user's own account
    "api-tokens": Page("/account/api-tokens/", EVERYONE),
    "api-token-revoke": post_only(
        "/account/api-tokens/{token}/revoke/", "tests/web/test_account.py"
    ),
    "notifications": Page("/account/notifications/", EVERYONE),
    "notifications-read": post_only(
        "/account/notifications/read/", "tests/accounts/test_auth_attacks.py"
    ),
    "two-factor-setup": Page("/account/two-factor/", EVERYONE),
    # without an authenticator yet: on to adding one
    "two-factor-verify": Page("/account/two-factor/verify/", EVERYONE, REDIRECT),
    "two-factor-recovery": post_only(
        "/account/two-factor/recovery-codes/", "tests/web/test_two_factor.py"
    ),
    # the dashboard: ``registry.dashboard.dashboard_for``
    "dashboard": Page("/dashboard/", access.DASHBOARD_READERS),
    "dashboard-regions": Page("/dashboard/regions.json", access.DASHBOARD_READERS),
    "dashboard-export": Page("/dashboard/export.csv", access.DASHBOARD_READERS, DOWNLOAD),
    # the registry: ``registry.selectors.persons_for`` and ``households_for``
    "registry": Page("/registry/", access.REGISTRY_READERS),
    "registry-export": Page("/registry/export.csv", access.REGISTRY_READERS, DOWNLOAD),
    "quality": Page("/registry/quality/", access.REGISTRY_READERS),
    # every rule but QUALITY_OPEN_CASE_NO_LIVING_MEMBER (CASE_READERS) is the registry's
    "quality-csv": Page("/registry/quality/QUALITY_NO_HEAD.csv", access.REGISTRY_READERS, DOWNLOAD),
    # it reads no record (it parses the NIK typed), but serves only the forms that use it
    "nik-check": Page("/registry/nik-check/?nik=3201014508900001", access.REGISTRY_EDITORS),
    "register": Page("/registry/households/new/", access.REGISTRY_EDITORS),
    "member-form": Page("/registry/households/member-form/?index=1", access.REGISTRY_EDITORS),
    # the household's targeting (TARGETING_READERS) and delivery (REGISTRY_READERS) too
    "household": Page("/registry/households/{household}/", access.REGISTRY_READERS),
    "household-card": Page(
        "/registry/households/{household}/card.pdf", access.REGISTRY_READERS, DOWNLOAD
    ),
    # the record is found (REGISTRY_READERS), then REGISTRY_EDITORS
    "household-edit": Page(
        "/registry/households/{household}/edit/",
        access.REGISTRY_READERS & access.REGISTRY_EDITORS,
    ),
    "person-edit": Page(
        "/registry/persons/{person}/edit/", access.REGISTRY_READERS & access.REGISTRY_EDITORS
    ),
    # ``privacy.subject_access.subject_data``
    "person-data": Page(
        "/registry/persons/{person}/personal-data.json", access.SPECIFIC_DATA_READERS, DOWNLOAD
    ),
    # ``registry.selectors.duplicate_candidates_for``
    "duplicates": Page("/registry/duplicates/", access.DUPLICATE_REVIEWERS),
    "duplicate": Page("/registry/duplicates/{duplicate}/", access.DUPLICATE_REVIEWERS),
    "duplicates-confirm": post_only(
        "/registry/duplicates/confirm/",
        "tests/web/test_duplicates.py",
        access.DUPLICATE_BULK_CONFIRMERS,
    ),
    "duplicate-merge": post_only(
        "/registry/duplicates/{duplicate}/merge/",
        "tests/web/test_duplicates.py",
        access.DUPLICATE_REVIEWERS,
    ),
    "duplicate-unmerge": post_only(
        "/registry/duplicates/{duplicate}/unmerge/",
        "tests/web/test_duplicates.py",
        access.DUPLICATE_REVIEWERS,
    ),
    # ``registry.services.uploads.import_runs_for``: a district's office's import is followed by the
    # offices above it and by administrators
    "imports": Page("/imports/", access.REGISTRY_IMPORTERS),
    "import": Page("/imports/{office_import}/", access.REGISTRY_IMPORTERS),
    "import-report": Page(
        "/imports/{office_import}/report.csv", access.REGISTRY_IMPORTERS, DOWNLOAD
    ),
    # cases: ``access.case_filter`` (CASE_READERS; a worker their cases, a supervisor their
    # team's)
    "my-work": Page("/cases/", access.CASE_READERS),
    "cases-team": Page("/cases/team/", access.GRADUATION_APPROVERS),
    "cases-report": Page("/cases/report/", access.CASE_READERS),
    "cases-report-csv": Page("/cases/report.csv", access.CASE_READERS, DOWNLOAD),
    "cases-report-table-csv": Page("/cases/report/region.csv", access.CASE_READERS, DOWNLOAD),
    "case": Page("/cases/{case}/", access.CASE_READERS),
    "case-file": Page("/cases/{case}/file.pdf", access.CASE_READERS, DOWNLOAD),
    # every record is a case worker's: the services require CASE_WORKERS
    "case-record": Page("/cases/{case}/service/", access.CASE_WORKERS),
    "case-open": Page("/cases/open/{household}/", access.CASE_OPENERS & access.REGISTRY_READERS),
    "graduation-letter": Page(
        "/cases/{graduated_case}/graduations/{graduation}/letter.pdf",
        access.CASE_READERS,
        DOWNLOAD,
    ),
    "case-evidence": Page(
        "/cases/{graduated_case}/evidence/{evidence}/", access.CASE_READERS, DOWNLOAD
    ),
    "graduation-decide": post_only(
        "/cases/graduations/{graduation}/decide/",
        "tests/cases/test_pages.py",
        access.GRADUATION_APPROVERS,
    ),
    # ``access.referral_filter``
    "partner": Page("/partner/", access.REFERRAL_PARTNERS),
    # targeting: ``targeting.selectors.runs_for``; runs and simulations are started by
    # TARGETING_RUNNERS. A run is compared with itself (the world has one run).
    "targeting": Page("/targeting/", access.TARGETING_READERS),
    "targeting-run": Page("/targeting/runs/{run}/", access.TARGETING_READERS),
    "targeting-diff": Page("/targeting/runs/{run}/diff/?base={run}", access.TARGETING_READERS),
    "targeting-diff-csv": Page(
        "/targeting/runs/{run}/diff.csv?base={run}", access.TARGETING_READERS, DOWNLOAD
    ),
    "targeting-compare": Page(
        "/targeting/runs/{run}/compare/?base={run}", access.TARGETING_READERS
    ),
    "targeting-compare-csv": Page(
        "/targeting/runs/{run}/compare.csv?base={run}", access.TARGETING_READERS, DOWNLOAD
    ),
    "targeting-audit": Page("/targeting/runs/{run}/audit/", access.TARGETING_READERS),
    "targeting-audit-csv": Page(
        "/targeting/runs/{run}/audit.csv", access.TARGETING_READERS, DOWNLOAD
    ),
    "targeting-whatif": Page("/targeting/what-if/", access.TARGETING_RUNNERS),
    "targeting-whatif-budgets": post_only(
        "/targeting/what-if/budgets/",
        "tests/targeting/test_custom_programmes.py",
        access.TARGETING_RUNNERS,
    ),
    # objections to an automated decision: ``targeting.reviews``
    "decision-reviews": Page("/decision-reviews/", access.DECISION_REVIEW_READERS),
    "decision-review": Page("/decision-reviews/{decision_review}/", access.DECISION_REVIEW_READERS),
    "decision-review-new": Page(
        "/targeting/decisions/{decision}/object/", access.DECISION_REVIEW_TAKERS
    ),
    # participation: ``grievances.selectors``, ``corrections`` and ``complaints``
    "participation-report": Page("/participation/report/", access.PARTICIPATION_REPORT_READERS),
    "participation-report-export": Page(
        "/participation/report/proposals.csv", access.PARTICIPATION_REPORT_READERS, DOWNLOAD
    ),
    "proposals": Page("/proposals/", access.PROPOSAL_READERS),
    "proposal": Page("/proposals/{proposal}/", access.PROPOSAL_READERS),
    "proposal-photo": Page(
        "/proposals/{photographed_proposal}/photo/", access.PROPOSAL_READERS, DOWNLOAD
    ),
    "proposal-new": Page("/proposals/new/", access.PROPOSAL_VILLAGE),
    "proposal-change": Page(
        "/registry/households/{household}/propose/",
        access.PROPOSAL_VILLAGE & access.REGISTRY_READERS,
    ),
    "proposal-batch": post_only("/proposals/batch/", "tests/web/test_participation_pages.py"),
    "proposal-visit": post_only(
        "/proposals/{proposal}/visit/",
        "tests/web/test_participation_pages.py",
        access.PROPOSAL_VILLAGE,
    ),
    "deliberation": Page("/proposals/deliberation/", access.PROPOSAL_VILLAGE),
    "deliberation-minutes": Page(
        "/proposals/deliberations/{minuted_deliberation}/minutes/",
        access.PROPOSAL_READERS,
        DOWNLOAD,
    ),
    "objections": Page("/objections/", access.OBJECTION_READERS),
    "objection": Page("/objections/{objection}/", access.OBJECTION_READERS),
    "objection-photo": Page(
        "/objections/{photographed_objection}/photo/", access.OBJECTION_READERS, DOWNLOAD
    ),
    "objection-new": Page(
        "/registry/households/{household}/object/",
        access.OBJECTION_TAKERS & access.REGISTRY_READERS,
    ),
    "corrections": Page("/corrections/", access.CORRECTION_READERS),
    "correction": Page("/corrections/{correction}/", access.CORRECTION_READERS),
    # village operators take complaints in but read none (their list is empty)
    "complaints": Page("/complaints/", access.COMPLAINT_READERS | access.COMPLAINT_TAKERS),
    "complaint-new": Page("/complaints/new/", access.COMPLAINT_TAKERS),
    # the world's complaint is handled by the regency's office (``complaints.handled_by``):
    # the offices of the other levels do not find it
    "complaint": Page(
        "/complaints/{complaint}/",
        access.COMPLAINT_READERS,
        outside=frozenset({Role.PROVINCIAL_OFFICE, Role.MINISTRY_ANALYST}),
    ),
    # the audit trail
    "audit": Page("/audit/", access.AUDIT_READERS),
    "audit-export": Page("/audit/export.csv", access.AUDIT_READERS, DOWNLOAD),
    # delivery: ``programmes.selectors.decrees_for``, ``cycles_for``, ``enrolments_for``
    # (DELIVERY_READERS); sending money is for DECREE_MAKERS
    "decrees": Page("/programmes/decrees/", access.DELIVERY_READERS),
    "decree": Page("/programmes/decrees/{decree}/", access.DELIVERY_READERS),
    # the annex of the regency, which every reader's region holds or lies in
    "decree-annex": Page(
        "/programmes/decrees/{decree}/annex.csv?regency=3201", access.DELIVERY_READERS, DOWNLOAD
    ),
    "decree-decide": post_only(
        "/programmes/decrees/{decree}/decide/",
        "tests/programmes/test_pages.py",
        access.DECREE_MAKERS,
    ),
    "decree-request": post_only(
        "/programmes/decrees/{decree}/requests/1/",
        "tests/programmes/test_requests.py",
        access.DECREE_MAKERS,
    ),
    "cycles": Page("/programmes/cycles/", access.DELIVERY_READERS),
    "cycle": Page("/programmes/cycles/{cycle}/", access.DELIVERY_READERS),
    "cycle-batches": post_only(
        "/programmes/cycles/{cycle}/batches/",
        "tests/programmes/test_pages.py",
        access.DECREE_MAKERS,
    ),
    "batch": Page("/programmes/batches/{batch}/", access.DELIVERY_READERS),
    # the batch is found (DELIVERY_READERS), then DECREE_MAKERS
    "batch-file": Page(
        "/programmes/batches/{batch}/file/",
        access.DELIVERY_READERS & access.DECREE_MAKERS,
        DOWNLOAD,
    ),
    # each decree maker's own job (another's answers 404: tests/programmes/test_pages.py)
    "delivery-job": Page("/programmes/jobs/{job}/", access.DECREE_MAKERS),
    "enrolments": Page("/programmes/enrolments/", access.DELIVERY_READERS),
    "enrolment-keep": post_only(
        "/programmes/enrolments/{enrolment}/resume/",
        "tests/programmes/test_pages.py",
        access.ENROLMENT_KEEPERS,
    ),
}

# Every page is in the matrix: the records the world lacks are made below.
NOT_IN_MATRIX: dict[str, str] = {}


# -- the records the world lacks ---------------------------------------------------------------


@pytest.fixture(autouse=True)
def media_and_one_factor(settings, tmp_path):
    """Files (evidence, photos, imports, batches) go to a temporary folder. Two-step
    verification stays off, as ``test_settings`` has it."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SEJAHTERA_REQUIRE_TWO_FACTOR = False


def _carriers(world) -> tuple[User, User]:
    from sejahtera.cases.models import Case

    case = Case.objects.select_related("social_worker", "supervisor").get(pk=world["pk"]["case"])
    return case.social_worker, case.supervisor


@pytest.fixture
def graduated_case(world, household_factory) -> dict[str, int]:
    """A family of the village whose case, carried by the world's worker and supervisor, has
    an evidence file on its move to protection and an approved graduation."""
    from sejahtera.cases import services
    from sejahtera.domain.cases import GraduationType, Stage

    worker, supervisor = _carriers(world)
    head = {"full_name": "Dewi", "sex": "P", "birth_date": "1980-01-01", "relationship": "head"}
    family = household_factory(VILLAGE, members=[head])
    case = services.open_case(
        actor=worker, household=family, social_worker=worker, supervisor=supervisor, today=TODAY
    )
    event = services.move_case(
        case=case,
        to_stage=Stage.PROTECTION,
        actor=worker,
        reason="",
        evidence_upload=SimpleUploadedFile("surat.pdf", PDF),
        expected_version=case.version,
        today=TODAY,
    )
    case.refresh_from_db()
    graduation = services.propose_graduation(
        actor=worker, case=case, type=GraduationType.MANDIRI, signed_statement=True, today=TODAY
    )
    case.refresh_from_db()
    services.decide_graduation(
        actor=supervisor,
        request=graduation,
        approve=True,
        expected_version=case.version,
        today=TODAY,
    )
    return {"graduated_case": case.pk, "graduation": graduation.pk, "evidence": event.pk}


@pytest.fixture
def participation_files(world, make_user) -> dict[str, int]:
    """A proposal and an objection with a photo and a deliberation with its minutes, in the
    world's village."""
    from sejahtera.domain.participation import ProposalKind
    from sejahtera.grievances.objections import file_objection
    from sejahtera.grievances.proposals import (
        ProposedChange,
        record_deliberation,
        submit_proposal,
    )
    from sejahtera.registry.models import Household, Region

    village = Region.objects.get(code=VILLAGE)
    head = {"full_name": "Budi", "sex": "L", "birth_date": "1980-01-15", "relationship": "head"}
    proposal = submit_proposal(
        change=ProposedChange(
            kind=ProposalKind.NEW_HOUSEHOLD,
            village=village,
            household_cells={"address": "Jl. Melati 3"},
            member_cells=[head],
        ),
        proposer_name="Warga",
        submitted_on=TODAY,
        photo=SimpleUploadedFile("rumah.jpg", JPEG),
    )
    objection = file_objection(
        household=Household.objects.get(pk=world["pk"]["household"]),
        objector_name="Tetangga",
        objector_village=village,
        reason="punya mobil",
        filed_on=TODAY,
        photo=SimpleUploadedFile("mobil.jpg", JPEG),
    )
    deliberation, _outcome = record_deliberation(
        make_user(Role.VILLAGE_OPERATOR, VILLAGE),
        village=village,
        held_on=TODAY,
        participants="BPD",
        minutes=SimpleUploadedFile("notulen.pdf", PDF),
        carried={proposal.pk: False},
        today=TODAY,
    )
    return {
        "photographed_proposal": proposal.pk,
        "photographed_objection": objection.pk,
        "minuted_deliberation": deliberation.pk,
    }


def _csv_upload(name: str, columns: tuple[str, ...], rows: list[dict[str, str]]):
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, restval="")
    writer.writeheader()
    writer.writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode(), content_type="text/csv")


@pytest.fixture
def office_import(make_user) -> dict[str, int]:
    """An import (with its report) by the social office of Cibinong, a district of the
    regency: the regency's and the province's offices follow it, as administrators do."""
    from sejahtera.domain.registry_format import HOUSEHOLD_COLUMN_NAMES, PERSON_COLUMN_NAMES
    from sejahtera.registry.services.uploads import start_import

    households = [{"household_id": "H1", "region_code": VILLAGE}]
    persons = [
        {
            "person_id": "P1",
            "household_id": "H1",
            "full_name": "Siti",
            "sex": "P",
            "birth_date": "1990-08-05",
            "relationship": "head",
        }
    ]
    run = start_import(
        make_user(Role.DISTRICT_OFFICE, CIBINONG),
        _csv_upload("households.csv", HOUSEHOLD_COLUMN_NAMES, households),
        _csv_upload("persons.csv", PERSON_COLUMN_NAMES, persons),
    )
    run.refresh_from_db()
    assert run.report_file  # the test task backend runs the import at once
    return {"office_import": run.pk}


@pytest.fixture
def delivery(world, make_user) -> dict[str, Any]:
    """SEMBAKO decreed from the world's run (prepared by a programme manager, approved by
    the world's administrator), its March cycle opened and its batches built by a job."""
    from sejahtera.programmes import cycles, jobs, services
    from sejahtera.programmes.models import Batch, Enrolment
    from sejahtera.targeting.models import TargetingRun

    manager = make_user(Role.PROGRAMME_MANAGER)
    run = TargetingRun.objects.get(pk=world["pk"]["run"])
    decree = services.prepare_decree(manager, "SEMBAKO", date(2026, 3, 1), run)
    services.approve_decree(world["users"][Role.ADMINISTRATOR], decree)
    cycle = cycles.open_cycle(manager, "SEMBAKO", date(2026, 3, 1))
    job = jobs.start_build_batches(manager, cycle)
    batch = Batch.objects.filter(cycle=cycle).earliest("pk")
    enrolment = Enrolment.objects.filter(start_decree=decree).earliest("pk")
    return {
        "decree": decree.pk,
        "cycle": cycle.pk,
        "batch": batch.pk,
        "job": job.pk,
        "enrolment": enrolment.pk,
    }


@pytest.fixture
def records(world, graduated_case, participation_files, office_import, delivery, linked_pair):
    """The pks every path of the matrix is built from."""
    return (
        world["pk"]
        | graduated_case
        | participation_files
        | office_import
        | delivery
        | {"duplicate": linked_pair.pk}
    )


# -- asking ------------------------------------------------------------------------------------


def _user(world, make_user, role: str) -> User:
    """The user of ``role`` entitled to the world's records: its case's worker and
    supervisor, offices of its region, national roles, a partner agency with its
    organisation."""
    worker, supervisor = _carriers(world)
    if role == Role.SOCIAL_WORKER:
        return worker
    if role == Role.SUPERVISOR:
        return supervisor
    organisation = PARTNER if role == Role.PARTNER_AGENCY else ""
    return make_user(role, REGIONS.get(role), organisation=organisation)


def _denied(user: User, path: str) -> int:
    return AuditEntry.objects.filter(
        user=user, action=AuditEntry.Action.DENIED, path=path.split("?")[0]
    ).count()


def _ask(client, user: User, path: str):
    """The answer to a GET of ``path`` (a download read to its end), and whether a denial
    was added to the audit trail for ``user``."""
    before = _denied(user, path)
    response = client.get(path)
    if response.streaming:
        # read to its end; not closed here: closing a response sends request_finished, which
        # closes the test's database connection (PostgreSQL)
        b"".join(response.streaming_content)
    return response, _denied(user, path) > before


def _problems(role: str, name: str, page: Page, path: str, response, denied: bool) -> list:
    """What is wrong with the answer, as (role, name, path, status, what was due)."""
    status, expected = response.status_code, page.expected(role)
    if status != expected:
        return [(role, name, path, status, expected)]
    if status in (403, 404) and not denied:
        return [(role, name, path, status, "a denied entry in the audit trail")]
    if status == 302 and page.answer == REDIRECT:
        target = resolve(response["Location"].split("?")[0])
        landing = PAGES.get(target.url_name)
        if landing is None or role not in landing.allowed:
            return [(role, name, path, status, f"a page the role may open, not {target.url_name}")]
    if (
        page.answer == DOWNLOAD
        and status == 200
        and "filename=" not in response.get("Content-Disposition", "")
    ):
        return [(role, name, path, status, "a file")]
    return []


# -- the matrix --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", Role.values)
def test_each_role_opens_the_pages_of_its_access_sets_and_no_other(
    client, world, records, make_user, role
):
    from sejahtera.programmes import jobs
    from sejahtera.programmes.models import Cycle

    user = _user(world, make_user, role)
    pks = dict(records)
    if role in access.DECREE_MAKERS:  # a job is its starter's own (this one builds nothing)
        pks["job"] = jobs.start_build_batches(user, Cycle.objects.get(pk=records["cycle"])).pk
    client.force_login(user)
    client.raise_request_exception = False  # a server error is one more mismatch
    mismatches = []
    for name, page in PAGES.items():
        path = page.path.format(**pks)
        response, denied = _ask(client, user, path)
        mismatches += _problems(role, name, page, path, response, denied)
    assert not mismatches, "\n".join(map(str, mismatches))


@pytest.mark.parametrize("role", Role.values)
def test_a_post_only_page_refuses_the_roles_that_may_not_post(
    client, world, records, make_user, role
):
    """An empty POST is enough: the role is refused before anything is read from the form."""
    user = _user(world, make_user, role)
    client.force_login(user)
    client.raise_request_exception = False
    mismatches = []
    for name, page in PAGES.items():
        if page.posters is None or role in page.posters:
            continue
        path = page.path.format(**records)
        before = _denied(user, path)
        status = client.post(path).status_code
        if status != 403 or _denied(user, path) == before:
            mismatches.append((role, name, path, status))
    assert not mismatches, "\n".join(map(str, mismatches))


def test_the_matrix_names_every_page_once():
    names = [pattern.name for pattern in page_patterns(get_resolver().url_patterns)]
    assert len(names) == len(set(names))
    assert not set(PAGES) & set(NOT_IN_MATRIX)
    assert sorted(PAGES | NOT_IN_MATRIX) == sorted(names)
