"""``camera-ctl mode / stream / external / timeline`` against the real daemon (``python -m
camera_service``, the test-pattern camera, no MediaMTX: the stream commands that need it
exit 1 with the service's reason). The CLI's ``main`` runs in a thread of its own with its
output captured (a child process per call costs a second or two on a loaded machine); one
call per test goes through the real ``camera-ctl`` child process as well."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from camera_service.client import cli, commands
from support.daemon import TIMEOUT, Daemon, closed_port
from support.daemon_mediamtx import daemon_with_mediamtx

pytestmark = pytest.mark.integration

SRC = Path(__file__).resolve().parents[2] / "src"
EXTERNAL = f"rtsp://127.0.0.1:{closed_port()}/door"


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    d = Daemon(tmp_path_factory.mktemp("ctl"))
    try:
        yield d
    finally:
        d.stop()


def _main(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli.main(argv)
        except SystemExit as e:  # argparse's usage errors
            code = int(e.code or 0)
    return code, out.getvalue(), err.getvalue()


def ctl(daemon: Daemon, *args: str, role: str = "admin", child: bool = False) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of ``camera-ctl --url ... --token ... ARGS``."""
    argv = ["--url", daemon.url, "--token", daemon.token(role), *args]
    if not child:
        # a thread of its own: asyncio.run in the main thread would unset pytest-asyncio's loop
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            return pool.submit(_main, argv).result(TIMEOUT * 2)
    environ = {k: v for k, v in os.environ.items() if k != "CAMERA_SERVICE_TOKEN"}
    environ["PYTHONPATH"] = str(SRC)
    proc = subprocess.run(
        [sys.executable, "-m", "camera_service.client.cli", *argv],
        capture_output=True, text=True, env=environ, timeout=TIMEOUT * 2, check=False,
    )  # fmt: skip
    return proc.returncode, proc.stdout, proc.stderr


def ok_json(daemon: Daemon, *args: str, role: str = "admin") -> Any:
    code, out, err = ctl(daemon, "--json", *args, role=role)
    assert code == 0, err
    return json.loads(out)


def test_mode_shows_sets_and_schedules_the_recording_mode(daemon: Daemon) -> None:
    shown = ok_json(daemon, "mode", "camera0", role="viewer")
    assert shown["device"] == "camera0" and shown["mode"] == "off"
    code, out, err = ctl(daemon, "mode", "camera0", child=True)
    assert code == 0 and "mode: off" in out, err
    scheduled = ok_json(daemon, "mode", "camera0", "schedule", "--window", "mon,tue 08:00-18:00",
                        "--window", "sat 10:00-12:00", "--segment-seconds", "30", "--format", "mkv",
                        "--retention-days", "7", role="operator")  # fmt: skip
    assert scheduled["success"] is True and scheduled["mode"] == "schedule"
    assert scheduled["schedule"][0]["days"] == ["mon", "tue"] and scheduled["segment_seconds"] == 30
    assert scheduled["format"] == "mkv" and scheduled["retention"]["max_age_days"] == 7
    assert ok_json(daemon, "mode", "camera0")["schedule"] == scheduled["schedule"]  # kept
    off = ok_json(daemon, "mode", "camera0", "off", "--no-retention")
    assert off["mode"] == "off" and off["segment_seconds"] == 30 and not off["retention"]
    code, _, err = ctl(daemon, "mode", "camera0", "continuous", role="viewer")
    assert code == 1 and "-32002" in err  # a viewer may look, not change
    assert ctl(daemon, "mode", "camera0", "schedule")[0] == 2  # no window
    assert ctl(daemon, "mode", "camera0", "schedule", "--window", "someday 8-9")[0] == 2


def test_timeline_lists_ranges_and_gaps_in_text_and_json(daemon: Daemon) -> None:
    shown = ok_json(daemon, "timeline", "camera0", "--from", "1796000000", "--to", "2026-12-31T00:00:00Z",
                    role="viewer")  # fmt: skip
    assert shown["device"] == "camera0" and {"ranges", "gaps", "covered"} <= set(shown)
    code, out, err = ctl(daemon, "timeline", "camera0", child=True)
    assert code == 0, err
    assert out.splitlines()[0].split() == ["FROM", "TO", "SECONDS", "WHAT", "FILES"]
    assert out.rstrip().endswith("s recorded")
    code, _, err = ctl(daemon, "timeline", "camera0", "--from", "yesterday")
    assert code == 2 and "not a time" in err


def test_stream_url_with_token_and_start_stop_without_mediamtx(daemon: Daemon) -> None:
    code, out, err = ctl(daemon, "--json", "stream", "url", "camera0", role="viewer", child=True)
    assert code == 0, err
    plain = json.loads(out)
    assert plain["stream_url"].endswith("/camera0") and "stream_url_with_token" not in plain
    tokened = ok_json(daemon, "stream", "url", "camera0", "--with-token", role="viewer")
    assert tokened["stream_url_with_token"].startswith("rtsp://viewer:")
    assert all("jwt=" in u for k, u in tokened["streams_with_token"].items() if k != "rtsp")
    # MediaMTX is not there, so nothing is kept published: the reason, exit 1
    for action, code_text in (("start", "(-32050)"), ("stop", "(-32020)")):
        code, out, err = ctl(daemon, "stream", action, "camera0", role="operator")
        assert code == 1 and out == "" and err.startswith("error: ") and code_text in err, err
    assert ctl(daemon, "stream", "start", "camera0", "--with-token")[0] == 2


def test_external_add_list_remove_and_discover(daemon: Daemon) -> None:
    added = ok_json(daemon, "external", "add", EXTERNAL, "--name", "Door", role="operator")
    assert added["success"] is True and added["status"] == "ADDED" and added["stream_name"] == "Door"
    code, out, err = ctl(daemon, "external", "list", role="viewer", child=True)
    assert code == 0, err
    assert out.splitlines()[0].split() == ["NAME", "STATUS", "TYPE", "URL"]
    assert "Door" in out and EXTERNAL in out
    assert [s["url"] for s in ok_json(daemon, "external", "list")["external_streams"]] == [EXTERNAL]
    removed = ok_json(daemon, "external", "remove", EXTERNAL, role="operator")
    assert removed["status"] == "REMOVED" and removed["success"] is True
    assert ok_json(daemon, "external", "list")["external_streams"] == []
    found = ok_json(daemon, "external", "discover", "--no-skydio", "--generic", role="operator")
    assert "success" not in found and isinstance(found["discovered_streams"], list)  # reads only
    code, out, _ = ctl(daemon, "external", "discover", role="operator")
    assert code == 0 and out.rstrip().endswith("found")
    assert ctl(daemon, "external", "add")[0] == 2  # no URL


@pytest.mark.mediamtx
async def test_stream_start_and_stop_with_mediamtx(tmp_path: Path) -> None:
    async with daemon_with_mediamtx(tmp_path) as (daemon, _):
        started = await asyncio.to_thread(ok_json, daemon, "stream", "start", "camera0", role="operator")
        assert started["success"] is True and started["status"] == "STARTED"
        assert started["stream_url"].endswith("/camera0")
        stopped = await asyncio.to_thread(ok_json, daemon, "stream", "stop", "camera0", role="operator")
        assert stopped["success"] is True and stopped["device"] == "camera0"


@pytest.mark.unit
def test_windows_parse_days_and_times() -> None:
    assert commands.window("mon,Fri 08:00-18:30") == {"days": ["mon", "fri"], "start": "08:00",
                                                      "end": "18:30"}  # fmt: skip
    for bad in ("mon", "mon 08:00", "xyz 08:00-09:00", "mon 08-09-10"):
        with pytest.raises(commands.UsageError):
            commands.window(bad)
