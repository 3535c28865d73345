"""The stream methods of compat.json with a real MediaMTX publishing the test-pattern camera:
each must answer a result (no error) that validates against its result schema. Skipped, with
how to run it, where no MediaMTX binary exists."""

from __future__ import annotations

import shutil
from pathlib import Path

import jsonschema
import pytest

from camera_service.rpc.methods import ACTS
from camera_service.rpc.schemas import METHODS, inline_refs
from support.daemon_mediamtx import daemon_with_mediamtx

pytestmark = pytest.mark.mediamtx

STREAM_CALLS = (
    ("start_streaming", {"device": "camera0"}),
    ("get_stream_url", {"device": "camera0"}),
    ("get_stream_status", {"device": "camera0"}),
    ("get_streams", None),
    ("stop_streaming", {"device": "camera0"}),
)


async def test_stream_methods_answer_compat_results_with_mediamtx(tmp_path: Path) -> None:
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg missing: apt-get install ffmpeg")
    async with daemon_with_mediamtx(tmp_path) as (_, client):
        for method, params in STREAM_CALLS:
            result = await client.result(method, params)
            jsonschema.validate(result, inline_refs(METHODS[method]["result"]))
            acted = isinstance(result, dict) and result.get("success") is True
            assert acted == (method in ACTS), (method, result)
