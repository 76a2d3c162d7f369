"""The page at GET / in headless Chromium: type a text, click, see the analysis.

Chromium and its driver come from Debian (``apt-get install chromium
chromium-driver``; .ci/run installs them): no browser is downloaded at run
time. Without them the test is skipped and says why.
"""

import shutil
import tempfile
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
FLAGS = (
    "--headless",
    "--no-sandbox",  # root in a container
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)

pytestmark = pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
    reason="needs Debian's Chromium: apt-get install chromium chromium-driver",
)


@pytest.fixture(scope="module")
def browser():
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="hanzi-serve-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS + (f"--user-data-dir={profile}",):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def analyse_in_page(browser, url: str, text: str) -> str:
    """Load the page, type ``text``, click and wait for the status line."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(url + "/")
    box = browser.find_element(By.ID, "text")
    box.clear()
    box.send_keys(text)
    browser.find_element(By.ID, "analyze").click()
    status = browser.find_element(By.ID, "status")
    WebDriverWait(browser, 60).until(lambda _: status.text not in ("", "…"))
    return status.text


def test_page_shows_entities_and_words(browser, server):
    from selenium.webdriver.common.by import By

    text = "江泽民在北京会见了代表团。李鹏总理访问日本。"
    status = analyse_in_page(browser, server, text)
    assert "words" in status, status
    marks = browser.find_elements(By.CSS_SELECTOR, "#entities mark.entity")
    assert marks, browser.find_element(By.ID, "entities").get_attribute("innerHTML")
    for mark in marks:
        colour = mark.value_of_css_property("background-color")
        assert colour not in ("rgba(0, 0, 0, 0)", "rgba(221, 221, 221, 1)"), colour
    labels = browser.find_elements(By.CSS_SELECTOR, "#entities mark.entity span")
    assert {label.text for label in labels} <= {"PER", "LOC", "ORG"}
    words = browser.find_element(By.ID, "words")
    assert words.find_elements(By.TAG_NAME, "svg")
    shown = words.text
    assert "北京" in shown and ("PROPN" in shown or "NOUN" in shown)


def test_page_with_no_text(browser, server):
    from selenium.webdriver.common.by import By

    assert analyse_in_page(browser, server, "") == "0 words, 0 entities"
    assert not browser.find_elements(By.CSS_SELECTOR, "#entities mark")
