"""Every page, walked with hostile values in every query parameter and form field it has, as
users of several roles: a clear 4xx at worst, never a server error. The API's hostile inputs
are Schemathesis's (tests/api/test_openapi_contract.py), plus an oversized body here."""

from __future__ import annotations

import itertools
import re
from datetime import date

import pytest
from django.urls import URLPattern, get_resolver

from sejahtera.accounts.models import Role
from sejahtera.web.views.cases import RECORDS

pytestmark = pytest.mark.django_db
VILLAGE = "3201011002"
HOSTILE = [
    "",
    "3",
    "abc",
    "-1",
    "99999999999999999999",
    "1\x002",
    "'; DROP TABLE registry_person;--",
    "x" * 5000,
    "🙂",
    "2026-13-45",
]
# Query parameters the views read (forms add theirs from the rendered page).
QUERY_PARAMETERS = ["q", "region", "page", "index", "base", "indicator", "prefix", "nik"]
NAME = re.compile(r'name="([A-Za-z_][\w-]*)"')
SKIPPED = {"login", "logout"}  # a POST there logs the client out or in
EXPORT_FORMATS = ["csv", "xlsx"]


@pytest.fixture
def world(household_factory, make_user):
    """One of everything a URL can name: a household with members, a case, a targeting run,
    an import run, an API token and a graduation request."""
    from sejahtera.accounts.tokens import create_token
    from sejahtera.cases import services
    from sejahtera.domain.cases import Stage
    from sejahtera.registry.models import ImportRun
    from sejahtera.targeting.services import run_targeting_for_registry

    household = household_factory(VILLAGE)
    # a stored value that hostile input can leave behind: a control character in a name
    household_factory(
        VILLAGE,
        members=[
            {"full_name": "Ani\x01", "sex": "P", "birth_date": "1990-01-01", "relationship": "head"}
        ],
    )
    worker = make_user(Role.SOCIAL_WORKER, "3201")
    supervisor = make_user(Role.SUPERVISOR, "3201")
    admin = make_user(Role.ADMINISTRATOR, is_staff=True, is_superuser=True)
    case = services.open_case(
        actor=worker,
        household=household,
        social_worker=worker,
        supervisor=supervisor,
        today=date(2026, 3, 2),
    )
    services.move_case(
        case=case,
        to_stage=Stage.PROTECTION,
        actor=worker,
        reason="",
        expected_version=case.version,
        today=date(2026, 3, 2),
    )
    run = run_targeting_for_registry(date(2026, 3, 1))
    imported = ImportRun.objects.create(created_by=admin, households_file="h.csv")
    token, _secret = create_token(admin, "t", ["registry:read"])
    return {
        "pk": {
            "household": household.pk,
            "person": household.members.first().pk,
            "case": case.pk,
            "run": run.pk,
            "import": imported.pk,
            "token": token.pk,
        },
        "users": {
            Role.ADMINISTRATOR: admin,
            Role.SOCIAL_WORKER: worker,
            Role.DISTRICT_OFFICE: make_user(Role.DISTRICT_OFFICE, "3201"),
            Role.MINISTRY_ANALYST: make_user(Role.MINISTRY_ANALYST),
        },
    }


def _urls(pks: dict[str, int]) -> list[str]:
    """Every URL of the web app, its path parameters filled from the world."""
    resolver = get_resolver()
    urls = []
    for pattern in _patterns(resolver.url_patterns):
        if pattern.name in SKIPPED:
            continue
        route = str(pattern.pattern)
        kinds = list(RECORDS) if "<str:kind>" in route else [""]
        for kind, fmt in itertools.product(kinds, EXPORT_FORMATS):
            url = "/" + route
            url = url.replace("<str:kind>", kind).replace("<str:fmt>", fmt)
            url = url.replace("<str:name>", "stages")
            key = _named_pk(pattern.name or "")
            url = re.sub(r"<int:[a-z_]+>", str(pks[key]), url)
            urls.append(url)
    return sorted(set(urls))


def _patterns(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLPattern):
            yield entry
        elif not str(entry.pattern).startswith(("admin", "api", "static", "i18n")):
            yield from _patterns(entry.url_patterns)


def _named_pk(name: str) -> str:
    for part, key in (
        ("household", "household"),
        ("case-open", "household"),
        ("person", "person"),
        ("case", "case"),
        ("graduation", "case"),
        ("targeting", "run"),
        ("import", "import"),
        ("token", "token"),
    ):
        if part in name:
            return key
    return "household"


def _consume(response) -> int:
    if getattr(response, "streaming", False):
        b"".join(response.streaming_content)  # an export fails while streaming, not before
    return response.status_code


@pytest.mark.parametrize(
    "role",
    [Role.ADMINISTRATOR, Role.DISTRICT_OFFICE, Role.SOCIAL_WORKER, Role.MINISTRY_ANALYST],
)
def test_no_page_answers_hostile_input_with_a_server_error(client, world, role):
    client.force_login(world["users"][role])
    errors = []
    for url in _urls(world["pk"]):
        page = client.get(url)
        fields = (
            set(NAME.findall(page.content.decode(errors="replace")))
            if not getattr(page, "streaming", False)
            else set()
        )
        names = sorted(fields | set(QUERY_PARAMETERS))
        for value in HOSTILE:
            data = dict.fromkeys(names, value)
            for method in ("get", "post"):
                status = _consume(getattr(client, method)(url, data))
                if status >= 500:
                    errors.append((method, url, repr(value)[:40], status))
    assert errors == []


def test_short_or_broken_region_codes_are_a_clear_400(client, world):
    client.force_login(world["users"][Role.MINISTRY_ANALYST])
    for code in ("3", "320", "32010", "abc", "3201011002x"):
        response = client.get("/dashboard/", {"region": code}, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 400, code


def test_a_nul_byte_in_a_search_is_a_400_and_never_an_empty_export(client, world):
    client.force_login(world["users"][Role.DISTRICT_OFFICE])
    assert client.get("/registry/", {"q": "Siti\x00"}).status_code == 400
    assert client.get("/registry/export.csv", {"q": "Siti\x00"}).status_code == 400


def test_an_oversized_api_body_is_a_problem_413(client, world, settings):
    from sejahtera.accounts.tokens import create_token

    _token, secret = create_token(world["users"][Role.ADMINISTRATOR], "t", ["registry:write"])
    body = '{"household": {"address": "' + "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10) + '"}}'
    response = client.post(
        "/api/v1/households",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert response.status_code == 413
    assert response["Content-Type"] == "application/problem+json"
