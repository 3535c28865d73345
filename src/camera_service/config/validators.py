"""The generic validators of the configuration schema (voluptuous), each a plain function
that returns the value or raises ``vol.Invalid`` with a message that says what was expected
and what was found, so the loader can print
``mediamtx.api_url: expected a URL, got 'localhost:9997'``. Pure: no files, no sections.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import voluptuous as vol

CAMERA_ID = re.compile(r"^camera\d+$")


def got(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


_PATH_PART = re.compile(r"\[(\d+)\]|([^.\[\]]+)")


def invalid_at(error: ValueError, where: list[Any]) -> vol.Invalid:
    """A pure parser's ``ValueError("key.path[0]: reason")`` as voluptuous' error at
    ``where`` + that key path, so the message names the whole key."""
    key, _, reason = str(error).partition(": ")
    parts = [int(i) if i else name for i, name in _PATH_PART.findall(key)]
    return vol.Invalid(reason or str(error), path=[*where, *parts])


def kind_of(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), type(value).__name__
    )


def integer(lo: int | None = None, hi: int | None = None) -> Any:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise vol.Invalid(f"expected an integer, got {got(value)}")
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            bounds = f"{lo}..{hi}" if hi is not None else f">= {lo}"
            raise vol.Invalid(f"expected an integer in {bounds}, got {value}")
        return value

    return check


def number(lo: float = 0.0, *, strict: bool = True) -> Any:
    """A non-negative (or > lo when strict) int or float, not a boolean."""

    def check(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise vol.Invalid(f"expected a number, got {got(value)}")
        if value != value or value in (float("inf"), float("-inf")):
            raise vol.Invalid(f"expected a finite number, got {value}")
        if (strict and value <= lo) or (not strict and value < lo):
            raise vol.Invalid(f"expected a number {'>' if strict else '>='} {lo:g}, got {value}")
        return float(value)

    return check


PORT = integer(1, 65535)


def boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise vol.Invalid(f"expected true or false, got {got(value)}")
    return value


def string(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise vol.Invalid(f"expected a non-empty string, got {got(value)}")
    return value


def one_of(*choices: str, fold: bool = False) -> Any:
    def check(value: Any) -> str:
        v = value.upper() if fold and isinstance(value, str) else value
        if v not in choices:
            raise vol.Invalid(f"expected one of {', '.join(choices)}, got {got(value)}")
        return str(v)

    return check


def url(*schemes: str) -> Any:
    def check(value: Any) -> str:
        if not isinstance(value, str):
            raise vol.Invalid(f"expected a URL, got {got(value)}")
        try:
            parts = urlsplit(value)
            parts.port  # noqa: B018 - raises ValueError for a bad port
        except ValueError as e:
            raise vol.Invalid(f"expected a URL, got {got(value)} ({e})") from None
        if parts.scheme not in schemes or not parts.hostname:
            want = "/".join(f"{s}://" for s in schemes)
            raise vol.Invalid(f"expected a URL ({want}HOST...), got {got(value)}")
        return value

    return check


def host(value: Any) -> str:
    if not isinstance(value, str) or not value or any(c in value for c in " /\t\n"):
        raise vol.Invalid(f"expected a host name or address, got {got(value)}")
    return value


def path(value: Any) -> str:
    if not isinstance(value, str) or not value or "\0" in value:
        raise vol.Invalid(f"expected a file system path, got {got(value)}")
    return value


def string_list(item: Any) -> Any:
    def check(value: Any) -> list[Any]:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            raise vol.Invalid(f"expected a list, got {kind_of(value)}")
        return value

    return vol.All(check, [item])


def mapping(schema: dict[Any, Any]) -> vol.Schema:
    return vol.Schema(schema, extra=vol.PREVENT_EXTRA)


def section(schema: dict[Any, Any]) -> Any:
    inner = mapping(schema)

    def check(value: Any) -> Any:
        if value is None:
            value = {}
        if not isinstance(value, dict):
            raise vol.Invalid(f"expected a mapping, got {kind_of(value)}")
        return inner(value)

    return check


def camera_id(value: Any) -> str:
    if not isinstance(value, str) or not CAMERA_ID.match(value):
        raise vol.Invalid(f"expected an id like camera0, got {got(value)}")
    return value


def base_url(value: Any) -> str | None:
    """A base URL for download links (or null): http(s), no ``?query`` or ``#fragment``."""
    if value is None:
        return None
    url("http", "https")(value)
    parts = urlsplit(value)
    if parts.query or parts.fragment:
        raise vol.Invalid(f"expected a base URL without ?query or #fragment, got {got(value)}")
    return value


def host_or_cidr(value: Any) -> str:
    import ipaddress

    if isinstance(value, str) and "/" in value:
        try:
            ipaddress.ip_network(value, strict=False)
        except ValueError as e:
            raise vol.Invalid(f"expected a CIDR range like 192.168.1.0/24, got {got(value)} ({e})") from None
        return value
    return host(value)


def cidr(value: Any) -> str:
    """A CIDR range (``10.0.0.0/8``, ``fc00::/7``) or one address, taken as its /32 or /128."""
    import ipaddress

    if not isinstance(value, str):
        raise vol.Invalid(f"expected a CIDR range like 192.168.1.0/24, got {got(value)}")
    try:
        ipaddress.ip_network(value, strict=True)
    except ValueError as e:
        raise vol.Invalid(f"expected a CIDR range like 192.168.1.0/24, got {got(value)} ({e})") from None
    return value


def rtsp_path(value: Any) -> str:
    if not isinstance(value, str) or any(c in value for c in " \t\r\n\0?#"):
        raise vol.Invalid(f"expected an RTSP path like /live, got {got(value)}")
    return value
