"""Paints the incident queue a whole row at a time, without the per-cell style sheet path.

With the application style sheet, a plain ``QTableView`` asks ``QStyleSheetStyle``
to draw every cell's panel and text, and asks the model for every role of every
cell: with ~30 rows by 10 columns that is most of the time a filter change takes.
:class:`CaseTableView` paints its visible rows itself through
:class:`CaseRowDelegate`, from one cached tuple of texts and colours per row
(:meth:`~console.qt.incident_table_model.IncidentTableModel.row_cells`); texts
are elided and laid out once and reused as ``QStaticText``. Headers, scrolling,
selection, tooltips and keyboard handling stay the table view's own.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPaintEvent, QStaticText
from PySide6.QtWidgets import (
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from console.qt.incident_table_model import (
    BOLD_COLUMNS,
    CENTRED_COLUMNS,
    COL_STATE,
    REPEAT_MARK,
    Cell,
    IncidentTableModel,
    RowCells,
)
from console.qt.theme import ACCENT

PADDING = 6
"""Space left and right of a cell's text, in pixels."""
SELECTION_STRIPE = 3
"""Width of the accent stripe on the selected row's left edge."""
BADGE_ALPHA = 48
"""Opacity (0..255) of a state badge's fill."""
_TEXT_CACHE_LIMIT = 8000

ColumnSpan = tuple[int, int, int]
"""A column as painted: (logical column, left x, width)."""


class RowColours:
    """The colours a row is painted with, read from a view's palette."""

    def __init__(self, widget: QWidget) -> None:
        palette = widget.palette()
        self.base = palette.base().color()
        self.alternate = palette.alternateBase().color()
        self.selected = palette.highlight().color()
        self.text = palette.text().color()
        self.selected_text = palette.highlightedText().color()
        self.stripe = QColor(ACCENT)


class CaseRowDelegate(QStyledItemDelegate):
    """Paints queue cells and whole rows: plain or bold text, state badges, clock colours."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._texts: dict[tuple[str, int, bool], QStaticText] = {}
        self._font = QFont()
        self._bold = QFont()
        self._badge_font = QFont()
        self._metrics = QFontMetrics(self._font)
        self._bold_metrics = QFontMetrics(self._bold)

    # ---- Public API

    def set_font(self, font: QFont) -> None:
        """Paint with ``font`` (bold and smaller-bold variants are derived from it)."""
        if font == self._font:
            return
        self._font = QFont(font)
        self._bold = QFont(font)
        self._bold.setBold(True)
        self._badge_font = QFont(self._bold)
        size = font.pointSizeF()
        if size > 0:
            self._badge_font.setPointSizeF(max(6.0, size - 1))
        self._metrics = QFontMetrics(self._font)
        self._bold_metrics = QFontMetrics(self._bold)
        self._texts.clear()

    def paint_row(
        self,
        painter: QPainter,
        rect: QRect,
        cells: RowCells,
        columns: list[ColumnSpan],
        colours: RowColours,
        *,
        selected: bool,
        alternate: bool,
    ) -> None:
        """Paint one row: its background, every cell in ``columns``, the selection stripe."""
        if selected:
            painter.fillRect(rect, colours.selected)
        elif alternate:
            painter.fillRect(rect, colours.alternate)
        top, height = rect.top(), rect.height()
        for column, left, width in columns:
            if column < len(cells):
                self._paint_cell(
                    painter,
                    QRect(left, top, width, height),
                    column,
                    cells[column],
                    colours,
                    selected,
                )
        if selected:
            painter.fillRect(QRect(rect.left(), top, SELECTION_STRIPE, height), colours.stripe)

    # ---- Qt delegate interface

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        """Paint one cell (used by Qt outside the view's own row painting)."""
        model = index.model()
        cells = model.row_cells(index.row()) if isinstance(model, IncidentTableModel) else None
        if cells is None or not 0 <= index.column() < len(cells):
            super().paint(painter, option, index)
            return
        widget = option.widget  # type: ignore[attr-defined]
        colours = RowColours(widget) if isinstance(widget, QWidget) else None
        if colours is None:
            super().paint(painter, option, index)
            return
        self.set_font(option.font)  # type: ignore[attr-defined]
        selected = bool(option.state & QStyle.StateFlag.State_Selected)  # type: ignore[attr-defined]
        rect = QRect(option.rect)  # type: ignore[attr-defined]
        if selected:
            painter.fillRect(rect, colours.selected)
        self._paint_cell(painter, rect, index.column(), cells[index.column()], colours, selected)

    # ---- Internals

    def _paint_cell(
        self,
        painter: QPainter,
        rect: QRect,
        column: int,
        cell: Cell,
        colours: RowColours,
        selected: bool,
    ) -> None:
        if cell.background is not None:
            painter.fillRect(rect, cell.background)
        if not cell.text:
            return
        if column == COL_STATE and cell.foreground is not None:
            state, mark, count = cell.text.partition(f" {REPEAT_MARK}")
            if mark:
                rect = self._paint_repeats(painter, rect, f"{REPEAT_MARK}{count}", cell.foreground)
            self._paint_badge(painter, rect, state, cell.foreground)
            return
        bold = column in BOLD_COLUMNS
        text = self._static_text(cell.text, rect.width() - 2 * PADDING, bold)
        if text is None:
            return
        size = text.size()
        if column in CENTRED_COLUMNS:
            x = rect.left() + (rect.width() - size.width()) / 2
        else:
            x = rect.left() + PADDING
        y = rect.top() + (rect.height() - size.height()) / 2
        colour = cell.foreground
        if colour is None:
            colour = colours.selected_text if selected else colours.text
        painter.setPen(colour)
        painter.setFont(self._bold if bold else self._font)
        painter.drawStaticText(round(x), round(y), text)

    def _paint_badge(self, painter: QPainter, rect: QRect, text: str, colour: QColor) -> None:
        """A state as a rounded, tinted badge with the state's colour."""
        badge = QRectF(rect).adjusted(4, 3, -4, -3)
        fill = QColor(colour)
        fill.setAlpha(BADGE_ALPHA)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(fill)
        painter.drawRoundedRect(badge, 3, 3)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        painter.setPen(colour)
        painter.setFont(self._badge_font)
        painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, text)

    def _paint_repeats(self, painter: QPainter, rect: QRect, text: str, colour: QColor) -> QRect:
        """The repeat count (``×7``) at the cell's right; returns the room left for the badge."""
        width = QFontMetrics(self._badge_font).horizontalAdvance(text) + PADDING // 2 + 2
        width = min(width, rect.width() // 2)
        room = QRect(rect.right() - width + 1, rect.top(), width, rect.height())
        painter.setPen(colour)
        painter.setFont(self._badge_font)
        painter.drawText(room, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, text)
        return QRect(rect.left(), rect.top(), rect.width() - width + 2, rect.height())

    def _static_text(self, text: str, width: int, bold: bool) -> QStaticText | None:
        """``text`` elided to ``width`` and laid out once (cached)."""
        if width <= 0:
            return None
        key = (text, width, bold)
        found = self._texts.get(key)
        if found is not None:
            return found
        metrics = self._bold_metrics if bold else self._metrics
        shown = metrics.elidedText(text, Qt.TextElideMode.ElideRight, width)
        found = QStaticText(shown)
        found.setTextFormat(Qt.TextFormat.PlainText)
        found.setPerformanceHint(QStaticText.PerformanceHint.AggressiveCaching)
        found.prepare(font=self._bold if bold else self._font)
        if len(self._texts) >= _TEXT_CACHE_LIMIT:
            self._texts.clear()
        self._texts[key] = found
        return found


class CaseTableView(QTableView):
    """A table view of the case queue that paints its visible rows with a CaseRowDelegate."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.row_delegate = CaseRowDelegate(self)
        self.setItemDelegate(self.row_delegate)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        """Paint the rows the event's area touches, each in one go."""
        model = self.model()
        if not isinstance(model, IncidentTableModel) or model.rowCount() == 0:
            return
        area = event.rect()
        first = self.rowAt(area.top())
        if first < 0:
            return
        last = self.rowAt(area.bottom())
        if last < 0:
            last = model.rowCount() - 1
        columns = self._column_spans(area)
        if not columns:
            return
        left = min(x for _, x, _ in columns)
        right = max(x + w for _, x, w in columns)
        selection = self.selectionModel()
        selected = {index.row() for index in selection.selectedRows()} if selection else set()
        colours = RowColours(self)
        self.row_delegate.set_font(self.font())
        alternating = self.alternatingRowColors()
        painter = QPainter(self.viewport())
        try:
            for row in range(first, last + 1):
                cells = model.row_cells(row)
                if cells is None:
                    continue
                top = self.rowViewportPosition(row)
                rect = QRect(left, top, right - left, self.rowHeight(row))
                self.row_delegate.paint_row(
                    painter,
                    rect,
                    cells,
                    columns,
                    colours,
                    selected=row in selected,
                    alternate=alternating and row % 2 == 1,
                )
        finally:
            painter.end()

    def _column_spans(self, area: QRect) -> list[ColumnSpan]:
        """The shown columns that reach into ``area``, in their on-screen order."""
        header = self.horizontalHeader()
        spans: list[ColumnSpan] = []
        for visual in range(header.count()):
            column = header.logicalIndex(visual)
            if header.isSectionHidden(column):
                continue
            x, width = self.columnViewportPosition(column), self.columnWidth(column)
            if width > 0 and x + width > area.left() and x <= area.right():
                spans.append((column, x, width))
        return spans
