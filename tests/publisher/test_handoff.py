"""The publisher-credential socket with real Unix sockets: our own uid gets a one-time
credential for a camera path; another user (``nobody``) who reaches the socket file is
refused by its uid; a path that is no camera's gets nothing."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from camera_service.mediamtx.handoff import PublisherHandoff, allowed_uids
from camera_service.models import Clock
from camera_service.publish_grants import PUBLISHER_USER, PublishGrants
from camera_service.publisher.session import PublisherError, ask_credential

pytestmark = pytest.mark.integration

ASK = """import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(5)
s.connect(sys.argv[1])
try:
    s.sendall(b'{"path": "camera0"}\\n')
except BrokenPipeError:
    pass  # refused before it asked: the answer is already there
print(s.makefile().readline())
"""


@pytest.fixture
async def handoff() -> AsyncIterator[tuple[PublisherHandoff, PublishGrants]]:
    folder = tempfile.mkdtemp(prefix="cs-handoff-")
    os.chmod(folder, 0o755)  # reachable by every user: the uid check alone must refuse
    grants = PublishGrants(str(Path(folder) / "publish.sock"))
    server = PublisherHandoff(grants, lambda p: p == "camera0", allowed_uids("no-such-user-x"),
                              Clock(), private_dir=folder)
    async with server:
        yield server, grants
    assert not os.path.exists(folder)  # noqa: ASYNC240 - a test, after the server stopped


async def test_our_uid_gets_a_one_time_credential_for_a_camera_path(
    handoff: tuple[PublisherHandoff, PublishGrants],
) -> None:
    server, grants = handoff
    user, password = await ask_credential(server.path, "camera0")
    assert user == PUBLISHER_USER
    assert grants.redeem("camera0", user, password, "session-a", Clock().time()) == ""
    with pytest.raises(PublisherError, match="not a camera path"):
        await ask_credential(server.path, "visitor")


async def test_another_user_reaching_the_socket_is_refused(
    handoff: tuple[PublisherHandoff, PublishGrants],
) -> None:
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root and setpriv (util-linux) to ask as nobody")
    server, _ = handoff
    proc = await asyncio.to_thread(
        subprocess.run,
        ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable, "-c",
         ASK, server.path], capture_output=True, text=True, timeout=20, check=False)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {"error": "not allowed"}
