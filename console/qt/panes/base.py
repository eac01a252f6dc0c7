"""What every pane is: an id, a title, a dock area, bus subscriptions and a refresh.

A pane subscribes in :meth:`Pane.subscribe` (returning its handles), keeps what
arrives in a core model or marks itself dirty, and repaints in :meth:`Pane.refresh`,
which the frame tick calls only while the pane is visible. :meth:`Pane.detach`
closes every handle; closing the pane detaches it.
"""

from __future__ import annotations

from typing import Any, ClassVar

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QWidget

from console.core.bus import EventBus, Subscription


class Pane(QWidget):
    """Base of all panes."""

    PANE_ID: ClassVar[str] = ""
    TITLE: ClassVar[str] = ""
    DEFAULT_AREA: ClassVar[Qt.DockWidgetArea] = Qt.DockWidgetArea.RightDockWidgetArea
    LIVE_REFRESH: ClassVar[bool] = False
    """Refresh after every drain of the bus (20 ms) rather than every frame (40 ms): for
    a pane that shows live positions and keeps its refresh cheap when nothing changed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(self.PANE_ID)
        self._handles: list[Subscription] = []

    # ---- Public API

    def attach(self, bus: EventBus) -> None:
        """Subscribe to the bus; a pane attached twice is detached first."""
        self.detach()
        self._handles = list(self.subscribe(bus))

    def detach(self) -> None:
        """Close every subscription of this pane."""
        for handle in self._handles:
            handle.close()
        self._handles = []

    @property
    def attached(self) -> bool:
        """Whether the pane holds open subscriptions."""
        return bool(self._handles)

    def subscribe(self, bus: EventBus) -> list[Subscription]:
        """Open this pane's subscriptions; override in panes that listen."""
        return []

    def refresh(self) -> None:
        """Repaint from the latest state; called on the frame tick while visible."""

    def save_state(self) -> dict[str, Any]:
        """Pane settings to remember between sessions (JSON-serialisable)."""
        return {}

    def restore_state(self, state: dict[str, Any]) -> None:
        """Apply settings saved by :meth:`save_state`; unknown keys are ignored."""

    # ---- Qt overrides

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt name)
        self.detach()
        super().closeEvent(event)
