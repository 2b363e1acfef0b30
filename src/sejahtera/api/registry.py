"""Registry endpoints (scopes ``registry:read``, ``registry:write``): households and persons
in the exchange format's cells, within the token user's region, and the NIK check."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Path, Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import Field

from sejahtera.accounts import access
from sejahtera.accounts.models import ApiToken, User
from sejahtera.api import schemas
from sejahtera.api.common import (
    KEYED_PROBLEMS,
    PROBLEMS,
    NikText,
    PageQuery,
    RecordId,
    once_per_key,
    page_of,
    token_user,
)
from sejahtera.domain.findings import error
from sejahtera.domain.identifiers import parse_nik
from sejahtera.domain.registry_format import ValueProblem, parse_date
from sejahtera.i18n import render_finding
from sejahtera.registry import privacy, selectors
from sejahtera.registry.models import Household, Person
from sejahtera.registry.services import records

router = Router(tags=["registry"])


def _person_out(person: Person, *, unmasked: bool, today: date) -> schemas.PersonOut:
    cells, masked = privacy.visible_cells(person, unmasked=unmasked, today=today)
    hidden = privacy.hidden_columns(person, unmasked=unmasked, today=today)
    return schemas.PersonOut(
        id=person.pk,
        person_id=person.external_id,
        household_id=person.household.external_id,
        version=person.version,
        nik_warnings=privacy.visible_nik_warnings(person, hidden),
        masked=masked,
        cells={name: value or None for name, value in cells.items()},
    )


def _household_out(request: HttpRequest, user: User, household: Household) -> schemas.HouseholdOut:
    members = list(household.members.select_related("household").order_by("birth_date"))
    privacy.log_reads(user, members, request.path)
    unmasked, today = privacy.may_read_specific(user), date.today()
    return schemas.HouseholdOut(
        id=household.pk,
        household_id=household.external_id,
        version=household.version,
        region_name=household.village.name,
        cells={k: v or None for k, v in records.household_cells(household).items()},
        members=[_person_out(m, unmasked=unmasked, today=today) for m in members],
    )


def _stated_birth_date(text: str) -> date | None:
    """A date the check cannot read is said so: dropped, the NIK would seem to agree with it."""
    try:
        return parse_date(text) if text else None
    except ValueProblem as problem:
        finding = error(problem.code, problem.template, "birth_date", **problem.params)
        raise HttpError(422, f"birth_date: {render_finding(finding)}") from None


class HouseholdQuery(PageQuery):
    region: str = Field("", pattern=r"^\d{0,10}$", description="Region code prefix")
    kk_number: str = Field("", pattern=r"^(\d{16})?$")


@router.get("/households", response={200: schemas.HouseholdPage, **PROBLEMS})
def list_households(request: HttpRequest, filters: Query[HouseholdQuery]) -> dict[str, Any]:
    user = token_user(request, ApiToken.Scope.REGISTRY_READ, HouseholdQuery)
    households = selectors.households_for(user).order_by("id")
    if filters.region:
        households = households.filter(village__code__startswith=filters.region)
    if filters.kk_number:
        households = households.filter(kk_number=filters.kk_number)
    start, end = filters.bounds()
    count = households.count()
    items = [
        schemas.HouseholdSummary(
            id=h.pk,
            household_id=h.external_id,
            kk_number=h.kk_number,
            region_code=h.village_id,
            members=h.members.count(),
        )
        for h in households[start:end]
    ]
    return page_of(filters, count, items)


@router.get("/households/{household_pk}", response={200: schemas.HouseholdOut, **PROBLEMS})
def get_household(request: HttpRequest, household_pk: Path[RecordId]) -> schemas.HouseholdOut:
    user = token_user(request, ApiToken.Scope.REGISTRY_READ)
    try:
        household = selectors.household_for(user, household_pk)
    except Household.DoesNotExist:
        raise Http404 from None
    return _household_out(request, user, household)


@router.post("/households", response={201: schemas.HouseholdOut, **KEYED_PROBLEMS})
def create_household(
    request: HttpRequest, body: schemas.HouseholdCreate
) -> Status[schemas.HouseholdOut]:
    user = token_user(request, ApiToken.Scope.REGISTRY_WRITE)

    def write() -> Status[schemas.HouseholdOut]:
        created = records.register_household(
            actor=user,
            household=body.household.model_dump(),
            members=[member.model_dump() for member in body.members],
        )
        household = selectors.household_for(user, created.pk)
        return Status(201, _household_out(request, user, household))

    def reread(first: dict[str, Any]) -> schemas.HouseholdOut:
        try:
            household = selectors.household_for(user, first["id"])
        except Household.DoesNotExist:
            raise Http404 from None
        return _household_out(request, user, household)

    return once_per_key(request, user, write, reread)  # type: ignore[return-value]


@router.put(
    "/households/{household_pk}",
    response={200: schemas.HouseholdOut, 409: schemas.Problem, **PROBLEMS},
)
def update_household(
    request: HttpRequest, household_pk: Path[RecordId], body: schemas.HouseholdUpdate
) -> schemas.HouseholdOut:
    user = token_user(request, ApiToken.Scope.REGISTRY_WRITE)
    try:
        household = selectors.household_for(user, household_pk)
    except Household.DoesNotExist:
        raise Http404 from None
    records.update_household(
        actor=user,
        household=household,
        cells=body.household.model_dump(),
        expected_version=body.version,
    )
    return _household_out(request, user, selectors.household_for(user, household_pk))


@router.post(
    "/households/{household_pk}/members", response={201: schemas.PersonOut, **KEYED_PROBLEMS}
)
def add_member(
    request: HttpRequest,
    household_pk: Path[RecordId],
    body: schemas.PersonCells,
) -> Status[schemas.PersonOut]:
    user = token_user(request, ApiToken.Scope.REGISTRY_WRITE)
    try:
        household = selectors.household_for(user, household_pk)
    except Household.DoesNotExist:
        raise Http404 from None

    def write() -> Status[schemas.PersonOut]:
        person = records.add_member(actor=user, household=household, cells=body.model_dump())
        return Status(
            201, _person_out(person, unmasked=privacy.may_read_specific(user), today=date.today())
        )

    def reread(first: dict[str, Any]) -> schemas.PersonOut:
        # As GET /persons/{id}: under the caller's current rights, logged.
        person = _person(user, first["id"])
        privacy.log_reads(user, [person], request.path)
        return _person_out(person, unmasked=privacy.may_read_specific(user), today=date.today())

    return once_per_key(request, user, write, reread)  # type: ignore[return-value]


class PersonQuery(PageQuery):
    q: str = Field("", max_length=100, pattern=r"^[^\x00]*$", description="NIK, KK or name")
    region: str = Field("", pattern=r"^\d{0,10}$", description="Region code prefix")


@router.get("/persons", response={200: schemas.PersonPage, **PROBLEMS})
def list_persons(request: HttpRequest, filters: Query[PersonQuery]) -> dict[str, Any]:
    user = token_user(request, ApiToken.Scope.REGISTRY_READ, PersonQuery)
    region = filters.region if filters.region.startswith(access.region_prefix(user)) else ""
    persons = selectors.search_persons(user, selectors.PersonSearch(filters.q, region))
    start, end = filters.bounds()
    count = persons.count()
    found = list(persons[start:end])
    privacy.log_reads(user, found, request.path)
    unmasked, today = privacy.may_read_specific(user), date.today()
    return page_of(filters, count, [_person_out(p, unmasked=unmasked, today=today) for p in found])


def _person(user: User, person_pk: Path[RecordId]) -> Person:
    try:
        return selectors.persons_for(user).select_related("household").get(pk=person_pk)
    except Person.DoesNotExist:
        raise Http404 from None


@router.get("/persons/{person_pk}", response={200: schemas.PersonOut, **PROBLEMS})
def get_person(request: HttpRequest, person_pk: Path[RecordId]) -> schemas.PersonOut:
    user = token_user(request, ApiToken.Scope.REGISTRY_READ)
    person = _person(user, person_pk)
    privacy.log_reads(user, [person], request.path)
    return _person_out(person, unmasked=privacy.may_read_specific(user), today=date.today())


@router.put(
    "/persons/{person_pk}", response={200: schemas.PersonOut, 409: schemas.Problem, **PROBLEMS}
)
def update_person(
    request: HttpRequest, person_pk: Path[RecordId], body: schemas.PersonUpdate
) -> schemas.PersonOut:
    user = token_user(request, ApiToken.Scope.REGISTRY_WRITE)
    person = _person(user, person_pk)
    records.update_person(
        actor=user, person=person, cells=body.person.model_dump(), expected_version=body.version
    )
    return _person_out(
        _person(user, person_pk), unmasked=privacy.may_read_specific(user), today=date.today()
    )


class NikQuery(Schema):
    sex: str = Field("", pattern="^(L|P)?$")
    birth_date: str = Field("", max_length=10, description="YYYY-MM-DD")


@router.get("/nik/{nik}", response={200: schemas.NikCheckOut, **PROBLEMS})
def check_nik(request: HttpRequest, nik: Path[NikText], query: Query[NikQuery]) -> dict[str, Any]:
    """Validate a NIK exactly as the import does (stated sex/birth date give warnings): for
    those who enter persons, as the registry form's live check."""
    user = token_user(request, ApiToken.Scope.REGISTRY_READ, NikQuery)
    access.require(user, access.REGISTRY_EDITORS)
    parsed = parse_nik(
        nik,
        sex=query.sex if query.sex in ("L", "P") else None,
        birth_date=_stated_birth_date(query.birth_date),
    )
    data = parsed.as_dict()
    for key in ("errors", "warnings"):
        data[key] = [
            {**f.as_dict(), "message": render_finding(f)}
            for f in (parsed.errors if key == "errors" else parsed.warnings)
        ]
    data.pop("kind", None)
    data.pop("value", None)
    return data
