"""The API documentation renders its operations in a browser that can reach nothing but the
app itself (every other host is blocked, as in an office without internet)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from sejahtera.accounts.models import Role

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_api_documentation_works_with_the_network_blocked(
    page_for, shoot, live_server, make_user
):
    page = page_for(make_user(Role.MINISTRY_ANALYST))
    app_host = urlsplit(live_server.url).netloc
    blocked: list[str] = []

    def only_the_app(route):
        if urlsplit(route.request.url).netloc == app_host:
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    page.route("**/*", only_the_app)
    page.goto(f"{live_server.url}/api/docs")
    page.locator(".opblock").first.wait_for()
    assert page.locator(".opblock").count() > 10
    assert page.locator(".opblock-summary-path", has_text="/api/v1/households").count() > 0
    assert blocked == []
    shoot(page, "api-docs-offline")
