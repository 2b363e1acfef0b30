"""What the browser journeys share: one Chromium per module (Debian's, driven by Playwright), a
logged-in page per user, and screenshots under artifacts/screenshots/ (not committed). Every
page any journey opens must keep the Content-Security-Policy: a violation Chromium reports in
the console fails the test that caused it."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.signals import request_finished, request_started

# Playwright's sync API runs an event loop in this thread; the live server thread is the one
# serving requests, and the test only touches the ORM to set data up.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
PASSWORD = "pw-for-tests"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip("scripts/ensure-chromium installs it")
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def csp_violations() -> Iterator[list[str]]:
    """The Content-Security-Policy violations of the test's pages; none may remain at its end."""
    violations: list[str] = []
    yield violations
    assert not violations, "Content-Security-Policy violated:\n" + "\n".join(violations)


class RequestsInFlight:
    """The live server's requests still being answered. A page closed right after a click may
    leave its request running; on SQLite the server thread shares the test's connection, so
    that request must end before the database is emptied for the next test, or both break.
    The test client's requests, answered in the tests' own thread, are not counted."""

    def __init__(self) -> None:
        self.tests_thread = threading.get_ident()
        self.threads: set[int] = set()
        self.changed = threading.Condition()

    def started(self, **_: Any) -> None:
        if threading.get_ident() != self.tests_thread:
            with self.changed:
                self.threads.add(threading.get_ident())

    def finished(self, **_: Any) -> None:
        with self.changed:
            self.threads.discard(threading.get_ident())
            self.changed.notify_all()

    def wait_until_none(self, timeout: float) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: not self.threads, timeout=timeout)


@pytest.fixture(scope="session")
def requests_in_flight() -> Iterator[RequestsInFlight]:
    in_flight = RequestsInFlight()
    request_started.connect(in_flight.started, dispatch_uid="browser-requests-started")
    request_finished.connect(in_flight.finished, dispatch_uid="browser-requests-finished")
    yield in_flight
    request_started.disconnect(dispatch_uid="browser-requests-started")
    request_finished.disconnect(dispatch_uid="browser-requests-finished")


@pytest.fixture
def new_page(
    browser: Any, csp_violations: list[str], requests_in_flight: RequestsInFlight
) -> Iterator[Callable[..., Any]]:
    """new_page(viewport=None, locale="id-ID") → a page in a browser context of its own, not
    logged in, whose console is watched for Content-Security-Policy violations."""
    contexts = []

    def open_page(viewport: dict[str, int] | None = None, locale: str = "id-ID") -> Any:
        context = browser.new_context(
            viewport=viewport or {"width": 1280, "height": 900}, locale=locale
        )
        contexts.append(context)

        def watch(message: Any) -> None:
            if "Content Security Policy" in message.text:
                csp_violations.append(f"{message.location.get('url')}: {message.text}")

        context.on("console", watch)
        page = context.new_page()
        page.set_default_timeout(15_000)
        # A button that asks first (data-confirm): the page records each question and answers
        # it with page.confirms (True unless a test says otherwise).
        page.confirmations = []
        page.confirms = True

        def answer(dialog: Any) -> None:
            page.confirmations.append(dialog.message)
            dialog.accept() if page.confirms else dialog.dismiss()

        page.on("dialog", answer)
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert requests_in_flight.wait_until_none(timeout=30), "a request outlived its test's pages"


@pytest.fixture
def page_for(new_page: Callable[..., Any], live_server: Any) -> Callable[..., Any]:
    """page_for(user, viewport=None, language=None) → a page logged in as the user, in its own
    browser context; ``language="en"`` switches the interface with the language menu."""

    def open_as(user: Any, viewport: dict[str, int] | None = None, language: str | None = None):
        page = new_page(viewport, locale="en-US" if language == "en" else "id-ID")
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_load_state("networkidle")
        if language:
            toggle = page.locator("header .menu-toggle")
            if toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false":
                toggle.click()  # a phone folds the menu, the language list with it
            # the arrow keys only move through the list: its button ("Ganti") changes it
            page.select_option("#language", language)
            with page.expect_navigation():
                page.click("#language ~ button[type=submit]")
            page.wait_for_load_state("networkidle")
        return page

    return open_as


@pytest.fixture
def shoot() -> Callable[[Any, str], None]:
    def take(page: Any, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
        # a full-page shot of a page taller than the window resizes the viewport and back,
        # after which Chromium hit-tests the next click at the old scroll position: start
        # from the top, so that the click scrolls its element into view afresh
        page.evaluate("window.scrollTo(0, 0)")

    return take
