"""The operator's current selection, shared by every pane.

Whoever selects (a click on the map, a row in the queue) calls
:meth:`SelectionHub.select` with its own name as ``source``; every pane listens
to :attr:`SelectionHub.sig_changed` and ignores what it caused itself. Selecting
what is already selected changes nothing and emits nothing, so panes that answer
each other cannot loop.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QObject, Signal

from console.core.selection import MapObject, ObjectKind


class SelectionHub(QObject):
    """Holds the selected map objects (none, one, or a box's worth)."""

    # ---- Signals

    sig_changed = Signal(tuple, str)
    """The selection changed: the selected objects and who changed it."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._selected: tuple[MapObject, ...] = ()

    # ---- Public API

    @property
    def selected(self) -> tuple[MapObject, ...]:
        """The selected objects, in the order they were selected."""
        return self._selected

    def single(self, kind: ObjectKind | None = None) -> MapObject | None:
        """The one selected object (of ``kind``, if given), or None."""
        if len(self._selected) != 1:
            return None
        only = self._selected[0]
        return only if kind is None or only.kind is kind else None

    def select(self, objects: Iterable[MapObject], source: str, *, add: bool = False) -> None:
        """Select ``objects`` (added to the selection with ``add``; a repeat is dropped)."""
        chosen = list(self._selected) if add else []
        refs = {o.ref for o in chosen}
        for item in objects:
            if item.ref not in refs:
                chosen.append(item)
                refs.add(item.ref)
        self._set(tuple(chosen), source)

    def toggle(self, item: MapObject, source: str) -> None:
        """Add ``item`` to the selection, or take it out if it is in."""
        if any(o.ref == item.ref for o in self._selected):
            self._set(tuple(o for o in self._selected if o.ref != item.ref), source)
        else:
            self._set((*self._selected, item), source)

    def clear(self, source: str) -> None:
        """Select nothing."""
        self._set((), source)

    # ---- Internals

    def _set(self, objects: tuple[MapObject, ...], source: str) -> None:
        if [o.ref for o in objects] == [o.ref for o in self._selected]:
            return
        self._selected = objects
        self.sig_changed.emit(objects, source)
