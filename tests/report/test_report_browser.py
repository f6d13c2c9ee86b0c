"""The HTML report in a real headless Chromium: headline numbers, the client-side table, a screenshot.

Debian's chromium and chromium-driver (apt-get install -y chromium chromium-driver); Selenium talks to
the system chromedriver, so nothing is downloaded.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from phiscope.report.findings import iter_findings
from phiscope.report.render import write_reports
from phiscope.report.sample import make_report
from phiscope.report.summary import headline

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1400,2200",
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def driver() -> Iterator[Any]:
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        pytest.skip("needs Debian's chromium and chromium-driver")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for f in FLAGS:
        opts.add_argument(f)
    d = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    d.set_page_load_timeout(60)
    try:
        yield d
    finally:
        d.quit()


def _text(d: Any, id_: str) -> str:
    return str(d.find_element("id", id_).text)


def test_html_report_in_chromium(driver: Any, tmp_path: Path) -> None:
    from selenium.webdriver.support.ui import Select, WebDriverWait

    r = make_report(3000)
    r["objects"][0]["key"] = "<img src=x onerror=document.title='pwned'>.csv"
    r["objects"][0]["detections"] = [
        {
            "type": "US_SSN",
            "category": "identity",
            "count": 1,
            "confidence": 0.9,
            "locations": [],
            "masked_examples": ["***-**-0001"],
        }
    ]
    r["objects"][1]["detections"][:] = []
    r["objects"][1]["detections"].append(
        {
            "type": "US_SSN",
            "category": "identity",
            "count": 1,
            "confidence": 0.9,
            "locations": [],
            "masked_examples": ["***-**-0002"],
            "muted": {"reason": "fixture", "owner": "qa", "expires": None},
        }
    )
    path = write_reports(r, tmp_path, ["html"])["html"]
    driver.get(path.as_uri())
    WebDriverWait(driver, 30).until(
        lambda d: d.find_element("tag name", "body").get_attribute("data-ready") == "1"
    )

    h = headline(r)
    assert _text(driver, "h-exposed") == str(h["exposed_buckets"])
    assert _text(driver, "h-people") == f"{h['people_affected']:,}"
    assert _text(driver, "h-detections") == f"{h['detections']:,}"
    assert _text(driver, "h-obligations") == str(h["obligations"])
    assert _text(driver, "scan-id") == r["scan"]["id"]

    data = [f for f in iter_findings(r, exposure=False)]
    unmuted = sum(1 for f in data if f.muted is None)
    assert _text(driver, "pageinfo") == f"1–50 of {unmuted:,} findings"
    assert len(driver.find_elements("css selector", "#rows tr")) == 50
    # the hostile key is shown as text, never run
    assert driver.title.startswith("PHIscope: ") and not driver.find_elements("css selector", "#rows img")

    driver.find_element("id", "fm").click()  # show muted
    assert _text(driver, "pageinfo") == f"1–50 of {len(data):,} findings"
    Select(driver.find_element("id", "ft")).select_by_visible_text("US_SSN")
    n_ssn = sum(1 for f in data if f.kind == "US_SSN")
    assert _text(driver, "pageinfo").endswith(f"of {n_ssn:,} findings")
    driver.find_element("id", "q").send_keys("onerror")
    assert _text(driver, "pageinfo") == "1–1 of 1 findings"
    assert "onerror" in driver.find_element("css selector", "#rows td.obj").text
    driver.find_element("id", "q").clear()
    Select(driver.find_element("id", "ft")).select_by_index(0)
    driver.find_element("id", "fm").click()
    driver.find_element("id", "next").click()
    assert _text(driver, "pageinfo").startswith("51–100 of")

    not_done = sum(1 for o in r["objects"] if o["status"] != "complete")
    assert _text(driver, "skipinfo") == f"({not_done:,})"

    driver.execute_script("window.scrollTo(0, 0)")
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report-html.png"
    assert driver.save_screenshot(str(shot))
    assert shot.stat().st_size > 50_000
