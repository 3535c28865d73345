"""MediaMTX as the mediamtx role leaves it on the host: asks camera-service about every
request, its API is closed to other local users, MoQ listens nowhere, and it starts without
a warning. Skipped where MediaMTX is not installed and running (``--skip-tags mediamtx``, or
no release could be downloaded)."""

from __future__ import annotations

import json
import shlex
from typing import Any

import pytest
import yaml

pytestmark = pytest.mark.system

UNIT = "mediamtx.service"
CONFIG = "/etc/mediamtx/mediamtx.yml"
MOQ_PORTS = (":8892", ":8893")
# what an unprivileged local user tries: the API call that ran a command as uid mediamtx
PROBE = """
import json, sys, urllib.error, urllib.request
url, body = sys.argv[1], sys.argv[2]
req = urllib.request.Request(url, data=body.encode() if body else None,
                             headers={"Content-Type": "application/json"})
try:
    print(urllib.request.urlopen(req, timeout=5).status)
except urllib.error.HTTPError as e:
    print(e.code)
"""


@pytest.fixture(scope="module")
def mediamtx(host: Any) -> dict[str, Any]:
    """MediaMTX's configuration on the host; skips when it is not installed and running."""
    if not host.file(CONFIG).exists or not host.service(UNIT).is_running:
        pytest.skip("MediaMTX is not installed and running on the host: apply the mediamtx "
                    "role (site.yml, needs the release download) to check it")
    return dict(yaml.safe_load(host.file(CONFIG).content_string))


def _as_nobody(host: Any, url: str, body: str = "") -> str:
    command = "runuser -u nobody -- python3 -c " + " ".join(
        shlex.quote(a) for a in (PROBE, url, body))
    out = host.run(command)
    assert out.rc == 0, out.stderr
    return str(out.stdout.strip())


def test_mediamtx_started_without_warnings(host: Any, mediamtx: dict[str, Any]) -> None:
    # this start only (its invocation id); MediaMTX writes its level as WAR/ERR in the message
    invocation = host.run(f"systemctl show -p InvocationID --value {UNIT}").stdout.strip()
    out = host.run(f"journalctl _SYSTEMD_INVOCATION_ID={invocation} -o cat --no-pager")
    warnings = [line for line in out.stdout.splitlines()
                if (" WAR " in line or " ERR " in line)
                # a refused client is the auth doing its job, not a problem of MediaMTX
                and "authenticat" not in line]
    assert not warnings, "\n".join(warnings)


def test_mediamtx_asks_camera_service_and_excludes_nothing(
    host: Any, mediamtx: dict[str, Any]
) -> None:
    assert mediamtx["authMethod"] == "http"
    assert mediamtx["authHTTPAddress"].endswith("/mediamtx/auth")
    assert mediamtx["authHTTPAddress"].startswith(("http://127.0.0.1:", "https://127.0.0.1:"))
    assert not mediamtx.get("authHTTPExclude")
    out = host.run("camera-service --check-config --config /etc/camera-service/config.yaml")
    assert out.rc == 0, out.stderr
    assert yaml.safe_load(out.stdout)["mediamtx"]["stream_auth"] == "service"


def test_mediamtx_api_answers_401_to_an_unprivileged_local_user(
    host: Any, mediamtx: dict[str, Any]
) -> None:
    api = "http://" + mediamtx["apiAddress"]
    assert _as_nobody(host, api + "/v3/config/global/get") == "401"
    assert _as_nobody(host, api + "/v3/config/paths/add/probe",
                      json.dumps({"runOnInit": "id"})) == "401"
    assert _as_nobody(host, api + "/v3/paths/list") == "401"


def test_no_moq_port_listens(host: Any, mediamtx: dict[str, Any]) -> None:
    listening = host.socket.get_listening_sockets()
    moq = [s for s in listening if s.endswith(MOQ_PORTS)]
    assert not moq, moq
    assert mediamtx.get("moq") is False
