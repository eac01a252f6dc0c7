"""The command palette (Ctrl+K): find any action by typing part of its name, Enter runs it.

It lists the actions registered with it and every action of the window's
menus, with each one's shortcut; actions not allowed now are shown greyed with
the reason, and Enter on one shows that reason instead of running it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QAction, QColor, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

Explain = Callable[[QAction], str]
"""Why an action is disabled ('' if unknown)."""

DISABLED_COLOUR = "#5b6573"
SHORTCUT_COLOUR = "#9aa4b2"


def plain_text(action: QAction) -> str:
    """The action's text without mnemonics and trailing ellipsis."""
    return action.text().replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip("…. ")


def match_score(query: str, text: str) -> int | None:
    """How well ``query`` matches ``text`` (lower is better); None if it does not.

    A substring match beats a match of the letters in order (a fuzzy match);
    earlier and word-start matches beat later ones.
    """
    query = query.strip().lower()
    text = text.lower()
    if not query:
        return 0
    at = text.find(query)
    if at >= 0:
        word_start = at == 0 or not text[at - 1].isalnum()
        return at if word_start else 50 + at
    position = 0
    gaps = 0
    for char in query:
        found = text.find(char, position)
        if found < 0:
            return None
        gaps += found - position
        position = found + 1
    return 200 + gaps


def menu_actions(window: QMainWindow) -> dict[QAction, str]:
    """Every leaf action of the window's menu bar (sub-menus walked), with its menu's name."""
    found: dict[QAction, str] = {}

    def walk(actions: Iterable[QAction], menu_name: str) -> None:
        for action in actions:
            menu = action.menu()
            if isinstance(menu, QMenu):
                walk(menu.actions(), plain_text(action))
            elif not action.isSeparator() and action.text():
                found.setdefault(action, menu_name)

    walk(window.menuBar().actions(), "")
    return found


class CommandPalette(QFrame):
    """A frameless popup: a search line over the matching actions."""

    # ---- Signals

    sig_triggered = Signal(str)
    """An action was run from the palette; carries its text."""

    def __init__(
        self,
        actions: Sequence[QAction] = (),
        window: QMainWindow | None = None,
        explain: Explain | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent or window, Qt.WindowType.Popup | Qt.WindowType.FramelessWindowHint)
        self.setObjectName("commandPalette")
        self.setStyleSheet(
            "#commandPalette { background: #161d26; border: 1px solid #2f81f7; }"
            "QTreeWidget { border: none; background: #0d1117; }"
        )
        self._actions: list[QAction] = list(actions)
        self._window = window
        self._explain = explain
        self._shown: list[QAction] = []
        self._menu_of: dict[QAction, str] = {}
        self.search = QLineEdit(
            placeholderText="Type a command…  (↑↓ choose, Enter run, Esc close)"
        )
        self.search.textChanged.connect(self._filter)
        self.search.installEventFilter(self)
        self.list = QTreeWidget()
        self.list.setHeaderHidden(True)
        self.list.setColumnCount(2)
        self.list.setRootIsDecorated(False)
        self.list.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.list.itemActivated.connect(lambda _item, _c: self.run_current())
        self.list.itemClicked.connect(lambda _item, _c: self.run_current())
        self.hint = QLabel(wordWrap=True)
        self.hint.setStyleSheet("color: #ffb4b4;")
        self.hint.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.search)
        layout.addWidget(self.list)
        layout.addWidget(self.hint)
        self.resize(560, 380)

    # ---- Public API

    def add_actions(self, actions: Iterable[QAction]) -> None:
        """Register more actions with the palette."""
        for action in actions:
            if action not in self._actions:
                self._actions.append(action)

    def all_actions(self) -> list[QAction]:
        """The registered actions and the window's menu actions, each once."""
        self._menu_of = menu_actions(self._window) if self._window is not None else {}
        seen: dict[QAction, None] = {}
        for action in [*self._actions, *self._menu_of]:
            if action.isVisible() and plain_text(action):
                seen.setdefault(action, None)
        return list(seen)

    def label(self, action: QAction) -> str:
        """How ``action`` is listed: its text, after its menu's name for window actions."""
        menu = self._menu_of.get(action, "")
        if action in self._actions or not menu:
            return plain_text(action)
        return f"{menu} › {plain_text(action)}"

    def popup(self) -> None:
        """Show the palette over the top of the window, empty and focused."""
        anchor = self._window or self.parentWidget()
        if anchor is not None:
            top_left = anchor.mapToGlobal(anchor.rect().topLeft())
            self.move(top_left.x() + (anchor.width() - self.width()) // 2, top_left.y() + 60)
        self.search.clear()
        self.hint.hide()
        self._filter("")
        self.show()
        self.raise_()
        self.activateWindow()
        self.search.setFocus()

    def shown_actions(self) -> list[QAction]:
        """The actions listed now, best match first."""
        return list(self._shown)

    def run_current(self) -> bool:
        """Run the highlighted action; if it is not allowed now, say why and stay open."""
        row = self.list.indexOfTopLevelItem(self.list.currentItem())
        if not 0 <= row < len(self._shown):
            return False
        action = self._shown[row]
        if not action.isEnabled():
            self.hint.setText(f"{plain_text(action)}: {self._why(action)}")
            self.hint.show()
            return False
        self.hide()
        action.trigger()
        self.sig_triggered.emit(plain_text(action))
        return True

    # ---- Internals

    def _why(self, action: QAction) -> str:
        why = self._explain(action) if self._explain is not None else ""
        return why or "not available now"

    def _filter(self, query: str) -> None:
        scored = []
        for order, action in enumerate(self.all_actions()):
            score = match_score(query, self.label(action))
            if score is not None:
                scored.append((score, not action.isEnabled(), order, action))
        scored.sort(key=lambda entry: entry[:3])
        self._shown = [entry[3] for entry in scored]
        self.list.clear()
        for action in self._shown:
            keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            text = self.label(action)
            if not action.isEnabled():
                text = f"{text}  —  {self._why(action)}"
            item = QTreeWidgetItem([text, keys])
            item.setTextAlignment(1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            item.setForeground(1, QColor(SHORTCUT_COLOUR))
            if not action.isEnabled():
                item.setForeground(0, QColor(DISABLED_COLOUR))
            item.setToolTip(0, action.toolTip())
            self.list.addTopLevelItem(item)
        self.list.setColumnWidth(0, self.width() - 120)
        if self._shown:
            self.list.setCurrentItem(self.list.topLevelItem(0))
        self.hint.hide()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        """Up/Down move through the list, Enter runs, Esc closes (focus stays in the search)."""
        if watched is self.search and isinstance(event, QKeyEvent):
            if event.type() != QEvent.Type.KeyPress:
                return False
            key = event.key()
            if key in (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown):
                step = {Qt.Key.Key_Up: -1, Qt.Key.Key_Down: 1, Qt.Key.Key_PageUp: -8}.get(
                    Qt.Key(key), 8
                )
                row = self.list.indexOfTopLevelItem(self.list.currentItem()) + step
                row = max(0, min(self.list.topLevelItemCount() - 1, row))
                self.list.setCurrentItem(self.list.topLevelItem(row))
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.run_current()
                return True
            if key == Qt.Key.Key_Escape:
                self.hide()
                return True
        return super().eventFilter(watched, event)
