"""Forms built from the exchange-format columns.

They only collect text cells; validation is the registry services' (the same rules as the
import), whose findings are put back on the fields they name.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponseRedirect
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from sejahtera.accounts import idempotency
from sejahtera.domain import registry_format as fmt
from sejahtera.domain.findings import Finding
from sejahtera.domain.money import parse_rupiah
from sejahtera.i18n import render_finding
from sejahtera.labels import choices, column_label
from sejahtera.registry.services.records import RecordInvalid


def iso_date_input() -> forms.DateInput:
    """A browser date picker: its value must be ISO (2026-12-05) whatever the page's language,
    or the picker stays empty (the Indonesian format 05-12-2026 is refused)."""
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


HOUSEHOLD_FORM_COLUMNS = [
    c for c in fmt.HOUSEHOLD_COLUMNS if c.name not in ("household_id", "monthly_expenditure_idr")
]
PERSON_FORM_COLUMNS = [c for c in fmt.PERSON_COLUMNS if c.name not in ("person_id", "household_id")]
NUMERIC_KINDS = {fmt.Kind.INTEGER, fmt.Kind.POSITIVE_NUMBER, fmt.Kind.LATITUDE, fmt.Kind.LONGITUDE}
IDENTIFIER_KINDS = {fmt.Kind.NIK, fmt.Kind.KK}
# money columns of the exchange format (whole rupiah), typed the Indonesian way
MONEY_SUFFIX = "_idr"


def _field(column: fmt.Column) -> forms.Field:
    label = column_label(column.name)
    if column.kind is fmt.Kind.ENUM:
        return forms.ChoiceField(
            label=label,
            required=column.required,
            choices=[
                ("", _("— unknown —") if not column.required else "—"),
                *choices(column.choices),
            ],
        )
    if column.kind is fmt.Kind.ENUM_SET:
        return forms.MultipleChoiceField(
            label=label,
            required=False,
            choices=choices(column.choices),
            widget=forms.CheckboxSelectMultiple,
        )
    if column.kind is fmt.Kind.BOOL:
        # Three answers, not a checkbox: an unticked box would record "no" for what nobody
        # asked (decision 0002: an empty input is unknown).
        return forms.ChoiceField(
            label=label,
            required=False,
            choices=[
                ("", _("— unknown —")),
                (fmt.TRUE_TEXT, _("yes")),
                (fmt.FALSE_TEXT, _("no")),
            ],
        )
    if column.kind is fmt.Kind.DATE:
        return forms.CharField(
            label=label, required=column.required, widget=forms.DateInput(attrs={"type": "date"})
        )
    if column.name.endswith(MONEY_SUFFIX):
        return RupiahField(label=label, required=column.required, min_value=0)
    if column.kind in NUMERIC_KINDS:
        whole = column.kind is fmt.Kind.INTEGER
        return MeasureField(
            label=label,
            required=column.required,
            whole=whole,
            widget=forms.TextInput(attrs={"inputmode": "numeric" if whole else "decimal"}),
        )
    attrs: dict[str, str] = {}
    max_length = column.max_length or None
    if column.kind in IDENTIFIER_KINDS:
        # room for the spaces people group a NIK with; the cell is compacted (to_cells)
        attrs |= {"inputmode": "numeric", "maxlength": "24", "autocomplete": "off"}
        max_length = 24
    return forms.CharField(
        label=label,
        required=column.required,
        max_length=max_length,
        widget=forms.TextInput(attrs=attrs),
    )


class RupiahField(forms.IntegerField):
    """A whole-rupiah amount typed the Indonesian way ("1.500.000", "Rp 1.500.000")."""

    widget = forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"})
    default_error_messages = {"invalid": _("Write a whole rupiah amount, e.g. 1.500.000.")}

    def prepare_value(self, value: Any) -> Any:
        """An amount shown grouped the way it is typed: 1500000 as "1.500.000"."""
        if isinstance(value, int) and not isinstance(value, bool):
            return f"{value:,}".replace(",", ".")
        return value

    def to_python(self, value: Any) -> int | None:
        if value in self.empty_values:
            return None
        try:
            return parse_rupiah(str(value))
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class MeasureField(forms.CharField):
    """A number typed the Indonesian way, passed on as the exchange format writes it: a
    decimal comma ("12,5"), dots grouping a whole number ("1.300"), the unit after it ("900
    VA", "36 m²"). What is still not a number is the registry's to refuse, with its reason."""

    UNIT = re.compile(r"\s*(m²|m2|va|watt)\s*$", re.IGNORECASE)
    GROUPING_DOT = re.compile(r"(?<=\d)\.(?=\d{3}(?!\d))")

    def __init__(self, *, whole: bool, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.whole = whole

    def to_python(self, value: Any) -> str:
        text = self.UNIT.sub("", super().to_python(value) or "")
        return self.GROUPING_DOT.sub("", text) if self.whole else text.replace(",", ".")


def compact_identifier(value: str) -> str:
    """A NIK or KK number as typed, without the spaces, dots and dashes people group it with."""
    return re.sub(r"[\s.\-]", "", value)


class RegistryCellsForm(forms.Form):
    columns: list[fmt.Column] = []
    # Fields most records leave empty, shown folded (``_fields.html``) unless one is filled in
    # or wrong: a phone's form stays short.
    folded: frozenset[str] = frozenset()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for column in self.columns:
            self.fields[column.name] = _field(column)

    def folded_fields(self) -> list[forms.BoundField]:
        return [field for field in self.visible_fields() if field.name in self.folded]

    def unfolded_fields(self) -> list[forms.BoundField]:
        return [field for field in self.visible_fields() if field.name not in self.folded]

    def folded_open(self) -> bool:
        return any(
            field.errors or field.value() not in (None, "", [], "unknown")
            for field in self.folded_fields()
        )

    def to_cells(self) -> dict[str, str]:
        cells: dict[str, str] = {}
        for column in self.columns:
            value = self.cleaned_data.get(column.name)
            if column.kind is fmt.Kind.ENUM_SET:
                cells[column.name] = ";".join(value or [])
            elif column.kind in IDENTIFIER_KINDS:
                cells[column.name] = compact_identifier(value or "")
            elif isinstance(value, int):
                cells[column.name] = str(value)
            else:
                cells[column.name] = value or ""
        return cells

    def add_findings(self, findings: list[Finding]) -> None:
        for finding in findings:
            field = finding.column if finding.column in self.fields else None
            self.add_error(field, render_finding(finding))


def show_record_errors(
    household: RegistryCellsForm, members: Iterable[forms.Form], invalid: RecordInvalid
) -> None:
    """Put a refused record's findings on the fields they name: the household's on its form,
    each member's on theirs (the members filled in, in order). A household finding about a
    member's column (no member marked head) goes on the first member's, where it is put right,
    not at the top of the household's fields."""
    filled = [form for form in members if form.has_changed()]
    about_members = [
        f for f in invalid.household if filled and f.column not in household.fields
        and f.column in filled[0].fields
    ]  # fmt: skip
    household.add_findings([f for f in invalid.household if f not in about_members])
    if about_members:
        filled[0].add_findings(about_members)  # type: ignore[attr-defined]
    for index, findings in invalid.members.items():
        filled[index].add_findings(findings)  # type: ignore[attr-defined]


class OneTimeKey(forms.Form):
    """The one-time key a page's form carries beside its fields (``{{ once.submission_key }}``),
    so that a double click or a resent POST takes effect once (see ``submit_once``)."""

    submission_key = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4, required=False)


def submit_once(request: HttpRequest, write: Callable[[], str]) -> HttpResponseRedirect:
    """Run ``write`` (which returns the URL of its result) once per form key: a second post of
    the same rendered form with the same answers goes to the first result instead of writing
    again. The same form changed (a typo corrected, then Save again) is a new submission, and a
    post without a key (not from our pages) is written as it comes."""
    once = OneTimeKey(request.POST)
    key = once.cleaned_data["submission_key"] if once.is_valid() else None
    if key is None:
        return HttpResponseRedirect(write())
    try:
        answer = idempotency.once(
            request.user,  # type: ignore[arg-type]
            f"form:{key}",
            idempotency.fingerprint(request.path, _posted(request)),
            lambda: idempotency.Answer(302, location=write()),
        )
    except idempotency.KeyReused:
        return HttpResponseRedirect(write())
    return HttpResponseRedirect(answer.location)


def _posted(request: HttpRequest) -> str:
    """What a form post says (its fields, and its files by name and size), in one order."""
    fields = sorted(
        (name, value)
        for name, values in request.POST.lists()
        if name not in ("csrfmiddlewaretoken", "submission_key")
        for value in values
    )
    files = sorted(
        (name, f.name or "", f.size or 0)
        for name, uploaded in request.FILES.lists()
        for f in uploaded
    )
    return json.dumps([fields, files])


class HouseholdForm(RegistryCellsForm):
    columns = HOUSEHOLD_FORM_COLUMNS

    def __init__(self, *args: Any, villages: list[tuple[str, str]] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if villages is not None:
            self.fields["region_code"] = forms.ChoiceField(
                label=column_label("region_code"), choices=[("", "—"), *villages]
            )


# A person's conditions (disability onwards, and a date of death): empty for most members.
PERSON_CONDITIONS = frozenset(
    c.name for c in PERSON_FORM_COLUMNS[[c.name for c in PERSON_FORM_COLUMNS].index("disability") :]
)


class PersonForm(RegistryCellsForm):
    columns = PERSON_FORM_COLUMNS
    folded = PERSON_CONDITIONS


# A family card lists a household's members; far more is no household, and a forged form
# count would otherwise make the server build up to Django's 2,000 forms per request.
MAX_MEMBERS = 40
MemberFormSet = forms.formset_factory(
    PersonForm,
    extra=0,  # the head's form; "Add member" adds the others
    min_num=1,
    validate_min=True,
    max_num=MAX_MEMBERS,
    validate_max=True,
    absolute_max=MAX_MEMBERS,
)


def member_cells(formset: forms.BaseFormSet) -> list[dict[str, str]]:
    """The filled-in member forms as cells (blank extra forms are left out)."""
    return [form.to_cells() for form in formset.forms if form.has_changed()]


class ImportUploadForm(forms.Form):
    households = forms.FileField(label=_("Households file (CSV, XLSX or Parquet)"))
    persons = forms.FileField(label=_("Persons file (CSV, XLSX or Parquet)"), required=False)


class RunChoiceField(forms.ModelChoiceField):
    """A targeting run to choose, named as people say it: "Penargetan #3 per 5 Desember 2026"."""

    def label_from_instance(self, obj: Any) -> str:
        return gettext("Run #%(id)s as of %(as_of)s, rules %(version)s") % {
            "id": obj.pk,
            "as_of": date_format(obj.as_of),
            "version": obj.rules_version,
        }


class DuplicateReviewForm(forms.Form):
    verdict = forms.ChoiceField(
        label=_("Verdict"),
        choices=[("same", _("Same person")), ("different", _("Different persons"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Reason"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What in the records, or what you learned in the field, decides it."),
    )


class BulkConfirmForm(forms.Form):
    threshold = forms.FloatField(label=_("Match probability at least"), min_value=0.5, max_value=1)
    note = forms.CharField(label=_("Reason"), max_length=1000)


class MergeForm(forms.Form):
    survivor = forms.TypedChoiceField(label=_("Keep the record of"), coerce=int)
    note = forms.CharField(label=_("Reason"), max_length=1000)

    def __init__(self, *args: Any, persons: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        survivor = self.fields["survivor"]
        assert isinstance(survivor, forms.TypedChoiceField)
        survivor.choices = persons
        survivor.widget = forms.RadioSelect(choices=persons)


class UnmergeForm(forms.Form):
    note = forms.CharField(label=_("Reason"), max_length=1000)
