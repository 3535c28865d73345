"""One entry of the method table (``Method``) and the parameters many methods share."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from .auth import Role
from .context import RpcContext
from .params import Param
from .session import Session

Handler = Callable[[RpcContext, Session, dict[str, Any]], Awaitable[Any]]


@dataclass(frozen=True)
class Method:
    name: str
    role: Role | None
    handler: Handler
    summary: str
    params: tuple[Param, ...] = ()
    result: str = "object"  # JSON type of the result, for OpenRPC
    result_schema: dict[str, Any] | None = None  # compat.json's (rpc.schemas), when not given
    acts: bool = False  # changes the service's state: the result carries ``success: true``


DEVICE = Param(
    "device", "string", required=True, max_length=64,
    description="camera id, e.g. camera0 (or the device node of a USB camera, e.g. /dev/video0)",
)  # fmt: skip
