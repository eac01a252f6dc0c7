"""House rules that keep the architecture honest."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORE = ROOT / "console" / "core"
QT_PACKAGES = {"PySide6", "shiboken6", "pyqtgraph", "PyQt5", "PyQt6"}
CLOCK_CALLS = {("time", "time"), ("datetime", "now"), ("datetime", "utcnow"), ("date", "today")}


def _core_files() -> list[Path]:
    return sorted(CORE.rglob("*.py"))


def _imported_roots(tree: ast.AST) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_core_source_imports_no_qt() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            _imported_roots(ast.parse(path.read_text())) & QT_PACKAGES
        )
        for path in _core_files()
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_core_reads_time_only_through_clocks() -> None:
    offenders = []
    for path in _core_files():
        if path.name == "clock.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                value = node.func.value
                name = value.id if isinstance(value, ast.Name) else getattr(value, "attr", "")
                if (name, node.func.attr) in CLOCK_CALLS:
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


def test_every_core_module_imports_with_qt_unavailable() -> None:
    modules = [
        ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for path in _core_files()
        if "migrations" not in path.parts
    ]
    script = (
        "import sys, importlib\n"
        "import tests.support.no_qt\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "leaked = [m for m in sys.modules if m.split('.')[0] in tests.support.no_qt.BLOCKED]\n"
        "assert not leaked, leaked\n"
        "print('ok', len(sys.argv))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
