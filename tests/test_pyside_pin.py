"""Guard against PySide6 6.12 on Python < 3.12, which corrupts True/None refcounts.

Measured on this project's machines: PySide6 6.12.0 on Python 3.11 decrements
the reference counts of ``True`` and ``None`` on calls that return them, and the
interpreter crashes after a few thousand calls. 6.11 on 3.11 and 6.12 on 3.12
(where these objects are immortal) are clean.
"""

from __future__ import annotations

import sys
from importlib.metadata import version

import pytest

CALLS = 20_000


def _major_minor(text: str) -> tuple[int, int]:
    major, minor = text.split(".")[:2]
    return int(major), int(minor)


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="the pin applies below Python 3.12")
def test_installed_pyside6_is_below_6_12() -> None:
    for distribution in ("PySide6", "PySide6_Essentials", "shiboken6"):
        assert _major_minor(version(distribution)) < (6, 12), distribution


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="True and None are immortal from 3.12")
def test_pyside_calls_keep_true_and_none_refcounts(qapp: object) -> None:
    from PySide6.QtCore import QObject

    obj = QObject()
    true_before, none_before = sys.getrefcount(True), sys.getrefcount(None)
    for _ in range(CALLS):
        obj.signalsBlocked()  # returns a bool
        obj.isWidgetType()
        obj.parent()  # returns None
        obj.blockSignals(False)
    # a leak-free binding leaves both counts where they were (small drift from
    # the interpreter itself is tolerated; the broken binding loses thousands)
    assert sys.getrefcount(True) - true_before > -100
    assert sys.getrefcount(None) - none_before > -100


def test_project_metadata_pins_pyside6() -> None:
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "pyproject.toml").read_text()
    assert "PySide6>=6.9,<6.12; python_version < '3.12'" in text
