"""The find box: suggestions while typing (Chinese, pinyin, initials, ids, plates), Enter goes.

The box only finds; what "go there" means (centre the map, look up a moving
vehicle's position) is decided by whoever listens to :attr:`SearchBox.sig_chosen`.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QSize, QStringListModel, Qt, Signal
from PySide6.QtWidgets import QCompleter, QLineEdit, QWidget

from console.core.search import SearchHit, SearchIndex

SUGGESTIONS = 12
WIDTH = 360


class SearchBox(QLineEdit):
    """A line edit offering the best matches of a :class:`SearchIndex` as one types."""

    # ---- Signals

    sig_chosen = Signal(object)
    """A hit was chosen (a :class:`SearchHit`)."""

    def __init__(self, index: SearchIndex, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._index = index
        self._hits: list[SearchHit] = []
        self.setObjectName("findBox")
        self.setPlaceholderText("Find place, unit, bridge, plate  (Ctrl+F)")
        self.setToolTip("Chinese, pinyin or initials (龙子湖 · longzihu · lzhq), unit ids, plates")
        self.setClearButtonEnabled(True)
        self.setStyleSheet("QLineEdit#findBox { padding: 0px 6px; margin: 2px 6px 2px 0px; }")
        self._model = QStringListModel(self)
        completer = QCompleter(self._model, self)
        completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setMaxVisibleItems(SUGGESTIONS)
        completer.activated[QModelIndex].connect(self._on_activated)
        self.setCompleter(completer)
        self.textEdited.connect(self._on_edited)
        self.returnPressed.connect(self._on_return)

    # ---- Public API

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        """Wide enough for a place name and its level (a menu bar lays its corner out by this)."""
        return QSize(WIDTH, super().sizeHint().height())

    def suggestions(self) -> list[SearchHit]:
        """What is offered for the current text, best first."""
        return list(self._hits)

    def choose(self, row: int) -> bool:
        """Choose suggestion ``row``; False if there is none."""
        if not 0 <= row < len(self._hits):
            return False
        self.sig_chosen.emit(self._hits[row])
        return True

    # ---- Internals

    def _on_edited(self, text: str) -> None:
        self._hits = self._index.suggest(text, SUGGESTIONS)
        self._model.setStringList([f"{hit.label}   ·   {hit.detail}" for hit in self._hits])
        completer = self.completer()
        if self._hits:
            completer.complete()
        else:
            completer.popup().hide()

    def _on_activated(self, index: QModelIndex) -> None:
        self.choose(index.row())

    def _on_return(self) -> None:
        popup = self.completer().popup()
        if popup.isVisible() and popup.currentIndex().isValid():
            return  # the completer's own activation chooses it
        self.choose(0)
