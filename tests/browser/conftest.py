"""What the browser journeys share: one Chromium per module (Debian's, driven by Playwright), a
logged-in page per user, and screenshots under artifacts/screenshots/ (not committed)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

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
def page_for(browser: Any, live_server: Any) -> Iterator[Callable[..., Any]]:
    """page_for(user, viewport=None, language=None) → a page logged in as the user, in its own
    browser context; ``language="en"`` switches the interface with the language menu."""
    contexts = []

    def open_as(user: Any, viewport: dict[str, int] | None = None, language: str | None = None):
        context = browser.new_context(
            viewport=viewport or {"width": 1280, "height": 900},
            locale="en-US" if language == "en" else "id-ID",
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        if language:
            with page.expect_navigation():
                page.select_option("#language", language)
            page.wait_for_load_state("networkidle")
        return page

    yield open_as
    for context in contexts:
        context.close()


@pytest.fixture
def shoot() -> Callable[[Any, str], None]:
    def take(page: Any, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    return take
