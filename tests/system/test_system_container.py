"""The package, installed and run under a real systemd (a Debian 12 systemd-nspawn container).

One container for the module; the scenarios run in order on it: install, Ansible, the
testinfra suite, start/reload/config error/watchdog, journal fields, sandbox exposure,
a symlink planted by another user, upgrade, purge. Artefacts (the container's journal,
console, packages, lintian report) go to build/system-test/.

Where a MediaMTX release archive is at hand (``mediamtx_release``: ``MEDIAMTX_RELEASE_DIR``,
or packed from the installed binary), the whole of ``site.yml`` runs too: MediaMTX installed
by its role, both units active, testinfra's MediaMTX checks (none skipped), ``nobody``
trying to publish with every credential it can find, and both units' journals clean.
Without one those parts are skipped with the reason.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

from .conftest import Packages
from .mediamtx_release import CHECKSUMS, Release, find_release
from .nspawn import ROOT, Container, host_run, wait_for

# the first test also waits for the packages and, on a cold cache, a debootstrap (~2 min)
pytestmark = [pytest.mark.system, pytest.mark.timeout(900)]

UNIT = "camera-service.service"
CONFIG = "/etc/camera-service/config.yaml"
MAX_EXPOSURE = 2.0
JWT_SECRET = "systest-0123456789abcdef0123456789abcdef"


def _install(box: Container, deb: Path) -> str:
    box.put(deb, f"/root/{deb.name}")
    return box.run(f"apt-get install -y /root/{deb.name}").check().stdout


def _health(box: Container, port: int = 8002) -> dict[str, object]:
    script = ("import json,urllib.request;"
              f"print(urllib.request.urlopen('http://127.0.0.1:{port}/health',timeout=5).read().decode())")
    out = box.run(f"python3 -c {shlex.quote(script)}").check()
    return dict(json.loads(out.stdout))


@pytest.fixture(scope="module")
def inventory(container: Container, packages: Packages,
              tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An inventory for the container, laid out like inventory/example.yml: the secret comes
    from an ansible-vault encrypted group_vars file."""
    work = tmp_path_factory.mktemp("ansible")
    (work / "vault-password").write_text("systest-vault-password\n")
    group_vars = work / "group_vars" / "all"
    group_vars.mkdir(parents=True)
    (group_vars / "main.yml").write_text(
        "camera_service_jwt_secret: \"{{ vault_camera_service_jwt_secret }}\"\n")
    vault = group_vars / "vault.yml"
    vault.write_text(f"vault_camera_service_jwt_secret: {JWT_SECRET}\n")
    host_run(["ansible-vault", "encrypt", "--vault-password-file", str(work / "vault-password"),
              str(vault)]).check()
    assert vault.read_text().startswith("$ANSIBLE_VAULT;")
    inventory = work / "inventory.yml"
    inventory.write_text(json.dumps({"all": {"children": {"camera_hosts": {"hosts": {"container": {
        "ansible_connection": "community.docker.nsenter",
        "ansible_nsenter_pid": container.pid,
        "ansible_become": False,  # root already
        "ansible_python_interpreter": "/usr/bin/python3",
        "camera_service_deb": str(packages.current),
        "camera_service_public_host": "container.example.org",
    }}}}}}, indent=2))
    return inventory


def _playbook(inventory: Path, *args: str) -> str:
    env = {**os.environ, "ANSIBLE_CONFIG": str(ROOT / "ansible" / "ansible.cfg"),
           "ANSIBLE_FORCE_COLOR": "0", "ANSIBLE_NOCOLOR": "1"}
    out = host_run(["ansible-playbook", "-i", str(inventory), str(ROOT / "ansible" / "site.yml"),
                    "--vault-password-file", str(inventory.parent / "vault-password"), *args],
                   env=env, cwd=ROOT / "ansible")
    return out.check().stdout


@pytest.fixture
def show(capsys: pytest.CaptureFixture[str]) -> Callable[[str], None]:
    """Write to the terminal even under capture: the CI log keeps what was measured."""

    def write(text: str) -> None:
        with capsys.disabled():
            print(text)

    return write


def _recap_changed(output: str) -> int:
    match = re.search(r"container\s*:\s*ok=\d+\s+changed=(\d+)\s+unreachable=0\s+failed=0", output)
    assert match, f"no clean PLAY RECAP in:\n{output}"
    return int(match.group(1))


# --- the package -----------------------------------------------------------------------------

def test_package_is_lintian_clean(show: Callable[[str], None], packages: Packages) -> None:
    show(f"\nlintian --fail-on warning: {packages.lintian.strip() or 'no tags'}")
    assert not re.search(r"^[EW]: ", packages.lintian, re.MULTILINE), packages.lintian


def test_installing_the_package_starts_the_service(container: Container, packages: Packages) -> None:
    output = _install(container, packages.current)
    assert "Creating user 'camera-service'" in output or "camera-service" in output
    state = container.show(UNIT, "ActiveState", "UnitFileState")
    assert state == {"ActiveState": "active", "UnitFileState": "enabled"}, (
        state, container.run(f"journalctl -u {UNIT} --no-pager -n 40").stdout)


def test_unit_verifies_without_any_message(container: Container) -> None:
    out = container.run(f"systemd-analyze verify --man=no {UNIT}")
    assert (out.rc, out.stdout + out.stderr) == (0, "")


# --- Ansible ---------------------------------------------------------------------------------

def test_camera_service_role_applies_and_a_rerun_changes_nothing(
    show: Callable[[str], None], container: Container, inventory: Path
) -> None:
    first = _playbook(inventory, "--skip-tags", "mediamtx")
    show(f"\nansible camera_service role, first run: changed={_recap_changed(first)}")
    second = _playbook(inventory, "--skip-tags", "mediamtx")
    assert _recap_changed(second) == 0, second
    show("ansible camera_service role, second run: changed=0")
    secret = container.run("cat /etc/camera-service/jwt-secret").check().stdout.strip()
    assert secret == JWT_SECRET  # from the vault
    assert "container.example.org" in container.run(f"cat {CONFIG}").check().stdout
    assert container.show(UNIT, "ActiveState")["ActiveState"] == "active"


def test_a_changed_role_variable_rewrites_the_config_and_restarts(
    container: Container, inventory: Path
) -> None:
    before = container.show(UNIT, "MainPID")["MainPID"]
    # changed: the config and the restart handler. DEBUG stays on for the rest of the module:
    # more journal entries with fields to see
    out = _playbook(inventory, "--skip-tags", "mediamtx", "-e", "camera_service_log_level=DEBUG")
    assert _recap_changed(out) == 2 and "RUNNING HANDLER [camera_service : Restart" in out, out
    assert "level: DEBUG" in container.run(f"cat {CONFIG}").check().stdout
    after = container.show(UNIT, "MainPID", "ActiveState")
    assert after["ActiveState"] == "active" and after["MainPID"] != before


def test_a_bad_role_variable_never_reaches_the_host(container: Container, inventory: Path) -> None:
    saved = container.run(f"sha256sum {CONFIG}").check().stdout
    env = {**os.environ, "ANSIBLE_CONFIG": str(ROOT / "ansible" / "ansible.cfg")}
    out = host_run(["ansible-playbook", "-i", str(inventory), str(ROOT / "ansible" / "site.yml"),
                    "--vault-password-file", str(inventory.parent / "vault-password"),
                    "--skip-tags", "mediamtx", "-e", "camera_service_log_level=DEBUG",
                    "-e", '{"camera_service_config_extra": {"server": {"prot": 1}}}'],
                   env=env, cwd=ROOT / "ansible")
    assert out.rc != 0 and "server.prot: unknown key" in out.stdout, out.stdout
    assert container.run(f"sha256sum {CONFIG}").check().stdout == saved


def test_mediamtx_role_passes_syntax_check_check_mode_and_ansible_lint(inventory: Path) -> None:
    _playbook(inventory, "--syntax-check")
    checked = _playbook(inventory, "--check", "--tags", "mediamtx")
    assert "would download mediamtx_v" in checked, checked
    lint = host_run(["ansible-lint", "--nocolor"], cwd=ROOT / "ansible",
                    env={**os.environ, "NO_COLOR": "1"})
    assert lint.rc == 0, lint.stdout + lint.stderr


def test_mediamtx_role_configures_a_hardened_unit_without_the_binary(
    show: Callable[[str], None], container: Container, inventory: Path
) -> None:
    # no release can be downloaded here: the configure phase only, nothing started
    args = ("--tags", "configure", "--skip-tags", "camera_service", "-e", "mediamtx_start=false")
    first = _playbook(inventory, *args)
    assert _recap_changed(first) > 0
    assert _recap_changed(_playbook(inventory, *args)) == 0
    try:
        script = ("import yaml; c = yaml.safe_load(open('/etc/mediamtx/mediamtx.yml')); "
                  "print(c['apiAddress'], c['rtspAddress'], c['webrtcAddress'], c['hlsAddress'])")
        rendered = container.run(f"python3 -c {shlex.quote(script)}").check().stdout.split()
        assert rendered == ["127.0.0.1:9997", ":8554", ":8889", ":8888"]
        # stream auth through camera-service, nothing excluded, MoQ/RTMP/SRT closed
        script = ("import json, yaml; c = yaml.safe_load(open('/etc/mediamtx/mediamtx.yml')); "
                  "print(json.dumps([c[k] for k in ('authMethod', 'authHTTPAddress', "
                  "'authHTTPExclude', 'moq', 'rtmp', 'srt')]))")
        auth = json.loads(container.run(f"python3 -c {shlex.quote(script)}").check().stdout)
        assert auth == ["http", "http://127.0.0.1:8002/mediamtx/auth", [], False, False, False]
        # the internal API credential: generated on the host, root only, kept by the rerun
        assert container.run("stat -c '%U %a' /etc/mediamtx/api-credential").check().stdout.split() == [
            "root", "600"]
        out = container.run("systemd-analyze security --offline=true --no-pager "
                            "/etc/systemd/system/mediamtx.service").check().stdout
        match = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", out)
        assert match, out
        show(f"\nsystemd-analyze security mediamtx.service (role template): {match.group(1)}")
        assert float(match.group(1)) <= MAX_EXPOSURE, out
    finally:
        container.run("rm -rf /etc/systemd/system/mediamtx.service /etc/mediamtx && "
                      "userdel mediamtx && systemctl daemon-reload").check()


# --- MediaMTX installed by the role, when a release archive is at hand (issue 19) ------------

RELEASE_BASE = "/root/mediamtx-release"  # laid out like the release server, read as file://
MEDIAMTX = "mediamtx.service"
_role_start: dict[str, str] = {}  # the journal cursor where the full role run began


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Release:
    return find_release(tmp_path_factory.mktemp("mediamtx-release"))


def _installed(release: Release) -> None:
    if release.folder is None:
        pytest.skip(release.reason)
    if not _role_start:
        pytest.skip("the mediamtx role did not install MediaMTX (see the test before)")


def _full_role(inventory: Path) -> str:
    # test pattern: camera0 is an on-demand ffmpeg publisher, as a USB camera's would be
    return _playbook(inventory, "-e", f"mediamtx_download_base=file://{RELEASE_BASE}",
                     "-e", "camera_service_log_level=DEBUG", "-e", "camera_service_test_pattern=true")


def test_mediamtx_role_installs_the_release_and_both_units_run(
    show: Callable[[str], None], container: Container, inventory: Path, release: Release
) -> None:
    if release.folder is None:
        pytest.skip(release.reason)
    for name in (release.archive, CHECKSUMS):
        container.put(release.folder / name, f"{RELEASE_BASE}/v{release.version}/{name}")
    cursor = container.journal_cursor()
    first = _full_role(inventory)
    show(f"\nansible site.yml with MediaMTX {release.version} ({release.source}): "
         f"changed={_recap_changed(first)}")
    _role_start["cursor"] = cursor
    assert _recap_changed(_full_role(inventory)) == 0
    for unit in (MEDIAMTX, UNIT):
        state = container.show(unit, "ActiveState", "UnitFileState")
        assert state == {"ActiveState": "active", "UnitFileState": "enabled"}, (
            unit, state, container.run(f"journalctl -u {unit} --no-pager -n 40").stdout)
    binary = container.run("readlink -f /usr/local/bin/mediamtx && /usr/local/bin/mediamtx --version").check()
    assert binary.stdout.split() == [f"/opt/mediamtx/{release.version}/mediamtx",
                                     f"v{release.version}"], binary.stdout


# --- testinfra -------------------------------------------------------------------------------

def test_testinfra_suite_passes_against_the_container(
    show: Callable[[str], None], container: Container, ssh_config: Path
) -> None:
    args = container.netns_command([
        sys.executable, "-m", "pytest", str(ROOT / "tests" / "host"), "-v",
        # the inner testinfra run needs no hypothesis plugin
        "-p", "no:cacheprovider", "-p", "no:hypothesispytest",
        "--hosts=ssh://container", f"--ssh-config={ssh_config}",
        "--camera-service-address=127.0.0.1", "-o", "addopts=",
    ])
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.run(args, capture_output=True, text=True, env=env, cwd=ROOT, timeout=300,
                          check=False)
    show("\n--- testinfra (tests/host) against the container ---\n" + proc.stdout + proc.stderr)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr
    if _role_start:  # MediaMTX installed by the role: its host tests (and the snapshot) run
        assert " SKIPPED" not in proc.stdout, proc.stdout[-4000:]
        ran = re.findall(r"test_mediamtx_host\.py::\S+ PASSED", proc.stdout)
        assert len(ran) >= 4, proc.stdout[-4000:]


# --- another local user against the camera paths (issue 19) -----------------------------------

HARVEST = ROOT / "tests" / "mediamtx" / "harvest_attack.py"
HARVEST_AT = "/usr/local/lib/systest/harvest_attack.py"
# where another user may look: /proc (the harvest's own), the runtime and temporary folders,
# and the configuration, state and install folders of both services
HARVEST_ROOTS = ("/run", "/tmp", "/var/tmp", "/etc/camera-service", "/etc/mediamtx",
                 "/etc/systemd/system", "/var/lib/camera-service", "/var/cache/mediamtx",
                 "/var/cache/camera-service", "/opt/mediamtx")
READER = "systest-reader"
PUBLISHER = "pgrep -u mediamtx -f camera_service.publisher"


def _camera_ctl(box: Container, *args: str) -> Any:
    token = f"$(camera-ctl token --role operator --config {CONFIG})"
    out = box.run(f"CAMERA_SERVICE_TOKEN={token} camera-ctl --json "
                  + " ".join(shlex.quote(a) for a in args)).check()
    return json.loads(out.stdout)


def _harvest(box: Container, paths: list[str], earlier: list[list[str]]) -> dict[str, Any]:
    # a file, not `python3 -c`: runuser's own argv (readable to all) would carry the script,
    # and with it the publisher's module name the harvest looks for
    box.put(HARVEST, HARVEST_AT)
    box.run(f"chmod 0755 {os.path.dirname(HARVEST_AT)} && chmod 0644 {HARVEST_AT} && "
            f"cat > /root/earlier.json <<'EOF'\n{json.dumps(earlier)}\nEOF").check()
    # the candidates found before come in on stdin, opened by root: nobody reads no file of ours
    out = box.run("runuser -u nobody -- python3 "
                  + " ".join(shlex.quote(a) for a in (HARVEST_AT, "8554", ",".join(paths),
                                                      *HARVEST_ROOTS))
                  + " < /root/earlier.json", timeout=300).check()
    result: dict[str, Any] = json.loads(out.stdout)
    assert result["uid"] == 65534 and result["tries"] > 0, result
    return result


def _unclean(box: Container, cursor: str, refusals: bool = False) -> list[str]:
    """Warnings and errors of both units since ``cursor``; with ``refusals``, leaving out
    the refusals an attack causes (MediaMTX's failed authentications, the service's
    ``refused …`` of the requests MediaMTX asked it about)."""
    mediamtx = [line for line in box.journal_since(cursor, MEDIAMTX).splitlines()
                if (" WAR " in line or " ERR " in line)
                and not (refusals and "authenticat" in line)]
    out = box.run(f"journalctl --after-cursor={shlex.quote(cursor)} -u {UNIT} -p warning "
                  "-o json --no-pager").stdout
    service = [str(e.get("MESSAGE")) for e in map(json.loads, filter(None, out.splitlines()))
               if not (refusals and str(e.get("MESSAGE")).startswith("refused "))]
    return mediamtx + service


def _service_run_unclean(box: Container) -> list[str]:
    """Warnings and errors of camera-service's current run, from its start, but for the
    refusals of testinfra's probes as ``nobody``."""
    invocation = box.show(UNIT, "InvocationID")["InvocationID"]
    out = box.run(f"journalctl _SYSTEMD_INVOCATION_ID={invocation} -p warning -o json "
                  "--no-pager").stdout
    return [str(e.get("MESSAGE")) for e in map(json.loads, filter(None, out.splitlines()))
            if not str(e.get("MESSAGE")).startswith("refused ")]


def _journals(box: Container, cursor: str) -> str:
    return "\n".join(f"--- {unit} ---\n" + box.journal_since(cursor, unit, "short-precise")[-6000:]
                     for unit in (MEDIAMTX, UNIT, f"{READER}.service"))


def test_nobody_cannot_publish_to_a_camera_path_while_it_streams_or_after_it_idles(
    show: Callable[[str], None], container: Container, release: Release
) -> None:
    _installed(release)
    assert _service_run_unclean(container) == []
    paths = [c["device"] for c in _camera_ctl(container, "call", "get_camera_list")["cameras"]]
    assert "camera0" in paths, paths
    # a viewer plays the URL get_stream_url gives, as it is (on this host's loopback); its
    # argv, with the viewer's stream token, is there for the harvest to find
    url = _camera_ctl(container, "call", "get_stream_url",
                      json.dumps({"device": "camera0", "with_token": True}))["stream_url_with_token"]
    parts = urlsplit(url)
    local = urlunsplit(parts._replace(netloc=parts.netloc.replace(
        f"{parts.hostname}:", "127.0.0.1:")))
    # a publisher of our own start: the one testinfra's snapshot started idles out first
    wait_for(lambda: container.run(PUBLISHER).rc == 1, "camera0 idle before the viewer",
             timeout=60)
    cursor = container.journal_cursor()
    container.run(f"systemctl reset-failed {READER} 2>/dev/null; systemd-run --unit={READER} "
                  "--collect ffmpeg -nostdin -loglevel error -rtsp_transport tcp "
                  f"-i {shlex.quote(local)} -f null -").check()
    try:
        # the on-demand publisher runs under MediaMTX's unit, got its one-time credential
        # over /run/camera-service/publish.sock and publishes
        try:
            wait_for(lambda: "is publishing to path 'camera0'"
                     in container.journal_since(cursor, MEDIAMTX),
                     "camera0's publisher publishing", timeout=60)
        except AssertionError as e:
            raise AssertionError(f"{e}\n{_journals(container, cursor)}") from None
        assert container.run(PUBLISHER).rc == 0, _journals(container, cursor)
        assert container.show(f"{READER}.service", "ActiveState")["ActiveState"] == "active", (
            _journals(container, cursor))
        status = _camera_ctl(container, "call", "get_camera_status", '{"device": "camera0"}')
        # normal operation (a viewer, the publisher, a status): nothing to warn about
        assert _unclean(container, cursor) == [], _journals(container, cursor)
        streaming = _harvest(container, paths, [])
        assert streaming["saw_publisher"], "the harvest did not see the camera's publisher"
        assert streaming["accepted"] == [], streaming["accepted"]
    finally:
        container.run(f"systemctl stop {READER}")
    # idle: no reader left, MediaMTX stops the publisher after runOnDemandCloseAfter
    wait_for(lambda: container.run(PUBLISHER).rc == 1, "camera0's publisher idled out", timeout=60)
    idle = _harvest(container, paths, streaming["candidates"])
    assert idle["accepted"] == [], idle["accepted"]
    allowed = [line for line in container.journal_since(cursor, UNIT).splitlines()
               if "allowed publish" in line]
    assert allowed and all("one-time publisher credential" in line for line in allowed), allowed
    assert _unclean(container, cursor, refusals=True) == [], _journals(container, cursor)
    show(f"\ncamera0 streaming through the role's MediaMTX: {status.get('status')}; nobody's "
         f"harvest while it streamed: {len(streaming['candidates'])} candidates, "
         f"{streaming['tries']} publish tries, 0 accepted; after it idled: {idle['tries']} "
         f"tries, 0 accepted; publishes allowed (all ours): {len(allowed)}")


# --- service behaviour -----------------------------------------------------------------------

def test_start_returns_only_after_ready(container: Container) -> None:
    container.run(f"systemctl stop {UNIT}").check()
    container.run(f"systemctl start {UNIT}").check()
    # no waiting here: when `start` returned, READY=1 was sent, so the API already answers
    state = container.show(UNIT, "ActiveState", "SubState", "StatusText")
    assert (state["ActiveState"], state["SubState"]) == ("active", "running"), state
    assert _health(container)["status"] in ("ok", "degraded")


def test_reload_rereads_the_config_in_the_same_process(
    show: Callable[[str], None], container: Container
) -> None:
    before = container.show(UNIT, "MainPID", "NRestarts")
    cursor = container.journal_cursor()
    container.run(f"systemctl reload {UNIT}").check()
    log = wait_for(lambda: (text := container.journal_since(cursor, UNIT))
                   and "configuration reloaded" in text and text, "configuration reloaded")
    wait_for(lambda: container.show(UNIT, "ActiveState")["ActiveState"] == "active", "active again")
    assert container.show(UNIT, "MainPID", "NRestarts") == before, log
    show(f"\nreload:\n{log}")


def test_config_error_exits_78_without_restart_loop_and_says_why(
    show: Callable[[str], None], container: Container
) -> None:
    saved = container.run(f"cat {CONFIG}").check().stdout
    cursor = container.journal_cursor()
    try:
        container.run(f"printf 'server:\\n  prot: 8002\\n' >> {CONFIG}").check()
        assert container.run(f"systemctl restart {UNIT}").rc != 0
        state = container.show(UNIT, "ActiveState", "Result", "ExecMainStatus", "NRestarts")
        assert state["ExecMainStatus"] == "78", state
        assert state["ActiveState"] == "failed", state
        # RestartSec=2: a restart would have happened by now; there is none
        container.run("sleep 3")
        again = container.show(UNIT, "ActiveState", "NRestarts")
        assert again == {"ActiveState": "failed", "NRestarts": state["NRestarts"]}, again
        log = container.journal_since(cursor, UNIT)
        assert "prot" in log, log
        show(f"\nconfig error in the journal:\n{log}")
    finally:
        container.run(f"cat > {CONFIG} <<'EOF'\n{saved}EOF").check()
        container.run(f"systemctl reset-failed {UNIT}; systemctl start {UNIT}").check()


def test_watchdog_restarts_a_hung_daemon(container: Container) -> None:
    dropin = "/etc/systemd/system/camera-service.service.d/watchdog-test.conf"
    container.run(f"mkdir -p {os.path.dirname(dropin)} && printf '[Service]\\nWatchdogSec=3\\n' > {dropin}"
                  " && systemctl daemon-reload && systemctl restart camera-service").check()
    try:
        before = container.show(UNIT, "MainPID", "NRestarts")
        cursor = container.journal_cursor()
        container.run(f"kill -STOP {before['MainPID']}").check()
        wait_for(lambda: (s := container.show(UNIT, "MainPID", "NRestarts", "ActiveState"))
                 and s["MainPID"] not in ("0", before["MainPID"]) and s["ActiveState"] == "active",
                 "a new main process after the watchdog", timeout=40)
        after = container.show(UNIT, "NRestarts")
        assert int(after["NRestarts"]) == int(before["NRestarts"]) + 1
        log = container.run(f"journalctl --after-cursor={shlex.quote(cursor)} --no-pager "
                            "-u camera-service -o cat").stdout
        assert "Watchdog timeout" in log, log
    finally:
        container.run(f"rm -f {dropin} && systemctl daemon-reload && systemctl restart {UNIT}").check()


def test_journal_entries_carry_structured_fields(
    show: Callable[[str], None], container: Container
) -> None:
    out = container.run(f"journalctl -u {UNIT} -o json --no-pager").check().stdout
    entries = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    ours = [e for e in entries if e.get("SYSLOG_IDENTIFIER") == "camera-service"]
    with_fields = [e for e in ours if "COMPONENT" in e]
    assert with_fields, f"{len(ours)} entries, none with COMPONENT"
    names = sorted({k for e in ours for k in ("COMPONENT", "CAMERA_ID", "RPC_METHOD", "CLIENT")
                    if k in e})
    show(f"\njournal: {len(ours)} entries, structured fields seen: {', '.join(names)}")
    sample = with_fields[-1]
    assert sample.get("PRIORITY") and sample.get("MESSAGE")


def test_sandbox_exposure_is_at_most_two(
    show: Callable[[str], None], container: Container
) -> None:
    out = container.run(f"systemd-analyze security {UNIT} --no-pager").check().stdout
    match = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", out)
    assert match, out
    exposure = float(match.group(1))
    failing = "\n".join(line for line in out.splitlines() if line.startswith("✗"))
    show(f"\nsystemd-analyze security {UNIT}: exposure {exposure}\n{failing}")
    assert exposure <= MAX_EXPOSURE, out


def _sandboxed_probe_unit(unit_text: str, commands: list[str]) -> str:
    """The service's own unit with its sandbox, but a oneshot running ``commands``."""
    drop = ("Type=", "NotifyAccess=", "WatchdogSec=", "ExecReload=", "Restart", "ExecStart=")
    service = [line for line in unit_text.split("[Install]")[0].splitlines()
               if not line.startswith(drop)]
    return "\n".join([*service, "Type=oneshot", *(f"ExecStart={c}" for c in commands), ""])


def test_ffmpeg_encodes_and_snapshots_inside_the_service_sandbox(container: Container) -> None:
    # MemoryDenyWriteExecute=, the system call filter and DevicePolicy= must leave ffmpeg
    # working: run it (H.264 encode, JPEG snapshot) under exactly the unit's sandbox
    state = "/var/lib/camera-service"
    source = "-nostdin -loglevel error -y -f lavfi -i testsrc=size=320x240:rate=15"
    commands = [
        f"/usr/bin/ffmpeg {source} -t 1 -c:v libx264 -pix_fmt yuv420p {state}/recordings/probe.mp4",
        f"/usr/bin/ffmpeg {source} -frames:v 1 -q:v 3 {state}/snapshots/probe.jpg",
    ]
    unit = container.run(f"cat /lib/systemd/system/{UNIT}").check().stdout
    probe = "/etc/systemd/system/camera-service-sandbox-probe.service"
    container.run(f"cat > {probe} <<'EOF'\n{_sandboxed_probe_unit(unit, commands)}EOF\n"
                  "systemctl daemon-reload").check()
    try:
        started = container.run("systemctl start camera-service-sandbox-probe.service")
        log = container.run("journalctl -u camera-service-sandbox-probe --no-pager -o cat").stdout
        assert started.rc == 0, log
        sizes = container.run(f"stat -c '%U %s' {state}/recordings/probe.mp4 "
                              f"{state}/snapshots/probe.jpg").check().stdout.split("\n")
        for line in filter(None, sizes):
            owner, size = line.split()
            assert owner == "camera-service" and int(size) > 0, sizes
    finally:
        container.run(f"rm -f {probe} {state}/recordings/probe.mp4 {state}/snapshots/probe.jpg; "
                      "systemctl daemon-reload")


# --- another local user against the state folder (issue 24) -----------------------------------

WRITE_STATE = """
import os, sys
from pathlib import Path
from camera_service.statefile import write_atomically
state = Path(sys.argv[1])
old = state / f".retention.json.{os.getpid()}.tmp"  # the name the writer used to pick
print(os.readlink(old) if old.is_symlink() else "no link planted", flush=True)
write_atomically(state / "retention.json", '{"version": 1, "from": "service"}', 0o600)
"""


def test_a_link_planted_by_nobody_cannot_redirect_a_state_write(
    show: Callable[[str], None], container: Container
) -> None:
    # the packaged state folder: nobody cannot even plant a link there
    denied = container.run("runuser -u nobody -- ln -s /etc/shadow /var/lib/camera-service/x")
    assert denied.rc != 0 and "Permission denied" in denied.stderr, denied
    # a hand-made state folder others can write: the service refuses it, naming the mode
    hand, victim = "/srv/hand-state", "/root/victim"
    config = "/root/hand-config.yaml"
    container.run(f"mkdir -p {hand} && chmod 0777 {hand} && printf untouched > {victim} && "
                  f"chmod 0600 {victim} && sed 's#/var/lib/camera-service#{hand}#' {CONFIG} > {config}"
                  ).check()
    try:
        refused = container.run(f"camera-service --config {config} --check-config")
        assert refused.rc == 78, refused
        assert f"storage.state_dir: {hand}: mode 0777 is writable by others" in refused.stderr
        # were it written anyway (as root, as in the issue): nobody plants links at the target
        # and at the old predictable temporary name of the writing process (exec keeps its pid)
        script = "/root/write_state.py"
        container.run(f"cat > {script} <<'EOF'\n{WRITE_STATE}EOF").check()
        out = container.run(
            f"sh -c 'runuser -u nobody -- ln -s {victim} {hand}/retention.json && "
            f"runuser -u nobody -- ln -s {victim} {hand}/.retention.json.$$.tmp && "
            f"exec python3 {script} {hand}'").check().stdout
        assert out.strip() == victim  # the link was there at the old name when the write ran
        after = container.run(f"cat {victim}; echo; stat -c '%a %U' {victim}; "
                              f"stat -c '%F %a' {hand}/retention.json; cat {hand}/retention.json"
                              ).check().stdout.splitlines()
        assert after[:2] == ["untouched", "600 root"], after
        assert after[2] == "regular file 600" and '"from": "service"' in after[3], after
        show(f"\nplanted links in {hand}: victim {after[:2]}, target {after[2]}")
    finally:
        container.run(f"rm -rf {hand} {victim} {config} /root/write_state.py")


# --- upgrade and purge -----------------------------------------------------------------------

def test_upgrade_keeps_edited_config_recordings_and_secret(
    container: Container, packages: Packages
) -> None:
    container.run(f"printf '# edited by the system test\\n' >> {CONFIG}").check()
    recording = "/var/lib/camera-service/recordings/camera0_2026-01-01_00-00-00.mp4"
    container.run(f"head -c 4096 /dev/urandom > {recording} && chown camera-service: {recording}").check()
    before = container.run(f"sha256sum {CONFIG} {recording} /etc/camera-service/jwt-secret").check().stdout
    old_pid = container.show(UNIT, "MainPID")["MainPID"]
    _install(container, packages.next)
    version = container.run("dpkg-query -W -f='${Version}' camera-service").check().stdout
    assert version.endswith("+systest1")
    after = container.run(f"sha256sum {CONFIG} {recording} /etc/camera-service/jwt-secret").check().stdout
    assert after == before
    # restarted on the new code (dh_installsystemd --restart-after-upgrade)
    wait_for(lambda: (s := container.show(UNIT, "ActiveState", "MainPID"))["ActiveState"] == "active"
             and s["MainPID"] not in ("0", old_pid), "active again, a new process, after upgrade")


def test_purge_removes_config_and_data(container: Container) -> None:
    container.run("apt-get purge -y camera-service").check()
    left = container.run("ls -d /etc/camera-service /var/lib/camera-service 2>/dev/null").stdout
    assert left == ""
    assert container.run(f"systemctl is-enabled {UNIT}").stdout.strip() in ("", "not-found")
