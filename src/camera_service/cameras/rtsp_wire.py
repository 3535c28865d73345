"""RTSP discovery without I/O: what to ask (host specs and CIDR ranges expanded with a cap,
candidate URLs) and how to read the answer (a DESCRIBE request, the status line, the
headers, the video codecs of an SDP body). ``rtsp_describe`` does the talking."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

MAX_HEADER_BYTES = 16 * 1024  # a DESCRIBE reply's status line and headers
MAX_BODY_BYTES = 64 * 1024  # its SDP
USER_AGENT = "camera-service-discovery"
_STATUS = re.compile(r"^RTSP/(\d)\.(\d) (\d{3})(?: (.*))?$")
_RTPMAP = re.compile(r"^a=rtpmap:\d+ ([A-Za-z0-9_.-]+)/", re.MULTILINE)


class WireError(ValueError):
    """An answer that is not RTSP (the text says what was wrong)."""


@dataclass(frozen=True)
class Candidate:
    host: str
    port: int
    path: str  # with its leading "/"
    kind: str  # "skydio" or "generic_rtsp"

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"rtsp://{host}:{self.port}{self.path}"


@dataclass(frozen=True)
class Reply:
    status: int
    reason: str
    headers: dict[str, str]  # names in lower case

    @property
    def content_length(self) -> int:
        try:
            return max(0, int(self.headers.get("content-length", "0")))
        except ValueError:
            return 0


# -- what to ask ----------------------------------------------------------------------------
def expand_hosts(specs: Iterable[str], cap: int) -> tuple[list[str], list[str]]:
    """The addresses of ``specs`` (host names, addresses, CIDR ranges such as
    ``192.168.1.0/28``; a range's network and broadcast addresses are left out), in order,
    without repeats, at most ``cap`` of them. Returns ``(hosts, problems)``: a problem says
    which spec was cut short."""
    hosts: list[str] = []
    seen: set[str] = set()
    problems: list[str] = []
    for spec in specs:
        if "/" not in spec:
            items: Iterable[str] = [spec]
        else:
            try:
                net = ipaddress.ip_network(spec, strict=False)
            except ValueError as e:
                problems.append(f"{spec}: not a CIDR range ({e})")
                continue
            items = (str(a) for a in (net.hosts() if net.num_addresses > 2 else net))
        for host in items:
            if host in seen:
                continue
            if len(hosts) >= cap:
                problems.append(f"{spec}: stopped at the cap of {cap} hosts")
                return hosts, problems
            seen.add(host)
            hosts.append(host)
    return hosts, problems


def normalize_path(path: str) -> str:
    return path if path.startswith("/") else f"/{path}"


def candidates(
    hosts: Sequence[str], groups: Sequence[tuple[str, Sequence[int], Sequence[str]]]
) -> list[Candidate]:
    """Every ``(host, port, path)`` of each ``(kind, ports, paths)`` group, host by host."""
    out: list[Candidate] = []
    seen: set[tuple[str, int, str]] = set()
    for host in hosts:
        for kind, ports, paths in groups:
            for port in ports:
                for path in paths:
                    key = (host, port, normalize_path(path))
                    if key not in seen:
                        seen.add(key)
                        out.append(Candidate(host, port, key[2], kind))
    return out


def describe_request(url: str, cseq: int = 1) -> bytes:
    if any(c in url for c in "\r\n\0 "):
        raise WireError("the URL contains a space or line break")
    return (
        f"DESCRIBE {url} RTSP/1.0\r\n"
        f"CSeq: {cseq}\r\n"
        "Accept: application/sdp\r\n"
        f"User-Agent: {USER_AGENT}\r\n"
        "\r\n"
    ).encode("ascii")


# -- how to read the answer ----------------------------------------------------------------
def parse_status_line(line: str) -> tuple[int, str]:
    """``RTSP/1.0 200 OK`` -> ``(200, "OK")``; raises ``WireError`` for anything else."""
    m = _STATUS.match(line.rstrip("\r\n"))
    if not m:
        shown = line[:40].encode("unicode_escape").decode("ascii")
        raise WireError(f"not an RTSP status line: {shown!r}")
    return int(m.group(3)), (m.group(4) or "").strip()


def parse_headers(lines: Iterable[str]) -> dict[str, str]:
    """``Name: value`` lines -> ``{name in lower case: value}``; continuation lines (leading
    white space) extend the previous header; a line without ``:`` is a ``WireError``."""
    headers: dict[str, str] = {}
    last = ""
    for raw in lines:
        line = raw.rstrip("\r\n")
        if not line:
            continue
        if line[0] in " \t" and last:
            headers[last] += " " + line.strip()
            continue
        name, colon, value = line.partition(":")
        if not colon or not name.strip():
            raise WireError(f"not a header line: {line[:40]!r}")
        last = name.strip().lower()
        headers[last] = value.strip()
    return headers


def parse_reply_head(head: bytes) -> Reply:
    """The status line and headers (everything up to the empty line) of a reply."""
    if len(head) > MAX_HEADER_BYTES:
        raise WireError(f"reply headers longer than {MAX_HEADER_BYTES} bytes")
    text = head.decode("iso-8859-1")
    first, _, rest = text.partition("\n")
    status, reason = parse_status_line(first)
    return Reply(status, reason, parse_headers(rest.split("\n")))


def sdp_codecs(sdp: str) -> tuple[str, ...]:
    """The encodings of an SDP's ``a=rtpmap`` lines, upper case, in order, no repeats."""
    out: list[str] = []
    for name in _RTPMAP.findall(sdp):
        if name.upper() not in out:
            out.append(name.upper())
    return tuple(out)


def found(reply: Reply) -> bool:
    """A stream answers at this URL: 200, or 401 (it is there but needs credentials)."""
    return reply.status in (200, 401)
