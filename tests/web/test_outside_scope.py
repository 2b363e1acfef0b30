"""Nothing outside a user's scope is served: every page and every API operation that names a
household, person or case answers 403 (the role has no part in that area) or 404 (never revealing
that the record exists) to a regional user of another regency — office, social worker, supervisor,
village operator, the token holding every scope — and each refusal is an entry in the audit
trail. Targeting runs, decrees and batches are national records; tokens and notifications are
the user's own (tests/web/test_access_matrix*.py, tests/api/)."""

import re

import pytest
from django.urls import get_resolver
from tests.web.conftest import page_patterns, record_key

from sejahtera.accounts.models import ApiToken, AuditEntry, Role
from sejahtera.accounts.tokens import create_token
from sejahtera.api.api import api

pytestmark = pytest.mark.django_db
SCOPED = {
    "household",
    "person",
    "case",
    "proposal",
    "deliberation",
    "objection",
    "complaint",
    "correction",
    "decision",
    "decision_review",
}
OUTSIDERS = {
    Role.DISTRICT_OFFICE: "3273",
    Role.SOCIAL_WORKER: "3273",
    Role.SUPERVISOR: "3273",
    Role.VILLAGE_OPERATOR: "3273011001",
}
API_PARAMETERS = {"household_pk": "household", "person_pk": "person", "case_pk": "case"}


def _scoped_pages(pks: dict[str, int]) -> list[str]:
    urls = []
    for pattern in page_patterns(get_resolver().url_patterns):
        route = str(pattern.pattern)
        key = record_key(pattern.name or "")
        if "<int:" not in route or key not in SCOPED:
            continue
        url = "/" + re.sub(r"<int:[a-z_]+>", str(pks[key]), route)
        urls.append(url.replace("<str:kind>", "service").replace("<str:fmt>", "pdf"))
    return sorted(set(urls))


def _scoped_operations(pks: dict[str, int]) -> list[tuple[str, str]]:
    operations = []
    for path, methods in api.get_openapi_schema()["paths"].items():
        names = re.findall(r"{(\w+)}", path)
        if not names or any(name not in API_PARAMETERS for name in names):
            continue
        for name in names:
            path = path.replace(f"{{{name}}}", str(pks[API_PARAMETERS[name]]))
        operations += [(method, path) for method in methods]
    return operations


@pytest.mark.parametrize("role", list(OUTSIDERS))
def test_no_page_serves_a_record_of_another_regency(client, world, make_user, role):
    outsider = make_user(role, OUTSIDERS[role])
    client.force_login(outsider)
    pages = _scoped_pages(world["pk"])
    assert len(pages) > 20
    served = []
    for url in pages:
        for method in ("get", "post"):
            status = getattr(client, method)(url).status_code
            if status not in (403, 404, 405):
                served.append((method, url, status))
    assert served == []
    assert AuditEntry.objects.filter(user=outsider, action=AuditEntry.Action.DENIED).count() >= len(
        pages
    )


@pytest.mark.parametrize("role", list(OUTSIDERS))
def test_no_api_operation_serves_a_record_of_another_regency(
    client,
    world,
    make_user,
    role,
):
    outsider = make_user(role, OUTSIDERS[role])
    _token, secret = create_token(outsider, "t", list(ApiToken.Scope))
    operations = _scoped_operations(world["pk"])
    assert len(operations) > 20
    served = []
    for method, path in operations:
        response = getattr(client, method)(
            path, {} if method != "get" else None, content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {secret}",
        )  # fmt: skip
        # 403: the role has no part in this area at all, whichever record is asked for
        allowed = (403, 404) if method == "get" else (403, 404, 422)
        if response.status_code not in allowed:
            served.append((method, path, response.status_code))
    assert served == []
