"""The leaderboard page in real headless Chromium at 1400 px: no console errors, header sorts, plots
load, every table fits the width without a horizontal scroll bar."""

from __future__ import annotations

import functools
import os
import shutil
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from harness.leaderboard import build
from leaderboard_records import E1, H0, toy_results

pytestmark = pytest.mark.browser
REPO = Path(__file__).resolve().parent.parent
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--window-size=1400,2200")


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def browser(tmp_path: Path):
    chromium, chromedriver = shutil.which("chromium"), shutil.which("chromedriver")
    if not chromium or not chromedriver:
        pytest.skip("headless Chromium absent: run scripts/install-chromium (Debian's chromium and chromium-driver)")
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium absent: run scripts/install-chromium")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'chromium-profile'}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(chromedriver))
    yield driver
    driver.quit()


@pytest.fixture
def served_board(tmp_path: Path):
    toy_results(tmp_path / "results")
    shutil.copytree(REPO / "results" / "reported", tmp_path / "results" / "reported")
    folder = build(tmp_path / "results", tmp_path / "board", lambda m: None)
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/index.html"
    server.shutdown()


def test_page_loads_sorts_and_shows_plots(browser, served_board: str, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    browser.get(served_board)
    assert browser.execute_script("return document.readyState") == "complete"
    table = browser.find_element(By.CSS_SELECTOR, "table.board")
    methods = lambda: [row.get_attribute("data-row") for row in table.find_elements(By.CSS_SELECTOR, "tbody tr")]
    assert methods() == [f"er-{E1}", f"finetune-{H0}"]
    header = next(th for th in table.find_elements(By.TAG_NAME, "th") if th.text.startswith("judge_accuracy avg"))
    header.click()
    assert header.get_attribute("aria-sort") == "ascending"
    assert methods() == [f"finetune-{H0}", f"er-{E1}"]
    header.click()
    assert methods() == [f"er-{E1}", f"finetune-{H0}"]

    # every number stays on one line, and measured cells with an interval show it on hover
    heights = browser.execute_script(
        "return Array.from(document.querySelectorAll('table.board td')).map(td => "
        "[td.textContent, td.getBoundingClientRect().height, parseFloat(getComputedStyle(td).lineHeight) || 20])")
    assert all(height < 2 * line for _, height, line in heights), [cell for cell in heights if cell[1] >= 2 * cell[2]]
    titles = [td.get_attribute("title") for td in table.find_elements(By.CSS_SELECTOR, f"tr[data-row='finetune-{H0}'] td[title]")]
    assert titles and all(title.startswith("95% interval [") for title in titles)

    images = browser.execute_script(
        "return Array.from(document.images).map(i => [i.getAttribute('src'), i.complete && i.naturalWidth > 0])")
    assert len(images) >= 5 and all(loaded for _, loaded in images), images

    errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert errors == []
    _assert_tables_fit(browser)
    notes = browser.find_element(By.CSS_SELECTOR, "details.read")
    assert notes.get_attribute("open") is None and "how to read this table" in notes.text  # the methodology is folded away
    assert browser.find_element(By.CSS_SELECTOR, "section p.lead").text.endswith(".")
    target = Path(os.environ.get("HARNESS_SCREENSHOT_DIR", tmp_path))
    target.mkdir(parents=True, exist_ok=True)
    height = browser.execute_script("return document.body.scrollHeight")
    browser.set_window_size(1400, min(int(height) + 100, 8000))
    assert browser.save_screenshot(str(target / "leaderboard.png"))
    assert (target / "leaderboard.png").stat().st_size > 10_000


def _assert_tables_fit(browser) -> None:
    """No table needs a horizontal scroll bar, and neither does the page."""
    widths = browser.execute_script(
        "return Array.from(document.querySelectorAll('div.scroll')).map(s => [s.querySelector('table').id, s.scrollWidth, s.clientWidth])")
    assert widths and all(scroll <= client for _, scroll, client in widths), [w for w in widths if w[1] > w[2]]
    page = browser.execute_script("return [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert page[0] <= page[1], page


def test_the_published_board_fits_1400_pixels(browser) -> None:
    """The committed page itself (the widest real tables: the t2i benches' C-LoRA columns, costs and marks)."""
    from harness.leaderboard.version import LEADERBOARD_VERSION

    folder = REPO / "results" / "leaderboard" / f"v{LEADERBOARD_VERSION}"
    if not (folder / "index.html").is_file():
        pytest.skip(f"{folder} is not built yet")
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        browser.get(f"http://127.0.0.1:{server.server_address[1]}/index.html")
        assert browser.execute_script("return document.readyState") == "complete"
        _assert_tables_fit(browser)
        ranks = browser.execute_script("return Array.from(document.querySelectorAll('table.board tbody tr td:first-child')).map(td => td.textContent)")
        assert ranks and all(rank.isdigit() for rank in ranks)
    finally:
        server.shutdown()


NASTY_TEXT = ("<script>window.pwned=1</script>", "\"><img src=x onerror=\"window.pwned=1\">", "' onmouseover='window.pwned=1",
              "</code><script>window.pwned=1</script>", "javascript:window.pwned=1")


@pytest.fixture
def nasty_board(tmp_path: Path):
    """A board built from records and a reported YAML whose every free-text field carries markup."""
    import json

    from harness.record import write_record
    from leaderboard_records import make_record

    results = tmp_path / "results"
    for seed in (0, 1):
        path = make_record(results, "finetune", seed, [[0.9, 0], [0.5, 0.8]], [[5, 0], [9, 6]],
                           hparams={f"note_{i}": text for i, text in enumerate(NASTY_TEXT)})
        record = json.loads(path.read_text())
        record["bench"]["tasks"] = ["<script>pwned()<", "<b onclick>x<"]
        record["metrics"]["judge_accuracy"]["description"] = NASTY_TEXT[0]
        record["environment"]["harness_version"] = NASTY_TEXT[1][:60]
        write_record(path, record)
    (results / "reported").mkdir()
    (results / "reported" / "nasty.yaml").write_text(
        "citation: {key: nasty, text: " + json.dumps(NASTY_TEXT[3]) + ", url: 'https://example.org/\"><script>window.pwned=1</script>'}\n"
        "tables:\n  - bench: toy-bench\n    source: " + json.dumps(NASTY_TEXT[1]) + "\n    forgetting: forgetting_first_minus_final\n"
        "    metrics: {judge_accuracy: {higher_is_better: true, description: " + json.dumps(NASTY_TEXT[2]) + "}}\n"
        "    rows:\n      - {method: nasty, label: " + json.dumps(NASTY_TEXT[0]) + ", average: {judge_accuracy: 0.5}}\n")
    folder = build(results, tmp_path / "board", lambda m: None)
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/index.html"
    server.shutdown()


def test_a_page_built_from_hostile_strings_runs_none_of_them(browser, nasty_board: str) -> None:
    browser.get(nasty_board)
    assert browser.execute_script("return document.readyState") == "complete"
    body = browser.execute_script("return document.body.textContent")
    assert NASTY_TEXT[0] in body and "<script>pwned()<" in body, "the strings are shown as text"
    assert browser.execute_script("return window.pwned === undefined")
    for header in browser.find_elements("css selector", "th"):  # sorting moves the hostile cells around
        header.click()
    assert browser.execute_script("return window.pwned === undefined")
    assert [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"] == []
