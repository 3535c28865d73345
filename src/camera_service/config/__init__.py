"""Configuration: schema (voluptuous: ``schema`` per section, ``camera_schema`` for ``cameras``,
``validators`` the generic checks), loading (YAML → frozen dataclasses), defaults."""

from .load import effective_yaml, load_config, parse_yaml, validate
from .model import DEFAULT_CONFIG_PATH, Config

__all__ = ["DEFAULT_CONFIG_PATH", "Config", "effective_yaml", "load_config", "parse_yaml", "validate"]
