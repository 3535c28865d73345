"""``camera-service``: argv → config → logging → ``asyncio.run(app.run(...))``; errors → exit codes.

Exit codes: 0 clean stop, 78 configuration error, also a key file, secret file or state
folder that other users can write (EX_CONFIG; the unit's
``RestartPreventExitStatus=78`` stops a restart loop), 1 anything else.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from . import __version__
from .config import DEFAULT_CONFIG_PATH, effective_yaml, load_config
from .config.permissions import check_permissions
from .errors import CameraServiceError, ConfigError

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_CONFIG = 78

log = logging.getLogger("camera_service")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="camera-service", description=__doc__.splitlines()[0])
    p.add_argument("--config", "-c", type=Path, default=DEFAULT_CONFIG_PATH,
                   help=f"configuration file (default {DEFAULT_CONFIG_PATH})")
    p.add_argument("--check-config", action="store_true",
                   help="validate the configuration, print the effective config (secrets masked) and exit")
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return p


def _config_failed(error: ConfigError, path: Path) -> int:
    print(f"camera-service: invalid configuration in {path}:", file=sys.stderr)
    for line in error.lines():
        print(f"  {line}", file=sys.stderr)
    return EXIT_CONFIG


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        config = load_config(args.config)
        warnings = check_permissions(config)  # others can write a secret or the state: 78
    except ConfigError as e:
        return _config_failed(e, args.config)
    if args.check_config:
        for line in warnings:
            print(f"camera-service: warning: {line}", file=sys.stderr)
        sys.stdout.write(effective_yaml(config))
        print(f"camera-service: configuration {args.config} is valid", file=sys.stderr)
        return EXIT_OK

    from .app import run
    from .logs import setup_logging
    from .systemd import Notifier

    setup_logging(config.logging)
    for line in warnings:
        log.warning("%s", line, extra={"COMPONENT": "config"})
    notifier = Notifier()
    try:
        return asyncio.run(run(config, notifier))
    except ConfigError as e:
        return _config_failed(e, args.config)
    except (CameraServiceError, OSError) as e:
        log.error("camera-service failed: %s", e)
        notifier.notify(f"STATUS=failed: {e}")
        return EXIT_FAILURE
    except Exception:
        log.exception("camera-service failed unexpectedly")
        return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
