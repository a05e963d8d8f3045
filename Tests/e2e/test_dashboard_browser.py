"""The dashboard in a real browser (Debian's chromium, headless), on traffic captured by `telltale run`.

One collector and one scenario for the module: the official `mcp` client drives the e2e server through
`telltale run` in both protocol generations (tool calls that succeed and fail, a prompt, a resource, one
call with W3C trace context). Then chromium signs in and walks the views an on-call engineer opens first.
Every page load fails the test on a JavaScript console error and leaves a screenshot in the artifacts.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest
from opentelemetry import trace
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags
from selenium.webdriver.common.by import By

from browser import Browser
from support import Collector, Wrapper, create_key, e2e_server_command, mcp_client

TRACE_ID = 0x0AF7651916CD43DD8448EB211C80319C
SPAN_ID = 0x00F067AA0BA902B7
JAEGER = "http://jaeger.test:16686"


async def drive_traffic(wrapper: Wrapper) -> None:
    """Two sessions (2026-07-28 and legacy): echoes, additions, failing calls, a prompt, a resource, a trace."""
    async with mcp_client(wrapper.params(e2e_server_command()), "auto") as client:
        await client.list_tools()
        for text in ("alpha", "bravo", "charlie"):
            await client.call_tool("echo", {"text": text})
        await client.call_tool("add", {"a": 2, "b": 3})
        for _ in range(3):
            await client.call_tool("fail", {"message": "disk quota exceeded"})
        parent = SpanContext(trace_id=TRACE_ID, span_id=SPAN_ID, is_remote=True, trace_flags=TraceFlags(1))
        with trace.use_span(NonRecordingSpan(parent)):
            await client.call_tool("echo", {"text": "traced-call"})
        await client.get_prompt("greeting", {"name": "Ada"})
        await client.read_resource("telltale://e2e/info")
    async with mcp_client(wrapper.params(e2e_server_command()), "legacy") as client:
        await client.list_tools()
        await client.call_tool("echo", {"text": "legacy"})
        await client.call_tool("add", {"a": 1, "b": 1})


@pytest.fixture(scope="module")
def dashboard(telltale: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Collector]:
    """A collector with a trace-link template, and the scenario's traffic stored."""
    base = tmp_path_factory.mktemp("dashboard")
    collector = Collector(binary=telltale, data_dir=base / "data", log_path=base / "serve.log")
    collector.create_keys()
    collector.start("--trace-link", f"jaeger={JAEGER}")
    try:
        xdg = base / "xdg"
        xdg.mkdir()
        wrapper = Wrapper(binary=telltale, endpoint=collector.endpoint, api_key=collector.ingest_key, xdg_data_home=xdg)
        anyio.run(drive_traffic, wrapper)
        # 2 handshakes + 2 tools/list + 3 echo + add + 3 fail + traced echo + prompt + resource + echo + add
        collector.wait_for_calls(16)
        collector.wait_for("/api/v1/sessions", lambda b: len(b["items"]) == 2, what="two sessions")
        yield collector
    finally:
        collector.stop()


@pytest.fixture
def browser(request: pytest.FixtureRequest, dashboard: Collector) -> Iterator[Browser]:
    session = Browser(dashboard.endpoint, name=request.node.name.removeprefix("test_"))
    try:
        yield session
    finally:
        session.close()


def sign_in(browser: Browser, key: str) -> None:
    browser.open("/", shot="redirect-to-login")
    assert browser.path.startswith("/login"), f"an anonymous visit should land on the sign-in page, got {browser.path}"
    field = browser.driver.find_element(By.CSS_SELECTOR, "input[name=key]")
    field.send_keys(key)
    button = browser.driver.find_element(By.CSS_SELECTOR, "form[action='/login'] button, form[action^='/login'] [type=submit]")
    browser.click(button, shot="after-sign-in")


def number_after(label: str, text: str) -> str:
    """The first number printed after `label` in the page text (labels and values are separate lines)."""
    match = re.search(re.escape(label) + r"\s*\n?\s*([0-9][0-9.,]*%?)", text, flags=re.IGNORECASE)
    assert match, f"no number after {label!r} in:\n{text[:1500]}"
    return match.group(1)


def card(browser: Browser, card_id: str) -> str:
    """The value of an overview card (its label is the first line, the value the second)."""
    lines = [line for line in browser.driver.find_element(By.ID, card_id).text.splitlines() if line.strip()]
    assert len(lines) >= 2, f"#{card_id} has a label and a value: {lines}"
    return lines[1]


def table_rows(browser: Browser, table_id: str) -> list[list[str]]:
    rows = browser.driver.find_elements(By.CSS_SELECTOR, f"#{table_id} tbody tr")
    return [[cell.text for cell in row.find_elements(By.CSS_SELECTOR, "th, td")] for row in rows]


def test_sign_in_overview_tool_matrix_session_and_call(browser: Browser, dashboard: Collector) -> None:
    sign_in(browser, dashboard.read_key)
    assert browser.path.split("?")[0] == "/", browser.path
    assert browser.heading() == "Overview"
    # 16 requests over two sessions (handshakes included); the 3 `fail` calls are tool errors.
    assert card(browser, "card-calls") == "16"
    assert card(browser, "card-sessions") == "2"
    assert card(browser, "card-error-rate") == "18.8%"
    for chart in ("chart-calls", "chart-errors", "chart-p95"):
        svg = browser.driver.find_element(By.CSS_SELECTOR, f"#{chart} svg, svg#{chart}")
        assert svg.is_displayed(), f"#{chart} is drawn"
    assert "tool error: 3" in browser.driver.find_element(By.ID, "outcome-counts").text

    # The tools table, sorted by errors through its header link, then the `fail` tool's own page.
    browser.click(browser.link("Tools"), shot="tools")
    assert browser.heading() == "Tools"
    names = [row[0] for row in table_rows(browser, "tool-table")]
    assert sorted(names) == ["add", "echo", "fail"], names
    browser.click(browser.driver.find_element(By.CSS_SELECTOR, "#tool-table thead a[href*='sort=errors']"), shot="tools-by-errors")
    rows = table_rows(browser, "tool-table")
    if rows[0][0] != "fail":  # the first click may sort ascending: the header link toggles the direction
        browser.click(browser.driver.find_element(By.CSS_SELECTOR, "#tool-table thead a[href*='sort=errors']"), shot="tools-by-errors-desc")
        rows = table_rows(browser, "tool-table")
    assert rows[0][0] == "fail", rows
    browser.click(browser.link("fail"), shot="tool-fail")
    assert browser.heading() == "Tool: fail"
    assert card(browser, "card-calls") == "3"
    assert card(browser, "card-error-rate") == "100.0%"
    assert browser.css("svg")

    # The tool × client version matrix: the official client `mcp` and the failing tool at 100%.
    browser.click(browser.link("Error matrix"), shot="matrix")
    matrix = browser.driver.find_element(By.ID, "error-matrix").text
    assert "mcp 0.1.0" in matrix
    fail_row = next(row for row in table_rows(browser, "error-matrix") if row[0].startswith("fail"))
    assert any("100.0%" in cell and "3/3" in cell for cell in fail_row[1:]), fail_row
    assert browser.driver.find_element(By.ID, "matrix-legend").is_displayed()

    # Sessions, their error concentration, and the timeline of the session with the prompt and resource.
    browser.click(browser.link("Sessions"), shot="sessions")
    assert browser.driver.find_element(By.ID, "concentration-verdict").get_attribute("data-verdict")
    hrefs = sorted({a.get_attribute("href") for a in browser.css("#sessions-table a[href*='/sessions/']")})
    assert len(hrefs) == 2, hrefs
    for href in hrefs:
        browser.open(urllib.parse.urlparse(href).path, shot="session")
        if "greeting" in browser.driver.find_element(By.ID, "timeline").text:
            break
    timeline = browser.driver.find_element(By.ID, "timeline").text
    assert "greeting" in timeline and "telltale://e2e/info" in timeline
    methods = [row.find_elements(By.CSS_SELECTOR, "th, td")[2].text for row in browser.css("#timeline tr[id^='call-']")]
    assert methods[:2] == ["server/discover", "tools/list"], methods
    assert methods.count("tools/call") == 8 and methods[-2:] == ["prompts/get", "resources/read"], methods
    # Expanding a row shows the call's arguments.
    echo_row = next(row for row in browser.css("#timeline tr[id^='call-']") if "echo" in row.text)
    echo_row.find_element(By.CSS_SELECTOR, "details > summary").click()
    opened = echo_row.find_element(By.CSS_SELECTOR, "details[open]")
    assert "alpha" in opened.text
    browser.assert_no_console_errors()
    browser.screenshot("session-expanded")

    # Call detail of the traced echo: request JSON and the Jaeger link.
    traced_row = next(row for row in browser.css("#timeline tr[id^='call-']") if "traced-call" in row.get_attribute("textContent"))
    browser.click(traced_row.find_element(By.LINK_TEXT, "Call detail"), shot="call-traced")
    assert browser.heading().startswith("Call tools/call")
    assert "traced-call" in browser.driver.find_element(By.ID, "request-json").text
    assert browser.driver.find_element(By.ID, "trace-id").text == f"{TRACE_ID:032x}"
    link = browser.driver.find_element(By.ID, "trace-link").get_attribute("href")
    assert link == f"{JAEGER}/trace/{TRACE_ID:032x}", link


def test_filters_live_in_the_url(browser: Browser, dashboard: Collector) -> None:
    sign_in(browser, dashboard.read_key)
    browser.open("/tools?range=1h&tool=echo", shot="tools-filtered")
    text = browser.text()
    assert "echo" in text
    # Links in the page keep the filters.
    hrefs = [a.get_attribute("href") or "" for a in browser.css("nav a[href]")]
    assert any("range=1h" in href for href in hrefs), hrefs


def test_wrong_key_and_sign_out(browser: Browser, dashboard: Collector) -> None:
    browser.open("/login", shot="login")
    browser.driver.find_element(By.CSS_SELECTOR, "input[name=key]").send_keys("tt_read_not-a-real-key")
    browser.click(browser.driver.find_element(By.CSS_SELECTOR, "form [type=submit], form button"), shot="wrong-key")
    assert browser.path.startswith("/login")
    assert re.search(r"(invalid|unknown|wrong|not recognized)", browser.text(), re.IGNORECASE), browser.text()

    sign_in(browser, dashboard.read_key)
    sign_out = browser.driver.find_element(By.CSS_SELECTOR, "form[action='/logout'] button, form[action='/logout'] [type=submit]")
    browser.click(sign_out, shot="signed-out")
    browser.open("/tools", shot="after-sign-out")
    assert browser.path.startswith("/login")


def test_ingest_key_cannot_sign_in(browser: Browser, dashboard: Collector) -> None:
    browser.open("/login", shot="login-ingest")
    browser.driver.find_element(By.CSS_SELECTOR, "input[name=key]").send_keys(dashboard.ingest_key)
    browser.click(browser.driver.find_element(By.CSS_SELECTOR, "form [type=submit], form button"), shot="ingest-key")
    assert browser.path.startswith("/login")
    assert "ingest" in browser.text().lower()


def test_one_time_sign_in_link(browser: Browser, dashboard: Collector) -> None:
    links = re.findall(r"https?://\S+/login/\S+", dashboard.log_text())
    assert links, f"`telltale serve` prints a one-time sign-in link; log:\n{dashboard.log_text()}"
    path = urllib.parse.urlparse(links[-1]).path
    browser.open(path, shot="one-time-link")
    assert browser.path.split("?")[0] == "/", browser.path
    assert browser.heading() == "Overview"
    # Used once: a second browser gets the sign-in page.
    second = Browser(dashboard.endpoint, name="one_time_link_second_browser")
    try:
        second.open(path, shot="one-time-link-again")
        assert second.path.startswith("/login")
    finally:
        second.close()


def test_admin_key_signs_in(browser: Browser, dashboard: Collector, telltale: Path) -> None:
    admin = create_key(telltale, dashboard.data_dir, "admin")
    sign_in(browser, admin)
    assert "Overview" in browser.heading()
