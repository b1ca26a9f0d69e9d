#!/usr/bin/env python3
"""Headless Chromium on the demo page: N EventSources over one HTTP/2 connection, events intact, and every
stream back (resumed, with the memory engine's stream-gap) after the gateway restarts.

Run by BrowserDemoTests (GatewayServerTests), which owns the gateway: this script writes `<control>/ready`
when it wants the restart and waits for `<control>/restarted`. TLS trust: Chromium runs with
--ignore-certificate-errors, so the test's throwaway CA needs no NSS database; TLS, ALPN and HTTP/2 still
run in full. Prints `RESULT <json>` and exits 0 when every check holds; exits 1 with the reason otherwise.
"""
import argparse, json, os, signal, sys, time

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

MULTI_LINE = "first line\nsecond line\n\nfourth line after an empty one"
NON_ASCII = "héllo wörld — 日本語 — Ελληνικά — emoji 🚀🎉 — ünïcödé"
LONG_LINE = "".join(chr(ord("a") + i % 26) for i in range(2999)) + "Z"
PAYLOADS = [MULTI_LINE, NON_ASCII, LONG_LINE]


class Failure(Exception):
    pass


def wait_for(driver, script, what, timeout):
    """Polls a JavaScript expression until it is truthy; returns its value or raises Failure."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = driver.execute_script("return " + script)
        if value:
            return value
        time.sleep(0.1)
    raise Failure(f"timed out after {timeout}s waiting for {what}: {driver.execute_script('return ' + DIAGNOSIS)}")


DIAGNOSIS = "JSON.stringify(demo.streams.map(s => [s.label, s.state, s.opens, s.connection, s.protocol, s.events.length, s.gaps.length]))"


def fan_state(driver):
    return driver.execute_script(
        "return demo.fanout.map(s => ({label: s.label, url: s.url, opens: s.opens, connection: s.connection,"
        " protocol: s.protocol, data: s.events.map(e => e.data), ids: s.events.map(e => e.id), gaps: s.gaps, state: s.state}))")


def publish(driver, channel, data):
    answer = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "demo.publish(arguments[0], arguments[1]).then(done, (error) => done({status: 0, body: String(error)}));", channel, data)
    if answer["status"] != 200:
        raise Failure(f"publish through the demo route answered {answer}")
    return answer["body"]["ids"][0]


def check_shared_h2(driver, streams, label):
    connections = {s["connection"] for s in streams}
    protocols = {s["protocol"] for s in streams}
    if protocols != {"h2"}:
        raise Failure(f"{label}: streams report protocols {protocols}, expected only h2")
    if len(connections) != 1:
        raise Failure(f"{label}: streams spread over connections {sorted(connections)}, expected one")
    return connections.pop()


def run(arguments):
    options = Options()
    for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--ignore-certificate-errors",
                 "--window-size=1400,1200", "--no-first-run", "--disable-extensions"]:
        options.add_argument(flag)
    options.set_capability("acceptInsecureCerts", True)
    options.binary_location = arguments.chromium
    driver = webdriver.Chrome(service=Service(arguments.chromedriver), options=options)
    try:
        driver.set_script_timeout(20)
        driver.get(arguments.url)
        wait_for(driver, "window.demo && demo.streams.length >= 2 && demo.streams.every(s => s.connection !== null)", "the page's channel streams", 20)
        page = driver.execute_script("return demo.browserProtocols()")
        page_protocols = {name: protocol for name, protocol in page.items() if "/events/" not in name}
        if not page_protocols or set(page_protocols.values()) != {"h2"}:
            raise Failure(f"the page's own requests did not all use h2: {page_protocols}")

        driver.execute_script("demo.openFanout(arguments[0])", arguments.streams)
        wait_for(driver, f"demo.fanout.length === {arguments.streams} && demo.fanout.every(s => s.connection !== null)", "stream-open on every stream", 30)
        before = fan_state(driver)
        connection = check_shared_h2(driver, before, "before the restart")
        page_connection = driver.execute_script("return demo.streams.filter(s => !s.label.startsWith('fan-')).map(s => s.connection)")
        if set(page_connection) != {connection}:
            raise Failure(f"channel streams on connections {page_connection}, the fan-out on {connection}")

        for payload in PAYLOADS:
            publish(driver, "fan", payload)
        wait_for(driver, f"demo.fanout.every(s => s.events.length >= {len(PAYLOADS)})", "the published events on every stream", 20)
        for stream in fan_state(driver):
            if stream["data"][:len(PAYLOADS)] != PAYLOADS:
                got = [(len(d), d[:80]) for d in stream["data"]]
                raise Failure(f"{stream['label']} received events that differ from what was published: {got}")

        # The demo's own drop-and-resume button: three events published while a channel stream is closed.
        driver.find_element(By.ID, "drop-resume").click()
        wait_for(driver, "document.getElementById('resume-result').textContent.includes('nothing was missed')", "drop and resume", 20)

        if arguments.screenshot:
            driver.execute_script("render()")
            driver.save_screenshot(arguments.screenshot)

        # The restart: the test drains this gateway and starts a new one (a new memory engine) on the same ports.
        open(os.path.join(arguments.control, "ready"), "w").close()
        deadline = time.monotonic() + 30
        while not os.path.exists(os.path.join(arguments.control, "restarted")):
            if time.monotonic() > deadline:
                raise Failure("the test did not restart the gateway")
            time.sleep(0.1)
        wait_for(driver, "demo.fanout.every(s => s.opens >= 2 && s.gaps.length >= 1 && s.state === 'open')",
                 "every stream reopened with a stream-gap", 40)
        after = fan_state(driver)
        new_connection = check_shared_h2(driver, after, "after the restart")
        for stream in after:
            reasons = {gap.get("reason") for gap in stream["gaps"]}
            if not reasons:
                raise Failure(f"{stream['label']}: no stream-gap after the restart")
        live = publish(driver, "fan", "after the restart")
        wait_for(driver, "demo.fanout.every(s => s.events.some(e => e.data === 'after the restart'))", "a live event after the restart", 20)

        # Each stream's first request has ended now, so the browser's resource timing lists it.
        ended = driver.execute_script(
            "return performance.getEntriesByType('resource').filter(e => e.name.includes('/events/demo:fan')).map(e => [e.name, e.nextHopProtocol])")
        ended_protocols = {protocol for _, protocol in ended}
        if len({name for name, _ in ended}) < arguments.streams or ended_protocols != {"h2"}:
            raise Failure(f"resource timing of the ended streams: {len(ended)} entries, protocols {ended_protocols}")
        return {
            "streams": len(after), "connection_before": connection, "connection_after": new_connection,
            "page_protocols": sorted(set(page_protocols.values())), "ended_stream_protocols": sorted(ended_protocols),
            "gap_reasons": sorted({gap.get("reason") for s in after for gap in s["gaps"]}),
            "payload_lengths": [len(p) for p in PAYLOADS], "live_after_restart": live,
        }
    finally:
        driver.quit()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--control", required=True)
    parser.add_argument("--streams", type=int, default=20)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--chromedriver", default="/usr/bin/chromedriver")
    parser.add_argument("--screenshot")
    parser.add_argument("--timeout", type=int, default=150)
    arguments = parser.parse_args()

    def give_up(signum, frame):
        raise Failure(f"the whole run took longer than {arguments.timeout}s")
    signal.signal(signal.SIGALRM, give_up)
    signal.alarm(arguments.timeout)
    try:
        result = run(arguments)
    except Failure as failure:
        print(f"FAIL {failure}", flush=True)
        sys.exit(1)
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
