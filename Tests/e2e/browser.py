"""A real browser for the dashboard tests: Debian's `chromium`, headless, driven through `chromium-driver`.

Selenium talks WebDriver to `/usr/bin/chromedriver` directly (no driver download). Every page visit goes
through `Browser.open`/`Browser.click`, which fail the test on any JavaScript console error and save a
screenshot under the artifacts directory (`$TELLTALE_ARTIFACTS`, else `test-artifacts/dashboard`).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any

from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from support import REPO_ROOT

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
DRIVER_CANDIDATES = ("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver")


def artifacts_dir() -> Path:
    """Where screenshots go: `$TELLTALE_ARTIFACTS/dashboard`, else `test-artifacts/dashboard` in the repository."""
    base = Path(os.environ.get("TELLTALE_ARTIFACTS", REPO_ROOT / "test-artifacts"))
    path = base / "dashboard"
    path.mkdir(parents=True, exist_ok=True)
    return path


def find_executable(candidates: tuple[str, ...], name: str) -> str:
    for candidate in candidates:
        if os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which(name)
    if found:
        return found
    raise AssertionError(
        f"{name} not found (looked at {', '.join(candidates)} and PATH): install Debian's chromium and "
        "chromium-driver (`.ci/run` does)"
    )


class ConsoleErrors(AssertionError):
    """The page logged JavaScript errors."""


class Browser:
    """One headless chromium session with console-error checks and screenshots."""

    def __init__(self, base_url: str, name: str = "browser", width: int = 1366, height: int = 900) -> None:
        options = webdriver.ChromeOptions()
        options.binary_location = find_executable(CHROMIUM_CANDIDATES, "chromium")
        for argument in (
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--no-first-run", "--disable-extensions", "--disable-background-networking",
            f"--window-size={width},{height}",
        ):
            options.add_argument(argument)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        service = Service(executable_path=find_executable(DRIVER_CANDIDATES, "chromedriver"))
        self.driver = webdriver.Chrome(service=service, options=options)
        self.driver.set_page_load_timeout(30)
        self.base_url = base_url.rstrip("/")
        self.visited: list[str] = []
        self.name = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_")

    def close(self) -> None:
        self.driver.quit()

    # -- navigation ----------------------------------------------------------------------------------------

    def open(self, path: str, shot: str | None = None) -> None:
        """Loads `path` (relative to the server), waits for the document, checks the console, screenshots."""
        self.driver.get(self.base_url + path)
        self.settle(shot or path)

    def click(self, element: WebElement, shot: str) -> None:
        """Clicks a link or button, waits for the next document, checks the console, screenshots."""
        old = self.driver.find_element(By.TAG_NAME, "html")
        element.click()
        try:
            WebDriverWait(self.driver, 15).until(expected_conditions.staleness_of(old))
        except TimeoutException:
            pass  # same-document actions (expanding a row) do not navigate
        self.settle(shot)

    def settle(self, shot: str) -> None:
        WebDriverWait(self.driver, 15).until(
            lambda d: d.execute_script("return document.readyState") == "complete"
        )
        self.visited.append(self.driver.current_url)
        self.screenshot(shot)
        self.assert_no_console_errors()

    def screenshot(self, name: str) -> Path:
        slug = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_") or "page"
        path = artifacts_dir() / f"{self.name}-{len(self.visited):02d}-{slug[:60]}.png"
        self.driver.save_screenshot(str(path))
        return path

    def assert_no_console_errors(self) -> None:
        """Fails on any SEVERE browser log entry (JavaScript errors, failed resource loads, CSP violations)."""
        entries: list[dict[str, Any]] = self.driver.get_log("browser")
        severe = [entry for entry in entries if entry.get("level") == "SEVERE"]
        if severe:
            lines = "\n".join(f"  {entry.get('source')}: {entry.get('message')}" for entry in severe)
            raise ConsoleErrors(f"console errors on {self.driver.current_url}:\n{lines}")

    # -- reading ---------------------------------------------------------------------------------------------

    @property
    def path(self) -> str:
        url = self.driver.current_url
        return url[len(self.base_url):] if url.startswith(self.base_url) else url

    def heading(self) -> str:
        return self.driver.find_element(By.TAG_NAME, "h1").text

    def text(self) -> str:
        """The visible text of the page body."""
        return self.driver.find_element(By.TAG_NAME, "body").text

    def link(self, text: str) -> WebElement:
        """The first visible link whose text is exactly `text` (then: contains it)."""
        for element in self.driver.find_elements(By.LINK_TEXT, text):
            if element.is_displayed():
                return element
        for element in self.driver.find_elements(By.PARTIAL_LINK_TEXT, text):
            if element.is_displayed():
                return element
        raise AssertionError(f"no visible link {text!r} on {self.path}; page text:\n{self.text()[:2000]}")

    def css(self, selector: str) -> list[WebElement]:
        return self.driver.find_elements(By.CSS_SELECTOR, selector)
