"""Request checks that hold for every page and endpoint."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest

API_PREFIX = "/api/"


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
