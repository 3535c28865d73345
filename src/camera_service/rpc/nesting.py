"""How deep a JSON text nests, in linear time and at C speed, before it is decoded.

``json.loads`` recurses once per array/object level, so a frame nested thousands deep runs
towards Python's recursion limit (where even the garbage collector's callbacks fail). This
check answers first, and must itself cost no more than a few passes over the text whatever
the text is: a regex that retries from every ``"`` of a string that never closes made one
1 MiB frame cost minutes (issue 24).

Each step is one pass of a C-level bytes operation; no step can backtrack:

1. escapes: ``\\\\`` pairs, then ``\\"`` pairs, are dropped (left to right, as the JSON
   lexer pairs them), so what is left of a string has no ``"`` but its two ends;
2. only brackets and quotes are kept, ``{``/``}`` folded into ``[``/``]``, and ``""`` pairs
   dropped (two quotes in a row change no other byte's side of a string);
3. the skeleton: splitting on ``"`` gives what is outside strings at the even indices (a
   string that never closes runs to the end, as it does for the lexer);
4. where a run of closers meets a run of openers (``]]][[``: one value closed, the next
   opened), ``]``*k ``[``*k is dropped from the middle for k = 32, 16, ..., 1: each drop
   keeps the deepest point (the depths on both sides of the dip stay), and one pass per k
   removes every such meeting up to 63 deep, so few runs of brackets are left;
5. the deepest point is the largest (opens so far minus closes so far) at the end of a run of
   opens, from the running sums of the run lengths.

For valid JSON the answer is exact. For invalid JSON it is never lower than the depth the
decoder reaches before it stops at the first error (the text up to there is valid, and every
step keeps its depths); it may be higher (a stray ``]`` or backslash is not held against the
rest), which refuses a frame that would fail to decode anyway.
"""

from __future__ import annotations

import operator
import re
from itertools import accumulate, chain

_NOT_STRUCTURE = bytes(c for c in range(256) if c not in b'[]{}"')  # bytes.translate's deletions
_FOLD = bytes.maketrans(b"{}", b"[]")
_DIPS = tuple(b"]" * k + b"[" * k for k in (32, 16, 8, 4, 2, 1))
_RUNS = re.compile(rb"\[+|\]+")  # a two-letter alphabet: each match is one maximal run


def skeleton(data: bytes) -> bytes:
    """The brackets outside strings, ``{}`` folded into ``[]``."""
    data = data.replace(b"\\\\", b"").replace(b'\\"', b"")
    data = data.translate(_FOLD, _NOT_STRUCTURE).replace(b'""', b"")
    return b"".join(data.split(b'"')[::2])


def max_depth(data: bytes) -> int:
    """The deepest nesting of ``data`` (see the module docstring for invalid JSON)."""
    s = skeleton(data).lstrip(b"]")
    for dip in _DIPS:
        s = s.replace(dip, b"")
    runs = list(map(len, _RUNS.findall(s)))
    opened = accumulate(runs[0::2])
    closed = chain((0,), accumulate(runs[1::2]))
    return max(map(operator.sub, opened, closed), default=0)


def nests_deeper(text: str | bytes, limit: int) -> bool:
    """Whether arrays and objects in ``text`` nest more than ``limit`` deep (brackets in
    strings do not count). A text with at most ``limit`` opening brackets is answered by
    two counts."""
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    if data.count(b"[") + data.count(b"{") <= limit:
        return False
    return max_depth(data) > limit
