"""``/`` and ``/console/…``: the console's files served from the package with their CSP,
ETag and cache headers; the policy and the ETag match as pure functions; every module the
page imports exists and is packaged."""

from __future__ import annotations

import configparser
import fnmatch
import re
from pathlib import Path

import aiohttp
import pytest
from multidict import CIMultiDict
from yarl import URL

from camera_service.config.model import Config, MediaMTXConfig, ServerConfig
from camera_service.web.console import STATIC_DIR, console_csp, etag_matches, load_assets

from .stack import Stack

ROOT = Path(__file__).resolve().parents[2]


async def get(stack: Stack, path: str, **headers: str) -> tuple[int, bytes, CIMultiDict[str]]:
    async with aiohttp.ClientSession() as http:
        async with http.get(URL(stack.http + path, encoded=True), headers=headers) as r:
            return r.status, await r.read(), r.headers.copy()


@pytest.mark.unit
def test_policy_allows_only_this_origin_its_socket_and_mediamtx_ports() -> None:
    config = Config(server=ServerConfig(public_host="cams.example", port=8002),
                    mediamtx=MediaMTXConfig(webrtc_port=8889, hls_port=8888))
    csp = dict(d.split(" ", 1) for d in console_csp(config, "cams.example:8002").split("; "))
    assert csp["default-src"] == "'none'"
    assert csp["script-src"] == "'self'"  # no inline script, no eval
    assert "'unsafe-inline'" not in " ".join(csp.values())
    connect = csp["connect-src"].split()
    assert {"'self'", "ws://cams.example:8002", "wss://cams.example:8002",
            "http://cams.example:8889", "http://cams.example:8888"} <= set(connect)
    assert "blob:" in csp["media-src"] and "blob:" in csp["img-src"]
    assert csp["frame-ancestors"] == "'none'"


@pytest.mark.unit
def test_policy_names_the_host_the_browser_used_as_well_as_the_public_one() -> None:
    config = Config(server=ServerConfig(public_host="cams.example"))
    connect = dict(d.split(" ", 1) for d in console_csp(config, "10.0.0.5:8002").split("; "))["connect-src"]
    assert "http://10.0.0.5:8889" in connect and "http://cams.example:8889" in connect
    ipv6 = console_csp(Config(server=ServerConfig(public_host="::1")), "[::1]:8002")
    assert "http://[::1]:8889" in ipv6


@pytest.mark.unit
@pytest.mark.parametrize(("header", "matches"), [
    (None, False), ("", False), ('"abc"', True), ('W/"abc"', True), ('"x", "abc"', True),
    ("*", True), ('"abd"', False),
])
def test_etag_matching(header: str | None, matches: bool) -> None:
    assert etag_matches(header, '"abc"') is matches


@pytest.mark.unit
def test_every_imported_module_exists_and_every_file_is_packaged() -> None:
    assets = load_assets()
    assert "index.html" in assets
    refs = set(re.findall(r'(?:src|href)="/console/([^"]+)"', assets["index.html"].body.decode()))
    for name, asset in assets.items():
        if name.endswith(".js"):
            for ref in re.findall(r'from "\./([^"]+)"|import\("\./([^"]+)"\)', asset.body.decode()):
                refs.add("js/" + (ref[0] or ref[1]))
    missing = refs - set(assets)
    assert not missing, f"referenced but absent: {missing}"
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    globs = cfg["options.package_data"]["camera_service"].split()
    for path in STATIC_DIR.rglob("*"):
        if path.is_file():
            rel = path.relative_to(STATIC_DIR.parent.parent).as_posix()  # web/console/...
            assert any(fnmatch.fnmatch(rel, g) for g in globs), f"{rel} is not in package_data"


@pytest.mark.unit
def test_first_load_stays_under_150_kb() -> None:
    assert sum(len(a.body) for a in load_assets().values()) < 150_000


@pytest.mark.integration
async def test_index_is_served_with_policy_etag_and_no_cache(stack: Stack) -> None:
    status, body, headers = await get(stack, "/")
    assert status == 200 and b'<script type="module"' in body
    assert headers["Content-Type"].startswith("text/html")
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["Cache-Control"] == "no-cache" and headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    status, body, again = await get(stack, "/", **{"If-None-Match": headers["ETag"]})
    assert status == 304 and body == b"" and again["ETag"] == headers["ETag"]


@pytest.mark.integration
async def test_modules_and_style_have_their_types(stack: Stack) -> None:
    status, body, headers = await get(stack, "/console/js/app.js")
    assert status == 200 and headers["Content-Type"].startswith("text/javascript") and b"import" in body
    status, _, headers = await get(stack, "/console/style.css")
    assert status == 200 and headers["Content-Type"].startswith("text/css")


@pytest.mark.integration
@pytest.mark.parametrize("path", ["/console/nope.js", "/console/js/../../server.py",
                                  "/console/%2e%2e/console.py", "/console/index.html"])
async def test_nothing_else_is_served(stack: Stack, path: str) -> None:
    status, _, _ = await get(stack, path)
    assert status == 404
