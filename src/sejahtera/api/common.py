"""What every API router shares: record ids, the problems an endpoint may answer with, the
token's user for a scope, pages, field errors and the once-per-key retry of creating writes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from http import HTTPStatus
from typing import Annotated, Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from ninja import Schema, Status
from ninja.errors import HttpError
from pydantic import BaseModel, Field

from sejahtera.accounts import idempotency
from sejahtera.accounts.models import ApiToken, User
from sejahtera.api import schemas
from sejahtera.domain.findings import Finding
from sejahtera.i18n import render_finding

# Sent with a creating POST, it makes a retry of the request return the first answer.
IDEMPOTENCY_HEADER = "Idempotency-Key"
MAX_PAGE_SIZE = 200
RecordId = Annotated[int, Field(ge=1, le=2**63 - 1)]
NikText = Annotated[str, Field(max_length=32, pattern=r"^[^\x00/]*$")]
# The problems any authenticated endpoint may answer with, documented in the OpenAPI schema.
PROBLEMS: dict[int, type[schemas.Problem]] = dict.fromkeys(
    (400, 401, 403, 404, 413, 422), schemas.Problem
)
# What a creating write that takes an Idempotency-Key may answer besides: 409 when the key's
# answer is no longer kept (once_per_key).
KEYED_PROBLEMS = {**PROBLEMS, 409: schemas.Problem}


def token_user(request: HttpRequest, scope: str, query: type[Schema] | None = None) -> User:
    """The token's user, if the token has ``scope``. Query parameters other than ``query``'s
    fields are refused: a misspelt filter must not silently widen a result."""
    unknown = set(request.GET) - set(query.model_fields if query else ())
    if unknown:
        raise HttpError(422, f"unknown query parameter(s): {', '.join(sorted(unknown))}")
    token: ApiToken = request.auth  # type: ignore[attr-defined]
    if scope not in token.scopes:
        raise PermissionDenied
    return token.user


class PageQuery(Schema):
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(50, ge=1, le=MAX_PAGE_SIZE)

    def bounds(self) -> tuple[int, int]:
        return (self.page - 1) * self.page_size, self.page * self.page_size


def page_of(query: PageQuery, count: int, items: list[Any]) -> dict[str, Any]:
    more = query.page * query.page_size < count
    return {
        "count": count,
        "page": query.page,
        "page_size": query.page_size,
        "next_page": query.page + 1 if more else None,
        "items": items,
    }


def field_error(prefix: str, finding: Finding) -> schemas.FieldError:
    field = f"{prefix}.{finding.column}" if finding.column else prefix
    return schemas.FieldError(field=field, code=finding.code, message=render_finding(finding))


def once_per_key(
    request: HttpRequest,
    user: User,
    write: Callable[[], Status[Any] | HttpResponse],
    reread: Callable[[dict[str, Any]], Any],
    content: Sequence[str | bytes] = (),
) -> Status[Any] | HttpResponse:
    """Run a creating ``write`` once per ``Idempotency-Key`` header (when the client sends one):
    a retry with the key creates nothing and gets the first answer's status with what was
    created, read again (``reread(first body)``) as the caller may read it now — checked,
    masked and logged like any read, never the copy kept (404 if they no longer may).

    The request is told apart from another one with the same key by its body, or by
    ``content`` (digests of uploaded files, which may be larger than Django reads in memory).
    """
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if not key:
        return write()
    refused: list[HttpResponse] = []
    written: list[Status[Any]] = []

    def answer() -> idempotency.Answer:
        result = write()
        if isinstance(result, HttpResponse):
            refused.append(result)
            return idempotency.Answer(result.status_code)
        written.append(result)
        body = (
            result.value.model_dump(mode="json")
            if isinstance(result.value, BaseModel)
            else result.value
        )
        return idempotency.Answer(result.status_code, body)

    fingerprint = idempotency.fingerprint(
        request.method or "", request.path, *(content or [request.body])
    )
    first = idempotency.once(user, f"api:{key}", fingerprint, answer)
    if refused:
        return refused[0]
    if written:
        return written[0]
    if first.body is None:
        if first.status == HTTPStatus.NO_CONTENT:
            return Status(first.status, None)
        raise idempotency.AnswerForgotten(key)  # done once; not again, and not re-answered
    return Status(first.status, reread(first.body))
