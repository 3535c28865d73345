"""Parameter declarations: one ``Param`` both validates a call and describes it in OpenRPC."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from .errors import RpcError, invalid_params

_TYPE_WORDS = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean",
    "array": "an array",
    "object": "an object",
}


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    required: bool = False
    default: Any = None
    description: str = ""
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False
    enum: tuple[str, ...] | None = None
    max_length: int = 1024
    items: str | None = None  # element type of an array

    def schema(self) -> dict[str, Any]:
        s: dict[str, Any] = {"type": self.type}
        if self.minimum is not None:
            s["exclusiveMinimum" if self.exclusive_minimum else "minimum"] = self.minimum
        if self.maximum is not None:
            s["maximum"] = self.maximum
        if self.enum is not None:
            s["enum"] = list(self.enum)
        if self.type == "string":
            s["maxLength"] = self.max_length
        if self.items:
            s["items"] = {"type": self.items}
        if self.default is not None:
            s["default"] = self.default
        return s

    def check(self, value: Any) -> Any:
        """The value, converted where JSON is loose (``10.0`` as an integer); raises -32602."""
        t = self.type
        bad = invalid_params(self.name, f"'{self.name}' must be {_TYPE_WORDS[t]}, got {_kind(value)}")
        if t == "string":
            if not isinstance(value, str):
                raise bad
            if len(value) > self.max_length:
                raise invalid_params(self.name, f"'{self.name}' is longer than {self.max_length}")
            if self.enum is not None and value not in self.enum:
                raise invalid_params(self.name, f"'{self.name}' must be one of {', '.join(self.enum)}")
            return value
        if t == "boolean":
            if not isinstance(value, bool):
                raise bad
            return value
        if t in ("integer", "number"):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise bad
            if isinstance(value, float) and not math.isfinite(value):
                raise invalid_params(self.name, f"'{self.name}' must be finite")
            if t == "integer":
                if isinstance(value, float) and not value.is_integer():
                    raise bad
                value = int(value)
            self._range(value)
            return value
        if t == "array":
            if not isinstance(value, list):
                raise bad
            if self.items == "string" and not all(isinstance(v, str) for v in value):
                raise invalid_params(self.name, f"'{self.name}' must hold only strings")
            return value
        if not isinstance(value, dict):
            raise bad
        return value

    def _range(self, value: float) -> None:
        lo, hi = self.minimum, self.maximum
        if lo is not None and (value <= lo if self.exclusive_minimum else value < lo):
            word = "greater than" if self.exclusive_minimum else "at least"
            raise invalid_params(self.name, f"'{self.name}' must be {word} {lo:g}")
        if hi is not None and value > hi:
            raise invalid_params(self.name, f"'{self.name}' must be at most {hi:g}")


def bind(params: tuple[Param, ...], given: dict[str, Any] | list[Any] | None) -> dict[str, Any]:
    """Checked arguments by name. Positional arrays map onto the declared order. Names that
    are not declared are ignored (older clients send extras), so a typo in an optional name
    is silently dropped while a missing required one is reported."""
    if given is None:
        given = {}
    if isinstance(given, list):
        if len(given) > len(params):
            raise RpcError(
                -32602,
                f"Invalid params: at most {len(params)} positional parameter(s)",
                {"param": "params"},
            )
        given = {p.name: v for p, v in zip(params, given, strict=False)}
    out: dict[str, Any] = {}
    for p in params:
        if p.name in given and given[p.name] is not None:
            out[p.name] = p.check(given[p.name])
        elif p.required:
            raise invalid_params(p.name, f"missing required parameter '{p.name}'")
        else:
            out[p.name] = p.default
    return out
