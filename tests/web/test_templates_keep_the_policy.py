"""No page template carries what the Content-Security-Policy refuses: inline script, event
handler attributes, style attributes or elements, or htmx's eval (hx-on, js: values). The
browser tests catch violations on the pages they open; this covers every template. The PDF
documents (templates/documents/) are rendered by WeasyPrint, not a browser."""

import re
from pathlib import Path

import pytest

import sejahtera

PACKAGE = Path(sejahtera.__file__).parent
TEMPLATES = sorted(
    path
    for path in PACKAGE.glob("*/templates/**/*.html")
    if "documents" not in path.relative_to(PACKAGE).parts
)
REFUSED = {
    "inline script": re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>"),
    "event handler attribute": re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
    "style attribute": re.compile(r"\sstyle\s*="),
    "style element": re.compile(r"<style\b"),
    "htmx eval": re.compile(r"hx-on|['\"]js:"),
}


def test_there_are_templates_to_check():
    assert len(TEMPLATES) > 50


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_a_template_keeps_the_policy(template):
    text = template.read_text()
    found = [what for what, pattern in REFUSED.items() if pattern.search(text)]
    assert not found, f"{template.name}: {', '.join(found)}"


@pytest.mark.parametrize(
    "markup",
    [
        "<script>alert(1)</script>",
        '<select onchange="this.form.submit()">',
        '<div style="margin: 0">',
        "<style>p {}</style>",
        "<button hx-vals='js:{a: 1}'>",
    ],
)
def test_the_check_finds_what_it_looks_for(markup):
    assert any(pattern.search(markup) for pattern in REFUSED.values())
