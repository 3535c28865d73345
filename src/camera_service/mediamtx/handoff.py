"""The Unix socket where our ``runOnDemand`` publishers get their one-time credential
(``publish_grants``). An adapter: one request line in, one answer line out.

Who may ask is decided by the kernel, not by anything a client says: the peer's uid
(``SO_PEERCRED``) must be this service's own or MediaMTX's system user
(``mediamtx.system_user``), which is who runs ``runOnDemand``. Any other local user is
refused, so a credential never reaches another user even if the socket file can be reached.

Protocol: the publisher sends ``{"path": "camera0"}`` and a newline; the service answers
``{"user": …, "password": …}`` or ``{"error": …}`` and closes. The socket lives in the
service's runtime directory (``$RUNTIME_DIRECTORY``, systemd's ``RuntimeDirectory=``), or
else in a fresh private directory under the temporary directory.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import pwd
import shutil
import socket
import struct
import tempfile
from collections.abc import Callable
from pathlib import Path

from ..lifecycle import Component
from ..models import Clock
from ..publish_grants import PublishGrants
from ..waits import bounded

log = logging.getLogger(__name__)

SOCKET_NAME = "publish.sock"
MAX_REQUEST = 1024
REQUEST_TIMEOUT = 2.0
_UCRED = struct.Struct("3i")  # pid, uid, gid


def socket_path(runtime_dir: str | None) -> tuple[str, str | None]:
    """``(socket path, private directory made for it or None)``."""
    if runtime_dir:
        return str(Path(runtime_dir.split(":")[0]) / SOCKET_NAME), None
    private = tempfile.mkdtemp(prefix="camera-service-")  # 0700: only this uid reaches it
    return str(Path(private) / SOCKET_NAME), private


def allowed_uids(system_user: str) -> frozenset[int]:
    """The service's own uid and MediaMTX's system user's, when that user exists."""
    uids = {os.getuid()}
    if system_user:
        with contextlib.suppress(KeyError):
            uids.add(pwd.getpwnam(system_user).pw_uid)
    return frozenset(uids)


def peer_credentials(sock: socket.socket) -> tuple[int, int, int]:
    """``(pid, uid, gid)`` of a Unix socket's peer, as the kernel recorded it."""
    pid, uid, gid = _UCRED.unpack(sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED,
                                                  _UCRED.size))
    return pid, uid, gid


def _remove_socket(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        if Path(path).is_socket():
            Path(path).unlink()


class PublisherHandoff(Component):
    def __init__(self, grants: PublishGrants, owns: Callable[[str], bool], uids: frozenset[int],
                 clock: Clock, private_dir: str | None = None) -> None:
        self._grants = grants
        self._owns = owns
        self._uids = uids
        self._clock = clock
        self._private_dir = private_dir
        self._server: asyncio.Server | None = None

    @property
    def path(self) -> str:
        return self._grants.socket_path

    async def start(self) -> None:
        path = self.path
        await asyncio.to_thread(_remove_socket, path)  # left by a previous run: our directory
        self._server = await asyncio.start_unix_server(self._handle, path=path,
                                                       limit=MAX_REQUEST)
        # the peer's uid decides; the file mode only has to let MediaMTX's user connect
        await asyncio.to_thread(os.chmod, path, 0o666)
        log.info("publisher credentials handed out at %s to uid %s", path,
                 ", ".join(map(str, sorted(self._uids))), extra={"COMPONENT": "mediamtx"})

    async def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
            with contextlib.suppress(TimeoutError):
                await bounded(server.wait_closed(), REQUEST_TIMEOUT)
        await asyncio.to_thread(_remove_socket, self.path)
        if self._private_dir is not None:
            await asyncio.to_thread(shutil.rmtree, self._private_dir, True)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            answer = await self._answer(reader, writer)
            writer.write(json.dumps(answer).encode() + b"\n")
            await bounded(writer.drain(), REQUEST_TIMEOUT)
        except (OSError, TimeoutError):
            pass  # the publisher went away; it will be started again
        finally:
            writer.close()

    async def _answer(self, reader: asyncio.StreamReader,
                      writer: asyncio.StreamWriter) -> dict[str, str]:
        pid, uid, _ = peer_credentials(writer.get_extra_info("socket"))
        extra = {"COMPONENT": "mediamtx"}
        if uid not in self._uids:
            log.warning("refused a publisher credential to pid %d: uid %d is neither this "
                        "service's nor MediaMTX's", pid, uid, extra=extra)
            return {"error": "not allowed"}
        try:
            line = await bounded(reader.readuntil(b"\n"), REQUEST_TIMEOUT)
            request = json.loads(line[:MAX_REQUEST])
            path = request["path"] if isinstance(request, dict) else None
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError, KeyError):
            return {"error": "bad request"}
        if not isinstance(path, str) or not self._owns(path):
            log.warning("refused a publisher credential to pid %d: %r is not a camera path",
                        pid, path, extra=extra)
            return {"error": "not a camera path"}
        cred = self._grants.issue(path, self._clock.time())
        log.debug("one-time publisher credential for %s to pid %d", path, pid, extra=extra)
        return {"user": cred.user, "password": cred.password}
