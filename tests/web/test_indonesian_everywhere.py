"""Every page each role can reach, rendered in Bahasa Indonesia, shows no English: no journey
stage code (the stages have Indonesian names) and no message of the catalogue left untranslated.

The pages are found the way a user finds them: from the home page, following the links of each
page (downloads, the API and the admin aside), over the demo's data — cases in every stage, a
targeting run, decrees, cycles and payment batches."""

from __future__ import annotations

import re
from collections import deque
from datetime import date
from html import unescape
from pathlib import Path

import polib
import pytest

from ..targeting.conftest import population  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db
TODAY = date(2026, 7, 1)
CATALOGUE = Path(__file__).parents[2] / "src/sejahtera/locale/id/LC_MESSAGES/django.po"
STAGE_CODES = re.compile(
    r"\b(registered|assessed|protection|rehabilitation|empowerment|graduated|terminated|"
    r"monitoring)\b",
    re.IGNORECASE,
)
LINK = re.compile(r'href="(/[^"#]*)"')
SKIPPED = re.compile(
    r"^/(static|media|admin|api|logout|i18n)/|\.(csv|xlsx|pdf|json|geojson|png|zip)(\?|$)"
)
PAGES_PER_ROLE = 60
SAME_PAGE_KIND = 2  # pages differing only in their ids: this many of each are enough


@pytest.fixture
def demo(settings, population):  # noqa: F811
    from sejahtera.cases.demo import ensure_demo_cases
    from sejahtera.grievances.demo import ensure_demo_participation
    from sejahtera.programmes.demo import ensure_demo_delivery
    from sejahtera.registry.services.statistics import refresh_figures
    from sejahtera.targeting.services import run_targeting_for_registry

    settings.DEMO = True
    ensure_demo_cases(echo=lambda _: None, today=TODAY)
    run_targeting_for_registry(TODAY)
    ensure_demo_delivery(echo=lambda _: None, today=TODAY)
    ensure_demo_participation(echo=lambda _: None, today=TODAY)
    refresh_figures()


def _english_messages() -> list[str]:
    """Catalogue messages long enough to be unmistakable, with an Indonesian text of their
    own: if one shows on an Indonesian page, something rendered it without translating it."""
    return [
        entry.msgid
        for entry in polib.pofile(str(CATALOGUE))
        if entry.msgstr
        and entry.msgstr != entry.msgid
        and len(entry.msgid) >= 16
        and " " in entry.msgid
        and not re.search(r"%\(|\{", entry.msgid)
    ]


def _visible_text(html: str) -> str:
    """What a reader sees: no scripts, styles, tags or attributes."""
    html = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", html)
    html = re.sub(r"(?s)<!--.*?-->", " ", html)
    html = re.sub(r"<[^>]+>", " ", html)
    return re.sub(r"\s+", " ", unescape(html))


def _crawl(client) -> dict[str, str]:
    """path → visible text of every HTML page reachable from the home page."""
    seen_kinds: dict[str, int] = {}
    queue, seen, pages = deque(["/"]), {"/"}, {}
    while queue and len(pages) < PAGES_PER_ROLE:
        path = queue.popleft()
        response = client.get(path, follow=True)
        if response.status_code != 200 or "text/html" not in response["Content-Type"]:
            continue
        html = response.content.decode()
        pages[path] = _visible_text(html)
        for link in LINK.findall(html):
            link = unescape(link)
            kind = re.sub(r"\d+", "N", link.split("?")[0])
            if link in seen or SKIPPED.search(link):
                continue
            seen.add(link)
            if seen_kinds.get(kind, 0) >= SAME_PAGE_KIND:
                continue
            seen_kinds[kind] = seen_kinds.get(kind, 0) + 1
            queue.append(link)
    return pages


ROLES = [
    "village_operator",
    "district_office",
    "provincial_office",
    "ministry_analyst",
    "programme_manager",
    "social_worker",
    "supervisor",
    "partner_agency",
    "auditor",
    "administrator",
]


@pytest.mark.parametrize("role", ROLES)
def test_every_page_a_role_reaches_reads_in_indonesian(client, demo, role):
    from sejahtera.accounts.models import User

    client.force_login(User.objects.get(username=f"demo_{role}"))
    pages = _crawl(client)
    assert len(pages) >= 3, pages.keys()
    english = _english_messages()
    found = []
    for path, text in pages.items():
        found += [f"{path}: stage code “{m}”" for m in set(STAGE_CODES.findall(text))]
        found += [f"{path}: “{m}”" for m in english if m in text]
    assert found == [], "\n".join(found)


def test_the_check_sees_what_a_reader_would():
    page = (
        '<p data-stage="protection">Perlindungan</p><script>let s = "monitoring";</script>'
        "<td>Empowerment</td><p>Files in registry exchange format v1: households and persons, "
        "as CSV, XLSX or Parquet. Valid rows are saved; every rejected row is listed in the "
        "report.</p>"
    )
    text = _visible_text(page)
    assert STAGE_CODES.findall(text) == ["Empowerment"]  # not the attribute, not the script
    assert [m for m in _english_messages() if m in text] == [
        "Files in registry exchange format v1: households and persons, as CSV, XLSX or "
        "Parquet. Valid rows are saved; every rejected row is listed in the report."
    ]
