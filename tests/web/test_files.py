"""``/files/{snapshots,recordings}/{name}``: token required, Range works, nothing outside the
storage folders can be reached."""

from __future__ import annotations

import aiohttp
import pytest
from yarl import URL

from .stack import Stack

pytestmark = pytest.mark.integration

CONTENT = bytes(range(256)) * 4


@pytest.fixture
def snapshot(stack: Stack) -> str:
    folder = stack.config.storage.snapshots_dir
    (folder / "camera0_20261129_050000.jpg").write_bytes(CONTENT)
    return "camera0_20261129_050000.jpg"


async def get(
    stack: Stack, path: str, token: str | None = None, **headers: str
) -> tuple[int, bytes, dict[str, str]]:
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    async with aiohttp.ClientSession() as http:
        url = URL(stack.http + path, encoded=True)
        async with http.get(url, headers=headers) as r:
            return r.status, await r.read(), dict(r.headers)


async def test_download_needs_a_token(stack: Stack, snapshot: str) -> None:
    status, _, headers = await get(stack, f"/files/snapshots/{snapshot}")
    assert status == 401 and headers["WWW-Authenticate"].startswith("Bearer")
    status, _, _ = await get(stack, f"/files/snapshots/{snapshot}", token="not-a-token")
    assert status == 401
    expired = stack.token("viewer", expires_in=-1)
    status, body, _ = await get(stack, f"/files/snapshots/{snapshot}", token=expired)
    assert status == 401 and b"expired" in body


async def test_viewer_downloads_whole_file(stack: Stack, snapshot: str) -> None:
    status, body, headers = await get(stack, f"/files/snapshots/{snapshot}", stack.token("viewer"))
    assert status == 200 and body == CONTENT
    assert headers["Content-Type"] == "image/jpeg"


async def test_range_request_gives_206_and_the_slice(stack: Stack, snapshot: str) -> None:
    status, body, headers = await get(
        stack, f"/files/snapshots/{snapshot}", stack.token("viewer"), Range="bytes=10-19"
    )
    assert status == 206 and body == CONTENT[10:20]
    assert headers["Content-Range"] == f"bytes 10-19/{len(CONTENT)}"
    status, body, _ = await get(
        stack, f"/files/snapshots/{snapshot}", stack.token("viewer"), Range="bytes=-5"
    )
    assert status == 206 and body == CONTENT[-5:]


async def test_recordings_route_serves_recordings_only(stack: Stack, snapshot: str) -> None:
    status, _, _ = await get(stack, f"/files/recordings/{snapshot}", stack.token("viewer"))
    assert status == 404


async def test_missing_file_is_404(stack: Stack) -> None:
    status, _, _ = await get(stack, "/files/snapshots/nothing.jpg", stack.token("viewer"))
    assert status == 404


@pytest.mark.parametrize(
    "path",
    [
        "/files/snapshots/..%2f..%2fetc%2fpasswd",
        "/files/snapshots/%2e%2e%2fsecret.txt",
        "/files/snapshots/..",
        "/files/snapshots/.hidden",
        "/files/snapshots/..%5csecret.txt",
        "/files/snapshots/secret.txt%00.jpg",
        "/files/recordings/../snapshots/secret.txt",
        "/files/snapshots/%252e%252e%252fsecret.txt",
    ],
)
async def test_traversal_attempts_never_escape(stack: Stack, path: str) -> None:
    (stack.config.storage.state_dir / "secret.txt").write_text("top secret")
    status, body, _ = await get(stack, path, stack.token("admin"))
    assert status in (400, 404), (status, body)
    assert b"top secret" not in body


async def test_symlink_out_of_the_folder_is_refused(stack: Stack) -> None:
    secret = stack.config.storage.state_dir / "secret.txt"
    secret.write_text("top secret")
    (stack.config.storage.snapshots_dir / "link.jpg").symlink_to(secret)
    status, body, _ = await get(stack, "/files/snapshots/link.jpg", stack.token("admin"))
    assert status in (400, 404) and b"top secret" not in body


async def test_api_key_works_as_bearer(tmp_path_factory: pytest.TempPathFactory) -> None:
    from camera_service.rpc.auth import Role, key_file_entry

    from .stack import api_stack

    tmp = tmp_path_factory.mktemp("keys")
    keys = tmp / "keys.yaml"
    keys.write_text("keys:\n" + key_file_entry("dash", Role.VIEWER, "dash-key"))
    async with api_stack(tmp / "state", api_key_file=keys) as stack:
        (stack.config.storage.recordings_dir / "camera0_1.mp4").write_bytes(CONTENT)
        status, body, _ = await get(stack, "/files/recordings/camera0_1.mp4", "dash-key")
        assert status == 200 and body == CONTENT
        status, _, _ = await get(stack, "/files/recordings/camera0_1.mp4", "other-key")
        assert status == 401


SIZE = len(CONTENT)


@pytest.mark.parametrize("bad", ["bytes=-0", "bytes=-000", f"bytes={SIZE}-", f"bytes={SIZE}-{SIZE + 9}"])
async def test_unsatisfiable_range_is_416(stack: Stack, snapshot: str, bad: str) -> None:
    status, body, headers = await get(stack, f"/files/snapshots/{snapshot}", stack.token("viewer"), Range=bad)
    assert status == 416 and body != CONTENT
    assert headers["Content-Range"] == f"bytes */{len(CONTENT)}"


async def test_answers_are_not_sniffed_run_or_kept(stack: Stack, snapshot: str) -> None:
    for token in (stack.token("viewer"), None):  # the file, and a refusal
        _, _, headers = await get(stack, f"/files/snapshots/{snapshot}", token)
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
        assert headers["Cache-Control"] == "private, no-store"
