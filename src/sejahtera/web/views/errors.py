"""Error pages of our own. A server error's needs nothing but itself (no database, no context
processors: what broke may be any of them), and it shows the request's id, with which an
administrator finds the error in the logs. A form refused for its missing security cookie
says what to do next."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseForbidden, HttpResponseServerError
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.csrf import requires_csrf_token

from sejahtera.config.logging import current_request_id


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponseServerError:
    return HttpResponseServerError(
        render_to_string("500.html", {"request_id": current_request_id.get()})
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponseForbidden:
    """A form sent without its security cookie (cleared by the phone, or a page left open for
    long): the site's own page, in the reader's language, with the way back to the form;
    Django's own page speaks of CSRF and DEBUG and breaks the Content-Security-Policy."""
    return HttpResponseForbidden(render(request, "403_csrf.html").content)
