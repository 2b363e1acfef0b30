"""Every user-facing string has an Indonesian translation, and the compiled catalogue is current."""

import re
from pathlib import Path

from django.utils import translation

import sejahtera

LOCALE = Path(sejahtera.__file__).parent / "locale"
ENTRY = re.compile(r'^msgid ((?:".*"\n)+)msgstr ((?:".*"\n?)+)', re.MULTILINE)


def unquote(block: str) -> str:
    parts = re.findall(r'"((?:[^"\\]|\\.)*)"', block)
    return "".join(parts).replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")


def catalogue(language: str) -> dict[str, str]:
    text = (LOCALE / language / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    entries = {unquote(m[1]): unquote(m[2]) for m in ENTRY.finditer(text)}
    entries.pop("", None)
    return entries


def test_every_message_has_an_indonesian_translation():
    untranslated = [msgid for msgid, msgstr in catalogue("id").items() if not msgstr]
    assert untranslated == []


def test_the_compiled_catalogue_matches_the_po_file():
    """Fails when django.po was edited without running compilemessages."""
    with translation.override("id"):
        stale = [m for m, s in catalogue("id").items() if translation.gettext(m) != s]
    assert stale == []


def test_placeholders_survive_translation():
    for msgid, msgstr in catalogue("id").items():
        assert sorted(re.findall(r"\{[^}]*\}", msgid)) == sorted(
            re.findall(r"\{[^}]*\}", msgstr)
        ), msgid
