"""Registry pages: search, household page, registration and edit forms, live NIK check."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Case, QuerySet, Value, When
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from sejahtera.accounts import access
from sejahtera.cases import selectors as case_selectors
from sejahtera.domain.identifiers import parse_nik
from sejahtera.domain.regions import default_catalog
from sejahtera.domain.registry_format import parse_date
from sejahtera.programmes import selectors as delivery
from sejahtera.registry import privacy, selectors
from sejahtera.registry.models import Household, Person, Region
from sejahtera.registry.services import exports, records
from sejahtera.targeting import selectors as targeting
from sejahtera.web import documents, params, presenters
from sejahtera.web.downloads import download
from sejahtera.web.forms import (
    HouseholdForm,
    MemberFormSet,
    OneTimeKey,
    PersonForm,
    member_cells,
    show_record_errors,
    submit_once,
)
from sejahtera.web.http import AuthenticatedRequest

PAGE_SIZE = 25
MAX_VILLAGE_CHOICES = 2000
COUNT_CAP = 10_000


class CappedPaginator(Paginator):
    """Counts at most COUNT_CAP matches: an exact count of a national search costs more than
    the page itself, and nobody pages past the first thousand names."""

    @cached_property
    def count(self) -> int:
        persons: QuerySet[Person] = self.object_list  # type: ignore[assignment]
        return persons.order_by()[: COUNT_CAP + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > COUNT_CAP


@login_required
@require_GET
def search(request: AuthenticatedRequest) -> HttpResponse:
    region, region_notice = _region_filter(request)
    criteria = _criteria(request, region)
    persons = selectors.search_persons(request.user, criteria)
    page = CappedPaginator(persons, PAGE_SIZE, allow_empty_first_page=True).get_page(
        request.GET.get("page")
    )
    partial = request.headers.get("HX-Request") == "true"
    template = "web/registry/_results.html" if partial else "web/registry/search.html"
    return render(
        request,
        template,
        {
            "criteria": criteria,
            "page": page,
            "rows": presenters.search_rows(
                list(page.object_list), unmasked=privacy.may_read_specific(request.user)
            ),
            "can_edit": access.has_role(request.user, access.REGISTRY_EDITORS),
            "region_notice": region_notice,
        },
    )


def _criteria(request: AuthenticatedRequest, region: str) -> selectors.PersonSearch:
    return selectors.PersonSearch(
        query=params.search_text(request.GET),
        region=region,
        sort=params.sort_key(request.GET, selectors.PERSON_SORTS, default=""),
        concern=params.choice(request.GET, "concern", selectors.CONCERNS),
    )


def _region_filter(request: AuthenticatedRequest) -> tuple[str, str]:
    return params.scoped_region(request.GET, access.region_prefix(request.user))


def _read_household(request: AuthenticatedRequest, pk: int) -> tuple[Household, list[Person]]:
    """A household the user may see and its members, the head first, then oldest first (as
    a family card lists them); the read is logged."""
    try:
        record = selectors.household_for(request.user, pk)
    except Household.DoesNotExist:
        raise Http404 from None
    head_first = Case(When(relationship="head", then=Value(0)), default=Value(1))
    members = list(record.members.order_by(head_first, "birth_date"))
    privacy.log_reads(request.user, members, request.path)
    return record, members


@login_required
def household(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    record, members = _read_household(request, pk)
    today = date.today()
    unmasked = privacy.may_read_specific(request.user)
    member_ids = [m.pk for m in members]
    by_id = {m.pk: m for m in members}
    # A record merged into a member is that member: its history reads as theirs.
    by_id |= {merged: by_id[kept] for merged, kept in selectors.merged_into(member_ids).items()}
    return render(
        request,
        "web/registry/household.html",
        {
            "household": record,
            "region_path": selectors.region_path(record.village_id),
            "fields": presenters.household_fields(record),
            "members": presenters.member_rows(members, unmasked=unmasked, today=today),
            "history": presenters.change_rows(
                selectors.change_history("household", record.pk)[:50],
                by_id,
                unmasked=unmasked,
                today=today,
            ),
            "member_history": presenters.change_rows(
                selectors.change_history_of_persons(member_ids)[:50],
                by_id,
                unmasked=unmasked,
                today=today,
            ),
            "held_members": selectors.held_members_of(record).count(),
            "duplicates": presenters.duplicate_notices(
                request.user, selectors.duplicate_candidates_of(member_ids), record, today=today
            ),
            "can_edit": access.has_role(request.user, access.REGISTRY_EDITORS),
            "can_take_objection": access.has_role(request.user, access.OBJECTION_TAKERS),
            "can_propose": access.has_role(request.user, access.PROPOSAL_VILLAGE),
            "targeting": targeting.household_targeting(request.user, record, members),
            "household_case": case_selectors.household_case(request.user, record),
            "delivery": delivery.household_delivery(request.user, record.pk),
            "can_open_case": access.has_role(request.user, access.CASE_OPENERS),
            # a member's copy of their own data holds specific data
            "can_copy_personal_data": unmasked,
        },
    )


@login_required
def household_card(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The household card as PDF: what the household page shows of its members, masked alike,
    and the current run's decisions on it (a read of its members, logged like the page)."""
    record, members = _read_household(request, pk)
    today = date.today()
    rows = presenters.member_rows(
        members, unmasked=privacy.may_read_specific(request.user), today=today
    )
    context = {
        "household": record,
        "region_path": selectors.region_path(record.village_id),
        "members": [{"name": row.name} | {f.name: f.value for f in row.fields} for row in rows],
        "targeting": targeting.household_targeting(request.user, record, members),
        **documents.letter(
            record.village_id,
            serial=record.pk,
            code="KRT",
            on=today,
            **documents.signed_by(request.user),
        ),
    }
    pdf = documents.render_pdf(request, "documents/household_card.html", context)
    return documents.pdf_response(pdf, f"household-{record.pk}.pdf")


def _villages_for(request: AuthenticatedRequest) -> list[tuple[str, str]] | None:
    """Villages the user may register in, as choices; None when too many to list."""
    prefix = access.region_prefix(request.user)
    if len(prefix) < 4:
        return None
    villages = Region.objects.filter(level="village", code__startswith=prefix).select_related(
        "parent"
    )[:MAX_VILLAGE_CHOICES]
    return [
        (v.code, f"{v.name} — {v.parent.name if v.parent else ''} ({v.code})") for v in villages
    ]


@login_required
def register(request: AuthenticatedRequest) -> HttpResponse:
    access.require(request.user, access.REGISTRY_EDITORS)
    villages = _villages_for(request)
    if request.method == "POST":
        form = HouseholdForm(request.POST, villages=villages)
        members = MemberFormSet(request.POST, prefix="m")
        if form.is_valid() and members.is_valid():

            def write() -> str:
                created = records.register_household(
                    actor=request.user, household=form.to_cells(), members=member_cells(members)
                )
                messages.success(request, _("Household registered."))
                return reverse("web:household", args=[created.pk])

            try:
                return submit_once(request, write)
            except records.RecordInvalid as invalid:
                show_record_errors(form, members.forms, invalid)
    else:
        initial = {"region_code": request.user.region_id} if villages and len(villages) == 1 else {}
        form = HouseholdForm(villages=villages, initial=initial)
        members = MemberFormSet(prefix="m", initial=[{"relationship": "head"}])
    context = {"form": form, "members": members, "once": OneTimeKey(request.POST or None)}
    return render(request, "web/registry/register.html", context)


@login_required
def member_form(request: AuthenticatedRequest) -> HttpResponse:
    """One more empty member form for the registration page (htmx)."""
    access.require(request.user, access.REGISTRY_EDITORS)
    index = params.integer(request.GET, "index", 0)
    form = PersonForm(prefix=f"m-{index}")
    return render(request, "web/registry/_member_form.html", {"form": form, "index": index})


@login_required
def edit_household(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    try:
        record = selectors.household_for(request.user, pk)
    except Household.DoesNotExist:
        raise Http404 from None
    access.require(request.user, access.REGISTRY_EDITORS)
    villages = _villages_for(request)
    if request.method == "POST":
        form = HouseholdForm(request.POST, villages=villages)
        if form.is_valid():
            try:
                records.update_household(
                    actor=request.user,
                    household=record,
                    # the columns the page does not edit (the surveyed expenditure) as they are
                    cells=records.household_cells(record) | form.to_cells(),
                    expected_version=params.integer(request.POST, "version", 0),
                )
            except records.RecordInvalid as invalid:
                form.add_findings(invalid.household)
            except records.EditConflict:
                form.add_error(
                    None,
                    _(
                        "Someone else changed this household meanwhile. "
                        "Reload the page to see their changes."
                    ),
                )
            else:
                messages.success(request, _("Household saved."))
                return redirect("web:household", pk=record.pk)
    else:
        form = HouseholdForm(
            initial=_form_initial(records.household_cells(record)), villages=villages
        )
    return render(
        request,
        "web/registry/edit.html",
        {"form": form, "record": record, "household": record, "version": _version(request, record)},
    )


@login_required
def edit_person(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    try:
        person = selectors.persons_for(request.user).select_related("household").get(pk=pk)
    except Person.DoesNotExist:
        raise Http404 from None
    access.require(request.user, access.REGISTRY_EDITORS)
    if request.method == "POST":
        form = PersonForm(request.POST)
        if form.is_valid():
            try:
                records.update_person(
                    actor=request.user,
                    person=person,
                    cells=form.to_cells(),
                    expected_version=params.integer(request.POST, "version", 0),
                )
            except records.RecordInvalid as invalid:
                form.add_findings(invalid.members.get(0, []))
            except records.EditConflict:
                form.add_error(
                    None,
                    _(
                        "Someone else changed this person meanwhile. "
                        "Reload the page to see their changes."
                    ),
                )
            else:
                messages.success(request, _("Person saved."))
                return redirect("web:household", pk=person.household_id)
    else:
        access.log_sensitive_read(request.user, "person", [person.pk], request.path)
        form = PersonForm(initial=_form_initial(records.person_cells(person)))
    return render(
        request,
        "web/registry/edit.html",
        {
            "form": form,
            "record": person,
            "household": person.household,
            "version": _version(request, person),
        },
    )


def _version(request: AuthenticatedRequest, record: Household | Person) -> int:
    """The version a form sent back is based on: the one it was posted with, never the
    record's latest, or saving again would overwrite what someone else saved meanwhile."""
    if request.method == "POST":
        return params.integer(request.POST, "version", 0)
    return record.version


def _form_initial(cells: dict[str, str]) -> dict[str, object]:
    initial: dict[str, object] = dict(cells)
    if "assets" in cells:
        initial["assets"] = [a for a in cells["assets"].split(";") if a]
    return initial


@login_required
@require_GET
def nik_check(request: AuthenticatedRequest) -> HttpResponse:
    """Live NIK feedback while typing (htmx): region, birth date and sex, or what is wrong.
    It reads no record, but serves only the roles whose forms use it (one permission model)."""
    access.require(request.user, access.REGISTRY_EDITORS)
    prefix = request.GET.get("prefix", "")
    value = request.GET.get(f"{prefix}nik", "").strip()
    sex = request.GET.get(f"{prefix}sex") or None
    try:
        birth = parse_date(request.GET.get(f"{prefix}birth_date", ""))
    except Exception:  # an unfinished date is simply not compared yet
        birth = None
    parsed = (
        parse_nik(value, sex=sex if sex in ("L", "P") else None, birth_date=birth)
        if value
        else None
    )
    region = None
    if parsed and parsed.current_regency_code:
        catalog = default_catalog()
        regency = catalog.name(parsed.current_regency_code)
        region = f"{regency}, {catalog.name(parsed.province_code or '')}"
    return render(request, "web/registry/_nik_check.html", {"parsed": parsed, "region": region})


@login_required
@require_GET
def export(request: AuthenticatedRequest, fmt: str) -> HttpResponse | StreamingHttpResponse:
    """The current search as registry format v1 persons (CSV streams; XLSX up to a sheet)."""
    if fmt not in ("csv", "xlsx"):
        raise Http404
    region, _notice = _region_filter(request)
    persons = selectors.search_persons(request.user, _criteria(request, region))
    rows = exports.person_rows(
        persons,
        reader=request.user,
        unmasked=privacy.may_read_specific(request.user),
        # Not the query: a search by NIK or name would show the auditor a child's identity.
        # The entry names the persons exported.
        path=request.path,
    )
    return download(rows, "sejahtera-persons", fmt)
