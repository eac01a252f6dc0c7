"""A pytest plugin that makes Qt unimportable, to prove the core runs without it.

Used as ``pytest -p tests.support.no_qt tests/core``: any import of PySide6,
shiboken6, pyqtgraph or PyQt raises ImportError, as on a machine without Qt.
"""

from __future__ import annotations

import importlib.abc
import sys

BLOCKED = ("PySide6", "shiboken6", "pyqtgraph", "PyQt5", "PyQt6", "pytestqt")


class _QtBlocker(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname: str, path: object, target: object = None) -> None:
        if fullname.split(".")[0] in BLOCKED:
            raise ImportError(f"{fullname} is blocked: the core must run without Qt")
        return None


for _name in list(sys.modules):
    if _name.split(".")[0] in BLOCKED:
        raise RuntimeError(f"{_name} was imported before the Qt blocker was installed")
sys.meta_path.insert(0, _QtBlocker())


def pytest_sessionfinish(session: object, exitstatus: int) -> None:
    """Fail loudly if anything managed to import Qt anyway."""
    leaked = sorted(name for name in sys.modules if name.split(".")[0] in BLOCKED)
    if leaked:
        raise RuntimeError(f"Qt modules were imported during the core tests: {leaked}")


def pytest_addoption(parser: object) -> None:
    """Declare pytest-qt's ini options, which stay in pyproject while pytest-qt is off."""
    for name in ("qt_api", "qt_log_level_fail"):
        parser.addini(name, "pytest-qt option (pytest-qt is disabled in the Qt-free run)")  # type: ignore[attr-defined]
