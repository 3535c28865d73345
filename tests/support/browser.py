"""Headless Chromium for the console's browser tests and bench (Debian's ``chromium`` and
``chromium-driver`` through python3-selenium; never a browser download).

``start_chromium`` gives a WebDriver with a fresh profile, no network services of its own
(the machine is offline), the browser log at ALL (for "no console errors") and downloads
allowed into ``downloads``. ``unavailable()`` says why not, for ``pytest.skip``.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
DRIVER = "/usr/bin/chromedriver"
FLAGS = (
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--autoplay-policy=no-user-gesture-required",
    "--window-size=1280,900", "--password-store=basic", "--use-mock-keychain",
)

# WebRTC may use UDP only through a proxy (there is none): it gathers no candidate and its
# connections never come up, as behind a firewall that drops UDP, while its signalling
# (WHEP over HTTP) still works. A preference: the command-line switch of the same name
# leaves loopback connections working.
NO_UDP = {"webrtc.ip_handling_policy": "disable_non_proxied_udp"}


def unavailable() -> str | None:
    for path, package in ((CHROMIUM, "chromium"), (DRIVER, "chromium-driver")):
        if shutil.which(path) is None:
            return f"{path} not found: apt-get install {package} python3-selenium"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium not importable: apt-get install python3-selenium"
    return None


class Browser:
    """One Chromium with its profile folder; ``close()`` quits it and removes the folder."""

    def __init__(self, downloads: Path, width: int = 1280, height: int = 900,
                 prefs: dict[str, Any] | None = None) -> None:
        """``prefs``: more Chromium preferences (e.g. ``NO_UDP``)."""
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        self.profile = Path(tempfile.mkdtemp(prefix="console-chromium-"))
        self.downloads = downloads
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for flag in FLAGS:
            options.add_argument(flag)
        options.add_argument(f"--user-data-dir={self.profile}")
        options.add_argument(f"--window-size={width},{height}")
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        options.add_experimental_option("prefs", {
            "download.default_directory": str(downloads),
            "download.prompt_for_download": False,
            **(prefs or {}),
        })
        self.driver: Any = webdriver.Chrome(service=Service(DRIVER), options=options)
        self.driver.set_page_load_timeout(30)
        self.driver.set_script_timeout(30)
        self.driver.execute_cdp_cmd("Browser.setDownloadBehavior",
                                    {"behavior": "allow", "downloadPath": str(downloads)})
        self.log: list[dict[str, Any]] = []

    def read_log(self) -> list[dict[str, Any]]:
        """The browser log since the last call (kept in ``self.log`` as well)."""
        entries: list[dict[str, Any]] = self.driver.get_log("browser")
        self.log += entries
        return entries

    def errors(self) -> list[str]:
        """Console errors (SEVERE) since the last call."""
        return [e["message"] for e in self.read_log() if e.get("level") == "SEVERE"]

    def close(self) -> None:
        try:
            self.driver.quit()
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)
