"""The Indonesian catalogue: complete, current with the source, and in the ministry's own words."""

import re
import shutil
from collections import defaultdict
from pathlib import Path

import polib
import pytest
from django.core.management import call_command

import sejahtera

PACKAGE = Path(sejahtera.__file__).parent
CATALOGUE = PACKAGE / "locale" / "id" / "LC_MESSAGES"
GLOSSARY = PACKAGE.parents[1] / "docs" / "glossary.md"

# Words Indonesian uses unchanged; any other msgstr equal to its msgid was left in English.
SAME_IN_BOTH_LANGUAGES = {
    "Administrator", "ATENSI", "Auditor", "Diploma", "HIV", "ID", "Indonesia", "manual", "Menu",
    "Mental", "No.", "NIK", "PENA", "REST API", "RT", "RW", "Status", "Supervisor", "supervisor",
    "Target", "Token", "TV",
}  # fmt: skip

# Reviewed groups of English messages that Indonesian rightly says with one phrase.
SHARED_TRANSLATIONS = [
    {"Pending", "Queued", "Waiting"},
    {"started on", "started at"},
    {"done on", "finished at"},
    {"due on", "due"},
    {"valid from", "effective from"},
    {"Employment", "Work"},
    {"Type", "Kind"},
    {"Re-entry", "Re-entered"},
    {"Log in", "Enter"},
    {"Graduation waits for approval", "Graduations waiting for approval"},
    {"Targeting", "targeting run"},
    {"current", "in force"},
    {"All", "Everyone"},
]

PLACEHOLDER = re.compile(r"\{[^}]*\}|%\([a-z_]+\)[sd]")


def normalised(msgid: str) -> str:
    """Folds case, end punctuation, articles and plurals: "The cases." and "case" are one."""
    words = [w for w in re.sub(r"[.:]+$", "", msgid.lower()).split() if w not in {"a", "the"}]
    return " ".join(singular(w) for w in words)


def singular(word: str) -> str:
    if word.endswith("sses"):
        return word[:-2]
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def entries() -> list[polib.POEntry]:
    return [e for e in polib.pofile(str(CATALOGUE / "django.po")) if not e.obsolete]


def translations(entry: polib.POEntry) -> list[str]:
    return list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]


def interface_terms() -> dict[str, str]:
    """The "Interface terms" table of docs/glossary.md: English term → Indonesian word."""
    section = GLOSSARY.read_text(encoding="utf-8").split("## Interface terms", 1)[1]
    rows = re.findall(r"^\| ([a-z][a-z ]+?) \| ([a-z][a-z ]+?) \|$", section, re.MULTILINE)
    assert len(rows) > 20, "the glossary lost its interface terms"
    return dict(rows)


def test_every_message_has_an_indonesian_translation():
    missing = [e.msgid for e in entries() if "fuzzy" in e.flags or not all(translations(e))]
    assert missing == []


def test_no_message_is_left_in_english():
    left = [
        e.msgid for e in entries() if e.msgstr == e.msgid and e.msgid not in SAME_IN_BOTH_LANGUAGES
    ]
    assert left == []


def test_one_translation_is_not_reused_for_unrelated_messages():
    accepted = [{normalised(m) for m in group} for group in SHARED_TRANSLATIONS]
    meanings: dict[str, set[str]] = defaultdict(set)
    for entry in entries():
        if not entry.msgid_plural:
            meanings[entry.msgstr.rstrip(".")].add(normalised(entry.msgid))
    reused = {
        msgstr: sorted(msgids)
        for msgstr, msgids in meanings.items()
        if len(msgids) > 1 and not any(msgids <= group for group in accepted)
    }
    assert reused == {}


def test_interface_terms_use_the_glossary_word():
    wrong = [
        (english, e.msgid)
        for english, indonesian in interface_terms().items()
        for e in entries()
        if re.search(rf"\b{english}(e?s)?\b", e.msgid, re.IGNORECASE)
        and not all(indonesian in t.lower() for t in translations(e))
    ]
    assert wrong == []


def test_placeholders_survive_translation():
    broken = [
        e.msgid
        for e in entries()
        for t in translations(e)
        if sorted(PLACEHOLDER.findall(e.msgid)) != sorted(PLACEHOLDER.findall(t))
    ]
    assert broken == []


def test_the_compiled_catalogue_matches_the_po_file():
    """Fails when django.po was edited without running compilemessages."""
    compiled = {
        (e.msgctxt, e.msgid): translations(e) for e in polib.mofile(str(CATALOGUE / "django.mo"))
    }
    stale = [e.msgid for e in entries() if compiled.get((e.msgctxt, e.msgid)) != translations(e)]
    assert stale == []


def test_the_catalogue_holds_every_message_of_the_source(tmp_path, settings, monkeypatch):
    """Fails when code gained a message and `make messages` was not run."""
    source = tmp_path / "sejahtera"
    shutil.copytree(
        PACKAGE,
        source,
        ignore=shutil.ignore_patterns("static", "data", "synth", "__pycache__", "*.mo"),
    )
    settings.LOCALE_PATHS = [source / "locale"]
    monkeypatch.chdir(source)
    call_command("makemessages", locale=["id"], no_obsolete=True, verbosity=0)
    extracted = {
        (e.msgctxt, e.msgid) for e in polib.pofile(str(source / "locale/id/LC_MESSAGES/django.po"))
    }
    assert extracted - {(e.msgctxt, e.msgid) for e in entries()} == set()


@pytest.mark.parametrize(
    ("msgid", "expected"),
    [
        ("The cases.", "case"),
        ("Households", "household"),
        ("Register a household", "register household"),
        ("accesses", "access"),
    ],
)
def test_normalised_folds_the_forms_of_one_message(msgid, expected):
    assert normalised(msgid) == expected
