"""Browser fixtures shared by every test package: Debian's Chromium driven by Playwright.

Nothing here downloads a browser: Chromium is /usr/bin/chromium (apt package ``chromium``).
Every request to a host other than 127.0.0.1/localhost is aborted and recorded.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


@dataclass
class PageLog:
    """What a page did: external requests aborted, failed requests, console errors."""

    external: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium (CI fails on this skip)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture()
def browser_page(chromium: object) -> Iterator[tuple[object, PageLog]]:
    """A fresh page whose off-machine requests are aborted; yields (page, log)."""
    context = chromium.new_context(viewport={"width": 1280, "height": 860})  # type: ignore[attr-defined]
    page = context.new_page()
    log = PageLog()

    def route(route: object) -> None:
        url = route.request.url  # type: ignore[attr-defined]
        host = urlsplit(url).hostname
        if urlsplit(url).scheme in ("data", "blob") or host in LOCAL_HOSTS:
            route.continue_()  # type: ignore[attr-defined]
        else:
            log.external.append(url)
            route.abort()  # type: ignore[attr-defined]

    page.route("**/*", route)
    page.on(
        "console", lambda msg: log.console_errors.append(msg.text) if msg.type == "error" else None
    )
    page.on("pageerror", lambda exc: log.console_errors.append(f"uncaught: {exc}"))
    page.on("requestfailed", lambda req: log.failed.append(f"{req.url}: {req.failure}"))
    page.on(
        "response",
        lambda resp: (
            log.failed.append(f"{resp.url}: HTTP {resp.status}") if resp.status >= 400 else None
        ),
    )
    yield page, log
    context.close()


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
