"""Turning registry records into what a page shows, with specific personal data masked for
those who may not read it (and every unmasked read of it logged)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.utils import formats
from django.utils.translation import gettext as _

from sejahtera.accounts import access
from sejahtera.accounts.models import User
from sejahtera.cases.models import Case
from sejahtera.domain import registry_format as fmt
from sejahtera.labels import column_label, stage_label, value_label
from sejahtera.linkage.model import COMPARISON_LABELS, LEVEL_WORDS, evidence_words
from sejahtera.registry import privacy
from sejahtera.registry.models import ChangeRecord, DuplicateCandidate, Household, Person
from sejahtera.registry.privacy import MASK
from sejahtera.registry.selectors import subject_names
from sejahtera.registry.services import records
from sejahtera.web.templatetags.sejahtera import rupiah

ENUM_COLUMNS = {
    c.name for c in (*fmt.HOUSEHOLD_COLUMNS, *fmt.PERSON_COLUMNS) if c.kind is fmt.Kind.ENUM
}
BOOL_COLUMNS = {c.name for c in fmt.PERSON_COLUMNS if c.kind is fmt.Kind.BOOL}
DATE_COLUMNS = {c.name for c in fmt.PERSON_COLUMNS if c.kind is fmt.Kind.DATE}
MONEY_COLUMNS = {
    name
    for name in (*fmt.HOUSEHOLD_COLUMN_NAMES, *fmt.PERSON_COLUMN_NAMES)
    if name.endswith("_idr")
}


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    value: str


def display(name: str, cell: str) -> str:
    if cell == "":
        return "–"
    if name in ENUM_COLUMNS:
        return value_label(cell)
    if name == "assets":
        return ", ".join(value_label(item) for item in cell.split(";"))
    if name in BOOL_COLUMNS:
        return _("yes") if cell == fmt.TRUE_TEXT else _("no")
    if name in DATE_COLUMNS:
        return formats.date_format(date.fromisoformat(cell))
    if name in MONEY_COLUMNS:
        return rupiah(int(cell))
    return cell


def household_fields(household: Household) -> list[Field]:
    cells = records.household_cells(household)
    return [
        Field(name, column_label(name), display(name, cells[name]))
        for name in fmt.HOUSEHOLD_COLUMN_NAMES
        if name not in ("household_id", "region_code")
    ]


def _shown(person: Person, hidden: frozenset[str]) -> dict[str, str]:
    """The person's format columns as displayed, those in ``hidden`` masked."""
    cells = records.person_cells(person)
    return {name: MASK if name in hidden else display(name, cells[name]) for name in cells}


@dataclass(frozen=True)
class MemberRow:
    """A household member as the page lists them: what is masked in their fields is masked in
    their heading and in the data-quality notes too."""

    person: Person
    name: str
    age: str
    deceased: bool
    fields: list[Field]
    nik_warnings: list[str]


def member_rows(members: Iterable[Person], *, unmasked: bool, today: date) -> list[MemberRow]:
    rows = []
    for person in members:
        hidden = privacy.hidden_columns(person, unmasked=unmasked, today=today)
        shown = _shown(person, hidden)
        rows.append(
            MemberRow(
                person,
                shown["full_name"],
                MASK if "birth_date" in hidden else str(privacy.age_on(person.birth_date, today)),
                "deceased_date" not in hidden and person.deceased_date is not None,
                [
                    Field(name, column_label(name), shown[name])
                    for name in fmt.PERSON_COLUMN_NAMES
                    if name not in ("person_id", "household_id")
                ],
                privacy.visible_nik_warnings(person, hidden),
            )
        )
    return rows


@dataclass(frozen=True)
class SearchRow:
    person: Person  # for the link to the household and the relationship, never masked
    name: str
    nik: str
    nik_warnings: str
    sex: str
    birth_date: str


def search_rows(persons: list[Person], *, unmasked: bool) -> list[SearchRow]:
    """Search results; what a person's page masks (a child's name, NIK, sex and birth date)
    is masked here too."""
    today = date.today()
    rows = []
    for person in persons:
        hidden = privacy.hidden_columns(person, unmasked=unmasked, today=today)
        shown = _shown(person, hidden)
        rows.append(
            SearchRow(
                person,
                shown["full_name"],
                shown["nik"],
                ";".join(privacy.visible_nik_warnings(person, hidden)),
                shown["sex"],
                shown["birth_date"],
            )
        )
    return rows


@dataclass(frozen=True)
class FieldChange:
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class ChangeRow:
    record: ChangeRecord
    fields: list[FieldChange]


def change_rows(
    changes: Iterable[ChangeRecord], members: dict[int, Person], *, unmasked: bool, today: date
) -> list[ChangeRow]:
    """The change history as the reader may see it: a member's columns that are masked on the
    page (specific data, a child's details) are masked in their history too."""
    rows = []
    for change in changes:
        hidden: frozenset[str] = frozenset()
        if change.entity == ChangeRecord.Entity.PERSON:
            person = members.get(change.record_id)
            # A change of someone no longer in the household: nothing of theirs is shown.
            hidden = (
                privacy.hidden_columns(person, unmasked=unmasked, today=today)
                if person is not None
                else frozenset(fmt.PERSON_COLUMN_NAMES)
            )
        rows.append(
            ChangeRow(
                change,
                [
                    FieldChange(column_label(name), MASK, MASK)
                    if privacy.field_hidden(name, hidden)
                    else FieldChange(column_label(name), _history_value(old), _history_value(new))
                    for name, (old, new) in change.changes.items()
                ],
            )
        )
    return rows


def _history_value(value: object) -> str:
    return "–" if value is None or value == "" else str(value)


def duplicate_notices(
    user: User, candidates: Iterable[DuplicateCandidate], household: Household, *, today: date
) -> list[str]:
    """What the household page says of its members' possible duplicates (a shared NIK, or a
    probable match found by linkage): the other person's name and household only when the user
    may see them (in their region, not masked); otherwise only that the person is registered
    elsewhere too and that the pair is reviewed."""
    unmasked = privacy.may_read_specific(user)
    notices = []
    for candidate in candidates:
        mine, other = candidate.person, candidate.other
        if mine.household_id != household.pk:
            mine, other = other, mine
        own_name = privacy.visible_name(mine, unmasked=unmasked, today=today)
        status = candidate.get_status_display()
        shared_nik = candidate.reason == DuplicateCandidate.Reason.SAME_NIK
        other_hidden = privacy.hidden_columns(other, unmasked=unmasked, today=today)
        if access.covers(user, other.household.village_id) and "full_name" not in other_hidden:
            notices.append(
                (
                    _(
                        "%(a)s and %(b)s (household %(household)s) share a NIK — possible "
                        "duplicate (%(status)s)"
                    )
                    if shared_nik
                    else _(
                        "%(a)s and %(b)s (household %(household)s) may be one person — possible "
                        "duplicate (%(status)s)"
                    )
                )
                % {
                    "a": own_name,
                    "b": other.full_name,
                    "household": other.household.external_id,
                    "status": status,
                }
            )
        else:
            notices.append(
                (
                    _(
                        "The NIK of %(a)s is also registered for another person elsewhere; the "
                        "pair goes to review (%(status)s)."
                    )
                    if shared_nik
                    else _(
                        "%(a)s may also be registered as another person elsewhere; the pair "
                        "goes to review (%(status)s)."
                    )
                )
                % {"a": own_name, "status": status}
            )
    return notices


# What a reviewer compares of the two persons of a possible duplicate, side by side.
PAIR_COLUMNS = ("full_name", "nik", "sex", "birth_date", "birth_place", "relationship")


@dataclass(frozen=True)
class PairRow:
    label: str
    left: str
    right: str
    same: bool


@dataclass(frozen=True)
class EvidenceRow:
    label: str
    words: str
    verdict: str  # "agree", "partly", "disagree" or "missing": how the row is marked


def duplicate_pair(
    candidate: DuplicateCandidate, *, unmasked: bool, today: date
) -> tuple[list[PairRow], list[EvidenceRow]]:
    """The two persons side by side (masked as their household pages mask them) and, for a
    pair found by linkage, what each comparison found, in words."""
    left, right = candidate.person, candidate.other
    shown = [
        _shown(p, privacy.hidden_columns(p, unmasked=unmasked, today=today)) for p in (left, right)
    ]
    rows = [
        PairRow(column_label(n), shown[0][n], shown[1][n], shown[0][n] == shown[1][n])
        for n in PAIR_COLUMNS
    ]
    for label, values in (
        (_("Household"), [p.household.external_id for p in (left, right)]),
        (column_label("kk_number"), [p.household.kk_number or "–" for p in (left, right)]),
        (
            _("Village"),
            [f"{p.household.village.name} ({p.household.village_id})" for p in (left, right)],
        ),
    ):
        rows.append(PairRow(label, values[0], values[1], values[0] == values[1]))
    evidence = []
    # In the model's order (PostgreSQL's jsonb keeps no key order).
    for comparison in LEVEL_WORDS:
        if comparison not in candidate.evidence:
            continue
        level = candidate.evidence[comparison]
        top = len(LEVEL_WORDS[comparison]) - 1
        verdict = (
            "missing"
            if level < 0
            else "agree"
            if level == top
            else "disagree"
            if level == 0
            else "partly"
        )
        evidence.append(
            EvidenceRow(
                _(COMPARISON_LABELS[comparison]), _(evidence_words(comparison, level)), verdict
            )
        )
    return rows, evidence


@dataclass(frozen=True)
class CaseRow:
    case: Case
    family: str
    stage: str
    days_in_stage: int
    next_step: str
    overdue: bool


def case_row(case: Case, today: date) -> CaseRow:
    """One line of a case list, from a case annotated by ``cases.selectors.case_list``: the
    family by its head's name (by its household number when the user may not see the name)."""
    family = getattr(case, "family", None) or _("Household %(id)s") % {
        "id": case.household.external_id
    }
    due: date | None = getattr(case, "next_due", None)
    if getattr(case, "graduation_waiting", False):
        next_step = _("Graduation waits for approval")
    elif due is not None:
        next_step = _("Follow-up visit by %(date)s") % {"date": formats.date_format(due)}
    else:
        next_step = ""
    return CaseRow(
        case=case,
        family=family,
        stage=stage_label(case.stage),
        days_in_stage=(today - case.stage_since).days,
        next_step=next_step,
        overdue=due is not None and due < today,
    )


def household_labels(user: User, households: Iterable[Household]) -> list[str]:
    """Households as people name them: the head, masked as the household page masks them,
    with the record's id beside it ("Siti Aminah · H000416"); the id alone without a head.
    Two queries, however many households."""
    households = list(households)
    names = subject_names(user, [(h.pk, None) for h in households], date.today())
    return [
        h.external_id if name == "–" else f"{name} · {h.external_id}"
        for h, name in zip(households, names, strict=True)
    ]
