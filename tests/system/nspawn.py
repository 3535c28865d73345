"""A Debian 12 container with a real systemd as PID 1 (systemd-nspawn), for the system test.

``tools/nspawn-host.sh`` boots it in a cgroup of its own (``--register=no --keep-unit``: the
host's PID 1 need not be systemd) and with ``--private-network``: the container has only its
own loopback, so its ports (8002, ssh's 22) never meet the host's. Commands go in with
``nsenter -t PID -a``; processes of the host that must reach the container's ports (the
testinfra run) are started in its network namespace only (``nsenter -t PID -n``).
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ROOT / "tools"
COMMAND_TIMEOUT = 180.0  # the longest single command (an apt-get install, a playbook run)


class CommandFailed(AssertionError):
    pass


@dataclass
class Result:
    args: str
    rc: int
    stdout: str
    stderr: str

    def check(self) -> Result:
        if self.rc != 0:
            raise CommandFailed(f"`{self.args}` exited {self.rc}\n{self.stdout}\n{self.stderr}")
        return self


def host_run(args: Sequence[str], *, timeout: float = COMMAND_TIMEOUT, env: dict[str, str] | None = None,
             cwd: Path | None = None) -> Result:
    proc = subprocess.run(list(args), capture_output=True, text=True, timeout=timeout,
                          env=env, cwd=cwd, check=False)
    return Result(shlex.join(args), proc.returncode, proc.stdout, proc.stderr)


def wait_for(condition: Callable[[], Any], what: str, timeout: float = 30.0,
             interval: float = 0.2) -> Any:
    """Poll ``condition`` until it returns something truthy; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


class Container:
    def __init__(self, rootfs: Path, name: str, console_log: Path) -> None:
        self.rootfs = rootfs
        self.name = name
        self.console_log = console_log
        self.pid: int | None = None

    def boot(self) -> None:
        env = {**os.environ, "NSPAWN_ARGS": "--private-network"}
        out = host_run([str(TOOLS / "nspawn-host.sh"), "boot", str(self.rootfs), self.name,
                        str(self.console_log)], env=env, timeout=60).check()
        self.pid = int(out.stdout.strip().splitlines()[-1])

    def stop(self) -> None:
        host_run([str(TOOLS / "nspawn-host.sh"), "stop", self.name], timeout=60)
        self.pid = None

    def run(self, command: str, *, timeout: float = COMMAND_TIMEOUT) -> Result:
        """A shell command inside the container (all namespaces), as root."""
        assert self.pid is not None, "container not running"
        args = ["nsenter", "-t", str(self.pid), "-a", "/usr/bin/env", "-i",
                "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8",
                "DEBIAN_FRONTEND=noninteractive", "SYSTEMD_PAGER=", "/bin/sh", "-c", command]
        proc = subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False)
        return Result(command, proc.returncode, proc.stdout, proc.stderr)

    def netns_command(self, args: Sequence[str]) -> list[str]:
        """``args`` run on the host but in the container's network namespace."""
        assert self.pid is not None, "container not running"
        return ["nsenter", "-t", str(self.pid), "-n", "--", *args]

    def put(self, source: Path, inside: str) -> None:
        """Copy a host file into the container (under /root: nspawn's /tmp is a tmpfs)."""
        target = self.rootfs / inside.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)

    # --- systemd helpers -------------------------------------------------------------------
    def show(self, unit: str, *props: str) -> dict[str, str]:
        out = self.run(f"systemctl show {shlex.quote(unit)} -p {','.join(props)}").check()
        return dict(line.split("=", 1) for line in out.stdout.splitlines() if "=" in line)

    def journal_cursor(self) -> str:
        out = self.run("journalctl -n 0 --show-cursor --no-pager").check()
        return out.stdout.strip().rsplit("cursor: ", 1)[-1]

    def journal_since(self, cursor: str, unit: str, fmt: str = "cat") -> str:
        return self.run(f"journalctl --after-cursor={shlex.quote(cursor)} -u {unit} "
                        f"-o {fmt} --no-pager").stdout


def build_rootfs_tarball(cache: Path, packages: Sequence[str]) -> Path:
    out = host_run([str(TOOLS / "system-rootfs.sh"), str(cache), *packages], timeout=900).check()
    return Path(out.stdout.strip().splitlines()[-1])


def build_deb(out_dir: Path, version: str | None = None, lintian: bool = True) -> Path:
    args = [str(TOOLS / "build-deb.sh"), str(out_dir)] + ([version] if version else [])
    env = {**os.environ, "LINTIAN": "1" if lintian else "0"}
    out = host_run(args, env=env, timeout=600).check()
    return Path(out.stdout.strip().splitlines()[-1])


def deb_depends(deb: Path) -> list[str]:
    """The package names of a .deb's Depends and Recommends (first of each alternative, no
    versions): what `apt-get install ./x.deb` installs, baked into the rootfs since the
    container has no network."""
    fields = host_run(["dpkg-deb", "-f", str(deb), "Depends", "Recommends"]).check().stdout
    field = ",".join(line.split(":", 1)[1] if line[:1].isalpha() else line
                     for line in fields.splitlines())
    names = []
    for clause in field.split(","):
        name = clause.split("|")[0].split("(")[0].split(":")[0].strip()
        if name:
            names.append(name)
    return names
