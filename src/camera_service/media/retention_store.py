"""The retention policy in force, and the file that keeps it across restarts.

Decision: a policy set with ``set_retention_policy`` is an operator's explicit choice, so it
is saved (``retention.json`` in ``storage.state_dir``, written atomically: temporary file,
fsync, ``os.replace``) and, from the next start on, **overrides** ``storage.retention`` of the
configuration file; ``interval`` always comes from the configuration. Which policy is in
force, and from where, is logged once at start. To go back to the configuration's values,
delete the file and restart.

- A missing file: the configuration's policy, silently.
- A file that cannot be read or decoded: a warning with the reason, and the configuration's
  policy; the service never fails to start over it. The file is left where it is, for the
  operator to look at, and replaced by the next ``set_retention_policy``.
- A file that cannot be written: ``StorageError`` (-32050, dependency ``disk``) and the policy
  in force is unchanged, so what the service does never differs from what it would do after
  a restart. The detail sent to the client names the cause, not the path; the log has both.

File I/O runs in the default executor, never on the event loop.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from ..config.model import RetentionConfig
from ..errors import StorageError
from ..models_recordings import RetentionPolicy
from ..statefile import write_atomically
from .retention import decode_policy, describe_policy, encode_policy, validate_policy

log = logging.getLogger(__name__)

FILE_NAME = "retention.json"
LOG = {"COMPONENT": "storage"}


def config_policy(retention: RetentionConfig) -> RetentionPolicy:
    r = retention
    return RetentionPolicy(r.enabled, r.policy_type, r.max_age_days, r.max_size_gb)


class PolicyStore:
    """The policy in force (``policy``), the configuration's until ``await load()`` finds a
    saved one. ``load`` reads the file once; later calls do nothing."""

    def __init__(self, path: Path, default: RetentionPolicy) -> None:
        self.path = Path(path)
        self.policy = default
        self._loaded = False
        self._lock = asyncio.Lock()

    async def load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        saved = await asyncio.get_running_loop().run_in_executor(None, self._read)
        source = "the configuration (storage.retention)"
        if saved is not None:
            self.policy = saved
            source = f"{self.path}, set with set_retention_policy (overrides storage.retention)"
        log.info("retention policy: %s; from %s", describe_policy(self.policy), source, extra=LOG)

    async def set(self, policy: RetentionPolicy) -> RetentionPolicy:
        """Save ``policy``, then put it in force; raises ``InvalidParams`` for an invalid one
        and ``StorageError`` when it cannot be saved (the policy in force stays)."""
        policy = validate_policy(policy)
        # shielded: a caller that goes away mid-write must not leave the file and memory apart
        await asyncio.shield(self._save(policy))
        return policy

    async def _save(self, policy: RetentionPolicy) -> None:
        text = encode_policy(policy)
        async with self._lock:  # one write at a time: they share the temporary file's name
            try:
                await asyncio.get_running_loop().run_in_executor(
                    None, write_atomically, self.path, text
                )
            except OSError as e:
                reason = e.strerror or str(e)
                log.warning("cannot save the retention policy to %s (%s); still %s", self.path,
                            reason, describe_policy(self.policy), extra=LOG)
                raise StorageError(f"cannot save the retention policy: {reason}") from e
            self.policy = policy
        log.info("retention policy now: %s; saved to %s", describe_policy(policy), self.path,
                 extra=LOG)

    def _read(self) -> RetentionPolicy | None:
        try:
            text = self.path.read_text(encoding="utf-8")
            return decode_policy(text)
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as e:
            reason = e.strerror or str(e)
        except ValueError as e:  # bad JSON, bad fields, bad UTF-8
            reason = str(e)
        log.warning("saved retention policy %s is unusable (%s); using storage.retention of the "
                    "configuration until set_retention_policy saves a new one", self.path, reason,
                    extra=LOG)
        return None
