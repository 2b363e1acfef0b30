"""Request checks that hold for every page and endpoint."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import urlencode

from sejahtera.accounts import audit, two_factor
from sejahtera.accounts.models import AuditEntry
from sejahtera.config.logging import SIXTEEN_DIGITS, current_request_id

API_PREFIX = "/api/"
# What a proxy may pass as the request's id; anything else is replaced, not logged.
PLAUSIBLE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
request_log = logging.getLogger("sejahtera.request")


class RequestId:
    """Gives every request an id, kept on each log line it writes and returned as the
    ``X-Request-ID`` header, so that an error a user reports can be found in the logs. A
    proxy's own ``X-Request-ID`` is kept when it is plausible. Then logs the request itself
    (path without its query, which may hold a name or a NIK)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        offered = request.headers.get("X-Request-ID", "")
        request_id = offered if PLAUSIBLE_REQUEST_ID.fullmatch(offered) else uuid.uuid4().hex
        current_request_id.set(request_id)
        started = time.perf_counter()
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        user = getattr(request, "user", None)
        request_log.info(
            "request",
            extra={
                "method": request.method,
                "path": SIXTEEN_DIGITS.sub("{nik}", request.path),
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                "user_id": user.pk if user is not None and user.is_authenticated else None,
            },
        )
        return response


class NotKept:
    """Pages, exports and API answers hold personal data: no browser keeps them (the next user
    of a shared office computer pressing Back) and no proxy stores them, unless a response
    says otherwise itself (the map's outline, static files)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not response.has_header("Cache-Control") and not request.path.startswith(
            settings.STATIC_URL
        ):
            add_never_cache_headers(response)  # no-store, private
        return response


class RejectNulBytes:
    """A NUL character in a parameter is never meaningful, and PostgreSQL refuses it in text
    (a server error deep in a query, or an export silently cut off): answer 400 at the door.
    The API validates its parameters itself and answers in problem+json after authentication,
    as its contract says."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(API_PREFIX) and (
            "\x00" in request.path or _has_nul(request)
        ):
            return HttpResponseBadRequest(
                "A parameter contains a NUL character.", content_type="text/plain"
            )
        return self.get_response(request)


def _has_nul(request: HttpRequest) -> bool:
    parameters = [request.GET]
    if request.method == "POST" and request.content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        parameters.append(request.POST)
    return any(
        "\x00" in key or any("\x00" in value for value in values)
        for data in parameters
        for key, values in data.lists()
    )


class RequireSecondFactor:
    """A signed-in user who must give a second factor (``accounts.two_factor``) and has not yet
    in this session reaches only the pages that take it (or add the authenticator, the first
    time), the logout and the language menu. The API authenticates by token and is not
    affected. Whether the user needs one is looked up once per session and role: an account
    given a role that needs one in the middle of a session is asked for it at once."""

    NEEDED = "sejahtera_needs_second_factor"
    OPEN_PREFIXES = ("/api/", "/i18n/", "/healthz", "/readyz")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if not user.is_authenticated or two_factor.is_verified(user) or self._open(request.path):
            return self.get_response(request)
        role = [user.role, user.is_superuser]
        known = request.session.get(self.NEEDED)
        if not known or known[1:] != role:
            known = request.session[self.NEEDED] = [two_factor.needs_second_factor(user), *role]
        if not known[0]:
            return self.get_response(request)
        has_one = two_factor.has_authenticator(user)
        page = "web:two-factor-verify" if has_one else "web:two-factor-setup"
        return redirect(f"{reverse(page)}?{urlencode({'next': request.get_full_path()})}")

    def _open(self, path: str) -> bool:
        return path.startswith((*self.OPEN_PREFIXES, settings.STATIC_URL)) or path in {
            reverse("web:two-factor-verify"),
            reverse("web:two-factor-setup"),
            reverse("logout"),
        }


class AuditTrail:
    """Every request's entries in the audit trail say where it came from and its area of work
    (the first part of its path: registry, cases, programmes, …). A signed-in user's request
    is an entry of its own when it sends a change through a page or the API (a POST, PUT,
    PATCH or DELETE, with its answer's status: a refused one, 409 or 422, shows an attempt, such
    as moving a household out of one's region; the view, the ids in its address and the names
    of the fields sent, never their values) and when a page or operation refuses it or does
    not find its record (403, 404: a record outside the user's region answers 404, and probing
    for them shows here)."""

    SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
    # A login has an entry of its own; choosing the language changes no data.
    NOT_CHANGES = frozenset({"login", "set_language"})
    NOT_FIELDS = frozenset({"csrfmiddlewaretoken"})

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        audit.current_client.set(request.META.get("REMOTE_ADDR", ""))
        audit.current_purpose.set(_area_of(request.path))
        response = self.get_response(request)
        user = getattr(request, "user", None)
        match = request.resolver_match
        action = self._action(request, response.status_code)
        if action and match and user is not None and user.is_authenticated:
            audit.record(
                user=user,
                action=action,
                entity=match.view_name,
                record_ids=[int(v) for v in match.kwargs.values() if _is_id(v)],
                fields=self._fields(request) if action == AuditEntry.Action.WRITE else [],
                path=request.path,
                status=response.status_code,
            )
        return response

    def _action(self, request: HttpRequest, status: int) -> str | None:
        match = request.resolver_match
        if status in (403, 404):
            return AuditEntry.Action.DENIED
        changes = request.method not in self.SAFE_METHODS
        if changes and not (match and match.url_name in self.NOT_CHANGES):
            return AuditEntry.Action.WRITE
        return None

    def _fields(self, request: HttpRequest) -> list[str]:
        try:
            if request.content_type == "application/json":
                body = json.loads(request.body or b"{}")
                return list(body) if isinstance(body, dict) else []
            return [key for key in [*request.POST, *request.FILES] if key not in self.NOT_FIELDS]
        except (ValueError, RequestDataTooBig):  # a body refused as such (400, 413): no fields
            return []


def _area_of(path: str) -> str:
    parts = [part for part in path.split("/") if part and part not in {"api", "v1"}]
    return parts[0] if parts else ""


def _is_id(value: object) -> bool:
    return isinstance(value, int) or (isinstance(value, str) and value.isdigit())
