"""The page of a server error. It needs nothing but itself (no database, no context processors:
what broke may be any of them), and it shows the request's id, with which an administrator
finds the error in the logs."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseServerError
from django.template.loader import render_to_string
from django.views.decorators.csrf import requires_csrf_token

from sejahtera.config.logging import current_request_id


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponseServerError:
    return HttpResponseServerError(
        render_to_string("500.html", {"request_id": current_request_id.get()})
    )
