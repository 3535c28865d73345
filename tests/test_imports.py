"""Every module of ``camera_service`` imports on its own, first, in a fresh interpreter state
(no other module of ours loaded): no module relies on another having been imported before
it, and no import cycle hides behind an import order that happens to work."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "camera_service"

# one interpreter; before each import every module of ours is dropped from sys.modules, so
# each is imported as the first of ours (third-party libraries stay loaded: that is speed only)
SCRIPT = """
import importlib, sys, traceback
failed = []
for name in sys.argv[1:]:
    for loaded in [m for m in sys.modules if m == "camera_service" or m.startswith("camera_service.")]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except BaseException:
        failed.append(name + ":\\n" + traceback.format_exc())
print("\\n".join(failed))
sys.exit(1 if failed else 0)
"""


def module_names() -> list[str]:
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(SRC).with_suffix("").parts
        if parts[-1] == "__main__":
            continue
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


@pytest.mark.unit
def test_every_source_file_is_a_module_name() -> None:
    names = module_names()
    assert "camera_service" in names and "camera_service.mediamtx.service" in names
    assert len(names) == len(set(names))


@pytest.mark.integration
def test_every_module_imports_on_its_own(tmp_path: Path) -> None:
    # each module is imported again and again (once per module that needs it): compiled once
    # into a private cache instead of from source every time (make exports PYTHONDONTWRITEBYTECODE)
    env = {**os.environ, "PYTHONPATH": str(SRC), "PYTHONPYCACHEPREFIX": str(tmp_path / "pycache")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    r = subprocess.run([sys.executable, "-c", SCRIPT, *module_names()], env=env,
                       capture_output=True, text=True, timeout=300, check=False)
    assert r.returncode == 0, f"modules that do not import on their own:\n{r.stdout}{r.stderr}"
