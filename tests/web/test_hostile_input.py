"""Every page, walked with hostile values in every query parameter and form field it has, as
users of several roles: a clear 4xx at worst, never a server error. The API's hostile inputs
are Schemathesis's (tests/api/test_openapi_contract.py), plus an oversized body here."""

from __future__ import annotations

import itertools
import re

import pytest
from django.urls import get_resolver
from tests.web.conftest import page_patterns, record_key

from sejahtera.accounts.models import Role
from sejahtera.web.views.cases import RECORD_FORMS

pytestmark = pytest.mark.django_db
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
QUERY_PARAMETERS = ["q", "region", "page", "index", "base", "indicator", "prefix", "nik", "before"]
NAME = re.compile(r'name="([A-Za-z_][\w-]*)"')
SKIPPED = {"login", "logout"}  # a POST there logs the client out or in
EXPORT_FORMATS = ["csv", "xlsx"]


def _urls(pks: dict[str, int]) -> list[str]:
    """Every URL of the web app, its path parameters filled from the world."""
    resolver = get_resolver()
    urls = []
    for pattern in page_patterns(resolver.url_patterns):
        if pattern.name in SKIPPED:
            continue
        route = str(pattern.pattern)
        kinds = list(RECORD_FORMS) if "<str:kind>" in route else [""]
        for kind, fmt in itertools.product(kinds, EXPORT_FORMATS):
            url = "/" + route
            url = url.replace("<str:kind>", kind).replace("<str:fmt>", fmt)
            url = url.replace("<str:name>", "stages")
            key = record_key(pattern.name or "")
            url = re.sub(r"<int:[a-z_]+>", str(pks[key]), url)
            urls.append(url)
    return sorted(set(urls))


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
