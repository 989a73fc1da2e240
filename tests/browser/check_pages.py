"""Headless-Chromium checks of Cascade's two pages (run by .ci/run after the default run).

1. report.html of a run, opened from disk: no console errors, every chart has drawn lines,
   hover shows the tooltip, zoom changes the view. Screenshot: <run>/browser/report.png.
2. The live page of `cascade serve`: no console errors, the charts update within a few
   seconds, pause stops the updates and resume restarts them. Screenshot:
   <run>/browser/live.png.

Usage: python3 tests/browser/check_pages.py RUN_DIR CASCADE_BINARY
Needs Debian's chromium and chromium-driver and the selenium package.
"""

import json
import os
import subprocess
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By


def browser():
    options = Options()
    options.binary_location = "/usr/bin/chromium"
    for flag in [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1400,1000",
    ]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def console_errors(driver):
    return [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]


def wait_for(predicate, timeout_s, what):
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")


def check_report(driver, run_dir, shots):
    path = os.path.abspath(os.path.join(run_dir, "report.html"))
    driver.get("file://" + path)
    charts = driver.find_elements(By.CSS_SELECTOR, "svg.chart")
    assert len(charts) >= 6, f"only {len(charts)} charts"
    for svg in charts:
        # plotters writes each series as a polyline; a drawn chart has at least one with points.
        # Drawn: a line with at least two points whose rendered box is wider than a third of
        # the plot (a flat zero line counts: it is data too).
        widest = driver.execute_script(
            "const svg = arguments[0];"
            "const plot = svg.querySelector('.hit').getBoundingClientRect().width;"
            "const lines = Array.from(svg.querySelectorAll('g.data polyline, g.data path'))"
            "  .filter(e => (e.getAttribute('points') || e.getAttribute('d') || '').trim().split(/[ ML]+/).length >= 2);"
            "return lines.map(e => e.getBoundingClientRect().width / plot).reduce((a, b) => Math.max(a, b), 0);",
            svg,
        )
        assert widest > 0.33, f"chart {svg.get_attribute('id')} has no drawn line ({widest})"
    # Hover over the middle of the first chart: the tooltip appears.
    first = charts[0]
    ActionChains(driver).move_to_element(first).perform()
    wait_for(lambda: driver.execute_script("return !document.getElementById('tip').hidden;"), 5, "the tooltip")
    # Zoom through the page's own API: the view narrows, and the data group is transformed.
    driver.execute_script("window.cascadeReport.setView(600, 900);")
    view = driver.execute_script("return window.cascadeReport.view();")
    assert abs(view[0] - 600) < 1 and abs(view[1] - 900) < 1, view
    errors = console_errors(driver)
    assert not errors, f"console errors on report.html: {errors}"
    driver.save_screenshot(os.path.join(shots, "report.png"))
    print(f"report.html: {len(charts)} charts drawn, hover and zoom work, no console errors")


def check_live(driver, cascade, shots):
    server = subprocess.Popen(
        [cascade, "serve", "--addr", "127.0.0.1:0", "--speed", "100"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = server.stdout.readline()
        address = line.split("http://", 1)[1].split("/", 1)[0]
        driver.get(f"http://{address}/")
        frames = lambda: int(driver.execute_script("return document.body.dataset.chartsFrames || '0';"))
        last_time = lambda: int(driver.execute_script("return document.body.dataset.lastTime || '-1';"))
        wait_for(lambda: frames() >= 1, 10, "the first charts")
        t0 = last_time()
        wait_for(lambda: last_time() > t0, 5, "the charts to update")
        boxes = driver.find_elements(By.CSS_SELECTOR, ".chart-box svg")
        assert len(boxes) >= 6, f"only {len(boxes)} live charts"
        driver.find_element(By.ID, "pause").click()
        wait_for(lambda: driver.execute_script("return document.body.dataset.paused === '1';"), 5, "pause")
        time.sleep(2.5)  # frames in flight when pausing may still arrive
        paused_at = (frames(), last_time())
        time.sleep(4)
        assert (frames(), last_time()) == paused_at, f"updates while paused: {paused_at} -> {(frames(), last_time())}"
        driver.find_element(By.ID, "resume").click()
        wait_for(lambda: last_time() > paused_at[1], 6, "updates after resume")
        # The crash at 600 s fills the list of notable events (liquidations, backstop, ADL).
        notable = wait_for(lambda: len(driver.find_elements(By.CSS_SELECTOR, "#notable li")), 20, "notable events")
        errors = console_errors(driver)
        assert not errors, f"console errors on the live page: {errors}"
        driver.save_screenshot(os.path.join(shots, "live.png"))
        print(f"live page: charts update, pause holds them, resume restarts them; {notable} notable events listed; no console errors")
    finally:
        server.terminate()
        server.wait(timeout=10)


def main():
    run_dir, cascade = sys.argv[1], sys.argv[2]
    shots = os.path.join(run_dir, "browser")
    os.makedirs(shots, exist_ok=True)
    driver = browser()
    try:
        check_report(driver, run_dir, shots)
        check_live(driver, cascade, shots)
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
