"""The roles' MediaMTX and camera-service configuration, rendered by Ansible itself on this
machine (no container: templates and the credential tasks into a temp folder): stream auth
through camera-service with nothing excluded, only the listeners the service uses, a start
limit, booleans as true or "true", the API credential generated once and kept, handed to
camera-service's config, which the service accepts."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from camera_service.config import load_config

from .nspawn import ROOT

pytestmark = [pytest.mark.system, pytest.mark.timeout(300)]

ROLES = ROOT / "ansible" / "roles"
OPENAPI = ROOT / "tests" / "mediamtx" / "data" / "openapi.yaml"
# what the preflights see: the platform the roles are for (this machine may be a container)
FACTS = {"system": "Linux", "service_mgr": "systemd", "os_family": "Debian", "architecture": "x86_64"}

PLAY = """
- hosts: localhost
  connection: local
  gather_facts: false
  vars_files:
    - {roles}/mediamtx/defaults/main.yml
    - {roles}/mediamtx/vars/main.yml
    - {roles}/camera_service/defaults/main.yml
  tasks:
    - ansible.builtin.import_tasks: {roles}/mediamtx/tasks/preflight.yml
    - ansible.builtin.import_tasks: {roles}/camera_service/tasks/preflight.yml
    - ansible.builtin.import_tasks: {roles}/mediamtx/tasks/api_credential.yml
    - ansible.builtin.import_tasks: {roles}/camera_service/tasks/mediamtx_credential.yml
    - name: Render
      ansible.builtin.template:
        src: "{{{{ item.src }}}}"
        dest: "{{{{ out }}}}/{{{{ item.dest }}}}"
        mode: "0600"
      loop:
        - {{src: {roles}/mediamtx/templates/mediamtx.yml.j2, dest: mediamtx.yml}}
        - {{src: {roles}/mediamtx/templates/mediamtx.service.j2, dest: mediamtx.service}}
        - {{src: {roles}/camera_service/templates/config.yaml.j2, dest: config.yaml}}
"""


class Rendered:
    def __init__(self, out: Path, output: str) -> None:
        self.out, self.output = out, output
        self.mediamtx: dict[str, Any] = yaml.safe_load((out / "mediamtx.yml").read_text())
        self.unit = (out / "mediamtx.service").read_text()
        self.config_text = (out / "config.yaml").read_text()
        self.config: dict[str, Any] = yaml.safe_load(self.config_text)

    @property
    def changed(self) -> int:
        m = re.search(r"localhost\s*:\s*ok=\d+\s+changed=(\d+)\s+unreachable=0\s+failed=0", self.output)
        assert m, self.output
        return int(m.group(1))


@pytest.fixture
def render(tmp_path: Path) -> Any:
    if shutil.which("ansible-playbook") is None:
        pytest.skip("needs ansible-playbook: `make deps` installs ansible")
    play = tmp_path / "play.yml"
    play.write_text(PLAY.format(roles=ROLES))
    credential = tmp_path / "api-credential"

    def run(*extra: str, expect_failure: bool = False) -> Rendered:
        out = tmp_path / "out"
        out.mkdir(exist_ok=True)
        variables = {"ansible_facts": FACTS, "camera_service_deb": str(play), "out": str(out),
                     "camera_service_public_host": "cam.example.org",
                     "mediamtx_api_credential_file": str(credential)}
        args = ["ansible-playbook", "-i", "localhost,", str(play), "-e", json.dumps(variables)]
        for e in extra:
            args += ["-e", e]
        env = {**os.environ, "ANSIBLE_NOCOLOR": "1", "ANSIBLE_CONFIG": str(ROOT / "ansible" / "ansible.cfg")}
        proc = subprocess.run(args, capture_output=True, text=True, env=env, timeout=180, check=False)
        if expect_failure:
            assert proc.returncode != 0, proc.stdout
            return proc.stdout  # type: ignore[return-value]
        assert proc.returncode == 0, proc.stdout + proc.stderr
        return Rendered(out, proc.stdout)

    run.credential = credential  # type: ignore[attr-defined]
    return run


def _known_global_keys() -> set[str]:
    spec = yaml.safe_load(OPENAPI.read_text())
    return set(spec["components"]["schemas"]["GlobalConf"]["properties"])


def test_mediamtx_asks_camera_service_about_everything_and_opens_only_what_it_uses(render: Any) -> None:
    r = render()
    m = r.mediamtx
    assert m["authMethod"] == "http"
    assert m["authHTTPAddress"] == "http://127.0.0.1:8002/mediamtx/auth"
    assert m["authHTTPExclude"] == []  # no action goes through unchecked
    assert "authInternalUsers" not in m
    assert (m["moq"], m["rtmp"], m["srt"], m["metrics"], m["pprof"], m["playback"]) == (False,) * 6
    assert m["apiAddress"] == "127.0.0.1:9997"
    assert (m["rtspAddress"], m["hlsAddress"], m["webrtcAddress"]) == (":8554", ":8888", ":8889")
    unknown = set(m) - _known_global_keys() - {"paths"}  # paths: PathConf, not GlobalConf
    assert not unknown, f"keys MediaMTX 1.20 does not know: {unknown}"


def test_the_unit_has_a_start_limit(render: Any) -> None:
    unit = render().unit
    head = unit.split("[Service]")[0]
    assert "StartLimitIntervalSec=300" in head and "StartLimitBurst=10" in head
    assert "RestartSec=5" in unit and "Restart=on-failure" in unit


def test_api_credential_is_generated_once_kept_and_handed_to_camera_service(
    render: Any, tmp_path: Path
) -> None:
    first = render()
    credential: Path = render.credential
    assert credential.stat().st_mode & 0o777 == 0o600
    password = credential.read_text().strip()
    assert len(password) >= 32
    mtx = first.config["mediamtx"]
    assert (mtx["api_user"], mtx["api_password"], mtx["stream_auth"]) == (
        "camera-service", password, "service")
    second = render()
    assert credential.read_text().strip() == password  # kept across runs
    assert second.config_text == first.config_text
    assert second.changed == 0, second.output
    config_file = tmp_path / "config.yaml"
    secret = tmp_path / "jwt-secret"
    secret.write_text("render-test-secret-0123456789abcdef0123\n")
    config_file.write_text(first.config_text.replace("/etc/camera-service/jwt-secret", str(secret)))
    loaded = load_config(config_file)  # what `camera-service --check-config` accepts
    assert loaded.mediamtx.stream_auth == "service" and loaded.mediamtx.api_user == "camera-service"


def test_external_streams_are_allowed_the_private_ranges_unless_told(render: Any) -> None:
    default = render().config["cameras"]["external"]["allow"]
    assert default == ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"]
    told = render('{"camera_service_external_allow": ["192.0.2.0/24"]}')
    assert told.config["cameras"]["external"]["allow"] == ["192.0.2.0/24"]


def test_a_vault_password_wins_and_nothing_is_generated(render: Any) -> None:
    # group_vars give both roles the same variables
    r = render("mediamtx_api_password=from-the-vault-0123", "mediamtx_api_user=ops")
    assert not render.credential.exists()
    assert (r.config["mediamtx"]["api_user"], r.config["mediamtx"]["api_password"]) == (
        "ops", "from-the-vault-0123")


def test_without_any_credential_camera_service_gets_none_and_makes_its_own(render: Any) -> None:
    # MediaMTX elsewhere (no credential file here) and nothing in the vault
    r = render("mediamtx_api_password=from-the-vault-0123",
               '{"camera_service_mediamtx_api_password": ""}')
    assert not render.credential.exists()
    assert "api_user" not in r.config["mediamtx"] and "api_password" not in r.config["mediamtx"]


@pytest.mark.parametrize("value", ["true", "True", "yes"])
def test_booleans_given_as_strings_pass_the_preflight(render: Any, value: str) -> None:
    r = render(f"camera_service_test_pattern={value}", f"mediamtx_rtmp={value}",
               f"mediamtx_start={value}", f"camera_service_udev={value}")
    assert r.config["cameras"]["test_pattern"] is True
    assert r.config["cameras"]["udev"] is True
    assert r.mediamtx["rtmp"] is True


def test_test_pattern_auto_and_false_stay_what_they_are(render: Any) -> None:
    assert render("camera_service_test_pattern=auto").config["cameras"]["test_pattern"] == "auto"
    assert render("camera_service_test_pattern=false").config["cameras"]["test_pattern"] is False


def test_a_non_boolean_fails_the_preflight(render: Any) -> None:
    out = render("mediamtx_moq=maybe", expect_failure=True)
    assert "mediamtx preflight failed" in out
    out = render("camera_service_test_pattern=sometimes", expect_failure=True)
    assert "camera_service preflight failed" in out


def test_without_stream_auth_the_api_still_needs_the_credential(render: Any) -> None:
    r = render("mediamtx_stream_auth=false")
    assert r.mediamtx["authMethod"] == "internal"
    assert r.config["mediamtx"]["stream_auth"] == "none"
    users = r.mediamtx["authInternalUsers"]
    anonymous = [p["action"] for u in users if u["user"] == "any" for p in u["permissions"]]
    assert "api" not in anonymous and "metrics" not in anonymous
    api_users = [u for u in users if any(p["action"] == "api" for p in u["permissions"])]
    assert [(u["user"], u["pass"]) for u in api_users] == [
        ("camera-service", render.credential.read_text().strip())]
