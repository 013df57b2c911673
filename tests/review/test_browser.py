"""The review page in a real browser: headless Chromium (Debian's ``chromium``) opens it, every step, diff
hunk and graph is in the page it built, nothing is fetched from the network, and a screenshot is taken.

``.ci/run`` installs Chromium and sets MIGRATE_REQUIRE_BROWSER=1, so in CI a missing browser fails the
test instead of skipping it. MIGRATE_SCREENSHOT_DIR keeps the screenshot (review.png, 1400 px wide).
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from migrate.engine.summary import of_plan
from migrate.review import review_page

CHROMIUM = next((shutil.which(name) for name in ("chromium", "chromium-browser", "google-chrome")
                 if shutil.which(name)), None)
WIDTH = 1400


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        if os.environ.get("MIGRATE_REQUIRE_BROWSER"):
            pytest.fail("headless Chromium is required here (MIGRATE_REQUIRE_BROWSER) but not installed: "
                        "apt-get install chromium")
        pytest.skip("Chromium is not installed")
    return CHROMIUM


def _chromium(browser: str, tmp_path: Path, page: Path, *args: str) -> tuple[subprocess.CompletedProcess, list[str]]:
    """Open ``page`` in headless Chromium with ``args``; the process and every URL its network log saw."""
    log = tmp_path / "netlog.json"
    done = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                           "--no-first-run", "--disable-background-networking", "--disable-component-update",
                           "--disable-sync", "--metrics-recording-only", "--host-resolver-rules=MAP * ~NOTFOUND",
                           f"--user-data-dir={tmp_path / 'profile'}",
                           f"--log-net-log={log}", "--net-log-capture-mode=Everything", *args, page.as_uri()],
                          capture_output=True, text=True, timeout=180)
    return done, _urls(json.loads(log.read_text() or "{}")) if log.exists() else []


def _urls(netlog: dict) -> list[str]:
    """The URLs of the requests a page made, from Chromium's NetLog JSON: every URL_REQUEST_START_JOB but the
    browser's own background ones (network time, spelling dictionaries...), whose initiator is "not an origin"."""
    start = (netlog.get("constants") or {}).get("logEventTypes", {}).get("URL_REQUEST_START_JOB")
    return [params["url"] for event in netlog.get("events", []) if event.get("type") == start
            for params in [event.get("params") or {}]
            if isinstance(params.get("url"), str) and params.get("initiator") != "not an origin"]


def _remote(urls: list[str]) -> list[str]:
    return sorted({u for u in urls if not u.startswith(("file:", "data:", "chrome:", "about:", "blob:"))})


@pytest.fixture(scope="module")
def page_file(cb_result, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("page") / "review.html"
    path.write_text(review_page(cb_result.plan, of_plan(cb_result.plan)), encoding="utf-8")
    return path


def test_the_network_log_sees_a_page_that_fetches(browser, tmp_path):
    """The detector works: a page with a remote image is seen fetching it."""
    control = tmp_path / "control.html"
    control.write_text('<!DOCTYPE html><html><body><img src="http://probe.invalid/probe.png"></body></html>')
    done, urls = _chromium(browser, tmp_path, control, "--dump-dom")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "http://probe.invalid/probe.png" in _remote(urls)


def test_chromium_builds_every_step_hunk_and_graph_and_fetches_nothing(browser, page_file, cb_result, tmp_path):
    done, urls = _chromium(browser, tmp_path, page_file, "--dump-dom")
    assert done.returncode == 0, done.stderr[-2000:]
    dom = done.stdout
    for step in cb_result.plan.steps:
        assert f'id="step-{step.index}"' in dom
    hunks = sum(s.display_diff.count("\n@@ ") + s.display_diff.startswith("@@") for s in cb_result.plan.steps)
    assert dom.count('<tr class="hunk">') == 2 * hunks
    if shutil.which("dot"):
        assert dom.count("<svg") == 2
    assert _remote(urls) == []


def test_screenshot_at_1400_px(browser, page_file, tmp_path):
    shot = tmp_path / "review.png"
    done, urls = _chromium(browser, tmp_path, page_file, f"--window-size={WIDTH},2600", f"--screenshot={shot}")
    assert done.returncode == 0 and shot.exists(), done.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (WIDTH, 2600) and len(data) > 100_000      # a page was drawn, not a blank
    assert _remote(urls) == []
    keep = os.environ.get("MIGRATE_SCREENSHOT_DIR")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(keep) / "review.png")
