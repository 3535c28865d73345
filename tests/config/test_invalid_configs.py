"""Invalid configuration files, through the real command line: each exits 78 with a message
naming the key, and none prints a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.ivv

ROOT = Path(__file__).resolve().parents[2]
OK = "auth:\n  jwt_secret: 0123456789abcdef0123456789abcdef\n"

# (name, file text, text the message must contain)
CASES: list[tuple[str, str, str]] = [
    ("empty file", "", "empty"),
    ("only a comment", "# nothing\n", "empty"),
    ("not YAML", "server: [port: 1\n", "not valid YAML"),
    ("tab indentation", "server:\n\tport: 1\n", "not valid YAML"),
    ("YAML list", "- server\n- auth\n", "got a list"),
    ("YAML scalar", "hello\n", "expected a mapping"),
    ("unknown section", OK + "servr: {}\n", "servr: unknown key; did you mean 'server'?"),
    ("unknown key", OK + "server:\n  prot: 8002\n", "server.prot: unknown key; did you mean 'port'?"),
    ("section is a list", OK + "server: [1, 2]\n", "server: expected a mapping"),
    ("port as string", OK + "server:\n  port: '8002'\n", "server.port: expected an integer"),
    ("port out of range", OK + "server:\n  port: 70000\n", "server.port: expected an integer in"),
    ("negative port", OK + "mediamtx:\n  rtsp_port: -1\n", "mediamtx.rtsp_port"),
    ("port as boolean", OK + "mediamtx:\n  hls_port: true\n", "mediamtx.hls_port: expected an integer"),
    ("api url without scheme", OK + "mediamtx:\n  api_url: localhost:9997\n",
     "mediamtx.api_url: expected a URL"),
    ("api url bad port", OK + "mediamtx:\n  api_url: http://localhost:99999\n", "mediamtx.api_url"),
    ("network camera http url", OK + "cameras:\n  network:\n    - url: http://cam/x\n",
     "cameras.network[0].url: expected a URL"),
    ("network camera without url", OK + "cameras:\n  network:\n    - name: door\n",
     "cameras.network[0].url: required key missing"),
    ("network not a list", OK + "cameras:\n  network: rtsp://x/y\n", "cameras.network: expected a list"),
    ("bad camera id", OK + "cameras:\n  network:\n    - url: rtsp://x/y\n      id: door\n",
     "cameras.network[0].id: expected an id like camera0"),
    ("negative timeout", OK + "mediamtx:\n  request_timeout: -5\n", "mediamtx.request_timeout"),
    ("timeout as string", OK + "mediamtx:\n  request_timeout: 5s\n",
     "mediamtx.request_timeout: expected a number"),
    ("bad log level", OK + "logging:\n  level: LOUD\n", "logging.level: expected one of"),
    ("bad log target", OK + "logging:\n  target: syslog\n", "logging.target: expected one of"),
    ("bad recording format", OK + "storage:\n  recording_format: avi\n",
     "storage.recording_format: expected one of"),
    ("bad retention type", OK + "storage:\n  retention:\n    policy_type: count\n",
     "storage.retention.policy_type"),
    ("snapshot quality out of range", OK + "storage:\n  snapshot_quality: 50\n",
     "storage.snapshot_quality"),
    ("udev not boolean", OK + "cameras:\n  udev: 'yes'\n", "cameras.udev: expected true or false"),
    ("test pattern word", OK + "cameras:\n  test_pattern: sometimes\n", "cameras.test_pattern"),
    ("no secret", "server:\n  port: 8002\n", "auth.jwt_secret: required"),
    ("short secret", "auth:\n  jwt_secret: abc\n", "auth.jwt_secret: must be at least 32 bytes, got 3"),
    ("unreadable secret file", "auth:\n  jwt_secret_file: /nonexistent/secret\n",
     "auth.jwt_secret_file: cannot read '/nonexistent/secret'"),
    ("secret and secret file", "auth:\n  jwt_secret: 0123456789abcdef0123456789abcdef\n"
     "  jwt_secret_file: /etc/hostname\n", "auth.jwt_secret: give jwt_secret or jwt_secret_file"),
    ("missing api key file", OK + "  api_key_file: /nonexistent/keys\n",
     "auth.api_key_file: '/nonexistent/keys' does not exist"),
    ("tls cert without key", OK + "server:\n  tls_cert: /etc/hostname\n",
     "server.tls_key: tls_cert and tls_key must be given together"),
    ("api user without password", OK + "mediamtx:\n  api_user: admin\n",
     "mediamtx.api_password: required when mediamtx.api_user is set"),
    ("same folder twice", OK + "storage:\n  snapshots_dir: /tmp/x\n  recordings_dir: /tmp/x\n",
     "storage.recordings_dir: must differ"),
    ("names not a mapping", OK + "cameras:\n  names: [a, b]\n", "cameras.names: expected a mapping"),
    ("discovery bad range", OK + "cameras:\n  discovery:\n    hosts: [10.0.0.0/40]\n",
     "cameras.discovery.hosts[0]: expected a CIDR range"),
    ("external allow with host bits", OK + "cameras:\n  external:\n    allow: [10.0.0.1/8]\n",
     "cameras.external.allow[0]: expected a CIDR range like 192.168.1.0/24"),
    ("external allow a name", OK + "cameras:\n  external:\n    allow: [camera.lan]\n",
     "cameras.external.allow[0]: expected a CIDR range"),
    ("external unknown key", OK + "cameras:\n  external:\n    allowed: []\n",
     "cameras.external.allowed: unknown key; did you mean 'allow'?"),
    ("discovery without hosts", OK + "cameras:\n  discovery:\n    enabled: true\n",
     "cameras.discovery.hosts: required when discovery is enabled"),
    ("discovery interval too short", OK + "cameras:\n  discovery:\n    scan_interval: 1\n",
     "cameras.discovery.scan_interval: must be 0"),
    ("stream auth unknown", OK + "mediamtx:\n  stream_auth: open\n",
     "mediamtx.stream_auth: expected one of service, none"),
    ("public url without scheme", OK + "server:\n  public_url: cams.example:8002\n",
     "server.public_url: expected a URL"),
    ("public url with a query", OK + "server:\n  public_url: 'https://cams.example/?x=1'\n",
     "server.public_url: expected a base URL without ?query"),
    ("link ttl too short", OK + "server:\n  link_ttl: 5\n", "server.link_ttl: expected an integer in 60.."),
    ("secret of 31 bytes", "auth:\n  jwt_secret: 0123456789abcdef0123456789abcde\n",
     "auth.jwt_secret: must be at least 32 bytes, got 31"),
    ("api user with a colon", OK + "mediamtx:\n  api_user: 'a:b'\n  api_password: pw\n",
     "mediamtx.api_user: cannot contain ':'"),
]


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run(
        [sys.executable, "-m", "camera_service", *args],
        capture_output=True, text=True, timeout=60, env=env, check=False,
    )


def test_there_are_at_least_25_cases() -> None:
    assert len(CASES) >= 25


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_invalid_config_exits_78_and_names_the_key(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(text)
    result = run_cli("--config", str(path), "--check-config")
    assert result.returncode == 78, result.stderr
    assert expected in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_missing_config_file_exits_78(tmp_path: Path) -> None:
    result = run_cli("--config", str(tmp_path / "absent.yaml"))
    assert result.returncode == 78
    assert "cannot read" in result.stderr and "No such file" in result.stderr


def test_unreadable_secret_file_exits_78_without_traceback(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("0123456789abcdef0123456789abcdef")
    secret.chmod(0)
    path = tmp_path / "config.yaml"
    path.write_text(f"auth:\n  jwt_secret_file: {secret}\n")
    result = run_cli("--config", str(path), "--check-config")
    if os.geteuid() == 0:  # root reads any file: the mode is no obstacle, so it is valid
        assert result.returncode == 0
    else:
        assert result.returncode == 78 and "auth.jwt_secret_file" in result.stderr


def test_a_secret_file_shorter_than_32_bytes_is_refused_naming_the_file(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("0123456789abcdef0123456789\n")  # 26 bytes: PyJWT warns below 32
    path = tmp_path / "config.yaml"
    path.write_text(f"auth:\n  jwt_secret_file: {secret}\n")
    result = run_cli("--config", str(path), "--check-config")
    assert result.returncode == 78
    assert f"auth.jwt_secret_file: the secret in '{secret}' is 26 bytes, shorter than 32" in result.stderr
    assert "Traceback" not in result.stderr


def test_check_config_prints_the_effective_config_with_secrets_masked() -> None:
    result = run_cli("--config", str(ROOT / "etc" / "dev.yaml"), "--check-config")
    assert result.returncode == 0, result.stderr
    assert "jwt_secret: '********'" in result.stdout
    assert "dev-secret" not in result.stdout
    assert "port: 8002" in result.stdout
