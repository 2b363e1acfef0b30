"""The app works without the internet: no page, as any role, links a script, style, image or
font from another host. Walks every page reachable from home (and the API documentation)."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlsplit

import pytest

from sejahtera.accounts.models import Role
from sejahtera.cases import services as cases
from sejahtera.targeting.services import run_targeting_for_registry

pytestmark = pytest.mark.django_db
VILLAGE = "3201011002"
SCOPES = {
    Role.VILLAGE_OPERATOR: VILLAGE,
    Role.DISTRICT_OFFICE: "3201",
    Role.PROVINCIAL_OFFICE: "32",
    Role.SOCIAL_WORKER: "3201",
    Role.SUPERVISOR: "3201",
    Role.REGENT: "3201",
}
ASSET = re.compile(
    r'<(?:script|link|img|iframe|source|video|audio|embed)\b[^>]*?(?:src|href)="([^"]+)"'
)
STYLE_URL = re.compile(r"url\(\s*['\"]?([^'\")]+)")
LINK = re.compile(r'<a\b[^>]*?href="(/[^"#]*)"')
NOT_PAGES = (".csv", ".xlsx", ".pdf", ".json", ".geojson", "/logout/", "/admin/")
MAX_PAGES = 60


def external(url: str) -> bool:
    return url.startswith(("http:", "https:", "//", "data:text/html"))


@pytest.fixture
def world(make_user, household_factory):
    """Something on every page: a household with a case, a targeting run."""
    worker = make_user(Role.SOCIAL_WORKER, "3201")
    supervisor = make_user(Role.SUPERVISOR, "3201")
    family = household_factory(VILLAGE)
    cases.open_case(
        actor=worker,
        household=family,
        social_worker=worker,
        supervisor=supervisor,
        today=date.today(),
    )
    run_targeting_for_registry(date.today())
    return {Role.SOCIAL_WORKER: worker, Role.SUPERVISOR: supervisor}


@pytest.mark.parametrize("role", list(Role))
def test_no_page_loads_anything_from_another_host(client, make_user, world, role):
    user = world.get(role) or make_user(role, SCOPES.get(role), organisation="Bank BRI")
    client.force_login(user)
    seen: set[str] = set()
    queue = ["/", "/api/docs"]
    offenders = []
    while queue and len(seen) < MAX_PAGES:
        path = queue.pop(0)
        if path in seen or urlsplit(path).path.endswith(NOT_PAGES) or "/admin/" in path:
            continue
        seen.add(path)
        response = client.get(path)
        if response.status_code == 302:
            queue.append(response.url)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        page = response.content.decode()
        offenders += [
            (path, url) for url in ASSET.findall(page) + STYLE_URL.findall(page) if external(url)
        ]
        queue += [link.replace("&amp;", "&") for link in LINK.findall(page)]
    assert len(seen) > 3, seen  # the walk reached the pages of the role
    assert offenders == []
