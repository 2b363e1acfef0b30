"""The REST API (django-ninja): OpenAPI 3 at /api/openapi.json, documentation at /api/docs.

Handlers are thin: they authenticate, check the token's scope and call the same selectors and
services as the web pages. Errors are RFC 9457 problem+json with field errors.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.views import defaults
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError
from ninja.security import HttpBearer
from ninja.throttling import SimpleRateThrottle

from sejahtera.accounts import idempotency, tokens
from sejahtera.accounts.models import ApiToken
from sejahtera.api import schemas
from sejahtera.api.common import field_error
from sejahtera.registry.services import records

PROBLEM_JSON = "application/problem+json"


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        found = tokens.authenticate(token)
        if found is not None:
            request.user = found.user
        return found


class TokenRateThrottle(SimpleRateThrottle):
    """At most ``SEJAHTERA_API_RATE`` requests per token (checked after authentication; a
    request without a valid token is refused before). Counted in the shared cache, so that
    every server process counts the same requests."""

    def __init__(self) -> None:
        super().__init__(settings.SEJAHTERA_API_RATE)

    def allow_request(self, request: HttpRequest) -> bool:
        self.num_requests, self.duration = self.parse_rate(settings.SEJAHTERA_API_RATE)
        return super().allow_request(request)

    def get_cache_key(self, request: HttpRequest) -> str | None:
        token = getattr(request, "auth", None)
        return f"api-rate:{token.pk}" if isinstance(token, ApiToken) else None


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
    throttle=TokenRateThrottle(),
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


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's own answer to a request it cannot read (a broken multipart body, …), before
    any handler runs: problem+json under /api/, the error page elsewhere."""
    if request.path.startswith("/api/"):
        return problem(request, 400, "Bad request", "The request body could not be read.")
    return defaults.bad_request(request, exception)


@api.exception_handler(RequestDataTooBig)
def too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    detail = f"The request body is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes."
    return problem(request, 413, "Request too large", detail=detail)


@api.exception_handler(Throttled)
def throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
    detail = f"At most {settings.SEJAHTERA_API_RATE} requests per token; wait and try again."
    response = problem(request, 429, "Too many requests", detail)
    response["Retry-After"] = str(max(1, round(exc.wait or 1)))
    return response


@api.exception_handler(idempotency.KeyReused)
def key_reused(request: HttpRequest, exc: idempotency.KeyReused) -> HttpResponse:
    detail = "This Idempotency-Key was already used for a different request."
    return problem(request, 422, "Idempotency key reused", detail=detail)


@api.exception_handler(idempotency.AnswerForgotten)
def answer_forgotten(request: HttpRequest, exc: idempotency.AnswerForgotten) -> HttpResponse:
    detail = (
        "This Idempotency-Key was used long ago: its request was done then and is not done "
        "again, and its answer is no longer kept."
    )
    return problem(request, 409, "Idempotency key expired", detail=detail)


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
    errors = [field_error("household", f) for f in exc.household] + [
        field_error(f"members.{index}", f)
        for index, findings in sorted(exc.members.items())
        for f in findings
    ]
    return problem(request, 422, "Invalid registry record", errors=errors)


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


for router in ("registry", "imports", "targeting", "cases", "delivery"):
    api.add_router("/v1", f"sejahtera.api.{router}.router")
