"""Process environment Qt needs, set before the first Qt import."""

from __future__ import annotations

import os


def prepare_qt_environment(headless: bool = False) -> None:
    """Set the variables Qt and QtWebEngine read at start-up.

    ``headless`` selects the offscreen platform (tests, benchmarks, screenshots
    without a display). Running as root, Chromium's sandbox must be off.
    """
    if headless:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
    flags = os.environ.get("QTWEBENGINE_CHROMIUM_FLAGS", "")
    for flag in ("--disable-logging", "--disable-background-networking"):
        if flag not in flags:
            flags = f"{flags} {flag}".strip()
    os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] = flags
    os.environ.setdefault("QT_LOGGING_RULES", "qt.webenginecontext.info=false")
