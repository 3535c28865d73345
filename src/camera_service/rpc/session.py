"""Per-connection state: who is calling, what they subscribed to, their rate bucket."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from ..models import Notification
from .auth import Principal, Role
from .ratelimit import TokenBucket


@dataclass
class Session:
    bucket: TokenBucket | None = None
    session_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    principal: Principal | None = None
    topics: frozenset[str] | None = None  # None: never subscribed, gets everything
    devices: frozenset[str] | None = None  # None: every device

    @property
    def role(self) -> Role | None:
        return self.principal.role if self.principal else None

    def wants(self, note: Notification) -> bool:
        if self.principal is None:
            return False
        if self.topics is not None and note.topic not in self.topics:
            return False
        return self.devices is None or note.device is None or note.device in self.devices
