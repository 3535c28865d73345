"""The web console in headless Chromium against the real daemon and its test-pattern camera
(camera0), run inside a umockdev testbed so a USB camera can be unplugged under it.

One daemon and one browser serve the whole module; the tests run in order (sign in, watch,
snapshot, record, play, download, delete, then the viewer, expiry and hotplug cases) and
each ends with no console error in the browser log. Each also passes alone: what it needs
from the tests before it (the console loaded and signed in, a snapshot) it makes itself
when missing, at no cost in file order. Screenshots of every step go to
``$BROWSER_ARTIFACTS`` (default ``.artifacts/browser/``). MediaMTX is absent here, so the
tiles show snapshots; the live WebRTC case is in ``test_console_live.py`` (``mediamtx``).
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from support.browser import Browser, unavailable
from support.console_daemon import ConsoleDaemon

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("BROWSER_ARTIFACTS", ROOT / ".artifacts" / "browser"))
T = 30.0  # one bound for every wait (a loaded machine)
TILE0 = ".tile[data-device='camera0']"


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConsoleDaemon]:
    if reason := unavailable():
        pytest.skip(reason)
    d = ConsoleDaemon(tmp_path_factory.mktemp("console")).start()
    try:
        yield d
    finally:
        d.stop()


@pytest.fixture(scope="module")
def browser(daemon: ConsoleDaemon, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    b = Browser(tmp_path_factory.mktemp("downloads"))
    try:
        yield b
    finally:
        b.close()


@pytest.fixture(autouse=True)
def no_console_errors(browser: Browser, daemon: ConsoleDaemon) -> Iterator[None]:
    browser.errors()  # forget what earlier tests left
    yield
    errors = browser.errors()
    assert not errors, f"console errors: {errors}\n{daemon.log_text()}"


class Page:
    """The console as a user drives it, through the DOM only."""

    def __init__(self, browser: Browser, daemon: ConsoleDaemon) -> None:
        self.b = browser
        self.d = daemon
        self.driver = browser.driver

    def shot(self, name: str) -> None:
        # a route's "#/…" is no folder: Selenium would save nothing, silently
        self.driver.save_screenshot(str(ARTIFACTS / (re.sub(r"[^\w.-]+", "-", name) + ".png")))

    def js(self, script: str, *args: Any) -> Any:
        return self.driver.execute_script(script, *args)

    def wait(self, script: str, *args: Any, what: str, timeout: float = T) -> Any:
        """Until the JS expression (``return …``) is truthy; its value."""
        from selenium.common.exceptions import JavascriptException

        deadline = time.monotonic() + timeout
        last: str | None = ""
        while True:
            try:
                value = self.js(script, *args)
            except JavascriptException as e:  # an element not there yet
                value, last = None, e.msg
            if value:
                return value
            if time.monotonic() > deadline:
                self.shot(f"timeout-{what.replace(' ', '-')}")
                raise AssertionError(f"{what}: not within {timeout}s ({last})\n{self.d.log_text()}")
            time.sleep(0.05)

    def click(self, selector: str) -> None:
        self.wait("const e = document.querySelector(arguments[0]);"
                  "return e && !e.disabled && e.offsetParent !== null", selector,
                  what=f"{selector} clickable")
        self.driver.find_element("css selector", selector).click()

    def sign_in(self, token: str) -> None:
        self.open_sign_in()
        self.submit_token(token)

    def signed_in_as(self, role: str) -> None:
        """The console loaded and signed in as ``role``: as the tests before left it in file
        order, else signed in now (a test run alone starts on the browser's blank page)."""
        if not (self.driver.current_url.startswith(self.d.base)
                and self.js("return document.body.dataset.role === arguments[0]"
                            " && !document.getElementById('nav').hidden", role)):
            self.sign_in(self.d.token(role))

    def open_sign_in(self) -> None:
        """The console loaded, signed out, its sign-in form shown."""
        if not self.driver.current_url.startswith(self.d.base):
            self.driver.get(self.d.base + "/#/cameras")
        elif self.js("return !document.getElementById('signout').hidden"):
            self.click("#signout")
        self.wait("return !document.getElementById('signin').hidden", what="sign-in form")
        self.go("#/cameras")

    def submit_token(self, token: str) -> None:
        self.driver.find_element("id", "token").send_keys(token)
        self.driver.find_element("css selector", "#signin-form button").click()
        self.wait("return document.body.dataset.role && !document.getElementById('nav').hidden",
                  what="signed in")

    def go(self, route: str) -> None:
        self.js("location.hash = arguments[0]", route)

    def tile_status(self, device: str) -> str | None:
        status: str | None = self.js(
            "const t = document.querySelector(`.tile[data-device='${arguments[0]}']`);"
            "return t && t.querySelector('.state').textContent", device)
        return status


@pytest.fixture
def page(browser: Browser, daemon: ConsoleDaemon) -> Page:
    return Page(browser, daemon)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# every fetch() of a /files/ URL the page makes from now on (the console's Bearer fallback
# for a file is such a fetch; a signed link needs none)
WATCH_FILE_FETCHES = """
if (!window.__fileFetches) {
  window.__fileFetches = [];
  const plain = window.fetch;
  window.fetch = function (input, init) {
    const url = String((input && input.url) || input);
    if (url.includes('/files/')) window.__fileFetches.push(url);
    return plain.apply(this, arguments);
  };
}
"""


def assert_signed(url: str, base: str, kind: str, name: str) -> None:
    """``url`` is the service's signed link to the file (not a blob: of a Bearer fetch)."""
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == base, url
    assert parts.path == f"/files/{kind}/{quote(name)}", url
    query = parse_qs(parts.query)
    assert int(query["expires"][0]) > time.time() and query["sig"][0], url


def test_served_page_has_a_csp_and_loads_modules_only(page: Page) -> None:
    page.driver.get(page.d.base + "/")
    page.wait("return document.readyState === 'complete'", what="page loaded")
    assert page.js("return document.querySelectorAll('script:not([type=module])').length") == 0
    assert page.js("return document.querySelectorAll('[onclick],[onload],[onerror],[onsubmit]').length") == 0
    page.shot("00-sign-in")


def test_admin_signs_in_and_sees_camera0_connected_with_its_snapshot(page: Page) -> None:
    page.sign_in(page.d.token("admin"))
    page.wait("return document.querySelector(\".tile[data-device='camera0'] .state\")", what="camera0 tile")
    page.wait(f"return document.querySelector(\"{TILE0}\").dataset.status === 'CONNECTED'",
              what="camera0 CONNECTED")
    text = page.js("return document.querySelector(\".tile[data-device='camera0']\").innerText")
    assert "1280x720" in text and "15 fps" in text
    page.shot("01-camera0-connected")
    # no MediaMTX here: the tile says so and shows a fresh snapshot, loaded as an image
    page.wait("const i = document.querySelector(\".tile[data-device='camera0'] img\");"
              "return i && !i.hidden && i.complete && i.naturalWidth === 1280", what="snapshot in the tile")
    caption = page.js("return document.querySelector(\".tile[data-device='camera0'] .caption\").textContent")
    assert "MediaMTX" in caption and "snapshot" in caption.lower()
    page.shot("02-snapshot-in-tile")


def test_camera_page_takes_a_snapshot_and_shows_it_at_once(page: Page) -> None:
    page.signed_in_as("admin")
    page.go("#/camera/camera0")
    page.click("#snapshot")
    name = page.wait("const i = document.querySelector('img.shot');"
                     "return i && !i.hidden && i.complete && i.naturalWidth === 1280 && i.dataset.filename",
                     what="snapshot on the camera page")
    assert (page.d.state / "snapshots" / name).is_file()
    assert_signed(page.js("return document.querySelector('img.shot').currentSrc"), page.d.base,
                  "snapshots", name)
    assert page.js("return document.querySelectorAll('.stream button').length") == 3  # copy buttons
    page.shot("03-camera-page-snapshot")


# the href of every <a> the page clicks from now on (the console's download button)
WATCH_SAVES = """
if (!window.__saves) {
  window.__saves = [];
  const click = HTMLAnchorElement.prototype.click;
  HTMLAnchorElement.prototype.click = function () {
    window.__saves.push(this.href);
    return click.call(this);
  };
}
"""


def downloaded(page: Page, name: str, original: Path) -> None:
    """The browser saved ``name`` in its download folder, byte for byte ``original``."""
    target = page.b.downloads / name
    deadline = time.monotonic() + T
    while not (target.is_file() and target.stat().st_size == original.stat().st_size):
        assert time.monotonic() < deadline, f"no download of {name}: {list(page.b.downloads.iterdir())}"
        time.sleep(0.1)
    assert sha256(target.read_bytes()) == sha256(original.read_bytes())


def a_snapshot_taken(daemon: ConsoleDaemon) -> None:
    """One is, by the camera page's test in file order; else (a test run alone) now."""
    if not any((daemon.state / "snapshots").glob("*")):
        rpc(daemon, "take_snapshot", {"device": "camera0"})


def test_files_page_saves_a_snapshot_by_its_save_url(page: Page) -> None:
    page.signed_in_as("admin")
    a_snapshot_taken(page.d)
    page.go("#/files")
    name = page.wait("const r = document.querySelector('#snapshots li[data-filename]');"
                     "return r && r.dataset.filename", what="a snapshot listed")
    page.js(WATCH_FILE_FETCHES)
    page.js(WATCH_SAVES)
    page.click(f"#snapshots li[data-filename='{name}'] button[data-action=download]")
    downloaded(page, name, page.d.state / "snapshots" / name)
    saved = page.js("return window.__saves")
    assert len(saved) == 1 and saved[0].endswith("&download=1"), saved  # the attachment twin
    assert_signed(saved[0], page.d.base, "snapshots", name)
    assert page.js("return window.__fileFetches") == []
    page.shot("03b-snapshot-saved")


def test_record_3s_then_listed_played_downloaded_and_deleted(page: Page) -> None:
    page.signed_in_as("admin")
    page.go("#/camera/camera0")
    page.wait("return document.getElementById('rec-duration')", what="record controls")
    page.driver.find_element("id", "rec-duration").send_keys("3")
    page.click("#rec-start")
    page.wait("return document.querySelector('.timer').textContent.startsWith('0:0')", what="running timer")
    page.shot("04-recording")
    status = page.wait("const s = document.querySelector('.status[data-state]');"
                       "return s && s.dataset.state === 'idle' && s.textContent.startsWith('Saved')"
                       " && s.textContent",
                       what="timed recording stopped")
    name = status.split()[1]
    path = page.d.state / "recordings" / name
    assert path.is_file(), status

    page.go("#/files")
    row = f"#recordings li[data-filename='{name}']"
    page.wait("return document.querySelector(arguments[0])", row, what="recording listed")
    page.shot("05-recording-listed")

    page.js(WATCH_FILE_FETCHES)
    page.click(f"{row} button[data-action=play]")
    page.wait("const v = document.getElementById('player');"
              "return v.videoWidth === 1280 && v.currentTime > 0.3", what="recording plays")
    # played from the signed link itself: no Bearer fetch into a blob: URL
    assert_signed(page.js("return document.getElementById('player').currentSrc"), page.d.base,
                  "recordings", name)
    first = page.js("return document.getElementById('player').currentTime")
    page.wait("return document.getElementById('player').currentTime > arguments[0] + 0.3", first,
              what="playback advances")
    assert page.js("return document.getElementById('player').videoHeight") == 720
    page.shot("06-recording-plays")
    page.js("document.getElementById('player').pause()")

    page.js(WATCH_SAVES)
    page.js("window.__saves.length = 0")
    page.click(f"{row} button[data-action=download]")
    downloaded(page, name, path)
    assert [u.endswith("&download=1") for u in page.js("return window.__saves")] == [True]
    assert page.js("return window.__fileFetches") == []  # played and downloaded by signed links

    page.click(f"{row} button[data-action=delete]")
    page.wait("return document.getElementById('confirm').open", what="confirmation dialog")
    page.shot("07-delete-confirm")
    page.click("#confirm-ok")
    page.wait("return !document.querySelector(arguments[0])", row, what="recording removed from the list")
    assert not path.exists()
    page.go("#/cameras")
    page.go("#/files")  # listed again from the service: still gone
    page.wait("return document.querySelector('#recordings').parentElement"
              ".querySelector('.muted').textContent", what="recordings listed again")
    assert not page.js("return document.querySelector(arguments[0])", row)
    page.shot("08-recording-deleted")


def test_a_recording_running_before_the_page_opened_is_shown_running(page: Page) -> None:
    page.signed_in_as("admin")
    page.go("#/camera/camera0")
    page.wait("return document.getElementById('rec-duration')", what="record controls")
    page.driver.find_element("id", "rec-duration").clear()
    page.click("#rec-start")
    name = page.wait("const s = document.querySelector('.status[data-state]');"
                     "return s && s.dataset.state === 'recording' && s.textContent.split(' ')[1]",
                     what="recording started")
    page.driver.refresh()  # a new page: only the service knows the recording runs
    page.wait("return document.body.dataset.role && !document.getElementById('nav').hidden",
              what="signed in again")
    page.wait("const s = document.querySelector('.status[data-state]');"
              "return s && s.dataset.state === 'recording' && s.textContent === arguments[0]",
              f"Recording {name}", what="the running recording shown")
    assert page.js("return document.getElementById('rec-stop').disabled") is False
    assert page.js("return document.getElementById('rec-start').disabled") is True
    assert page.js("return document.getElementById('rec-badge').hidden") is False
    page.wait("return /^0:0[1-9]|^0:[1-5]/.test(document.querySelector('.timer').textContent)",
              what="its timer counts from the recording's start")
    page.shot("08a-recording-shown-after-reload")
    page.go("#/cameras")  # the grid, opened after the start: REC from get_camera_status
    page.wait(f"return !document.querySelector(\"{TILE0} .rec\").hidden", what="REC on the tile")
    page.go("#/camera/camera0")
    page.click("#rec-stop")
    page.wait("const s = document.querySelector('.status[data-state]');"
              "return s && s.dataset.state === 'idle' && s.textContent.startsWith('Saved ' + arguments[0])",
              name, what="the recording stopped")
    assert page.js("return document.getElementById('rec-badge').hidden") is True
    assert (page.d.state / "recordings" / name).is_file()


def test_system_page_shows_health_storage_retention_and_version(page: Page) -> None:
    page.signed_in_as("admin")
    page.go("#/system")
    page.wait("return document.querySelector(\"tr[data-component='mediamtx']\")", what="health table")
    # get_status: DEGRADED (MediaMTX away), each component from component_health (its own
    # state and detail), not the plain compat strings of `components`
    assert page.js("return document.querySelector('#view caption, main caption').textContent") == \
        "Service: DEGRADED"
    rows = page.js("return [...document.querySelectorAll('tr[data-component]')].map(r =>"
                   " [r.dataset.component, r.dataset.healthy, r.querySelector('.state').textContent])")
    health = {name: (healthy, state) for name, healthy, state in rows}
    assert health["mediamtx"] == ("false", "unreachable"), rows
    assert health["api"][0] == health["camera_monitor"][0] == "true", rows
    assert not any(state in ("HEALTHY", "DEGRADED", "UNHEALTHY") for _, state in health.values()), rows
    # one row per component: compat's websocket_server is our api, not a second row
    assert sorted(health) == ["api", "camera_monitor", "mediamtx", "motion", "recorder"], rows
    mediamtx = page.js("return document.querySelector(\"tr[data-component='mediamtx']\").innerText")
    assert "127.0.0.1:9" in mediamtx  # the reason
    page.wait("return document.querySelector('[role=progressbar]')", what="storage bar")
    assert page.js("return document.getElementById('version').textContent") not in ("", "—")
    # the retention policy in force (get_storage_info): the configuration's default here
    policy = page.wait("const p = document.getElementById('retention-in-force');"
                       "return p && p.textContent.startsWith('Automatic') && p.textContent",
                       what="retention policy shown")
    assert policy == "Automatic deletion off (when on: files older than 30 days).", policy
    assert page.js("return [document.getElementById('ret-enabled').checked,"
                   " document.getElementById('ret-type').value,"
                   " document.getElementById('ret-age').value]") == [False, "age", "30"]
    page.shot("09-system")
    # set one, then open the page again: the service reports the saved one
    page.driver.find_element("id", "ret-enabled").click()
    age = page.driver.find_element("id", "ret-age")
    age.clear()
    age.send_keys("7")
    page.click("form.retention button[type=submit]")
    page.wait("return document.getElementById('retention-in-force').textContent"
              " === 'Automatic deletion on: files older than 7 days.'", what="saved policy shown")
    page.go("#/cameras")
    page.go("#/system")
    page.wait("return document.getElementById('retention-in-force').textContent"
              " === 'Automatic deletion on: files older than 7 days.'",
              what="policy in force after reopening")
    assert page.js("return document.getElementById('ret-enabled').checked") is True
    page.shot("09b-system-retention-saved")
    page.driver.find_element("id", "ret-enabled").click()  # back off: old files stay for later tests
    page.click("form.retention button[type=submit]")
    page.wait("return document.getElementById('retention-in-force').textContent"
              ".startsWith('Automatic deletion off')", what="policy off again")


UNLABELLED = """
const bad = [];
for (const e of document.querySelectorAll('input, select, textarea')) {
  if (!e.labels.length && !e.getAttribute('aria-label') && e.type !== 'hidden') bad.push(e.outerHTML);
}
for (const b of document.querySelectorAll('button, a[href]')) {
  if (!b.textContent.trim() && !b.getAttribute('aria-label')) bad.push(b.outerHTML);
}
for (const i of document.querySelectorAll('img')) if (!i.hasAttribute('alt')) bad.push(i.outerHTML);
return bad;
"""


# each view (as an admin) with the data it asked for on opening shown: its own element, so
# the view before it does not count
VIEWS = {
    "#/cameras": f"return document.querySelector(\"{TILE0} .state\").textContent",
    "#/camera/camera0": "return document.querySelector('.streams input')",
    "#/files": "return document.getElementById('snapshots')"
               " && [...document.querySelectorAll('#view p.muted')].every((p) => p.textContent)",
    "#/events": "return document.getElementById('events-note').textContent",
    "#/motion/camera0": "return document.getElementById('motion-status').textContent.startsWith('Detection')",
    "#/system": "return document.querySelector('tr[data-component]')"
                " && !document.getElementById('retention-in-force').textContent.startsWith('Loading')",
}


def open_view(page: Page, route: str) -> None:
    """``route`` opened by its link, its data shown (the console signed in as admin first)."""
    page.signed_in_as("admin")
    page.go(route)
    page.wait(VIEWS[route], what=f"{route} with its data")


@pytest.mark.parametrize("route", list(VIEWS))
def test_every_view_labels_its_controls_and_takes_the_focus(page: Page, route: str) -> None:
    open_view(page, route)
    assert page.js("return document.activeElement === document.querySelector('#view h1')"), \
        page.js("return document.activeElement.outerHTML")
    assert page.js(UNLABELLED) == []


def test_phone_screen_shows_every_view_without_sideways_scrolling(page: Page) -> None:
    page.driver.set_window_size(390, 844)
    try:
        for route in VIEWS:
            open_view(page, route)
            wide = page.js("const d = document.documentElement; return d.scrollWidth - d.clientWidth")
            assert wide <= 0, f"{route} is {wide}px wider than the phone screen"
            page.shot(f"phone-{route.strip('#/').replace('/', '-')}")
    finally:
        page.driver.set_window_size(1280, 900)


def test_viewer_sees_no_snapshot_record_or_delete_buttons(page: Page) -> None:
    a_snapshot_taken(page.d)  # for the files page
    page.sign_in(page.d.token("viewer"))
    page.wait(f"return document.querySelector(\"{TILE0} .caption\").textContent.includes('Viewers')",
              what="viewer caption")
    assert page.js("return document.querySelectorAll('.tile button').length") == 0
    assert page.js("return document.getElementById('auto-snapshots')") is None
    page.shot("10-viewer-grid")
    page.go("#/camera/camera0")
    page.wait("return document.querySelector('.streams input')", what="camera page")
    assert page.js("return document.querySelector('#rec-start, #rec-stop, #snapshot')") is None
    page.go("#/files")
    page.wait("return document.querySelector('#snapshots li')", what="snapshots listed")
    assert page.js("return document.querySelectorAll('[data-action=delete]').length") == 0
    assert page.js("return document.querySelectorAll('[data-action=download]').length") > 0
    page.shot("11-viewer-files")


def test_expired_token_shows_the_sign_in_again_with_the_reason(page: Page) -> None:
    page.open_sign_in()  # the page loaded first: the token's seconds start at the sign-in
    token = page.d.token("viewer", expires=4)
    page.submit_token(token)
    page.wait("return !document.getElementById('signin').hidden", what="signed out at expiry", timeout=15)
    message = page.js("return document.getElementById('signin-error').textContent")
    assert "expired" in message, message
    page.shot("12-expired")
    # the same token pasted again: the service's own reason
    page.driver.find_element("id", "token").send_keys(token)
    page.driver.find_element("css selector", "#signin-form button").click()
    message = page.wait("const e = document.getElementById('signin-error');"
                        "return e.textContent.startsWith('Sign-in refused') && e.textContent",
                        what="refused again")
    assert "expired" in message, message
    assert page.js("return sessionStorage.length") == 0


def test_unplugged_camera_turns_disconnected_within_1s_without_reload(page: Page) -> None:
    if page.d.testbed is None:
        pytest.skip(f"no umockdev: {page.d.umockdev_reason}")
    page.sign_in(page.d.token("viewer"))
    page.d.plug("video0")
    page.wait("return [...document.querySelectorAll('.tile')].some(t => t.dataset.device !== 'camera0'"
              " && t.dataset.status === 'CONNECTED') ", what="USB camera tile CONNECTED")
    device = page.js("return [...document.querySelectorAll('.tile')]"
                     ".find(t => t.dataset.device !== 'camera0').dataset.device")
    page.shot("13-usb-camera-plugged")
    # the page notes the wall time at which the tile changes, so the browser's own round trips
    # do not count
    page.js("""
        const tile = document.querySelector(`.tile[data-device='${arguments[0]}']`);
        window.__loads = performance.getEntriesByType('navigation').length;
        new MutationObserver(() => {
          if (tile.dataset.status === 'DISCONNECTED' && !window.__gone) window.__gone = Date.now();
        }).observe(tile, {attributes: true});
    """, device)
    sent = page.d.unplug("video0")
    gone = page.wait("return window.__gone", what="tile DISCONNECTED", timeout=10)
    elapsed = gone / 1000 - sent
    print(f"unplug -> tile DISCONNECTED in {elapsed * 1000:.0f} ms")
    assert elapsed < 1.0, f"tile changed {elapsed:.3f}s after the unplug"
    assert page.tile_status(device) == "DISCONNECTED"
    assert page.js("return window.__loads") == 1  # no reload happened
    page.shot("14-usb-camera-unplugged")


SHAPES = """
const done = arguments[arguments.length - 1];
Promise.all([import('/console/js/health.js'), import('/console/js/links.js')]).then(([health, links]) => {
  const old = {status: 'degraded', components: {
    mediamtx: {healthy: false, state: 'unreachable', detail: 'connection refused'},
    api: {healthy: true, state: 'serving', detail: '1 connection(s)'}}};
  const now = {status: 'DEGRADED',
    components: {mediamtx: 'unreachable: connection refused', websocket_server: 'running'},
    component_health: {mediamtx: {healthy: false, state: 'unreachable', detail: 'connection refused'},
                       api: {healthy: true, state: 'serving', detail: '1 connection(s)'}}};
  const plain = {status: 'HEALTHY', components: {mediamtx: 'HEALTHY', api: 'HEALTHY'}};
  done({
    old: [health.overall(old), health.components(old), health.mediamtxProblem(old)],
    now: [health.overall(now), health.components(now), health.mediamtxProblem(now)],
    plain: [health.overall(plain), health.mediamtxProblem(plain), health.components(plain)[0].healthy],
    ok: health.overall({status: 'ok'}),
    upper: [health.upper('confirmed'), health.upper('CONFIRMED')],
    signed: [links.isSigned('http://h:8002/files/recordings/a.mp4?expires=1&sig=x'),
             links.isSigned('/files/recordings/a.mp4')],
    local: links.local('http://cams.example:8002/files/snapshots/a.jpg?expires=1&sig=x')
      === `${location.origin}/files/snapshots/a.jpg?expires=1&sig=x`,
  });
}).catch((e) => done(String(e)));
"""


def test_console_reads_old_and_new_status_shapes(page: Page) -> None:
    page.driver.get(page.d.base + "/")
    r = page.driver.execute_async_script(SHAPES)
    assert isinstance(r, dict), r
    assert r["old"][0] == r["now"][0] == "DEGRADED" and r["ok"] == "HEALTHY"
    assert r["old"][1] == r["now"][1]  # the rich health wins over the plain strings
    assert r["old"][2] == r["now"][2] and "unreachable" in r["now"][2]
    assert r["plain"] == ["HEALTHY", None, True]
    assert r["upper"] == ["CONFIRMED", "CONFIRMED"]
    assert r["signed"] == [True, False]
    assert r["local"] is True  # a link naming the public host is loaded from this origin


TOKENS: dict[tuple[int, str], str] = {}


async def _rpc(daemon: ConsoleDaemon, *calls: tuple[str, dict[str, Any]], role: str = "admin") -> list[Any]:
    """The results of ``calls`` made in order on one connection as ``role``."""
    from support.daemon import Client

    client = await Client.connect(f"ws://127.0.0.1:{daemon.port}/ws")
    try:
        if (daemon.port, role) not in TOKENS:  # minting one runs camera-ctl: once per role
            TOKENS[daemon.port, role] = daemon.token(role)
        await client.result("authenticate", {"auth_token": TOKENS[daemon.port, role]})
        return [await client.result(method, params) for method, params in calls]
    finally:
        await client.close()


def rpc(daemon: ConsoleDaemon, method: str, params: dict[str, Any], role: str = "admin") -> Any:
    import asyncio

    return asyncio.run(_rpc(daemon, (method, params), role=role))[0]


def motion(daemon: ConsoleDaemon, enabled: bool) -> None:
    rpc(daemon, "set_motion_config", {"device": "camera0", "enabled": enabled, "quiet_seconds": 1,
                                      "pre_capture": PRE_CAPTURE, "post_capture": 1})  # fmt: skip


def until(what: str, check: Any, timeout: float = T) -> Any:
    deadline = time.monotonic() + timeout
    while not (value := check()):
        assert time.monotonic() < deadline, f"{what}: not within {timeout}s"
        time.sleep(0.2)
    return value


def file_start(name: str) -> float:
    """The UTC start a recording's default name carries (camera0_2024-03-05_07-08-00.mp4)."""
    import calendar

    stamp = name.split("_", 1)[1].rsplit(".", 1)[0]
    return float(calendar.timegm(time.strptime(stamp, "%Y-%m-%d_%H-%M-%S")))


PRE_CAPTURE = 2
# the colours of a picture: the largest spread between its R, G and B anywhere
COLOUR = """
const img = arguments[0];
const c = document.createElement('canvas');
c.width = img.naturalWidth; c.height = img.naturalHeight;
const g = c.getContext('2d');
g.drawImage(img, 0, 0);
const d = g.getImageData(0, 0, c.width, c.height).data;
let spread = 0;
for (let i = 0; i < d.length; i += 4) {
  spread = Math.max(spread, Math.max(d[i], d[i + 1], d[i + 2]) - Math.min(d[i], d[i + 1], d[i + 2]));
}
return [c.width, c.height, spread];
"""


def recorded(daemon: ConsoleDaemon, seconds: float) -> bool:
    timeline = rpc(daemon, "get_recording_timeline", {"device": "camera0"})
    return any(r["end"] - r["start"] >= seconds for r in timeline["ranges"])


def an_event(page: Page) -> str:
    """Turns motion detection on (the test pattern moves all the time) until an event runs,
    then off until it ended; the event's id."""
    known = {e["event_id"] for e in rpc(page.d, "list_events", {"limit": 100})["events"]}
    motion(page.d, True)
    try:
        def new() -> Any:
            return next((e for e in rpc(page.d, "list_events", {"limit": 5})["events"]
                         if e["event_id"] not in known), None)  # fmt: skip

        running = until("a motion event", new)
    finally:
        motion(page.d, False)
    until("the event ended", lambda: rpc(page.d, "get_event", {"event_id": running["event_id"]})["end"])
    return str(running["event_id"])


def test_events_page_shows_thumbnails_by_time_plays_the_clip_from_its_pre_capture_and_deletes_for_admins(
        page: Page) -> None:  # fmt: skip
    rpc(page.d, "set_recording_mode", {"device": "camera0", "mode": "continuous", "segment_seconds": 2})
    try:
        until("3 s of continuous recording", lambda: recorded(page.d, PRE_CAPTURE + 1))
        page.sign_in(page.d.token("admin"))
        older = an_event(page)
        motion(page.d, True)  # the newer one is shown running, with the badge on the tile
        page.go("#/cameras")
        page.wait(f"const m = document.querySelector(\"{TILE0} .motion\"); return m && !m.hidden",
                  what="the MOTION badge on camera0's tile")
        page.go("#/events")
        newer = page.wait("const li = document.querySelector('#events li');"
                          "return li && li.dataset.event !== arguments[0] && li.dataset.event", older,
                          what="the running event at the top")  # fmt: skip
        motion(page.d, False)  # ends it: now it can be deleted
        page.go("#/cameras")
        page.wait(f"const m = document.querySelector(\"{TILE0} .motion\"); return m && m.hidden",
                  what="no MOTION badge once the event ended")
        page.go("#/events")
        rows = "#events li"
        page.wait("const ids = [...document.querySelectorAll(arguments[0])].map((li) => li.dataset.event);"
                  "return ids.indexOf(arguments[1]) === 0 && ids.indexOf(arguments[2]) === 1"
                  " && document.querySelector(arguments[0] + ' button[data-action=delete]')",
                  rows, newer, older, what="both events, newest first, ended")  # fmt: skip
        # per camera: the filter lists camera0 and keeps its events
        page.wait("return [...document.querySelectorAll('#event-camera option')]"
                  ".some((o) => o.value === 'camera0')", what="camera0 in the camera filter")  # fmt: skip
        page.js("const s = document.getElementById('event-camera'); s.value = 'camera0';"
                "s.dispatchEvent(new Event('change'))")
        page.wait("const rows = [...document.querySelectorAll(arguments[0])];"
                  "return rows.length >= 2 && rows.every((li) => li.textContent.includes('camera0'))",
                  rows, what="camera0's events")  # fmt: skip
        # each with its thumbnail: small, in colour (the frame of peak motion)
        thumb = f"#events li[data-event='{newer}'] img"
        page.wait("const i = document.querySelector(arguments[0]);"
                  "return i && i.complete && i.naturalWidth > 0", thumb, what="the thumbnail")  # fmt: skip
        width, height, spread = page.js(COLOUR, page.driver.find_element("css selector", thumb))
        assert (width, height) == (160, 90) and spread > 100, (width, height, spread)
        page.shot("events-page")
        # its clip plays from the pre-capture: from the clip's start in the file that holds it
        event = rpc(page.d, "get_event", {"event_id": newer})
        assert event["clip"]["start"] == round(event["start"] - PRE_CAPTURE, 3) and event["clip"]["files"]
        page.click(f"#events li[data-event='{newer}'] button[data-action=play]")
        part, offset = page.wait(
            "const v = document.getElementById('event-player');"
            "return !v.hidden && v.dataset.event === arguments[0] && v.videoWidth === 1280"
            " && v.currentTime > Number(v.dataset.offset) + 0.3 && [v.dataset.part, v.dataset.offset]", newer,
            what="the clip plays")  # fmt: skip
        began = file_start(event["clip"]["files"][int(part)]["filename"]) + float(offset)
        # names carry whole seconds: a segment may have begun up to 1 s after its name says
        assert abs(began - event["clip"]["start"]) <= 1.0, (part, offset, event["clip"])
        page.shot("events-clip-plays")
        # a viewer sees the events and may play them, but is offered no delete
        page.sign_in(page.d.token("viewer"))
        page.go("#/events")
        page.wait("return document.querySelectorAll(arguments[0] + ' button[data-action=play]').length >= 2",
                  rows, what="events for a viewer")  # fmt: skip
        assert page.js("return document.querySelectorAll('#events button[data-action=delete]').length") == 0
        # an admin deletes one
        page.sign_in(page.d.token("admin"))
        page.go("#/events")
        page.click(f"#events li[data-event='{newer}'] button[data-action=delete]")
        page.wait("return document.getElementById('confirm').open", what="confirmation dialog")
        page.click("#confirm-ok")
        page.wait("return !document.querySelector(`#events li[data-event='${arguments[0]}']`)", newer,
                  what="the event gone")
        assert newer not in [e["event_id"] for e in rpc(page.d, "list_events", {"limit": 100})["events"]]
        assert page.js("return !!document.querySelector(`#events li[data-event='${arguments[0]}']`)", older)
    finally:
        motion(page.d, False)
        rpc(page.d, "set_recording_mode", {"device": "camera0", "mode": "off"})


async def _motion_config(daemon: ConsoleDaemon) -> dict[str, Any]:
    from support.daemon import Client

    client = await Client.connect(f"ws://127.0.0.1:{daemon.port}/ws")
    try:
        await client.result("authenticate", {"auth_token": daemon.token("viewer")})
        result: dict[str, Any] = await client.result("get_motion_config", {"device": "camera0"})
        return result
    finally:
        await client.close()


def test_motion_settings_draw_a_mask_on_a_snapshot_and_save_it(page: Page) -> None:
    import asyncio

    page.sign_in(page.d.token("operator"))
    page.go("#/camera/camera0")
    page.click("#motion-link")
    page.wait("return document.getElementById('motion-status').textContent.startsWith('Detection')",
              what="the motion settings")  # fmt: skip
    page.wait("const i = document.getElementById('motion-picture');"
              "return i.complete && i.naturalWidth > 0", what="the snapshot to draw on")  # fmt: skip
    for fx, fy in ((0.1, 0.1), (0.4, 0.1), (0.25, 0.5)):  # clicks where a user would click
        page.js("const i = document.getElementById('motion-picture'); i.scrollIntoView();"
                "const r = i.getBoundingClientRect();"
                "i.dispatchEvent(new MouseEvent('click', {bubbles: true, clientX: r.left + arguments[0]"
                " * r.width, clientY: r.top + arguments[1] * r.height}))", fx, fy)  # fmt: skip
    page.click("#motion-close")
    page.shot("motion-mask-drawn")
    assert page.js("return document.querySelectorAll('#motion-masks polygon').length") == 1
    page.click("#motion-save")
    page.wait("return document.getElementById('motion-status').textContent.includes('from api')",
              what="the settings saved")  # fmt: skip
    (mask,) = asyncio.run(_motion_config(page.d))["masks"]
    assert len(mask) == 3
    for (x, y), (fx, fy) in zip(mask, ((0.1, 0.1), (0.4, 0.1), (0.25, 0.5)), strict=True):
        assert abs(x - fx) < 0.03 and abs(y - fy) < 0.03, mask
    page.driver.refresh()  # a new page: the mask comes back from the service, where it was drawn
    points = page.wait("const p = document.querySelectorAll('#motion-masks polygon');"
                       "return p.length === 1 && p[0].getAttribute('points')", what="the mask after a reload")
    assert [[float(v) for v in p.split(",")] for p in points.split()] == mask
    assert page.js("return document.getElementById('motion-mask-count').textContent").startswith("1 mask")
    page.click("#motion-clear")
    page.click("#motion-save")
    page.wait("return document.getElementById('motion-mask-count').textContent.startsWith('0 mask')",
              what="the masks cleared")  # fmt: skip
    assert asyncio.run(_motion_config(page.d))["masks"] == []

# a fresh MediaMTX 1.20.1 muxer's playlists as they were served (tokens and sessions shortened)
PLAYLISTS = r"""
const done = arguments[arguments.length - 1];
import('/console/js/m3u8.js').then((m) => {
  const base = 'http://h:8888/camera0/index.m3u8';
  const top = '#EXTM3U\n#EXT-X-VERSION:10\n#EXT-X-INDEPENDENT-SEGMENTS\n\n'
    + '#EXT-X-STREAM-INF:BANDWIDTH=4311792,AVERAGE-BANDWIDTH=4311792,CODECS="avc1.42c01f,mp4a.40.2",'
    + 'RESOLUTION=1280x720,FRAME-RATE=15.000\nvideo1_stream.m3u8?session=s1\n';
  const gaps = '#EXT-X-GAP\n#EXTINF:1.00000,\ngap.mp4\n'.repeat(6);
  const media = (first) => '#EXTM3U\n#EXT-X-VERSION:10\n#EXT-X-TARGETDURATION:1\n'
    + '#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=0.66750,CAN-SKIP-UNTIL=6.00000\n'
    + '#EXT-X-PART-INF:PART-TARGET=0.26700\n#EXT-X-MEDIA-SEQUENCE:1\n'
    + '#EXT-X-MAP:URI="ab_video1_init.mp4?session=s1"\n' + gaps
    + '#EXT-X-PART:DURATION=0.26667,URI="ab_video1_part0.mp4?session=s1",INDEPENDENT=YES\n'
    + (first ? '#EXTINF:1.00000,\nab_video1_seg7.mp4?session=s1\n' : '')
    + '#EXT-X-PRELOAD-HINT:TYPE=PART,URI="ab_video1_part4.mp4?session=s1"\n';
  const variant = m.parseMultivariant(top, base);
  const fresh = m.parseMedia(media(false), variant.url);
  const one = m.parseMedia(media(true), variant.url);
  done({
    variant,
    media: m.parseMultivariant(media(true), variant.url),
    fresh: [fresh.segments.length, m.nextSegment(fresh, null), m.awaitedSequence(fresh)],
    init: one.init,
    next: m.nextSegment(one, null),
    after: [m.nextSegment(one, 7), m.nextSegment(one, 6) && m.nextSegment(one, 6).sequence],
    gapUrls: one.segments.filter((s) => s.url === null).length,
    quoted: m.attribute('#EXT-X-PART:DURATION=0.2,URI="a,b.mp4",INDEPENDENT=YES', 'INDEPENDENT'),
  });
}).catch((e) => done(String(e)));
"""


def test_console_reads_mediamtx_playlists_and_never_asks_for_a_gap(page: Page) -> None:
    page.driver.get(page.d.base + "/")
    r = page.driver.execute_async_script(PLAYLISTS)
    assert isinstance(r, dict), r
    assert r["variant"] == {"url": "http://h:8888/camera0/video1_stream.m3u8?session=s1",
                            "codec": "avc1.42c01f"}  # the video codec only
    assert r["media"] is None  # a media playlist is no multivariant one
    assert r["fresh"] == [6, None, 7]  # only gaps: nothing to fetch, wait for segment 7
    assert r["init"] == "http://h:8888/camera0/ab_video1_init.mp4?session=s1"
    assert r["next"] == {"sequence": 7, "url": "http://h:8888/camera0/ab_video1_seg7.mp4?session=s1",
                         "duration": 1}
    assert r["after"] == [None, 7]
    assert r["gapUrls"] == 6
    assert r["quoted"] == "YES"  # a comma inside quotes does not end the attribute
