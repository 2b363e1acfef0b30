"""The REST API (django-ninja): OpenAPI 3 at /api/openapi.json, documentation at /api/docs.

Handlers are thin: they authenticate, check the token's scope and call the same selectors and
services as the web pages. Errors are RFC 9457 problem+json with field errors.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from ninja import File, NinjaAPI, Path, Query, Router, Schema, Status
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.files import UploadedFile
from ninja.security import HttpBearer
from pydantic import BaseModel, Field

from sejahtera.accounts import access, idempotency, tokens
from sejahtera.accounts.models import ApiToken, User
from sejahtera.api import schemas
from sejahtera.domain.findings import Finding
from sejahtera.domain.identifiers import parse_nik
from sejahtera.domain.registry_format import ValueProblem, parse_date
from sejahtera.i18n import render_finding
from sejahtera.registry import privacy, selectors
from sejahtera.registry.models import Household, ImportRun, Person
from sejahtera.registry.services import records
from sejahtera.registry.services.uploads import UploadRejected, start_import

PROBLEM_JSON = "application/problem+json"
# Sent with a creating POST, it makes a retry of the request return the first answer.
IDEMPOTENCY_HEADER = "Idempotency-Key"
MAX_PAGE_SIZE = 200
RecordId = Annotated[int, Field(ge=1, le=2**63 - 1)]
NikText = Annotated[str, Field(max_length=32, pattern=r"^[^\x00/]*$")]
# The problems any authenticated endpoint may answer with, documented in the OpenAPI schema.
PROBLEMS: dict[int, type[schemas.Problem]] = dict.fromkeys(
    (400, 401, 403, 404, 413, 422), schemas.Problem
)


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        found = tokens.authenticate(token)
        if found is not None:
            request.user = found.user
        return found


class SejahteraAPI(NinjaAPI):
    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        """Error responses are documented as what they are: application/problem+json."""
        schema = super().get_openapi_schema(*args, **kwargs)
        for operations in schema["paths"].values():
            for operation in operations.values():
                for code, response in operation.get("responses", {}).items():
                    content = response.get("content", {})
                    if str(code).startswith("4") and "application/json" in content:
                        response["content"] = {PROBLEM_JSON: content["application/json"]}
        return schema


api = SejahteraAPI(
    title="Sejahtera API",
    version="1",
    description="Registry of households and persons (registry exchange format v1). "
    "Authenticate with `Authorization: Bearer <token>`; tokens are created in the web "
    "application or by an administrator.",
    auth=TokenAuth(),
    urls_namespace="api",
)


# -- errors ------------------------------------------------------------------------------------


def problem(
    request: HttpRequest, status: int, title: str, detail: str = "", errors: list | None = None
) -> HttpResponse:
    body = schemas.Problem(title=title, status=status, detail=detail, errors=errors or [])
    response = api.create_response(request, body.model_dump(), status=status)
    response["Content-Type"] = PROBLEM_JSON
    return response


@api.exception_handler(RequestDataTooBig)
def too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    detail = f"The request body is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes."
    return problem(request, 413, "Request too large", detail=detail)


@api.exception_handler(idempotency.KeyReused)
def key_reused(request: HttpRequest, exc: idempotency.KeyReused) -> HttpResponse:
    detail = "This Idempotency-Key was already used for a different request."
    return problem(request, 422, "Idempotency key reused", detail=detail)


def once_per_key(
    request: HttpRequest, user: User, write: Callable[[], Status[Any] | HttpResponse]
) -> Status[Any] | HttpResponse:
    """Run a creating ``write`` once per ``Idempotency-Key`` header (when the client sends one):
    a retry with the key gets the first answer (status and body) and creates nothing."""
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if not key:
        return write()
    refused: list[HttpResponse] = []

    def answer() -> idempotency.Answer:
        result = write()
        if isinstance(result, HttpResponse):
            refused.append(result)
            return idempotency.Answer(result.status_code)
        body = (
            result.value.model_dump(mode="json")
            if isinstance(result.value, BaseModel)
            else result.value
        )
        return idempotency.Answer(result.status_code, body)

    fingerprint = idempotency.fingerprint(request.method or "", request.path, request.body)
    first = idempotency.once(user, f"api:{key}", fingerprint, answer)
    return refused[0] if refused else Status(first.status, first.body)


@api.exception_handler(ValidationError)
def invalid_request(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [
        schemas.FieldError(
            field=".".join(str(part) for part in error.get("loc", [])[1:]),
            code=str(error.get("type", "invalid")).upper(),
            message=str(error.get("msg", "")),
        )
        for error in exc.errors
    ]
    return problem(request, 422, "Invalid request", errors=errors)


@api.exception_handler(records.RecordInvalid)
def invalid_record(request: HttpRequest, exc: records.RecordInvalid) -> HttpResponse:
    errors = [_field_error("household", f) for f in exc.household] + [
        _field_error(f"members.{index}", f)
        for index, findings in sorted(exc.members.items())
        for f in findings
    ]
    return problem(request, 422, "Invalid registry record", errors=errors)


def _field_error(prefix: str, finding: Finding) -> schemas.FieldError:
    field = f"{prefix}.{finding.column}" if finding.column else prefix
    return schemas.FieldError(field=field, code=finding.code, message=render_finding(finding))


@api.exception_handler(records.EditConflict)
def edit_conflict(request: HttpRequest, exc: records.EditConflict) -> HttpResponse:
    return problem(
        request,
        409,
        "Edit conflict",
        f"The record changed meanwhile; it is now at version {exc.current_version}.",
    )


@api.exception_handler(PermissionDenied)
def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return problem(
        request, 403, "Forbidden", "Your role, region or token scope does not allow this."
    )


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return problem(request, 404, "Not found")


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = problem(request, 401, "Unauthorized", "Send a valid token: Authorization: Bearer …")
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return problem(request, exc.status_code, str(exc))


# -- helpers -----------------------------------------------------------------------------------


def _user(request: HttpRequest, scope: str, query: type[Schema] | None = None) -> User:
    """The token's user, if the token has ``scope``. Query parameters other than ``query``'s
    fields are refused: a misspelt filter must not silently widen a result."""
    unknown = set(request.GET) - set(query.model_fields if query else ())
    if unknown:
        raise HttpError(422, f"unknown query parameter(s): {', '.join(sorted(unknown))}")
    token: ApiToken = request.auth  # type: ignore[attr-defined]
    if scope not in token.scopes:
        raise PermissionDenied
    return token.user


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


def _optional_date(text: str) -> date | None:
    try:
        return parse_date(text) if text else None
    except ValueProblem:
        return None


class PageQuery(Schema):
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(50, ge=1, le=MAX_PAGE_SIZE)

    def bounds(self) -> tuple[int, int]:
        return (self.page - 1) * self.page_size, self.page * self.page_size


def _page(query: PageQuery, count: int, items: list[Any]) -> dict[str, Any]:
    more = query.page * query.page_size < count
    return {
        "count": count,
        "page": query.page,
        "page_size": query.page_size,
        "next_page": query.page + 1 if more else None,
        "items": items,
    }


# -- registry ----------------------------------------------------------------------------------

registry = Router(tags=["registry"])


class HouseholdQuery(PageQuery):
    region: str = Field("", pattern=r"^\d{0,10}$", description="Region code prefix")
    kk_number: str = Field("", pattern=r"^(\d{16})?$")


@registry.get("/households", response={200: schemas.HouseholdPage, **PROBLEMS})
def list_households(request: HttpRequest, filters: Query[HouseholdQuery]) -> dict[str, Any]:
    user = _user(request, ApiToken.Scope.REGISTRY_READ, HouseholdQuery)
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
    return _page(filters, count, items)


@registry.get("/households/{household_pk}", response={200: schemas.HouseholdOut, **PROBLEMS})
def get_household(request: HttpRequest, household_pk: Path[RecordId]) -> schemas.HouseholdOut:
    user = _user(request, ApiToken.Scope.REGISTRY_READ)
    try:
        household = selectors.household_for(user, household_pk)
    except Household.DoesNotExist:
        raise Http404 from None
    return _household_out(request, user, household)


@registry.post("/households", response={201: schemas.HouseholdOut, **PROBLEMS})
def create_household(
    request: HttpRequest, body: schemas.HouseholdCreate
) -> Status[schemas.HouseholdOut]:
    user = _user(request, ApiToken.Scope.REGISTRY_WRITE)

    def write() -> Status[schemas.HouseholdOut]:
        created = records.register_household(
            actor=user,
            household=body.household.model_dump(),
            members=[member.model_dump() for member in body.members],
        )
        household = selectors.household_for(user, created.pk)
        return Status(201, _household_out(request, user, household))

    return once_per_key(request, user, write)  # type: ignore[return-value]


@registry.put(
    "/households/{household_pk}",
    response={200: schemas.HouseholdOut, 409: schemas.Problem, **PROBLEMS},
)
def update_household(
    request: HttpRequest, household_pk: Path[RecordId], body: schemas.HouseholdUpdate
) -> schemas.HouseholdOut:
    user = _user(request, ApiToken.Scope.REGISTRY_WRITE)
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


@registry.post("/households/{household_pk}/members", response={201: schemas.PersonOut, **PROBLEMS})
def add_member(
    request: HttpRequest,
    household_pk: Path[RecordId],
    body: schemas.PersonCells,
) -> Status[schemas.PersonOut]:
    user = _user(request, ApiToken.Scope.REGISTRY_WRITE)
    try:
        household = selectors.household_for(user, household_pk)
    except Household.DoesNotExist:
        raise Http404 from None
    person = records.add_member(actor=user, household=household, cells=body.model_dump())
    return Status(
        201, _person_out(person, unmasked=privacy.may_read_specific(user), today=date.today())
    )


class PersonQuery(PageQuery):
    q: str = Field("", max_length=100, pattern=r"^[^\x00]*$", description="NIK, KK or name")
    region: str = Field("", pattern=r"^\d{0,10}$", description="Region code prefix")


@registry.get("/persons", response={200: schemas.PersonPage, **PROBLEMS})
def list_persons(request: HttpRequest, filters: Query[PersonQuery]) -> dict[str, Any]:
    user = _user(request, ApiToken.Scope.REGISTRY_READ, PersonQuery)
    region = filters.region if filters.region.startswith(access.region_prefix(user)) else ""
    persons = selectors.search_persons(user, selectors.PersonSearch(filters.q, region))
    start, end = filters.bounds()
    count = persons.count()
    found = list(persons[start:end])
    privacy.log_reads(user, found, request.path)
    unmasked, today = privacy.may_read_specific(user), date.today()
    return _page(filters, count, [_person_out(p, unmasked=unmasked, today=today) for p in found])


def _person(user: User, person_pk: Path[RecordId]) -> Person:
    try:
        return selectors.persons_for(user).select_related("household").get(pk=person_pk)
    except Person.DoesNotExist:
        raise Http404 from None


@registry.get("/persons/{person_pk}", response={200: schemas.PersonOut, **PROBLEMS})
def get_person(request: HttpRequest, person_pk: Path[RecordId]) -> schemas.PersonOut:
    user = _user(request, ApiToken.Scope.REGISTRY_READ)
    person = _person(user, person_pk)
    privacy.log_reads(user, [person], request.path)
    return _person_out(person, unmasked=privacy.may_read_specific(user), today=date.today())


@registry.put(
    "/persons/{person_pk}", response={200: schemas.PersonOut, 409: schemas.Problem, **PROBLEMS}
)
def update_person(
    request: HttpRequest, person_pk: Path[RecordId], body: schemas.PersonUpdate
) -> schemas.PersonOut:
    user = _user(request, ApiToken.Scope.REGISTRY_WRITE)
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


@registry.get("/nik/{nik}", response={200: schemas.NikCheckOut, **PROBLEMS})
def check_nik(request: HttpRequest, nik: Path[NikText], query: Query[NikQuery]) -> dict[str, Any]:
    """Validate a NIK exactly as the import does (stated sex/birth date give warnings)."""
    _user(request, ApiToken.Scope.REGISTRY_READ, NikQuery)
    parsed = parse_nik(
        nik,
        sex=query.sex if query.sex in ("L", "P") else None,
        birth_date=_optional_date(query.birth_date),
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


# -- imports -----------------------------------------------------------------------------------

imports = Router(tags=["imports"])


def _import_out(request: HttpRequest, run: ImportRun) -> schemas.ImportOut:
    report = None
    if run.report_file and run.status in (ImportRun.Status.COMPLETED, ImportRun.Status.FAILED):
        report = request.build_absolute_uri(reverse("web:import-report", args=[run.pk]))
    return schemas.ImportOut(
        id=run.pk,
        status=run.status,
        progress=run.progress,
        summary=run.summary,
        error=run.error,
        report_url=report,
    )


@imports.post("/imports", response={202: schemas.ImportOut, **PROBLEMS})
def submit_import(
    request: HttpRequest,
    households: File[UploadedFile],
    persons: File[UploadedFile | None] = None,
) -> Status[schemas.ImportOut]:
    user = _user(request, ApiToken.Scope.IMPORTS)
    try:
        run = start_import(user, households, persons)
    except UploadRejected as rejected:
        raise HttpError(422, str(rejected)) from None
    return Status(202, _import_out(request, run))


@imports.get("/imports/{run_pk}", response={200: schemas.ImportOut, **PROBLEMS})
def import_status(request: HttpRequest, run_pk: Path[RecordId]) -> schemas.ImportOut:
    user = _user(request, ApiToken.Scope.IMPORTS)
    run = selectors.import_runs_for(user).filter(pk=run_pk).first()
    if run is None:
        raise Http404
    return _import_out(request, run)


api.add_router("/v1", registry)
api.add_router("/v1", imports)
api.add_router("/v1", "sejahtera.api.targeting.router")
api.add_router("/v1", "sejahtera.api.cases.router")
api.add_router("/v1", "sejahtera.api.delivery.router")
