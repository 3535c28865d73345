"""A real Mosquitto broker for tests, on free ports, with a password file and (optionally)
a TLS listener whose certificates come from a throw-away CA made with openssl, and an MQTT
subscriber that records every message in arrival order, like Home Assistant would see them.

``Broker(tmp).start()`` → ``broker.port`` (plain, password required), ``broker.tls_port``
(TLS, client certificate required), ``broker.user``/``broker.password_file``; ``kill()``
and ``start()`` again to test a broker that goes away and comes back (same ports).
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho

from .daemon import TIMEOUT
from .service_process import free_port

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
PAHO_2 = hasattr(paho, "CallbackAPIVersion")


def available() -> str | None:
    if not Path(MOSQUITTO).exists():
        return "mosquitto not found: apt-get install mosquitto"
    if shutil.which("mosquitto_passwd") is None:
        return "mosquitto_passwd not found: apt-get install mosquitto"
    return None


def make_ca(folder: Path) -> dict[str, Path]:
    """A CA, a server certificate for 127.0.0.1/localhost and a client certificate."""
    folder.mkdir(parents=True, exist_ok=True)

    def run(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True, timeout=TIMEOUT)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt",
        "-days", "2", "-subj", "/CN=camera-service test CA")
    ext = folder / "server.ext"
    ext.write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    for name, cn in (("server", "localhost"), ("client", "camera-service")):
        run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.csr",
            "-subj", f"/CN={cn}")
        extra = ["-extfile", "server.ext"] if name == "server" else []
        run("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", f"{name}.crt", "-days", "2", *extra)
    return {n: folder / n for n in ("ca.crt", "server.crt", "server.key", "client.crt", "client.key")}


class Broker:
    def __init__(self, tmp: Path, tls: bool = False) -> None:
        self.tmp = tmp
        self.port = free_port()
        self.tls_port = free_port() if tls else 0
        self.user, self.password = "camera", "broker-test-password"
        self.password_file = tmp / "mqtt-password"  # what the service reads
        self.password_file.write_text(self.password + "\n")
        self.password_file.chmod(0o600)
        passwd = tmp / "mosquitto.passwd"
        subprocess.run(["mosquitto_passwd", "-b", "-c", str(passwd), self.user, self.password],
                       check=True, capture_output=True, timeout=TIMEOUT)  # fmt: skip
        subprocess.run(["mosquitto_passwd", "-b", str(passwd), "ha", "ha-password"],
                       check=True, capture_output=True, timeout=TIMEOUT)  # fmt: skip
        self.certs = make_ca(tmp / "ca") if tls else {}
        lines = [
            "persistence false", "log_dest stdout", "log_type error", "log_type warning",
            "log_type notice", "log_type information",
            f"listener {self.port} 127.0.0.1", "allow_anonymous false", f"password_file {passwd}",
            "per_listener_settings false",
            f"user {pwd.getpwuid(os.geteuid()).pw_name}",  # as root it would switch to 'mosquitto'
        ]
        if tls:
            lines += [f"listener {self.tls_port} 127.0.0.1", f"cafile {self.certs['ca.crt']}",
                      f"certfile {self.certs['server.crt']}", f"keyfile {self.certs['server.key']}",
                      "require_certificate true"]
        self.conf = tmp / "mosquitto.conf"
        self.conf.write_text("\n".join(lines) + "\n")
        self.log = tmp / "mosquitto.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Broker:
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen([MOSQUITTO, "-c", str(self.conf)], stdout=out,
                                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)  # fmt: skip
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log.read_text()
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self
            except OSError:
                time.sleep(0.05)
        raise AssertionError(f"mosquitto did not listen\n{self.log.read_text()}")

    def kill(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait(TIMEOUT)

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(TIMEOUT)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(TIMEOUT)

    def yaml(self, base_topic: str, commands: str = "[]", extra: str = "") -> str:
        """The service's ``mqtt:`` section for this broker (plain listener)."""
        return (
            "mqtt:\n  enabled: true\n  host: 127.0.0.1\n"
            f"  port: {self.port}\n  username: {self.user}\n  password_file: {self.password_file}\n"
            f"  base_topic: {base_topic}\n  commands: {commands}\n  keepalive: 5\n"
            "  reconnect_min: 0.5\n  reconnect_max: 1\n" + extra
        )


@dataclass(frozen=True)
class Received:
    topic: str
    payload: bytes
    retain: bool
    at: float  # time.monotonic() on arrival


class Subscriber:
    """Subscribes to ``topics`` (with ``#`` as needed) as Home Assistant's user ``ha``; keeps
    every message in order."""

    def __init__(self, broker: Broker, *topics: str, user: str = "ha", password: str = "ha-password") -> None:
        self.messages: list[Received] = []
        self._lock = threading.Lock()
        self._subscribed = threading.Event()
        if PAHO_2:
            self.client: Any = paho.Client(paho.CallbackAPIVersion.VERSION2)
        else:
            self.client = paho.Client()
        self.client.username_pw_set(user, password)
        self.client.on_message = self._on_message
        self.client.on_subscribe = lambda *a: self._subscribed.set()
        self._topics = topics
        self.client.on_connect = lambda c, *a: c.subscribe([(t, 1) for t in self._topics])
        self.client.connect("127.0.0.1", broker.port, keepalive=10)
        self.client.loop_start()
        assert self._subscribed.wait(TIMEOUT), "subscriber not subscribed"

    def _on_message(self, client: Any, userdata: Any, msg: Any) -> None:
        with self._lock:
            self.messages.append(Received(msg.topic, bytes(msg.payload), bool(msg.retain), time.monotonic()))

    def publish(self, topic: str, payload: bytes | str, retain: bool = False) -> None:
        self.client.publish(topic, payload, qos=1, retain=retain).wait_for_publish(TIMEOUT)

    def snapshot(self) -> list[Received]:
        with self._lock:
            return list(self.messages)

    def wait(self, topic: str, payload: bytes | None = None, since: int = 0,
             timeout: float = TIMEOUT) -> Received:  # fmt: skip
        """The first message on ``topic`` (with ``payload``, if given) at index >= ``since``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for m in self.snapshot()[since:]:
                if m.topic == topic and (payload is None or m.payload == payload):
                    return m
            time.sleep(0.02)
        seen = [(m.topic, m.payload[:60]) for m in self.snapshot()[since:]]
        raise AssertionError(f"no {topic} {payload!r} within {timeout}s; seen {seen}")

    def last(self, topic: str) -> Received | None:
        found = [m for m in self.snapshot() if m.topic == topic]
        return found[-1] if found else None

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()
