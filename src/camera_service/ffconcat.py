"""ffconcat scripts: how ffmpeg and ffprobe open a URL that must not appear on their command
line (every local user can read ``/proc/<pid>/cmdline``). The script names the URL and its
input options and reaches the process on a pipe (``-f concat -safe 0 -protocol_whitelist
PROTOCOLS -i pipe:0``). Pure: used by the ffprobe health check (``cameras.network``) and the
ffmpeg readers (``media.reader_input``)."""

from __future__ import annotations

# what the process may open: the script on its stdin, then the camera
PROTOCOLS = "pipe,rtsp,rtsps,rtp,srtp,tcp,udp,tls,http,https,httpproxy,crypto"
SCRIPT_INPUT = "pipe:0"


def script(url: str, options: list[tuple[str, str]]) -> str:
    """An ffconcat script that opens ``url`` with ``options``; raises ``ValueError`` for a
    URL with a line break (it would end the ``file`` line and start another directive)."""
    if any(c in url for c in "\r\n\0"):
        raise ValueError("the camera URL contains a line break")
    quoted = "'" + url.replace("'", "'\\''") + "'"  # ' ends the quote, \' is one quote
    lines = ["ffconcat version 1.0", f"file {quoted}"]
    lines += [f"option {key} {value}" for key, value in options]
    return "\n".join(lines) + "\n"


def files_script(paths: list[str]) -> str:
    """An ffconcat script that plays local files one after the other (the concat demuxer
    shifts each file's timestamps to follow the one before); raises ``ValueError`` as
    ``script`` does."""
    lines = ["ffconcat version 1.0"]
    for path in paths:
        if any(c in path for c in "\r\n\0"):
            raise ValueError("a file name contains a line break")
        lines.append("file '" + path.replace("'", "'\\''") + "'")
    return "\n".join(lines) + "\n"
