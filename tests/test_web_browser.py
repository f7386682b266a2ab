"""The page in real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright; never `playwright
install`): fill the form, read the figure, screenshot; upload a log and see its bad line listed."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from costcalc.prices.tables import PriceTables
from tests.web_helpers import FLASH_LOG

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium (apt-get install chromium); "
                       ".ci/run installs it when it runs as root"),
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def server(tables: PriceTables) -> Iterator[str]:
    uvicorn = pytest.importorskip("uvicorn")
    from costcalc.web.app import create_app

    port = _free_port()
    running = uvicorn.Server(uvicorn.Config(create_app(tables), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not running.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    running.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    """The page, refusing (and recording) any request that is not to our server: it must work offline."""
    context = browser.new_context(viewport={"width": 1000, "height": 1400})
    page = context.new_page()
    elsewhere: list[str] = []
    errors: list[str] = []

    def only_ours(route: Any) -> None:
        url = route.request.url
        if url.startswith(server + "/") or url.startswith("data:"):
            route.continue_()
        else:
            elsewhere.append(url)
            route.abort()

    page.route("**/*", only_ours)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(server + "/")
    page.wait_for_selector("body[data-ready=yes]")
    page.wait_for_function("document.querySelector('#estimate-form select[name=model]').options.length > 0")
    yield page
    assert elsewhere == [] and errors == []
    context.close()


def test_estimate_form_shows_the_librarys_break_even(page: Any, tables: PriceTables, tmp_path: Path) -> None:
    from costcalc.cost.break_even import break_even
    from costcalc.cost.workload import build_workload

    form = page.locator("#estimate-form")
    form.locator("select[name=model]").select_option("gemini-2.5-pro")
    form.locator("input[name=context]").fill("300k")
    form.locator("input[name=prompt]").fill("1k")
    form.locator("input[name=ttl]").fill("2h")
    form.locator("button").click()
    page.wait_for_selector("#estimate[data-ready=yes]")
    shown = int(page.text_content("#breakeven-queries").replace(",", ""))
    work = build_workload(tokens=(300_000, 1_000, None), ttl_seconds=7200)
    expected = break_even(tables.find_model("gemini-2.5-pro"), work, date.today())
    assert shown == expected.queries
    # The chart's dashed marker sits at the same number, and both lines are drawn.
    assert page.get_attribute("#breakeven-chart line[data-break-even]", "data-break-even") == str(shown)
    assert page.locator("#breakeven-chart path[data-series]").count() == 2
    shot = tmp_path / "estimate.png"
    page.locator("#estimate").screenshot(path=str(shot))
    assert shot.read_bytes().startswith(b"\x89PNG\r\n\x1a\n") and shot.stat().st_size > 10_000


def test_audio_in_the_context_changes_the_break_even(page: Any, tables: PriceTables) -> None:
    from costcalc.cost.break_even import break_even
    from costcalc.cost.workload import build_workload

    form = page.locator("#estimate-form")
    form.locator("select[name=model]").select_option("gemini-2.5-flash")
    form.locator("input[name=context]").fill("100k")
    form.locator("input[name=context_audio]").fill("10m")
    form.locator("button").click()
    page.wait_for_selector("#estimate[data-ready=yes]")
    shown = int(page.text_content("#breakeven-queries").replace(",", ""))
    # 10 min of audio = 600 s x 32 tokens/s = 19,200 audio tokens beside 100,000 text tokens.
    work = build_workload(tokens=(100_000, 2_000, None), ttl_seconds=3600, mix=(19_200, 0, 0, 0))
    assert shown == break_even(tables.find_model("gemini-2.5-flash"), work, date.today()).queries


def test_bad_input_shows_the_one_line_error(page: Any) -> None:
    form = page.locator("#estimate-form")
    form.locator("input[name=context]").fill("lots")
    form.locator("button").click()
    error = page.locator("#estimate .error")
    error.wait_for(state="visible")
    assert "--context 'lots'" in error.text_content()


def test_bill_upload_lists_the_bad_line(page: Any, tmp_path: Path) -> None:
    log = tmp_path / "traffic.jsonl"
    log.write_text(FLASH_LOG)
    page.set_input_files("#bill-form input[type=file]", str(log))
    page.locator("#bill-form button").click()
    page.wait_for_selector("#bill[data-ready=yes]")
    assert page.text_content("#bill-total") == "$0.000325"  # 1,000 x $0.30/1M + 10 x $2.50/1M
    assert page.locator("#bad-records li").all_text_contents() == [
        "traffic.jsonl:2: malformed_json: not valid JSON"]


def test_recommend_and_price_history_draw_their_charts(page: Any, tmp_path: Path) -> None:
    form = page.locator("#recommend-form")
    form.locator("input[name=for]").fill("2d")
    form.locator("button").click()
    page.wait_for_selector("#recommend[data-ready=yes]")
    strategy = page.text_content("#recommended-strategy")
    highlighted = page.locator("#strategy-chart rect[fill='#2ca02c']")
    assert highlighted.count() == 1 and highlighted.get_attribute("data-strategy") == strategy
    page.locator("#history-form button").click()
    page.wait_for_selector("#history[data-ready=yes]")
    assert page.locator("#history-chart path[data-series]").count() >= 2
    assert page.locator("#history-table tbody tr").count() >= 2
    page.screenshot(path=str(tmp_path / "page.png"), full_page=True)
    assert (tmp_path / "page.png").stat().st_size > 10_000
