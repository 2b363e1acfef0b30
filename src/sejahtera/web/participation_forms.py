"""The forms of citizens' participation, shared by the public pages and the staff's: a NIK as
typed, a village from the region lists, a proposed family, a complaint."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sejahtera.accounts.models import User
from sejahtera.domain import registry_format as fmt
from sejahtera.domain.participation import (
    CONDITION_MEMBER_COLUMNS,
    CORRECTABLE,
    ComplaintCategory,
    ProposalKind,
    parse_tracking_number,
)
from sejahtera.grievances import complaints, proposals
from sejahtera.grievances.models import Complaint, Proposal
from sejahtera.grievances.proposals import ProposedChange
from sejahtera.labels import PARTICIPATION_LABELS, programme_label
from sejahtera.registry.models import Region
from sejahtera.registry.services.records import RecordInvalid
from sejahtera.web.forms import RegistryCellsForm, compact_identifier, show_record_errors

MEMBER_FORMS = 4
# What a person writes in their own words, on a page anyone may post to: long enough for any
# account of a family's need, short enough that a script cannot fill the officers' pages.
DESCRIPTION_LIMIT = 4000


class NikField(forms.CharField):
    """A NIK as printed on the KTP (spaces and dots allowed), checked for its shape."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("NIK (as on the KTP)"))
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "numeric"}))
        super().__init__(max_length=24, **kwargs)

    def clean(self, value: Any) -> str:
        nik = compact_identifier(super().clean(value) or "")
        if nik and (len(nik) != 16 or not (nik.isascii() and nik.isdigit())):
            raise forms.ValidationError(_("A NIK has 16 digits."), code="nik")
        return nik


class PhoneField(forms.CharField):
    """A phone number the office can call (optional): 8 to 15 digits, written as people write
    them (+62, spaces, dashes, dots, brackets). "-" or "tidak ada" is refused, not kept as a
    number the office would be told to call."""

    SHAPE = re.compile(r"\+?[0-9 ().-]+")

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Phone number"))
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "tel", "type": "tel"}))
        super().__init__(max_length=20, required=False, **kwargs)

    def clean(self, value: Any) -> str:
        phone = super().clean(value) or ""
        digits = sum(ch.isdigit() for ch in phone)
        if phone and not (self.SHAPE.fullmatch(phone) and phone.isascii() and 8 <= digits <= 15):
            raise forms.ValidationError(
                _("Write a phone number in digits, e.g. 0812 3456 7890, or leave it empty."),
                code="phone",
            )
        return phone


class VillageField(forms.CharField):
    """The village code the region lists leave in their last field."""

    def clean(self, value: Any) -> Region:
        code = super().clean(value)
        village = Region.objects.filter(code=code, level="village").first()
        if village is None:
            raise forms.ValidationError(_("Choose the village."), code="village")
        return village


class StatusForm(forms.Form):
    nik = NikField()
    name = forms.CharField(label=_("Full name (as on the KTP)"), max_length=200)


class TrackForm(forms.Form):
    number = forms.CharField(label=_("Tracking number"), max_length=30)
    nik = NikField(label=_("The NIK you gave when filing"))
    name = forms.CharField(label=_("The name you gave when filing"), max_length=200)

    def clean_number(self) -> tuple[str, int, int]:
        parsed = parse_tracking_number(self.cleaned_data["number"])
        if parsed is None:
            raise forms.ValidationError(
                _("This is not a tracking number: check each digit."), code="number"
            )
        return parsed


class PlaceForm(forms.Form):
    """Where the family lives, as the phone finds it (the button fills both) or as typed."""

    latitude = forms.DecimalField(
        label=_("Latitude"),
        required=False,
        decimal_places=6,
        min_value=fmt.INDONESIA_LATITUDE[0],
        max_value=fmt.INDONESIA_LATITUDE[1],
    )
    longitude = forms.DecimalField(
        label=_("Longitude"),
        required=False,
        decimal_places=6,
        min_value=fmt.INDONESIA_LONGITUDE[0],
        max_value=fmt.INDONESIA_LONGITUDE[1],
    )


class FamilyPlaceForm(PlaceForm):
    """Where a proposed family lives: its village (chosen in the region lists) and the place."""

    village = VillageField(label=_("Village"))

    field_order = ["village", "latitude", "longitude"]


class ProposerForm(forms.Form):
    """Who proposes a family, and why."""

    name = forms.CharField(label=_("Your name"), max_length=200)
    nik = NikField()
    phone = PhoneField()
    description = forms.CharField(
        label=_("Why does this family need help?"),
        max_length=DESCRIPTION_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    photo = forms.FileField(
        label=_("Photo of the house (JPEG or PNG, optional)"),
        required=False,
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png", "capture": "environment"}
        ),
    )


def _columns(columns: tuple[fmt.Column, ...], names: tuple[str, ...]) -> list[fmt.Column]:
    return [column for column in columns if column.name in names]


class ProposedHouseholdForm(RegistryCellsForm):
    columns = _columns(fmt.HOUSEHOLD_COLUMNS, ("address", "rt", "rw"))


class ProposedMemberForm(RegistryCellsForm):
    columns = _columns(
        fmt.PERSON_COLUMNS,
        ("full_name", "nik", "sex", "birth_date", "relationship", "disability", "neglected"),
    )


ProposedMembers = forms.formset_factory(
    ProposedMemberForm, extra=MEMBER_FORMS, max_num=MEMBER_FORMS, absolute_max=MEMBER_FORMS
)


class ComplaintForm(forms.Form):
    village = VillageField(label=_("Village where it happened"))
    category = forms.ChoiceField(
        label=_("What is the complaint about?"),
        choices=[(c.value, PARTICIPATION_LABELS[c.value]) for c in ComplaintCategory],  # lazy
    )
    description = forms.CharField(
        label=_("What happened?"),
        max_length=DESCRIPTION_LIMIT,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    name = forms.CharField(label=_("Your name"), max_length=200)
    nik = NikField()
    phone = PhoneField()


class ConditionForm(RegistryCellsForm):
    """A member's changed condition: what makes a cluster (disability, illness, disaster)."""

    columns = _columns(fmt.PERSON_COLUMNS, tuple(CONDITION_MEMBER_COLUMNS))


CHANGE_KINDS = [k for k in ProposalKind if k is not ProposalKind.NEW_HOUSEHOLD]


class ChangeProposalForm(PlaceForm):
    """A change to a registered household: which kind, which member, and the facts each kind
    needs (the sections of the page the kind does not use are left empty)."""

    kind = forms.ChoiceField(
        label=_("What changed?"),
        choices=[(k.value, PARTICIPATION_LABELS[k.value]) for k in CHANGE_KINDS],  # lazy
    )
    member = forms.TypedChoiceField(label=_("Which member"), coerce=int, required=False)
    deceased_date = forms.DateField(
        label=_("Date of death"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    to_household = forms.CharField(
        label=_("Household the member joins (its ID)"), max_length=64, required=False
    )
    description = forms.CharField(
        label=_("What happened, and how the village knows"),
        max_length=DESCRIPTION_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    photo = forms.FileField(
        label=_("Photo or document (PDF, JPEG or PNG, optional)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )

    field_order = ["kind", "member", "deceased_date", "to_household", "description", "photo"]

    def __init__(self, *args: Any, members: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].choices = [("", "—"), *members]  # type: ignore[attr-defined]


class CorrectionForm(RegistryCellsForm):
    """Who asks (the person themselves, as on the KTP), what is wrong, and the right values."""

    columns = _columns(fmt.PERSON_COLUMNS, CORRECTABLE)

    nik = NikField()
    name = forms.CharField(label=_("Full name as registered"), max_length=200)
    description = forms.CharField(
        label=_("What is wrong in your data?"),
        max_length=DESCRIPTION_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for column in CORRECTABLE:
            self.fields[column].required = False
            self.fields[column].label = _("Correct %(field)s") % {
                "field": str(self.fields[column].label).lower()
            }
        self.order_fields(["nik", "name", "description", *CORRECTABLE])

    def corrected(self) -> dict[str, str]:
        """The values the person filled in (left empty: not to be changed)."""
        cells = self.to_cells()
        return {name: cells[name] for name in CORRECTABLE if name in self.changed_data}


class DecisionObjectionForm(forms.Form):
    """A person's objection to a targeting decision about them, on the public page: who they
    are (as on the KTP), which programme's decision, and why it is wrong."""

    nik = NikField()
    name = forms.CharField(label=_("Full name as registered"), max_length=200)
    programme = forms.ChoiceField(label=_("The decision about which programme?"))
    grounds = forms.CharField(
        label=_("Why is the decision wrong?"),
        max_length=DESCRIPTION_LIMIT,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    phone = PhoneField(
        label=_("Phone number (optional)"),
        help_text=_("The social office calls it to check that it is you; without it, ask there."),
    )

    def __init__(self, *args: Any, programmes: tuple[str, ...], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["programme"].choices = [(code, programme_label(code)) for code in programmes]  # type: ignore[attr-defined]


class NewFamily:
    """The forms of a proposed new family — where it lives and who proposes, its address, its
    members — and their submission: the public page's and the village operator's alike."""

    def __init__(self, data: Any, files: Any, *, staff: User | None = None) -> None:
        self.place = FamilyPlaceForm(data)
        self.proposer = ProposerForm(data, files)
        self.household = ProposedHouseholdForm(data, prefix="h")
        self.members = ProposedMembers(data, prefix="m", initial=[{"relationship": "head"}])
        self.staff = staff
        if staff is not None:  # the operator proposes; the family's NIKs follow
            self.proposer.fields["nik"].required = False
            self.proposer.fields["name"].initial = staff.get_full_name() or staff.username

    def context(self) -> dict[str, Any]:
        return {
            "place": self.place,
            "household": self.household,
            "members": self.members,
            "proposer": self.proposer,
        }

    def is_valid(self) -> bool:
        # every part validated, not only up to the first invalid one: each shows its errors
        valid = [part.is_valid() for part in (self.place, self.household, self.members)]
        return all([*valid, self.proposer.is_valid()])

    def submit(self, today: date) -> Proposal:
        """The proposal (RecordInvalid with the registry's findings, StepRefused with the
        workflow's: ``show`` puts the former on their fields)."""
        data, place = self.proposer.cleaned_data, self.place.cleaned_data
        change = ProposedChange(
            kind=ProposalKind.NEW_HOUSEHOLD,
            village=place["village"],
            household_cells=self.household.to_cells(),
            member_cells=[f.to_cells() for f in self.members.forms if f.has_changed()],
        )
        return proposals.submit_proposal(
            change=change,
            proposer_name=data["name"],
            proposer_nik=data["nik"],
            proposer_phone=data["phone"],
            description=data["description"],
            photo=data["photo"],
            latitude=place["latitude"],
            longitude=place["longitude"],
            submitted_on=today,
            submitted_by=self.staff,
        )

    def show(self, invalid: RecordInvalid) -> None:
        show_record_errors(self.household, self.members.forms, invalid)


class StaffComplaintForm(ComplaintForm):
    """Taken in at an office: the staff member a complaint is about can be named (by their
    user name), so that it never reaches them and goes above their office."""

    named_staff = forms.ModelChoiceField(
        label=_("Staff member concerned (user name, for a complaint about staff)"),
        queryset=User.objects.filter(is_active=True).exclude(role=""),
        to_field_name="username",
        required=False,
        widget=forms.TextInput,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["nik"].required = False  # given if the complainant wants to follow it


def file_complaint(form: ComplaintForm, today: date, received_by: User | None = None) -> Complaint:
    """The complaint a valid form describes (StepRefused when the service refuses it)."""
    data = form.cleaned_data
    return complaints.file_complaint(
        category=ComplaintCategory(data["category"]),
        region=data["village"],
        description=data["description"],
        complainant_name=data["name"],
        complainant_nik=data["nik"],
        complainant_phone=data["phone"],
        received_on=today,
        received_by=received_by,
        named_staff=data.get("named_staff"),
    )
