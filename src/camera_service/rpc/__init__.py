"""The JSON-RPC 2.0 API core: protocol (pure), errors, auth, method table, presenters.

Nothing here knows about WebSockets or HTTP; ``web.server`` carries it."""

from ..models import TOPICS
from .auth import Authenticator, Principal, Role
from .context import RpcContext
from .errors import RpcError
from .methods import METHODS, Dispatcher
from .metrics import ApiMetrics
from .session import Session

__all__ = [
    "METHODS",
    "TOPICS",
    "ApiMetrics",
    "Authenticator",
    "Dispatcher",
    "Principal",
    "Role",
    "RpcContext",
    "RpcError",
    "Session",
]
