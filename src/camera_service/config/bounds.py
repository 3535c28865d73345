"""Bounds on a configuration file, so that reading it costs linear time (pure).

Before parsing (``check_text``): at most ``MAX_BYTES``, and nesting at most ``MAX_NESTING``
deep by a conservative count (indentation columns + brackets open + ``- - -`` on one line,
quotes ignored): PyYAML's parser costs time quadratic in the depth (1000 levels of ``[``
took seconds), while a real configuration nests a dozen levels.

After parsing (``expanded_size``): YAML aliases share one node, so a few lines
(``a1: &a1 [*a0, *a0]``, ``a2: &a2 [*a1, *a1]``, ...) stand for 2**n values: the parser
is linear, but everything that walks the result (schema validation, ``--check-config``
printing it) is exponential. Counting with one memo per shared object is linear in the
document and says how big the walk would be; a document that refers to itself is
reported too.
"""

from __future__ import annotations

import re
from typing import Any

MAX_VALUES = 100_000  # far above any real configuration (a few hundred values)
MAX_BYTES = 1 << 20  # a real one is a few KB
MAX_NESTING = 100

_INDENT = re.compile(r"^[ \t]*+", re.M)
_COMPACT = re.compile(r"^[ \t]*+((?:[-?:][ \t]++)++)", re.M)  # "- - - x": one level each
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_FOLD = str.maketrans("{}", "[]")


class TooBig(ValueError):
    pass


def nesting_bound(text: str) -> int:
    """An upper bound of how deep ``text`` nests as YAML (never below the real depth)."""
    indent = max(map(len, _INDENT.findall(text)), default=0)
    compact = max((len(m.split()) for m in _COMPACT.findall(text)), default=0)
    brackets = _NOT_BRACKET.sub("", text).translate(_FOLD)
    return indent + compact + _bracket_depth(brackets)


def _bracket_depth(skeleton: str) -> int:
    from ..rpc.nesting import max_depth  # the same linear scan as for JSON frames

    return max_depth(skeleton.encode("ascii"))


def check_text(text: str) -> None:
    """Raises ``TooBig`` for a text too big or too deep to parse in linear time."""
    if len(text) > MAX_BYTES:
        raise TooBig(f"it is over {MAX_BYTES // 1024} KiB")
    if nesting_bound(text) > MAX_NESTING:
        raise TooBig(f"it nests deeper than {MAX_NESTING} levels (indentation, brackets, '- - -')")


def expanded_size(data: Any, limit: int = MAX_VALUES) -> int:
    """The number of values (scalars, lists and mappings, keys included) ``data`` has when
    walked; raises ``TooBig`` past ``limit`` or on a cycle."""
    memo: dict[int, int] = {}
    active: set[int] = set()

    def size(value: Any) -> int:
        if not isinstance(value, dict | list):
            return 1
        key = id(value)
        if key in memo:
            return memo[key]
        if key in active:
            raise TooBig("it refers to itself (a YAML alias inside its own anchor)")
        active.add(key)
        items = [*value.keys(), *value.values()] if isinstance(value, dict) else value
        total = 1
        for item in items:
            total += size(item)
            if total > limit:
                raise TooBig(f"it stands for more than {limit} values (YAML aliases that multiply?)")
        active.discard(key)
        memo[key] = total
        return total

    return size(data)
