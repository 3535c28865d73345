"""Run as another user (``nobody``) by ``test_publish_attack_live``: harvest every credential
this user can see (``/proc/*/cmdline``, the ``/proc/*/environ`` it may read, world-readable
files under the given folders) and try to publish with each to each camera path (an RTSP
ANNOUNCE with Basic auth). Prints JSON: how many tries, which were accepted, and whether
the camera publisher's command line was among what it saw. Standard library only: it runs
under the system's python3, not the test venv.

    python3 harvest_attack.py RTSP_PORT PATH[,PATH…] [--newer-than=EPOCH] [ROOT…] < earlier.json

``--newer-than`` reads only the files modified since then: the credentials under attack are
made by the stack the test started after that time, so an older file cannot hold one, and a
shared /tmp full of other checkouts would otherwise fill the candidate list with noise (and
take most of a minute to read).
"""

from __future__ import annotations

import base64
import json
import os
import re
import socket
import stat
import sys
from concurrent.futures import ThreadPoolExecutor

URL_USERINFO = re.compile(r"[a-z][a-z0-9+.-]*://([^/@\s:]+):([^/@\s]+)@")
WORD = re.compile(r"[A-Za-z0-9._~%+=-]{16,256}")
PUBLISHER = "camera-service-publisher"  # the user name our one-time credentials carry
MAX_PAIRS = 3000
MAX_FILE = 1 << 20
SDP = ("v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=attack\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\n"
       "m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=control:trackID=0\r\n")


def texts(roots: list[str], newer_than: float = 0.0) -> tuple[list[str], bool]:
    seen_publisher = False
    out: list[str] = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        for name in ("cmdline", "environ"):
            try:
                with open(f"/proc/{pid}/{name}", "rb") as f:
                    text = f.read().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue  # gone, or not ours to read
            seen_publisher = seen_publisher or (name == "cmdline" and "camera_service.publisher" in text)
            out.append(text)
    for root in roots:
        for folder, _, files in os.walk(root):
            for name in files:
                path = os.path.join(folder, name)
                try:
                    st = os.lstat(path)
                    if (not stat.S_ISREG(st.st_mode) or st.st_size > MAX_FILE
                            or st.st_mtime < newer_than):
                        continue
                    with open(path, "rb") as f:
                        out.append(f.read().decode(errors="replace"))
                except OSError:
                    continue
    return out, seen_publisher


def secret_like(word: str) -> bool:
    """Random-looking: upper, lower case and digits (a generated password or token), not a
    file name or an option."""
    return (any(c.isupper() for c in word) and any(c.islower() for c in word)
            and any(c.isdigit() for c in word))


def candidates(found: list[str]) -> list[list[str]]:
    pairs: dict[tuple[str, str], None] = {}
    for text in found:
        for user, password in URL_USERINFO.findall(text):
            pairs[(user, password)] = None
    for text in found:
        for word in WORD.findall(text):
            if secret_like(word):
                pairs[(PUBLISHER, word)] = None
    return [list(p) for p in list(pairs)[:MAX_PAIRS]]


def announce(port: int, path: str, user: str, password: str) -> str:
    auth = base64.b64encode(f"{user}:{password}".encode()).decode()
    request = (f"ANNOUNCE rtsp://127.0.0.1:{port}/{path} RTSP/1.0\r\nCSeq: 1\r\n"
               f"Authorization: Basic {auth}\r\nContent-Type: application/sdp\r\n"
               f"Content-Length: {len(SDP)}\r\n\r\n{SDP}")
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=15) as s:
            s.sendall(request.encode())
            return s.makefile("rb").readline().decode(errors="replace").strip()
    except OSError as e:
        return f"no answer: {e}"


def main() -> int:
    port, paths, rest = int(sys.argv[1]), sys.argv[2].split(","), sys.argv[3:]
    newer_than = 0.0
    if rest and rest[0].startswith("--newer-than="):
        newer_than = float(rest.pop(0).split("=", 1)[1])
    earlier = json.load(sys.stdin)
    found, seen_publisher = texts(rest, newer_than)
    pairs = candidates(found)
    pairs += [p for p in earlier if p not in pairs]
    tries = [(user, password, path) for user, password in pairs for path in paths]
    # in parallel: MediaMTX may pause after failed attempts to slow guessing down
    with ThreadPoolExecutor(32) as pool:
        statuses = list(pool.map(lambda t: announce(port, t[2], t[0], t[1]), tries))
    accepted = [[*t, status] for t, status in zip(tries, statuses, strict=True)
                if " 200 " in status + " "]
    print(json.dumps({"tries": len(tries), "accepted": accepted, "candidates": pairs,
                      "saw_publisher": seen_publisher, "uid": os.getuid()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
