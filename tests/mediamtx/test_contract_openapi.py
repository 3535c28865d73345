"""The MediaMTX client against MediaMTX's own OpenAPI description (``data/openapi.yaml``).

* every request the client makes is an operation of the API with that HTTP method, and its
  query parameters are declared (seen with aiohttp's request tracing on a real session whose
  requests go to a closed port: the real client, no server imitating MediaMTX);
* every request body the service can send (each camera kind, each encoder option) validates
  against the endpoint's request schema, strictly: a misspelt or unknown setting fails, as it
  does in MediaMTX, which decodes path configurations with unknown fields disallowed;
* the parsers read only fields the response schemas declare, accept a response holding every
  declared field, ignore unknown ones, and reject malformed ones with ``MediaMTXError``.

OpenAPI 3.0 is turned into JSON Schema here: local ``$ref`` inlined, ``nullable`` as a
``null`` alternative.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import re
import socket
from collections.abc import Callable, Iterator
from pathlib import Path as FilePath
from types import SimpleNamespace
from typing import Any

import aiohttp
import jsonschema
import pytest
import yaml

from camera_service.config.model import Config, MediaMTXConfig
from camera_service.devstack.mediamtx_config import render_role
from camera_service.errors import MediaMTXError, MediaMTXUnavailable
from camera_service.mediamtx.client import MediaMTXClient, error_from_response
from camera_service.mediamtx.keepalive import keepalive_conf
from camera_service.mediamtx.models import Info, Page, Path, PathConf, PathReader, PathSource
from camera_service.mediamtx.paths import path_conf_for
from camera_service.models import Camera, CameraKind, CameraMode, CameraStatus, CsiSettings
from camera_service.publish_grants import PublishGrants

pytestmark = pytest.mark.contract

SPEC_FILE = FilePath(__file__).with_name("data") / "openapi.yaml"
SPEC: dict[str, Any] = yaml.safe_load(SPEC_FILE.read_text())
SCHEMAS: dict[str, Any] = SPEC["components"]["schemas"]


# -- OpenAPI 3.0 → JSON Schema ---------------------------------------------------------------
def to_json_schema(node: Any, strict: bool = False, seen: tuple[str, ...] = ()) -> Any:
    if isinstance(node, list):
        return [to_json_schema(x, strict, seen) for x in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        ref = node["$ref"]
        assert ref.startswith("#/components/schemas/"), ref
        name = ref.rsplit("/", 1)[1]
        assert name not in seen, f"recursive schema {name}"
        resolved = to_json_schema(SCHEMAS[name], strict, (*seen, name))
        rest = {k: v for k, v in node.items() if k != "$ref"}
        return {"allOf": [resolved, to_json_schema(rest, strict, seen)]} if rest else resolved
    out = {k: to_json_schema(v, strict, seen) for k, v in node.items()
           if k not in ("nullable", "deprecated", "description", "example")}
    if strict and "properties" in out:
        out.setdefault("additionalProperties", False)
    if node.get("nullable"):
        return {"anyOf": [out, {"type": "null"}]}
    return out


def schema(name: str, strict: bool = False) -> dict[str, Any]:
    return to_json_schema({"$ref": f"#/components/schemas/{name}"}, strict)


def validate(instance: Any, json_schema: dict[str, Any]) -> None:
    jsonschema.Draft202012Validator(json_schema).validate(instance)


def operation(method: str, template: str) -> dict[str, Any]:
    ops = SPEC["paths"].get(template)
    assert ops is not None, f"{template} is not in MediaMTX's API"
    op = ops.get(method.lower())
    assert op is not None, f"{template} has no {method}"
    return op


def request_schema(method: str, template: str) -> dict[str, Any]:
    body = operation(method, template)["requestBody"]["content"]["application/json"]["schema"]
    return to_json_schema(body, strict=True)


# -- every request body the service sends ----------------------------------------------------
ENCODERS = ("libx264", "h264_v4l2m2m", "h264_omx", "h264_vaapi", "auto")


def _bodies() -> Iterator[tuple[str, dict[str, Any]]]:
    for encoder in ENCODERS:
        cfg = MediaMTXConfig(video_encoder=encoder, start_timeout=12.5, close_after=90)
        for fourcc in ("MJPG", "YUYV", "H264", "NV12"):
            cam = Camera(id="camera0", kind=CameraKind.USB, name="usb",
                         status=CameraStatus.CONNECTED, device_node="/dev/video0",
                         mode=CameraMode(fourcc, 1280, 720, 30))
            yield f"usb-{fourcc}-{encoder}", path_conf_for(cam, cfg)
        cam = Camera(id="camera1", kind=CameraKind.TEST_PATTERN, name="tp",
                     status=CameraStatus.CONNECTED, mode=CameraMode("testsrc2", 640, 480, 15))
        yield f"test_pattern-{encoder}", path_conf_for(cam, cfg)
    # with stream auth: our one-time-credential publisher in front of ffmpeg
    guarded = PublishGrants("/run/camera-service/publish.sock")
    yield "test_pattern-guarded", path_conf_for(cam, MediaMTXConfig(), guarded)
    cam = Camera(id="camera2", kind=CameraKind.NETWORK, name="net",
                 status=CameraStatus.CONNECTED, source_url="rtsp://user:pw@10.1.2.3:554/s1")
    yield "network", path_conf_for(cam, MediaMTXConfig())
    # start_streaming: the keepalive path (the camera paths above stay as they are)
    yield "keepalive", keepalive_conf("rtsp://127.0.0.1:8554/camera0")
    yield "keepalive-credential", keepalive_conf("rtsp://svc:p%40ss@127.0.0.1:8554/camera0")
    for hdr, rotation in ((False, 0), (True, 180)):
        cam = Camera(id="camera3", kind=CameraKind.CSI, name="csi", status=CameraStatus.CONNECTED,
                     mode=CameraMode("H264", 2304, 1296, 30), device_node="/dev/v4l-subdev0",
                     csi=CsiSettings(cam_index=1, sensor="imx708", hdr=hdr, rotation=rotation))
        yield f"csi-hdr{hdr}-rot{rotation}", path_conf_for(cam, MediaMTXConfig())


BODIES = dict(_bodies())
WRITES = [("POST", "/v3/config/paths/add/{name}"), ("PATCH", "/v3/config/paths/patch/{name}"),
          ("POST", "/v3/config/paths/replace/{name}")]


@pytest.mark.parametrize("write", WRITES, ids=lambda w: w[1].split("/")[-2])
@pytest.mark.parametrize("case", sorted(BODIES))
def test_every_path_configuration_we_send_matches_the_pathconf_schema(
    case: str, write: tuple[str, str]
) -> None:
    validate(BODIES[case], request_schema(*write))


@pytest.mark.parametrize(
    "bad",
    [{"runOnDemandRestartt": True}, {"runOnDemandRestart": "yes"}, {"sourceOnDemand": 1},
     {"runOnDemandCloseAfter": 10}, {"rtspTransport": "carrier-pigeon"}],
)
def test_the_strict_schema_catches_what_mediamtx_would_refuse(bad: dict[str, Any]) -> None:
    with pytest.raises(jsonschema.ValidationError):
        validate(bad, request_schema("POST", "/v3/config/paths/add/{name}"))


def test_the_development_stacks_mediamtx_config_matches_the_globalconf_schema() -> None:
    """``make run``'s MediaMTX configuration (the role's template, loopback addresses)."""
    conf = yaml.safe_load(render_role(Config()))
    assert conf.pop("paths") == {}
    validate(conf, schema("GlobalConf", strict=True))
    assert conf["authMethod"] == "http" and conf["authHTTPExclude"] == []
    assert conf["authHTTPAddress"] == "http://127.0.0.1:8002/mediamtx/auth"
    listeners = [v for k, v in conf.items() if k.endswith("Address") and k != "authHTTPAddress"
                 and v]
    assert listeners and all(v.startswith("127.0.0.1:") for v in listeners), listeners
    assert not (conf["rtmp"] or conf["srt"] or conf["moq"] or conf["metrics"] or conf["pprof"])


# -- every request the client makes ----------------------------------------------------------
def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _template_regex(template: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^?]+", re.escape(template)) + "$")


CLIENT_CALLS: list[tuple[str, Callable[[MediaMTXClient], Any]]] = [
    ("info", lambda c: c.info()),
    ("config_paths_list", lambda c: c.config_paths_list()),
    ("config_path_get", lambda c: c.config_path_get("camera0")),
    ("config_path_add", lambda c: c.config_path_add("camera0", BODIES["network"])),
    ("config_path_patch", lambda c: c.config_path_patch("camera0", BODIES["network"])),
    ("config_path_replace", lambda c: c.config_path_replace("camera0", BODIES["network"])),
    ("config_path_delete", lambda c: c.config_path_delete("camera0")),
    ("paths_list", lambda c: c.paths_list()),
    ("path_get", lambda c: c.path_get("camera0")),
]


@pytest.mark.parametrize(("call", "invoke"), CLIENT_CALLS, ids=[c for c, _ in CLIENT_CALLS])
async def test_every_client_call_is_an_operation_of_the_api(
    call: str, invoke: Callable[[MediaMTXClient], Any]
) -> None:
    seen: list[tuple[str, str, dict[str, str]]] = []

    async def on_start(_s: aiohttp.ClientSession, _c: SimpleNamespace,
                       params: aiohttp.TraceRequestStartParams) -> None:
        seen.append((params.method, params.url.path, dict(params.url.query)))

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(on_start)
    async with aiohttp.ClientSession(trace_configs=[trace]) as session:
        client = MediaMTXClient(session, f"http://127.0.0.1:{_closed_port()}", timeout=2)
        with pytest.raises(MediaMTXUnavailable):
            await invoke(client)
    assert len(seen) == 1
    method, url_path, query = seen[0]
    templates = [t for t in SPEC["paths"] if _template_regex(t).match(url_path)]
    assert templates, f"{method} {url_path} is not an operation of MediaMTX's API"
    op = operation(method, templates[0])
    declared = {p["name"] for p in op.get("parameters", []) if p["in"] == "query"}
    assert set(query) <= declared


# -- responses -------------------------------------------------------------------------------
def sample(node: Any, prop: str = "value") -> Any:
    """An instance of a (converted) schema with every declared field present; strings say
    which field they are (``"confName-value"``), numbers are distinct per field."""
    if "anyOf" in node:
        if {"type": "null"} in node["anyOf"] and _ambiguous(node["anyOf"][0]):
            return None  # codecProps: the spec's oneOf variants overlap, null is valid
        return sample(node["anyOf"][0], prop)
    if "oneOf" in node:
        return sample(node["oneOf"][0], prop)
    if "allOf" in node:
        merged: dict[str, Any] = {}
        for part in node["allOf"]:
            value = sample(part, prop)
            if isinstance(value, dict):
                merged.update(value)
            else:
                return value
        for k, v in node.get("properties", {}).items():
            merged[k] = sample(v, k)
        return merged
    if "enum" in node:
        return node["enum"][0]
    kind = node.get("type")
    if kind == "object" or "properties" in node:
        return {k: sample(v, k) for k, v in node.get("properties", {}).items()}
    if kind == "array":
        return [sample(node.get("items", {}), prop)]
    if kind == "string":
        if node.get("format") == "uuid":
            return "123e4567-e89b-12d3-a456-426614174000"
        return f"{prop}-value"
    if kind == "integer":
        return 100 + len(prop)
    if kind == "number":
        return 1.5
    if kind == "boolean":
        return True
    return {}


def _ambiguous(node: Any) -> bool:
    return isinstance(node, dict) and (
        "oneOf" in node or any(_ambiguous(p) for p in node.get("allOf", [])))


def full(name: str) -> Any:
    instance = sample(schema(name))
    validate(instance, schema(name))  # the sample itself follows the schema
    return instance


def with_unknown_fields(instance: Any) -> Any:
    out = copy.deepcopy(instance)
    if isinstance(out, dict):
        for k, v in list(out.items()):
            out[k] = with_unknown_fields(v)
        out["fieldFromTheFuture"] = {"nested": [1, 2, 3]}
    elif isinstance(out, list):
        out = [with_unknown_fields(x) for x in out]
    return out


@pytest.mark.parametrize(
    ("model", "schema_name"),
    [(Info, "Info"), (PathConf, "PathConf"), (Path, "Path"), (PathSource, "PathSource"),
     (PathReader, "PathReader"), (Page, "PathList"), (Page, "PathConfList")],
)
def test_parsers_read_only_fields_the_schema_declares(model: Any, schema_name: str) -> None:
    declared = set(SCHEMAS[schema_name]["properties"])
    assert set(model.FIELDS) <= declared


def test_info_parser_reads_every_info_field() -> None:
    data = full("Info")
    info = Info.from_json(data)
    assert info == Info(version="version-value", started="started-value")
    assert Info.from_json(with_unknown_fields(data)) == info


def test_path_parser_reads_the_current_field_names() -> None:
    data = full("Path")
    path = Path.from_json(data)
    assert path.name == "name-value"
    assert path.conf_name == "confName-value"
    assert path.ready is True
    assert path.ready_time == "availableTime-value"  # not the deprecated readyTime
    assert path.bytes_sent == data["outboundBytes"]  # not the deprecated bytesSent
    assert path.bytes_received == data["inboundBytes"]
    assert path.source == PathSource(type=data["source"]["type"], id="id-value")
    assert path.readers == (PathReader(type=data["readers"][0]["type"], id="id-value"),)
    assert path.tracks == (data["tracks2"][0]["codec"],)
    assert Path.from_json(with_unknown_fields(data)) == path
    state = path.to_stream_state()
    assert (state.name, state.ready, state.readers, state.bytes_sent) == (
        "name-value", True, 1, data["outboundBytes"])
    assert state.source == data["source"]["type"]


def test_path_parser_falls_back_to_deprecated_fields_of_older_mediamtx() -> None:
    data = full("Path")
    for key in ("available", "availableTime", "inboundBytes", "outboundBytes", "tracks2"):
        del data[key]
    path = Path.from_json(data)
    assert path.ready is True
    assert path.ready_time == "readyTime-value"
    assert path.bytes_sent == data["bytesSent"]
    assert path.bytes_received == data["bytesReceived"]
    assert path.tracks == (data["tracks"][0],)


def test_path_without_source_or_readers_is_idle() -> None:
    data = {**full("Path"), "source": None, "readers": None, "available": False,
            "availableTime": None}
    validate({**data, "readers": []}, schema("Path"))
    path = Path.from_json(data)
    assert (path.source, path.readers, path.ready, path.ready_time) == (None, (), False, None)


def test_path_conf_parser_keeps_the_whole_configuration() -> None:
    data = full("PathConf")
    conf = PathConf.from_json(data)
    assert conf.name == "name-value"
    assert conf.source == "source-value"
    assert conf.source_on_demand is True
    assert conf.run_on_demand == "runOnDemand-value"
    assert dict(conf.raw) == data
    assert PathConf.from_json(with_unknown_fields(data)).name == "name-value"


@pytest.mark.parametrize(("list_schema", "item"), [("PathList", Path.from_json),
                                                   ("PathConfList", PathConf.from_json)])
def test_list_pages_parse(list_schema: str, item: Any) -> None:
    data = full(list_schema)
    page = Page.from_json(with_unknown_fields(data), item, list_schema)
    assert len(page.items) == 1
    assert page.items[0].name == "name-value"
    assert (page.item_count, page.page_count) == (data["itemCount"], data["pageCount"])


def test_error_bodies_keep_mediamtx_text() -> None:
    body = {**full("Error"), "error": "path already exists"}
    err = error_from_response(400, "Bad Request", json.dumps(body).encode())
    assert (err.status, err.detail) == (400, "path already exists")
    assert not isinstance(err, MediaMTXUnavailable)


NAME = {"name": "camera0"}
MALFORMED: list[tuple[Callable[[Any], Any], Any]] = [
    (Info.from_json, []),
    (Info.from_json, "v1.20.1"),
    (Info.from_json, {"version": 1}),
    (Path.from_json, None),
    (Path.from_json, {}),
    (Path.from_json, {"name": 7}),
    (Path.from_json, {**NAME, "available": "yes"}),
    (Path.from_json, {**NAME, "ready": 1}),
    (Path.from_json, {**NAME, "readers": "two"}),
    (Path.from_json, {**NAME, "readers": [5]}),
    (Path.from_json, {**NAME, "outboundBytes": -3}),
    (Path.from_json, {**NAME, "outboundBytes": "12"}),
    (Path.from_json, {**NAME, "bytesSent": 1.5}),
    (Path.from_json, {**NAME, "source": "rtspSource"}),
    (Path.from_json, {**NAME, "source": {"type": 3}}),
    (Path.from_json, {**NAME, "tracks2": [{"codec": 264}]}),
    (Path.from_json, {**NAME, "tracks": [{"codec": "H264"}]}),
    (Path.from_json, {**NAME, "availableTime": 12}),
    (PathConf.from_json, {"name": None}),
    (PathConf.from_json, {**NAME, "sourceOnDemand": "yes"}),
    (PathConf.from_json, {**NAME, "runOnDemand": ["ffmpeg"]}),
    (lambda d: Page.from_json(d, Path.from_json, "path list"), {"items": {}}),
    (lambda d: Page.from_json(d, Path.from_json, "path list"), {"items": [{"name": 1}]}),
    (lambda d: Page.from_json(d, Path.from_json, "path list"), {"items": [], "pageCount": "1"}),
    (lambda d: Page.from_json(d, PathConf.from_json, "path conf list"), [NAME]),
]


@pytest.mark.parametrize(("parse", "data"), MALFORMED, ids=[json.dumps(d) for _, d in MALFORMED])
def test_malformed_responses_are_refused_with_mediamtx_error(parse: Callable[[Any], Any],
                                                             data: Any) -> None:
    with pytest.raises(MediaMTXError, match="malformed MediaMTX response") as info:
        parse(data)
    assert not isinstance(info.value, MediaMTXUnavailable)


def test_stream_state_names_match_the_api_contract() -> None:
    # get_stream_status / get_streams: {name, ready, readers, bytes_sent, source}
    fields = {f.name for f in dataclasses.fields(Path.from_json(full("Path")).to_stream_state())}
    assert {"name", "ready", "readers", "bytes_sent", "source"} <= fields
