"""Headless Chromium (selenium) loads the CORS test page from an allowed origin and from a refused one, and
prints one JSON line per page with what the page saw (fetch after preflight, EventSource open/events/error).

usage: cors_browser.py ALLOWED_PAGE_URL REFUSED_PAGE_URL
"""
import json
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

allowed_url, refused_url = sys.argv[1], sys.argv[2]
options = webdriver.ChromeOptions()
options.binary_location = "/usr/bin/chromium"
for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"]:
    options.add_argument(argument)
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
try:
    def run(url, done, timeout):
        driver.get(url)
        deadline = time.time() + timeout
        results = None
        while time.time() < deadline:
            results = driver.execute_script("return window.results")
            if results and done(results):
                break
            time.sleep(0.1)
        return results

    # The allowed page: wait for the fetch answer and a published event.
    allowed = run(allowed_url, lambda r: r["fetch"] is not None and len(r["events"]) > 0, 20)
    print(json.dumps({"page": "allowed", **allowed}), flush=True)
    # The refused page: give it time to fail (or, wrongly, to receive events).
    refused = run(refused_url, lambda r: r["fetch"] is not None and r["error"], 8)
    time.sleep(1.5)
    refused = driver.execute_script("return window.results")
    print(json.dumps({"page": "refused", **refused}), flush=True)
finally:
    driver.quit()
